"""The probe: the engine's debugger hook, turning what the engine does into events.

Attach it with ``Probe(sink).attach()``. Each op, gradient, variable change, traced graph,
step/epoch boundary and scalar becomes one event dict (``debugger.events``) handed to
``sink`` synchronously — so a sink may block to pause the run. Full values of the ops of
the last few training steps stay in memory (a ring) for time travel; ``FULL_TENSOR`` mode
also hands every output value to ``value_sink`` (the trace file).

When the probe does not want op events (mode ``NO_TENSOR`` and nobody stepping or holding
op breakpoints), ``wants_ops`` is False: eager ops and compiled graphs run at full speed
and only boundaries, gradients, updates and scalars are reported.

A recorder (``pack=True``: the trace file, the live debuggee) gets consecutive ops as one
"ops" pack (``events.OpsExpander`` gives the op events back) whenever the mode's summaries can
be rebuilt from a pack (``events.PACKABLE_MODES``) and nobody steps op by op or holds op
breakpoints. Then compiled ``tf.function`` graphs keep running compiled, with a health
check after each op (``SummarizedGraph``) instead of op-by-op dispatch: watching every op's
health costs a fraction of what one event per op through dispatch costs.
"""

from __future__ import annotations

import functools
import math
import operator
import threading
import time
import weakref
from collections.abc import Callable
from math import isfinite
from typing import Any

import numpy as np

from debugger import events
from debugger.findings import BROADCASTING
from debugger.health import row_health_is_bad
from debugger.nested_graphs import fed_by, graph_nodes, layout
from debugger.ring import ValueRing
from debugger.step_values import GRADIENT, WEIGHT, VariableSnapshots
from debugger.summarized_graph import summarized
from debugger.tensor_stats import DTYPE_NAMES, bad_counts, dtype_name, full_stats, summarize
from engine.context import STATE, Hook, set_hook, user_frame
from engine.graph import ir
from engine.graph.executor import report_gradient
from engine.tape import gradient_source_texts
from engine.tensor import Variable, wrap

# A pack is sent when it holds this many ops or its first op is this old (the live view).
PACK_MAX_OPS = 512
PACK_MAX_SECONDS = 0.1
_ID = operator.attrgetter("_id")  # a tensor's id, read in C (a list comprehension is a frame)

Sink = Callable[[dict], None]
ValueSink = Callable[[int, int, np.ndarray], None]
# (op event seq, op event fields, input values, output values)
BadOpHandler = Callable[[int, dict, list, list], None]


class _At:
    """Where the ops a node's kernel dispatches are told to come from (``Probe._where``)."""

    __slots__ = ("name", "scope", "source")

    def __init__(self, name: str, scope: str, source: tuple[str, int]) -> None:
        self.name, self.scope, self.source = name, scope, source


def _graph_values(graph: Any, op_nodes: list, args: Any, kept: list, k: int
                  ) -> Callable[[Any], Any]:
    """A run's value of a graph value read by op ``k``: its argument in ``args``, a
    constant, a variable, or an earlier op's kept output (None if not kept)."""
    index = {n.id: j for j, n in enumerate(op_nodes)}
    params = {v.id: i for i, v in enumerate(graph.params)}

    def value_of(v: Any) -> Any:
        producer = v.node
        if producer.type == ir.PLACEHOLDER and v.id in params:
            return args[params[v.id]]
        if producer.type == ir.CONST:
            return producer.attrs["value"]
        if producer.type == ir.READ_VARIABLE:
            return producer.attrs["variable"]._value
        j = index.get(producer.id)
        return kept[j][v.index] if j is not None and j < k and kept[j] else None

    return value_of


def _graph_tensor_id(graph_id: int, value: Any) -> int:
    """The id op events of a compiled run give a graph value (``events.graph_op_rows``)."""
    if value.node.type == ir.READ_VARIABLE:
        return value.node.attrs["variable"]._id
    return events.graph_value_id(graph_id, value.id)


def _variable_name(var: Any) -> str:
    """The name a variable is shown by: a Keras weight's path (``sequential/dense/kernel``;
    its ``name`` alone, ``kernel``, would not tell two layers apart), else TF's ``name``."""
    return getattr(var, "path", None) or var.name


def _sqrt(square: Any) -> float:
    """√ of a sum of squares as a Python float (NaN for NaN/-…; math.sqrt would raise)."""
    square = float(square)
    return math.sqrt(square) if square >= 0 else float("nan")



def broadcast_input_shapes(op_name: str, inputs: tuple, out_shape: tuple) -> list | None:
    """The input shapes of a binary elementwise op that broadcast both inputs to a bigger
    shape (``[128] - [128, 1] -> [128, 128]``), else None. Op events record output shapes
    only, and an input from numpy or tf.data has no recorded producer: the broadcast
    finding needs these. Only for the rare op where neither input has the output's shape,
    so the hot path pays one set lookup."""
    if op_name not in BROADCASTING or len(inputs) != 2:
        return None
    a, b = (np.shape(t._value) for t in inputs)
    if a == out_shape or b == out_shape:
        return None
    return [list(a), list(b)]


def _source_text(file: str, line: int, index: int, count: int) -> str | None:
    """A watched tensor's name: its text in the user's ``tape.gradient`` call (``x`` of
    ``tape.gradient(y, [x])``), since a plain tensor has no name of its own."""
    texts = gradient_source_texts(file, line, count)
    return None if texts is None else texts[index]


class Probe(Hook):
    """Engine hook → events, from any number of threads.

    Each event's seq is taken and the event handed to ``sink`` under one lock, so the sink
    sees unique seqs in increasing order even when a script's threads run ops side by side
    or a debugger's reader thread emits beside them. So ``sink`` must not block (a pause
    would hold every other thread's events): ``after_sink`` is called with each event but
    packs once the lock is released, on the thread that made it, and may block."""

    def __init__(self, sink: Sink, mode: str = "CONCISE_HEALTH", ring_steps: int = 3,
                 value_sink: ValueSink | None = None, pack: bool = False) -> None:
        if mode not in events.MODES:
            raise ValueError(f"unknown tensor debug mode {mode!r}; choose from {events.MODES}")
        self.sink = sink
        self.after_sink: Sink | None = None  # see the class docstring
        # Reentrant: a sink may emit (a trace writer's warning, a headless stop's report).
        self._lock = threading.RLock()
        self.value_sink = value_sink
        self.ring_steps = ring_steps
        self._mode = mode
        self._force_ops = False  # someone steps op by op or holds op breakpoints
        self.seq = 0
        self.step = 0
        self.epoch = 0
        self._steps_since_epoch = 0
        self._in_fit = False
        self._batch_step = 0  # the step fit's current batch trains
        self._scalar_axes: dict[str, str] = {}  # tf.summary stream -> what its steps count
        self._graph_stack: list[int] = []
        self.graph_node: Any = None  # the traced graph's node running now (set by the executor)
        self._ring = ValueRing(max(ring_steps, 0))  # time travel: recent op outputs
        self._ring_step: int | None = None  # the step whose ring dict the packing path holds
        self._ring_kept: dict = {}
        self.last_op_outputs: tuple = ()
        self.last_op_inputs: tuple = ()  # of the last op sent one by one (a stop keeps them)
        self._previous = None
        # variable id -> (flat copy after its last update, scratch for the next difference)
        self._last_weights: dict[int, tuple[np.ndarray, np.ndarray] | None] = {}
        self.pack = pack
        self._packing = False  # packing now (compiled graphs too: ``run_graph``)
        self._rows: list[tuple] = []  # the pending pack: events.OP_ROW tuples
        self._pack_seq = 0  # seq of its first op
        self._pack_started = 0.0
        self._variable_reads: dict[int, dict] = {}  # graph id -> value id -> Variable
        self._squares: dict[int, Any] = {}  # gradient._id -> its Σx², while a graph reports
        # Who answers tf.debugging.enable_check_numerics(): the debuggee stops at the first
        # NaN/Inf instead; with nobody (a headless recording) the engine raises as usual.
        self.on_check_numerics: Callable[[bool], bool] | None = None
        # A headless stop at the first NaN/Inf (``tapescope record --break-on-nan``): told of
        # the first op whose output is bad, with its input and output values, after the
        # op's event went to the sink; it raises to end the run. Compiled graphs then keep
        # their run's values (``SummarizedGraph``'s copies), so the op's inputs are at hand.
        self.on_bad_op: BadOpHandler | None = None
        self._graph_args: list = []  # the arrays the compiled graph running now was given
        # (graph id, scope of a nested graph, looped) -> the static part of its ops' rows
        self._nested_templates: dict[tuple[int, str, bool], list[tuple]] = {}
        # A live debuggee's copies of trainable variables and gradients per step (step diff)
        self.snapshots: VariableSnapshots | None = None
        self._refresh_packing()

    # -- configuration ------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    @mode.setter
    def mode(self, mode: str) -> None:
        if mode not in events.MODES:
            raise ValueError(f"unknown tensor debug mode {mode!r}")
        self.flush_ops()  # a pack's summaries follow one mode
        self._mode = mode
        self._refresh_packing()
        STATE.refresh()

    @property
    def wants_ops(self) -> bool:
        return self._mode != "NO_TENSOR" or self._force_ops

    def watch_ops(self, on: bool) -> None:
        """Ask for op events even in NO_TENSOR mode (op stepping, op breakpoints)."""
        self._force_ops = bool(on)
        self._refresh_packing()
        STATE.refresh()

    def _refresh_packing(self) -> None:
        packing = (self.pack and not self._force_ops
                   and self._mode in events.PACKABLE_MODES)
        if not packing:
            self.flush_ops()
        self._packing = packing

    def attach(self) -> Probe:
        self._previous = set_hook(self)
        return self

    def detach(self) -> None:
        self.flush_ops()
        if STATE.hook is self:
            set_hook(self._previous)

    def __enter__(self) -> Probe:
        return self.attach()

    def __exit__(self, *exc: object) -> None:
        self.detach()

    # -- values ---------------------------------------------------------------------------------
    def value(self, seq: int, index: int = 0) -> np.ndarray | None:
        """A recent op output by event seq (None once it left the ring)."""
        return self._ring.get(seq, index)

    def _keep(self, seq: int, outputs: tuple) -> None:
        if self.ring_steps > 0:
            self._ring.keep(self.step, seq, [t._value for t in outputs])

    def _ring_values(self) -> dict:
        """The ring's dict of this step's values (``ValueRing.step_values``), held between
        calls (under the lock; needs ``ring_steps`` > 0)."""
        if self._ring_step != self.step:
            self._ring_kept = self._ring.step_values(self.step)
            self._ring_step = self.step
        return self._ring_kept

    # -- emitting -------------------------------------------------------------------------------
    def _emit(self, kind: str, **fields: Any) -> dict:
        """One event in sequence (fields as ``events.FIELDS`` lists them: the tests hold
        every kind to the schema, so this hot path does not check)."""
        with self._lock:
            if self._rows:
                self.flush_ops()
            self.seq += 1
            event = {"kind": kind, "seq": self.seq, **fields}
            self.sink(event)
        if self.after_sink is not None:
            self.after_sink(event)
        return event

    def emit(self, kind: str, **fields: Any) -> dict:
        """Send an event of the debugger's own (output, paused, error…) in sequence."""
        return self._emit(kind, **fields)

    def flush_ops(self) -> None:
        """Send the pending "ops" pack now (before any other event, a pause, the end), from
        any thread: its rows may come from several."""
        if not self._rows:
            return
        with self._lock:
            rows = self._rows
            if rows:
                self._rows = []
                self.sink({"kind": "ops", "seq": self._pack_seq, "step": self.step,
                           "epoch": self.epoch, "mode": self._mode, "count": len(rows),
                           "rows": rows})

    def _new_pack(self, now: float) -> list[tuple]:
        """The rows of a pack begun now, the pending one sent first if it has rows (it is full
        or old; under the lock)."""
        if self._rows:
            self.flush_ops()
        self._pack_seq = self.seq + 1
        self._pack_started = now
        return self._rows

    def _pending_rows(self) -> list[tuple]:
        """The pending pack's rows; a new pack if there is none or it is full or old (under
        the lock; ``op_executed`` writes this test inline, per op)."""
        rows = self._rows
        now = time.perf_counter()
        if not rows or len(rows) >= PACK_MAX_OPS or now - self._pack_started > PACK_MAX_SECONDS:
            rows = self._new_pack(now)
        return rows

    # -- engine hook methods ----------------------------------------------------------------------
    def _op_event(self, op: Any, inputs: tuple, outputs: tuple, attrs: dict,
                  duration: float) -> None:
        """``op_executed`` of a probe that is not packing: one "op" event."""
        name, scope, file, line, exec_kind = self._where(op, attrs)
        mode = self._mode
        summary = None if mode == "NO_TENSOR" else [summarize(t._value, mode) for t in outputs]
        values = [np.asarray(t._value) for t in outputs]
        # The hottest event: built as a literal (events.make checks the same fields, ~5 µs).
        event = {"kind": "op", "seq": 0, "step": self.step, "epoch": self.epoch,
                 "op": op.name, "name": name, "scope": scope,
                 "inputs": [t._id for t in inputs], "outputs": [t._id for t in outputs],
                 "shapes": [list(v.shape) for v in values],
                 "dtypes": [dtype_name(v.dtype) for v in values],
                 "file": file, "line": line, "duration": duration, "exec": exec_kind,
                 "summary": summary}
        if op.name in BROADCASTING and values:
            input_shapes = broadcast_input_shapes(op.name, inputs, values[0].shape)
            if input_shapes is not None:
                event["input_shapes"] = input_shapes
        with self._lock:  # the seq and the sink together: events leave in seq order
            if self._rows:
                self.flush_ops()
            seq = event["seq"] = self.seq = self.seq + 1
            self._keep(seq, outputs)
            if mode == "FULL_TENSOR" and self.value_sink is not None:
                for i, value in enumerate(values):
                    self.value_sink(seq, i, value)
            self.last_op_outputs = outputs
            self.last_op_inputs = inputs
            self.sink(event)
        if self.after_sink is not None:
            self.after_sink(event)
        if self.on_bad_op is not None and summary and any(
                s is not None and s.get("bad") for s in summary):
            self.on_bad_op(seq, event, [t._value for t in inputs], [t._value for t in outputs])

    def _where(self, op: Any, attrs: dict) -> tuple[str, str, str, int, str]:
        """An op's name, scope, source file and line, and exec kind: a traced graph's ops are
        named as in the graph event (so views can map op <-> node), eager ones by the user's
        code."""
        node = self.graph_node if self._graph_stack else None
        if node is not None:
            file, line = node.source
            return node.name, node.scope, file, line, f"graph:{self._graph_stack[-1]}"
        site = STATE.user_site
        file, line = user_frame(2) if site is None else site
        name = attrs.get("name", op.name) if isinstance(attrs.get("name"), str) else op.name
        return name, "/".join(STATE.scopes), file, line, "eager"

    def op_executed(self, op: Any, inputs: tuple, outputs: tuple, attrs: dict,
                    duration: float) -> None:
        """One op ran. Packing: one row of the pending pack and one dot product per float
        output; else one "op" event (``_op_event``). The packing path is the hottest of a
        watched run (the live session, ``tapescope record``), so what ``_where``, ``_keep``
        and ``ValueRing.keep`` do for it is written out here: a call is a frame per op."""
        if not self._packing:
            self._op_event(op, inputs, outputs, attrs, duration)
            return
        node = self.graph_node if self._graph_stack else None
        if node is not None:  # as _where
            file, line = node.source
            name, scope, exec_kind = node.name, node.scope, f"graph:{self._graph_stack[-1]}"
        else:
            site = STATE.user_site
            file, line = user_frame(2) if site is None else site
            name = attrs.get("name")
            if not isinstance(name, str):
                name = op.name
            scope, exec_kind = "/".join(STATE.scopes), "eager"
        health: Any = 0
        mode = self._mode
        check = mode != "SHAPE"
        if mode == "FULL_HEALTH":  # every output's statistics (the checks are the least)
            check = False
            health = [full_stats(t._value) for t in outputs]
        single = len(outputs) == 1  # most ops: no loops
        if single:
            value = outputs[0]._value
            if type(value) is not np.ndarray:
                value = np.asarray(value)
            # bad_counts' own first step, inline: most ops are healthy, and this is per op
            if check and value.dtype.kind == "f" and not isfinite(np.vdot(value, value)):
                counts = bad_counts(value)
                if counts is not None:
                    health = [counts]
            shapes: tuple = (value.shape,)
            dtypes: tuple = (DTYPE_NAMES.get(value.dtype) or dtype_name(value.dtype),)
            output_ids: tuple = (outputs[0]._id,)
        else:
            values = [np.asarray(t._value) for t in outputs]
            if check:
                for i, value in enumerate(values):
                    counts = bad_counts(value)
                    if counts is not None:
                        if not health:
                            health = [0] * len(values)
                        health[i] = counts
            shapes = tuple([v.shape for v in values])
            dtypes = tuple([dtype_name(v.dtype) for v in values])
            output_ids = tuple(map(_ID, outputs))
        # Tuples of numbers: the garbage collector stops tracking them (lists it walks).
        row = (op.name, name, scope, tuple(map(_ID, inputs)), output_ids, shapes,
               dtypes, file, line, duration, exec_kind, health)
        if op.name in BROADCASTING and len(inputs) == 2:  # inline: a bias add passes here
            a, b = inputs[0]._value, inputs[1]._value
            if getattr(a, "shape", None) != shapes[0] != getattr(b, "shape", None):
                # a row's optional last field (events.OP_ROW): both inputs broadcast
                row += ([list(np.shape(a)), list(np.shape(b))],)
        with self._lock:  # the row's place in the pack is its seq
            rows = self._rows
            now = time.perf_counter()
            if not rows or len(rows) >= PACK_MAX_OPS or now - self._pack_started > PACK_MAX_SECONDS:
                rows = self._new_pack(now)
            seq = self.seq = self.seq + 1
            if self.ring_steps > 0:  # as _keep
                if self._ring_step != self.step:
                    self._ring_kept = self._ring.step_values(self.step)
                    self._ring_step = self.step
                if single:
                    self._ring_kept[(seq, 0)] = outputs[0]._value
                else:
                    for i, t in enumerate(outputs):
                        self._ring_kept[(seq, i)] = t._value
            self.last_op_outputs = outputs
            rows.append(row)
        if self.on_bad_op is not None and row_health_is_bad(health, mode == "FULL_HEALTH"):
            self.flush_ops()  # the op's event first: the handler ends the run
            where = dict(zip(events.OP_ROW, row))
            self.on_bad_op(seq, {**where, "seq": seq, "step": self.step, "epoch": self.epoch},
                           [t._value for t in inputs], [t._value for t in outputs])

    def run_graph(self, concrete: Any, arrays: list) -> tuple | None:
        """While packing, run a traced function compiled with each op's health checked
        (``SummarizedGraph``); else let the engine run it (op by op, or plainly compiled)."""
        if not self._packing:
            return None
        keep = self.ring_steps > 0 or self.on_bad_op is not None
        program = summarized(concrete, keep, self._mode == "FULL_HEALTH")
        self._graph_args = arrays
        return program(functools.partial(self._graph_ops, concrete), *arrays,
                       nested=functools.partial(self._run_nested, concrete, ""))

    def _run_nested(self, concrete: Any, path: str, holder: Any, role: str | None,
                    program: Any, arrays: tuple, looped: bool = False) -> tuple:
        """Run the build of a nested graph of ``holder`` (an If's branch, a While's cond or
        body, once per iteration), its ops reported as ``path`` + ``While/body/<op name>``
        (``path``: the holders it is nested in), as the op-by-op path names them."""
        if role is None:  # a kernel dispatching ops: told as the node's, as op by op
            return self._run_dispatching(concrete, path, holder, program, arrays)
        scope = f"{path}{holder.name}/{role}"
        report = functools.partial(self._nested_ops, concrete, scope, program, looped, arrays)
        return program(report, *arrays, nested=functools.partial(self._run_nested, concrete,
                                                         scope + "/"))

    def _run_dispatching(self, concrete: Any, path: str, node: Any, kernel: Any,
                         arrays: tuple) -> tuple:
        """Run a WhileGrad's kernel with the ops it dispatches told as the node's (their
        loop's ops by their path in it), in the graph's run, as ``run_observed`` tells
        them."""
        at = _At(path + node.name, path[:-1] if path else node.scope, node.source)
        self._graph_stack.append(concrete.graph_id)
        previous, self.graph_node = self.graph_node, at
        try:
            return kernel(*arrays)
        finally:
            self.graph_node = previous
            self._graph_stack.pop()

    def _nested_rows(self, concrete: Any, scope: str, program: Any, looped: bool
                     ) -> list[tuple]:
        """The OP_ROW fields every run of a nested graph's ops shares (up to the line); its
        parameters are named by the values feeding them (``nested_graphs.fed_by``), so an
        inner op's input links to its producer, as op by op."""
        key = (concrete.graph_id, scope, looped)
        rows = self._nested_templates.get(key)
        if rows is None:
            nested = layout(concrete.graph)
            inner = nested[id(program.graph)]
            gid = concrete.graph_id
            fed = fed_by(inner, looped)
            body = nested.get(id(inner.holder.attrs.get("body_graph")))

            def tensor_id(v: Any) -> int:
                if v.node.type == ir.READ_VARIABLE:
                    return v.node.attrs["variable"]._id
                source = fed.get(v.id)
                if source is None:
                    return events.graph_value_id(gid, v.id + inner.value_base)
                if source.node.type == ir.READ_VARIABLE:
                    return source.node.attrs["variable"]._id
                from_body = body is not None and source in body.graph.outputs
                base = body.value_base if from_body else inner.outer_base
                return events.graph_value_id(gid, source.id + base)

            rows = self._nested_templates[key] = [
                (n.type, f"{scope}/{n.name}", scope, tuple(tensor_id(v) for v in n.inputs),
                 tuple(tensor_id(v) for v in n.outputs), tuple(v.shape for v in n.outputs),
                 tuple(v.dtype.name for v in n.outputs), n.source[0], n.source[1])
                for n in program.op_nodes]
        return rows

    def _nested_ops(self, concrete: Any, scope: str, program: Any, looped: bool,
                    arrays: tuple, start: int, stop: int, times: list, health: dict,
                    shapes: dict, kept: list | None, *gradients: Any) -> None:
        """A nested graph's report (``SummarizedGraph``'s ``rec``): its ops
        ``[start, stop)`` ran, one row each in the pending pack (as eager ops are packed)."""
        template = self._nested_rows(concrete, scope, program, looped)
        exec_kind = f"graph:{concrete.graph_id}"
        full = self._mode == "FULL_HEALTH"
        check = self._mode != "SHAPE"
        bad = None
        with self._lock:
            for k in range(start, stop):
                static = template[k]
                row_health = health.get(k, 0) if check or full else 0
                row = (*static[:5], tuple(shapes[k]) if k in shapes else static[5],
                       *static[6:], times[k + 1] - times[k], exec_kind, row_health)
                rows = self._pending_rows()
                seq = self.seq = self.seq + 1
                rows.append(row)
                if kept is not None and self.ring_steps > 0:  # as _keep
                    ring = self._ring_values()
                    for i, array in enumerate(kept[k]):
                        ring[(seq, i)] = array
                if self.on_bad_op is not None and row_health_is_bad(row_health, full):
                    bad = (k, seq, row)
                    break
        if bad is not None:
            k, seq, row = bad
            self.flush_ops()  # the op's event first: the handler ends the run
            node = program.op_nodes[k]
            inputs = _graph_values(program.graph, program.op_nodes, arrays, kept, k)
            self.on_bad_op(seq, {**dict(zip(events.OP_ROW, row)), "seq": seq,
                                 "step": self.step, "epoch": self.epoch},
                           [inputs(v) for v in node.inputs], list(kept[k]))
            self._nested_ops(concrete, scope, program, looped, arrays, k + 1, stop, times,
                             health, shapes, kept)

    def _graph_ops(self, concrete: Any, start: int, stop: int, times: list, health: dict,
                   shapes: dict, kept: list | None, records: tuple | None,
                   gradients: dict | None, squares: dict | None) -> None:
        """``SummarizedGraph``'s report: ops ``[start, stop)`` ran, then the tape.gradient
        ``records`` (indices into the graph's) on ``gradients`` (their values), in the step
        those ops ran in. One pack; what every run shares is in the graph event, not
        repeated here."""
        bad_op = None
        if self.on_bad_op is not None and health and kept is not None:
            full = self._mode == "FULL_HEALTH"
            bad_op = next((k for k in sorted(health) if start <= k < stop
                           and row_health_is_bad(health[k], full)), None)
            if bad_op is not None:
                stop = bad_op + 1  # the run ends at this op: the pack too
        if start < stop:
            pack = {"kind": "ops", "seq": 0, "step": self.step, "epoch": self.epoch,
                    "mode": self._mode, "count": stop - start, "graph": concrete.graph_id,
                    "first": start,
                    "times": times[start:stop + 1]}  # op k ran from times[k] to times[k + 1]
            if health and self._mode != "SHAPE":  # (SHAPE summaries say nothing of health)
                bad = [[k, h] for k, h in health.items() if start <= k < stop]
                if bad:
                    pack["health"] = bad
            if shapes:
                pack["shapes"] = [[k, s] for k, s in shapes.items() if start <= k < stop]
            with self._lock:  # the seqs and the sink together: events leave in seq order
                if self._rows:
                    self.flush_ops()
                first = pack["seq"] = self.seq + 1
                self.seq += stop - start
                if kept is not None and self.ring_steps > 0:  # as _keep, for every op
                    ring = self._ring_values()
                    for k in range(start, stop):
                        for i, array in enumerate(kept[k]):
                            ring[(first + k - start, i)] = array
                self.sink(pack)
        if bad_op is not None:
            self._graph_bad_op(concrete, bad_op, first + bad_op - start, kept)
        if records:
            self._report_graph_gradients(concrete, records, gradients, squares or {})

    def _graph_bad_op(self, concrete: Any, k: int, seq: int, kept: list) -> None:
        """Hand op ``k`` of a compiled run to ``on_bad_op`` with its input values: outputs
        of the run's earlier ops (kept copies), its arguments, constants, variables."""
        graph = concrete.graph
        op_nodes = [n for n in graph.nodes if n.type not in ir.GRAPH_ONLY]
        node = op_nodes[k]
        value_of = _graph_values(graph, op_nodes, self._graph_args, kept, k)
        event = {"op": node.type, "name": node.name, "scope": node.scope,
                 "file": node.source[0], "line": node.source[1], "seq": seq,
                 "step": self.step, "epoch": self.epoch,
                 "exec": f"graph:{concrete.graph_id}",
                 "inputs": [_graph_tensor_id(concrete.graph_id, v) for v in node.inputs]}
        self.on_bad_op(seq, event, [value_of(v) for v in node.inputs], list(kept[k]))

    def _report_graph_gradients(self, concrete: Any, records: tuple, values: dict,
                                squares: dict) -> None:
        reads = self._variable_reads.get(concrete.graph_id)
        if reads is None:
            reads = self._variable_reads[concrete.graph_id] = {
                node.outputs[0].id: node.attrs["variable"] for node in concrete.graph.nodes
                if node.type == ir.READ_VARIABLE}
        env = {}
        for vid, array in values.items():  # ids as this run's op events name the values
            value = env[vid] = wrap(array)
            value._id = events.graph_value_id(concrete.graph_id, vid)
        self._squares = {env[vid]._id: square for vid, square in squares.items()
                         if vid in env}  # (``squares``: of the run's other records too)
        env.update(reads)  # as op by op: variable reads are the variables themselves
        try:
            for i in records:
                report_gradient(self, concrete.graph.gradients[i], env)
        finally:
            self._squares = {}

    def enter_graph(self, graph_id: int) -> None:
        self._graph_stack.append(graph_id)

    def exit_graph(self) -> None:
        self._graph_stack.pop()

    def graph_executed(self, concrete: Any, duration: float) -> None:
        """A compiled graph ran without per-op events (the probe did not want them)."""

    def graph_traced(self, concrete: Any, function: str, count: int, reason: str) -> None:
        graph = concrete.graph
        self._emit("graph", graph_id=concrete.graph_id, function=function, trace_count=count,
                   reason=reason, nodes=graph_nodes(graph),
                   outputs=[v.id for v in graph.outputs])

    def variable_created(self, var: Any) -> None:
        self._emit("variable_created", id=var._id, name=_variable_name(var),
                   shape=list(np.shape(var._value)), dtype=var._value.dtype.name,
                   trainable=bool(var.trainable))

    def _stats_mode(self) -> str:
        """Variables and gradients get the op mode's statistics (values: on demand)."""
        return "FULL_HEALTH" if self._mode == "FULL_TENSOR" else self._mode

    def variable_updated(self, var: Any, action: str, delta: Any = None) -> None:
        if self.snapshots is not None and var.trainable:
            self.snapshots.keep(WEIGHT, self.step, var._id, var._value)
        if self._mode == "NO_TENSOR":
            return  # idle: an update without a summary says nothing step_end does not
        value = np.asarray(var._value)
        if value.dtype.kind != "f":
            summary = summarize(value, self._stats_mode())
            norms: dict[str, float] = {}
        else:
            square = np.vdot(value, value)  # the health check and the weight norm in one pass
            summary = summarize(value, self._stats_mode(), square)
            norms = self._update_norms(var, value, square, delta)
        event = self._emit("variable_update", step=self.step, epoch=self.epoch, id=var._id,
                           name=_variable_name(var), action=action, summary=summary, **norms)
        if self._mode == "FULL_TENSOR" and self.value_sink is not None and var.trainable:
            self.value_sink(event["seq"], 0, value)  # the step diff's weights (step_values)

    def _update_norms(self, var: Any, value: np.ndarray, square: Any,
                      delta: Any) -> dict[str, float]:
        """``weight_norm`` and ``update_norm`` (how far this update moved the variable; from
        the optimizer's ``delta``, else against a copy kept since the variable's previous
        update): their ratio is the classic learning-rate health check."""
        norms = {"weight_norm": _sqrt(square)}
        key = var._id
        kept = self._last_weights.get(key)
        if delta is not None and np.size(delta) == value.size:
            norms["update_norm"] = _sqrt(np.vdot(delta, delta))
            if key not in self._last_weights:
                weakref.finalize(var, self._last_weights.pop, key, None)
            self._last_weights[key] = None  # a later update without a delta starts afresh
            return norms
        flat = value.reshape(-1)
        if kept is not None and kept[0].shape == flat.shape and kept[0].dtype == flat.dtype:
            before, moved = kept
            np.subtract(flat, before, out=moved)
            norms["update_norm"] = _sqrt(np.vdot(moved, moved))
            np.copyto(before, flat)
            return norms
        if key not in self._last_weights:  # forget the copy with the variable (memory)
            weakref.finalize(var, self._last_weights.pop, key, None)
        self._last_weights[key] = (flat.copy(), np.empty_like(flat))
        return norms

    def optimizer_step(self, optimizer: Any, step: int) -> None:
        self._end_step()

    def _end_step(self) -> None:
        self._emit("step_end", step=self.step, epoch=self.epoch)
        self.step += 1
        self._steps_since_epoch += 1

    def _end_epoch(self) -> None:
        self._emit("epoch_end", step=self.step, epoch=self.epoch)
        self.epoch += 1
        self._steps_since_epoch = 0

    def dataset_next(self, dataset: Any, index: int) -> None:
        """Batches are counted by optimizer steps; nothing to report per element."""

    def check_numerics(self, enabled: bool) -> bool:
        return self.on_check_numerics is not None and self.on_check_numerics(enabled)

    def dataset_epoch_end(self, dataset: Any) -> None:
        # A pass over a dataset ends an epoch only if training happened during it (an
        # evaluation pass does not) and fit is not counting epochs itself.
        if not self._in_fit and self._steps_since_epoch:
            self._end_epoch()

    def fit_event(self, kind: str, **info: Any) -> None:
        if kind == "train_begin":
            self._in_fit = True
            self._batch_step = self.step
        elif kind == "train_end":
            self._in_fit = False
        elif kind == "epoch_end":
            logs = info.get("logs") or {}
            for name, value in logs.items():
                self.scalar(f"epoch_{name}", float(value), self.epoch, axis="epoch")
            self._end_epoch()
        elif kind == "batch_end":
            # The batch's loss and metrics come from its forward pass, before its update
            # ended the step: they belong to that step, as its ops do.
            logs = info.get("logs") or {}
            for name, value in logs.items():
                self.scalar(name, float(value), self._batch_step, axis="step")
            self._batch_step = self.step

    def gradient_computed(self, tape: Any, targets: list, sources: list, grads: list,
                          reasons: dict, site: tuple[str, int] | None = None) -> None:
        file, line = user_frame(3) if site is None else site
        described = []
        for i, (s, g) in enumerate(zip(sources, grads)):
            entry = {"id": s._id, "name": _variable_name(s) if isinstance(s, Variable) else
                     _source_text(file, line, i, len(sources)),
                     "shape": list(np.shape(s._value))}
            if g is None:
                reason = entry["reason"] = reasons.get(i, "no gradient")
                if getattr(reason, "line", 0):  # where the user's code cut the path
                    entry["reason_file"], entry["reason_line"] = reason.file, reason.line
                entry["summary"] = None
            elif self._mode == "NO_TENSOR":  # idle: not even a norm (a pass over the values)
                entry["summary"] = None
            else:
                entry["grad_id"] = g._id  # an op output's id, when an op made the gradient
                value = np.asarray(g._value)
                square = None
                if value.dtype.kind == "f":  # one BLAS pass: the health check and the norm
                    square = self._squares.get(g._id)
                    if square is None:
                        square = np.vdot(value, value)
                    entry["norm"] = _sqrt(square)
                else:
                    entry["norm"] = _sqrt(np.sum(np.square(value, dtype=np.float64)))
                entry["summary"] = summarize(value, self._stats_mode(), square)
            described.append(entry)
        target_ids = [t._id for t in targets]
        if self.snapshots is not None:  # before the event: a breakpoint may pause on it
            for s, g in zip(sources, grads):
                if g is not None and isinstance(s, Variable) and s.trainable:
                    self.snapshots.keep(GRADIENT, self.step, s._id, g._value)
        event = self._emit("gradient", step=self.step, epoch=self.epoch,
                           target=target_ids[0] if len(target_ids) == 1 else target_ids,
                           sources=described, file=file, line=line)
        if self._mode == "FULL_TENSOR" and self.value_sink is not None:
            for i, g in enumerate(grads):  # the step diff's gradients (step_values)
                if g is not None:
                    self.value_sink(event["seq"], i, np.asarray(g._value))
        if len(targets) == 1 and not self._in_fit:
            value = np.asarray(targets[0]._value)
            if value.size == 1 and value.dtype.kind == "f":
                self.scalar("loss", float(value.reshape(())), self.step, axis="step")

    def scalar(self, name: str, value: float, step: int | None, axis: str | None = None) -> None:
        """A logged scalar; ``axis`` says whether its ``step`` counts training steps or
        epochs (worked out from the step given when the caller does not say)."""
        if step is None:
            step, axis = self.step, "step"
        elif axis is None:
            axis = self._scalar_axis(name, step)
        self._emit("scalar", step=step, epoch=self.epoch, name=name, value=value, axis=axis)

    def _scalar_axis(self, name: str, step: int) -> str:
        """Whether ``tf.summary.scalar(name, v, step=step)`` is logged per epoch or per step.

        Scripts pass the loop counter they have: an epoch counter names the epoch running
        (or the one that just ended, when logged after the loop over the batches); a step
        counter names this training step (or the one just ended). When ``step`` fits both
        (or neither), the stream keeps what it was last seen to be."""
        epochs = (self.epoch, self.epoch - 1) if self._steps_since_epoch == 0 else (self.epoch,)
        counts_epochs = step in epochs
        counts_steps = step in (self.step, self.step - 1)
        if counts_epochs != counts_steps:
            self._scalar_axes[name] = "epoch" if counts_epochs else "step"
        return self._scalar_axes.get(name, "step")
