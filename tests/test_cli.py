import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.schema import Criterion, ErrorRow, record_from_json

from .conftest import SEED

runner = CliRunner()


def _run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    return result


def test_cli_extract_seed_jsonl_round_trips(tmp_path):
    out = tmp_path / "seed.jsonl"
    res = _run("extract", SEED, "-o", out)
    assert res.exit_code == 0, res.output
    assert "1 ok, 0 errors" in res.output
    records = [record_from_json(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert records and all(isinstance(r, Criterion) for r in records)
    text = SEED.read_text(encoding="utf-8")
    for r in records:
        if r.start >= 0:
            assert text[r.start:r.end] == r.text
    manifest = [json.loads(x) for x in (tmp_path / "seed.jsonl.manifest.jsonl").read_text().splitlines()]
    assert manifest == [{"trial_id": "NCT04691349", "source": str(SEED), "status": "ok", "criteria": len(records)}]


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_cli_extract_flat_formats(tmp_path, suffix):
    out = tmp_path / f"seed{suffix}"
    assert _run("extract", SEED, "-o", out).exit_code == 0
    df = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert set(df["record"]) == {"criterion"}
    assert {"subject_name", "constraint_operator", "constraint_value", "polarity"} <= set(df.columns)
    assert "bilirubin.total" in set(df["subject_name"].dropna())


def test_cli_extract_show_prints_table(tmp_path):
    res = _run("extract", SEED, "-o", tmp_path / "s.jsonl", "--show")
    assert res.exit_code == 0
    assert "bilirubin.total" in res.output and "{ULN}" in res.output


def test_cli_extract_bad_records_become_error_rows(tmp_path):
    bad = tmp_path / "studies.jsonl"
    good = {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"},
                                "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n* Age >= 18 years"}}}
    bad.write_text(json.dumps(good) + "\n{not json\n" + json.dumps(good).replace("NCT00000001", "NCT00000002") + "\n")
    out = tmp_path / "out.jsonl"
    res = _run("extract", bad, "-o", out)
    assert res.exit_code == 0
    assert "3 records: 2 ok, 1 errors" in res.output
    recs = [record_from_json(x) for x in out.read_text().splitlines()]
    errors = [r for r in recs if isinstance(r, ErrorRow)]
    assert len(errors) == 1 and errors[0].line == 2 and str(bad) in errors[0].source
    assert {r.trial_id for r in recs if isinstance(r, Criterion)} == {"NCT00000001", "NCT00000002"}
    assert _run("extract", bad, "-o", out, "--strict").exit_code == 1


def test_cli_schema_prints_json_schema():
    res = _run("schema")
    assert res.exit_code == 0 and json.loads(res.output)["$defs"]["Criterion"]
