"""Result files: the published JSON Schema (``result.schema.json`` in this package) and validation."""

from __future__ import annotations

import json
import math
import os
import tempfile
from importlib.resources import files
from pathlib import Path
from typing import Any

from neuropil.errors import NeuropilError


class ResultSchemaError(NeuropilError, ValueError):
    """A result document that does not follow ``result.schema.json``."""


def schema() -> dict[str, Any]:
    return json.loads(files("neuropil.benchmarks").joinpath("result.schema.json").read_text(encoding="utf-8"))


def _where(error: Any) -> str:
    parts = []
    for part in error.absolute_path:
        parts.append(f"[{part}]" if isinstance(part, int) else (f".{part}" if parts else str(part)))
    return "".join(parts) or "(top level)"


def validate(result: dict[str, Any]) -> dict[str, Any]:
    """Raise :class:`ResultSchemaError` naming the first offending field; return the result."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    errors = sorted(validator.iter_errors(result), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        raise ResultSchemaError(f"Result field {_where(first)!s}: {first.message} "
                                f"({len(errors)} schema error(s) in all; schema result.schema.json).")
    return result


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ResultSchemaError(f"{path} is not a readable JSON result: {error}") from error
    return validate(document)


def _finite(value: Any) -> Any:
    """JSON has no NaN: missing or non-finite numbers are written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def write(result: dict[str, Any], path: str | os.PathLike[str]) -> Path:
    """Validate, then write atomically."""
    result = validate(_finite(result))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=2, sort_keys=True)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would make a shared result file private
    os.replace(temporary, path)
    return path
