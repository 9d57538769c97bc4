"""Throughput and memory of `eligibility extract` against spaCy's bare tokenizer on the same texts.

Usage:
    python benchmarks/throughput.py [--corpus ctgov|ctgov-all|registry-sample] [--scale 1 10]
                                    [--jobs 1 2] [--format jsonl] [--json results.json]

The corpus (`../shared/corpora/ctgov/studies.jsonl.gz`: 1,477 full-length API v2 records; `ctgov-all`
adds the legacy XML and HINT files; `registry-sample` the 1,198 text files) is read with
`pipeline.read` and replicated `scale` times *as a stream* (trial ids get a `#r` suffix; nothing is
held in memory). Every measurement runs in its own child process, so that each peak RSS belongs to
that measurement alone:

* `read`      the stream only (reading, decompressing, JSON / XML parsing).
* `tokenize`  `spacy.blank("en").tokenizer.pipe` over the criteria texts of the stream (the floor any
              spaCy pipeline pays); gives the token count.
* `nlp`       `pipeline.extract.process` over the stream (the NLP stages, no output).
* `extract`   `pipeline.batch.extract_records` over the stream into a JSONL (or --format) output
              with manifest: the whole command, with `--jobs N`.

Reported: trials/s, tokens/s (spaCy tokens / extract seconds), peak RSS of the main process and of
the largest worker, the ratio extract / tokenize (both read the same stream: reading is in both) and
the ratio net of reading, the `--jobs` speed-up, and the load average (other processes on the
machine slow every number down; say so when quoting them). Not a unit test.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"


def corpus_paths(corpus: str) -> list[Path]:
    ct = SHARED / "ctgov"
    if corpus in ("ctgov", "ctgov-all") and (ct / "studies.jsonl.gz").exists():
        extra = [ct / "legacy_xml.tar.gz", ct / "hint_criteria.jsonl.gz"] if corpus == "ctgov-all" else []
        return [ct / "studies.jsonl.gz"] + [p for p in extra if p.exists()]
    if (SHARED / "registry-sample").is_dir():
        return [SHARED / "registry-sample"]
    sys.exit("no corpus found under ../shared/corpora")


def stream(paths: list[Path], scale: int):
    """The corpus `scale` times over, read lazily; copies get distinct trial ids."""
    from pipeline import Trial, read

    for r in range(scale):
        for rec in read([str(p) for p in paths]):
            if isinstance(rec, Trial) and r:
                rec = dataclasses.replace(rec, trial_id=f"{rec.trial_id}#{r}")
            yield rec


def peak_rss_mb(who=resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def child(mode: str, corpus: str, scale: int, jobs: int, fmt: str) -> dict:
    paths = corpus_paths(corpus)
    import pipeline  # noqa: F401 - start-up is measured by benchmarks/startup.py, not here

    out: dict = {"mode": mode, "scale": scale, "jobs": jobs, "load_before": os.getloadavg()[0]}
    t = time.perf_counter()
    if mode == "read":
        from pipeline import Trial

        n = chars = 0
        for rec in stream(paths, scale):
            n += 1
            chars += len(rec.criteria) if isinstance(rec, Trial) else 0
        out.update(records=n, chars=chars)
    elif mode == "tokenize":
        import spacy

        from pipeline import Trial

        nlp = spacy.blank("en")
        t = time.perf_counter()  # spaCy's import is not the tokenizer's cost
        texts = (r.criteria for r in stream(paths, scale) if isinstance(r, Trial))
        out["tokens"] = sum(len(doc) for doc in nlp.tokenizer.pipe(texts, batch_size=256))
    elif mode == "nlp":
        from pipeline.extract import process

        out["criteria"] = sum(len(rows) for _, rows in process(stream(paths, scale)))
    elif mode == "extract":
        from pipeline.batch import extract_records

        with tempfile.TemporaryDirectory() as tmp:
            s = extract_records(stream(paths, scale), Path(tmp) / f"out.{fmt}", jobs=jobs)
            out.update(records=s.read, ok=s.ok, errors=s.errors, criteria=s.criteria,
                       output_mb=sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file()) / 1e6)
    out["seconds"] = time.perf_counter() - t
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out["cpu_main_s"] = me.ru_utime + me.ru_stime
    out["cpu_workers_s"] = kids.ru_utime + kids.ru_stime
    out["rss_mb"] = peak_rss_mb()
    out["workers_rss_mb"] = peak_rss_mb(resource.RUSAGE_CHILDREN)
    out["load_after"] = os.getloadavg()[0]
    return out


def run_child(args, mode: str, scale: int, jobs: int = 1) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--corpus", args.corpus, "--scale", str(scale),
           "--jobs", str(jobs), "--format", args.format]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode:
        sys.exit(f"{' '.join(cmd)} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="ctgov", choices=["ctgov", "ctgov-all", "registry-sample"])
    ap.add_argument("--scale", type=int, nargs="+", default=[1])
    ap.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--format", default="jsonl", choices=["jsonl", "csv", "parquet"])
    ap.add_argument("--no-nlp", action="store_true", help="skip the NLP-only measurement")
    ap.add_argument("--json", type=Path, help="also write all measurements to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.corpus, args.scale[0], args.jobs[0], args.format)))
        return

    paths = corpus_paths(args.corpus)
    print(f"corpus {args.corpus}: {', '.join(p.name for p in paths)}; {os.cpu_count()} CPUs; "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    results = []
    for scale in args.scale:
        read = run_child(args, "read", scale)
        tok = run_child(args, "tokenize", scale)
        print(f"\nscale {scale}x: {read['records']} records, {read['chars'] / 1e6:.1f} M chars, {tok['tokens']:,} tokens"
              f"\n  read     {read['seconds']:7.1f} s  peak RSS {read['rss_mb']:5.0f} MB"
              f"\n  tokenize {tok['seconds']:7.1f} s  peak RSS {tok['rss_mb']:5.0f} MB  (spaCy blank tokenizer)",
              flush=True)
        results += [read, tok]
        if not args.no_nlp:
            nlp = run_child(args, "nlp", scale)
            results.append(nlp)
            print(f"  nlp      {nlp['seconds']:7.1f} s  {read['records'] / nlp['seconds']:6.0f} trials/s  "
                  f"ratio to tokenizer {nlp['seconds'] / tok['seconds']:.2f} "
                  f"(net of reading {(nlp['seconds'] - read['seconds']) / (tok['seconds'] - read['seconds']):.2f}); "
                  f"peak RSS {nlp['rss_mb']:.0f} MB; load {nlp['load_before']:.2f}->{nlp['load_after']:.2f}",
                  flush=True)
        base = None
        for jobs in args.jobs:
            ex = run_child(args, "extract", scale, jobs)
            results.append(ex)
            base = base or ex["seconds"]
            print(f"  extract -j{jobs} {ex['seconds']:6.1f} s  {ex['records'] / ex['seconds']:6.0f} trials/s "
                  f"({ex['records'] / ex['seconds'] / jobs:.0f}/core)  {tok['tokens'] / ex['seconds']:,.0f} tokens/s  "
                  f"{ex['criteria']} criteria, {ex['errors']} errors, {ex['output_mb']:.0f} MB {args.format}; "
                  f"ratio to tokenizer {ex['seconds'] / tok['seconds']:.2f} "
                  f"(net {(ex['seconds'] - read['seconds']) / (tok['seconds'] - read['seconds']):.2f}); "
                  f"speed-up {base / ex['seconds']:.2f}x; peak RSS main {ex['rss_mb']:.0f} MB, "
                  f"worker {ex['workers_rss_mb']:.0f} MB; CPU main {ex['cpu_main_s']:.1f} s, workers {ex['cpu_workers_s']:.1f} s; load {ex['load_before']:.2f}->{ex['load_after']:.2f}",
                  flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
