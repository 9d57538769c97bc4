"""The library API behind `eligibility extract`: one trial, a stream of trials, a DataFrame.

Every input record is accounted for: it yields criteria (possibly none) or an ErrorRow, and the
manifest written beside the output lists each record with its status.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from .criteria import build_criteria
from .registry_fields import registry_criteria
from .schema import Criterion, ErrorRow, Reason, Trial


def extract_trial(trial: Trial, include_registry: bool = True) -> list[Criterion]:
    """Computable criteria of one trial: structured registry fields first, then the text."""
    out = registry_criteria(trial) if include_registry else []
    if trial.criteria and trial.criteria.strip():
        out.extend(build_criteria(trial))
    return out


def process(records: Iterable[Trial | ErrorRow]) -> Iterator[tuple[Trial | ErrorRow, list[Criterion | ErrorRow]]]:
    """For each input record: (record, its output rows). A failing trial becomes an ErrorRow."""
    for rec in records:
        if isinstance(rec, ErrorRow):
            yield rec, [rec]
            continue
        try:
            yield rec, list(extract_trial(rec))
        except Exception as exc:  # noqa: BLE001 - one bad record must not stop a registry-wide run
            yield rec, [ErrorRow(rec.source, Reason.PIPELINE_ERROR, f"{type(exc).__name__}: {exc}", rec.trial_id)]


def _process_one(rec):
    return next(process([rec]))


def process_parallel(records: Iterable[Trial | ErrorRow], jobs: int, batch: int = 256):
    """Like `process`, over `jobs` worker processes; results in input order, memory bounded by
    `batch` records in flight (Pool.imap would read the whole input ahead)."""
    import itertools
    import multiprocessing as mp

    if jobs <= 1:
        yield from process(records)
        return
    ctx = mp.get_context("spawn" if mp.get_start_method(allow_none=True) == "spawn" else "fork")
    it = iter(records)
    with ctx.Pool(jobs) as pool:
        while True:
            chunk = list(itertools.islice(it, batch))
            if not chunk:
                break
            yield from pool.map(_process_one, chunk, chunksize=max(1, len(chunk) // (jobs * 4)))


@dataclass
class Summary:
    read: int = 0
    ok: int = 0
    errors: int = 0
    criteria: int = 0
    output: Optional[str] = None
    manifest: Optional[str] = None
    error_reasons: dict[str, int] = field(default_factory=dict)


def extract(
    inputs: list[str | Path],
    output: str | Path,
    input_format: Optional[str] = None,
    output_format: Optional[str] = None,
    id_column: Optional[str] = None,
    text_column: Optional[str] = None,
    progress: Optional[Callable[[int], None]] = None,
    jobs: int = 1,
) -> Summary:
    """Read `inputs`, write criteria to `output` (.jsonl/.csv/.parquet) and `<output>.manifest.jsonl`."""
    from .readers import read
    from .writers import AtomicWriter, JsonlWriter, open_writer

    summary = Summary(output=str(output))
    out_path = Path(output)
    manifest_path = out_path.with_name(out_path.name + ".manifest.jsonl")
    summary.manifest = str(manifest_path)
    records = read([str(p) for p in inputs], format=input_format, id_column=id_column, text_column=text_column)
    writer: AtomicWriter = open_writer(out_path, output_format)
    manifest = JsonlWriter(manifest_path)
    try:
        for rec, rows in process_parallel(records, jobs):
            summary.read += 1
            err = next((r for r in rows if isinstance(r, ErrorRow)), None)
            if err is not None:
                summary.errors += 1
                summary.error_reasons[err.reason.value] = summary.error_reasons.get(err.reason.value, 0) + 1
                entry = {"trial_id": err.trial_id, "source": err.source, "status": "error",
                         "reason": err.reason.value, "message": err.message, "line": err.line, "offset": err.offset}
            else:
                summary.ok += 1
                summary.criteria += len(rows)
                entry = {"trial_id": rec.trial_id, "source": rec.source, "status": "ok", "criteria": len(rows)}
            writer.write(rows)
            manifest.fh.write(json.dumps(entry, ensure_ascii=False) + "\n")
            if progress:
                progress(1)
    except BaseException:
        writer.abort()
        manifest.abort()
        raise
    writer.close()
    manifest.close()
    return summary


def extract_frame(df, id_column: str = "trial_id", text_column: str = "criteria"):
    """pandas DataFrame of trials -> DataFrame of flat criterion rows (for Dask `map_partitions`
    or Spark `mapInPandas`). Optional columns: minimum_age, maximum_age, sex, healthy_volunteers."""
    import pandas as pd

    from .writers import FLAT_COLUMNS, flat_row

    rows = []
    for i, r in enumerate(df.to_dict("records")):
        tid = r.get(id_column)
        tid = None if tid is None or (isinstance(tid, float) and pd.isna(tid)) or str(tid) == "" else str(tid)
        text = r.get(text_column)
        src = str(r.get("source") or f"frame:row {i}")
        if tid is None or not isinstance(text, str):
            rows.append(flat_row(ErrorRow(src, Reason.MISSING_FIELD, f"row {i}: missing {id_column} or {text_column}", tid)))
            continue
        if not text.strip():
            rows.append(flat_row(ErrorRow(src, Reason.EMPTY_CRITERIA, f"row {i}: empty {text_column}", tid)))
            continue
        hv = r.get("healthy_volunteers")
        trial = Trial(str(tid), src, text, r.get("minimum_age"), r.get("maximum_age"), r.get("sex"),
                      hv if isinstance(hv, bool) else None)
        for _, out in process([trial]):
            rows.extend(flat_row(x) for x in out)
    return pd.DataFrame(rows, columns=FLAT_COLUMNS)
