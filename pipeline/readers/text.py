"""Plain text: one trial per file, the whole file is the criteria, the id is the file name stem.

Accepts a `.txt` file (optionally gzip-compressed), a directory of `.txt` files (read recursively in
sorted order) and zip / tar archives of them. The text is kept exactly as decoded (see `_io` for the
encoding rule); an empty or whitespace-only file gives an EMPTY_CRITERIA error row.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from ._container import read_inputs
from ._io import Record, decode_bytes, make_trial, read_limited, stem_of, suffix_of

NAME = "text"
EXTENSIONS = (".txt", ".text")


def accepts(name: str) -> bool:
    return suffix_of(name) in EXTENSIONS


def read(path: Any, *, encoding: str | None = None, **_: Any) -> Iterator[Record]:
    """Trials (or ErrorRows) of a text file, a directory of text files or an archive of them."""
    return read_inputs(path, accepts, read_stream, encoding=encoding)


def read_stream(
    stream: IO[bytes], source: str, name: str, *, encoding: str | None = None, **_: Any
) -> Iterator[Record]:
    trial_id = stem_of(name)
    data = read_limited(stream, source, record=trial_id)
    text = decode_bytes(data, encoding, source=source, record=trial_id)
    yield make_trial(
        source=source, error_source=source, trial_id=trial_id, criteria=text, id_field="file name"
    )
