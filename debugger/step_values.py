"""Full values of trainable variables and their gradients per training step (the step diff).

Events carry norms and statistics only; the element-wise step diff (max |ΔW|, a heatmap of
the change) needs both steps' values. Where they come from depends on the run:

- A live run: the debuggee's probe keeps a copy of every trainable variable after each
  update and of each gradient ``tape.gradient`` gave it, per step, in ``VariableSnapshots``:
  a ring bounded by bytes (oldest steps dropped first). The controller fetches one with the
  ``get_step_value`` command (``ClientStepValues`` on its side). Copying is not free: for the
  MNIST MLP (100k floats of weights, as many of gradients) it added ~0.3 ms to a ~1 ms live
  step on a busy 2-core machine (bench_probe's "+ step values"); the budget bounds memory.
- A trace recorded in ``FULL_TENSOR`` mode: the probe stores each trainable variable's value
  after each update under its ``variable_update`` event's seq (output 0), and each gradient
  under its ``gradient`` event's seq (output = the source's index) — ``TraceStepValues``
  finds them. Traces of other modes, or older traces, hold no such values: it says so.

A variable's value *at* step ``s`` is its value after the last update at or before ``s``; its
gradient at ``s`` is the last one a ``tape.gradient`` of step ``s`` gave it (as in
``step_diff``). A lookup that cannot be answered raises ``ValueMissing`` saying why.
"""

from __future__ import annotations

import bisect
import collections
from collections.abc import Callable, Iterable
from numbers import Integral
from typing import Protocol

import numpy as np

WEIGHT, GRADIENT = "weight", "gradient"
WHATS = (WEIGHT, GRADIENT)
DEFAULT_BUDGET_BYTES = 64 * 2**20  # what a live debuggee keeps (newest steps first)
MAX_BUDGET_BYTES = 2**40


class ValueMissing(LookupError):
    """A value the run did not keep (or not any more); the message says why."""


class StepValues(Protocol):
    """Where the step diff gets full values of one run."""

    description: str  # what this run keeps, said to the user

    def value(self, what: str, step: int, variable: int) -> np.ndarray:
        """The variable's weight or gradient at ``step``; raises ``ValueMissing``."""
        ...


def check_request(what: object, step: object, variable: object) -> tuple[str, int, int]:
    """A step-value request's fields, validated (they may come off a socket): ValueError
    naming the bad field otherwise."""
    if not isinstance(what, str) or what not in WHATS:
        raise ValueError(f"'what' must be one of {WHATS}, not {what!r:.40}")
    numbers = []
    for name, number in (("step", step), ("variable", variable)):
        if isinstance(number, bool) or not isinstance(number, Integral):  # 1.0, "1", None
            raise ValueError(f"'{name}' must be an integer, not {type(number).__name__}")
        numbers.append(int(number))
    if numbers[0] < 0:
        raise ValueError(f"'step' must be >= 0, not {numbers[0]}")
    return what, numbers[0], numbers[1]


def check_budget(budget: object) -> int:
    """A snapshot budget in bytes, validated (0: keep none); ValueError says what is wrong."""
    if isinstance(budget, bool) or not isinstance(budget, Integral):
        raise ValueError(f"'bytes' must be an integer, not {type(budget).__name__}")
    if not 0 <= budget <= MAX_BUDGET_BYTES:
        raise ValueError(f"'bytes' must be between 0 and {MAX_BUDGET_BYTES}, not {budget}")
    return int(budget)


class VariableSnapshots:
    """Per step, copies of trainable variables after their updates and of their gradients.

    Bounded by ``budget_bytes``: when a new copy goes over it, the oldest steps are dropped
    (never the newest). A dropped step's weights stay as each variable's "base" until a newer
    step is dropped, so a variable updated rarely keeps its value: one copy per variable
    beyond the budget at most. Arrays of dropped steps are reused for new copies: a fresh
    400 kB array costs page faults each step, a reused one only the copy. Used on the
    script's thread only."""

    def __init__(self, budget_bytes: int = DEFAULT_BUDGET_BYTES, since: int = 0) -> None:
        if budget_bytes <= 0:
            raise ValueError(f"a snapshot budget must be > 0 bytes, not {budget_bytes}")
        self.budget_bytes = budget_bytes
        self.since = since  # the step keeping began at (turned on mid-run: not 0)
        self._steps: collections.OrderedDict[int, dict[tuple[str, int], np.ndarray]] = (
            collections.OrderedDict())
        self._base: dict[int, tuple[int, np.ndarray]] = {}  # variable -> (step, weight)
        self._nbytes = 0
        self.dropped_through: int | None = None  # the newest step dropped so far
        self._spare: dict[tuple, list[np.ndarray]] = {}  # (shape, dtype) -> arrays to reuse

    @property
    def nbytes(self) -> int:
        """Bytes held in the ring (the bases not counted)."""
        return self._nbytes

    def resize(self, budget_bytes: int) -> None:
        """A new budget; steps over it go now, oldest first."""
        if budget_bytes <= 0:
            raise ValueError(f"a snapshot budget must be > 0 bytes, not {budget_bytes}")
        self.budget_bytes = budget_bytes
        while self._nbytes > self.budget_bytes and len(self._steps) > 1:
            self._drop_oldest()

    def held(self) -> tuple[int, int] | None:
        """(oldest, newest) step held, or None before the first copy."""
        if not self._steps:
            return None
        return next(iter(self._steps)), next(reversed(self._steps))

    def keep(self, what: str, step: int, variable: int, array: np.ndarray) -> None:
        """Copy ``array`` (the engine updates variables in place) as the step's value."""
        kept = self._steps.get(step)
        if kept is None:
            kept = self._steps[step] = {}
        array = np.asarray(array)
        spare = self._spare.get((array.shape, array.dtype))
        if spare:
            copy = spare.pop()
            copy.flags.writeable = True
            np.copyto(copy, array)
        else:
            copy = np.array(array)
        copy.flags.writeable = False
        old = kept.get((what, variable))
        self._nbytes += copy.nbytes - (0 if old is None else old.nbytes)
        kept[what, variable] = copy
        if old is not None:
            self._recycle(old)
        while self._nbytes > self.budget_bytes and len(self._steps) > 1:
            self._drop_oldest()

    def _drop_oldest(self) -> None:
        step, kept = self._steps.popitem(last=False)
        for (what, variable), array in kept.items():
            self._nbytes -= array.nbytes
            if what == WEIGHT:  # the new base; the old one is free
                array, self._base[variable] = self._base.get(variable, (0, None))[1], (step,
                                                                                    array)
            if array is not None:
                self._recycle(array)
        self.dropped_through = step

    def _recycle(self, array: np.ndarray) -> None:
        spare = self._spare.setdefault((array.shape, array.dtype), [])
        if len(spare) < 4:  # a step's worth is what the next keep needs
            spare.append(array)

    def value(self, what: str, step: int, variable: int) -> np.ndarray:
        """A copy of the weight after the last update at or before ``step``, or of the
        gradient of ``step`` (the ring reuses its arrays); ``ValueMissing`` says why when
        not held."""
        if what == GRADIENT:
            found = self._steps.get(step, {}).get((GRADIENT, variable))
            if found is not None:
                return found.copy()
        else:
            for held_step in reversed(self._steps):
                if held_step <= step:
                    found = self._steps[held_step].get((WEIGHT, variable))
                    if found is not None:
                        return found.copy()
            base = self._base.get(variable)
            if base is not None and base[0] <= step:
                return base[1].copy()
        raise ValueMissing(self._why(what, step))

    def _why(self, what: str, step: int) -> str:
        if step < self.since and self.dropped_through is None:
            return f"keeping step values began at step {self.since}; step {step} was not kept"
        if self.dropped_through is not None and step <= self.dropped_through:
            oldest, newest = self.held() or (step, step)
            return (f"step {step} is no longer held: the debuggee keeps the newest steps "
                    f"that fit in {self.budget_bytes / 2**20:.0f} MB (steps {oldest}–{newest} "
                    "now)")
        if what == GRADIENT:
            return f"no tape.gradient gave this variable a gradient at step {step}"
        return f"the variable was not updated at or before step {step}"


class TraceStepValues:
    """Step values of a trace: the stored values of its variable_update and gradient events.

    ``updates``: per variable its variable_update events; ``gradients``: gradient events;
    ``read(seq, index)``: the trace's stored value or None; ``mode``: the trace's mode."""

    def __init__(self, updates: dict[int, list[dict]], gradients: Iterable[dict],
                 read: Callable[[int, int], np.ndarray | None], mode: str) -> None:
        self._read = read
        self.mode = mode
        self._updates = {vid: ([e["step"] for e in evs], [e["seq"] for e in evs])
                         for vid, evs in updates.items()}
        self._gradients: dict[tuple[int, int], tuple[int, int]] = {}
        for event in gradients:  # in seq order: the last gradient of a step wins
            for index, source in enumerate(event.get("sources", ())):
                if "reason" not in source:  # (a source with no gradient says why)
                    self._gradients[event["step"], source["id"]] = (event["seq"], index)
        if mode == "FULL_TENSOR":
            self.description = ("This FULL_TENSOR trace stores each trainable variable after "
                                "every update and each gradient.")
        else:
            self.description = (f"This trace was recorded in {mode} mode: it keeps norms and "
                                "statistics, not values (record with --mode FULL_TENSOR to "
                                "compare values).")

    def value(self, what: str, step: int, variable: int) -> np.ndarray:
        if what == GRADIENT:
            where = self._gradients.get((step, variable))
            if where is None:
                raise ValueMissing(f"the trace has no gradient of this variable at step {step}")
        else:
            steps, seqs = self._updates.get(variable, ((), ()))
            at = bisect.bisect_right(steps, step)  # updates come in step order
            if at == 0:
                raise ValueMissing(f"the variable was not updated at or before step {step}")
            where = (seqs[at - 1], 0)
        found = self._read(*where)
        if found is None:
            raise ValueMissing(self._not_stored())
        return found

    def _not_stored(self) -> str:
        if self.mode != "FULL_TENSOR":
            return (f"recorded in {self.mode} mode, the trace holds no values (record with "
                    "--mode FULL_TENSOR)")
        return ("this FULL_TENSOR trace holds no variable values (written by a Tapescope "
                "that stored op outputs only)")


class ClientStepValues:
    """Step values of a live run, fetched from the debuggee (``DebugClient.get_step_value``)."""

    def __init__(self, fetch: Callable[[str, int, int], np.ndarray],
                 errors: tuple[type[BaseException], ...],
                 budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        """``budget_bytes``: what the debuggee was told to keep (said to the user)."""
        if budget_bytes > 0:
            self.description = (
                "Live run: the debuggee keeps each step's trainable variables and gradients "
                f"(the newest steps within {budget_bytes / 2**20:g} MB) while it runs or "
                "is paused.")
        else:
            self.description = ("Live run: the debuggee keeps no step values (turned off "
                                "for this run).")
        self._fetch = fetch
        self._errors = errors  # what ``fetch`` raises for a value it cannot give
        self._gave_up: str | None = None

    def value(self, what: str, step: int, variable: int) -> np.ndarray:
        if self._gave_up is not None:  # one wait per comparison, not one per value
            raise ValueMissing(self._gave_up)
        try:
            return self._fetch(what, step, variable)
        except TimeoutError:
            self._gave_up = ("the debuggee did not answer in time (busy in a long "
                             "computation?); pause it and compare again")
            raise ValueMissing(self._gave_up) from None
        except self._errors as exc:
            raise ValueMissing(str(exc)) from None
