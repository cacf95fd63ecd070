"""What every command module shares: the table printer and registry-named sub-commands."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any


def format_table(rows: list[dict[str, Any]], columns: Sequence[str]) -> str:
    def cell(value: Any) -> str:
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    widths = {c: max(len(c), *(len(cell(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns), "  ".join("-" * widths[c] for c in columns)]
    lines += ["  ".join(cell(r.get(c, "")).ljust(widths[c]) for c in columns) for r in rows]
    return "\n".join(lines)


def registry_commands(parser: argparse.ArgumentParser, *, dest: str, metavar: str,
                      lookup: Callable[[str], Any]) -> Any:
    """Sub-commands named by registry ids (datasets, tasks): an unknown id raises ``lookup``'s typed
    error (one line, exit 1, with the closest valid id) instead of argparse's usage error."""

    class Known(dict):
        def __contains__(self, name: object) -> bool:
            if not dict.__contains__(self, name):
                lookup(str(name))  # raises the registry's typed error
            return True

    class Registered(argparse._SubParsersAction):  # argparse's own class for sub-commands
        @property
        def choices(self) -> Any:  # what argparse checks a command name against
            return Known(self._name_parser_map)

        @choices.setter
        def choices(self, value: Any) -> None:
            pass  # always the live table of sub-commands

    return parser.add_subparsers(dest=dest, required=True, metavar=metavar, action=Registered)
