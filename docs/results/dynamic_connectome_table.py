"""The celegans-dynamic-connectome tables of docs/benchmarks.md, regenerated from a result JSON.

    neuropil bench run celegans-dynamic-connectome --model ntf --seeds 10 \
        --out docs/results/celegans-dynamic-connectome-ntf.json
    python docs/results/dynamic_connectome_table.py [RESULT_JSON]   # rewrites the marked block, prints it

The block between ``<!-- dynamic-connectome-table -->`` and ``<!-- /dynamic-connectome-table -->`` in
docs/benchmarks.md is replaced (temp file + rename); nothing else changes.
"""

from __future__ import annotations

import collections
import json
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULT = HERE / "celegans-dynamic-connectome-ntf.json"
DOC = HERE.parent / "benchmarks.md"
BEGIN, END = "<!-- dynamic-connectome-table -->", "<!-- /dynamic-connectome-table -->"

SCORES = (("static", "static affinity (mean over observed windows and worms)"),
          ("static_rank_matched", "static affinity, rank-matched (pairs x worms NMF at the selected rank)"),
          ("reconstruction", "NTF reconstruction at the selected rank (mean over windows and worms)"),
          ("component_heldout", "one NTF component, chosen on a random half of the pairs, scored on the other"))


def _cell(summary: dict, name: str, digits: int = 3) -> str:
    entry = summary.get(name)
    if entry is None:
        return "n/a"
    std = entry.get("std")
    spread = f" ± {std:.{digits}f}" if std is not None and entry.get("n", 1) > 1 else ""
    return f"{entry['mean']:.{digits}f}{spread}"


def tables(result: dict) -> str:
    summary = result["summary"]["test"]
    seeds = result["per_seed"]
    n = len(seeds)
    ranks = collections.Counter(int(s["test"]["rank"]) for s in seeds)
    spread = ", ".join(f"{r} in {c}" + (" seeds" if i == 0 else "") for i, (r, c) in enumerate(sorted(ranks.items())))
    curves: dict[int, list[float]] = collections.defaultdict(list)
    for s in seeds:
        for r, e in zip(s["info"].get("candidate_ranks", []), s["info"].get("cv_errors", [])):
            curves[int(r)].append(float(e))
    curve = " · ".join(f"{r}: {sum(v) / len(v):.3f}" for r, v in sorted(curves.items()))
    info = seeds[0]["info"]
    pairs = info["anatomy"]["pairs"]
    worms = len(info["worms"])
    lines = [
        f"Mean ± std over {n} seeds (each seed: its own folds and initializations).",
        "",
        "| metric | value |",
        "|---|---|",
        f"| selected rank (held-out error, one-standard-error rule) | {_cell(summary, 'rank', 1)} (rank {spread}) |",
        f"| held-out relative error at the selected rank | {_cell(summary, 'cv_error')} |",
        f"| held-out error per candidate rank (mean over seeds) | {curve} |",
        f"| in-sample relative error at the selected rank (observed entries) | {_cell(summary, 'relative_error')} |",
        f"| stability at the selected rank (factor match of {info['n_seeds'] - 1} fits against the best; a "
        f"result, not a criterion) | {_cell(summary, 'stability')} |",
        f"| modularity of the components' communities (mean) / communities per component "
        f"| {_cell(summary, 'modularity_mean')} / {_cell(summary, 'communities_mean', 1)} |",
        f"| community step alone on LFR graphs (n 250, mu 0.2): NMI to the planted partition "
        f"| {_cell(summary, 'lfr_nmi')} |",
        "",
        "ROC-AUC for the consensus connectome's chemical or electrical pairs:",
        "",
        f"| pair score | seen pairs ({pairs['seen'][0]:,}, {pairs['seen'][1]:,} adjacent) "
        f"| pairs seen in all {worms} worms ({pairs['all_worms'][0]:,}, {pairs['all_worms'][1]:,} adjacent) "
        "| seen pairs, within equal co-observation counts |",
        "|---|---|---|---|",
    ]
    for key, label in SCORES:
        lines.append(f"| {label} | {_cell(summary, f'anatomical_auc_{key}')} "
                     f"| {_cell(summary, f'anatomical_auc_{key}_all_worms')} "
                     f"| {_cell(summary, f'anatomical_auc_{key}_stratified')} |")
    lines.append(f"| mean over the NTF components | {_cell(summary, 'anatomical_auc_component_mean')} | | |")
    lines.append(f"| number of worms co-observing the pair (no activity) "
                 f"| {_cell(summary, 'anatomical_auc_co_observation')} | (constant) | 0.5 by construction |")
    return "\n".join(lines) + "\n"


def replace_block(doc: Path, text: str) -> None:
    content = doc.read_text()
    if BEGIN not in content or END not in content:
        raise SystemExit(f"{doc} lacks the markers {BEGIN} ... {END}")
    head, rest = content.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    new = f"{head}{BEGIN}\n{text}{END}{tail}"
    handle, temp = tempfile.mkstemp(dir=doc.parent, prefix=f".{doc.name}.")
    with os.fdopen(handle, "w") as out:
        out.write(new)
    os.replace(temp, doc)


def main(argv: list[str]) -> None:
    path = Path(argv[0]) if argv else RESULT
    text = tables(json.loads(path.read_text()))
    replace_block(DOC, text)
    sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
