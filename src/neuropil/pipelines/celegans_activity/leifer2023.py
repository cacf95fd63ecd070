"""Randi et al. 2023 (Nature 623:406-414): the neural signal propagation atlas, flat text export.

Citation: Randi F, Sharma AK, Dvali S, Leifer AM (2023) Neural signal propagation atlas of
*Caenorhabditis elegans*. Nature 623(7986):406-414, doi:10.1038/s41586-023-06683-4.
Host: OSF project https://osf.io/e2syt/ (``exported_data*.tar.gz``); the re-hosted archive holds the
same flat export under ``Leifer2023/``.

Files, per recording ``i`` (0-based): ``{i}_gcamp.txt``, ``{i}_labels.txt``, ``{i}_t.txt``,
``{i}_stim_neurons.txt``, ``{i}_stim_volume_i.txt``, ``{i}_ds_name.txt``, written by the lab's
exporter:

* ``{i}_gcamp.txt``: ``np.savetxt`` default, T lines of N single-space-separated floats (``nan``
  allowed), rows = time, columns = neurons;
* ``{i}_labels.txt``: one label per line, ``''`` = unlabelled; may hold **more** lines than N
  (the first N are the columns' labels; the extra count is kept in ``notes["extra_label_lines"]``).
  Values as published: canonical names, class names without side (``AVA``), ``merge``,
  ``smthng else`` -- kept as str, the common step decides; ``''`` -> None;
* ``{i}_t.txt``: T lines, seconds (numpy default ``%.18e``);
* ``{i}_ds_name.txt``: the source folder path (no newline) -> ``condition``;
* the two stim files (``%d`` integers): unused (their presence is listed in ``notes["files"]``).

Only gcamp, labels and t are required; a missing one of those raises
:class:`~neuropil.errors.RawFormatError` naming it. Worm id = ``str(i)``; recordings are processed in
ascending ``i``. Traces are parsed as float64 (the reference cast to float32).

Reference (qsimeon/worm-data-preprocess) bugs we deliberately do not reproduce:

* it counted recordings as ``len(os.listdir(folder)) // 6``, so any extra file (a README, a seventh
  file of one recording) shifted or truncated the count; we find recordings by their
  ``{i}_gcamp.txt`` names and ignore unrelated files (and orphan companions without a gcamp file);
* it split gcamp lines on a single ``" "`` (a double space broke the parse); we split on runs of
  whitespace but still require the same N on every line;
* it parsed t.txt by splitting on ``e`` and reading the exponent sign (plain decimals crashed it);
  we accept any float text;
* the per-study trace filters (all-NaN, NaN-stretch, linear-segment) and the imputation belong to
  the common step, not to this reader (data as published).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from neuropil.errors import RawFormatError
from neuropil.pipelines.celegans_activity.raw import RawLabel, RawRecording, study_files

STUDY = "Leifer2023"
#: a recording is found by its gcamp file; ``i`` is a plain non-negative integer (no leading zeros)
PATTERN = re.compile(r"^(0|[1-9][0-9]*)_gcamp\.txt$")
#: the companions every recording must have (besides ``{i}_gcamp.txt``)
REQUIRED = ("labels", "t")
#: the companions the exporter also writes; read (ds_name) or only listed (stim) when present
OPTIONAL = ("stim_neurons", "stim_volume_i", "ds_name")


def companion(index: str, kind: str) -> str:
    """The file name of one of a recording's six files (``kind`` = ``"gcamp"``, ``"labels"``, ...)."""
    return f"{index}_{kind}.txt"


def _lines(path: Path) -> list[str]:
    """Lines as ``readlines`` + ``strip("\\n")`` see them: a final newline ends the last line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise RawFormatError(f"{STUDY} {path.name}: not UTF-8 text ({error}).") from error
    if text == "":
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _floats(rows: list[list[str]], path: Path, what: str) -> np.ndarray:
    try:
        return np.array(rows, dtype="float64")
    except ValueError:
        for line_number, row in enumerate(rows, start=1):
            for column, cell in enumerate(row):
                try:
                    float(cell)
                except ValueError:
                    raise RawFormatError(
                        f"{STUDY} {path.name}: {what} line {line_number} column {column}: expected a float, "
                        f"got {cell!r}."
                    ) from None
        raise


def _read_gcamp(path: Path) -> np.ndarray:
    rows = [line.split() for line in _lines(path)]
    if not rows:
        raise RawFormatError(f"{STUDY} {path.name}: gcamp file is empty; expected T lines of N floats.")
    n = len(rows[0])
    if n == 0:
        raise RawFormatError(f"{STUDY} {path.name}: gcamp line 1 is blank; expected N space-separated floats.")
    for line_number, row in enumerate(rows, start=1):
        if len(row) != n:
            raise RawFormatError(
                f"{STUDY} {path.name}: gcamp line {line_number} has {len(row)} values, expected {n} "
                f"(the number on line 1)."
            )
    return _floats(rows, path, "gcamp")


def _read_time(path: Path) -> np.ndarray:
    rows = [line.split() for line in _lines(path)]
    for line_number, row in enumerate(rows, start=1):
        if len(row) != 1:
            raise RawFormatError(
                f"{STUDY} {path.name}: t line {line_number} has {len(row)} values, expected one time in seconds."
            )
    return _floats(rows, path, "t").reshape(-1)


def _recording(folder: Path, index: str) -> RawRecording:
    gcamp_path = folder / companion(index, "gcamp")
    for kind in REQUIRED:
        if not (folder / companion(index, kind)).is_file():
            raise RawFormatError(
                f"{STUDY}: recording {index} has {gcamp_path.name} but lacks its required companion "
                f"{companion(index, kind)!r}."
            )
    traces = _read_gcamp(gcamp_path)
    t, n = traces.shape
    time = _read_time(folder / companion(index, "t"))
    if time.shape[0] != t:
        raise RawFormatError(
            f"{STUDY} {companion(index, 't')}: {time.shape[0]} time values but {gcamp_path.name} has {t} "
            f"lines (time points); expected equal lengths."
        )
    label_lines = _lines(folder / companion(index, "labels"))
    if len(label_lines) < n:
        raise RawFormatError(
            f"{STUDY} {companion(index, 'labels')}: {len(label_lines)} label lines but {gcamp_path.name} has "
            f"{n} columns; expected at least one line per column."
        )
    labels: list[RawLabel] = [line if line != "" else None for line in label_lines[:n]]
    present = [companion(index, kind) for kind in ("gcamp", *REQUIRED, *OPTIONAL)
               if (folder / companion(index, kind)).is_file()]
    notes: dict[str, Any] = {"extra_label_lines": len(label_lines) - n, "files": present}
    condition = None
    ds_name_path = folder / companion(index, "ds_name")
    if ds_name_path.is_file():
        condition = "\n".join(_lines(ds_name_path)).strip() or None
    missing = [companion(index, kind) for kind in OPTIONAL if not (folder / companion(index, kind)).is_file()]
    if missing:
        notes["missing_optional_files"] = missing
    return RawRecording(study=STUDY, file=gcamp_path.name, worm=index, traces=traces, time=time, labels=labels,
                        condition=condition, notes=notes)


def read(folder: Path) -> list[RawRecording]:
    """One :class:`RawRecording` per ``{i}_gcamp.txt`` in ``folder`` (the study folder), by ascending ``i``."""
    folder = Path(folder)
    paths = study_files(folder, study=STUDY, match=PATTERN, description="{i}_gcamp.txt",
                        hint="; expected six files per recording")
    indices = sorted((PATTERN.match(path.name).group(1) for path in paths), key=int)
    return [_recording(folder, index) for index in indices]
