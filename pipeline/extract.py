"""Criteria of one trial, and of a stream of trials (`process`); the batch layer on top of these
(files in and out, manifest, resume, process pool, Dask, DataFrames) is `pipeline.batch`.

Every input record is accounted for: it yields criteria (possibly none) or an ErrorRow.
"""
from __future__ import annotations

from typing import Iterable, Iterator

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


# The batch API (`extract`, `Summary`, `process_parallel`, `extract_frame`) lives in `pipeline.batch`;
# these names stay importable from here.
_MOVED = {"extract", "extract_frame", "process_parallel", "Summary"}


def __getattr__(name: str):
    if name in _MOVED:
        from . import batch

        return getattr(batch, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
