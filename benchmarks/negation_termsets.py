"""Side by side: negspacy's stock `en_clinical` termset versus ours (models/rules/negation_termset.json).

Usage: python benchmarks/negation_termsets.py

Both termsets run through the same NegEx scope rules (`pipeline.negation.find_cue`), on the same
sets: our gold (dev and test splits: negated and polarity accuracy) and the LCT corpus (exact-span
P/R/F1 of the record-level negation cue against LCT Negation entities, and the full brat mapping,
on the LCT dev and heldout parts of `pipeline.brat.lct_split`).

The brat mapping emits LCT cues from `models/rules/negation_cues.jsonl` (`negation.find_cues`), not
from the record-level cue; the termset reaches it only through its pseudo-negations, so the last two
columns differ little between the rows by design.
"""
from __future__ import annotations

from pathlib import Path

from negspacy.termsets import termset as negspacy_termset

from pipeline import negation
from pipeline.brat import evaluate_brat, read_ann
from pipeline.criteria import build_criteria
from pipeline.evaluate import evaluate, load_gold
from pipeline.schema import Trial

LCT = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "lct" / "annotated"


def lct_record_cues() -> tuple[float, float, float]:
    tp = fp = fn = 0
    for ann in sorted(LCT.glob("*.ann")):
        text = ann.with_suffix(".txt").read_text(encoding="utf-8")
        gold = {(e.start, e.end) for e in read_ann(ann).entities.values() if e.type == "Negation"}
        pred = {(c.negation_cue.start, c.negation_cue.end) for c in build_criteria(Trial(ann.stem, "lct", text))
                if c.negation_cue is not None}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def measure(name: str) -> list[str]:
    row = [name]
    for split in ("dev", "test"):
        rep = evaluate(load_gold(split=split))
        row += [f"{rep.acc['negated'].value:.3f}", f"{rep.acc['polarity'].value:.3f}"]
    if LCT.is_dir():
        p, r, f = lct_record_cues()
        row += [f"{100 * p:.1f}/{100 * r:.1f}/{100 * f:.1f}"]
        for split in ("dev", "heldout"):
            neg = evaluate_brat(LCT, split=split).types["Negation"]["exact"]
            row += [f"{100 * neg['p']:.1f}/{100 * neg['r']:.1f}/{100 * neg['f1']:.1f}"]
    return row


def main() -> None:
    header = ["termset", "dev negated", "dev polarity", "test negated", "test polarity",
              "LCT record cue P/R/F1 (all)", "LCT brat Negation P/R/F1 dev", "LCT brat Negation P/R/F1 heldout"]
    rows = [measure("ours (models/rules)")]
    stock = negspacy_termset("en_clinical").get_patterns()
    compiled = negation.compile_termset(stock)
    original = negation._regexes
    negation._regexes = lambda: compiled
    try:
        rows.append(measure("negspacy en_clinical"))
    finally:
        negation._regexes = original
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
