"""Which reader a path needs: by its name first, by its first bytes when the name does not tell.

* `.json` `.jsonl` `.ndjson` -> ctgov_json; `.xml` -> ctgov_xml; `.csv` `.tsv` `.tab` -> table;
  `.txt` -> aact when its header line is pipe-delimited with a `nct_id` column, else text.
  A compression suffix (`.gz`, `.bz2`, `.xz`) is looked through.
* Unknown names are sniffed (decompressing first): `{` or `[` -> ctgov_json, `<` -> ctgov_xml, a
  pipe-delimited header with `nct_id` -> aact, a comma / tab / semicolon header with an id and a
  criteria column -> table, anything else -> text.
* Directories and zip / tar archives take the format most of their files have by name (an
  `eligibilities.txt` makes it aact). `read()` without `format` then reads every file of a known
  format in its own format (plain `.txt` only when `.txt` files are the majority); with `format`,
  only the files of that format.
"""

from __future__ import annotations

import os
import tarfile
import zipfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..schema import Reason
from ._container import container_kind, is_hidden
from ._io import READ_ERRORS, base_name, choose_codec, open_binary, suffix_of

FORMATS = ("ctgov_json", "ctgov_xml", "aact", "table", "text")

_BY_SUFFIX = {
    ".json": "ctgov_json",
    ".jsonl": "ctgov_json",
    ".ndjson": "ctgov_json",
    ".xml": "ctgov_xml",
    ".csv": "table",
    ".tsv": "table",
    ".tab": "table",
    ".txt": "text",
    ".text": "text",
}
_ID_NAMES = {"nct_id", "nctid", "trial_id", "id"}
_TEXT_NAMES = {"criteria", "eligibility_criteria", "eligibilitycriteria", "text"}
_SNIFF_BYTES = 1 << 14
_MAX_MEMBERS = 200  # names looked at inside a directory / archive


def format_for_name(name: str) -> str | None:
    """Format implied by a (member) name alone, or None."""
    if base_name(name).lower() == "eligibilities.txt":
        return "aact"
    return _BY_SUFFIX.get(suffix_of(name))


def _cells(line: str, delimiter: str) -> list[str]:
    return [c.strip().strip('"').strip().lower() for c in line.split(delimiter)]


def sniff_format(head: bytes, *, txt: bool = False) -> str:
    """Format from the first bytes of a (decompressed) file; `txt`: only aact vs text."""
    codec, skip = choose_codec(head[:4], None)
    text = head[skip:].decode(codec, "ignore").lstrip("\ufeff \t\r\n")
    first_line = text.split("\n", 1)[0].rstrip("\r")
    if "|" in first_line and "nct_id" in _cells(first_line, "|"):
        return "aact"
    if txt:
        return "text"
    if text[:1] in ("{", "["):
        return "ctgov_json"
    if text[:1] == "<":
        return "ctgov_xml"
    for delimiter in ("\t", ",", ";", "|"):
        cells = set(_cells(first_line, delimiter))
        if len(cells) > 1 and cells & _ID_NAMES and cells & _TEXT_NAMES:
            return "table"
    return "text"


def _dominant(names: Iterable[str]) -> str | None:
    counts: Counter[str] = Counter()
    for name in names:
        fmt = format_for_name(name)
        if fmt == "aact":
            return "aact"
        if fmt:
            counts[fmt] += 1
    if not counts:
        return None
    return max(FORMATS, key=lambda f: (counts[f], -FORMATS.index(f)))


def _dir_names(root: Path) -> Iterable[str]:
    n = 0
    for _dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if not fn.startswith("."):
                yield fn
                n += 1
                if n >= _MAX_MEMBERS:
                    return


def _zip_names(path: Path) -> Iterable[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            return [
                n for n in zf.namelist()[:_MAX_MEMBERS] if not n.endswith("/") and not is_hidden(n)
            ]
    except zipfile.BadZipFile:
        pass
    with open(path, "rb") as f:  # no central directory: the first local header's name
        head = f.read(30 + 1024)
    if head[:4] == b"PK\x03\x04" and len(head) >= 30:
        nlen = int.from_bytes(head[26:28], "little")
        return [head[30 : 30 + nlen].decode("utf-8", "replace")]
    return []


def _tar_names(path: Path) -> Iterable[str]:
    names = []
    try:
        with open_binary(path) as raw, tarfile.open(fileobj=raw, mode="r|") as tf:  # type: ignore[call-overload]
            for info in tf:
                if info.isfile() and not is_hidden(info.name):
                    names.append(info.name)
                    if len(names) >= 20:
                        break
    except READ_ERRORS:
        pass
    return names


def detect_format(path: Any) -> str:
    """The reader (one of FORMATS) for `path`; InputError(UNREADABLE) if it cannot tell."""
    display = os.fspath(path)
    p = Path(display)
    if not p.exists():
        raise InputError(Reason.UNREADABLE, "no such file or directory", source=display)
    kind = container_kind(p)
    if kind is not None:
        names = {"dir": _dir_names, "zip": _zip_names, "tar": _tar_names}[kind](p)
        fmt = _dominant(names)
        if fmt is None:
            if kind == "tar":
                return "ctgov_xml"  # the usual tarball (AllPublicXML); the reader reports
            raise InputError(
                Reason.UNREADABLE, f"no file of a known format in this {kind}", source=display
            )
        return fmt
    by_name = format_for_name(p.name)
    if by_name is not None and by_name != "text":
        return by_name
    try:
        with open_binary(p) as f:
            head = f.read(_SNIFF_BYTES)
    except READ_ERRORS as exc:
        raise InputError(
            Reason.UNREADABLE, f"{type(exc).__name__}: {exc}", source=display
        ) from None
    return sniff_format(head, txt=by_name == "text")
