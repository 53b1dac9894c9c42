"""A traced graph as TensorFlow's ``GraphDef`` shows it (``graph.as_graph_def()``): one
``node`` per op with its name, op type and inputs (``name`` or ``name:k``), printed in
protobuf text format. The nodes are the engine's, not TensorFlow's (AutoGraph's If/While and
the optimizations make different graphs), so the printout is a guide to the graph, not TF's
bytes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _input_name(value: Any) -> str:
    return value.node.name if value.index == 0 else f"{value.node.name}:{value.index}"


@dataclass
class NodeDef:
    """One op: TensorFlow's NodeDef fields the guides read."""

    name: str
    op: str
    input: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = ["node {", f'  name: "{self.name}"', f'  op: "{self.op}"']
        lines += [f'  input: "{name}"' for name in self.input]
        return "\n".join([*lines, "}"])


@dataclass
class GraphDef:
    """The nodes of one traced graph (``GraphDef.node``)."""

    node: list[NodeDef]

    def __str__(self) -> str:
        return "\n".join(n.text() for n in self.node) + "\n"


def graph_def(graph: Any) -> GraphDef:
    """The GraphDef of an engine graph (``Graph.as_graph_def``)."""
    return GraphDef([NodeDef(node.name, node.type, [_input_name(v) for v in node.inputs])
                     for node in graph.nodes])
