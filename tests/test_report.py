"""`eligibility report`: reading the three output formats, the summary tables, the limits of the
eligible range, the written report (HTML, Markdown, PNG, CSV), the CLI, and its speed.

The batch is the invented trials of tests/fixtures/view/ run through the pipeline here.
"""

from __future__ import annotations

import math
import re
import time

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from pipeline import extract
from pipeline.report import (
    COLUMNS,
    PLOTS,
    limits,
    load_frame,
    report,
    report_cli,
    summarize,
    threshold_table,
    to_common_unit,
)

from .conftest import ROOT

FIXTURES = ROOT / "tests" / "fixtures" / "view"
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """{suffix: path} of the fixture batch written as JSONL, CSV and Parquet."""
    folder = tmp_path_factory.mktemp("report-batch")
    paths = {}
    for suffix in ("jsonl", "csv", "parquet"):
        paths[suffix] = folder / f"batch.{suffix}"
        extract([str(FIXTURES)], paths[suffix])
    return paths


def _frame(rows: list[dict]) -> pd.DataFrame:
    """A `load_frame`-shaped frame from short rows (missing columns are None)."""
    base = {
        "record": "criterion",
        "source": "text",
        "section": "inclusion",
        "category": "lab",
        "computable": True,
        "polarity": "require",
    }
    df = pd.DataFrame([{**base, **r} for r in rows]).reindex(columns=COLUMNS)
    df["computable"] = df["computable"].astype(bool)
    for c in ("constraint_value", "constraint_upper"):
        df[c] = pd.to_numeric(df[c])
    return df


def _stmt(trial, subject, op, value, unit=None, polarity="require", upper=None, **kw):
    return {
        "trial_id": trial,
        "subject_name": subject,
        "subject_text": subject,
        "constraint_operator": op,
        "constraint_value": value,
        "constraint_upper": upper,
        "constraint_unit_normalized": unit,
        "polarity": polarity,
        **kw,
    }


# ---------------------------------------------------------------- reading


def test_report_formats_give_the_same_summary(outputs):
    summaries = {k: summarize(load_frame([p])) for k, p in outputs.items()}
    ref = summaries["jsonl"]
    assert (
        ref.counts["trials"] == 4
        and ref.counts["error_rows"] == 1
        and ref.counts["statements"] > 20
    )
    for name, s in summaries.items():
        assert s.counts == ref.counts, name
        for table in (
            "by_section",
            "by_category",
            "per_trial",
            "subjects",
            "thresholds",
            "reasons",
            "errors",
        ):
            pd.testing.assert_frame_equal(
                s.tables[table], ref.tables[table], check_dtype=False, obj=f"{name}.{table}"
            )


def test_report_load_frame_concatenates_and_rejects_unknown_files(outputs, tmp_path):
    both = load_frame([outputs["jsonl"], outputs["parquet"]])
    assert len(both) == 2 * len(load_frame([outputs["jsonl"]]))
    assert list(both.columns) == COLUMNS and both["computable"].dtype == bool
    with pytest.raises(ValueError, match="expected .jsonl"):
        load_frame([tmp_path / "x.txt"])


# ---------------------------------------------------------------- pure summaries


@pytest.mark.parametrize(
    "row, expected",
    [
        (_stmt("A", "bilirubin.total", "<=", 1.5, "{ULN}"), [("upper", 1.5)]),
        (_stmt("A", "bilirubin.total", ">", 1.5, "{ULN}", polarity="exclude"), [("upper", 1.5)]),
        (_stmt("A", "anc", ">=", 1.5, "10*9/L"), [("lower", 1.5)]),
        (_stmt("A", "anc", "<", 1.0, "10*9/L", polarity="exclude"), [("lower", 1.0)]),
        (_stmt("A", "age", "between", 18, "a", upper=75), [("lower", 18.0), ("upper", 75.0)]),
        (_stmt("A", "age", "between", 18, "a", upper=75, polarity="exclude"), []),
        (_stmt("A", "ecog", "=", 1), []),
        (_stmt("A", None, "<=", 3), []),  # no subject name
        (_stmt("A", "platelets", ">=", None), []),  # qualitative / no value
    ],
    ids=[
        "le-require",
        "gt-exclude",
        "ge-require",
        "lt-exclude",
        "between",
        "between-exclude",
        "eq",
        "unnamed",
        "no-value",
    ],
)
def test_report_limits(row, expected):
    out = limits(_frame([row]))
    assert list(zip(out["side"], out["value"])) == expected


@pytest.mark.parametrize(
    "rows, unit, values, other",
    [
        # ANC: /mm3 converts to the main unit 10*9/L (1500/mm3 = 1.5 x 10^9/L)
        (
            [
                _stmt("A", "anc", ">=", 1.5, "10*9/L"),
                _stmt("B", "anc", ">=", 1.0, "10*9/L"),
                _stmt("C", "anc", ">", 1500, "/mm3"),
            ],
            "10*9/L",
            [1.5, 1.0, 1.5],
            0,
        ),
        # a written unit beats none, and a bare number is never converted
        (
            [
                _stmt("A", "anc", ">=", 1500),
                _stmt("B", "anc", ">=", 1500),
                _stmt("C", "anc", ">=", 1.5, "10*9/L"),
            ],
            "10*9/L",
            [math.nan, math.nan, 1.5],
            2,
        ),
        # incommensurable units (ULN multiple vs mg/dL) are counted apart
        (
            [
                _stmt("A", "bilirubin.total", "<=", 1.5, "{ULN}"),
                _stmt("B", "bilirubin.total", "<=", 3, "{ULN}"),
                _stmt("C", "bilirubin.total", "<=", 2, "mg/dL"),
            ],
            "{ULN}",
            [1.5, 3.0, math.nan],
            1,
        ),
        ([_stmt("A", "ecog", "<=", 2), _stmt("B", "ecog", "<=", 1)], "", [2.0, 1.0], 0),
    ],
    ids=["convert", "unitless", "incommensurable", "no-unit"],
)
def test_report_common_unit(rows, unit, values, other):
    bounds = to_common_unit(limits(_frame(rows)))
    assert set(bounds["unit_main"]) == {unit}
    got = bounds["value_main"].tolist()
    assert all(
        (math.isnan(a) and math.isnan(b)) or a == pytest.approx(b) for a, b in zip(got, values)
    ), got
    table = threshold_table(bounds)
    assert table.loc[0, "other_units"] == other
    assert table.loc[0, "unit"] == (unit or "(none)")


def test_report_threshold_table_statistics():
    rows = [_stmt(t, "alt", "<=", v, "{ULN}") for t, v in zip("ABCDE", [2.5, 2.5, 3, 5, 2.5])]
    rows.append(_stmt("F", "alt", ">=", 1, "{ULN}"))
    table = threshold_table(to_common_unit(limits(_frame(rows))))
    row = table.iloc[0].to_dict()
    assert row["subject"] == "alt" and row["trials"] == 6 and row["bounds"] == 6
    assert (row["upper_n"], row["upper_median"], row["upper_mode"], row["upper_p75"]) == (
        5,
        2.5,
        2.5,
        3.0,
    )
    assert (row["lower_n"], row["lower_median"]) == (1, 1.0)


def test_report_summary_counts():
    df = _frame(
        [
            _stmt("A", "anc", ">=", 1.5, "10*9/L"),
            _stmt(
                "A",
                None,
                None,
                None,
                computable=False,
                reason="subjective",
                category="judgment",
                section="exclusion",
            ),
            _stmt("B", "age", ">=", 18, "a", category="age"),
            _stmt(
                "B", None, None, None, computable=False, reason="administrative", category="consent"
            ),
            {
                "trial_id": "B",
                "source": "registry:minimum_age",
                "category": "age",
                "subject_name": "age",
            },
            {
                "record": "error",
                "trial_id": "C",
                "source": None,
                "error_reason": "empty_criteria",
                "computable": False,
            },
        ]
    )
    s = summarize(df, top=5)
    assert s.counts == {
        "trials": 3,
        "trials_with_statements": 2,
        "statements": 4,
        "computable": 2,
        "share_computable": 0.5,
        "registry_fields": 1,
        "error_rows": 1,
        "median_trial_share": 0.5,
    }
    assert s.by_section.set_index("section")["statements"].to_dict() == {
        "all": 4,
        "inclusion": 3,
        "exclusion": 1,
    }
    assert s.by_category.set_index("category").loc["lab", "share"] == 1.0
    assert s.subjects["subject"].tolist() == ["age", "anc"]  # the registry field is not a statement
    assert s.reasons.set_index("reason")["statements"].to_dict() == {
        "administrative": 1,
        "subjective": 1,
    }
    assert s.errors.to_dict("records") == [{"reason": "empty_criteria", "rows": 1}]


# ---------------------------------------------------------------- written report


def _links(text: str) -> set[str]:
    """Local links of an HTML or Markdown page (not anchors, not the empty data: favicon)."""
    found = set(re.findall(r'(?:src|href)="([^"#][^"]*)"', text)) | set(
        re.findall(r"\]\(([^)#]+)\)", text)
    )
    return {link for link in found if not link.startswith("data:")}


def test_report_writes_pages_plots_and_tables(outputs, tmp_path):
    files = report([outputs["jsonl"]], tmp_path / "rep", top=5)
    out = tmp_path / "rep"
    for name in PLOTS:
        data = (out / f"{name}.png").read_bytes()
        assert data[:8] == PNG and len(data) > 5_000, name
    index = (out / "index.html").read_text(encoding="utf-8")
    md = (out / "summary.md").read_text(encoding="utf-8")
    for page in (index, md):
        links = _links(page)
        assert {f"{n}.png" for n in PLOTS} <= links
        assert all((out / link).is_file() for link in links), links
    assert "http://" not in index and "https://" not in index and "<script" not in index
    assert "bilirubin.total" in md and "| reason | statements |" in md
    subjects = pd.read_csv(out / "subjects.csv")
    assert {"anc", "bilirubin.total", "age"} <= set(subjects["subject"])
    thresholds = pd.read_csv(out / "thresholds.csv").set_index("subject")
    assert thresholds.loc["bilirubin.total", "unit"] == "{ULN}"
    assert thresholds.loc["bilirubin.total", "upper_median"] == 1.5
    assert thresholds.loc["anc", "lower_n"] == 2  # 1.5 x 10^9/L and 1500/mm3, one unit
    assert files.counts["trials"] == 4


def test_report_handles_a_batch_without_statements(tmp_path):
    results = tmp_path / "empty.jsonl"
    extract([str(FIXTURES / "NCT90000004.txt")], results)  # one empty trial: an error row only
    files = report([results], tmp_path / "rep")
    assert files.counts["statements"] == 0 and files.counts["error_rows"] == 1
    assert all((tmp_path / "rep" / f"{n}.png").read_bytes()[:8] == PNG for n in PLOTS)


def _cli_app() -> typer.Typer:
    app = typer.Typer()
    app.command()(report_cli)
    return app


@pytest.mark.parametrize(
    "fmt, code, message",
    [("jsonl", 0, "4 trials"), ("parquet", 0, "6 plots"), ("txt", 1, "expected .jsonl")],
)
def test_report_cli(outputs, tmp_path, fmt, code, message):
    path = outputs.get(fmt, tmp_path / "results.txt")
    res = CliRunner().invoke(_cli_app(), [str(path), "-o", str(tmp_path / "rep"), "--top", "3"])
    assert res.exit_code == code, res.output
    assert message in res.output


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["jsonl", "parquet"])
def test_report_1500_trials_in_seconds(outputs, tmp_path, fmt):
    """The fixture batch copied under 1,500 trial ids (375 x 4 trials, about 10,000 rows)."""
    big = tmp_path / f"big.{fmt}"
    if fmt == "jsonl":
        lines = outputs["jsonl"].read_text(encoding="utf-8").splitlines()
        with open(big, "w", encoding="utf-8") as fh:
            for k in range(375):
                for line in lines:
                    fh.write(line.replace('"NCT9000000', f'"NCT7{k:04d}0') + "\n")
    else:
        one = pd.read_parquet(outputs["parquet"])
        copies = [
            one.assign(trial_id=one["trial_id"].str.replace("NCT9000000", f"NCT7{k:04d}0"))
            for k in range(375)
        ]
        pd.concat(copies, ignore_index=True).to_parquet(big, index=False)
    start = time.perf_counter()
    files = report([big], tmp_path / "rep")
    seconds = time.perf_counter() - start
    assert files.counts["trials"] == 1500
    assert seconds < 15, seconds
