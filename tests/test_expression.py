"""pipeline.expression: Criterion -> expression text, parse -> AST, format -> the same text."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from pipeline.criteria import build_criteria
from pipeline.expression import (
    Between,
    Compare,
    Expr,
    ExpressionError,
    InSet,
    Is,
    Ref,
    Window,
    format_expression,
    parse_expression,
    to_expression,
)
from pipeline.registry_fields import registry_criteria
from pipeline.schema import (
    Category,
    Constraint,
    Criterion,
    Operator,
    Polarity,
    Reason,
    Section,
    Subject,
    Temporal,
    Trial,
)

GOLD = Path(__file__).resolve().parents[1] / "annotations" / "gold"


def _gold_trials() -> list[dict]:
    out = []
    for path in sorted(GOLD.glob("*.jsonl")):
        out += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return out


# ------------------------------------------------------------------------ parse / format table

PARSED = [
    ('lab("bilirubin.total") <= 1.5 * ULN',
     Expr(Ref("lab", "bilirubin.total"), Compare("<=", 1.5, scale="ULN"))),
    ('lab("lymphocytes") < 1 * LLN', Expr(Ref("lab", "lymphocytes"), Compare("<", 1, scale="LLN"))),
    ("age_years between [3, 18]", Expr(Ref("age_years"), Between(3, 18))),
    ("age_months between (2, 3]", Expr(Ref("age_months"), Between(2, 3, False, True))),
    ('lab("alt") between (1, 10] * ULN', Expr(Ref("lab", "alt"), Between(1, 10, False, True, scale="ULN"))),
    ('vital("bmi") between [18.5, 40) kg/m2',
     Expr(Ref("vital", "bmi"), Between(18.5, 40, True, False, unit="kg/m2"))),
    ('score("ecog") in {0, 1, 2}', Expr(Ref("score", "ecog"), InSet((0, 1, 2)))),
    ("sex in {female, male}", Expr(Ref("sex"), InSet(("female", "male")))),
    ("sex is female", Expr(Ref("sex"), Is("female"))),
    ('lab("platelets") >= 100 10*9/L', Expr(Ref("lab", "platelets"), Compare(">=", 100, unit="10*9/L"))),
    ('lab("egfr") < 45 mL/min/{1.73_m2}', Expr(Ref("lab", "egfr"), Compare("<", 45, unit="mL/min/{1.73_m2}"))),
    ('vital("bp.systolic") > 150 mm[Hg]', Expr(Ref("vital", "bp.systolic"), Compare(">", 150, unit="mm[Hg]"))),
    ('lab("m_protein.urine") >= 200 mg/(24.h)',
     Expr(Ref("lab", "m_protein.urine"), Compare(">=", 200, unit="mg/(24.h)"))),
    ('lab("creatinine") != 0.001 mg/dL', Expr(Ref("lab", "creatinine"), Compare("!=", 0.001, unit="mg/dL"))),
    ('lab("x") = 1e-05', Expr(Ref("lab", "x"), Compare("=", 1e-05))),
    ('vital("weight") ~ 3 kg', Expr(Ref("vital", "weight"), Compare("~", 3, unit="kg"))),
    ('lab("hbv.surface_antigen") is positive', Expr(Ref("lab", "hbv.surface_antigen"), Is("positive"))),
    ('lab("hbv.dna") is not detectable', Expr(Ref("lab", "hbv.dna"), Is("detectable", negated=True))),
    ('lab("creatinine") is normal', Expr(Ref("lab", "creatinine"), Is("normal"))),
    ("life_expectancy >= 12 wk", Expr(Ref("life_expectancy"), Compare(">=", 12, unit="wk"))),
    ('has(condition: "graft-versus-host disease")',
     Expr(Ref("has", "graft-versus-host disease", "condition"))),
    ('not has(therapy: "systemic therapy")', Expr(Ref("has", "systemic therapy", "therapy"), negated=True)),
    ('has(condition: "infections") within 7 d before screening',
     Expr(Ref("has", "infections", "condition"), window=Window("within", 7, None, "d", "screening"))),
    ('has(therapy: "x") within 4..6 wk before first dose',
     Expr(Ref("has", "x", "therapy"), window=Window("within", 4, 6, "wk", "first dose"))),
    ('has(therapy: "clozapine") within 6 mo', Expr(Ref("has", "clozapine", "therapy"), window=Window("within", 6, None, "mo"))),
    ('has(condition: "heart failure") more_than 3 mo before screening',
     Expr(Ref("has", "heart failure", "condition"), window=Window("more_than", 3, None, "mo", "screening"))),
    ('has(therapy: "CAR-T") before screening',
     Expr(Ref("has", "CAR-T", "therapy"), window=Window("before", anchor="screening"))),
    ('has(pregnancy: "contraception") after 3 mo from last dose',
     Expr(Ref("has", "contraception", "pregnancy"), window=Window("after", 3, None, "mo", "last dose"))),
    ('has(therapy: "kidney transplant") during', Expr(Ref("has", "kidney transplant", "therapy"), window=Window("during"))),
    ('lab("lithium") > 1.2 mmol/L during screening',
     Expr(Ref("lab", "lithium"), Compare(">", 1.2, unit="mmol/L"), Window("during", anchor="screening"))),
    ('lab("hbv.surface_antigen") is positive more_than 6 mo before screening',
     Expr(Ref("lab", "hbv.surface_antigen"), Is("positive"), Window("more_than", 6, None, "mo", "screening"))),
    ('score("ecog") in {0, 1} during screening',
     Expr(Ref("score", "ecog"), InSet((0, 1)), Window("during", anchor="screening"))),
    ('count(therapy: "chemotherapy") >= 2', Expr(Ref("count", "chemotherapy", "therapy"), Compare(">=", 2))),
    ('amount(therapy: "metformin") >= 1500 mg/d more_than 8 wk before screening',
     Expr(Ref("amount", "metformin", "therapy"), Compare(">=", 1500, unit="mg/d"),
          Window("more_than", 8, None, "wk", "screening"))),
    ('duration(therapy: "antiretroviral therapy") >= 12 mo',
     Expr(Ref("duration", "antiretroviral therapy", "therapy"), Compare(">=", 12, unit="mo"))),
    ('result(condition: "sputum smear") is negative', Expr(Ref("result", "sputum smear", "condition"), Is("negative"))),
    ('measure("gestational_age") >= 37 wk', Expr(Ref("measure", "gestational_age"), Compare(">=", 37, unit="wk"))),
    ('has(condition: "quote \\" and backslash \\\\ and µ")',
     Expr(Ref("has", 'quote " and backslash \\ and µ', "condition"))),
    ('not lab("egfr") < 60 mL/min/{1.73_m2}',
     Expr(Ref("lab", "egfr"), Compare("<", 60, unit="mL/min/{1.73_m2}"), negated=True)),
]


@pytest.mark.parametrize("text,tree", PARSED, ids=[p[0][:40] for p in PARSED])
def test_expression_parse_and_format_round_trip(text, tree):
    assert parse_expression(text) == tree
    assert format_expression(tree) == text


NON_CANONICAL = [
    ('lab("alt") <= 2.50 * ULN', 'lab("alt") <= 2.5 * ULN'),
    ("age_years >= 18.0", "age_years >= 18"),
    ('has(therapy: "x") within 7.0 d before screening', 'has(therapy: "x") within 7 d before screening'),
]


@pytest.mark.parametrize("text,canonical", NON_CANONICAL)
def test_expression_parse_accepts_non_canonical_numbers(text, canonical):
    assert format_expression(parse_expression(text)) == canonical


PARSE_ERRORS = [
    ("", 0, "empty expression"),
    (" age_years >= 18", 0, "leading or trailing space"),
    ("age_years >= 18 ", 15, "leading or trailing space"),
    ("bmi >= 18", 0, "unknown reference 'bmi'"),
    ('lab(alt) <= 3', 4, "double-quoted string"),
    ('lab("alt" <= 3', 9, "expected ')'"),
    ('lab("alt")', 10, "a single space"),
    ('lab("alt") =< 3', 11, "expected a comparison"),
    ('lab("alt") <= x', 14, "expected a number"),
    ('lab("alt") <= 3 * UNL', 18, "ULN or LLN"),
    ("age_years between 3, 18", 18, "'[' or '('"),
    ("age_years between [3 18]", 20, "', ' between the bounds"),
    ("age_years between [3, 18", 24, "']' or ')'"),
    ('score("ecog") in {0, 1', 22, "', ' or '}'"),
    ("sex in {female, 1}", 16, "not both"),
    ('has(therapy "x")', 11, "': ' after the kind"),
    ('has(Therapy: "x")', 4, "a kind"),
    ('has(therapy: "x") within 7 days before screening', 27, "time unit"),
    ('has(therapy: "x") within 7 d of screening', 29, "'before'"),
    ('has(therapy: "x") since screening', 18, "expected a window"),
    ('has(therapy: "x")  within 7 d', 18, "several"),
    ('lab("alt") is', 13, "a single space"),
    ('lab("alt") is Positive', 14, "result word"),
    ('not  has(therapy: "x")', 4, "several"),
    ('has(therapy: "bad \\q escape")', 13, "bad string escape"),
]


@pytest.mark.parametrize("text,column,message", PARSE_ERRORS, ids=[p[0] or "empty" for p in PARSE_ERRORS])
def test_expression_parse_errors_name_column_and_cause(text, column, message):
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert info.value.position == column, str(info.value)
    assert message in info.value.message
    assert f"column {column}" in str(info.value)


def test_expression_error_pickles_and_is_a_value_error():
    err = ExpressionError("x", 0, "boom")
    again = pickle.loads(pickle.dumps(err))
    assert (again.text, again.position, again.message) == ("x", 0, "boom")
    assert isinstance(err, ValueError)


# ------------------------------------------------------------------------ Criterion -> expression


def _crit(text="t", category=Category.LAB, subject=None, constraint=None, temporal=None, negated=False,
          section=Section.INCLUSION, computable=True, reason=None) -> Criterion:
    polarity = Polarity.EXCLUDE if (section == Section.EXCLUSION) != negated else Polarity.REQUIRE
    return Criterion("T:inc:1:1", "T", section, text, 0, len(text), category=category, subject=subject,
                     constraint=constraint, temporal=temporal, negated=negated, polarity=polarity,
                     computable=computable, reason=reason)


def _subj(name=None, text=None, kind=None):
    return Subject(text or name or "", 0, 1, name, None, kind)


def _con(op, **kw):
    return Constraint(Operator(op), "c", 0, 1, **kw)


def _temp(relation, amount=None, unit=None, anchor=None, upper=None):
    return Temporal(relation, "w", 0, 1, amount, upper, unit, anchor)


TO_EXPRESSION = [
    ("ULN multiple", _crit(subject=_subj("bilirubin.total", kind="lab"),
                           constraint=_con("<=", value=1.5, unit_normalized="{ULN}")),
     'lab("bilirubin.total") <= 1.5 * ULN'),
    ("LLN multiple", _crit(subject=_subj("lymphocytes", kind="lab"),
                           constraint=_con("<", value=1, unit_normalized="{LLN}"), section=Section.EXCLUSION),
     'lab("lymphocytes") < 1 * LLN'),
    ("age range in years", _crit(category=Category.AGE, subject=_subj("age", kind="age"),
                                 constraint=_con("between", value=3, upper=18, lower_inclusive=True,
                                                 upper_inclusive=True, unit_normalized="a")),
     "age_years between [3, 18]"),
    ("age in months, open lower bound",
     _crit(category=Category.AGE, subject=_subj("age", kind="age"),
           constraint=_con("between", value=2, upper=3, lower_inclusive=False, upper_inclusive=True,
                           unit_normalized="mo")),
     "age_months between (2, 3]"),
    ("age without unit is years", _crit(category=Category.AGE, subject=_subj("age", kind="age"),
                                        constraint=_con(">=", value=18)), "age_years >= 18"),
    ("age with a non-time unit", _crit(category=Category.AGE, subject=_subj("age", kind="age"),
                                       constraint=_con("<=", value=2, unit_normalized="mg/dL")), None),
    ("vital with unit", _crit(category=Category.VITAL, subject=_subj("bp.systolic", kind="vital"),
                              constraint=_con(">", value=150, unit_normalized="mm[Hg]")),
     'vital("bp.systolic") > 150 mm[Hg]'),
    ("score set", _crit(category=Category.SCORE, subject=_subj("ecog", kind="score"),
                        constraint=_con("in", values=[0, 1])), 'score("ecog") in {0, 1}'),
    ("lexicon decides lab/vital/score", _crit(category=Category.OTHER, subject=_subj("karnofsky"),
                                              constraint=_con(">=", value=70)), 'score("karnofsky") >= 70'),
    ("named, not in the lexicon", _crit(category=Category.AGE, subject=_subj("gestational_thing", kind="age"),
                                        constraint=_con(">=", value=37, unit_normalized="wk")),
     'measure("gestational_thing") >= 37 wk'),
    ("qualitative", _crit(subject=_subj("hbv.surface_antigen", kind="lab"),
                          constraint=_con("=", qualitative="positive"), section=Section.EXCLUSION),
     'lab("hbv.surface_antigen") is positive'),
    ("qualitative !=", _crit(subject=_subj("hbv.dna", kind="lab"), constraint=_con("!=", qualitative="detectable")),
     'lab("hbv.dna") is not detectable'),
    ("normal range", _crit(subject=_subj("creatinine", kind="lab"), constraint=_con("normal")),
     'lab("creatinine") is normal'),
    ("not within normal range", _crit(subject=_subj("hbv.dna", kind="lab"),
                                      constraint=_con("=", qualitative="abnormal")),
     'lab("hbv.dna") is abnormal'),
    ("life expectancy", _crit(category=Category.LIFE_EXPECTANCY,
                              subject=_subj("life_expectancy", kind="life_expectancy"),
                              constraint=_con(">=", value=12, unit_normalized="wk")),
     "life_expectancy >= 12 wk"),
    ("condition presence", _crit(category=Category.CONDITION, subject=_subj(text="graft-versus-host disease"),
                                 section=Section.EXCLUSION),
     'has(condition: "graft-versus-host disease")'),
    ("negated therapy", _crit(category=Category.THERAPY, subject=_subj(text="prior  systemic\ntherapy"),
                              negated=True),
     'not has(therapy: "prior systemic therapy")'),
    ("temporal window", _crit(category=Category.CONDITION, subject=_subj(text="infections"),
                              temporal=_temp("within", 7, "day", "screening"), section=Section.EXCLUSION),
     'has(condition: "infections") within 7 d before screening'),
    ("window 'in the past year' is one year", _crit(category=Category.CONDITION, subject=_subj(text="stroke"),
                                                    temporal=_temp("within", None, "year")),
     'has(condition: "stroke") within 1 a'),
    ("window range", _crit(category=Category.THERAPY, subject=_subj(text="x"),
                           temporal=_temp("within", 4, "week", "first dose", upper=6)),
     'has(therapy: "x") within 4..6 wk before first dose'),
    ("before anchor", _crit(category=Category.THERAPY, subject=_subj(text="CAR-T"),
                            temporal=_temp("before", anchor="screening")),
     'has(therapy: "CAR-T") before screening'),
    ("after with span", _crit(category=Category.PREGNANCY, subject=_subj(text="contraception"),
                              temporal=_temp("after", 3, "month", "last dose")),
     'has(pregnancy: "contraception") after 3 mo from last dose'),
    ("unknown relation", _crit(category=Category.THERAPY, subject=_subj(text="x"), temporal=_temp("since", 3, "day")),
     None),
    ("count of lines", _crit(category=Category.THERAPY, subject=_subj(text="chemotherapy"),
                             constraint=_con(">=", value=2)), 'count(therapy: "chemotherapy") >= 2'),
    ("duration", _crit(category=Category.THERAPY, subject=_subj(text="antiretroviral therapy"),
                       constraint=_con(">=", value=12, unit_normalized="mo")),
     'duration(therapy: "antiretroviral therapy") >= 12 mo'),
    ("amount", _crit(category=Category.LIFESTYLE, subject=_subj(text="blood donation"),
                     constraint=_con(">", value=500, unit_normalized="mL")),
     'amount(lifestyle: "blood donation") > 500 mL'),
    ("positive finding is presence", _crit(category=Category.CONDITION, subject=_subj(text="CNS lymphoma"),
                                           constraint=_con("=", qualitative="detectable")),
     'has(condition: "CNS lymphoma")'),
    ("negative finding is a result", _crit(category=Category.CONDITION, subject=_subj(text="sputum smear"),
                                           constraint=_con("=", qualitative="negative")),
     'result(condition: "sputum smear") is negative'),
    ("pregnancy test in free text",
     _crit("Women must have a negative urine pregnancy test", category=Category.PREGNANCY,
           subject=_subj(text="Women"), constraint=_con("=", qualitative="negative")),
     'lab("pregnancy_test") is negative'),
    ("sex from text", _crit("Male or female", category=Category.SEX, subject=_subj(text="Male or female")),
     "sex in {female, male}"),
    ("sex, women only", _crit("Women", category=Category.SEX, subject=_subj(text="Women")), "sex is female"),
    ("sex with no word", _crit("Participants", category=Category.SEX, subject=_subj(text="Participants")), None),
    ("not computable", _crit(category=Category.JUDGMENT, computable=False, reason=Reason.SUBJECTIVE), None),
    ("measurable without constraint", _crit(subject=_subj("alt", kind="lab")), None),
    ("between without upper", _crit(subject=_subj("alt", kind="lab"), constraint=_con("between", value=1)), None),
]


@pytest.mark.parametrize("criterion,expected", [(c, e) for _, c, e in TO_EXPRESSION],
                         ids=[n for n, _, _ in TO_EXPRESSION])
def test_expression_to_expression_cases(criterion, expected):
    text = to_expression(criterion)
    assert text == expected
    if text is not None:
        assert format_expression(parse_expression(text)) == text


def test_expression_registry_fields():
    trial = Trial("NCT1", "x", "", minimum_age="18 Years", maximum_age="6 Months", sex="FEMALE")
    texts = [to_expression(c) for c in registry_criteria(trial)]
    assert texts == ["age_years >= 18", "age_months <= 6", "sex is female"]


def test_expression_seed_trial(seed_criteria):
    by_text = {c.criterion_id.split(":", 1)[1]: to_expression(c) for c in seed_criteria}
    assert by_text["inc:1:1"] == "age_years between [3, 18]"
    assert by_text["inc:5.1:4"] == 'lab("bilirubin.total") <= 1.5 * ULN'
    assert by_text["exc:2:1"] == 'lab("hbv.surface_antigen") is positive'
    assert by_text["exc:5:1"] == 'has(condition: "infections or uncontrollable infections") within 7 d before screening'
    assert by_text["inc:6:1"] is None  # consent: not computable


def test_expression_round_trip_every_pipeline_record_on_gold():
    """Every computable record the pipeline produces on every gold trial: to_expression, then
    format(parse(s)) == s; nearly all computable records get an expression."""
    computable = expressed = 0
    for rec in _gold_trials():
        trial = Trial(rec["trial_id"], "gold", rec["criteria"], rec.get("minimum_age"), rec.get("maximum_age"),
                      rec.get("sex"))
        for c in registry_criteria(trial) + build_criteria(trial):
            text = to_expression(c)
            if not c.computable:
                assert text is None
                continue
            computable += 1
            if text is None:
                continue
            expressed += 1
            assert format_expression(parse_expression(text)) == text, c.criterion_id
    assert computable > 500
    assert expressed >= 0.97 * computable
