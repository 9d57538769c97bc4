"""Inputs holding several files: directories, zip and tar archives (streamed member by member).

`iter_inputs(path, accept)` yields one `Member` per file to read (a plain file yields itself) and
`read_inputs` runs a format's `read_stream` over them, turning every failure into an ErrorRow:
a member that cannot be read gives UNREADABLE and the next member is read (zip, directory); in a tar
stream, or a zip whose central directory is missing (truncated download), the damage ends the
archive after the members before it have been yielded.
"""

from __future__ import annotations

import contextlib
import os
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..schema import ErrorRow, Reason
from ._io import (
    CHUNK,
    READ_ERRORS,
    Record,
    error_from,
    guard,
    maybe_decompress,
    open_binary,
    prefixed,
)

TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
ZIP_SUFFIXES = (".zip",)
_LOCAL = b"PK\x03\x04"


@dataclass
class Member:
    source: str  # "dir/a.xml", "archive.zip!a.xml", or the file's own path
    name: str  # the member's name (used for extensions and ids)
    open: Callable[[], AbstractContextManager[IO[bytes]]]
    sequential: bool = False  # True inside a tar stream: damage ends the archive


def is_hidden(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return any(p.startswith(".") and p not in (".", "..") or p == "__MACOSX" for p in parts)


def container_kind(path: Path) -> str | None:
    """'dir', 'zip', 'tar' or None (a single file), from the name and the magic bytes."""
    if path.is_dir():
        return "dir"
    name = path.name.lower()
    if name.endswith(ZIP_SUFFIXES):
        return "zip"
    if name.endswith(TAR_SUFFIXES):
        return "tar"
    try:
        with open(path, "rb") as f:
            head = f.read(4)
    except OSError:
        return None
    if head == _LOCAL or head == b"PK\x05\x06":
        return "zip"
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:4] == b"\xfd7zX" or not head:
        try:
            with open_binary(path) as f:
                block = f.read(512)
        except READ_ERRORS:
            return None
        if len(block) >= 262 and block[257:262] == b"ustar":
            return "tar"
        return None
    try:
        with open(path, "rb") as f:
            f.seek(257)
            if f.read(5) == b"ustar":
                return "tar"
    except OSError:
        pass
    return None


def iter_inputs(path: Any, accept: Callable[[str], bool]) -> Iterator[Member | ErrorRow]:
    """The files to read under `path`: itself, directory files sorted, or archive members."""
    display = os.fspath(path)
    p = Path(display)
    if not p.exists():
        yield ErrorRow(display, Reason.UNREADABLE, "no such file or directory")
        return
    kind = container_kind(p)
    if kind is None:
        yield Member(display, p.name, lambda: open_binary(p))
        return
    members = {"dir": _dir_members, "zip": _zip_members, "tar": _tar_members}[kind](
        p, display, accept
    )
    found = False
    for item in members:
        found = True
        yield item
    if not found:
        what = {"dir": "directory", "zip": "zip archive", "tar": "tar archive"}[kind]
        yield ErrorRow(display, Reason.UNREADABLE, f"no file of this format in the {what}")


def read_inputs(
    path: Any,
    accept: Callable[[str], bool],
    read_stream: Callable[..., Iterator[Record]],
    **options: Any,
) -> Iterator[Record]:
    """Run `read_stream(stream, source, name, **options)` over every input under `path`."""
    display = os.fspath(path)
    inputs = iter_inputs(path, accept)
    while True:
        try:
            member = next(inputs)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - damaged archive: report and stop
            yield error_from(exc, display)
            return
        if isinstance(member, ErrorRow):
            yield member
            continue
        failed = False
        for record in guard(_read_member(member, read_stream, options), member.source):
            if isinstance(record, ErrorRow) and record.reason in (
                Reason.UNREADABLE,
                Reason.PIPELINE_ERROR,
            ):
                failed = True
            yield record
        if failed and member.sequential:
            return


def _read_member(
    member: Member, read_stream: Callable[..., Iterator[Record]], options: dict
) -> Iterator[Record]:
    with member.open() as stream:
        yield from read_stream(stream, member.source, member.name, **options)


# ---------------------------------------------------------------- directories


def _dir_members(root: Path, display: str, accept: Callable[[str], bool]) -> Iterator[Member]:
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for fn in filenames:
            if not fn.startswith(".") and accept(fn):
                full = Path(dirpath) / fn
                files.append((full.relative_to(root).as_posix(), full))
    for rel, full in sorted(files):
        yield Member(os.path.join(display, rel), full.name, (lambda f=full: open_binary(f)))


# ---------------------------------------------------------------- zip


def _zip_members(
    path: Path, display: str, accept: Callable[[str], bool]
) -> Iterator[Member | ErrorRow]:
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        # no readable central directory (truncated download?): walk the local headers instead
        yield from _zip_local_members(path, display, accept)
        return
    with zf:
        for info in zf.infolist():
            if info.is_dir() or is_hidden(info.filename) or not accept(info.filename):
                continue

            @contextlib.contextmanager
            def opener(info=info):
                with zf.open(info) as raw:
                    stream = maybe_decompress(raw)
                    yield stream

            yield Member(f"{display}!{info.filename}", info.filename, opener)


def _zip_local_members(
    path: Path, display: str, accept: Callable[[str], bool]
) -> Iterator[Member | ErrorRow]:
    """Members of a zip without central directory, read from their local headers in file order."""
    with open(path, "rb") as f:
        first = True
        while True:
            start = f.tell()
            sig = f.read(4)
            if sig in (b"PK\x01\x02", b"PK\x05\x06", b"PK\x06\x06") or (not sig and not first):
                # every member was recovered, but the archive itself is damaged: say so
                what = (
                    "central directory is damaged"
                    if sig
                    else "central directory is missing (truncated?)"
                )
                yield ErrorRow(
                    display,
                    Reason.UNREADABLE,
                    f"zip {what}; members were read from their local headers",
                    offset=start,
                )
                return
            if sig != _LOCAL:
                what = (
                    "not a zip file"
                    if first
                    else f"zip archive is damaged or truncated at byte {start}"
                )
                yield ErrorRow(display, Reason.UNREADABLE, what, offset=start)
                return
            first = False
            fixed = f.read(26)
            if len(fixed) < 26:
                yield _truncated(display, start)
                return
            _ver, flags, method, _t, _d, crc, csize, _usize, nlen, xlen = struct.unpack(
                "<HHHHHIIIHH", fixed
            )
            raw_name = f.read(nlen)
            f.read(xlen)
            name = raw_name.decode("utf-8" if flags & 0x800 else "cp437", "replace")
            member_source = f"{display}!{name}"
            if len(raw_name) < nlen:
                yield _truncated(display, start)
                return
            if flags & 0x1:
                yield ErrorRow(member_source, Reason.UNREADABLE, "encrypted zip member")
                return
            if method not in (0, 8) or csize == 0xFFFFFFFF or (flags & 0x8 and method != 8):
                yield ErrorRow(
                    member_source,
                    Reason.UNREADABLE,
                    "zip member cannot be read without central directory",
                )
                return
            try:
                data = _inflate(f, method, csize, bool(flags & 0x8))
            except (EOFError, zlib.error) as exc:
                msg = (
                    "zip archive is truncated"
                    if isinstance(exc, EOFError)
                    else f"corrupt data: {exc}"
                )
                yield ErrorRow(
                    member_source,
                    Reason.UNREADABLE,
                    f"{msg} (member at byte {start})",
                    offset=start,
                )
                return
            if flags & 0x8:  # data descriptor: optional signature, crc, sizes
                desc = f.read(4)
                if desc == b"PK\x07\x08":
                    desc = f.read(4)
                crc = struct.unpack("<I", desc)[0] if len(desc) == 4 else None
                f.read(8)
            if crc is not None and zlib.crc32(data) != crc:
                yield ErrorRow(
                    member_source, Reason.UNREADABLE, "bad CRC-32 (member is corrupt)", offset=start
                )
                continue
            if name.endswith("/") or is_hidden(name) or not accept(name):
                continue
            yield Member(member_source, name, (lambda d=data: _bytes_stream(d)))


def _truncated(display: str, start: int) -> ErrorRow:
    return ErrorRow(
        display,
        Reason.UNREADABLE,
        f"zip archive is truncated (member at byte {start})",
        offset=start,
    )


@contextlib.contextmanager
def _bytes_stream(data: bytes):
    import io

    yield maybe_decompress(io.BytesIO(data))


def _inflate(f: IO[bytes], method: int, csize: int, descriptor: bool) -> bytes:
    if method == 0:
        data = f.read(csize)
        if len(data) < csize:
            raise EOFError
        return data
    d = zlib.decompressobj(-15)
    out = []
    if not descriptor:
        comp = f.read(csize)
        if len(comp) < csize:
            raise EOFError
        out.append(d.decompress(comp))
        out.append(d.flush())
        if not d.eof:
            raise EOFError
        return b"".join(out)
    while not d.eof:
        comp = f.read(CHUNK)
        if not comp:
            raise EOFError
        out.append(d.decompress(comp))
    f.seek(-len(d.unused_data), 1)
    return b"".join(out)


# ---------------------------------------------------------------- tar


def _tar_members(
    path: Path, display: str, accept: Callable[[str], bool]
) -> Iterator[Member | ErrorRow]:
    with open_binary(path) as raw:
        stream = prefixed(b"", raw)
        with tarfile.open(fileobj=stream, mode="r|") as tf:
            for info in tf:
                if not info.isfile() or is_hidden(info.name) or not accept(info.name):
                    continue
                member_stream = tf.extractfile(info)
                if member_stream is None:
                    continue

                @contextlib.contextmanager
                def opener(s=member_stream):
                    yield maybe_decompress(s)

                yield Member(f"{display}!{info.name}", info.name, opener, sequential=True)
