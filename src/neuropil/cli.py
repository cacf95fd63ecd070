"""``neuropil`` command line: list, info, ingest, export.

Exit codes: 0 ok, 1 error (one line on stderr), 2 usage. Never prompts.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any

from pathlib import Path

from neuropil import __version__
from neuropil.errors import InvalidArgumentError, NeuropilError

STAT_COLUMNS = ("neurons_with_edges", "chemical_pairs", "chemical_synapses", "electrical_pairs",
                "functional_edges", "unmapped_labels")


def _format_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    widths = {c: max(len(c), *(len(cell(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns), "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(cell(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def _local_state(dataset_id: str, version: str, home: str | None) -> dict[str, Any]:
    from neuropil import _store

    manifest = _store.read_manifest(dataset_id, version, home)
    if manifest is None:
        return {"ingested": False, "path": None}
    return {
        "ingested": True,
        "path": str(_store.version_path(dataset_id, version, home)),
        "created": manifest.get("created"),
        "pipeline_version": manifest.get("pipeline_version"),
        "parameters": manifest.get("parameters"),
        "fingerprint": manifest.get("fingerprint"),
        "connectomes": manifest.get("connectomes"),
        "stats": manifest.get("stats", {}),
        "unmapped": manifest.get("unmapped", {}),
        "missing_sources": manifest.get("missing_sources", {}),
        "outputs": manifest.get("outputs", {}),
        "inputs": manifest.get("inputs", {}),
    }


def _cmd_list(args: argparse.Namespace) -> int:
    from neuropil.datasets import list_specs

    rows = []
    for spec in list_specs():
        state = _local_state(spec.id, spec.version, args.home)
        rows.append({"id": spec.id, "version": spec.version, "license": spec.license, "title": spec.title,
                     "citation": spec.citation, "sources": [r.name for r in spec.raw_files],
                     "configs": {k: list(v) for k, v in spec.configs.items()},
                     "ingested": state["ingested"]})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        state = "ingested" if row["ingested"] else "not ingested"
        print(f"{row['id']} {row['version']}  [{state}]  {row['title']}")
        print(f"    license:  {row['license']}")
        for name, values in row["configs"].items():
            print(f"    configs:  {name} = {', '.join(values)}")
        print(f"    sources:  {len(row['sources'])} registered raw files (neuropil info {row['id']})")
        citation = row["citation"]
        print(f"    citation: {citation if len(citation) <= 110 else citation[:107] + '...'}")
    return 0


def _cmd_info(args: argparse.Namespace) -> int:
    from neuropil.datasets import get_spec

    spec = get_spec(args.dataset)
    info = {**spec.to_dict(), **_local_state(spec.id, spec.version, args.home)}
    if args.json:
        print(json.dumps(info, indent=2, default=str))
        return 0
    print(f"{spec.id} {spec.version}: {spec.title}")
    print(f"  license:  {spec.license}")
    print(f"  citation: {spec.citation}")
    print(f"  configs:  " + "; ".join(f"{k} = {', '.join(v)}" for k, v in spec.configs.items()))
    print("  sources:")
    for source in info["sources"]:
        print(f"    {source['name']}  sha256 {source['sha256'][:12]}…  {source['url']}")
    if not info["ingested"]:
        print(f"  not ingested: run `neuropil ingest {spec.id}`")
        return 0
    print(f"  ingested at {info['path']} ({info['created']})")
    _print_stats(info["stats"])
    _print_missing(info["missing_sources"])
    for connectome, labels in info["unmapped"].items():
        print(f"  unmapped labels in {connectome}: {labels}")
    return 0


def _print_stats(stats: dict[str, dict[str, Any]]) -> None:
    """One row per connectome / study; the scalar figures as columns (lists and dicts stay in --json)."""
    if not stats:
        return
    first = next(iter(stats.values()))
    if set(STAT_COLUMNS) <= set(first):
        rows = [{"connectome": name, **values} for name, values in stats.items()]
        print(_format_table(rows, ["connectome", *STAT_COLUMNS]))
        return
    columns = list(dict.fromkeys(k for values in stats.values() for k, v in values.items() if isinstance(v, (int, float))))
    print(_format_table([{"source": name, **values} for name, values in stats.items()], ["source", *columns]))


def _print_missing(missing: dict[str, str]) -> None:
    for name, reason in missing.items():
        print(f"  missing source {name}: {reason}")


def _cmd_ingest(args: argparse.Namespace) -> int:
    from neuropil.pipelines import ingest

    parameters: dict[str, Any] = {}
    if args.q_threshold is not None:
        parameters["q_threshold"] = args.q_threshold
    if args.strict:
        parameters["strict"] = True
    if args.source:
        parameters["source"] = args.source
    if args.allow_unverified:
        parameters["allow_unverified"] = True
    if args.dt is not None:
        parameters["dt"] = args.dt
    result = ingest(args.dataset, raw_dir=args.raw_dir, home=args.home, force=args.force,
                    progress=not args.quiet, **parameters)
    if args.json:
        print(json.dumps({"status": result.status, "path": str(result.path), **result.manifest}, indent=2, default=str))
        return 0
    if not args.quiet:
        print(f"{result.dataset_id} {result.version}: {result.status} at {result.path}")
        _print_stats(result.manifest.get("stats", {}))
        _print_missing(result.manifest.get("missing_sources", {}))
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from neuropil.loaders.hf_export import export_hf

    path = export_hf(args.dataset, args.hf, home=args.home, overwrite=args.force)
    if not args.quiet:
        print(f"wrote {path} (load with datasets.load_dataset({str(path)!r}))")
    return 0


def _cmd_bench_list(args: argparse.Namespace) -> int:
    from neuropil.benchmarks import list_tasks

    tasks = [task.to_dict() for task in list_tasks()]
    if args.json:
        print(json.dumps(tasks, indent=2))
        return 0
    for task in tasks:
        print(f"{task['id']} {task['version']}  on {task['dataset']} {task['dataset_config']}")
        print(f"    {task['description']}")
        print(f"    primary metric: {task['primary_metric']} ({task['direction']}); baselines: {', '.join(task['baselines'])}")
    return 0


def _cmd_bench_run(args: argparse.Namespace) -> int:
    import shlex

    from neuropil.benchmarks import runner

    command = "neuropil " + shlex.join(sys.argv[1:]) if sys.argv and sys.argv[0].endswith("neuropil") else None
    config = {"connectome": args.connectome} if args.connectome else None
    if args.all_baselines:
        out_dir = Path(args.out_dir or ".")
        results = runner.run_all(args.task, seeds=args.seeds, quick=args.quick, home=args.home, out_dir=out_dir,
                                 progress=not args.quiet, command=command)
    else:
        if not args.model:
            raise InvalidArgumentError("bench run needs --model NAME or --all-baselines (see `neuropil bench list`).")
        out = args.out or (Path(args.out_dir) / f"{args.task}-{args.model}.json" if args.out_dir else None)
        results = [runner.run(args.task, args.model, seeds=args.seeds, quick=args.quick, home=args.home, out=out,
                              progress=not args.quiet, config=config, command=command)]
    if args.json:
        print(json.dumps(results, indent=2))
    elif not args.quiet:
        rows = runner.results_table(results)
        columns = list(dict.fromkeys(k for row in rows for k in row))
        print(_format_table(rows, columns))
    return 0


def _cmd_bench_plot(args: argparse.Namespace) -> int:
    import importlib

    from neuropil.benchmarks import get_task, results, runner

    documents = [results.load(path) for path in args.results]
    task = get_task(documents[0]["task"]["id"])
    module = importlib.import_module(task.module)
    out = Path(args.out)
    if hasattr(module, "plot") and documents[0].get("artifacts"):
        module.plot(documents[0]["artifacts"], out)
    else:
        runner.plot_results(documents, out)
    if not args.quiet:
        print(f"wrote {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    def options(default_home, default_quiet) -> argparse.ArgumentParser:
        shared = argparse.ArgumentParser(add_help=False)
        shared.add_argument("--home", default=default_home,
                            help="neuropil home (default: $NEUROPIL_HOME or ~/.cache/neuropil)")
        shared.add_argument("-q", "--quiet", action="store_true", default=default_quiet,
                            help="no progress bars, no summary")
        return shared

    # accepted before and after the command; the sub-commands' copies default to SUPPRESS so that
    # `neuropil --home H ingest X` keeps H (a plain default would reset it to None)
    common = options(argparse.SUPPRESS, argparse.SUPPRESS)
    parser = argparse.ArgumentParser(prog="neuropil", description="Connectome and neural-dataset hub.",
                                     parents=[options(None, False)])
    parser.add_argument("--version", action="version", version=f"neuropil {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser("list", parents=[common], help="list every dataset")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_cmd_list)

    p = commands.add_parser("info", parents=[common], help="show one dataset: sources, configs, local stats")
    p.add_argument("dataset")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_cmd_info)

    p = commands.add_parser("ingest", parents=[common], help="build the homogenized files of a dataset")
    p.add_argument("dataset")
    p.add_argument("--raw-dir", default=None, help="local mirror of the raw files (default: $NEUROPIL_RAW_DIR)")
    p.add_argument("--force", action="store_true", help="rebuild even if the output is up to date")
    p.add_argument("--strict", action="store_true", help="fail on any label the name table cannot map")
    p.add_argument("--q-threshold", type=float, default=None, help="Randi 2023 atlas q-value threshold (0.05)")
    p.add_argument("--source", default=None, help="activity studies to ingest: a name, a comma list or 'all'")
    p.add_argument("--allow-unverified", action="store_true",
                   help="ingest sources that have no registered SHA-256 (their computed hashes are recorded)")
    p.add_argument("--dt", type=float, default=None, help="activity: common time step in seconds (1/3)")
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")
    p.set_defaults(run=_cmd_ingest)

    p = commands.add_parser("export", parents=[common], help="export an ingested dataset")
    p.add_argument("dataset")
    p.add_argument("--hf", required=True, metavar="DIR", help="write a Hugging Face dataset folder")
    p.add_argument("--force", action="store_true", help="replace DIR if it exists")
    p.set_defaults(run=_cmd_export)

    bench = commands.add_parser("bench", parents=[common], help="benchmarks: list tasks, run baselines, plot")
    bench_commands = bench.add_subparsers(dest="bench_command", required=True, metavar="BENCH_COMMAND")
    p = bench_commands.add_parser("list", parents=[common], help="list every task")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_cmd_bench_list)
    p = bench_commands.add_parser("run", parents=[common], help="train, select on valid, evaluate on test")
    p.add_argument("task")
    p.add_argument("--model", default=None, help="a registered baseline (see `neuropil bench list`)")
    p.add_argument("--all-baselines", action="store_true", help="run every registered baseline; table + PNG")
    p.add_argument("--seeds", type=int, default=10, help="number of seeds (0..N-1), default 10")
    p.add_argument("--quick", action="store_true", help="a CI-sized configuration that still trains for real")
    p.add_argument("--out", default=None, help="result JSON file (one model)")
    p.add_argument("--out-dir", default=None, help="folder for result JSONs and the plot")
    p.add_argument("--connectome", default=None, help="connectome of connectome-constrained models (cook_2019)")
    p.add_argument("--json", action="store_true", help="print the result documents as JSON")
    p.set_defaults(run=_cmd_bench_run)
    p = bench_commands.add_parser("plot", parents=[common], help="draw result files to a PNG")
    p.add_argument("results", nargs="+", help="result JSON files")
    p.add_argument("--out", required=True, help="PNG path")
    p.set_defaults(run=_cmd_bench_plot)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.quiet:
        os.environ["NEUROPIL_QUIET"] = "1"
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return args.run(args)
    except NeuropilError as error:
        print(f"neuropil: error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("neuropil: interrupted; the published version is untouched", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
