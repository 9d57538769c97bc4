import json

import pytest

from pipeline.schema import (
    CRITERION_COLUMNS, Constraint, Criterion, ErrorRow, Logic, LogicOp, Operator, Reason, Section, Span,
    Subject, Temporal, flatten, from_dict, json_schema, record_from_json, to_dict,
)
from pipeline.writers import record_dict

from .conftest import ROOT


def _full_criterion() -> Criterion:
    return Criterion(
        criterion_id="NCT1:inc:5.1:4", trial_id="NCT1", section=Section.INCLUSION, text="ALT and AST≤2.5×ULN",
        start=10, end=29, item_text="ALT and AST≤2.5×ULN", item_path="5.1", lead_in="Organ function:",
        subject=Subject("AST", 18, 21, "ast", None, "lab"),
        constraint=Constraint(Operator.LE, "≤2.5×ULN", 21, 29, value=2.5, unit="×ULN", unit_normalized="{ULN}",
                              operator_span=Span("≤", 21, 22), value_span=Span("2.5", 22, 25)),
        temporal=Temporal("within", "within 7 days", 0, 5, amount=7, unit="day", anchor="screening"),
        negated=True, negation_cue=Span("no", 0, 2), logic=Logic("inclusion-5.1", LogicOp.OR),
        exceptions=[Span("basal cell carcinoma", 3, 9)], computable=True, flags=["x"],
    )


def test_schema_criterion_json_round_trip():
    c = _full_criterion()
    line = json.dumps(record_dict(c), ensure_ascii=False)
    assert record_from_json(line) == c


def test_schema_error_row_round_trip():
    e = ErrorRow("file.jsonl", Reason.MALFORMED_RECORD, "invalid JSON", None, line=3)
    assert record_from_json(json.dumps(record_dict(e))) == e


def test_schema_from_dict_rejects_unknown_keys():
    d = to_dict(_full_criterion())
    d["subjcet"] = None
    with pytest.raises(ValueError, match="subjcet"):
        from_dict(Criterion, d)


def test_schema_flatten_has_every_column():
    row = flatten(_full_criterion())
    assert list(row) == CRITERION_COLUMNS
    assert row["constraint_value"] == 2.5 and row["subject_name"] == "ast" and row["logic_op"] == "OR"


def test_schema_published_json_schema_is_current():
    committed = json.loads((ROOT / "docs" / "criterion.schema.json").read_text(encoding="utf-8"))
    assert committed == json_schema(), "run `eligibility schema -o docs/criterion.schema.json`"


def test_schema_json_schema_describes_records():
    schema = json_schema()
    crit = schema["$defs"]["Criterion"]
    assert set(to_dict(_full_criterion())) <= set(crit["properties"])
    assert crit["properties"]["section"]["enum"] == ["inclusion", "exclusion", "unknown"]
