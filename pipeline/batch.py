"""Registry-scale extraction: a stream of records in, criteria + manifest out, resumable.

    summary = extract(["studies.jsonl.gz"], "criteria.jsonl", jobs=2)          # process pool
    summary = extract(paths, "criteria.parquet", engine="dask", scheduler="tcp://host:8786")
    summary = extract(paths, "criteria.jsonl", resume=True)                    # after a crash

How a run is laid out on disk (OUT is the output path):

* The input records are numbered in reading order and cut into parts of `part_size` records:
  part k holds records k*part_size .. (k+1)*part_size-1. Each part is encoded and written into the
  staging directory `OUT.parts/` as `part-00000k.<ext>` (its criteria and error rows) and then
  `part-00000k.manifest.jsonl` (one line per input record: ok + number of criteria, or error +
  reason). Both are written to a temp file and renamed; the manifest is renamed last, so a part
  whose manifest exists is complete. `OUT.parts/run.json` records what the run is (inputs with
  sizes and modification times, options, part size, a digest of the code and rules).
* When every part is written, the parts are published: JSON Lines and CSV parts are concatenated
  into the single file OUT (CSV header once), Parquet parts are hard-linked into the directory OUT
  (one Parquet dataset; `pandas.read_parquet(OUT)`, `pyarrow.dataset.dataset(OUT)`,
  `dask.dataframe.read_parquet(OUT)`), the manifest parts into `OUT.manifest.jsonl`; each
  publication is a temp + rename, then `OUT.parts/` is removed. A reader never sees half an output,
  and the staged parts stay complete until the end, so a run killed while publishing resumes
  without recomputing anything; the next run removes the temp files such a kill left beside OUT.
* `resume=True` after an interruption (Ctrl-C, SIGKILL, a crash, a lost cluster) keeps the parts
  whose manifest exists, skips their records while reading and computes the others. Because parts
  are fixed record ranges and each part's bytes depend only on its records, the published output
  is byte for byte the output of an uninterrupted run. A run whose inputs, options, code or rules
  differ from the staged one is refused (`ResumeError`) instead of mixing two runs.

Engines: `local` runs `encode_records` in this process (`jobs=1`) or in a pool of `jobs` worker
processes fed in small chunks with a bounded window (memory stays flat; results are written in
input order). `dask` sends each part as a pandas DataFrame (`records_frame`) to a dask.distributed
cluster, where `encode_frame` runs it; parts are written as they complete. All engines encode with
the same pure functions, so their outputs are identical byte for byte.

`extract_frame(df) -> df` is the same pipeline for users holding their trials in a DataFrame:
Dask `map_partitions(extract_frame, meta=frame_meta())`, Spark `mapInPandas`.
"""
from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import shutil
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, NamedTuple, Optional, Sequence

from .errors import EligibilityError
from .extract import extract_trial, process
from .schema import ErrorRow, Reason, Trial
from .writers import format_for

PART_SIZE = 1000  # input records per part: the unit of resume, of Dask tasks and of Parquet files
CHUNK_SIZE = 16  # input records per process-pool task
STAGING_SUFFIX = ".parts"
RUN_FILE = "run.json"
LAYOUT_VERSION = 1

Record = Trial | ErrorRow


class ResumeError(EligibilityError, ValueError):
    """`resume=True` but the staged run differs from this one (inputs, options, code or rules)."""


@dataclass
class Summary:
    read: int = 0
    ok: int = 0
    no_criteria: int = 0  # ok records that gave no row at all (text of headers only, no registry fields)
    errors: int = 0
    criteria: int = 0
    output: Optional[str] = None
    manifest: Optional[str] = None
    error_reasons: dict[str, int] = field(default_factory=dict)
    parts: int = 0  # parts in the output
    resumed: int = 0  # records whose part an earlier, interrupted run had already written
    seconds: float = 0.0

    def count(self, entry: dict[str, Any]) -> None:
        """Add one manifest entry."""
        self.read += 1
        if entry["status"] == "ok":
            self.ok += 1
            self.criteria += entry["criteria"]
            self.no_criteria += entry["criteria"] == 0
        else:
            self.errors += 1
            self.error_reasons[entry["reason"]] = self.error_reasons.get(entry["reason"], 0) + 1


# ---------------------------------------------------------------- pure per-record work


def manifest_entry(rec: Record, rows: Sequence) -> dict[str, Any]:
    """The manifest line of one input record: ok + number of output rows, or error + reason."""
    err = next((r for r in rows if isinstance(r, ErrorRow)), None)
    if err is not None:
        return {"trial_id": err.trial_id, "source": err.source, "status": "error",
                "reason": err.reason.value, "message": err.message, "line": err.line, "offset": err.offset}
    return {"trial_id": rec.trial_id, "source": rec.source, "status": "ok", "criteria": len(rows)}


class Encoded(NamedTuple):
    """Output of a run of input records: manifest entries (and their JSON Lines text) and the
    criteria encoded in the output format (`writers.encode`)."""

    entries: list
    manifest: str
    payload: Any


def encode_records(records: Sequence[Record], fmt: str) -> Encoded:
    """Run the pipeline over `records` and encode the result for output format `fmt`."""
    from .writers import encode

    entries, rows = [], []
    for rec, out in process(records):
        entries.append(manifest_entry(rec, out))
        rows.extend(out)
    manifest = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in entries)
    return Encoded(entries, manifest, encode(rows, fmt))


# ---------------------------------------------------------------- pandas frames


def _clean(v):
    """None for pandas / numpy missing values (None, NaN, NA), else `v`."""
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    try:
        import pandas as pd

        if v is pd.NA or v is pd.NaT:
            return None
    except ImportError:  # pragma: no cover
        pass
    return v


def _opt_str(v) -> Optional[str]:
    v = _clean(v)
    return None if v is None else str(v)


def _opt_int(v) -> Optional[int]:
    v = _clean(v)
    return None if v is None else int(v)


def records_frame(records: Iterable[Record]):
    """Trials / ErrorRows -> a pandas DataFrame with `readers.FRAME_COLUMNS` (the shape of
    `readers.read_frame`), object dtype so that every value comes back exactly."""
    import pandas as pd

    from .readers import FRAME_COLUMNS, TRIAL_COLUMNS

    rows = []
    for rec in records:
        if isinstance(rec, Trial):
            row = [getattr(rec, c) for c in TRIAL_COLUMNS] + ["trial", None, None, None, None]
        else:
            row = [rec.trial_id if c == "trial_id" else rec.source if c == "source" else None for c in TRIAL_COLUMNS]
            row += ["error", Reason(rec.reason).value, rec.message, rec.line, rec.offset]
        rows.append(row)
    return pd.DataFrame(rows, columns=FRAME_COLUMNS, dtype=object)


def frame_records(df, id_column: str = "trial_id", text_column: str = "criteria") -> Iterator[Record]:
    """Rows of a DataFrame of trials -> Trial / ErrorRow.

    Columns: `id_column`, `text_column`; optional source, minimum_age, maximum_age, sex,
    healthy_volunteers, title; optional `record` ("error" rows, as made by `read_frame` and
    `records_frame`, carry reason / message / line / offset and pass through as ErrorRows).
    A row without id or text is a MISSING_FIELD error row, a blank text EMPTY_CRITERIA.
    """
    import numpy as np

    has_record = "record" in df.columns
    for i, r in enumerate(df.to_dict("records")):
        src = _opt_str(r.get("source")) or f"frame:row {i}"
        tid = _opt_str(r.get(id_column)) or None
        if has_record and r.get("record") == "error":
            reason = _opt_str(r.get("reason")) or Reason.MALFORMED_RECORD.value
            yield ErrorRow(src, Reason(reason), _opt_str(r.get("message")) or "", tid,
                           _opt_int(r.get("line")), _opt_int(r.get("offset")))
            continue
        text = _clean(r.get(text_column))
        if tid is None or not isinstance(text, str):
            yield ErrorRow(src, Reason.MISSING_FIELD, f"row {i}: missing {id_column} or {text_column}", tid)
            continue
        if not text.strip():
            yield ErrorRow(src, Reason.EMPTY_CRITERIA, f"row {i}: empty {text_column}", tid)
            continue
        hv = _clean(r.get("healthy_volunteers"))
        yield Trial(tid, src, text, _opt_str(r.get("minimum_age")), _opt_str(r.get("maximum_age")),
                    _opt_str(r.get("sex")), bool(hv) if isinstance(hv, (bool, np.bool_)) else None,
                    _opt_str(r.get("title")))


def encode_frame(df, fmt: str) -> Encoded:
    """`encode_records` over the rows of a trial frame (what a Dask worker runs for one part)."""
    return encode_records(list(frame_records(df)), fmt)


def extract_frame(df, id_column: str = "trial_id", text_column: str = "criteria"):
    """pandas DataFrame of trials -> DataFrame of flat criterion rows, one per criterion or error.

    Input columns: see `frame_records` (a `pipeline.readers.read_frame` result works as is).
    Output: the columns of `writers.FLAT_COLUMNS` with the dtypes of `writers.frame_dtypes()`
    (nullable string, Int64, float64, boolean), the same for every input, an empty one too, so
    it can serve Dask (`ddf.map_partitions(extract_frame, meta=frame_meta())`) and Spark
    (`sdf.mapInPandas(lambda it: map(extract_frame, it), schema=...)`).
    """
    from .writers import flat_row

    rows = [flat_row(x) for _, out in process(frame_records(df, id_column, text_column)) for x in out]
    return _flat_frame(rows)


def frame_meta():
    """The empty DataFrame `extract_frame` returns for no rows: columns and dtypes (Dask `meta`)."""
    return _flat_frame([])


def _flat_frame(rows: list[dict]):
    import pandas as pd

    from .writers import FLAT_COLUMNS, frame_dtypes

    return pd.DataFrame(rows, columns=FLAT_COLUMNS, dtype=object).astype(frame_dtypes())


# ---------------------------------------------------------------- process pool


def _chunks(records: Iterable[Record], part_size: int, chunk_size: int, skip: frozenset | set = frozenset()
            ) -> Iterator[tuple[int, list[Record]]]:
    """(part index, records) runs of at most `chunk_size` records that never cross a part; records
    of the parts in `skip` are read and dropped."""
    buf: list[Record] = []
    cur = -1
    for i, rec in enumerate(records):
        k = i // part_size
        if k in skip:
            continue
        if buf and (k != cur or len(buf) >= chunk_size):
            yield cur, buf
            buf = []
        cur = k
        buf.append(rec)
    if buf:
        yield cur, buf


def _pool_context():
    """The user's multiprocessing start method if set; else fork when this process has a single
    thread (fast, inherits the loaded rules), else forkserver (forking a threaded process is unsafe)."""
    import multiprocessing as mp
    import threading

    method = mp.get_start_method(allow_none=True)
    if method is None:
        available = mp.get_all_start_methods()
        if "fork" in available and threading.active_count() == 1:
            method = "fork"
        else:
            method = "forkserver" if "forkserver" in available else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["pipeline.batch"])
    return ctx


def _worker_init() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    extract_trial(Trial("warm-up", "warm-up", "Inclusion Criteria:\n* Age >= 18 years"))  # load rules once


def ordered_map(fn: Callable, tasks: Iterable[tuple[Any, tuple]], jobs: int, window: int = 0
                ) -> Iterator[tuple[Any, Any]]:
    """(key, fn(*args)) for each (key, args) of `tasks`, in order, over `jobs` processes.

    At most `window` tasks (default 4 per job) are in flight, so the input is read only as fast
    as it is processed and memory stays flat (`Pool.imap` would read ahead without limit). A
    worker that dies (killed, out of memory) raises BrokenProcessPool instead of hanging."""
    if jobs <= 1:
        for key, args in tasks:
            yield key, fn(*args)
        return
    from concurrent.futures import ProcessPoolExecutor

    window = window or 4 * jobs
    pool = ProcessPoolExecutor(jobs, mp_context=_pool_context(), initializer=_worker_init)
    finished = False
    try:
        pending: deque = deque()
        for key, args in tasks:
            pending.append((key, pool.submit(fn, *args)))
            if len(pending) >= window:
                k, fut = pending.popleft()
                yield k, fut.result()
        while pending:
            k, fut = pending.popleft()
            yield k, fut.result()
        finished = True
    finally:  # interrupted: drop the queued tasks, do not wait for the running ones
        pool.shutdown(wait=finished, cancel_futures=not finished)


def _process_list(records: list[Record]) -> list:
    return list(process(records))


def process_parallel(records: Iterable[Record], jobs: int, batch: int = CHUNK_SIZE):
    """Like `extract.process`, over `jobs` worker processes: (record, rows) in input order, `batch`
    records per task, a bounded number of tasks in flight."""
    tasks = ((None, (chunk,)) for _, chunk in _chunks(records, 1 << 62, batch))
    for _, results in ordered_map(_process_list, tasks, jobs):
        yield from results


# ---------------------------------------------------------------- run identity (for resume)


def _input_fingerprint(path: str) -> dict[str, Any]:
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return {"path": str(p.absolute()), "missing": True}
    if not p.is_dir():
        return {"path": str(p.resolve()), "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    h = hashlib.sha256()
    n = 0
    for root, dirs, files in os.walk(p):
        dirs.sort()
        for name in sorted(files):
            f = Path(root) / name
            try:
                s = f.stat()
            except OSError:
                continue
            h.update(f"{f.relative_to(p)}\0{s.st_size}\0{s.st_mtime_ns}\n".encode("utf-8", "surrogateescape"))
            n += 1
    return {"path": str(p.resolve()), "files": n, "digest": h.hexdigest()}


def code_digest() -> str:
    """sha256 over the package's Python files and the rules / lexicons / units in models/."""
    from .paths import models_dir

    h = hashlib.sha256()
    roots = [Path(__file__).resolve().parent]
    try:
        roots.append(models_dir())
    except FileNotFoundError:  # pragma: no cover
        pass
    for root in roots:
        for f in sorted(root.rglob("*")):
            if f.is_file() and (f.suffix == ".py" or root != roots[0]) and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def run_spec(fmt: str, part_size: int, identity: Any) -> dict[str, Any]:
    """What must match for a staged run to be resumed."""
    from . import __version__

    return {"layout": LAYOUT_VERSION, "version": __version__, "code": code_digest(), "output_format": fmt,
            "part_size": part_size, "input": identity}


# ---------------------------------------------------------------- staging directory


class Staging:
    """`OUT.parts/`: numbered part files of one run (see the module docstring)."""

    def __init__(self, output: Path, fmt: str):
        from .writers import SUFFIX

        self.output = output
        self.fmt = fmt
        self.root = output.with_name(output.name + STAGING_SUFFIX)
        self.ext = SUFFIX[fmt]

    def data(self, k: int) -> Path:
        return self.root / f"part-{k:06d}{self.ext}"

    def manifest(self, k: int) -> Path:
        return self.root / f"part-{k:06d}.manifest.jsonl"

    def committed(self) -> list[int]:
        """Parts whose data and manifest are both in place, sorted."""
        if not self.root.is_dir():
            return []
        out = []
        for f in self.root.glob("part-*.manifest.jsonl"):
            k = int(f.name[len("part-"):].split(".", 1)[0])
            if self.data(k).is_file():
                out.append(k)
        return sorted(out)

    def prepare(self, spec: dict[str, Any], resume: bool) -> list[int]:
        """Create or reopen the staging directory; the committed parts that are kept."""
        run_file = self.root / RUN_FILE
        if resume and run_file.is_file():
            staged = json.loads(run_file.read_text(encoding="utf-8"))
            diff = sorted(k for k in set(spec) | set(staged) if spec.get(k) != staged.get(k))
            if diff:
                raise ResumeError(
                    f"cannot resume {self.output}: the run staged in {self.root} differs in {', '.join(diff)}; "
                    f"run without --resume to start again")
            self._remove_leftovers()
            for f in self.root.iterdir():  # temp files of the parts that were being written, and
                if not f.name.startswith("."):  # .publish/ of an interrupted publication
                    continue
                if f.is_dir() and not f.is_symlink():
                    shutil.rmtree(f)
                else:
                    f.unlink(missing_ok=True)
            return self.committed()
        self._remove_leftovers()
        if self.root.exists():
            shutil.rmtree(self.root)
        self.root.mkdir(parents=True)
        from .writers import JsonlWriter

        with JsonlWriter(run_file) as w:
            w.write_encoded(json.dumps(spec, indent=1) + "\n")
        return []

    def manifest_path(self) -> Path:
        return self.output.with_name(self.output.name + ".manifest.jsonl")

    def _remove_leftovers(self) -> None:
        """Temp files and directories that an interrupted publication left beside OUT and its
        manifest (hidden; a killed process never removes them)."""
        from .writers import remove_leftovers

        remove_leftovers(self.output)
        remove_leftovers(self.manifest_path())

    def _linked(self, parts: list[Path]) -> list[Path]:
        """Hard links (copies where the file system has none) of the Parquet parts in the hidden
        `.publish/` directory: publication moves these, so that the parts stay in the staging
        directory until it is removed, and a run killed while publishing resumes without
        recomputing them."""
        pub = self.root / ".publish"
        shutil.rmtree(pub, ignore_errors=True)
        pub.mkdir()
        out = []
        for p in parts:
            try:
                os.link(p, pub / p.name)
            except OSError:
                shutil.copyfile(p, pub / p.name)
            out.append(pub / p.name)
        return out

    def open_part(self, k: int) -> "PartWriter":
        return PartWriter(self, k)

    def publish(self, n_parts: int) -> None:
        """Parts 0..n_parts-1 -> OUT and OUT.manifest.jsonl, atomically; remove the staging dir."""
        from .writers import concat_files, csv_header, open_writer, replace_directory

        missing = [k for k in range(n_parts) if not (self.data(k).is_file() and self.manifest(k).is_file())]
        if missing:  # pragma: no cover - a bug, never an input problem
            raise RuntimeError(f"{self.root}: parts {missing[:5]} missing at publication")
        manifest_path = self.manifest_path()
        data = [self.data(k) for k in range(n_parts)]
        if self.fmt == "parquet":
            if not data:  # an empty dataset still has its schema
                open_writer(self.data(0), "parquet").close()
                data = [self.data(0)]
            replace_directory(self._linked(data), self.output)
        else:
            concat_files(data, self.output, header=csv_header() if self.fmt == "csv" else "")
        concat_files([self.manifest(k) for k in range(n_parts)], manifest_path)
        shutil.rmtree(self.root, ignore_errors=True)


class PartWriter:
    """One part being written: data and manifest temp files, committed data first, manifest last."""

    def __init__(self, staging: Staging, k: int):
        from .writers import JsonlWriter, open_writer

        self.k = k
        self.records = 0
        opts = {"header": False} if staging.fmt == "csv" else {}
        self.data = open_writer(staging.data(k), staging.fmt, **opts)
        self.manifest = JsonlWriter(staging.manifest(k))

    def write(self, enc: Encoded) -> None:
        self.data.write_encoded(enc.payload)
        self.manifest.write_encoded(enc.manifest)
        self.records += len(enc.entries)

    def commit(self) -> None:
        self.data.close()
        self.manifest.close()

    def abort(self) -> None:
        self.data.abort()
        self.manifest.abort()


@functools.lru_cache(maxsize=None)
def _malloc_trim():
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None


def release_free_memory() -> None:
    """Give freed heap pages back to the OS (glibc `malloc_trim`; a no-op elsewhere).

    The parent of a process pool unpickles large result strings; glibc then raises its mmap
    threshold and serves them from the heap, whose free holes stay resident: without this the
    parent's RSS creeps up by ~1 MB per 2,000 records. Called once per part (as dask.distributed
    trims its workers)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


# ---------------------------------------------------------------- engines


def _local_engine(chunks: Iterator[tuple[int, list[Record]]], fmt: str, jobs: int
                  ) -> Iterator[tuple[int, Encoded, bool]]:
    """(part, encoded chunk, part complete?) in input order."""
    results = ordered_map(encode_records, ((k, (chunk, fmt)) for k, chunk in chunks), jobs)
    prev: Optional[tuple[int, Encoded]] = None
    for k, enc in results:
        if prev is not None:
            yield prev[0], prev[1], prev[0] != k
        prev = (k, enc)
    if prev is not None:
        yield prev[0], prev[1], True


def _dask_client(scheduler, jobs: int):
    """(client, things to close): an existing Client, a scheduler address, or a new LocalCluster."""
    from distributed import Client

    if isinstance(scheduler, Client):
        return scheduler, []
    if scheduler:
        client = Client(scheduler)
        return client, [client]
    from distributed import LocalCluster

    cluster = LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    return client, [client, cluster]


def _dask_engine(parts: Iterator[tuple[int, list[Record]]], fmt: str, scheduler, jobs: int,
                 log: Optional[Callable[[str], None]]) -> Iterator[tuple[int, Encoded, bool]]:
    """(part, encoded part, True) as parts complete on the cluster; a bounded number in flight."""
    from distributed import as_completed

    client, owned = _dask_client(scheduler, jobs)
    try:
        threads = sum(client.nthreads().values()) or 1
        if log:
            log(f"dask: {client.scheduler.address}, {len(client.nthreads())} workers, {threads} threads")
        window = 2 * threads
        running = as_completed()
        part_of: dict[str, int] = {}
        for k, recs in parts:
            data = client.scatter(records_frame(recs))
            fut = client.submit(encode_frame, data, fmt, pure=False)
            part_of[fut.key] = k
            running.add(fut)
            while running.count() >= window:
                fut = next(running)
                yield part_of.pop(fut.key), fut.result(), True
        for fut in running:
            yield part_of.pop(fut.key), fut.result(), True
    finally:
        for thing in owned:
            thing.close()


# ---------------------------------------------------------------- the library entry point


def extract(
    inputs: Sequence[str | os.PathLike],
    output: str | os.PathLike,
    input_format: Optional[str] = None,
    output_format: Optional[str] = None,
    id_column: Optional[str] = None,
    text_column: Optional[str] = None,
    progress: Optional[Callable[..., None]] = None,
    jobs: int = 1,
    engine: str = "local",
    scheduler: Any = None,
    resume: bool = False,
    part_size: int = PART_SIZE,
    log: Optional[Callable[[str], None]] = None,
) -> Summary:
    """Read `inputs`, write criteria to `output` and `<output>.manifest.jsonl`; see the module doc.

    `output_format` (jsonl, csv, parquet) defaults to the extension of `output`. `jobs` worker
    processes (0: one per CPU). `engine`: "local" or "dask" (`scheduler`: an address, a
    `distributed.Client`, or None for a LocalCluster of `jobs` workers). `resume`: keep the parts
    of an interrupted run of the same inputs and options. `progress(n)` is called with the number
    of records done after each chunk, and once as `progress(n, resumed=True)` for the records of
    kept parts; `log(message)` receives resume / part / error messages.
    """
    from .readers import read

    paths = [os.fspath(p) for p in inputs]
    out = Path(output).resolve()
    if any(Path(p).resolve() == out for p in paths):
        raise ValueError(f"{output} is also an input; choose another output path")
    records = read(paths, format=input_format, id_column=id_column, text_column=text_column)  # validates options
    identity = {"inputs": [_input_fingerprint(p) for p in paths],
                "options": {"format": input_format, "id_column": id_column, "text_column": text_column}}
    return extract_records(records, output, output_format=output_format, identity=identity, progress=progress,
                           jobs=jobs, engine=engine, scheduler=scheduler, resume=resume, part_size=part_size,
                           log=log)


def extract_records(
    records: Iterable[Record],
    output: str | os.PathLike,
    output_format: Optional[str] = None,
    identity: Any = None,
    progress: Optional[Callable[..., None]] = None,
    jobs: int = 1,
    engine: str = "local",
    scheduler: Any = None,
    resume: bool = False,
    part_size: int = PART_SIZE,
    log: Optional[Callable[[str], None]] = None,
) -> Summary:
    """`extract` over a stream of Trial / ErrorRow records instead of files (e.g. a generator).

    `identity`: JSON-able description of the stream, compared on `resume` (the stream must yield
    the same records in the same order again; `extract` passes the input files' sizes and times).
    """
    t0 = time.perf_counter()
    if engine not in ("local", "dask"):
        raise ValueError(f"unknown engine {engine!r}; use local or dask")
    if part_size < 1:
        raise ValueError("part_size must be at least 1")
    jobs = jobs if jobs > 0 else (os.cpu_count() or 1)
    out_path = Path(output)
    fmt = format_for(out_path, output_format)
    staging = Staging(out_path, fmt)
    done = staging.prepare(run_spec(fmt, part_size, identity), resume)

    summary = Summary(output=str(out_path), manifest=str(out_path.with_name(out_path.name + ".manifest.jsonl")))
    for k in done:
        with open(staging.manifest(k), encoding="utf-8") as fh:
            for line in fh:
                summary.count(json.loads(line))
    summary.resumed = summary.read
    if done:
        if log:
            log(f"resuming {out_path}: {len(done)} parts ({summary.resumed} records) already written")
        if progress:
            progress(summary.resumed, resumed=True)
    skip = set(done)
    last_part = done[-1] if done else -1

    if engine == "dask":
        work = _dask_engine(_chunks(records, part_size, part_size, skip), fmt, scheduler, jobs, log)
    else:
        work = _local_engine(_chunks(records, part_size, CHUNK_SIZE, skip), fmt, jobs)
    open_parts: dict[int, PartWriter] = {}
    try:
        for k, enc, complete in work:
            part = open_parts.get(k) or open_parts.setdefault(k, staging.open_part(k))
            part.write(enc)
            for entry in enc.entries:
                summary.count(entry)
                if log and entry["status"] == "error":
                    log(f"error: {entry['source']}: {entry['reason']}: {entry['message']}")
            last_part = max(last_part, k)
            if complete:
                open_parts.pop(k).commit()
                release_free_memory()
                if log:
                    log(f"part {k} written: records {k * part_size}..{k * part_size + part.records - 1}")
            if progress:
                progress(len(enc.entries))
    except BaseException:
        for part in open_parts.values():
            part.abort()
        raise
    finally:
        work.close()
    staging.publish(last_part + 1)
    summary.parts = max(last_part + 1, 1 if fmt == "parquet" else 0)
    summary.seconds = time.perf_counter() - t0
    if log:
        log(f"wrote {out_path} ({summary.parts} parts) and {summary.manifest} in {summary.seconds:.1f} s")
    return summary


def count_records(inputs: Sequence[str | os.PathLike], input_format: Optional[str] = None,
                  id_column: Optional[str] = None, text_column: Optional[str] = None) -> int:
    """How many records `extract` will account for (reads the inputs once; for a progress total)."""
    from .readers import read

    return sum(1 for _ in read([os.fspath(p) for p in inputs], format=input_format, id_column=id_column,
                               text_column=text_column))


__all__ = [
    "PART_SIZE", "Encoded", "ResumeError", "Summary", "count_records", "encode_frame", "encode_records", "extract",
    "extract_frame", "extract_records", "frame_meta", "frame_records", "manifest_entry", "ordered_map",
    "process_parallel", "records_frame", "release_free_memory",
]
