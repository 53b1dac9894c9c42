"""Each graph optimization pass on its own, and optimized == eager on random programs."""

from __future__ import annotations

import numpy as np
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

import engine as tf
from debugger.summarized_graph import summarized
from engine.function import trace_function
from engine.graph import passes
from engine.graph.executor import CompiledGraph


def _trace(fn, *args):
    return trace_function(fn, args, {}, fn.__name__).graph


def _run(graph, *arrays):
    return CompiledGraph(graph)(*arrays)


def _types(graph):
    return [n.type for n in graph.nodes]


def _bits(array):
    """dtype, shape and bytes: equal only when bit for bit equal (NaN payloads, -0.0)."""
    array = np.asarray(array)
    return array.dtype.str, array.shape, array.tobytes()


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


def test_dead_code_elimination_keeps_random_draws():
    """An unused draw still advances the seed's stream: the optimized graph must draw what
    the traced ops draw one by one (what a recording debugger runs)."""
    def f(x):
        _unused = tf.random.normal([3])
        return x + tf.random.uniform([3])

    tf.random.set_seed(0)
    traced = _trace(f, tf.zeros([3]))
    tf.random.set_seed(0)  # a second trace: its own streams (a graph's copies share them)
    optimized = passes.optimize(_trace(f, tf.zeros([3])))
    assert "RandomStandardNormal" in _types(optimized)
    x = np.zeros(3, np.float32)
    one_by_one = _run(traced, x)
    assert _bits(_run(optimized, x)[0]) == _bits(one_by_one[0])


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
        y = tf.identity(x) * 1 - 0 + 0
        y = tf.reshape(y, [2])
        return -(-y)  # noqa: B002 - the pattern under test

    g = passes.algebraic_simplification(passes.constant_folding(_trace(f, tf.constant([1, 2]))))
    assert set(_types(g)) <= {"Placeholder", "Const"}
    np.testing.assert_array_equal(_run(g, np.array([1, 2], np.int32))[0], [1, 2])


def test_float_times_one_is_kept_since_it_flushes_a_denormal():
    def f(x):
        return x * 1.0, x / 1.0, x - 0.0, x + (-0.0), -(-x)  # noqa: B002

    x = np.array([1e-40, -1.0, -0.0], np.float32)
    g = passes.algebraic_simplification(_trace(f, tf.constant(x)))
    assert {"Mul", "RealDiv", "Sub", "AddV2"} <= set(_types(g)) and "Neg" not in _types(g)
    eager = [t.numpy() for t in f(tf.constant(x))]
    assert [_bits(a) for a in _run(g, x)] == [_bits(a) for a in eager]
    assert eager[0][0] == 0 and eager[4][0] == np.float32(1e-40)  # DAZ; a sign flip keeps it


def test_adding_zero_is_kept_since_it_makes_negative_zero_positive():
    def f(x):
        return x + 0.0, 0.0 + x, x - (-0.0)

    x = np.array([-0.0, 1.0, np.nan], np.float32)
    g = passes.algebraic_simplification(_trace(f, tf.constant(x)))
    assert _types(g).count("AddV2") == 2 and "Sub" in _types(g)
    eager = [t.numpy() for t in f(tf.constant(x))]
    assert [_bits(a) for a in _run(g, x)] == [_bits(a) for a in eager]
    assert not np.signbit(eager[0][0])  # -0.0 + 0.0 is +0.0


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


def test_log_of_softmax_is_computed_as_traced():
    """No rewrite to LogSoftmax: an underflowed probability's log is -inf, as in eager and in
    TensorFlow (its grappler keeps Log(Softmax) when a gradient also reads the softmax)."""
    def f(x):
        p = tf.nn.softmax(x)
        return tf.math.log(p), tf.math.log(tf.clip_by_value(p, 1e-7, 1 - 1e-7))

    x = np.array([[0.0, 200.0, -200.0]], np.float32)
    g = passes.optimize(_trace(f, tf.constant(x)))
    assert {"Softmax", "Log", "ClipByValue"} <= set(_types(g))
    assert "LogSoftmax" not in _types(g)
    optimized = _run(g, x)
    assert [_bits(a) for a in optimized] == [_bits(t.numpy()) for t in f(tf.constant(x))]
    assert optimized[0][0, 2] == -np.inf


def test_a_batched_matmul_is_not_fused():
    w = tf.Variable(np.arange(30, dtype=np.float32).reshape(2, 3, 5))
    b = tf.Variable(np.ones(3, np.float32))

    def f(x):
        return tf.nn.relu(tf.matmul(x, w, transpose_b=True) + b)

    x = np.ones((4, 5), np.float32)
    g = passes.optimize(_trace(f, tf.constant(x)))
    assert passes.FUSED_MATMUL not in _types(g)
    assert _bits(_run(g, x)[0]) == _bits(f(tf.constant(x)).numpy())


def test_fused_matmul_adds_the_bias_in_the_order_written():
    """b + x@w and x@w + b differ in bits when both hold a NaN: the first NaN's sign wins."""
    w = tf.Variable(np.array([[0.0, 1.0], [1.0, 1.0]], np.float32))
    b = tf.Variable(np.array([np.nan, 0.5], np.float32))  # +NaN; inf·0 in the matmul is -NaN

    def f(x):
        return tf.nn.relu(b + tf.matmul(x, w)), tf.nn.relu(tf.matmul(x, w) + b)

    x = np.array([[np.inf, 1.0]], np.float32)
    with np.errstate(invalid="ignore"):
        g = passes.fuse_matmul_bias_activation(_trace(f, tf.constant(x)))
        eager = [t.numpy() for t in f(tf.constant(x))]
    assert _types(g).count(passes.FUSED_MATMUL) == 2
    assert [_bits(a) for a in _run(g, x)] == [_bits(a) for a in eager]


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


# -- random programs: optimized graph == traced graph == eager, bit for bit -----------------------

def _log_of_softmax(t):
    return tf.math.log(tf.nn.softmax(t))


def _plus_zero(t):
    return t + 0.0


_UNARY = [tf.exp, tf.tanh, tf.nn.relu, tf.nn.sigmoid, tf.square, lambda t: -t, tf.abs,
          tf.math.log, tf.sqrt, lambda t: tf.math.log(tf.abs(t) + 1.0), tf.transpose,
          lambda t: tf.reshape(tf.reshape(t, [-1]), tf.shape(t)),  # any shape: (3, 1) too
          lambda t: tf.identity(t) * 1.0, _plus_zero, lambda t: 0.0 - t,
          lambda t: t / 3.0, lambda t: t * 0.0, lambda t: t - t,
          lambda t: t - tf.reduce_sum(t, axis=-1, keepdims=True),
          tf.nn.softmax, _log_of_softmax, lambda t: tf.clip_by_value(t, 1e-7, 1 - 1e-7)]
_BINARY = [tf.add, tf.subtract, tf.multiply, tf.maximum, tf.minimum, tf.divide,
           lambda a, b: a / (tf.abs(b) + 1.0),
           lambda a, b: tf.nn.relu(tf.matmul(a, b) + b[0]),  # matmul + bias + activation
           lambda a, b: tf.nn.sigmoid(b[1] + tf.matmul(a, b, transpose_b=True)),
           lambda a, b: tf.nn.softmax(tf.nn.bias_add(tf.matmul(a, b, transpose_a=True), a[0]))]
# Values where rewrites that hold in real arithmetic fail in floating point.
_SPECIAL = np.array([0.0, -0.0, np.nan, -np.nan, np.inf, -np.inf, 1e-40, 200.0, -200.0],
                    np.float32)


@settings(max_examples=40, deadline=None,
          phases=[Phase.explicit, Phase.reuse, Phase.generate])  # tracing per example: no shrink
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 100), st.integers(0, 100),
                          st.integers(0, 100)), min_size=1, max_size=12),
       st.integers(0, 2**31 - 1), st.booleans())
@example([(True, _UNARY.index(_log_of_softmax), 0, 0)], 0, True)
@example([(True, _UNARY.index(_plus_zero), 0, 0)], 0, True)
@example([(True, 32, 89, 88), (True, 56, 34, 8), (False, 50, 70, 29), (True, 56, 34, 8)], 0,
         True)  # x·1.0 of a denormal: 0 when ops flush, so not removed
def test_random_programs_compute_the_same_bits_optimized_traced_and_eager(program, seed, special):
    """Every rewrite and fused kernel of the optimized graph (plain runs), and the traced graph
    compiled with health checks (the recorder), give exactly what the ops give one by one."""
    rng = np.random.default_rng(seed)
    x0, x1 = (rng.normal(scale=3.0, size=(3, 3)).astype(np.float32) for _ in range(2))
    if special:  # some NaN, ±inf, ±0 and values whose softmax underflows
        for x in (x0, x1):
            x.flat[rng.integers(0, x.size, 4)] = rng.choice(_SPECIAL, 4)
        x0[0] = [-0.0, 200.0, -200.0]

    def f(a, b):
        values = [a, b]
        for is_unary, i, j, k in program:
            if is_unary:
                out = _UNARY[i % len(_UNARY)](values[j % len(values)])
            else:
                out = _BINARY[i % len(_BINARY)](values[j % len(values)], values[k % len(values)])
            values.append(out)
        return values[-1], values[len(values) // 2]

    with np.errstate(all="ignore"):
        eager = [_bits(t.numpy()) for t in f(tf.constant(x0), tf.constant(x1))]
        function = tf.function(f)
        optimized = [_bits(t.numpy()) for t in function(tf.constant(x0), tf.constant(x1))]
        concrete = function.get_concrete_function(tf.constant(x0), tf.constant(x1))
        traced = [_bits(a) for a in summarized(concrete, False)(lambda *report: None, x0, x1)]
    assert optimized == eager, concrete.optimized_graph
    assert traced == eager, concrete.graph
