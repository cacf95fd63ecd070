"""C. elegans connectomes: 34 published annotations and layers (both sexes, dauer, extrasynaptic, contact) on one axis.

Sources: twenty-seven files ship inside the PyPI package ``cect`` (pinned to the version whose files match the
registered SHA-256s); the Randi 2023 signal-propagation atlas inside ``wormneuroatlas`` (GPL, which
cect pulls in; also the ``atlas`` extra). White 1986 JSE and the neuron attributes (class, type,
neurotransmitter, position: the worm-graph master sheet) ship inside neuropil itself, unchanged
with worm-graph's MIT licence (``datasets/data/worm-graph/``): no installed package holds them, and
without them an offline default ingest would be smaller.
"""

from __future__ import annotations

from dataclasses import dataclass

from neuropil._fetch import RawFile
from neuropil.datasets._spec import DatasetSpec, Option

CECT = "cect==0.3.5"
_CECT_URL = "https://raw.githubusercontent.com/openworm/ConnectomeToolbox/main/cect/data/"
_WORM_GRAPH = "https://raw.githubusercontent.com/qsimeon/worm-graph/"


def _cect_file(name: str, sha256: str, license: str) -> RawFile:
    return RawFile(
        name=name,
        sha256=sha256,
        url=_CECT_URL + name.replace(" ", "%20"),
        package="cect",
        package_path=f"data/{name}",
        package_requirement=CECT,
        license=license,
        how_to_obtain=f"pip install {CECT}",
    )


def _worm_graph_file(name: str, sha256: str, commit: str) -> RawFile:
    return RawFile(
        name=name,
        sha256=sha256,
        url=f"{_WORM_GRAPH}{commit}/data/raw/{name}",
        mirror_path=f"celegans/worm-graph/{name}",
        package="neuropil.datasets",
        package_path=f"data/worm-graph/{name}",
        license="MIT (worm-graph, Copyright (c) 2022 MetaConscious Group)",
        how_to_obtain="shipped with neuropil (neuropil/datasets/data/worm-graph/); upstream worm-graph, data/raw/",
    )


RAW_FILES: tuple[RawFile, ...] = (
    _cect_file("CElegansNeuronTables.xls", "e6e2d51cd6a056c6058ec163bf6020d1a43a0a8d48719f09dddd8687c3956d74", "MIT (cect)"),
    _cect_file("NeuronConnect.xls", "b5e32612967ff277c91ba37463bd03a85678bd8e65a4861abc6516323b6ff5f3", "MIT (cect); data WormAtlas"),
    _cect_file("witvliet_2020_1 L1.xlsx", "e988deaa25d290786434a23131c1bf3f144e3ca07980233a6edbfcfb8d4d30be", "MIT (cect)"),
    _cect_file("witvliet_2020_2 L1.xlsx", "b365bdd96dea52c261c748232dd5d333671721865be1282f3b7efa806d010e2a", "MIT (cect)"),
    _cect_file("witvliet_2020_3 L1.xlsx", "d94d522af2a64177ebef0dea0951b2a252eb973bbed01a85a19aaafe4ff0244b", "MIT (cect)"),
    _cect_file("witvliet_2020_4 L1.xlsx", "10f16bd1f122288e9111acabccbf3fbd4811b861ce6e3293600d4eb5e42e4fbe", "MIT (cect)"),
    _cect_file("witvliet_2020_5 L2.xlsx", "011ebda64c379fa066254ddd5c8ff0ab89621e1e85e8d31ffc0b37b9602fc163", "MIT (cect)"),
    _cect_file("witvliet_2020_6 L3.xlsx", "9b342751812bf42733ae7c0de8b40f41ea0af0c5c560215d59525631b220b177", "MIT (cect)"),
    _cect_file("witvliet_2020_7 adult.xlsx", "d0fd2dd32adbe5f04ce90a2e5b74c01c9a831876527b0a2b8bd5b94edc86b037", "MIT (cect)"),
    _cect_file("witvliet_2020_8 adult.xlsx", "fdead89606257c1b26e57069fbe1de14c7696633b75b59b79e74c0bcc3497e62", "MIT (cect)"),
    _cect_file("aconnectome_white_1986_whole.csv", "c8aac78756b71f6337629951e5f4211448e85d148f6db9b367b2cd0450bb403a", "MIT (cect)"),
    _cect_file("white_1986_n2u.csv", "6b63f6c0281b7bbc3be75fa3962e26caa020ddf3756bfc8dd9aad6577655fc16", "MIT (cect)"),
    _cect_file("white_1986_jsh.csv", "afe7a37a5bae62630a773b5e7815a408e3a72063caf0ed49ecc91e213077fb12", "MIT (cect)"),
    _cect_file(
        "SI 5 Connectome adjacency matrices, corrected July 2020.xlsx",
        "1f4fdbf84746b69b49a8da0816f52787860ce349b638dce37924ba80f90c70c9",
        "MIT (cect); data Cook et al. 2019",
    ),
    _cect_file("41467_2024_45943_MOESM6_ESM.xlsx", "7c4f1105c5e49da7ccf010c5b0f8ca8ecdcdd32c4f8cb1170c5553f8eb2ec673",
               "MIT (cect); data Yim et al. 2024, Nat Commun (CC BY 4.0)"),
    _cect_file("edgelist_MA.csv", "5a206a6743479f4ae11eb82456378051c5d9aeb56ea5c1f82b121671c7fa2aa3",
               "MIT (cect); data Bentley et al. 2016, PLoS Comput Biol (CC BY 4.0)"),
    _cect_file("edgelist_NP.csv", "bec5f0c9526db1523ed73fb6a8b386de95d48a2fd5eae75a9a4889758102389b",
               "MIT (cect); data Bentley et al. 2016, PLoS Comput Biol (CC BY 4.0)"),
    _cect_file("01022024_neuropeptide_connectome_short_range_model.csv",
               "ee630f66dbb78a49d1818bd5209f1f9a0ee46400c061126e30d0d0a4b9d2e44d",
               "MIT (cect); data Ripoll-Sanchez et al. 2023, Neuron (CC BY 4.0)"),
    _cect_file("01022024_neuropeptide_connectome_mid_range_model.csv",
               "97569885d58d947c2526e6ecc26c8b191b074d1b065f4da224102298203ad141",
               "MIT (cect); data Ripoll-Sanchez et al. 2023, Neuron (CC BY 4.0)"),
    _cect_file("01022024_neuropeptide_connectome_long_range_model.csv",
               "57ebc0919860bafcb866e63f5ae06b8b5d59427897d8bd230b4461bfa833f6fe",
               "MIT (cect); data Ripoll-Sanchez et al. 2023, Neuron (CC BY 4.0)"),
    _cect_file("cne24932-sup-0004-supinfo4.csv", "0ca589bd56be6010eef4dc5ea82424949e775037c51380c4a1f539bec9805d25",
               "MIT (cect); data Cook et al. 2020, J Comp Neurol"),
    _cect_file("41586_2021_3284_MOESM5_ESM.xlsx", "b5c08b46971422e2bc22449e271592745e3ab21ea50ade6c77bd1cffacd62c7a",
               "MIT (cect); data Brittin et al. 2021, Nature (licence unverified)"),
    _cect_file("neurodata.txt", "e4cd6f02499a8cce7b780fa11076645b443ba509001782ae5844ff0b4d27b56c",
               "MIT (cect); data Durbin 1987 PhD thesis (licence unverified)"),
    _cect_file("CeConnMtrcs_170626.mat", "ba8dc12911c66d438c28de58f3dc606364b1cd07dae0bd449e99eea50a3c3bde",
               "MIT (cect); data Haspel & O'Donovan 2011, J Neurosci (licence unverified)"),
    _cect_file("41467_2024_45943_MOESM9_ESM.xlsx", "0c59a709b162cd329ef8a43c5e6b3c51569991990a1e70f09dc8aa967d2af9e2",
               "MIT (cect); data Yim et al. 2024, Nat Commun (CC BY 4.0)"),
    _cect_file("elife-95402-supp2-v1.xlsx", "0013e4b5f366b82a6b0ec0d682c3bace4027545c957823841293de93feafc0e2",
               "MIT (cect); data Wang et al. 2024, eLife (CC BY 4.0)"),
    _cect_file("elife-95402-supp3-v1.xlsx", "34e8fddd31bcb2227d30c31cabb0d0c6d98d477140974d89d48d423987a41724",
               "MIT (cect); data Wang et al. 2024, eLife (CC BY 4.0)"),
    _worm_graph_file("white_1986_jse.csv", "a80fc1805528f59c2f4520e4fdd2bc438b3ef5e282329042cdfa747dc83f887b",
                     "3f6c83a0"),
    RawFile(
        name="funatlas.h5",
        sha256="53a99055667b853e1d3d6be573ec2613d38c9f6989f302ec38ecd38dd50c7975",
        url="https://files.pythonhosted.org/packages/source/w/wormneuroatlas/wormneuroatlas-0.0.7.3.tar.gz",
        mirror_path="celegans/wormneuroatlas/funatlas.h5",
        package="wormneuroatlas",
        package_path="data/funatlas.h5",
        package_requirement="wormneuroatlas==0.0.7.3",
        # the URL is the sdist (SHA-256 a3547764...2d90); the file is this member of it
        archive_member="wormneuroatlas-0.0.7.3/wormneuroatlas/data/funatlas.h5",
        license="GPL-3.0-or-later (wormneuroatlas)",
        how_to_obtain="pip install 'neuropil[atlas]' (installs wormneuroatlas==0.0.7.3, GPL)",
    ),
    _worm_graph_file("neuron_master_sheet.csv", "f3273b529c7542cf6b1d61b438d0e87526e32166b74d464fcaefe4700d87a558",
                     "f1d6175e"),
)


@dataclass(frozen=True)
class ConnectomeSource:
    """One published connectome annotation and how to read it."""

    id: str
    raw_file: str
    reader: str  # name of the reader function in neuropil.pipelines.celegans_connectomes
    weight: str  # what the weight column counts
    citation: str
    stage: str = "adult"  # developmental stage of the animal (L1, L2, L3, L4, adult, dauer)
    sex: str = "hermaphrodite"
    #: hours after birth (hatching), for connectomes of a developmental series
    age_hours: float | None = None
    #: the developmental series this connectome belongs to (``load(..., connectome=<series>, series=True)``)
    series: str | None = None
    #: part of the consensus table; later additions stay out so that the published consensus is unchanged
    in_consensus: bool = True
    #: a layer of extrasynaptic (monoamine / neuropeptide) signalling, not a synaptic wiring diagram; also
    #: Wang 2024, whose monoamine edges sit beside its chemical ones (another edge_attr width)
    extrasynaptic: bool = False
    #: a contactome: membrane contact between cells (edge type ``contact``), not a synaptic wiring diagram
    contact: bool = False
    #: further raw files the reader takes after ``raw_file`` (Wang 2024 builds on Cook 2019 and Bentley 2016)
    extra_files: tuple[str, ...] = ()

    @property
    def files(self) -> tuple[str, ...]:
        return (self.raw_file, *self.extra_files)

    @property
    def layer_only(self) -> bool:
        """Edge types of its own (monoamine, neuropeptide, contact): added to a wiring diagram with
        ``layers=(...)``, never collated with wiring diagrams."""
        return self.extrasynaptic or self.contact


_WHITE = "White JG, Southgate E, Thomson JN, Brenner S (1986) Phil Trans R Soc Lond B 314:1-340"
_WITVLIET = "Witvliet D et al. (2021) Connectomes across development reveal principles of brain maturation. Nature 596:257-261"
_BENTLEY = ("Bentley B et al. (2016) The multilayer connectome of Caenorhabditis elegans. "
            "PLoS Comput Biol 12:e1005283")
_RIPOLL = ("Ripoll-Sanchez L et al. (2023) The neuropeptidergic connectome of C. elegans. Neuron 111:3570-3589")
_BRITTIN = ("Brittin CA, Cook SJ, Hall DH, Emmons SW, Cohen N (2021) A multi-scale brain map derived from "
            "whole-brain volumetric reconstructions. Nature 591:105-110")
_DURBIN = ("Durbin RM (1987) Studies on the development and organisation of the nervous system of "
           "Caenorhabditis elegans. PhD thesis, University of Cambridge")
_YIM = "Yim H et al. (2024) Comparative connectomics of dauers reveals developmental plasticity. Nat Commun 15:1546"
_RANDI = ("Randi F, Sharma AK, Dvali S, Leifer AM (2023) Neural signal propagation atlas of Caenorhabditis elegans. "
          "Nature 623:406-414")
_WANG = ("Wang C et al. (2024) A neurotransmitter atlas of C. elegans males and hermaphrodites. "
         "eLife 13:RP95402")
_COOK_FILE = "SI 5 Connectome adjacency matrices, corrected July 2020.xlsx"
_VARSHNEY = "Varshney LR, Chen BL, Paniagua E, Hall DH, Chklovskii DB (2011) PLoS Comput Biol 7:e1001066"

CONNECTOMES: dict[str, ConnectomeSource] = {
    source.id: source
    for source in (
        ConnectomeSource("openworm", "CElegansNeuronTables.xls", "read_openworm", "synapse count",
                         "OpenWorm CElegansNeuronTables.xls, after " + _VARSHNEY),
        ConnectomeSource("chklovskii", "NeuronConnect.xls", "read_chklovskii", "synapse count", _VARSHNEY),
        ConnectomeSource("witvliet_7", "witvliet_2020_7 adult.xlsx", "read_edge_table", "synapse count", _WITVLIET,
                         age_hours=50.0, series="witvliet_2021"),
        ConnectomeSource("witvliet_8", "witvliet_2020_8 adult.xlsx", "read_edge_table", "synapse count", _WITVLIET,
                         age_hours=50.0, series="witvliet_2021"),
        ConnectomeSource("white_1986_whole", "aconnectome_white_1986_whole.csv", "read_edge_table", "synapse count", _WHITE),
        ConnectomeSource("white_1986_n2u", "white_1986_n2u.csv", "read_edge_table", "synapse count", _WHITE),
        ConnectomeSource("white_1986_jsh", "white_1986_jsh.csv", "read_edge_table", "synapse count", _WHITE,
                         stage="L4"),
        ConnectomeSource("white_1986_jse", "white_1986_jse.csv", "read_edge_table", "synapse count", _WHITE),
        ConnectomeSource("cook_2019", "SI 5 Connectome adjacency matrices, corrected July 2020.xlsx", "read_cook",
                         "EM section count",
                         "Cook SJ et al. (2019) Whole-animal connectomes of both Caenorhabditis elegans sexes. Nature 571:63-71"),
        ConnectomeSource("randi_2023", "funatlas.h5", "read_funatlas", "mean dF/F of the responder (wt)", _RANDI),
        ConnectomeSource("randi_2023_unc31", "funatlas.h5", "read_funatlas_unc31",
                         "mean dF/F of the responder (unc-31 mutants: no dense-core-vesicle release)", _RANDI,
                         in_consensus=False),
        ConnectomeSource("cook_2019_male", "SI 5 Connectome adjacency matrices, corrected July 2020.xlsx",
                         "read_cook_male", "EM section count",
                         "Cook SJ et al. (2019) Whole-animal connectomes of both Caenorhabditis elegans sexes. Nature 571:63-71",
                         sex="male", in_consensus=False),
        *(ConnectomeSource(f"yim_2024_dauer{suffix}", "41467_2024_45943_MOESM6_ESM.xlsx", f"read_yim_dauer{suffix}",
                           weight, _YIM, stage="dauer", in_consensus=False)
          for suffix, weight in (("", "active-zone volume (summed per pair)"),
                                 ("_normalized", "active-zone volume / SD of the weights without the top 5%"))),
        ConnectomeSource("bentley_2016_monoamine", "edgelist_MA.csv", "read_bentley_monoamine",
                         "ligand-receptor pairs (1 per row of the edge list)", _BENTLEY, in_consensus=False,
                         extrasynaptic=True),
        ConnectomeSource("bentley_2016_neuropeptide", "edgelist_NP.csv", "read_bentley_neuropeptide",
                         "ligand-receptor pairs (1 per row of the edge list)", _BENTLEY, in_consensus=False,
                         extrasynaptic=True),
        *(ConnectomeSource(f"ripoll_sanchez_2023_{reach}", f"01022024_neuropeptide_connectome_{reach}_range_model.csv",
                           "read_ripoll_sanchez", "neuropeptide-GPCR pairs", _RIPOLL, in_consensus=False,
                           extrasynaptic=True)
          for reach in ("short", "mid", "long")),
        ConnectomeSource("cook_2020_pharynx", "cne24932-sup-0004-supinfo4.csv", "read_cook_2020", "synapse count",
                         "Cook SJ, Crouse CM, Yemini E, Hall DH, Emmons SW, Hobert O (2020) The connectome of the "
                         "Caenorhabditis elegans pharynx. J Comp Neurol 528:2767-2784", in_consensus=False),
        ConnectomeSource("brittin_2021", "41586_2021_3284_MOESM5_ESM.xlsx", "read_brittin_2021",
                         "contact area, mean over the four nerve-ring sides (unit as in the source)", _BRITTIN,
                         stage="L4 + adult", in_consensus=False, contact=True),
        *(ConnectomeSource(f"durbin_1987_{animal}", "neurodata.txt", f"read_durbin_{animal}", "synapse count",
                           _DURBIN, stage=stage, in_consensus=False)
          for animal, stage in (("n2u", "adult"), ("jsh", "L4"))),
        ConnectomeSource("haspel_odonovan_2011", "CeConnMtrcs_170626.mat", "read_haspel_odonovan",
                         "model synapse count (magnitude; edges.sign -1 inhibitory, +1 excitatory)",
                         "Haspel G, O'Donovan MJ (2011) A perimotor framework reveals functional segmentation in "
                         "the motoneuronal network controlling locomotion in Caenorhabditis elegans. "
                         "J Neurosci 31:14611-14623", in_consensus=False),
        *(ConnectomeSource(f"yim_2024_dauer_contact{suffix}", "41467_2024_45943_MOESM9_ESM.xlsx",
                           f"read_yim_contact{suffix}", weight, _YIM, stage="dauer", in_consensus=False, contact=True)
          for suffix, weight in (("", "contact area (nm^2, total per pair)"),
                                 ("_normalized", "contact area / SD of the areas without the top 5%"))),
        # the atlas has no synapses of its own: cect's construction over Cook 2019 and Bentley 2016
        ConnectomeSource("wang_2024_herm", "elife-95402-supp2-v1.xlsx", "read_wang_2024_herm",
                         "transmitter records (1 per classical transmitter / monoamine of the presynaptic neuron)",
                         _WANG, in_consensus=False, extrasynaptic=True, extra_files=(_COOK_FILE, "edgelist_MA.csv")),
        ConnectomeSource("wang_2024_male", "elife-95402-supp3-v1.xlsx", "read_wang_2024_male",
                         "transmitter records (1 per classical transmitter / monoamine of the presynaptic neuron)",
                         _WANG, sex="male", in_consensus=False, extrasynaptic=True,
                         extra_files=("elife-95402-supp2-v1.xlsx", _COOK_FILE, "edgelist_MA.csv")),
        # Witvliet 2021 datasets 1-6; ages are the paper's (Fig. 1a: hours after birth), cect carries none
        *(ConnectomeSource(f"witvliet_{number}", f"witvliet_2020_{number} {stage}.xlsx", "read_edge_table",
                           "synapse count", _WITVLIET, stage=stage, age_hours=age, series="witvliet_2021",
                           in_consensus=False)
          for number, stage, age in ((1, "L1", 0.0), (2, "L1", 5.0), (3, "L1", 8.0), (4, "L1", 16.0),
                                     (5, "L2", 23.0), (6, "L3", 27.0))),
    )
}

#: connectomes typed by the Wang et al. 2024 atlas: their PyG graphs carry it as node attributes
TRANSMITTER_CONNECTOMES = ("wang_2024_herm", "wang_2024_male")

#: developmental series id -> its connectomes, ordered by age (ties by dataset number)
SERIES: dict[str, tuple[str, ...]] = {
    name: tuple(sorted((c for c, s in CONNECTOMES.items() if s.series == name),
                       key=lambda c: (CONNECTOMES[c].age_hours, list(CONNECTOMES).index(c))))
    for name in dict.fromkeys(s.series for s in CONNECTOMES.values() if s.series)
}
CONSENSUS_CONNECTOMES = tuple(c for c, s in CONNECTOMES.items() if s.in_consensus)


def catalogue() -> dict[str, dict[str, object]]:
    """Per connectome: what ``neuropil info`` lists beside the ingested stats (source, licence, citation)."""
    licenses = {raw.name: raw.license for raw in RAW_FILES}
    return {
        c: {"raw_file": s.raw_file, "license": licenses[s.raw_file], "citation": s.citation, "weight": s.weight,
            "sex": s.sex, "stage": s.stage, "age_hours": s.age_hours, "series": s.series,
            "in_consensus": s.in_consensus}
        for c, s in CONNECTOMES.items()
    }

#: later types last, so the codes of the first ones never change
EDGE_TYPES = ("chemical", "electrical", "functional", "monoamine", "neuropeptide", "contact")
#: symmetric relations: one row per unordered pair (pre_index <= post_index), both directions in graphs
UNDIRECTED_TYPES = ("electrical", "contact")
#: the signal-propagation atlases (functional edges): their graphs carry the functional column by default
FUNCTIONAL_CONNECTOMES = ("randi_2023", "randi_2023_unc31")
NEURON_TYPES = ("sensory", "inter", "motor", "pharyngeal")

SCHEMA = {
    "neurons.parquet": {
        "index": "int32: position on the canonical axis (0..299, labels sorted as Python sorts str)",
        "label": "string: canonical neuron label (302 hermaphrodite neurons minus CANL/CANR)",
        "class": "string: neuron class (e.g. ADA for ADAL/ADAR)",
        "type": "string: sensory | inter | motor | pharyngeal (null if the master sheet is unavailable)",
        "neurotransmitter": "string: as in the worm-graph master sheet",
        "x": "float64: position (worm-graph master sheet)",
        "y": "float64",
        "z": "float64",
    },
    "edges.parquet": {
        "connectome": "string: connectome id",
        "pre_index": "int32", "post_index": "int32",
        "pre": "string: canonical label", "post": "string: canonical label",
        "type": "string: chemical | electrical | functional | monoamine | neuropeptide | contact",
        "weight": "float64: synapse count; EM section count for cook_2019; dF/F for randi_2023; contact area for "
                  "contact; see each source's weight",
        "pre_raw": "string: label as the source spells it", "post_raw": "string",
        "q": "float64: randi_2023 q-value (null elsewhere)",
        "polyadic_synapses": "float64: chklovskii synapses from Sp rows (null elsewhere)",
        "sign": "float64: haspel_odonovan_2011 -1 inhibitory / +1 excitatory (null elsewhere)",
    },
    "partner_edges.parquet": {
        "connectome": "string", "pre": "string", "post": "string",
        "pre_kind": "string: neuron | muscle | other_cell", "post_kind": "string",
        "type": "string", "weight": "float64",
    },
    "unmapped.parquet": {"connectome": "string", "raw_label": "string", "rows": "int64: source rows naming it"},
    "transmitters.parquet": {
        "sex": "string: hermaphrodite | male (the Wang et al. 2024 atlas; the male's sex-shared rows from supp. file 2)",
        "label": "string: cell label as on cells.parquet (DX4, EF4, CP0: named by the atlas, not on the axis)",
        "raw_label": "string: as the sheet spells it (DB1/3, DX1/2)",
        "rank": "int64: 1-3, the sheet's Neurotransmitter(s) column",
        "transmitter": "string: acetylcholine, glutamate, GABA, betaine, dopamine, serotonin, tyramine, octopamine, "
                       "or a non-releasing entry (serotonin uptake, 5-HTP, orphan, unknown monoamine, ...)",
        "edge_type": "string: chemical | monoamine (the edges it gives in wang_2024_*), null for none",
        "transmitter_raw": "string: as the sheet writes it ('*Glu - NEW')",
    },
    "cells.parquet": {
        "index": "int32: position on the axis='all' axis (0..299 = neurons.parquet, then CANL/CANR, the 90 "
                 "male-specific neurons, then every non-neuronal cell a source names, by class then label)",
        "label": "string: cell label (body-wall muscles spelled as Cook 2019: dBWML5)",
        "cell_class": "string: neuron | male_neuron | muscle | other_cell | model_neuron | unknown",
    },
    "cell_edges.parquet": {
        "connectome": "string", "pre_index": "int32: cells.parquet index", "post_index": "int32",
        "pre": "string", "post": "string", "type": "string: chemical | electrical | contact",
        "weight": "float64: as in edges.parquet; every edge with an end off the 300-neuron axis",
    },
    "extrasynaptic.parquet": {
        "connectome": "string: bentley_2016_monoamine | bentley_2016_neuropeptide",
        "pre_index": "int32", "post_index": "int32", "pre": "string: releasing neuron", "post": "string: receiving",
        "type": "string: monoamine | neuropeptide", "ligand": "string: e.g. dopamine, flp-1",
        "receptor": "string: e.g. dop-1, npr-11 (one row per ligand-receptor pair)",
    },
    "consensus.parquet": {
        "pre_index": "int32", "post_index": "int32", "pre": "string", "post": "string", "type": "string",
        "n_reporting": "int32: connectome annotations with this edge (several re-read the same micrographs)",
        "n_series": "int32: independent EM series (animals) that must have shown it, a lower bound "
                    "(neuropil.pipelines.celegans_consensus.EM_SERIES)",
        "n_covering": "int32: connectomes whose annotated region covers both neurons",
        "weight_mean": "float64: over every reporting connectome, in synapses (chemical, electrical; EM section "
                       "counts converted by the manifest's consensus_section_ratios) or dF/F (functional)",
        "weight_median": "float64: same unit", "weight_std": "float64: same unit (ddof=0)",
        "sources": "list<string>: reporting connectome ids",
        "series": "list<string>: the series counted in n_series",
    },
}

SPEC = DatasetSpec(
    id="celegans-connectomes",
    version="1.0.0",
    title="C. elegans connectomes (34: Witvliet 2021 series, Cook 2019 male, Yim 2024 dauer, pharynx, extrasynaptic, "
          "contactomes, Durbin 1987, Haspel 2011, Wang 2024 transmitters)",
    description=(
        "Thirty-four published C. elegans connectome annotations and layers (chemical, electrical, the functional "
        "atlas (wild type and unc-31), monoamine and neuropeptide signalling, membrane contact; the Witvliet 2021 developmental series L1 to adult; the Cook "
        "2019 male; the Yim 2024 dauer; the Cook 2020 pharynx; the Brittin 2021 and Yim 2024 contactomes; Durbin's "
        "1987 N2U / JSH tables; the Haspel & O'Donovan 2011 ventral-cord model; the Wang 2024 neurotransmitter "
        "atlas, both sexes) on one canonical "
        "300-neuron axis (axis='all': every cell, male-specific neurons and muscles included), with a consensus table of the first ten annotations (the series adds no consensus member)."
    ),
    license="mixed: MIT (cect, worm-graph); wormneuroatlas data GPL-3.0-or-later; see sources",
    citation="; ".join(dict.fromkeys(s.citation for s in CONNECTOMES.values())),
    homepage="https://github.com/openworm/ConnectomeToolbox",
    raw_files=RAW_FILES,
    configs={"connectome": (*CONNECTOMES, "consensus")},
    details={"connectome_catalogue": catalogue(), "series": {name: list(ids) for name, ids in SERIES.items()}},
    schema=SCHEMA,
    required=tuple(r.name for r in RAW_FILES if r.package == "cect"),
    card="celegans-connectomes.md",
    ingest_options={"q_threshold": Option(help="Randi 2023 atlas q-value threshold (0.05)", type="float"),
                    "strict": Option(help="fail on any label the name table cannot map", type="flag")},
)
