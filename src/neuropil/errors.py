"""The one exception hierarchy of neuropil.

Every error a user or a file can cause is a :class:`NeuropilError`; each subclass also inherits
the builtin it refines, so ``except KeyError`` and ``except NeuropilError`` both work.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "NeuropilError",
    "DatasetNotFoundError",
    "InvalidArgumentError",
    "ChecksumError",
    "SourceUnavailableError",
    "RawFormatError",
    "UnmappedLabelError",
    "NotIngestedError",
    "IngestLockedError",
    "StoreCorruptedError",
    "UnverifiedSourceError",
    "unknown_value",
]


class NeuropilError(Exception):
    """Base class of every error raised by neuropil."""


class DatasetNotFoundError(NeuropilError, KeyError):
    """An unknown dataset id."""

    def __str__(self) -> str:  # KeyError quotes its message; we want the plain sentence
        return str(self.args[0]) if self.args else ""


class InvalidArgumentError(NeuropilError, ValueError):
    """An argument outside its documented values."""


class ChecksumError(NeuropilError, ValueError):
    """A file's SHA-256 differs from the registered one."""


class SourceUnavailableError(NeuropilError, FileNotFoundError):
    """A raw source could not be found in the mirror or cache, nor downloaded."""


class RawFormatError(NeuropilError, ValueError):
    """A raw file does not have the layout its upstream publishes (missing column, truncated file)."""


class UnmappedLabelError(NeuropilError, ValueError):
    """A cell label that the name table cannot map (raised only in strict mode; else reported)."""


class NotIngestedError(NeuropilError, FileNotFoundError):
    """A dataset was loaded before it was ingested."""


class IngestLockedError(NeuropilError, RuntimeError):
    """Another ingest of the same dataset holds the lock."""


class StoreCorruptedError(NeuropilError, OSError):
    """A homogenized output no longer matches the SHA-256 its manifest recorded."""


class UnverifiedSourceError(NeuropilError, PermissionError):
    """A source with no registered SHA-256, used without ``--allow-unverified``."""


def unknown_value(value: object, argument: str, valid: Iterable[str]) -> str:
    """One message format for every bad name (torchvision's habit), with the closest valid one."""
    valid = sorted(valid)
    message = (
        f"Unknown value {value!r} for argument {argument}. "
        f"Valid values are {{{', '.join(repr(v) for v in valid)}}}."
    )
    close = difflib.get_close_matches(str(value), valid, n=1, cutoff=0.5)
    if close:
        message += f" Did you mean {close[0]!r}?"
    return message
