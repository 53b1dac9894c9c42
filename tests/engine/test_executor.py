"""The executor's seam: ``generate(graph, instrument)`` adds a tool's lines around each node."""

from __future__ import annotations

import numpy as np

import engine as tf
from engine.graph import ir
from engine.graph.executor import CompiledGraph, generate


class OutputLog:
    """An instrument keeping a copy of every op node's outputs, in running order."""

    parameters = ("log",)
    namespace = {"copy": np.copy}

    def __init__(self, keep: set[int] = frozenset()) -> None:
        self.kept = keep
        self.positions: list[int] = []

    def prologue(self, lines):
        lines.append("    log.append('start')")

    def before(self, position, node, lines):
        self.positions.append(position)

    def after(self, node, lines, reuses_buffer):
        if node.type not in ir.GRAPH_ONLY:
            outs = ", ".join(f"copy(v{v.id})" for v in node.outputs)
            lines.append(f"    log.append(({node.type!r}, {outs}))")

    def epilogue(self, lines):
        lines.append("    log.append('end')")


def _graph():
    @tf.function
    def f(x, w):
        return tf.nn.relu(tf.matmul(x, w)) * 2.0

    x = np.array([[1.0, -2.0]], np.float32)
    w = np.array([[1.0, 0.5], [1.0, 2.0]], np.float32)
    return f.get_concrete_function(tf.constant(x), tf.constant(w)), x, w


def test_an_instrument_sees_every_node_and_its_outputs_in_order():
    concrete, x, w = _graph()
    graph = concrete.graph
    instrument = OutputLog()
    source, run = generate(graph, instrument)
    log: list = []
    with np.errstate(all="ignore"):
        (result,) = run(log, x, w)
    assert instrument.positions == list(range(len(graph.nodes)))
    assert log[0] == "start" and log[-1] == "end"
    ops = [entry[0] for entry in log[1:-1]]
    assert ops == [n.type for n in graph.nodes if n.type not in ir.GRAPH_ONLY]
    assert ops[:2] == ["MatMul", "Relu"]
    np.testing.assert_array_equal(log[1][1], x @ w)  # [[-1, -3.5]]
    np.testing.assert_array_equal(log[2][1], [[0.0, 0.0]])
    np.testing.assert_array_equal(result, CompiledGraph(graph)(x, w)[0])
    assert source.startswith("def run(log, p0, p1):")


def test_values_an_instrument_keeps_are_not_released_early():
    concrete, x, w = _graph()
    graph = concrete.graph
    matmul = next(n for n in graph.nodes if n.type == "MatMul").outputs[0].id
    plain, _ = generate(graph, OutputLog())
    kept, _ = generate(graph, OutputLog({matmul}))
    assert f"del v{matmul}" in plain and f"del v{matmul}" not in kept


def test_without_an_instrument_the_code_takes_the_graphs_arguments_only():
    concrete, x, w = _graph()
    source, run = generate(concrete.optimized_graph)
    assert source.startswith("def run(p0, p1):")
    np.testing.assert_array_equal(run(x, w)[0], [[0.0, 0.0]])
