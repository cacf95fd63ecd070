"""Trial generators of the three bio-RNN tasks (T1 one-choice inference, T2 go/nogo, T3 perceptual
decision making): inputs, labels and trial kinds, seeded."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neuropil.errors import InvalidArgumentError, unknown_value

TASKS = ("t1", "t2", "t3")

#: T1: the 8 first-choice maze problems of the spatially-embedded RNN maze task (goal location,
#: choices offered, correct first step), as published with the seRNN maze task
MAZES = (  # (goal, choices, next step)
    (9, "ul", "u"), (9, "rd", "r"), (19, "ld", "d"), (17, "rd", "d"),
    (17, "ul", "l"), (7, "ur", "u"), (19, "lr", "r"), (7, "lr", "l"),
)
_GOAL_SLOT = {7: 0, 9: 1, 17: 2, 19: 3}
_DIRECTION = {"l": 0, "u": 1, "r": 2, "d": 3}
#: T3 coherence levels (%), dt (ms) and noise sigma of NeuroGym PerceptualDecisionMaking-v0
COHERENCES = (0.0, 6.4, 12.8, 25.6, 51.2)
PDM_DT_MS = 100
PDM_SIGMA = 1.0


@dataclass(frozen=True)
class TaskTiming:
    name: str
    steps: int
    inputs: int
    classes: int
    periods: tuple[tuple[str, int], ...]


TIMINGS = {
    "t1": TaskTiming("one-choice inference", 50, 8, 4, (("goal", 20), ("delay", 10), ("choices", 20))),
    "t2": TaskTiming("go/nogo", 40, 3, 2, (("fixation", 5), ("stimulus", 20), ("delay", 10), ("decision", 5))),
    "t3": TaskTiming("perceptual decision making", 41, 3, 2, (("fixation", 1), ("stimulus", 30), ("delay", 10))),
}


@dataclass
class Trials:
    """``x`` (n, T, inputs) float32, ``y`` (n,) int64 class; ``kind`` per trial (maze id, go/nogo,
    coherence index) for balance checks."""

    x: np.ndarray
    y: np.ndarray
    kind: np.ndarray

    def __len__(self) -> int:
        return len(self.y)


def check_task(task: str) -> str:
    if task not in TIMINGS:
        raise InvalidArgumentError(unknown_value(task, "task", TIMINGS))
    return task


def make_trials(task: str, n: int, *, seed: int) -> Trials:
    """``n`` trials of ``task`` from ``numpy.random.default_rng(seed)`` (trial types drawn uniformly,
    as the reference's ``randint`` / ``rng.choice``)."""
    check_task(task)
    if n < 1:
        raise InvalidArgumentError(f"n must be >= 1 trials, got {n}.")
    rng = np.random.default_rng(seed)
    timing = TIMINGS[task]
    x = np.zeros((n, timing.steps, timing.inputs), dtype=np.float32)
    if task == "t1":
        kind = rng.integers(0, len(MAZES), n)
        y = np.empty(n, dtype=np.int64)
        for maze, (goal, choices, step) in enumerate(MAZES):
            rows = kind == maze
            x[rows, :20, _GOAL_SLOT[goal]] = 1.0
            for choice in choices:
                x[rows, 30:50, 4 + _DIRECTION[choice]] = 1.0
            y[rows] = _DIRECTION[step]
        return Trials(x, y, kind)
    if task == "t2":
        y = rng.integers(0, 2, n)  # 0: NoGo (stim0), 1: Go (stim1)
        x[:, :5, 0] = 1.0
        x[y == 0, 5:25, 1] = 1.0
        x[y == 1, 5:25, 2] = 1.0
        x[:, 25:35, 0] = 1.0
        return Trials(x, y.astype(np.int64), y.copy())
    coherence_index = rng.integers(0, len(COHERENCES), n)
    y = rng.integers(0, 2, n)
    theta = np.array([0.0, np.pi])  # a ring of 2 directions
    coherence = np.asarray(COHERENCES)[coherence_index]
    pattern = np.cos(theta[None, :] - theta[y][:, None]) * (coherence[:, None] / 200.0) + 0.5
    noise = rng.normal(0.0, PDM_SIGMA / np.sqrt(PDM_DT_MS), size=(n, 30, 2))
    x[:, :, 0] = 1.0  # fixation input on at all steps
    x[:, 1:31, 1:] = pattern[:, None, :] + noise
    return Trials(x, y.astype(np.int64), coherence_index)


def trial_sets(task: str, *, seed: int = 0, train: int = 5120, valid: int = 2560, test: int = 2560
               ) -> dict[str, Trials]:
    """Separate train / valid / test trial sets, each from its own seed stream (``seed``, part)."""
    return {part: make_trials(task, n, seed=int(np.random.SeedSequence([seed, index]).generate_state(1)[0]))
            for index, (part, n) in enumerate((("train", train), ("valid", valid), ("test", test)))}

