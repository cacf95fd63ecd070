"""Recompute Pearson and STTC from the spikes of every MICrONS field whose files are here, compare
them with the published matrices, and write the per-field table into the dataset card.

    python docs/results/microns_functional_agreement.py --raw-dir ../shared/data          # print the table
    python docs/results/microns_functional_agreement.py --raw-dir ../shared/data --write  # and update the card

Files are found as an ingest finds them (mirror folder, cache, ``--raw-url``; never downloaded) and
verified (SHA-256, else git blob id) before they are read. Parameters: the pipeline's defaults
(Pearson of 0.2 s bin counts from 0; STTC with dt = 0.1 s), the ones the published matrices match.
Agreement is over the off-diagonal pairs where both matrices are finite; the published STTC (lower
triangle only) is symmetrized first, as the loaders do.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np

CARD = Path(__file__).resolve().parents[2] / "src" / "neuropil" / "datasets" / "cards" / "microns-fields.md"
BEGIN, END = "<!-- agreement: docs/results/microns_functional_agreement.py -->", "<!-- /agreement -->"


def _local(name: str, raw_dir: str | None) -> Path | None:
    from neuropil._fetch import locate
    from neuropil.datasets.microns import FIELDS_SPEC
    from neuropil.errors import SourceUnavailableError

    try:
        return locate(FIELDS_SPEC.raw_file(name), FIELDS_SPEC.id, raw_dir=raw_dir, offline=True, progress=False)
    except SourceUnavailableError:
        return None


def field_rows(raw_dir: str | None) -> list[dict]:
    from neuropil.datasets.microns import FIELDS, FIELDS_SPEC, field_file
    from neuropil.pipelines import microns_functional
    from neuropil.pipelines._npy import load_verified_npy
    from neuropil.pipelines.microns_fields import matrix_agreement

    rows = []
    for field in FIELDS:
        paths = {kind: _local(field_file(field, kind), raw_dir) for kind in ("spikes", "corr", "sttc")}
        if any(path is None for path in paths.values()):
            continue
        arrays = {kind: load_verified_npy(path, FIELDS_SPEC.raw_file(field_file(field, kind)))
                  for kind, path in paths.items()}
        trains = [np.asarray(t, dtype=np.float64).ravel() for t in arrays["spikes"]]
        start = time.perf_counter()
        corr = microns_functional.binned_pearson(trains)
        sttc = microns_functional.sttc_matrix(trains)
        seconds = time.perf_counter() - start
        pearson = matrix_agreement(corr, arrays["corr"])
        tiling = matrix_agreement(sttc, microns_functional.symmetrize_lower(arrays["sttc"]))
        rows.append({"field": field, "neurons": len(trains), "spikes": int(sum(t.size for t in trains)),
                     "pairs": pearson["pairs_compared"], "pearson_max_abs_diff": pearson["max_abs_diff"],
                     "sttc_pairs": tiling["pairs_compared"], "sttc_max_abs_diff": tiling["max_abs_diff"],
                     "seconds": seconds})
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| field | neurons | spikes | pairs compared (Pearson / STTC) | Pearson max abs diff | STTC max abs diff |",
             "|---|---|---|---|---|---|"]
    for row in rows:
        lines.append(f"| {row['field']} | {row['neurons']} | {row['spikes']:,} | {row['pairs']:,} / {row['sttc_pairs']:,} "
                     f"| {row['pearson_max_abs_diff']:.1e} | {row['sttc_max_abs_diff']:.1e} |")
    worst_p = max(r["pearson_max_abs_diff"] for r in rows)
    worst_s = max(r["sttc_max_abs_diff"] for r in rows)
    lines.append(f"| all {len(rows)} | {sum(r['neurons'] for r in rows):,} | {sum(r['spikes'] for r in rows):,} "
                 f"| {sum(r['pairs'] for r in rows):,} / {sum(r['sttc_pairs'] for r in rows):,} "
                 f"| {worst_p:.1e} | {worst_s:.1e} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--raw-dir", default=os.environ.get("NEUROPIL_RAW_DIR"), help="mirror folder (shared/data)")
    parser.add_argument("--write", action="store_true", help=f"replace the table in {CARD.name}")
    args = parser.parse_args()
    rows = field_rows(args.raw_dir)
    if not rows:
        raise SystemExit("no field has spikes, corr and sttc files here; give --raw-dir")
    text = table(rows)
    print(text)
    if args.write:
        card = CARD.read_text(encoding="utf-8")
        start, end = card.index(BEGIN) + len(BEGIN), card.index(END)
        updated = card[:start] + "\n" + text + "\n" + card[end:]
        temporary = CARD.with_suffix(".md.tmp")
        temporary.write_text(updated, encoding="utf-8")
        os.replace(temporary, CARD)  # atomic: a kill leaves the old card


if __name__ == "__main__":
    main()
