"""AACT flat files: `eligibilities.txt`, pipe-delimited with a header line.

Columns used: `nct_id`, `criteria`, `gender`, `minimum_age`, `maximum_age`, `healthy_volunteers`
(others such as `id`, `sampling_method`, `population`, `adult`, ... are ignored). Cells are parsed
with the csv module (delimiter "|", quote '"'), so criteria with embedded newlines, pipes or quotes
inside quotes are read whole and kept exactly. Sources are "path:line N" (N = the physical line
where the row starts). Ages "N/A" / empty -> None; gender All -> ALL; healthy_volunteers
"Accepts Healthy Volunteers" / t -> True, "No" / f -> False.

Inside a directory or an AACT export zip only `eligibilities.txt` is read (the other tables hold no
criteria); a single file given by path is read whatever its name.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from ._container import read_inputs
from ._io import Record, base_name
from .table import read_delimited

NAME = "aact"
EXTENSIONS = (".txt",)
FILE_NAME = "eligibilities.txt"

FIELD_COLUMNS = {
    "sex": ("gender", "sex"),
    "minimum_age": ("minimum_age",),
    "maximum_age": ("maximum_age",),
    "healthy_volunteers": ("healthy_volunteers",),
    "title": ("brief_title", "title"),
}


def accepts(name: str) -> bool:
    return base_name(name).lower() == FILE_NAME


def read(
    path: Any,
    *,
    encoding: str | None = None,
    id_column: str | None = None,
    text_column: str | None = None,
    **_: Any,
) -> Iterator[Record]:
    """Trials (or ErrorRows) of an AACT eligibilities file (or a directory / zip holding one)."""
    return read_inputs(
        path, accepts, read_stream, encoding=encoding, id_column=id_column, text_column=text_column
    )


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
    yield from read_delimited(
        stream,
        source,
        delimiter="|",
        id_column=id_column,
        text_column=text_column,
        id_columns=("nct_id",),
        text_columns=("criteria",),
        field_columns=FIELD_COLUMNS,
        encoding=encoding,
    )
