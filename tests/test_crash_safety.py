"""Crash safety (issue 9): `eligibility extract` killed with SIGKILL at random points and at every
step of publication, then resumed, ends with the bytes of an uninterrupted run, recomputes no
finished part, leaves no debris, and its manifest accounts for every input record once.

Inputs: the first N_TRIALS plain-text trials of ../shared/corpora/registry-sample (copied to a
temporary directory), or variations of the seed trial where ../shared is absent, plus an empty and
an undecodable file (two error rows). `CRASH_SEED=n` replays other kill delays.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.batch import Staging, extract

from .conftest import ROOT, SEED, SHARED

N_TRIALS = 300
PART_SIZE = 20
KILLS = 4
BAD_FILES = {"NCT99999998.txt": b"   \n", "NCT99999999.txt": b"Inclusion Criteria:\n* caf\xe9 au lait\n"}


def _write_trials(d: Path, n: int) -> Path:
    d.mkdir()
    sample = sorted((SHARED / "corpora" / "registry-sample").glob("NCT*.txt"))[:n]
    if len(sample) == n:
        for f in sample:
            shutil.copyfile(f, d / f.name)
    else:  # no ../shared: variations of the seed trial
        seed = SEED.read_text(encoding="utf-8")
        for i in range(n):
            text = seed.replace("Age 3-18", f"Age {3 + i % 7}-{18 + i % 5}").replace("≥ 45%", f"≥ {40 + i % 9}%")
            (d / f"NCT8{i:07d}.txt").write_text(text, encoding="utf-8")
    for name, data in BAD_FILES.items():
        (d / name).write_bytes(data)
    return d


@pytest.fixture(scope="module")
def trials(tmp_path_factory) -> Path:
    return _write_trials(tmp_path_factory.mktemp("crash") / "trials", N_TRIALS)


@pytest.fixture(scope="module")
def few(tmp_path_factory) -> Path:
    return _write_trials(tmp_path_factory.mktemp("crash") / "few", 40)


def _cli(*args) -> list[str]:
    return [sys.executable, "-m", "pipeline.cli", "extract", *map(str, args)]


def _manifest(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.jsonl")


def _files(out: Path) -> dict[str, bytes]:
    """The published output as {name: bytes}: the file (JSON Lines) or the part files (Parquet)."""
    if out.is_dir():
        return {p.name: p.read_bytes() for p in sorted(out.iterdir())}
    return {out.name: out.read_bytes()}


def _assert_manifest_accounts_for_every_input(out: Path, inputs: Path) -> None:
    entries = [json.loads(line) for line in _manifest(out).read_text(encoding="utf-8").splitlines()]
    sources = [Path(e["source"]).name for e in entries]
    assert sorted(sources) == sorted(p.name for p in inputs.iterdir())  # each input once, none twice
    errors = {Path(e["source"]).name: e["reason"] for e in entries if e["status"] == "error"}
    assert errors == {"NCT99999998.txt": "empty_criteria", "NCT99999999.txt": "encoding"}
    if out.suffix == ".jsonl":
        rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert sum(e.get("criteria", 0) for e in entries) == sum(r["record"] == "criterion" for r in rows)
        assert sum(r["record"] == "error" for r in rows) == len(errors)


@pytest.mark.slow
@pytest.mark.parametrize("fmt,jobs", [("jsonl", 2), ("parquet", 1)])
def test_crash_safety_sigkill_at_random_points_then_resume_is_identical(tmp_path, trials, fmt, jobs):
    seed = int(os.environ.get("CRASH_SEED", "20261129"))
    rng = random.Random(f"{seed}-{fmt}")
    ref = tmp_path / "ref" / f"out.{fmt}"
    ref.parent.mkdir()
    args = ["--jobs", jobs, "--part-size", PART_SIZE, "--quiet"]
    t0 = time.monotonic()
    subprocess.run(_cli(trials, "-o", ref, *args), cwd=ROOT, check=True)
    seconds = time.monotonic() - t0

    out = tmp_path / "run" / f"out.{fmt}"
    out.parent.mkdir()
    staging = Staging(out, fmt)
    kept_after_kill: list[int] = []
    finished = False
    for i in range(KILLS):
        before = len(staging.committed())
        proc = subprocess.Popen(_cli(trials, "-o", out, *args, *(["--resume"] if i else [])), cwd=ROOT,
                                start_new_session=True)
        if i == 0:  # anywhere in the first run, start-up included
            delay = rng.uniform(0.1, 0.6) * seconds
        else:  # once this run has written a part of its own, somewhere in the parts that follow
            while len(staging.committed()) <= before and proc.poll() is None:
                time.sleep(0.005)
            delay = rng.uniform(0, 0.15) * seconds
        try:
            proc.wait(timeout=delay)
            finished = True  # done before its kill
            break
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the CLI and its workers
            proc.wait()
        if out.exists():  # killed during publication: what is there is complete
            assert _files(out) == _files(ref)
            if not staging.root.exists():
                finished = True
                break
        kept = staging.committed()
        assert kept == list(range(len(kept))), f"seed {seed}: committed parts {kept}"
        kept_after_kill.append(len(kept))
    assert len(kept_after_kill) >= 2 and kept_after_kill[-1] > 0, f"seed {seed}: the kills did not interrupt"
    assert kept_after_kill == sorted(kept_after_kill), f"seed {seed}: a resumed run threw finished parts away"
    n_kept = sum(len(staging.manifest(k).read_text(encoding="utf-8").splitlines()) for k in staging.committed())

    res = subprocess.run(_cli(trials, "-o", out, *args[:-1], "--resume"), cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    if not finished:
        assert f"; {n_kept} records kept from the interrupted run" in res.stdout
    assert _files(out) == _files(ref)  # byte for byte
    assert _manifest(out).read_bytes() == _manifest(ref).read_bytes()
    _assert_manifest_accounts_for_every_input(out, trials)
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, _manifest(out).name])  # no debris


# Kill the process (SIGKILL, no clean-up code runs) just before the first os.replace whose target,
# relative to the output directory, matches a pattern: each step of publishing the parts.
_KILLER = """
import os, re, signal, sys
pattern, outdir = re.compile(sys.argv[1]), sys.argv[2]
real = os.replace

def replace(src, dst, **kw):
    if pattern.fullmatch(os.path.relpath(os.fspath(dst), outdir)):
        os.kill(os.getpid(), signal.SIGKILL)
    return real(src, dst, **kw)

os.replace = replace
sys.argv = ["eligibility"] + sys.argv[3:]
from pipeline.cli import app
app()
"""

PUBLICATION_STEPS = [
    ("jsonl", r"out\.jsonl"),  # the concatenated parts renamed into place
    ("jsonl", r"out\.jsonl\.manifest\.jsonl"),  # the output is published, its manifest not yet
    ("parquet", r"\.out\.parquet\.\w+\.tmp/part-000002\.parquet"),  # parts 0-1 in the new dataset directory
    ("parquet", r"out\.parquet"),  # the dataset directory renamed into place
    ("parquet", r"out\.parquet\.manifest\.jsonl"),
]


@pytest.mark.parametrize("fmt,step", PUBLICATION_STEPS)
def test_crash_safety_kill_during_publication_resumes_without_recomputing(tmp_path, few, fmt, step):
    ref = tmp_path / "ref" / f"out.{fmt}"
    extract([few], ref, part_size=10)
    out = tmp_path / "run" / f"out.{fmt}"
    out.parent.mkdir()
    killer = tmp_path / "killer.py"
    killer.write_text(_KILLER, encoding="utf-8")
    args = [few, "-o", out, "--part-size", 10]
    proc = subprocess.run([sys.executable, killer, step, out.parent, "extract", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    n_records = len(list(few.iterdir()))
    summary = extract([few], out, part_size=10, resume=True)
    assert summary.resumed == n_records  # every part was kept: nothing recomputed
    assert _files(out) == _files(ref)
    assert _manifest(out).read_bytes() == _manifest(ref).read_bytes()
    _assert_manifest_accounts_for_every_input(out, few)
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, _manifest(out).name])  # no debris
