"""The one exception hierarchy of neuropil.

Every error a user or a file can cause is a :class:`NeuropilError`; each subclass also inherits
the builtin it refines, so ``except KeyError`` and ``except NeuropilError`` both work.
"""

from __future__ import annotations

import difflib
import errno
from pathlib import Path
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
    "InvalidValueError",
    "PartialIngestError",
    "PublishRefusedError",
    "unknown_value",
    "error_line",
]

MAX_LINE_CHARS = 800


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


class InvalidValueError(NeuropilError, ValueError):
    """A raw file whose values break a rule of its field (NaN, negative or infinite where a count or
    length is required, repeated ids); the message names the file, the column and how many rows."""


class PartialIngestError(SourceUnavailableError):
    """Optional sources are missing, so an ingest would publish less; refused without ``--allow-partial``."""


class PublishRefusedError(NeuropilError, RuntimeError):
    """A build that holds less than the published version (sources, configs, rows): kept unpublished."""


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


_OS_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "the file system is read-only",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOTDIR: "a file where a folder is expected",
    errno.EISDIR: "a folder where a file is expected",
    errno.ENOENT: "no such file or folder",
    errno.EEXIST: "already exists",
}
_OS_HINTS = {
    errno.ENOSPC: "free some space or point --home / NEUROPIL_HOME elsewhere, then run it again; "
                  "the published version is untouched",
    errno.EDQUOT: "free some space and run it again; the published version is untouched",
    errno.EROFS: "nothing was changed; loads still work, but ingest, export, bench and submit need a writable folder",
    errno.EACCES: "nothing was changed; loads still work, but ingest, export, bench and submit need a writable folder",
}


def _file_in_the_way(path: str) -> str:
    """The first ancestor of ``path`` that exists and is not a folder (the cause of ENOTDIR)."""
    for parent in (Path(path), *Path(path).parents):
        if parent.exists() or parent.is_symlink():
            return str(parent) if not parent.is_dir() else path
    return path


def error_line(error: BaseException, *, limit: int = MAX_LINE_CHARS) -> tuple[str, int]:
    """The one line (at most ``limit`` characters) and exit code the command line shows for ``error``.

    Known errors give their message; an ``OSError`` names the file, the reason and what to do; any
    other exception is a bug, named by its type (``NEUROPIL_DEBUG=1`` lets the traceback through).
    """
    if isinstance(error, NeuropilError):
        text = str(error)
    elif isinstance(error, OSError) and error.errno in _OS_REASONS:
        path = error.filename or ""
        code = error.errno
        if code in (errno.ENOTDIR, errno.EEXIST) and path:
            path = _file_in_the_way(str(path))
            code = errno.ENOTDIR if not Path(path).is_dir() else code
        text = f"{path}: {_OS_REASONS[code]}" if path else _OS_REASONS[code]
        if code in _OS_HINTS:
            text += f" ({_OS_HINTS[code]})"
    elif isinstance(error, OSError):
        detail = error.strerror or str(error)
        text = f"{error.filename}: {detail}" if error.filename else detail
    elif isinstance(error, RecursionError):
        text = "input nested too deeply to read (RecursionError); the file is malformed or hostile"
    elif isinstance(error, MemoryError):
        text = "out of memory; the input is larger than this machine can hold, or declares a bogus size"
    else:
        text = f"internal error {type(error).__name__}: {error} (a bug in neuropil: please report it)"
    text = " ".join(text.split())  # one line, whatever the message held
    if len(text) > limit:
        cut = len(text) - limit
        text = text[: limit - 40].rstrip() + f" ... ({cut + 40} more characters)"
    return text, 1
