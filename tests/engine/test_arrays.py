"""Array functions inside ``tf.function``: a traced graph recomputes what depends on values
(the True positions of a mask, which elements top_k picked) on every call, instead of
keeping the ones seen while tracing; and what indexing a Variable gives."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf


def masked_square_sum_and_gradient(x: tf.Tensor, mask: tf.Tensor) -> list:
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.boolean_mask(x, mask, axis=1) ** 2)
    return [y, tape.gradient(y, x)]


def top_two_weighted_gradient(x: tf.Tensor) -> tf.Tensor:
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.math.top_k(x, 2).values * tf.constant([1.0, 10.0]))
    return tape.gradient(y, x)


X = tf.constant([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
OTHER_X = tf.constant([[1.0, 9.0, 2.0], [7.0, 5.0, 4.0]])


@pytest.mark.parametrize("mask", [[True, False, True], [False, True, True]])
def test_a_traced_boolean_mask_follows_each_calls_mask(mask: list) -> None:
    # As many True as when traced: graphs are specialized to shapes, and the gradient ops
    # of a mask with another count would need other shapes.
    traced = tf.function(masked_square_sum_and_gradient)
    traced(X, tf.constant([True, True, False]))  # traced with another mask
    got = traced(X, tf.constant(mask))
    want = masked_square_sum_and_gradient(X, tf.constant(mask))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))
    np.testing.assert_array_equal(np.asarray(got[1]), 2 * np.asarray(X) * np.array(mask))


def test_a_traced_top_k_gradient_follows_each_calls_values() -> None:
    traced = tf.function(top_two_weighted_gradient)
    traced(X)
    np.testing.assert_array_equal(np.asarray(traced(OTHER_X)),
                                  [[0.0, 1.0, 10.0], [1.0, 10.0, 0.0]])


def test_a_traced_mask_index_selects_each_calls_elements() -> None:
    traced = tf.function(lambda x: x[x > 2.5])
    traced(X)
    np.testing.assert_array_equal(np.asarray(traced(OTHER_X)), [9.0, 7.0, 5.0, 4.0])


def test_a_variable_slice_reads_like_a_tensor_and_assigns_into_the_variable() -> None:
    v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
    row = v[1]
    assert isinstance(row, tf.Tensor) and row.shape == (2,)
    assert v[1, 0].assign(7.0) is v
    np.testing.assert_array_equal(np.asarray(row), [3.0, 4.0])  # the slice keeps its value
    np.testing.assert_array_equal(v.numpy(), [[1.0, 2.0], [7.0, 4.0]])
    with pytest.raises(AttributeError):
        (v[0] + 1.0).assign(0.0)  # only a slice of the variable itself writes into it
