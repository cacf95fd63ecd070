"""``neuropil plot ID [--config k=v ...] --out FILE.png``: wired into :mod:`neuropil.cli` by
``add_plot_command(subparsers, parents=[common])``."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import Any

from neuropil.errors import InvalidArgumentError


def parse_config(pairs: Sequence[str] | None) -> dict[str, str]:
    """``["field=6_6_2", "cell=5"]`` -> ``{"field": "6_6_2", "cell": "5"}``; the plot converts the types."""
    config: dict[str, str] = {}
    for pair in pairs or ():
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidArgumentError(f"Config {pair!r} must look like key=value (e.g. --config connectome=cook_2019).")
        config[key.strip()] = value.strip()
    return config


def run_plot(args: argparse.Namespace) -> int:
    from neuropil.plotting import plot

    config: dict[str, Any] = parse_config(args.config)
    kind = config.pop("kind", None)
    plot(args.dataset, out=args.out, home=getattr(args, "home", None), kind=kind, **config)
    if getattr(args, "json", False):
        print(json.dumps({"dataset": args.dataset, "kind": kind, "config": config, "out": str(args.out)}))
    elif not getattr(args, "quiet", False):
        print(f"wrote {args.out}")
    return 0


def add_plot_command(subparsers: Any, *, parents: Sequence[argparse.ArgumentParser] = ()) -> argparse.ArgumentParser:
    """Add ``plot`` to the CLI's sub-command parsers; returns the new parser."""
    from neuropil.plotting import PLOTS

    parser = subparsers.add_parser("plot", parents=list(parents), help="draw a picture of an ingested dataset",
                                   description="Datasets and kinds: " + "; ".join(
                                       f"{d} ({', '.join(k)})" for d, k in PLOTS.items()))
    parser.add_argument("dataset", help="dataset id, e.g. celegans-connectomes")
    parser.add_argument("--config", action="append", metavar="KEY=VALUE",
                        help="plot option, repeatable: connectome=cook_2019, recording=0, field=6_6_2, cell=5, "
                             "kind=skeleton, sample=..., graph=sample")
    parser.add_argument("--out", required=True, help="image file to write (.png, .pdf or .svg)")
    parser.add_argument("--json", action="store_true", help="print what was written as JSON")
    parser.set_defaults(run=run_plot)
    return parser
