"""The task registry, the typed task protocols and the RunConfig a result stores."""

from __future__ import annotations

import json

import pytest

from neuropil.benchmarks import Option, RunConfig, TaskSpec, get_task, list_tasks, task_ids
from neuropil.benchmarks.protocol import AnalysisTask, SubmissionHook, TrainedTask, implementation
from neuropil.errors import DatasetNotFoundError, InvalidArgumentError

#: every task neuropil ships; a task package that stops declaring one fails here
EXPECTED = {"celegans-activity-forecast", "celegans-dynamic-connectome", "fisbe-instance", "microns-bio-rnn-t1",
            "microns-bio-rnn-t2", "microns-bio-rnn-t3", "vessel-link", "vessel-node"}


def test_every_registered_id_has_a_spec_and_an_importable_task_of_its_kind() -> None:
    assert set(task_ids()) == EXPECTED
    for spec in list_tasks():
        assert isinstance(spec, TaskSpec) and get_task(spec.id) is spec
        assert spec.primary_metric in spec.metrics and spec.baselines
        found = implementation(spec)
        if spec.kind == "trained":
            assert isinstance(found.task, TrainedTask)
            assert set(spec.baselines) <= set(found.trained.BASELINES), spec.id
        else:
            assert isinstance(found.task, AnalysisTask)
            with pytest.raises(InvalidArgumentError, match="scored by its own run"):
                found.trained  # noqa: B018 (the property raises)
        assert (found.submission is not None) == isinstance(found.task, SubmissionHook)
        json.dumps(spec.to_dict())  # the `bench list --json` form


def test_unknown_task_is_a_typed_one_line_error() -> None:
    with pytest.raises(DatasetNotFoundError, match="Unknown value 'vessel-lnk' for argument task.*'vessel-link'"):
        get_task("vessel-lnk")


def test_a_module_lacking_its_protocol_is_named() -> None:
    from dataclasses import replace

    spec = replace(get_task("vessel-node"), module="neuropil.benchmarks.splits")
    with pytest.raises(InvalidArgumentError, match="declared trained but neuropil.benchmarks.splits lacks .*BASELINES"):
        implementation(spec)


def test_run_config_round_trips_through_json() -> None:
    config = RunConfig(task="celegans-activity-forecast", model="connectome_gru", seeds=3,
                       options={"connectome": "witvliet_8", "unset": None}, quick=True)
    assert config.seeds == (0, 1, 2) and config.options == {"connectome": "witvliet_8"}
    document = json.loads(json.dumps(config.to_dict()))
    assert document == {"task": "celegans-activity-forecast", "model": "connectome_gru", "seeds": [0, 1, 2],
                        "options": {"connectome": "witvliet_8"}, "quick": True}
    assert RunConfig.from_dict(document) == config
    other = RunConfig(task="vessel-link", model="sage", seeds=(4,), options={"graph": "gen2k"})
    assert RunConfig.from_dict(json.loads(json.dumps(other.to_dict()))) == other
    assert other.command() == "neuropil bench run vessel-link --model sage --seeds 4, --graph=gen2k"


@pytest.mark.parametrize("document, match", [
    ({"task": "t", "model": "m", "seeds": [0]}, "keys"),
    ({"task": "t", "model": "m", "seeds": "0", "options": {}, "quick": False}, "'seeds' must be a list"),
    ({"task": "t", "model": "m", "seeds": [0, 0], "options": {}, "quick": False}, "repeat a seed"),
    ({"task": "t", "model": "m", "seeds": [], "options": {}, "quick": False}, "at least one seed"),
    ({"task": "t", "model": "m", "seeds": [0.5], "options": {}, "quick": False}, "must be integers"),
    ("neuropil bench run t --model m", "an object with keys"),
])
def test_run_config_refuses_other_shapes(document: object, match: str) -> None:
    with pytest.raises(InvalidArgumentError, match=match):
        RunConfig.from_dict(document)


def test_declared_options_are_checked_and_others_pass_through() -> None:
    spec = get_task("microns-bio-rnn-t2")
    assert spec.check_options({"protocol": "reference", "threads": 1}) == {"protocol": "reference", "threads": 1}
    with pytest.raises(InvalidArgumentError, match="Unknown value 'published' for argument protocol"):
        spec.check_options({"protocol": "published"})
    with pytest.raises(InvalidArgumentError, match="must be of type int"):
        Option(help="x", type="int").parse("steps", "ten")
    with pytest.raises(InvalidArgumentError, match="option type"):
        Option(help="x", type="dict")
