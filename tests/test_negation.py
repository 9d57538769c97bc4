import pytest

from pipeline.negation import find_cue, termset


@pytest.mark.parametrize(
    "text,subject,cue",
    [
        ("No prior CAR-T therapy", "CAR-T", "No prior"),
        ("without brain metastases", "brain", "without"),
        ("Must not have received rituximab", "rituximab", "Must not have"),
        ("no history of seizures", "seizures", "no history of"),
        ("Absence of active infection", "active", "Absence of"),
    ],
)
def test_negation_cues(text, subject, cue):
    got = find_cue(text, 0, len(text), text.index(subject))
    assert got is not None and text[got[0]:got[1]] == cue


@pytest.mark.parametrize(
    "text,subject",
    [
        ("no more than 2 prior regimens", "prior"),
        ("not less than 18 years", "years"),
        ("negative HIV test", "HIV"),
        ("non-small cell lung cancer", "lung"),
        ("History of cancer, but no metastases", "cancer"),
    ],
)
def test_negation_non_negations(text, subject):
    assert find_cue(text, 0, len(text), text.index(subject)) is None


def test_negation_termset_has_negspacy_shape():
    assert set(termset()) == {"preceding_negations", "following_negations", "pseudo_negations", "termination"}
