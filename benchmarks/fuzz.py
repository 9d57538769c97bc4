"""A long fuzzing run (hypothesis) over the text pipeline and the readers; not a unit test.

Usage: python benchmarks/fuzz.py [--minutes 10]

Each target runs for its share of the time budget with random examples; any exception, or any
record whose offsets do not slice back to its text, is printed with the input that caused it
(hypothesis shrinks it first) and the run exits 1.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import Trial, extract_trial
from pipeline.readers import read
from pipeline.schema import ErrorRow

FRAGMENTS = st.sampled_from([
    "Inclusion Criteria:", "Exclusion Criteria:", "\n", "\r\n", "\r", "\t", "  ", "* ", "- ", "1. ", "(a) ", "• ",
    "\\>= ", "&gt;", "&#8805;", "ALT and AST ≤ 2.5 × ULN", "ANC≥1.5x10^9/L", "age 18-75 years", "ECOG 0, 1 or 2",
    "within 4 weeks before", "no prior therapy", "except", "; ", ". ", ":", "(", ")", "[", "]", "or", "and", "≥",
    "<", "12weeks", "1,500/mm³", "Adequate organ function defined as:", "\n   - ", "if receiving steroids, ",
    "negative pregnancy test", "\u200b", "\u202e", "\ufeff", "\x00", "😀", "NYHA class II-IV", "1.5 x 109/L",
])
TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=20)), max_size=60).map("".join)


def check_text(text: str) -> None:
    for r in extract_trial(Trial("FUZZ", "fuzz", text)):
        assert text[r.start:r.end] == r.text, (r.criterion_id, r.text)
        for part in (r.subject, r.constraint, r.temporal, r.period, r.negation_cue, r.condition, *r.exceptions):
            if part is not None:
                assert text[part.start:part.end] == part.text, (r.criterion_id, part)


def check_reader(payload: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / f"input{suffix}"
        path.write_bytes(payload)
        for rec in read([str(path)]):
            assert isinstance(rec, (Trial, ErrorRow)), rec


def run(target, strategy, seconds: float) -> int:
    """Batches of 200 random examples until the time share is spent; returns how many ran."""
    count = 0

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(strategy)
    def prop(x):
        nonlocal count
        count += 1
        target(*x) if isinstance(x, tuple) else target(x)

    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        prop()
    return count


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()
    budget = args.minutes * 60
    json_doc = st.builds(
        lambda nct, crit: json.dumps({"protocolSection": {"identificationModule": {"nctId": nct},
                                                          "eligibilityModule": {"eligibilityCriteria": crit}}}),
        st.text(max_size=12), TEXT)
    targets = [
        ("text pipeline", check_text, TEXT, 0.55),
        ("reader: JSON Lines", check_reader,
         st.tuples(st.lists(st.one_of(json_doc, st.text(max_size=50)), max_size=5).map(lambda xs: "\n".join(xs).encode("utf-8", "surrogatepass")), st.just(".jsonl")), 0.15),
        ("reader: XML", check_reader,
         st.tuples(st.one_of(st.binary(max_size=300), TEXT.map(lambda t: f"<clinical_study><id_info><nct_id>NCT1</nct_id></id_info><eligibility><criteria><textblock>{t}</textblock></criteria></eligibility></clinical_study>".encode("utf-8", "surrogatepass"))), st.just(".xml")), 0.15),
        ("reader: CSV", check_reader,
         st.tuples(st.lists(st.text(max_size=40), max_size=6).map(lambda xs: ("nct_id,criteria\n" + "\n".join(xs)).encode("utf-8", "surrogatepass")), st.just(".csv")), 0.15),
    ]
    failed = False
    for name, target, strategy, share in targets:
        t0 = time.monotonic()
        try:
            n = run(target, strategy, budget * share)
            print(f"{name}: {n} examples in {time.monotonic() - t0:.0f} s, no failure", flush=True)
        except Exception as exc:  # noqa: BLE001 - report and go on with the other targets
            failed = True
            print(f"{name}: FAILURE {type(exc).__name__}: {exc}", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
