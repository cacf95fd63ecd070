"""Fake raw files in the exact upstream layouts, and helpers to run a pipeline on them.

Shipped with the package (as pynwb and navis ship their mock factories) so that users' and our own
tests can exercise a pipeline without the real data, and so that every bad-input case (truncated
file, missing column, unmappable label) is written the same way everywhere.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path

from neuropil.testing._files import (EDGE_TABLE_HEADER, spec_with_files, truncate_copy,  # noqa: F401 (public)
                                     write_edge_table_text, write_edge_table_xlsx)
from neuropil.testing.fixtures import Fixture, fixture_writer, registered_for  # noqa: F401 (public)


def in_ci() -> bool:
    """True under a CI run (``CI`` set to anything but empty/0/false/no): tests that skip on a user's
    machine (no real data, no browser, minutes of work) must run and fail there instead."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@contextlib.contextmanager
def registered_fixtures(dataset_module, files: Mapping[str, str | os.PathLike[str]]) -> Iterator[object]:
    """Temporarily register fixture files in a dataset module's ``SPEC`` (see :func:`spec_with_files`)."""
    original = dataset_module.SPEC
    dataset_module.SPEC = spec_with_files(original, files)
    try:
        yield dataset_module.SPEC
    finally:
        dataset_module.SPEC = original


def mirror_folder(target: str | os.PathLike[str], files: Mapping[str, str | os.PathLike[str]]) -> Path:
    """A raw mirror folder holding ``files`` (name -> path) under their registered names."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for name, path in files.items():
        shutil.copyfile(path, target / name)
    return target

