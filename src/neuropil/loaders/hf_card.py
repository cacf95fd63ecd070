"""The README.md of a Hugging Face export: YAML built with ``huggingface_hub.DatasetCardData`` (Hub
licence ids, task and size categories, ``configs:`` with real splits) and a body with the dataset
card, the licence as the source states it, one BibTeX block per cited source and the schema."""

from __future__ import annotations

from typing import Any

from neuropil.datasets import card_text, get_spec
from neuropil.datasets.bibtex import bibtex_entries

#: dataset -> (Hub licence ids, license_name and license_link for an "other" licence)
HUB_LICENSES: dict[str, tuple[tuple[str, ...], str | None, str | None]] = {
    "celegans-connectomes": (("mit", "gpl-3.0"), None, None),
    "celegans-activity": (("unknown",), None, None),  # Dag2023 states no licence
    "fisbe": (("cc-by-4.0", "mit"), None, None),
    "microns-fields": (("mit", "cc-by-4.0"), None, None),  # MICrONS Explorer data are CC BY 4.0
    "microns-minnie65": (("cc-by-4.0",), None, None),
    "microns-pinky100": (("other",), "allen-institute-software-license",
                         "https://github.com/AllenInstitute/MicronsBinder/blob/master/LICENSE"),
    "vesselgraph": (("cc-by-nc-4.0", "mit"), None, None),
}
#: Hugging Face task categories (the Hub's fixed list)
TASK_CATEGORIES = {
    "celegans-connectomes": ["graph-ml"], "celegans-activity": ["time-series-forecasting"],
    "fisbe": ["image-segmentation"], "microns-fields": ["graph-ml"], "microns-minnie65": ["graph-ml"],
    "microns-pinky100": ["graph-ml"], "vesselgraph": ["graph-ml"],
}
#: the Hub's size buckets: (upper bound on rows, label)
SIZE_CATEGORIES = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                   (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"), (1_000_000_000, "100M<n<1B"))


def size_category(rows: int) -> str:
    for bound, label in SIZE_CATEGORIES:
        if rows < bound:
            return label
    return "n>1B"


def licence_notice(dataset_id: str) -> str | None:
    """A warning when the source states no licence (then the data may not be redistributed as is)."""
    spec = get_spec(dataset_id)
    if "none stated" not in spec.license.lower():
        return None
    return (f"{dataset_id}: the source states no licence ({spec.license}); this export is for your own use. "
            "Ask the authors before uploading it or sharing it further.")


def card(dataset_id: str, *, configs: list[dict[str, Any]], rows: int, empty: list[str],
         manifest: dict[str, Any]) -> str:
    """The README.md text: ``configs`` are the Hub's ``configs:`` entries, ``rows`` the largest config."""
    from huggingface_hub import DatasetCard, DatasetCardData

    spec = get_spec(dataset_id)
    licences, licence_name, licence_link = HUB_LICENSES.get(dataset_id, (("other",), "see-card", spec.homepage))
    data = DatasetCardData(
        license=list(licences) if len(licences) > 1 else licences[0], pretty_name=spec.title,
        task_categories=TASK_CATEGORIES.get(dataset_id), size_categories=[size_category(rows)],
        tags=["neuroscience", "connectomics", "neuropil"], configs=configs,
        **({"license_name": licence_name, "license_link": licence_link} if licence_name else {}),
    )
    notice = licence_notice(dataset_id)
    lines = ["", card_text(dataset_id), "", "## Licence", "", f"As the source states it: {spec.license}.", ""]
    if notice:
        lines += [f"**No licence stated.** {notice}", ""]
    lines += ["## Citation", "", spec.citation, ""]
    for entry in bibtex_entries(spec.citation):
        lines += ["```bibtex", entry, "```", ""]
    lines += ["## Schema", ""]
    for table, columns in spec.schema.items():
        lines += [f"### {table}", "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{column}` | {meaning} |" for column, meaning in columns.items()]
        lines.append("")
    if empty:
        lines += ["## Empty tables", "", "These tables have no rows in this version and are not configs: "
                  + ", ".join(f"`{name}`" for name in sorted(empty)) + ".", ""]
    lines += ["## Provenance", "", f"Exported by neuropil from {dataset_id} {spec.version}, pipeline "
              f"{manifest.get('pipeline_version')}, fingerprint `{manifest.get('fingerprint')}`.", ""]
    return str(DatasetCard(f"---\n{data.to_yaml()}\n---\n" + "\n".join(lines)))
