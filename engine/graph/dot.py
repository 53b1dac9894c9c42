"""DOT text for a traced graph (rendering to images is the debugger's job)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.graph.ir import Graph


def _escaped(text: str) -> str:
    """``text`` safe inside a DOT quoted string: names come from user code."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _quote(text: str) -> str:
    return '"' + _escaped(text) + '"'


def graph_to_dot(graph: Graph) -> str:
    """Nodes labelled with op type, name, shape and dtype; one cluster per name scope."""
    lines = [f"digraph {_quote(graph.name)} {{", "  rankdir=TB;",
             '  node [shape=box, style="rounded,filled", fillcolor="#eef3fb", '
             'fontname="Helvetica"];',
             '  edge [fontname="Helvetica", fontsize=9];']
    by_scope: dict[str, list[str]] = {}
    for node in graph.nodes:
        lines_of_label = [node.type, node.name, *(v.type_text() for v in node.outputs)]
        label = "\\n".join(_escaped(line) for line in lines_of_label)  # escaped, then joined
        color = {"Placeholder": "#fff4d6", "Const": "#f0f0f0", "ReadVariableOp": "#e3f6e3",
                 "ApplyGradients": "#fde2e2"}.get(node.type, "#eef3fb")
        text = f'n{node.id} [label="{label}", fillcolor="{color}"];'
        top = node.scope.split("/")[0] if node.scope else ""
        by_scope.setdefault(top, []).append(text)
    for i, (scope, entries) in enumerate(by_scope.items()):
        if scope:
            lines.append(f"  subgraph cluster_{i} {{")
            lines.append(f"    label={_quote(scope)}; style=rounded; color=\"#9aa8c0\";")
            lines.extend("    " + e for e in entries)
            lines.append("  }")
        else:
            lines.extend("  " + e for e in entries)
    for node in graph.nodes:
        for v in node.inputs:
            lines.append(f'  n{v.node.id} -> n{node.id} [label={_quote(v.type_text())}];')
    lines.append("}")
    return "\n".join(lines)
