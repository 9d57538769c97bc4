"""Lexicon subjects: which mentions are the measured subject and which only modify a therapy or device."""
import pytest

from pipeline.subjects import find_subjects


def _names(text):
    return [s.name for s in find_subjects(text, 0, len(text))]


@pytest.mark.parametrize(
    "text,names",
    [
        # the name modifies a therapy, a diet or a device
        ("Use of any glucose-lowering drug within 3 months", []),
        ("Concomitant potassium-sparing diuretic", []),
        ("Willing to follow a sodium-restricted diet", []),
        ("Able to use the home blood pressure monitor", []),
        ("Able to perform self-monitoring of blood glucose", []),
        ("Stable dose of a phosphate binder", []),
        ("No vitamin D or calcium supplements within 3 months", []),
        ("Change in blood pressure medication within 4 weeks", []),
        # a therapy, unless a limit follows
        ("Diabetes mellitus requiring insulin", []),
        ("Requiring SpO2 ≥ 92% on room air", ["spo2"]),
        # a reference, not the person's age
        ("ALT ≤ 3 × ULN for age", ["alt"]),
        ("Women of childbearing age must have a negative urine pregnancy test", ["beta_hcg"]),
        # measured subjects stay
        ("Fasting glucose ≥ 7.0 mmol/L", ["glucose.fasting"]),
        ("Serum potassium < 3.5 mmol/L", ["potassium"]),
    ],
)
def test_subjects_context_decides_whether_a_mention_is_the_subject(text, names):
    assert _names(text) == names


@pytest.mark.parametrize(
    "text,names",
    [
        ("Use of a sodium-glucose co-transporter 2 inhibitor", []),  # a compound name, not serum sodium
        ("Platelet-rich plasma injection in the last 3 months", []),
        ("Serum sodium < 130 mmol/L", ["sodium"]),
        ("Weight-stable for 3 months", ["weight"]),
    ],
)
def test_subjects_a_name_glued_into_a_compound_is_no_subject(text, names):
    from pipeline.subjects import find_subjects

    assert [s.name for s in find_subjects(text, 0, len(text))] == names


def test_subjects_abbreviation_inside_a_hyphenated_scale_name_is_no_subject():
    # "CGI-BP-S": the bipolar version of a scale, not blood pressure
    text = "CGI-BP-S depression score ≥ 4"
    assert "bp" not in {s.name for s in find_subjects(text, 0, len(text))}


@pytest.mark.parametrize(
    "text,names",
    [
        ("Current treatment with insulin or a GLP-1 analogue within 6 months", []),
        ("Routine prophylaxis with factor VIII twice weekly", []),
        ("Known short QT syndrome", []),
        ("Progesterone therapy during this pregnancy", []),
        ("Anti-IgE antibody therapy within 6 months", []),
        ("Patient able to self-monitor blood glucose", []),
        ("Drugs for weight loss within 3 months", []),
        ("Fasting insulin ≥ 25 µIU/mL", ["insulin"]),
        ("use of insulin ≥ 40 units per day", ["insulin"]),
    ],
)
def test_subjects_therapies_named_like_labs_have_no_measured_subject(text, names):
    # a drug or product that shares its name with a lab test is a therapy when its context says so (11.457)
    assert _names(text) == names
