"""A traced graph (``engine.graph.ir``) as JSON, and back, checked by running it once.

Saved: the graph as traced (not optimized), one entry per node: its op's registry name,
input value ids, attributes (``codec``), output value ids with shape and dtype, name, name
scope and the user's source line. Loading rebuilds the nodes, then replays them through
the op registry for zero-valued arguments of the saved shapes (``engine.graph.replay``):
every op runs its own checks there, so a graph whose ops, inputs or attributes do not fit
together fails while loading, with the function and the problem named; the replayed graph,
whose shapes and dtypes were computed rather than read, is the one the loaded function runs.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from engine.graph import ir
from engine.graph.replay import replay
from engine.ops.registry import REGISTRY
from engine.saved_model.codec import (
    Decoder,
    Encoder,
    SavedModelFormatError,
    numpy_dtype,
    shape_of,
)

# Graph-only node kinds a saved graph may hold (an optimizer step, If/While are refused
# when saving); the assignments a variable node may make
_SAVED_KINDS = frozenset({ir.PLACEHOLDER, ir.CONST, ir.READ_VARIABLE, ir.ASSIGN_VARIABLE})
_ASSIGN_ACTIONS = frozenset({"assign", "assign_add", "assign_sub"})
MAX_ARGUMENT_ELEMENTS = 1 << 28  # a larger argument shape is not a plausible saved trace


def encode_graph(graph: ir.Graph, enc: Encoder, where: str) -> dict:
    """The graph as JSON (arrays into ``enc``); NotImplementedError for what is not saved."""
    nodes = []
    for node in graph.nodes:
        kind = node.type
        at = f"{where}: node {node.name!r} ({kind})"
        if kind in ir.NESTED_GRAPH_OPS:
            raise NotImplementedError(f"{at}: saving functions with control flow (If/While "
                                      "nodes) is not supported by Tapescope's SavedModel yet")
        if kind == ir.APPLY_UPDATE:
            raise NotImplementedError(f"{at}: saving a function that applies an optimizer step "
                                      "is not supported by Tapescope's SavedModel")
        if isinstance(node.op, str):
            if kind not in _SAVED_KINDS:
                raise NotImplementedError(f"{at}: graph-only op {kind} cannot be saved")
        elif REGISTRY.get(kind) is not node.op:
            raise NotImplementedError(f"{at}: op {kind} is not a registered op (a "
                                      "custom_gradient or py_function?) and cannot be saved")
        nodes.append({
            "name": node.name, "op": kind, "scope": node.scope,
            "source": [str(node.source[0]), int(node.source[1])],
            "inputs": [v.id for v in node.inputs],
            "attrs": {k: enc.encode(v, f"{at} attribute {k!r}") for k, v in node.attrs.items()},
            "outputs": [[v.id, list(v.shape), v.dtype.name] for v in node.outputs],
        })
    return {"name": graph.name, "nodes": nodes, "params": [v.id for v in graph.params],
            "outputs": [v.id for v in graph.outputs],
            "gradients": enc.encode(graph.gradients, f"{where}: gradient records")}


def _field(data: dict, key: str, kind: type | tuple, where: str) -> Any:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise SavedModelFormatError(f"{where}: missing or malformed {key!r}")
    return value


def decode_graph(data: Any, dec: Decoder, where: str) -> ir.Graph:
    """The saved graph, its structure checked and then replayed (see the module's doc)."""
    if not isinstance(data, dict):
        raise SavedModelFormatError(f"{where}: malformed graph")
    graph = ir.Graph(_field(data, "name", str, where))
    values: dict[int, ir.Value] = {}
    for i, item in enumerate(_field(data, "nodes", list, where)):
        node = _decode_node(graph, item, i, values, dec, where)
        graph.nodes.append(node)
    graph._next_node = len(graph.nodes)
    graph._next_value = max(values, default=-1) + 1

    def value(vid: Any, what: str) -> ir.Value:
        if type(vid) is not int or vid not in values:
            raise SavedModelFormatError(f"{where}: {what} refers to unknown value {vid!r}")
        return values[vid]

    graph.params = [value(v, "a parameter") for v in _field(data, "params", list, where)]
    placeholders = [n.outputs for n in graph.nodes if n.type == ir.PLACEHOLDER]
    if placeholders != [[p] for p in graph.params]:  # (replay feeds them in node order)
        raise SavedModelFormatError(f"{where}: parameters do not match its Placeholder nodes")
    graph.outputs = [value(v, "an output") for v in _field(data, "outputs", list, where)]
    gradients = dec.decode(data.get("gradients", {"list": []}), f"{where}: gradient records")
    if not isinstance(gradients, list) or not all(
            isinstance(r, dict) and all(isinstance(r.get(k), list)
                                        for k in ("targets", "sources", "grads"))
            for r in gradients):
        raise SavedModelFormatError(f"{where}: malformed gradient records")
    graph.gradients = gradients
    return _checked_by_replay(graph, where)


def _decode_node(graph: ir.Graph, item: Any, i: int, values: dict, dec: Decoder,
                 where: str) -> ir.Node:
    at = f"{where}: node #{i}"
    name = _field(item, "name", str, at)
    at = f"{where}: node {name!r}"
    kind = _field(item, "op", str, at)
    if kind in _SAVED_KINDS:
        op: Any = kind
    elif kind in REGISTRY and kind not in ir.GRAPH_ONLY:
        op = REGISTRY[kind]
    else:
        raise SavedModelFormatError(f"{at}: unknown op {kind!r}")
    inputs = []
    for vid in _field(item, "inputs", list, at):
        if type(vid) is not int or vid not in values:
            raise SavedModelFormatError(f"{at}: input {vid!r} is not the output of an earlier "
                                        "node")
        inputs.append(values[vid])
    raw_attrs = _field(item, "attrs", dict, at)
    attrs = {k: dec.decode(v, f"{at} attribute {k!r}") for k, v in raw_attrs.items()}
    _check_graph_only(kind, attrs, inputs, at)
    node = ir.Node(i, op, inputs, attrs, name, _field(item, "scope", str, at))
    source = item.get("source", ["", 0])
    if (not isinstance(source, list) or len(source) != 2 or not isinstance(source[0], str)
            or type(source[1]) is not int):
        raise SavedModelFormatError(f"{at}: malformed source line {source!r}")
    node.source = (source[0], source[1])
    for index, out in enumerate(_field(item, "outputs", list, at)):
        if not isinstance(out, list) or len(out) != 3 or type(out[0]) is not int:
            raise SavedModelFormatError(f"{at}: malformed output {out!r}")
        vid, shape, dtype = out
        if vid in values:
            raise SavedModelFormatError(f"{at}: value id {vid} is defined twice")
        shape = shape_of(shape, f"{at} output {index}")
        if shape is None or None in shape:
            raise SavedModelFormatError(f"{at}: output {index} has no concrete shape")
        value = ir.Value(vid, node, index, shape, numpy_dtype(dtype, f"{at} output {index}"))
        node.outputs.append(value)
        values[vid] = value
    return node


def _check_graph_only(kind: str, attrs: dict, inputs: list, at: str) -> None:
    """The attributes and inputs the executor expects of each graph-only node kind."""
    from engine.tensor import Variable

    want_inputs = {ir.PLACEHOLDER: 0, ir.CONST: 0, ir.READ_VARIABLE: 0, ir.ASSIGN_VARIABLE: 1}
    if kind not in want_inputs:
        return
    if len(inputs) != want_inputs[kind]:
        raise SavedModelFormatError(f"{at}: a {kind} node takes {want_inputs[kind]} inputs, "
                                    f"not {len(inputs)}")
    if kind == ir.CONST and not isinstance(attrs.get("value"), np.ndarray):
        raise SavedModelFormatError(f"{at}: a Const node without an array 'value'")
    if kind in (ir.READ_VARIABLE, ir.ASSIGN_VARIABLE) and not isinstance(
            attrs.get("variable"), Variable):
        raise SavedModelFormatError(f"{at}: a {kind} node without a variable")
    if kind == ir.ASSIGN_VARIABLE and attrs.get("action") not in _ASSIGN_ACTIONS:
        raise SavedModelFormatError(f"{at}: unknown variable action {attrs.get('action')!r}")


def _checked_by_replay(graph: ir.Graph, where: str) -> ir.Graph:
    """The graph replayed for zeros of its parameters' shapes; the replay must give the
    saved outputs' shapes and dtypes, or the file does not describe a graph that runs."""
    arrays = []
    for p in graph.params:
        if int(np.prod(p.shape, dtype=np.float64)) > MAX_ARGUMENT_ELEMENTS:
            raise SavedModelFormatError(f"{where}: implausible argument shape {p.shape}")
        arrays.append(np.zeros(p.shape, p.dtype))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            replayed = replay(graph, arrays, [None] * len(arrays)).graph
    except Exception as exc:  # noqa: BLE001 - any failure means a malformed saved graph
        raise SavedModelFormatError(f"{where}: the saved graph does not run: "
                                    f"{type(exc).__name__}: {exc}") from None
    for old, new in zip(graph.nodes, replayed.nodes):
        got = [(v.shape, v.dtype) for v in new.outputs]
        saved = [(v.shape, v.dtype) for v in old.outputs]
        if got != saved:
            raise SavedModelFormatError(
                f"{where}: node {old.name!r} ({old.type}) computes outputs "
                f"{_types(got)}, but the file says {_types(saved)}")
    return replayed


def _types(specs: list) -> str:
    return "[" + ", ".join(f"{ir.short_dtype(d)}{list(s)}" for s, d in specs) + "]"
