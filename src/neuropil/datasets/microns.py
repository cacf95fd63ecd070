"""MICrONS (mouse visual cortex, EM connectome co-registered with two-photon imaging).

Three datasets:

* ``microns-fields``: the 56 coregistered imaging fields of minnie65 published with the Cortical
  Blueprint RNN (github neurovium/CorticalBlueprintRNN @8d5e241b, ``Model/DATA/info/``): per field
  N x N EM synapse counts, nucleus positions (a **pickled** object array), root/unit/nucleus ids
  (required), and per field its function (optional, fetched per field with ``--functional``): Pearson,
  STTC and precision matrices and spike times. Every upstream data file (504) is registered with its
  URL at the pinned commit, its git blob id and, for 464, its SHA-256 (``microns_fields.sha256``,
  shipped with the package); the 40 large spikes files without a SHA-256 are verified by git blob id.
* ``microns-pinky100``: the phase-2 L2/3 pyramidal-cell connectome (363 cells) from MicronsBinder.
* ``microns-minnie65``: dumps of the CAVE tables (synapses_pni_2, nucleus_detection_v0,
  aibs_metamodel_celltypes_v661, coregistration_manual_v4, proofreading status) given with
  ``--tables DIR``. No dump can be reached from here: the layout was checked against the schema-exact
  fixtures of :mod:`neuropil.testing.microns` only.

Voxel convention shared by all three: positions published in voxels of 4 x 4 x 40 nm (x, y, z of
the minnie65 EM volume; y grows with cortical depth from pia, z is the section axis) are converted
to nm by multiplying x and y by 4 and z by 40; the axis order is kept (x, y, z), never reshaped.
"""

from __future__ import annotations

from importlib.resources import files

from neuropil._fetch import RawFile
from neuropil.datasets._spec import DatasetSpec, Option

#: nm per voxel along x, y, z (minnie65 and pinky100 CAVE tables)
VOXEL_NM = (4.0, 4.0, 40.0)

BLUEPRINT_COMMIT = "8d5e241b444803ba552923d32a5fcef39439425b"
_BLUEPRINT_URL = f"https://raw.githubusercontent.com/neurovium/CorticalBlueprintRNN/{BLUEPRINT_COMMIT}/Model/DATA/info/"
_PINKY_URL = ("https://raw.githubusercontent.com/AllenInstitute/MicronsBinder/4c3b7649da4b85bc205302df82060c16369108e1/"
              "notebooks/multiscale/motifs/data/")
_BLUEPRINT_LICENSE = "MIT (CorticalBlueprintRNN); MICrONS data terms apply"

MICRONS_CITATION = ("MICrONS Consortium et al. (2025) Functional connectomics spanning multiple areas of mouse visual "
                    "cortex. Nature 640:435-447")
BLUEPRINT_CITATION = ("Shakiba M, Rokni R, Mohammadi M, Dehghani N (2026) Harnessing cortical geometry, wiring, and "
                      "function as inductive biases for recurrent neural networks. Cortical Blueprint RNN, "
                      "doi:10.5281/zenodo.20834365")


def _read_field_digests() -> dict[str, tuple[str, str]]:
    """``<field>/<file>`` -> (SHA-256 or "", git blob id), from the list shipped next to this module."""
    text = files("neuropil.datasets").joinpath("microns_fields.sha256").read_text(encoding="utf-8")
    digests = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            sha256, blob, name = line.split()
            digests[name] = ("" if sha256 == "-" else sha256, blob)
    return digests


_FIELD_DIGESTS = _read_field_digests()

#: the 56 fields, ``<session>_<scan>_<field>``, sorted as (session, scan, field) numbers
FIELDS: tuple[str, ...] = tuple(sorted({name.split("/", 1)[0] for name in _FIELD_DIGESTS},
                                       key=lambda f: tuple(int(p) for p in f.split("_"))))
#: the seed paper's field (N = 312), the loaders' default
DEFAULT_FIELD = "6_6_2"
#: per-field raw files, by kind; ``{f}`` is the field name
FIELD_FILES = {
    "connectome": "connectome_{f}.csv",
    "positions": "positions_{f}.npy",
    "root_ids": "root_ids_{f}.npy",
    "unit_ids": "unit_ids_{f}.npy",
    "nucleus_ids": "target_ids_{f}.npy",
    "corr": "corr_matrix.npy",
    "sttc": "sttc_matrix.npy",
    "precision": "precision_matrix.npy",
    "spikes": "spikes_{f}.npy",
}
#: the kinds that make a field's function: optional, fetched per field (``--functional``)
FUNCTIONAL_KINDS = ("corr", "sttc", "precision", "spikes")


def field_file(field: str, kind: str) -> str | None:
    """Registered raw-file name of one kind for one field, or None where the field has none."""
    name = f"{field}/{FIELD_FILES[kind].format(f=field)}"
    return name if name in _FIELD_DIGESTS else None


def functional_files(field: str) -> list[str]:
    """The registered functional files of one field (all 56 have corr, sttc, precision and spikes)."""
    return [name for kind in FUNCTIONAL_KINDS if (name := field_file(field, kind)) is not None]


def fetch_command(fields: list[str] | tuple[str, ...]) -> str:
    """The command that fetches the functional files of ``fields``."""
    return f"neuropil ingest microns-fields --functional {','.join(fields)}"


FIELDS_RAW_FILES: tuple[RawFile, ...] = tuple(
    RawFile(
        name=name,
        sha256=sha256,
        git_blob=blob,
        url=_BLUEPRINT_URL + name,
        mirror_path=f"microns/cortical_blueprint_fields/{name}",
        license=_BLUEPRINT_LICENSE,
        how_to_obtain=f"git clone https://github.com/neurovium/CorticalBlueprintRNN (commit {BLUEPRINT_COMMIT}), "
                      "folder Model/DATA/info/",
    )
    for name, (sha256, blob) in sorted(_FIELD_DIGESTS.items())
)
_FUNCTIONAL_NAMES = {name for field in FIELDS for name in functional_files(field)}

FIELDS_SCHEMA = {
    "neurons.parquet": {
        "field": "string: <session>_<scan>_<field>",
        "session": "int16", "scan_idx": "int16", "field_idx": "int16: imaging plane of the scan",
        "index": "int32: row / column of the field's N x N matrices (0..N-1)",
        "nucleus_id": "int64: nucleus_detection_v0 id (upstream target_ids); the key",
        "root_id": "int64: segment root id at the seed paper's materialization",
        "unit_id": "int32: functional unit id, unique within a scan",
        "x_nm": "float64: soma position, x (voxel x * 4 nm)",
        "y_nm": "float64: y, cortical depth axis (voxel y * 4 nm)",
        "z_nm": "float64: z, section axis (voxel z * 40 nm)",
    },
    "edges.parquet": {
        "field": "string", "pre_index": "int32", "post_index": "int32",
        "pre_nucleus_id": "int64", "post_nucleus_id": "int64",
        "synapse_count": "int32: EM synapses from pre to post (connectome CSV: rows = pre, columns = post)",
    },
    "functional.h5": {
        "<field>/nucleus_id": "int64 (N,): row order of every matrix of the group",
        "<field>/corr": "float64 (N, N): stored Pearson correlation (16 session-6 fields)",
        "<field>/sttc": "float64 (N, N): stored STTC made symmetric (lower triangle copied up, as the "
                        "reference code does)",
        "<field>/sttc_stored": "float64 (N, N): the STTC as published (lower triangle only)",
        "<field>/precision": "float64 (N, N): precision (inverse covariance) matrix of the same activity, "
                             "as published (fields that have one)",
        "<field>/spike_times, spike_indptr": "float64, int64: spike trains as CSR, seconds (4 fields)",
        "<field>/corr_from_spikes, sttc_from_spikes": "float64 (N, N): recomputed from the spikes, "
                                                      "parameters in the group's attributes",
    },
}

FIELDS_SPEC = DatasetSpec(
    id="microns-fields",
    version="1.0.0",
    title="MICrONS minnie65: 56 coregistered imaging fields (EM synapse counts + function)",
    description=(
        "56 two-photon imaging fields of MICrONS minnie65 coregistered with the EM connectome (N = 42-632 "
        "neurons, 19,178 rows, 27,674 connected pairs, 30,721 synapses): synapse counts, soma positions in "
        "nm, nucleus/root/unit ids; per field Pearson, STTC and precision matrices and spike times (fetched per field)."
    ),
    license=_BLUEPRINT_LICENSE,
    citation=f"{MICRONS_CITATION}; {BLUEPRINT_CITATION}",
    homepage="https://github.com/neurovium/CorticalBlueprintRNN",
    raw_files=FIELDS_RAW_FILES,
    configs={"field": (DEFAULT_FIELD, *(f for f in FIELDS if f != DEFAULT_FIELD))},
    schema=FIELDS_SCHEMA,
    # the structure of all 56 fields is required; function is fetched per field (``--functional``)
    required=tuple(r.name for r in FIELDS_RAW_FILES if r.name not in _FUNCTIONAL_NAMES),
    card="microns-fields.md",
    ingest_options={
        "functional": Option(help="fields whose functional files (corr, sttc, precision, spikes) are downloaded "
                                  "when missing: a comma list or 'all' (default 'local': none; functional files "
                                  "found in --raw-dir, the cache or --raw-url are used for every field)",
                             type="list", metavar="FIELDS"),
    },
)

def _pinky_file(name: str, sha256: str) -> RawFile:
    return RawFile(name=name, sha256=sha256, url=_PINKY_URL + name, mirror_path=f"microns/pinky100/{name}",
                   license="Allen Institute Software License (non-commercial)",
                   how_to_obtain="github AllenInstitute/MicronsBinder @4c3b7649, notebooks/multiscale/motifs/data/")


PINKY_RAW_FILES: tuple[RawFile, ...] = (
    _pinky_file("soma.csv", "f46850ae1273e9bb2056cfecbe5ebffba5298587bbc045a22ab28b19b5033f3e"),
    _pinky_file("synapses.csv", "ed25602cbff9cf5db563450ecba17281bbf01ce5e5b194383f985715bb82f670"),
)

PINKY_SCHEMA = {
    "neurons.parquet": {
        "index": "int32: node index (soma.csv order)",
        "root_id": "int64: pinky100 segment id (soma.csv segment_id)",
        "manual_id": "int32", "segmentation": "int32: segmentation version (185)",
        "x_nm": "float64", "y_nm": "float64", "z_nm": "float64: soma position (soma.csv loc, already nm)",
        "axon_len": "float64: um", "dendrite_len": "float64: um",
    },
    "synapses.parquet": {"synapse": "int32: row of synapses.csv", "pre_index": "int32", "post_index": "int32",
                         "pre_root_id": "int64", "post_root_id": "int64"},
    "edges.parquet": {"pre_index": "int32", "post_index": "int32", "pre_root_id": "int64", "post_root_id": "int64",
                      "synapse_count": "int32: synapses.csv rows of the pair"},
}

PINKY_SPEC = DatasetSpec(
    id="microns-pinky100",
    version="1.0.0",
    title="MICrONS pinky100: L2/3 pyramidal-cell connectome (363 cells)",
    description="The phase-2 MICrONS L2/3 pyramidal-cell connectome of Turner et al. 2022 (363 somata, 1,981 "
                "synapses in 1,752 directed pairs, 2 autapses).",
    license="Allen Institute Software License (non-commercial)",
    citation="Turner NL et al. (2022) Reconstruction of neocortex: organelles, compartments, cells, circuits, and "
             "activity. Cell 185:1082-1100",
    homepage="https://github.com/AllenInstitute/MicronsBinder",
    raw_files=PINKY_RAW_FILES,
    schema=PINKY_SCHEMA,
    required=tuple(r.name for r in PINKY_RAW_FILES),
    card="microns-pinky100.md",
)

#: the CAVE tables read from ``--tables DIR`` (file stem -> what it is); the first three are required
MINNIE_TABLES = {
    "synapses_pni_2": "one row per synapse: id, pre_pt_root_id, post_pt_root_id, size, pre_pt_position, "
                      "post_pt_position, ctr_pt_position (voxels; array column or _x/_y/_z columns)",
    "nucleus_detection_v0": "one row per nucleus: id (the nucleus id), pt_root_id, pt_position, volume",
    "coregistration_manual_v4": "target_id (nucleus id), session, scan_idx, field, unit_id, residual, score",
    "aibs_metamodel_celltypes_v661": "target_id (nucleus id), classification_system, cell_type",
    "proofreading_status_and_strategy": "pt_root_id, valid_id, status_dendrite, status_axon, "
                                        "strategy_dendrite, strategy_axon",
}
MINNIE_REQUIRED_TABLES = ("synapses_pni_2", "nucleus_detection_v0", "coregistration_manual_v4")

MINNIE_SCHEMA = {
    "neurons.parquet": {
        "nucleus_id": "int64: nucleus_detection_v0 id; the key", "root_id": "int64: pt_root_id (0: no segment)",
        "materialization_version": "int32: CAVE materialization the root ids belong to",
        "nuclei_on_root": "int32: nuclei sharing the root id (>1: a merge; its synapses get no nucleus id)",
        "x_nm": "float64", "y_nm": "float64", "z_nm": "float64: nucleus pt_position (voxels * 4, 4, 40)",
        "volume": "float64: um^3", "classification_system": "string", "cell_type": "string (null: not typed)",
        "session": "Int16", "scan_idx": "Int16", "field": "Int16", "unit_id": "Int32: best coregistration "
        "match (highest score, then lowest residual, then lowest row id); all matches in coregistration.parquet",
        "status_axon": "string", "status_dendrite": "string", "proofreading_current": "boolean: valid_id == root_id",
    },
    "coregistration.parquet": {"nucleus_id": "int64", "session": "int16", "scan_idx": "int16", "field": "int16",
                               "unit_id": "int32", "residual": "float64", "score": "float64"},
    "synapses/part-NNNNN.parquet": {
        "id": "int64: synapse id", "pre_root_id": "int64", "post_root_id": "int64",
        "pre_nucleus_id": "int64 (null where the root holds no nucleus or several)", "post_nucleus_id": "int64",
        "size": "int64: voxels", "x_nm": "float32", "y_nm": "float32", "z_nm": "float32: ctr_pt_position",
        "": "partitioned by pre_root_id hash bucket; each part sorted by (pre_root_id, post_root_id, id)",
    },
    "edges/part-NNNNN.parquet": {"pre_root_id": "int64", "post_root_id": "int64", "pre_nucleus_id": "int64",
                                 "post_nucleus_id": "int64", "synapse_count": "int32", "size_sum": "int64"},
}

MINNIE_SPEC = DatasetSpec(
    id="microns-minnie65",
    version="1.0.0",
    title="MICrONS minnie65: CAVE table dumps (synapses, nuclei, cell types, coregistration), keyed by nucleus id",
    description=(
        "The cubic-millimetre MICrONS minnie65 connectome from dumps of its CAVE tables (Parquet, Feather or "
        "CSV, given with --tables DIR): 337,312,429 synapses in synapses_pni_2, 144,120 nuclei, streamed in "
        "chunks into partitioned, sorted Parquet keyed by nucleus id. Format checked against a fixture only."
    ),
    license="CC BY 4.0 (MICrONS Explorer data)",
    citation=MICRONS_CITATION,
    homepage="https://www.microns-explorer.org/cortical-mm3",
    raw_files=(),
    schema=MINNIE_SCHEMA,
    card="microns-minnie65.md",
    ingest_options={"tables": Option(help="folder of CAVE table dumps (`neuropil microns dump`)", metavar="DIR"),
                    "materialization": Option(help="CAVE version of the dumps", type="int"),
                    "engine": Option(help="streaming engine", choices=("pyarrow", "dask")),
                    "scheduler": Option(help="Dask scheduler address", metavar="ADDRESS"),
                    "no_nucleus": Option(help="key neurons by root id, for exports whose cell table has pt_root_id "
                                              "and no nucleus id (root ids change across materializations)",
                                         type="flag")},
    details={"tables": MINNIE_TABLES, "required_tables": list(MINNIE_REQUIRED_TABLES),
             "format_checked_against": "fixture only (neuropil.testing.microns.write_minnie65_tables)"},
)
