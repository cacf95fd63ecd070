"""``CElegansConnectomes``: the C. elegans connectomes as a PyG ``InMemoryDataset``.

Defined at module level (picklable: ``DataLoader(num_workers=2, multiprocessing_context="spawn")``
works); imported lazily by :mod:`neuropil.loaders.celegans_connectomes`, so importing neuropil does
not import ``torch_geometric``. Conventions (``root``, the cache, ``home``): :mod:`neuropil.loaders._pyg`.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any, Callable

from neuropil import _store
from neuropil._home import get_home
from neuropil.datasets.celegans_connectomes import CONNECTOMES, SPEC
from neuropil.errors import InvalidArgumentError, unknown_value
from neuropil.loaders import load
from neuropil.loaders._pyg import PublishedInMemoryDataset

__all__ = ["CElegansConnectomes"]


class CElegansConnectomes(PublishedInMemoryDataset):
    r"""The C. elegans connectomes as a PyG ``InMemoryDataset``: one graph per connectome, all on the
    canonical 300-neuron axis (node ``i`` is the same neuron in every graph).

    ``root`` is this dataset's folder (processed files in ``root/processed``, as in PyG); the graphs
    come from ``celegans-connectomes`` published in the neuropil home (``home=``, else the default
    resolution), so run ``neuropil ingest celegans-connectomes`` once. ``transform``,
    ``pre_transform``, ``pre_filter`` and ``force_reload`` mean what they mean in PyG (a changed
    ``pre_transform`` warns and reuses the processed file; ``force_reload=True`` rebuilds).
    ``connectomes`` defaults to every wiring diagram the home holds (the extrasynaptic and contact
    layers have edge types of their own: load them with ``hetero=True``). ``edge_attr`` always has the three
    columns [electrical, chemical, functional], so graphs collate.

    **STATS:**

    .. list-table::
        :header-rows: 1

        * - #graphs
          - #nodes
          - #edges (cook_2019)
          - #features
          - task
        * - 10 (every ingested connectome)
          - 300
          - 5,138
          - 4 + K
          - node classification (neuron type), link prediction

    Example::

        >>> from neuropil.loaders.celegans_connectomes import CElegansConnectomes
        >>> dataset = CElegansConnectomes("data/CElegans", connectomes=("cook_2019", "witvliet_8"))  # doctest: +SKIP
        >>> dataset[0].num_nodes, dataset[0].edge_attr.shape[1]                                     # doctest: +SKIP
        (300, 3)
    """

    dataset_id = SPEC.id
    version = SPEC.version

    def __init__(self, root: str | os.PathLike[str], connectomes: tuple[str, ...] | None = None,
                 transform: Callable | None = None, pre_transform: Callable | None = None,
                 pre_filter: Callable | None = None, force_reload: bool = False, *,
                 home: str | os.PathLike[str] | None = None) -> None:
        if connectomes is None:  # every wiring diagram the home holds (a source may be missing from an ingest)
            manifest = _store.read_manifest(SPEC.id, SPEC.version, get_home(home)) or {}
            connectomes = [name for name in CONNECTOMES if name in manifest.get("connectomes", CONNECTOMES)
                           and not CONNECTOMES[name].layer_only]
        self.connectomes = tuple(connectomes)
        for name in self.connectomes:
            if name not in CONNECTOMES:
                raise InvalidArgumentError(unknown_value(name, "connectome", CONNECTOMES))
            if CONNECTOMES[name].layer_only:  # other edge types: its graphs would not collate with these
                raise InvalidArgumentError(
                    f"{name} is an extrasynaptic or contact layer, not a wiring diagram: load it with neuropil.load("
                    f"'celegans-connectomes', connectome={name!r}, format='pyg', hetero=True), or add it to one with "
                    "layers=(...).")
        super().__init__(root, transform, pre_transform, pre_filter, force_reload=force_reload, home=home)

    def processed_stem(self) -> str:
        key = hashlib.sha256(json.dumps(list(self.connectomes)).encode()).hexdigest()[:12]
        return f"connectomes_{key}"

    def build(self) -> list[Any]:
        # through the public loader (not an import of celegans_connectomes, which re-exports this class)
        return [load(SPEC.id, connectome=name, functional=True, format="pyg", home=self.home)
                for name in self.connectomes]
