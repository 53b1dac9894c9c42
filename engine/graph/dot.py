"""DOT text, written one way: ``Graph.to_dot`` here, and the debugger's graph export
(``debugger.graph_export``: styling, collapsing, rendering) on top of ``DotWriter``.

Names come from user code and from untrusted traces, so every ID and attribute value goes
through ``quote``: a plain identifier or number stays bare, anything else becomes a quoted
string with backslashes doubled, quotes escaped and newlines as DOT's centred ``\\n`` —
never an HTML-like ``<...>`` label, whose ``<IMG>`` would embed a local file in a picture.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.graph.ir import Graph

_PLAIN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|-?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)")
_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})


def quoted(text: Any) -> str:
    """``text`` as a quoted DOT string that can only be text."""
    escaped = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def quote(text: Any) -> str:
    """``text`` as a DOT ID that can only be text (bare when it is a plain name or number)."""
    text = str(text)
    if _PLAIN.fullmatch(text) and text.lower() not in _KEYWORDS:
        return text
    return quoted(text)


def name_as_read(text: str) -> str:
    """The name Graphviz gives (in ``-Tjson0``) a node written as ``quote(text)``: inside
    quotes it keeps a backslash pair and a ``\\n`` as written, and only unescapes quotes."""
    if _PLAIN.fullmatch(text) and text.lower() not in _KEYWORDS:
        return text
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _attr_list(attrs: dict[str, Any]) -> str:
    return "[" + ", ".join(f"{key}={quote(value)}" for key, value in attrs.items()) + "]"


class DotWriter:
    """A ``digraph`` statement by statement; clusters nest as ``subgraph`` blocks."""

    def __init__(self, name: str, **graph_attrs: Any) -> None:
        self._lines = [f"digraph {quoted(name)} {{"]
        self._indent = "  "
        if graph_attrs:
            self.defaults("graph", **graph_attrs)

    def defaults(self, kind: str, **attrs: Any) -> None:
        """Attributes of the graph (``kind="graph"``), or of every later node or edge."""
        self._lines.append(f"{self._indent}{kind} {_attr_list(attrs)};")

    def node(self, node_id: Any, **attrs: Any) -> None:
        self._lines.append(f"{self._indent}{quote(node_id)} {_attr_list(attrs)};")

    def edge(self, src: Any, dst: Any, **attrs: Any) -> None:
        tail = f" {_attr_list(attrs)}" if attrs else ""
        self._lines.append(f"{self._indent}{quote(src)} -> {quote(dst)}{tail};")

    @contextmanager
    def cluster(self, name: str, **attrs: Any) -> Iterator[None]:
        """Statements inside ``with`` go into ``subgraph name`` (a box when it starts
        with ``cluster``)."""
        self._lines.append(f"{self._indent}subgraph {quote(name)} {{")
        self._indent += "  "
        if attrs:
            self.defaults("graph", **attrs)
        try:
            yield
        finally:
            self._indent = self._indent[:-2]
            self._lines.append(f"{self._indent}}}")

    def text(self) -> str:
        return "\n".join([*self._lines, "}"]) + "\n"


_FILL = {"Placeholder": "#fff4d6", "Const": "#f0f0f0", "ReadVariableOp": "#e3f6e3",
         "ApplyGradients": "#fde2e2"}


def graph_to_dot(graph: Graph) -> str:
    """Nodes labelled with op type, name, shape and dtype; one cluster per name scope, and
    one per graph an If (then, else) or While (cond, body) node holds, its outputs feeding
    the node."""
    from engine.graph.ir import nested_graphs

    dot = DotWriter(graph.name, rankdir="TB")
    dot.defaults("node", shape="box", style="rounded,filled", fillcolor="#eef3fb",
                 fontname="Helvetica")
    dot.defaults("edge", fontname="Helvetica", fontsize=9)
    clusters = iter(range(1 << 62))

    def write(g: Graph, prefix: str) -> None:
        by_scope: dict[str, list[Any]] = {}
        for node in g.nodes:
            by_scope.setdefault(node.scope.split("/")[0] if node.scope else "", []).append(node)
        for scope, nodes in by_scope.items():
            if scope:
                with dot.cluster(f"cluster_{next(clusters)}", label=scope, style="rounded",
                                 color="#9aa8c0"):
                    write_nodes(nodes, prefix)
            else:
                write_nodes(nodes, prefix)
        for node in g.nodes:
            for v in node.inputs:
                dot.edge(f"{prefix}n{v.node.id}", f"{prefix}n{node.id}", label=v.type_text())

    def write_nodes(nodes: list[Any], prefix: str) -> None:
        for node in nodes:
            label = "\n".join([node.type, node.name, *(v.type_text() for v in node.outputs)])
            dot.node(f"{prefix}n{node.id}", label=label, fillcolor=_FILL.get(node.type,
                                                                           "#eef3fb"))
            for role, inner in nested_graphs(node):
                inner_prefix = f"{prefix}n{node.id}_{role}_"
                with dot.cluster(f"cluster_{next(clusters)}", label=f"{node.name} {role}",
                                 style="dashed", color="#9aa8c0"):
                    write(inner, inner_prefix)
                for v in inner.outputs:
                    dot.edge(f"{inner_prefix}n{v.node.id}", f"{prefix}n{node.id}",
                             style="dashed")

    write(graph, "")
    return dot.text()
