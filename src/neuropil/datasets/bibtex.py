"""BibTeX for every source a dataset cites (``neuropil info --bibtex ID``, the Hugging Face card).

One entry per publication; a spec's ``citation`` (sources joined by ``"; "``) is matched entry by
entry on first author and year, and a source with no entry raises instead of being dropped.
Only fields stated in the spec's citation or the publisher's record are filled; "and others"
stands for the authors the citation abbreviates as "et al.".
"""

from __future__ import annotations

import re

from neuropil.errors import DatasetNotFoundError

#: key -> (entry type, fields); the key is ``<first author surname><year>`` as the citation starts
REFERENCES: dict[str, tuple[str, dict[str, str]]] = {
    "Kato2015": ("article", {
        "author": "Kato, Saul and others", "year": "2015", "journal": "Cell", "volume": "163", "pages": "656--669",
        "title": "Global brain dynamics embed the motor command sequence of {Caenorhabditis elegans}",
        "doi": "10.1016/j.cell.2015.09.034"}),
    "Nichols2017": ("article", {
        "author": "Nichols, Annika L. A. and others", "year": "2017", "journal": "Science", "volume": "356",
        "pages": "eaam6851", "title": "A global brain state underlies {C. elegans} sleep behavior",
        "doi": "10.1126/science.aam6851"}),
    "Skora2018": ("article", {
        "author": "Skora, Susanne and Mende, Fanny and Zimmer, Manuel", "year": "2018", "journal": "Cell Reports",
        "volume": "22", "pages": "953--966",
        "title": "Energy scarcity promotes a brain-wide sleep state modulated by insulin signaling in {C. elegans}",
        "doi": "10.1016/j.celrep.2017.12.091"}),
    "Kaplan2020": ("article", {
        "author": "Kaplan, Harris S. and others", "year": "2020", "journal": "Neuron", "volume": "105",
        "pages": "562--576", "title": "Nested neuronal dynamics orchestrate a behavioral hierarchy across timescales",
        "doi": "10.1016/j.neuron.2019.10.037"}),
    "Nejatbakhsh2020": ("misc", {
        "author": "Nejatbakhsh, Amin and others", "year": "2020", "howpublished": "bioRxiv 2020.07.07.192120",
        "title": "Extracting neural signals from semi-immobilized animals with deformable non-negative matrix "
                 "factorization", "doi": "10.1101/2020.07.07.192120"}),
    "Yemini2021": ("article", {
        "author": "Yemini, Eviatar and others", "year": "2021", "journal": "Cell", "volume": "184",
        "pages": "272--288",
        "title": "{NeuroPAL}: a multicolor atlas for whole-brain neuronal identification in {C. elegans}",
        "doi": "10.1016/j.cell.2020.12.012"}),
    "Uzel2022": ("article", {
        "author": "Uzel, Kerem and Kato, Saul and Zimmer, Manuel", "year": "2022", "journal": "Current Biology",
        "volume": "32", "pages": "3443--3459",
        "title": "A set of hub neurons and non-local connectivity features support global brain dynamics in "
                 "{C. elegans}", "doi": "10.1016/j.cub.2022.06.039"}),
    "Dag2023": ("article", {
        "author": "Dag, Ugur and others", "year": "2023", "journal": "Cell", "volume": "186", "pages": "2574--2592",
        "title": "Dissecting the functional organization of the {C. elegans} serotonergic system at whole-brain "
                 "scale", "doi": "10.1016/j.cell.2023.04.023"}),
    "Atanas2023": ("article", {
        "author": "Atanas, Adam A. and Kim, Jungsoo and others", "year": "2023", "journal": "Cell", "volume": "186",
        "pages": "4134--4151",
        "title": "Brain-wide representations of behavior spanning multiple timescales and states in {C. elegans}",
        "doi": "10.1016/j.cell.2023.07.035"}),
    "Randi2023": ("article", {
        "author": "Randi, Francesco and Sharma, Anuj K. and Dvali, Sophie and Leifer, Andrew M.", "year": "2023",
        "journal": "Nature", "volume": "623", "pages": "406--414",
        "title": "Neural signal propagation atlas of {Caenorhabditis elegans}", "doi": "10.1038/s41586-023-06683-4"}),
    "Lin2023": ("article", {
        "author": "Lin, Albert and others", "year": "2023", "journal": "Science Advances", "volume": "9",
        "pages": "eade1249",
        "title": "Functional imaging and quantification of multineuronal olfactory responses in {C. elegans}",
        "doi": "10.1126/sciadv.ade1249"}),
    "Seyedolmohadesin2024": ("misc", {
        "author": "Seyedolmohadesin, Maedeh and others", "year": "2024",
        "title": "Brain-wide neural activity data in {C. elegans}", "url": "https://chemosensory-data.worm.world/"}),
    "Varshney2011": ("article", {
        "author": "Varshney, Lav R. and Chen, Beth L. and Paniagua, Eric and Hall, David H. and Chklovskii, Dmitri B.",
        "year": "2011", "journal": "PLoS Computational Biology", "volume": "7", "pages": "e1001066",
        "title": "Structural properties of the {Caenorhabditis elegans} neuronal network",
        "doi": "10.1371/journal.pcbi.1001066"}),
    "Witvliet2021": ("article", {
        "author": "Witvliet, Daniel and others", "year": "2021", "journal": "Nature", "volume": "596",
        "pages": "257--261", "title": "Connectomes across development reveal principles of brain maturation",
        "doi": "10.1038/s41586-021-03778-8"}),
    "White1986": ("article", {
        "author": "White, John G. and Southgate, Eileen and Thomson, J. Nichol and Brenner, Sydney", "year": "1986",
        "journal": "Philosophical Transactions of the Royal Society of London B", "volume": "314", "pages": "1--340",
        "title": "The structure of the nervous system of the nematode {Caenorhabditis elegans}",
        "doi": "10.1098/rstb.1986.0056"}),
    "Cook2019": ("article", {
        "author": "Cook, Steven J. and others", "year": "2019", "journal": "Nature", "volume": "571", "pages": "63--71",
        "title": "Whole-animal connectomes of both {Caenorhabditis elegans} sexes", "doi": "10.1038/s41586-019-1352-7"}),
    "Yim2024": ("article", {
        "author": "Yim, Hyunsoo and Choe, Daniel T. and Bae, J. Alexander and others", "year": "2024",
        "journal": "Nature Communications", "volume": "15", "pages": "1546",
        "title": "Comparative connectomics of dauers reveals developmental plasticity",
        "doi": "10.1038/s41467-024-45943-3"}),
    "Bentley2016": ("article", {
        "author": "Bentley, Barry and Branicky, Robyn and Barnes, Christopher L. and Chew, Yee Lian and Yemini, Eviatar "
                  "and Bullmore, Edward T. and V{\\'e}rtes, Petra E. and Schafer, William R.", "year": "2016",
        "journal": "PLoS Computational Biology", "volume": "12", "pages": "e1005283",
        "title": "The multilayer connectome of {Caenorhabditis elegans}", "doi": "10.1371/journal.pcbi.1005283"}),
    "Ripoll-Sanchez2023": ("article", {
        "author": "Ripoll-S{\\'a}nchez, Lidia and others", "year": "2023", "journal": "Neuron", "volume": "111",
        "pages": "3570--3589", "title": "The neuropeptidergic connectome of {C. elegans}",
        "doi": "10.1016/j.neuron.2023.09.043"}),
    "Cook2020": ("article", {
        "author": "Cook, Steven J. and Crouse, Charles M. and Yemini, Eviatar and Hall, David H. and Emmons, Scott W. "
                  "and Hobert, Oliver", "year": "2020", "journal": "Journal of Comparative Neurology", "volume": "528",
        "pages": "2767--2784", "title": "The connectome of the {Caenorhabditis elegans} pharynx",
        "doi": "10.1002/cne.24932"}),
    "Brittin2021": ("article", {
        "author": "Brittin, Christopher A. and Cook, Steven J. and Hall, David H. and Emmons, Scott W. and Cohen, Netta",
        "year": "2021", "journal": "Nature", "volume": "591", "pages": "105--110",
        "title": "A multi-scale brain map derived from whole-brain volumetric reconstructions",
        "doi": "10.1038/s41586-021-03284-x"}),
    "Durbin1987": ("phdthesis", {
        "author": "Durbin, Richard M.", "year": "1987", "school": "University of Cambridge",
        "title": "Studies on the development and organisation of the nervous system of {Caenorhabditis elegans}"}),
    "Haspel2011": ("article", {
        "author": "Haspel, Gal and O'Donovan, Michael J.", "year": "2011", "journal": "Journal of Neuroscience",
        "volume": "31", "pages": "14611--14623",
        "title": "A perimotor framework reveals functional segmentation in the motoneuronal network controlling "
                 "locomotion in {Caenorhabditis elegans}", "doi": "10.1523/JNEUROSCI.2186-11.2011"}),
    "Wang2024": ("article", {
        "author": "Wang, Chen and others", "year": "2024", "journal": "eLife", "volume": "13", "pages": "RP95402",
        "title": "A neurotransmitter atlas of {C. elegans} males and hermaphrodites", "doi": "10.7554/eLife.95402"}),
    "Mais2024": ("inproceedings", {
        "author": "Mais, Lisa and Hirsch, Peter and Managan, Claire and Kandarpa, Ramya and Rumberger, Josef Lorenz "
                  "and Reinke, Annika and Maier-Hein, Lena and Ihrke, Gudrun and Kainmueller, Dagmar",
        "year": "2024", "booktitle": "Proceedings of the IEEE/CVF Conference on Computer Vision and Pattern "
                                     "Recognition (CVPR)",
        "title": "{FISBe}: A real-world benchmark dataset for instance segmentation of long-range thin filamentous "
                 "structures"}),
    "MICrONS2025": ("article", {
        "author": "{MICrONS Consortium} and others", "year": "2025", "journal": "Nature", "volume": "640",
        "pages": "435--447", "title": "Functional connectomics spanning multiple areas of mouse visual cortex"}),
    "Shakiba2026": ("misc", {
        "author": "Shakiba, M. and Rokni, R. and Mohammadi, M. and Dehghani, N.", "year": "2026",
        "title": "Harnessing cortical geometry, wiring, and function as inductive biases for recurrent neural "
                 "networks", "howpublished": "Cortical Blueprint RNN", "doi": "10.5281/zenodo.20834365"}),
    "Turner2022": ("article", {
        "author": "Turner, Nicholas L. and others", "year": "2022", "journal": "Cell", "volume": "185",
        "pages": "1082--1100",
        "title": "Reconstruction of neocortex: organelles, compartments, cells, circuits, and activity",
        "doi": "10.1016/j.cell.2022.01.023"}),
    "Paetzold2021": ("inproceedings", {
        "author": "Paetzold, Johannes C. and McGinnis, Julian and Shit, Suprosanna and Ezhov, Ivan and B{\\\"u}schl, "
                  "Paul and Prabhakar, Chinmay and Todorov, Mihail I. and Sekuboyina, Anjany and Kaissis, Georgios "
                  "and Ert{\\\"u}rk, Ali and G{\\\"u}nnemann, Stephan and Menze, Bjoern H.",
        "year": "2021", "booktitle": "NeurIPS 2021 Datasets and Benchmarks Track",
        "title": "Whole Brain Vessel Graphs: A Dataset and Benchmark for Graph Learning and Neuroscience",
        "eprint": "2108.13233", "archiveprefix": "arXiv"}),
}

#: a source whose citation names a file "after" a paper cites that paper
_AFTER = re.compile(r"^.*?,\s*after\s+")


def reference_key(source: str) -> str:
    """``"Kato S et al. (2015) ..."`` -> ``"Kato2015"`` (first author's surname and the year)."""
    text = _AFTER.sub("", source.strip())
    match = re.match(r"^([^\s,(]+).*?\((\d{4})\)", text)
    if match is None:
        raise DatasetNotFoundError(f"Citation {source!r} has no 'Surname ... (year)' to find its BibTeX entry by.")
    return match.group(1) + match.group(2)


def format_entry(key: str) -> str:
    kind, fields = REFERENCES[key]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items())
    return f"@{kind}{{{key},\n{body}\n}}"


def bibtex_entries(citation: str) -> list[str]:
    """One BibTeX entry per source of ``citation`` (a spec's ``"; "``-joined sources), each once."""
    keys = list(dict.fromkeys(reference_key(source) for source in citation.split("; ") if source.strip()))
    missing = [key for key in keys if key not in REFERENCES]
    if missing:
        raise DatasetNotFoundError(f"No BibTeX entry for {missing} (add it to neuropil.datasets.bibtex.REFERENCES).")
    return [format_entry(key) for key in keys]


def bibtex(dataset_id: str) -> str:
    """Every source ``dataset_id`` cites, as BibTeX entries separated by a blank line."""
    from neuropil.datasets import get_spec

    return "\n\n".join(bibtex_entries(get_spec(dataset_id).citation))
