"""pipeline.readers.detect: format by name and by content; override by `format=`."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from pipeline.errors import InputError
from pipeline.readers import FORMATS, detect_format, read, sniff_format
from pipeline.schema import Reason

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"
AACT_HEADER = b"id|nct_id|gender|criteria\n1|NCT1|All|x\n"


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("a.json", b"{}", "ctgov_json"),
        ("a.jsonl", b'{"a": 1}\n', "ctgov_json"),
        ("a.ndjson", b"", "ctgov_json"),
        ("a.xml", b"<clinical_study/>", "ctgov_xml"),
        ("a.csv", b"id,criteria\n", "table"),
        ("a.tsv", b"id\tcriteria\n", "table"),
        ("NCT1.txt", b"Inclusion Criteria:\n- a | b\n", "text"),
        ("eligibilities.txt", AACT_HEADER, "aact"),
        ("other_name.txt", AACT_HEADER, "aact"),
        ("plain.txt", b"{not json, a text file}", "text"),
        # unknown names: sniffed
        ("data", b'  \n{"nctid": "x"}', "ctgov_json"),
        ("data", b"[\n]", "ctgov_json"),
        ("data", b'<?xml version="1.0"?><clinical_study/>', "ctgov_xml"),
        ("data", b"\xef\xbb\xbf<clinical_study/>", "ctgov_xml"),
        ("data", '\ufeff{"a": 1}'.encode("utf-16-le"), "ctgov_json"),
        ("data", AACT_HEADER, "aact"),
        ("data", b"nct_id,criteria,phase\n", "table"),
        ("data", b'"trial_id"\t"text"\n', "table"),
        ("data", b"Inclusion Criteria:\n* adults\n", "text"),
        ("data", b"", "text"),
    ],
)
def test_detect_by_name_and_content(tmp_path, name, content, expected):
    p = tmp_path / name
    p.write_bytes(content)
    assert detect_format(p) == expected
    assert detect_format(str(p)) == expected


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("a.jsonl.gz", b'{"a": 1}\n', "ctgov_json"),
        ("a.xml.gz", b"<x/>", "ctgov_xml"),
        ("a.csv.gz", b"id,criteria\n", "table"),
        ("a.gz", b"<clinical_study/>", "ctgov_xml"),
        ("a.gz", b'[{"a": 1}]', "ctgov_json"),
        ("eligibilities.txt.gz", AACT_HEADER, "aact"),
        ("mystery", b'{"a": 1}', "ctgov_json"),  # gzip magic without a .gz name
    ],
)
def test_detect_looks_inside_gzip(tmp_path, name, content, expected):
    p = tmp_path / name
    p.write_bytes(gzip.compress(content))
    assert detect_format(p) == expected


def _tar(path: Path, names: list[str]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for n in names:
            info = tarfile.TarInfo(n)
            info.size = 2
            tf.addfile(info, io.BytesIO(b"{}"))
    return path


def _zip(path: Path, names: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for n in names:
            z.writestr(n, "{}")
    return path


@pytest.mark.parametrize(
    "names, expected",
    [
        (["NCT1.json", "NCT2.json", "readme.md"], "ctgov_json"),
        (["a/NCT1.xml", "a/NCT2.xml", "b.json"], "ctgov_xml"),
        (["studies.txt", "eligibilities.txt", "conditions.txt"], "aact"),
        (["NCT1.txt", "NCT2.txt"], "text"),
        (["t.csv"], "table"),
    ],
)
@pytest.mark.parametrize("kind", ["zip", "tar", "dir"])
def test_detect_containers(tmp_path, names, expected, kind):
    if kind == "zip":
        p = _zip(tmp_path / "x.zip", names)
    elif kind == "tar":
        p = _tar(tmp_path / "x.tar.gz", names)
    else:
        p = tmp_path / "d"
        for n in names:
            (p / n).parent.mkdir(parents=True, exist_ok=True)
            (p / n).write_text("{}")
    assert detect_format(p) == expected


def test_detect_tar_without_known_names_defaults_to_xml(tmp_path):
    assert detect_format(_tar(tmp_path / "x.tgz", ["a/b", "c"])) == "ctgov_xml"


def test_detect_archive_by_magic_without_suffix(tmp_path):
    p = _zip(tmp_path / "download", ["NCT1.json"])
    assert detect_format(p) == "ctgov_json"


@pytest.mark.parametrize("make", ["missing", "empty_dir"])
def test_detect_unreadable_raises_input_error(tmp_path, make):
    p = tmp_path / "nothing"
    if make == "empty_dir":
        p.mkdir()
    with pytest.raises(InputError) as info:
        detect_format(p)
    assert info.value.reason == Reason.UNREADABLE


def test_detect_sniff_format_bytes():
    assert sniff_format(b"{") == "ctgov_json"
    assert sniff_format(b"{", txt=True) == "text"


@pytest.mark.parametrize(
    "format, expected_id",
    [(None, "NCT09990061"), ("text", "NCT09990061"), ("txt", "NCT09990061")],
)
def test_detect_override(format, expected_id):
    (t,) = read(FIXTURES / "NCT09990061.txt", format=format)
    assert t.trial_id == expected_id


def test_detect_override_wins_over_name(tmp_path):
    p = tmp_path / "rows.txt"
    p.write_text('{"nctid": "NCT1", "criteria": "x"}\n')
    (t,) = read(p)
    assert (t.trial_id, t.criteria) == ("rows", p.read_text())
    (t,) = read(p, format="json")
    assert (t.trial_id, t.criteria) == ("NCT1", "x")


def test_detect_formats_names():
    assert FORMATS == ("ctgov_json", "ctgov_xml", "aact", "table", "text")
