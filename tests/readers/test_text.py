"""pipeline.readers.text: one trial per plain text file, id from the file name."""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest

from pipeline.readers import read
from pipeline.schema import ErrorRow, Reason, Trial

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


def records(path, **kw):
    return list(read(path, **kw))


def test_text_fixture():
    path = FIXTURES / "NCT09990061.txt"
    (t,) = records(path)
    assert t == Trial(trial_id="NCT09990061", source=str(path), criteria=path.read_text())


@pytest.mark.parametrize(
    "content",
    [
        "Inclusion:\n- a\n",
        "\n\n  Inclusion:\r\n  -  a  \r\n",
        "no newline at end",
        "Âge ≥ 18 — “adults”\t\n\n",
    ],
)
def test_text_kept_exactly(tmp_path, content):
    p = tmp_path / "NCT09993001.txt"
    p.write_bytes(content.encode())
    (t,) = records(p)
    assert t.criteria == content


def test_text_directory_sorted(tmp_path):
    for name in ("b.txt", "a.txt", "c.TXT"):
        (tmp_path / name).write_text(f"criteria of {name}")
    (tmp_path / "notes.md").write_text("skip me")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.txt").write_text("nested")
    recs = records(tmp_path)
    assert [r.trial_id for r in recs] == ["a", "b", "c", "d"]
    assert recs[3].source == str(tmp_path / "sub" / "d.txt")


@pytest.mark.parametrize(
    "data, encoding, expected",
    [
        (b"\xef\xbb\xbfInclusion", None, "Inclusion"),
        ("\ufeffÂge ≥ 18".encode("utf-16-le"), None, "Âge ≥ 18"),
        ("\ufeffÂge ≥ 18".encode("utf-16-be"), None, "Âge ≥ 18"),
        ("\ufeffÂge".encode("utf-32-le"), None, "Âge"),
        ("Âge – 18".encode("cp1252"), "cp1252", "Âge – 18"),
        ("\ufeffÂge".encode("utf-8"), "utf-8", "Âge"),
    ],
)
def test_text_encodings(tmp_path, data, encoding, expected):
    p = tmp_path / "T1.txt"
    p.write_bytes(data)
    (t,) = records(p, encoding=encoding)
    assert t.criteria == expected


def test_text_invalid_utf8_is_an_error_not_a_guess(tmp_path):
    p = tmp_path / "NCT09993002.txt"
    data = b"Inclusion:\n- caf\xe9 au lait\n"
    p.write_bytes(data)
    (err,) = records(p)
    assert isinstance(err, ErrorRow)
    assert (err.reason, err.trial_id, err.offset, err.source) == (
        Reason.ENCODING,
        "NCT09993002",
        data.index(b"\xe9"),
        str(p),
    )
    assert "0xe9" in err.message


@pytest.mark.parametrize("content", [b"", b"   \n\r\n\t"])
def test_text_empty_file(tmp_path, content):
    p = tmp_path / "NCT09993003.txt"
    p.write_bytes(content)
    (err,) = records(p)
    assert (err.reason, err.trial_id) == (Reason.EMPTY_CRITERIA, "NCT09993003")


def test_text_gzip_and_zip(tmp_path):
    g = tmp_path / "NCT09993004.txt.gz"
    g.write_bytes(gzip.compress(b"gz criteria"))
    z = tmp_path / "texts.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("dir/NCT09993005.txt", "zip criteria")
    recs = records([g, z])
    assert [(r.trial_id, r.source, r.criteria) for r in recs] == [
        ("NCT09993004", str(g), "gz criteria"),
        ("NCT09993005", f"{z}!dir/NCT09993005.txt", "zip criteria"),
    ]


def test_text_oversized_file(tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.readers._io.MAX_FILE_BYTES", 100)
    p = tmp_path / "NCT09993006.txt"
    p.write_text("x" * 101)
    (err,) = records(p)
    assert (err.reason, err.trial_id) == (Reason.MALFORMED_RECORD, "NCT09993006")
