"""Small helpers that several parts of neuropil share, written once (stdlib; numpy inside functions)."""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def utc_now() -> str:
    """The current UTC time, ISO 8601 to the second (``2026-01-31T12:00:00+00:00``)."""
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def canonical_json(payload: Any) -> str:
    """One text per value: sorted keys, no spaces; what every stored SHA-256 of a JSON value hashes."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def format_mean_std(mean: float | None, std: float | None, digits: int = 4) -> str:
    """``0.1234 ± 0.0100``; the mean alone when there is no spread (one seed); ``n/a`` without a mean."""
    if mean is None:
        return "n/a"
    return f"{mean:.{digits}f}" + (f" ± {std:.{digits}f}" if std is not None else "")


def roc_auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """ROC-AUC as the Mann-Whitney statistic: P(score_pos > score_neg) + 0.5 P(equal) (ties averaged)."""
    import numpy as np  # here, so that the command line starts without numpy

    scores = np.concatenate([positive, negative]).astype(np.float64)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(scores.size, dtype=np.float64)
    sorted_scores = scores[order]
    # average ranks of ties (1-based)
    boundaries = np.flatnonzero(np.diff(sorted_scores)) + 1
    starts = np.concatenate([[0], boundaries])
    ends = np.concatenate([boundaries, [scores.size]])
    average = (starts + ends + 1) / 2.0
    ranks[order] = np.repeat(average, ends - starts)
    n_pos, n_neg = positive.size, negative.size
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


class LockBusy(Exception):
    """Raised by :func:`file_lock` when another process holds the lock past the timeout (callers
    turn it into their own typed, one-line error)."""


@contextlib.contextmanager
def file_lock(path: Path, *, timeout: float = 0.0) -> Iterator[Any]:
    """An exclusive ``flock`` on ``path`` (created if absent) held for the block; retried every 50 ms
    for ``timeout`` seconds (0: fail at once), then :class:`LockBusy`. Yields the open lock file."""
    import errno
    import fcntl
    import time

    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 (held for the duration of the context)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise LockBusy(str(path)) from None
                time.sleep(0.05)
        yield handle
    finally:
        handle.close()  # closing releases the flock
