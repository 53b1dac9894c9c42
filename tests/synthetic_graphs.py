"""Synthetic graphs shaped like a recorded training step, for graph-export tests and benchmarks
(importable from both: pytest puts tests/ on sys.path for its conftest, the benchmark adds it)."""

from __future__ import annotations

from debugger.graph_export import ExportEdge, ExportGraph, ExportNode

OPS = ("MatMul", "BiasAdd", "Relu", "Mul", "Add", "Sum")


def tape_like_graph(n_nodes: int, n_scopes: int, name: str = "tape") -> ExportGraph:
    """A forward half under ``model/layer_<i>`` scopes (ops and their variables), then an
    unscoped backward half that reads the forward values in reverse, as a recorded tape does."""
    graph = ExportGraph(name)
    graph.nodes.append(ExportNode("x", "Tensor\nx", "Tensor", "input"))
    forward, previous = [], "x"
    per_scope = max((n_nodes // 2) // n_scopes, 1)
    for i in range(n_nodes // 2 - 1):
        scope = f"model/layer_{min(i // per_scope, n_scopes - 1)}"
        node_id = f"f{i}"
        if i % 4 == 0:
            graph.nodes.append(ExportNode(node_id, f"Variable\nw{i}", "Variable", "variable",
                                          scope=scope))
        else:
            op = OPS[i % len(OPS)]
            graph.nodes.append(ExportNode(node_id, f"{op}\n{op}_{i}", op, "op", scope=scope))
            graph.edges.append(ExportEdge(previous, node_id, "[32,64]", (previous,)))
            if forward[-1] != previous:
                graph.edges.append(ExportEdge(forward[-1], node_id, "[64,64]", (forward[-1],)))
            previous = node_id
        forward.append(node_id)
    gradient = previous
    for i in range(n_nodes - len(graph.nodes)):
        node_id, op = f"b{i}", OPS[i % len(OPS)] + "Grad"
        read = forward[-1 - (i % len(forward))]
        graph.nodes.append(ExportNode(node_id, f"{op}\n{op}_{i}", op, "op"))
        graph.edges.append(ExportEdge(gradient, node_id, "[32,64]", (gradient,)))
        graph.edges.append(ExportEdge(read, node_id, "[32,64]", (read,)))
        gradient = node_id
    return graph
