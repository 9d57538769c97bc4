"""Where the NLP time goes: cProfile of `pipeline.extract.process` over a corpus.

Usage: python benchmarks/profile_stages.py [--corpus ctgov|registry-sample] [--limit N] [--top 10]

Prints the top functions by cumulative and by self time, and the self time summed per module
(`segment`, `thresholds`, `criteria`, ... and `re` for time spent inside compiled patterns, which
cProfile charges to `{method 'search' of 're.Pattern' objects}`). cProfile slows pure-Python code
about 2x, evenly enough for ranking; use py-spy for absolute numbers.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import corpus_paths  # noqa: E402


def where(func: tuple) -> str:
    filename, line, name = func
    if filename == "~":
        return f"{name}"
    path = Path(filename)
    mod = path.stem if "pipeline" in path.parts else path.parent.name + "/" + path.stem
    return f"{mod}.py:{line} {name}"


def module_of(func: tuple) -> str:
    filename, _, name = func
    if filename == "~":
        return "re (compiled patterns)" if "re.Pattern" in name else "builtins"
    path = Path(filename)
    return f"pipeline/{path.name}" if "pipeline" in path.parts else "other Python"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", default="ctgov", choices=["ctgov", "ctgov-all", "registry-sample"])
    ap.add_argument("--limit", type=int, default=0, help="only the first N records")
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()

    from pipeline import read
    from pipeline.extract import process

    records = list(read([str(p) for p in corpus_paths(args.corpus)]))
    if args.limit:
        records = records[: args.limit]
    list(process(records[:1]))  # rules and lexicons load outside the profile
    prof = cProfile.Profile()
    prof.enable()
    n_criteria = sum(len(rows) for _, rows in process(records))
    prof.disable()
    st = pstats.Stats(prof)
    total = st.total_tt
    print(f"{len(records)} records, {n_criteria} criteria, {total:.1f} s under cProfile; "
          f"load average {os.getloadavg()[0]:.2f}")
    for key, title in (("cumulative", "cumulative time"), ("tottime", "self time")):
        idx = 3 if key == "cumulative" else 2
        rows = sorted(st.stats.items(), key=lambda kv: kv[1][idx], reverse=True)
        if key == "cumulative":  # the drivers above the stages say nothing
            rows = [kv for kv in rows if kv[0][2] not in ("process", "extract_trial", "<genexpr>", "<module>",
                                                           "<built-in method builtins.sum>")]
        print(f"\ntop {args.top} by {title}:")
        print(f"  {'cum s':>7} {'self s':>7} {'%':>5} {'calls':>9}  function")
        for func, (cc, nc, tt, ct, _) in rows[: args.top]:
            share = (ct if key == "cumulative" else tt) / total * 100
            print(f"  {ct:7.2f} {tt:7.2f} {share:5.1f} {nc:9d}  {where(func)}")
    for func, (_, _, tt, _, callers) in sorted(st.stats.items(), key=lambda kv: kv[1][2], reverse=True)[:3]:
        if func[0] == "~" and "re.Pattern" in func[2]:
            print(f"\n  {func[2]}: {tt:.2f} s, by caller:")
            for caller, (_, _, c_tt, _) in sorted(callers.items(), key=lambda kv: kv[1][2], reverse=True)[:5]:
                print(f"    {c_tt:7.2f} s  {where(caller)}")
    per_module: dict[str, float] = defaultdict(float)
    for func, (_, _, tt, _, _) in st.stats.items():
        per_module[module_of(func)] += tt
    print("\nself time per module:")
    for mod, tt in sorted(per_module.items(), key=lambda kv: kv[1], reverse=True)[:12]:
        print(f"  {tt:7.2f} s {tt / total * 100:5.1f} %  {mod}")


if __name__ == "__main__":
    main()
