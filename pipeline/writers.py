"""Streaming writers for JSON Lines, CSV and Parquet; every write is atomic (temp file + rename)."""
from __future__ import annotations

import csv
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterable

from .schema import CRITERION_COLUMNS, Criterion, ErrorRow, flatten, to_dict

ERROR_FIELDS = ["error_source", "error_reason", "error_message", "error_line", "error_offset"]
FLAT_COLUMNS = ["record"] + CRITERION_COLUMNS + ERROR_FIELDS
FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def format_for(path: str | Path, explicit: str | None = None) -> str:
    if explicit:
        return explicit
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"{path}: cannot tell the output format from {suffix!r}; use .jsonl, .csv or .parquet")
    return FORMATS[suffix]


def record_dict(rec: Criterion | ErrorRow) -> dict[str, Any]:
    """Nested JSON form; error rows carry `record: error`."""
    d = to_dict(rec)
    d["record"] = "error" if isinstance(rec, ErrorRow) else "criterion"
    return d


def flat_row(rec: Criterion | ErrorRow) -> dict[str, Any]:
    row = dict.fromkeys(FLAT_COLUMNS)
    if isinstance(rec, ErrorRow):
        row.update(record="error", trial_id=rec.trial_id, error_source=rec.source, error_reason=rec.reason.value,
                   error_message=rec.message, error_line=rec.line, error_offset=rec.offset)
    else:
        row.update(flatten(rec))
        row["record"] = "criterion"
    return row


class AtomicWriter:
    """Base: writes into a temp file next to the target and renames it on `close()`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.count = 0

    def write(self, records: Iterable[Criterion | ErrorRow]) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        pass

    def close(self) -> None:
        self._finish()
        os.replace(self.tmp, self.path)

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


class JsonlWriter(AtomicWriter):
    def __init__(self, path):
        super().__init__(path)
        self.fh = open(self.tmp, "w", encoding="utf-8")

    def write(self, records):
        for rec in records:
            self.fh.write(json.dumps(record_dict(rec), ensure_ascii=False) + "\n")
            self.count += 1

    def _finish(self):
        if not self.fh.closed:
            self.fh.close()


class CsvWriter(AtomicWriter):
    def __init__(self, path):
        super().__init__(path)
        self.fh = open(self.tmp, "w", encoding="utf-8", newline="")
        self.w = csv.DictWriter(self.fh, fieldnames=FLAT_COLUMNS)
        self.w.writeheader()

    def write(self, records):
        for rec in records:
            self.w.writerow(flat_row(rec))
            self.count += 1

    def _finish(self):
        if not self.fh.closed:
            self.fh.close()


class ParquetWriter(AtomicWriter):
    """Row groups are flushed every `batch` rows, so memory stays flat."""

    def __init__(self, path, batch: int = 20_000):
        super().__init__(path)
        import pyarrow as pa
        import pyarrow.parquet as pq

        from .schema import arrow_schema

        base = arrow_schema()
        fields = [pa.field("record", pa.string())] + list(base) + [
            pa.field("error_source", pa.string()), pa.field("error_reason", pa.string()),
            pa.field("error_message", pa.string()), pa.field("error_line", pa.int64()),
            pa.field("error_offset", pa.int64()),
        ]
        self.schema = pa.schema(fields)
        self.pa = pa
        self.w = pq.ParquetWriter(self.tmp, self.schema)
        self.buf: list[dict] = []
        self.batch = batch

    def write(self, records):
        for rec in records:
            self.buf.append(flat_row(rec))
            self.count += 1
            if len(self.buf) >= self.batch:
                self._flush()

    def _flush(self):
        if self.buf:
            self.w.write_table(self.pa.Table.from_pylist(self.buf, schema=self.schema))
            self.buf = []

    def _finish(self):
        if self.w is not None:
            self._flush()
            self.w.close()
            self.w = None


def open_writer(path: str | Path, fmt: str | None = None) -> AtomicWriter:
    kind = format_for(path, fmt)
    return {"jsonl": JsonlWriter, "csv": CsvWriter, "parquet": ParquetWriter}[kind](path)
