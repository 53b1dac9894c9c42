"""Each graph optimization pass on its own, and optimized == eager on random programs."""

from __future__ import annotations

import numpy as np
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import engine as tf
from engine.function import trace_function
from engine.graph import passes
from engine.graph.executor import CompiledGraph


def _trace(fn, *args):
    return trace_function(fn, args, {}, fn.__name__).graph


def _run(graph, *arrays):
    return CompiledGraph(graph)(*arrays)


def _types(graph):
    return [n.type for n in graph.nodes]


def test_dead_code_elimination_drops_unused_nodes():
    def f(x):
        _unused = tf.exp(x) * 3.0
        return x + 1.0

    g = passes.dead_code_elimination(_trace(f, tf.constant([1.0, 2.0])))
    assert "Exp" not in _types(g) and "Mul" not in _types(g)
    np.testing.assert_array_equal(_run(g, np.array([1.0, 2.0], np.float32))[0], [2.0, 3.0])


def test_dead_code_elimination_keeps_stateful_updates():
    v = tf.Variable(1.0)

    def f(x):
        v.assign_add(x)
        return x

    g = passes.dead_code_elimination(_trace(f, tf.constant(2.0)))
    assert "AssignVariableOp" in _types(g)


def test_constant_folding_evaluates_constant_subgraphs_and_shape_only_ops():
    def f(x):
        k = tf.constant(2.0) * tf.constant(3.0)
        return x * k + tf.reduce_sum(tf.ones_like(x))

    g = passes.constant_folding(_trace(f, tf.constant([1.0, 2.0])))
    assert "OnesLike" not in _types(g)
    folded = [n for n in g.nodes if n.type == "Const" and n.outputs[0].shape == ()]
    assert any(float(n.attrs["value"]) == 6.0 for n in folded)
    np.testing.assert_allclose(_run(passes.dead_code_elimination(g),
                                    np.array([1.0, 2.0], np.float32))[0], [8.0, 14.0])


def test_common_subexpression_elimination_merges_repeats():
    def f(x):
        return tf.exp(x) + tf.exp(x)

    g = passes.common_subexpression_elimination(_trace(f, tf.constant([0.0, 1.0])))
    assert _types(g).count("Exp") == 1
    np.testing.assert_allclose(_run(g, np.array([0.0, 1.0], np.float32))[0],
                               2 * np.exp([0.0, 1.0]), rtol=1e-6)


def test_cse_does_not_merge_variable_reads_across_a_write():
    v = tf.Variable(1.0)

    def f():
        before = v * 1.0
        v.assign(5.0)
        return before + v * 1.0

    g = passes.common_subexpression_elimination(_trace(f))
    assert _types(g).count("ReadVariableOp") == 2
    v.assign(1.0)
    assert float(_run(g)[0]) == 6.0


def test_algebraic_simplification_removes_identities():
    def f(x):
        y = tf.identity(x) * 1.0 + 0.0
        y = tf.reshape(y, [2])
        return -(-y)  # noqa: B002 - the pattern under test

    g = passes.algebraic_simplification(passes.constant_folding(_trace(f, tf.constant([1.0, 2.0]))))
    assert set(_types(g)) <= {"Placeholder", "Const"}
    np.testing.assert_array_equal(_run(g, np.array([1.0, 2.0], np.float32))[0], [1.0, 2.0])


def test_transpose_of_transpose_cancels():
    def f(x):
        return tf.transpose(tf.transpose(x))

    g = passes.algebraic_simplification(_trace(f, tf.ones([2, 3])))
    assert "Transpose" not in _types(g)


def test_matmul_bias_activation_fuse_into_one_kernel():
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) - 2.5)
    b = tf.Variable(np.array([0.5, -1.0], np.float32))

    def f(x):
        return tf.nn.relu(tf.nn.bias_add(tf.matmul(x, w), b))

    x = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 2.0]], np.float32)
    g = passes.fuse_matmul_bias_activation(_trace(f, tf.constant(x)))
    assert passes.FUSED_MATMUL in _types(g)
    assert not {"MatMul", "BiasAdd", "Relu"} & set(_types(g))
    np.testing.assert_allclose(_run(g, x)[0], f(tf.constant(x)).numpy(), rtol=1e-6)


def test_log_of_clipped_softmax_becomes_stable_log_softmax():
    def f(x):
        p = tf.nn.softmax(x)
        return tf.math.log(tf.clip_by_value(p, 1e-7, 1 - 1e-7))

    x = np.array([[0.0, 100.0, -100.0]], np.float32)
    g = passes.fuse_log_softmax(_trace(f, tf.constant(x)))
    assert "Softmax" not in _types(g) and "Log" not in _types(g)
    np.testing.assert_allclose(_run(g, x)[0], f(tf.constant(x)).numpy(), rtol=1e-5)


def test_elementwise_chain_fuses_into_one_node():
    def f(x, y):
        return tf.tanh(tf.exp(x) * y + 1.0)

    x = np.array([0.1, -0.2, 0.3], np.float32)
    y = np.array([1.0, 2.0, 3.0], np.float32)
    g = passes.fuse_elementwise_chains(_trace(f, tf.constant(x), tf.constant(y)))
    assert _types(g).count(passes.FUSED_ELEMENTWISE) == 1
    assert not {"Exp", "Mul", "Tanh"} & set(_types(g))
    np.testing.assert_allclose(_run(g, x, y)[0], np.tanh(np.exp(x) * y + 1), rtol=1e-6)


def test_optimize_keeps_the_traced_graph_untouched():
    def f(x):
        return tf.exp(x) + tf.exp(x)

    g = _trace(f, tf.constant([1.0]))
    before = _types(g)
    passes.optimize(g)
    assert _types(g) == before


# -- random programs: optimized graph == eager ---------------------------------------------------

_UNARY = [tf.exp, tf.tanh, tf.nn.relu, tf.nn.sigmoid, tf.square, lambda t: -t, tf.abs,
          lambda t: tf.math.log(tf.abs(t) + 1.0),
          lambda t: tf.reshape(tf.reshape(t, [-1]), tf.shape(t)),  # any shape: (3, 1) too
          lambda t: tf.identity(t) * 1.0, lambda t: tf.reduce_sum(t, axis=-1, keepdims=True),
          lambda t: tf.nn.softmax(t)]
_BINARY = [tf.add, tf.subtract, tf.multiply, tf.maximum, tf.minimum,
           lambda a, b: a / (tf.abs(b) + 1.0)]


@settings(max_examples=30, deadline=None,
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # tracing per example: no shrink
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 100),
                          st.integers(0, 100)), min_size=1, max_size=12),
       st.integers(0, 2**31 - 1))
def test_random_programs_run_the_same_traced_and_eager(program, seed):
    rng = np.random.default_rng(seed)
    x0 = rng.normal(size=(3, 4)).astype(np.float32)
    x1 = rng.normal(size=(3, 4)).astype(np.float32)

    def f(a, b):
        values = [a, b]
        for is_unary, i, j, k in program:
            if is_unary:
                out = _UNARY[i % len(_UNARY)](values[j % len(values)])
            else:
                out = _BINARY[i % len(_BINARY)](values[j % len(values)], values[k % len(values)])
            values.append(out)
        return values[-1], values[len(values) // 2]

    eager = f(tf.constant(x0), tf.constant(x1))
    traced = tf.function(f)(tf.constant(x0), tf.constant(x1))
    for e, t in zip(eager, traced):
        np.testing.assert_allclose(t.numpy(), e.numpy(), rtol=2e-5, atol=1e-6)
