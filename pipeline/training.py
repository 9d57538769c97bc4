"""Train the small Observation NER (`models/ner/`) from the LCT corpus, dev split only (issue #5).

LCT marks an Observation with two text-bound annotations on the same span: the event trigger
`Observation` and its `Observation-Name` (2,040 of 2,073 in the corpus; the rest name a specimen or
a vague word elsewhere). So one label, OBSERVATION, trained on the trigger spans, predicts both.

    python -m pipeline.training ../shared/corpora/lct/annotated        # = make train-ner

1. `build_corpus`: every LCT document with `lct_split(doc_id) == "dev"` (never "heldout") becomes a
   Doc tokenized by *our* tokenizer (`pipeline.tokenizer.clinical_tokenizer`), so that predicted
   token boundaries are the ones the rest of the pipeline sees; gold spans go through
   `Doc.char_span(alignment_mode=...)` and the ones that do not fall on token boundaries are
   counted (`CorpusStats.misaligned`). A second hash splits the dev documents 90/10 into train and
   eval (early stopping and model selection only).
2. `train`: `spacy train` with `models/ner/train.cfg` on those DocBins; the best model (tok2vec +
   ner, no vectors) is written to `models/ner/` with the corpus statistics in `meta.json`.

Choosing settings: `--validation` trains without a third hash's fifth of dev
(`validation_split`); score those documents with `eligibility evaluate-brat --split dev --ids` on
the ids of `--list-validation`. The heldout split is not for choosing anything
(models/ner/README.md lists what was tried).

No LCT text is written into the repository: the DocBins live in a temporary directory; the saved
model holds weights and the vocabulary strings only.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import logging
import shutil
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator, Optional, Sequence, Union

from .brat import BratDoc, lct_split, read_ann
from .paths import models_dir

log = logging.getLogger(__name__)

LABEL = "OBSERVATION"
# brat entity type -> NER label; one label by default (see the module docstring)
DEFAULT_TYPES = {"Observation": LABEL}
EVAL_SHARE = 10  # one dev document in EVAL_SHARE goes to the early-stopping eval set
VALIDATION_SHARE = 5  # one dev document in VALIDATION_SHARE is the validation part (--validation)


def config_path() -> Path:
    return models_dir() / "ner" / "train.cfg"


def ner_split(doc_id: str) -> str:
    """ "eval" for one dev document in ten, else "train"; a hash independent of `lct_split`'s."""
    digest = hashlib.sha1(f"ner-eval:{doc_id}".encode("utf-8")).digest()
    return "eval" if digest[0] % EVAL_SHARE == 0 else "train"


def validation_split(doc_id: str) -> str:
    """ "validation" for one dev document in five, else "fit"; a third independent hash.

    Only for choosing training settings: `--validation` trains without these documents, and they
    are scored (`evaluate-brat --ids`) as a stand-in for the heldout split, which is never used
    to choose anything. The shipped model is trained on all of dev with the chosen settings."""
    digest = hashlib.sha1(f"ner-validation:{doc_id}".encode("utf-8")).digest()
    return "validation" if digest[0] % VALIDATION_SHARE == 0 else "fit"


def lct_documents(
    gold_dir: Union[str, Path], split: Optional[str] = "dev"
) -> Iterator[tuple[str, str, BratDoc]]:
    """(doc_id, text, gold) of the LCT documents of one `lct_split` part (all of them for None)."""
    gold_dir = Path(gold_dir)
    anns = sorted(gold_dir.glob("*.ann"))
    if not anns:
        raise FileNotFoundError(f"no brat documents (*.ann + *.txt) in {gold_dir}")
    for ann in anns:
        if split is not None and lct_split(ann.stem) != split:
            continue
        # universal newlines, as brat.py reads it
        with open(ann.with_suffix(".txt"), encoding="utf-8") as fh:
            text = fh.read()
        yield ann.stem, text, read_ann(ann)


def gold_spans(doc: BratDoc, types: dict[str, str] = DEFAULT_TYPES) -> list[tuple[int, int, str]]:
    """The distinct (start, end, label) of the entities of the mapped types (one fragment each)."""
    out = set()
    for ent in doc.entities.values():
        label = types.get(ent.type)
        if label is not None:
            out.add((ent.start, ent.end, label))
    return sorted(out)


@dataclass
class CorpusStats:
    """What happened to the gold spans on their way into the DocBins."""

    documents: dict = field(default_factory=dict)  # train / eval -> count
    spans: int = 0  # gold spans seen
    kept: int = 0  # in the DocBins
    misaligned: int = 0  # not on token boundaries (then expanded / contracted, or lost)
    lost: int = 0  # misaligned and no span left after contraction
    overlapping: int = 0  # dropped: overlapped a longer kept span (NER spans cannot overlap)
    misaligned_examples: list = field(default_factory=list)  # token-level descriptions, no text


def docs_from_brat(
    nlp,
    items: Sequence[tuple[str, str, BratDoc]],
    types: dict[str, str] = DEFAULT_TYPES,
    alignment_mode: str = "expand",
    stats: Optional[CorpusStats] = None,
):
    """Docs tokenized by `nlp.tokenizer` with the gold spans as `doc.ents`."""
    from spacy.util import filter_spans

    stats = stats if stats is not None else CorpusStats()
    for doc_id, text, gold in items:
        doc = nlp.make_doc(text)
        spans = []
        for s, e, label in gold_spans(gold, types):
            stats.spans += 1
            span = doc.char_span(s, e, label=label)
            if span is None:
                stats.misaligned += 1
                span = doc.char_span(s, e, label=label, alignment_mode=alignment_mode)
                if len(stats.misaligned_examples) < 20 and span is not None:
                    stats.misaligned_examples.append(
                        f"{doc_id}:{s}-{e} -> {span.start_char}-{span.end_char}")
                if span is None or not len(span):
                    stats.lost += 1
                    continue
            spans.append(span)
        kept = filter_spans(spans)
        stats.overlapping += len(spans) - len(kept)
        stats.kept += len(kept)
        doc.ents = kept
        yield doc


def blank_nlp():
    """A blank English pipeline with our clinical tokenizer (what train.cfg builds too)."""
    import spacy

    from .tokenizer import clinical_tokenizer

    nlp = spacy.blank("en")
    nlp.tokenizer = clinical_tokenizer(nlp)
    return nlp


def build_corpus(
    gold_dir: Union[str, Path],
    out_dir: Union[str, Path],
    types: dict[str, str] = DEFAULT_TYPES,
    alignment_mode: str = "expand",
    without_validation: bool = False,
    early_stopping: bool = True,
) -> CorpusStats:
    """Write `train.spacy` and `eval.spacy` (LCT dev documents only) into out_dir; without the
    validation part (`validation_split`) when `without_validation`."""
    from spacy.tokens import DocBin

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp = blank_nlp()
    stats = CorpusStats()
    items = list(lct_documents(gold_dir, "dev"))
    if without_validation:
        items = [it for it in items if validation_split(it[0]) == "fit"]
    for part in ("train", "eval"):
        if early_stopping:
            chosen = [it for it in items if ner_split(it[0]) == part]
        else:  # everything is trained on; a token eval set (spaCy wants one), not used to select
            chosen = items if part == "train" else items[:3]
        stats.documents[part] = len(chosen)
        db = DocBin(store_user_data=False)
        for doc in docs_from_brat(nlp, chosen, types, alignment_mode, stats):
            db.add(doc)
        db.to_disk(out_dir / f"{part}.spacy")
    return stats


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def train(
    gold_dir: Union[str, Path],
    output: Union[str, Path, None] = None,
    config: Union[str, Path, None] = None,
    overrides: Optional[dict] = None,
    types: dict[str, str] = DEFAULT_TYPES,
    alignment_mode: str = "expand",
    without_validation: bool = False,
    early_stopping: bool = True,
) -> dict:
    """Build the corpus, run `spacy train`, save the best model to `output` (default models/ner/).

    `overrides`: spaCy config overrides ({"components.tok2vec.model.encode.width": 96, ...}).
    Returns a summary (corpus statistics, best eval scores, seconds, size on disk).
    """
    from spacy.cli.train import train as spacy_train

    from . import ner  # noqa: F401 - registers eligibility.ner_tokenizer.v1 (train.cfg's tokenizer)

    output = Path(output) if output is not None else models_dir() / "ner"
    config = Path(config) if config is not None else config_path()
    with tempfile.TemporaryDirectory(prefix="ner-train-") as tmp:
        tmp = Path(tmp)
        stats = build_corpus(gold_dir, tmp / "corpus", types, alignment_mode, without_validation,
                             early_stopping)
        if not early_stopping:  # the last model after training.max_steps, no evaluation on the way
            overrides = {"training.eval_frequency": 100000, **(overrides or {})}
        shown = {k: v for k, v in asdict(stats).items() if k != "misaligned_examples"}
        log.info("corpus: %s", shown)
        t0 = time.perf_counter()
        spacy_train(
            config,
            tmp / "out",
            overrides={
                "paths.train": str(tmp / "corpus" / "train.spacy"),
                "paths.dev": str(tmp / "corpus" / "eval.spacy"),
                **(overrides or {}),
            },
        )
        seconds = time.perf_counter() - t0
        nlp = ner._load(str(tmp / "out" / ("model-best" if early_stopping else "model-last")))
    meta = nlp.meta
    meta.update(
        name="lct_observation",
        version="0.1.0",
        description="Observation spans (LCT schema) for eligibility criteria; trained on the LCT "
        "dev split (pipeline.brat.lct_split) by pipeline.training; tok2vec + ner, no vectors.",
        license="MIT",
    )
    meta["training"] = {
        "corpus": "LCT (Leaf Clinical Trials) annotated, dev split only"
        + (" minus the validation part" if without_validation else ""),
        "types": types,
        "alignment_mode": alignment_mode,
        "stats": {k: v for k, v in asdict(stats).items() if k != "misaligned_examples"},
        "seconds": round(seconds, 1),
        "overrides": overrides or {},
    }
    _save(nlp, output)
    size = _dir_size(output)
    return {
        "output": str(output),
        "stats": asdict(stats),
        "seconds": round(seconds, 1),
        "bytes": size,
        "scores": {k: meta.get("performance", {}).get(k) for k in ("ents_p", "ents_r", "ents_f")},
    }


def _save(nlp, output: Path) -> None:
    """Write the pipeline to `output`, replacing a previous one but keeping other files there (the
    training config, the README), with no temporary paths left in its config.cfg."""
    output.mkdir(parents=True, exist_ok=True)
    for name in ("config.cfg", "meta.json", "tokenizer", "vocab", *nlp.pipe_names):
        old = output / name
        if old.is_dir():
            shutil.rmtree(old)
        elif old.exists():
            old.unlink()
    nlp.to_disk(output, exclude=["tokenizer"])  # rebuilt from code on load (pipeline.ner)
    cfg = output / "config.cfg"
    lines = []
    section = ""
    for line in cfg.read_text(encoding="utf-8").splitlines():
        if line.startswith("["):
            section = line.strip()
        if section == "[paths]" and line.split(" = ")[0] in ("train", "dev"):
            line = line.split(" = ")[0] + " = null"
        lines.append(line)
    cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: Optional[Sequence[str]] = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m pipeline.training", description=__doc__.split("\n")[0]
    )
    ap.add_argument("gold_dir", nargs="?", default="../shared/corpora/lct/annotated")
    ap.add_argument("-o", "--output", default=None, help="model directory (default models/ner/)")
    ap.add_argument("-c", "--config", default=None,
                    help="training config (default models/ner/train.cfg)")
    ap.add_argument("--alignment-mode", default="expand", choices=["expand", "contract"])
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="spaCy config override, e.g. components.tok2vec.model.encode.width=96")
    ap.add_argument("--also", action="append", default=[], metavar="TYPE",
                    help="a second brat entity type to learn as its own label (e.g. Condition)")
    ap.add_argument("--corpus-only", metavar="DIR", help="only write train/eval DocBins into DIR")
    ap.add_argument("--validation", action="store_true",
                    help="train without the validation part of dev (for choosing settings)")
    ap.add_argument("--no-early-stopping", action="store_true",
                    help="train on every document, keep the model after training.max_steps")
    ap.add_argument("--list-validation", action="store_true",
                    help="print the ids of the validation part (for evaluate-brat --ids) and exit")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    types = {**DEFAULT_TYPES, **{t: t.upper() for t in args.also}}
    if args.list_validation:
        for doc_id, _, _ in lct_documents(args.gold_dir, "dev"):
            if validation_split(doc_id) == "validation":
                print(doc_id)
        return 0
    if args.corpus_only:
        stats = build_corpus(args.gold_dir, args.corpus_only, types, args.alignment_mode,
                             args.validation, not args.no_early_stopping)
        print(json.dumps(asdict(stats), indent=1))
        return 0
    overrides = {}
    for item in args.set:
        key, _, value = item.partition("=")
        try:
            overrides[key] = json.loads(value)
        except json.JSONDecodeError:
            overrides[key] = value
    summary = train(args.gold_dir, args.output, args.config, overrides, types, args.alignment_mode,
                    args.validation, not args.no_early_stopping)
    summary["stats"].pop("misaligned_examples", None)
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
