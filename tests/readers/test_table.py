"""pipeline.readers.table: CSV / TSV with id and criteria columns."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from pipeline.readers import read
from pipeline.schema import ErrorRow, Reason, Trial

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


def csv_text(rows, delimiter=",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def records(path, **kw):
    return list(read(path, **kw))


def test_table_csv_fixture():
    path = FIXTURES / "trials.csv"
    recs = records(path)
    assert [(r.trial_id, r.source, r.title, r.sex) for r in recs] == [
        ("T-001", f"{path}:line 2", "Doohickey pilot", "ALL"),
        ("T-002", f"{path}:line 5", "Thingamajig trial", "FEMALE"),
    ]
    assert (
        recs[0].criteria
        == 'Inclusion Criteria:\n- Age >= 18 years\n- Signed "informed" consent, if applicable'
    )


def test_table_tsv_fixture():
    path = FIXTURES / "trials.tsv"
    recs = records(path)
    assert [(r.trial_id, r.criteria, r.minimum_age) for r in recs] == [
        ("NCT09990051", "Inclusion Criteria:\n* BMI 18.5 to 30 kg/m2", "21 Years"),
        ("NCT09990052", "Exclusion: none listed", None),
    ]


@pytest.mark.parametrize(
    "id_name, text_name",
    [
        ("nct_id", "criteria"),
        ("nctid", "eligibility_criteria"),
        ("trial_id", "eligibilityCriteria"),
        ("id", "text"),
        ("NCT_ID", "Criteria"),
    ],
)
@pytest.mark.parametrize("ext, delimiter", [(".csv", ","), (".tsv", "\t"), (".dat", ";")])
def test_table_default_columns(tmp_path, id_name, text_name, ext, delimiter):
    p = tmp_path / f"t{ext}"
    p.write_text(
        csv_text(
            [["x", id_name, text_name], ["1", "A-1", "Adults, 18+\n* Age ≥ 18"], ["2", "A-2", "b"]],
            delimiter,
        )
    )
    recs = records(p, format="table")
    assert [(r.trial_id, r.criteria) for r in recs] == [
        ("A-1", "Adults, 18+\n* Age ≥ 18"),
        ("A-2", "b"),
    ]


def test_table_chosen_columns(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(csv_text([["id", "study", "criteria", "elig"], ["1", "S-1", "wrong", "right"]]))
    (t,) = records(p, id_column="study", text_column="elig")
    assert (t.trial_id, t.criteria) == ("S-1", "right")


def test_table_missing_chosen_column(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(csv_text([["id", "criteria"], ["1", "x"]]))
    (err,) = records(p, text_column="elig")
    assert (err.reason, err.line) == (Reason.MISSING_FIELD, 1)
    assert "elig" in err.message


def test_table_crlf_and_quotes_kept(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(b'id,criteria\r\nA,"line 1\r\n  line 2 ""q""  "\r\nB,"x,y"\r\n')
    recs = records(p)
    assert [r.criteria for r in recs] == ['line 1\r\n  line 2 "q"  ', "x,y"]
    assert [r.source for r in recs] == [f"{p}:line 2", f"{p}:line 4"]


@pytest.mark.parametrize(
    "bad, reason, trial_id",
    [
        ("B,x,extra\n", Reason.MALFORMED_RECORD, "B"),
        ("B\n", Reason.MALFORMED_RECORD, "B"),
        (",x\n", Reason.MISSING_FIELD, None),
        ('B,""\n', Reason.EMPTY_CRITERIA, "B"),
    ],
)
def test_table_bad_row(tmp_path, bad, reason, trial_id):
    p = tmp_path / "t.csv"
    p.write_text(f"id,criteria\nA,ok\n{bad}C,ok\n")
    recs = records(p)
    assert [type(r) for r in recs] == [Trial, ErrorRow, Trial]
    assert (recs[1].reason, recs[1].trial_id, recs[1].line) == (reason, trial_id, 3)
    assert recs[2].source == f"{p}:line 4"


def test_table_blank_lines_skipped(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("id,criteria\n\nA,ok\n\n\nB,ok\n")
    assert [r.source for r in records(p)] == [f"{p}:line 3", f"{p}:line 6"]


@pytest.mark.parametrize(
    "encoding, bom",
    [("utf-8", b"\xef\xbb\xbf"), ("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff")],
)
def test_table_bom(tmp_path, encoding, bom):
    p = tmp_path / "t.csv"
    p.write_bytes(bom + 'nct_id,criteria\r\nNCT1,"Âge ≥ 18\r\nok"\r\n'.encode(encoding))
    (t,) = records(p)
    assert (t.trial_id, t.criteria, t.source) == ("NCT1", "Âge ≥ 18\r\nok", f"{p}:line 2")


def test_table_invalid_utf8(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(b"id,criteria\nA,caf\xe9\nB,ok\n")
    recs = records(p)
    assert [type(r) for r in recs] == [ErrorRow, Trial]
    assert (recs[0].reason, recs[0].trial_id, recs[0].offset, recs[0].line) == (
        Reason.ENCODING,
        "A",
        17,
        2,
    )
    assert records(p, encoding="cp1252")[0].criteria == "café"


def test_table_tsv_format_alias_forces_tab(tmp_path):
    p = tmp_path / "t.txt"
    p.write_text("id\tcriteria\nA\thas, commas\n")
    (t,) = records(p, format="tsv")
    assert t.criteria == "has, commas"


@pytest.mark.parametrize("content", ["", "\n"])
def test_table_empty_file(tmp_path, content):
    p = tmp_path / "t.csv"
    p.write_text(content)
    recs = records(p)
    assert len(recs) == 1 and recs[0].reason in (Reason.MALFORMED_RECORD, Reason.MISSING_FIELD)
