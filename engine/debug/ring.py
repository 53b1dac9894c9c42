"""Full tensor values of the last few training steps, kept in memory for time travel.

Recording every value of every op to disk is too slow and too big; the debugger mostly needs
the values just before something went wrong. ``ValueRing`` keeps the outputs of the ops of
the newest ``steps`` training steps and forgets older ones as new steps begin.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Any

import numpy as np


class ValueRing:
    """Op output values (keyed by event seq and output index) of the last ``steps`` steps."""

    def __init__(self, steps: int = 3) -> None:
        if steps < 1:
            raise ValueError(f"a ValueRing holds at least one step, not {steps}")
        self.max_steps = steps
        # step -> {(seq, idx): value}; ordered by when the step began, oldest first.
        self._by_step: OrderedDict[Hashable, dict[tuple[int, int], np.ndarray]] = OrderedDict()
        self._step_of: dict[tuple[int, int], Hashable] = {}

    def add(self, step: Hashable, seq: int, idx: int, array: Any) -> None:
        """Keep a read-only copy of a value; a step not seen yet may push out the oldest."""
        values = self._by_step.get(step)
        if values is None:
            while len(self._by_step) >= self.max_steps:
                _, dropped = self._by_step.popitem(last=False)
                for key in dropped:
                    del self._step_of[key]
            values = self._by_step[step] = {}
        key = (seq, idx)
        old_step = self._step_of.get(key)
        if old_step is not None and old_step != step:
            del self._by_step[old_step][key]
        value = np.array(array)  # a copy: the engine may reuse the buffer
        value.flags.writeable = False
        values[key] = value
        self._step_of[key] = step

    def get(self, seq: int, idx: int = 0) -> np.ndarray | None:
        """The kept value (read-only), or None if it was never added or already dropped."""
        step = self._step_of.get((seq, idx))
        return None if step is None else self._by_step[step][(seq, idx)]

    def steps(self) -> list[Hashable]:
        """The steps held, oldest first."""
        return list(self._by_step)

    def nbytes(self) -> int:
        return sum(v.nbytes for values in self._by_step.values() for v in values.values())

    def clear(self) -> None:
        self._by_step.clear()
        self._step_of.clear()

    def __len__(self) -> int:
        return len(self._step_of)

    def __contains__(self, key: tuple[int, int]) -> bool:
        return key in self._step_of
