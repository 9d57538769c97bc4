"""Library start-up: `import pipeline`, time to the first extracted trial, and the biggest imports.

Usage: python benchmarks/startup.py [--runs 5]

Each run is a fresh interpreter (`python -c ...`), so caches of an earlier run do not help. Reports
the median of the runs for: interpreter start (`python -c pass`), `import pipeline`, and the first
trial (rules and lexicons load lazily on first use), plus the ten largest cumulative imports of
`python -X importtime -c "import pipeline"`. The target is under 2 s to the first trial.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys

FIRST_TRIAL = r"""
import json, time
t0 = time.perf_counter()
import pipeline
t1 = time.perf_counter()
from pipeline import Trial, extract_trial
rows = extract_trial(Trial("NCT0", "bench", "Inclusion Criteria:\n* Age 18-75 years\n* ANC >= 1.5 x 10^9/L\n"
                           "Exclusion Criteria:\n* Pregnant or breastfeeding"))
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first_trial": t2 - t1, "criteria": len(rows)}))
"""


def wall(cmd: list[str]) -> float:
    import time

    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()

    interp = statistics.median(wall([sys.executable, "-c", "pass"]) for _ in range(args.runs))
    runs = [json.loads(subprocess.run([sys.executable, "-c", FIRST_TRIAL], check=True, capture_output=True,
                                      text=True).stdout) for _ in range(args.runs)]
    imp = statistics.median(r["import"] for r in runs)
    first = statistics.median(r["first_trial"] for r in runs)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; median of {args.runs} fresh interpreters")
    print(f"  interpreter start      {interp:.2f} s")
    print(f"  import pipeline        {imp:.2f} s")
    print(f"  first extracted trial  {first:.2f} s (rules and lexicons load on first use)")
    print(f"  total to first trial   {interp + imp + first:.2f} s  (target < 2 s)")

    res = subprocess.run([sys.executable, "-X", "importtime", "-c", "import pipeline"], capture_output=True, text=True)
    rows = []
    for line in res.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[0].strip().isdigit():
            rows.append((int(parts[1]), int(parts[0]), parts[2].rstrip()))
    rows.sort(reverse=True)
    print("  largest cumulative imports (python -X importtime -c 'import pipeline'):")
    for cum, self_, name in rows[:10]:
        print(f"    {cum / 1e6:5.2f} s cumulative  {self_ / 1e6:5.2f} s self  {name}")


if __name__ == "__main__":
    main()
