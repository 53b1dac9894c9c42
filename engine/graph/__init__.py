"""Traced graphs: the IR, the tracer, optimization passes and the compiled executor."""

from engine.graph.ir import Graph, Node, Value  # noqa: F401
