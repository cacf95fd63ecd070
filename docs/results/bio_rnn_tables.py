"""Collect microns-bio-rnn runs and print the README tables (and draw the plots).

Each run is one JSON (protocol, task, variant, seed, test / valid metrics, info, wall_s) as written by
a driver that calls ``neuropil.benchmarks.tasks.bio_rnn.fit_predict`` + ``evaluate`` per (protocol, task,
variant, seed), which is what ``neuropil bench run microns-bio-rnn-tN --model V --protocol P --seeds 20`` does seed by
seed; running them one JSON each lets two processes share the work and resume.

    python docs/results/bio_rnn_tables.py collect RUN_DIR [--weights W_DIR]   # -> microns-bio-rnn-runs.json
    python docs/results/bio_rnn_tables.py tables                               # markdown for the README
    python docs/results/bio_rnn_tables.py plots

``collect`` rebuilds the file from RUN_DIR (graph metrics already computed are kept) and adds the graph metrics of the trained |U| (top 10 %, 20 nulls) from the saved weight
matrices ``<task>-<protocol>-<variant>-seed<s>.npy`` when given, keeping ones already computed.
"""

from __future__ import annotations

import argparse
import collections
import glob
import json
import os
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RUNS = HERE / "microns-bio-rnn-runs.json"
TASKS = ("t1", "t2", "t3")
GRAPH = ("modularity", "small_worldness", "assortativity", "weight_entropy")


def _key(row: dict) -> tuple:
    return row["protocol"], row["task"], row["variant"], int(row["seed"])


def collect(run_dir: str, weights: str | None) -> None:
    old = {_key(r): r for r in json.loads(RUNS.read_text())} if RUNS.is_file() else {}
    rows = {}
    for path in sorted(glob.glob(os.path.join(run_dir, "*.json"))):
        row = json.loads(Path(path).read_text())
        previous = old.get(_key(row), {}).get("test", {})
        for name in GRAPH:
            if name in previous and name not in row["test"]:
                row["test"][name] = previous[name]
        matrix = os.path.join(weights or "", f"{row['task']}-{row['protocol']}-{row['variant']}-seed{row['seed']}.npy")
        if weights and not all(name in row["test"] for name in GRAPH) and os.path.isfile(matrix):
            row["test"].update(graph_metrics_cached(matrix, int(row["seed"])))
        rows[_key(row)] = row
    out = [rows[k] for k in sorted(rows)]
    temporary = RUNS.with_suffix(".json.part")
    temporary.write_text(json.dumps(out, indent=0, sort_keys=True))
    os.replace(temporary, RUNS)
    print(f"{len(out)} runs -> {RUNS}")


def graph_metrics_cached(matrix: str, seed: int) -> dict:
    """``bio_rnn.analysis.graph_metrics`` of a saved |U| (20 nulls), cached beside it as ``.metrics.json``."""
    from neuropil.benchmarks.tasks.bio_rnn import analysis

    cache = matrix[:-4] + ".metrics.json"
    if os.path.isfile(cache):
        return json.loads(Path(cache).read_text())
    metrics = analysis.graph_metrics(np.load(matrix), seed=seed, nulls=20)
    Path(cache + ".part").write_text(json.dumps(metrics))
    os.replace(cache + ".part", cache)
    return metrics


def _cell(values: list[float], digits: int = 3) -> str:
    v = np.array([x for x in values if x is not None and np.isfinite(x)], float)
    if v.size == 0:
        return "-"
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f}" if v.size > 1 else f"{v.mean():.{digits}f}"


def tables() -> None:
    from neuropil.benchmarks.tasks import bio_rnn
    from neuropil.benchmarks.tasks.bio_rnn import analysis

    rows = json.loads(RUNS.read_text())
    groups = collections.defaultdict(list)
    for r in rows:
        groups[(r["protocol"], r["variant"], r["task"])].append(r)
    for protocol, metrics in (("reference", ("train_accuracy", "accuracy")),
                              ("corrected", ("accuracy", "updates_to_90", "train_accuracy"))):
        variants = sorted({k[1] for k in groups if k[0] == protocol})
        if not variants:
            continue
        for metric in metrics:
            print(f"\n{protocol}: {metric}, mean ± std (n seeds)" + (", [published]" if protocol == "reference" else ""))
            print("| variant | T1 | T2 | T3 |\n|---|---|---|---|")
            for v in variants:
                cells = []
                for i, t in enumerate(TASKS):
                    g = groups.get((protocol, v, t), [])
                    cell = f"{_cell([r['test'].get(metric) for r in g])} ({len(g)})" if g else "-"
                    if protocol == "reference" and metric == "train_accuracy" and v in bio_rnn.PUBLISHED and g:
                        mean = np.mean([r["test"][metric] for r in g])
                        cell += f" [{bio_rnn.PUBLISHED[v][i]}; {mean - bio_rnn.PUBLISHED[v][i]:+.3f}]"
                    cells.append(cell)
                print(f"| {v} | " + " | ".join(cells) + " |")
        graph_rows = [(v, t) for v in variants for t in TASKS
                      if any(GRAPH[0] in r["test"] for r in groups.get((protocol, v, t), []))]
        if graph_rows:
            print(f"\n{protocol}: trained |U| graph metrics (T1 / T2 / T3 means)")
            print("| variant | " + " | ".join(GRAPH) + " |\n|---|" + "---|" * len(GRAPH))
            for v in variants:
                cells = [" / ".join(_cell([r["test"].get(m) for r in groups.get((protocol, v, t), [])], 2).split(" ±")[0]
                                    for t in TASKS) for m in GRAPH]
                print(f"| {v} | " + " | ".join(cells) + " |")
        walls = [r["wall_s"] for r in rows if r["protocol"] == protocol]
        print(f"\n{protocol}: {len(walls)} runs, wall per run median {np.median(walls):.0f} s, "
              f"total {sum(walls) / 3600:.1f} h")
    # the rank tests of the issue (W*, W! and the matched positive random W~) plus W* of another field
    # (W^), W*'s diagonal with shuffled off-diagonal (W%) and the orthogonal W, on held-out accuracy and
    # on learning speed
    for metric in ("accuracy", "updates_to_90"):
        print(f"\ncorrected: Mann-Whitney on {metric} (two-sided{', runs that learned' if metric != 'accuracy' else ''})\n| task | a | b | n | median a | median b | p |"
              "\n|---|---|---|---|---|---|---|")
        for t in TASKS:
            # learning speed only among runs that learned (held-out accuracy at least chance + 0.1): a run
            # that stays at chance reaches "90 % of its final accuracy" at once
            floor = (0.25 if t == "t1" else 0.5) + 0.1 if metric == "updates_to_90" else -1.0
            scores = {v: [r["test"][metric] for r in groups.get(("corrected", v, t), []) if r["test"]["accuracy"] >= floor]
                      for v in ("W*D*C", "W!D*C", "W~D*C", "W^D*C", "W%D*C", "W")}
            for test in analysis.rank_tests({v: s for v, s in scores.items() if len(s) > 1}):
                print(f"| {t} | {test['a']} | {test['b']} | {test['n_a']} / {test['n_b']} | {test['median_a']:.3f} | "
                      f"{test['median_b']:.3f} | {test['p']:.2g} |")


def plots() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from neuropil.benchmarks.tasks import bio_rnn

    rows = json.loads(RUNS.read_text())
    for protocol, metric in (("reference", "train_accuracy"), ("corrected", "accuracy")):
        sub = [r for r in rows if r["protocol"] == protocol]
        variants = sorted({r["variant"] for r in sub})
        if not sub:
            continue
        fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharey=True)
        for i, (ax, task) in enumerate(zip(axes, TASKS)):
            for j, v in enumerate(variants):
                vals = [r["test"][metric] for r in sub if r["task"] == task and r["variant"] == v]
                if vals:
                    ax.bar(j, np.mean(vals), color="#4c72b0")
                    ax.plot([j] * len(vals), vals, "k.", ms=3)
                if protocol == "reference" and v in bio_rnn.PUBLISHED:
                    ax.plot(j, bio_rnn.PUBLISHED[v][i], "r_", ms=18, mew=2)
            ax.set_xticks(range(len(variants)))
            ax.set_xticklabels(variants, rotation=45, fontsize=8)
            ax.set_title(f"microns-bio-rnn-{task}")
            ax.axhline(0.25 if task == "t1" else 0.5, color="grey", lw=0.7)
        axes[0].set_ylabel(f"{metric} ({protocol}); red: published")
        fig.tight_layout()
        fig.savefig(HERE / f"microns-bio-rnn-{protocol}.png", dpi=100)
        plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("collect", "tables", "plots"))
    parser.add_argument("run_dir", nargs="?")
    parser.add_argument("--weights", default=None)
    args = parser.parse_args()
    if args.what == "collect":
        collect(args.run_dir, args.weights)
    elif args.what == "tables":
        tables()
    else:
        plots()


if __name__ == "__main__":
    main()
