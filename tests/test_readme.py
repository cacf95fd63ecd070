"""The README's code runs: the tour (its shell lines through the CLI, its Python as written) and the
longer loading examples, on a home ingested from the real data; every command in its table parses."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from neuropil.cli import main

README = Path(__file__).resolve().parents[1] / "README.md"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)
TOUR_DATASETS = ("celegans-connectomes", "celegans-activity", "microns-fields", "vesselgraph")


def fenced_blocks(text: str) -> list[tuple[str, str]]:
    return [(match.group(1), match.group(2)) for match in FENCE.finditer(text)]


def tour_blocks() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    start, end = text.index("<!-- tour -->"), text.index("<!-- /tour -->")
    return fenced_blocks(text[start:end])


def shell_commands(block: str) -> list[list[str]]:
    """``neuropil ...`` lines of a shell block as argument lists (comments dropped)."""
    commands = []
    for line in block.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            if words[0] != "neuropil":
                raise ValueError(f"the tour runs only neuropil commands, found {line!r}")
            commands.append(words[1:])
    return commands


def test_the_tour_is_ten_lines_of_code() -> None:
    blocks = tour_blocks()
    assert [language for language, _ in blocks] == ["bash", "python", "bash"]
    lines = [line for _, body in blocks for line in body.splitlines() if line.strip()]
    assert len(lines) == 10


@pytest.fixture
def tour_home(real_home, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared_data: Path) -> Path:
    """A writable copy of the session's real ingests; the README's own ingest lines run on top of it."""
    home = tmp_path / "home"
    shutil.copytree(real_home(*TOUR_DATASETS), home, symlinks=True)
    monkeypatch.setenv("NEUROPIL_HOME", str(home))
    monkeypatch.setenv("NEUROPIL_RAW_DIR", str(shared_data))  # the tour's ingest lines name no --raw-dir
    monkeypatch.chdir(tmp_path)
    return home


def test_the_tour_runs_as_written(tour_home: Path) -> None:
    namespace: dict[str, object] = {}
    for language, body in tour_blocks():
        if language == "python":
            exec(compile(body, "README.md (tour)", "exec"), namespace)  # noqa: S102 (our own README)
            continue
        for command in shell_commands(body):
            assert main(["--quiet", *command]) == 0, command
    graph, sample, field = namespace["graph"], namespace["sample"], namespace["field"]
    assert graph.num_nodes == 300 and graph.edge_index.shape[1] == 5138  # the numbers its comment gives
    assert tuple(sample["x"].shape) == (30, 300) and tuple(sample["y"].shape) == (10, 300)
    assert field.num_nodes == 312 and field.corr.shape == (312, 312)
    from neuropil.benchmarks import leaderboard

    assert [row["name"] for row in leaderboard.ranked("celegans-activity-forecast", tour_home)] == ["my ridge"]


def test_the_loading_examples_run(tour_home: Path) -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Loading, in more detail")
    blocks = [body for language, body in fenced_blocks(text[start:text.index("\n## ", start + 1)]) if language == "python"]
    assert blocks, "the loading section has no Python block"
    namespace: dict[str, object] = {}
    for body in blocks:
        exec(compile(body, "README.md (loading)", "exec"), namespace)  # noqa: S102
    assert namespace["arrays"].synapse_counts.shape == (312, 312)
    assert namespace["multigraph"].number_of_nodes() == 300
    ages = [float(graph.age_hours) for graph in namespace["series"]]
    assert len(ages) == 8 and ages == sorted(ages)  # Witvliet 2021: L1 ... adult, ordered by age
    assert set(namespace["split"]) == {"train", "valid", "test"} and len(namespace["dataset"]) >= 10


def test_every_command_in_the_table_exists(capsys: pytest.CaptureFixture[str]) -> None:
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Command line"):text.index("\n## ", text.index("## Command line") + 1)]
    commands = set()
    for cell in re.findall(r"^\| `neuropil ([^`]*)`", table, re.M):
        words = []
        for word in cell.split():
            if not re.fullmatch(r"[a-z]+", word):  # stop at arguments: ID, TASK, --flags, [options]
                break
            words.append(word)
        commands.add(tuple(words))
    assert len(commands) >= 10
    for words in sorted(commands):
        with pytest.raises(SystemExit) as exit_info:
            main([*words, "--help"])
        assert exit_info.value.code == 0, words
    capsys.readouterr()


ROOT = README.parent
LINKED_DOCS = ("README.md", "CONTRIBUTING.md", "docs/benchmarks.md", "docs/performance.md")


@pytest.mark.parametrize("name", LINKED_DOCS)
def test_relative_links_resolve(name: str) -> None:
    path = ROOT / name
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", path.read_text(encoding="utf-8"))
    local = [t for t in targets if not re.match(r"[a-z]+://", t)]
    missing = [t for t in local if not (path.parent / t).exists()]
    assert local and not missing, f"{name} links to missing files: {missing}"


def test_citation_cff_is_valid_and_cites_every_dataset_and_task() -> None:
    import yaml

    import neuropil
    from neuropil.benchmarks import task_ids

    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    for key in ("message", "title", "authors"):
        assert citation[key], key
    assert citation["version"] == neuropil.__version__ and citation["license"] == "MIT"
    cited_by = []
    for reference in citation["references"]:
        assert {"type", "title", "authors"} <= set(reference), reference.get("title")
        assert reference["authors"] and all("name" in a or "family-names" in a for a in reference["authors"])
        cited_by.append(reference.get("notes", ""))
    notes = " ".join(cited_by)
    uncited = [f"dataset {d}" for d in neuropil.list_datasets() if f"dataset {d}" not in notes]
    uncited += [f"task {t}" for t in task_ids() if not re.search(rf"tasks? [^.]*\b{re.escape(t)}\b", notes)]
    assert not uncited, f"CITATION.cff has no reference for: {uncited}"


def test_license_is_the_declared_mit() -> None:
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert declared == {"text": "MIT"} and text.startswith("MIT License") and "neuropil developers" in text
