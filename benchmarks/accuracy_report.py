"""Regenerate the README's "Measured accuracy" section from `evaluate` and `evaluate-brat`.

Usage: python benchmarks/accuracy_report.py [--lct DIR]   (also: make accuracy)

Writes the numbers between the markers `<!-- accuracy:start -->` and `<!-- accuracy:end -->`.
The gold numbers are the TEST split (annotations/split.json); LCT is every annotated document.
"""
from __future__ import annotations

import argparse
import os
import datetime as dt
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LCT_BEST = {"Eq-Comparison": 87.3, "Eq-Operator": 95.4, "Eq-Value": 96.8, "Eq-Unit": 89.1,
            "Eq-Temporal-Unit": 98.9, "Eq-Temporal-Period": 89.0, "Negation": 79.6, "Age": 98.8,
            "Observation-Name": 76.3}


def gold_section() -> str:
    from pipeline.evaluate import evaluate, load_gold

    rep = evaluate(load_gold(split="test"))
    lines = [f"Gold test split ({rep.trials} trials, {rep.gold_statements} statements; `eligibility evaluate --split test`):", "",
             "| measure | P | R | F1 |", "| --- | ---: | ---: | ---: |"]
    for k, v in sorted(rep.prf.items()):
        lines.append(f"| {k} | {v.p:.3f} | {v.r:.3f} | {v.f1:.3f} |")
    lines += ["", "| field (matched statements) | accuracy |", "| --- | ---: |"]
    for k, v in sorted(rep.acc.items()):
        lines.append(f"| {k} | {v.value:.3f} ({v.ok}/{v.n}) |")
    lines += ["", "The same measures in one line on other parts (dev is what the rules were tuned on; sets E to P were "
              "written blind in sessions 3 to 5, each before any rule was tuned on its dev part, and their test parts "
              "were never tuned on or inspected; the first line is the test split as it was until session 4, for "
              "comparison across sessions):", ""]
    gold = ROOT / "annotations" / "gold"
    parts = [("test split of sessions 1-4 (sets A, B, E, F)", [gold / f"gold_{x}.jsonl" for x in "abef"], "test"),
             ("dev split", None, "dev")]
    parts += [(f"blind set {x.upper()}, test part", [gold / f"gold_{x}.jsonl"], "test") for x in "efghijklmnop"]
    for label, paths, split in parts:
        if paths and not all(p.exists() for p in paths):
            continue
        r = evaluate(load_gold(paths, split=split))
        keys = [("span exact", r.prf["statement.span.exact"].f1), ("exceptions", r.prf["exceptions"].f1),
                ("subject", r.prf["subject.name"].f1), ("temporal", r.prf["temporal"].f1),
                ("operator", r.acc["constraint.operator"].value), ("value", r.acc["constraint.value"].value),
                ("unit", r.acc["constraint.unit"].value), ("negated", r.acc["negated"].value),
                ("polarity", r.acc["polarity"].value), ("OR-groups", r.acc["logic.op"].value)]
        lines.append(f"- {label} ({r.trials} trials, {r.gold_statements} statements): "
                     + ", ".join(f"{k} {v:.3f}" for k, v in keys))
    return "\n".join(lines)


def lct_section(lct: Path) -> str:
    from pipeline.brat import evaluate_brat

    reps = {part: evaluate_brat(lct, split=part).as_dict() for part in (None, "dev", "heldout")}
    n = {part: r["documents"] if "documents" in r else "" for part, r in reps.items()}
    lines = [f"LCT corpus (`eligibility evaluate-brat {os.path.relpath(lct, ROOT)} [--split dev|heldout]`, identical to "
             "`../shared/tools/lct_eval.py` on the same predictions), exact-span P/R/F1 on all documents and F1 on the "
             "two parts, beside the LCT authors' best run. Rules were developed on the dev part and the Observation NER "
             "was trained on it, so **heldout is the honest number** for unseen documents:", "",
             "| type | P (all) | R (all) | F1 (all) | F1 dev | F1 heldout | LCT best F1 |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, row in reps[None]["types"].items():
        ex = row["exact"]
        ref = LCT_BEST.get(name)
        dev = reps["dev"]["types"][name]["exact"]["f1"]
        held = reps["heldout"]["types"][name]["exact"]["f1"]
        lines.append(f"| {name} | {100 * ex['p']:.1f} | {100 * ex['r']:.1f} | {100 * ex['f1']:.1f} | {100 * dev:.1f} | "
                     f"{100 * held:.1f} | {ref if ref else ''} |")
    lines.append("")
    for part, label in ((None, "all"), ("dev", "dev"), ("heldout", "heldout")):
        t = reps[part]["tuples"]["name_op_value"]
        u = reps[part]["tuples"]["with_unit"]
        lines.append(f"Lab-threshold tuples, {label} (name + operator + value): P {100 * t['p']:.1f}, R {100 * t['r']:.1f}, "
                     f"F1 {100 * t['f1']:.1f}; with the unit too: F1 {100 * u['f1']:.1f}.")
        lines.append("")
    return "\n".join(lines).rstrip()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lct", type=Path, default=ROOT.parent / "shared" / "corpora" / "lct" / "annotated")
    args = ap.parse_args()
    parts = [f"Measured on {dt.date.today().isoformat()} by `make accuracy`.", "", gold_section()]
    if args.lct.is_dir():
        parts += ["", lct_section(args.lct)]
    body = "\n".join(parts)
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    new = re.sub(r"(<!-- accuracy:start -->\n).*?(<!-- accuracy:end -->)", lambda m: m.group(1) + body + "\n" + m.group(2),
                 text, flags=re.S)
    readme.write_text(new, encoding="utf-8")
    print(body)


if __name__ == "__main__":
    main()
