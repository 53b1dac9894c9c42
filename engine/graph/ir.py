"""The graph IR that ``tf.function`` traces into: a small typed SSA form, printed readably.

Like a jaxpr: a graph has parameters, a list of nodes in execution order and outputs.
Every node applies one registry op (or one of the few graph-only ops below) to earlier
values; each value has a static shape and dtype (tracing specializes on input shapes).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

# Graph-only node kinds (not registry ops): they have no gradient and no eager form.
PLACEHOLDER = "Placeholder"  # a function argument
CONST = "Const"  # a captured constant; attrs["value"] holds the ndarray
READ_VARIABLE = "ReadVariableOp"  # attrs["variable"]: a Variable captured by reference
APPLY_UPDATE = "ApplyGradients"  # one optimizer step: attrs optimizer, variables (and
# sparse: per variable, whether its gradient comes as IndexedSlices' values and indices,
# two inputs, rather than one dense input); stateful
ASSIGN_VARIABLE = "AssignVariableOp"  # variable.assign* inside a traced function; stateful

STATEFUL = frozenset({APPLY_UPDATE, ASSIGN_VARIABLE})
GRAPH_ONLY = frozenset({PLACEHOLDER, CONST, READ_VARIABLE, APPLY_UPDATE, ASSIGN_VARIABLE})
# Registry ops never folded, merged or dropped: tf.print runs for its output, a While
# loop's body or an If's branches may print, assign or read variables that change, and a
# dataset is read anew on each run.
EFFECT_OPS = frozenset({"PrintV2", "While", "If", "MakeIterator", "IteratorGetNext"})
# a Python function (tf.py_function, tf.numpy_function) runs at every run of the graph
EFFECT_OPS |= {"EagerPyFunc", "PyFunc", "PyFuncStateless", "EagerPyFuncGrad"}
NESTED_GRAPH_OPS = frozenset({"While", "If"})  # nodes holding graphs compiled for one trace
# Ops whose kernel runs other ops through dispatch: a WhileGrad runs its loop again under
# a tape (a tool watching ops sees those, told as the node's).
DISPATCHING_OPS = frozenset({"WhileGrad"})
# the Python function of tf.py_function / tf.numpy_function (and its gradient) runs ops too
DISPATCHING_OPS |= {"EagerPyFunc", "EagerPyFuncGrad", "PyFunc", "PyFuncStateless"}
# The attrs of an If/While node holding its traced graphs, and the role each plays (what
# the debugger names the ops that ran inside, and the export's clusters).
NESTED_GRAPH_ROLES = {"then_graph": "then", "else_graph": "else", "cond_graph": "cond",
                      "body_graph": "body"}


def nested_graphs(node: Node) -> list[tuple[str, Graph]]:
    """The traced graphs an If (then, else) or While (cond, body) node holds, by role."""
    return [(role, node.attrs[key]) for key, role in NESTED_GRAPH_ROLES.items()
            if isinstance(node.attrs.get(key), Graph)]


def graph_role(graph: Graph) -> str:
    """The role a nested graph plays in its If/While (its traced name says it)."""
    return _ROLE_OF_NAME.get(graph.name, graph.name)


_ROLE_OF_NAME = {"cond_true": "then", "cond_false": "else", "while_cond": "cond",
                 "while_body": "body"}


def update_gradients(node: Node, inputs: list) -> list:
    """An ``APPLY_UPDATE`` node's inputs per variable: the gradient, or for a sparse one its
    (values, indices) pair."""
    sparse = node.attrs.get("sparse")
    if sparse is None:
        return inputs
    it = iter(inputs)
    return [(next(it), next(it)) if is_sparse else next(it) for is_sparse in sparse]


class Value:
    """One SSA value: produced by ``node`` (output ``index``) with a static shape and dtype."""

    __slots__ = ("id", "node", "index", "shape", "dtype")

    def __init__(self, vid: int, node: Node, index: int, shape: tuple, dtype: np.dtype) -> None:
        self.id = vid
        self.node = node
        self.index = index
        self.shape = tuple(shape)
        self.dtype = np.dtype(dtype)

    @property
    def name(self) -> str:
        return f"{self.node.name}:{self.index}"

    def type_text(self) -> str:
        return f"{short_dtype(self.dtype)}[{','.join(str(d) for d in self.shape)}]"

    def __repr__(self) -> str:
        return f"%{self.id}"


class Node:
    """One op application. ``op`` is an OpDef, or a graph-only kind's name (a str)."""

    __slots__ = ("id", "op", "inputs", "attrs", "outputs", "name", "scope", "source")

    def __init__(self, nid: int, op: Any, inputs: list[Value], attrs: dict, name: str,
                 scope: str) -> None:
        self.id = nid
        self.op = op
        self.inputs = list(inputs)
        self.attrs = dict(attrs)
        self.outputs: list[Value] = []
        self.name = name
        self.scope = scope
        self.source: tuple[str, int] = ("", 0)  # the user's file and line that traced it

    @property
    def type(self) -> str:
        return self.op if isinstance(self.op, str) else self.op.name

    @property
    def stateful(self) -> bool:
        return self.type in STATEFUL

    def __repr__(self) -> str:
        return f"<Node {self.name} ({self.type})>"


# The short dtype names of type texts (``f32[32,10]``): the IR's printout, the debugger's
# graph labels and the window's Ops table all write types this one way.
SHORT_DTYPE_NAMES = {
    "float16": "f16", "float32": "f32", "float64": "f64", "bfloat16": "bf16",
    "int8": "i8", "int16": "i16", "int32": "i32", "int64": "i64",
    "uint8": "u8", "uint16": "u16", "uint32": "u32", "uint64": "u64",
    "bool": "bool", "complex64": "c64", "complex128": "c128", "string": "str",
}


def short_dtype(dtype: Any) -> str:
    """``f32`` for float32 (a numpy dtype, an engine DType or a name); unknown names as is."""
    text = str(getattr(dtype, "name", dtype))
    return SHORT_DTYPE_NAMES.get(text, text)


def _variable_text(var: Any) -> str:
    """A Keras weight by its unique path (its name, ``kernel``, repeats per layer)."""
    return getattr(var, "path", None) or var.name


def _attr_text(key: str, value: Any) -> str:
    if key == "variable":
        return f"var={_variable_text(value)}"
    if key == "variables":
        return f"vars=[{', '.join(_variable_text(v) for v in value)}]"
    if isinstance(value, np.ndarray):
        if value.size <= 4:
            return f"{key}={np.array2string(value, separator=',')}"
        return f"{key}=<{value.dtype.name}{list(value.shape)}>"
    if isinstance(value, np.dtype | type):
        return f"{key}={np.dtype(value).name}"
    if isinstance(value, Graph) or isinstance(getattr(value, "graph", None), Graph):
        return f"{key}=<graph {getattr(value, 'graph', value).name}>"  # a loop's or branch's
    if key == "optimizer":
        return f"{key}={type(value).__name__}"
    return f"{key}={value!r}"


class Graph:
    """Parameters, nodes in execution order, outputs; plus the name scopes nodes belong to."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.nodes: list[Node] = []
        self.params: list[Value] = []
        self.outputs: list[Value] = []
        self._next_value = 0
        self._next_node = 0
        self._names: dict[str, int] = {}
        # tape.gradient calls made while tracing: value ids of targets, sources, gradients,
        # and ``position``, how many nodes precede the call (where a run reports it)
        self.gradients: list[dict] = []
        # attributes computed from a traced tensor's size (a gradient's broadcast shape):
        # node id -> {attr: (derive, extra, source values)}, so that a replay for new input
        # shapes recomputes them as ``derive([source arrays], *extra)`` (engine.graph.replay)
        self.sized: dict[int, dict[str, tuple]] = {}

    # -- construction --------------------------------------------------------------------
    def unique_name(self, base: str) -> str:
        """TensorFlow's ``Graph.unique_name``: names are unique regardless of case
        (``mul`` then ``Mul`` gives ``Mul_1``)."""
        key = base.lower()
        n = self._names.get(key, 0)
        self._names[key] = n + 1
        if n == 0:
            return base
        while f"{key}_{n}" in self._names:
            n += 1
        self._names[f"{key}_{n}"] = 1
        return f"{base}_{n}"

    def add_node(self, op: Any, inputs: list[Value], attrs: dict, out_specs: list[tuple],
                 scope: str = "", name: str | None = None, unique: bool = True) -> Node:
        """Append a node producing one value per (shape, dtype) in ``out_specs``;
        ``unique=False`` takes ``name`` as the full name already reserved for it."""
        kind = op if isinstance(op, str) else op.name
        base = name or kind
        if not unique:
            full = base
        else:
            full = self.unique_name(f"{scope}/{base}" if scope else base)
        node = Node(self._next_node, op, inputs, attrs, full, scope)
        self._next_node += 1
        for i, (shape, dtype) in enumerate(out_specs):
            node.outputs.append(Value(self._next_value, node, i, shape, dtype))
            self._next_value += 1
        self.nodes.append(node)
        return node

    def new_value(self, node: Node, shape: tuple, dtype: np.dtype) -> Value:
        v = Value(self._next_value, node, len(node.outputs), shape, dtype)
        self._next_value += 1
        node.outputs.append(v)
        return v

    # -- queries ----------------------------------------------------------------------------
    def consumers(self) -> dict[int, list[Node]]:
        """value id -> nodes that read it."""
        out: dict[int, list[Node]] = {}
        for node in self.nodes:
            for v in node.inputs:
                out.setdefault(v.id, []).append(node)
        return out

    def variables(self) -> list[Any]:
        seen: dict[int, Any] = {}
        for node in self.nodes:
            for var in [node.attrs.get("variable")] + list(node.attrs.get("variables", [])):
                if var is not None:
                    seen.setdefault(id(var), var)
        return list(seen.values())

    def op_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for node in self.nodes:
            counts[node.type] = counts.get(node.type, 0) + 1
        return counts

    def __iter__(self) -> Iterator[Node]:
        return iter(self.nodes)

    def __len__(self) -> int:
        return len(self.nodes)

    # -- text ---------------------------------------------------------------------------------
    def __str__(self) -> str:
        params = ", ".join(f"%{p.id}: {p.type_text()}" for p in self.params)
        lines = [f"graph {self.name}({params}) {{"]
        for node in self.nodes:
            if node.type == PLACEHOLDER:
                continue
            attrs = ", ".join(_attr_text(k, v) for k, v in node.attrs.items())
            head = node.type + (f"[{attrs}]" if attrs else "")
            args = ", ".join(f"%{v.id}" for v in node.inputs)
            outs = ", ".join(f"%{v.id}: {v.type_text()}" for v in node.outputs)
            lhs = f"{outs} = " if outs else ""
            scope = f"  # {node.scope}" if node.scope else ""
            lines.append(f"  {lhs}{head}({args}){scope}")
        lines.append("  return " + ", ".join(f"%{v.id}" for v in self.outputs))
        lines.append("}")
        return "\n".join(lines)

    def as_graph_def(self) -> Any:
        """The graph as TensorFlow's GraphDef prints it (engine/graph/graph_def.py)."""
        from engine.graph.graph_def import graph_def

        return graph_def(self)

    def to_dot(self) -> str:
        """Graphviz DOT source: one box per node, clusters per name scope, shaped edges."""
        from engine.graph.dot import graph_to_dot

        return graph_to_dot(self)
