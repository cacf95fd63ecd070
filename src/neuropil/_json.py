"""Reading JSON that a user or a download handed us: one error type, no crash, no surprise numbers.

Python's ``json`` reads ``1e400`` as ``inf``, accepts ``NaN`` and ``Infinity``, turns a 10^400-digit
integer into a bignum, and raises ``RecursionError`` on 200,000 nested brackets. Every such input
is a :class:`~neuropil.errors.RawFormatError` here, naming the file.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from neuropil.errors import RawFormatError

MAX_INT_DIGITS = 19  # int64 at most; no file neuropil reads has larger integers
MAX_DEPTH = 64  # every file neuropil reads nests a few levels


def _depth_ok(text: str, source: str) -> None:
    """Refuse deep nesting before the parser recurses (brackets inside strings count too: harmless)."""
    import numpy as np

    codes = np.frombuffer(text.encode("utf-8", "replace"), dtype=np.uint8)
    step = (np.isin(codes, (ord("["), ord("{"))).astype(np.int32) - np.isin(codes, (ord("]"), ord("}"))))
    if step.size and int(np.cumsum(step).max()) > MAX_DEPTH:
        raise RawFormatError(f"{source}: JSON nested more than {MAX_DEPTH} levels deep; "
                             "the file is damaged or not what it claims to be.")


def loads(text: str | bytes, *, source: str, allow_nan: bool = False) -> Any:
    """``json.loads`` refusing integers beyond 64 bits, deep nesting and (unless ``allow_nan``, for
    documents that store a missing value as ``NaN``) non-finite numbers."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise RawFormatError(f"{source}: not UTF-8 text; expected JSON.") from None
    if text.count("[") + text.count("{") > MAX_DEPTH:  # most files are shallow: scan only when it could matter
        _depth_ok(text, source)

    def constant(name: str) -> float:
        if allow_nan and name == "NaN":
            return math.nan
        raise RawFormatError(f"{source}: JSON holds {name}; expected finite numbers.")

    def real(token: str) -> float:
        value = float(token)
        if not math.isfinite(value):
            raise RawFormatError(f"{source}: JSON number {token[:40]} overflows a float; expected a finite number.")
        return value

    def integer(token: str) -> int:
        if len(token.lstrip("-")) > MAX_INT_DIGITS:
            raise RawFormatError(f"{source}: JSON integer with {len(token.lstrip('-'))} digits; expected at "
                                 "most 64-bit integers.")
        return int(token)

    try:
        return json.loads(text, parse_constant=constant, parse_float=real, parse_int=integer)
    except json.JSONDecodeError as error:
        raise RawFormatError(f"{source}: not valid JSON ({error.msg} at line {error.lineno} column "
                             f"{error.colno}); the file is truncated or damaged.") from None
    except RecursionError:
        raise RawFormatError(f"{source}: JSON nested too deeply to read.") from None


def read(path: str | os.PathLike[str], *, allow_nan: bool = False) -> Any:
    """:func:`loads` of a file's bytes, naming the file in every error."""
    return loads(Path(path).read_bytes(), source=str(path), allow_nan=allow_nan)
