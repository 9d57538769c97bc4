"""Streaming writers for JSON Lines, CSV and Parquet; every write is atomic (temp file + rename).

Two layers:

* pure encoders, `encode(records, fmt)`: a list of Criterion / ErrorRow -> the bytes-to-be of one
  format (JSON Lines text, CSV text without header, or an Arrow RecordBatch for Parquet). Worker
  processes and Dask workers encode; the process that owns the files only appends, so the output
  does not depend on who encoded it.
* writers (`JsonlWriter`, `CsvWriter`, `ParquetWriter`): write into a temp file beside the target
  and rename it over the target on `close()`; `abort()` (or an exception inside `with`) removes the
  temp file, so a reader never sees half a file. `concat_files` and `replace_directory` publish a
  run's numbered parts as one file (JSONL, CSV) or one directory of part files (Parquet).
"""
from __future__ import annotations

import csv
import dataclasses
import enum
import functools
import io
import json
import os
import re
import shutil
import types
import typing
import uuid
from pathlib import Path
from typing import Any, Iterable, Sequence

from .schema import CRITERION_COLUMNS, Criterion, ErrorRow

ERROR_FIELDS = ["error_source", "error_reason", "error_message", "error_line", "error_offset"]
FLAT_COLUMNS = ["record"] + CRITERION_COLUMNS + ERROR_FIELDS
FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
SUFFIX = {"jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}
ROW_GROUP_ROWS = 20_000  # Parquet rows buffered before a row group is written


def format_for(path: str | Path, explicit: str | None = None) -> str:
    if explicit:
        if explicit not in SUFFIX:
            raise ValueError(f"unknown output format {explicit!r}; use jsonl, csv or parquet")
        return explicit
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: cannot tell the output format from {suffix!r}; use .jsonl, .csv or .parquet")
    return FORMATS[suffix]


@functools.lru_cache(maxsize=None)
def _field_names(cls: type) -> tuple[str, ...] | None:
    return tuple(f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else None


def _plain(obj: Any) -> Any:
    """`schema.to_dict` with the per-class field lists cached (the writers call it per record). An
    instance whose attributes are its fields in field order (as its __init__ sets them) is copied
    from its __dict__ in one step, and only its values that are not plain scalars are converted."""
    if obj is None or type(obj) in _SCALARS:
        return obj
    names = _field_names(type(obj))
    if names is not None:
        attrs = getattr(obj, "__dict__", None)
        if attrs is not None and len(attrs) == len(names) and tuple(attrs) == names:
            out = attrs.copy()
            for n, v in attrs.items():
                if v is not None and type(v) not in _SCALARS:
                    out[n] = _plain(v)
            return out
        return {n: _plain(getattr(obj, n)) for n in names}
    if isinstance(obj, enum.Enum):
        return obj._value_  # the plain attribute behind `.value` (a slower descriptor)
    if isinstance(obj, (list, tuple)):
        return [_plain(x) for x in obj]
    return obj


_SCALARS = frozenset({str, int, float, bool})


def record_dict(rec: Criterion | ErrorRow) -> dict[str, Any]:
    """Nested JSON form; error rows carry `record: error`."""
    d = _plain(rec)
    d["record"] = "error" if isinstance(rec, ErrorRow) else "criterion"
    return d


@functools.lru_cache(maxsize=None)
def _flat_plan(cls: type, prefix: str = "") -> tuple:
    """(attribute, nested plan or None, column) per field of `cls`, in `schema.flatten` order."""
    plan = []
    for name, tp in typing.get_type_hints(cls).items():
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        base = args[0] if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 1 else tp
        if dataclasses.is_dataclass(base):
            plan.append((name, _flat_plan(base, f"{prefix}{name}_"), None))
        else:
            plan.append((name, None, f"{prefix}{name}"))
    return tuple(plan)


def _flatten_into(row: dict[str, Any], obj: Any, plan: tuple) -> None:
    for name, sub, col in plan:
        v = getattr(obj, name)
        if sub is not None:
            if v is not None:
                _flatten_into(row, v, sub)
        elif v is None or type(v) in _SCALARS:
            row[col] = v
        elif isinstance(v, enum.Enum):
            row[col] = v.value
        elif isinstance(v, list):
            row[col] = _ENCODE(_plain(v))
        else:
            row[col] = v


def flat_row(rec: Criterion | ErrorRow) -> dict[str, Any]:
    """One flat row (FLAT_COLUMNS): `schema.flatten` of a criterion, or the error fields."""
    row = dict.fromkeys(FLAT_COLUMNS)
    if isinstance(rec, ErrorRow):
        row.update(record="error", trial_id=rec.trial_id, error_source=rec.source, error_reason=rec.reason.value,
                   error_message=rec.message, error_line=rec.line, error_offset=rec.offset)
    else:
        _flatten_into(row, rec, _flat_plan(type(rec)))
        row["record"] = "criterion"
    return row


# ---------------------------------------------------------------- pure encoders


def encode_jsonl(records: Iterable[Criterion | ErrorRow]) -> str:
    """JSON Lines text of `records` (one line each, UTF-8 kept as is): `record_dict` of each, but
    the encoder walks a criterion's nested records itself (`_nested`), so that only the top level
    is copied (to add `record`); the same text."""
    enc = _ENCODE_NESTED
    lines = []
    for r in records:
        attrs = getattr(r, "__dict__", None)
        if type(r) is Criterion and attrs is not None and tuple(attrs) == _field_names(Criterion):
            d = attrs.copy()
            d["record"] = "criterion"
        else:
            d = record_dict(r)
        lines.append(enc(d))
    return "".join(line + "\n" for line in lines)


def _nested(obj: Any) -> Any:
    """The encoder's fallback for a nested record: its attributes when they are its fields in order
    (values the encoder takes as they are: the enums are str), else `_plain`."""
    names = _field_names(type(obj))
    if names is None:
        raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
    attrs = getattr(obj, "__dict__", None)
    return attrs if attrs is not None and tuple(attrs) == names else _plain(obj)


# one encoder for all records: json.dumps with a keyword builds a new JSONEncoder per call (same text)
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_ENCODE_NESTED = json.JSONEncoder(ensure_ascii=False, default=_nested).encode


def _csv_text(rows: Iterable[dict[str, Any]], header: bool) -> str:
    buf = io.StringIO(newline="")
    w = csv.DictWriter(buf, fieldnames=FLAT_COLUMNS)
    if header:
        w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def encode_csv(records: Iterable[Criterion | ErrorRow]) -> str:
    """CSV rows of `records` without the header line (`csv_header()`), `\\r\\n` line ends."""
    return _csv_text((flat_row(r) for r in records), header=False)


def csv_header() -> str:
    return _csv_text((), header=True)


@functools.lru_cache(maxsize=None)
def flat_schema():
    """Arrow schema of the flat rows (Parquet, `extract_frame`): FLAT_COLUMNS in order."""
    import pyarrow as pa

    from .schema import arrow_schema

    return pa.schema([pa.field("record", pa.string())] + list(arrow_schema()) + [
        pa.field("error_source", pa.string()), pa.field("error_reason", pa.string()),
        pa.field("error_message", pa.string()), pa.field("error_line", pa.int64()),
        pa.field("error_offset", pa.int64()),
    ])


def encode_arrow(records: Iterable[Criterion | ErrorRow]):
    """An Arrow RecordBatch of the flat rows of `records` (schema `flat_schema()`)."""
    import pyarrow as pa

    return pa.RecordBatch.from_pylist([flat_row(r) for r in records], schema=flat_schema())


ENCODERS = {"jsonl": encode_jsonl, "csv": encode_csv, "parquet": encode_arrow}


def encode(records: Sequence[Criterion | ErrorRow], fmt: str):
    """`records` in output format `fmt`: str (jsonl, csv) or a pyarrow RecordBatch (parquet)."""
    return ENCODERS[fmt](records)


def frame_dtypes() -> dict[str, str]:
    """pandas dtypes of the flat columns: nullable string / Int64 / float64 / boolean. Stable for
    every input (also an empty one), which is what Dask's `meta` and Spark's schema need."""
    import pyarrow as pa

    def dtype(t) -> str:
        if pa.types.is_integer(t):
            return "Int64"
        if pa.types.is_floating(t):
            return "float64"
        if pa.types.is_boolean(t):
            return "boolean"
        return "string"

    return {f.name: dtype(f.type) for f in flat_schema()}


# ---------------------------------------------------------------- atomic writers


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _temp_beside(path: Path) -> Path:
    """A new empty hidden temp file in `path`'s directory (same filesystem, so rename is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        tmp = path.parent / f".{path.name}.{uuid.uuid4().hex[:12]}.tmp"
        try:  # mode 0o666 minus the umask, like any new file (mkstemp would make it 0o600)
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            return tmp
        except FileExistsError:  # pragma: no cover
            continue


def _commit(tmp: Path, path: Path) -> None:
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


class AtomicWriter:
    """Base: writes into a temp file next to the target and renames it on `close()`."""

    fmt = ""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.tmp = _temp_beside(self.path)
        self.count = 0

    def write(self, records: Iterable[Criterion | ErrorRow]) -> None:
        records = list(records)
        self.count += len(records)
        self.write_encoded(encode(records, self.fmt))

    def write_encoded(self, payload) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        pass

    def close(self) -> None:
        """Flush, fsync and rename the temp file over the target."""
        self._finish()
        _commit(self.tmp, self.path)

    def abort(self) -> None:
        self._finish()
        self.tmp.unlink(missing_ok=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.close()
        else:
            self.abort()


class _TextWriter(AtomicWriter):
    def __init__(self, path, header: str = ""):
        super().__init__(path)
        self.fh = open(self.tmp, "w", encoding="utf-8", newline="")
        self.fh.write(header)

    def write_encoded(self, payload: str) -> None:
        self.fh.write(payload)

    def _finish(self):
        if not self.fh.closed:
            self.fh.close()


class JsonlWriter(_TextWriter):
    fmt = "jsonl"


class CsvWriter(_TextWriter):
    """CSV with the FLAT_COLUMNS header (`header=False` for a part file that is concatenated later)."""

    fmt = "csv"

    def __init__(self, path, header: bool = True):
        super().__init__(path, csv_header() if header else "")


class ParquetWriter(AtomicWriter):
    """Row groups of about `batch` rows are written as they fill, so memory stays flat."""

    fmt = "parquet"

    def __init__(self, path, batch: int = ROW_GROUP_ROWS):
        super().__init__(path)
        import pyarrow.parquet as pq

        self.schema = flat_schema()
        self.w = pq.ParquetWriter(self.tmp, self.schema)
        self.buf: list = []
        self.buffered = 0
        self.batch = batch

    def write_encoded(self, payload) -> None:
        self.buf.append(payload)
        self.buffered += payload.num_rows
        if self.buffered >= self.batch:
            self._flush()

    def _flush(self):
        import pyarrow as pa

        if self.buf:
            table = pa.Table.from_batches(self.buf, schema=self.schema)
            self.w.write_table(table, row_group_size=max(self.buffered, 1))
            self.buf, self.buffered = [], 0

    def _finish(self):
        if self.w is not None:
            self._flush()
            self.w.close()
            self.w = None


WRITERS = {"jsonl": JsonlWriter, "csv": CsvWriter, "parquet": ParquetWriter}


def open_writer(path: str | Path, fmt: str | None = None, **options) -> AtomicWriter:
    return WRITERS[format_for(path, fmt)](path, **options)


# ---------------------------------------------------------------- publishing parts


def concat_files(parts: Iterable[str | Path], dest: str | Path, header: str = "") -> None:
    """`header` + the bytes of `parts` in order -> `dest`, atomically (temp file + rename)."""
    dest = Path(dest)
    tmp = _temp_beside(dest)
    try:
        with open(tmp, "wb") as out:
            out.write(header.encode("utf-8"))
            for p in parts:
                with open(p, "rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 20)
        _commit(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_leftovers(dest: str | Path) -> None:
    """Remove what interrupted atomic writes of `dest` left beside it (a process killed between
    creating and renaming them): the hidden temp files of `_temp_beside` and the `.tmp` / `.old`
    directories of `replace_directory`."""
    dest = Path(dest)
    name = re.compile(rf"\.{re.escape(dest.name)}\.[0-9a-f]{{8,12}}\.(?:tmp|old)")
    try:
        entries = list(dest.parent.iterdir())
    except OSError:
        return
    for p in entries:
        if name.fullmatch(p.name):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)


def replace_directory(files: Sequence[str | Path], dest: str | Path) -> None:
    """Move `files` into a fresh directory and put it at `dest` (a Parquet dataset of part files).

    The new directory is filled under a hidden temp name and renamed into place; an older `dest`
    is first renamed aside and then deleted, so `dest` is never a mix of two runs.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    tmp = dest.parent / f".{dest.name}.{tag}.tmp"
    tmp.mkdir()
    for f in files:
        os.replace(f, tmp / Path(f).name)
    _fsync_dir(tmp)
    old = None
    if dest.is_dir() and not dest.is_symlink():
        old = dest.parent / f".{dest.name}.{tag}.old"
        os.replace(dest, old)
    elif dest.exists():
        dest.unlink()
    os.replace(tmp, dest)
    _fsync_dir(dest.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
