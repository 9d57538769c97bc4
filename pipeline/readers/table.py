"""CSV / TSV tables with a header: one trial per row, id and criteria from chosen columns.

Parsed with the `csv` module, so quoted cells may hold delimiters, doubled quotes and embedded
newlines; a cell's text is kept exactly as the csv module returns it (line endings inside quoted
cells included). The delimiter comes from the name (`.csv` comma, `.tsv` / `.tab` tab) or, for other
names, from the header line (the most frequent of tab, comma, `|`, `;`).

Columns: `id_column` / `text_column` when given (exact name, else case-insensitive), otherwise the
first present of nct_id, nctid, nctId, trial_id, id and criteria, eligibility_criteria,
eligibilityCriteria, text. sex/gender, minimum_age, maximum_age, healthy_volunteers and
title/brief_title are read when such columns exist.

Each row's source is "path:line N", N being the physical line where the row starts (the header is
line 1). A row whose number of cells differs from the header's gives MALFORMED_RECORD (a stray
delimiter or quote would otherwise shift text into the wrong column); an empty id cell
MISSING_FIELD; an empty criteria cell EMPTY_CRITERIA; undecodable bytes ENCODING with the byte
offset.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import IO, Any

from ..schema import ErrorRow, Reason
from ._container import read_inputs
from ._io import Line, Record, iter_lines, make_trial, suffix_of

NAME = "table"
EXTENSIONS = (".csv", ".tsv", ".tab")

ID_COLUMNS = ("nct_id", "nctid", "nctId", "trial_id", "id")
TEXT_COLUMNS = ("criteria", "eligibility_criteria", "eligibilityCriteria", "text")
FIELD_COLUMNS = {
    "sex": ("sex", "gender"),
    "minimum_age": ("minimum_age", "minimumAge", "min_age"),
    "maximum_age": ("maximum_age", "maximumAge", "max_age"),
    "healthy_volunteers": ("healthy_volunteers", "healthyVolunteers"),
    "title": ("title", "brief_title", "briefTitle"),
}
FIELD_LIMIT = 32 << 20  # characters in one cell


def accepts(name: str) -> bool:
    return suffix_of(name) in EXTENSIONS


def read(
    path: Any,
    *,
    encoding: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
    delimiter: str | None = None,
    **_: Any,
) -> Iterator[Record]:
    """Trials (or ErrorRows) of a CSV / TSV file, a directory or an archive of them."""
    return read_inputs(
        path,
        accepts,
        read_stream,
        encoding=encoding,
        id_column=id_column,
        text_column=text_column,
        delimiter=delimiter,
    )


def read_stream(
    stream: IO[bytes],
    source: str,
    name: str = "",
    *,
    encoding: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
    delimiter: str | None = None,
    **_: Any,
) -> Iterator[Record]:
    ext = suffix_of(name or source)
    if delimiter is None:
        delimiter = {".csv": ",", ".tsv": "\t", ".tab": "\t"}.get(ext)
    yield from read_delimited(
        stream,
        source,
        delimiter=delimiter,
        id_column=id_column,
        text_column=text_column,
        encoding=encoding,
    )


def sniff_delimiter(header: str) -> str:
    counts = {d: header.count(d) for d in ("\t", ",", "|", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def find_column(header: Sequence[str], wanted: Sequence[str]) -> int | None:
    """Index of the first of `wanted` in `header` (exact match first, then case-insensitive)."""
    for w in wanted:
        if w in header:
            return header.index(w)
    lower = [h.lower() for h in header]
    for w in wanted:
        if w.lower() in lower:
            return lower.index(w.lower())
    return None


class _Feed:
    """Lines for csv.reader; remembers where the current row started and its first bad byte."""

    def __init__(self, lines: Iterator[Line]):
        self._lines = lines
        self._pushed: list[Line] = []
        self.start_line: int | None = None
        self.start_offset: int | None = None
        self.bad: int | None = None
        self.problem: str | None = None

    def push(self, line: Line) -> None:
        self._pushed.append(line)

    def mark(self) -> None:
        self.start_line = self.start_offset = self.bad = self.problem = None

    def __iter__(self) -> _Feed:
        return self

    def __next__(self) -> str:
        line = self._pushed.pop() if self._pushed else next(self._lines)
        if self.start_line is None:
            self.start_line, self.start_offset = line.number, line.offset
        if line.bad is not None and self.bad is None:
            self.bad, self.problem = line.bad, line.problem
        return line.text


def read_delimited(
    stream: IO[bytes],
    source: str,
    *,
    delimiter: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
    id_columns: Sequence[str] = ID_COLUMNS,
    text_columns: Sequence[str] = TEXT_COLUMNS,
    field_columns: dict[str, Sequence[str]] | None = None,
    encoding: str | None = None,
) -> Iterator[Record]:
    """Rows of a delimited table with a header line -> Trials / ErrorRows (shared with `aact`)."""
    if csv.field_size_limit() < FIELD_LIMIT:
        csv.field_size_limit(FIELD_LIMIT)
    lines = iter_lines(stream, encoding, source=source)
    first = next(lines, None)
    if first is None:
        yield ErrorRow(source, Reason.MALFORMED_RECORD, "empty file: no header line")
        return
    if delimiter is None:
        delimiter = sniff_delimiter(first.text)
    feed = _Feed(lines)
    feed.push(first)
    reader = csv.reader(feed, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
    try:
        header = next(reader)
    except csv.Error as exc:
        yield ErrorRow(source, Reason.MALFORMED_RECORD, f"header line: {exc}", line=1)
        return
    except StopIteration:
        yield ErrorRow(source, Reason.MALFORMED_RECORD, "empty file: no header line")
        return
    if feed.bad is not None:
        yield ErrorRow(
            source,
            Reason.ENCODING,
            f"header line: {feed.problem} at byte {feed.bad}",
            line=1,
            offset=feed.bad,
        )
        return
    header = [h.strip() for h in header]
    id_wanted = (id_column,) if id_column else tuple(id_columns)
    text_wanted = (text_column,) if text_column else tuple(text_columns)
    id_idx = find_column(header, id_wanted)
    text_idx = find_column(header, text_wanted)
    for idx, wanted, what in ((id_idx, id_wanted, "id"), (text_idx, text_wanted, "criteria")):
        if idx is None:
            yield ErrorRow(
                source,
                Reason.MISSING_FIELD,
                f"no {what} column ({' / '.join(wanted)}) in header {header!r:.300}",
                line=1,
            )
            return
    fields = {
        name: find_column(header, cols)
        for name, cols in (field_columns if field_columns is not None else FIELD_COLUMNS).items()
    }
    id_name, text_name = header[id_idx], header[text_idx]
    while True:
        feed.mark()
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield ErrorRow(
                source,
                Reason.MALFORMED_RECORD,
                f"CSV error: {exc}",
                line=feed.start_line,
                offset=feed.start_offset,
            )
            continue
        line, offset = feed.start_line, feed.start_offset
        if not row:
            continue  # blank line
        trial_id = row[id_idx].strip() if id_idx < len(row) and feed.bad is None else None
        if feed.bad is not None:
            cell = row[id_idx] if id_idx < len(row) else ""
            tid = cell.strip() if cell.isascii() and cell.strip() else None
            yield ErrorRow(
                source, Reason.ENCODING, f"{feed.problem} at byte {feed.bad}", tid, line, feed.bad
            )
            continue
        if len(row) != len(header):
            yield ErrorRow(
                source,
                Reason.MALFORMED_RECORD,
                f"row has {len(row)} cells, header has {len(header)} (stray delimiter or quote?)",
                trial_id or None,
                line,
                offset,
            )
            continue
        yield make_trial(
            source=f"{source}:line {line}",
            error_source=source,
            trial_id=trial_id,
            criteria=row[text_idx],
            id_field=f"{id_name!r} value",
            text_field=f"{text_name!r} value",
            line=line,
            offset=offset,
            **{name: (row[i] if i is not None else None) for name, i in fields.items()},
        )
