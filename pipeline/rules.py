"""Reading the JSON Lines rule and lexicon files in models/: one place, one error style."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Iterator

from .errors import RuleFileError


def read_jsonl(path: Path | str) -> Iterator[tuple[int, dict]]:
    """Yield (line number, object) for each non-blank line; RuleFileError (file:line) on bad JSON."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise RuleFileError(str(path), number, f"invalid JSON: {err.msg}") from None
            if not isinstance(record, dict):
                raise RuleFileError(str(path), number, "a record must be a JSON object")
            yield number, record


def check_keys(record: dict, path: Path | str, line: int, required: set[str], optional: set[str] = frozenset()) -> None:
    """Unknown or missing keys are an error naming file and line (typos must not pass silently)."""
    keys = set(record)
    if not required <= keys or not keys <= required | set(optional):
        raise RuleFileError(str(path), line, f"keys must be {sorted(required)} plus optional {sorted(optional)}, "
                                             f"got {sorted(keys)}")
