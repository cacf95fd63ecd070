"""Timing helpers shared by the perf scripts (run as ``python perf/<script>.py``, so ``perf/`` is on ``sys.path``)."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(repeats: int, action: Callable[[], object]) -> float:
    """The fastest of ``repeats`` timed calls of ``action``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)
