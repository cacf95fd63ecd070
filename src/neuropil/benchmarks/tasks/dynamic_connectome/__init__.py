"""``celegans-dynamic-connectome``: time-localized functional communities of C. elegans neurons by
non-negative tensor factorization (after Dyballa, Lang, Haslund-Gourley, Yemini & Zucker, "Learning
dynamic representations of the functional connectome in neurobiological networks", ICLR 2024).

The protocol has the paper's stages; every choice where the paper leaves room is ours, explained in
the module that makes it and recorded in each result's ``config``:

1. :mod:`.affinity`: a (neuron pairs, windows, worms) tensor of differential affinities (weighted
   Jaccard of the rising and falling parts of smoothed derivatives) over 30 s windows sliding by
   10 s, with a mask for pairs not co-observed in a worm (Dag2023: 141 neurons in the union);
2. :mod:`.ntf`: masked non-negative CP by accelerated HALS with extrapolation and a ridge;
3. :mod:`.rank`: the rank chosen by masked cross-validation (whole (pair, worm) fibres held out,
   one-standard-error rule), then the stability of that rank across seeds, reported as a result;
4. :mod:`.communities`: Louvain communities of each component's pair affinities, and the community
   step alone scored by NMI on an LFR benchmark graph;
5. :mod:`.anatomy`: ROC-AUC for the consensus connectome's edges of the static affinity, its
   rank-matched factorization, the NTF reconstruction and single components (chosen on held-out
   pairs), on the seen pairs, the pairs seen in all worms and within co-observation strata;
6. :mod:`.task`: the run the benchmark calls and its metrics.
"""

from neuropil.benchmarks.spec import TaskSpec
from neuropil.benchmarks.tasks.dynamic_connectome.task import TASK_ID, plot, run

__all__ = ["SPECS", "TASK_ID", "plot", "run"]

SPECS = (TaskSpec(
    id="celegans-dynamic-connectome",
    version="2.0.0",
    description=("Time-localized functional communities of neurons by non-negative tensor factorization of "
                 "windowed pairwise affinities (Dyballa et al., ICLR 2024)."),
    dataset="celegans-activity",
    dataset_config={"source": "Dag2023"},
    split={"kind": "none"},
    # the leaderboard's columns; every result also carries the *_all_worms, *_stratified,
    # static_rank_matched, component_mean, modularity and communities metrics (docs/benchmarks.md)
    metrics=("stability", "cv_error", "relative_error", "rank", "anatomical_auc_static",
             "anatomical_auc_reconstruction", "anatomical_auc_component_heldout", "anatomical_auc_co_observation",
             "lfr_nmi"),
    primary_metric="stability",
    direction="max",
    module="neuropil.benchmarks.tasks.dynamic_connectome",
    kind="analysis",
    baselines=("ntf",),
    citation=("Dyballa L, Lang S, Haslund-Gourley A, Yemini E, Zucker SW (2024) Learning dynamic "
              "representations of the functional connectome in neurobiological networks. ICLR 2024"),
),)
