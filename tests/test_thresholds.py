import pytest

from pipeline.thresholds import comparator_table, find_constraints, parse_number


def _one(text):
    found = find_constraints(text, 0, len(text))
    assert found, f"no constraint in {text!r}"
    f = found[0]
    return f.operator, f.value, f.upper, f.values, f.qualitative, f.unit_normalized, text[f.start:f.end]


@pytest.mark.parametrize(
    "text,op,value,upper,unit",
    [
        ("Total bilirubin≤1.5×ULN", "<=", 1.5, None, "{ULN}"),
        ("ALT and AST ≤ 2.5 x ULN", "<=", 2.5, None, "{ULN}"),
        ("ANC≥1.5x10^9/L", ">=", 1.5, None, "10*9/L"),
        ("neutrophils >= 1.5 x 109/L", ">=", 1.5, None, "10*9/L"),
        ("platelets ≥ 100,000/mm³", ">=", 100000, None, "/mm3"),
        ("SpO2>91%", ">", 91, None, "%"),
        ("creatinine =< 1.5 mg/dL", "<=", 1.5, None, "mg/dL"),
        ("Gleason score \\<=7", "<=", 7, None, None),
        ("age &gt;= 18 years", ">=", 18, None, "a"),
        ("age at least 18 years", ">=", 18, None, "a"),
        ("not less than 18 years", ">=", 18, None, "a"),
        ("no more than 2 prior regimens", "<=", 2, None, None),
        ("LVEF greater than or equal to 50%", ">=", 50, None, "%"),
        ("Expected survival time ≥ 12weeks", ">=", 12, None, "wk"),
        ("eGFR > 60 mL/min/1.73 m²", ">", 60, None, "mL/min/{1.73_m2}"),
        ("Age 3-18", "between", 3, 18, None),
        ("aged 18 to 75 years", "between", 18, 75, "a"),
        ("between 18 and 65 years, inclusive", "between", 18, 65, "a"),
        ("from 6 to 17 years", "between", 6, 17, "a"),
        ("ECOG 0–1", "between", 0, 1, None),
        ("18 years or older", ">=", 18, "a" and None, "a"),
        ("19 years and older", ">=", 19, None, "a"),
        ("HbA1c 7.5%-11.0%", "between", 7.5, 11.0, "%"),
        ("BMI ≥18,5 and ≤27,5", "between", 18.5, 27.5, None),
        ("platelets ≥ 100 000/mm³", ">=", 100000, None, "/mm3"),
        ("Absolute neutrophil count \\>= 1,500/mm\\^3", ">=", 1500, None, "/mm3"),
        ("UPCR ≥ 0.8 g/g", ">=", 0.8, None, "g/g"),
        ("BMI = 18.5-29.9 kg/m2", "between", 18.5, 29.9, "kg/m2"),
        ("patients under the age of 18", "<", 18, None, None),
        ("adults over age 21", ">", 21, None, None),
        ("women up to the age of 45 years", "<=", 45, None, "a"),
        ("boys younger than age of 12", "<", 12, None, None),
        ("bacteriuria > 10^3 CFU/mL", ">", 1000, None, "{CFU}/mL"),
        ("haemoglobin greater than100 g/L", ">", 100, None, "g/L"),
        ("(<100,000 platelets/microL)", "<", 100000, None, "/mm3"),
        ("knee flexion < 90 degrees", "<", 90, None, "deg"),
        ("central thickness ≥ 320 µm", ">=", 320, None, "um"),
        ("able to walk at least 50 feet", ">=", 50, None, "[ft_i]"),
        ("PEEP ≤ 8 cmH2O", "<=", 8, None, "cm[H2O]"),
        ("infants 3 months and older", ">=", 3, None, "mo"),
        ("between 25 years and 60 years", "between", 25, 60, "a"),
        ("age 60+ years", ">=", 60, None, "a"),
        ("men >50-year-old", ">", 50, None, "a"),
        ("18-35-year-old women", "between", 18, 35, "a"),
        ("participants 21 years of age or older", ">=", 21, None, "a"),
        ("girls 16 years old and older", ">=", 16, None, "a"),
        ("children 12 years of age or younger", "<=", 12, None, "a"),
        ("ECOG score of 0~1", "between", 0, 1, None),
        ("aged 20~45 years", "between", 20, 45, "a"),
        ("fasting glucose 70～100 mg/dL", "between", 70, 100, "mg/dL"),
        ("body weight ~80 kg", "~", 80, None, "kg"),
        ("Age equal or above 21 years", ">=", 21, None, "a"),
        ("score less or equal 4", "<=", 4, None, None),
        ("Age ˂ 16 years", "<", 16, None, "a"),
        ("women ≥ 40 years-old", ">=", 40, None, "a"),
        ("infants 6 months-old or older", ">=", 6, None, "mo"),
    ],
)
def test_thresholds_comparators_values_units(text, op, value, upper, unit):
    got = _one(text)
    assert got[0] == op
    assert got[1] == pytest.approx(value)
    assert (got[2] == pytest.approx(upper)) if upper is not None else got[2] is None
    assert got[5] == unit


@pytest.mark.parametrize(
    "text,span,op_span",
    [
        ("21 years of age or older", "21 years of age or older", "or older"),
        ("16 years old and older", "16 years old and older", "and older"),
        ("18 years or older", "18 years or older", "or older"),
    ],
)
def test_thresholds_age_word_before_trailing_operator(text, span, op_span):
    f = find_constraints(text, 0, len(text))[0]
    assert text[f.start : f.end] == span
    assert [text[a:b] for a, b in f.op_spans] == [op_span]


@pytest.mark.parametrize(
    "text,values",
    [("ECOG performance status 0, 1 or 2", [0, 1, 2]), ("ECOG 12, 1 or 2", [1, 2]), ("grade 1, 2, or 3", [1, 2, 3])],
)
def test_thresholds_sets(text, values):
    sets = [f.values for f in find_constraints(text, 0, len(text)) if f.operator == "in"]
    assert sets == [values]


@pytest.mark.parametrize(
    "text,op,qual",
    [
        ("Creatinine is within the normal range", "normal", None),
        ("thyroid function within normal limits", "normal", None),
        ("HBsAg positive", "=", "positive"),
        ("negative serum pregnancy test", "=", "negative"),
        ("HIV viral load undetectable", "=", "undetectable"),
        ("HBV DNA is not within the normal reference range", "=", "abnormal"),
    ],
)
def test_thresholds_normal_and_qualitative(text, op, qual):
    got = _one(text)
    assert (got[0], got[4]) == (op, qual)


@pytest.mark.parametrize("text", ["COVID-19 infection", "IL-6 inhibitors", "Stage II-III disease", "type 2 diabetes"])
def test_thresholds_names_are_not_ranges(text):
    assert not [f for f in find_constraints(text, 0, len(text)) if f.operator == "between"]


def test_thresholds_offsets_are_exact():
    text = "Inclusion: ANC ≥ 1.5 × 10^9/L and platelets ≥ 100 × 10^9/L"
    for f in find_constraints(text, 0, len(text)):
        for s, e in f.op_spans + f.value_spans + ([f.unit_span] if f.unit_span else []):
            assert 0 <= s < e <= len(text)
        assert text[f.value_spans[0][0]:f.value_spans[0][1]] in ("1.5", "100")


@pytest.mark.parametrize(
    "s,v",
    [("1,500", 1500), ("2.5", 2.5), ("twelve", 12), (".5", 0.5), ("x", None),
     ("9" * 400, None), ("-" + "9" * 400, None)],
)
def test_thresholds_parse_number(s, v):
    assert parse_number(s) == v  # 400 digits overflow a float: not a value (was inf)


@pytest.mark.parametrize(
    "text",
    ["ECOG 0, " + "9" * 400, "ECOG -" + "9" * 400 + ", 1 or 2", "Platelets ≥ " + "9" * 400 + " /µL"],
)
def test_thresholds_huge_numbers_are_no_values(text):
    # a set walk over "0, 999...9" raised OverflowError (int(inf)): the whole trial became an error row
    assert all(f.value is None or abs(f.value) < 1e308 for f in find_constraints(text, 0, len(text)))


def test_thresholds_comparator_table_loads():
    ops = {op for _, op, _ in comparator_table()}
    assert {">=", "<=", ">", "<"} <= ops


@pytest.mark.parametrize("text", ["10 cigarettes per day", "3 drinks/week", "5 cigarettes a day",
                                  "2 alcoholic drinks per day", "10 cigarettes in a day"])
def test_thresholds_count_rates_need_a_real_rate_word(text):
    from pipeline.thresholds import unit_at

    pos = text.index(" ")
    assert unit_at(text, pos, len(text))[3].startswith("{")
    # "years and older" is not "years a(n)d": a count per day
    assert unit_at("19 years and older", 2, 18)[3] == "a"


@pytest.mark.parametrize("text,code", [("10 hours per week", "h/wk"), ("one dose per day", "{dose}/d")])
def test_thresholds_rates_of_time_and_doses(text, code):
    from pipeline.thresholds import unit_at

    pos = text.index(" ")
    assert unit_at(text, pos, len(text))[3] == code


def test_thresholds_a_comma_list_is_not_a_decimal():
    found = find_constraints("ECOG 0,1 or 2", 0, 13)
    assert found[0].operator == "in" and found[0].values == [0, 1, 2]


def test_foreign_word_shortcut_never_rejects_a_unit():
    """`_normalize` skips the normalizer for strings with a word no unit spelling has: every
    spelling in the alias table, also with a multiplier, filler or trailing word, still normalizes."""
    import json

    from pipeline.paths import model_file
    from pipeline.thresholds import _foreign_word, _normalize
    from pipeline.units import load_aliases, normalize_unit

    table = load_aliases()
    lines = model_file("units", "unit_aliases.jsonl").read_text(encoding="utf-8").splitlines()
    literals = [json.loads(x)["literal"] for x in lines if x.strip() and not x.lstrip().startswith("#")]
    for lit in literals:
        for written in (lit, f"x {lit}", f"{lit} per day", f"x{lit}", f"{lit} of normal", lit.upper()):
            if normalize_unit(written) is not None:
                assert not _foreign_word(written), written
    assert _foreign_word("weeks which could affect") and _normalize("weeks which could affect") is None
    assert _normalize("x ULN") == normalize_unit("x ULN") and table.multipliers


def test_thresholds_range_written_high_to_low_is_the_same_range():
    from pipeline.thresholds import find_constraints

    text = "Best-corrected visual acuity of 78 to 24 letters"
    (c,) = find_constraints(text, 0, len(text))
    assert (c.operator, c.value, c.upper, c.unit_normalized) == ("between", 24.0, 78.0, "{letters}")
    assert [text[a:b] for a, b in c.value_spans] == ["24", "78"]


@pytest.mark.parametrize("text,value,upper,upper_inclusive",
                         [("Children aged 6 to < 12 years", 6.0, 12.0, False), ("Age 2 - <18 years", 2.0, 18.0, False),
                          ("Aged 12 years to ≤ 17 years", 12.0, 17.0, True)])
def test_thresholds_bare_lower_bound_before_an_upper_comparator(text, value, upper, upper_inclusive):
    from pipeline.thresholds import find_constraints

    (c,) = find_constraints(text, 0, len(text))
    assert (c.operator, c.value, c.upper, c.lower_inclusive, c.upper_inclusive) == ("between", value, upper, True,
                                                                                     upper_inclusive)
    assert c.unit_normalized == "a"


@pytest.mark.parametrize("text,unit", [("78 to 24 ETDRS letters", "{letters}"),
                                       ("total bilirubin ≤1.5 upper limit of normal (ULN)", "{ULN}"),
                                       ("HBV DNA <100 International units per milliliter", "[IU]/mL")])
def test_thresholds_multi_word_units_are_found(text, unit):
    from pipeline.thresholds import find_constraints

    (c,) = find_constraints(text, 0, len(text))
    assert c.unit_normalized == unit


@pytest.mark.parametrize(
    "text,op,unit",
    [
        # a limit against the reference range with no number is 1 × ULN/LLN (GUIDELINES §5, 11.115)
        ("Haemoglobin ≥ LLN", ">=", "{LLN}"),
        ("AST > ULN", ">", "{ULN}"),
        ("Lipase above the upper limit of normal", ">", "{ULN}"),
        ("Serum IgA below the lower limit of normal", "<", "{LLN}"),
        ("Free T4 not below the lower limit of normal", ">=", "{LLN}"),
    ],
)
def test_thresholds_reference_range_limit_without_a_number(text, op, unit):
    from pipeline.thresholds import find_constraints

    (f,) = find_constraints(text, 0, len(text))
    assert (f.operator, f.value, f.unit_normalized) == (op, 1.0, unit)


def test_thresholds_above_uln_but_below_a_multiple_is_one_range():
    from pipeline.thresholds import find_constraints

    text = "ALT > ULN but ≤ 8 × ULN"
    (f,) = find_constraints(text, 0, len(text))
    assert (f.operator, f.value, f.upper, f.lower_inclusive, f.upper_inclusive) == ("between", 1.0, 8.0, False, True)


@pytest.mark.parametrize(
    "text,n",
    [
        ("Histologically confirmed HER2-positive breast cancer", 0),  # part of the disease's name
        ("Born to an HIV-positive mother", 0),
        ("HIV-negative", 1),  # the result itself
        ("HBeAg-negative at screening", 1),
        ("HCV-positive patients", 1),  # said of the participants
    ],
)
def test_thresholds_hyphenated_result_before_a_noun_is_a_name(text, n):
    from pipeline.thresholds import find_constraints

    assert len(find_constraints(text, 0, len(text))) == n


@pytest.mark.parametrize("text,op,value,values", [
    ("CDR global score of 0.5 or 1", "in", None, [0.5, 1.0]),   # half steps make a set too
    ("Born at or after 37 weeks of gestation", ">=", 37.0, None),
    ("Delivered at or before 34 weeks", "<=", 34.0, None),
    ("Ferritin at or above 100 ng/mL", ">=", 100.0, None),
])
def test_thresholds_half_step_sets_and_at_or_after(text, op, value, values):
    (f,) = find_constraints(text, 0, len(text))
    assert (f.operator, f.value, f.values) == (op, value, values)


@pytest.mark.parametrize("text,expected", [
    ("aged 6 months to 65 years", [(">=", 6.0, "mo"), ("<=", 65.0, "a")]),
    ("between 8 weeks and 2 years of age", [(">=", 8.0, "wk"), ("<=", 2.0, "a")]),
    ("18 to 65 years", [("between", 18.0, "a")]),
])
def test_thresholds_a_range_in_two_units_is_two_bounds(text, expected):
    # §11.13 / 11.471: "6 months to 65 years" is not 6-65 years
    assert [(f.operator, f.value, f.unit_normalized) for f in find_constraints(text, 0, len(text))] == expected
