"""Step diff: what changed in every variable and its gradient between two training steps.

Computed from the event stream alone, so it works for any two steps of a live session or a
trace: "variable_update" events carry each variable's ``weight_norm`` and statistics, and
"gradient" events each source's gradient ``norm``. A variable's state *at* step ``s`` is
its value after the last update recorded at or before ``s``; its gradient at ``s`` is the
last one a ``tape.gradient`` of step ``s`` gave it.

The element-wise difference (its max abs change and a heatmap) needs both steps' full
values. Events never carry them, so ``step_diff`` takes them from the caller when it has
them and otherwise leaves ``max_abs_change`` and ``difference`` None: a norm difference is
not a max abs change, and the caller must say "not recorded" rather than guess.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

# (step, variable id) -> the variable's full value after that step, or None when unknown.
ValueLookup = Callable[[int, int], "np.ndarray | None"]


@dataclass(frozen=True)
class VariableDiff:
    """One variable between steps A and B (None where the run did not record it)."""

    id: int
    name: str
    shape: tuple[int, ...]
    weight_norm_a: float | None
    weight_norm_b: float | None
    mean_a: float | None
    mean_b: float | None
    grad_norm_a: float | None
    grad_norm_b: float | None
    max_abs_change: float | None = None
    difference: np.ndarray | None = None  # value B - value A, when both values are known

    @property
    def norm_change(self) -> float | None:
        """‖W_B‖ − ‖W_A‖: how the weight norm moved (not the size of the update)."""
        if self.weight_norm_a is None or self.weight_norm_b is None:
            return None
        return self.weight_norm_b - self.weight_norm_a


def recorded_steps(events: Iterable[dict]) -> list[int]:
    """The steps at which some variable was updated or a gradient taken, in order."""
    return sorted({e["step"] for e in events if e.get("kind") in ("variable_update", "gradient")})


def step_diff(events: Iterable[dict], step_a: int, step_b: int,
              values: ValueLookup | None = None) -> list[VariableDiff]:
    """Per variable (in the order first seen), its norms and gradient norms at both steps.

    ``values`` (optional) gives full variable values; where it knows both steps' values
    of a variable, the diff also holds the element-wise difference and its max abs.
    """
    if step_a < 0 or step_b < 0:
        raise ValueError(f"steps must be >= 0, got {step_a} and {step_b}")
    names: dict[int, str] = {}
    shapes: dict[int, tuple[int, ...]] = {}
    state: dict[tuple[int, str], dict] = {}  # (id, "a"/"b") -> latest update at or before
    grads: dict[tuple[int, str], float | None] = {}
    for event in events:
        kind = event.get("kind")
        if kind == "variable_created":
            names.setdefault(event["id"], event["name"])
            shapes.setdefault(event["id"], tuple(event["shape"]))
        elif kind == "variable_update":
            vid = event["id"]
            names.setdefault(vid, event["name"])
            shapes.setdefault(vid, tuple((event.get("summary") or {}).get("shape", ())))
            for side, step in (("a", step_a), ("b", step_b)):
                if event["step"] <= step:  # events come in order: the last one wins
                    state[vid, side] = event
        elif kind == "gradient":
            for source in event["sources"]:
                vid = source["id"]
                if vid not in names:
                    continue  # a watched tensor, not a variable: it has no "step to step"
                for side, step in (("a", step_a), ("b", step_b)):
                    if event["step"] == step:
                        grads[vid, side] = source.get("norm")
    return [_diff(vid, name, shapes.get(vid, ()), state, grads, step_a, step_b, values)
            for vid, name in names.items()]


def _diff(vid: int, name: str, shape: tuple[int, ...], state: dict, grads: dict,
          step_a: int, step_b: int, values: ValueLookup | None) -> VariableDiff:
    a, b = state.get((vid, "a")), state.get((vid, "b"))
    difference = max_abs = None
    if values is not None:
        value_a, value_b = values(step_a, vid), values(step_b, vid)
        if value_a is not None and value_b is not None and np.shape(value_a) == np.shape(value_b):
            difference = np.asarray(value_b, np.float64) - np.asarray(value_a, np.float64)
            max_abs = float(np.max(np.abs(difference))) if difference.size else 0.0
    return VariableDiff(
        id=vid, name=name, shape=shape,
        weight_norm_a=_get(a, "weight_norm"), weight_norm_b=_get(b, "weight_norm"),
        mean_a=_stat(a, "mean"), mean_b=_stat(b, "mean"),
        grad_norm_a=grads.get((vid, "a")), grad_norm_b=grads.get((vid, "b")),
        max_abs_change=max_abs, difference=difference)


def _get(event: dict | None, key: str) -> float | None:
    return None if event is None else event.get(key)


def _stat(event: dict | None, key: str) -> float | None:
    return None if event is None else (event.get("summary") or {}).get(key)
