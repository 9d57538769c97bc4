"""pipeline.readers.aact: AACT eligibilities.txt (pipe-delimited, quoted multi-line criteria)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from pipeline.readers import read
from pipeline.schema import ErrorRow, Reason, Trial

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"
HEADER = (
    "id|nct_id|sampling_method|gender|minimum_age|maximum_age|healthy_volunteers|population"
    "|criteria|gender_description|gender_based\n"
)


def row(n, nct_id, criteria, gender="All", minimum="18 Years", maximum="N/A", healthy="No") -> str:
    return f"{n}|{nct_id}||{gender}|{minimum}|{maximum}|{healthy}||{criteria}||\n"


def write(path: Path, *rows: str, header: str = HEADER) -> Path:
    path.write_bytes((header + "".join(rows)).encode())
    return path


def records(path, **kw):
    return list(read(path, **kw))


def test_aact_fixture_rows():
    path = FIXTURES / "eligibilities.txt"
    recs = records(path)
    assert all(isinstance(r, Trial) for r in recs)
    assert [(r.trial_id, r.source) for r in recs] == [
        ("NCT09990041", f"{path}:line 2"),
        ("NCT09990042", f"{path}:line 9"),
        ("NCT09990043", f"{path}:line 10"),
    ]
    assert recs[0].criteria == (
        "Inclusion Criteria:\n\n  -  Adults with imaginary syndrome\n\n"
        'Exclusion Criteria:\n\n  -  Prior "widget" therapy | any dose'
    )
    assert (
        recs[2].criteria
        == "\n        Inclusion Criteria:\n          -  Children with gadget deficiency\n"
    )
    assert [(r.sex, r.minimum_age, r.maximum_age, r.healthy_volunteers) for r in recs] == [
        ("ALL", "18 Years", None, False),
        ("FEMALE", None, "65 Years", True),
        ("MALE", "6 Months", "17 Years", None),
    ]


@pytest.mark.parametrize(
    "healthy, value",
    [("No", False), ("Accepts Healthy Volunteers", True), ("t", True), ("f", False), ("", None)],
)
def test_aact_healthy_volunteers(tmp_path, healthy, value):
    (t,) = records(write(tmp_path / "eligibilities.txt", row(1, "NCT1", "x", healthy=healthy)))
    assert t.healthy_volunteers is value


def test_aact_crlf_inside_quoted_criteria_is_kept(tmp_path):
    p = tmp_path / "eligibilities.txt"
    p.write_bytes(
        HEADER.encode()
        + b'1|NCT1||All|||||"Inclusion:\r\n  - a  \r\n  - b"||\r\n2|NCT2||All|||||plain||\r\n'
    )
    recs = records(p)
    assert [r.criteria for r in recs] == ["Inclusion:\r\n  - a  \r\n  - b", "plain"]
    assert recs[1].source == f"{p}:line 5"


@pytest.mark.parametrize(
    "bad, reason, trial_id",
    [
        (
            row(2, "NCT2", "a | b"),
            Reason.MALFORMED_RECORD,
            "NCT2",
        ),  # unquoted pipe shifts the cells
        ("2|NCT2|x\n", Reason.MALFORMED_RECORD, "NCT2"),
        (row(2, "", "criteria"), Reason.MISSING_FIELD, None),
        (row(2, "NCT2", ""), Reason.EMPTY_CRITERIA, "NCT2"),
        (row(2, "NCT2", '"   "'), Reason.EMPTY_CRITERIA, "NCT2"),
    ],
)
def test_aact_bad_row(tmp_path, bad, reason, trial_id):
    p = write(tmp_path / "eligibilities.txt", row(1, "NCT1", "ok"), bad, row(3, "NCT3", "ok"))
    recs = records(p)
    assert [type(r) for r in recs] == [Trial, ErrorRow, Trial]
    assert (recs[1].reason, recs[1].trial_id, recs[1].line, recs[1].source) == (
        reason,
        trial_id,
        3,
        str(p),
    )


def test_aact_missing_criteria_column(tmp_path):
    p = write(tmp_path / "eligibilities.txt", "1|NCT1|All\n", header="id|nct_id|gender\n")
    (err,) = records(p, format="aact")
    assert (err.reason, err.line) == (Reason.MISSING_FIELD, 1)
    assert "criteria" in err.message


def test_aact_invalid_utf8_in_multiline_row(tmp_path):
    p = tmp_path / "eligibilities.txt"
    good = row(1, "NCT1", "ok").encode()
    bad = b'2|NCT2||All|||||"line one\nline caf\xe9"||\n'
    p.write_bytes(HEADER.encode() + good + bad + row(3, "NCT3", "ok").encode())
    recs = records(p)
    assert [type(r) for r in recs] == [Trial, ErrorRow, Trial]
    err = recs[1]
    assert (err.reason, err.trial_id, err.line) == (Reason.ENCODING, "NCT2", 3)
    assert err.offset == len(HEADER) + len(good) + bad.index(b"\xe9")
    assert recs[2].source == f"{p}:line 5"
    (t2,) = [r for r in records(p, encoding="cp1252") if r.trial_id == "NCT2"]
    assert t2.criteria == "line one\nline café"


def test_aact_export_zip_reads_only_eligibilities(tmp_path):
    p = tmp_path / "20240101_export.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("studies.txt", "nct_id|brief_title\nNCT1|A title\n")
        z.writestr("eligibilities.txt", HEADER + row(1, "NCT1", "Adults"))
        z.writestr("conditions.txt", "id|nct_id|name\n1|NCT1|x\n")
    recs = records(p)
    assert [(r.trial_id, r.source) for r in recs] == [("NCT1", f"{p}!eligibilities.txt:line 2")]


def test_aact_any_file_name_when_given_directly(tmp_path):
    p = write(tmp_path / "elig_2024.txt", row(1, "NCT1", "x"))
    assert [r.trial_id for r in records(p)] == ["NCT1"]
