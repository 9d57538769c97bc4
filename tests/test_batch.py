import fcntl
import json
import os
import pty
import random
import signal
import struct
import subprocess
import sys
import termios
import time

import pandas as pd
import pyarrow.dataset as ds
import pytest
from typer.testing import CliRunner

from pipeline import Trial, extract_frame
from pipeline.batch import (
    ResumeError, Staging, extract, frame_meta, frame_records, process_parallel, records_frame,
)
from pipeline.cli import app, progress_wanted
from pipeline.extract import process
from pipeline.readers import read, read_frame
from pipeline.schema import ErrorRow, Reason
from pipeline.writers import FLAT_COLUMNS

from .conftest import ROOT, SEED

N_RECORDS = 150
ERROR_LINES = {7: "malformed", 13: "empty", 21: "no_id"}  # 1-based input lines that must become error rows


def _study(i: int, seed: str) -> str:
    if ERROR_LINES.get(i) == "malformed":
        return '{"protocolSection": {"identificationModule": '
    nct = f"NCT0999{i:04d}"
    text = seed.replace("Age 3-18", f"Age {3 + i % 7}-{18 + i % 5}").replace("≥ 45%", f"≥ {40 + i % 9}%")
    if ERROR_LINES.get(i) == "empty":
        text = "   \n"
    elig = {"eligibilityCriteria": text, "sex": ["ALL", "FEMALE", "MALE"][i % 3], "minimumAge": f"{18 + i % 4} Years"}
    ident = {} if ERROR_LINES.get(i) == "no_id" else {"nctId": nct}
    return json.dumps({"protocolSection": {"identificationModule": ident, "eligibilityModule": elig}},
                      ensure_ascii=False)


@pytest.fixture(scope="module")
def studies(tmp_path_factory, seed_text):
    """A JSON Lines file of N_RECORDS API v2 studies (varied seed text) with three bad lines."""
    path = tmp_path_factory.mktemp("batch") / "studies.jsonl"
    path.write_text("".join(_study(i, seed_text) + "\n" for i in range(1, N_RECORDS + 1)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory, studies):
    """The uninterrupted single-process outputs, one per format."""
    out = {}
    for fmt in ("jsonl", "csv", "parquet"):
        target = tmp_path_factory.mktemp("ref") / f"out.{fmt}"
        t = time.perf_counter()
        extract([studies], target)
        out[fmt + " seconds"] = time.perf_counter() - t
        out[fmt] = target
    return out


def _manifest(path):
    return path.with_name(path.name + ".manifest.jsonl")


def _same_output(a, b, fmt):
    if fmt == "parquet":
        pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))
    else:
        assert a.read_bytes() == b.read_bytes()
    assert _manifest(a).read_bytes() == _manifest(b).read_bytes()


@pytest.mark.parametrize("fmt,part_size", [("jsonl", 7), ("csv", 1000), ("parquet", 40)])
def test_batch_jobs_2_output_identical_to_jobs_1(tmp_path, studies, reference, fmt, part_size):
    out = tmp_path / f"out.{fmt}"
    summary = extract([studies], out, jobs=2, part_size=part_size)
    assert summary.read == N_RECORDS
    _same_output(reference[fmt], out, fmt)
    assert not Staging(out, fmt).root.exists()


def test_batch_manifest_accounts_for_every_record(reference):
    out = reference["jsonl"]
    manifest = [json.loads(x) for x in _manifest(out).read_text(encoding="utf-8").splitlines()]
    assert len(manifest) == N_RECORDS
    errors = {i + 1: m for i, m in enumerate(manifest) if m["status"] == "error"}
    assert {i: m["reason"] for i, m in errors.items()} == {7: "malformed_record", 13: "empty_criteria",
                                                           21: "missing_field"}
    assert errors[7]["line"] == 7
    rows = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert sum(r["record"] == "error" for r in rows) == len(errors)
    ok = [m for m in manifest if m["status"] == "ok"]
    assert sum(m["criteria"] for m in ok) == sum(r["record"] == "criterion" for r in rows)
    by_trial = pd.Series([r["trial_id"] for r in rows if r["record"] == "criterion"]).value_counts()
    assert all(by_trial[m["trial_id"]] == m["criteria"] for m in ok)


def test_batch_parquet_parts_read_as_one_dataset(tmp_path, studies, reference):
    out = tmp_path / "out.parquet"
    summary = extract([studies], out, part_size=40)
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"part-{k:06d}.parquet" for k in range(4)] and summary.parts == 4
    n_rows = len(reference["jsonl"].read_text(encoding="utf-8").splitlines())
    df = pd.read_parquet(out)
    assert list(df.columns) == FLAT_COLUMNS and len(df) == n_rows
    assert ds.dataset(out, format="parquet").count_rows() == n_rows
    pd.testing.assert_frame_equal(df, pd.read_parquet(reference["parquet"]))


def test_batch_empty_input_still_writes_outputs(tmp_path):
    empty = tmp_path / "none.json"
    empty.write_text("[]")  # a JSON array of no studies: zero records
    for fmt in ("jsonl", "csv", "parquet"):
        out = tmp_path / f"out.{fmt}"
        assert extract([empty], out).read == 0
        assert _manifest(out).read_text() == ""
    assert (tmp_path / "out.jsonl").read_text() == ""
    assert list(pd.read_csv(tmp_path / "out.csv").columns) == FLAT_COLUMNS
    assert list(pd.read_parquet(tmp_path / "out.parquet").columns) == FLAT_COLUMNS


class _Stop(Exception):
    pass


def _stop_after(n):
    seen = [0]

    def progress(k, resumed=False):
        seen[0] += k
        if seen[0] >= n:
            raise _Stop

    return progress


@pytest.mark.parametrize("jobs", [1, 2])
def test_batch_interrupted_run_resumes_to_identical_output(tmp_path, studies, reference, jobs):
    out = tmp_path / "out.jsonl"
    with pytest.raises(_Stop):
        extract([studies], out, jobs=jobs, part_size=20, progress=_stop_after(50))
    staging = Staging(out, "jsonl")
    assert not out.exists() and staging.committed() == [0, 1]
    assert not [p for p in staging.root.iterdir() if p.name.startswith(".")]  # the open part was aborted
    summary = extract([studies], out, jobs=jobs, part_size=20, resume=True)
    assert summary.resumed == 40 and summary.read == N_RECORDS
    _same_output(reference["jsonl"], out, "jsonl")


@pytest.mark.parametrize(
    "change,kwargs",
    [("part size", {"part_size": 30}), ("input", {}), ("text column", {"text_column": "x"})],
)
def test_batch_resume_refuses_a_different_run(tmp_path, studies, change, kwargs):
    src = tmp_path / "in.jsonl"
    src.write_bytes(studies.read_bytes())
    out = tmp_path / "out.csv"
    with pytest.raises(_Stop):
        extract([src], out, part_size=20, progress=_stop_after(25))
    if change == "input":
        with open(src, "a", encoding="utf-8") as fh:
            fh.write(_study(999, "Inclusion Criteria:\n* Age >= 18 years") + "\n")
    with pytest.raises(ResumeError, match="cannot resume"):
        extract([src], out, **{"part_size": 20, **kwargs}, resume=True)
    assert Staging(out, "csv").committed() == [0]  # nothing was thrown away


def _cli(*args):
    return [sys.executable, "-m", "pipeline.cli", "extract", *map(str, args)]


@pytest.mark.slow
@pytest.mark.parametrize("fmt,jobs", [("jsonl", 1), ("csv", 2)])
def test_batch_resume_after_sigkill_is_identical(tmp_path, studies, reference, fmt, jobs):
    """SIGKILL the CLI at a random point after its first part, resume, compare byte for byte."""
    seed = int(os.environ.get("BATCH_KILL_SEED", time.time_ns() % 10**6))
    rng = random.Random(seed)
    out = tmp_path / f"out.{fmt}"
    args = _cli(studies, "-o", out, "--jobs", jobs, "--part-size", 10, "--quiet")
    staging = Staging(out, fmt)
    window = 0.5 * reference[f"{fmt} seconds"] / jobs  # well inside the run's remaining time
    for _ in range(3):  # a faster machine may finish first: try again with a shorter delay
        proc = subprocess.Popen(args, cwd=ROOT, start_new_session=True)
        deadline = time.monotonic() + 60
        while not staging.committed() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, window))
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if not out.exists():
            break
        window /= 4
        out.unlink()
    kept = staging.committed()
    assert not out.exists() and kept, f"seed {seed}: the run was not interrupted mid-way"
    assert kept == list(range(len(kept))), f"seed {seed}: parts {kept}"
    res = subprocess.run(args + ["--resume"], cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    _same_output(reference[fmt], out, fmt)
    assert not staging.root.exists(), f"seed {seed}"


@pytest.mark.slow
def test_batch_dask_local_cluster_matches_single_process(tmp_path, studies, reference):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        out = tmp_path / "out.jsonl"
        summary = extract([studies], out, engine="dask", scheduler=client, part_size=30)
        assert summary.read == N_RECORDS and summary.parts == 5
        _same_output(reference["jsonl"], out, "jsonl")

        import dask.dataframe as dd

        trials = read_frame([studies])
        got = dd.from_pandas(trials.head(30), npartitions=3).map_partitions(extract_frame, meta=frame_meta())
        assert got.dtypes.equals(frame_meta().dtypes)
        pd.testing.assert_frame_equal(got.compute().reset_index(drop=True), extract_frame(trials.head(30)))


@pytest.mark.parametrize(
    "frame",
    [
        pd.DataFrame({"trial_id": pd.Series([], dtype=object), "criteria": pd.Series([], dtype=object)}),
        pd.DataFrame({"trial_id": ["A", None], "criteria": ["", "x"]}),
        pd.DataFrame({"trial_id": ["A"], "criteria": ["Inclusion Criteria:\n* Age >= 18 years\n* ANC ≥ 1500/µL"],
                      "sex": ["FEMALE"], "healthy_volunteers": [True]}),
    ],
    ids=["empty", "errors only", "criteria"],
)
def test_batch_extract_frame_columns_and_dtypes_are_stable(frame):
    out = extract_frame(frame)
    assert list(out.columns) == FLAT_COLUMNS
    assert out.dtypes.equals(frame_meta().dtypes)


def test_batch_frames_round_trip_reader_records(studies):
    records = list(read([studies]))
    assert list(frame_records(records_frame(records))) == records
    assert list(frame_records(read_frame([studies]))) == records


def test_batch_process_parallel_keeps_input_order(seed_text):
    records = [Trial(f"T{i}", "x", seed_text.replace("Age 3-18", f"Age {i}-18")) for i in range(20)]
    records.insert(5, ErrorRow("x", Reason.MALFORMED_RECORD, "bad"))
    assert list(process_parallel(records, 2, batch=3)) == list(process(records))


@pytest.mark.parametrize(
    "quiet,tty,environ,expected",
    [
        (False, True, {}, True),
        (False, True, {"CI": "true"}, False),
        (False, True, {"CI": "0"}, True),
        (True, True, {}, False),
        (False, False, {}, False),
    ],
)
def test_batch_progress_only_on_a_terminal(quiet, tty, environ, expected):
    class Stream:
        def isatty(self):
            return tty

    assert progress_wanted(quiet, Stream(), environ) is expected


def test_batch_cli_is_quiet_when_not_a_tty(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    res = subprocess.run(_cli(SEED, "-o", tmp_path / "a.jsonl"), cwd=ROOT, capture_output=True, text=True, env=env)
    assert res.returncode == 0 and res.stderr == ""  # no progress bar on a pipe
    assert res.stdout.startswith("read 1 records: 1 ok, 0 errors")


@pytest.mark.parametrize(
    "option,stdout,stderr",
    [("--quiet", "", ""), ("--verbose", "read 1 records: 1 ok", "part 0 written: records 0..0")],
)
def test_batch_cli_quiet_and_verbose(tmp_path, option, stdout, stderr):
    res = CliRunner().invoke(app, ["extract", str(SEED), "-o", str(tmp_path / "a.jsonl"), option])
    assert res.exit_code == 0
    assert res.stdout.startswith(stdout) if stdout else res.stdout == ""
    assert stderr in res.stderr if stderr else res.stderr == ""
    assert "trials/s" not in res.stderr


@pytest.mark.slow
def test_batch_cli_shows_progress_bar_on_a_terminal(tmp_path, studies):
    few = tmp_path / "few.jsonl"
    few.write_text("".join(studies.read_text(encoding="utf-8").splitlines(keepends=True)[:30]), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a 120-column terminal
    proc = subprocess.Popen(_cli(few, "-o", tmp_path / "a.jsonl"), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait() == 0
    bar = b"".join(chunks).decode("utf-8", "replace")
    assert "trials/s" in bar and "30/30" in bar
