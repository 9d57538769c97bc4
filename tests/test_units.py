"""pipeline.units: written units -> codes, codes -> pint, conversions, time units, data files."""

from __future__ import annotations

import json
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import units
from pipeline.errors import RuleFileError, UnitError

XFAIL = pytest.mark.xfail

# ------------------------------------------------------------------------ normalize_unit

WRITTEN_FORMS = [
    # multiples of the upper / lower limit of normal
    ("x ULN", "{ULN}"),
    ("×ULN", "{ULN}"),
    ("X ULN", "{ULN}"),
    ("xULN", "{ULN}"),
    ("* ULN", "{ULN}"),
    ("X maximum normal value", "{ULN}"),
    ("highest reference value", "{ULN}"),
    ("times ULN", "{ULN}"),
    ("times the upper limit of normal", "{ULN}"),
    ("x institutional ULN", "{ULN}"),
    ("× the institutional upper limit of normal", "{ULN}"),
    ("x upper limit of normal (ULN)", "{ULN}"),
    ("x ULN (institutional)", "{ULN}"),
    ("ULN", "{ULN}"),
    ("x IULN", "{ULN}"),
    ("ULN for age", "{ULN}"),
    ("fold ULN", "{ULN}"),
    ("-fold the upper limit of normal", "{ULN}"),
    ("x the upper limit of the normal range", "{ULN}"),
    ("LLN", "{LLN}"),
    ("x LLN", "{LLN}"),
    ("lower limit of normal", "{LLN}"),
    ("the institutional lower limit of normal", "{LLN}"),
    # counts per volume
    ("x 10^9/L", "10*9/L"),
    ("×10⁹/L", "10*9/L"),
    ("x10^9/l", "10*9/L"),
    ("x 109/L", "10*9/L"),  # superscript lost in copy-paste
    ("x10E9/L", "10*9/L"),
    ("x 10e9/L", "10*9/L"),
    ("10^9/L", "10*9/L"),
    ("x 10 ^9 /L", "10*9/L"),
    ("x 10(9)/L", "10*9/L"),
    ("10**9/L", "10*9/L"),
    ("x 10^9 cells/L", "10*9/L"),
    ("G/L", "10*9/L"),
    ("Gpt/L", "10*9/L"),
    ("x 10³/µL", "10*9/L"),
    ("x 10^3/uL", "10*9/L"),
    ("K/uL", "10*9/L"),
    ("10^3/mm3", "10*9/L"),
    ("x 10^12/L", "10*12/L"),
    ("×10¹²/L", "10*12/L"),
    ("x 1012/L", "10*12/L"),
    ("T/L", "10*12/L"),
    ("x 10^6/µL", "10*12/L"),
    ("x 10^4/µL", "10*4/uL"),
    ("/mm³", "/mm3"),
    ("/mm3", "/mm3"),
    ("per mm3", "/mm3"),
    ("cells/mm3", "/mm3"),
    ("cells/mm³", "/mm3"),
    ("/µL", "/mm3"),  # U+00B5 MICRO SIGN
    ("/μL", "/mm3"),  # U+03BC GREEK SMALL LETTER MU
    ("/uL", "/mm3"),
    ("/mcL", "/mm3"),
    ("cells/µL", "/mm3"),
    ("cells/mcL", "/mm3"),
    ("mm^3", "/mm3"),
    ("/cu mm", "/mm3"),
    ("per microliter", "/mm3"),
    # concentrations
    ("mg/dl", "mg/dL"),
    ("mg/dL", "mg/dL"),
    ("MG/DL", "mg/dL"),
    ("mg%", "mg/dL"),
    ("g/dl", "g/dL"),
    ("gm/dL", "g/dL"),
    ("g/L", "g/L"),
    ("g/l", "g/L"),
    ("µmol/L", "umol/L"),
    ("μmol/L", "umol/L"),
    ("umol/l", "umol/L"),
    ("micromol/L", "umol/L"),
    ("micromoles per liter", "umol/L"),
    ("µM", "umol/L"),
    ("mmol/L", "mmol/L"),
    ("mmol/l", "mmol/L"),
    ("mM", "mmol/L"),
    ("mmol/mol", "mmol/mol"),
    ("mEq/L", "meq/L"),
    ("ng/mL", "ng/mL"),
    ("ng/ml", "ng/mL"),
    ("pg/mL", "pg/mL"),
    ("µg/L", "ug/L"),
    ("mcg/L", "ug/L"),
    ("μg/mL", "ug/mL"),
    ("ng/dL", "ng/dL"),
    ("pmol/L", "pmol/L"),
    ("nmol/L", "nmol/L"),
    ("IU/L", "[IU]/L"),
    ("IU/mL", "[IU]/mL"),
    ("mIU/mL", "m[IU]/mL"),
    ("µIU/mL", "u[IU]/mL"),
    ("mU/L", "m[IU]/L"),
    ("U/L", "U/L"),
    ("u/l", "U/L"),
    ("units/L", "U/L"),
    ("U/mL", "U/mL"),
    ("µkat/L", "ukat/L"),
    ("copies/mL", "{copies}/mL"),
    ("copies/ml", "{copies}/mL"),
    ("copies per milliliter", "{copies}/mL"),
    ("cp/mL", "{copies}/mL"),
    # renal function
    ("mL/min", "mL/min"),
    ("ml/min", "mL/min"),
    ("mL/min/1.73 m²", "mL/min/{1.73_m2}"),
    ("ml/min/1.73m2", "mL/min/{1.73_m2}"),
    ("mL/min per 1.73 m2", "mL/min/{1.73_m2}"),
    ("mL/min/1.73m^2", "mL/min/{1.73_m2}"),
    ("mL/min/1.73 m(2)", "mL/min/{1.73_m2}"),
    ("ml/min/1,73 m2", "mL/min/{1.73_m2}"),
    ("mL/min/1.73 sq m", "mL/min/{1.73_m2}"),
    ("mg/g", "mg/g"),
    ("mg/g creatinine", "mg/g"),
    ("mg/mmol", "mg/mmol"),
    ("g/24h", "g/(24.h)"),
    ("g/24 hours", "g/(24.h)"),
    ("mg/24 hours", "mg/(24.h)"),
    # vitals
    ("mmHg", "mm[Hg]"),
    ("mm Hg", "mm[Hg]"),
    ("mm of Hg", "mm[Hg]"),
    ("bpm", "/min"),
    ("beats per minute", "/min"),
    ("beats/min", "/min"),
    ("/min", "/min"),
    ("breaths per minute", "/min"),
    ("msec", "ms"),
    ("ms", "ms"),
    ("milliseconds", "ms"),
    ("kg/m²", "kg/m2"),
    ("kg/m^2", "kg/m2"),
    ("kg/m2", "kg/m2"),
    ("kg/m(2)", "kg/m2"),
    ("kg", "kg"),
    ("kilograms", "kg"),
    ("lbs", "[lb_av]"),
    ("cm", "cm"),
    ("m", "m"),
    ("meters", "m"),
    ("inches", "[in_i]"),
    ("°C", "Cel"),
    ("ºC", "Cel"),  # U+00BA MASCULINE ORDINAL INDICATOR, common in place of the degree sign
    ("℃", "Cel"),
    ("°F", "[degF]"),
    ("%", "%"),
    ("percent", "%"),
    ("per cent", "%"),
    ("% predicted", "%"),
    ("％", "%"),  # full-width
    ("mg/kg", "mg/kg"),
    ("mg/m²", "mg/m2"),
    ("mg", "mg"),
    ("mcg", "ug"),
    ("µg", "ug"),
    ("fL", "fL"),
    ("mm/hr", "mm/h"),
    ("kPa", "kPa"),
    ("Gy", "Gy"),
    # time
    ("years", "a"),
    ("yrs", "a"),
    ("year", "a"),
    ("y", "a"),
    ("months", "mo"),
    ("mo", "mo"),
    ("mos", "mo"),
    ("weeks", "wk"),
    ("wks", "wk"),
    ("wk", "wk"),
    ("days", "d"),
    ("d", "d"),
    ("hours", "h"),
    ("hrs", "h"),
    ("h", "h"),
    ("minutes", "min"),
    ("min", "min"),
    ("seconds", "s"),
    ("sec", "s"),
    # trailing punctuation and outer space do not matter
    (" mg/dL. ", "mg/dL"),
    ("weeks,", "wk"),
    # honest failures
    pytest.param(
        "x 10^9 per litre",
        "10*9/L",
        marks=XFAIL(reason="spelled-out units inside a compound are known only where listed"),
    ),
    pytest.param(
        "N",
        "{ULN}",
        marks=XFAIL(reason="'N' for ULN ('<= 2.5 N', French usage) is too ambiguous to alias"),
    ),
    pytest.param(
        "G/l",
        "10*9/L",
        marks=XFAIL(reason="case-insensitive fallback reads 'G/l' as grams per litre"),
    ),
    pytest.param(
        "mL/min/m2",
        "mL/min/m2",
        marks=XFAIL(reason="flow per m² (not per 1.73 m²) has no code yet"),
    ),
]


@pytest.mark.parametrize("written,code", WRITTEN_FORMS)
def test_units_normalize_written_form(written, code):
    assert units.normalize_unit(written) == code


@pytest.mark.parametrize(
    "written",
    [
        "",
        "   ",
        "x",
        "×",
        "foo",
        "half-lives",
        "cycles",
        "doses",
        "log10 copies/mL",
        "1.5 x ULN",
        "1.73m2",
        "A",
        "a",
        "in",
        "years old",  # "old" / "of age" mark the age subject; the unit is only "years"
        "years of age",
    ],
)
def test_units_normalize_unknown_is_none(written):
    assert units.normalize_unit(written) is None


def test_units_normalize_non_string_is_none():
    assert units.normalize_unit(None) is None  # type: ignore[arg-type]


# The codes of annotations/GUIDELINES.md section 6, which the output must use exactly.
GUIDELINES_CODES = [
    "%",
    "mg/dL",
    "g/dL",
    "g/L",
    "umol/L",
    "mmol/L",
    "mmol/mol",
    "10*9/L",
    "10*12/L",
    "/mm3",
    "mL/min",
    "mL/min/{1.73_m2}",
    "mm[Hg]",
    "/min",
    "ms",
    "kg",
    "kg/m2",
    "cm",
    "[IU]/L",
    "U/L",
    "{copies}/mL",
    "[IU]/mL",
    "ng/mL",
    "pg/mL",
    "{ULN}",
    "{LLN}",
    "a",
    "mo",
    "wk",
    "d",
    "h",
]


@pytest.mark.parametrize("code", GUIDELINES_CODES)
def test_units_guidelines_codes_are_defined(code):
    assert code in units.load_aliases().codes


def test_units_every_written_code_normalizes_to_itself():
    codes = [c for c, record in units.load_aliases().codes.items() if record.written]
    assert {code: units.normalize_unit(code) for code in codes} == {code: code for code in codes}


@pytest.mark.parametrize("code", ["a"])
def test_units_code_only_codes_are_not_read_from_text(code):
    record = units.load_aliases().codes[code]
    assert not record.written
    assert units.normalize_unit(code) is None
    assert units.to_pint(code) == units.registry().Unit(record.pint)


def test_units_every_code_has_a_pint_unit():
    for code in units.load_aliases().codes:
        assert units.to_pint(code) is not None, code


# ------------------------------------------------------------------------ fold_unit_text (pure)


@pytest.mark.parametrize(
    "text,lower,expected",
    [
        ("×10⁹/L", True, "10*9/l"),
        ("×10⁹/L", False, "10*9/L"),
        ("x 109/L", True, "10*9/l"),
        ("10E12/L", False, "10*12/L"),
        ("/µL", True, "/ul"),
        ("/μL", True, "/ul"),
        ("mL/min per 1.73 m²", True, "ml/min/1.73m2"),
        ("ml/min/1,73 m2", True, "ml/min/1.73m2"),
        ("kg/m(2)", True, "kg/m2"),
        ("times ULN", True, "uln"),
        ("timesULN", True, "timesuln"),  # a word multiplier needs a word end
        ("(ULN)", False, "ULN"),
        ("mg/dL.", True, "mg/dl"),
    ],
)
def test_units_fold_unit_text(text, lower, expected):
    assert units.fold_unit_text(text, lower=lower, multipliers=("x", "×", "times")) == expected


def test_units_fold_unit_text_drops_fillers_only_when_given():
    assert units.fold_unit_text("x institutional ULN", multipliers=("x",)) == "institutionaluln"
    assert (
        units.fold_unit_text("x institutional ULN", multipliers=("x",), fillers=("institutional",))
        == "uln"
    )


# ------------------------------------------------------------------------ pint


def test_units_registry_is_cached_and_loads_clinical_definitions():
    ureg = units.registry()
    assert ureg is units.registry()
    assert ureg.Unit("ULN").dimensionality != ureg.Unit("LLN").dimensionality
    assert not ureg.Unit("ULN").dimensionless
    assert ureg.Unit("cells/mm**3").dimensionality == ureg.Unit("1/uL").dimensionality
    assert ureg.Unit("IU").dimensionality != ureg.Unit("U").dimensionality


@pytest.mark.parametrize("spelling", ["µL", "μL", "uL", "mcL"])
def test_units_pint_micro_sign_variants(spelling):
    ureg = units.registry()
    assert ureg.Unit(spelling) == ureg.Unit("microliter")


@pytest.mark.parametrize("spelling", ["µg", "μg", "ug", "mcg"])
def test_units_pint_microgram_variants(spelling):
    ureg = units.registry()
    assert ureg.Unit(spelling) == ureg.Unit("microgram")


def test_units_to_pint_accepts_written_forms_and_rejects_unknown():
    assert units.to_pint("x 10^9/L") == units.to_pint("10*9/L")
    assert units.to_pint("µmol/L") == units.to_pint("umol/L") == units.to_pint("μmol/L")
    with pytest.raises(UnitError):
        units.to_pint("furlongs per fortnight")


CONVERSIONS = [
    # value, from, to, analyte, expected, relative tolerance
    (1500, "/mm3", "10*9/L", None, 1.5, 1e-9),
    (1.5, "10*9/L", "/mm3", None, 1500, 1e-9),
    (100_000, "/mm3", "10*9/L", None, 100, 1e-9),
    (1500, "/µL", "10*9/L", None, 1.5, 1e-9),
    (1500, "cells/μL", "10*9/L", None, 1.5, 1e-9),
    (4.5, "10*12/L", "/mm3", None, 4.5e6, 1e-9),
    (15, "10*4/uL", "10*9/L", None, 150, 1e-9),
    (1.2, "g/dL", "g/L", None, 12, 1e-9),
    (90, "g/L", "g/dL", None, 9, 1e-9),
    (1.5, "mg/dL", "mg/L", None, 15, 1e-9),
    (1, "ng/mL", "ug/L", None, 1, 1e-9),
    (60, "U/L", "ukat/L", None, 1, 1e-9),
    (12, "wk", "d", None, 84, 1e-9),
    (1, "a", "mo", None, 12, 1e-9),
    (170, "cm", "m", None, 1.7, 1e-9),
    (154, "[lb_av]", "kg", None, 69.853, 1e-4),
    (37, "Cel", "[degF]", None, 98.6, 1e-6),
    (120, "mm[Hg]", "kPa", None, 15.999, 1e-4),
    (2, "{ULN}", "{ULN}", None, 2, 0),
    # analyte-specific
    (1.5, "mg/dL", "umol/L", "creatinine", 132.6, 1e-3),
    (1.0, "mg/dL", "umol/L", "creatinine", 88.4, 1e-3),
    (1.5, "mg/dL", "µmol/L", "creatinine", 132.6, 1e-3),
    (1.5, "mg/dL", "μmol/L", "creatinine", 132.6, 1e-3),
    (132.6, "umol/L", "mg/dL", "creatinine", 1.5, 1e-3),
    (7.0, "%", "mmol/mol", "hba1c", 53.0, 2e-3),
    (6.5, "%", "mmol/mol", "hba1c", 47.5, 2e-3),
    (53, "mmol/mol", "%", "hba1c", 7.0, 2e-3),
    (9, "g/dL", "mmol/L", "hemoglobin", 5.585, 1e-3),
    (90, "g/L", "mmol/L", "hemoglobin", 5.585, 1e-3),
    (1.5, "mg/dL", "umol/L", "bilirubin.total", 25.65, 2e-3),
    (0.3, "mg/dL", "umol/L", "bilirubin.direct", 5.13, 2e-3),
    (126, "mg/dL", "mmol/L", "glucose.fasting", 7.0, 2e-3),
    (10, "mg/dL", "mmol/L", "calcium", 2.495, 1e-3),
    (10, "mg/dL", "meq/L", "calcium", 4.99, 1e-3),
    (4, "mmol/L", "meq/L", "potassium", 4, 1e-9),
    (20, "mg/dL", "mmol/L", "bun", 7.14, 1e-3),
    (200, "mg/dL", "mmol/L", "cholesterol", 5.17, 2e-3),
    (130, "mg/dL", "mmol/L", "ldl", 3.36, 2e-3),
    (150, "mg/dL", "mmol/L", "triglycerides", 1.69, 3e-3),
    (6, "mg/dL", "umol/L", "uric_acid", 357, 2e-3),
    (4.5, "mg/dL", "mmol/L", "phosphate", 1.45, 3e-3),
    (50, "ng/dL", "nmol/L", "testosterone", 1.73, 3e-3),
    (30, "ng/mL", "nmol/L", "vitamin_d", 74.9, 2e-3),
    (100, "[IU]/L", "U/L", "alt", 100, 1e-9),
    (60, "[IU]/L", "ukat/L", "ast", 1, 1e-9),
    (
        1.2,
        "mg/dL",
        "g/L",
        "albumin",
        0.012,
        1e-9,
    ),  # analyte without data: plain conversion still works
]


@pytest.mark.parametrize("value,src,dst,analyte,expected,rel", CONVERSIONS)
def test_units_convert(value, src, dst, analyte, expected, rel):
    assert units.convert(value, src, dst, analyte=analyte) == pytest.approx(
        expected, rel=rel, abs=1e-12
    )


@pytest.mark.parametrize(
    "value,src,dst,analyte",
    [
        (1, "{ULN}", "{LLN}", None),
        (1, "{ULN}", "mg/dL", None),
        (1, "{ULN}", "%", None),
        (1, "mg/dL", "umol/L", None),
        (1, "mg/dL", "umol/L", "albumin"),
        (1, "mg/dL", "meq/L", "creatinine"),
        (7, "%", "mmol/mol", None),
        (7, "%", "mmol/mol", "creatinine"),
        (1, "[IU]/L", "U/L", None),
        (1, "{copies}/mL", "[IU]/mL", "hbv.dna"),
        (60, "mL/min", "mL/min/{1.73_m2}", None),
        (1, "kg", "cm", None),
        (1, "/mm3", "%", None),
        (1, "furlongs", "%", None),
    ],
)
def test_units_convert_incommensurable_raises(value, src, dst, analyte):
    with pytest.raises(UnitError):
        units.convert(value, src, dst, analyte=analyte)


def test_units_unit_error_is_value_error_and_pickles():
    with pytest.raises(ValueError) as info:
        units.convert(1, "{ULN}", "{LLN}")
    again = pickle.loads(pickle.dumps(info.value))
    assert isinstance(again, UnitError) and str(again) == str(info.value)


@pytest.mark.parametrize(
    "a,b,analyte,expected",
    [
        ("/mm3", "10*9/L", None, True),
        ("/µL", "10*9/L", None, True),
        ("g/dL", "g/L", None, True),
        ("mg/dL", "umol/L", None, False),
        ("mg/dL", "umol/L", "creatinine", True),
        ("%", "mmol/mol", None, False),
        ("%", "mmol/mol", "hba1c", True),
        ("{ULN}", "{LLN}", None, False),
        ("{ULN}", "{ULN}", None, True),
        ("mL/min", "mL/min/{1.73_m2}", None, False),
        ("nonsense", "%", None, False),
    ],
)
def test_units_commensurable(a, b, analyte, expected):
    assert units.commensurable(a, b, analyte=analyte) is expected


def test_units_analyte_record_falls_back_to_dotted_parent():
    assert units.analyte_record("bilirubin.total").name == "bilirubin"
    assert units.analyte_record("glucose.fasting").name == "glucose"
    assert units.analyte_record("creatinine").name == "creatinine"
    assert units.analyte_record("albumin") is None
    assert units.analyte_record(None) is None


def test_units_hemoglobin_linear_factor_agrees_with_molar_mass():
    hb = units.load_analytes()["hemoglobin"]
    (rule,) = hb.linear
    from_molar_mass = 10 / hb.molar_mass * 1000  # g/dL -> g/L -> mol/L -> mmol/L
    assert rule.scale == pytest.approx(from_molar_mass, rel=1e-3)


# ------------------------------------------------------------------------ time


@pytest.mark.parametrize(
    "written,name",
    [
        ("years", "year"),
        ("yrs", "year"),
        ("year", "year"),
        ("y", "year"),
        ("months", "month"),
        ("mo", "month"),
        ("mths", "month"),
        ("weeks", "week"),
        ("wks", "week"),
        ("wk", "week"),
        ("days", "day"),
        ("day", "day"),
        ("d", "day"),
        ("hours", "hour"),
        ("hrs", "hour"),
        ("h", "hour"),
        ("minutes", "minute"),
        ("mins", "minute"),
        ("week", "week"),
        ("month", "month"),
        ("ms", None),
        ("seconds", None),
        ("half-lives", None),
        ("cycles", None),
        ("mg", None),
        ("", None),
    ],
)
def test_units_time_unit_name(written, name):
    assert units.time_unit_name(written) == name


@pytest.mark.parametrize(
    "amount,unit,days",
    [
        (12, "week", 84),
        (12, "weeks", 84),
        (2, "wk", 14),
        (7, "day", 7),
        (48, "hours", 2),
        (90, "min", 0.0625),
        (3, "months", 91.3125),
        (1, "year", 365.25),
        (18, "a", 6574.5),
    ],
)
def test_units_duration_in_days(amount, unit, days):
    assert units.duration_in_days(amount, unit) == pytest.approx(days)


@pytest.mark.parametrize("unit", ["mg", "half-lives", "ms", ""])
def test_units_duration_in_days_rejects_non_time(unit):
    with pytest.raises(UnitError):
        units.duration_in_days(1, unit)


# ------------------------------------------------------------------------ data files


def test_units_data_files_validate():
    table = units.load_aliases()
    assert len(table.codes) >= 40 and len(table) >= 300
    assert units.load_analytes()["creatinine"].molar_mass == pytest.approx(113.12)


def _records(*lines: str) -> list[tuple[int, dict]]:
    return [(n, json.loads(line)) for n, line in enumerate(lines, start=1)]


CODE_MG = '{"literal": "mg", "category": "code", "pint": "milligram", "label": "milligrams"}'


@pytest.mark.parametrize(
    "lines,line,message",
    [
        (
            [CODE_MG, '{"literal": "mgs", "category": "alias", "code": "mg", "colour": 1}'],
            2,
            "unknown key",
        ),
        ([CODE_MG, '{"literal": "mgs", "category": "alias"}'], 2, "missing key"),
        ([CODE_MG, '{"literal": "mgs", "category": "synonym", "code": "mg"}'], 2, "category"),
        ([CODE_MG, '{"literal": "mgs", "category": "alias", "code": "mg/dL"}'], 2, "unknown code"),
        (
            [CODE_MG, '{"literal": "MG", "category": "alias", "code": "mg"}'],
            2,
            "duplicate of line 1",
        ),
        (
            [
                CODE_MG,
                '{"literal": "g", "category": "code", "pint": "gram", "label": "g"}',
                '{"literal": "x mg", "category": "multiplier"}',
                '{"literal": "G", "category": "alias", "code": "mg"}',
            ],
            4,
            "conflicts",
        ),
        (
            [
                (
                    '{"literal": "mo", "category": "code", "pint": "month", "label": "m", '
                    '"time_unit": "fortnight"}'
                )
            ],
            1,
            "time_unit",
        ),
        ([CODE_MG, '{"literal": " mgs", "category": "alias", "code": "mg"}'], 2, "outer spaces"),
        (
            [
                CODE_MG,
                '{"literal": "mgs", "category": "alias", "code": "mg", "case_sensitive": "yes"}',
            ],
            2,
            "case_sensitive",
        ),
        ([CODE_MG, CODE_MG], 2, "defined twice"),
    ],
)
def test_units_alias_records_are_validated_strictly(lines, line, message):
    with pytest.raises(RuleFileError) as info:
        units.parse_alias_records(_records(*lines), "unit_aliases.jsonl")
    assert info.value.line == line
    assert str(info.value).startswith(f"unit_aliases.jsonl:{line}:")
    assert message in str(info.value)


@pytest.mark.parametrize(
    "lines,line,message",
    [
        (['{"name": "x", "source": "s", "molar_mass": 1, "colour": 1}'], 1, "unknown key"),
        (['{"name": "x", "molar_mass": 1}'], 1, "missing key"),
        (['{"name": "x", "source": "s"}'], 1, "needs molar_mass"),
        (['{"name": "x", "source": "s", "molar_mass": -1}'], 1, "positive"),
        (['{"name": "x", "source": "s", "valence": 1.5}'], 1, "valence"),
        (
            [
                '{"name": "x", "source": "s", "molar_mass": 1}',
                '{"name": "x", "source": "s", "molar_mass": 2}',
            ],
            2,
            "twice",
        ),
        (
            ['{"name": "x", "source": "s", "linear": [{"from": "%", "to": "mmol/mol"}]}'],
            1,
            "missing key",
        ),
        (
            ['{"name": "x", "source": "s", "linear": [{"from": "%", "to": "parsec", "scale": 1}]}'],
            1,
            "unknown unit",
        ),
        (
            ['{"name": "x", "source": "s", "linear": [{"from": "%", "to": "%", "scale": 0}]}'],
            1,
            "not be 0",
        ),
    ],
)
def test_units_analyte_records_are_validated_strictly(lines, line, message):
    with pytest.raises(RuleFileError) as info:
        units.parse_analyte_records(
            _records(*lines), "analytes.jsonl", known_codes={"%", "mmol/mol"}
        )
    assert info.value.line == line and str(info.value).startswith(f"analytes.jsonl:{line}:")
    assert message in str(info.value)


def test_units_read_jsonl_names_file_and_line_of_bad_json(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"literal": "mg"}\n\n{not json}\n', encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        list(units.read_jsonl(path))
    assert info.value.line == 3 and str(info.value).startswith(f"{path}:3:")


def test_units_import_is_light():
    """Importing the module builds nothing: registry and tables are lazy per-process caches."""
    code = (
        "import pipeline.units as u\n"
        "assert u.registry.cache_info().currsize == 0\n"
        "assert u.load_aliases.cache_info().currsize == 0\n"
        "assert u.load_analytes.cache_info().currsize == 0\n"
    )
    subprocess.run(
        [sys.executable, "-c", code], check=True, cwd=str(Path(__file__).resolve().parents[1])
    )
