"""VesselGraph: whole-brain mouse vessel graphs (Paetzold et al., NeurIPS 2021 Datasets & Benchmarks).

Bifurcation points are nodes (position in voxels, sample-border flag), vessel segments are edges
(length, distance, curveness, radii, roundness, ...), as written by Voreen's graph extraction.

=====================  ==========  ==========  =============================================
graph                  nodes       edges       registered as
=====================  ==========  ==========  =============================================
``sample``             2,970       3,062 rows  real file pair, SHA-256 registered (default)
``BALBc_no1``          3,538,495   5,345,897   URL + license; SHA-256 unknown (unverified)
other whole brains     millions    millions    URL + license; SHA-256 unknown (unverified)
=====================  ==========  ==========  =============================================

Only the sample (``sample_data/`` of the VesselGraph repository at a673cf03, removed from the repo
later) is verified byte for byte. The whole-brain and synthetic graphs are published as zip
archives on LRZ Sync+Share; they cannot be reached from our CI, so they have no registered SHA-256
and ingest only with ``--allow-unverified``: from a local folder (``<raw-dir>/<graph>_nodes.csv``
and ``<graph>_edges.csv``, or the same inside ``<raw-dir>/<graph>/``), else downloaded: the archive
is fetched and its two members (:attr:`VesselGraphSource.members`, matched at any depth) are
extracted into ``<home>/raw/vesselgraph/<graph>/`` (``neuropil._fetch.fetch_archive_members``; the
archive's SHA-256 is checked where one is registered, ``archive_sha256``). The manifest records the
hashes computed then. Any other Voreen output (e.g. ``neuropil.testing.vessels``) ingests the same way.
The members' names are the pipeline's documented layout, checked against a fixture archive only.
"""

from __future__ import annotations

from dataclasses import dataclass

from neuropil._fetch import RawFile
from neuropil.datasets._spec import DatasetSpec, Option

LICENSE = "CC BY-NC 4.0 (data); MIT (VesselGraph code)"
_SAMPLE_URL = "https://raw.githubusercontent.com/jocpae/VesselGraph/a673cf03/sample_data/"
_LRZ = "https://syncandshare.lrz.de/getlink/"
CITATION = ("Paetzold JC, McGinnis J, Shit S, Ezhov I, Büschl P, Prabhakar C, Todorov MI, Sekuboyina A, Kaissis G, "
            "Ertürk A, Günnemann S, Menze BH (2021) Whole Brain Vessel Graphs: A Dataset and Benchmark for Graph "
            "Learning and Neuroscience. NeurIPS 2021 Datasets and Benchmarks Track. arXiv:2108.13233")


@dataclass(frozen=True)
class VesselGraphSource:
    """One published VesselGraph graph (raw Voreen CSVs inside a zip archive)."""

    name: str
    url: str
    description: str
    nodes: int | None = None
    edges: int | None = None
    #: False for the C57BL_6-K18/K19/K20 graphs, which were not made with Voreen (no edge attributes)
    edge_attributes: bool = True
    #: SHA-256 of the zip, where known (none is: LRZ was not reachable); checked before extracting
    archive_sha256: str | None = None

    @property
    def members(self) -> tuple[str, str]:
        """The archive's node and edge lists (bare names: matched at any depth of the zip)."""
        return f"{self.name}_nodes.csv", f"{self.name}_edges.csv"


GRAPHS: dict[str, VesselGraphSource] = {g.name: g for g in (
    VesselGraphSource("BALBc_no1", _LRZ + "fiWxG4k3jRhLNGmW7RHddvKY/BALBc_no1_raw.zip",
                      "BALB/c mouse 1, VesSAP light-sheet whole brain (the graph of OGB's ogbl-vessel)",
                      nodes=3_538_495, edges=5_345_897),
    VesselGraphSource("BALBc_no2", _LRZ + "fiCWEj5mnuwDkgbjww6CAbF4/BALBc_no2_raw.zip", "BALB/c mouse 2, VesSAP"),
    VesselGraphSource("BALBc_no3", _LRZ + "fiBNTpDbmMQoTx6qpoieATMh/BALBc_no3_raw.zip", "BALB/c mouse 3, VesSAP"),
    VesselGraphSource("C57BL_6_no1", _LRZ + "fiToWvNWjmf2165TtStGWG3a/C57BL_6_no1_raw.zip", "C57BL/6 mouse 1, VesSAP"),
    VesselGraphSource("C57BL_6_no2", _LRZ + "fiTs8xQM7yGuD4dSc4uvEWa4/C57BL_6_no2_raw.zip", "C57BL/6 mouse 2, VesSAP"),
    VesselGraphSource("C57BL_6_no3", _LRZ + "fiAmLSy2j5CePwoWcZhZc6Hz/C57BL_6_no3_raw.zip", "C57BL/6 mouse 3, VesSAP"),
    VesselGraphSource("CD1-E_no1", _LRZ + "fiSDag6MmmdUqhNmZAMgMb2U/CD1-E_no1_raw.zip", "CD-1 mouse 1, VesSAP"),
    VesselGraphSource("CD1-E_no2", _LRZ + "fiVtFCYtugvPwvvCSSfWPFzc/CD1-E_no2_raw.zip", "CD-1 mouse 2, VesSAP"),
    VesselGraphSource("CD1-E_no3", _LRZ + "fiMCHhkfr33bFxr2guDWtYYL/CD1-E_no3_raw.zip", "CD-1 mouse 3, VesSAP"),
    VesselGraphSource("C57BL_6-K18", _LRZ + "fi8ZViiaHhwJhyvHCGbVV47y/C57BL_6-K18_raw.zip",
                      "C57BL/6, Kleinfeld lab two-photon graph (not Voreen: no edge attributes)", edge_attributes=False),
    VesselGraphSource("C57BL_6-K19", _LRZ + "fi3RtXSK4pUMks59HF6oPGWm/C57BL_6-K19_raw.zip",
                      "C57BL/6, Kleinfeld lab (no edge attributes)", edge_attributes=False),
    VesselGraphSource("C57BL_6-K20", _LRZ + "fiNyBFDHxYwG4ZXW8iSK5W56/C57BL_6-K20_raw.zip",
                      "C57BL/6, Kleinfeld lab (no edge attributes)", edge_attributes=False),
    VesselGraphSource("synthetic_graph_1", _LRZ + "fiBRoY7z2c3YbgVMXfs5nnUc/synthetic_graph_1_raw.zip",
                      "synthetic vessel volume run through Voreen"),
    VesselGraphSource("synthetic_graph_2", _LRZ + "fiR9Ktp26Zqhv23gmUBkzg5N/synthetic_graph_2_raw.zip", "synthetic"),
    VesselGraphSource("synthetic_graph_3", _LRZ + "fi6gyGJ9Btx5U2AKzoegyscn/synthetic_graph_3_raw.zip", "synthetic"),
    VesselGraphSource("synthetic_graph_4", _LRZ + "fi7ZSVgucX2jyn9hBRtnwPKa/synthetic_graph_4_raw.zip", "synthetic"),
    VesselGraphSource("synthetic_graph_5", _LRZ + "fiFfcKCNE2uK3d5CJ8wxBMo8/synthetic_graph_5_raw.zip", "synthetic"),
)}

SAMPLE = "sample"
#: the same sample graph read from its legacy VTK polydata (``example_graph.vtk``; no edge attributes but radius)
SAMPLE_VTK = "sample_vtk"
SAMPLE_FILES = {
    "example_nodes.csv": "c0183d8bcd43f2e8966d703377c9de7cfac0ad0c6ff6a1105d460f36921f2645",
    "example_edges.csv": "fc939d681f863384588a24e85fa327383e18cb38fa9cc7206a6da57054ab0fa8",
    "example_graph.vtk": "44bf3a7a13fa0e386d649a0085212fa926e854b1c1737034d253dd3d516caae3",
}

RAW_FILES: tuple[RawFile, ...] = tuple(
    RawFile(
        name=name,
        sha256=digest,
        url=_SAMPLE_URL + name,
        mirror_path="vessels/vesselgraph_sample/" + name,
        license="CC BY-NC 4.0",
        how_to_obtain="jocpae/VesselGraph at commit a673cf03, folder sample_data/",
    )
    for name, digest in SAMPLE_FILES.items()
)

SCHEMA = {
    "nodes.parquet": {
        "graph": "string: graph name", "node": "int64: 0..N-1 (row order of the raw file)",
        "raw_id": "int64: id as published", "pos_x": "float64: voxels", "pos_y": "float64", "pos_z": "float64",
        "degree": "int32: recomputed after cleaning (undirected, no self-loops, no duplicates)",
        "raw_degree": "int32: as published (counts self-loops twice and duplicates)",
        "is_at_sample_border": "bool: isAtSampleBorder",
    },
    "edges.parquet": {
        "graph": "string", "edge": "int64: 0..E-1 after cleaning", "raw_id": "int64: id as published",
        "source": "int64: node (the smaller index)", "target": "int64: node (the larger index)",
        **{c: "float64: as published (voxels)" for c in ("length", "distance", "curveness", "avgCrossSection",
                                                          "minRadiusAvg", "minRadiusStd", "avgRadiusAvg",
                                                          "avgRadiusStd", "maxRadiusAvg", "maxRadiusStd",
                                                          "roundnessAvg", "roundnessStd")},
        "volume": "int64", "num_voxels": "int64",
        "has_node_at_sample_border": "bool: hasNodeAtSampleBorder",
        "duplicate_rows": "int32: raw rows merged into this edge (1 = none dropped)",
    },
}

SPEC = DatasetSpec(
    id="vesselgraph",
    version="1.0.0",
    title="VesselGraph whole-brain vessel graphs (Voreen CSV)",
    description=("Whole-brain mouse vessel graphs: bifurcations as nodes, vessel segments as edges with "
                 "geometry and radius features; the real sample file pair is registered, whole brains by URL."),
    license=LICENSE,
    citation=CITATION,
    homepage="https://github.com/jocpae/VesselGraph",
    raw_files=RAW_FILES,
    configs={"graph": (SAMPLE, SAMPLE_VTK, *GRAPHS)},
    schema=SCHEMA,
    required=(),
    card="vesselgraph.md",
    ingest_options={"graph": Option(help="graph(s) to ingest, e.g. sample or BALBc_no1 (comma list)", type="list"),
                    "allow_unverified": Option(help="ingest sources that have no registered SHA-256 (their computed hashes are recorded)", type="flag")},
    details={"graphs": {
        SAMPLE: {"url": _SAMPLE_URL, "license": "CC BY-NC 4.0", "nodes_rows": 2970, "edges_rows": 3062,
                 "sha256": {name: digest for name, digest in SAMPLE_FILES.items()},
                 "format_checked_against": "real upstream file"},
        **{g.name: {"url": g.url, "license": "CC BY-NC 4.0", "description": g.description, "nodes": g.nodes,
                    "edges": g.edges, "edge_attributes": g.edge_attributes,
                    "sha256": "unknown: ingest needs --allow-unverified", "archive_members": list(g.members),
                    "format_checked_against": "the sample's real files (same Voreen writer)"
                    if g.edge_attributes else "not checked (no file of this kind here)"}
           for g in GRAPHS.values()},
    }},
)
