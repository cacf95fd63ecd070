"""The command line: list, info, ingest, export; --json, --quiet, --help; exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from neuropil.cli import main

DATASET = "celegans-connectomes"


@pytest.mark.parametrize("command", [[], ["list"], ["info"], ["ingest"], ["export"]])
def test_help_on_every_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: neuropil" in capsys.readouterr().out


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["frobnicate"], ["info"], ["export", DATASET]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2


def test_unknown_dataset_is_one_line_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "celegans-conectomes"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "Unknown value 'celegans-conectomes' for argument dataset" in err and "Did you mean 'celegans-connectomes'" in err


def test_list_json_shows_ingest_state(ingested_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json", "--home", str(tmp_path / "empty")]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert {DATASET, "celegans-activity"} <= set(rows) and rows[DATASET]["ingested"] is False
    assert {"version", "license", "citation", "sources", "configs"} <= set(rows[DATASET])
    assert main(["list", "--json", "--home", str(ingested_home)]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows[DATASET]["ingested"] is True  # (the shared real home may hold other datasets too)


def test_info_json_reports_stats_and_sources(ingested_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", DATASET, "--json", "--home", str(ingested_home)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["ingested"] is True
    assert set(info["stats"]) == set(info["configs"]["connectome"]) - {"consensus"}
    for values in info["stats"].values():
        assert {"neurons_with_edges", "chemical_pairs", "chemical_synapses", "electrical_pairs",
                "functional_edges", "unmapped_labels"} <= set(values)
    assert all(len(s["sha256"]) == 64 and s["url"].startswith("https://") for s in info["sources"])
    assert info["missing_sources"] == {}


def test_ingest_prints_summary_then_is_a_no_op(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    home = str(tmp_path / "home")
    assert main(["ingest", DATASET, "--home", home, "--raw-dir", str(shared_data)]) == 0
    out = capsys.readouterr().out
    assert "built" in out and "cook_2019" in out and "neurons_with_edges" in out
    assert main(["ingest", DATASET, "--home", home, "--raw-dir", str(shared_data), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "up-to-date"
    assert main(["ingest", DATASET, "--home", home, "--raw-dir", str(shared_data), "--quiet"]) == 0
    assert capsys.readouterr().out == ""
    # a changed parameter never reuses stale output
    assert main(["ingest", DATASET, "--home", home, "--raw-dir", str(shared_data), "--q-threshold", "0.01", "--json"]) == 0
    rebuilt = json.loads(capsys.readouterr().out)
    assert rebuilt["status"] == "built" and rebuilt["parameters"]["q_threshold"] == 0.01
    assert rebuilt["stats"]["randi_2023"]["functional_edges"] < 1151
    assert main(["ingest", DATASET, "--home", home, "--raw-dir", str(shared_data), "--q-threshold", "0.01", "--force",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "built"


def test_bad_parameter_is_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ingest", DATASET, "--home", str(tmp_path), "--q-threshold", "2"]) == 1
    assert "q_threshold must be in (0, 1], got 2.0" in capsys.readouterr().err


def test_console_script_runs(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "neuropil.cli", "list", "--home", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and DATASET in result.stdout


def test_global_options_before_or_after_the_command() -> None:
    """`--home` / `-q` given before the command must survive the sub-command's parser (a plain
    default there used to reset them, so `neuropil --home H ingest X` built into ~/.cache)."""
    from neuropil.cli import build_parser

    parser = build_parser()
    for argv, home, quiet in ((["--home", "H", "-q", "list"], "H", True), (["list", "--home", "H"], "H", False),
                              (["list"], None, False), (["-q", "bench", "list"], None, True),
                              (["--home", "A", "info", "x", "--home", "B"], "B", False)):
        args = parser.parse_args(argv)
        assert (args.home, args.quiet) == (home, quiet), argv


def test_ingest_flags_come_from_each_dataset_spec(capsys: pytest.CaptureFixture[str]) -> None:
    """`ingest vesselgraph --help` lists --graph (declared in its spec); `ingest fisbe --help` does not."""
    from neuropil.datasets import list_specs

    def help_of(*argv: str) -> str:
        with pytest.raises(SystemExit) as exit_info:
            main([*argv, "--help"])
        assert exit_info.value.code == 0
        return capsys.readouterr().out

    assert "--graph" in help_of("ingest", "vesselgraph") and "--raw-dir" in help_of("ingest", "vesselgraph")
    fisbe = help_of("ingest", "fisbe")
    assert "--graph" not in fisbe and "--q-threshold" not in fisbe and "--allow-unverified" in fisbe
    minnie = help_of("ingest", "microns-minnie65")
    assert all(flag in minnie for flag in ("--tables", "--materialization", "--engine", "--scheduler"))
    for spec in list_specs():  # every declared option, and no other dataset's, on each dataset's command
        text = help_of("ingest", spec.id)
        for other in list_specs():
            for name in other.ingest_options:
                flag = f"--{name.replace('_', '-')} "
                assert (flag in text) == (name in spec.ingest_options), (spec.id, flag)
    # a flag of another dataset is a usage error, not silently passed to this pipeline
    with pytest.raises(SystemExit) as exit_info:
        main(["ingest", "fisbe", "--graph", "sample"])
    assert exit_info.value.code == 2


def test_task_flags_come_from_each_task_spec(capsys: pytest.CaptureFixture[str]) -> None:
    from neuropil.benchmarks import list_tasks

    for task in list_tasks():
        with pytest.raises(SystemExit):
            main(["bench", "run", task.id, "--help"])
        text = capsys.readouterr().out
        for name in ("connectome", "protocol", "field", "graph"):
            assert (f"--{name} " in text) == (name in task.options), (task.id, name)
    parser_args = __import__("neuropil.cli", fromlist=["build_parser"]).build_parser().parse_args(
        ["bench", "run", "microns-bio-rnn-t1", "--protocol", "reference", "--seeds", "0,3"])
    assert parser_args.option_protocol == "reference" and parser_args.seeds == [0, 3]
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "run", "microns-bio-rnn-t1", "--protocol", "published"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("argv, message", [
    (["ingest", "vesselgraf"], "Unknown value 'vesselgraf' for argument dataset. .* Did you mean 'vesselgraph'"),
    (["bench", "run", "vessel-lnk", "--model", "mlp"], "Unknown value 'vessel-lnk' for argument task. .* Did you mean "
                                                       "'vessel-link'"),
])
def test_unknown_registry_id_is_one_typed_line(argv: list[str], message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("neuropil: error: ")
    import re

    assert re.search(message, err), err
