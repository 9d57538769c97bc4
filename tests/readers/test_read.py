"""pipeline.readers (package API): read() over several paths, archives, errors, read_frame()."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from pipeline.readers import read, read_frame
from pipeline.schema import ErrorRow, Reason, Trial

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


def test_read_several_paths_in_order():
    names = [
        "study_v2.json",
        "legacy_study.xml",
        "eligibilities.txt",
        "trials.csv",
        "NCT09990061.txt",
    ]
    recs = list(read([FIXTURES / n for n in names]))
    assert all(isinstance(r, Trial) for r in recs)
    assert [r.trial_id for r in recs] == [
        "NCT09990001",
        "NCT09990031",
        "NCT09990041",
        "NCT09990042",
        "NCT09990043",
        "T-001",
        "T-002",
        "NCT09990061",
    ]


def test_read_is_lazy_and_accepts_one_path():
    it = read(str(FIXTURES / "studies_v2.jsonl"))
    assert next(it).trial_id == "NCT09990011"


def test_read_missing_path_is_an_error_row_and_reading_goes_on(tmp_path):
    missing = tmp_path / "nope.json"
    recs = list(read([missing, FIXTURES / "study_v2.json"]))
    assert [type(r) for r in recs] == [ErrorRow, Trial]
    assert (recs[0].reason, recs[0].source) == (Reason.UNREADABLE, str(missing))
    recs = list(read([missing], format="ctgov_json"))
    assert [(r.reason, r.source) for r in recs] == [(Reason.UNREADABLE, str(missing))]


@pytest.mark.parametrize("kwargs", [{"format": "yaml"}, {"encoding": "no-such-codec"}])
def test_read_caller_errors_raise_at_once(kwargs):
    with pytest.raises(ValueError):
        read(FIXTURES / "study_v2.json", **kwargs)


def _zip_of_studies(n: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(n):
            z.writestr(
                f"NCT{9994000 + i:08d}.json",
                json.dumps({"nctid": f"NCT{9994000 + i:08d}", "criteria": f"{i} " * 400}),
            )
    return buf.getvalue()


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.95])
def test_read_truncated_zip_yields_members_before_the_damage(tmp_path, fraction):
    data = _zip_of_studies(20)
    p = tmp_path / "bulk.zip"
    p.write_bytes(data[: int(len(data) * fraction)])
    recs = list(read(p))
    trials = [r for r in recs if isinstance(r, Trial)]
    assert len(trials) >= 1
    assert [t.trial_id for t in trials] == [f"NCT{9994000 + i:08d}" for i in range(len(trials))]
    assert trials[0].source == f"{p}!NCT09994000.json"
    assert isinstance(recs[-1], ErrorRow) and recs[-1].reason == Reason.UNREADABLE
    assert len(recs) == len(trials) + 1


def test_read_zip_with_data_descriptors_without_central_directory(tmp_path):
    buf = io.BytesIO()

    class NoSeek(io.RawIOBase):  # forces zipfile to write data descriptors (flag bit 3)
        def writable(self):
            return True

        def write(self, b):
            return buf.write(b)

    with zipfile.ZipFile(NoSeek(), "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(3):
            z.writestr(
                f"NCT{9994100 + i:08d}.json",
                json.dumps({"nctid": f"NCT{9994100 + i:08d}", "criteria": "x"}),
            )
    data = buf.getvalue()
    p = tmp_path / "stream.zip"
    p.write_bytes(data[: data.index(b"PK\x01\x02")])  # drop the central directory
    recs = list(read(p))
    assert [r.trial_id for r in recs[:-1]] == [f"NCT{9994100 + i:08d}" for i in range(3)]
    assert all(isinstance(r, Trial) for r in recs[:-1])
    assert (recs[-1].reason, recs[-1].source) == (Reason.UNREADABLE, str(p))
    assert "central directory" in recs[-1].message


@pytest.mark.parametrize("content", [b"not a zip at all", b"PK\x03\x04garbage", b""])
def test_read_corrupt_zip(tmp_path, content):
    p = tmp_path / "bad.zip"
    p.write_bytes(content)
    recs = list(read(p, format="ctgov_json"))
    assert all(isinstance(r, ErrorRow) for r in recs)
    if content:
        assert recs and recs[-1].reason == Reason.UNREADABLE


def test_read_frame_columns_and_rows(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"nctid": "NCT1", "criteria": ""}\nnot json\n')
    frame = read_frame([FIXTURES / "studies_v2.jsonl", bad])
    assert list(frame.columns) == [
        "trial_id",
        "source",
        "criteria",
        "minimum_age",
        "maximum_age",
        "sex",
        "healthy_volunteers",
        "title",
        "record",
        "reason",
        "message",
        "line",
        "offset",
    ]
    assert list(frame["record"]) == ["trial", "trial", "trial", "error", "error"]
    assert list(frame["reason"].iloc[3:]) == ["empty_criteria", "malformed_record"]
    assert frame["trial_id"].iloc[3] == "NCT1"
    assert list(frame["line"].iloc[3:]) == [1, 2]
    assert str(frame["healthy_volunteers"].dtype) == "boolean"
    assert str(frame["line"].dtype) == "Int64"
    assert frame["criteria"].iloc[0].startswith("Inclusion Criteria:\n\n* Women")


def test_read_frame_empty():
    frame = read_frame([])
    assert len(frame) == 0 and "record" in frame.columns


@pytest.mark.parametrize("kind", ["dir", "zip"])
def test_read_container_without_matching_files_says_so(tmp_path, kind):
    if kind == "dir":
        p = tmp_path / "d"
        p.mkdir()
        (p / "NCT1.json").write_text("{}")
    else:
        p = tmp_path / "x.zip"
        with zipfile.ZipFile(p, "w") as z:
            z.writestr("NCT1.json", "{}")
    (err,) = read(p, format="ctgov_xml")
    assert (err.reason, err.source) == (Reason.UNREADABLE, str(p))


def test_read_mixed_directory_reads_each_file_in_its_format(tmp_path):
    d = tmp_path / "data"
    d.mkdir()
    (d / "a.xml").write_bytes((FIXTURES / "legacy_study.xml").read_bytes())
    (d / "b.json").write_bytes((FIXTURES / "study_v2.json").read_bytes())
    (d / "c.csv").write_bytes((FIXTURES / "trials.csv").read_bytes())
    (d / "README.txt").write_text("Notes about this folder, not a trial.")
    with zipfile.ZipFile(d / "d.zip", "w") as z:
        z.writestr("NCT09994201.json", json.dumps({"nctid": "NCT09994201", "criteria": "zipped"}))
        z.writestr("NCT09994202.xml", (FIXTURES / "legacy_study.xml").read_text())
    recs = list(read(d))
    assert all(isinstance(r, Trial) for r in recs)
    assert [r.trial_id for r in recs] == [
        "NCT09990031",
        "NCT09990001",
        "T-001",
        "T-002",
        "NCT09994201",
        "NCT09990031",
    ]
    assert recs[4].source == f"{d / 'd.zip'}!NCT09994201.json"


def test_read_text_directory_reads_every_txt(tmp_path):
    for i in range(3):
        (tmp_path / f"NCT0999430{i}.txt").write_text(f"criteria {i}")
    (tmp_path / "extra.json").write_text('{"nctid": "NCT09994309", "criteria": "json"}')
    recs = list(read(tmp_path))
    assert [r.trial_id for r in recs] == [
        "NCT09994300",
        "NCT09994301",
        "NCT09994302",
        "NCT09994309",
    ]


def test_read_aact_export_directory_reads_only_eligibilities(tmp_path):
    (tmp_path / "studies.txt").write_text("nct_id|brief_title\nNCT1|T\n")
    (tmp_path / "eligibilities.txt").write_text("id|nct_id|criteria\n1|NCT1|Adults\n")
    recs = list(read(tmp_path))
    assert [(r.trial_id, r.criteria) for r in recs] == [("NCT1", "Adults")]
