"""Step diff: what changed in every variable and its gradient between two training steps.

Computed from the event stream alone, so it works for any two steps of a live session or a
trace: "variable_update" events carry each variable's ``weight_norm`` and statistics, and
"gradient" events each source's gradient ``norm``. A variable's state *at* step ``s`` is
its value after the last update recorded at or before ``s``; its gradient at ``s`` is the
last one a ``tape.gradient`` of step ``s`` gave it.

The element-wise difference (its max abs change and a heatmap) needs both steps' full
values. Events never carry them, so ``step_diff`` takes them from a ``StepValues`` source
(``debugger.step_values``: a live debuggee's snapshots or a FULL_TENSOR trace) and
otherwise leaves ``max_abs_change`` and ``difference`` None, with the reason in
``weight_missing``: a norm difference is not a max abs change, and the caller must say why
rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from debugger.step_values import GRADIENT, WEIGHT, StepValues, ValueMissing

NOT_TRAINABLE = "not a trainable variable: its values are not kept"
NO_VALUES = "this run keeps no values of variables"


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
    relative_change: float | None = None  # ‖W_B − W_A‖ / ‖W_A‖ (the update-to-weight ratio)
    max_abs_grad_change: float | None = None
    grad_difference: np.ndarray | None = None  # gradient B - gradient A
    weight_missing: str | None = None  # why ``difference`` is None
    grad_missing: str | None = None  # why ``grad_difference`` is None

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
              values: StepValues | None = None) -> list[VariableDiff]:
    """Per variable (in the order first seen), its norms and gradient norms at both steps.

    ``values`` (optional) gives full values; where it knows both steps' weights (gradients)
    of a trainable variable, the diff also holds their element-wise difference and its max
    abs, else the reason it does not.
    """
    if step_a < 0 or step_b < 0:
        raise ValueError(f"steps must be >= 0, got {step_a} and {step_b}")
    names: dict[int, str] = {}
    trainable: dict[int, bool] = {}
    shapes: dict[int, tuple[int, ...]] = {}
    state: dict[tuple[int, str], dict] = {}  # (id, "a"/"b") -> latest update at or before
    grads: dict[tuple[int, str], float | None] = {}
    for event in events:
        kind = event.get("kind")
        if kind == "variable_created":
            names.setdefault(event["id"], event["name"])
            shapes.setdefault(event["id"], tuple(event["shape"]))
            trainable.setdefault(event["id"], bool(event.get("trainable", True)))
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
    return [_diff(vid, name, shapes.get(vid, ()), trainable.get(vid, True), state, grads,
                  step_a, step_b, values)
            for vid, name in names.items()]


def _diff(vid: int, name: str, shape: tuple[int, ...], trainable: bool, state: dict,
          grads: dict, step_a: int, step_b: int, values: StepValues | None) -> VariableDiff:
    a, b = state.get((vid, "a")), state.get((vid, "b"))
    weights = grad_values = None
    weight_missing = grad_missing = NO_VALUES if values is None else NOT_TRAINABLE
    if values is not None and trainable:
        weights, weight_missing = _pair(values, WEIGHT, step_a, step_b, vid)
        grad_values, grad_missing = _pair(values, GRADIENT, step_a, step_b, vid)
    difference, max_abs = _difference(weights)
    grad_difference, grad_max_abs = _difference(grad_values)
    relative = None
    if weights is not None and difference is not None:
        norm_a = float(np.linalg.norm(weights[0].astype(np.float64)))
        relative = float(np.linalg.norm(difference)) / norm_a if norm_a else None
    return VariableDiff(
        id=vid, name=name, shape=shape,
        weight_norm_a=_get(a, "weight_norm"), weight_norm_b=_get(b, "weight_norm"),
        mean_a=_stat(a, "mean"), mean_b=_stat(b, "mean"),
        grad_norm_a=grads.get((vid, "a")), grad_norm_b=grads.get((vid, "b")),
        max_abs_change=max_abs, difference=difference, relative_change=relative,
        max_abs_grad_change=grad_max_abs, grad_difference=grad_difference,
        weight_missing=None if difference is not None else weight_missing,
        grad_missing=None if grad_difference is not None else grad_missing)


def _pair(values: StepValues, what: str, step_a: int, step_b: int,
          vid: int) -> tuple[tuple[np.ndarray, np.ndarray] | None, str | None]:
    """Both steps' values, or None and why not (naming the step that lacks one)."""
    found = []
    for step in (step_a, step_b):
        try:
            found.append(np.asarray(values.value(what, step, vid)))
        except ValueMissing as exc:
            return None, f"step {step}: {exc}"
    if found[0].shape != found[1].shape:
        return None, f"its shape changed from {found[0].shape} to {found[1].shape}"
    return (found[0], found[1]), None


def _difference(pair: tuple[np.ndarray, np.ndarray] | None
                ) -> tuple[np.ndarray | None, float | None]:
    """B − A in float64 and its max abs (0 for an empty variable)."""
    if pair is None:
        return None, None
    difference = pair[1].astype(np.float64) - pair[0].astype(np.float64)
    return difference, float(np.max(np.abs(difference))) if difference.size else 0.0


def _get(event: dict | None, key: str) -> float | None:
    return None if event is None else event.get(key)


def _stat(event: dict | None, key: str) -> float | None:
    return None if event is None else (event.get("summary") or {}).get(key)
