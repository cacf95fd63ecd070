"""Run the vessel-link / vessel-node baselines and rewrite their tables in docs/benchmarks.md.

    python docs/results/vessel_tables.py run --home H [--graph sample] [--seeds 10] [--task vessel-link]
        [--protocol ours|ogb] [--models distance,gcn]   # results -> docs/results/vessel/, then the tables
    python docs/results/vessel_tables.py tables                       # the tables from the stored results

A result is ``docs/results/vessel/<task>-<graph>-<protocol>-<model>.json`` (a ``neuropil bench run``
result document). The tables are written between the ``<!-- vessel-link tables -->`` /
``<!-- vessel-node tables -->`` markers and their ``<!-- end ... -->`` partners. Graphs listed in
``GENERATED`` come from ``neuropil.testing.vessels.write_vessel_graph`` (their node labels are
independent of the features by construction).
"""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "vessel"
DOC = HERE.parent / "benchmarks.md"
GRAPHS = ("sample", "generated_100k")
GENERATED = {"generated_100k": "`write_vessel_graph(DIR, 100_000, name=\"generated_100k\", seed=0, "
                               "extra_edge_fraction=0.85)` ingested with `--allow-unverified`"}


def run(args: argparse.Namespace) -> None:
    from neuropil.benchmarks import get_task, runner

    task = get_task(args.task)
    if args.protocol == "ogb" and task.id != "vessel-link":
        raise SystemExit("--protocol ogb applies to vessel-link only")
    models = args.models.split(",") if args.models else list(task.baselines)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for model in models:
        if args.protocol == "ogb" and model not in ("mlp", "gcn", "sage"):
            continue  # the protocol changes only the trained models
        options = {"graph": args.graph, **({"protocol": args.protocol} if task.id == "vessel-link" else {})}
        out = RESULTS / f"{task.id}-{args.graph}-{args.protocol}-{model}.json"
        runner.run(task.id, model, seeds=args.seeds, home=args.home, config=options, out=out, progress=False)
        print(f"wrote {out.relative_to(HERE.parent.parent)}")
    tables()


def _load(task: str, graph: str) -> list[dict]:
    from neuropil.benchmarks import get_task

    order = get_task(task).baselines
    found = [json.loads(path.read_text()) for path in sorted(RESULTS.glob(f"{task}-{graph}-*.json"))]
    return sorted(found, key=lambda r: (r["model"]["config"].get("protocol", "ours") == "ogb",
                                        order.index(r["model"]["name"])))


def _replace(text: str, name: str, block: str) -> str:
    begin, end = f"<!-- {name} tables -->", f"<!-- end {name} tables -->"
    if begin not in text or end not in text:
        raise SystemExit(f"{DOC} lacks the markers {begin} ... {end}")
    return re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: f"{begin}\n{block}\n{end}", text, flags=re.S)


def tables() -> None:
    from neuropil.benchmarks.tasks.vessel.tables import link_table, node_table

    link, node = [], []
    for graph in GRAPHS:
        note = f" (generated: {GENERATED[graph]})" if graph in GENERATED else ""
        results = _load("vessel-link", graph)
        if results:
            link.append(f"**{graph}**{note}, spatial negatives:\n\n{link_table(results)}\n")
        results = _load("vessel-node", graph)
        if results:
            node.append(f"**{graph}**{note}:\n\n{node_table(results, generated=graph in GENERATED)}\n")
    text = _replace(DOC.read_text(), "vessel-link", "\n".join(link))
    text = _replace(text, "vessel-node", "\n".join(node))
    temporary = DOC.with_suffix(".md.part")
    temporary.write_text(text)
    os.replace(temporary, DOC)
    print(f"rewrote the vessel tables in {DOC.relative_to(HERE.parent.parent)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("run", help="run baselines, store their results, rewrite the tables")
    p.add_argument("--home", required=True, help="a neuropil home with the graphs ingested")
    p.add_argument("--graph", default="sample", choices=GRAPHS)
    p.add_argument("--task", default="vessel-link", choices=("vessel-link", "vessel-node"))
    p.add_argument("--protocol", default="ours", choices=("ours", "ogb"))
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--models", default=None, help="comma list (default: every registered baseline)")
    commands.add_parser("tables", help="rewrite the tables from the stored results")
    args = parser.parse_args()
    run(args) if args.command == "run" else tables()


if __name__ == "__main__":
    main()
