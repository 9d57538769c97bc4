"""Byte-level helpers shared by the readers: opening, decompressing, decoding, record building.

Encoding rule (the same for every format)
-----------------------------------------
* A byte-order mark decides the encoding: UTF-8 (the BOM is removed), UTF-16 LE/BE, UTF-32 LE/BE.
* Without a BOM the bytes must be valid UTF-8 (plain ASCII is valid UTF-8).
* Bytes that are not valid UTF-8 are never guessed at: there is no silent cp1252 / Latin-1 fallback,
  because a wrong guess garbles the text without anyone noticing. The record that holds them (a JSON
  Lines line, a CSV row, a text or XML file, a JSON array item, an archive member) becomes an
  `ErrorRow` with reason ENCODING whose `offset` is the byte offset of the first bad byte
  (counted in the decompressed stream for `.gz` files and archive members), and reading goes on
  with the next record.
* A caller who knows the encoding passes `encoding=` (any Python codec name, e.g. "cp1252"); that
  codec then decodes everything (a leading BOM is still dropped) and bytes it cannot decode give
  ENCODING.
* XML documents are decoded by the XML parser, so an XML declaration's `encoding="..."` is honoured;
  documents without one (or declaring UTF-8) follow the rule above.

The decoded text is never altered afterwards: no stripping, no line-ending or Unicode normalization
(downstream character offsets refer to it).
"""

from __future__ import annotations

import bz2
import codecs
import functools
import gzip
import io
import lzma
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Union

from ..errors import InputError
from ..schema import ErrorRow, Reason, Trial

Record = Union[Trial, ErrorRow]  # noqa: UP007 - runtime alias, Python 3.10

CHUNK = 1 << 20  # bytes read at a time from streamed sources
HEAD = 1 << 16  # bytes looked at to choose a sub-format
MAX_RECORD_CHARS = 64 << 20  # one record larger than this is refused (keeps memory bounded)
MAX_LINE_BYTES = 64 << 20  # one physical line (JSON Lines, CSV) longer than this is refused
MAX_FILE_BYTES = 64 << 20  # one text file (a single record) larger than this is refused

READ_ERRORS = (
    OSError,  # includes gzip.BadGzipFile, FileNotFoundError, PermissionError
    EOFError,  # truncated gzip / bz2 / xz
    zlib.error,
    lzma.LZMAError,
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    tarfile.TarError,
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_ESCAPED = re.compile(
    "[\udc80-\udcff]"
)  # what the surrogateescape handler makes of undecodable bytes


# ---------------------------------------------------------------- codecs


def check_encoding(encoding: str | None) -> str | None:
    """The codec's canonical name; ValueError for an unknown name (raised at once)."""
    if encoding is None:
        return None
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r}") from None


def sniff_bom(head: bytes) -> tuple[str | None, int]:
    """(codec, BOM length) for a byte-order mark at the start of `head`, else (None, 0)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name, len(bom)
    return None, 0


def choose_codec(head: bytes, encoding: str | None) -> tuple[str, int]:
    """(codec, bytes to skip) following the module's encoding rule."""
    if encoding:
        return encoding, 0
    codec, skip = sniff_bom(head)
    return codec or "utf-8", skip


@functools.lru_cache(maxsize=64)
def ascii_compatible(codec: str) -> bool:
    """True when lines can be split on b"\\n" before decoding (UTF-8, cp1252, Latin-1, ...)."""
    try:
        return codecs.encode("\n a", codec) == b"\n a"
    except (LookupError, UnicodeError):
        return False


def byte_length(text: str, codec: str) -> int | None:
    """Bytes that `text` took in the source (None when that cannot be known for this codec)."""
    name = codecs.lookup(codec).name
    if name in ("utf-16", "utf-32", "utf-8-sig"):  # these write a BOM on every encode
        return None
    try:
        return len(text.encode(name, "surrogateescape"))
    except UnicodeError:
        return None


def _describe(err: UnicodeDecodeError, codec: str) -> str:
    bad = err.object[err.start : err.start + 1]
    label = "UTF-8" if codecs.lookup(codec).name == "utf-8" else codec
    return f"bytes are not valid {label} ({err.reason}, byte 0x{bad.hex()})"


def decode_bytes(
    data: bytes,
    encoding: str | None = None,
    *,
    source: str = "",
    record: str | None = None,
    base_offset: int = 0,
) -> str:
    """Decode a record's bytes by the encoding rule; InputError(ENCODING, offset=...) if not."""
    codec, skip = choose_codec(data[:4], encoding)
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError as err:
        offset = base_offset + skip + err.start
        raise InputError(
            Reason.ENCODING,
            f"{_describe(err, codec)} at byte {offset}",
            source=source,
            record=record,
            offset=offset,
        ) from None
    if encoding and text.startswith("\ufeff"):
        text = text[1:]
    return text


def first_escaped(text: str, start: int = 0, end: int | None = None) -> int | None:
    """Index of the first surrogate-escaped (undecodable) byte in text[start:end], else None."""
    m = _ESCAPED.search(text, start, len(text) if end is None else end)
    return m.start() if m else None


# ---------------------------------------------------------------- streams


class _Prefixed(io.RawIOBase):
    """`prefix` then the rest of `stream`: lets a reader look at the head and then start over.

    Reads the underlying stream with `read1` where it exists, so that a stream that breaks
    (truncated gzip, damaged archive member) first delivers every byte decoded before the damage;
    an error met while the head was being read is raised once the head has been consumed.
    """

    def __init__(self, prefix: bytes, stream: IO[bytes], pending: BaseException | None = None):
        self._prefix = memoryview(prefix)
        self._stream = stream
        self._read = getattr(stream, "read1", None) or stream.read
        self._pending = pending

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        if self._prefix:
            n = min(len(b), len(self._prefix))
            b[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        if self._pending is not None:
            exc, self._pending = self._pending, None
            raise exc
        data = self._read(len(b))
        b[: len(data)] = data
        return len(data)


def prefixed(
    prefix: bytes, stream: IO[bytes], pending: BaseException | None = None
) -> io.BufferedReader:
    return io.BufferedReader(_Prefixed(prefix, stream, pending), buffer_size=CHUNK)


def read_head(stream: IO[bytes], n: int = HEAD) -> tuple[bytes, io.BufferedReader]:
    """The first `n` bytes (fewer at EOF) and a stream that still starts at byte 0."""
    read = getattr(stream, "read1", None) or stream.read
    parts: list[bytes] = []
    got = 0
    pending: BaseException | None = None
    while got < n:
        try:
            data = read(n - got)
        except READ_ERRORS as exc:
            if not parts:
                raise
            pending = exc  # deliver the bytes read so far first
            break
        if not data:
            break
        parts.append(data)
        got += len(data)
    head = b"".join(parts)
    return head, prefixed(head, stream, pending)


def maybe_decompress(stream: IO[bytes]) -> IO[bytes]:
    """Transparent gzip / bzip2 / xz by magic bytes (not by name)."""
    head, stream = read_head(stream, 6)
    if head[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=stream, mode="rb")
    if head[:3] == b"BZh":
        return bz2.BZ2File(stream, "rb")
    if head[:6] == b"\xfd7zXZ\x00":
        return lzma.LZMAFile(stream, "rb")
    return stream


def open_binary(path: Any) -> IO[bytes]:
    """Open a file for reading, decompressing it when its bytes say it is compressed."""
    f = open(path, "rb")  # noqa: SIM115 - closed by the returned wrapper
    try:
        return _Closing(maybe_decompress(f), f)
    except BaseException:
        f.close()
        raise


class _Closing:
    """A stream that also closes the file under it (context manager)."""

    def __init__(self, stream: IO[bytes], base: IO[bytes]):
        self.stream = stream
        self.base = base

    def read(self, n: int = -1) -> bytes:
        return self.stream.read(n)

    def read1(self, n: int = -1) -> bytes:
        return getattr(self.stream, "read1", self.stream.read)(n)

    def close(self) -> None:
        try:
            if self.stream is not self.base:
                self.stream.close()
        finally:
            self.base.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_COMPRESSION_SUFFIXES = (".gz", ".gzip", ".bz2", ".xz")


def strip_compression_suffix(name: str) -> str:
    """'a.jsonl.gz' -> 'a.jsonl' (also .bz2, .xz)."""
    lower = name.lower()
    for suffix in _COMPRESSION_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def base_name(name: str) -> str:
    """'d/NCT1.txt.gz' -> 'NCT1.txt'."""
    return strip_compression_suffix(name.replace("\\", "/").rstrip("/").rpartition("/")[2])


def suffix_of(name: str) -> str:
    """Lower-case extension after removing a compression suffix: 'A/NCT1.XML.gz' -> '.xml'."""
    base = base_name(name)
    dot = base.rfind(".")
    return base[dot:].lower() if dot > 0 else ""


def stem_of(name: str) -> str:
    """Name without directories, compression suffix and extension: 'd/NCT1.txt.gz' -> 'NCT1'."""
    base = base_name(name)
    dot = base.rfind(".")
    return base[:dot] if dot > 0 else base


# ---------------------------------------------------------------- lines


@dataclass
class Line:
    """One physical line as decoded text (its line ending kept)."""

    number: int  # 1-based
    offset: int | None  # byte offset of its first byte (None when not known, e.g. UTF-16)
    text: str
    bad: int | None = None  # byte offset of the first undecodable byte, if any
    problem: str | None = None  # what was wrong with that byte


def iter_lines(
    stream: IO[bytes], encoding: str | None = None, *, source: str = ""
) -> Iterator[Line]:
    """Decoded physical lines of a binary stream, in constant memory (one line at a time).

    A line with undecodable bytes is still yielded (bytes surrogate-escaped) with `bad` set, so
    that the caller can turn its record into an ENCODING error row and go on.
    """
    head, stream = read_head(stream, 4)
    codec, skip = choose_codec(head, encoding)
    stream.read(skip)
    number = 0
    if ascii_compatible(codec):
        offset = skip
        limit = MAX_LINE_BYTES
        while True:
            raw = stream.readline(limit)  # split on b"\n" (never inside a UTF-8 / cp1252 character)
            if not raw:
                return
            number += 1
            if len(raw) >= limit and not raw.endswith(b"\n"):
                raise _too_long(source, number, offset, limit)
            try:
                text = raw.decode(codec)
                bad = problem = None
            except UnicodeDecodeError as err:
                text = raw.decode(codec, "surrogateescape")
                bad, problem = offset + err.start, _describe(err, codec)
            if (
                number == 1 and encoding and text.startswith("\ufeff")
            ):  # BOM with an explicit encoding
                text = text[1:]
            yield Line(number, offset, text, bad, problem)
            offset += len(raw)
        return
    wrapper = io.TextIOWrapper(stream, encoding=codec, newline="")  # type: ignore[arg-type]
    try:
        while True:
            try:
                text = wrapper.readline(MAX_LINE_BYTES // 2)
            except UnicodeDecodeError as err:
                raise InputError(
                    Reason.ENCODING,
                    f"{_describe(err, codec)} on line {number + 1}",
                    source=source,
                    line=number + 1,
                ) from None
            if not text:
                return
            number += 1
            if len(text) >= MAX_LINE_BYTES // 2 and not text.endswith(("\n", "\r")):
                raise _too_long(source, number, None, MAX_LINE_BYTES)
            if number == 1 and encoding and text.startswith("\ufeff"):
                text = text[1:]
            yield Line(number, None, text)
    finally:
        wrapper.detach()


def _too_long(source: str, number: int, offset: int | None, limit: int) -> InputError:
    return InputError(
        Reason.MALFORMED_RECORD,
        f"line {number} is longer than {limit} bytes (not a line-oriented file?); reading stopped",
        source=source,
        line=number,
        offset=offset,
    )


def read_limited(
    stream: IO[bytes], source: str, limit: int | None = None, record: str | None = None
) -> bytes:
    """All of a one-record stream; InputError(MALFORMED_RECORD) when larger than `limit` bytes."""
    limit = MAX_FILE_BYTES if limit is None else limit
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(
            Reason.MALFORMED_RECORD,
            f"larger than {limit} bytes: not read",
            source=source,
            record=record,
        )
    return data


class TextChunks:
    """Decoded text of a binary stream, chunk by chunk, with byte accounting for error offsets."""

    def __init__(self, stream: IO[bytes], encoding: str | None = None, *, source: str = ""):
        head, self._stream = read_head(stream, 4)
        self.codec, skip = choose_codec(head, encoding)
        self.explicit = bool(encoding)
        self._stream.read(skip)
        self.start_offset: int | None = skip
        self.source = source
        self._decoder = codecs.getincrementaldecoder(self.codec)("strict")
        self.dirty = False  # True once undecodable bytes were met (escaped as U+DC80..U+DCFF)
        self._first = True
        self._byte_codec = self.codec if byte_length("", self.codec) is not None else None
        self.eof = False

    def read(self) -> str:
        """The next piece of text ('' at the end)."""
        while not self.eof:
            data = self._stream.read1(CHUNK)
            final = not data
            try:
                text = self._decoder.decode(data, final)
            except UnicodeDecodeError:
                # rare: decode again, escaping the bad bytes: only the records holding them fail
                self._decoder.errors = "surrogateescape"
                try:
                    text = self._decoder.decode(data, final)
                except UnicodeDecodeError as err:
                    raise InputError(
                        Reason.ENCODING, _describe(err, self.codec), source=self.source
                    ) from None
                finally:
                    self._decoder.errors = "strict"
                self.dirty = True
            if final:
                self.eof = True
            if self._first and text:
                self._first = False
                if self.explicit and text.startswith("\ufeff"):
                    text = text[1:]
                    if self.start_offset is not None and self._byte_codec:
                        self.start_offset += byte_length("\ufeff", self._byte_codec) or 0
            if text:
                return text
        return ""

    def byte_length(self, text: str) -> int | None:
        return byte_length(text, self._byte_codec) if self._byte_codec else None


# ---------------------------------------------------------------- field values


_SEX = {
    "all": "ALL",
    "both": "ALL",
    "female": "FEMALE",
    "females": "FEMALE",
    "f": "FEMALE",
    "male": "MALE",
    "males": "MALE",
    "m": "MALE",
}
_NONE = {"", "n/a", "na", "none", "null", "nan"}
_TRUE = {"accepts healthy volunteers", "yes", "y", "true", "t", "1"}
_FALSE = {"no", "n", "false", "f", "0"}


def norm_sex(value: Any) -> str | None:
    """ALL / FEMALE / MALE (legacy 'Both' and 'All' -> ALL); None if absent; others kept as is."""
    if value is None:
        return None
    s = str(value).strip()
    if s.lower() in _NONE:
        return None
    return _SEX.get(s.lower(), s)


def norm_age(value: Any) -> str | None:
    """The age string as given ('18 Years'); 'N/A' / empty (no limit) -> None."""
    if value is None or isinstance(value, bool):
        return None
    s = str(value).strip()
    return None if s.lower() in _NONE else s


def norm_healthy(value: Any) -> bool | None:
    """'Accepts Healthy Volunteers' / yes / true -> True, 'No' / false -> False, else None."""
    if isinstance(value, bool):
        return value
    if value is None:
        return None
    s = str(value).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    return None


def norm_text(value: Any) -> str | None:
    """A short field such as a title: stripped, None when empty."""
    if value is None:
        return None
    s = str(value).strip()
    return s or None


def norm_id(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, str)):
        s = str(value).strip()
        return s or None
    return None


def make_trial(
    *,
    source: str,
    error_source: str,
    trial_id: Any,
    criteria: Any,
    id_field: str = "trial id",
    text_field: str = "criteria",
    line: int | None = None,
    offset: int | None = None,
    **fields: Any,
) -> Record:
    """A Trial, or the ErrorRow saying why the record cannot be one.

    `criteria` is kept exactly as given. Missing id or criteria field -> MISSING_FIELD; criteria
    that is empty or only whitespace -> EMPTY_CRITERIA; criteria that is not a string ->
    MALFORMED_RECORD.
    """
    tid = norm_id(trial_id)

    def error(reason: Reason, message: str) -> ErrorRow:
        return ErrorRow(
            source=error_source,
            reason=reason,
            message=message,
            trial_id=tid,
            line=line,
            offset=offset,
        )

    if tid is None:
        if trial_id is None or (isinstance(trial_id, str) and not trial_id.strip()):
            return error(Reason.MISSING_FIELD, f"no {id_field}")
        return error(Reason.MALFORMED_RECORD, f"{id_field} is not a string: {trial_id!r:.80}")
    if criteria is None:
        return error(Reason.MISSING_FIELD, f"no {text_field}")
    if not isinstance(criteria, str):
        return error(
            Reason.MALFORMED_RECORD, f"{text_field} is not a string but {type(criteria).__name__}"
        )
    if not criteria.strip():
        return error(Reason.EMPTY_CRITERIA, f"{text_field} is empty")
    values = {
        "minimum_age": norm_age(fields.get("minimum_age")),
        "maximum_age": norm_age(fields.get("maximum_age")),
        "sex": norm_sex(fields.get("sex")),
        "healthy_volunteers": norm_healthy(fields.get("healthy_volunteers")),
        "title": norm_text(fields.get("title")),
    }
    for name, value in (("trial id", tid), (text_field, criteria), *values.items()):
        if isinstance(value, str) and first_escaped(value) is not None:  # safety net
            return error(Reason.ENCODING, f"{name} holds undecodable bytes")
    return Trial(trial_id=tid, source=source, criteria=criteria, **values)


def error_from(exc: BaseException, source: str, trial_id: str | None = None) -> ErrorRow:
    """The ErrorRow for an exception met while reading `source`."""
    if isinstance(exc, InputError):
        return ErrorRow(
            source=exc.source or source,
            reason=exc.reason,
            message=exc.message,
            trial_id=exc.record or trial_id,
            line=exc.line,
            offset=exc.offset,
        )
    if isinstance(exc, READ_ERRORS):
        msg = str(exc) or type(exc).__name__
        return ErrorRow(
            source, Reason.UNREADABLE, f"{type(exc).__name__}: {msg}", trial_id=trial_id
        )
    return ErrorRow(
        source, Reason.PIPELINE_ERROR, f"{type(exc).__name__}: {exc}", trial_id=trial_id
    )


def guard(records: Iterable[Record], source: str) -> Iterator[Record]:
    """Yield from `records`; an exception ends them with one ErrorRow instead of propagating."""
    try:
        yield from records
    except Exception as exc:  # noqa: BLE001 - bad input must never raise out of read()
        yield error_from(exc, source)
