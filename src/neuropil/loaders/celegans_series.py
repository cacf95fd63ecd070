"""C. elegans developmental series: one connectome per age, as a list of graphs ordered by age.

``neuropil.load("celegans-connectomes", connectome="witvliet_2021", format="pyg", series=True)``
returns the eight Witvliet et al. 2021 graphs (L1 at 0, 5, 8 and 16 h after birth, L2 at 23 h, L3 at
27 h, two adults at 50 h), each on the same canonical axis, each carrying ``age_hours``, ``stage``
and ``connectome``, so the list is a temporal graph sequence (e.g. for PyG Temporal's
``DynamicGraphTemporalSignal`` or a snapshot GNN). Ties in age keep the dataset order.

The graphs themselves are built by :func:`neuropil.loaders.celegans_connectomes.to_pyg`; this
module only says which connectomes make up a series and stamps each graph with its age.
"""

from __future__ import annotations

from typing import Any

from neuropil.datasets.celegans_connectomes import CONNECTOMES, SERIES
from neuropil.errors import InvalidArgumentError, unknown_value


def series_members(series: str) -> tuple[str, ...]:
    """The connectome ids of ``series``, ordered by developmental age."""
    if series not in SERIES:
        raise InvalidArgumentError(unknown_value(series, "connectome (with series=True, a developmental series)",
                                                 tuple(SERIES)))
    return SERIES[series]


def stamp(graph: Any, connectome: str) -> Any:
    """Attach the source's age (hours after birth), stage and sex to one graph of a series."""
    source = CONNECTOMES[connectome]
    graph.age_hours = float(source.age_hours)
    graph.stage = source.stage
    graph.sex = source.sex
    return graph


def refuse_series_id(connectome: str) -> None:
    """A series id given where one connectome is expected: say how to get the series instead."""
    if connectome in SERIES:
        members = ", ".join(SERIES[connectome])
        raise InvalidArgumentError(
            f"connectome={connectome!r} is a developmental series ({members}); pass series=True with "
            f"format='pyg' for the list of its graphs ordered by age, or name one of its connectomes."
        )
