"""Edge cases of a batch run (issue 9), as docs/robustness.md defines them: duplicate trial ids,
empty criteria, criteria that are only a header, a trial with 2,000 statements. The rule: every
input record is accounted for (criteria or an error row, and one manifest line), nothing is merged
or dropped silently, and --jobs 2 writes the bytes of --jobs 1."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline import Trial, extract_frame, extract_trial
from pipeline.batch import extract
from pipeline.check import CheckError, load_trial_criteria
from pipeline.cli import app

MANY = 2000


def _study(nct, criteria, **elig) -> str:
    return json.dumps({"protocolSection": {"identificationModule": {"nctId": nct},
                                           "eligibilityModule": {"eligibilityCriteria": criteria, **elig}}})


def _many(n: int) -> str:
    return "Inclusion Criteria:\n" + "".join(f"* Age >= {18 + i % 50} years\n" for i in range(n))


# (trial id, criteria, registry fields) of a.jsonl, line by line; b.jsonl holds NCT00000001 once more
A_LINES = [
    ("NCT00000001", "Inclusion Criteria:\n* Age >= 18 years", {}),
    ("NCT00000001", "Inclusion Criteria:\n* ANC >= 1500/uL", {}),  # the same id again, another text
    ("NCT00000002", "", {}),
    ("NCT00000003", " \n\t", {}),
    ("NCT00000004", "", {"minimumAge": "18 Years", "sex": "FEMALE"}),
    ("NCT00000005", "Inclusion Criteria:", {}),
    ("NCT00000006", "Inclusion Criteria:\n\nExclusion Criteria:\n", {}),
    ("NCT00000007", "Inclusion Criteria:", {"minimumAge": "18 Years", "sex": "FEMALE"}),
    ("NCT00000008", _many(MANY), {}),
]


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("edge")
    (d / "a.jsonl").write_text("".join(_study(t, c, **f) + "\n" for t, c, f in A_LINES), encoding="utf-8")
    (d / "b.jsonl").write_text(_study("NCT00000001", "Inclusion Criteria:\n* Age >= 21 years") + "\n", encoding="utf-8")
    return [d / "a.jsonl", d / "b.jsonl"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory, inputs):
    """{jobs: (output, manifest entries, output rows)}; parts of 3 records, so that the duplicates
    and the long trial fall into different parts."""
    out = {}
    for jobs in (1, 2):
        path = tmp_path_factory.mktemp(f"jobs{jobs}") / "out.jsonl"
        extract(inputs, path, jobs=jobs, part_size=3)
        manifest = path.with_name(path.name + ".manifest.jsonl")
        out[jobs] = (path, [json.loads(x) for x in manifest.read_text(encoding="utf-8").splitlines()],
                     [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()])
    return out


def _rows(rows, trial_id):
    return [r for r in rows if r["trial_id"] == trial_id]


def test_edge_cases_jobs_2_writes_the_bytes_of_jobs_1(runs):
    (a, _, _), (b, _, _) = runs[1], runs[2]
    assert a.read_bytes() == b.read_bytes()
    assert a.with_name(a.name + ".manifest.jsonl").read_bytes() == b.with_name(b.name + ".manifest.jsonl").read_bytes()


def test_edge_cases_every_input_record_has_one_manifest_line(runs):
    _, manifest, rows = runs[1]
    assert [m["trial_id"] for m in manifest] == [t for t, _, _ in A_LINES] + ["NCT00000001"]
    assert sum(m.get("criteria", 0) for m in manifest) == sum(r["record"] == "criterion" for r in rows)
    assert sum(m["status"] == "error" for m in manifest) == sum(r["record"] == "error" for r in rows)


def test_edge_cases_duplicate_ids_are_all_kept_in_input_order(runs):
    _, manifest, rows = runs[1]
    dups = [m for m in manifest if m["trial_id"] == "NCT00000001"]
    assert [(Path(m["source"]).name, m["status"], m["criteria"]) for m in dups] == [
        ("a.jsonl:line 1", "ok", 1), ("a.jsonl:line 2", "ok", 1), ("b.jsonl", "ok", 1)]
    got = [(r["subject"]["name"], r["constraint"]["value"]) for r in _rows(rows, "NCT00000001")]
    assert got == [("age", 18), ("anc", 1500), ("age", 21)]  # neither merged nor overwritten
    # the criterion ids come from the trial id and the position in its text: they repeat
    assert {r["criterion_id"] for r in _rows(rows, "NCT00000001")} == {"NCT00000001:inc:1:1"}


def test_edge_cases_check_refuses_a_trial_read_twice(runs, tmp_path):
    path, _, _ = runs[1]
    with pytest.raises(CheckError, match="3 records of trial NCT00000001"):
        load_trial_criteria(path, "NCT00000001")
    assert len(load_trial_criteria(path, "NCT00000008")) == MANY  # a trial read once is fine
    patient = tmp_path / "p.json"
    patient.write_text(json.dumps({"id": "P1", "birth_date": "1980-01-01", "sex": "female"}), encoding="utf-8")
    res = CliRunner().invoke(app, ["check", "--trial", str(path), "--patient", str(patient),
                                   "--trial-id", "NCT00000001"])
    assert res.exit_code == 2 and "read more than once" in res.stderr


@pytest.mark.parametrize("trial_id", ["NCT00000002", "NCT00000003", "NCT00000004"])
def test_edge_cases_empty_criteria_is_an_error_row(runs, trial_id):
    _, manifest, rows = runs[1]
    (entry,) = [m for m in manifest if m["trial_id"] == trial_id]
    assert (entry["status"], entry["reason"]) == ("error", "empty_criteria")
    # one error row and nothing else, registry fields (NCT00000004: minimum age, sex) included
    assert [(r["record"], r["reason"]) for r in _rows(rows, trial_id)] == [("error", "empty_criteria")]


def test_edge_cases_empty_criteria_in_the_library_and_frames():
    registry = {"minimum_age": "18 Years", "sex": "FEMALE"}
    sources = [c.source for c in extract_trial(Trial("T", "x", "", **registry))]
    assert sources == ["registry:minimum_age", "registry:sex"]
    frame = extract_frame(pd.DataFrame({"trial_id": ["T1", "T2"], "criteria": ["", "Inclusion Criteria:"]}))
    assert list(zip(frame["trial_id"], frame["record"], frame["error_reason"])) == [("T1", "error", "empty_criteria")]


@pytest.mark.parametrize("trial_id,sources", [
    ("NCT00000005", []), ("NCT00000006", []), ("NCT00000007", ["registry:minimum_age", "registry:sex"])])
def test_edge_cases_header_only_criteria_are_ok_with_no_text_criteria(runs, trial_id, sources):
    _, manifest, rows = runs[1]
    (entry,) = [m for m in manifest if m["trial_id"] == trial_id]
    assert (entry["status"], entry["criteria"]) == ("ok", len(sources))
    assert [r["source"] for r in _rows(rows, trial_id)] == sources


def test_edge_cases_cli_counts_records_with_no_criteria(inputs, tmp_path):
    res = CliRunner().invoke(app, ["extract", *map(str, inputs), "-o", str(tmp_path / "o.jsonl")])
    assert res.exit_code == 0
    assert res.stdout.startswith("read 10 records: 7 ok (2 with no criteria), 3 errors (empty_criteria: 3)")


def test_edge_cases_trial_with_2000_statements(runs):
    _, manifest, rows = runs[1]
    (entry,) = [m for m in manifest if m["trial_id"] == "NCT00000008"]
    assert entry["criteria"] == MANY
    many = _rows(rows, "NCT00000008")
    assert [r["item_path"] for r in many] == [str(i) for i in range(1, MANY + 1)]
    assert len({r["criterion_id"] for r in many}) == MANY
    assert [r["constraint"]["value"] for r in many] == [18 + i % 50 for i in range(MANY)]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_edge_cases_trial_with_2000_statements_in_every_format(tmp_path, fmt):
    src = tmp_path / "many.jsonl"
    src.write_text(_study("NCT00000008", _many(MANY)) + "\n", encoding="utf-8")
    out = tmp_path / f"out.{fmt}"
    extract([src], out)
    df = pd.read_csv(out) if fmt == "csv" else pd.read_parquet(out)
    assert len(df) == MANY and df["criterion_id"].is_unique
    assert df["constraint_value"].tolist() == [18 + i % 50 for i in range(MANY)]


def test_edge_cases_registry_age_of_400_digits_is_no_criterion():
    out = extract_trial(Trial("T", "x", "Inclusion Criteria:\n* Age >= 18 years", minimum_age="9" * 400 + " Years"))
    assert [c.source for c in out] == ["text"]  # was a minimum_age criterion with value inf ("Infinity" in JSON)
