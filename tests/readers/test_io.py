"""pipeline.readers._io: decoding rule, line splitting, field normalization, record building."""

from __future__ import annotations

import io

import pytest

from pipeline.errors import InputError
from pipeline.readers._io import (
    decode_bytes,
    iter_lines,
    make_trial,
    norm_age,
    norm_healthy,
    norm_sex,
    sniff_bom,
    stem_of,
    suffix_of,
)
from pipeline.schema import ErrorRow, Reason, Trial


@pytest.mark.parametrize(
    "value, expected",
    [
        ("ALL", "ALL"),
        ("All", "ALL"),
        ("Both", "ALL"),
        ("female", "FEMALE"),
        ("Male", "MALE"),
        (" MALE ", "MALE"),
        ("", None),
        ("N/A", None),
        (None, None),
        ("Intersex", "Intersex"),
    ],
)
def test_io_norm_sex(value, expected):
    assert norm_sex(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("18 Years", "18 Years"),
        (" 6 Months ", "6 Months"),
        ("N/A", None),
        ("", None),
        (None, None),
        (18, "18"),
    ],
)
def test_io_norm_age(value, expected):
    assert norm_age(value) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, True),
        (False, False),
        ("Accepts Healthy Volunteers", True),
        ("No", False),
        ("t", True),
        ("f", False),
        ("yes", True),
        ("", None),
        (None, None),
        ("maybe", None),
    ],
)
def test_io_norm_healthy(value, expected):
    assert norm_healthy(value) is expected


@pytest.mark.parametrize(
    "data, text",
    [
        (b"abc", "abc"),
        (b"\xef\xbb\xbfabc", "abc"),
        (b"\xff\xfea\x00", "a"),
        (b"\xfe\xff\x00a", "a"),
        ("é≥".encode(), "é≥"),
        (b"\xef\xbb\xbf\xef\xbb\xbfx", "\ufeffx"),
    ],
)
def test_io_decode_bytes(data, text):
    assert decode_bytes(data) == text


@pytest.mark.parametrize(
    "data, offset", [(b"ab\xe9cd", 2), (b"\xef\xbb\xbfab\xff", 5), (b"ok \xc3(", 3)]
)
def test_io_decode_bytes_reports_first_bad_byte(data, offset):
    with pytest.raises(InputError) as info:
        decode_bytes(data, source="s", record="R")
    err = info.value
    assert (err.reason, err.offset, err.source, err.record) == (Reason.ENCODING, offset, "s", "R")


def test_io_decode_bytes_explicit_encoding():
    assert decode_bytes("café".encode("cp1252"), "cp1252") == "café"
    with pytest.raises(InputError):
        decode_bytes(b"\x81", "cp1252")  # undefined in cp1252


@pytest.mark.parametrize(
    "head, codec",
    [
        (b"\xef\xbb\xbf{", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\xff\xfe{\x00", "utf-16-le"),
        (b"{", None),
    ],
)
def test_io_sniff_bom(head, codec):
    assert sniff_bom(head)[0] == codec


def test_io_iter_lines_offsets_and_bad_bytes():
    data = b"\xef\xbb\xbfone\r\ntw\xe9o\nthree"
    lines = list(iter_lines(io.BytesIO(data)))
    assert [(ln.number, ln.offset, ln.bad) for ln in lines] == [
        (1, 3, None),
        (2, 8, 10),
        (3, 13, None),
    ]
    assert [ln.text for ln in lines] == ["one\r\n", "tw\udce9o\n", "three"]


def test_io_iter_lines_utf16():
    data = b"\xff\xfe" + "a\r\nb\nc".encode("utf-16-le")
    assert [ln.text for ln in iter_lines(io.BytesIO(data))] == ["a\r\n", "b\n", "c"]


@pytest.mark.parametrize(
    "trial_id, criteria, reason",
    [
        (None, "x", Reason.MISSING_FIELD),
        ("  ", "x", Reason.MISSING_FIELD),
        ("T", None, Reason.MISSING_FIELD),
        ("T", "", Reason.EMPTY_CRITERIA),
        ("T", " \r\n", Reason.EMPTY_CRITERIA),
        ("T", 3, Reason.MALFORMED_RECORD),
        ({"a": 1}, "x", Reason.MALFORMED_RECORD),
        ("T", "bad \udce9", Reason.ENCODING),
        (None, None, Reason.MISSING_FIELD),
    ],
)
def test_io_make_trial_errors(trial_id, criteria, reason):
    rec = make_trial(
        source="s:line 2", error_source="s", trial_id=trial_id, criteria=criteria, line=2
    )
    assert isinstance(rec, ErrorRow)
    assert (rec.reason, rec.source, rec.line) == (reason, "s", 2)


def test_io_make_trial_keeps_text():
    rec = make_trial(
        source="s",
        error_source="s",
        trial_id=" T1 ",
        criteria="  x \r\n",
        sex="Both",
        minimum_age="N/A",
    )
    assert rec == Trial(trial_id="T1", source="s", criteria="  x \r\n", sex="ALL")


@pytest.mark.parametrize(
    "name, suffix, stem",
    [
        ("a/NCT1.XML.gz", ".xml", "NCT1"),
        ("NCT1.txt", ".txt", "NCT1"),
        ("x.jsonl.bz2", ".jsonl", "x"),
        ("dir\\N.txt", ".txt", "N"),
    ],
)
def test_io_names(name, suffix, stem):
    assert (suffix_of(name), stem_of(name)) == (suffix, stem)
