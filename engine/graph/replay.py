"""Re-specializing a traced graph to new input shapes without running the Python function.

Tracing is concrete, so a graph holds the shapes it was traced with (buffers, folded
shapes). A function traced for an ``input_signature`` with ``None`` dimensions (or a relaxed
shape) needs one such graph per shape it is called with; TensorFlow runs the Python body
once for all of them. ``replay`` gets the new graph by running the traced graph's nodes
again through dispatch under a fresh ``GraphBuilder``: the same program, new shapes.

That is only right if nothing shape-dependent was baked into the graph as a constant or an
attribute (``1 / batch_size`` in a mean's gradient, a ``reshape`` to ``x.shape``), unless
the code that made it said how it follows the sizes (``GraphBuilder.derive_attr``: the
graph's ``sized`` attributes, recomputed here from the new shapes). ``same_program`` tells:
the Python function traced anew for a second shape must give the replayed graph, node for
node, constant for constant, derivation for derivation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.context import STATE
from engine.graph import ir
from engine.graph.trace import GraphBuilder, symbolic
from engine.indexed_slices import IndexedSlices
from engine.tensor import Tensor, Variable


def replay(graph: ir.Graph, arrays: list[np.ndarray], static_shapes: list) -> GraphBuilder:
    """The builder holding ``graph`` traced again for these argument arrays. A graph with
    If/While nodes is not replayed: their branch and loop graphs are compiled for the first
    trace's shapes, and running them here would apply their effects at trace time."""
    from engine.ops.registry import execute

    if any(node.type in ir.NESTED_GRAPH_OPS for node in graph.nodes):
        raise ValueError(f"{graph.name}: graphs holding If/While nodes are traced per shape")

    builder = GraphBuilder(graph.name)
    env: dict[int, Tensor] = {}
    params = iter(zip(arrays, static_shapes))
    # no tape sees the replay; each node runs under its own name scope, restored after
    with STATE.swapped(graph=builder, tapes=[], scopes=STATE.scopes):
        for node in graph.nodes:
            STATE.scopes[:] = [node.scope] if node.scope else []
            kind = node.type
            attrs = node.attrs
            sized = graph.sized.get(node.id)
            if sized is not None:  # sizes of the new shapes where the code said how
                attrs = dict(attrs)
                for key, (derive, extra, sources) in sized.items():
                    attrs[key] = derive([_array(v, env) for v in sources], *extra)
            if kind == ir.PLACEHOLDER:
                array, shape = next(params)
                env[node.outputs[0].id] = builder.placeholder(array, node.name, shape)
            elif kind == ir.CONST:
                value = np.asarray(attrs["value"])
                new = builder.graph.add_node(ir.CONST, [], {"value": value},
                                             [(value.shape, value.dtype)], scope=node.scope)
                t = symbolic(value, builder.tensor_class)
                builder._bind(t, new.outputs[0])
                env[node.outputs[0].id] = t
            elif kind == ir.READ_VARIABLE:
                env[node.outputs[0].id] = builder.read_variable(node.attrs["variable"])
            elif kind == ir.APPLY_UPDATE:
                grads = ir.update_gradients(node, [env[v.id] for v in node.inputs])
                builder.apply_gradients(node.attrs["optimizer"], list(zip(
                    [IndexedSlices(g[0], g[1], v._value.shape) if isinstance(g, tuple) else g
                     for g, v in zip(grads, node.attrs["variables"])],
                    node.attrs["variables"])))
            elif kind == ir.ASSIGN_VARIABLE:
                builder.assign(node.attrs["variable"], env[node.inputs[0].id],
                               node.attrs["action"])
            else:
                result = execute(node.op, tuple(env[v.id] for v in node.inputs), attrs)
                results = result if isinstance(result, tuple) else (result,)
                for v, t in zip(node.outputs, results):
                    env[v.id] = t
            if sized is not None and builder.graph.nodes:  # the replay's node says so too
                builder.graph.sized[builder.graph.nodes[-1].id] = {
                    key: (derive, extra, [v if isinstance(v, Variable) else
                                          builder.values[env[v.id]._id] for v in sources])
                    for key, (derive, extra, sources) in sized.items()}
    new_graph = builder.graph
    if len(new_graph.nodes) != len(graph.nodes):  # one node per node, or it is not a replay
        raise RuntimeError(f"replaying {graph.name} made {len(new_graph.nodes)} nodes, "
                           f"not {len(graph.nodes)}")
    ids = {}
    for old, new in zip(graph.nodes, new_graph.nodes):
        new.name, new.source = old.name, old.source
        ids.update((a.id, b.id) for a, b in zip(old.outputs, new.outputs))
    values = {v.id: v for node in new_graph.nodes for v in node.outputs}
    new_graph.outputs = [values[ids[v.id]] for v in graph.outputs]
    new_graph.gradients = [
        {**record, **{key: [ids.get(r, r) if isinstance(r, int) else r for r in record[key]]
                      for key in ("targets", "sources", "grads")}}
        for record in graph.gradients]
    return builder


def _array(source: Any, env: dict) -> np.ndarray:
    """A derivation's source in the replay: a graph value's new array, or a variable's."""
    return source._value if isinstance(source, Variable) else env[source.id]._value


def same_program(a: ir.Graph, b: ir.Graph) -> bool:
    """Same nodes in the same order, with equal attributes and constants (shapes of values
    aside): two traces of one Python function that did not depend on the input shapes."""
    if len(a.nodes) != len(b.nodes) or len(a.gradients) != len(b.gradients):
        return False
    if [(v.node.name, v.index) for v in a.outputs] != [(v.node.name, v.index) for v in b.outputs]:
        return False
    where_a = {n.id: i for i, n in enumerate(a.nodes)}
    where_b = {n.id: i for i, n in enumerate(b.nodes)}
    for x, y in zip(a.nodes, b.nodes):
        if x.type != y.type or x.op is not y.op or x.attrs.keys() != y.attrs.keys():
            return False
        if ([(where_a[v.node.id], v.index) for v in x.inputs]
                != [(where_b[v.node.id], v.index) for v in y.inputs]):
            return False
        if not all(_same_attr(x.attrs[k], y.attrs[k]) for k in x.attrs):
            return False
        if not _same_derivations(a.sized.get(x.id, {}), b.sized.get(y.id, {}),
                                 where_a, where_b):
            return False
    return True


def _same_derivations(x: dict, y: dict, where_a: dict, where_b: dict) -> bool:
    """Sized attributes derived alike: same function and arguments, from the same values."""
    if x.keys() != y.keys():
        return False
    for key, (derive, extra, sources) in x.items():
        other = y[key]
        if derive is not other[0] or not _same_attr(extra, other[1]) or (
                [_where(v, where_a) for v in sources] != [_where(v, where_b) for v in other[2]]):
            return False
    return True


def _where(source: Any, where: dict) -> Any:
    """A derivation's source as comparable across graphs: a value's node position and
    output index; a variable, by identity (its ``==`` compares values)."""
    if isinstance(source, Variable):
        return ("variable", id(source))
    return (where[source.node.id], source.index)


def _same_attr(a: Any, b: Any) -> bool:
    from engine.ops.random_seed import PhiloxStream

    if isinstance(a, PhiloxStream) and isinstance(b, PhiloxStream):  # a random op's kernel
        return a.seeded_alike(b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        a, b = np.asarray(a), np.asarray(b)
        return a.dtype == b.dtype and a.shape == b.shape and bool(
            np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same_attr(x, y) for x, y in zip(a, b))
    try:
        return a is b or bool(a == b)
    except (TypeError, ValueError):
        return False
