"""Read registry records into `Trial`s, streaming, one record at a time (constant memory).

    from pipeline.readers import read
    for rec in read(["studies.jsonl.gz", "legacy_xml.tar.gz"]):
        ...  # a Trial, or an ErrorRow for a record that could not be read

Formats (`FORMATS`; `detect_format` picks one per path when `format` is not given):

* `ctgov_json`  ClinicalTrials.gov API v2 JSON: one study, an array, JSON Lines, API pages, the
                bulk zip; also `{"nctid": ..., "criteria": ...}` rows (HINT) and other
                `{id, criteria}` rows.
* `ctgov_xml`   legacy ClinicalTrials.gov XML: files, directories, zip / tar(.gz) archives.
* `aact`        AACT `eligibilities.txt` (pipe-delimited).
* `table`       CSV / TSV with an id and a criteria column (`id_column`, `text_column`).
* `text`        plain text, one trial per file, id = file name stem; directories of them.

Directories (recursive, sorted) and zip / tar archives: with `format`, the files of that format
are read; without, every file of a known format is read in its own format (plain `.txt` files
only when most files are `.txt`, so that a README is not taken for a trial; a directory or zip
holding `eligibilities.txt` is an AACT export and only that file is read).

Aliases accepted for `format`: json, jsonl, ndjson, hint -> ctgov_json; xml -> ctgov_xml;
csv, tsv -> table (tsv forces a tab delimiter); txt -> text.

Guarantees:
* `read()` never raises for bad input: every unreadable file, line, row or archive member yields an
  `ErrorRow` (reason MALFORMED_RECORD, MISSING_FIELD, EMPTY_CRITERIA, ENCODING or UNREADABLE, with
  line / byte offset where known) and reading goes on with the next record (after damage to a
  gzip or tar stream, or a truncated zip, with the next path). Only caller errors raise, at call
  time: an unknown `format` or `encoding` (ValueError).
* The criteria text is exactly what the format gives after its own decoding (JSON string, XML text,
  csv cell, file content): no stripping, re-indenting or line-ending normalization.
* Encoding: BOM, else UTF-8; invalid UTF-8 is an ENCODING error row unless `encoding=` is passed
  (see `pipeline.readers._io`).
* `Trial.source`: "path" for a file with one record, "path:line N" for JSON Lines / CSV rows,
  "path:item N" for items of a JSON array, "archive.zip!member.json" for archive members.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Union

from ..schema import ErrorRow, Reason, Trial
from . import aact, ctgov_json, ctgov_xml, table, text
from ._container import TAR_SUFFIXES, ZIP_SUFFIXES, _dir_members, container_kind, read_inputs
from ._io import check_encoding, error_from, guard
from .detect import FORMATS, detect_format, format_for_name, sniff_format

__all__ = [
    "FORMATS",
    "READERS",
    "canonical_format",
    "detect_format",
    "read",
    "read_frame",
    "sniff_format",
]

READERS = {
    "ctgov_json": ctgov_json.read,
    "ctgov_xml": ctgov_xml.read,
    "aact": aact.read,
    "table": table.read,
    "text": text.read,
}
STREAM_READERS = {
    "ctgov_json": ctgov_json.read_stream,
    "ctgov_xml": ctgov_xml.read_stream,
    "aact": aact.read_stream,
    "table": table.read_stream,
    "text": text.read_stream,
}
ALIASES = {
    "json": "ctgov_json",
    "jsonl": "ctgov_json",
    "ndjson": "ctgov_json",
    "hint": "ctgov_json",
    "ctgov": "ctgov_json",
    "xml": "ctgov_xml",
    "csv": "table",
    "tsv": "table",
    "txt": "text",
    "plain": "text",
}

PathArg = Union[str, "os.PathLike[str]"]


def canonical_format(format: str | None) -> str | None:
    """'xml' -> 'ctgov_xml' etc.; None stays None; ValueError for an unknown name."""
    if format is None:
        return None
    name = format.strip().lower()
    name = ALIASES.get(name, name)
    if name not in FORMATS:
        raise ValueError(
            f"unknown format {format!r}; expected one of {', '.join(FORMATS)}"
            f" (or {', '.join(ALIASES)})"
        )
    return name


def _as_list(paths: PathArg | Iterable[PathArg]) -> list:
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [paths]
    return list(paths)


def read(
    paths: PathArg | Iterable[PathArg],
    format: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
    encoding: str | None = None,
) -> Iterator[Trial | ErrorRow]:
    """Every record of every path, in order, as `Trial` or `ErrorRow`.

    `paths`: one path or an iterable of them (files, directories, archives).
    `format`: one of FORMATS (or an alias) for all paths, else detected per path.
    `id_column` / `text_column`: the columns (table, aact) or keys (generic JSON rows) holding the
    id and the criteria. `encoding`: decode with this codec instead of the BOM / UTF-8 rule.
    """
    fmt = canonical_format(format)
    check_encoding(encoding)
    delimiter = "\t" if format and format.strip().lower() == "tsv" else None
    return _read(_as_list(paths), fmt, id_column, text_column, encoding, delimiter)


def _read(
    paths: list,
    fmt: str | None,
    id_column: str | None,
    text_column: str | None,
    encoding: str | None,
    delimiter: str | None,
) -> Iterator[Trial | ErrorRow]:
    options: dict[str, Any] = {
        "encoding": encoding,
        "id_column": id_column,
        "text_column": text_column,
    }
    if delimiter:
        options["delimiter"] = delimiter
    for path in paths:
        display = os.fsdecode(path) if isinstance(path, bytes) else os.fspath(path)
        yield from _read_one(display, fmt, options)


def _read_one(display: str, fmt: str | None, options: dict[str, Any]) -> Iterator[Trial | ErrorRow]:
    if fmt is None:
        kind = container_kind(Path(display)) if os.path.exists(display) else None
        if kind is not None:
            yield from guard(_read_container(display, kind, options), display)
            return
        try:
            fmt = detect_format(display)
        except Exception as exc:  # noqa: BLE001 - reported as a row, never raised
            yield error_from(exc, display)
            return
    yield from guard(READERS[fmt](display, **options), display)


def _read_container(display: str, kind: str, options: dict[str, Any]) -> Iterator[Trial | ErrorRow]:
    """A directory or archive without `format`: every file of a known format, each in its own.

    Plain `.txt` files are read only when most files are `.txt` (so that a README next to XML or
    JSON data is not taken for a trial); a container holding `eligibilities.txt` is an AACT export
    and only that file is read. Inside a directory, archives are read too.
    """
    fmt = detect_format(display)  # the dominant format (InputError when there is none)
    if fmt == "aact":
        yield from aact.read(display, **options)
        return
    allow_text = fmt == "text"

    def wanted(name: str) -> bool:
        found = format_for_name(name)
        return found is not None and (found != "text" or allow_text)

    if kind == "dir":
        for member in _dir_members(Path(display), display, lambda name: True):
            lower = member.name.lower()
            if wanted(member.name) or lower.endswith(ZIP_SUFFIXES + TAR_SUFFIXES):
                yield from _read_one(member.source, None, options)
        return

    def read_stream(stream: Any, source: str, name: str, **opts: Any) -> Iterator[Trial | ErrorRow]:
        return STREAM_READERS[format_for_name(name) or "text"](stream, source, name, **opts)

    yield from read_inputs(display, wanted, read_stream, **options)


TRIAL_COLUMNS = [
    "trial_id",
    "source",
    "criteria",
    "minimum_age",
    "maximum_age",
    "sex",
    "healthy_volunteers",
    "title",
]
FRAME_COLUMNS = TRIAL_COLUMNS + ["record", "reason", "message", "line", "offset"]


def read_frame(
    paths: PathArg | Iterable[PathArg],
    format: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
    encoding: str | None = None,
):
    """`read()` as a pandas DataFrame: one row per Trial (record == "trial") or ErrorRow ("error").

    Columns: the Trial fields, then record, reason, message, line, offset (error fields are empty on
    trial rows and trial fields other than trial_id / source on error rows). healthy_volunteers is a
    nullable boolean, line / offset nullable integers.
    """
    import pandas as pd

    rows = []
    for rec in read(
        paths, format=format, id_column=id_column, text_column=text_column, encoding=encoding
    ):
        if isinstance(rec, Trial):
            row = {c: getattr(rec, c) for c in TRIAL_COLUMNS}
            row.update(record="trial", reason=None, message=None, line=None, offset=None)
        else:
            row = {c: None for c in TRIAL_COLUMNS}
            row.update(
                trial_id=rec.trial_id,
                source=rec.source,
                record="error",
                reason=Reason(rec.reason).value,
                message=rec.message,
                line=rec.line,
                offset=rec.offset,
            )
        rows.append(row)
    frame = pd.DataFrame(rows, columns=FRAME_COLUMNS)
    frame = frame.astype({"healthy_volunteers": "boolean", "line": "Int64", "offset": "Int64"})
    return frame
