"""``vessel-link`` and ``vessel-node`` on VesselGraph graphs (OGB's ogbl-vessel, made honest)."""

from __future__ import annotations

from neuropil.benchmarks.spec import Option, TaskSpec

_CITATION = ("Paetzold JC et al. (2021) Whole Brain Vessel Graphs: A Dataset and Benchmark for Graph Learning "
             "and Neuroscience. NeurIPS 2021 Datasets and Benchmarks (OGB ogbl-vessel)")
_GRAPH = Option(help="the ingested VesselGraph graph (default: sample)")
_PROTOCOL = Option(help="ours (default): standardised inputs, relative-position decoder; ogb: OGB's ogbl-vessel "
                   "reference setup (per-column L2-normalised coordinates, h_u*h_v decoder, lr 1e-6 / 100 epochs)",
                   choices=("ours", "ogb"))

SPECS = (
    TaskSpec(
        id="vessel-link",
        version="1.1.0",
        description=("Link prediction on a VesselGraph graph: score held-out vessels against as many negatives "
                     "(spatial: a node in the cube of half-width mean + 2 std edge distance; or random)."),
        dataset="vesselgraph",
        dataset_config={"graph": "sample"},
        split={"kind": "stored with the dataset", "positives": [0.8, 0.1, 0.1], "seed": "split_seed (0)"},
        metrics=("rocauc", "hits@20", "hits@50", "hits@100", "mrr"),
        primary_metric="rocauc",
        direction="max",
        module="neuropil.benchmarks.tasks.vessel.link",
        baselines=("distance", "distance_degree", "common_neighbors", "adamic_adar", "resource_allocation", "mlp",
                   "gcn", "sage"),
        default_config={"negatives": "spatial", "node_features": "xyz", "protocol": "ours"},
        options={"graph": _GRAPH, "protocol": _PROTOCOL},
        citation=_CITATION,
    ),
    TaskSpec(
        id="vessel-node",
        version="1.1.0",
        description=("Vessel classification on the line graph of a VesselGraph graph: minRadiusAvg in 3 classes "
                     "(<= 5, (5, 13.33], > 13.33 voxels) from length, distance, curveness."),
        dataset="vesselgraph",
        dataset_config={"graph": "sample"},
        split={"kind": "stored with the dataset", "vessels": [0.8, 0.1, 0.1], "seed": "split_seed (0)"},
        metrics=("balanced_accuracy", "accuracy"),
        primary_metric="balanced_accuracy",
        direction="max",
        module="neuropil.benchmarks.tasks.vessel.node",
        baselines=("mlp", "gcn", "sage"),
        options={"graph": _GRAPH},
        citation=_CITATION,
    ),
)
