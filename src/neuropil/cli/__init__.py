"""``neuropil`` command line: list, info, ingest, export, bench, submit, leaderboard, verify, reproduce,
fisbe eval, microns dump. Dataset flags come from each ``DatasetSpec.ingest_options``, task flags from
each ``TaskSpec.options``.

Exit codes: 0 ok, 1 error (one line on stderr), 2 usage. Never prompts.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from neuropil import __version__
from neuropil.errors import NeuropilError, error_line

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    from neuropil.cli import bench, data

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
    data.add_commands(commands, common)
    bench.add_commands(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except NeuropilError as error:  # an unknown dataset or task id (registry_commands)
        line, code = error_line(error)
        print(f"neuropil: error: {line}", file=sys.stderr)
        return code
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

