"""``celegans-activity-forecast``: future calcium activity of labelled neurons on held-out worms."""

from __future__ import annotations

from neuropil.benchmarks.spec import Option, TaskSpec

SPECS = (TaskSpec(
    id="celegans-activity-forecast",
    version="2.0.0",
    description=("Predict future calcium activity of labelled neurons from their own past frames (causal: each "
                 "recording's native frames, scaled on training worms), 1, 3 and 10 frames ahead (0.6, 1.8, "
                 "6 s in Dag2023), on held-out worms of every ingested study."),
    dataset="celegans-activity",
    dataset_config={"source": "all"},
    split={"kind": "by_worm", "seed": 0, "valid": 0.15, "test": 0.3},
    metrics=("skill_mean", "skill_h1", "skill_h3", "skill_h10", "mse_h1", "mse_h3", "mse_h10"),
    primary_metric="skill_mean",
    direction="max",
    module="neuropil.benchmarks.tasks.celegans_forecast.task",
    baselines=("persistence", "mean", "ridge", "mlp", "lstm", "gru", "connectome_gru"),
    default_config={"history": 30, "horizons": [1, 3, 10]},
    options={"connectome": Option(help="connectome of connectome-constrained models (default cook_2019)")},
    citation="Simeon Q et al. (2024) Homogenized C. elegans neural activity and connectivity data. arXiv:2411.12091",
),)
