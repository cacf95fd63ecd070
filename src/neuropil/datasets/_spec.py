"""DatasetSpec: the frozen declaration every dataset module of the catalogue exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neuropil._fetch import RawFile
from neuropil._option import Option
from neuropil.errors import DatasetNotFoundError, unknown_value

__all__ = ["DatasetSpec", "Option", "RawFile"]


@dataclass(frozen=True)
class DatasetSpec:
    """Everything declared about one dataset: identity, licence, citation, sources, configs, schema."""

    id: str
    version: str
    title: str
    description: str
    license: str
    citation: str
    homepage: str
    raw_files: tuple[RawFile, ...]
    #: config name -> allowed values (``neuropil.load(id, **config)``); the first value is the default
    configs: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: output file -> {column: "dtype: meaning"}
    schema: dict[str, dict[str, str]] = field(default_factory=dict)
    #: raw files that must be present; the others are optional and reported when missing
    required: tuple[str, ...] = ()
    card: str = ""
    #: dataset-specific catalogue entries shown by ``neuropil info`` (e.g. the activity studies)
    details: dict[str, Any] = field(default_factory=dict)
    #: ingest parameters a user may set: ``--<name>`` flags of ``neuropil ingest <id>`` (passed as keywords)
    ingest_options: dict[str, Option] = field(default_factory=dict)
    #: where the rest of the dataset lives, found from the id unless named here: the pipeline module
    #: (``neuropil.pipelines.<id with _>``), the loader module (``neuropil.loaders.<id with _>``) and the
    #: fixture writer (``neuropil.testing.fixtures:write_<id with _>``, ``"module:function"``)
    pipeline: str = ""
    loader: str = ""
    fixtures: str = ""

    @property
    def module_stem(self) -> str:
        return self.id.replace("-", "_")

    @property
    def pipeline_module(self) -> str:
        return self.pipeline or f"neuropil.pipelines.{self.module_stem}"

    @property
    def loader_module(self) -> str:
        return self.loader or f"neuropil.loaders.{self.module_stem}"

    def raw_file(self, name: str) -> RawFile:
        for raw in self.raw_files:
            if raw.name == name:
                return raw
        raise DatasetNotFoundError(unknown_value(name, "raw file", [r.name for r in self.raw_files]))

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "license": self.license,
            "citation": self.citation,
            "homepage": self.homepage,
            "configs": {k: list(v) for k, v in self.configs.items()},
            "sources": [
                {
                    "name": r.name,
                    "url": r.url,
                    "sha256": r.sha256,
                    **({"git_blob": r.git_blob} if r.git_blob else {}),
                    "package": r.package_requirement or r.package,
                    "license": r.license,
                    "required": r.name in self.required,
                    "format_checked_against": "fixture only" if r.fixture_only else "real upstream file",
                    **({"derived_from": r.derived_from, "derive_with": r.derive_with} if r.derived_from else {}),
                    **({"archive_member": r.archive_member} if r.archive_member else {}),
                }
                for r in self.raw_files
            ],
            "schema": self.schema,
            **self.details,
        }
