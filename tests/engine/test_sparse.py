"""tf.sparse beyond what the parity cases compare: empty sparse tensors, malformed parts,
and the functions that read index values refusing to run inside a trace (they would bake
the trace's indices into the graph)."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf


def test_an_empty_sparse_tensor_densifies_to_its_default() -> None:
    empty = tf.sparse.SparseTensor(np.zeros((0, 2), np.int64), tf.zeros([0]), [2, 3])
    dense = tf.sparse.to_dense(empty, default_value=7.0)
    np.testing.assert_array_equal(dense.numpy(), np.full((2, 3), 7.0, np.float32))


@pytest.mark.parametrize(("indices", "values", "shape", "message"), [
    ([0, 1], [1.0], [2], "Shape (2,) must have rank 2"),
    ([[0, 1]], [[1.0]], [2, 2], "must have rank 1"),
    ([[0, 1]], [1.0, 2.0], [2, 2], "Dimensions 1 and 2 are not compatible"),
    ([[0, 1]], [1.0], [2, 2, 2], "Dimensions 2 and 3 are not compatible"),
])
def test_malformed_parts_are_named(indices, values, shape, message) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        tf.sparse.SparseTensor(indices, values, shape)


def test_sparse_functions_want_a_sparse_tensor() -> None:
    with pytest.raises(TypeError, match="sp_input must be a SparseTensor, got EagerTensor"):
        tf.sparse.to_dense(tf.ones([2]))


def test_adding_two_sparse_tensors_inside_a_function_is_refused_not_baked() -> None:
    @tf.function
    def doubled(d):
        s = tf.sparse.from_dense(d)
        return tf.sparse.to_dense(tf.sparse.add(s, s))

    with pytest.raises(tf.errors.UnimplementedError, match="inside tf.function"):
        doubled(tf.constant([1.0, 0.0, 2.0]))


def test_sparse_tensors_of_constant_indices_work_inside_a_function() -> None:
    @tf.function
    def scattered(v):
        sp = tf.sparse.SparseTensor([[0, 0], [1, 2]], v, [2, 3])
        return tf.sparse.to_dense(sp) * 2.0

    np.testing.assert_array_equal(scattered(tf.constant([1.0, 2.0])).numpy(),
                                  [[2.0, 0, 0], [0, 0, 4.0]])
    np.testing.assert_array_equal(scattered(tf.constant([3.0, 4.0])).numpy(),
                                  [[6.0, 0, 0], [0, 0, 8.0]])
