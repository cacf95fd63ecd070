"""Export an ingested dataset as a Hugging Face dataset folder: Parquet files plus a README.md whose
YAML front matter lists ``configs:`` (no loading script), so ``datasets.load_dataset(DIR)`` loads it
offline."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from neuropil import _store
from neuropil.datasets import card_text, get_spec
from neuropil.errors import InvalidArgumentError

#: the config ``load_dataset(DIR)`` picks when none is named
DEFAULT_CONFIG = {"celegans-connectomes": "edges", "celegans-activity": "traces"}


def _yaml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def export_hf(dataset_id: str, directory: str | os.PathLike[str], *, home: str | os.PathLike[str] | None = None,
              overwrite: bool = False) -> Path:
    """Write ``directory`` atomically (temporary sibling folder, then rename); returns its path."""
    spec = get_spec(dataset_id)
    source = _store.require_version(dataset_id, spec.version, home)
    manifest = _store.verify_outputs(dataset_id, spec.version, home)
    target = Path(directory).expanduser().resolve()
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise InvalidArgumentError(f"Export folder {target} exists and is not empty; pass --force to replace it.")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    extra_sources: dict[str, Path] = {}
    try:
        (staging / "data").mkdir()
        tables = sorted(name.removesuffix(".parquet") for name in manifest["outputs"] if name.endswith(".parquet"))
        # a loader may add tables built from non-tabular outputs (e.g. the long traces table)
        import importlib

        from neuropil.loaders import LOADERS

        loader = importlib.import_module(LOADERS[dataset_id])
        for name, table in getattr(loader, "export_tables", lambda **_: {})(home=home).items():
            extra_sources[name] = staging / f".{name}.parquet"
            table.to_parquet(extra_sources[name], index=False)
            tables.append(name)
        default = DEFAULT_CONFIG.get(dataset_id, tables[0])
        lines = ["---", f"pretty_name: {_yaml_string(spec.title)}", "license: other",
                 f"license_name: {_yaml_string(spec.license)}", "configs:"]
        for table in sorted(tables, key=lambda t: t != default):
            if table in extra_sources:
                os.replace(extra_sources[table], staging / "data" / f"{table}.parquet")
            else:
                shutil.copyfile(source / f"{table}.parquet", staging / "data" / f"{table}.parquet")
            lines += [f"- config_name: {table}", "  data_files:", "  - split: train", f"    path: data/{table}.parquet"]
            if table == default:
                lines.append("  default: true")
        lines += ["---", "", card_text(dataset_id), "", "## Citation", "", spec.citation, "", "## Schema", ""]
        for table, columns in spec.schema.items():
            lines += [f"### {table}", "", "| column | meaning |", "|---|---|"]
            lines += [f"| `{column}` | {meaning} |" for column, meaning in columns.items()]
            lines.append("")
        lines += ["## Provenance", "", f"Exported by neuropil from {dataset_id} {spec.version}, pipeline "
                  f"{manifest.get('pipeline_version')}, fingerprint `{manifest.get('fingerprint')}`.", ""]
        (staging / "README.md").write_text("\n".join(lines), encoding="utf-8")
        if target.exists():
            shutil.rmtree(target)
        os.replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target
