"""pipeline.readers.ctgov_json: API v2 JSON (object, array, lines, pages, gz, zip), generic rows."""

from __future__ import annotations

import gzip
import json
import zipfile
from pathlib import Path

import pytest

from pipeline.readers import ctgov_json, read
from pipeline.schema import ErrorRow, Reason, Trial

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "readers"


def study(nct_id=None, criteria=None, *, title=None, **elig) -> dict:
    ident = {} if nct_id is None else {"nctId": nct_id}
    if title is not None:
        ident["briefTitle"] = title
    module = dict(elig)
    if criteria is not None:
        module["eligibilityCriteria"] = criteria
    return {
        "protocolSection": {"identificationModule": ident, "eligibilityModule": module},
        "hasResults": False,
    }


def records(path, **kw):
    return list(read(path, **kw))


def trials(recs):
    return [r for r in recs if isinstance(r, Trial)]


def errors(recs):
    return [r for r in recs if isinstance(r, ErrorRow)]


# ---------------------------------------------------------------- fixtures and fields


def test_ctgov_json_single_object_file_fields():
    path = FIXTURES / "study_v2.json"
    (t,) = records(path)
    assert t == Trial(
        trial_id="NCT09990001",
        source=str(path),
        criteria=json.loads(path.read_text())["protocolSection"]["eligibilityModule"][
            "eligibilityCriteria"
        ],
        minimum_age="18 Years",
        maximum_age="75 Years",
        sex="ALL",
        healthy_volunteers=False,
        title="Widget Therapy for Imaginary Syndrome in Adults",
    )
    assert t.criteria.endswith("breastfeeding  ")  # trailing spaces kept
    assert "\\>= 2.5" in t.criteria and "≤ 1" in t.criteria  # markdown escape and unicode kept


def test_ctgov_json_jsonl_sources_and_fields():
    path = FIXTURES / "studies_v2.jsonl"
    recs = records(path)
    assert [r.trial_id for r in recs] == ["NCT09990011", "NCT09990012", "NCT09990013"]
    assert [r.source for r in recs] == [f"{path}:line {n}" for n in (1, 2, 3)]
    assert [(r.sex, r.minimum_age, r.maximum_age, r.healthy_volunteers) for r in recs] == [
        ("FEMALE", "40 Years", None, True),
        ("MALE", "18 Years", "65 Years", None),
        ("ALL", None, None, None),
    ]


def test_ctgov_json_hint_rows():
    recs = records(FIXTURES / "hint_rows.jsonl")
    assert [r.trial_id for r in trials(recs)] == ["NCT09990021", "NCT09990022"]
    assert recs[0].criteria.startswith(
        "\n        Inclusion Criteria:\n\n          -  Histologically"
    )
    assert recs[0].criteria.endswith("therapy\n      ")


@pytest.mark.parametrize(
    "row, trial_id",
    [
        ({"nctid": "NCT1", "criteria": "x"}, "NCT1"),
        ({"nct_id": "NCT2", "eligibility_criteria": "x"}, "NCT2"),
        ({"trial_id": "T3", "text": "x"}, "T3"),
        ({"id": 4, "eligibilityCriteria": "x"}, "4"),
        ({"nctId": " NCT5 ", "criteria": "x", "gender": "Female", "minimum_age": "N/A"}, "NCT5"),
    ],
)
def test_ctgov_json_generic_rows(tmp_path, row, trial_id):
    p = tmp_path / "rows.jsonl"
    p.write_text(json.dumps(row) + "\n" + json.dumps(row) + "\n")
    recs = records(p)
    assert [r.trial_id for r in trials(recs)] == [trial_id, trial_id]
    assert recs[0].criteria == "x"
    assert recs[0].minimum_age is None


def test_ctgov_json_custom_keys(tmp_path):
    p = tmp_path / "rows.jsonl"
    p.write_text('{"study": "S-1", "elig": "Adults only"}\n{"study": "S-2", "elig": "Children"}\n')
    recs = records(p, id_column="study", text_column="elig")
    assert [(r.trial_id, r.criteria) for r in recs] == [("S-1", "Adults only"), ("S-2", "Children")]


def test_ctgov_json_criteria_kept_exactly(tmp_path):
    text = "\n  Inclusion Criteria:\r\n\r\n  * Age \\>= 18\t \n\n\u2265 2 prior lines \\&gt; x  \r"
    p = tmp_path / "one.json"
    p.write_text(
        json.dumps(study("NCT09990101", text), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    (t,) = records(p)
    assert t.criteria == text


# ---------------------------------------------------------------- layouts


def test_ctgov_json_array_items(tmp_path):
    studies = [study(f"NCT0999020{i}", f"criteria {i}", sex="FEMALE") for i in range(3)]
    p = tmp_path / "ctg-studies.json"
    p.write_text(json.dumps(studies, indent=1))
    recs = records(p)
    assert [r.trial_id for r in recs] == ["NCT09990200", "NCT09990201", "NCT09990202"]
    assert [r.source for r in recs] == [f"{p}:item {i}" for i in (1, 2, 3)]
    assert all(r.sex == "FEMALE" for r in recs)


@pytest.mark.parametrize("content", ["[]", " [ ] \n", "[\n]"])
def test_ctgov_json_empty_array(tmp_path, content):
    p = tmp_path / "empty.json"
    p.write_text(content)
    assert records(p) == []


@pytest.mark.parametrize("chunk", [5, 64, 1000, 1 << 20])
@pytest.mark.parametrize("indent", [None, 2])
def test_ctgov_json_array_streams_across_chunk_boundaries(tmp_path, monkeypatch, chunk, indent):
    """The window refills cut values (strings, numbers, escapes, literals) at every boundary."""
    monkeypatch.setattr("pipeline.readers._io.CHUNK", chunk)
    monkeypatch.setattr("pipeline.readers.ctgov_json.CHUNK", chunk)
    studies = []
    for i in range(40):
        s = study(
            f"NCT{9990300 + i:08d}",
            f'Inclusion:\n* é \\u00e9 ≥ {i}\n* "quoted" \\\\ x' * (i % 4 + 1),
        )
        s["extra"] = {
            "n": 12345.678e-3,
            "t": True,
            "f": False,
            "z": None,
            "list": [1, -2, "\\u0041"],
        }
        studies.append(s)
    p = tmp_path / "studies.json"
    p.write_text(json.dumps(studies, indent=indent, ensure_ascii=bool(indent)), encoding="utf-8")
    recs = records(p)
    assert not errors(recs)
    expected = [s["protocolSection"]["eligibilityModule"]["eligibilityCriteria"] for s in studies]
    assert [r.criteria for r in recs] == expected


def test_ctgov_json_array_window_stays_small(tmp_path, monkeypatch):
    """A large array is decoded item by item: the window never holds much more than one item."""
    monkeypatch.setattr("pipeline.readers._io.CHUNK", 4096)
    monkeypatch.setattr("pipeline.readers.ctgov_json.CHUNK", 4096)
    peak = []
    original = ctgov_json._Window.fill

    def fill(self, at_least=1):
        ok = original(self, at_least)
        peak.append(len(self.buf))
        return ok

    monkeypatch.setattr(ctgov_json._Window, "fill", fill)
    item = study("NCT09990400", "x" * 2000)
    p = tmp_path / "big.json"
    with p.open("w") as f:
        f.write("[" + ",".join(json.dumps(item) for _ in range(1000)) + "]")
    n = sum(1 for r in read(p) if isinstance(r, Trial))
    assert n == 1000
    assert p.stat().st_size > 2_000_000
    assert max(peak) < 4 * 4096 + 2 * len(json.dumps(item))


def test_ctgov_json_api_page(tmp_path):
    page = {
        "studies": [study("NCT09990501", "a"), study("NCT09990502", "b")],
        "nextPageToken": "abc",
    }
    p = tmp_path / "page.json"
    p.write_text(json.dumps(page))
    recs = records(p)
    assert [(r.trial_id, r.source) for r in recs] == [
        ("NCT09990501", f"{p}:item 1"),
        ("NCT09990502", f"{p}:item 2"),
    ]


def test_ctgov_json_concatenated_pretty_objects(tmp_path):
    p = tmp_path / "two.json"
    p.write_text(
        json.dumps(study("NCT09990601", "a"), indent=2)
        + "\n"
        + json.dumps(study("NCT09990602", "b"), indent=2)
    )
    recs = records(p)
    assert [r.trial_id for r in recs] == ["NCT09990601", "NCT09990602"]
    assert recs[0].source == f"{p}:line 1"
    assert recs[1].source.startswith(f"{p}:line ") and recs[1].source != recs[0].source


@pytest.mark.parametrize("name", ["one.json", "one.jsonl"])
def test_ctgov_json_one_line_file_source_is_path(tmp_path, name):
    p = tmp_path / name
    p.write_text(json.dumps(study("NCT09990701", "a")) + "\n")
    (t,) = records(p)
    assert t.source == str(p)


@pytest.mark.parametrize("opener", [gzip.open, open])
@pytest.mark.parametrize("name", ["s.jsonl.gz", "s.json.gz", "s.gz", "s.dat"])
def test_ctgov_json_gzip_and_names(tmp_path, opener, name):
    p = tmp_path / name
    with opener(p, "wb") as f:
        for i in range(3):
            f.write((json.dumps(study(f"NCT0999080{i}", f"c{i}")) + "\n").encode())
    recs = records(p, format="ctgov_json")
    assert [r.trial_id for r in recs] == ["NCT09990800", "NCT09990801", "NCT09990802"]
    assert recs[2].source == f"{p}:line 3"


def test_ctgov_json_bulk_zip(tmp_path):
    p = tmp_path / "ctg-studies.json.zip"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for i in (3, 1, 2):
            z.writestr(
                f"NCT0999090{i}.json",
                json.dumps(study(f"NCT0999090{i}", f"criteria {i}"), indent=2),
            )
        z.writestr("README.md", "not a study")
    recs = records(p)
    assert [(r.trial_id, r.source) for r in recs] == [
        (f"NCT0999090{i}", f"{p}!NCT0999090{i}.json") for i in (3, 1, 2)
    ]


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "line, reason, trial_id",
    [
        ('{"nctid": "NCT1", "criteria": ', Reason.MALFORMED_RECORD, None),
        ("not json at all", Reason.MALFORMED_RECORD, None),
        ('{"a": 1} {"b": 2}', Reason.MALFORMED_RECORD, None),
        ('["NCT1", "x"]', Reason.MALFORMED_RECORD, None),
        ('{"criteria": "x"}', Reason.MISSING_FIELD, None),
        ('{"nctid": "NCT1"}', Reason.MISSING_FIELD, "NCT1"),
        ('{"nctid": "NCT1", "criteria": null}', Reason.MISSING_FIELD, "NCT1"),
        ('{"nctid": "NCT1", "criteria": ""}', Reason.EMPTY_CRITERIA, "NCT1"),
        ('{"nctid": "NCT1", "criteria": " \\n\\t "}', Reason.EMPTY_CRITERIA, "NCT1"),
        ('{"nctid": "NCT1", "criteria": 42}', Reason.MALFORMED_RECORD, "NCT1"),
        ('{"nctid": ["NCT1"], "criteria": "x"}', Reason.MALFORMED_RECORD, None),
        (json.dumps(study(None, "x")), Reason.MISSING_FIELD, None),
        (json.dumps(study("NCT1", None)), Reason.MISSING_FIELD, "NCT1"),
        (json.dumps(study("NCT1", "")), Reason.EMPTY_CRITERIA, "NCT1"),
        ('{"protocolSection": []}', Reason.MALFORMED_RECORD, None),
    ],
)
def test_ctgov_json_bad_line_gives_error_row_and_reading_goes_on(tmp_path, line, reason, trial_id):
    good = json.dumps({"nctid": "NCT09991000", "criteria": "fine"})
    p = tmp_path / "rows.jsonl"
    p.write_text(f"{good}\n{line}\n{good}\n")
    recs = records(p)
    assert [type(r) for r in recs] == [Trial, ErrorRow, Trial]
    err = recs[1]
    assert (err.reason, err.line, err.trial_id, err.source) == (reason, 2, trial_id, str(p))


def test_ctgov_json_invalid_json_offset(tmp_path):
    p = tmp_path / "rows.jsonl"
    first = '{"nctid": "NCT1", "criteria": "é"}\n'
    p.write_text(first + '{"nctid": oops}\n', encoding="utf-8")
    err = records(p)[1]
    assert err.line == 2
    assert err.offset == len(first.encode()) + len('{"nctid": ')
    assert "line 2" in err.message


def test_ctgov_json_invalid_utf8_line(tmp_path):
    p = tmp_path / "rows.jsonl"
    first = b'{"nctid": "NCT1", "criteria": "a"}\n'
    bad = b'{"nctid": "NCT2", "criteria": "caf\xe9"}\n'
    p.write_bytes(first + bad + first)
    recs = records(p)
    assert [type(r) for r in recs] == [Trial, ErrorRow, Trial]
    err = recs[1]
    assert err.reason == Reason.ENCODING
    assert err.trial_id == "NCT2" and err.line == 2
    assert err.offset == len(first) + bad.index(b"\xe9")


def test_ctgov_json_explicit_encoding(tmp_path):
    p = tmp_path / "rows.jsonl"
    p.write_bytes('{"nctid": "NCT1", "criteria": "café – ≥"}\n'.encode("cp1252", "replace"))
    (err,) = records(p)
    assert err.reason == Reason.ENCODING
    (t,) = records(p, encoding="cp1252")
    assert t.criteria == "café – ?"


def test_ctgov_json_invalid_utf8_in_array_item(tmp_path):
    items = [json.dumps(study(f"NCT0999110{i}", "ok")).encode() for i in range(3)]
    items[1] = items[1].replace(b'"ok"', b'"\xff\xfe"')
    data = b"[" + b",\n".join(items) + b"]"
    p = tmp_path / "a.json"
    p.write_bytes(data)
    recs = records(p)
    assert [type(r) for r in recs] == [Trial, ErrorRow, Trial]
    assert recs[1].reason == Reason.ENCODING
    assert recs[1].trial_id == "NCT09991101"
    assert recs[1].offset == data.index(b"\xff")
    assert recs[1].line == 2


@pytest.mark.parametrize(
    "bom, encoding",
    [
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
    ],
)
@pytest.mark.parametrize("layout", ["object", "array", "lines"])
def test_ctgov_json_bom_encodings(tmp_path, bom, encoding, layout):
    s = study("NCT09991201", "Âge ≥ 18 — “adults”\r\n")
    text = {
        "object": json.dumps(s, ensure_ascii=False, indent=2),
        "array": json.dumps([s, s], ensure_ascii=False),
        "lines": json.dumps(s, ensure_ascii=False)
        + "\n"
        + json.dumps(s, ensure_ascii=False)
        + "\n",
    }[layout]
    p = tmp_path / "s.json"
    p.write_bytes(bom + text.encode(encoding))
    recs = records(p)
    assert recs and all(isinstance(r, Trial) for r in recs)
    assert all(r.criteria == "Âge ≥ 18 — “adults”\r\n" for r in recs)


@pytest.mark.parametrize(
    "content, n_trials, line",
    [
        (
            '[{"nctid": "A", "criteria": "x"}, {"nctid": "B", "criteria": "y"',
            1,
            1,
        ),  # truncated at EOF
        (
            '[{"nctid": "A", "criteria": "x"},\n {"nctid": "B" "criteria": "y"}]',
            1,
            2,
        ),  # missing ':'
        ('[{"nctid": "A", "criteria": "x"} {"nctid": "B", "criteria": "y"}]', 1, 1),  # missing ','
        ('[{"nctid": "A", "criteria": "x"}] trailing', 1, 1),
        ('{"nctid": "A", "criteria": "x"', 0, 1),
        ("", 0, None),
    ],
)
def test_ctgov_json_broken_document(tmp_path, content, n_trials, line):
    p = tmp_path / "broken.json"
    p.write_text(content)
    recs = records(p)
    assert len(trials(recs)) == n_trials
    (err,) = errors(recs)
    assert err.reason == Reason.MALFORMED_RECORD
    assert err.line == line
    assert recs[-1] is err


def test_ctgov_json_truncated_gzip(tmp_path):
    p = tmp_path / "s.jsonl.gz"
    lines = b"".join(
        (json.dumps(study(f"NCT{9991300 + i:08d}", "criteria " * 50)) + "\n").encode()
        for i in range(200)
    )
    data = gzip.compress(lines)
    p.write_bytes(data[: len(data) // 2])
    recs = records(p)
    assert len(trials(recs)) > 10
    assert isinstance(recs[-1], ErrorRow) and recs[-1].reason == Reason.UNREADABLE
    assert len(errors(recs)) == 1
    assert [r.trial_id for r in trials(recs)] == [
        f"NCT{9991300 + i:08d}" for i in range(len(trials(recs)))
    ]


def test_ctgov_json_deeply_nested_line(tmp_path):
    p = tmp_path / "deep.jsonl"
    p.write_text('{"nctid": "A", "criteria": "x"}\n' + "[" * 100000 + "]" * 100000 + "\n")
    recs = records(p)
    assert isinstance(recs[0], Trial)
    assert recs[1].reason == Reason.MALFORMED_RECORD and recs[1].line == 2


def test_ctgov_json_overlong_line_stops_with_error(tmp_path, monkeypatch):
    monkeypatch.setattr("pipeline.readers._io.MAX_LINE_BYTES", 200)
    p = tmp_path / "rows.jsonl"
    first = json.dumps({"nctid": "NCT1", "criteria": "short"}) + "\n"
    p.write_text(first + json.dumps({"nctid": "NCT2", "criteria": "x" * 1000}) + "\n" + first)
    recs = records(p)
    assert [type(r) for r in recs] == [Trial, ErrorRow]
    assert (recs[1].reason, recs[1].line, recs[1].offset) == (
        Reason.MALFORMED_RECORD,
        2,
        len(first),
    )
