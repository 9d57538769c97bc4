"""ClinicalTrials.gov API v2 study JSON, and generic `{id, criteria}` JSON rows (e.g. HINT).

Layouts, told apart by their first bytes (`.gz` / `.bz2` / `.xz` of any of them too):
* JSON Lines: one value per line (chosen when the first line is a complete JSON value, or the name
  ends in `.jsonl` / `.ndjson`). A bad line gives an ErrorRow with its line number and reading
  goes on.
* A JSON array of studies, streamed item by item (`raw_decode` over a window of at most one record
  plus one chunk): a multi-GB array is never loaded at once. A syntax error ends the array.
* One study object (pretty-printed or not), or several concatenated objects.
* An API v2 page `{"studies": [...], "nextPageToken": ...}` yields each study.
* A zip (the website's bulk download of per-study `NCT*.json`) or tar of any of these.

Record sources: "path" for a file with one record, "path:line N" for JSON Lines (and concatenated
objects: the line where the object starts), "path:item N" for the N-th item of an array or page,
"archive.zip!member.json" for archive members.

API v2 fields: `protocolSection.identificationModule.nctId` -> trial_id, `.briefTitle` -> title,
`protocolSection.eligibilityModule.{eligibilityCriteria, sex, minimumAge, maximumAge,
healthyVolunteers}`. Generic rows: the id is the first present of `id_column`, nct_id, nctid, nctId,
trial_id, id; the text the first of `text_column`, criteria, eligibility_criteria,
eligibilityCriteria, text; sex/gender, minimum_age, maximum_age, healthy_volunteers and
title/brief_title are picked up when present.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from ..errors import InputError
from ..schema import ErrorRow, Reason, Trial
from ._container import read_inputs
from ._io import (
    CHUNK,
    HEAD,
    MAX_RECORD_CHARS,
    Record,
    TextChunks,
    byte_length,
    choose_codec,
    first_escaped,
    iter_lines,
    make_trial,
    read_head,
    suffix_of,
)

NAME = "ctgov_json"
EXTENSIONS = (".json", ".jsonl", ".ndjson")
LINE_EXTENSIONS = (".jsonl", ".ndjson")

ID_KEYS = ("nct_id", "nctid", "nctId", "NCTId", "trial_id", "id")
TEXT_KEYS = ("criteria", "eligibility_criteria", "eligibilityCriteria", "text")
_FIELD_KEYS = {
    "sex": ("sex", "gender"),
    "minimum_age": ("minimum_age", "minimumAge", "min_age"),
    "maximum_age": ("maximum_age", "maximumAge", "max_age"),
    "healthy_volunteers": ("healthy_volunteers", "healthyVolunteers"),
    "title": ("title", "brief_title", "briefTitle"),
}

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def accepts(name: str) -> bool:
    return suffix_of(name) in EXTENSIONS


def read(
    path: Any,
    *,
    encoding: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
    **_: Any,
) -> Iterator[Record]:
    """Trials (or ErrorRows) of a JSON / JSON Lines file, a directory or an archive of them."""
    return read_inputs(
        path, accepts, read_stream, encoding=encoding, id_column=id_column, text_column=text_column
    )


# ---------------------------------------------------------------- records


def _first(obj: dict, keys: Iterable[str]) -> tuple[str | None, Any]:
    for k in keys:
        if k in obj:
            return k, obj[k]
    return None, None


def study_record(
    obj: Any,
    source: str,
    error_source: str,
    *,
    line: int | None = None,
    offset: int | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
) -> Record:
    """One decoded JSON value -> Trial or ErrorRow."""

    def error(reason: Reason, message: str, trial_id: str | None = None) -> ErrorRow:
        return ErrorRow(error_source, reason, message, trial_id=trial_id, line=line, offset=offset)

    if not isinstance(obj, dict):
        return error(Reason.MALFORMED_RECORD, f"expected a JSON object, got {type(obj).__name__}")
    common = {"source": source, "error_source": error_source, "line": line, "offset": offset}
    if "protocolSection" in obj:
        ps = obj["protocolSection"]
        if not isinstance(ps, dict):
            return error(Reason.MALFORMED_RECORD, "protocolSection is not an object")
        ident = ps.get("identificationModule")
        ident = ident if isinstance(ident, dict) else {}
        elig = ps.get("eligibilityModule")
        if elig is not None and not isinstance(elig, dict):
            return error(
                Reason.MALFORMED_RECORD, "eligibilityModule is not an object", ident.get("nctId")
            )
        elig = elig or {}
        return make_trial(
            trial_id=ident.get("nctId"),
            criteria=elig.get("eligibilityCriteria"),
            id_field="protocolSection.identificationModule.nctId",
            text_field="protocolSection.eligibilityModule.eligibilityCriteria",
            title=ident.get("briefTitle"),
            sex=elig.get("sex"),
            minimum_age=elig.get("minimumAge"),
            maximum_age=elig.get("maximumAge"),
            healthy_volunteers=elig.get("healthyVolunteers"),
            **common,
        )
    id_keys = (id_column,) if id_column else ID_KEYS
    text_keys = (text_column,) if text_column else TEXT_KEYS
    id_key, trial_id = _first(obj, id_keys)
    text_key, criteria = _first(obj, text_keys)
    fields = {name: _first(obj, keys)[1] for name, keys in _FIELD_KEYS.items()}
    return make_trial(
        trial_id=trial_id,
        criteria=criteria,
        id_field=f"id field ({id_key or ' / '.join(id_keys)})",
        text_field=f"criteria field ({text_key or ' / '.join(text_keys)})",
        **fields,
        **common,
    )


def _expand(
    value: Any,
    source: str,
    error_source: str,
    line: int | None,
    offset: int | None,
    opts: dict,
) -> Iterator[Record]:
    """A value -> its records (an API page `{"studies": [...]}` holds several)."""
    if (
        isinstance(value, dict)
        and "protocolSection" not in value
        and isinstance(value.get("studies"), list)
    ):
        for i, study in enumerate(value["studies"], 1):
            yield study_record(
                study, f"{error_source}:item {i}", error_source, line=line, offset=offset, **opts
            )
        return
    yield study_record(value, source, error_source, line=line, offset=offset, **opts)


def _trial_id_of(value: Any) -> str | None:
    try:
        if "protocolSection" in value:
            tid = value["protocolSection"]["identificationModule"]["nctId"]
        else:
            tid = _first(value, ID_KEYS)[1]
        return tid if isinstance(tid, str) and first_escaped(tid) is None else None
    except (TypeError, KeyError):
        return None


def _single_source(records: Iterator[Record], source: str) -> Iterator[Record]:
    """A file that turns out to hold one record names it by the plain path."""
    first = next(records, None)
    if first is None:
        return
    try:
        second = next(records, None)
    except Exception:
        yield first  # the damage comes after it: yield it before the error
        raise
    if second is None:
        if isinstance(first, Trial) and first.source.startswith(f"{source}:line "):
            first = dataclasses.replace(first, source=source)
        yield first
        return
    yield first
    yield second
    yield from records


# ---------------------------------------------------------------- layouts


def read_stream(
    stream: IO[bytes],
    source: str,
    name: str = "",
    *,
    encoding: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
    **_: Any,
) -> Iterator[Record]:
    """The records of one JSON document / JSON Lines stream."""
    opts = {"id_column": id_column, "text_column": text_column}
    head, stream = read_head(stream, HEAD)
    codec, skip = choose_codec(head[:4], encoding)
    head_text = head[skip:].decode(codec, "ignore").lstrip("\ufeff")
    start = head_text.lstrip(" \t\r\n")
    if not start and len(head) < HEAD:
        yield ErrorRow(source, Reason.MALFORMED_RECORD, "empty file: no JSON value")
        return
    if start[:1] == "[":
        yield from _read_array(stream, source, encoding, opts)
        return
    first_line, newline, _rest = start.partition("\n")
    line_mode = suffix_of(name or source) in LINE_EXTENSIONS
    if not line_mode and newline:
        try:
            json.loads(first_line)
            line_mode = True
        except ValueError:
            pass
    if line_mode:
        yield from _single_source(_read_lines(stream, source, encoding, codec, opts), source)
    else:
        yield from _single_source(_read_sequence(stream, source, encoding, opts), source)


def _read_lines(
    stream: IO[bytes], source: str, encoding: str | None, codec: str, opts: dict
) -> Iterator[Record]:
    for ln in iter_lines(stream, encoding, source=source):
        text = ln.text
        if not text.strip():
            continue
        if ln.bad is not None:
            try:
                tid = _trial_id_of(json.loads(text))
            except (ValueError, RecursionError):
                tid = None
            yield ErrorRow(
                source, Reason.ENCODING, f"{ln.problem} at byte {ln.bad}", tid, ln.number, ln.bad
            )
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            offset = None
            if ln.offset is not None:
                n = byte_length(text[: exc.pos], codec)
                offset = None if n is None else ln.offset + n
            yield ErrorRow(
                source,
                Reason.MALFORMED_RECORD,
                f"invalid JSON on line {ln.number}, column {exc.colno}: {exc.msg}",
                line=ln.number,
                offset=offset,
            )
            continue
        except RecursionError:
            yield ErrorRow(
                source, Reason.MALFORMED_RECORD, "JSON nested too deeply", line=ln.number
            )
            continue
        yield from _expand(value, f"{source}:line {ln.number}", source, ln.number, ln.offset, opts)


class _Window:
    """A sliding window of decoded text over a stream: at most one record plus one chunk."""

    def __init__(self, chunks: TextChunks):
        self.chunks = chunks
        self.buf = ""
        self.pos = 0
        self.mark = 0  # buf index whose line / byte offset are known
        self.line = 1
        self.byte = chunks.start_offset

    def fill(self, at_least: int = 1) -> bool:
        added = 0
        while added < at_least:
            text = self.chunks.read()
            if not text:
                break
            self.buf += text
            added += len(text)
        return added > 0

    def compact(self) -> None:
        if self.mark > CHUNK:
            self.buf = self.buf[self.mark :]
            self.pos -= self.mark
            self.mark = 0

    def advance(self, index: int) -> None:
        """Move the mark to buf[index], counting lines and bytes on the way."""
        seg = self.buf[self.mark : index]
        self.line += seg.count("\n")
        if self.byte is not None:
            n = self.chunks.byte_length(seg)
            self.byte = None if n is None else self.byte + n
        self.mark = index

    def where(self, index: int) -> tuple[int, int | None]:
        """(line, byte offset) of buf[index] (index >= mark)."""
        seg = self.buf[self.mark : index]
        n = self.chunks.byte_length(seg) if self.byte is not None else None
        return self.line + seg.count("\n"), (None if n is None else self.byte + n)

    def skip_ws(self) -> str:
        """Skip whitespace; the next character, or '' at the end."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.fill():
                return ""

    def decode(self) -> tuple[Any, int, int]:
        """raw_decode the value at pos, reading more while it is cut off; (value, start, end)."""
        start = self.pos
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buf, start)
                self.pos = end
                return value, start, end
            except json.JSONDecodeError as exc:
                cut = exc.msg.startswith("Unterminated string") or len(self.buf) - exc.pos < 32
                if not cut or self.chunks.eof:
                    raise
                if len(self.buf) - start > MAX_RECORD_CHARS:
                    line, offset = self.where(start)
                    raise InputError(
                        Reason.MALFORMED_RECORD,
                        f"JSON value longer than {MAX_RECORD_CHARS} characters (or not terminated)",
                        source=self.chunks.source,
                        line=line,
                        offset=offset,
                    ) from None
                if not self.fill(max(CHUNK, len(self.buf) - start)):
                    raise


def _value_record(
    w: _Window, value: Any, start: int, end: int, source: str, error_source: str, opts: dict
) -> Iterator[Record]:
    w.advance(start)
    line, offset = w.line, w.byte
    bad = first_escaped(w.buf, start, end) if w.chunks.dirty else None
    if bad is not None:
        _, bad_offset = w.where(bad)
        where = f" at byte {bad_offset}" if bad_offset is not None else ""
        label = "UTF-8" if w.chunks.codec == "utf-8" else w.chunks.codec
        yield ErrorRow(
            error_source,
            Reason.ENCODING,
            f"bytes are not valid {label}{where}",
            _trial_id_of(value),
            line,
            bad_offset,
        )
        return
    yield from _expand(value, source, error_source, line, offset, opts)


def _json_error(w: _Window, exc: json.JSONDecodeError, source: str, what: str) -> ErrorRow:
    line, offset = w.where(max(exc.pos, w.mark))
    return ErrorRow(
        source,
        Reason.MALFORMED_RECORD,
        f"invalid JSON {what}: {exc.msg} (line {line})",
        line=line,
        offset=offset,
    )


def _read_array(
    stream: IO[bytes], source: str, encoding: str | None, opts: dict
) -> Iterator[Record]:
    w = _Window(TextChunks(stream, encoding, source=source))
    w.skip_ws()
    w.pos += 1  # the "["
    index = 0
    if w.skip_ws() == "]":
        w.pos += 1
    else:
        while True:
            index += 1
            w.skip_ws()
            w.advance(w.pos)
            w.compact()
            try:
                value, start, end = w.decode()
            except json.JSONDecodeError as exc:
                yield _json_error(w, exc, source, f"in array item {index}")
                return
            except RecursionError:
                line, offset = w.where(w.pos)
                yield ErrorRow(
                    source,
                    Reason.MALFORMED_RECORD,
                    f"array item {index} nested too deeply",
                    line=line,
                    offset=offset,
                )
                return
            yield from _value_record(w, value, start, end, f"{source}:item {index}", source, opts)
            ch = w.skip_ws()
            if ch == ",":
                w.pos += 1
                continue
            if ch == "]":
                w.pos += 1
                break
            line, offset = w.where(w.pos)
            found = f"{ch!r}" if ch else "end of file"
            yield ErrorRow(
                source,
                Reason.MALFORMED_RECORD,
                f"invalid JSON after array item {index}: expected ',' or ']',"
                f" found {found} (line {line})",
                line=line,
                offset=offset,
            )
            return
    if w.skip_ws():
        line, offset = w.where(w.pos)
        yield ErrorRow(
            source,
            Reason.MALFORMED_RECORD,
            f"extra data after the JSON array (line {line})",
            line=line,
            offset=offset,
        )


def _read_sequence(
    stream: IO[bytes], source: str, encoding: str | None, opts: dict
) -> Iterator[Record]:
    """One JSON value, or several concatenated ones (records named by their first line)."""
    w = _Window(TextChunks(stream, encoding, source=source))
    count = 0
    while w.skip_ws():
        count += 1
        w.advance(w.pos)
        w.compact()
        try:
            value, start, end = w.decode()
        except json.JSONDecodeError as exc:
            yield _json_error(w, exc, source, "" if count == 1 else f"in value {count}")
            return
        except RecursionError:
            yield ErrorRow(
                source,
                Reason.MALFORMED_RECORD,
                "JSON nested too deeply",
                line=w.line,
                offset=w.byte,
            )
            return
        yield from _value_record(w, value, start, end, f"{source}:line {w.line}", source, opts)
