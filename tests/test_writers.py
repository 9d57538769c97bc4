import json
import os

import pandas as pd
import pyarrow.dataset as ds
import pytest

from pipeline import Trial, extract_trial
from pipeline.schema import ErrorRow, Reason, record_from_json
from pipeline.writers import (
    FLAT_COLUMNS, concat_files, csv_header, encode, format_for, frame_dtypes, open_writer, replace_directory,
)

TEXT = "Inclusion Criteria:\n* Age 18-75 years\n* ANC >= 1.5 x 10^9/L\nExclusion Criteria:\n* Pregnant"


@pytest.fixture(scope="module")
def rows():
    out = extract_trial(Trial("NCT1", "x", TEXT, minimum_age="18 Years", sex="ALL"))
    return out + [ErrorRow("f.jsonl:line 3", Reason.MALFORMED_RECORD, "bad JSON: «x»", None, 3, 120)]


@pytest.mark.parametrize(
    "path,explicit,expected",
    [
        ("out.jsonl", None, "jsonl"),
        ("out.NDJSON", None, "jsonl"),
        ("out.csv", None, "csv"),
        ("out.parquet", None, "parquet"),
        ("out.txt", "csv", "csv"),
        ("out.txt", None, ValueError),
        ("out.jsonl", "xml", ValueError),
    ],
)
def test_writers_format_for(path, explicit, expected):
    if expected is ValueError:
        with pytest.raises(ValueError):
            format_for(path, explicit)
    else:
        assert format_for(path, explicit) == expected


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_writers_encoded_chunks_equal_streamed_records(tmp_path, rows, fmt):
    """Workers encode, the parent appends: the file must not depend on how records were chunked."""
    whole = tmp_path / f"whole.{fmt}"
    with open_writer(whole) as w:
        w.write(rows)
    parts = tmp_path / f"parts.{fmt}"
    with open_writer(parts) as w:
        for i in range(0, len(rows), 2):
            w.write_encoded(encode(rows[i:i + 2], fmt))
    assert whole.read_bytes() == parts.read_bytes()
    if fmt == "csv":
        assert whole.read_bytes().decode("utf-8").startswith(csv_header())
        assert pd.read_csv(whole).shape == (len(rows), len(FLAT_COLUMNS))
    else:
        assert [record_from_json(x) for x in whole.read_text(encoding="utf-8").splitlines()] == rows


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_writers_abort_leaves_no_file(tmp_path, rows, fmt):
    target = tmp_path / f"out.{fmt}"
    with pytest.raises(RuntimeError):
        with open_writer(target) as w:
            w.write(rows)
            raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_writers_close_replaces_target_with_normal_permissions(tmp_path, rows, fmt):
    target = tmp_path / f"out.{fmt}"
    target.write_text("old")
    with open_writer(target) as w:
        w.write(rows)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
    assert target.read_bytes() != b"old"


def test_writers_concat_files_keeps_order_and_header(tmp_path):
    parts = []
    for i in range(3):
        p = tmp_path / f"p{i}"
        p.write_bytes(f"line {i}\n".encode())
        parts.append(p)
    concat_files(parts, tmp_path / "out.csv", header="h\n")
    assert (tmp_path / "out.csv").read_text() == "h\nline 0\nline 1\nline 2\n"
    concat_files([], tmp_path / "empty.jsonl")
    assert (tmp_path / "empty.jsonl").read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_writers_parquet_parts_read_as_one_dataset(tmp_path, rows):
    staging = tmp_path / "staging"
    files = []
    for i, chunk in enumerate([rows[:3], rows[3:], []]):
        f = staging / f"part-{i:06d}.parquet"
        with open_writer(f) as w:
            w.write(chunk)
        files.append(f)
    dest = tmp_path / "out.parquet"
    dest.mkdir()
    (dest / "part-000009.parquet").write_bytes(b"stale part of an older run")
    replace_directory(files, dest)
    assert sorted(p.name for p in dest.iterdir()) == [f.name for f in files]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet", "staging"]
    df = pd.read_parquet(dest)
    assert list(df.columns) == FLAT_COLUMNS and len(df) == len(rows)
    dataset = ds.dataset(dest, format="parquet")
    assert dataset.count_rows() == len(rows)
    assert dataset.to_table().column("record").to_pylist().count("error") == 1
    errors = df[df.record == "error"]
    assert errors.error_message.tolist() == ["bad JSON: «x»"] and errors.error_offset.tolist() == [120]


def test_writers_frame_dtypes_cover_every_flat_column():
    dtypes = frame_dtypes()
    assert list(dtypes) == FLAT_COLUMNS
    assert set(dtypes.values()) == {"string", "Int64", "float64", "boolean"}
    assert dtypes["start"] == "Int64" and dtypes["constraint_value"] == "float64" and dtypes["negated"] == "boolean"
    assert json.loads(json.dumps(dtypes)) == dtypes


def test_writers_fast_rows_equal_schema_conversions(rows, seed_criteria):
    from pipeline.schema import flatten, to_dict
    from pipeline.writers import flat_row, record_dict

    from .test_schema import _full_criterion

    for rec in rows + seed_criteria + [_full_criterion()]:
        expected = to_dict(rec)
        expected["record"] = "error" if isinstance(rec, ErrorRow) else "criterion"
        assert json.dumps(record_dict(rec)) == json.dumps(expected)
        if not isinstance(rec, ErrorRow):
            flat = flat_row(rec)
            assert list(flat) == FLAT_COLUMNS
            assert {k: flat[k] for k in flatten(rec)} == flatten(rec)
