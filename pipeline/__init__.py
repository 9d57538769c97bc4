"""Eligibility criteria of clinical-trial registries -> computable criteria.

Public API:
    extract(inputs, output)     read registry files, write criteria (JSONL/CSV/Parquet) + manifest
    extract_trial(trial)        criteria of one `Trial`
    extract_frame(df)           DataFrame of trials -> DataFrame of flat criterion rows
    read(paths)                 stream `Trial` / `ErrorRow` records from registry files
    load()                      a spaCy pipeline with the `elig_criteria` component
"""
from __future__ import annotations

__version__ = "0.1.0"

from .batch import extract, extract_frame  # noqa: E402
from .extract import extract_trial  # noqa: E402
from .schema import Criterion, ErrorRow, Trial  # noqa: E402


def read(paths, **kwargs):
    """Stream `Trial` and `ErrorRow` records from registry files (see `pipeline.readers.read`)."""
    from .readers import read as _read

    return _read(paths, **kwargs)


def load():
    """spaCy Language with the clinical tokenizer and the `elig_criteria` component."""
    from .components import load as _load

    return _load()


__all__ = ["extract", "extract_frame", "extract_trial", "read", "load", "Criterion", "ErrorRow", "Trial", "__version__"]
