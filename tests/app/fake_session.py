"""A stand-in for ``app.session.Session``: the same signals and methods, fed by the test.

Docks only see a session's signals, ``events``, ``model`` (the Qt-free ``SessionModel`` that
holds the ops), ``fetch_value`` and (the step diff) ``step_values``/``keep_step_values``; this
class gives them exactly that, so dock tests need
no child process. Event builders use the real schema
(``debugger.events.make``) and the real summaries, so schema drift breaks these tests.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from debugger.events import make
from debugger.session_model import SessionModel
from debugger.step_values import StepValues, ValueMissing
from debugger.tensor_stats import summarize


class FakeSession(QObject):
    """Signals and methods of ``Session``; ``feed`` plays the part of the child process."""

    eventsArrived = Signal(list)
    opsAdded = Signal(int, int)
    runPaused = Signal(dict)
    runFinished = Signal(str)
    stateChanged = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self.events: list[dict] = []
        self.model = SessionModel()
        self.values: dict[tuple[int, int], np.ndarray] = {}
        self.kept: StepValues | None = None  # what ``step_values`` gives (None: nothing open)
        self.keeping: list[bool] = []  # keep_step_values calls
        self._seq = 0

    def fetch_value(self, seq: int, idx: int) -> np.ndarray | None:
        return self.values.get((seq, idx))

    def step_values(self) -> StepValues | None:
        return self.kept

    def keep_step_values(self, on: bool) -> None:
        self.keeping.append(on)

    def feed(self, batch: list[dict]) -> None:
        """Deliver one screen-rate batch, as the real session does: ops into the model and
        ``opsAdded``, then the other events."""
        self.events.extend(batch)
        start = len(self.model.ops)
        others = self.model.add(batch)
        if len(self.model.ops) > start:
            self.opsAdded.emit(start, len(self.model.ops))
        if others:
            self.eventsArrived.emit(others)

    # -- event builders ------------------------------------------------------------------------
    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def op(self, op: str, outputs: list[Any], *, inputs: tuple[int, ...] = (),
           output_ids: tuple[int, ...] | None = None, name: str | None = None, step: int = 0,
           mode: str = "FULL_HEALTH", keep: bool = True) -> dict:
        """An "op" event whose outputs are ``outputs``; their values are kept if ``keep``."""
        seq = self.next_seq()
        arrays = [np.asarray(v) for v in outputs]
        if output_ids is None:
            output_ids = tuple(seq * 100 + i for i in range(len(arrays)))
        if keep:
            for i, a in enumerate(arrays):
                self.values[(seq, i)] = a
        return make("op", seq, step=step, epoch=0, op=op, name=name or op, scope="",
                    inputs=list(inputs), outputs=list(output_ids),
                    shapes=[list(a.shape) for a in arrays], dtypes=[a.dtype.name for a in arrays],
                    file="train.py", line=seq, duration=1e-6, exec="eager",
                    summary=[summarize(a, mode) for a in arrays])

    def scalar(self, name: str, value: float, step: int, epoch: int = 0,
               axis: str | None = None) -> dict:
        """A scalar; ``axis`` (what ``step`` counts) defaults to what the probe says for
        Keras' names: "epoch" for "epoch_…", else "step"."""
        if axis is None:
            axis = "epoch" if name.startswith("epoch_") else "step"
        return make("scalar", self.next_seq(), step=step, epoch=epoch, name=name, value=value,
                    axis=axis)

    def variable_created(self, var_id: int, name: str, value: Any,
                         trainable: bool = True) -> dict:
        a = np.asarray(value)
        return make("variable_created", self.next_seq(), id=var_id, name=name,
                    shape=list(a.shape), dtype=a.dtype.name, trainable=trainable)

    def variable_update(self, var_id: int, name: str, value: Any, step: int,
                        **extra: Any) -> dict:
        event = make("variable_update", self.next_seq(), step=step, epoch=0, id=var_id,
                     name=name, action="assign_sub",
                     summary=summarize(np.asarray(value), "FULL_HEALTH"))
        event.update(extra)
        return event

    def gradient(self, step: int, sources: list[dict]) -> dict:
        return make("gradient", self.next_seq(), step=step, epoch=0, target=1,
                    sources=sources, file="train.py", line=10)


def gradient_source(var_id: int, name: str | None, grad: Any = None, *,
                    reason: str | None = None, shape: tuple[int, ...] = ()) -> dict:
    """One entry of a gradient event's ``sources``, as the probe writes it."""
    if grad is None:
        return {"id": var_id, "name": name, "shape": list(shape),
                "reason": reason or "no gradient", "summary": None}
    g = np.asarray(grad, dtype=np.float32)
    return {"id": var_id, "name": name, "shape": list(g.shape),
            "summary": summarize(g, "FULL_HEALTH"), "norm": float(np.linalg.norm(g))}


class KeptValues:
    """Step values from a dict, (what, step, variable id) -> array (a ``StepValues``)."""

    description = "kept by the test"

    def __init__(self, kept: dict[tuple[str, int, int], np.ndarray],
                 missing: str = "not kept") -> None:
        self.kept = kept
        self.missing = missing

    def value(self, what: str, step: int, variable: int) -> np.ndarray:
        found = self.kept.get((what, step, variable))
        if found is None:
            raise ValueMissing(self.missing)
        return found
