"""Headless breakpoints: ``tapescope record --break-on-nan`` / ``--break CONDITION``.

A recording has nobody to pause for, so a breakpoint that fires ends the run there and
keeps what a person would have looked at: the FULL values of the op's outputs and of its
inputs, whatever the recording mode, and a ``finished`` event with ``status`` "stopped"
saying which op, which line and why. Inputs are stored under the stopped op's own seq at
negative indices (input ``j`` at index ``-1 - j``, see ``input_index``): an input from numpy,
tf.data or a compiled graph's argument has no op event whose output it is.

First NaN/Inf: the probe tells ``on_bad_op`` of the first op whose output holds NaN/Inf
(packed eager ops from their health check, compiled ``tf.function`` runs from
``SummarizedGraph``, which keeps its run's values while this is on: that is how a compiled
op's inputs are at hand without re-running a step whose updates already happened). Normally
its inputs are finite (the origin); when they are not (NaN in the data, a bad variable), the
stop says so. Conditions (the window's language: an expression over ``x``, the op's first
output) need every op's value, so they watch ops one by one, as the live debugger does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from debugger.breakpoints import Breakpoint, BreakpointSet
from debugger.tensor_stats import bad_counts

EXIT_STOPPED = 4  # `tapescope record` exit code: a headless breakpoint ended the run


class RunStopped(BaseException):
    """Unwinds the script from the op where a headless breakpoint fired. A BaseException,
    as KeyboardInterrupt is, so that the script's ``except Exception`` does not swallow it;
    ``fields`` go into the ``finished`` event."""

    def __init__(self, fields: dict) -> None:
        super().__init__(fields.get("detail", "stopped"))
        self.fields = fields


def input_index(position: int) -> int:
    """The ``tensor_values`` index input ``position`` of a stopped op is stored under."""
    return -1 - position


def health_counts(value: Any) -> dict[str, int]:
    """Element counts of a value that explain a NaN/Inf: NaN, ±Inf, zeros and negatives
    (the usual suspects of log, sqrt and division)."""
    array = np.asarray(value)
    counts = {"size": int(array.size), "nan": 0, "pos_inf": 0, "neg_inf": 0,
              "zeros": 0, "negative": 0}
    if array.dtype.kind not in "biuf" or array.dtype.kind == "b":
        return counts
    with np.errstate(invalid="ignore"):
        if array.dtype.kind == "f":
            counts["nan"] = int(np.isnan(array).sum())
            counts["pos_inf"] = int(np.isposinf(array).sum())
            counts["neg_inf"] = int(np.isneginf(array).sum())
        counts["zeros"] = int(np.count_nonzero(array == 0))
        counts["negative"] = int(np.count_nonzero(np.isfinite(array) & (array < 0)))
    return counts


def health_text(value: Any) -> str:
    """``float32[5]: 1 of 5 elements are 0`` — what a stored value holds, for inspect."""
    array = np.asarray(value)
    if array.dtype.kind not in "iuf":  # strings, booleans: no NaN, no sign to count
        return f"{array.dtype.name}{list(array.shape)}"
    counts = health_counts(array)
    n = counts["size"]
    labels = (("nan", "NaN"), ("pos_inf", "+Inf"), ("neg_inf", "-Inf"), ("zeros", "0"),
              ("negative", "negative"))
    parts = [f"{counts[key]} of {n} elements {'is' if counts[key] == 1 else 'are'} {label}"
             for key, label in labels if counts[key]]
    if not parts:
        parts = [f"all {n} elements finite, none 0 or negative" if n else "empty"]
    return f"{array.dtype.name}{list(array.shape)}: " + ", ".join(parts)


def _is_bad(value: Any) -> bool:
    return value is not None and bad_counts(value) is not None


class HeadlessStop:
    """The recorder's breakpoints: decides where to stop, stores the values, raises."""

    def __init__(self, probe: Any, write_value: Any, break_on_nan: bool = False,
                 conditions: tuple[str, ...] | list[str] = ()) -> None:
        self.probe = probe
        self.write_value = write_value
        self.problems: list[str] = []  # conditions that raised (and were switched off)
        self.breakpoints = BreakpointSet(
            [Breakpoint("condition", condition=c, id=i + 1) for i, c in enumerate(conditions)],
            on_error=self._condition_failed)
        if break_on_nan:
            probe.on_bad_op = self._bad_op
        if conditions:  # every op's value: one by one, graphs too (as op breakpoints live)
            probe.watch_ops(True)

    def check(self, event: dict) -> None:
        """The recorder's sink hands every event here (op events decide conditions)."""
        if event["kind"] != "op" or not self.breakpoints:
            return
        outputs = self.probe.last_op_outputs
        hit = self.breakpoints.check(
            event, lambda _e: outputs[0]._value if outputs else None)
        if hit is not None:
            self.stop("condition", event, [t._value for t in self.probe.last_op_inputs],
                      [t._value for t in outputs], condition=hit.condition)

    def _condition_failed(self, bp: Breakpoint, message: str) -> None:
        self.problems.append(message)
        self.probe.emit("output", stream="debugger", text=message + "\n", breakpoint=bp.id)

    def _bad_op(self, seq: int, event: dict, inputs: list, outputs: list) -> None:
        self.stop("nan", {**event, "seq": seq}, inputs, outputs)

    def stop(self, reason: str, event: dict, inputs: list, outputs: list,
             condition: str = "") -> None:
        """Store the op's values, then end the run (raises RunStopped)."""
        seq = event["seq"]
        probe = self.probe
        probe.on_bad_op = None  # once: what the unwinding runs (finally blocks) goes on
        self.breakpoints.replace([])
        if not (probe.mode == "FULL_TENSOR" and probe.value_sink is not None):  # else kept
            for i, value in enumerate(outputs):
                self._store(seq, i, value)
        described = []
        for j, value in enumerate(inputs):
            stored = self._store(seq, input_index(j), value)
            entry: dict[str, Any] = {"index": j, "stored": stored}
            if value is not None:
                array = np.asarray(value)
                entry.update(shape=list(array.shape), dtype=array.dtype.name,
                             bad=_is_bad(array))
            described.append(entry)
        where = f"{event.get('file') or '?'}:{event.get('line') or 0}"
        op = f"{event.get('op')} ({event.get('name')})"
        if reason == "nan":
            bad_inputs = [e["index"] for e in described if e.get("bad")]
            origin = not bad_inputs
            why = ("its inputs are finite: this op made the NaN/Inf (the origin)" if origin
                   else f"input {', '.join(map(str, bad_inputs))} already held NaN/Inf (not "
                        "made by a recorded op: data or a variable)")
            detail = f"first NaN/Inf at {op}, {where}, step {event.get('step')}: {why}"
        else:
            origin = False
            detail = f"condition {condition!r} held at {op}, {where}, step {event.get('step')}"
        fields = {"reason": reason, "detail": detail, "at_seq": seq, "op": event.get("op"),
                  "name": event.get("name"), "file": event.get("file"),
                  "line": event.get("line"), "step": event.get("step"),
                  "exec": event.get("exec"), "inputs_kept": described, "origin": origin}
        if condition:
            fields["condition"] = condition
        raise RunStopped(fields)

    def _store(self, seq: int, index: int, value: Any) -> bool:
        if value is None:
            return False
        array = np.asarray(value)
        if array.dtype.hasobject:  # would need pickle: trace files never hold those
            return False
        self.write_value(seq, index, array)
        return True


# -- the report `tapescope inspect` prints ---------------------------------------------------

def _producer_text(reader: Any, tensor_id: Any, seq: int, op: Any, position: int) -> str:
    """What made an input: ``Sqrt (line 15)``, a variable, a traced argument, or nothing
    (then the argument's name: ``x (not made by a recorded op)``)."""
    from debugger.graph_export import input_name

    unmade = f"{input_name(str(op), position)} (not made by a recorded op)"
    if not isinstance(tensor_id, int):
        return unmade
    found = reader.producer(tensor_id, seq)
    if found is not None:
        event, index = found
        suffix = f"[{index}]" if len(event.get("outputs") or ()) > 1 else ""
        return f"{event.get('op')}{suffix} (line {event.get('line')}, #{event['seq']})"
    for var in reader.events("variable_created"):
        if var.get("id") == tensor_id:
            return f"variable {var.get('name')}"
    if tensor_id < 0:  # a compiled run's value: its graph event names it
        graph_id, value_id = divmod(-tensor_id, 1_000_000)
        for graph in reader.graphs():
            if graph.get("graph_id") != graph_id:
                continue
            for node in graph.get("nodes") or ():
                if value_id in (node.get("outputs") or ()):
                    return f"{node.get('op')} {node.get('name')} of {graph.get('function')}"
    return unmade


def stop_lines(reader: Any, finished: dict) -> list[str]:
    """Where a headless breakpoint stopped the run, the op's outputs and each input with its
    producer and what its stored value holds (NaN, Inf, zeros, negatives)."""
    from debugger.tracefile import TraceFileError

    seq = finished.get("at_seq")
    if not isinstance(seq, int):
        return ["Stopped: the trace does not say at which op"]
    lines = [f"Stopped at: op {finished.get('op')} ({finished.get('name')}) seq {seq}, step "
             f"{finished.get('step')}, at {finished.get('file') or '?'}:"
             f"{finished.get('line') or 0}"]
    if isinstance(finished.get("detail"), str):
        lines.append(f"  why: {finished['detail']}")
    try:
        op = next(iter(reader.ops(start_seq=seq, limit=1)), None)
        if op is None or op.get("seq") != seq:
            return [*lines, "  (the op's event is missing from the trace)"]
        name = op.get("op")
        for i in range(len(op.get("outputs") or ())):
            value = reader.value(seq, i)
            text = health_text(value) if value is not None else "value not stored"
            lines.append(f"  {name} output {i}: {text}")
        for j, tensor_id in enumerate(op.get("inputs") or ()):
            value = reader.value(seq, input_index(j))
            text = health_text(value) if value is not None else "value not stored"
            made_by = _producer_text(reader, tensor_id, seq, name, j)
            lines.append(f"  {name} input {j} = {made_by}: {text}")
    except TraceFileError as exc:
        lines.append(f"  (cannot read the stopped op's values: {exc})")
    return lines
