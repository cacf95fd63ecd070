"""Print the C. elegans catalogue table of datasets/cards/celegans-connectomes.md from an ingest.

    python docs/results/celegans_catalogue.py [--home HOME]

Counts come from ``neuropil info celegans-connectomes --json`` (the manifest's stats), licences
and stages from the catalogue declaration; tests/pipelines/test_celegans_stats.py checks the card's
table against an ingest, so paste the output over the table after a change.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json

from neuropil.cli import main


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def rows(info: dict) -> list[str]:
    lines = ["| id | sex, stage | neurons | chemical pairs / weight | electrical pairs / weight | other layer pairs / weight | licence |",
             "|---|---|---|---|---|---|---|"]
    for connectome, entry in info["connectome_catalogue"].items():
        stats = info["stats"][connectome]
        age = f" ({entry['age_hours']:g} h)" if entry["age_hours"] is not None else ""
        other = [f"{kind} {stats[f'{kind}_pairs']:,} / {_number(stats[f'{kind}_weight'])}"
                 for kind in ("monoamine", "neuropeptide", "contact") if f"{kind}_pairs" in stats]
        if stats["functional_edges"]:
            other.append(f"functional {stats['functional_edges']:,}")
        lines.append(
            f"| `{connectome}` | {entry['sex']}, {entry['stage']}{age} | {stats['neurons_with_edges']} | "
            f"{stats['chemical_pairs']:,} / {_number(stats['chemical_synapses'])} | "
            f"{stats['electrical_pairs']:,} / {_number(stats['electrical_junctions'])} | "
            f"{'; '.join(other) or '-'} | {entry['license']} |")
    return lines


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home")
    args = parser.parse_args()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["info", "celegans-connectomes", "--json", *(["--home", args.home] if args.home else [])])
    print("\n".join(rows(json.loads(out.getvalue()))))
