"""What a task is and what one run of it was: :class:`TaskSpec` and :class:`RunConfig`.

A :class:`TaskSpec` is the table of truth of one task (OGB's ``master.csv`` row made typed): the
dataset, split, metrics, baselines and the run options the task takes (``options``: name ->
:class:`Option`), from which the command line generates its flags. A :class:`RunConfig` is one run
(task, model, seeds, option values, quick); every result stores it, and ``neuropil verify``
replays it as it stands: no command string is ever parsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neuropil._option import Option
from neuropil.errors import DatasetNotFoundError, InvalidArgumentError, unknown_value

__all__ = ["Option", "RunConfig", "TaskSpec", "UnknownTaskError"]

class UnknownTaskError(DatasetNotFoundError):
    """A task id that no task package registers."""


@dataclass(frozen=True)
class TaskSpec:
    id: str
    version: str
    description: str
    dataset: str
    dataset_config: dict[str, Any]
    #: how the split is made (stored; its SHA-256 goes into every result)
    split: dict[str, Any]
    metrics: tuple[str, ...]
    primary_metric: str
    direction: str  # "max" or "min"
    #: module implementing :class:`~.protocol.TrainedTask` or :class:`~.protocol.AnalysisTask`
    module: str
    #: "trained" (train / valid / test, scored by an Evaluator) or "analysis" (scored by its own ``run``)
    kind: str = "trained"
    baselines: tuple[str, ...] = ()
    default_config: dict[str, Any] = field(default_factory=dict)
    #: run options: ``--<name>`` flags of ``neuropil bench run <id>``, stored in every RunConfig
    options: dict[str, Option] = field(default_factory=dict)
    citation: str = ""
    #: seeds a leaderboard submission must report (never fewer than 10)
    min_seeds: int = 10

    def __post_init__(self) -> None:
        if self.kind not in ("trained", "analysis"):
            raise InvalidArgumentError(unknown_value(self.kind, f"kind of task {self.id}", ("trained", "analysis")))
        if self.direction not in ("max", "min"):
            raise InvalidArgumentError(unknown_value(self.direction, f"direction of task {self.id}", ("max", "min")))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if key == "options":
                value = {name: option.to_dict() for name, option in value.items()}
            out[key] = list(value) if isinstance(value, tuple) else value
        return out

    def check_options(self, options: dict[str, Any]) -> dict[str, Any]:
        """Declared options converted and checked; undeclared keys (programmatic settings such as
        bio-rnn's ``threads``) pass through unchanged."""
        return {name: (self.options[name].parse(name, value) if name in self.options else value)
                for name, value in options.items() if value is not None}


@dataclass(frozen=True)
class RunConfig:
    """One run: everything that decides its numbers, and nothing about where it was written."""

    task: str
    model: str
    seeds: tuple[int, ...]
    options: dict[str, Any] = field(default_factory=dict)
    quick: bool = False

    def __post_init__(self) -> None:
        seeds = tuple(range(self.seeds)) if isinstance(self.seeds, int) else tuple(self.seeds)
        if not seeds:
            raise InvalidArgumentError("seeds must name at least one seed.")
        if not all(isinstance(seed, int) and not isinstance(seed, bool) for seed in seeds):
            raise InvalidArgumentError(f"seeds must be integers, got {list(seeds)!r}.")
        if len(set(seeds)) != len(seeds):
            raise InvalidArgumentError(f"seeds {list(seeds)} repeat a seed.")
        object.__setattr__(self, "seeds", seeds)
        object.__setattr__(self, "options", {k: v for k, v in dict(self.options or {}).items() if v is not None})
        object.__setattr__(self, "quick", bool(self.quick))

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "model": self.model, "seeds": list(self.seeds),
                "options": dict(sorted(self.options.items())), "quick": self.quick}

    @classmethod
    def from_dict(cls, document: Any) -> RunConfig:
        """The inverse of :meth:`to_dict`; a document of another shape raises :class:`InvalidArgumentError`."""
        expected = {"task", "model", "seeds", "options", "quick"}
        if not isinstance(document, dict) or set(document) != expected:
            keys = sorted(document) if isinstance(document, dict) else type(document).__name__
            raise InvalidArgumentError(f"A run configuration is an object with keys {sorted(expected)}, got {keys}.")
        for key, kind in (("task", str), ("model", str), ("seeds", list), ("options", dict), ("quick", bool)):
            if not isinstance(document[key], kind):
                raise InvalidArgumentError(f"Run configuration {key!r} must be a {kind.__name__}, "
                                           f"got {document[key]!r}.")
        return cls(task=document["task"], model=document["model"], seeds=tuple(document["seeds"]),
                   options=dict(document["options"]), quick=document["quick"])

    def command(self) -> str:
        """The ``neuropil bench run`` command line that makes this run (for people; never parsed)."""
        import shlex

        seeds = list(self.seeds)
        # --seeds N means 0..N-1; any other list is written with commas ("5," is the list [5])
        count = str(len(seeds)) if seeds == list(range(len(seeds))) else ",".join(map(str, seeds)) + \
            ("," if len(seeds) == 1 else "")
        words = ["neuropil", "bench", "run", self.task, "--model", self.model, "--seeds", count]
        words += ["--quick"] if self.quick else []
        words += [f"--{name.replace('_', '-')}={value}" for name, value in sorted(self.options.items())]
        return shlex.join(words)
