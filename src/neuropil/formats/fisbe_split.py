"""FISBe's official split list, ``sample_list_per_split.txt``: which sample is in which split.

The file lists, under ``(n) samples for completely|partly ...`` section headers, ``train:``, ``val:``
and ``test:`` blocks of sample names.
"""

from __future__ import annotations

import os
from pathlib import Path

from neuropil.errors import RawFormatError, SourceUnavailableError

COMPLETENESS = ("completely", "partly")
SPLITS = ("train", "val", "test")


def parse_split_list(path: str | os.PathLike[str]) -> dict[str, tuple[str, str]]:
    """``sample_list_per_split.txt`` -> {sample: (completely | partly, train | val | test)}."""
    result: dict[str, tuple[str, str]] = {}
    completeness = split = None
    if not Path(path).is_file():
        raise SourceUnavailableError(f"Split list {path} does not exist or is not a file; expected FISBe's "
                                     "sample_list_per_split.txt.")
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise RawFormatError(f"Split list {path} is not UTF-8 text; expected FISBe's sample_list_per_split.txt.") from None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        lowered = line.lower()
        if lowered.startswith("(") and "samples for" in lowered:
            completeness = next((c for c in COMPLETENESS if c in lowered), None)
            if completeness is None:
                raise RawFormatError(f"{path}:{number}: section {line!r} names neither 'completely' nor 'partly'.")
            split = None
        elif lowered.rstrip(":") in SPLITS and line.endswith(":"):
            split = lowered.rstrip(":")
        elif completeness is None or split is None:
            raise RawFormatError(f"{path}:{number}: sample {line!r} before any '(n) samples for ...' / 'split:' header.")
        else:
            if line in result:
                raise RawFormatError(f"{path}:{number}: sample {line!r} listed twice.")
            result[line] = (completeness, split)
    return result
