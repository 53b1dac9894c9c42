"""A compiled ``tf.function`` graph that checks every op's health as it runs.

A recorder that keeps only health summaries (the trace file, the live session when nobody
steps op by op) does not need a Tensor and an event per op: ``SummarizedGraph`` generates
the traced graph's code with the engine's executor (``engine.graph.executor.generate``) and
a :class:`HealthInstrument` adding, after each op, a clock reading and one dot product per
float output (NaN and Inf survive it; exact counts are taken only when it is not finite).
The ops then run at nearly compiled speed and are reported to the probe in batches.

An If or While node is not one op to watch but the ops its taken branch or each loop
iteration runs: its nested graphs get builds of their own, run through the caller's
``nested`` runner (the probe reports their ops as they run, each iteration's anew, as
tfdbg2 reports each execution of an op inside a while body); the node itself is not
reported.
"""

from __future__ import annotations

import functools
import math
import time
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from debugger.tensor_stats import bad_counts, full_stats
from engine import denormals
from engine.graph import ir
from engine.graph.executor import generate, gradients_due


class HealthInstrument:
    """What ``generate`` adds around each node for :class:`SummarizedGraph`
    (``engine.graph.executor.Instrument``)."""

    parameters = ("rec", "T", "H", "S", "Q", "K", "N")

    def __init__(self, graph: ir.Graph, keep_values: bool, full: bool) -> None:
        self.graph = graph
        self.keep_values = keep_values
        self.full = full
        self.namespace = {"pc": time.perf_counter, "vdot": np.vdot,
                          "isfinite": math.isfinite, "bad": _bad, "ndarray": np.ndarray,
                          "stats": full_stats}
        self.op_index = {n.id: k for k, n in enumerate(
            n for n in graph.nodes if n.type not in ir.GRAPH_ONLY)}
        self.kept = self.gradient_ids = {ref for record in graph.gradients
                                         for ref in _refs(record)}
        self.due = gradients_due(graph)
        self.done = 0  # op nodes reported so far
        self.seen = 0  # op nodes generated so far
        # id(If/While node) -> role -> the build of its nested graph
        self.nested: dict[int, dict[str, SummarizedGraph]] = {}

    def prologue(self, lines: list[str]) -> None:
        lines.append("    T[0] = pc()")

    def before(self, position: int, node: ir.Node, lines: list[str]) -> None:
        # The probe hears of the ops, then of the gradients taken so far, before an update's
        # events (the update ends the training step: they belong to the step before it).
        records = self.due.get(position)
        if (records is not None or node.type in ir.STATEFUL or _holds_graphs(node)
                or node.type in ir.DISPATCHING_OPS):
            lines.append(f"    rec({self.done}, {self.seen}, T, H, S, K, "
                         f"{self._gradients(records)}, Q)")
            self.done = self.seen

    def _gradients(self, records: list[int] | None) -> str:
        """``rec``'s R and G arguments: the graph's tape.gradient records now due (indices)
        and the values they refer to."""
        if records is None:
            return "None, None"
        graph_records = [self.graph.gradients[i] for i in records]
        ids = sorted({ref for record in graph_records for ref in _refs(record)})
        values = ", ".join(f"{vid}: v{vid}" for vid in ids)
        return f"{tuple(records)}, {{{values}}}"

    def after(self, node: ir.Node, lines: list[str], reuses_buffer: bool) -> None:
        k = self.op_index.get(node.id)
        if k is None:
            if node.type in ir.STATEFUL:
                lines.append(f"    T[{self.done}] = pc()")  # the update is no op's time
            return
        self.seen = k + 1
        lines.append(f"    T[{k + 1}] = pc()")
        outs = [f"v{v.id}" for v in node.outputs]
        holder = id(node) in self.nested
        if holder:  # its inner ops were reported; it is none itself: the next pack skips it
            lines.append(f"    rec({k + 1}, {k + 1}, T, H, S, K, None, None, Q)")
            self.done = k + 1
        if self.full and not holder:  # FULL_HEALTH: every output's statistics
            lines.append(f"    H[{k}] = [" + ", ".join(f"stats({o})" for o in outs) + "]")
        for i, (v, out) in enumerate(zip(node.outputs, outs)):
            if self.full or holder:
                break
            if v.dtype.kind == "f":
                lines.append(f"    s = vdot({out}, {out})")
                lines.append(f"    if not isfinite(s): bad(H, {k}, {i}, {len(outs)}, {out})")
                if v.id in self.gradient_ids:  # the gradient event's norm, for free
                    lines.append(f"    Q[{v.id}] = s")
        if any(d is None for v in node.outputs for d in v.shape):
            lines.append(f"    S[{k}] = [" + ", ".join(f"list(np.shape({o}))" for o in outs) + "]")
        if self.keep_values:  # copies of what the next run overwrites or others share
            if reuses_buffer:
                kept = [f"np.array({o})" for o in outs]
            else:  # a fresh array of its own is kept as it is
                inputs = "".join(f" and {{o}} is not v{v.id}" for v in node.inputs)
                kept = [f"({o} if type({o}) is ndarray and {o}.base is None"
                        f"{inputs.format(o=o)} else np.array({o}))" for o in outs]
            lines.append(f"    K[{k}] = (" + "".join(f"{x}, " for x in kept) + ")")

    def compute(self, node: ir.Node, args: str, outs: str, ns: dict) -> str | None:
        """An If/While node runs its nested graphs' builds through ``N`` (see module); a
        WhileGrad's kernel runs through ``N`` too, which tells the ops it dispatches as
        the node's."""
        if node.type in ir.DISPATCHING_OPS:
            kernel = functools.partial(node.op.forward, **node.attrs)
            ns[f"k{node.id}"] = functools.partial(_run_dispatching, node, kernel)
        elif _holds_graphs(node):
            programs = {role: SummarizedGraph(graph, self.keep_values, self.full)
                        for role, graph in ir.nested_graphs(node)}
            self.nested[id(node)] = programs
            ns[f"k{node.id}"] = functools.partial(_run_holder, node, programs)
        else:
            return None
        call = f"k{node.id}(N{', ' if args else ''}{args})"
        return f"    {outs}, = {call}" if node.outputs else f"    {call}"

    def epilogue(self, lines: list[str]) -> None:
        records = self.due.get(len(self.graph.nodes))
        lines.append(f"    rec({self.done}, {len(self.op_index)}, T, H, S, K, "
                     f"{self._gradients(records)}, Q)")


def _holds_graphs(node: ir.Node) -> bool:
    return node.type in ir.NESTED_GRAPH_OPS and bool(ir.nested_graphs(node))


# An If's or While's compiled functions, by the nested graph's role
_FUNCTION_ATTRS = {"then": "then_branch", "else": "else_branch", "cond": "cond",
                   "body": "body"}

# ``nested(holder, role, program, arrays[, looped])``: runs a nested graph's build,
# reporting its ops (``looped``: a While's body ran before, its outputs feed the loop
# variables; role None: ``program`` is a kernel of ``ir.DISPATCHING_OPS`` whose ops it tells)
Nested = Callable[..., tuple]


def _run_holder(node: ir.Node, programs: dict, nested: Nested, *arrays: Any) -> tuple:
    """The If/While node's own kernel, its compiled branches/cond/body swapped for the
    health-checking builds run through ``nested`` (so the values are the same)."""
    attrs = dict(node.attrs)
    looped = [False]  # a While's body ran: its loop variables come from the body now
    for role, program in programs.items():
        attrs[_FUNCTION_ATTRS[role]] = functools.partial(_call_nested, nested, node, role,
                                                         program, looped)
    return node.op.forward(*arrays, **attrs)


def _run_dispatching(node: ir.Node, kernel: Callable, nested: Nested, *arrays: Any) -> tuple:
    """A kernel that dispatches ops (``ir.DISPATCHING_OPS``) run through ``nested`` with
    no role: the caller tells its ops as the node's."""
    return nested(node, None, kernel, arrays)


def _call_nested(nested: Nested, node: ir.Node, role: str, program: SummarizedGraph,
                 looped: list[bool], *arrays: Any) -> tuple:
    out = nested(node, role, program, arrays, looped[0])
    if role == "body":
        looped[0] = True
    return out


def _no_nested(node: ir.Node, role: str | None, program: Any, arrays: tuple,
               looped: bool = False) -> tuple:
    """Without a runner, a nested graph's ops run unreported."""
    if role is None:  # a dispatching kernel
        return program(*arrays)
    return program(lambda *report: None, *arrays)


def _refs(record: dict) -> list[int]:
    """The graph value ids a tape.gradient record refers to."""
    return [ref for key in ("targets", "sources", "grads") for ref in record[key]
            if isinstance(ref, int)]


def _bad(health: dict, k: int, i: int, n: int, value: np.ndarray) -> None:
    """Record output ``i`` of op ``k`` as non-finite (if it really is: squares overflow)."""
    counts = bad_counts(value)
    if counts is not None:
        health.setdefault(k, [0] * n)[i] = counts


class SummarizedGraph:
    """The traced graph (not the optimized one: its nodes are the graph event's) compiled
    with a health check and a timestamp after every op, reported in batches to ``rec``.

    ``rec(start, stop, T, H, S, K, R, G, Q)`` hears of op nodes ``[start, stop)`` (in
    ``op_nodes`` order) before every stateful node, where a ``tape.gradient`` was traced,
    and at the end: ``T`` timestamps (op k ran from T[k] to T[k+1]), ``H`` op -> per-output
    NaN/-Inf/+Inf counts of the unhealthy ones, ``S`` op -> runtime shapes where the static
    ones are partial, ``K`` op -> copies of its outputs (with ``keep_values``), ``R`` the
    indices of the graph's tape.gradient records computed by now (``gradients_due``; None if
    none), ``G`` the values they refer to, and ``Q``, the squared norms of those among them
    that ops computed (already summed by the health check). When an op raises, ``rec`` first
    hears of the ops that ran before it. With ``full``, ``H`` holds every op's
    ``tensor_stats.full_stats`` per output instead (FULL_HEALTH).
    """

    def __init__(self, graph: ir.Graph, keep_values: bool, full: bool = False) -> None:
        self.graph = graph
        self.keep_values = keep_values
        self.op_nodes = [n for n in graph.nodes if n.type not in ir.GRAPH_ONLY]
        self.source, self._fn = generate(graph, HealthInstrument(graph, keep_values, full))

    def __call__(self, rec: Callable[..., None], *arrays: Any,
                 nested: Nested = _no_nested) -> tuple:
        """Run it; ``nested(holder, role, program, arrays)`` runs the builds of an If/While
        node's graphs (the probe's reports their ops)."""
        n = len(self.op_nodes)
        times = [0.0] * (n + 1)
        health: dict = {}
        shapes: dict = {}
        squares: dict = {}
        kept = [()] * n if self.keep_values else None
        reported = [0, False]  # ops reported so far; inside rec now

        def report(start: int, stop: int, *rest: Any) -> None:
            reported[:] = [stop, True]
            rec(start, stop, *rest)
            reported[1] = False

        try:
            # FTZ/DAZ as the plain compiled run (engine/denormals.py): the same bits
            with np.errstate(all="ignore"), denormals.flushed():
                return self._fn(report, times, health, shapes, squares, kept, nested,
                                *arrays)
        except Exception as exc:
            done, in_rec = reported
            ran = done
            while ran < n and times[ran + 1]:
                ran += 1
            if in_rec:
                raise
            if ran < n:
                node = self.op_nodes[ran]
                file, line = node.source
                exc.add_note(f"(in op {node.name} ({node.type}) of the compiled "
                             f"{self.graph.name}, traced at {file}:{line})")
            if ran > done:  # the ops that ran before the one that raised
                rec(done, ran, times, health, shapes, kept, None, None, None)
            raise


# concrete function -> (keep_values, full) -> its build (dropped with the function)
_BUILDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def summarized(concrete: Any, keep_values: bool, full: bool = False) -> SummarizedGraph:
    """The health-checking build of a ``ConcreteFunction``'s traced graph, made once per
    function and variant (``full``: FULL_HEALTH statistics)."""
    builds = _BUILDS.get(concrete)
    if builds is None:
        builds = _BUILDS[concrete] = {}
    program = builds.get((keep_values, full))
    if program is None:
        program = builds[(keep_values, full)] = SummarizedGraph(concrete.graph, keep_values,
                                                                full)
    return program
