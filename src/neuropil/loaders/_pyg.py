"""The base of neuropil's PyG ``InMemoryDataset`` classes: PyG's ``root`` / cache conventions over a
published neuropil dataset.

* ``root`` is the dataset's own folder, as in PyG: processed files go to ``root/processed``. The
  graphs are built from the dataset already published in the neuropil home (``home=`` > ``set_home``
  > ``$NEUROPIL_HOME`` > ``~/.cache/neuropil``), so nothing is ingested twice and a dataset works
  offline wherever ``neuropil.load`` does. A dataset that is not ingested raises
  :class:`~neuropil.errors.NotIngestedError` naming the ``neuropil ingest`` command (loaders never
  build: the pipelines sit upstream).
* The processed cache is keyed as PyG keys it: the file name carries the dataset's own parameters;
  ``pre_transform.pt`` / ``pre_filter.pt`` record their ``repr`` (addresses stripped, as PyG does, so a
  ``lambda`` matches itself on the next run) and a different one only warns; ``force_reload=True``
  rebuilds. A re-ingest (new manifest fingerprint) rebuilds, since the cached graphs would be stale.
* PyG reads its own processed files with ``torch.load(weights_only=False)`` (``pre_transform.pt``)
  or falls back to it; here every file gets a SHA-256 sidecar and is read with ``weights_only=True``
  only after the digest matches.

Every class is defined at module level so that ``DataLoader(num_workers>0)`` with the ``spawn``
start method (macOS and Windows' default) can pickle it. This module imports ``torch_geometric``;
the loader modules import it only when a dataset class is asked for.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import warnings
from pathlib import Path
from typing import Any, Callable

import torch
from torch_geometric.data import InMemoryDataset

from neuropil import _store
from neuropil._home import get_home
from neuropil.errors import NotIngestedError, StoreCorruptedError

logger = logging.getLogger(__name__)

_ADDRESS = re.compile(r"(<.*?)\s.*(>)")


def transform_repr(obj: Any) -> str:
    """PyG's ``_repr``: ``None`` or ``str(obj)`` with ``<... at 0x...>`` reduced to ``<...>``."""
    return "None" if obj is None else _ADDRESS.sub(r"\1\2", str(obj))


def _write_atomic(path: Path, blob: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(blob)
    os.replace(temporary, path)


def save_verified(obj: Any, path: Path, **meta: Any) -> None:
    """``torch.save`` to ``path`` (temp file + rename), then ``path.json`` with its SHA-256 and ``meta``."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    blob = buffer.getvalue()
    _write_atomic(path, blob)
    sidecar = {"sha256": hashlib.sha256(blob).hexdigest(), **meta}
    _write_atomic(path.with_name(path.name + ".json"), json.dumps(sidecar, sort_keys=True).encode())


def sidecar(path: Path) -> dict[str, Any] | None:
    """The sidecar of a processed file, or ``None`` when either is missing or the sidecar is unreadable."""
    side = path.with_name(path.name + ".json")
    if not (path.is_file() and side.is_file()):
        return None
    try:
        meta = json.loads(side.read_text())
    except (ValueError, OSError):
        return None
    return meta if isinstance(meta, dict) and isinstance(meta.get("sha256"), str) else None


def load_verified(path: Path) -> Any:
    """``path`` read with ``weights_only=True`` after its bytes match the SHA-256 of its sidecar."""
    meta = sidecar(path)
    blob = path.read_bytes() if meta is not None else b""
    if meta is None or hashlib.sha256(blob).hexdigest() != meta["sha256"]:
        raise StoreCorruptedError(f"{path} does not match its recorded SHA-256 (changed after it was written); "
                                  "pass force_reload=True to rebuild it.")
    return torch.load(io.BytesIO(blob), weights_only=True)


class PublishedInMemoryDataset(InMemoryDataset):
    """An ``InMemoryDataset`` built from a dataset published in the neuropil home (see the module doc).

    A subclass declares ``dataset_id`` and ``version``, ``processed_stem()`` (the parameters that
    change the graphs) and ``build()`` (the graphs, before ``pre_filter`` / ``pre_transform``) plus,
    optionally, ``extras()`` (more tensors saved beside them, restored by ``restore_extras``).
    """

    dataset_id: str = ""
    version: str = ""

    def __init__(self, root: str | os.PathLike[str] | None, transform: Callable | None = None,
                 pre_transform: Callable | None = None, pre_filter: Callable | None = None, *,
                 force_reload: bool = False, home: str | os.PathLike[str] | None = None) -> None:
        self.home = get_home(home)
        manifest = _store.read_manifest(self.dataset_id, self.version, self.home)
        if manifest is None:
            raise NotIngestedError(
                f"Dataset {self.dataset_id!r} version {self.version} is not ingested in the neuropil home "
                f"{self.home}. Run `neuropil ingest {self.dataset_id} --home {self.home}` first (root={root} "
                "is only where this dataset keeps its processed files).")
        self.fingerprint = str(manifest.get("fingerprint", ""))
        self.in_memory = root is None
        if root is None:  # in memory only, as PyG allows: nothing written, pre_* applied every time
            super().__init__(None, transform, pre_transform, pre_filter)
            self.load_payload(self.payload())
            return
        super().__init__(str(Path(root).expanduser()), transform, pre_transform, pre_filter,
                         force_reload=force_reload)
        self.load_payload(load_verified(Path(self.processed_paths[0])))

    # ------------------------------------------------------------------ what a subclass declares
    def processed_stem(self) -> str:
        raise NotImplementedError

    def build(self) -> list[Any]:
        raise NotImplementedError

    def extras(self) -> dict[str, Any]:
        return {}

    def restore_extras(self, extras: dict[str, Any]) -> None:
        """Called with what ``extras()`` returned when the processed file was written."""

    # ------------------------------------------------------------------ PyG's hooks
    @property
    def processed_file_names(self) -> list[str]:
        return [f"{self.processed_stem()}.pt"]

    def _process(self) -> None:
        if self.in_memory:
            return
        directory = Path(self.processed_dir)
        for name, value in (("pre_transform", self.pre_transform), ("pre_filter", self.pre_filter)):
            path = directory / f"{name}.pt"
            if self.force_reload or sidecar(path) is None:
                continue
            if load_verified(path) != transform_repr(value):
                warnings.warn(f"The `{name}` argument differs from the one used in the pre-processed version of "
                              f"this dataset in {directory}; the processed file is reused. Pass force_reload=True "
                              "to rebuild it with the new one.", UserWarning, stacklevel=3)
        target = Path(self.processed_paths[0])
        meta = sidecar(target)
        if not self.force_reload and meta is not None:
            if meta.get("fingerprint") == self.fingerprint:
                return
            logger.info("%s was re-ingested since %s was written: rebuilding it", self.dataset_id, target)
        directory.mkdir(parents=True, exist_ok=True)
        self.process()
        save_verified(transform_repr(self.pre_transform), directory / "pre_transform.pt")
        save_verified(transform_repr(self.pre_filter), directory / "pre_filter.pt")

    def process(self) -> None:
        save_verified(self.payload(), Path(self.processed_paths[0]), fingerprint=self.fingerprint)

    def payload(self) -> dict[str, Any]:
        graphs = self.build()
        if self.pre_filter is not None:
            graphs = [graph for graph in graphs if self.pre_filter(graph)]
        if self.pre_transform is not None:
            graphs = [self.pre_transform(graph) for graph in graphs]
        data, slices = self.collate(graphs)
        return {"data": data.to_dict(), "slices": slices, "extras": self.extras()}

    def load_payload(self, payload: dict[str, Any]) -> None:
        from torch_geometric.data import Data

        self._data, self.slices = Data.from_dict(payload["data"]), payload["slices"]
        self.restore_extras(payload.get("extras") or {})
