"""Control flow: ``tf.cond``, ``tf.while_loop``, ``tf.map_fn``.

Eagerly they are plain Python control flow, so a GradientTape records exactly the ops that
ran (gradients flow through the taken branch and every iteration).

Inside a ``tf.function`` (concrete tracing, see ``engine.graph.trace``):
- ``cond`` traces both branches into graphs of their own, as TensorFlow does, and adds one
  ``If`` node that runs only the branch its predicate picks on each call: the untaken
  branch's prints, assignments and NaNs never happen, and the debugger (which runs the
  node op by op) sees the ops that ran. Its gradient is an ``If`` of the branches'
  gradients.
- ``while_loop`` traces ``cond`` and ``body`` once into graphs of their own and adds one
  ``While`` node that runs them until the condition fails: the number of iterations is
  decided by each call's values, not by the trace. Tensors of the enclosing trace that
  the loop functions use become extra inputs of the node (TensorFlow's captures). A tape
  around the call sees the iterations op by op (``run_while_recorded``), so gradients
  flow; a tape inside the traced function differentiates it with a ``WhileGrad`` node,
  which recomputes the loop op by op under a tape on each run. At trace time the loop runs
  once for its values with ``STATE.dry_run`` set: its prints and assignments happen only
  when the graph runs.
- ``map_fn`` is unrolled over the first dimension, which a trace fixes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors, nest
from engine.context import STATE
from engine.ops.registry import defop, execute, record_custom
from engine.tensor import Tensor, convert_to_tensor, wrap


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


# -- cond ------------------------------------------------------------------------------------------

def cond(pred: Any, true_fn: Callable[[], Any] | None = None,
         false_fn: Callable[[], Any] | None = None, name: str | None = None) -> Any:
    """``tf.cond``: ``true_fn()`` if ``pred`` else ``false_fn()``."""
    for fn_name, fn in (("true_fn", true_fn), ("false_fn", false_fn)):
        if fn is None:
            raise TypeError(f"cond(): '{fn_name}' argument required")
        if not callable(fn):
            raise TypeError(f"'{fn_name}' must be callable.")
    if STATE.graph is None or not isinstance(pred, Tensor):  # eagerly TensorFlow runs `if`
        return true_fn() if pred else false_fn()
    return traced_cond(pred, true_fn, false_fn)


def traced_cond(pred: Tensor, true_fn: Callable[[], Any], false_fn: Callable[[], Any],
                check_outputs: Callable[[Any, Any], None] | None = None) -> Any:
    """``cond`` inside a trace: both branches traced into graphs of their own and one ``If``
    node that runs only the one its predicate picks on each call (so the other branch's
    prints, assignments and NaNs never happen, as in TensorFlow). ``check_outputs(a, b)``
    (AutoGraph's) sees both branches' results before they are matched."""
    if pred._value.shape != ():
        raise ValueError(f"Shape must be rank 0 but is rank {pred._value.ndim} for 'cond' "
                         "(the predicate must be a scalar).")
    if pred._value.dtype != np.bool_:
        raise TypeError(f"Input 'pred' of 'If' has type {pred.dtype.name} that does not "
                        "match expected type of bool.")
    results: dict[str, Any] = {}

    def traced(key: str, fn: Callable[[], Any]) -> Callable[[], list]:
        def run() -> list:
            out = fn()
            results[key] = out
            return [x for x in nest.flatten(out) if x is not None]
        return run

    then_c, then_caps, then_g = _trace_loop_function(traced("then", true_fn), [], [], "cond_true")
    else_c, else_caps, else_g = _trace_loop_function(traced("else", false_fn), [], [],
                                                     "cond_false")
    taken, other = results["then"], results["else"]
    if check_outputs is not None:
        check_outputs(taken, other)
    try:
        nest.flatten(nest.map_structure(lambda a, b: None, taken, other))
        same = all((a is None) == (b is None) for a, b in zip(nest.flatten(taken),
                                                              nest.flatten(other)))
    except (ValueError, TypeError):
        same = False
    if not same:
        raise ValueError("true_fn and false_fn arguments to tf.cond must have the same number, "
                         f"type, and overall structure of return values. true_fn output: "
                         f"{taken}, false_fn output: {other}")
    for a, b in zip(then_g.outputs, else_g.outputs):
        if a.dtype != b.dtype:
            raise TypeError(f"true_fn and false_fn must return the same dtypes: "
                            f"{_dt.as_dtype(a.dtype).name} vs {_dt.as_dtype(b.dtype).name}")
        if len(a.shape) != len(b.shape):
            raise NotImplementedError(
                f"tf.cond inside a tf.function: the branches return values of ranks "
                f"{len(a.shape)} and {len(b.shape)} (shapes {a.shape} and {b.shape}); "
                "Tapescope's graphs have static shapes. Make the branches' shapes equal.")
    # The node's trace-time outputs are the taken branch's values: running the compiled
    # branch now would apply its assignments and prints at trace time.
    chosen = taken if bool(pred._value) else other
    out = tuple(wrap(np.array(_t(x)._value)) for x in nest.flatten(chosen) if x is not None)
    variables = trainable_variables_read(then_g, else_g)
    inputs = (pred, *then_caps, *else_caps, *variables)
    attrs = {"then_branch": then_c, "else_branch": else_c, "num_then": len(then_caps),
             "then_graph": then_g, "else_graph": else_g, "variables": variables}
    STATE.graph.add_op(IF, inputs, out, attrs)
    record_custom(IF, inputs, out, attrs)  # a tape inside the function differentiates it
    out = tuple(_same_shape_as_traced(o, a.shape, b.shape, k, bool(pred._value))
                for k, (o, a, b) in enumerate(zip(out, then_g.outputs, else_g.outputs)))
    it = iter(out)
    return nest.map_structure(lambda leaf: None if leaf is None else next(it), taken)


def _same_shape_as_traced(value: Tensor, then_shape: tuple, else_shape: tuple, k: int,
                          taken: bool) -> Tensor:
    """An If output whose branches give it different shapes, checked at each run against
    the shape of the branch taken while tracing (TensorFlow relaxes the shape instead)."""
    from engine.ops.loop_check_ops import ASSERT_BRANCH_SHAPE

    if then_shape == else_shape:
        return value
    traced, other = (then_shape, else_shape) if taken else (else_shape, then_shape)
    return execute(ASSERT_BRANCH_SHAPE, (value,), {
        "traced_shape": tuple(traced), "other_shape": tuple(other),
        "name": f"Output {k} of the if/tf.cond"})


@defop("If", num_outputs=0)
def _if(pred, *captures, then_branch, else_branch, num_then, then_graph=None, else_graph=None,
        variables=()):
    """The outputs of the branch ``pred`` picks, running that branch's compiled graph only
    (the last inputs, the values of ``variables``, are there for tapes: see While)."""
    captures = captures[:len(captures) - len(variables)]
    if pred:
        return tuple(then_branch(*captures[:num_then]))
    return tuple(else_branch(*captures[num_then:]))


IF = _if


@IF.gradient
def _if_grad(call: Any, *dys: Any) -> tuple:
    """d(If)/d(captures) = If(pred, gradient of the then graph, gradient of the else graph):
    each branch differentiates its own ops; the captures only the other branch reads get
    zeros from it."""
    from engine.graph.executor import run_graph_ops
    from engine.ops.array_ops import zeros_like
    from engine.tape import GradientTape

    pred, *captures = call.inputs
    n = call.attrs["num_then"]
    variables = list(call.attrs.get("variables", ()))
    n_caps = len(captures) - len(variables)
    seeds = [dy if dy is not None else zeros_like(y) for dy, y in zip(dys, call.outputs)]

    def branch_grads(graph: Any, mine: slice) -> Callable[[], list]:
        def run() -> list:
            own = captures[:n_caps][mine]
            with GradientTape() as tape:
                for c in own:
                    tape.watch(c)
                outs = run_graph_ops(graph, list(own))
            grads = tape.gradient(outs, own + variables, output_gradients=seeds,
                                  unconnected_gradients="zero") if outs else [
                zeros_like(c) for c in own + variables]
            grads = [_t(g) for g in grads]  # a variable's may be IndexedSlices
            positions = [*range(n_caps)[mine], *range(n_caps, len(captures))]
            mine_grads = dict(zip(positions, grads))
            return [mine_grads[i] if i in mine_grads else zeros_like(c)
                    if c._value.dtype.kind == "f" else None
                    for i, c in enumerate(captures)]
        return run

    grads = cond(pred, branch_grads(call.attrs["then_graph"], slice(0, n)),
                 branch_grads(call.attrs["else_graph"], slice(n, None)))
    return (None, *[g if c._value.dtype.kind == "f" else None
                    for g, c in zip(grads, captures)])


def run_if_recorded(inputs: tuple, attrs: dict) -> list:
    """An If node run op by op through dispatch: only the taken branch's ops, so a tape
    around the call records them and the debugger sees the ops that really ran."""
    from engine.graph.executor import run_graph_ops

    pred, *captures = inputs
    n = attrs["num_then"]
    captures = captures[:len(captures) - len(attrs.get("variables", ()))]
    if bool(pred._value):
        return run_graph_ops(attrs["then_graph"], captures[:n])
    return run_graph_ops(attrs["else_graph"], captures[n:])


# -- while_loop ------------------------------------------------------------------------------------

# The options ``tf.autograph.experimental.set_loop_options`` gives the loop whose body is
# being traced (innermost last).
LOOP_OPTIONS: list[dict] = []


def _run_loop(cond_fn: Callable, body_fn: Callable, loop_vars: list,
              maximum_iterations: int | None) -> list:
    i = 0
    while maximum_iterations is None or i < maximum_iterations:
        if not bool(cond_fn(*loop_vars)):
            break
        loop_vars = body_fn(*loop_vars)
        i += 1
    return loop_vars


@defop("While", num_outputs=0)
def _while(*arrays, cond, body, num_vars, num_cond_captures, maximum_iterations,
           cond_graph=None, body_graph=None, variables=()):
    """The loop variables after ``body`` ran while ``cond`` held (both compiled graphs).
    The last inputs are the values of ``variables``, the trainable variables the loop reads
    (its graphs read them live: they are inputs only so that a tape sees them)."""
    loop = list(arrays[:num_vars])
    cond_captures = arrays[num_vars:num_vars + num_cond_captures]
    body_captures = arrays[num_vars + num_cond_captures:len(arrays) - len(variables)]
    loop = _run_loop(lambda *v: cond(*v, *cond_captures)[0],
                     lambda *v: list(body(*v, *body_captures)), loop, maximum_iterations)
    return tuple(np.asarray(v) for v in loop)


WHILE = _while
_LOOP_KEYS = ("cond_graph", "body_graph", "num_vars", "num_cond_captures",
              "maximum_iterations", "variables")


@WHILE.gradient
def _while_grad_rule(call: Any, *dys: Any) -> tuple:
    """A ``WhileGrad`` node: each run recomputes the loop op by op under a tape, from the
    same inputs, and differentiates it (the loop's intermediates are not kept between the
    forward and the backward node, as TensorFlow's accumulators keep them)."""
    from engine.ops.array_ops import zeros_like

    seeds = [dy if dy is not None else zeros_like(y) for dy, y in zip(dys, call.outputs)]
    attrs = {k: call.attrs[k] for k in _LOOP_KEYS if k in call.attrs}
    grads = execute(WHILE_GRAD, (*call.inputs, *seeds), {"num_inputs": len(call.inputs),
                                                         **attrs})
    return tuple(g if x._value.dtype.kind == "f" else None for g, x in zip(grads, call.inputs))


@defop("WhileGrad", num_outputs=0, differentiable=False)
def _while_grad(*arrays, num_inputs, **loop):
    """The gradients of a While node's inputs for its outputs' gradients ``arrays[n:]``:
    the loop run again eagerly, recorded by a tape (its prints and assignments are not
    repeated)."""
    from engine.tape import GradientTape

    inputs = [wrap(np.asarray(a)) for a in arrays[:num_inputs]]
    seeds = [wrap(np.asarray(a)) for a in arrays[num_inputs:]]
    variables = list(loop.get("variables", ()))  # their inputs' gradients: the variables'
    sources = inputs[:len(inputs) - len(variables)] + variables
    with STATE.swapped(graph=None, tapes=[], dry_run=True):
        floats = [t for t in inputs if t._value.dtype.kind == "f"]
        if not floats:
            return tuple(np.zeros_like(t._value) for t in inputs)
        with GradientTape() as tape:
            for t in floats:
                tape.watch(t)
            outs = run_while_recorded(tuple(inputs), loop)
        pairs = [(o, s) for o, s in zip(outs, seeds) if o._value.dtype.kind == "f"]
        grads = tape.gradient([o for o, _ in pairs], sources,
                              output_gradients=[s for _, s in pairs],
                              unconnected_gradients="zero") if pairs else [None] * len(inputs)
    return tuple(np.zeros_like(t._value) if g is None else np.asarray(_t(g)._value)
                 for g, t in zip(grads, inputs))


WHILE_GRAD = _while_grad


def run_while_recorded(inputs: tuple, attrs: dict, every_op: bool = False) -> tuple:
    """A While node run op by op through dispatch (its traced cond and body graphs), so a
    tape around the tf.function call records every iteration: the node has no gradient
    rule of its own, but the ops it ran do. A loop over integers alone has nothing to
    differentiate: it runs as the one node, unless ``every_op`` (the debugger watches)."""
    from engine.graph.executor import run_graph_ops

    if not every_op and not any(t._value.dtype.kind == "f" for t in inputs) and "body" in attrs:
        return execute(WHILE, inputs, attrs)

    n, n_cond = attrs["num_vars"], attrs["num_cond_captures"]
    loop = list(inputs[:n])
    end = len(inputs) - len(attrs.get("variables", ()))
    cond_captures, body_captures = list(inputs[n:n + n_cond]), list(inputs[n + n_cond:end])
    limit, count = attrs["maximum_iterations"], 0
    while limit is None or count < limit:
        if not bool(run_graph_ops(attrs["cond_graph"], loop + cond_captures)[0]._value):
            break
        loop = run_graph_ops(attrs["body_graph"], loop + body_captures)
        count += 1
    return tuple(loop)


def _trace_loop_function(fn: Callable, structure: Any, example: list[Tensor],
                         name: str) -> tuple[Any, list[Tensor], Any]:
    """``fn`` traced into a graph of its own: (compiled graph, captured outer tensors, the
    traced graph itself)."""
    from engine.graph.executor import CompiledGraph
    from engine.graph.passes import optimize
    from engine.graph.trace import GraphBuilder

    outer = STATE.graph
    captures: list[Tensor] = []

    class LoopFunctionBuilder(GraphBuilder):
        """Tensors of the enclosing traces become parameters of this graph (captures); a
        loop nested in a loop captures through each level in between."""

        parent = outer

        def value_of(self, t: Tensor) -> Any:
            if t._id not in self.values and _traced_by(outer, t):
                self.placeholder(np.asarray(t._value), f"capture{len(captures)}")
                self.values[t._id] = self.graph.params[-1]
                captures.append(t)
            return super().value_of(t)

    builder = LoopFunctionBuilder(name)
    params = [builder.placeholder(np.asarray(t._value), f"arg{i}") for i, t in enumerate(example)]
    with STATE.swapped(graph=builder):
        result = fn(*nest.pack_sequence_as(structure, params))
        leaves = [_t(x) for x in nest.flatten(result)]
        builder.graph.outputs.extend(builder.value_of(x) for x in leaves)
    return CompiledGraph(optimize(builder.graph)), captures, builder.graph


def trainable_variables_read(*graphs: Any) -> list:
    """The trainable float variables a loop's or branch's graphs read (nested ones too): the
    node holding them takes their values as inputs too, so that a tape inside the function
    differentiates them (TensorFlow's captured resource handles)."""
    from engine.graph import ir

    found: dict[int, Any] = {}
    todo = list(graphs)
    while todo:
        graph = todo.pop()
        for node in graph.nodes:
            var = node.attrs.get("variable") if node.type == ir.READ_VARIABLE else None
            if var is not None and var.trainable and var._value.dtype.kind == "f":
                found.setdefault(id(var), var)
            todo += [v for k, v in node.attrs.items() if k.endswith("_graph")]
    return list(found.values())


def _traced_by(builder: Any, t: Tensor) -> bool:
    """Whether ``t`` is a value of ``builder``'s trace or of one it is nested in."""
    while builder is not None:
        if t._id in builder.values:
            return True
        builder = getattr(builder, "parent", None)
    return False


def _same_structure(a: Any, b: Any) -> bool:
    """TensorFlow's assert_same_structure with types checked (a list is no tuple)."""
    if isinstance(a, dict) or isinstance(b, dict):
        return (type(a) is type(b) and sorted(a) == sorted(b)
                and all(_same_structure(a[k], b[k]) for k in a))
    if isinstance(a, list | tuple) or isinstance(b, list | tuple):
        return (type(a) is type(b) and len(a) == len(b)
                and all(_same_structure(x, y) for x, y in zip(a, b)))
    return True


def _check_structure(first: list, second: Any, limited: bool = False) -> list:
    """``second`` (a body's result) as a list, if it has the loop variables' structure. With
    ``maximum_iterations`` TensorFlow nests the variables in a pair with a counter, so even
    the outer list or tuple type must match."""
    same = _same_structure(first, second) if limited else True
    if not limited:
        second = list(second)  # a lone tensor fails here as in TensorFlow: not iterable
    if not same or not _same_structure(list(first), list(second)):
        raise ValueError("The two structures don't have the same nested structure.\n\n"
                         f"First structure: {first}\n\nSecond structure: {second}")
    return list(second)


def _as_loop_value(x: Any) -> Any:
    from engine.tensor_array import TensorArray

    return x if isinstance(x, TensorArray) else _t(x)


def while_loop(cond: Callable, body: Callable, loop_vars: Any, shape_invariants: Any = None,
               parallel_iterations: int = 10, back_prop: bool = True, swap_memory: bool = False,
               maximum_iterations: Any = None, name: str | None = None) -> Any:
    """``tf.while_loop``: repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)``
    holds, at most ``maximum_iterations`` times; the result has loop_vars' structure."""
    if not callable(cond):
        raise TypeError("'cond' must be callable.")
    if not callable(body):
        raise TypeError("'body' must be callable.")
    if not loop_vars:  # TensorFlow's own test (a scalar tensor 0 fails it too)
        raise ValueError("'loop_vars' must be provided.")
    if maximum_iterations is not None:
        limit = _t(maximum_iterations)
        if limit._value.ndim != 0:
            raise ValueError("'maximum_iterations' must be a scalar. Received shape: "
                             f"{limit.shape}")
        maximum_iterations = int(limit._value)
    first = list(loop_vars)
    if maximum_iterations is not None:
        first = loop_vars  # compared with its own list/tuple type, as TensorFlow nests it
    if STATE.graph is None:  # eagerly: a Python loop, recorded op by op by any tape
        count = 0
        while (maximum_iterations is None or count < maximum_iterations) and cond(*loop_vars):
            loop_vars = body(*loop_vars)
            _check_structure(first, loop_vars, maximum_iterations is not None)
            count += 1
        return nest.map_structure(_as_loop_value, loop_vars)
    leaves = nest.flatten(first)
    arrays = _loop_arrays(body, first, leaves)  # TensorArrays ride as their elements
    flat = [arrays[k] if k in arrays else _t(v) for k, v in enumerate(leaves)]

    def packed(values: Any) -> Any:
        return nest.pack_sequence_as(first, [
            leaves[k].with_elements(v) if k in arrays else v for k, v in enumerate(values)])

    def cond_fn(*values: Any) -> Any:
        return cond(*packed(values))

    def body_fn(*values: Any) -> list:
        out = nest.flatten(_check_structure(first, body(*packed(values)),
                                            maximum_iterations is not None))
        return [array_after_iteration("loop_vars", leaves[k], v, flat[k]) if k in arrays
                else v for k, v in enumerate(out)]

    LOOP_OPTIONS.append({})  # what tf.autograph.experimental.set_loop_options sets
    try:
        cond_compiled, cond_captures, cond_graph = _trace_loop_function(cond_fn, flat, flat,
                                                                        "while_cond")
        body_compiled, body_captures, body_graph = _trace_loop_function(body_fn, flat, flat,
                                                                        "while_body")
    finally:
        options = LOOP_OPTIONS.pop()
    if options.get("maximum_iterations") is not None:
        limit = int(_t(options["maximum_iterations"])._value)
        maximum_iterations = limit if maximum_iterations is None else min(limit,
                                                                          maximum_iterations)
    variables = trainable_variables_read(cond_graph, body_graph)
    attrs = {"cond": cond_compiled, "body": body_compiled, "num_vars": len(flat),
             "num_cond_captures": len(cond_captures), "maximum_iterations": maximum_iterations,
             "cond_graph": cond_graph, "body_graph": body_graph, "variables": variables}
    # the trace-time run computes values; it assigns and prints nothing
    with STATE.swapped(dry_run=True):
        out = execute(WHILE, tuple(flat + cond_captures + body_captures + variables), attrs)
    from engine.tensor_array import after_loop

    out = [leaves[k].with_elements(after_loop(leaves[k], v, "loop_vars")) if k in arrays else v
           for k, v in enumerate(out)]
    return nest.pack_sequence_as(loop_vars, out)


def _loop_arrays(body: Callable, first: Any, leaves: list) -> dict[int, Tensor]:
    """The elements of the TensorArrays among a traced loop's variables (by leaf index),
    of the element shape they have, or that one iteration gives them (that iteration is
    traced into a graph thrown away)."""
    from engine.tensor_array import TensorArray

    arrays = {k: v for k, v in enumerate(leaves) if isinstance(v, TensorArray)}
    unknown = [k for k, v in arrays.items() if not v.element_shape.is_fully_defined()]
    shapes = {k: arrays[k].element_shape for k in arrays}
    if unknown:
        others = [k for k in range(len(leaves)) if k not in arrays]

        def one_iteration(*values: Any) -> list:
            full = list(leaves)
            for k, v in zip(others, values):
                full[k] = v
            out = nest.flatten(body(*nest.pack_sequence_as(first, full)))
            for k in unknown:
                if k < len(out) and isinstance(out[k], TensorArray):
                    shapes[k] = out[k].element_shape
            return []

        example = [_t(leaves[k]) for k in others]
        LOOP_OPTIONS.append({})  # the probe's set_loop_options are not the enclosing loop's
        try:
            _trace_loop_function(one_iteration, example, example, "loop_probe")
        finally:
            LOOP_OPTIONS.pop()
    return {k: v.elements(shapes[k]) for k, v in arrays.items()}


def array_after_iteration(name: str, before: Any, value: Any, elements: Tensor) -> Tensor:
    """A TensorArray loop variable's elements after one iteration of a loop's body (it must
    still be a TensorArray of that dtype and element shape)."""
    from engine.tensor_array import TensorArray

    if not isinstance(value, TensorArray) or value.dtype != before.dtype:
        raise ValueError(f"'{name}' must remain a tf.TensorArray of dtype "
                         f"{before.dtype.name} through the loop (it became {value!r}).")
    after = value.elements(elements._value.shape[1:])
    if after._value.shape[1:] != elements._value.shape[1:]:
        raise ValueError(f"'{name}' has elements of shape {list(elements._value.shape[1:])} "
                         f"before the loop, but of shape {list(after._value.shape[1:])} after "
                         "one iteration.")
    return after


# -- map_fn ----------------------------------------------------------------------------------------

def map_fn(fn: Callable, elems: Any, dtype: Any = None, parallel_iterations: int | None = None,
           back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True,
           name: str | None = None, fn_output_signature: Any = None) -> Any:
    """``tf.map_fn``: ``fn`` applied to each slice of ``elems`` along axis 0, results stacked."""
    from engine.ops.array_ops import stack, unstack

    if not callable(fn):
        raise TypeError(f"fn must be callable. Received: {fn}")
    from engine.autograph.conversion import converted_if_enabled

    fn = converted_if_enabled(fn)  # TensorFlow converts the mapped function too
    signature = fn_output_signature if fn_output_signature is not None else dtype
    flat_elems = [_t(e) for e in nest.flatten(elems)]
    if not flat_elems:
        raise ValueError("elems must be a Tensor or (possibly nested) sequence of Tensors. "
                         f"Got {elems}, which does not contain any Tensors.")
    if any(e._value.ndim == 0 for e in flat_elems):
        raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    n = flat_elems[0]._value.shape[0]
    if any(e._value.shape[0] != n for e in flat_elems):
        raise ValueError("All elements in elems must have the same outer dimension.")
    slices = [unstack(e) if n else [] for e in flat_elems]
    if signature is None:  # TensorFlow's default: the output has the structure of elems
        signature = nest.map_structure(lambda e: e.dtype, nest.pack_sequence_as(
            elems, flat_elems))
    want = [_dt.as_dtype(getattr(s, "dtype", s)) for s in nest.flatten(signature)]
    rows: list[list[Tensor]] = [[] for _ in want]
    for i in range(n):
        out = fn(nest.pack_sequence_as(elems, [s[i] for s in slices]))
        leaves = nest.flatten(out)
        if len(leaves) != len(want):
            raise ValueError("The two structures don't have the same nested structure.\n\n"
                             f"First structure: {signature}\n\nSecond structure: {out}")
        for k, (leaf, dtype) in enumerate(zip(leaves, want)):
            leaf = leaf if isinstance(leaf, Tensor) else convert_to_tensor(leaf, dtype)
            if leaf.dtype != dtype:  # TensorFlow writes the results into a TensorArray
                raise errors.InvalidArgumentError(
                    None, None, f"TensorArray dtype is {dtype.name} but Op is trying to "
                                f"write dtype {leaf.dtype.name} ")
            rows[k].append(leaf)
    if n == 0:
        stacked = [wrap(np.zeros((0,), d._np)) for d in want]
    else:
        stacked = [stack(r) for r in rows]
    return nest.pack_sequence_as(signature, stacked)
