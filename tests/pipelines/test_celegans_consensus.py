"""The consensus table on hand-computed cases: every weight on one unit (EM sections converted to
synapses), reporting counted by independent EM series."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from neuropil.datasets.celegans_connectomes import CONNECTOMES, CONSENSUS_CONNECTOMES
from neuropil.errors import InvalidArgumentError
from neuropil.pipelines.celegans_consensus import (EM_SERIES, build_consensus, common_unit, independent_series,
                                                   section_ratios)
from neuropil.pipelines.celegans_names import LABEL_INDEX

UNITS = {c: s.weight for c, s in CONNECTOMES.items()}


def _edges(records: list[tuple[str, str, str, str, float]]) -> pd.DataFrame:
    rows = [{"connectome": c, "pre": pre, "post": post, "type": kind, "weight": w,
             "pre_index": LABEL_INDEX[pre], "post_index": LABEL_INDEX[post]} for c, pre, post, kind, w in records]
    return pd.DataFrame(rows)


# ADAL -> AIBL is reported by four annotations of two animals; ADAL -> AIBR only by annotations of
# the MRC micrographs; cook_2019 counts EM sections
RECORDS = [
    ("white_1986_n2u", "ADAL", "AIBL", "chemical", 2.0),
    ("white_1986_n2u", "ADAL", "AIBR", "chemical", 4.0),
    ("white_1986_n2u", "ADAR", "AIBL", "chemical", 1.0),
    ("chklovskii", "ADAL", "AIBL", "chemical", 4.0),
    ("chklovskii", "ADAL", "AIBR", "chemical", 2.0),
    ("witvliet_7", "ADAL", "AIBL", "chemical", 3.0),
    ("cook_2019", "ADAL", "AIBL", "chemical", 9.0),
    ("cook_2019", "ADAL", "AIBR", "chemical", 6.0),
    ("cook_2019", "ADAR", "AIBL", "chemical", 5.0),
    ("cook_2019", "ADAL", "ADAR", "electrical", 4.0),
    ("white_1986_jsh", "ADAL", "ADAR", "electrical", 1.0),
]


def test_section_ratio_hand_computed() -> None:
    # synapse-count median per pair: ADAL->AIBL median(2, 4, 3) = 3, ADAL->AIBR median(4, 2) = 3,
    # ADAR->AIBL 1; cook's sections / that: 9/3 = 3, 6/3 = 2, 5/1 = 5 -> median 3. Electrical: 4/1 = 4
    edges = _edges(RECORDS)
    assert section_ratios(edges, UNITS) == {"cook_2019": {"chemical": 3.0, "electrical": 4.0}}
    converted = dict(zip(zip(edges["connectome"], edges["pre"], edges["post"]), common_unit(edges, UNITS)))
    assert converted[("cook_2019", "ADAL", "AIBL")] == 3.0 and converted[("cook_2019", "ADAR", "AIBL")] == 5 / 3
    assert converted[("cook_2019", "ADAL", "ADAR")] == 1.0 and converted[("chklovskii", "ADAL", "AIBL")] == 4.0


def test_consensus_rows_hand_computed() -> None:
    coverage = {c: sorted(LABEL_INDEX) for c in EM_SERIES}
    table = build_consensus(_edges(RECORDS), coverage, UNITS)
    rows = {(r.pre, r.post, r.type): r for r in table.itertuples()}
    ab = rows[("ADAL", "AIBL", "chemical")]
    # synapses 2 (N2U), 4 (Varshney), 3 (Witvliet 7), 9 / 3 = 3 (Cook): mean 3, median 3
    assert ab.n_reporting == 4 and ab.n_series == 2 and list(ab.series) == ["N2U", "Witvliet 7"]
    assert ab.weight_mean == pytest.approx(3.0) and ab.weight_median == pytest.approx(3.0)
    assert ab.weight_std == pytest.approx(math.sqrt((1 + 1 + 0 + 0) / 4))
    # raw weights would have averaged sections with synapses: (2 + 4 + 3 + 9) / 4 = 4.5
    assert ab.weight_mean != pytest.approx(4.5)
    ac = rows[("ADAL", "AIBR", "chemical")]
    # 4 (N2U), 2 (Varshney), 6 / 3 = 2 (Cook): all from the MRC micrographs, N2U counted once
    assert ac.n_reporting == 3 and ac.n_series == 1 and list(ac.series) == ["N2U"]
    assert ac.weight_mean == pytest.approx(8 / 3) and ac.weight_median == pytest.approx(2.0)
    gap = rows[("ADAL", "ADAR", "electrical")]
    assert gap.n_series == 1 and list(gap.series) == ["JSH"] and gap.weight_mean == pytest.approx(1.0)
    # every source covers every neuron here: n_covering counts the sources annotating the edge type
    assert (ab.n_covering, gap.n_covering) == (4, 2)


def test_independent_series_hand_computed() -> None:
    assert independent_series(["cook_2019", "openworm", "white_1986_whole", "chklovskii"]) == (
        1, ["one of JSE/JSH/N2T/N2U"])
    assert independent_series(["white_1986_n2u", "white_1986_jsh", "cook_2019", "witvliet_8"]) == (
        3, ["JSH", "N2U", "Witvliet 8"])
    assert independent_series(["witvliet_7", "witvliet_8", "white_1986_whole"]) == (
        3, ["Witvliet 7", "Witvliet 8", "one of JSE/JSH/N2T/N2U"])
    with pytest.raises(InvalidArgumentError, match="'kato_2099' has no EM series"):
        independent_series(["kato_2099"])


def test_every_consensus_member_declares_its_series_and_unit() -> None:
    assert set(CONSENSUS_CONNECTOMES) <= set(EM_SERIES)
    assert {CONNECTOMES[c].weight for c in CONSENSUS_CONNECTOMES} <= {"synapse count", "EM section count",
                                                                      "mean dF/F of the responder (wt)"}


def test_unknown_anatomical_unit_is_refused() -> None:
    edges = _edges([("white_1986_n2u", "ADAL", "AIBL", "chemical", 2.0)])
    with pytest.raises(InvalidArgumentError, match="'white_1986_n2u' reports anatomical edges in 'synapse volume'"):
        common_unit(edges, {"white_1986_n2u": "synapse volume"})
