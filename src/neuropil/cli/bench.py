"""Benchmark commands: bench list | run (flags from each task's spec) | plot, submit, leaderboard, verify,
reproduce."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from neuropil._option import given
from neuropil._util import format_mean_std
from neuropil.cli.common import format_table, registry_commands
from neuropil.errors import InvalidArgumentError


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
        if task["options"]:
            print(f"    options: {' '.join('--' + name.replace('_', '-') for name in task['options'])} "
                  f"(neuropil bench run {task['id']} --help)")
    return 0


def _seeds(text: str) -> list[int]:
    """``--seeds N`` (seeds 0..N-1) or a comma list (``0,3,5``; ``5,`` is the list [5])."""
    try:
        if "," not in text:
            count = int(text)
            if count < 1:
                raise ValueError
            return list(range(count))
        return [int(word) for word in text.split(",") if word.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--seeds takes a count N >= 1 or a comma list of seeds, got {text!r}") from None


def _cmd_bench_run(args: argparse.Namespace) -> int:
    import shlex

    from neuropil.benchmarks import RunConfig, get_task, runner

    task = get_task(args.task)
    options = given(task.options, args)
    seeds = args.seeds if args.seeds is not None else list(range(task.min_seeds))
    if args.save_predictions and (args.all_baselines or not args.out):
        raise InvalidArgumentError("--save-predictions needs --model NAME and --out DIR (the submission folder).")
    if args.all_baselines:
        results = runner.run_all(task.id, seeds=seeds, quick=args.quick, home=args.home,
                                 out_dir=Path(args.out_dir or "."), progress=not args.quiet, options=options)
    else:
        if not args.model:
            raise InvalidArgumentError("bench run needs --model NAME or --all-baselines (see `neuropil bench list`).")
        config = RunConfig(task=task.id, model=args.model, seeds=tuple(seeds), options=options, quick=args.quick)
        command = "neuropil " + shlex.join(args.argv)
        if args.save_predictions:
            from neuropil.benchmarks.leaderboard import save_run

            results = [save_run(config, args.out, home=args.home, progress=not args.quiet, command=command)]
        else:
            out = args.out or (Path(args.out_dir) / f"{task.id}-{args.model}.json" if args.out_dir else None)
            results = [runner.execute(config, home=args.home, out=out, progress=not args.quiet,
                                      command=command).document]
    if args.json:
        print(json.dumps(results, indent=2))
    elif not args.quiet:
        rows = runner.results_table(results)
        columns = list(dict.fromkeys(k for row in rows for k in row))
        print(format_table(rows, columns))
    return 0


def _add_bench_run(bench_commands: Any, common: argparse.ArgumentParser) -> None:
    """``bench run TASK``: one sub-command per registered task, its flags generated from ``TaskSpec.options``."""
    from neuropil.benchmarks import get_task, list_tasks

    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--model", default=None, help="a registered baseline (see `neuropil bench list`)")
    shared.add_argument("--all-baselines", action="store_true", help="run every registered baseline; table + PNG")
    shared.add_argument("--seeds", type=_seeds, default=None,
                        help="N (seeds 0..N-1) or a comma list; default the task's minimum (10; 20 for microns-bio-rnn-*)")
    shared.add_argument("--quick", action="store_true", help="a CI-sized configuration that still trains for real")
    shared.add_argument("--out", default=None, help="result JSON file (one model); with --save-predictions, a folder")
    shared.add_argument("--save-predictions", action="store_true",
                        help="write a leaderboard submission folder to --out: result.json + per-seed predictions")
    shared.add_argument("--out-dir", default=None, help="folder for result JSONs and the plot")
    shared.add_argument("--json", action="store_true", help="print the result documents as JSON")
    run = bench_commands.add_parser("run", parents=[common], help="train, select on valid, evaluate on test")
    tasks = registry_commands(run, dest="task", metavar="TASK", lookup=get_task)
    for task in list_tasks():
        p = tasks.add_parser(task.id, parents=[common, shared], help=f"{task.dataset}; baselines: "
                             f"{', '.join(task.baselines[:6])}{', ...' if len(task.baselines) > 6 else ''}")
        for name, option in task.options.items():
            option.add_to(p, name)
        p.set_defaults(run=_cmd_bench_run)


def _cmd_bench_plot(args: argparse.Namespace) -> int:
    from neuropil.benchmarks import get_task, results, runner
    from neuropil.benchmarks.protocol import implementation

    documents = [results.load(path) for path in args.results]
    plotter = implementation(get_task(documents[0]["task"]["id"])).plotter
    out = Path(args.out)
    if plotter is not None and documents[0].get("artifacts"):
        plotter.plot(documents[0]["artifacts"], out)
    else:
        runner.plot_results(documents, out)
    if args.json:
        print(json.dumps({"out": str(out), "results": [str(path) for path in args.results]}, indent=2))
    elif not args.quiet:
        print(f"wrote {out}")
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
              f"{entry['primary_metric']} {format_mean_std(test.get('mean'), test.get('std'))} over {len(entry['seeds'])} seeds")
    return 0


def _cmd_leaderboard(args: argparse.Namespace) -> int:
    from neuropil.benchmarks import leaderboard

    if args.html:
        from neuropil.benchmarks.leaderboard.site import write_site

        path = write_site(args.html, home=args.home, baselines=args.baselines)
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
        print(format_table(cells, columns) if cells else f"no entries yet for {args.task}")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from neuropil.benchmarks.leaderboard import verify

    report = verify(args.entry, home=args.home, progress=not args.quiet)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        rows = [{"part": r["part"], "metric": r["metric"],
                 "entry": format_mean_std(r.get("entry_mean"), r.get("entry_std")),
                 "re-run": format_mean_std(r.get("rerun_mean"), r.get("rerun_std")),
                 "difference": "" if r.get("difference") is None else f"{r['difference']:+.2e}",
                 "tolerance": "" if r.get("tolerance") is None else f"{r['tolerance']:.2e}",
                 "": "ok" if r["agree"] else "DIFFERS"} for r in report["metrics"]]
        print(format_table(rows, ["part", "metric", "entry", "re-run", "difference", "tolerance", ""]))
        for note in report["notes"]:
            print(f"note: {note}")
        print(f"entry {report['entry']}: " + ("re-run agrees" if report["agree"] else "re-run DIFFERS"))
    return 0 if report["agree"] else 1


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from neuropil.benchmarks import runner

    seeds = args.seeds if args.seeds is not None else list(range(2 if args.quick else 10))
    results = runner.run_all(args.task, seeds=seeds, quick=args.quick, home=args.home, out_dir=args.out_dir,
                             progress=not args.quiet)
    if args.json:
        print(json.dumps(results, indent=2))
    elif not args.quiet:
        rows = runner.results_table(results)
        print(format_table(rows, list(dict.fromkeys(k for row in rows for k in row))))
    return 0


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    bench = commands.add_parser("bench", parents=[common], help="benchmarks: list tasks, run baselines, plot")
    bench_commands = bench.add_subparsers(dest="bench_command", required=True, metavar="BENCH_COMMAND")
    p = bench_commands.add_parser("list", parents=[common], help="list every task")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_cmd_bench_list)
    _add_bench_run(bench_commands, common)
    p = bench_commands.add_parser("plot", parents=[common], help="draw result files to a PNG")
    p.add_argument("results", nargs="+", help="result JSON files")
    p.add_argument("--out", required=True, help="PNG path")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")
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
    p.add_argument("--baselines", default=None, metavar="DIR",
                   help="with --html: result JSONs shown as reproduced baselines (default: the checkout's docs/results)")
    p.set_defaults(run=_cmd_leaderboard)

    p = commands.add_parser("verify", parents=[common], help="re-run an entry's stored run configuration and compare")
    p.add_argument("entry", help="an entry id (see `neuropil leaderboard TASK`)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=_cmd_verify)

    p = commands.add_parser("reproduce", parents=[common], help="run every registered baseline of a task")
    p.add_argument("task")
    p.add_argument("--quick", action="store_true", help="CI-sized: quick configurations, 2 seeds unless --seeds")
    p.add_argument("--seeds", type=_seeds, default=None, help="seeds per baseline: N or a comma list (default 10; 2 "
                   "with --quick)")
    p.add_argument("--out-dir", default=None, help="folder for the result JSONs and the plot")
    p.add_argument("--json", action="store_true", help="print the result documents as JSON")
    p.set_defaults(run=_cmd_reproduce)
