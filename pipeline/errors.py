"""Typed, picklable errors that name the record and the place (after pint's errors)."""
from __future__ import annotations

from typing import Optional

from .schema import Reason


class EligibilityError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(EligibilityError, ValueError):
    """A registry record that cannot be read: says which source, record and position."""

    def __init__(
        self,
        reason: Reason,
        message: str,
        source: str = "",
        record: Optional[str] = None,
        line: Optional[int] = None,
        offset: Optional[int] = None,
    ):
        super().__init__(message)
        self.reason = Reason(reason)
        self.message = message
        self.source = source
        self.record = record
        self.line = line
        self.offset = offset

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        if self.offset is not None:
            where += f" (byte {self.offset})"
        if self.record:
            where += f" [{self.record}]"
        return f"{where}: {self.reason.value}: {self.message}"

    def __reduce__(self):
        return (
            type(self),
            (self.reason, self.message, self.source, self.record, self.line, self.offset),
        )


class RuleFileError(EligibilityError, ValueError):
    """A rule or lexicon file in models/ that does not validate: names file and line."""

    def __init__(self, path: str, line: int, message: str):
        super().__init__(message)
        self.path = str(path)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"

    def __reduce__(self):
        return (type(self), (self.path, self.line, self.message))


class UnitError(EligibilityError, ValueError):
    """A unit that cannot be parsed or converted."""

    def __init__(self, unit: str, message: str):
        super().__init__(message)
        self.unit = unit
        self.message = message

    def __str__(self) -> str:
        return f"unit {self.unit!r}: {self.message}"

    def __reduce__(self):
        return (type(self), (self.unit, self.message))
