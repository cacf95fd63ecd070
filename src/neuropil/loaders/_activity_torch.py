"""The torch windows dataset of ``celegans-activity`` (imports torch: loaded only by ``to_torch``).

A module-level class, so that ``DataLoader(num_workers=..., multiprocessing_context="spawn")`` can
pickle it (spawn is the default on macOS and Windows)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


class ActivityWindows(torch.utils.data.Dataset):
    """Sliding windows over recordings on the canonical axis: ``arrays`` maps a recording id to
    (values (T, 300) with NaN, mask (T, 300)); items are dicts of ``x``, ``y``, ``x_mask``, ``y_mask``,
    ``recording``, ``start``."""

    def __init__(self, arrays: dict[int, tuple[np.ndarray, np.ndarray]], *, history: int, horizon: int,
                 stride: int = 1) -> None:
        self.history, self.horizon = history, horizon
        # filled once here, so an item is two slices (NaN -> 0 where the mask is False)
        self._tensors = {int(r): (torch.from_numpy(np.nan_to_num(values, nan=0.0)), torch.from_numpy(observed.copy()))
                         for r, (values, observed) in arrays.items()}
        span = history + horizon
        self.index = [(r, start) for r, (values, _) in self._tensors.items()
                      for start in range(0, values.shape[0] - span + 1, stride)]

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, item: int) -> dict[str, Any]:
        recording, start = self.index[item]
        values, mask = self._tensors[recording]
        middle, end = start + self.history, start + self.history + self.horizon
        return {"x": values[start:middle], "y": values[middle:end], "x_mask": mask[start:middle],
                "y_mask": mask[middle:end], "recording": recording, "start": start}
