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
from neuropil.errors import InvalidArgumentError, NeuropilError, error_line

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


def _source_list(value: str) -> str:
    if not any(part.strip() for part in value.split(",")):  # argparse turns this into a usage error (exit 2)
        raise argparse.ArgumentTypeError(f"{value!r} names no study (expected a name, a comma list or 'all')")
    return value


def _cmd_ingest(args: argparse.Namespace) -> int:
    from neuropil.pipelines import ingest

    parameters: dict[str, Any] = {}
    if args.q_threshold is not None:
        parameters["q_threshold"] = args.q_threshold
    if args.strict:
        parameters["strict"] = True
    if args.source is not None:
        parameters["source"] = args.source
    if args.allow_unverified:
        parameters["allow_unverified"] = True
    if args.dt is not None:
        parameters["dt"] = args.dt
    if getattr(args, "graph", None):
        parameters["graph"] = args.graph
    for option in ("tables", "materialization", "engine", "scheduler"):  # microns-minnie65
        if getattr(args, option, None) is not None:
            parameters[option] = getattr(args, option)
    result = ingest(args.dataset, raw_dir=args.raw_dir, raw_url=args.raw_url, home=args.home, force=args.force,
                    allow_partial=args.allow_partial, verify=args.verify, progress=not args.quiet, **parameters)
    if args.json:
        print(json.dumps({"status": result.status, "path": str(result.path), **result.manifest}, indent=2, default=str))
        return 0
    if not args.quiet:
        print(f"{result.dataset_id} {result.version}: {result.status} at {result.path}")
        _print_stats(result.manifest.get("stats", {}))
        _print_missing(result.manifest.get("missing_sources", {}))
        for part, reason in result.manifest.get("skipped", {}).items():
            print(f"  skipped {part} (--allow-partial): {reason}")
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

    command = "neuropil " + shlex.join(args.argv)
    config = {"connectome": args.connectome} if args.connectome else None
    if args.protocol or args.field:  # microns-bio-rnn-*: reference | corrected protocol, source field
        config = {**(config or {}), **({"protocol": args.protocol} if args.protocol else {}),
                  **({"field": args.field} if args.field else {})}
    if args.seeds is None:
        from neuropil.benchmarks import get_task

        args.seeds = get_task(args.task).min_seeds
    if getattr(args, "graph", None):  # vessel tasks: which ingested VesselGraph graph
        config = {**(config or {}), "graph": args.graph}
    if args.save_predictions and (args.all_baselines or not args.out):
        raise InvalidArgumentError("--save-predictions needs --model NAME and --out DIR (the submission folder).")
    if args.all_baselines:
        out_dir = Path(args.out_dir or ".")
        results = runner.run_all(args.task, seeds=args.seeds, quick=args.quick, home=args.home, out_dir=out_dir,
                                 progress=not args.quiet, config=config)
    else:
        if not args.model:
            raise InvalidArgumentError("bench run needs --model NAME or --all-baselines (see `neuropil bench list`).")
        out = args.out or (Path(args.out_dir) / f"{args.task}-{args.model}.json" if args.out_dir else None)
        results = [runner.run(args.task, args.model, seeds=args.seeds, quick=args.quick, home=args.home, out=out,
                              progress=not args.quiet, config=config, command=command,
                              save_predictions=args.save_predictions)]
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


def _cmd_fisbe_eval(args: argparse.Namespace) -> int:
    from neuropil._home import is_quiet as _quiet
    from neuropil.benchmarks import fisbe_metrics

    if len(args.gt) != len(args.pred):
        raise InvalidArgumentError(f"fisbe eval needs one --pred per --gt; got {len(args.gt)} --gt and "
                                   f"{len(args.pred)} --pred.")
    pairs: list[tuple[Any, Any]] = []
    for gt, pred in zip(args.gt, args.pred):
        if Path(pred).is_dir() and not Path(pred).name.endswith(".zarr"):
            pairs.extend(fisbe_metrics.pair_folders(gt, pred))  # two folders: pair by sample name
        else:
            pairs.append((gt, pred))
    partly: Any = args.partly
    if args.split_list:
        if args.partly:
            raise InvalidArgumentError("Give either --partly (every image) or --split-list (per image), not both.")
        partly = fisbe_metrics.partly_flags([gt for gt, _ in pairs], args.split_list)
    result = fisbe_metrics.evaluate_set(pairs, pred_key=args.pred_key, partly=partly, min_size=args.min_size,
                                        allow_empty=args.allow_empty,
                                        progress=not (args.quiet or _quiet()))
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    rows = [{"set": image["sample"], **{k: image[k] for k in ("S", "avF1", "C", "clDiceTP", "tp", "TP_05", "FS",
                                                              "FM", "num_gt", "num_pred")}} for image in result["images"]]
    if len(rows) > 1:
        rows.append({"set": f"pooled ({len(rows)})", **{k: result[k] for k in rows[0] if k != "set"}})
    rows = [{k: (f"{v:.6f}" if isinstance(v, float) else v) for k, v in row.items()} for row in rows]
    print(_format_table(rows, list(rows[0])))
    return 0


def _cmd_microns_dump(args: argparse.Namespace) -> int:
    from neuropil._home import is_quiet as _quiet
    from neuropil.pipelines.microns_cave import dump_tables

    result = dump_tables(args.out, materialization=args.materialization,
                         tables=args.tables.split(",") if args.tables else None, datastack=args.datastack,
                         chunk_rows=args.chunk_rows, progress=not (args.quiet or _quiet()))
    if not args.quiet:
        for table, rows in result.rows.items():
            print(f"{table}: {rows:,} rows")
        print(f"-> {result.folder}  (neuropil ingest microns-minnie65 --tables {result.folder})")
    return 0


def _cmd_submit(args: argparse.Namespace) -> int:
    from neuropil.benchmarks.leaderboard import submit

    entry = submit(args.folder, name=args.name, code=args.code, paper=args.paper, home=args.home,
                   min_seeds=args.min_seeds, allow_quick=args.allow_quick, max_file_bytes=args.max_file_bytes)
    if args.json:
        print(json.dumps(entry, indent=2))
    elif not args.quiet:
        test = entry["summary"]["test"].get(entry["primary_metric"], {})
        print(f"accepted: entry {entry['id']} on {entry['task']['id']} ({entry['name']}); re-scored test "
              f"{entry['primary_metric']} {_mean_pm(test.get('mean'), test.get('std'))} over {len(entry['seeds'])} seeds")
    return 0


def _cmd_leaderboard(args: argparse.Namespace) -> int:
    from neuropil.benchmarks import leaderboard

    if args.html:
        from neuropil.benchmarks.site import write_site

        path = write_site(args.html, home=args.home)
        if not args.quiet:
            print(f"wrote {path / 'index.html'}")
        return 0
    if not args.task:
        raise InvalidArgumentError("leaderboard needs a TASK (see `neuropil bench list`) or --html DIR.")
    rows = leaderboard.ranked(args.task, args.home)
    if args.json:
        print(json.dumps(rows, indent=2))
    elif args.markdown:
        print(leaderboard.markdown(args.task, rows))
    else:
        columns, cells = leaderboard.table_rows(args.task, rows)
        print(_format_table(cells, columns) if cells else f"no entries yet for {args.task}")
    return 0


def _mean_pm(mean: float | None, std: float | None) -> str:
    if mean is None:
        return "n/a"
    return f"{mean:.4f}" + (f" ± {std:.4f}" if std is not None else "")


def _cmd_verify(args: argparse.Namespace) -> int:
    from neuropil.benchmarks.leaderboard import verify

    report = verify(args.entry, home=args.home, progress=not args.quiet)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        rows = [{"part": r["part"], "metric": r["metric"],
                 "entry": _mean_pm(r.get("entry_mean"), r.get("entry_std")),
                 "re-run": _mean_pm(r.get("rerun_mean"), r.get("rerun_std")),
                 "difference": "" if r.get("difference") is None else f"{r['difference']:+.2e}",
                 "tolerance": "" if r.get("tolerance") is None else f"{r['tolerance']:.2e}",
                 "": "ok" if r["agree"] else "DIFFERS"} for r in report["metrics"]]
        print(_format_table(rows, ["part", "metric", "entry", "re-run", "difference", "tolerance", ""]))
        for note in report["notes"]:
            print(f"note: {note}")
        print(f"entry {report['entry']}: " + ("re-run agrees" if report["agree"] else "re-run DIFFERS"))
    return 0 if report["agree"] else 1


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from neuropil.benchmarks import runner

    seeds = args.seeds if args.seeds is not None else (2 if args.quick else 10)
    results = runner.run_all(args.task, seeds=seeds, quick=args.quick, home=args.home, out_dir=args.out_dir,
                             progress=not args.quiet)
    if args.json:
        print(json.dumps(results, indent=2))
    elif not args.quiet:
        rows = runner.results_table(results)
        print(_format_table(rows, list(dict.fromkeys(k for row in rows for k in row))))
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
    p.add_argument("--raw-url", default=None, metavar="URL",
                   help="HTTP mirror laid out like --raw-dir, used even offline (default: $NEUROPIL_RAW_URL)")
    p.add_argument("--force", action="store_true",
                   help="rebuild even if up to date; repairs a broken manifest; publishes even a smaller build")
    p.add_argument("--verify", action="store_true",
                   help="check an up-to-date version's outputs by SHA-256 (default: sizes) and rebuild any that fail")
    p.add_argument("--allow-partial", action="store_true",
                   help="publish even if optional sources are missing (the summary lists what was skipped)")
    p.add_argument("--strict", action="store_true", help="fail on any label the name table cannot map")
    p.add_argument("--q-threshold", type=float, default=None, help="Randi 2023 atlas q-value threshold (0.05)")
    p.add_argument("--source", default=None, type=_source_list,
                   help="activity studies to ingest: a name, a comma list or 'all'")
    p.add_argument("--allow-unverified", action="store_true",
                   help="ingest sources that have no registered SHA-256 (their computed hashes are recorded)")
    p.add_argument("--dt", type=float, default=None, help="activity: common time step in seconds (1/3)")
    p.add_argument("--graph", default=None, help="vesselgraph: graph(s) to ingest, e.g. sample or BALBc_no1 (comma list)")
    p.add_argument("--tables", default=None, metavar="DIR", help="microns-minnie65: folder of CAVE table dumps")
    p.add_argument("--materialization", type=int, default=None, help="microns-minnie65: CAVE version of the dumps")
    p.add_argument("--engine", default=None, choices=("pyarrow", "dask"), help="microns-minnie65: streaming engine")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS", help="microns-minnie65: Dask scheduler address")
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
    p.add_argument("--seeds", type=int, default=None, help="number of seeds (0..N-1), default the task's (10; 20 "
                   "for microns-bio-rnn-*)")
    p.add_argument("--quick", action="store_true", help="a CI-sized configuration that still trains for real")
    p.add_argument("--protocol", choices=("reference", "corrected"), default=None,
                   help="microns-bio-rnn-*: the published configuration, flaws included, or the corrected one (default)")
    p.add_argument("--field", default=None, help="microns-bio-rnn-*: source of W*, D* and C*: a microns-fields field (6_6_2) or celegans:<connectome> (structure only: W, WD, WDC, WDC*)")
    p.add_argument("--out", default=None, help="result JSON file (one model); with --save-predictions, a folder")
    p.add_argument("--save-predictions", action="store_true",
                   help="write a leaderboard submission folder to --out: result.json + per-seed predictions")
    p.add_argument("--out-dir", default=None, help="folder for result JSONs and the plot")
    p.add_argument("--connectome", default=None, help="connectome of connectome-constrained models (cook_2019)")
    p.add_argument("--graph", default=None, help="vessel tasks: the ingested VesselGraph graph (default: sample)")
    p.add_argument("--json", action="store_true", help="print the result documents as JSON")
    p.set_defaults(run=_cmd_bench_run)
    p = bench_commands.add_parser("plot", parents=[common], help="draw result files to a PNG")
    p.add_argument("results", nargs="+", help="result JSON files")
    p.add_argument("--out", required=True, help="PNG path")
    p.set_defaults(run=_cmd_bench_plot)

    p = commands.add_parser("submit", parents=[common], help="validate, re-score and add a submission folder")
    p.add_argument("folder", help="a folder written by `neuropil bench run ... --save-predictions --out DIR`")
    p.add_argument("--name", required=True, help="the entry's name on the leaderboard")
    p.add_argument("--code", default=None, help="code URL (required unless the run is a registered baseline)")
    p.add_argument("--paper", default=None, help="paper URL")
    p.add_argument("--min-seeds", type=int, default=None,
                   help="lower the task's required seed count (10); for tests and dry runs only, recorded")
    p.add_argument("--allow-quick", action="store_true", help="accept a --quick run (tests and dry runs only)")
    p.add_argument("--max-file-bytes", type=int, default=None, help="limit per predictions file (64 MiB)")
    p.add_argument("--json", action="store_true", help="print the entry as JSON")
    p.set_defaults(run=_cmd_submit)

    p = commands.add_parser("leaderboard", parents=[common], help="ranked entries of a task; --html for a site")
    p.add_argument("task", nargs="?", default=None, help="a task id (see `neuropil bench list`)")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON")
    form.add_argument("--markdown", action="store_true", help="print a Markdown table")
    form.add_argument("--html", default=None, metavar="DIR", help="write a static site for every task to DIR")
    p.set_defaults(run=_cmd_leaderboard)

    p = commands.add_parser("verify", parents=[common], help="re-run an entry's command and compare the numbers")
    p.add_argument("entry", help="an entry id (see `neuropil leaderboard TASK`)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=_cmd_verify)

    p = commands.add_parser("reproduce", parents=[common], help="run every registered baseline of a task")
    p.add_argument("task")
    p.add_argument("--quick", action="store_true", help="CI-sized: quick configurations, 2 seeds unless --seeds")
    p.add_argument("--seeds", type=int, default=None, help="seeds per baseline (default 10; 2 with --quick)")
    p.add_argument("--out-dir", default=None, help="folder for the result JSONs and the plot")
    p.add_argument("--json", action="store_true", help="print the result documents as JSON")
    p.set_defaults(run=_cmd_reproduce)

    fisbe = commands.add_parser("fisbe", parents=[common], help="FISBe tools: the official instance metrics")
    fisbe_commands = fisbe.add_subparsers(dest="fisbe_command", required=True, metavar="FISBE_COMMAND")
    p = fisbe_commands.add_parser("eval", parents=[common],
                                  help="score predictions against FISBe ground truth (S, avF1, C, clDiceTP, FS, FM)")
    p.add_argument("--gt", action="append", required=True, metavar="GT.zarr",
                   help="ground-truth zarr (repeat for a set), or a folder of <sample>.zarr")
    p.add_argument("--pred", action="append", required=True, metavar="PRED.hdf",
                   help="prediction file (.hdf/.h5/.zarr; one per --gt), or a folder of <sample>.hdf")
    p.add_argument("--pred-key", default="volumes/gmm_label_cleaned", help="dataset of the label volume in PRED")
    p.add_argument("--partly", action="store_true",
                   help="partly labelled images: unmatched predictions on background are not false positives")
    p.add_argument("--split-list", default=None, metavar="FILE",
                   help="sample_list_per_split.txt: each image scored as completely or partly labelled as it lists")
    p.add_argument("--min-size", type=int, default=800, help="remove predicted labels of at most this many voxels")
    p.add_argument("--allow-empty", action="store_true", help="score an all-zero prediction instead of failing")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(run=_cmd_fisbe_eval)

    microns = commands.add_parser("microns", parents=[common], help="MICrONS tools: live CAVE download")
    microns_commands = microns.add_subparsers(dest="microns_command", required=True, metavar="MICRONS_COMMAND")
    p = microns_commands.add_parser("dump", parents=[common],
                                    help="download minnie65 CAVE tables (extra [cave], token from $CAVE_TOKEN) into "
                                         "OUT/v<N>/, the layout `ingest microns-minnie65 --tables` reads; resumable")
    p.add_argument("--materialization", type=int, required=True, help="CAVE materialization version, e.g. 1300")
    p.add_argument("--out", required=True, help="folder; the dump goes to OUT/v<materialization>/")
    p.add_argument("--tables", default=None, help="comma list (default: every minnie65 table neuropil reads)")
    p.add_argument("--datastack", default="minnie65_public")
    p.add_argument("--chunk-rows", type=int, default=100_000, help="rows asked per query; keep it below the server cap (about 200k)")
    p.set_defaults(run=_cmd_microns_dump)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)  # the command a result records
    if args.quiet:
        os.environ["NEUROPIL_QUIET"] = "1"
    logging.basicConfig(level=logging.ERROR if args.quiet else logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return args.run(args)
    except KeyboardInterrupt:
        print("neuropil: interrupted; the published version is untouched", file=sys.stderr)
        return 1
    except Exception as error:  # noqa: BLE001 (one capped line, never a traceback; NEUROPIL_DEBUG=1 shows it)
        if os.environ.get("NEUROPIL_DEBUG") and not isinstance(error, NeuropilError):
            raise
        line, code = error_line(error)
        print(f"neuropil: error: {line}", file=sys.stderr)
        return code


if __name__ == "__main__":
    sys.exit(main())
