"""Output identity: a fingerprint of everything the pipeline extracts, to diff before and after a
change that must not change behaviour (speed work, refactoring).

Usage:
    python benchmarks/output_identity.py -o /tmp/before.jsonl          # fingerprint the current code
    python benchmarks/output_identity.py -o /tmp/after.jsonl --compare /tmp/before.jsonl
    python benchmarks/output_identity.py --full /tmp/records.jsonl     # also every record, to diff

Corpora (all that exist): `../shared/corpora/ctgov/studies.jsonl.gz`, `../shared/corpora/registry-sample/`,
the LCT `.txt` files of `../shared/corpora/lct/annotated/` and the gold trials of
`annotations/gold/*.jsonl`. Each trial goes through `pipeline.extract.process` (registry fields and
text); every output row is serialised with `schema.to_json` and the rows of one trial are hashed
together. The fingerprint file has one line per trial (corpus, trial id, number of rows, sha256)
and a last line with the digest of all of them; `--compare` lists the trials whose hash differs.
Keep fingerprints and `--full` dumps outside the repository (they are derived from registry text).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpora"


def corpora():
    """(corpus name, iterator of Trial/ErrorRow) for every corpus that exists."""
    from pipeline import read
    from pipeline.schema import Trial

    ct = SHARED / "ctgov" / "studies.jsonl.gz"
    if ct.exists():
        yield "ctgov", read([str(ct)])
    rs = SHARED / "registry-sample"
    if rs.is_dir():
        yield "registry-sample", read([str(rs)])
    lct = sorted((SHARED / "lct" / "annotated").glob("*.txt"))
    if lct:
        yield "lct", read([str(p) for p in lct])

    def gold():
        for path in sorted((ROOT / "annotations" / "gold").glob("*.jsonl")):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if line.strip():
                    d = json.loads(line)
                    yield Trial(d["trial_id"], f"{path.name}:{n}", d["criteria"], d.get("minimum_age"),
                                d.get("maximum_age"), d.get("sex"), d.get("healthy_volunteers"))

    yield "gold", gold()


def fingerprint(full: Path | None = None) -> tuple[list[dict], float]:
    from pipeline.extract import process
    from pipeline.schema import to_json

    rows: list[dict] = []
    dump = open(full, "w", encoding="utf-8") if full else None
    cpu = 0.0
    for name, records in corpora():
        records = list(records)
        t = time.process_time()
        results = list(process(records))
        cpu += time.process_time() - t
        for rec, out in results:
            lines = [to_json(r) for r in out]
            h = hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()
            tid = getattr(rec, "trial_id", None) or getattr(rec, "source", "?")
            rows.append({"corpus": name, "trial_id": tid, "rows": len(lines), "sha256": h})
            if dump:
                for line in lines:
                    dump.write(f'{{"corpus": "{name}", "trial": {json.dumps(tid)}, "record": {line}}}\n')
    if dump:
        dump.close()
    return rows, cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-o", "--output", type=Path, help="write the fingerprint here")
    ap.add_argument("--compare", type=Path, help="an earlier fingerprint: list trials that differ; exit 1 if any")
    ap.add_argument("--full", type=Path, help="also write every output record (JSON Lines) here")
    args = ap.parse_args()
    rows, cpu = fingerprint(args.full)
    total = hashlib.sha256("".join(r["sha256"] for r in rows).encode()).hexdigest()
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["corpus"]] = counts.get(r["corpus"], 0) + 1
    print(f"{len(rows)} trials ({', '.join(f'{k} {v}' for k, v in counts.items())}), "
          f"{sum(r['rows'] for r in rows)} rows; pipeline CPU {cpu:.1f} s; digest {total}")
    if args.output:
        with open(args.output, "w", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r) + "\n")
            fh.write(json.dumps({"digest": total}) + "\n")
    if args.compare:
        old = [json.loads(x) for x in args.compare.read_text(encoding="utf-8").splitlines() if x.strip()]
        old_total = old[-1].get("digest")
        before = {(r["corpus"], r["trial_id"]): r for r in old if "sha256" in r}
        now = {(r["corpus"], r["trial_id"]): r for r in rows}
        diff = [k for k in now if k not in before or before[k]["sha256"] != now[k]["sha256"]]
        diff += [k for k in before if k not in now]
        if old_total == total and not diff:
            print("IDENTICAL to", args.compare)
            return
        print(f"DIFFERENT from {args.compare}: {len(diff)} trials")
        for k in diff[:30]:
            print("  ", *k)
        sys.exit(1)


if __name__ == "__main__":
    main()
