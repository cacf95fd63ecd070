"""Data commands: list, info, ingest (flags from each dataset's spec), export, fisbe eval, microns dump."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from neuropil._option import given
from neuropil.cli.common import format_table, registry_commands
from neuropil.errors import InvalidArgumentError

STAT_COLUMNS = ("neurons_with_edges", "chemical_pairs", "chemical_synapses", "electrical_pairs",
                "functional_edges", "unmapped_labels")


def _cmd_list(args: argparse.Namespace) -> int:
    from neuropil._info import local_state
    from neuropil.datasets import list_specs

    rows = []
    for spec in list_specs():
        state = local_state(spec.id, spec.version, args.home)
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
    from neuropil._info import dataset_info
    from neuropil.datasets import get_spec

    spec = get_spec(args.dataset)
    info = dataset_info(spec.id, home=args.home)
    if args.bibtex:
        print(json.dumps({"dataset": spec.id, "bibtex": info["bibtex"]}, indent=2) if args.json else info["bibtex"])
        return 0
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
        print(format_table(rows, ["connectome", *STAT_COLUMNS]))
        return
    columns = list(dict.fromkeys(k for values in stats.values() for k, v in values.items() if isinstance(v, (int, float))))
    print(format_table([{"source": name, **values} for name, values in stats.items()], ["source", *columns]))


def _print_missing(missing: dict[str, str]) -> None:
    for name, reason in missing.items():
        print(f"  missing source {name}: {reason}")


def _cmd_ingest(args: argparse.Namespace) -> int:
    from neuropil.datasets import get_spec
    from neuropil.pipelines import ingest

    parameters = given(get_spec(args.dataset).ingest_options, args)
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
    import sys

    from neuropil.loaders.export import export

    if args.hf is None and args.croissant is None and args.nwb is None:
        args.parser.error("give at least one of --hf DIR, --croissant FILE.json, --nwb DIR")  # usage: exit 2
    result = export(args.dataset, hf=args.hf, croissant=args.croissant, nwb=args.nwb, home=args.home,
                    overwrite=args.force)
    if result["licence_notice"]:  # said even with --quiet and --json: it decides whether the files may be shared
        print(f"neuropil: warning: {result['licence_notice']}", file=sys.stderr)
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    if not args.quiet:
        if result["hf"]:
            print(f"wrote {result['hf']} (load with datasets.load_dataset({result['hf']!r}))")
        if result["croissant"]:
            print(f"wrote {result['croissant']} (read with mlcroissant.Dataset(jsonld={result['croissant']!r}))")
        if result["nwb"]:
            print(f"wrote {len(result['nwb'])} NWB files under {args.nwb} (check with nwbinspector {args.nwb})")
    return 0


def _cmd_fisbe_eval(args: argparse.Namespace) -> int:
    from neuropil._home import is_quiet as _quiet
    from neuropil.benchmarks.tasks.fisbe import metrics as fisbe_metrics

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
    print(format_table(rows, list(rows[0])))
    return 0


def _cmd_microns_dump(args: argparse.Namespace) -> int:
    from neuropil._home import is_quiet as _quiet
    from neuropil.pipelines.microns_cave import dump_tables

    result = dump_tables(args.out, materialization=args.materialization,
                         tables=args.tables.split(",") if args.tables else None, datastack=args.datastack,
                         chunk_rows=args.chunk_rows, progress=not (args.quiet or _quiet()))
    if args.json:
        print(json.dumps({"folder": str(result.folder), "rows": result.rows}, indent=2))
        return 0
    if not args.quiet:
        for table, rows in result.rows.items():
            print(f"{table}: {rows:,} rows")
        print(f"-> {result.folder}  (neuropil ingest microns-minnie65 --tables {result.folder})")
    return 0


def _add_ingest(commands: Any, common: argparse.ArgumentParser) -> None:
    """``ingest DATASET``: one sub-command per dataset, its flags generated from ``DatasetSpec.ingest_options``."""
    from neuropil.datasets import get_spec, list_specs

    shared = argparse.ArgumentParser(add_help=False)
    shared.add_argument("--raw-dir", default=None, help="local mirror of the raw files (default: $NEUROPIL_RAW_DIR)")
    shared.add_argument("--raw-url", default=None, metavar="URL",
                        help="HTTP mirror laid out like --raw-dir, used even offline (default: $NEUROPIL_RAW_URL)")
    shared.add_argument("--force", action="store_true",
                        help="rebuild even if up to date; repairs a broken manifest; publishes even a smaller build")
    shared.add_argument("--verify", action="store_true",
                        help="check an up-to-date version's outputs by SHA-256 (default: sizes) and rebuild any that fail")
    shared.add_argument("--allow-partial", action="store_true",
                        help="publish even if optional sources are missing (the summary lists what was skipped)")
    shared.add_argument("--json", action="store_true", help="print the manifest as JSON")
    ingest = commands.add_parser("ingest", parents=[common], help="build the homogenized files of a dataset")
    datasets = registry_commands(ingest, dest="dataset", metavar="DATASET", lookup=get_spec)
    for spec in list_specs():
        p = datasets.add_parser(spec.id, parents=[common, shared], help=spec.title)
        for name, option in spec.ingest_options.items():
            option.add_to(p, name)
        p.set_defaults(run=_cmd_ingest)


def add_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    from neuropil.plotting.cli import add_plot_command

    p = commands.add_parser("list", parents=[common], help="list every dataset")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=_cmd_list)

    p = commands.add_parser("info", parents=[common], help="show one dataset: sources, configs, local stats")
    p.add_argument("dataset")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--bibtex", action="store_true", help="print one BibTeX entry per cited source")
    p.set_defaults(run=_cmd_info)

    _add_ingest(commands, common)

    add_plot_command(commands, parents=[common])

    p = commands.add_parser("export", parents=[common],
                            help="export an ingested dataset: Hugging Face folder, Croissant JSON-LD, NWB files")
    p.add_argument("dataset")
    p.add_argument("--hf", default=None, metavar="DIR",
                   help="write a Hugging Face dataset folder (Parquet + README.md; datasets.load_dataset(DIR))")
    p.add_argument("--croissant", default=None, metavar="FILE.json", help="write Croissant 1.0 JSON-LD")
    p.add_argument("--nwb", default=None, metavar="DIR",
                   help="celegans-activity only: one NWB file per recording (extra [nwb])")
    p.add_argument("--force", action="store_true", help="replace DIR if it is an earlier export")
    p.add_argument("--json", action="store_true", help="print what was written as JSON")
    p.set_defaults(run=_cmd_export, parser=p)

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
    p.add_argument("--json", action="store_true", help="print the folder and the rows per table as JSON")
    p.set_defaults(run=_cmd_microns_dump)
