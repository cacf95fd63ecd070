"""FISBe: FlyLight Instance Segmentation Benchmark (Mais et al., CVPR 2024).

101 light-microscopy images of Drosophila brains (multicolor FlyLight, 3 channels, 0.44 um
isotropic, about 400 x 700 x 700 voxels), each with expert instance masks of its neurons: one
channel per neuron, so overlapping neurons keep every voxel. 30 images are completely labelled
(train/val/test 18/5/7), 71 partly labelled (43/12/16).

The release is Zenodo record 10875063 (CC BY 4.0, DOI 10.5281/zenodo.10875063):
``fisbe_v1.0_completely.zip`` and ``fisbe_v1.0_partly.zip``, each a tree
``<completely|partly>/<split>/<sample>.zarr``, registered by ``doi:`` URL (pooch resolves it through
the Zenodo API). ``ingest fisbe --samples S --allow-unverified`` downloads the archive of a sample
not found locally and extracts only ``<labelling>/<split>/<S>.zarr`` (its place from the split list)
into ``<home>/raw/fisbe/``. Their SHA-256s are not known here (the record was not reachable), so the
archives are registered without one (``archive_sha256`` is checked once set) and zarr folders ingest
only with ``--allow-unverified``, except the three real folders of
``shared/data/fisbe`` whose tree digests are registered below (``REGISTERED_TREES``). A tree digest
is the SHA-256 of the sorted lines ``<relative path>  <sha256 of the file>\\n`` of every file in the folder.
"""

from __future__ import annotations

from neuropil._fetch import RawFile
from neuropil.datasets._spec import DatasetSpec, Option

ZENODO_RECORD = "10875063"
_ZENODO = f"https://zenodo.org/records/{ZENODO_RECORD}/files/"
_EVAL_REPO = "https://raw.githubusercontent.com/Kainmueller-Lab/evaluate-instance-segmentation/"
CITATION = ("Mais L, Hirsch P, Managan C, Kandarpa R, Rumberger JL, Reinke A, Maier-Hein L, Ihrke G, Kainmueller D "
            "(2024) FISBe: A real-world benchmark dataset for instance segmentation of long-range thin filamentous "
            "structures. CVPR 2024")
UNKNOWN_SHA256 = ""  # registered without a checksum: never used unverified without --allow-unverified

SPLIT_LIST = RawFile(
    name="sample_list_per_split.txt",
    sha256="748860b095c9af4b8f127e5a252680169a590603a6c4510e798386bbdda75079",
    url=_EVAL_REPO + "cb61d74c74dcf8c700fc0cf5bd4181201c4e7d26/assets/sample_list_per_split.txt",
    mirror_path="fisbe/sample_list_per_split.txt",
    license="MIT (evaluate-instance-segmentation)",
    how_to_obtain="evaluate-instance-segmentation repository, assets/ (also on the Zenodo record)",
)

ZENODO_DOI = f"10.5281/zenodo.{ZENODO_RECORD}"
COMPLETENESS = ("completely", "partly")

#: the release archives, by labelling: a sample's folder is ``<labelling>/<split>/<sample>.zarr`` inside
ARCHIVES: dict[str, RawFile] = {
    labelling: RawFile(name=f"fisbe_v1.0_{labelling}.zip", sha256=UNKNOWN_SHA256,
                       url=f"doi:{ZENODO_DOI}/fisbe_v1.0_{labelling}.zip", license="CC BY 4.0",
                       how_to_obtain=f"{_ZENODO}fisbe_v1.0_{labelling}.zip?download=1; unpack into the folder "
                                     "given as --raw-dir")
    for labelling in COMPLETENESS
}


def archive_member(sample: str, labelling: str, split: str) -> str:
    """Where a sample's zarr folder sits inside its release archive."""
    return f"{labelling}/{split}/{sample}.zarr"


#: zarr folders whose content is known: folder name -> (tree digest, files, provenance)
REGISTERED_TREES: dict[str, tuple[str, int, str]] = {
    "R14A02-20180905_65_A6.zarr": (
        "0022d483cf899c75bbe11c595dc164dd80cbaaa5766f32509364e5f11bfb4923", 851,
        "evaluate-instance-segmentation @68224bc5 tests/gt/ (gt_instances only)"),
    "VT011145-20171222_63_I2.zarr": (
        "0ce04934028f192a9e4ade89baa67db3ced22c7e4ac229c9f75969f2693e1c9c", 516,
        "evaluate-instance-segmentation tests/gt/ (gt_instances only)"),
    "patchperpix_crop.zarr": (
        "bb2cd297120d2a8a336a263b04b6523eec1c5553b0914ab3400a83686d519240", 10,
        "PatchPerPix @37d0bd3e experiments/flylight/: a 3 x 50^3 crop of JRC_SS05008-20160318_24_B2 (partly, val)"),
}
#: samples a registered folder stands for when its name is not a sample name
TREE_SAMPLES = {"patchperpix_crop.zarr": "JRC_SS05008-20160318_24_B2"}

SCHEMA = {
    "images.parquet": {
        "sample": "string: the zarr folder's stem, e.g. R14A02-20180905_65_A6 (patchperpix_crop for the crop)",
        "image_of": "string: the FISBe image it shows (the crop: JRC_SS05008-20160318_24_B2)",
        "split": "string: train | val | test (null if not in the split list)",
        "labelling": "string: completely | partly (null if not in the split list)",
        "file": "string: images/<sample>.h5",
        "shape_z": "int32", "shape_y": "int32", "shape_x": "int32",
        "neurons": "int32: gt_instances channels", "has_raw": "bool",
        "source": "string: the zarr folder read (its tree digest is in the manifest's inputs)",
    },
    "instances.parquet": {
        "sample": "string", "split": "string", "labelling": "string: completely | partly",
        "instance": "int32: label value in the file (channel + 1)", "channel": "int32: gt_instances channel",
        "voxel_count": "int64",
        "bbox_z0": "int32", "bbox_y0": "int32", "bbox_x0": "int32",
        "bbox_z1": "int32: exclusive", "bbox_y1": "int32", "bbox_x1": "int32",
        "dim": "bool: listed in the image's dim_neurons attribute",
        "overlap_voxels": "int64: voxels shared with at least one other neuron",
        "skeleton_voxels": "int64: Lee skeleton (scikit-image skeletonize)",
        "skeleton_length_um": "float64: sum of branch lengths of the unpruned skeleton graph (0.44 um voxels)",
        "graph_nodes": "int32: pruned skeleton graph", "graph_edges": "int32",
    },
    "skeleton_nodes.parquet": {
        "sample": "string", "instance": "int32", "node": "int32: 0-based within the instance",
        "z": "float64: voxel coordinates", "y": "float64", "x": "float64",
        "radius_um": "float64: distance to the mask boundary (Euclidean distance transform x 0.44)",
        "degree": "int32", "kind": "string: endpoint | junction | isolated | loop",
    },
    "skeleton_edges.parquet": {
        "sample": "string", "instance": "int32", "source": "int32", "target": "int32",
        "length_um": "float64: branch length along the skeleton", "voxels": "int32: skeleton voxels of the branch",
    },
    "images/<stem>.h5": {
        "/raw": "uint16 (3, z, y, x), chunked, gzip (absent where the zarr has no volumes/raw)",
        "/gt_instances": "uint8 (neurons, z, y, x), one channel per neuron as published; attr dim_neurons",
    },
}

SPEC = DatasetSpec(
    id="fisbe",
    version="1.0.0",
    title="FISBe: FlyLight instance segmentation benchmark (neuron volumes, skeleton graphs)",
    description=("Multicolor light-microscopy volumes of Drosophila neurons with overlapping instance masks "
                 "(one channel per neuron), their skeleton graphs, and the benchmark's official metrics."),
    license="CC BY 4.0 (data); MIT (split list)",
    citation=CITATION,
    homepage=f"https://zenodo.org/records/{ZENODO_RECORD}",
    # the archives stay out of raw_files: an optional raw file is downloaded when missing, and these
    # are 7 GB with no checksum; a sample's folder is extracted only when asked (--samples, --allow-unverified)
    raw_files=(SPLIT_LIST,),
    configs={"sample": ("R14A02-20180905_65_A6",), "table": ("instances", "images", "skeleton_nodes", "skeleton_edges")},
    schema=SCHEMA,
    required=("sample_list_per_split.txt",),
    card="fisbe.md",
    ingest_options={"allow_unverified": Option(help="ingest sources that have no registered SHA-256 (their computed hashes are recorded)", type="flag")},
    details={"zarr_folders": {name: {"tree_sha256": digest, "files": files, "origin": origin}
                              for name, (digest, files, origin) in REGISTERED_TREES.items()},
             "archives": {raw.name: {"url": raw.url, "sha256": "unknown (Zenodo not reachable here): unverified",
                                     "members": archive_member("<sample>", labelling, "<split>"),
                                     "license": raw.license, "how_to_obtain": raw.how_to_obtain}
                          for labelling, raw in ARCHIVES.items()}},
)
