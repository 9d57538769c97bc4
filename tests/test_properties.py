"""Property-based checks over the whole text pipeline: any text, no exception, exact offsets."""
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import Trial, extract_trial
from pipeline.segment import segment

# registry-like fragments mixed with arbitrary unicode, so that structure is actually exercised
FRAGMENTS = st.sampled_from([
    "Inclusion Criteria:", "Exclusion Criteria:", "\n", "\r\n", "  ", "* ", "- ", "1. ", "(a) ", "• ", "\\>= ",
    "ALT and AST ≤ 2.5 × ULN", "ANC≥1.5x10^9/L", "age 18-75 years", "ECOG 0, 1 or 2", "within 4 weeks before",
    "no prior therapy", "except", "; ", ". ", ":", "(", ")", "or", "and", "≥", "<", "12weeks", "1,500/mm³",
    "Adequate organ function defined as:", "\n   - ", "if receiving steroids, ", "negative pregnancy test",
])
TEXT = st.lists(st.one_of(FRAGMENTS, st.text(max_size=12)), max_size=40).map("".join)


def _assert_exact(text, records):
    for r in records:
        assert text[r.start:r.end] == r.text
        for part in (r.subject, r.constraint, r.temporal, r.negation_cue, r.condition, *r.exceptions):
            if part is not None:
                assert 0 <= part.start <= part.end <= len(text)
                assert text[part.start:part.end] == part.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_properties_extract_offsets_exact(text):
    _assert_exact(text, extract_trial(Trial("T", "hypothesis", text)))


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_properties_clauses_disjoint_and_inside_items(text):
    seg = segment(text)
    spans = sorted((s, e) for s, e, _ in seg.clauses())
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert e1 <= s2, "clauses overlap"
    for s, e, item in seg.clauses():
        assert item.start <= s < e <= item.end
    for h in seg.headers:
        assert not any(s < h.end and h.start < e for s, e in spans), "a header is inside a clause"


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_properties_any_unicode(text):
    _assert_exact(text, extract_trial(Trial("T", "hypothesis", text)))
