"""The graphs an If/While node holds (then/else, cond/body), laid out in one id space.

A traced graph's If and While nodes hold graphs of their own, whose value and node ids
start at 0 again. The debugger names what ran inside by one numbering: each nested graph
gets id bases past the enclosing graph's ids, in node order, depth first, so the graph
event (drawn as clusters) and the op events of a compiled run (``probe``) give an inner
value the same id. The op events of inner ops are named by their path in the holder
(``While/body/Sqrt``, ``engine.graph.executor.nested_name``), as the op-by-op path names
them.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from engine.graph import ir


@dataclass(frozen=True)
class NestedGraph:
    """One nested graph: its ``role`` in ``holder``, where its ids start, and where those
    of the graph holding ``holder`` start (``outer_base``)."""

    holder: ir.Node
    role: str
    graph: ir.Graph
    value_base: int
    node_base: int
    outer_base: int


def _next_ids(graph: ir.Graph) -> tuple[int, int]:
    values = max((v.id for n in graph.nodes for v in n.outputs), default=-1) + 1
    return values, max((n.id for n in graph.nodes), default=-1) + 1


# top graph -> id(nested graph) -> its layout (dropped with the graph)
_LAYOUTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def layout(graph: ir.Graph) -> dict[int, NestedGraph]:
    """``id(nested graph)`` -> its :class:`NestedGraph`, for every graph nested (at any
    depth) in ``graph``; empty for a graph without If/While nodes (the common case)."""
    found = _LAYOUTS.get(graph)
    if found is not None:
        return found
    found = {}
    next_value, next_node = _next_ids(graph)

    def walk(g: ir.Graph, base: int) -> None:
        nonlocal next_value, next_node
        for node in g.nodes:
            if node.type not in ir.NESTED_GRAPH_OPS:
                continue
            for role, inner in ir.nested_graphs(node):
                here = found[id(inner)] = NestedGraph(node, role, inner, next_value, next_node,
                                                      base)
                values, nodes = _next_ids(inner)
                next_value += values
                next_node += nodes
                walk(inner, here.value_base)

    walk(graph, 0)
    _LAYOUTS[graph] = found
    return found


def graph_nodes(graph: ir.Graph) -> list[dict]:
    """The nodes of a graph event (``probe``), nested graphs in their holders' ``graphs``."""
    return _node_dicts(graph, layout(graph))


def _node_dicts(graph: ir.Graph, nested: dict, values: int = 0, nodes: int = 0,
                path: str = "") -> list[dict]:
    """A graph's nodes as the graph event holds them. An If/While node's nested graphs go
    in its ``graphs``: ids laid out by ``nested_graphs.layout`` (``values``/``nodes``: a
    nested graph's bases), names as their ops are told (``path``: ``While/body/``)."""
    out = []
    for node in graph.nodes:
        entry = {"id": node.id + nodes, "op": node.type, "name": path + node.name,
                 "scope": path[:-1] if path else node.scope,
                 "inputs": [v.id + values for v in node.inputs],
                 "outputs": [v.id + values for v in node.outputs],
                 "shapes": [list(v.shape) for v in node.outputs],
                 "dtypes": [v.dtype.name for v in node.outputs],
                 "file": node.source[0], "line": node.source[1]}
        if node.type == ir.READ_VARIABLE:  # its value's id in op events of compiled runs
            entry["variable"] = node.attrs["variable"]._id
        if nested and node.type in ir.NESTED_GRAPH_OPS:
            entry["graphs"] = []
            for role, inner_graph in ir.nested_graphs(node):
                inner = nested[id(inner_graph)]
                scope = f"{entry['name']}/{role}"
                entry["graphs"].append({
                    "role": role, "scope": scope,
                    "params": [v.id + inner.value_base for v in inner_graph.params],
                    "sources": [v.id + values for v in param_sources(node, role, inner_graph)],
                    "outputs": [v.id + inner.value_base for v in inner_graph.outputs],
                    "nodes": _node_dicts(inner_graph, nested, inner.value_base,
                                         inner.node_base, scope + "/")})
        out.append(entry)
    return out


def param_sources(holder: ir.Node, role: str, graph: ir.Graph) -> list[ir.Value]:
    """The holder's inputs that feed the nested graph's parameters, in order (an If's
    captures of that branch; a While's loop variables, then its cond's or body's captures:
    a body's later iterations get the previous iteration's outputs instead)."""
    inputs = holder.inputs
    n = len(graph.params)
    if holder.type == "If":
        start = 1 if role == "then" else 1 + holder.attrs["num_then"]
        return inputs[start:start + n]
    num_vars, num_cond = holder.attrs["num_vars"], holder.attrs["num_cond_captures"]
    start = num_vars if role == "cond" else num_vars + num_cond
    return inputs[:num_vars] + inputs[start:start + n - num_vars]


def all_nodes(nodes: list[dict]) -> Iterator[dict]:
    """A graph event's nodes and those of the graphs nested in them, holders first."""
    for node in nodes:
        yield node
        for graph in node.get("graphs", ()):
            yield from all_nodes(graph["nodes"])


def drawn_nodes(nodes: list[dict]) -> list[dict]:
    """A graph event's nodes flattened for drawing: each If/While's nested nodes (in the
    scopes ``If/then``, ``While/body``: clusters) just before it, their parameters replaced
    by the holder's inputs feeding them (edges come in from outside the cluster), and the
    holder reading the nested graphs' outputs (edges leave the cluster through it)."""
    out: list[dict] = []

    def add(node: dict, alias: dict[int, int]) -> None:
        graphs = node.get("graphs") or ()
        inputs = [alias.get(v, v) for v in node["inputs"]]
        if graphs:
            fed = set()
            results = []
            for graph in graphs:
                inner = dict(zip(graph["params"], (alias.get(v, v) for v in graph["sources"])))
                fed.update(graph["sources"])
                for member in graph["nodes"]:
                    if member["op"] != ir.PLACEHOLDER:
                        add(member, {**alias, **inner})
                results += [inner.get(v, v) for v in graph["outputs"]]
            inputs = [v for v, own in zip(inputs, node["inputs"]) if own not in fed] + results
        out.append({key: value for key, value in node.items() if key != "graphs"}
                   | {"inputs": inputs})

    for node in nodes:
        add(node, {})
    return out


def fed_by(inner: NestedGraph, looped: bool) -> dict[int, ir.Value]:
    """Nested parameter value id -> the value feeding it in one run, in its own graph's
    ids: the holder's input, or (``looped``: a While's cond or body after the body ran)
    for a loop variable the body's output of the iteration before (a variable the body
    passes through unchanged keeps the holder's input)."""
    sources = param_sources(inner.holder, inner.role, inner.graph)
    fed = {p.id: s for p, s in zip(inner.graph.params, sources)}
    if looped and inner.holder.type == "While":
        body = inner.holder.attrs["body_graph"]
        for param, result in zip(inner.graph.params[:inner.holder.attrs["num_vars"]],
                                 body.outputs):
            if result.node.type != ir.PLACEHOLDER:
                fed[param.id] = result
    return fed
