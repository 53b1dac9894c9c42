"""Static shapes inside tf.function (engine.graph.static_shape): ``None`` dimensions flow
from a signature through the traced ops, while the graph still runs on concrete arrays.
TensorFlow's own printouts are checked in tests/engine/parity/cases_shapes.py."""

from __future__ import annotations

import numpy as np

import engine as tf
from engine.graph import static_shape
from engine.shape import TensorShape


def test_broadcast_of_static_shapes_follows_numpy_rules_with_unknown_sizes():
    assert static_shape.broadcast([None, 3], [1, 3]) == [None, 3]
    assert static_shape.broadcast([4, 1, 3], [None, 3]) == [4, None, 3]
    assert static_shape.broadcast([None, 1], [1, 5]) == [None, 5]
    assert static_shape.broadcast([None], [None]) == [None]
    assert static_shape.broadcast([None], [7]) == [7]


def test_a_rule_that_disagrees_with_the_computed_shape_is_not_trusted():
    # a static shape must describe every run: a rule answering a size the op did not
    # compute (here a Reshape attribute spelled as TF never spells it) gives way
    shapes = static_shape.infer("Reshape", [TensorShape([None, 3])], [(2, 3)],
                                {"shape": (5, -1)}, [(6,)])
    assert shapes == [TensorShape([6])]


def test_an_op_without_a_rule_keeps_known_sizes_and_marks_the_batch_unknown():
    @tf.function(input_signature=[tf.TensorSpec([None, 8, 8, 1], tf.float32)])
    def f(x):
        return tf.nn.max_pool2d(x, 2, 2, "VALID")

    c = f.get_concrete_function()
    assert c.output_shapes == TensorShape([None, 4, 4, 1])


def test_a_traced_tensor_kept_after_the_trace_prints_its_graph_name_and_static_shape():
    kept = []

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def f(x):
        kept.append(tf.matmul(x, tf.ones([2, 5])))
        return x

    f(tf.ones([3, 2]))
    assert str(kept[0]) == 'Tensor("MatMul:0", shape=(None, 5), dtype=float32)'
    assert kept[0].shape.as_list() == [None, 5]


def test_static_shapes_do_not_change_what_the_graph_computes():
    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2))

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def f(x):
        h = tf.reshape(tf.matmul(x, w), [-1])
        return tf.concat([h, tf.reduce_sum(x, axis=1)], axis=0)

    for n in (1, 4, 6):
        x = np.arange(3 * n, dtype=np.float32).reshape(n, 3)
        want = np.concatenate([(x @ w.numpy()).reshape(-1), x.sum(axis=1)])
        np.testing.assert_allclose(f(tf.constant(x)).numpy(), want)
    assert f.experimental_get_tracing_count() == 1
