"""Throughput and memory of the full pipeline against spaCy's bare tokenizer on the same texts.

Usage: python benchmarks/throughput.py [--corpus ctgov|registry-sample] [--scale 1 10 100] [--jobs 1 2]

Reports trials/s, tokens/s (spaCy tokens of the same texts), peak RSS of this process, and the
ratio of our full pipeline's time to the bare tokenizer's time (the floor any spaCy pipeline
pays). Not a unit test: numbers depend on the machine; the README records what it printed.
"""
from __future__ import annotations

import argparse
import gzip
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"


def load_texts(corpus: str) -> list[tuple[str, str]]:
    if corpus == "ctgov" and (SHARED / "ctgov" / "studies.jsonl.gz").exists():
        out = []
        with gzip.open(SHARED / "ctgov" / "studies.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in fh:
                d = json.loads(line)
                ps = d["protocolSection"]
                out.append((ps["identificationModule"]["nctId"], ps["eligibilityModule"]["eligibilityCriteria"]))
        return out
    files = sorted((SHARED / "registry-sample").glob("*.txt"))
    if not files:
        sys.exit("no corpus found under ../shared/corpora")
    return [(f.stem, f.read_text(encoding="utf-8")) for f in files]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", default="ctgov", choices=["ctgov", "registry-sample"])
    ap.add_argument("--scale", type=int, nargs="+", default=[1])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1])
    args = ap.parse_args()

    t0 = time.perf_counter()
    import spacy

    from pipeline import Trial
    from pipeline.extract import process_parallel

    nlp = spacy.blank("en")
    startup = time.perf_counter() - t0
    base = load_texts(args.corpus)
    chars = sum(len(t) for _, t in base)
    print(f"corpus {args.corpus}: {len(base)} trials, {chars / 1e6:.1f} M chars; import time {startup:.2f} s")
    # warm the lazy rule/lexicon caches outside the timings
    list(process_parallel([Trial("warm", "warm", base[0][1])], 1))

    for scale in args.scale:
        texts = base * scale
        t = time.perf_counter()
        n_tokens = sum(len(d) for d in nlp.tokenizer.pipe((x for _, x in texts), batch_size=256))
        tok_s = time.perf_counter() - t
        for jobs in args.jobs:
            trials = (Trial(f"{tid}#{i}", "bench", x) for i, (tid, x) in enumerate(texts))
            t = time.perf_counter()
            n_criteria = 0
            for _, rows in process_parallel(trials, jobs):
                n_criteria += len(rows)
            dt = time.perf_counter() - t
            print(
                f"scale {scale:>3}x jobs {jobs}: {len(texts)} trials in {dt:.2f} s = {len(texts) / dt:,.0f} trials/s, "
                f"{n_tokens / dt:,.0f} tokens/s, {n_criteria} criteria; bare tokenizer {tok_s:.2f} s "
                f"(ratio {dt / tok_s:.2f}); peak RSS {peak_rss_mb():.0f} MB"
            )


if __name__ == "__main__":
    main()
