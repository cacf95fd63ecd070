"""The vessel-link / vessel-node tables of ``docs/benchmarks.md``, built from result documents
(``docs/results/vessel_tables.py`` runs the baselines and calls these).

vessel-link: one table per graph, a row per (model, protocol): test ROC-AUC mean ± std over seeds,
the per-seed bootstrap 95 % interval over test edges (bounds averaged over seeds), Hits@K, MRR, the
ROC-AUC on the other negatives, parameters, and "geometry": the share of the model's margin over
chance (ROC-AUC - 0.5) that minus the endpoint distance alone reaches.

vessel-node: a row per model; the numbers count as a result only where every class has at least
``MIN_TEST_VESSELS_PER_CLASS`` test vessels (counts read from the result's ``info``) and the labels are
not drawn independently of the features by a generator; otherwise the row says "smoke check" and why.
"""

from __future__ import annotations

from typing import Any

from neuropil._util import format_mean_std
from neuropil.benchmarks.tasks.vessel.node import MIN_TEST_VESSELS_PER_CLASS, NUM_CLASSES

_NAMES = {"distance": "distance (−‖p_u − p_v‖)", "distance_degree": "distance + degrees (logistic)",
          "common_neighbors": "common neighbours", "adamic_adar": "Adamic-Adar",
          "resource_allocation": "resource allocation", "mlp": "MLP", "gcn": "GCN (GCNConv)",
          "sage": "GraphSAGE (SAGEConv)"}


def _mean(result: dict[str, Any], metric: str) -> float | None:
    return result["summary"]["test"].get(metric, {}).get("mean")


def _cell(result: dict[str, Any], metric: str, digits: int = 4) -> str:
    values = result["summary"]["test"].get(metric, {})
    std = values.get("std")
    # a deterministic baseline: the same number for every seed (up to the rounding of the mean)
    return format_mean_std(values.get("mean"), std if std is not None and std > 1e-12 else None, digits)


def _info_mean(result: dict[str, Any], key: str) -> float | None:
    values = [row["info"][key] for row in result["per_seed"] if key in row.get("info", {})]
    return sum(values) / len(values) if values else None


def _protocol(result: dict[str, Any]) -> str:
    return result["model"]["config"].get("protocol", "any")


def geometry_share(model_auc: float, distance_auc: float) -> float | None:
    """The fraction of a model's margin over chance that the distance alone reaches."""
    return (distance_auc - 0.5) / (model_auc - 0.5) if model_auc > 0.5 else None


def _share(share: float | None) -> str:
    if share is None or share > 1.0:
        return "distance scores higher"
    return f"{share:.0%}"


def link_table(results: list[dict[str, Any]]) -> str:
    """Markdown for one graph's vessel-link results (all from the same graph and negatives)."""
    distance = next((r for r in results if r["model"]["name"] == "distance"), None)
    other = next((k.split("_")[2] for r in results for k in r["per_seed"][0]["info"]
                  if k.startswith("test_rocauc_") and k.endswith("_negatives")), "random")
    lines = ["| model | protocol | test ROC-AUC (mean ± std over seeds) | 95 % interval over test edges | Hits@20 | "
             "Hits@50 | Hits@100 | MRR | ROC-AUC, " + other + " negatives | distance's share of the margin over "
             "0.5 | parameters | seeds |", "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        auc = _mean(result, "rocauc")
        low, high = (_info_mean(result, f"test_rocauc_ci95_{side}") for side in ("low", "high"))
        share = geometry_share(auc, _mean(distance, "rocauc")) if distance is not None and auc is not None else None
        trained = result["model"]["name"] in ("mlp", "gcn", "sage")
        lines.append("| " + " | ".join([
            _NAMES.get(result["model"]["name"], result["model"]["name"]), _protocol(result), _cell(result, "rocauc"),
            f"[{low:.3f}, {high:.3f}]" if low is not None else "n/a",
            *(_cell(result, m, 3).split(" ±")[0] for m in ("hits@20", "hits@50", "hits@100", "mrr")),
            format_mean_std(_info_mean(result, f"test_rocauc_{other}_negatives"), None),
            _share(share) if trained else "",
            f"{result['parameter_count']:,}", _seeds(result)]) + " |")
    return "\n".join(lines)


def _seeds(result: dict[str, Any]) -> str:
    values = result["summary"]["test"].get(result["primary_metric"], {})
    std = values.get("std")
    return "deterministic" if std is not None and std <= 1e-12 else str(len(result["seeds"]))


def node_status(result: dict[str, Any], *, generated: bool) -> str:
    """``result`` or ``smoke check (why)``."""
    counts = [int(result["per_seed"][0]["info"].get(f"test_vessels_class{c}", 0)) for c in range(NUM_CLASSES)]
    if generated:
        return "smoke check (the generator draws radii independently of the features)"
    small = [f"class {c}: {n}" for c, n in enumerate(counts) if n < MIN_TEST_VESSELS_PER_CLASS]
    if small:
        return f"smoke check (< {MIN_TEST_VESSELS_PER_CLASS} test vessels in {', '.join(small)})"
    return "result"


def node_table(results: list[dict[str, Any]], *, generated: bool) -> str:
    lines = ["| model | balanced accuracy | accuracy | test vessels per class | status | parameters | seeds |",
             "|---|---|---|---|---|---|---|"]
    for result in results:
        info = result["per_seed"][0]["info"]
        counts = " / ".join(str(info.get(f"test_vessels_class{c}", "?")) for c in range(NUM_CLASSES))
        status = node_status(result, generated=generated)
        cells = [_cell(result, "balanced_accuracy"), _cell(result, "accuracy")]
        if status != "result":
            cells = [f"*{cell}*" for cell in cells]  # italics: not to be read as a result
        lines.append(f"| {_NAMES.get(result['model']['name'], result['model']['name'])} | {cells[0]} | {cells[1]} | "
                     f"{counts} | {status} | {result['parameter_count']:,} | {len(result['seeds'])} |")
    return "\n".join(lines)
