"""pipeline.readers on the real corpora in /work/shared (skipped when they are absent)."""

from __future__ import annotations

import functools
import gzip
import json
import re
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pipeline.readers import detect_format, read
from pipeline.schema import ErrorRow, Trial

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
CTGOV = SHARED / "corpora" / "ctgov"
SAMPLE = SHARED / "corpora" / "registry-sample"
NCT = re.compile(r"NCT\d{8}")

pytestmark = pytest.mark.shared


def need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"{path} not available")
    return path


@functools.cache
def read_all(path: Path) -> tuple:
    """Each real file is read once per session (the tests only look at the records)."""
    return tuple(read(path))


def gz_lines(path: Path) -> list[bytes]:
    with gzip.open(path, "rb") as f:
        return f.read().splitlines()


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("studies.jsonl.gz", "ctgov_json"),
        ("hint_criteria.jsonl.gz", "ctgov_json"),
        ("legacy_xml.tar.gz", "ctgov_xml"),
    ],
)
def test_real_corpora_detected(name, fmt):
    assert detect_format(need(CTGOV / name)) == fmt


def test_real_corpora_detected_registry_sample():
    assert detect_format(need(SAMPLE)) == "text"


@pytest.mark.parametrize(
    "name, count, text_of",
    [
        (
            "studies.jsonl.gz",
            1477,
            lambda o: o["protocolSection"]["eligibilityModule"]["eligibilityCriteria"],
        ),
        ("hint_criteria.jsonl.gz", 4785, lambda o: o["criteria"]),
    ],
)
def test_real_corpora_jsonl_every_line_is_a_trial(name, count, text_of):
    path = need(CTGOV / name)
    lines = gz_lines(path)
    assert len(lines) == count
    recs = read_all(path)
    assert len(recs) == count
    assert all(isinstance(r, Trial) for r in recs), [r for r in recs if isinstance(r, ErrorRow)][:3]
    for n, (rec, line) in enumerate(zip(recs, lines, strict=True), 1):
        obj = json.loads(line)
        assert NCT.fullmatch(rec.trial_id)
        assert rec.criteria == text_of(obj)  # exactly the source string
        assert rec.criteria.strip()
        assert rec.source == f"{path}:line {n}"


def test_real_corpora_api_v2_fields():
    path = need(CTGOV / "studies.jsonl.gz")
    recs = read_all(path)
    assert {r.sex for r in recs} <= {"ALL", "FEMALE", "MALE", None}
    assert {type(r.healthy_volunteers) for r in recs} <= {bool, type(None)}
    assert (
        sum(r.maximum_age is None for r in recs) == 643
    )  # README: maximumAge absent in 643 records
    assert sum(r.minimum_age is None for r in recs) == 61
    assert sum(r.healthy_volunteers is None for r in recs) == 38
    assert all(r.title for r in recs)


@pytest.mark.slow
def test_real_corpora_legacy_tar_all_trials():
    path = need(CTGOV / "legacy_xml.tar.gz")
    recs = list(read(path))
    errors = [r for r in recs if isinstance(r, ErrorRow)]
    assert errors == []
    assert len(recs) == 6989
    assert all(NCT.fullmatch(r.trial_id) for r in recs)
    assert all(
        r.source.startswith(f"{path}!") and r.source.endswith(f"{r.trial_id}.xml") for r in recs
    )
    assert {r.sex for r in recs} <= {"ALL", "FEMALE", "MALE", None}
    assert all(r.minimum_age != "N/A" and r.maximum_age != "N/A" for r in recs)
    assert {r.healthy_volunteers for r in recs} <= {True, False, None}
    crlf = sum("\r\n" in r.criteria for r in recs)
    assert 0.9 < crlf / len(recs) < 1.0  # README: 98% have &#xD; line ends, 153 files only "\n"


def test_real_corpora_legacy_tar_text_matches_plain_parser():
    """The first members' criteria equal what a plain ElementTree parse gives."""
    path = need(CTGOV / "legacy_xml.tar.gz")
    expected = {}
    with tarfile.open(path, "r|gz") as tf:
        for info in tf:
            if info.isfile() and info.name.endswith(".xml"):
                root = ET.fromstring(tf.extractfile(info).read())
                expected[root.findtext("id_info/nct_id")] = root.find(
                    "eligibility/criteria/textblock"
                ).text
                if len(expected) == 50:
                    break
    got = {}
    for rec in read(path):
        got[rec.trial_id] = rec.criteria
        if len(got) == 50:
            break
    assert got == expected


def test_real_corpora_registry_sample():
    path = need(SAMPLE)
    files = sorted(path.glob("*.txt"))
    recs = list(read(path))
    assert len(recs) == len(files) == 1198
    assert all(isinstance(r, Trial) for r in recs)
    for rec, f in zip(recs, files, strict=True):
        assert (rec.trial_id, rec.source) == (f.stem, str(f))
        assert rec.criteria == f.read_bytes().decode("utf-8")
