"""Graph optimization passes. Each is a small function ``graph -> graph`` that rewrites the
node list in place and returns the graph, so each can be tested on its own; ``optimize``
chains them.

Every pass preserves results bit for bit, NaN, inf and -0.0 included: a plain run takes the
optimized graph, a debugger recording health or values runs the traced ops themselves, and
both must print the same numbers (tests compare optimized, traced and eager runs byte for
byte). So a rewrite that is exact only in real arithmetic is not done even where TensorFlow's
grappler does it: x + 0.0 → x (-0.0 becomes +0.0 otherwise), float x·1 → x (a denormal x
becomes 0 otherwise: ops run with denormals-are-zero), log(softmax(x)) → log_softmax(x)
(finite where the traced ops give -inf, and TensorFlow's own training steps give nan: its
rewrite needs the softmax to have no other reader, and the gradient reads it).
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from engine import denormals
from engine.graph import ir

# Ops whose output depends only on the input's shape and dtype (known statically).
_SHAPE_ONLY = {"ZerosLike", "OnesLike", "Shape", "Size", "Rank"}
# Ops whose value is the input itself (after differentiation, StopGradient is identity).
_IDENTITIES = {"Identity", "StopGradient"}
_ELEMENTWISE_UNARY = {"Neg", "Square", "Sqrt", "Exp", "Log", "Log1p", "Abs", "Sign", "Tanh",
                      "Relu", "Sigmoid", "Floor"}
_ELEMENTWISE_BINARY = {"AddV2", "Sub", "Mul", "RealDiv", "Maximum", "Minimum"}


def _is_pure(node: ir.Node) -> bool:
    """Same inputs, same output: random draws are not (each call must draw anew)."""
    from engine.ops.random_ops import STATEFUL_RANDOM_OPS

    return (not isinstance(node.op, str) and not node.stateful
            and node.type not in STATEFUL_RANDOM_OPS and node.type not in ir.EFFECT_OPS)


def _replace_uses(graph: ir.Graph, mapping: dict[int, ir.Value]) -> None:
    """Rewire every input and output that refers to a replaced value."""
    if not mapping:
        return

    def resolve(v: ir.Value) -> ir.Value:
        while v.id in mapping:
            v = mapping[v.id]
        return v

    for node in graph.nodes:
        node.inputs = [resolve(v) for v in node.inputs]
    graph.outputs = [resolve(v) for v in graph.outputs]


def _const_node(graph: ir.Graph, like: ir.Node, array: np.ndarray) -> ir.Node:
    node = ir.Node(like.id, ir.CONST, [], {"value": array}, like.name + "/folded", like.scope)
    node.outputs = [ir.Value(like.outputs[0].id, node, 0, array.shape, array.dtype)]
    return node


# -- dead code -----------------------------------------------------------------------------------

def dead_code_elimination(graph: ir.Graph) -> ir.Graph:
    """Drop nodes that neither feed an output nor a stateful node (e.g. the gradient of the
    input batch that ``tape.gradient`` computes as a by-product of MatMul's rule). Random
    draws stay even when unused, as TensorFlow runs every stateful op: each one advances the
    seed's stream, so dropping one would change every later draw (and a debugger running
    the traced ops would see other numbers than a plain run)."""
    from engine.ops.random_ops import STATEFUL_RANDOM_OPS

    needed: set[int] = {v.id for v in graph.outputs}
    keep: list[ir.Node] = []
    for node in reversed(graph.nodes):
        effects = (node.stateful or node.type in STATEFUL_RANDOM_OPS
                   or node.type in ir.EFFECT_OPS)
        if effects or node.type == ir.PLACEHOLDER or any(v.id in needed for v in node.outputs):
            keep.append(node)
            needed.update(v.id for v in node.inputs)
    graph.nodes = keep[::-1]
    return graph


# -- constants -----------------------------------------------------------------------------------

def constant_folding(graph: ir.Graph) -> ir.Graph:
    """Evaluate pure nodes whose inputs are all constants (and shape-only ops) at compile time."""
    consts: dict[int, np.ndarray] = {}
    new_nodes = []
    for node in graph.nodes:
        if node.type == ir.CONST:
            consts[node.outputs[0].id] = node.attrs["value"]
        elif _is_pure(node) and node.op.num_outputs == 1 and node.outputs[0].id not in {
                v.id for v in graph.outputs}:
            shape_only = node.type in _SHAPE_ONLY
            if shape_only or (node.inputs and all(v.id in consts for v in node.inputs)) or (
                    not node.inputs):
                if shape_only:
                    args = [np.zeros(v.shape, v.dtype) for v in node.inputs]
                else:
                    args = [consts[v.id] for v in node.inputs]
                with np.errstate(all="ignore"), denormals.flushed():  # as the op would run
                    value = np.asarray(node.op.forward(*args, **node.attrs))
                node = _const_node(graph, node, np.array(value, copy=True))
                consts[node.outputs[0].id] = value
        new_nodes.append(node)
    graph.nodes = new_nodes
    return graph


# -- common subexpressions -----------------------------------------------------------------------

def _attr_key(attrs: dict) -> Any:
    out = []
    for k in sorted(attrs):
        v = attrs[k]
        if isinstance(v, np.ndarray):
            v = (v.dtype.str, v.shape, v.tobytes())
        elif isinstance(v, slice):
            v = ("slice", v.start, v.stop, v.step)
        elif isinstance(v, tuple):
            v = tuple(("slice", x.start, x.stop, x.step) if isinstance(x, slice) else x
                      for x in v)
        elif isinstance(v, np.dtype | type):
            v = np.dtype(v).str
        out.append((k, repr(v)))
    return tuple(out)


def common_subexpression_elimination(graph: ir.Graph) -> ir.Graph:
    """Merge pure nodes with the same op, inputs and attributes; merge constants with equal
    values and reads of a variable that no stateful node (nor loop or branch) writes in
    between."""
    seen: dict[Any, ir.Node] = {}
    mapping: dict[int, ir.Value] = {}
    keep = []
    for node in graph.nodes:
        node.inputs = [mapping.get(v.id, v) for v in node.inputs]
        key = None
        if node.type == ir.CONST:
            a = node.attrs["value"]
            key = ("const", a.dtype.str, a.shape, a.tobytes())
        elif node.type == ir.READ_VARIABLE:
            key = ("read", id(node.attrs["variable"]))
        elif _is_pure(node):
            key = (node.type, tuple(v.id for v in node.inputs), _attr_key(node.attrs))
        if node.stateful:  # a write invalidates earlier reads of the variables it touches
            written = list(node.attrs.get("variables", [])) + (
                [node.attrs["variable"]] if "variable" in node.attrs else [])
            touched = {id(v) for v in written}
            for k in [k for k in seen if k[0] == "read" and k[1] in touched]:
                del seen[k]
        elif node.type in ir.NESTED_GRAPH_OPS:  # a loop or branch may assign any of them
            for k in [k for k in seen if k[0] == "read"]:
                del seen[k]
        if key is not None and key in seen:
            for old, new in zip(node.outputs, seen[key].outputs):
                mapping[old.id] = new
            continue
        if key is not None:
            seen[key] = node
        keep.append(node)
    graph.nodes = keep
    _replace_uses(graph, mapping)
    return graph


# -- algebra -------------------------------------------------------------------------------------

def _const_value(v: ir.Value) -> np.ndarray | None:
    return v.node.attrs["value"] if v.node.type == ir.CONST else None


def _leaves_unchanged(v: ir.Value, kind: str) -> bool:
    """Whether constant ``v`` as an operand of ``kind`` gives the other operand back bit for
    bit, for every value: x·1, x/1, x ± 0 on integers. Not on floats: ops run with
    denormals-are-zero (engine/denormals.py, as TensorFlow's kernels), so x·1 of a denormal
    x is 0; nor x + 0.0, since -0.0 + 0.0 is +0.0. (TensorFlow's grappler drops them anyway,
    and so prints 1e-40 or -0.0 where its eager mode prints 0.0; here every mode computes
    the same.)"""
    c = _const_value(v)
    if c is None or c.size == 0 or c.dtype.kind == "f":
        return False
    if kind in ("Mul", "RealDiv"):
        return bool(np.all(c == 1))
    return bool(np.all(c == 0))


def algebraic_simplification(graph: ir.Graph) -> ir.Graph:
    """x*1, 1*x, x/1, x±0 → x on integers; identities, no-op reshapes/casts/broadcasts → x;
    -(-x) → x; transpose of a transpose → one transpose (or none). Each gives the same bits
    as the ops it removes (so float x*1, x+0.0, x*0 and x-x stay: denormals, -0.0, NaN and
    inf tell them apart)."""
    mapping: dict[int, ir.Value] = {}
    for node in graph.nodes:
        node.inputs = [mapping.get(v.id, v) for v in node.inputs]
        if not node.outputs or len(node.outputs) != 1:
            continue
        out = node.outputs[0]
        kind = node.type
        replacement = None
        if kind in _IDENTITIES:
            replacement = node.inputs[0]
        elif kind in ("Reshape", "BroadcastTo", "Cast", "Squeeze", "ExpandDims"):
            x = node.inputs[0]
            if x.shape == out.shape and x.dtype == out.dtype:
                replacement = x
        elif kind in ("Mul", "AddV2", "Sub", "RealDiv"):
            x, y = node.inputs
            if _leaves_unchanged(y, kind) and x.shape == out.shape and x.dtype == out.dtype:
                replacement = x
            elif (kind in ("Mul", "AddV2") and _leaves_unchanged(x, kind)
                  and y.shape == out.shape and y.dtype == out.dtype):
                replacement = y
        elif kind == "Neg" and node.inputs[0].node.type == "Neg":
            replacement = node.inputs[0].node.inputs[0]
        elif kind == "Transpose" and node.inputs[0].node.type == "Transpose":
            inner = node.inputs[0].node
            perm = tuple(inner.attrs["perm"][i] for i in node.attrs["perm"])
            if perm == tuple(range(len(perm))):
                replacement = inner.inputs[0]
            else:
                node.inputs = [inner.inputs[0]]
                node.attrs = {"perm": perm}
        if replacement is not None:
            mapping[out.id] = replacement
    _replace_uses(graph, mapping)
    return dead_code_elimination(graph)


# -- fusion --------------------------------------------------------------------------------------

FUSED_MATMUL = "FusedMatMul"  # matmul + bias add (+ activation), one kernel
FUSED_ELEMENTWISE = "FusedElementwise"  # a chain of elementwise ops on one buffer


def _single_consumer(graph: ir.Graph) -> dict[int, ir.Node | None]:
    """value id -> its only reader (None when read more than once or returned)."""
    readers: dict[int, list[ir.Node]] = graph.consumers()
    outs = {v.id for v in graph.outputs}
    return {vid: (nodes[0] if len(nodes) == 1 and vid not in outs else None)
            for vid, nodes in readers.items()}


def fuse_matmul_bias_activation(graph: ir.Graph) -> ir.Graph:
    """MatMul → BiasAdd/AddV2(bias vector) [→ Relu|Sigmoid|Tanh|Softmax] becomes one
    FusedMatMul node: a Dense layer's forward in one kernel, no intermediates kept. The
    kernel runs the same numpy operations in the same order as the ops' forwards (operand
    order included), in place: the same bits."""
    single = _single_consumer(graph)
    removed: set[int] = set()
    for node in graph.nodes:
        if node.type != "MatMul" or node.id in removed or any(
                len(v.shape) != 2 for v in node.inputs):  # the kernel's .T is 2-D only
            continue
        add = single.get(node.outputs[0].id)
        if add is None or add.type not in ("BiasAdd", "AddV2"):
            continue
        bias = add.inputs[1] if add.inputs[0] is node.outputs[0] else add.inputs[0]
        if len(bias.shape) != 1 or add.outputs[0].shape != node.outputs[0].shape:
            continue
        last = add
        activation = None
        act = single.get(add.outputs[0].id)
        if act is not None and act.type in ("Relu", "Sigmoid", "Tanh") or (
                act is not None and act.type == "Softmax" and act.attrs.get("axis", -1) in (-1, 1)):
            activation = act.type
            last = act
        fused = ir.Node(node.id, FUSED_MATMUL, [node.inputs[0], node.inputs[1], bias],
                        {"transpose_a": node.attrs.get("transpose_a", False),
                         "transpose_b": node.attrs.get("transpose_b", False),
                         "activation": activation,
                         # b + x@w, not x@w + b: with NaN in both, the first one's bits win
                         "bias_first": add.inputs[0] is bias},
                        node.name + "/fused", node.scope)
        out = last.outputs[0]
        fused.outputs = [ir.Value(out.id, fused, 0, out.shape, out.dtype)]
        graph.nodes[graph.nodes.index(last)] = fused
        removed.update({node.id, add.id} | ({act.id} if activation else set()))
        fused_value = fused.outputs[0]
        for n in graph.nodes:
            n.inputs = [fused_value if v.id == out.id else v for v in n.inputs]
        graph.outputs = [fused_value if v.id == out.id else v for v in graph.outputs]
    graph.nodes = [n for n in graph.nodes if n.id not in removed or n.type == FUSED_MATMUL]
    return graph


def fuse_elementwise_chains(graph: ir.Graph) -> ir.Graph:
    """A run of elementwise ops where each result feeds only the next becomes one node that
    evaluates the chain into a single buffer (fewer dispatches, fewer temporaries): the ops'
    own ufuncs, in order, operands in the order written, so the same bits."""
    single = _single_consumer(graph)
    chain_of: dict[int, list[ir.Node]] = {}
    absorbed: set[int] = set()
    claimed: set[int] = set()  # nodes already in some chain (a node joins one chain at most)
    for node in graph.nodes:
        if node.id in claimed or not _fusable(node):
            continue
        chain = [node]
        cur = node
        while True:
            nxt = single.get(cur.outputs[0].id)
            if (nxt is None or nxt.id in claimed or not _fusable(nxt)
                    or nxt.outputs[0].shape != node.outputs[0].shape):
                break
            if nxt.inputs[0] is not cur.outputs[0]:
                if nxt.type not in ("AddV2", "Mul", "Maximum", "Minimum"):
                    break  # keep operand order for non-commutative ops
            chain.append(nxt)
            cur = nxt
        if len(chain) > 1:
            chain_of[chain[-1].id] = chain
            absorbed.update(n.id for n in chain[:-1])
            claimed.update(n.id for n in chain)
    if not chain_of:
        return graph
    new_nodes = []
    for node in graph.nodes:
        if node.id in absorbed:
            continue
        chain = chain_of.get(node.id)
        if chain is None:
            new_nodes.append(node)
            continue
        inputs: list[ir.Value] = []
        program = []
        produced = {}
        for step, n in enumerate(chain):
            operands = []
            for v in n.inputs:
                if v.id in produced:
                    operands.append(("acc",))
                else:
                    if v not in inputs:
                        inputs.append(v)
                    operands.append(("in", inputs.index(v)))
            program.append((n.type, tuple(operands), dict(n.attrs)))
            produced[n.outputs[0].id] = step
        fused = ir.Node(node.id, FUSED_ELEMENTWISE, inputs, {"program": program},
                        node.name + "/fused", node.scope)
        out = node.outputs[0]
        fused.outputs = [ir.Value(out.id, fused, 0, out.shape, out.dtype)]
        for n in graph.nodes:
            n.inputs = [fused.outputs[0] if v.id == out.id else v for v in n.inputs]
        graph.outputs = [fused.outputs[0] if v.id == out.id else v for v in graph.outputs]
        new_nodes.append(fused)
    graph.nodes = new_nodes
    return graph


def _fusable(node: ir.Node) -> bool:
    if isinstance(node.op, str) or len(node.outputs) != 1:
        return False
    if node.type in _ELEMENTWISE_UNARY:
        return node.inputs[0].shape == node.outputs[0].shape
    if node.type in _ELEMENTWISE_BINARY:
        return node.outputs[0].dtype.kind == "f"
    return False


# -- pipeline ------------------------------------------------------------------------------------

def optimize(graph: ir.Graph) -> ir.Graph:
    """The pipeline ``tf.function`` runs on a trace before compiling it (on a copy: the traced
    graph stays as the user wrote it, for the debugger and for differentiation)."""
    g = copy_graph(graph)
    for rewrite in (dead_code_elimination, constant_folding, algebraic_simplification,
                    common_subexpression_elimination, constant_folding,
                    algebraic_simplification, fuse_matmul_bias_activation,
                    fuse_elementwise_chains, dead_code_elimination):
        g = rewrite(g)
    return g


def _share_streams(graph: ir.Graph, memo: dict[int, Any], seen: set[int]) -> None:
    """Mark the random ops' streams of ``graph`` and of the branches and loop bodies it
    holds as shared (``memo`` of a deep copy)."""
    seen.add(id(graph))
    for node in graph.nodes:
        for key, value in node.attrs.items():
            if key == "stream":
                memo[id(value)] = value
            nested = value if isinstance(value, ir.Graph) else getattr(value, "graph", None)
            if isinstance(nested, ir.Graph) and id(nested) not in seen:
                _share_streams(nested, memo, seen)


def copy_graph(graph: ir.Graph) -> ir.Graph:
    """A structural copy sharing op definitions, constants, captured variables and random
    ops' streams (a kernel's state: the compiled copy and the graph stepped op by op draw
    on from one stream, so a debug mode draws what a plain run draws)."""
    memo: dict[int, Any] = {}
    _share_streams(graph, memo, set())
    for node in graph.nodes:
        for key, value in node.attrs.items():
            if key in ("variable", "optimizer") or key == "variables" or isinstance(
                    value, np.ndarray):
                memo[id(value)] = value
                if key == "variables":
                    for var in value:
                        memo[id(var)] = var
        if not isinstance(node.op, str):
            memo[id(node.op)] = node.op
    return copy.deepcopy(graph, memo)
