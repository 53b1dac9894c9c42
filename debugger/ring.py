"""Full tensor values of the last few training steps, kept in memory for time travel.

Recording every value of every op to disk is too slow and too big; the debugger mostly needs
the values just before something went wrong. ``ValueRing`` keeps the outputs of the ops of
the newest ``steps`` training steps and forgets older ones as new steps begin. The probe
fills it (``Probe.value`` reads it) and the debuggee answers ``get_value`` from it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any


class ValueRing:
    """Op output values (by event seq and output index) of the last ``steps`` steps; 0 keeps
    none. It holds the arrays it is given, not copies (a copy per op would cost more than
    the op): engine tensors never change their values, and a compiled run hands over
    copies of the buffers it reuses."""

    def __init__(self, steps: int = 3) -> None:
        if steps < 0:
            raise ValueError(f"a ValueRing holds zero or more steps, not {steps}")
        self.max_steps = steps
        # step -> {(seq, idx): value}; ordered by when the step began, oldest first.
        self._by_step: OrderedDict[Hashable, dict[tuple[int, int], Any]] = OrderedDict()

    def keep(self, step: Hashable, seq: int, values: Iterable[Any]) -> None:
        """The output values of op event ``seq``, run in ``step``; a step not seen yet pushes
        out the oldest."""
        if not self.max_steps:
            return
        kept = self.step_values(step)
        for idx, value in enumerate(values):
            kept[(seq, idx)] = value

    def step_values(self, step: Hashable) -> dict[tuple[int, int], Any]:
        """The dict ``{(seq, idx): value}`` that holds ``step``'s values, begun now (pushing
        out the oldest step) if ``step`` is new. The probe writes its ops' outputs into it
        directly (a method call per op costs more than the store); it stays the ring's
        until a newer step pushes it out. Needs ``max_steps`` > 0."""
        kept = self._by_step.get(step)
        if kept is None:
            kept = self._by_step[step] = {}
            while len(self._by_step) > self.max_steps:
                self._by_step.popitem(last=False)
        return kept

    def get(self, seq: int, idx: int = 0) -> Any:
        """The kept value, or None if it was never kept or its step was pushed out."""
        for kept in self._by_step.values():
            found = kept.get((seq, idx))
            if found is not None:
                return found
        return None

    def steps(self) -> list[Hashable]:
        """The steps held, oldest first."""
        return list(self._by_step)

    def __len__(self) -> int:
        return sum(len(kept) for kept in self._by_step.values())
