"""Reductions keep TensorFlow's dtypes: integer sums stay int32, integer means truncate."""

import numpy as np

import engine as tf


def test_integer_sum_and_prod_stay_int32():
    assert tf.reduce_sum(tf.constant([1, 2, 3])).dtype == tf.int32
    assert tf.reduce_prod(tf.constant([1, 2, 3])).dtype == tf.int32
    np.testing.assert_array_equal(tf.reduce_sum(tf.constant([[1, 2], [3, 4]]), axis=0), [4, 6])


def test_integer_mean_truncates_like_tensorflow():
    assert int(tf.reduce_mean(tf.constant([1, 2]))) == 1
    assert tf.reduce_mean(tf.constant([1, 2])).dtype == tf.int32
    assert int(tf.reduce_mean(tf.constant([-1, -2]))) == -1


def test_float_reductions_keep_float32():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    assert tf.reduce_mean(x).dtype == tf.float32
    assert float(tf.reduce_mean(x)) == 2.5
    np.testing.assert_array_equal(tf.reduce_sum(x, axis=1, keepdims=True), [[3.0], [7.0]])
