import pandas as pd

from pipeline import Trial, extract_frame, extract_trial
from pipeline.schema import Operator, Polarity, Section


def _by_subject(records):
    return {r.subject.name: r for r in records if r.subject is not None and r.subject.name}


def test_extract_seed_lab_thresholds(seed_criteria):
    subj = _by_subject(seed_criteria)
    bili = subj["bilirubin.total"].constraint
    assert (bili.operator, bili.value, bili.unit_normalized) == (Operator.LE, 1.5, "{ULN}")
    for name in ("alt", "ast"):
        c = subj[name].constraint
        assert (c.operator, c.value, c.unit_normalized) == (Operator.LE, 2.5, "{ULN}")
    assert subj["alt"].text == subj["ast"].text == "ALT and AST≤2.5×ULN"
    age = subj["age"].constraint
    assert (age.operator, age.value, age.upper) == (Operator.BETWEEN, 3, 18)
    assert subj["life_expectancy"].constraint.unit_normalized == "wk"
    assert subj["creatinine"].constraint.operator == Operator.NORMAL


def test_extract_seed_sections_and_polarity(seed_criteria):
    text_records = [r for r in seed_criteria if r.source == "text"]
    assert {r.section for r in text_records} == {Section.INCLUSION, Section.EXCLUSION}
    for r in text_records:
        assert r.polarity == (Polarity.EXCLUDE if (r.section == Section.EXCLUSION) != r.negated else Polarity.REQUIRE)


def test_extract_registry_fields_become_criteria():
    recs = extract_trial(Trial("NCT1", "x", "Inclusion Criteria:\n* Signed consent", minimum_age="18 Years",
                               maximum_age="6 Months", sex="FEMALE"))
    reg = {r.source: r for r in recs if r.source != "text"}
    assert reg["registry:minimum_age"].constraint.value == 18 and reg["registry:minimum_age"].constraint.unit_normalized == "a"
    assert reg["registry:maximum_age"].constraint.operator == Operator.LE
    assert reg["registry:maximum_age"].constraint.unit_normalized == "mo"
    assert reg["registry:sex"].constraint.qualitative == "female"


def test_extract_frame_accounts_for_every_row():
    df = pd.DataFrame({"trial_id": ["A", "B", None], "criteria": ["Age >= 18 years", "", "x"]})
    out = extract_frame(df)
    assert set(out.loc[out.record == "criterion", "trial_id"]) == {"A"}
    errors = out[out.record == "error"]
    assert sorted(errors.error_reason) == ["empty_criteria", "missing_field"]


def test_extract_offsets_exact_on_messy_text():
    text = "INCLUSION CRITERIA\r\n  -  ANC≥1.5x10^9/L; platelets \\>= 100,000/mm3\r\n  o Hb =>9 g/dL\r\nExclusion:\r\n1) no prior CAR-T"
    for r in extract_trial(Trial("T", "x", text)):
        assert text[r.start:r.end] == r.text
        for part in (r.subject, r.constraint, r.temporal, r.negation_cue):
            if part is not None:
                assert text[part.start:part.end] == part.text
