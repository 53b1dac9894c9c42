"""Keras optimizer updates on real TensorFlow as the engine probe reports them.

The engine's optimizers tell its probe of each variable they update; TensorFlow's do it in
AssignSubVariableOp / AssignAddVariableOp / AssignVariableOp kernels, eagerly or inside a
compiled train step, whose op callbacks see a resource handle and no value. So the update
is watched where it is asked for, ``BaseOptimizer.apply``: each variable is read before and
after it (the reads are TensorFlow ops, ordered with the update by automatic control
dependencies when traced) and, per updated variable, the probe sends

- ``variable_created`` the first time it meets the variable (id: its handle's, the id the
  "gradient" events name it by; name: a Keras weight's path);
- ``variable_update`` after the update, before the step's ``step_end``: the summary of the
  op mode, ``weight_norm`` and ``update_norm`` (the norm of after − before, computed by
  TensorFlow), as the engine's does — what the Variables dock, the Gradients dock's
  update/weight ratio and the step diff's norms read;

and keeps the value in the live session's snapshots (the step diff's values) or hands it to
the value sink in FULL_TENSOR (a trace's step values). Values cross to Python once per step
and variable, at the update: no op of the step pays for it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from debugger.step_values import WEIGHT
from debugger.tensor_stats import summarize

STATS_OF = {"FULL_TENSOR": "FULL_HEALTH"}  # variables get statistics, their values go apart


def variable_id(tf: Any, variable: Any) -> int:
    """A variable's id in events: its eager handle's (under ``init_scope`` when traced)."""
    with tf.init_scope():
        handle = getattr(variable, "handle", variable)
        return int(getattr(handle, "_id", 0))


def variable_name(variable: Any) -> str:
    """A Keras weight's path (``sequential/dense/kernel``), else TensorFlow's name."""
    return str(getattr(variable, "path", None) or getattr(variable, "name", "variable"))


class UpdatedVariable:
    """What events say of one variable an optimizer updates (fixed when the update is
    traced or first run)."""

    __slots__ = ("id", "name", "trainable")

    def __init__(self, vid: int, variable: Any) -> None:
        self.id = vid
        self.name = variable_name(variable)
        self.trainable = bool(getattr(variable, "trainable", True))


class VariableUpdates:
    """Reads around an optimizer's ``apply`` and the events of what it changed.

    ``probe``: the ``TFProbe`` (its mode, step, emit, snapshots and value sink)."""

    def __init__(self, probe: Any) -> None:
        self.probe = probe
        # handle id -> described (handle ids are never reused, unlike id() of a variable)
        self._described: dict[int, UpdatedVariable] = {}

    def wanted(self) -> bool:
        """Whether updates are reported at all: not when idle (the engine's NO_TENSOR sends
        none) unless the step diff keeps values."""
        return self.probe.mode != "NO_TENSOR" or self.probe.snapshots is not None

    def describe(self, tf: Any, variables: list) -> list[UpdatedVariable]:
        """The variables' descriptions; a ``variable_created`` for each met the first time."""
        described = []
        for variable in variables:
            vid = variable_id(tf, variable)
            found = self._described.get(vid)
            if found is None:
                found = self._described[vid] = UpdatedVariable(vid, variable)
                self.probe.emit("variable_created", id=found.id, name=found.name,
                                shape=_shape(variable.shape),
                                dtype=tf.as_dtype(variable.dtype).name,
                                trainable=found.trainable)
            described.append(found)
        return described

    @staticmethod
    def read(tf: Any, variables: list) -> list:
        """Each variable's value now (a TensorFlow op each: eager, or in the graph traced)."""
        return [tf.convert_to_tensor(v) for v in variables]

    @staticmethod
    def graph_feeds(tf: Any, before: list, after: list) -> list:
        """A traced update's report inputs: per variable its value after the update and the
        norm of its change (float64), computed in the graph."""
        feeds = []
        for old, new in zip(before, after):
            feeds.append(new)
            if new.dtype.is_floating:
                moved = tf.cast(new, tf.float64) - tf.cast(old, tf.float64)
                feeds.append(tf.sqrt(tf.reduce_sum(tf.square(moved))))
            else:
                feeds.append(tf.constant(math.nan, tf.float64))
        return feeds

    def report_graph(self, how: tuple, arrays: tuple) -> None:
        """One run's values of a traced update (``graph_feeds``' order): its events."""
        described, action = how
        for i, variable in enumerate(described):
            self.report(variable, action, np.asarray(arrays[2 * i]),
                        float(arrays[2 * i + 1]))

    def report_eager(self, described: list[UpdatedVariable], action: str, before: list,
                     after: list) -> None:
        """An eager update's events, its change measured from the reads around it."""
        for variable, old, new in zip(described, before, after):
            value = new.numpy()
            update_norm = math.nan
            if value.dtype.kind == "f":
                moved = value.astype(np.float64) - old.numpy().astype(np.float64)
                update_norm = _sqrt(np.vdot(moved, moved))
            self.report(variable, action, value, update_norm)

    def report(self, variable: UpdatedVariable, action: str, value: np.ndarray,
               update_norm: float) -> None:
        """One variable's ``variable_update`` (and its copy for the step diff), as the
        engine probe's ``variable_updated`` makes it."""
        probe = self.probe
        if probe.snapshots is not None and variable.trainable:
            probe.snapshots.keep(WEIGHT, probe.step, variable.id, value)
        mode = probe.mode
        if mode == "NO_TENSOR":
            return
        stats = STATS_OF.get(mode, mode)
        norms: dict[str, float] = {}
        if value.dtype.kind == "f":
            square = np.vdot(value, value)  # the health check and the weight norm in one
            summary = summarize(value, stats, square)
            norms = {"weight_norm": _sqrt(square), "update_norm": update_norm}
        else:
            summary = summarize(value, stats)
        event = probe.emit("variable_update", step=probe.step, epoch=probe.epoch,
                           id=variable.id, name=variable.name, action=action,
                           summary=summary, **norms)
        if mode == "FULL_TENSOR" and probe.value_sink is not None and variable.trainable:
            probe.value_sink(event["seq"], 0, value)  # the step diff's weights (step_values)


def _shape(shape: Any) -> list:
    try:
        return [None if d is None else int(d) for d in shape]
    except TypeError:  # unknown rank
        return []


def _sqrt(square: Any) -> float:
    square = float(square)
    return math.sqrt(square) if square >= 0 else float("nan")
