"""models/lexicons: subjects.jsonl and analytes.jsonl validate strictly; errors name file:line."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from pipeline import units
from pipeline.errors import RuleFileError
from pipeline.paths import model_file

SUBJECTS = model_file("lexicons", "subjects.jsonl")
ANALYTES = model_file("lexicons", "analytes.jsonl")

SUBJECT_KEYS = ("name", "label", "category", "synonyms", "abbreviations", "loinc", "default_unit")
OPTIONAL_KEYS = ("not_after", "implied_unit", "percent_name", "percentile_name")  # implied_unit: a bare number means default_unit  # a regex of words before a mention that make it a reference ("ULN for age")
CATEGORIES = ("lab", "vital", "score", "age", "life_expectancy", "lifestyle")
NAME = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)*$")
LOINC = re.compile(r"^(\d{1,7})-(\d)$")


def loinc_check_digit(body: str) -> int:
    """LOINC's mod-10 check digit (the Luhn scheme) of the part before the hyphen."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return (10 - total % 10) % 10


def _fail(path: str, line: int, message: str) -> None:
    raise RuleFileError(path, line, message)


def match_key(text: str) -> str:
    """How the subject matcher compares phrases: case-folded, spaces and hyphens as one space."""
    return re.sub(r"[\s\-]+", " ", text.casefold()).strip()


def validate_subjects(path: Path, known_units: Iterable[str] | None = None) -> list[dict]:
    """Strict validation of subjects.jsonl -> records; RuleFileError(path, line, ...) on a problem.

    Exactly the keys of SUBJECT_KEYS (plus OPTIONAL_KEYS); a dotted snake_case `name` used once; a `category` of
    CATEGORIES; lists of non-empty strings; a LOINC code with a valid check digit or null; a default
    unit that is a normalized unit code or null. No phrase (label, synonym or abbreviation) may
    name two subjects, compared case-insensitively with spaces and hyphens collapsed (as the matcher
    compares them).
    """
    codes = set(known_units) if known_units is not None else set(units.load_aliases().codes)
    records: list[dict] = []
    names: dict[str, int] = {}
    phrases: dict[str, tuple[str, int]] = {}
    for line, rec in units.read_jsonl(path):
        fail = functools.partial(_fail, str(path), line)

        missing = [k for k in SUBJECT_KEYS if k not in rec]
        if missing:
            fail(f"missing key(s) {missing}")
        unknown = sorted(set(rec) - set(SUBJECT_KEYS) - set(OPTIONAL_KEYS))
        if unknown:
            fail(f"unknown key(s) {unknown}")
        name = rec["name"]
        if not isinstance(name, str) or not NAME.match(name):
            fail(f"name {name!r} is not lower-case snake_case with dotted specialisations")
        if name in names:
            fail(f"name {name!r} already used on line {names[name]}")
        names[name] = line
        if not isinstance(rec["label"], str) or not rec["label"].strip():
            fail("label must be a non-empty string")
        if rec["category"] not in CATEGORIES:
            fail(f"category must be one of {CATEGORIES}, not {rec['category']!r}")
        for key in ("synonyms", "abbreviations"):
            values = rec[key]
            if not isinstance(values, list) or not all(
                isinstance(v, str) and v and v == v.strip() for v in values
            ):
                fail(f"{key} must be a list of non-empty strings without outer spaces")
        if not rec["synonyms"] and not rec["abbreviations"]:
            fail("a subject needs at least one synonym or abbreviation")
        loinc = rec["loinc"]
        if loinc is not None:
            m = LOINC.match(loinc) if isinstance(loinc, str) else None
            if m is None:
                fail(f"loinc {loinc!r} is not NNNNN-N")
            elif loinc_check_digit(m.group(1)) != int(m.group(2)):
                fail(f"loinc {loinc!r} has a wrong check digit")
        if "not_after" in rec:
            try:
                re.compile(rec["not_after"])
            except (re.error, TypeError) as exc:
                fail(f"not_after is not a regular expression: {exc}")
        if "implied_unit" in rec and (rec["implied_unit"] is not True or not rec["default_unit"]):
            fail("implied_unit must be true and needs a default_unit")
        for key in ("percent_name", "percentile_name"):
            if key in rec and (not isinstance(rec[key], str) or not NAME.match(rec[key])):
                fail(f"{key} must be a dotted snake_case name")
        unit = rec["default_unit"]
        if unit is not None and unit not in codes:
            fail(f"default_unit {unit!r} is not a normalized unit code (units/unit_aliases.jsonl)")
        own: set[str] = set()
        for phrase in [rec["label"], *rec["synonyms"], *rec["abbreviations"]]:
            key = match_key(phrase)
            if key in phrases and phrases[key][0] != name:
                other, other_line = phrases[key]
                fail(f"{phrase!r} already names {other!r} on line {other_line}")
            phrases.setdefault(key, (name, line))
            if phrase is not rec["label"]:
                if key in own:
                    fail(f"{phrase!r} is listed twice")
                own.add(key)
        records.append(rec)
    return records


@pytest.fixture(scope="session")
def subjects() -> list[dict]:
    return validate_subjects(SUBJECTS)


@pytest.fixture(scope="session")
def phrase_index(subjects) -> dict[str, str]:
    index = {}
    for rec in subjects:
        for phrase in [rec["label"], *rec["synonyms"], *rec["abbreviations"]]:
            index[match_key(phrase)] = rec["name"]
    return index


def test_lexicons_subjects_file_validates(subjects):
    assert len(subjects) >= 170
    assert sum(len(r["synonyms"]) + len(r["abbreviations"]) for r in subjects) >= 1000


# Every name that annotations/GUIDELINES.md section 5 lists, with exactly that spelling.
GUIDELINES_NAMES = """
age life_expectancy anc platelets hemoglobin wbc lymphocytes bilirubin.total bilirubin.direct
alt ast alp ggt albumin creatinine creatinine_clearance egfr bun inr pt aptt hba1c glucose
glucose.fasting potassium sodium calcium magnesium phosphate lipase amylase tsh testosterone psa
cd4 hiv.viral_load hbv.dna hcv.rna troponin bnp nt_probnp ldl triglycerides uric_acid
urine_protein lvef qtc qtcf bp.systolic bp.diastolic heart_rate spo2 bmi weight height
temperature ecog karnofsky lansky nyha child_pugh meld gleason mmse moca ham_d madrs panss ymrs
cgi_s edss nihss mrs bdi phq9 gad7 ybocs audit
""".split()


@pytest.mark.parametrize("name", GUIDELINES_NAMES)
def test_lexicons_guidelines_names_exist(subjects, name):
    assert name in {r["name"] for r in subjects}


@pytest.mark.parametrize(
    "name,category",
    [
        ("lvef", "vital"),
        ("qtc", "vital"),
        ("qtcf", "vital"),
        ("bmi", "vital"),
        ("weight", "vital"),
        ("spo2", "vital"),
        ("ecog", "score"),
        ("karnofsky", "score"),
        ("gleason", "score"),
        ("ham_d", "score"),
        ("age", "age"),
        ("life_expectancy", "life_expectancy"),
        ("anc", "lab"),
        ("hba1c", "lab"),
        ("hiv.antibody", "lab"),
    ],
)
def test_lexicons_categories_follow_guidelines(subjects, name, category):
    assert {r["name"]: r["category"] for r in subjects}[name] == category


@pytest.mark.parametrize(
    "phrase,name",
    [
        ("haemoglobin", "hemoglobin"),
        ("hemoglobin", "hemoglobin"),
        ("Hgb", "hemoglobin"),
        ("Hb", "hemoglobin"),
        ("absolute neutrophil count", "anc"),
        ("ANC", "anc"),
        ("neutrophils", "anc"),
        ("platelet count", "platelets"),
        ("PLT", "platelets"),
        ("serum creatinine", "creatinine"),
        ("SCr", "creatinine"),
        ("creatinine clearance", "creatinine_clearance"),
        ("CrCl", "creatinine_clearance"),
        ("calculated creatinine clearance", "creatinine_clearance"),
        ("estimated glomerular filtration rate", "egfr"),
        ("eGFR", "egfr"),
        ("left ventricular ejection fraction", "lvef"),
        ("LVEF", "lvef"),
        ("ejection fraction", "lvef"),
        ("QTcF", "qtcf"),
        ("corrected QT interval", "qtc"),
        ("QTc", "qtc"),
        ("SGPT", "alt"),
        ("SGOT", "ast"),
        ("alanine aminotransferase", "alt"),
        ("aspartate aminotransferase", "ast"),
        ("total bilirubin", "bilirubin.total"),
        ("serum bilirubin", "bilirubin.total"),
        ("direct bilirubin", "bilirubin.direct"),
        ("INR", "inr"),
        ("prothrombin time", "pt"),
        ("PT", "pt"),
        ("aPTT", "aptt"),
        ("PTT", "aptt"),
        ("Karnofsky performance status", "karnofsky"),
        ("KPS", "karnofsky"),
        ("ECOG performance status", "ecog"),
        ("Eastern Cooperative Oncology Group", "ecog"),
        ("WHO performance status", "ecog"),
        ("ECOG", "ecog"),
        ("Lansky play-performance", "lansky"),
        ("Lansky play performance scale", "lansky"),
        ("expected survival", "life_expectancy"),
        ("life expectancy", "life_expectancy"),
        ("Expected survival time", "life_expectancy"),
        ("blood oxygen saturation", "spo2"),
        ("SpO2", "spo2"),
        ("oxygen saturation", "spo2"),
        ("HbA1c", "hba1c"),
        ("glycated hemoglobin", "hba1c"),
        ("A1C", "hba1c"),
        ("fasting plasma glucose", "glucose.fasting"),
        ("systolic blood pressure", "bp.systolic"),
        ("DBP", "bp.diastolic"),
        ("heart rate", "heart_rate"),
        ("body mass index", "bmi"),
        ("waist circumference", "waist_circumference"),
        ("body weight", "weight"),
        ("HAM-D", "ham_d"),
        ("HDRS", "ham_d"),
        ("MADRS", "madrs"),
        ("PANSS", "panss"),
        ("YMRS", "ymrs"),
        ("CGI-S", "cgi_s"),
        ("BPRS", "bprs"),
        ("PHQ-9", "phq9"),
        ("GAD-7", "gad7"),
        ("C-SSRS", "cssrs"),
        ("Y-BOCS", "ybocs"),
        ("BDI-II", "bdi"),
        ("AUDIT", "audit"),
        ("NYHA", "nyha"),
        ("CHA2DS2-VASc", "cha2ds2_vasc"),
        ("Child-Pugh", "child_pugh"),
        ("MELD", "meld"),
        ("EDSS", "edss"),
        ("MMSE", "mmse"),
        ("MoCA", "moca"),
        ("NIHSS", "nihss"),
        ("mRS", "mrs"),
        ("ALSFRS-R", "alsfrs_r"),
        ("MDS-UPDRS", "updrs"),
        ("DAS28", "das28"),
        ("SLEDAI-2K", "sledai"),
        ("BASDAI", "basdai"),
        ("pain VAS", "pain.vas"),
        ("numeric rating scale", "pain.nrs"),
        ("PASI", "pasi"),
        ("EASI", "easi"),
        ("SCORAD", "scorad"),
        ("IGA", "iga"),
        ("Mayo score", "mayo"),
        ("Crohn's Disease Activity Index", "cdai.crohn"),
        ("FEV1", "fev1"),
        ("FVC", "fvc"),
        ("DLCO", "dlco"),
        ("6MWD", "six_mwd"),
        ("Gleason score", "gleason"),
        ("CA-125", "ca125"),
        ("CEA", "cea"),
        ("AFP", "afp"),
        ("beta-hCG", "beta_hcg"),
        ("LDH", "ldh"),
        ("HBsAg", "hbv.surface_antigen"),
        ("anti-HBc", "hbv.core_antibody"),
        ("anti-HCV", "hcv.antibody"),
        ("HIV antibody", "hiv.antibody"),
        ("HIV-1 RNA", "hiv.viral_load"),
        ("HBV DNA", "hbv.dna"),
        ("HCV RNA", "hcv.rna"),
        ("CD4 count", "cd4"),
        ("NT-proBNP", "nt_probnp"),
    ],
)
def test_lexicons_registry_phrasings_name_the_subject(phrase_index, phrase, name):
    assert phrase_index.get(match_key(phrase)) == name


def test_lexicons_synonyms_unique_across_entries(subjects):
    owner: dict[str, str] = {}
    for rec in subjects:
        for phrase in {
            match_key(p) for p in [rec["label"], *rec["synonyms"], *rec["abbreviations"]]
        }:
            assert owner.setdefault(phrase, rec["name"]) == rec["name"], phrase


GOOD = {
    "name": "x",
    "label": "X",
    "category": "lab",
    "synonyms": ["x level"],
    "abbreviations": [],
    "loinc": None,
    "default_unit": None,
}


def _with(**changes):
    rec = dict(GOOD)
    for key, value in changes.items():
        if value is KeyError:
            rec.pop(key)
        else:
            rec[key] = value
    return rec


@pytest.mark.parametrize(
    "records,line,message",
    [
        ([_with(colour="red")], 1, "unknown key"),
        ([_with(loinc=KeyError)], 1, "missing key"),
        ([_with(category="condition")], 1, "category"),
        ([_with(name="Bilirubin Total")], 1, "snake_case"),
        ([GOOD, _with(synonyms=["y"])], 2, "already used on line 1"),
        (
            [GOOD, _with(name="y", label="Y", synonyms=["X  Level"])],
            2,
            "already names 'x' on line 1",
        ),
        (
            [GOOD, _with(name="y", label="Y", synonyms=["y"], abbreviations=["x-level"])],
            2,
            "already names",
        ),
        ([_with(synonyms=["a", "A"])], 1, "listed twice"),
        ([_with(synonyms=["ok", ""])], 1, "non-empty strings"),
        ([_with(synonyms="x level")], 1, "list"),
        ([_with(synonyms=[], abbreviations=[])], 1, "at least one"),
        ([_with(loinc="1975-3")], 1, "check digit"),
        ([_with(loinc="LOINC:1975-2")], 1, "NNNNN-N"),
        ([_with(default_unit="mg/dl")], 1, "default_unit"),
        ([_with(not_after="(for")], 1, "not_after"),
    ],
)
def test_lexicons_invalid_subject_names_file_and_line(tmp_path, records, line, message):
    path = tmp_path / "subjects.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    with pytest.raises(RuleFileError) as info:
        validate_subjects(path, known_units={"mg/dL"})
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}:")
    assert message in str(info.value)


def test_lexicons_loinc_check_digit():
    assert loinc_check_digit("1975") == 2  # total bilirubin 1975-2
    assert loinc_check_digit("718") == 7  # haemoglobin 718-7
    assert loinc_check_digit("33762") == 6  # NT-proBNP 33762-6


# ------------------------------------------------------------------------ analytes


@pytest.fixture(scope="session")
def analytes():
    return units.parse_analyte_records(
        units.read_jsonl(ANALYTES), str(ANALYTES), known_codes=units.load_aliases().codes
    )


def test_lexicons_analytes_file_validates(analytes):
    assert {
        "creatinine",
        "bilirubin",
        "glucose",
        "hba1c",
        "hemoglobin",
        "calcium",
        "bun",
        "urea",
        "cholesterol",
        "triglycerides",
        "uric_acid",
    } <= set(analytes)
    assert all(a.source for a in analytes.values())


def test_lexicons_analytes_are_subjects_or_their_parents(subjects, analytes):
    names = {r["name"] for r in subjects}
    parents = {n.split(".")[0] for n in names}
    assert sorted(a for a in analytes if a not in names and a not in parents) == []


def test_lexicons_analytes_have_only_known_keys():
    allowed = {"name", "label", "molar_mass", "valence", "linear", "source", "note"}
    for line, rec in units.read_jsonl(ANALYTES):
        assert set(rec) <= allowed, f"{ANALYTES}:{line}"


def test_lexicons_analyte_units_match_subject_defaults(subjects, analytes):
    """A subject with conversion data has a default unit (the unit its threshold is written in)."""
    defaults = {r["name"]: r["default_unit"] for r in subjects}
    for name in analytes:
        if name in defaults:
            assert defaults[name] is not None, name


# ------------------------------------------------------------------------ gold annotations

GOLD = Path(__file__).resolve().parents[1] / "annotations" / "gold"
MEASURABLE = {"lab", "vital", "score", "age", "life_expectancy"}
# Names the two annotators spell differently for the same subject; the lexicon keeps the first
# spelling (the GUIDELINES style) and the other awaits a decision in the gold files.
KNOWN_NAME_CONFLICTS = {"hbsag": "hbv.surface_antigen", "ktv": "kt_v", "urine_drug_screen": "drug_screen",
                        "la_diameter": "left_atrial_diameter",  # set B vs the later set G spelling (11.144)
                        "bp.systolic.ambulatory_24h": "bp.systolic.ambulatory"}  # set B vs sets A and L (11.20)


# gold written blind (sets E, F): its annotators named subjects the lexicon lacks; those are misses the
# evaluation counts, not inconsistencies
BLIND_GOLD = {"gold_e.jsonl", "gold_f.jsonl", "gold_g.jsonl", "gold_h.jsonl", "gold_i.jsonl", "gold_j.jsonl", "gold_k.jsonl", "gold_l.jsonl", "gold_m.jsonl", "gold_n.jsonl", "gold_o.jsonl", "gold_p.jsonl"}


def test_lexicons_gold_subject_names_exist(subjects):
    files = sorted(p for p in GOLD.glob("*.jsonl") if p.name not in BLIND_GOLD)
    if not files:
        pytest.skip("annotations/gold has no files yet")
    names = {r["name"] for r in subjects}
    missing = set()
    for path in files:
        for _, trial in units.read_jsonl(path):
            for statement in trial.get("statements", []):
                subject = statement.get("subject") or {}
                name = subject.get("name")
                if statement.get("category") in MEASURABLE and name and name not in names:
                    missing.add(name)
    assert sorted(missing - set(KNOWN_NAME_CONFLICTS)) == []
    assert set(KNOWN_NAME_CONFLICTS.values()) <= names
