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


#: T1 held out in time (``held_out="timing"``): every trial 50 steps with the choices in the last 20; the
#: goal lasts g steps and the delay 30 - g. Training and validation draw g from TRAIN, test from TEST,
#: so no test input occurs in training (the standard trial, g = 20, is among the held-out ones). The 8
#: maze problems cannot be held out: the published table gives no maze layout from which new problems
#: with a defined correct step could be built.
T1_GOAL_STEPS = {"train": (10, 14, 18, 22, 26), "test": (12, 16, 20, 24)}
HELD_OUT = ("timing",)


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


def make_trials(task: str, n: int, *, seed: int, goal_steps: tuple[int, ...] = (20,)) -> Trials:
    """``n`` trials of ``task`` from ``numpy.random.default_rng(seed)`` (trial types drawn uniformly,
    as the reference's ``randint`` / ``rng.choice``). T1 only: the goal lasts a duration drawn uniformly
    from ``goal_steps`` (each in 1..29; the delay fills the rest of the 30 steps before the choices)."""
    check_task(task)
    if n < 1:
        raise InvalidArgumentError(f"n must be >= 1 trials, got {n}.")
    if task != "t1" and tuple(goal_steps) != (20,):
        raise InvalidArgumentError(f"goal_steps applies to task 't1' only, got task {task!r}.")
    if not goal_steps or any(not 1 <= int(g) <= 29 for g in goal_steps):
        raise InvalidArgumentError(f"goal_steps must be durations in 1..29 steps, got {goal_steps}.")
    rng = np.random.default_rng(seed)
    timing = TIMINGS[task]
    x = np.zeros((n, timing.steps, timing.inputs), dtype=np.float32)
    if task == "t1":
        kind = rng.integers(0, len(MAZES), n)
        # one draw per trial only when durations vary, so the standard trials keep their random stream
        duration = rng.choice(np.asarray(goal_steps), n) if len(goal_steps) > 1 else np.full(n, goal_steps[0])
        goal_on = np.arange(timing.steps)[None, :] < duration[:, None]
        y = np.empty(n, dtype=np.int64)
        for maze, (goal, choices, step) in enumerate(MAZES):
            rows = kind == maze
            x[rows, :, _GOAL_SLOT[goal]] = goal_on[rows]
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


def trial_sets(task: str, *, seed: int = 0, train: int = 5120, valid: int = 2560, test: int = 2560,
               held_out: str | None = None) -> dict[str, Trials]:
    """Separate train / valid / test trial sets, each from its own seed stream (``seed``, part).
    ``held_out="timing"`` (T1): train and valid from ``T1_GOAL_STEPS["train"]``, test from ``["test"]``."""
    goal_steps = {"train": (20,), "valid": (20,), "test": (20,)}
    if held_out is not None:
        if held_out not in HELD_OUT:
            raise InvalidArgumentError(unknown_value(held_out, "held_out", HELD_OUT))
        if task != "t1":
            raise InvalidArgumentError(f"held_out={held_out!r} is defined for task 't1' only, got task {task!r}.")
        goal_steps = {"train": T1_GOAL_STEPS["train"], "valid": T1_GOAL_STEPS["train"], "test": T1_GOAL_STEPS["test"]}
    return {part: make_trials(task, n, seed=int(np.random.SeedSequence([seed, index]).generate_state(1)[0]),
                              goal_steps=goal_steps[part])
            for index, (part, n) in enumerate((("train", train), ("valid", valid), ("test", test)))}

