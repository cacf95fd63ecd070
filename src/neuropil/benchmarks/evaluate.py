"""``Evaluator(name).eval(dict)``, OGB's API without its prompts: the evaluator checks the shapes and
types of its input, returns a dict of metrics, documents ``expected_input_format``, and never sees
a model. The metric code lives in the task's module (``evaluate`` and ``EXPECTED_INPUT_FORMAT``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from neuropil.benchmarks.protocol import implementation
from neuropil.benchmarks.registry import get_task
from neuropil.errors import InvalidArgumentError


class Evaluator:
    """``Evaluator(name="vessel-link")``: ``name`` is a task id (OGB's keyword, so ``Evaluator(name=...)``
    from an OGB script works); ``eval_metric`` is the task's primary metric, as on OGB's evaluators."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.task = get_task(name)
        self.eval_metric = self.task.primary_metric
        self._module = implementation(self.task).trained

    @property
    def expected_input_format(self) -> str:
        return self._module.EXPECTED_INPUT_FORMAT

    @property
    def expected_output_format(self) -> str:
        return f"dict with float values for {', '.join(self.task.metrics)}; primary: {self.task.primary_metric}"

    def eval(self, input_dict: dict[str, Any]) -> dict[str, float]:  # noqa: A003 (OGB's name)
        if not isinstance(input_dict, dict):
            raise InvalidArgumentError(f"Evaluator input must be a dict, got {type(input_dict).__name__}.\n"
                                       + self.expected_input_format)
        arrays = {}
        for key, value in input_dict.items():
            if hasattr(value, "detach"):  # torch tensors are welcome, as in OGB
                value = value.detach().cpu().numpy()
            arrays[key] = np.asarray(value)
        return self._module.evaluate(arrays)
