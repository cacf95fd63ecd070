"""Where neuropil keeps raw downloads and homogenized outputs.

Resolution order: an explicit argument > :func:`set_home` > ``$NEUROPIL_HOME`` > ``~/.cache/neuropil``.
The raw mirror (a local folder standing in for downloads) is ``raw_dir`` > ``$NEUROPIL_RAW_DIR``; an HTTP
mirror laid out the same way is ``raw_url`` > ``$NEUROPIL_RAW_URL``.
"""

from __future__ import annotations

import os
from pathlib import Path

_home_override: Path | None = None


def set_home(path: str | os.PathLike[str] | None) -> None:
    """Set the neuropil home for this process (``None`` restores the default)."""
    global _home_override
    _home_override = None if path is None else Path(path).expanduser()


def get_home(home: str | os.PathLike[str] | None = None) -> Path:
    if home is not None:
        path = Path(home).expanduser()
    elif _home_override is not None:
        path = _home_override
    elif os.environ.get("NEUROPIL_HOME"):
        path = Path(os.environ["NEUROPIL_HOME"]).expanduser()
    else:
        path = Path("~/.cache/neuropil").expanduser()
    if path.exists() and not path.is_dir():
        from neuropil.errors import InvalidArgumentError

        raise InvalidArgumentError(f"The neuropil home {path} is a file; expected a folder (--home / NEUROPIL_HOME).")
    return path


def get_raw_dir(raw_dir: str | os.PathLike[str] | None = None) -> Path | None:
    if raw_dir is not None:
        return Path(raw_dir).expanduser()
    env = os.environ.get("NEUROPIL_RAW_DIR")
    return Path(env).expanduser() if env else None


def get_raw_url(raw_url: str | None = None) -> str | None:
    """Base URL of an HTTP mirror (each file at ``<base>/<mirror_path>``), without a trailing slash."""
    value = raw_url if raw_url is not None else os.environ.get("NEUROPIL_RAW_URL", "")
    value = value.strip().rstrip("/")
    if value and not value.lower().startswith(("http://", "https://")):
        from neuropil.errors import InvalidArgumentError

        raise InvalidArgumentError(f"raw_url must be an http:// or https:// URL, got {value!r} "
                                   "(a local folder is --raw-dir / NEUROPIL_RAW_DIR).")
    return value or None


def is_offline() -> bool:
    """``NEUROPIL_OFFLINE=1`` forbids downloads (as ``HF_HUB_OFFLINE`` does for the hub)."""
    return os.environ.get("NEUROPIL_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def is_quiet() -> bool:
    return os.environ.get("NEUROPIL_QUIET", "").strip().lower() in {"1", "true", "yes", "on"}
