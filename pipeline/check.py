"""Check one patient against a trial's criteria: MET / NOT MET / UNKNOWN per criterion, then
ELIGIBLE / INELIGIBLE / INDETERMINATE for the trial, with the deciding criteria named.

Pure functions over `Criterion` records (`pipeline/schema.py`), a patient dict (documented in
`docs/patient.md`, validated strictly by `validate_patient`) and a screening date. Each computable
criterion is evaluated through its expression (`pipeline/expression.py`): the criterion's own
`expression` when set, else `to_expression(criterion)`. Units go through `pipeline/units.py`
(`convert(..., analyte=subject name)`), so creatinine in µmol/L meets a mg/dL threshold and
platelets in /mm3 meet a 10*9/L one.

Rules (also in `docs/patient.md`):

* **Per criterion.** The statement without its `not` is evaluated against the patient: true,
  false or unknown. Polarity decides: `require` -> MET when true; `exclude` -> MET when false.
  Unknown -> UNKNOWN. Not computable -> UNKNOWN.
* **OR-groups** (members share `logic.group` with `logic.op == "OR"`): the text is a disjunction.
  Members that are required: the group is MET when any member is MET. Members that are excluded
  ("ANC < 1.5 or platelets < 100 → exclude", "no seizure or stroke"): the patient must match none
  of the alternatives, so the group is MET only when every member is MET. Statements with op AND
  are units of their own.
* **Trial.** INELIGIBLE when any unit is NOT MET (the deciding criteria are listed). Otherwise
  INDETERMINATE when any unit is UNKNOWN for want of patient data, or because the pipeline could
  not turn the statement into an expression (not computable for a reason other than investigator
  judgment or administration). Otherwise ELIGIBLE; criteria that are not computable because they
  need investigator judgment (`subjective`) or are administrative (`administrative`: consent,
  contraception agreements) never block it and are reported as "pending review":
  "ELIGIBLE (pending 7 criteria for review)".
"""
from __future__ import annotations

import enum
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Iterable, Optional, Union

import typer

from .errors import EligibilityError, InputError, RuleFileError, UnitError
from .expression import (
    AGE_UNITS,
    Between,
    Compare,
    Expr,
    ExpressionError,
    InSet,
    Is,
    Ref,
    Window,
    format_number,
    format_window,
    parse_expression,
    to_expression,
)
from .paths import model_file
from .schema import Category, Criterion, ErrorRow, LogicOp, Polarity, Reason, record_from_json

SYNONYMS_FILE = ("lexicons", "finding_synonyms.jsonl")
REVIEW_REASONS = (Reason.SUBJECTIVE, Reason.ADMINISTRATIVE)
_EPS = 1e-9


class Status(str, enum.Enum):
    MET = "MET"
    NOT_MET = "NOT MET"
    UNKNOWN = "UNKNOWN"


class Verdict(str, enum.Enum):
    ELIGIBLE = "ELIGIBLE"
    INELIGIBLE = "INELIGIBLE"
    INDETERMINATE = "INDETERMINATE"


class Unknown(str, enum.Enum):
    """Why a criterion or group is UNKNOWN."""

    MISSING = "missing"  # the patient data do not say (or not in comparable units)
    UNPARSED = "unparsed"  # not computable for a pipeline reason, or no expression
    REVIEW = "review"  # investigator judgment or administrative: never blocks ELIGIBLE


class CheckError(EligibilityError, ValueError):
    """Bad input to a check (patient file, screening date, trial selection): names the field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def __reduce__(self):
        return (type(self), (self.field, self.message))


class PatientError(CheckError):
    """A patient record that does not validate; `field` is the path, e.g. `labs[2].unit`."""

    def __str__(self) -> str:
        return f"patient field {self.field!r}: {self.message}"


# ---------------------------------------------------------------------------------- the patient


@dataclass(frozen=True)
class Measurement:
    """A lab, vital sign or score; `name` is canonical (lexicon name), `label` as given."""

    name: str
    label: str
    source: str  # "labs[0]"
    code: Optional[str] = None
    value: Optional[float] = None
    unit: Optional[str] = None  # a unit code (normalized)
    result: Optional[str] = None  # positive / negative / ... (normalized)
    low: Optional[float] = None
    high: Optional[float] = None
    date: Optional[date] = None


@dataclass(frozen=True)
class Entry:
    """A condition, therapy, procedure or lifestyle item; `end` None = still ongoing."""

    name: str
    source: str
    code: Optional[str] = None
    synonyms: tuple[str, ...] = ()
    start: Optional[date] = None
    end: Optional[date] = None
    amount: Optional[float] = None
    amount_unit: Optional[str] = None


@dataclass(frozen=True)
class Patient:
    id: Optional[str] = None
    birth_date: Optional[date] = None
    age: Optional[tuple[float, str]] = None  # (value, unit code)
    sex: Optional[str] = None  # female / male / other
    pregnant: Optional[bool] = None
    breastfeeding: Optional[bool] = None
    childbearing_potential: Optional[bool] = None
    planning_pregnancy: Optional[bool] = None
    life_expectancy: Optional[tuple[float, str]] = None
    measurements: tuple[Measurement, ...] = ()
    conditions: Optional[tuple[Entry, ...]] = None  # None: not recorded (UNKNOWN), () : none
    therapies: Optional[tuple[Entry, ...]] = None
    procedures: Optional[tuple[Entry, ...]] = None
    lifestyle: Optional[tuple[Entry, ...]] = None


_TOP_KEYS = {
    "id", "birth_date", "age", "sex", "pregnant", "breastfeeding", "childbearing_potential",
    "planning_pregnancy", "life_expectancy", "labs", "vitals", "scores", "conditions", "therapies",
    "procedures", "lifestyle", "note",
}
_MEASUREMENT_KEYS = {"name", "code", "value", "unit", "result", "reference_range", "date", "note"}
_ENTRY_KEYS = {"name", "code", "synonyms", "start", "end", "date", "amount", "note"}
_LISTS = ("conditions", "therapies", "procedures", "lifestyle")
_SEXES = ("female", "male", "other")
# patient result words -> the class used in comparisons
_RESULTS = {
    "positive": "positive", "detectable": "positive", "detected": "positive", "reactive": "positive",
    "negative": "negative", "undetectable": "negative", "not detected": "negative",
    "non-reactive": "negative", "nonreactive": "negative",
    "normal": "normal", "abnormal": "abnormal",
}
_WORD_CLASS = {"positive": "positive", "detectable": "positive", "negative": "negative",
               "undetectable": "negative", "normal": "normal", "abnormal": "abnormal"}


def _check_keys(data: Any, allowed: set, where: str) -> dict:
    if not isinstance(data, dict):
        raise PatientError(where or "(top level)", "must be a JSON object")
    unknown = set(data) - allowed
    if unknown:
        raise PatientError(f"{where}.{sorted(unknown)[0]}" if where else sorted(unknown)[0],
                           f"unknown field (allowed: {', '.join(sorted(allowed))})")
    return data


def _date(value: Any, where: str) -> Optional[date]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise PatientError(where, "must be a date string YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PatientError(where, f"not a date YYYY-MM-DD: {value!r}") from None


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise PatientError(where, f"must be a number, not {value!r}")
    return float(value)


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PatientError(where, "must be a non-empty string")
    return value.strip()


def _bool(value: Any, where: str) -> Optional[bool]:
    if value is None:
        return None
    if not isinstance(value, bool):
        raise PatientError(where, "must be true, false or null")
    return value


def _unit(value: Any, where: str) -> Optional[str]:
    if value is None:
        return None
    from .units import load_aliases, normalize_unit

    text = _text(value, where)
    if text in load_aliases().codes:
        return text
    code = normalize_unit(text)
    if code is None:
        raise PatientError(where, f"unknown unit {text!r} (write a UCUM-style code such as "
                                  "'mg/dL', 'umol/L', '10*9/L', '/mm3', '%', 'U/L')")
    return code


def _quantity(value: Any, where: str, default_unit: str) -> tuple[float, str]:
    """`12` (in the default unit) or {"value": 12, "unit": "mo"}."""
    if isinstance(value, dict):
        _check_keys(value, {"value", "unit"}, where)
        if "value" not in value:
            raise PatientError(f"{where}.value", "missing")
        unit = _unit(value.get("unit"), f"{where}.unit") or default_unit
        return _number(value["value"], f"{where}.value"), unit
    return _number(value, where), default_unit


def _measurement(data: Any, where: str) -> Measurement:
    _check_keys(data, _MEASUREMENT_KEYS, where)
    if "name" not in data and "code" not in data:
        raise PatientError(f"{where}.name", "missing (give a name or a code)")
    key = "name" if "name" in data else "code"
    label = _text(data[key], f"{where}.{key}")
    code = _text(data["code"], f"{where}.code") if data.get("code") is not None else None
    value = _number(data["value"], f"{where}.value") if data.get("value") is not None else None
    result = None
    if data.get("result") is not None:
        word = _text(data["result"], f"{where}.result").lower()
        if word not in _RESULTS:
            raise PatientError(f"{where}.result", f"unknown result {word!r} "
                                                  f"(one of {', '.join(sorted(_RESULTS))})")
        result = _RESULTS[word]
    if value is None and result is None:
        raise PatientError(f"{where}.value", "missing (give a value or a result)")
    low = high = None
    if data.get("reference_range") is not None:
        rr = _check_keys(data["reference_range"], {"low", "high"}, f"{where}.reference_range")
        if rr.get("low") is not None:
            low = _number(rr["low"], f"{where}.reference_range.low")
        if rr.get("high") is not None:
            high = _number(rr["high"], f"{where}.reference_range.high")
        if low is not None and high is not None and low > high:
            raise PatientError(f"{where}.reference_range", "low is above high")
    return Measurement(
        name=canonical_measure(label, code), label=label, source=where, code=code, value=value,
        unit=_unit(data.get("unit"), f"{where}.unit"), result=result, low=low, high=high,
        date=_date(data.get("date"), f"{where}.date"),
    )


def _entry(data: Any, where: str) -> Entry:
    if isinstance(data, str):
        return Entry(name=_text(data, where), source=where)
    _check_keys(data, _ENTRY_KEYS, where)
    if "name" not in data:
        raise PatientError(f"{where}.name", "missing")
    synonyms = data.get("synonyms") or []
    if not isinstance(synonyms, list):
        raise PatientError(f"{where}.synonyms", "must be a list of strings")
    start = _date(data.get("start"), f"{where}.start")
    end = _date(data.get("end"), f"{where}.end")
    if data.get("date") is not None:
        if "start" in data or "end" in data:
            raise PatientError(f"{where}.date", "give either date (one-day event) or start/end")
        start = end = _date(data["date"], f"{where}.date")
    if start and end and end < start:
        raise PatientError(f"{where}.end", "is before start")
    amount = amount_unit = None
    if data.get("amount") is not None:
        amount, amount_unit = _quantity(data["amount"], f"{where}.amount", "1")
        if amount_unit == "1":
            amount_unit = None
    return Entry(
        name=_text(data["name"], f"{where}.name"), source=where,
        code=_text(data["code"], f"{where}.code") if data.get("code") is not None else None,
        synonyms=tuple(_text(s, f"{where}.synonyms[{i}]") for i, s in enumerate(synonyms)),
        start=start, end=end, amount=amount, amount_unit=amount_unit,
    )


def _list(data: dict, key: str, item) -> Optional[tuple]:
    if key not in data or data[key] is None:
        return None
    if not isinstance(data[key], list):
        raise PatientError(key, "must be a list")
    return tuple(item(x, f"{key}[{i}]") for i, x in enumerate(data[key]))


def validate_patient(data: Any) -> Patient:
    """A patient dict (docs/patient.md) -> Patient; PatientError names the first bad field."""
    _check_keys(data, _TOP_KEYS, "")
    sex = None
    if data.get("sex") is not None:
        sex = _text(data["sex"], "sex").lower()
        sex = {"f": "female", "m": "male", "woman": "female", "man": "male"}.get(sex, sex)
        if sex not in _SEXES:
            raise PatientError("sex", f"must be one of {', '.join(_SEXES)}, not {data['sex']!r}")
    age = _quantity(data["age"], "age", "a") if data.get("age") is not None else None
    if age is not None and age[1] not in AGE_UNITS.values():
        raise PatientError("age.unit", "must be a time unit: a, mo, wk, d or h")
    life = (_quantity(data["life_expectancy"], "life_expectancy", "mo")
            if data.get("life_expectancy") is not None else None)
    measurements: list[Measurement] = []
    for key in ("labs", "vitals", "scores"):
        measurements.extend(_list(data, key, _measurement) or ())
    return Patient(
        id=_text(data["id"], "id") if data.get("id") is not None else None,
        birth_date=_date(data.get("birth_date"), "birth_date"),
        age=age,
        sex=sex,
        pregnant=_bool(data.get("pregnant"), "pregnant"),
        breastfeeding=_bool(data.get("breastfeeding"), "breastfeeding"),
        childbearing_potential=_bool(data.get("childbearing_potential"), "childbearing_potential"),
        planning_pregnancy=_bool(data.get("planning_pregnancy"), "planning_pregnancy"),
        life_expectancy=life,
        measurements=tuple(measurements),
        **{key: _list(data, key, _entry) for key in _LISTS},
    )


def load_patient(path: Union[str, Path]) -> dict:
    """Read a patient JSON file (not yet validated); CheckError names file, line and column."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except json.JSONDecodeError as err:
        raise CheckError(str(path), f"invalid JSON at line {err.lineno} column {err.colno}: "
                                    f"{err.msg}") from None


# ------------------------------------------------------------------------------- names, synonyms


@dataclass(frozen=True)
class Synonyms:
    finding: tuple[tuple[tuple[str, ...], ...], ...]  # groups of token tuples
    measure: tuple[frozenset, ...]  # groups of canonical measurement names


def parse_synonym_records(records: Iterable[tuple[int, dict]], path: str = "<synonyms>") -> Synonyms:
    """Validate `finding_synonyms.jsonl` records strictly; RuleFileError names file and line."""
    finding, measure = [], []
    for line, rec in records:
        missing = {"kind", "terms", "source"} - rec.keys()
        if missing:
            raise RuleFileError(path, line, f"missing key(s) {sorted(missing)}")
        unknown = rec.keys() - {"kind", "terms", "source", "note"}
        if unknown:
            raise RuleFileError(path, line, f"unknown key(s) {sorted(unknown)}")
        terms = rec["terms"]
        if (not isinstance(terms, list) or len(terms) < 2
                or not all(isinstance(t, str) and t.strip() for t in terms)):
            raise RuleFileError(path, line, "terms must be a list of at least two non-empty strings")
        if not isinstance(rec["source"], str) or not rec["source"].strip():
            raise RuleFileError(path, line, "source must be a non-empty string")
        if rec["kind"] == "finding":
            finding.append(tuple(tokens(t) for t in terms))
        elif rec["kind"] == "measure":
            measure.append(frozenset(terms))
        else:
            raise RuleFileError(path, line, f"kind must be 'finding' or 'measure', not {rec['kind']!r}")
    return Synonyms(tuple(finding), tuple(measure))


@cache
def load_synonyms() -> Synonyms:
    """`models/lexicons/finding_synonyms.jsonl`, validated, cached per process."""
    from .units import read_jsonl

    path = model_file(*SYNONYMS_FILE)
    return parse_synonym_records(read_jsonl(path), str(path))


def canonical_measure(name: str, code: Optional[str] = None) -> str:
    """A patient's lab/vital/score name or LOINC code -> the lexicon name ("ALT" -> "alt")."""
    from .subjects import _norm, lexicon

    entries, syn, abbr = lexicon()
    if code:
        loinc = code.split(":", 1)[1] if code.upper().startswith("LOINC:") else code
        for entry in entries.values():
            if entry.loinc and entry.loinc == loinc:
                return entry.name
    if name in entries:
        return name
    if name.lower() in entries:
        return name.lower()
    if _norm(name) in syn:
        return syn[_norm(name)]
    if name in abbr:
        return abbr[name]
    lowered = {a.lower(): n for a, n in abbr.items()}
    if name.lower() in lowered:
        return lowered[name.lower()]
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _measure_names(name: str) -> set:
    names = {name}
    for group in load_synonyms().measure:
        if name in group:
            names |= group
    return names


_TOKEN = re.compile(r"[a-z0-9]+")


def _stem(word: str) -> str:
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


# words that qualify a finding's state or history rather than name it; dropped on both sides
_QUALIFIERS = frozenset(
    "a an the of with any active current currently known history prior previous documented ongoing "
    "uncontrolled uncontrollable symptomatic untreated concurrent existing preexisting pre diagnosed "
    "confirmed histologically cytologically newly".split())


def tokens(text: str) -> tuple[str, ...]:
    """Lower-case word tokens with a light plural fold ("Infections" -> "infection"), without the
    state words of `_QUALIFIERS` ("history of active seizures" -> ("seizure",))."""
    return tuple(_stem(w) for w in _TOKEN.findall(text.lower()) if w not in _QUALIFIERS)


def _contains(hay: tuple, needle: tuple) -> bool:
    n = len(needle)
    return n > 0 and any(hay[i:i + n] == needle for i in range(len(hay) - n + 1))


def _variants(toks: tuple) -> set:
    """The tokens, plus one synonym substitution per group that occurs in them."""
    out = {toks}
    for group in load_synonyms().finding:
        for term in group:
            if not _contains(toks, term):
                continue
            n = len(term)
            i = next(i for i in range(len(toks) - n + 1) if toks[i:i + n] == term)
            for other in group:
                if other != term:
                    out.add(toks[:i] + other + toks[i + n:])
    return out


_ALTERNATIVE_SPLIT = re.compile(r"\s*(?:,|;|/|\band/or\b|\bor\b|\(|\))\s*", re.I)
_EXCEPTION_SPLIT = re.compile(r"\s*(?:,|;|/|\band/or\b|\bor\b|\band\b|\(|\))\s*", re.I)


def alternatives(text: str, split: re.Pattern = _ALTERNATIVE_SPLIT) -> list[tuple[str, ...]]:
    """A criterion's finding text -> token tuples of its alternatives ("A or B (C)" -> A, B, C)."""
    parts = [text] + [p for p in split.split(text) if p and p.strip()]
    out = []
    for p in parts:
        t = tokens(p)
        if t and t not in out:
            out.append(t)
    return out


def names_match(entry: Entry, alts: list[tuple[str, ...]], code: Optional[str] = None) -> bool:
    """Does a patient entry match any alternative? By code (case-insensitive), else by name:
    one token sequence inside the other, either way, after synonym substitution."""
    if code and entry.code and code.lower() == entry.code.lower():
        return True
    names = [tokens(n) for n in (entry.name,) + entry.synonyms]
    for name in names:
        for nv in _variants(name):
            for alt in alts:
                for av in _variants(alt):
                    if _contains(av, nv) or _contains(nv, av):
                        return True
    return False


# ------------------------------------------------------------------------------------ evaluation


@dataclass(frozen=True)
class _Eval:
    truth: Optional[bool]  # the statement without its `not`
    evidence: str
    not_applicable: bool = False


def _yes(t: Optional[bool]) -> str:
    return "?" if t is None else ("yes" if t else "no")


def _cmp(op: str, a: float, b: float) -> Optional[bool]:
    close = abs(a - b) <= _EPS * max(1.0, abs(a), abs(b))
    if op == "<":
        return a < b and not close
    if op == "<=":
        return a < b or close
    if op == ">":
        return a > b and not close
    if op == ">=":
        return a > b or close
    if op == "=":
        return close
    if op == "!=":
        return not close
    return None  # "~": approximate, not checked


def _in_interval(x: float, c: Between, low: float, high: float) -> bool:
    lo = _cmp(">=" if c.low_inclusive else ">", x, low)
    hi = _cmp("<=" if c.high_inclusive else "<", x, high)
    return bool(lo and hi)


def _num(x: float) -> str:
    """A number for explanations: six significant digits, no trailing zeros."""
    return format_number(float(f"{x:.6g}"))


def _unit_text(unit: Optional[str]) -> str:
    return f" {unit}" if unit else ""


def _compare_text(c, unit: Optional[str]) -> str:
    if isinstance(c, Compare):
        return f"{c.op} {_num(c.value)}{_unit_text(unit)}"
    if isinstance(c, Between):
        lo, hi = "[" if c.low_inclusive else "(", "]" if c.high_inclusive else ")"
        return f"in {lo}{_num(c.low)}, {_num(c.high)}{hi}{_unit_text(unit)}"
    if isinstance(c, InSet):
        return "in {" + ", ".join(v if isinstance(v, str) else _num(v) for v in c.values) + "}"
    return str(c)


def _numeric(x: float, c, unit: Optional[str], label: str) -> _Eval:
    """x (already in the criterion's unit) against a Compare / Between / InSet without scale."""
    if isinstance(c, Compare):
        t = _cmp(c.op, x, c.value)
        if t is None:
            return _Eval(None, f"{label} {_num(x)}{_unit_text(unit)}: "
                               "approximate comparison (~) is not checked")
    elif isinstance(c, Between):
        t = _in_interval(x, c, c.low, c.high)
    elif isinstance(c, InSet):
        if any(isinstance(v, str) for v in c.values):
            return _Eval(None, f"{label}: a set of words does not apply to a number")
        t = any(_cmp("=", x, v) for v in c.values)
    else:
        return _Eval(None, f"{label}: '{c}' does not apply to a number")
    return _Eval(t, f"{label} {_num(x)}{_unit_text(unit)} {_compare_text(c, unit)}: {_yes(t)}")


class _Context:
    def __init__(self, patient: Patient, at: date, criterion: Criterion):
        self.patient = patient
        self.at = at
        self.criterion = criterion


def _span_days(w: Window, use_upper: bool = False) -> Optional[float]:
    from .units import duration_in_days

    if w.unit is None:
        return None
    amount = w.upper if use_upper and w.upper is not None else w.amount
    return duration_in_days(1.0 if amount is None else amount, w.unit)


_EVENT_ANCHOR = re.compile(r"^(?:the\s+)?(?:last|final|prior|previous|most\s+recent)\b|"
                           r"diagnosis|surgery|transplant|onset|symptom", re.I)


def _window_text(w: Window) -> str:
    return format_window(w)


def _anchor_problem(w: Optional[Window], at: date) -> tuple[Optional[str], str]:
    """(reason the window cannot be checked or None, note about the anchor)."""
    if w is None:
        return None, ""
    if w.relation == "after":
        return f"window '{_window_text(w)}' lies after the anchor (in the future)", ""
    if w.anchor and _EVENT_ANCHOR.search(w.anchor):
        return f"window anchored on a patient event ('{w.anchor}') is not checked", ""
    if w.anchor and w.anchor != "screening":
        return None, f" ({w.anchor} taken as the screening date {at})"
    return None, ""


def _date_in_window(d: Optional[date], w: Optional[Window], at: date) -> Optional[bool]:
    """A measurement date against a window ending at the screening date."""
    if d is not None and d > at:
        return False
    if w is None or w.relation in ("before", "during"):
        return True
    if d is None:
        return None
    if w.relation == "within":
        days = _span_days(w, use_upper=True)
        return True if days is None else d >= at - timedelta(days=days)
    if w.relation == "more_than":
        days = _span_days(w) or 0.0
        return d <= at - timedelta(days=days)
    return None


_ACTIVE = re.compile(
    r"\b(?:active|current(?:ly)?|ongoing|present|uncontrolled|concurrent|concomitant)\b", re.I)


def _entry_in_window(e: Entry, w: Optional[Window], at: date, active_only: bool) -> Optional[bool]:
    """A condition/therapy/procedure/lifestyle entry against a window ending at the screening date.

    within N: active at some time in [at - N, at]; more_than N: started at least N before;
    before: started before; during: active at the screening date; no window: recorded at all
    (only active entries when the statement says active/current)."""
    if e.start is not None and e.start > at:
        return False  # planned, not yet started
    ongoing = e.end is None or e.end >= at
    if w is None:
        return ongoing if active_only else True
    if w.relation == "within":
        days = _span_days(w, use_upper=True)
        if days is None:
            return ongoing if active_only else True
        return e.end is None or e.end >= at - timedelta(days=days)
    if w.relation == "more_than":
        if e.start is None:
            return None
        return e.start <= at - timedelta(days=_span_days(w) or 0.0)
    if w.relation == "before":
        return True
    if w.relation == "during":
        return ongoing
    return None


# --- measurements


def _measurements(ctx: _Context, ref: Ref) -> list[Measurement]:
    names = _measure_names(ref.name or "")
    code = ctx.criterion.subject.code if ctx.criterion.subject else None
    return [m for m in ctx.patient.measurements
            if m.name in names or (code and m.code and m.code.lower() == code.lower())]


def _pick(found: list[Measurement], w: Optional[Window], at: date) -> tuple[Optional[Measurement], str]:
    inside = [m for m in found if _date_in_window(m.date, w, at) is True]
    if not inside:
        if any(_date_in_window(m.date, w, at) is None for m in found):
            return None, "has no date to place in the window"
        dates = sorted(str(m.date) for m in found if m.date)
        latest = f" (latest {dates[-1]})" if dates else ""
        return None, f"has no result in the window{latest}"
    inside.sort(key=lambda m: (m.date is not None, m.date or date.min))
    return inside[-1], ""


def _qualitative(m: Measurement, word: str, negated: bool) -> _Eval:
    label = f"{m.label}"
    want = _WORD_CLASS.get(word)
    if want is None:
        return _Eval(None, f"{label}: unknown result word {word!r}")
    if want in ("normal", "abnormal"):
        if m.result is not None:
            abnormal = m.result in ("positive", "abnormal")
            shown = m.result
        elif m.value is not None:
            above = m.high is not None and _cmp(">", m.value, m.high)
            below = m.low is not None and _cmp("<", m.value, m.low)
            if above or below:
                abnormal = True
            elif m.low is not None and m.high is not None:
                abnormal = False
            else:
                return _Eval(None, f"{label} {_num(m.value)}{_unit_text(m.unit)}: no reference range "
                                   f"(low and high) given")
            if m.low is not None and m.high is not None:
                rng = f"{_num(m.low)}–{_num(m.high)}"
            else:
                rng = f"<= {_num(m.high)}" if m.high is not None else f">= {_num(m.low)}"
            shown = f"{_num(m.value)}{_unit_text(m.unit)} (reference {rng})"
        else:
            return _Eval(None, f"{label}: no value")
        t = abnormal if want == "abnormal" else not abnormal
    else:
        if m.result is None:
            return _Eval(None, f"{label} {_num(m.value)}{_unit_text(m.unit)}: a qualitative result "
                               f"({word}) is needed")
        cls = {"normal": "negative", "abnormal": "positive"}.get(m.result, m.result)
        t = cls == want
        shown = m.result
    if negated:
        t = not t
    return _Eval(t, f"{label} {shown}; is {'not ' if negated else ''}{word}: {_yes(t)}")


def _to_unit(ctx: _Context, m: Measurement, value: float, unit: Optional[str], ref: Ref
             ) -> tuple[Optional[float], str]:
    """The patient's value in the criterion's unit, or (None, reason)."""
    from .units import convert

    if unit is None:
        if m.unit is None or ref.fn == "score":
            return value, ""
        return None, (f"the criterion gives no unit and {m.label} is in {m.unit}; "
                      "not compared")
    if m.unit is None:
        if ref.fn == "score":
            return value, ""
        return None, f"{m.label} has no unit (the criterion is in {unit})"
    try:
        return convert(value, m.unit, unit, analyte=ref.name), ""
    except UnitError as err:
        return None, f"{m.label} in {m.unit} cannot be compared with {unit}: {err.message}"


def _eval_measurement(ctx: _Context, expr: Expr) -> _Eval:
    ref, c, w = expr.ref, expr.comparison, expr.window
    found = _measurements(ctx, ref)
    if not found:
        return _Eval(None, f"no {ref.name} result in the patient data")
    problem, note = _anchor_problem(w, ctx.at)
    if problem:
        return _Eval(None, problem)
    m, why = _pick(found, w, ctx.at)
    if m is None:
        return _Eval(None, f"{found[0].label} {why}" + (f" '{_window_text(w)}'" if w else ""))
    when = f" [{m.date}]" if m.date else ""
    ev = _eval_on(ctx, m, ref, c)
    return _Eval(ev.truth, ev.evidence + when + note, ev.not_applicable)


def _eval_on(ctx: _Context, m: Measurement, ref: Ref, c) -> _Eval:
    if isinstance(c, Is):
        return _qualitative(m, c.word, c.negated)
    if m.value is None:
        return _Eval(None, f"{m.label} {m.result}: a numeric value is needed")
    scale = getattr(c, "scale", None)
    if scale:
        limit = m.high if scale == "ULN" else m.low
        if limit is None:
            which = "high" if scale == "ULN" else "low"
            return _Eval(None, f"{m.label} {_num(m.value)}{_unit_text(m.unit)}: no reference range "
                               f"{which} ({scale}) given")
        sym = f"× {scale} ({_num(limit)}{_unit_text(m.unit)})"
        if isinstance(c, Compare):
            threshold = c.value * limit
            t = _cmp(c.op, m.value, threshold)
            if t is None:
                return _Eval(None, f"{m.label}: approximate comparison (~) is not checked")
            return _Eval(t, f"{m.label} {_num(m.value)}{_unit_text(m.unit)} {c.op} {_num(c.value)} "
                            f"{sym} = {_num(threshold)}{_unit_text(m.unit)}: {_yes(t)}")
        lo, hi = c.low * limit, c.high * limit
        t = _in_interval(m.value, c, lo, hi)
        bounds = f"[{_num(c.low)}, {_num(c.high)}]"
        return _Eval(t, f"{m.label} {_num(m.value)}{_unit_text(m.unit)} in {bounds} {sym} "
                        f"= [{_num(lo)}, {_num(hi)}]{_unit_text(m.unit)}: {_yes(t)}")
    unit = getattr(c, "unit", None)
    value, why = _to_unit(ctx, m, m.value, unit, ref)
    if value is None:
        return _Eval(None, why)
    label = m.label
    if unit and m.unit and m.unit != unit:
        label = f"{m.label} {_num(m.value)} {m.unit} ="
    return _numeric(value, c, unit, label)


# --- age, life expectancy, sex


def _completed(birth: date, at: date, unit: str) -> float:
    months = (at.year - birth.year) * 12 + at.month - birth.month - (at.day < birth.day)
    days = (at - birth).days
    return {"a": months // 12, "mo": months, "wk": days // 7, "d": days, "h": days * 24}[unit]


def _eval_age(ctx: _Context, expr: Expr) -> _Eval:
    from .units import convert

    unit = AGE_UNITS[expr.ref.fn]
    p = ctx.patient
    if p.birth_date is not None:
        if p.birth_date > ctx.at:
            return _Eval(None, f"birth date {p.birth_date} is after the screening date {ctx.at}")
        age = _completed(p.birth_date, ctx.at, unit)
        source = f"born {p.birth_date}, at {ctx.at}"
    elif p.age is not None:
        age = convert(p.age[0], p.age[1], unit)
        source = "as given"
    else:
        return _Eval(None, "no age or birth date in the patient data")
    ev = _numeric(age, expr.comparison, unit, "age")
    return _Eval(ev.truth, f"{ev.evidence} ({source})")


def _eval_life(ctx: _Context, expr: Expr) -> _Eval:
    from .units import convert

    if ctx.patient.life_expectancy is None:
        return _Eval(None, "no life expectancy in the patient data")
    value, unit = ctx.patient.life_expectancy
    c = expr.comparison
    target = getattr(c, "unit", None)
    if target is None:
        return _Eval(None, "the criterion gives no unit for life expectancy")
    try:
        x = convert(value, unit, target)
    except UnitError as err:
        return _Eval(None, f"life expectancy in {unit}: {err.message}")
    label = f"life expectancy {_num(value)} {unit} =" if unit != target else "life expectancy"
    return _numeric(x, c, target, label)


def _eval_sex(ctx: _Context, expr: Expr) -> _Eval:
    sex = ctx.patient.sex
    if sex is None:
        return _Eval(None, "no sex in the patient data")
    c = expr.comparison
    if isinstance(c, Is):
        t = (sex == c.word) != c.negated
        return _Eval(t, f"sex {sex}; is {'not ' if c.negated else ''}{c.word}: {_yes(t)}")
    if isinstance(c, InSet):
        t = sex in c.values
        return _Eval(t, f"sex {sex} in {{{', '.join(map(str, c.values))}}}: {_yes(t)}")
    return _Eval(None, f"sex: '{c}' does not apply")


# --- pregnancy


_PREGNANCY_WORDS = (
    # (regex, patient field, statement true when the field is ...)
    (re.compile(r"non[- ]?child[- ]?bearing|not\s+of\s+child[- ]?bearing|post[- ]?menopaus|"
                r"surgically\s+sterile|sterili[sz]ed", re.I), "childbearing_potential", False),
    (re.compile(r"plan\w*\s+(?:to\s+(?:become|get)\s+pregnant|a\s+pregnancy|pregnancy)|"
                r"(?:intend|wish|want)\w*\s+to\s+(?:become|get)\s+pregnant", re.I),
     "planning_pregnancy", True),
    (re.compile(r"breast[- ]?feed|lactat|nursing(?!\s+home)", re.I), "breastfeeding", True),
    (re.compile(r"pregnan(?:t|cy)(?!\s+test)", re.I), "pregnant", True),
    (re.compile(r"child[- ]?bearing\s+potential", re.I), "childbearing_potential", True),
)
_PREGNANCY_MEASURES = ("pregnancy_test", "beta_hcg")


def _cannot_be_pregnant(p: Patient) -> Optional[str]:
    if p.sex == "male":
        return "male"
    if p.childbearing_potential is False:
        return "not of childbearing potential"
    return None


def _eval_pregnancy(ctx: _Context, expr: Expr) -> _Eval:
    text = expr.ref.name or ""
    p = ctx.patient
    values: list[tuple[str, Optional[bool]]] = []
    for rx, fld, when in _PREGNANCY_WORDS:
        if rx.search(text):
            v = getattr(p, fld)
            values.append((fld, None if v is None else v == when))
            text = rx.sub(" ", text)
    if not values:
        return _Eval(None, "no pregnancy status named in the statement")
    shown = ", ".join(
        f"{f.replace('_', ' ')} {'?' if getattr(p, f) is None else str(getattr(p, f)).lower()}"
        for f, _ in values)
    truths = [v for _, v in values]
    t = True if True in truths else (None if None in truths else False)
    return _Eval(t, f"{shown}: {_yes(t)}")


# --- findings


_KIND_LIST = {"condition": "conditions", "therapy": "therapies", "procedure": "procedures",
              "lifestyle": "lifestyle"}


def _eval_finding(ctx: _Context, expr: Expr) -> _Eval:
    ref, c, w = expr.ref, expr.comparison, expr.window
    p = ctx.patient
    problem, note = _anchor_problem(w, ctx.at)
    if problem:
        return _Eval(None, problem)
    if ref.kind == "pregnancy":
        return _eval_pregnancy(ctx, expr)
    if ref.fn == "result":
        return _Eval(None, f"results of free-text findings ('{ref.name}') are not checked")
    primary = _KIND_LIST.get(ref.kind)
    lists = [primary] if primary else []
    lists += [k for k in _LISTS if k not in lists]
    present = [k for k in lists if getattr(p, k) is not None]
    if not present or (primary and getattr(p, primary) is None and ref.fn != "has"):
        what = primary or "conditions/therapies/procedures"
        return _Eval(None, f"no {what} list in the patient data")
    alts = alternatives(ref.name or "")
    excepted_alts = [a for span in ctx.criterion.exceptions
                     for a in alternatives(span.text, _EXCEPTION_SPLIT)]
    code = ctx.criterion.subject.code if ctx.criterion.subject else None
    active_only = bool(_ACTIVE.search(ctx.criterion.text or ""))
    hits: list[tuple[Entry, Optional[bool]]] = []
    excepted: list[Entry] = []
    for key in present:
        for e in getattr(p, key):
            if not names_match(e, alts, code):
                continue
            if excepted_alts and names_match(e, excepted_alts):
                excepted.append(e)
                continue
            hits.append((e, _entry_in_window(e, w, ctx.at, active_only)))
    yes = [e for e, t in hits if t is True]
    maybe = [e for e, t in hits if t is None]
    where = f" {_window_text(w)}" if w else (" (active)" if active_only else "")
    exc = f"; excepted: {', '.join(e.name for e in excepted)}" if excepted else ""
    if ref.fn == "has":
        if yes:
            return _Eval(True, f"{_names(yes)} recorded{where}{note}{exc}: yes")
        if maybe:
            return _Eval(None, f"{_names(maybe)} recorded without dates to place{where}{exc}")
        if primary and getattr(p, primary) is None:
            return _Eval(None, f"no {primary} list in the patient data")
        outside = [e for e, t in hits if t is False]
        seen = f" ({_names(outside)} outside the window)" if outside else ""
        return _Eval(False, f"no matching {primary or 'entry'}{where}{seen}{note}{exc}: no")
    if maybe:
        return _Eval(None, f"{_names(maybe)} recorded without dates to place{where}")
    if ref.fn == "count":
        ev = _numeric(float(len(yes)), c, None, f"number of matching {ref.kind} entries")
        return _Eval(ev.truth, ev.evidence + (f" ({_names(yes)})" if yes else "") + note)
    if ref.fn == "duration":
        if not yes:
            return _Eval(False, f"no matching {primary or 'entry'}{where}: duration 0")
        if any(e.start is None for e in yes):
            return _Eval(None, f"{_names(yes)} has no start date")
        from .units import convert

        days = max(((min(e.end, ctx.at) if e.end else ctx.at) - e.start).days for e in yes)
        unit = getattr(c, "unit", None) or "d"
        ev = _numeric(convert(days, "d", unit), c, unit, f"duration of {_names(yes)}")
        return _Eval(ev.truth, ev.evidence + note)
    if ref.fn == "amount":
        unit = getattr(c, "unit", None)
        with_amount = [e for e in yes if e.amount is not None]
        if not with_amount:
            which = _names(yes) if yes else "a matching " + (primary or "entry")
            return _Eval(None, f"no amount recorded for {which}")
        from .units import convert

        best = None
        for e in with_amount:
            if (unit is None) != (e.amount_unit is None):
                return _Eval(None, f"{e.name} amount {_num(e.amount)}{_unit_text(e.amount_unit)} cannot "
                                   f"be compared with{_unit_text(unit) or ' a number without unit'}")
            try:
                x = e.amount if unit is None else convert(e.amount, e.amount_unit, unit)
            except UnitError as err:
                return _Eval(None, f"{e.name} amount in {e.amount_unit}: {err.message}")
            best = x if best is None else max(best, x)
        ev = _numeric(best, c, unit, f"amount of {_names(with_amount)}")
        return _Eval(ev.truth, ev.evidence + note)
    return _Eval(None, f"{ref.fn}(...) is not checked")


def _names(entries: list[Entry]) -> str:
    seen: list[str] = []
    for e in entries:
        label = e.name + (f" ({e.start}" + (f"–{e.end}" if e.end and e.end != e.start else "") + ")"
                          if e.start else "")
        if label not in seen:
            seen.append(label)
    return ", ".join(seen)


_CONDITION_LEAD = re.compile(
    r"^\s*(?P<lead>if|when|where|for|in|unless)\s+"
    r"(?:(?:the\s+)?(?:participants?|patients?|subjects?|those|people|anyone)\s+)?"
    r"(?:(?:with|who\s+(?:have|has|are|is)|having|receiving|on)\s+)?", re.I)
_CONDITION_TAIL = re.compile(
    r"\s+(?:(?:is|are|has\s+been|have\s+been)\s+(?:present|documented|known|suspected|confirmed)|exists?)\s*$",
    re.I)
_CHILDBEARING = re.compile(r"child[- ]?bearing|reproductive\s+potential|menarch", re.I)
_WOMEN = re.compile(r"\b(?:wom[ae]n|females?|girls?)\b", re.I)
_MEN = re.compile(r"\b(?:m[ae]n|males?|boys?)\b", re.I)


def condition_applies(criterion: Criterion, patient: Patient, at: date) -> tuple[Optional[bool], str]:
    """Does the conditioning clause of a criterion ("if liver metastases are present", "for women
    of childbearing potential") hold for the patient? (None: cannot tell, evaluate anyway.)"""
    if criterion.condition is None:
        return True, ""
    text = criterion.condition.text
    if _CHILDBEARING.search(text) and not re.search(r"partner", text, re.I):
        cannot = _cannot_be_pregnant(patient)
        if cannot:
            return False, f"patient is {cannot}"
        return (True, "") if patient.sex == "female" and patient.childbearing_potential else (None, "")
    women, men = bool(_WOMEN.search(text)), bool(_MEN.search(text))
    if women != men:
        if patient.sex is None:
            return None, ""
        wanted = "female" if women else "male"
        return (True, "") if patient.sex == wanted else (False, f"patient is {patient.sex}")
    lead = _CONDITION_LEAD.match(text)
    core = _CONDITION_TAIL.sub("", text[lead.end():] if lead else text).strip()
    if not core:
        return None, ""
    expr = Expr(Ref("has", name=core, kind="condition"))
    probe = Criterion(criterion.criterion_id, criterion.trial_id, criterion.section, text, -1, -1,
                      category=Category.CONDITION, computable=True)
    ev = _eval_finding(_Context(patient, at, probe), expr)
    if lead and lead.group("lead").lower() == "unless" and ev.truth is not None:
        return not ev.truth, ev.evidence  # "unless X": applies when X does not hold
    return ev.truth, ev.evidence


def evaluate(expr: Expr, criterion: Criterion, patient: Patient, at: date) -> _Eval:
    """The statement of `expr` without its `not`, against the patient: truth + evidence."""
    ctx = _Context(patient, at, criterion)
    ref = expr.ref
    cannot = _cannot_be_pregnant(patient)
    pregnancy = criterion.category == Category.PREGNANCY or (
        ref.fn in ("lab", "measure") and ref.name in _PREGNANCY_MEASURES)
    if pregnancy and cannot:
        return _Eval(None, f"not applicable: patient is {cannot}", not_applicable=True)
    if ref.fn in AGE_UNITS:
        return _eval_age(ctx, expr)
    if ref.fn == "life_expectancy":
        return _eval_life(ctx, expr)
    if ref.fn == "sex":
        return _eval_sex(ctx, expr)
    if ref.fn in ("lab", "vital", "score", "measure"):
        return _eval_measurement(ctx, expr)
    return _eval_finding(ctx, expr)


# ---------------------------------------------------------------------------------- the verdict


@dataclass
class CriterionResult:
    criterion_id: str
    section: str
    polarity: str
    text: str
    expression: Optional[str]
    status: Status
    explanation: str
    unknown: Optional[Unknown] = None
    group: Optional[str] = None  # the OR-group, when the criterion is in one


@dataclass
class GroupResult:
    """An OR-group: `any` (required alternatives) or `all` (excluded alternatives)."""

    group: str
    mode: str
    members: list[str]
    status: Status
    unknown: Optional[Unknown] = None


@dataclass
class TrialVerdict:
    trial_id: Optional[str]
    verdict: Verdict
    screening_date: date
    criteria: list[CriterionResult]
    groups: list[GroupResult] = field(default_factory=list)
    deciding: list[str] = field(default_factory=list)  # criterion ids that decide the verdict
    pending: list[str] = field(default_factory=list)  # review criteria (never blocking)
    patient_id: Optional[str] = None

    @property
    def summary(self) -> str:
        if self.verdict == Verdict.ELIGIBLE:
            if self.pending:
                return f"ELIGIBLE (pending {len(self.pending)} non-computable criteria for review)"
            return "ELIGIBLE"
        if self.verdict == Verdict.INELIGIBLE:
            ids = ", ".join(_short_id(c, self.trial_id) for c in self.deciding)
            return f"INELIGIBLE ({len(self.deciding)} criteria not met: {ids})"
        if not self.criteria:
            return "INDETERMINATE (no criteria)"
        ids = ", ".join(_short_id(c, self.trial_id) for c in self.deciding)
        return f"INDETERMINATE ({len(self.deciding)} criteria unknown: {ids})"


def _status(truth: Optional[bool], polarity: Polarity) -> Status:
    if truth is None:
        return Status.UNKNOWN
    return Status.MET if truth == (polarity == Polarity.REQUIRE) else Status.NOT_MET


def check_criterion(criterion: Criterion, patient: Patient, at: date) -> CriterionResult:
    """One criterion against a validated patient at a screening date."""
    base = dict(criterion_id=criterion.criterion_id, section=criterion.section.value,
                polarity=criterion.polarity.value, text=criterion.text)
    if "example" in criterion.flags:  # "(e.g., age over 60 years)" illustrates its statement; it requires nothing
        return CriterionResult(**base, expression=criterion.expression, status=Status.MET,
                               explanation="an example in the statement, not a requirement of its own")
    if "exception" in criterion.flags:  # "except lesions ≤ 1 cm": narrows its statement; it requires nothing
        return CriterionResult(**base, expression=criterion.expression, status=Status.MET,
                               explanation="a limit inside the statement's exception, not a requirement of its own")
    if not criterion.computable:
        reason = criterion.reason
        kind = Unknown.REVIEW if reason in REVIEW_REASONS else Unknown.UNPARSED
        what = "needs review" if kind == Unknown.REVIEW else "not computable"
        return CriterionResult(**base, expression=None, status=Status.UNKNOWN, unknown=kind,
                               explanation=f"{what} ({reason.value if reason else 'no reason'})")
    text = criterion.expression or to_expression(criterion)
    if text is None:
        return CriterionResult(**base, expression=None, status=Status.UNKNOWN, unknown=Unknown.UNPARSED,
                               explanation="no expression for this statement")
    try:
        expr = parse_expression(text)
    except ExpressionError as err:
        return CriterionResult(**base, expression=text, status=Status.UNKNOWN, unknown=Unknown.UNPARSED,
                               explanation=f"expression does not parse: {err}")
    applies, why = condition_applies(criterion, patient, at)
    if applies is False:
        clause = _clip(criterion.condition.text, 50)
        return CriterionResult(**base, expression=text, status=Status.MET,
                               explanation=f"not applicable: '{clause}' does not hold ({why})")
    ev = evaluate(expr, criterion, patient, at)
    if ev.not_applicable:
        return CriterionResult(**base, expression=text, status=Status.MET, explanation=ev.evidence)
    status = _status(ev.truth, criterion.polarity)
    if ev.truth is None:
        explanation = ev.evidence
    else:
        written = ev.truth != expr.negated
        explanation = f"{ev.evidence} → statement {'holds' if written else 'does not hold'}"
    return CriterionResult(**base, expression=text, status=status, explanation=explanation,
                           unknown=Unknown.MISSING if status == Status.UNKNOWN else None)


def _any(statuses: list[Status]) -> Status:
    if Status.MET in statuses:
        return Status.MET
    return Status.NOT_MET if all(s == Status.NOT_MET for s in statuses) else Status.UNKNOWN


def _all(statuses: list[Status]) -> Status:
    if Status.NOT_MET in statuses:
        return Status.NOT_MET
    return Status.MET if all(s == Status.MET for s in statuses) else Status.UNKNOWN


def _unknown_kind(results: list[CriterionResult]) -> Optional[Unknown]:
    kinds = {r.unknown for r in results if r.status == Status.UNKNOWN}
    for k in (Unknown.MISSING, Unknown.UNPARSED, Unknown.REVIEW):
        if k in kinds:
            return k
    return None


def combine(criteria: list[Criterion], results: list[CriterionResult], trial_id: Optional[str],
            at: date, patient_id: Optional[str] = None) -> TrialVerdict:
    """Per-criterion results -> OR-groups -> the trial verdict (rules in the module docstring)."""
    units: dict[str, list[int]] = {}
    for i, c in enumerate(criteria):
        key = (f"or:{c.logic.group}" if c.logic is not None and c.logic.op == LogicOp.OR
               else f"one:{c.criterion_id}:{i}")
        units.setdefault(key, []).append(i)
    groups: list[GroupResult] = []
    unit_results: list[tuple[Status, Optional[Unknown], list[CriterionResult]]] = []
    for key, idx in units.items():
        members = [results[i] for i in idx]
        if len(idx) == 1:
            r = members[0]
            unit_results.append((r.status, r.unknown if r.status == Status.UNKNOWN else None, members))
            continue
        exclude = all(criteria[i].polarity == Polarity.EXCLUDE for i in idx)
        status = (_all if exclude else _any)([r.status for r in members])
        unknown = _unknown_kind(members) if status == Status.UNKNOWN else None
        name = key[3:]
        for r in members:
            r.group = name
        groups.append(GroupResult(name, "all" if exclude else "any", [r.criterion_id for r in members],
                                  status, unknown))
        unit_results.append((status, unknown, members))
    failing = [u for u in unit_results if u[0] == Status.NOT_MET]
    blocking = [u for u in unit_results if u[0] == Status.UNKNOWN and u[1] != Unknown.REVIEW]
    review = [u for u in unit_results if u[0] == Status.UNKNOWN and u[1] == Unknown.REVIEW]
    pending = [r.criterion_id for _, _, ms in review for r in ms if r.unknown == Unknown.REVIEW]
    if failing:
        verdict = Verdict.INELIGIBLE
        deciding = [r.criterion_id for _, _, ms in failing for r in ms if r.status == Status.NOT_MET]
    elif blocking or not criteria:
        verdict = Verdict.INDETERMINATE
        deciding = [r.criterion_id for _, _, ms in blocking for r in ms
                    if r.status == Status.UNKNOWN and r.unknown != Unknown.REVIEW]
    else:
        verdict, deciding = Verdict.ELIGIBLE, []
    return TrialVerdict(trial_id, verdict, at, results, groups, deciding, pending, patient_id)


def screening_day(value: Union[None, str, date]) -> date:
    """None -> today; 'YYYY-MM-DD' or a date -> that date (CheckError otherwise)."""
    if value is None:
        return date.today()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise CheckError("screening date", f"must be YYYY-MM-DD, not {value!r}") from None


def check(criteria: list[Criterion], patient: Union[dict, Patient],
          screening_date: Union[None, str, date] = None) -> TrialVerdict:
    """Check a patient (dict as in docs/patient.md, or a validated Patient) against the criteria
    of one trial at the screening date (default today)."""
    at = screening_day(screening_date)
    p = patient if isinstance(patient, Patient) else validate_patient(patient)
    trials = sorted({c.trial_id for c in criteria})
    if len(trials) > 1:
        raise CheckError("criteria", f"criteria of {len(trials)} trials ({', '.join(trials)}); "
                                     "check one at a time")
    results = [check_criterion(c, p, at) for c in criteria]
    _subgroup_limits(list(criteria), results, p, at)
    return combine(list(criteria), results, trials[0] if trials else None, at, p.id)


def _subgroup_limits(criteria: list[Criterion], results: list[CriterionResult], patient: Patient, at: date) -> None:
    """"ALT ≤ 2.5 × ULN (≤ 5 × ULN if liver metastases are present)": when the patient is in the subgroup,
    its limit replaces the general one of the same subject in the same item (GUIDELINES 11.40)."""
    for i, c in enumerate(criteria):
        if c.condition is None or c.subject is None or c.subject.name is None or c.constraint is None:
            continue
        if condition_applies(c, patient, at)[0] is not True:
            continue
        for j, u in enumerate(criteria):
            if (u.condition is None and u.subject is not None and u.subject.name == c.subject.name
                    and u.logic is not None and c.logic is not None and u.logic.group == c.logic.group
                    and u.constraint is not None and "exception" not in u.flags):
                r = results[j]
                results[j] = CriterionResult(r.criterion_id, r.section, r.polarity, r.text, r.expression, Status.MET,
                                             f"not applicable: the limit for '{_clip(c.condition.text, 50)}' applies",
                                             None, r.group)


# -------------------------------------------------------------------------------- files and text


def load_trial_criteria(path: Union[str, Path], trial_id: Optional[str] = None) -> list[Criterion]:
    """The Criterion records of one trial from an `eligibility extract` JSONL file.

    With several trials in the file, `trial_id` is required (CheckError lists the ids)."""
    by_trial: dict[str, list[Criterion]] = {}
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rec = record_from_json(line)
            except (ValueError, TypeError, KeyError) as err:
                raise InputError(Reason.MALFORMED_RECORD, f"not a criterion record: {err}", str(path),
                                 line=number) from None
            if isinstance(rec, ErrorRow):
                continue
            by_trial.setdefault(rec.trial_id, []).append(rec)
    if not by_trial:
        raise CheckError("--trial", f"{path} holds no criteria")
    if trial_id is None:
        if len(by_trial) > 1:
            raise CheckError("--trial-id", f"{path} holds {len(by_trial)} trials "
                                           f"({', '.join(sorted(by_trial))}): pass --trial-id")
        trial_id = next(iter(by_trial))
    if trial_id not in by_trial:
        raise CheckError("--trial-id", f"{trial_id!r} is not in {path} "
                                       f"(it holds {', '.join(sorted(by_trial))})")
    criteria = by_trial[trial_id]
    # a trial id read twice (overlapping inputs) repeats its criterion ids: never mix two records
    copies = max(Counter(c.criterion_id for c in criteria).values())
    if copies > 1:
        raise CheckError("--trial", f"{path} holds {copies} records of trial {trial_id} (the same trial id "
                                    f"read more than once; see its manifest): extract one of them")
    return criteria


def _short_id(criterion_id: str, trial_id: Optional[str]) -> str:
    if trial_id and criterion_id.startswith(trial_id + ":"):
        return criterion_id[len(trial_id) + 1:]
    return criterion_id


def format_verdict(v: TrialVerdict) -> str:
    """The per-criterion table, the OR-groups, the pending list, and the verdict word last."""
    def sid(x: str) -> str:
        return _short_id(x, v.trial_id)

    head = f"Trial {v.trial_id or '?'}"
    if v.patient_id:
        head += f" · patient {v.patient_id}"
    head += f" · screening date {v.screening_date}"
    rows = [("criterion", "pol", "status", "expression / statement", "explanation")]
    for r in v.criteria:
        shown = r.expression or _clip(r.text, 60)
        rows.append((sid(r.criterion_id), r.polarity[:3], r.status.value, shown, r.explanation))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [head, ""]
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row[:4], widths)) + "  " + row[4])
        if n == 0:
            lines.append("  ".join("-" * w for w in widths) + "  " + "-" * 11)
    if v.groups:
        lines += ["", "OR-groups:"]
        for g in v.groups:
            rule = ("any member met" if g.mode == "any"
                    else "every member met (none of the alternatives may match)")
            members = ", ".join(sid(m) for m in g.members)
            lines.append(f"  {g.group}: {g.status.value} ({rule}: {members})")
    if v.pending:
        lines += ["", f"Pending review ({len(v.pending)}, not computable: investigator judgment or "
                      "administrative):"]
        texts = {r.criterion_id: r for r in v.criteria}
        for cid in v.pending:
            lines.append(f"  {sid(cid)}  {_clip(texts[cid].text, 90)}")
    if v.deciding:
        label = "Not met" if v.verdict == Verdict.INELIGIBLE else "Unknown"
        lines += ["", f"{label} (deciding):"]
        texts = {r.criterion_id: r for r in v.criteria}
        for cid in v.deciding:
            lines.append(f"  {sid(cid)}  {_clip(texts[cid].text, 70)}  — {texts[cid].explanation}")
    lines += ["", f"Verdict: {v.summary}", v.verdict.value]
    return "\n".join(lines)


def _clip(text: str, n: int) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= n else text[: n - 1] + "…"


def check_cli(
    trial: Path = typer.Option(..., "--trial", help="Criteria JSONL written by `eligibility extract`."),
    patient: Path = typer.Option(..., "--patient", help="Patient JSON (see docs/patient.md)."),
    screening_date: Optional[str] = typer.Option(
        None, "--screening-date", help="YYYY-MM-DD; temporal windows end here (default: today)."),
    trial_id: Optional[str] = typer.Option(
        None, "--trial-id", help="The trial to check when RESULTS holds several."),
):
    """Check a patient against a trial: per-criterion MET / NOT MET / UNKNOWN, then the verdict
    (ELIGIBLE / INELIGIBLE / INDETERMINATE) as the last line. Exit status 0 whatever the verdict,
    2 when an input is invalid."""
    try:
        criteria = load_trial_criteria(trial, trial_id)
        verdict = check(criteria, load_patient(patient), screening_date)
    except (EligibilityError, OSError) as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from None
    typer.echo(format_verdict(verdict))


__all__ = [
    "CheckError",
    "CriterionResult",
    "Entry",
    "GroupResult",
    "Measurement",
    "Patient",
    "PatientError",
    "Status",
    "TrialVerdict",
    "Unknown",
    "Verdict",
    "alternatives",
    "canonical_measure",
    "check",
    "check_cli",
    "check_criterion",
    "combine",
    "evaluate",
    "format_verdict",
    "load_patient",
    "load_synonyms",
    "load_trial_criteria",
    "names_match",
    "parse_synonym_records",
    "screening_day",
    "tokens",
    "validate_patient",
]
