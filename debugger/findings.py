"""Findings: the problems a trace already shows, named, for the window and `tapescope inspect`.

Each check reads only recorded events (gradient norms, op summaries and shapes, variable
update norms, graph traces), so a finding costs nothing while the script runs. The checks
run over the events as they stream (``Findings.add``): the window feeds each batch it is
shown, `tapescope inspect` the whole trace, and both get the same findings. The checks
demand a pattern that lasts several steps, because one odd step is normal early in training
and a debugger that cries wolf gets ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from math import prod
from typing import Any

from debugger.events import graph_value_id

DEAD_STEPS = 3  # steps of zero gradient / all-zero Relu output before a layer counts as dead
GROWTH = 10.0  # gradient norm growth per step, past its largest yet, like divergence…
GROWTH_STEPS = 2  # …for this many steps in a row (one jump happens in healthy runs)
UPDATE_RATIO = 1.0  # update norm / weight norm before the update…
UPDATE_STEPS = 3  # …in this many steps in a row (a zero-initialized bias starts at ratio 1)
# elementwise binary ops that broadcast their inputs together
BROADCASTING = frozenset({"Add", "AddV2", "Sub", "Mul", "RealDiv", "DivNoNan", "Maximum",
                          "Minimum", "SquaredDifference", "Pow", "FloorDiv", "FloorMod"})


@dataclass(frozen=True)
class Finding:
    """One problem: ``seq`` is the event to select (an op, gradient or variable update),
    ``variable`` the variable concerned (its name) when there is one."""

    kind: str  # "dead", "exploding", "update_ratio", "broadcast", "retracing"
    title: str
    detail: str
    step: int | None
    seq: int | None
    variable: str | None = None


def _variable_label(name: str | None, var_id: int) -> str:
    return f"{name or 'variable'} (id {var_id})"


class Findings:
    """The checks, fed events in seq order; each finding is made once (per variable, op line
    or function), when its pattern completes."""

    def __init__(self, dead_steps: int = DEAD_STEPS,
                 shape_of: Callable[[int, int], list[int] | None] | None = None) -> None:
        self.found: list[Finding] = []
        # (tensor id, seq) -> its shape then: for a feeder that shows only the ops checked
        self._shape_of = shape_of
        self._dead_steps = dead_steps
        self._seen: set[tuple] = set()  # (check, subject) already reported
        self._runs: dict[tuple, list[dict]] = {}  # (check, subject) -> events of the run
        self._last_norm: dict[Any, float] = {}  # variable id -> its previous gradient norm
        self._peak_norm: dict[Any, float] = {}  # variable id -> its largest gradient norm yet
        self._weights: dict[Any, float] = {}  # variable id -> weight norm after last update
        self._frozen: set = set()  # ids of non-trainable variables (metrics' counters)
        self._shapes: dict[int, list[int]] = {}  # tensor id -> shape of the op output
        self._traces: dict[str, list[dict]] = {}  # function -> its graph events
        self._retraced: dict[str, int] = {}  # function -> index of its finding in found

    def add(self, events: Iterable[dict]) -> list[Finding]:
        """Check the next events; returns the findings they completed (retracing: updated)."""
        before = len(self.found)
        changed: list[Finding] = []
        for event in events:
            kind = event.get("kind")
            if kind == "op":
                self._op(event)
            elif kind == "gradient":
                self._gradient(event)
            elif kind == "variable_update":
                self._update(event)
            elif kind == "variable_created":
                if isinstance(event.get("shape"), list):
                    self._shapes[event["id"]] = event["shape"]
                if not event.get("trainable", True):
                    self._frozen.add(event["id"])
            elif kind == "graph":
                changed.append(self._graph(event))
        fresh = self.found[before:]
        return fresh + [f for f in changed if f is not None and f not in fresh]

    def _run(self, key: tuple, event: dict, holds: bool, length: int) -> list[dict] | None:
        """Track a run of consecutive events where a condition ``holds``; the run once it
        reaches ``length`` (and the subject is not reported yet), else None."""
        run = self._runs.setdefault(key, [])
        if holds:
            run.append(event)
        else:
            run.clear()
        if len(run) >= length and key not in self._seen:
            self._seen.add(key)
            return run
        return None

    # -- the checks --------------------------------------------------------------------------
    def _gradient(self, event: dict) -> None:
        for source in event.get("sources", ()):
            var_id, norm = source.get("id"), source.get("norm")
            if norm is None:
                continue
            name = source.get("name")
            label = _variable_label(name, var_id)
            steps = self._dead_steps
            run = self._run(("dead", var_id), event, norm == 0, steps)
            if run:
                self._report("dead", "dead layer",
                             f"the gradient of {label} is exactly 0 for {steps} steps from step "
                             f"{run[0].get('step')}: nothing reaches it (dead Relu units, a "
                             "disconnected path or a zero multiplier)", run[0], name)
            before = self._last_norm.get(var_id)
            self._last_norm[var_id] = norm
            # Growth past anything the norm had been: a norm that dips near 0 (a bias's
            # gradient summing errors that cancel) and comes back grows 10x in a healthy run.
            peak = self._peak_norm.get(var_id, 0.0)
            self._peak_norm[var_id] = max(peak, norm)
            growing = bool(before) and norm >= GROWTH * before and norm > peak  # inf grows
            run = self._run(("exploding", var_id), event, growing, GROWTH_STEPS)
            if run:
                self._report("exploding", "learning rate too large?",
                             f"the gradient norm of {label} grows {GROWTH:g}x or more per step "
                             f"for {GROWTH_STEPS} steps from step {run[0].get('step')} (now "
                             f"{norm:.4g}): training is diverging", run[0], name)

    def _update(self, event: dict) -> None:
        var_id = event.get("id")
        weight, update = event.get("weight_norm"), event.get("update_norm")
        if weight is None or update is None or var_id in self._frozen:
            return
        before = self._weights.get(var_id)  # the norm recorded is the weight's after the update
        self._weights[var_id] = weight
        large = bool(before) and update >= UPDATE_RATIO * before
        run = self._run(("update_ratio", var_id), event, large, UPDATE_STEPS)
        if run:
            name = event.get("name")
            self._report("update_ratio", "learning rate too large?",
                         f"the updates of {_variable_label(name, var_id)} are as large as the "
                         f"weight itself (update/weight >= {UPDATE_RATIO:g}) for {UPDATE_STEPS} "
                         f"steps from step {run[0].get('step')}", run[0], name)

    def _op(self, op: dict) -> None:
        kind = op.get("op")
        if kind == "Relu":
            self._relu(op)
        elif kind in BROADCASTING:
            self._broadcast(op)
        shapes = op.get("shapes")
        if shapes:
            for tensor, shape in zip(op.get("outputs", ()), shapes):
                self._shapes[tensor] = shape

    def _relu(self, op: dict) -> None:
        """All-zero output (FULL_HEALTH's zero counts) at ``dead_steps`` steps in a row."""
        summary = (op.get("summary") or [None])[0]
        if not summary or "zeros" not in summary:
            return  # below FULL_HEALTH: no zero counts recorded
        key = ("relu", op.get("name"), op.get("file"), op.get("line"))
        dead = bool(summary.get("size")) and summary["zeros"] == summary["size"]
        run = self._runs.get(key)
        if dead and run and run[-1].get("step") == op.get("step"):
            return  # the same step again (a layer called twice): one step of the run
        steps = self._dead_steps
        run = self._run(key, op, dead, steps)
        if run:
            self._report("dead", "dead layer",
                         f"Relu {op.get('name')} (line {op.get('line')}) outputs only zeros for "
                         f"{steps} steps from step {run[0].get('step')}: its units are dead, "
                         "no gradient flows back through it", run[0])

    def _broadcast(self, op: dict) -> None:
        """Output bigger than both inputs, inputs of different ranks (``[128] - [128, 1] ->
        [128, 128]``): usually a forgotten squeeze or reshape. Input shapes are the event's
        own ``input_shapes`` (the probe records them exactly when both inputs broadcast),
        else those of the ops, variables or graph placeholders that made them."""
        inputs, shapes = op.get("inputs") or (), op.get("shapes")
        if len(inputs) != 2 or not shapes:
            return
        given = op.get("input_shapes")
        if isinstance(given, list) and len(given) == 2:
            a, b = given
        else:
            a, b = (self._input_shape(i, op.get("seq", 0)) for i in inputs)
        out = shapes[0]
        if not (_known(a) and _known(b) and _known(out)) or len(a) == len(b):
            return
        size = prod(out)
        key = ("broadcast", op.get("op"), op.get("file"), op.get("line"))
        if size > prod(a) and size > prod(b) and key not in self._seen:
            self._seen.add(key)
            self._report("broadcast", "broadcast: did you mean…?",
                         f"{op['op']} {op.get('name')}: {a} and {b} broadcast to {out}, bigger "
                         "than both inputs; if they were meant to match, squeeze or reshape "
                         "the one with the extra axis", op)

    def _input_shape(self, tensor_id: int, seq: int) -> list[int] | None:
        if self._shape_of is not None:
            return self._shape_of(tensor_id, seq)
        return self._shapes.get(tensor_id)

    def _graph(self, graph: dict) -> Finding | None:
        """One finding per function traced more than once, updated as traces come."""
        graph_id = graph.get("graph_id")
        for node in graph.get("nodes") or ():  # arguments, constants: no op event says
            for vid, shape in zip(node.get("outputs") or (), node.get("shapes") or ()):
                if isinstance(vid, int) and isinstance(graph_id, int):
                    self._shapes[graph_value_id(graph_id, vid)] = shape
        function = graph["function"]
        traces = self._traces.setdefault(function, [])
        traces.append(graph)
        if len(traces) < 2:
            return None
        reasons = list(dict.fromkeys(g["reason"] for g in traces[1:] if g.get("reason")))
        if len(reasons) > 2:  # a shape changing every call: the first two say it all
            reasons = [*reasons[:2], f"… ({len(reasons) - 2} more)"]
        finding = Finding("retracing", f"{function} retraced",
                          f"{function} was traced {max(g['trace_count'] for g in traces)} times"
                          + (": " + "; ".join(reasons) if reasons else ""),
                          None, traces[1]["seq"])
        index = self._retraced.get(function)
        if index is None:
            self._retraced[function] = len(self.found)
            self.found.append(finding)
        else:
            self.found[index] = finding
        return finding

    def _report(self, kind: str, title: str, detail: str, event: dict,
                variable: str | None = None) -> None:
        self.found.append(Finding(kind, title, detail, event.get("step"), event["seq"],
                                  variable))


def _known(shape: Any) -> bool:
    """A shape with every dimension known (a traced argument's may have None)."""
    return isinstance(shape, list) and all(type(d) is int for d in shape)


def find_all(reader: Any) -> list[Finding]:
    """Every finding of an open TraceReader, in the order the run met them."""
    findings = Findings()
    findings.add(reader.events())
    return sorted(findings.found, key=lambda f: (f.seq is None, f.seq or 0))
