"""Raw files: each declared with its original URL and SHA-256, verified before any use.

A raw file is looked for, in order, in the mirror folder (``--raw-dir`` / ``$NEUROPIL_RAW_DIR``), in
the installed package that ships it (``importlib.resources``), in the download cache
(``<home>/raw/<dataset>/``), and only then downloaded: to a temporary file next to the target,
verified, then renamed into place (pooch's habit). Nothing is ever prompted for.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import logging
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from neuropil._home import get_home, get_raw_dir, is_offline, is_quiet
from neuropil.errors import ChecksumError, SourceUnavailableError

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20


@dataclass(frozen=True)
class RawFile:
    """One upstream file, as published."""

    name: str
    sha256: str
    url: str
    #: path below a mirror folder (the layout of ``shared/data``); the bare name is tried too
    mirror_path: str | None = None
    #: installed distribution that ships the file, e.g. ``"cect"``, and its path inside the package
    package: str | None = None
    package_path: str | None = None
    #: pip requirement that installs ``package`` at the version whose file matches ``sha256``
    package_requirement: str | None = None
    license: str = "unknown"
    #: how to get the file by hand when no route works (shown in errors and ``neuropil info``)
    how_to_obtain: str = ""
    #: True where only a fixture written from the published description checked the format
    fixture_only: bool = False


def sha256_of(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, raw: RawFile) -> Path:
    actual = sha256_of(path)
    if actual != raw.sha256:
        hint = (
            f"install {raw.package_requirement}, whose copy matches"
            if raw.package_requirement
            else "delete it and fetch it again, or point --raw-dir at an unmodified copy"
        )
        raise ChecksumError(
            f"SHA-256 mismatch for raw file {raw.name!r} at {path}: expected {raw.sha256}, "
            f"got {actual}. The file is truncated, corrupted or a different version; {hint}."
        )
    return path


def _package_candidate(raw: RawFile) -> Path | None:
    if not raw.package or not raw.package_path:
        return None
    if importlib.util.find_spec(raw.package) is None:
        return None
    candidate = importlib.resources.files(raw.package).joinpath(raw.package_path)
    # the packages we read from are installed as plain folders, so the traversable is a real path
    path = Path(str(candidate))
    return path if path.is_file() else None


def _mirror_candidates(raw: RawFile, raw_dir: Path | None) -> list[Path]:
    if raw_dir is None:
        return []
    found = []
    for relative in (raw.mirror_path, raw.name):
        if relative and (raw_dir / relative).is_file():
            found.append(raw_dir / relative)
    return found


def cache_path(raw: RawFile, dataset_id: str, home: str | os.PathLike[str] | None = None) -> Path:
    return get_home(home) / "raw" / dataset_id / raw.name


def locate(
    raw: RawFile,
    dataset_id: str,
    *,
    raw_dir: str | os.PathLike[str] | None = None,
    home: str | os.PathLike[str] | None = None,
    offline: bool | None = None,
    progress: bool | None = None,
) -> Path:
    """Return a verified local path for ``raw``, downloading it only if no local copy exists.

    Raises :class:`ChecksumError` if a local copy exists but does not match, and
    :class:`SourceUnavailableError` if no route reaches the file.
    """
    # an explicit mirror wins over the installed package: the user said "use these files"
    for candidate in _mirror_candidates(raw, get_raw_dir(raw_dir)):
        return verify(candidate.resolve(), raw)
    package_copy = _package_candidate(raw)
    if package_copy is not None:
        return verify(package_copy, raw)
    cached = cache_path(raw, dataset_id, home)
    if cached.is_file():
        return verify(cached, raw)
    offline = is_offline() if offline is None else offline
    where = []
    if raw.package:
        where.append(f"the package {raw.package_requirement or raw.package}")
    mirror = get_raw_dir(raw_dir)
    where.append(f"the mirror {mirror}" if mirror else "no mirror (--raw-dir / NEUROPIL_RAW_DIR unset)")
    where.append(f"the cache {cached.parent}")
    if offline:
        raise SourceUnavailableError(
            f"Raw file {raw.name!r} not found in {', '.join(where)}, and downloads are off "
            f"(NEUROPIL_OFFLINE). Obtain it from {raw.url}"
            + (f" ({raw.how_to_obtain})" if raw.how_to_obtain else "")
            + " and put it in a folder given as --raw-dir."
        )
    return _download(raw, cached, progress=not is_quiet() if progress is None else progress)


def _download(raw: RawFile, target: Path, *, progress: bool) -> Path:
    from tqdm.auto import tqdm

    target.parent.mkdir(parents=True, exist_ok=True)
    logger.info("downloading %s from %s", raw.name, raw.url)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{raw.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(descriptor, "wb") as out:
            try:
                response = urllib.request.urlopen(raw.url, timeout=60)  # noqa: S310 (registered https URL)
            except OSError as error:
                raise SourceUnavailableError(
                    f"Could not download raw file {raw.name!r} from {raw.url}: {error}. "
                    "Put a copy in a folder given as --raw-dir (or NEUROPIL_RAW_DIR) to work offline."
                ) from error
            with response:
                total = int(response.headers.get("Content-Length") or 0) or None
                with tqdm(total=total, unit="B", unit_scale=True, desc=raw.name, disable=not progress) as bar:
                    for block in iter(lambda: response.read(_CHUNK), b""):
                        out.write(block)
                        bar.update(len(block))
        verify(Path(temporary), raw)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target
