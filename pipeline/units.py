"""Units: what criteria text writes -> UCUM-style codes, and conversions between codes with pint.

Pure functions over three data files in `models/` (see `models/SOURCES.md`):

* `units/unit_aliases.jsonl`: one record per line, `literal` + `category`:
  - `code`: a normalized code of GUIDELINES.md section 6 (the literal is the code itself) and the
    `pint` expression it means, e.g. `10*9/L` -> `gigacell / liter`;
  - `alias`: a written form and the `code` it normalizes to, e.g. `"x 10^9/L"` -> `10*9/L`;
  - `multiplier`: a leading "x", "×", "times" that is dropped ("x ULN" -> "ULN");
  - `filler`: a word dropped on a second attempt ("x institutional ULN" -> "ULN").
* `units/clinical_units.txt`: pint definitions loaded on top of pint's defaults (ULN/LLN, cells,
  copies, IU, equivalents, the 1.73 m² body surface, the `clinical` context with `mw`/`valence`).
* `lexicons/analytes.jsonl`: molar masses, valences and linear conversions per analyte.

Normalization (`normalize_unit`) never consults pint: the written text is folded by
`fold_unit_text` (Unicode superscripts and micro signs, NFKC, a leading multiplier, "per" -> "/",
spaces, powers of ten "10^9" / "10E9" / "109" (lost superscript) -> "10*9", carets) and looked up
in the alias table, case-sensitively first and then case-insensitively. Literals in the table are
folded by the same function, so the table lists each distinct spelling once.

Nothing heavy happens at import: the alias table, the analyte table and the pint registry are
built on first use and cached per process (`functools.lru_cache`), so this module pickles and forks.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import RuleFileError, UnitError
from .paths import model_file

if TYPE_CHECKING:  # pragma: no cover
    import pint

DEFINITIONS_FILE = ("units", "clinical_units.txt")
ALIASES_FILE = ("units", "unit_aliases.jsonl")
ANALYTES_FILE = ("lexicons", "analytes.jsonl")
CONTEXT = "clinical"
TIME_UNITS = ("minute", "hour", "day", "week", "month", "year")

ALIAS_CATEGORIES = ("code", "alias", "multiplier", "filler")
_ALIAS_KEYS = {
    "code": (
        {"literal", "category", "pint", "label"},
        {"time_unit", "case_sensitive", "requires_analyte", "written", "note"},
    ),
    "alias": ({"literal", "category", "code"}, {"case_sensitive", "note"}),
    "multiplier": ({"literal", "category"}, {"note"}),
    "filler": ({"literal", "category"}, {"note"}),
}
_ANALYTE_KEYS = ({"name", "source"}, {"label", "molar_mass", "valence", "linear", "note"})
_LINEAR_KEYS = ({"from", "to", "scale"}, {"shift"})


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitCode:
    """A normalized unit code and what it means in pint."""

    code: str
    pint: str
    label: str
    time_unit: str | None = None  # minute ... year for codes usable in temporal windows
    requires_analyte: bool = False  # converting to another code needs an analyte rule (mmol/mol)
    written: bool = True  # False: a code only, never read from text (UCUM "a" for years)


@dataclass(frozen=True)
class AliasTable:
    """The normalizer's data: codes, folded spellings -> code, multipliers and fillers."""

    codes: Mapping[str, UnitCode]
    exact: Mapping[str, str]  # folded, case kept -> code (every record)
    lower: Mapping[str, str]  # folded, lower-cased -> code (records not marked case_sensitive)
    multipliers: tuple[str, ...]
    fillers: tuple[str, ...]
    # the words of every spelling as written ("ETDRS letters" folds to "ETDRSletters"): a unit may start with any
    words: frozenset[str] = frozenset()

    def __len__(self) -> int:
        return len(self.exact)


@dataclass(frozen=True)
class LinearRule:
    """`to = scale * (from + shift)` between two codes, e.g. HbA1c % -> mmol/mol."""

    from_code: str
    to_code: str
    scale: float
    shift: float = 0.0

    def forward(self, value: float) -> float:
        return self.scale * (value + self.shift)

    def backward(self, value: float) -> float:
        return value / self.scale - self.shift


@dataclass(frozen=True)
class Analyte:
    name: str
    source: str
    molar_mass: float | None = None  # g/mol
    valence: int | None = None  # equivalents per mole
    linear: tuple[LinearRule, ...] = ()


# --------------------------------------------------------------------------------------------
# Reading and validating the data files
# --------------------------------------------------------------------------------------------


from .rules import read_jsonl  # noqa: E402  (re-exported: the loaders below use it)


def _check_keys(record: dict, required: set, optional: set, path: str, line: int) -> None:
    missing = required - record.keys()
    if missing:
        raise RuleFileError(path, line, f"missing key(s) {sorted(missing)}")
    unknown = record.keys() - required - optional
    if unknown:
        raise RuleFileError(path, line, f"unknown key(s) {sorted(unknown)}")


def _check_str(record: dict, key: str, path: str, line: int) -> str:
    value = record[key]
    if not isinstance(value, str) or not value or value != value.strip():
        raise RuleFileError(path, line, f"{key!r} must be a non-empty string without outer spaces")
    return value


def parse_alias_records(records: Iterable[tuple[int, dict]], path: str = "<aliases>") -> AliasTable:
    """Validate alias records strictly and build the lookup table.

    Errors name file and line: unknown or missing keys, unknown category or code, a spelling that
    folds to the same key as an earlier one (a duplicate, or a conflict if the codes differ).
    """
    codes: dict[str, UnitCode] = {}
    pending: list[tuple[int, str, str, bool]] = []  # (line, literal, code, case_sensitive)
    multipliers: list[str] = []
    fillers: list[str] = []
    for line, record in records:
        category = record.get("category")
        if category not in _ALIAS_KEYS:
            raise RuleFileError(
                path, line, f"category must be one of {ALIAS_CATEGORIES}, not {category!r}"
            )
        required, optional = _ALIAS_KEYS[category]
        _check_keys(record, required, optional, path, line)
        literal = _check_str(record, "literal", path, line)
        for flag in ("case_sensitive", "requires_analyte", "written"):
            if flag in record and not isinstance(record[flag], bool):
                raise RuleFileError(path, line, f"{flag!r} must be true or false")
        case_sensitive = record.get("case_sensitive", False)
        if category == "code":
            if literal in codes:
                raise RuleFileError(path, line, f"code {literal!r} defined twice")
            time_unit = record.get("time_unit")
            if time_unit is not None and time_unit not in TIME_UNITS:
                raise RuleFileError(path, line, f"time_unit must be one of {TIME_UNITS}")
            codes[literal] = UnitCode(
                code=literal,
                pint=_check_str(record, "pint", path, line),
                label=_check_str(record, "label", path, line),
                time_unit=time_unit,
                requires_analyte=record.get("requires_analyte", False),
                written=record.get("written", True),
            )
            if codes[literal].written:
                pending.append((line, literal, literal, case_sensitive))
        elif category == "alias":
            pending.append((line, literal, _check_str(record, "code", path, line), case_sensitive))
        elif category == "multiplier":
            multipliers.append(literal)
        else:
            fillers.append(literal)

    mult = tuple(sorted(set(multipliers), key=lambda m: (-len(m), m)))
    fill = tuple(sorted(set(fillers), key=lambda f: (-len(f), f)))
    exact: dict[str, str] = {}
    lower: dict[str, str] = {}
    seen: dict[tuple[str, str], int] = {}
    for line, literal, code, case_sensitive in pending:
        if code not in codes:
            raise RuleFileError(path, line, f"unknown code {code!r} (no 'code' record defines it)")
        keys = [("exact", fold_unit_text(literal, lower=False, multipliers=mult))]
        if not case_sensitive:
            keys.append(("lower", fold_unit_text(literal, lower=True, multipliers=mult)))
        for table_name, key in keys:
            if not key:
                raise RuleFileError(path, line, f"literal {literal!r} folds to nothing")
            table = exact if table_name == "exact" else lower
            if key in table:
                first = seen[(table_name, key)]
                what = (
                    "duplicate of"
                    if table[key] == code
                    else f"conflicts ({table[key]!r} vs {code!r}) with"
                )
                raise RuleFileError(
                    path, line, f"literal {literal!r} folds to {key!r}: {what} line {first}"
                )
            table[key] = code
            seen[(table_name, key)] = line
    words = frozenset(w for _, literal, _, _ in pending for w in re.findall(r"[A-Za-zµμ]+", literal))
    return AliasTable(codes=codes, exact=exact, lower=lower, multipliers=mult, fillers=fill, words=words)


def parse_analyte_records(
    records: Iterable[tuple[int, dict]],
    path: str = "<analytes>",
    known_codes: Iterable[str] | None = None,
) -> dict[str, Analyte]:
    """Validate analyte records strictly (keys, types, codes of linear rules) -> name -> Analyte."""
    codes = set(known_codes) if known_codes is not None else None
    out: dict[str, Analyte] = {}
    for line, record in records:
        _check_keys(record, *_ANALYTE_KEYS, path, line)
        name = _check_str(record, "name", path, line)
        if name in out:
            raise RuleFileError(path, line, f"analyte {name!r} listed twice")
        _check_str(record, "source", path, line)
        molar_mass = record.get("molar_mass")
        if molar_mass is not None and (
            isinstance(molar_mass, bool)
            or not isinstance(molar_mass, (int, float))
            or molar_mass <= 0
        ):
            raise RuleFileError(path, line, "molar_mass must be a positive number (g/mol) or null")
        valence = record.get("valence")
        if valence is not None and (
            isinstance(valence, bool) or not isinstance(valence, int) or valence <= 0
        ):
            raise RuleFileError(path, line, "valence must be a positive integer or null")
        rules = []
        linear = record.get("linear", [])
        if not isinstance(linear, list):
            raise RuleFileError(path, line, "linear must be a list")
        for rule in linear:
            if not isinstance(rule, dict):
                raise RuleFileError(path, line, "each linear rule must be an object")
            _check_keys(rule, *_LINEAR_KEYS, path, line)
            for key in ("scale", "shift"):
                if key in rule and (
                    isinstance(rule[key], bool) or not isinstance(rule[key], (int, float))
                ):
                    raise RuleFileError(path, line, f"linear {key!r} must be a number")
            if rule["scale"] == 0:
                raise RuleFileError(path, line, "linear scale must not be 0")
            for key in ("from", "to"):
                if codes is not None and rule[key] not in codes:
                    raise RuleFileError(
                        path, line, f"linear {key!r}: unknown unit code {rule[key]!r}"
                    )
            rules.append(
                LinearRule(
                    rule["from"], rule["to"], float(rule["scale"]), float(rule.get("shift", 0.0))
                )
            )
        if molar_mass is None and valence is None and not rules:
            raise RuleFileError(path, line, "an analyte needs molar_mass, valence or linear")
        out[name] = Analyte(
            name,
            record["source"],
            None if molar_mass is None else float(molar_mass),
            valence,
            tuple(rules),
        )
    return out


@cache
def load_aliases() -> AliasTable:
    """The alias table from `models/units/unit_aliases.jsonl` (validated, cached per process)."""
    path = model_file(*ALIASES_FILE)
    return parse_alias_records(read_jsonl(path), str(path))


@cache
def load_analytes() -> Mapping[str, Analyte]:
    """The analyte table from `models/lexicons/analytes.jsonl` (validated, cached per process)."""
    path = model_file(*ANALYTES_FILE)
    return parse_analyte_records(read_jsonl(path), str(path), known_codes=load_aliases().codes)


@cache
def registry() -> pint.UnitRegistry:
    """Pint's default registry plus `models/units/clinical_units.txt`, once per process."""
    import pint

    ureg = pint.UnitRegistry()
    ureg.load_definitions(str(model_file(*DEFINITIONS_FILE)))
    return ureg


def analyte_record(name: str | None) -> Analyte | None:
    """The analyte of a subject name, else of its dotted parent (`bilirubin.total`: `bilirubin`)."""
    if not name:
        return None
    table = load_analytes()
    parts = name.split(".")
    while parts:
        found = table.get(".".join(parts))
        if found is not None:
            return found
        parts.pop()
    return None


# --------------------------------------------------------------------------------------------
# Folding and normalizing written units
# --------------------------------------------------------------------------------------------

_SUPERSCRIPTS = {
    "⁰": "0",
    "¹": "1",
    "²": "2",
    "³": "3",
    "⁴": "4",
    "⁵": "5",
    "⁶": "6",
    "⁷": "7",
    "⁸": "8",
    "⁹": "9",
    "⁻": "-",
    "⁺": "+",
}
# After NFKC (which turns U+00B5 MICRO SIGN into U+03BC GREEK SMALL LETTER MU).
_CHAR_MAP = str.maketrans(
    {
        "μ": "u",
        "µ": "u",
        "∕": "/",
        "⁄": "/",
        "÷": "/",
        "–": "-",
        "—": "-",
        "−": "-",
        "‐": "-",
        "’": "'",
    }
)
_TRAILING = re.compile(r"[\s.,;:]+$")
_PER = re.compile(r"\s*(?<![a-z])per(?![a-z])\s*", re.I)
_SPACES = re.compile(r"\s+")
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d{1,2}(?!\d))")
# "10^9", "10**9", "10*9", "10E9", "10exp9", "10(9)", "1e9", and "109" (superscript lost in
# copy-paste), at the start and followed by "/" or "cells/": rewritten to UCUM's "10*9".
_POWER_OF_TEN = re.compile(
    r"^(?:10(?:\^|\*\*|\*|exp|e|\()?|1e)([1-9][0-9]?)\)?(?=(?:cells?)?/)", re.I
)
# An exponent in parentheses after a unit symbol, as plain-text registries render "m²": "m(2)".
_PAREN_EXPONENT = re.compile(r"(?<=[a-z])\(([23])\)", re.I)


_ANY_SUPERSCRIPT = re.compile("[" + "".join(_SUPERSCRIPTS) + "]")


def _superscripts_to_carets(text: str) -> str:
    if not _ANY_SUPERSCRIPT.search(text):
        return text  # nothing to rewrite: skip the loop over characters
    out: list[str] = []
    in_run = False
    for ch in text:
        digit = _SUPERSCRIPTS.get(ch)
        if digit is None:
            in_run = False
            out.append(ch)
        else:
            if not in_run:
                out.append("^")
                in_run = True
            out.append(digit)
    return "".join(out)


@lru_cache(maxsize=64)
def _multiplier_pattern(multipliers: tuple[str, ...]) -> re.Pattern | None:
    if not multipliers:
        return None
    parts = []
    for m in sorted(multipliers, key=lambda m: (-len(m), m)):
        escaped = re.escape(m)
        # "times"/"fold" must end at a word end; a one-character "x" may be glued: "xULN".
        parts.append(escaped + r"(?![a-z])" if len(m) > 1 and m[-1].isalpha() else escaped)
    return re.compile(r"^(?:" + "|".join(parts) + r")\s*", re.I)


@lru_cache(maxsize=64)
def _filler_pattern(fillers: tuple[str, ...]) -> re.Pattern | None:
    if not fillers:
        return None
    alternatives = "|".join(re.escape(f) for f in sorted(fillers, key=lambda f: (-len(f), f)))
    return re.compile(r"(?<![a-z0-9])(?:" + alternatives + r")(?![a-z0-9])", re.I)


def fold_unit_text(
    text: str,
    *,
    lower: bool = True,
    multipliers: tuple[str, ...] = (),
    fillers: tuple[str, ...] = (),
) -> str:
    """Fold a written unit to a lookup key; literals of the alias table are folded the same way.

    Steps: superscripts -> "^digits", NFKC, both micro signs -> "u", outer space, trailing
    punctuation and wrapping parentheses off, (lower-case), one leading multiplier off ("x", "×",
    "times"), "per" -> "/", filler words off (when given), spaces off, decimal comma "1,73" ->
    "1.73", leading powers of ten -> "10*N", exponents "m(2)" -> "m2", remaining "^" / "**" off
    ("m^2" -> "m2").

    >>> fold_unit_text("× 10⁹/L", multipliers=("×",))
    '10*9/l'
    """
    s = unicodedata.normalize("NFKC", _superscripts_to_carets(text)).translate(_CHAR_MAP)
    s = s.replace("\\^", "^").replace("\\*", "*")  # markdown escapes: "/mm\^3"
    s = _TRAILING.sub("", s.strip())
    if s.startswith("(") and s.endswith(")") and s.count("(") == 1 and s.count(")") == 1:
        s = s[1:-1].strip()
    if lower:
        s = s.lower()
    pattern = _multiplier_pattern(tuple(multipliers))
    if pattern is not None:
        stripped = pattern.sub("", s, count=1)
        if stripped:
            s = stripped
    s = _PER.sub("/", s)
    filler_re = _filler_pattern(tuple(fillers))
    if filler_re is not None:
        s = filler_re.sub(" ", s)
    s = _SPACES.sub("", s)
    s = _DECIMAL_COMMA.sub(".", s)
    s = _POWER_OF_TEN.sub(r"10*\1", s, count=1)
    s = _PAREN_EXPONENT.sub(r"\1", s)
    s = s.replace("**", "").replace("^", "")
    return s


_PARENTHETICAL = re.compile(r"\(([^()]*)\)")


def _candidates(text: str) -> Iterator[str]:
    """The text, then without parentheticals, then each parenthetical alone ("... (ULN)")."""
    yield text
    inner = _PARENTHETICAL.findall(text)
    if inner:
        outer = _PARENTHETICAL.sub(" ", text).strip()
        if outer:
            yield outer
        yield from (part for part in inner if part.strip())


def lookup_unit(text: str, table: AliasTable) -> str | None:
    """Pure normalizer over an alias table: written unit -> code, or None when unknown."""
    if not isinstance(text, str) or not text.strip():
        return None
    for candidate in _candidates(text):
        for fillers in ((), table.fillers):
            if fillers is table.fillers and not fillers:
                continue
            key = fold_unit_text(
                candidate, lower=False, multipliers=table.multipliers, fillers=fillers
            )
            if key in table.exact:
                return table.exact[key]
            key = fold_unit_text(
                candidate, lower=True, multipliers=table.multipliers, fillers=fillers
            )
            if key in table.lower:
                return table.lower[key]
    return None


def normalize_unit(text: str) -> str | None:
    """The unit as written in criteria text -> its normalized code (GUIDELINES.md 6), or None.

    >>> normalize_unit("x 10^9/L"), normalize_unit("×ULN"), normalize_unit("mL/min/1.73 m²")
    ('10*9/L', '{ULN}', 'mL/min/{1.73_m2}')
    """
    return lookup_unit(text, load_aliases())


# --------------------------------------------------------------------------------------------
# Pint: codes -> units, conversion
# --------------------------------------------------------------------------------------------


def _resolve_code(code: str) -> UnitCode:
    """A code (or, failing that, a written unit that normalizes to one) -> its UnitCode."""
    codes = load_aliases().codes
    if isinstance(code, str):
        if code in codes:
            return codes[code]
        normalized = normalize_unit(code)
        if normalized is not None:
            return codes[normalized]
    raise UnitError(str(code), "not a known unit code")


@lru_cache(maxsize=512)
def _pint_unit(expression: str) -> pint.Unit:
    return registry().Unit(expression)


def to_pint(code: str) -> pint.Unit:
    """The pint Unit for a normalized code, e.g. `to_pint("10*9/L")` -> gigacell / liter."""
    return _pint_unit(_resolve_code(code).pint)


def _plain_convert(
    value: float, a: UnitCode, b: UnitCode, analyte: Analyte | None, asked: str | None = None
) -> float:
    """Convert with pint; through the `clinical` context when an analyte is known.

    `asked` is the analyte name the caller gave (for the error message only)."""
    import pint

    ureg = registry()
    quantity = ureg.Quantity(value, _pint_unit(a.pint))
    target = _pint_unit(b.pint)
    try:
        if analyte is None or (analyte.molar_mass is None and analyte.valence is None):
            return float(quantity.to(target).magnitude)
        nan = float("nan")
        params = {
            "mw": ureg.Quantity(
                analyte.molar_mass if analyte.molar_mass is not None else nan, "g/mol"
            ),
            "valence": ureg.Quantity(
                analyte.valence if analyte.valence is not None else nan, "eq/mol"
            ),
        }
        result = float(quantity.to(target, CONTEXT, **params).magnitude)
    except pint.DimensionalityError:
        if analyte is not None:
            hint = f" for analyte {analyte.name!r}"
        elif asked:
            hint = f" (no conversion data for analyte {asked!r})"
        else:
            hint = " (no analyte given)"
        raise UnitError(a.code, f"cannot convert to {b.code!r}{hint}: incommensurable") from None
    if math.isnan(result):
        raise UnitError(
            a.code,
            f"converting to {b.code!r} needs a molar mass or valence that "
            f"analyte {analyte.name!r} does not have",
        )
    return result


def _is_dimensionless(code: UnitCode) -> bool:
    return _pint_unit(code.pint).dimensionless


def convert(value: float, from_code: str, to_code: str, analyte: str | None = None) -> float:
    """Convert `value` from one code to another; `analyte` (a subject name) enables molar mass,
    valence and linear rules from `models/lexicons/analytes.jsonl`.

    Raises UnitError when a code is unknown or the units are incommensurable (also `%` <->
    `mmol/mol` without an analyte: that pair is HbA1c's and is not a plain ratio).

    >>> round(convert(1.5, "mg/dL", "umol/L", analyte="creatinine"), 1)
    132.6
    """
    a, b = _resolve_code(from_code), _resolve_code(to_code)
    value = float(value)
    if a.code == b.code:
        return value
    record = analyte_record(analyte)
    rules = record.linear if record is not None else ()
    # 1. a linear rule between exactly these codes, either direction
    for rule in rules:
        if (rule.from_code, rule.to_code) == (a.code, b.code):
            return rule.forward(value)
        if (rule.to_code, rule.from_code) == (a.code, b.code):
            return rule.backward(value)
    if a.requires_analyte or b.requires_analyte:
        raise UnitError(
            a.code,
            f"converting to {b.code!r} needs an analyte with a linear rule (got {analyte!r})",
        )
    # 2. a linear rule reached by plain pint conversions on both sides (g/L -> g/dL -> mmol/L)
    codes = load_aliases().codes
    for rule in rules:
        for src, dst, step in (
            (rule.from_code, rule.to_code, rule.forward),
            (rule.to_code, rule.from_code, rule.backward),
        ):
            src_code, dst_code = codes[src], codes[dst]
            if _is_dimensionless(src_code) or _is_dimensionless(dst_code):
                continue
            try:
                middle = _plain_convert(value, a, src_code, None)
                return _plain_convert(step(middle), dst_code, b, None)
            except UnitError:
                continue
    # 3. pint, with the analyte's molar mass and valence
    return _plain_convert(value, a, b, record, analyte)


def commensurable(a: str, b: str, analyte: str | None = None) -> bool:
    """True when `convert(x, a, b, analyte)` can succeed (unknown codes are not commensurable)."""
    try:
        convert(1.0, a, b, analyte)
    except UnitError:
        return False
    return True


# --------------------------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------------------------


def time_unit_name(text: str) -> str | None:
    """A written time unit -> "minute" | "hour" | "day" | "week" | "month" | "year", else None.

    Written forms only: the UCUM code "a" is not read from text (see `duration_in_days`)."""
    code = normalize_unit(text)
    if code is None:
        return None
    return load_aliases().codes[code].time_unit


def duration_in_days(amount: float, unit: str) -> float:
    """`amount` of a time unit (a name, a code or a written form) in days; months and years are
    pint's mean Julian ones (30.4375 d, 365.25 d). UnitError for a non-time unit."""
    codes = load_aliases().codes
    if unit in TIME_UNITS:
        name = unit
    elif unit in codes:
        name = codes[unit].time_unit
    else:
        name = time_unit_name(unit)
    if name is None:
        raise UnitError(str(unit), "not a time unit")
    ureg = registry()
    return float(ureg.Quantity(float(amount), name).to("day").magnitude)


__all__ = [
    "AliasTable",
    "Analyte",
    "LinearRule",
    "UnitCode",
    "analyte_record",
    "commensurable",
    "convert",
    "duration_in_days",
    "fold_unit_text",
    "load_aliases",
    "load_analytes",
    "lookup_unit",
    "normalize_unit",
    "parse_alias_records",
    "parse_analyte_records",
    "read_jsonl",
    "registry",
    "time_unit_name",
    "to_pint",
]
