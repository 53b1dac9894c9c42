"""Graph export: traced graphs and recorded tape graphs to DOT, SVG, PNG, PDF via Graphviz.

Both sources become one small data model (``ExportGraph``) so that collapsing, rendering
and the GUI's native drawing (``layout_json``) share one code path. ``dot``'s time grows
with the long edges more than with the nodes (a backward pass reads forward values across
the whole depth), so layout settings are chosen from ``estimated_layout_cost`` and big
graphs are collapsed by name scope (a Keras layer) first: ``collapse="auto"`` guarantees
at most ``AUTO_COLLAPSE_NODES`` nodes.
"""

from __future__ import annotations

import functools
import inspect
import json
import re
import subprocess
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import graphviz
import numpy as np
from graphviz.backend import dot_command, execute

from debugger import validate
from debugger.health import Health, summary_health, worst_health
from debugger.nested_graphs import drawn_nodes, graph_nodes, layout
from engine.graph.dot import DotWriter, name_as_read
from engine.graph.ir import Graph, short_dtype

__all__ = [
    "AUTO_COLLAPSE_COST", "AUTO_COLLAPSE_NODES", "DEFAULT_TIMEOUT", "FORMATS", "MAX_LAYOUT_COST",
    "ExportEdge", "ExportGraph", "ExportNode", "GraphExportError", "auto_collapse", "collapse",
    "estimated_layout_cost", "export", "from_graph_event", "from_op_events", "from_traced_graph",
    "group_by_op", "layout_json", "node_style", "render", "to_dot",
]

AUTO_COLLAPSE_NODES = 500  # "auto" collapses bigger graphs (and ones above AUTO_COLLAPSE_COST)
AUTO_COLLAPSE_COST = 20_000  # or above this estimated_layout_cost (a ~500-node deep MLP step)
QUALITY_LAYOUT_COST = 2_000  # up to this (2 x cost + edges), dot's default (best) settings
FAST_LAYOUT_COST = 5_000  # above this, straight edges and few optimization passes
# Refuse beyond this: ~220,000 took dot 15 s and 600 MB, ~870,000 over 2 min and 2.4 GB.
MAX_LAYOUT_COST = 250_000
# cairo spends ~0.06 s per megapixel on a PNG, and a deep graph drawn at 96 dpi is 100+ Mpx;
# bigger drawings are rendered at a lower dpi (SVG and PDF stay full size).
MAX_PNG_PIXELS = 4_000_000
PNG_DPI = 96.0
DEFAULT_TIMEOUT = 60.0  # seconds one dot run may take before it is killed
FORMATS = ("png", "svg", "pdf", "dot")

Kind = Literal["op", "variable", "input", "constant", "cluster"]

_FILL = {"op": "#eef3fb", "variable": "#e3f6e3", "input": "#fff4d6", "constant": "#f0f0f0",
         "cluster": "#dfe6f3"}
_BORDER = {"op": "#7d8fb3", "variable": "#6aa86a", "input": "#c9a43a", "constant": "#9a9a9a",
           "cluster": "#5f7299"}
_BAD_FILL, _BAD_BORDER = "#f4a3a3", "#d00000"
_HEALTH_MARK = {"nan": "NaN!", "inf": "Inf!"}


class GraphExportError(RuntimeError):
    """Graphviz is missing, failed, or took too long; the message says what to do."""


@dataclass
class ExportNode:
    """One box in the picture: an op, a variable, an outside tensor, or a collapsed group.

    ``id`` is a DOT-safe identifier (no ``:``, which DOT reads as a port). ``label`` is the
    full multi-line text drawn in the box. ``members`` lists the original node ids a
    cluster stands for, so a GUI can map a selection back.
    """

    id: str
    label: str
    op: str
    kind: Kind
    name: str = ""
    scope: str = ""
    shapes: str = ""
    dtypes: str = ""
    health: Health = None
    members: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many original nodes this box stands for (1 unless it is a cluster)."""
        return len(self.members) if self.members else 1


@dataclass
class ExportEdge:
    """Data flow ``src -> dst``, labelled with the tensor's shape; ``tensors`` names the
    values it carries (several once nodes are collapsed), so counts stay exact."""

    src: str
    dst: str
    label: str = ""
    tensors: tuple[str, ...] = ()

    @property
    def count(self) -> int:
        """How many distinct tensors flow along this edge."""
        return max(len(self.tensors), 1)


@dataclass
class ExportGraph:
    """Nodes and edges to draw, whichever source (traced graph, op events) they came from."""

    name: str
    nodes: list[ExportNode] = field(default_factory=list)
    edges: list[ExportEdge] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.nodes)

    def node(self, node_id: str) -> ExportNode:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def node_ids(self) -> set[str]:
        return {node.id for node in self.nodes}


# -- text helpers -----------------------------------------------------------------------------
def _shape_text(shape: Sequence[Any] | None) -> str:
    if shape is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in shape) + "]"


def _type_text(shape: Sequence[Any] | None, dtype: Any) -> str:
    return f"{short_dtype(dtype)}{_shape_text(shape)}" if dtype else _shape_text(shape)


def _join_limited(parts: list[str], limit: int = 3) -> str:
    """Ops like Split have many outputs: show a few, then how many more."""
    if len(parts) <= limit:
        return ", ".join(parts)
    return ", ".join(parts[:limit]) + f", +{len(parts) - limit}"


def _label(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _op_label(op: str, name: str, types: str, health: Health = None, scope: str = "") -> str:
    """Op type, name (when it says more than the type; without the scope its layer box
    already shows), output types, a NaN/Inf mark."""
    if scope and name.startswith(scope + "/"):
        name = name[len(scope) + 1:]
    return _label(op, name if name != op else "", types, _HEALTH_MARK.get(health or "", ""))


def _scope_parts(scope: str) -> list[str]:
    return [part for part in scope.split("/") if part]


# -- builders --------------------------------------------------------------------------------
_GRAPH_KINDS: dict[str, Kind] = {"Placeholder": "input", "Const": "constant",
                                 "ReadVariableOp": "variable"}


def from_traced_graph(graph: Graph, name: str | None = None) -> ExportGraph:
    """A ``tf.function`` graph: one node per IR node, one edge per consumed value; an
    If's branches and a While's cond and body as clusters (``from_graph_event``)."""
    out = ExportGraph(name or graph.name)
    ir_nodes = {node.id: node for node in graph.nodes}
    for inner in layout(graph).values():
        ir_nodes.update((node.id + inner.node_base, node) for node in inner.graph.nodes)
    made: dict[int, tuple[str, Any]] = {}  # value id -> (producer's id, shape)
    for drawn in drawn_nodes(graph_nodes(graph)):
        node = ir_nodes[drawn["id"]]
        node_id = f"n{drawn['id']}"
        op = node.type
        kind = _GRAPH_KINDS.get(op, "op")
        display = drawn["name"]
        variable = node.attrs.get("variable")
        if kind == "variable" and variable is not None:
            # A Keras weight by its path (sequential/dense/kernel): its name, kernel, is
            # the same in every layer.
            display = getattr(variable, "path", None) or getattr(variable, "name", display)
        types = _join_limited([v.type_text() for v in node.outputs])
        value = node.attrs.get("value")
        if kind == "constant" and isinstance(value, np.ndarray) and value.size == 1:
            types += f" = {value.reshape(-1)[0].item()!r}"
        out.nodes.append(ExportNode(
            id=node_id, label=_op_label(op, display, types, scope=drawn["scope"]),
            op=op, kind=kind,
            name=drawn["name"], scope=drawn["scope"],
            shapes=_join_limited([_shape_text(v.shape) for v in node.outputs]),
            dtypes=_join_limited([v.dtype.name for v in node.outputs])))
        for vid in drawn["inputs"]:
            src, shape = made[vid]
            out.edges.append(ExportEdge(src, node_id, _shape_text(shape), (f"v{vid}",)))
        for vid, v in zip(drawn["outputs"], node.outputs):
            made[vid] = (node_id, v.shape)
    return out


def from_graph_event(event: dict, summaries: dict[str, Any] | None = None) -> ExportGraph:
    """A traced graph as the probe's "graph" event carries it (node ``n`` becomes ``opN``).

    An If's branches and a While's cond and body are drawn as clusters (scopes
    ``If/then``, ``While/body``: collapsible like name scopes) between the holder's inputs
    and the holder (``nested_graphs.drawn_nodes``).

    ``summaries`` maps node names to the summaries of their latest op events (a graph run op
    by op under the debugger, or the health of a compiled run's ops; inner ops are named by
    their path, ``While/body/Sqrt``), so nodes take the health of their last run.
    """
    wrong = validate.problem(event)  # the reader checked it; an API caller may not have
    if wrong is not None or event["kind"] != "graph":
        raise ValueError(f"not a usable graph event: {wrong or 'its kind is ' + event['kind']}")
    summaries = summaries or {}
    ops = [{"kind": "op", "seq": order, "node": f"op{node['id']}", "op": node["op"],
            "name": node["name"], "scope": node.get("scope", ""), "inputs": node["inputs"],
            "outputs": node["outputs"], "shapes": node.get("shapes", []),
            "dtypes": node.get("dtypes", []), "summary": summaries.get(node["name"])}
           for order, node in enumerate(drawn_nodes(event["nodes"]))]
    return from_op_events(ops, name=event.get("function") or "graph")


def from_op_events(events: Iterable[dict], variables: Iterable[dict] = (),
                   step: int | None = None, name: str = "tape") -> ExportGraph:
    """The tape graph of recorded "op" events (forward and backward ops alike), like torchviz.

    Tensors are linked by id (``Tensor._id``, never reused) in ``seq`` order; an id every run
    of a compiled graph gives again (``events.graph_value_id``) links to its latest producer.
    An input id no op produced is a variable node when a ``variable_created`` event (in
    ``variables`` or in ``events``) has that id, else an outside tensor ("input").
    ``step`` keeps only that step's ops.
    """
    events = list(events)
    var_events = {v["id"]: v for v in variables}
    for event in events:
        if event.get("kind") == "variable_created":
            var_events.setdefault(event["id"], event)
    ops = [e for e in events if e.get("kind", "op") == "op"
           and (step is None or e.get("step") == step)]
    ops.sort(key=lambda e: e.get("seq", 0))

    out = ExportGraph(name if step is None else f"{name} (step {step})")
    # tensor id -> (producer node id, output index, shape, dtype)
    produced: dict[int, tuple[str, int, Any, Any]] = {}
    leaf_nodes: dict[str, ExportNode] = {}
    for event in ops:
        node_id = event.get("node") or f"op{event['seq']}"  # (a graph event's: its id)
        scope = event.get("scope") or ""
        first_edge = len(out.edges)  # the input index of each edge below is its offset
        for tensor_id in event.get("inputs", []):
            if tensor_id in produced:
                src, index, shape, dtype = produced[tensor_id]
            else:
                src, shape, dtype = _leaf_node(tensor_id, var_events, scope, leaf_nodes, out,
                                               (event, len(out.edges) - first_edge))
                index = 0
            label = "" if shape is None else _shape_text(shape)  # an outside tensor: unknown
            out.edges.append(ExportEdge(src, node_id, label, (f"{src}/{index}",)))
        shapes = list(event.get("shapes") or [])
        dtypes = list(event.get("dtypes") or [])
        types = [_type_text(s, d) for s, d in zip(shapes, dtypes + [""] * len(shapes))]
        health = event.get("health") or summary_health(event.get("summary"))
        op = event.get("op", "?")
        display = event.get("name") or op
        # A traced graph's nodes replayed as events: arguments, constants and captured
        # variables (a read with no input) keep their kinds.
        kind = _GRAPH_KINDS.get(op, "op") if not event.get("inputs") else "op"
        out.nodes.append(ExportNode(
            id=node_id, op=op, kind=kind, name=display, scope=scope, health=health,
            label=_op_label(op, display, _join_limited(types), health, scope),
            shapes=_join_limited([_shape_text(s) for s in shapes]),
            dtypes=_join_limited([str(d) for d in dtypes])))
        for index, tensor_id in enumerate(event.get("outputs", [])):
            shape = shapes[index] if index < len(shapes) else None
            dtype = dtypes[index] if index < len(dtypes) else None
            produced[tensor_id] = (node_id, index, shape, dtype)
    return out


def _leaf_node(tensor_id: int, var_events: dict[int, dict], consumer_scope: str,
               leaf_nodes: dict[str, ExportNode], out: ExportGraph,
               consumer: tuple[dict, int]) -> tuple[str, Any, Any]:
    """The variable or outside-tensor node for an input id no op produced (made once).

    A variable joins the scope of its first consumer (its layer), as TensorFlow's graphs
    put a layer's reads inside the layer; an outside tensor (data, constant) stays unscoped
    and is named for the argument it is to its first consumer (``labels`` of a softmax
    cross-entropy, ``b`` of a MatMul): the recorded ops say nothing else about it.
    """
    var = var_events.get(tensor_id)
    node_id = f"var{tensor_id}" if var is not None else f"t{tensor_id}"
    node = leaf_nodes.get(node_id)
    if var is not None:
        shape, dtype = var.get("shape"), var.get("dtype")
        if node is None:
            node = ExportNode(
                id=node_id, op="Variable", kind="variable", name=str(var.get("name", node_id)),
                scope=consumer_scope, shapes=_shape_text(shape), dtypes=str(dtype or ""),
                label=_label("Variable", str(var.get("name", node_id)), _type_text(shape, dtype)))
    else:
        shape = dtype = None
        if node is None:
            event, index = consumer
            consumer_name = event.get("name") or event.get("op", "?")
            argument = input_name(event.get("op", ""), index)
            node = ExportNode(id=node_id, op="Tensor", kind="input",
                              name=f"{argument} of {consumer_name}",
                              label=_label("Tensor", f"{argument} of {event.get('op', '?')}"))
    if node_id not in leaf_nodes:
        leaf_nodes[node_id] = node
        out.nodes.append(node)
    return node_id, shape, dtype


@functools.lru_cache(maxsize=1024)  # a signature read per op and input, not per node
def input_name(op: str, index: int) -> str:
    """What input ``index`` of ``op`` is called in the op's registered forward (``a``/``b``
    of MatMul, ``logits``/``labels`` of SparseSoftmaxCrossEntropyWithLogits); ``x``/``y``,
    TensorFlow's names, for a numpy ufunc's ``x1``/``x2`` or a forward taking ``*args``."""
    from engine.ops.registry import REGISTRY  # the engine's ops, loaded by now or cheap

    opdef = REGISTRY.get(op)
    try:
        parameters = list(inspect.signature(opdef.forward).parameters.values()) if opdef \
            else []
    except (TypeError, ValueError):  # a builtin without a readable signature
        parameters = []
    positional = [p.name for p in parameters if p.kind in (
        inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if index < len(positional):
        name = positional[index]
        return {"x1": "x", "x2": "y"}.get(name, name)
    if any(p.kind == inspect.Parameter.VAR_POSITIONAL for p in parameters) and index < 2:
        return ("x", "y")[index]
    return f"input {index}"


# -- collapsing ----------------------------------------------------------------------------------
def _cluster_key(scope: str, depth: int, expanded: set[str]) -> str | None:
    """The scope prefix a node collapses into, or None if it stays (unscoped or expanded).

    An expanded scope opens one level: its sub-scopes collapse one level deeper instead.
    """
    parts = _scope_parts(scope)
    k = max(depth, 1)
    while True:
        prefix = "/".join(parts[:k])
        if not prefix:
            return None
        if prefix not in expanded:
            return prefix
        if k >= len(parts):
            return None
        k += 1


def _merge(graph: ExportGraph, key_of: dict[str, tuple[str, str, str, str] | None],
           name: str) -> ExportGraph:
    """Replace nodes by group nodes: key_of[id] = (group id, label head, op, scope) or None."""
    out = ExportGraph(name)
    groups: dict[str, list[ExportNode]] = {}
    group_info: dict[str, tuple[str, str, str]] = {}
    rep: dict[str, str] = {}
    order: list[str | ExportNode] = []
    for node in graph.nodes:
        key = key_of.get(node.id)
        if key is None:
            rep[node.id] = node.id
            order.append(node)
            continue
        group_id, head, op, scope = key
        rep[node.id] = group_id
        if group_id not in groups:
            groups[group_id] = []
            group_info[group_id] = (head, op, scope)
            order.append(group_id)
        groups[group_id].append(node)
    for item in order:
        if isinstance(item, ExportNode):
            out.nodes.append(item)
            continue
        members_nodes = groups[item]
        head, op, scope = group_info[item]
        members = tuple(m for node in members_nodes for m in (node.members or (node.id,)))
        health = worst_health(node.health for node in members_nodes)
        count = len(members)
        out.nodes.append(ExportNode(
            id=item, op=op, kind="cluster", name=head, scope=scope, health=health,
            members=members,
            label=_label(head, f"{count} node" + ("" if count == 1 else "s"),
                         _HEALTH_MARK.get(health or "", ""))))
    out.edges = _merge_edges(graph.edges, rep)
    return out


def _merge_edges(edges: list[ExportEdge], rep: dict[str, str]) -> list[ExportEdge]:
    """Edges between representatives, one per pair, labelled by how many tensors they carry."""
    merged: dict[tuple[str, str], tuple[ExportEdge, dict[str, None]]] = {}
    for edge in edges:
        src, dst = rep.get(edge.src, edge.src), rep.get(edge.dst, edge.dst)
        if src == dst and (src != edge.src or dst != edge.dst):
            continue  # now inside one group
        first, tensors = merged.setdefault((src, dst), (edge, {}))
        tensors.update(dict.fromkeys(edge.tensors or (f"{edge.src}>{edge.dst}",)))
    out = []
    for (src, dst), (first, tensors) in merged.items():
        label = first.label if len(tensors) == 1 else f"{len(tensors)} tensors"
        out.append(ExportEdge(src, dst, label, tuple(tensors)))
    return out


def collapse(graph: ExportGraph, depth: int = 1, expanded: Iterable[str] = ()) -> ExportGraph:
    """Merge nodes whose scope shares its first ``depth`` components into one cluster node.

    A layer's dozens of ops become one box labelled with the scope and its node count;
    edges between boxes are merged and labelled with the number of tensors. Unscoped nodes
    stay; scopes in ``expanded`` stay open (their sub-scopes collapse one level deeper).
    """
    expanded_scopes = {s.strip("/") for s in expanded}
    key_of: dict[str, tuple[str, str, str, str] | None] = {}
    for node in graph.nodes:
        key = _cluster_key(node.scope, depth, expanded_scopes)
        key_of[node.id] = None if key is None else (_scope_id(key), key, "", key)
    return _merge(graph, key_of, graph.name)


def _scope_id(scope: str) -> str:
    return "scope|" + scope.replace(":", "_")


def group_by_op(graph: ExportGraph) -> ExportGraph:
    """Merge the unscoped, uncollapsed nodes by op type (all MatMuls into one box, …).

    This is the fallback when scopes alone do not shrink a graph enough (the backward
    ops of a tape carry no layer scope).
    """
    key_of: dict[str, tuple[str, str, str, str] | None] = {}
    sizes: dict[str, int] = {}
    for node in graph.nodes:
        if node.kind == "cluster" or node.scope:
            key_of[node.id] = None
        else:
            op_id = "ops|" + f"{node.kind}|{node.op}".replace(":", "_")
            key_of[node.id] = (op_id, f"{node.op} (unscoped)", node.op, "")
            sizes[op_id] = sizes.get(op_id, 0) + 1
    for node_id, key in key_of.items():
        if key is not None and sizes[key[0]] == 1:
            key_of[node_id] = None  # a lone op says more as itself
    return _merge(graph, key_of, graph.name)


def _family(scope: str) -> str:
    """``dense_12`` and ``dense`` are one family: numbered copies of one layer class."""
    return re.sub(r"_\d+$", "", scope) + "_*"


def auto_collapse(graph: ExportGraph, limit: int = AUTO_COLLAPSE_NODES,
                  cost_limit: int = AUTO_COLLAPSE_COST) -> ExportGraph:
    """Collapse just enough for ``dot`` to stay quick: at most ``limit`` nodes, always.

    A graph is left alone if it has at most ``limit`` nodes and an ``estimated_layout_cost``
    of at most ``cost_limit``. Otherwise: the deepest scope level that fits (most detail),
    then the same with unscoped nodes grouped by op type, then numbered scopes by family
    (``dense_*``), then runs of neighbouring groups, which bounds any graph.
    """

    def fits(candidate: ExportGraph) -> bool:
        return len(candidate) <= limit and estimated_layout_cost(candidate) <= cost_limit

    if fits(graph):
        return graph
    max_depth = max((len(_scope_parts(n.scope)) for n in graph.nodes), default=0)
    by_depth = [collapse(graph, depth) for depth in range(max_depth, 0, -1)]
    for candidate in by_depth:
        if fits(candidate):
            return candidate
    for candidate in by_depth or [graph]:
        grouped = group_by_op(candidate)
        if fits(grouped):
            return grouped
    current = group_by_op(by_depth[-1] if by_depth else graph)
    key_of: dict[str, tuple[str, str, str, str] | None] = {}
    for node in current.nodes:
        if node.kind == "cluster" and node.scope:
            family = _family(node.scope)
            key_of[node.id] = (_scope_id(family), family, "", family)
    current = _merge(current, key_of, graph.name)
    if len(current) <= limit:
        return current
    per_run = -(-len(current) // (limit // 2))
    key_of = {}
    for index, node in enumerate(current.nodes):
        run = index // per_run
        key_of[node.id] = (f"run|{run}", f"group {run + 1}", "", "")
    return _merge(current, key_of, graph.name)


# -- DOT ---------------------------------------------------------------------------------------
def estimated_layout_cost(graph: ExportGraph) -> int:
    """Roughly how many virtual nodes ``dot`` will create: the sum of edge spans in ranks.

    Layout time follows this, not the node count: an autodiff graph's forward values feed
    its backward ops across the whole depth (O(layers^2) virtual nodes), so a 380-node deep
    MLP step takes over a minute with default settings. Ranks are longest paths in node
    order (back edges ignored), with sources pulled down next to their first consumer.
    Measured with dot 2.43: ~1,500 takes 1.3 s with default settings, ~12,000 takes 0.7 s
    and ~60,000 takes 7 s with the fastest settings.
    """
    index = {node.id: i for i, node in enumerate(graph.nodes)}
    preds: list[list[int]] = [[] for _ in graph.nodes]
    succs: list[list[int]] = [[] for _ in graph.nodes]
    spans: list[tuple[int, int]] = []
    for edge in graph.edges:
        src, dst = index.get(edge.src), index.get(edge.dst)
        if src is None or dst is None or src == dst:
            continue
        spans.append((src, dst))
        if src < dst:
            preds[dst].append(src)
            succs[src].append(dst)
    rank = [0] * len(graph.nodes)
    for i, sources in enumerate(preds):
        if sources:
            rank[i] = max(rank[j] for j in sources) + 1
    for i, sources in enumerate(preds):
        if not sources and succs[i]:
            rank[i] = min(rank[j] for j in succs[i]) - 1
    return sum(max(abs(rank[dst] - rank[src]) - 1, 0) for src, dst in spans)


def node_style(node: ExportNode) -> tuple[str, str, float]:
    """(fill colour, border colour, border width): by kind, red when NaN/Inf passed through.

    One palette for the exported pictures and the GUI's own drawing."""
    if node.health is not None:
        return _BAD_FILL, _BAD_BORDER, 2.5
    return _FILL[node.kind], _BORDER[node.kind], 1.0


def _node_attrs(node: ExportNode) -> dict[str, str]:
    fill, border, width = node_style(node)
    attrs = {"label": node.label, "fillcolor": fill, "color": border}
    if width != 1.0:
        attrs["penwidth"] = str(width)
    if node.kind == "variable":
        attrs["shape"] = "box"
        attrs["style"] = "filled"
    elif node.kind in ("input", "constant"):
        attrs["shape"] = "ellipse"
        attrs["style"] = "filled"
    elif node.kind == "cluster":
        attrs["shape"] = "box3d"
        attrs["style"] = "filled"
    return attrs


def _build_dot(graph: ExportGraph, title: str | None = None) -> tuple[str, dict[str, str]]:
    """DOT source and a map from Graphviz cluster names to the scopes they draw."""
    cost = estimated_layout_cost(graph)
    # Edge labels double the ranks and add a node per edge, unless placed as xlabels after
    # layout; the limits cap dot's network simplex and crossing passes, which otherwise grow
    # with the square of the virtual nodes.
    fast = 2 * cost + len(graph.edges) > QUALITY_LAYOUT_COST
    settings: dict[str, str] = {"rankdir": "TB", "fontname": "Helvetica"}
    if fast:
        settings.update(nslimit="2", nslimit1="2", mclimit="0.5", forcelabels="true")
    if cost > FAST_LAYOUT_COST:
        settings.update(nslimit="0.5", nslimit1="0.5", mclimit="0.1", splines="line")
    if title:
        settings.update(label=title, labelloc="t", fontsize="16")
    dot = DotWriter(title or graph.name, **settings)
    dot.defaults("node", shape="box", style="rounded,filled", fontname="Helvetica",
                 fontsize="10")
    dot.defaults("edge", fontname="Helvetica", fontsize="8", color="#555555",
                 fontcolor="#555555")

    # Scope tree: each scope a Graphviz cluster holding its nodes and sub-scopes. A
    # collapsed scope's box sits in its parent scope's cluster.
    children: dict[str, list[str]] = {}
    lines: dict[str, list[ExportNode]] = {}
    for node in graph.nodes:
        parts = _scope_parts(node.scope)
        if node.kind == "cluster":
            parts = parts[:-1]
        placement = "/".join(parts)
        lines.setdefault(placement, []).append(node)
        for k in range(len(parts), 0, -1):
            parent, child = "/".join(parts[:k - 1]), "/".join(parts[:k])
            siblings = children.setdefault(parent, [])
            if child in siblings:
                break
            siblings.append(child)

    cluster_scopes: dict[str, str] = {}

    def fill(scope: str) -> None:
        for node in lines.get(scope, []):
            dot.node(node.id, **_node_attrs(node))
        for child in children.get(scope, []):
            cluster_name = f"cluster_{len(cluster_scopes)}"
            cluster_scopes[cluster_name] = child
            with dot.cluster(cluster_name, label=child.rsplit("/", 1)[-1], style="rounded",
                             color="#9aa8c0", fontcolor="#4a5878", fontsize="11"):
                fill(child)

    fill("")
    for edge in graph.edges:
        attrs = {"xlabel" if fast else "label": edge.label} if edge.label else {}
        if edge.count > 1:
            attrs["penwidth"] = f"{min(1.0 + edge.count ** 0.5 / 2, 5.0):.2f}"
        dot.edge(edge.src, edge.dst, **attrs)
    return dot.text(), cluster_scopes


def to_dot(graph: ExportGraph, title: str | None = None) -> str:
    """DOT source text (scopes as clusters, colors by kind and health)."""
    return _build_dot(graph, title)[0]


# -- running dot -------------------------------------------------------------------------------
def _run_dot(source: str, output_format: str, timeout: float) -> bytes:
    """``dot -T<format>`` through the graphviz package's command line, with a time limit."""
    return _run_graphviz(dot_command.command("dot", output_format), source, timeout)


def _render_png(source: str, timeout: float) -> bytes:
    """Lay out once, then draw at a dpi that keeps the PNG under ``MAX_PNG_PIXELS``."""
    started = time.monotonic()
    laid_out = _run_dot(source, "dot", timeout).decode("utf-8")
    found = re.search(r'\bbb="([-\d.e+]+),([-\d.e+]+),([-\d.e+]+),([-\d.e+]+)"', laid_out)
    dpi = PNG_DPI
    if found:
        x0, y0, x1, y1 = (float(v) for v in found.groups())
        square_inches = max((x1 - x0) / 72.0, 1e-3) * max((y1 - y0) / 72.0, 1e-3)
        dpi = min(PNG_DPI, (MAX_PNG_PIXELS / square_inches) ** 0.5)
    # neato -n2 keeps dot's node positions and splines: it only draws.
    cmd = dot_command.command("neato", "png", neato_no_op=2) + [f"-Gdpi={dpi:.2f}"]
    return _run_graphviz(cmd, laid_out, max(timeout - (time.monotonic() - started), 1.0))


def _run_graphviz(cmd: list, source: str, timeout: float) -> bytes:
    try:
        proc = execute.run_check(cmd, input=source.encode("utf-8"), capture_output=True,
                                 quiet=True, timeout=timeout)
    except graphviz.ExecutableNotFound as error:
        raise GraphExportError(
            "Graphviz 'dot' was not found; install the Debian package graphviz") from error
    except subprocess.TimeoutExpired as error:
        raise GraphExportError(
            f"Graphviz 'dot' took longer than {timeout:g} s; export with collapse='auto' "
            f"(large graphs take minutes to lay out)") from error
    except graphviz.CalledProcessError as error:
        stderr = error.stderr.decode("utf-8", "replace") if isinstance(error.stderr, bytes) \
            else str(error.stderr or "")
        raise GraphExportError(f"Graphviz 'dot' failed (exit status {error.returncode}): "
                               f"{stderr.strip() or 'no message'}") from error
    return proc.stdout


def _check_layout_cost(graph: ExportGraph) -> None:
    """Refuse a layout that would run for minutes and eat gigabytes (a timeout alone lets
    dot grow to 24 GB first)."""
    cost = estimated_layout_cost(graph)
    if cost > MAX_LAYOUT_COST:
        raise GraphExportError(
            f"graph too large to lay out: {len(graph)} nodes with an estimated layout cost of "
            f"{cost:,} (limit {MAX_LAYOUT_COST:,}); export with collapse='auto'")


def _as_export_graph(source: Any, step: int | None = None) -> ExportGraph:
    if isinstance(source, ExportGraph):
        return source
    if isinstance(source, Graph):
        return from_traced_graph(source)
    if isinstance(source, list | tuple):
        return from_op_events(source, step=step)
    raise TypeError(f"cannot export {type(source).__name__}: pass an ExportGraph, a traced "
                    f"engine.graph.ir.Graph or a list of op events")


def _apply_collapse(graph: ExportGraph, how: bool | str) -> ExportGraph:
    if how == "auto":
        return auto_collapse(graph)
    if how is True:
        return collapse(graph)
    if how is False:
        return graph
    raise ValueError(f"collapse must be True, False or 'auto', not {how!r}")


def render(source: Any, format: str = "svg", collapse: bool | str = "auto",
           title: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The rendered bytes (e.g. SVG for a viewer) without writing a file."""
    graph = _apply_collapse(_as_export_graph(source), collapse)
    if format == "dot":
        return to_dot(graph, title).encode("utf-8")
    _check_layout_cost(graph)
    if format == "png":
        return _render_png(to_dot(graph, title), timeout)
    return _run_dot(to_dot(graph, title), format, timeout)


def export(source: Any, path: str | Path, format: str | None = None,
           collapse: bool | str = "auto", title: str | None = None,
           timeout: float = DEFAULT_TIMEOUT, step: int | None = None) -> Path:
    """Write a traced graph, op events or an ``ExportGraph`` as PNG, SVG, PDF or DOT.

    ``format`` defaults to the path's suffix (else PNG). ``collapse="auto"`` collapses only
    graphs with more than ``AUTO_COLLAPSE_NODES`` nodes (or a layout cost above
    ``AUTO_COLLAPSE_COST``); True collapses by top-level scope. ``step`` picks one step's ops
    from events. Big PNGs are drawn at a lower dpi (at most ``MAX_PNG_PIXELS``). Raises
    ``GraphExportError`` when ``dot`` is missing, fails, exceeds ``timeout`` seconds, or
    the graph is beyond ``MAX_LAYOUT_COST``.
    """
    path = Path(path)
    output_format = (format or path.suffix.lstrip(".") or "png").lower()
    if output_format == "gv":
        output_format = "dot"
    if output_format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {output_format!r}")
    if not path.suffix:
        path = path.with_suffix("." + output_format)
    data = render(_as_export_graph(source, step), output_format, collapse, title, timeout)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# -- layout for native drawing -------------------------------------------------------------------
def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(v) for v in text.split(","))


def layout_json(graph: ExportGraph, title: str | None = None,
                timeout: float = DEFAULT_TIMEOUT) -> dict:
    """Positions from ``dot -Tjson0``, for drawing the graph natively (e.g. with Qt).

    All numbers are points with the origin at the top left and y growing downwards (Qt's
    convention; Graphviz's y grows upwards). Returns ``nodes``: id -> (x centre, y centre,
    width, height); ``edges``: (src, dst, cubic B-spline control points, 3n+1 of them);
    ``arrowheads``: per edge the arrow tip or None; ``edge_labels``: per edge (x, y, text)
    or None; ``clusters``: scope -> (x0, y0, x1, y1); ``bbox``: (0, 0, width, height).
    """
    _check_layout_cost(graph)
    source, cluster_scopes = _build_dot(graph, title)
    data = json.loads(_run_dot(source, "json0", timeout))
    node_ids = {name_as_read(node.id): node.id for node in graph.nodes}
    x0, y0, x1, y1 = _floats(data.get("bb", "0,0,0,0"))
    height = y1 - y0

    def point(text: str) -> tuple[float, float]:
        x, y = _floats(text)[:2]
        return (x - x0, height - (y - y0))

    nodes: dict[str, tuple[float, float, float, float]] = {}
    clusters: dict[str, tuple[float, float, float, float]] = {}
    names: dict[int, str] = {}
    for obj in data.get("objects", []):
        if "nodes" in obj or "bb" in obj:  # a subgraph
            scope = cluster_scopes.get(obj.get("name", ""))
            if scope is not None and "bb" in obj:
                bx0, by0, bx1, by1 = _floats(obj["bb"])
                clusters[scope] = (bx0 - x0, height - (by1 - y0), bx1 - x0, height - (by0 - y0))
            continue
        node_id = names[obj["_gvid"]] = node_ids.get(obj["name"], obj["name"])
        if "pos" in obj:
            x, y = point(obj["pos"])
            nodes[node_id] = (x, y, float(obj["width"]) * 72.0, float(obj["height"]) * 72.0)
    edges: list[tuple[str, str, list[tuple[float, float]]]] = []
    arrowheads: list[tuple[float, float] | None] = []
    labels: list[tuple[float, float, str] | None] = []
    for edge in data.get("edges", []):
        points: list[tuple[float, float]] = []
        tip = None
        spline = edge.get("pos", "").split(";")[0]
        for token in spline.split():
            if token.startswith("e,"):
                tip = point(token[2:])
            elif token.startswith("s,"):
                continue
            else:
                points.append(point(token))
        edges.append((names[edge["tail"]], names[edge["head"]], points))
        arrowheads.append(tip)
        # Big graphs carry their edge labels as xlabels (placed after layout).
        label_at = edge.get("lp") or edge.get("xlp")
        text = edge.get("label") or edge.get("xlabel") or ""
        labels.append((*point(label_at), text) if label_at else None)
    return {"nodes": nodes, "edges": edges, "arrowheads": arrowheads, "edge_labels": labels,
            "clusters": clusters, "bbox": (0.0, 0.0, x1 - x0, height)}
