"""Raw files: each declared with its original URL and SHA-256, verified before any use.

A raw file is looked for, in order, in the mirror folder (``--raw-dir`` / ``$NEUROPIL_RAW_DIR``), in
the installed package that ships it (``importlib.resources``), in the download cache
(``<home>/raw/<dataset>/``), then on an HTTP mirror (``--raw-url`` / ``$NEUROPIL_RAW_URL``, laid out
like the mirror folder), and only then at its registered public URL. Downloads are pooch's (retries,
``doi:`` URLs) into a private temporary folder next to the cache, verified, then renamed into place;
a file registered inside an archive is extracted from it (:mod:`neuropil._archive`) and verified.
``NEUROPIL_OFFLINE=1`` forbids the public URLs only: a mirror URL is named by the user, as a mirror
folder is. A file registered as *derived* is never downloaded: the error says how to derive it.
Nothing is ever prompted for.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import importlib.util
import logging
import os
import posixpath
import re
import shutil
import tempfile
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from neuropil._home import get_home, get_raw_dir, get_raw_url, is_offline, is_quiet
from neuropil.errors import ChecksumError, SourceUnavailableError

logger = logging.getLogger(__name__)

_CHUNK = 1 << 20
#: tries per URL; only connection failures and 5xx answers are retried
DOWNLOAD_ATTEMPTS = 3


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
    #: set for a file that no URL serves as such: the upstream file it is computed from (``url`` then
    #: points at that file), and the command that derives it; locate() never downloads it
    derived_from: str | None = None
    derive_with: str = ""
    #: set where ``url`` serves an archive (zip, tar, tar.gz) that holds the file at this path
    archive_member: str | None = None
    #: SHA-256 of that archive, where known: checked before anything is extracted
    archive_sha256: str | None = None
    #: git blob id (SHA-1 of ``b"blob <size>\\0" + content``): the second accepted digest, used where
    #: no SHA-256 is registered (files listed from a git tree, e.g. 40 large MICrONS spikes files)
    git_blob: str | None = None

    @property
    def mirror_relative(self) -> str:
        """Path below a mirror folder or mirror URL."""
        return self.mirror_path or self.name

    @property
    def digest(self) -> str:
        """What identifies the content: the SHA-256, else ``git-blob:<id>`` (fingerprints, manifests)."""
        return self.sha256 or f"git-blob:{self.git_blob}"


def sha256_of(path: str | os.PathLike[str]) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def git_blob_of(path: str | os.PathLike[str]) -> str:
    """git's object id of the file's content: SHA-1 of ``b"blob <size>\\0"`` followed by the bytes."""
    digest = hashlib.sha1(b"blob %d\0" % os.path.getsize(path), usedforsecurity=False)
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def mismatch(data_or_path: bytes | Path, raw: RawFile) -> tuple[str, str, str] | None:
    """``(kind, expected, actual)`` where the content does not match the registered digest, else None:
    the SHA-256 when one is registered, else the git blob id."""
    if isinstance(data_or_path, bytes):
        if raw.sha256:
            actual = hashlib.sha256(data_or_path).hexdigest()
        else:
            actual = hashlib.sha1(b"blob %d\0" % len(data_or_path) + data_or_path, usedforsecurity=False).hexdigest()
    else:
        actual = sha256_of(data_or_path) if raw.sha256 else git_blob_of(data_or_path)
    kind, expected = ("SHA-256", raw.sha256) if raw.sha256 else ("git blob id", raw.git_blob or "")
    return None if actual == expected else (kind, expected, actual)


def verify(path: Path, raw: RawFile) -> Path:
    wrong = mismatch(path, raw)
    if wrong is not None:
        kind, expected, actual = wrong
        hint = (
            f"install {raw.package_requirement}, whose copy matches"
            if raw.package_requirement
            else "delete it and fetch it again, or point --raw-dir at an unmodified copy"
        )
        raise ChecksumError(
            f"{kind} mismatch for raw file {raw.name!r} at {path}: expected {expected}, "
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


def mirror_url(raw: RawFile, base: str) -> str:
    return f"{base}/{urllib.parse.quote(raw.mirror_relative)}"


def locate(
    raw: RawFile,
    dataset_id: str,
    *,
    raw_dir: str | os.PathLike[str] | None = None,
    raw_url: str | None = None,
    home: str | os.PathLike[str] | None = None,
    offline: bool | None = None,
    progress: bool | None = None,
) -> Path:
    """Return a verified local path for ``raw``, downloading it only if no local copy exists.

    Raises :class:`ChecksumError` if a copy (local or downloaded) does not match, and
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
    progress = not is_quiet() if progress is None else progress
    tried = []
    if raw.package:
        tried.append(f"the package {raw.package_requirement or raw.package}")
    mirror = get_raw_dir(raw_dir)
    tried.append(f"the mirror {mirror}" if mirror else "no mirror folder (--raw-dir / NEUROPIL_RAW_DIR unset)")
    tried.append(f"the cache {cached.parent}")
    base = get_raw_url(raw_url)
    if base is not None:
        url = mirror_url(raw, base)
        try:
            return _download(raw, url, cached, progress=progress)
        except SourceUnavailableError as error:
            if getattr(error, "http_status", None) != 404:  # a mirror that is down fails fast, file after file
                raise
            logger.info("%s", error)  # not on the mirror: the public URL may still serve it
            tried.append(f"the mirror URL {url} (404)")
    else:
        tried.append("no mirror URL (--raw-url / NEUROPIL_RAW_URL unset)")
    where = ", ".join(tried)
    if raw.derived_from:
        raise SourceUnavailableError(
            f"Raw file {raw.name!r} not found in {where}. It is derived, not downloaded: from {raw.derived_from}"
            + (f", with: {raw.derive_with}" if raw.derive_with else "")
            + f"; put the result in a folder given as --raw-dir (as {raw.mirror_relative}) or at {cached}."
        )
    offline = is_offline() if offline is None else offline
    if offline:
        raise SourceUnavailableError(
            f"Raw file {raw.name!r} not found in {where}, and downloads are off "
            f"(NEUROPIL_OFFLINE). Obtain it from {raw.url}"
            + (f" ({raw.how_to_obtain})" if raw.how_to_obtain else "")
            + " and put it in a folder given as --raw-dir."
        )
    return _download(raw, raw.url, cached, progress=progress)


def _download(raw: RawFile, url: str, target: Path, *, progress: bool) -> Path:
    """Fetch ``url`` with pooch into a private folder beside ``target``, verify, rename into place.

    ``raw.name`` may hold ``/`` (``Dag2023/swf702_with_id/...``): the temporary folder is flat and
    the target's folders are made first. Where the registered URL serves an archive, the archive is
    checked (``archive_sha256``, where known) and only ``archive_member`` is extracted and verified;
    a mirror URL serves the file itself.
    """
    from neuropil._archive import extract_members

    target.parent.mkdir(parents=True, exist_ok=True)
    logger.info("downloading %s from %s", raw.name, url)
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=target.parent))
    try:
        if raw.archive_member is not None and url == raw.url:
            archive = _pooch_fetch(url, staging, label=f"raw file {raw.name!r}", progress=progress)
            check_archive(archive, raw.archive_sha256, url=url, holding=raw.name)
            downloaded = extract_members(archive, [raw.archive_member], staging / "members", url=url,
                                         needed_as=f"raw file {raw.name!r}")[raw.archive_member]
            if not downloaded.is_file():
                raise SourceUnavailableError(f"The archive at {url} holds {raw.archive_member!r} as a folder, not "
                                             f"as the file needed as raw file {raw.name!r}.")
        else:
            downloaded = _pooch_fetch(url, staging, label=f"raw file {raw.name!r}", progress=progress,
                                      key=Path(raw.name).name)
        wrong = mismatch(downloaded, raw)
        if wrong is not None:
            kind, expected, actual = wrong
            raise ChecksumError(
                f"{kind} mismatch for raw file {raw.name!r} downloaded from {url}: expected {expected}, "
                f"got {actual}. The server sent a different version or a damaged file; nothing was kept."
            )
        os.replace(downloaded, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _pooch_fetch(url: str, folder: Path, *, label: str, progress: bool, key: str | None = None) -> Path:
    """One file from ``url`` (``http(s)://``, ``ftp://`` or ``doi:<DOI>/<file>``, pooch's downloaders)
    into ``folder``; connection failures and 5xx answers are retried, 4xx answers are not."""
    import pooch
    import requests

    # pooch's name for the download: the URL's last segment unless given
    key = key or posixpath.basename(urllib.parse.unquote(urllib.parse.urlparse(url).path)) or "download"
    pooch_logger = pooch.get_logger()
    level = pooch_logger.level
    pooch_logger.setLevel(logging.WARNING)  # pooch announces every download on stderr; we log instead
    try:
        fetcher = pooch.create(path=folder, base_url="", registry={key: None}, urls={key: url})
        for attempt in range(1, DOWNLOAD_ATTEMPTS + 1):
            try:
                return Path(fetcher.fetch(key, progressbar=progress))
            except (requests.exceptions.RequestException, OSError, ValueError) as error:
                status = getattr(getattr(error, "response", None), "status_code", None)
                # a 4xx answer (not there, forbidden) will not change on retry; a dropped connection may
                if attempt == DOWNLOAD_ATTEMPTS or (status is not None and 400 <= status < 500):
                    failure = SourceUnavailableError(
                        f"Could not download {label} from {url}: {_one_line(error)}. "
                        "Put a copy in a folder given as --raw-dir (or NEUROPIL_RAW_DIR) to work offline."
                    )
                    failure.http_status = status
                    raise failure from error
                logger.info("download of %s failed (%s); retrying", label, error)
                time.sleep(attempt)
    finally:
        pooch_logger.setLevel(level)
    raise AssertionError("unreachable: the last attempt returns or raises")


def check_archive(archive: Path, sha256: str | None, *, url: str, holding: str) -> None:
    """The archive's SHA-256 against the registered one (nothing to check where none is known)."""
    if not sha256:
        return
    actual = sha256_of(archive)
    if actual != sha256:
        raise ChecksumError(
            f"SHA-256 mismatch for the archive {archive.name!r} downloaded from {url} (it holds {holding}): "
            f"expected {sha256}, got {actual}. The server sent a different version or a damaged file; nothing "
            "was extracted or kept."
        )


def fetch_archive_members(
    url: str,
    members: list[str],
    into: Path,
    *,
    sha256: str | None = None,
    offline: bool | None = None,
    progress: bool | None = None,
    how_to_obtain: str = "",
) -> dict[str, Path]:
    """Download the archive at ``url`` (``doi:`` URLs too), check its SHA-256 where known, and extract
    ``members`` (files, or folders with everything below them) into ``into``, each atomically.

    For sources registered without a digest (FISBe, VesselGraph whole brains): the caller hashes
    what comes out and records it. ``NEUROPIL_OFFLINE`` forbids the download.
    """
    from neuropil._archive import extract_members

    if is_offline() if offline is None else offline:
        raise SourceUnavailableError(
            f"{', '.join(members)} not found locally, and downloads are off (NEUROPIL_OFFLINE). Obtain the archive "
            f"{url}" + (f" ({how_to_obtain})" if how_to_obtain else "") + ", unpack it and give its folder as --raw-dir.")
    progress = not is_quiet() if progress is None else progress
    into.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".download-", dir=into))
    try:
        logger.info("downloading %s from %s", ", ".join(members), url)
        archive = _pooch_fetch(url, staging, label=f"the archive holding {', '.join(members)}", progress=progress)
        check_archive(archive, sha256, url=url, holding=", ".join(members))
        return extract_members(archive, members, into, url=url, needed_as=", ".join(members))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _one_line(error: Exception) -> str:
    return re.sub(r"\s+", " ", str(error)).strip()[:300] or type(error).__name__
