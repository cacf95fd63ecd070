"""Extracting registered members from a downloaded zip or tar archive, safely and atomically.

A member is a file, or a folder with everything below it (a FISBe ``<sample>.zarr``). A member
given as a bare name (no ``/``) also matches that name at any depth, for archives whose top folder
is not known (the VesselGraph whole-brain zips). Entries that would land outside the target
(absolute paths, ``..``) and links are refused. Everything is written to a temporary folder beside
the target and renamed into place member by member, so a kill leaves either the old state or the
whole member, never half of it.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tarfile
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from neuropil.errors import RawFormatError, SourceUnavailableError

_CHUNK = 1 << 20


def _entries(archive: Path) -> Iterator[tuple[str, bool, object]]:
    """(path inside the archive, is a regular file, handle to open it) for every entry."""
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as handle:
            for info in handle.infolist():
                yield info.filename, not info.is_dir(), (handle, info)
        return
    try:
        with tarfile.open(archive) as handle:  # gzip, bz2, xz or plain, by content
            for info in handle:
                if info.issym() or info.islnk():
                    raise RawFormatError(f"{archive.name}: entry {info.name!r} is a link; archives must hold plain files.")
                yield info.name, info.isfile(), (handle, info)
    except tarfile.ReadError as error:
        raise RawFormatError(f"{archive.name} is neither a zip nor a tar archive ({error}).") from None


def _open(entry: object) -> IO[bytes]:
    handle, info = entry  # type: ignore[misc]
    if isinstance(handle, zipfile.ZipFile):
        return handle.open(info)
    stream = handle.extractfile(info)
    if stream is None:
        raise RawFormatError(f"archive entry {info.name!r} cannot be read as a file")
    return stream


def _safe(name: str, archive: Path) -> str:
    clean = posixpath.normpath(name.replace("\\", "/")).lstrip("/") if name else ""
    if name.startswith("/") or clean == ".." or clean.startswith("../") or ":" in clean.split("/")[0]:
        raise RawFormatError(f"{archive.name}: entry {name!r} would be written outside the target folder.")
    return clean


def _match(name: str, member: str) -> tuple[str, str] | None:
    """(folder the member sits in, path below the member: "" for the member itself) when ``name``
    is or lies in ``member``."""
    member = member.strip("/")
    parts = name.split("/")
    # a bare name matches at any depth
    starts = range(len(parts)) if "/" not in member else range(1)
    for start in starts:
        candidate = "/".join(parts[start:])
        if candidate == member:
            return "/".join(parts[:start]), ""
        if candidate.startswith(member + "/"):
            return "/".join(parts[:start]), candidate[len(member) + 1:]
    return None


def extract_members(archive: Path, members: list[str], into: Path, *, url: str, needed_as: str) -> dict[str, Path]:
    """Extract each of ``members`` from ``archive`` to ``into/<member>``; returns member -> path.

    Raises :class:`SourceUnavailableError` naming the archive's URL when a member is not in it."""
    into.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".extract-", dir=into))
    try:
        found: dict[str, str] = {}
        for name, is_file, entry in _entries(archive):
            clean = _safe(name, archive)
            for member in members:
                matched = _match(clean, member)
                if matched is None:
                    continue
                where, below = matched
                if found.setdefault(member, where) != where:
                    raise RawFormatError(f"{archive.name} holds {member!r} twice (in {found[member] or '/'!r} and "
                                         f"{where or '/'!r}); give the member's full path.")
                if not is_file:
                    continue
                target = staging / member.strip("/") / below if below else staging / member.strip("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                with _open(entry) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink, _CHUNK)
        absent = [m for m in members if m not in found]
        if absent:
            raise SourceUnavailableError(f"The archive at {url} does not hold {', '.join(map(repr, absent))} "
                                         f"(needed as {needed_as}).")
        placed = {}
        for member in members:
            source, target = staging / member.strip("/"), into / member.strip("/")
            if not source.exists():  # a folder member with no file in it
                source.mkdir(parents=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir() and target.is_dir():
                # a folder cannot be renamed over a non-empty one: move the old one aside first
                old = Path(tempfile.mkdtemp(prefix=".replaced-", dir=into))
                os.replace(target, old / "old")
                os.replace(source, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(source, target)
            placed[member] = target
        return placed
    finally:
        shutil.rmtree(staging, ignore_errors=True)
