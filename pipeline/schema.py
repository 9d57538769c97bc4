"""The output records: plain dataclasses, their JSON round-trip, and the schemas derived from them.

This module is the one definition of the output shape. It imports nothing from spaCy so that
readers, writers and users can depend on it alone. The JSON Schema (`docs/criterion.schema.json`)
and the flat Arrow schema used for Parquet are generated from these classes, never written by hand.
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Optional

SCHEMA_VERSION = "1.0"


class Section(str, enum.Enum):
    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"
    UNKNOWN = "unknown"


class Polarity(str, enum.Enum):
    REQUIRE = "require"
    EXCLUDE = "exclude"


class Operator(str, enum.Enum):
    """Comparison of the subject's value with the constraint.

    `between` uses value/upper with the inclusive flags, `in` uses `values` (a set such as
    "ECOG 0, 1 or 2"), `normal` means within the reference range ("within normal limits").
    """

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "="
    NE = "!="
    APPROX = "~"
    BETWEEN = "between"
    IN = "in"
    NORMAL = "normal"


class Category(str, enum.Enum):
    AGE = "age"
    SEX = "sex"
    PREGNANCY = "pregnancy"
    LAB = "lab"
    VITAL = "vital"
    SCORE = "score"
    CONDITION = "condition"
    THERAPY = "therapy"
    PROCEDURE = "procedure"
    LIFE_EXPECTANCY = "life_expectancy"
    CONSENT = "consent"
    JUDGMENT = "judgment"
    LIFESTYLE = "lifestyle"
    OTHER = "other"


class Reason(str, enum.Enum):
    """Stable short codes for why a statement is not computable, or why a record failed."""

    NO_SUBJECT = "no_subject"
    SUBJECTIVE = "subjective"
    ADMINISTRATIVE = "administrative"
    UNRESOLVED_REFERENCE = "unresolved_reference"
    UNSUPPORTED_UNIT = "unsupported_unit"
    TEMPORAL_ANCHOR_UNKNOWN = "temporal_anchor_unknown"
    NO_CONSTRAINT = "no_constraint"
    # error-row reasons
    MALFORMED_RECORD = "malformed_record"
    MISSING_FIELD = "missing_field"
    EMPTY_CRITERIA = "empty_criteria"
    ENCODING = "encoding"
    UNREADABLE = "unreadable"
    PIPELINE_ERROR = "pipeline_error"


class LogicOp(str, enum.Enum):
    AND = "AND"
    OR = "OR"


@dataclass
class Span:
    """A piece of the criteria text: `text == criteria[start:end]`."""

    text: str
    start: int
    end: int


@dataclass
class Subject:
    text: str
    start: int
    end: int
    name: Optional[str] = None  # normalized name from the lexicon, e.g. "bilirubin.total"
    code: Optional[str] = None  # e.g. "LOINC:1975-2"
    kind: Optional[str] = None  # lab / vital / score / age / condition / therapy ...


@dataclass
class Constraint:
    operator: Operator
    text: str
    start: int
    end: int
    value: Optional[float] = None
    upper: Optional[float] = None  # upper bound for `between`
    values: Optional[list[float]] = None  # for `in`
    qualitative: Optional[str] = None  # positive / negative / detectable / undetectable / abnormal
    lower_inclusive: Optional[bool] = None
    upper_inclusive: Optional[bool] = None
    unit: Optional[str] = None  # as written
    unit_normalized: Optional[str] = None  # UCUM-style code, e.g. "10*9/L", "{ULN}"
    operator_span: Optional[Span] = None
    value_span: Optional[Span] = None
    unit_span: Optional[Span] = None


@dataclass
class Temporal:
    relation: str  # within / before / after / since / during / at_least_ago
    text: str
    start: int
    end: int
    amount: Optional[float] = None
    upper: Optional[float] = None
    unit: Optional[str] = None  # normalized: minute hour day week month year
    anchor: Optional[str] = None  # e.g. "screening", "first dose", "enrollment"


@dataclass
class Period:
    """When the criterion's subject happens, as the text says it: "history of" (past), "current"
    (present), "planned" (future), "recent". Separate from `temporal`, which holds windows."""

    value: str  # past / present / future / recent
    text: str
    start: int
    end: int


@dataclass
class Logic:
    """Statements of one item joined by AND or OR; `group` is shared by the members."""

    group: str
    op: LogicOp = LogicOp.AND


@dataclass
class Criterion:
    criterion_id: str
    trial_id: str
    section: Section
    text: str
    start: int
    end: int
    item_text: str = ""
    item_path: str = ""
    scope: Optional[str] = None  # sub-header scoping a subset, e.g. "For Part A only"
    lead_in: Optional[str] = None  # parent item text for nested children
    category: Category = Category.OTHER
    subject: Optional[Subject] = None
    constraint: Optional[Constraint] = None
    temporal: Optional[Temporal] = None
    period: Optional[Period] = None
    negated: bool = False
    negation_cue: Optional[Span] = None
    polarity: Polarity = Polarity.REQUIRE
    logic: Optional[Logic] = None
    exceptions: list[Span] = field(default_factory=list)
    condition: Optional[Span] = None  # hypothetical / conditional clause
    computable: bool = False
    reason: Optional[Reason] = None
    expression: Optional[str] = None
    source: str = "text"  # "text" or "registry:<field>"
    flags: list[str] = field(default_factory=list)


@dataclass
class Trial:
    trial_id: str
    source: str  # "path", "path:line N" or a URL
    criteria: str
    minimum_age: Optional[str] = None
    maximum_age: Optional[str] = None
    sex: Optional[str] = None
    healthy_volunteers: Optional[bool] = None
    title: Optional[str] = None


@dataclass
class ErrorRow:
    """A record that could not be read or processed; it stays in the output so nothing is lost."""

    source: str
    reason: Reason
    message: str
    trial_id: Optional[str] = None
    line: Optional[int] = None
    offset: Optional[int] = None


# ---------------------------------------------------------------- JSON round-trip


def to_dict(obj: Any) -> Any:
    """Dataclass (nested) -> JSON-ready dict; enums become their values, None is kept."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, (list, tuple)):
        return [to_dict(x) for x in obj]
    return obj


@functools.lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _strip_optional(tp: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return tp, False


def _from(tp: Any, value: Any) -> Any:
    tp, _ = _strip_optional(tp)
    if value is None:
        return None
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(value)
    if typing.get_origin(tp) is list:
        (inner,) = typing.get_args(tp)
        return [_from(inner, v) for v in value]
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def from_dict(cls: type, data: dict[str, Any]):
    """dict -> dataclass `cls`; unknown keys are an error so that typos do not pass silently."""
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown field(s) {sorted(unknown)}")
    return cls(**{k: _from(hints[k], v) for k, v in data.items()})


def to_json(obj: Any) -> str:
    return json.dumps(to_dict(obj), ensure_ascii=False, sort_keys=False)


def record_from_json(line: str) -> Criterion | ErrorRow:
    """Parse one JSONL output line back into a Criterion or an ErrorRow."""
    data = json.loads(line)
    kind = data.pop("record", "criterion")
    if kind == "error":
        return from_dict(ErrorRow, data)
    return from_dict(Criterion, data)


# ---------------------------------------------------------------- flat rows (CSV / Parquet / pandas)


def _flat_fields(cls: type, prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for name, tp in _hints(cls).items():
        base, _ = _strip_optional(tp)
        if dataclasses.is_dataclass(base):
            out.extend(_flat_fields(base, f"{prefix}{name}_"))
        else:
            out.append((f"{prefix}{name}", base))
    return out


def flatten(obj: Any, prefix: str = "") -> dict[str, Any]:
    """One flat row: nested dataclasses become `parent_child` columns; lists become JSON text."""
    row: dict[str, Any] = {}
    cls = type(obj)
    for name, tp in _hints(cls).items():
        base, _ = _strip_optional(tp)
        value = getattr(obj, name) if obj is not None else None
        if dataclasses.is_dataclass(base):
            row.update(flatten_or_empty(base, value, f"{prefix}{name}_"))
        elif isinstance(value, enum.Enum):
            row[f"{prefix}{name}"] = value.value
        elif isinstance(value, list):
            row[f"{prefix}{name}"] = json.dumps(to_dict(value), ensure_ascii=False)
        else:
            row[f"{prefix}{name}"] = value
    return row


def flatten_or_empty(cls: type, value: Any, prefix: str) -> dict[str, Any]:
    if value is None:
        return {name: None for name, _ in _flat_fields(cls, prefix)}
    return flatten(value, prefix)


CRITERION_COLUMNS = [name for name, _ in _flat_fields(Criterion)]
ERROR_COLUMNS = [name for name, _ in _flat_fields(ErrorRow)]


def arrow_schema():
    """The flat Parquet schema of criterion rows (imported lazily: pyarrow is heavy)."""
    import pyarrow as pa

    mapping = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    fields = []
    for name, tp in _flat_fields(Criterion):
        if isinstance(tp, type) and issubclass(tp, enum.Enum):
            fields.append(pa.field(name, pa.string()))
        elif typing.get_origin(tp) is list:
            fields.append(pa.field(name, pa.string()))  # JSON text
        else:
            fields.append(pa.field(name, mapping[tp]))
    return pa.schema(fields)


# ---------------------------------------------------------------- JSON Schema


def _json_type(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    base, optional = _strip_optional(tp)
    if dataclasses.is_dataclass(base):
        _define(base, defs)
        schema: dict[str, Any] = {"$ref": f"#/$defs/{base.__name__}"}
    elif isinstance(base, type) and issubclass(base, enum.Enum):
        schema = {"type": "string", "enum": [m.value for m in base]}
    elif typing.get_origin(base) is list:
        (inner,) = typing.get_args(base)
        schema = {"type": "array", "items": _json_type(inner, defs)}
    else:
        schema = {
            str: {"type": "string"},
            int: {"type": "integer"},
            float: {"type": "number"},
            bool: {"type": "boolean"},
        }[base]
    if optional:
        return {"anyOf": [schema, {"type": "null"}]}
    return schema


def _define(cls: type, defs: dict[str, Any]) -> None:
    if cls.__name__ in defs:
        return
    defs[cls.__name__] = {}  # placeholder against recursion
    props = {}
    required = []
    for f in dataclasses.fields(cls):
        props[f.name] = _json_type(_hints(cls)[f.name], defs)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    defs[cls.__name__] = {
        "type": "object",
        "description": (cls.__doc__ or "").strip().splitlines()[0] if cls.__doc__ else "",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of one output line: a Criterion, or an ErrorRow with `record: error`."""
    defs: dict[str, Any] = {}
    _define(Criterion, defs)
    _define(ErrorRow, defs)
    defs["ErrorRow"]["properties"]["record"] = {"const": "error"}
    defs["ErrorRow"]["required"].append("record")
    defs["Criterion"]["properties"]["record"] = {"const": "criterion"}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"eligibility-pipeline/criterion/{SCHEMA_VERSION}",
        "title": "Computable eligibility criterion (one JSON Lines record)",
        "oneOf": [{"$ref": "#/$defs/Criterion"}, {"$ref": "#/$defs/ErrorRow"}],
        "$defs": defs,
    }
