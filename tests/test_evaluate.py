"""Scoring against the gold standard: statements that share a span are matched by their constraint."""
from pipeline.criteria import build_criteria
from pipeline.evaluate import _match
from pipeline.schema import Trial


def test_evaluate_match_pairs_same_span_statements_by_constraint():
    text = "Inclusion Criteria:\n- Hemoglobin ≥ 10 g/dL for men and ≥ 9 g/dL for women\n"
    pred = build_criteria(Trial("T", "t", text))
    s, e = pred[-1].start, pred[-1].end  # the whole clause
    i10, i9 = text.index("≥ 10 g/dL"), text.index("≥ 9 g/dL")
    gold = [
        {"start": s, "end": e, "text": text[s:e], "constraint": {"start": i9, "end": i9 + 8, "value": 9}},
        {"start": pred[0].start, "end": pred[0].end, "text": pred[0].text,
         "constraint": {"start": i10, "end": i10 + 9, "value": 10}},
    ]
    pairs = {g["constraint"]["value"]: p.constraint.value for g, p in _match(gold, pred) if g and p}
    assert pairs == {9: 9.0, 10: 10.0}
