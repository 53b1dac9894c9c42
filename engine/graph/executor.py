"""Running a graph: generated straight-line numpy code, or node by node through dispatch.

``generate`` turns a graph into one Python function: a line per node, common ops as numpy
calls writing into buffers preallocated once (``out=``), dead values released right after
their last use (so in-place variable updates see no aliases). ``CompiledGraph`` runs the
optimized graph that way: that is where traced functions get hand-written-numpy speed.

The one seam for tools: ``generate(graph, instrument)`` lets the caller add lines around
every node (an :class:`Instrument`); the debugger builds its health-checking build of a
graph this way (``debugger.summarized_graph``). The engine knows nothing of what an
instrument records.

``run_observed`` executes the traced (unoptimized) graph op by op through the registry's
dispatch, so enclosing tapes record it and the debugger sees (and can stop at) every op.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from engine import denormals, errors
from engine.graph import ir
from engine.graph.passes import FUSED_ELEMENTWISE, FUSED_MATMUL
from engine.indexed_slices import IndexedSlices
from engine.ops import nn_ops
from engine.tensor import Tensor, wrap

# op name -> numpy ufunc taking (inputs..., out=buffer)
_UFUNCS: dict[str, Any] = {
    "AddV2": np.add, "Sub": np.subtract, "Mul": np.multiply, "RealDiv": np.true_divide,
    "Maximum": np.maximum, "Minimum": np.minimum, "Neg": np.negative, "Square": np.square,
    "Sqrt": np.sqrt, "Exp": np.exp, "Log": np.log, "Log1p": np.log1p, "Abs": np.abs,
    "Sign": np.sign, "Tanh": np.tanh, "Equal": np.equal, "NotEqual": np.not_equal,
    "Less": np.less, "LessEqual": np.less_equal, "Greater": np.greater,
    "GreaterEqual": np.greater_equal, "LogicalAnd": np.logical_and,
    "LogicalOr": np.logical_or, "LogicalNot": np.logical_not, "Floor": np.floor,
}


class CompiledGraph:
    """A graph as one generated Python function over numpy arrays."""

    def __init__(self, graph: ir.Graph) -> None:
        self.graph = graph
        self.source, self._fn = generate(graph)

    def __call__(self, *arrays: Any) -> tuple:
        with np.errstate(all="ignore"):  # FTZ/DAZ as TensorFlow's CPU kernels (denormals.py)
            out = denormals.call_block(self._fn, *arrays)
        if denormals.FLUSH_OUTPUTS:  # no bits, or BLAS threads without them
            return denormals.flush_outputs(out)
        return out


class Instrument(Protocol):
    """Lines a caller of :func:`generate` adds to a graph's code (a tool watching each node).

    The generated function takes ``parameters`` before the graph's own arguments; its lines
    may use the names in ``namespace`` and read a node's outputs as ``v<value id>`` right
    after the node; values in ``kept`` stay alive to the end (never released early).
    """

    parameters: Sequence[str]
    namespace: Mapping[str, Any]
    kept: Collection[int]

    def prologue(self, lines: list[str]) -> None:
        """Lines at the start of the function."""

    def before(self, position: int, node: ir.Node, lines: list[str]) -> None:
        """Lines before node ``position`` of the graph."""

    def after(self, node: ir.Node, lines: list[str], reuses_buffer: bool) -> None:
        """Lines after ``node``; ``reuses_buffer``: its outputs live in arrays that the next
        run overwrites (copy them to keep them)."""

    def epilogue(self, lines: list[str]) -> None:
        """Lines after the last node, before the function returns."""

    # Optional: ``compute(node, args, outs, ns) -> str | None``, a line computing ``node`` in
    # place of the engine's own, or None (a tool running an If/While node's nested graphs
    # its own way, to watch the ops inside).


def _last_uses(graph: ir.Graph, keep: set[int] = frozenset()) -> dict[int, list[int]]:
    """node index -> ids of values whose last reader is that node (``keep``: never dead)."""
    last: dict[int, int] = {}
    for i, node in enumerate(graph.nodes):
        for v in node.inputs:
            last[v.id] = i
    outputs = {v.id for v in graph.outputs} | set(keep)
    by_node: dict[int, list[int]] = {}
    for vid, i in last.items():
        if vid not in outputs:
            by_node.setdefault(i, []).append(vid)
    return by_node


def gradients_due(graph: ir.Graph) -> dict[int, list[int]]:
    """Where a run reports each of the graph's tape.gradient records: after how many nodes
    -> their indices. Where the call was traced: before an optimizer update that follows,
    which ends the training step, as in eager code (the end for records without one)."""
    end = len(graph.nodes)
    due: dict[int, list[int]] = {}
    for i, record in enumerate(graph.gradients):
        due.setdefault(min(record.get("position", end), end), []).append(i)
    return due


def generate(graph: ir.Graph, instrument: Instrument | None = None,
             ) -> tuple[str, Callable[..., tuple]]:
    """The graph as Python source and the function compiled from it: ``run(*arrays)`` ->
    tuple of output arrays (with ``instrument``: ``run(*instrument.parameters, *arrays)``).
    Callers run it under ``np.errstate(all="ignore")``, as TensorFlow's kernels are silent."""
    ns: dict[str, Any] = {"np": np}
    params = {p.id: f"p{i}" for i, p in enumerate(graph.params)}
    outputs = {v.id for v in graph.outputs}
    names = [params[p.id] for p in graph.params]
    if instrument is not None:
        names[:0] = instrument.parameters
        ns.update(instrument.namespace)
    lines = [f"def run({', '.join(names)}):"]
    if instrument is not None:
        instrument.prologue(lines)
    dead = _last_uses(graph, set(instrument.kept) if instrument is not None else frozenset())
    compute = getattr(instrument, "compute", None)  # (optional: see Instrument)

    def name(v: ir.Value) -> str:
        return f"v{v.id}"

    for i, node in enumerate(graph.nodes):
        kind = node.type
        args = ", ".join(name(v) for v in node.inputs)
        outs = ", ".join(name(v) for v in node.outputs)
        if instrument is not None:
            instrument.before(i, node, lines)
        buffered = False
        if kind == ir.PLACEHOLDER:
            lines.append(f"    {outs} = {params[node.outputs[0].id]}")
        elif kind == ir.CONST:
            ns[f"c{node.id}"] = node.attrs["value"]
            lines.append(f"    {outs} = c{node.id}")
        elif kind == ir.READ_VARIABLE:
            ns[f"var{node.id}"] = node.attrs["variable"]
            lines.append(f"    {outs} = var{node.id}._value")
        elif kind == ir.APPLY_UPDATE:
            ns[f"k{node.id}"] = functools.partial(_apply_update, node)
            lines.append(f"    k{node.id}([{args}])")
        elif kind == ir.ASSIGN_VARIABLE:
            ns[f"k{node.id}"] = functools.partial(_assign, node.attrs["variable"],
                                                  node.attrs["action"])
            lines.append(f"    k{node.id}({args})")
        else:
            buffered = not (set(v.id for v in node.outputs) & outputs)
            line = None if compute is None else compute(node, args, outs, ns)
            lines.append(line if line is not None else "    " + _emit(node, args, outs, ns,
                                                                        buffered))
        if instrument is not None:
            # preallocated: a ufunc/matmul buffer, or a fused kernel's own
            instrument.after(node, lines, f"b{node.id}" in ns or (
                buffered and kind in (FUSED_MATMUL, FUSED_ELEMENTWISE)))
        for vid in dead.get(i, ()):
            lines.append(f"    del v{vid}")
    if instrument is not None:
        instrument.epilogue(lines)
    ret = ", ".join(f"np.array({name(v)})" for v in graph.outputs)
    lines.append(f"    return ({ret}{',' if graph.outputs else ''})")
    source = "\n".join(lines) + "\n"
    exec(compile(source, f"<tf.function {graph.name}>", "exec"), ns)  # noqa: S102
    return source, ns["run"]


def _emit(node: ir.Node, args: str, outs: str, ns: dict, buffered: bool) -> str:
    """One line computing ``node``; buffered ufuncs/matmuls write into preallocated arrays."""
    kind = node.type
    out = node.outputs[0] if len(node.outputs) == 1 else None
    if kind in (FUSED_MATMUL, FUSED_ELEMENTWISE):
        maker = _fused_matmul if kind == FUSED_MATMUL else _fused_elementwise
        ns[f"k{node.id}"] = maker(node, out.shape, out.dtype, buffered)
        return f"{outs} = k{node.id}({args})"
    ufunc = _UFUNCS.get(kind)
    if buffered and out is not None and out.shape:
        buf = f"b{node.id}"
        if ufunc is not None:
            ns[buf] = np.empty(out.shape, out.dtype)
            ns[f"u{node.id}"] = ufunc
            return f"{outs} = u{node.id}({args}, out={buf})"
        if kind == "MatMul" and all(len(v.shape) == 2 for v in node.inputs):
            a, b = (f"v{v.id}" for v in node.inputs)
            if node.attrs.get("transpose_a"):
                a += ".T"
            if node.attrs.get("transpose_b"):
                b += ".T"
            ns[buf] = np.empty(out.shape, out.dtype)
            return f"{outs} = np.matmul({a}, {b}, out={buf})"
        if kind == "Relu":
            ns[buf] = np.empty(out.shape, out.dtype)
            return f"{outs} = np.maximum({args}, 0, out={buf})"
    kernel = node.op.forward
    if node.attrs:
        kernel = functools.partial(kernel, **node.attrs)
    ns[f"k{node.id}"] = kernel
    if not node.outputs:
        return f"k{node.id}({args})"
    if node.op.num_outputs != 1:  # a sequence of outputs, even when it holds just one
        return f"{outs}, = k{node.id}({args})"
    return f"{outs} = k{node.id}({args})"


def _buffer(shape: tuple, dtype: np.dtype, buffered: bool) -> Callable[[], np.ndarray]:
    """A getter for a node's output array: the same preallocated one every call, or a fresh
    one when the value leaves the graph (returned to the caller)."""
    if buffered:
        buf = np.empty(shape, dtype)
        return lambda: buf
    return lambda: np.empty(shape, dtype)


def _softmax_rows(buf: np.ndarray) -> None:
    buf -= buf.max(axis=-1, keepdims=True)
    np.exp(buf, out=buf)
    nn_ops.onednn_exp_floor(buf)  # the registered Softmax's bits
    buf /= buf.sum(axis=-1, keepdims=True)


def _sigmoid_inplace(buf: np.ndarray) -> None:
    """The registered Sigmoid's own forward: a fused kernel computes the same bits."""
    np.copyto(buf, nn_ops.SIGMOID.forward(buf))


_ACTIVATIONS_INPLACE: dict[str | None, Callable[[np.ndarray], Any] | None] = {
    None: None, "Relu": lambda b: np.maximum(b, 0, out=b), "Tanh": lambda b: np.tanh(b, out=b),
    "Sigmoid": _sigmoid_inplace, "Softmax": _softmax_rows,
}


def _fused_matmul(node: ir.Node, shape: tuple, dtype: np.dtype, buffered: bool) -> Callable:
    """Kernel for FusedMatMul: x @ w + b, then the activation, all in one output buffer."""
    get = _buffer(shape, dtype, buffered)
    ta, tb = node.attrs["transpose_a"], node.attrs["transpose_b"]
    activate = _ACTIVATIONS_INPLACE[node.attrs["activation"]]
    bias_first = node.attrs.get("bias_first", False)

    def kernel(a: np.ndarray, b: np.ndarray, bias: np.ndarray) -> np.ndarray:
        out = np.matmul(a.T if ta else a, b.T if tb else b, out=get())
        if bias_first:
            np.add(bias, out, out=out)
        else:
            out += bias
        if activate is not None:
            activate(out)
        return out

    return kernel


def _fused_elementwise(node: ir.Node, shape: tuple, dtype: np.dtype, buffered: bool) -> Callable:
    """Kernel for FusedElementwise: run the chain's ops one after another into one buffer."""
    get = _buffer(shape, dtype, buffered)
    steps = []
    for op_name, operands, _attrs in node.attrs["program"]:
        ufunc = _UFUNCS.get(op_name)
        if ufunc is None:
            activate = _ACTIVATIONS_INPLACE[op_name]
            steps.append((None, operands, activate))
        else:
            steps.append((ufunc, operands, None))

    def kernel(*inputs: np.ndarray) -> np.ndarray:
        out = get()
        for ufunc, operands, activate in steps:
            args = [out if o[0] == "acc" else inputs[o[1]] for o in operands]
            if ufunc is not None:
                ufunc(*args, out=out)
            else:
                if args[0] is not out:
                    np.copyto(out, np.broadcast_to(args[0], out.shape))
                activate(out)
        return out

    return kernel


def _apply_update(node: ir.Node, grads: list) -> None:
    from engine.context import STATE

    if STATE.dry_run:
        return
    optimizer, variables = node.attrs["optimizer"], node.attrs["variables"]
    if "sparse" in node.attrs:  # (values, indices) pairs: the optimizer's sparse kernel
        grads = optimizer.sparse_arrays(ir.update_gradients(node, grads), variables)
    with denormals.flushed():  # as TensorFlow's update kernels (also when run op by op)
        optimizer.apply_arrays(grads, variables)


def _assign(var: Any, action: str, value: np.ndarray) -> None:
    from engine.context import STATE

    if STATE.dry_run:  # a loop run at trace time for its values only
        return
    getattr(var, action)(wrap(value))  # the eager method: same shape checks and hooks


def run_observed(graph: ir.Graph, args: list[Tensor], graph_id: int = 0) -> list[Tensor]:
    """Execute the graph's ops eagerly through dispatch (tapes record, the debugger sees,
    told which graph and which traced source line each op comes from)."""
    from engine.context import STATE
    from engine.ops.registry import execute

    hook = STATE.hook
    if hook is not None:
        hook.enter_graph(graph_id)
    try:
        return _run_nodes(graph, args, hook, execute)
    except errors.InvalidArgumentError as exc:  # enable_check_numerics: told as a graph's
        at = getattr(exc, "numerics_at", None)
        if at is None:
            raise
        from engine.debugging import graph_numerics_error

        raise graph_numerics_error(exc, *at, graph_id) from None
    finally:
        if hook is not None:
            hook.exit_graph()


def run_graph_ops(graph: ir.Graph, args: list[Tensor]) -> list[Tensor]:
    """A nested graph (a loop's body, a branch) run op by op inside the graph already being
    run: the debugger hears of each op under its path in the If/While node holding it
    (``While/body/Sqrt``: the graph event holds the nested graphs by role) with the user's
    own line of that op."""
    from engine.context import STATE
    from engine.ops.registry import execute

    hook = STATE.hook
    outer = hook.graph_node if hook is not None else None
    try:
        return _run_nodes(graph, args, None, execute, hook, outer, ir.graph_role(graph))
    finally:
        if hook is not None:
            hook.graph_node = outer


class NestedNode:
    """What the debugger is told of an op of a nested graph: its path under the holding
    node (``While/body/Sqrt``, in scope ``While/body``) and the op's own source line."""

    __slots__ = ("name", "scope", "source")

    def __init__(self, holder: Any, role: str, node: ir.Node) -> None:
        self.scope = f"{holder.name}/{role}"
        self.name, self.source = nested_name(holder.name, role, node.name), node.source


def nested_name(holder: str, role: str, name: str) -> str:
    """The name an op of an If/While node's nested graph is known by: its path."""
    return f"{holder}/{role}/{name}"


def _run_nodes(graph: ir.Graph, args: list[Tensor], hook: Any, execute: Any,
               node_hook: Any = None, holder: Any = None, role: str = "") -> list[Tensor]:
    from engine.context import STATE

    env: dict[int, Tensor] = {}
    params = {p.id: a for p, a in zip(graph.params, args)}
    due = gradients_due(graph) if hook is not None else {}
    node_hook = hook if hook is not None else node_hook
    for position, node in enumerate(graph.nodes):
        if position in due:  # before an update ends the step, as in eager code
            _report_gradients(hook, graph, due[position], env)
        if node_hook is not None:
            node_hook.graph_node = node if holder is None else NestedNode(holder, role, node)
        kind = node.type
        if kind == ir.PLACEHOLDER:
            env[node.outputs[0].id] = params[node.outputs[0].id]
        elif kind == ir.CONST:
            env[node.outputs[0].id] = wrap(node.attrs["value"])
        elif kind == ir.READ_VARIABLE:
            env[node.outputs[0].id] = node.attrs["variable"]
        elif kind == ir.APPLY_UPDATE:
            opt, variables = node.attrs["optimizer"], node.attrs["variables"]
            grads = ir.update_gradients(node, [env[v.id] for v in node.inputs])
            opt.apply_gradients(zip([IndexedSlices(g[0], g[1], v._value.shape)
                                     if isinstance(g, tuple) else g
                                     for g, v in zip(grads, variables)], variables))
        elif kind == ir.ASSIGN_VARIABLE:
            if not STATE.dry_run:  # a loop recomputed for its gradient assigns nothing
                var = node.attrs["variable"]
                getattr(var, node.attrs["action"])(env[node.inputs[0].id])
        elif kind == "While" and (STATE.tapes or node_hook is not None):
            # iterations a tape can differentiate, or the debugger sees op by op
            from engine.control_flow import run_while_recorded

            results = run_while_recorded(tuple(env[v.id] for v in node.inputs), node.attrs,
                                         every_op=node_hook is not None)
            for v, t in zip(node.outputs, results):
                env[v.id] = t
        elif kind == "If":  # the taken branch's ops, each seen and recorded
            from engine.control_flow import run_if_recorded

            results = run_if_recorded(tuple(env[v.id] for v in node.inputs), node.attrs)
            for v, t in zip(node.outputs, results):
                env[v.id] = t
        else:
            try:
                result = execute(node.op, tuple(env[v.id] for v in node.inputs), node.attrs)
            except errors.InvalidArgumentError as exc:
                if not hasattr(exc, "numerics_at"):  # the innermost graph's op
                    exc.numerics_at = (node, graph)
                raise
            results = result if isinstance(result, tuple) else (result,)
            for v, t in zip(node.outputs, results):
                env[v.id] = t
    if len(graph.nodes) in due:
        _report_gradients(hook, graph, due[len(graph.nodes)], env)
    return [env[v.id] for v in graph.outputs]


def _report_gradients(hook: Any, graph: ir.Graph, records: list[int], env: dict) -> None:
    for i in records:
        report_gradient(hook, graph.gradients[i], env)


def report_gradient(hook: Any, record: dict, env: dict) -> None:
    """Tell the debugger about a tape.gradient that ran inside this graph."""
    def value(ref: Any) -> Any:
        if ref is None or not isinstance(ref, int):
            return ref
        return env.get(ref)

    targets = [value(t) for t in record["targets"]]
    if any(t is None for t in targets):
        return
    hook.gradient_computed(None, targets, [value(s) for s in record["sources"]],
                           [value(g) for g in record["grads"]], record["reasons"],
                           record.get("site"))
