"""C. elegans whole-brain calcium imaging: the 12 studies homogenized by Simeon et al. 2024.

Only Dag2023 is registered with real files and SHA-256s. The other 11 studies were checked
against fixtures written from the published descriptions (``neuropil.testing.celegans_activity``);
their files have no registered SHA-256, so they ingest only with ``--allow-unverified`` and the
manifest records the hashes computed then. Each study is read from ``<raw-dir>/<Study>/`` (the
layout of the published ``opensource_neural_data`` archive).
"""

from __future__ import annotations

from dataclasses import dataclass

from neuropil._fetch import RawFile
from neuropil.datasets._spec import DatasetSpec, Option

_DAG_REPO = "https://raw.githubusercontent.com/flavell-lab/NSM_5HTR_analysis/47bc3704c13b389d58946e3e76df359c412b8716/data/"
_ARCHIVE = "https://www.dropbox.com/scl/fi/vfygz1twi1jg62cfssc0w/opensource_data.zip"


@dataclass(frozen=True)
class Study:
    id: str
    citation: str
    host: str
    files: str  # what the study folder holds, as published
    #: True where the layout was checked against a fixture only (no real file here)
    fixture_only: bool = True


STUDIES: dict[str, Study] = {s.id: s for s in (
    Study("Kato2015", "Kato S et al. (2015) Global brain dynamics embed the motor command sequence of C. elegans. Cell 163:656-669",
          "https://osf.io/2395t", "WT_Stim.mat, WT_NoStim.mat (MATLAB v7.3)"),
    Study("Nichols2017", "Nichols ALA et al. (2017) A global brain state underlies C. elegans sleep behavior. Science 356:eaam6851",
          _ARCHIVE, "n2_let.mat, n2_prelet.mat, npr1_let.mat, npr1_prelet.mat (v7.3)"),
    Study("Skora2018", "Skora S, Mende F, Zimmer M (2018) Energy scarcity promotes a brain-wide sleep state modulated by "
          "insulin signaling in C. elegans. Cell Rep 22:953-966", _ARCHIVE, "WT_fasted.mat, WT_starved.mat (v7.3)"),
    Study("Kaplan2020", "Kaplan HS et al. (2020) Nested neuronal dynamics orchestrate a behavioral hierarchy across "
          "timescales. Neuron 105:562-576", _ARCHIVE, "Neuron2019_Data_{MNhisCl_RIShisCl,RIShisCl,SMDhisCl_RIShisCl}.mat (v7.3)"),
    Study("Nejatbakhsh2020", "Nejatbakhsh A et al. (2020) Extracting neural signals from semi-immobilized animals with "
          "deformable non-negative matrix factorization. bioRxiv 2020.07.07.192120", "DANDI (NWBelegans)",
          "<subfolder>/*.nwb"),
    Study("Yemini2021", "Yemini E et al. (2021) NeuroPAL: a multicolor atlas for whole-brain neuronal identification in "
          "C. elegans. Cell 184:272-288", _ARCHIVE, "Head_Activity_OH15500.mat, Head_Activity_OH16230.mat, "
          "Tail_Activity_OH16230.mat (MATLAB v5)"),
    Study("Uzel2022", "Uzel K, Kato S, Zimmer M (2022) A set of hub neurons and non-local connectivity features support "
          "global brain dynamics in C. elegans. Curr Biol 32:3443-3459", _ARCHIVE, "Uzel_WT.mat (v7.3)"),
    Study("Dag2023", "Dag U et al. (2023) Dissecting the functional organization of the C. elegans serotonergic system at "
          "whole-brain scale. Cell 186:2574-2592", _DAG_REPO,
          "swf702_with_id/*-data.h5, swf415_no_id/*-data.h5, NeuroPAL_labels_dict.json", fixture_only=False),
    Study("Flavell2023", "Atanas AA, Kim J et al. (2023) Brain-wide representations of behavior spanning multiple timescales "
          "and states in C. elegans. Cell 186:4134-4151", "https://doi.org/10.5281/zenodo.8150515", "<uid>.json"),
    Study("Leifer2023", "Randi F, Sharma AK, Dvali S, Leifer AM (2023) Neural signal propagation atlas of Caenorhabditis "
          "elegans. Nature 623:406-414", "https://osf.io/e2syt/", "{i}_gcamp.txt, {i}_labels.txt, {i}_t.txt, ..."),
    Study("Lin2023", "Lin A et al. (2023) Functional imaging and quantification of multineuronal olfactory responses in "
          "C. elegans. Sci Adv 9:eade1249", _ARCHIVE, "*_prfrd_data*.mat (MATLAB v5)"),
    Study("Venkatachalam2024", "Seyedolmohadesin M et al. (2024) Brain-wide neural activity data in C. elegans. "
          "https://chemosensory-data.worm.world/", "https://chemosensory-data.worm.world/", "*.zip (one CSV each)"),
)}

_DAG_FILES = {
    "NeuroPAL_labels_dict.json": "87de1258db6dceedfc8fa50e73625654f24fc5ebaa2ac44ac4f233fdae700c94",
    "swf415_no_id/2022-01-16-01-data.h5": "baf08b702bfcc1740c14a90960452ffd463c91c50a58a5b10cf545e2748b4d4d",
    "swf415_no_id/2022-05-02-01-data.h5": "bb43dae8c2a470a36a11514c7565c233bc729dfecad7df23a5cea7c43199637f",
    "swf702_with_id/2022-07-26-31-data.h5": "91ad390c64909aaab9626cac4068395eab771c7e749d291880f1797d6c8cf339",
    "swf702_with_id/2022-07-26-38-data.h5": "7c79e42330a697d189cacf50c58586511d6653f3cd2032d4cf56a2417f06c5bf",
    "swf702_with_id/2022-07-27-31-data.h5": "308767b4a97af1339426d3a37facab6ee98fdbb44f11781c74819c6caaa913e4",
    "swf702_with_id/2022-07-27-38-data.h5": "7c52ac34984b36ad59e5624ddfd472a171b025729337ef18bfe0628efa2022e0",
    "swf702_with_id/2022-07-27-45-data.h5": "ff1b886b43e4ad09b9c01e122a7bfeffeb525965dd3d84221757d93c6d153be8",
    "swf702_with_id/2022-08-02-31-data.h5": "99cfd0e6ba506c3635a28c3402ebbfd191ef219db8005250d5f2e6fdadbf981b",
    "swf702_with_id/2022-08-02-38-data.h5": "9f21ff94da259d8938b13cdcd6f8714a28b6d70345797ddaeab4b0fb71c6d601",
}

_LABELS_JLD2 = _DAG_REPO + "receptor_expression/NeuroPAL_labels_dict.jld2"
#: the labels are published only as Julia JLD2; the registered JSON is computed from it
_DERIVE_LABELS = ("julia -e 'using JLD2, JSON; open(\"NeuroPAL_labels_dict.json\", \"w\") do f; "
                  "JSON.print(f, load(\"NeuroPAL_labels_dict.jld2\", \"NeuroPAL_labels\"), 1); end' "
                  "(the registered SHA-256 is of the copy in the shared mirror)")


def _dag_file(relative: str, sha256: str) -> RawFile:
    derived = relative.endswith(".json")
    return RawFile(
        name=f"Dag2023/{relative}",
        sha256=sha256,
        url=_LABELS_JLD2 if derived else _DAG_REPO + relative,
        mirror_path=f"celegans/dag2023/{relative}",
        license="none stated (data of Dag et al. 2023)",
        how_to_obtain=("a JSON decoding {uid: [index_map, class_map]} of the repository's NeuroPAL_labels_dict.jld2"
                       if derived else "flavell-lab/NSM_5HTR_analysis, data/"),
        derived_from=_LABELS_JLD2 if derived else None,
        derive_with=_DERIVE_LABELS if derived else "",
    )


RAW_FILES: tuple[RawFile, ...] = tuple(_dag_file(relative, digest) for relative, digest in _DAG_FILES.items())

SCHEMA = {
    "recordings.parquet": {
        "recording": "int32: row of this table = group /recordings/<recording> in activity.h5",
        "study": "string", "worm": "string: id unique within the study", "file": "string: source file in the study folder",
        "condition": "string or null", "timesteps": "int32: original samples", "median_dt": "float64: original, s",
        "duration": "float64: s", "neurons_recorded": "int32", "neurons_labelled": "int32: mapped to the canonical axis",
        "grid_timesteps": "int32: samples on the common grid",
    },
    "neurons.parquet": {
        "recording": "int32", "study": "string", "worm": "string", "local_id": "int32: column in the source traces",
        "raw_label": "string: as published (JSON for candidate lists), null if none",
        "label": "string: canonical label or null", "canonical_index": "int32 or null (0..299)",
        "label_status": "string: labelled | unlabelled | ambiguous | duplicate | unmapped",
        "candidates": "list<string>: canonical candidates of an ambiguous label",
        "mean": "float64: of the resampled trace (z-scoring)", "std": "float64", "all_nan": "bool",
        "missing_fraction": "float64: on the common grid",
    },
    "skipped.parquet": {"study": "string", "worm": "string", "file": "string", "reason": "string"},
    "activity.h5": {
        "/recordings/<i>/raw_traces": "(T, N) float64 as published", "/recordings/<i>/raw_time": "(T,) s from 0",
        "/recordings/<i>/traces": "(T', N) float32 processed (resampled, normalised)", "/recordings/<i>/time": "(T',) s",
        "/recordings/<i>/mask": "(T', N) bool: True where a value was observed",
    },
}

SPEC = DatasetSpec(
    id="celegans-activity",
    version="1.0.0",
    title="C. elegans whole-brain calcium activity (12 studies)",
    description="Whole-brain calcium recordings of 12 studies on one time base and the canonical neuron axis.",
    license="per study; Dag2023: none stated",
    citation="; ".join(s.citation for s in STUDIES.values()),
    homepage="https://huggingface.co/datasets/qsimeon/celegans_neural_data",
    raw_files=RAW_FILES,
    configs={"source": ("Dag2023", *[s for s in STUDIES if s != "Dag2023"], "all")},
    schema=SCHEMA,
    required=(),
    card="celegans-activity.md",
    ingest_options={"source": Option(help="activity studies to ingest: a name, a comma list or 'all'", type="list",
                                     empty="names no study (expected a name, a comma list or 'all')"),
                    "dt": Option(help="common time step in seconds (1/3)", type="float"),
                    "allow_unverified": Option(help="ingest sources that have no registered SHA-256 (their computed hashes are recorded)", type="flag")},
    details={"studies": {
        study.id: {"citation": study.citation, "host": study.host, "files": study.files,
                   "sha256": "registered" if not study.fixture_only else "unknown: ingest needs --allow-unverified",
                   "format_checked_against": "fixture only" if study.fixture_only else "real upstream files"}
        for study in STUDIES.values()
    }},
)
