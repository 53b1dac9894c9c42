"""Reductions keep TensorFlow's dtypes: integer sums stay int32, integer means truncate."""

import numpy as np
import pytest

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


def numpy_variance(x: np.ndarray, axis, keepdims: bool) -> np.ndarray:
    """The population variance written out in float64: mean of squared deviations."""
    x64 = x.astype(np.float64)
    axes = tuple(range(x.ndim)) if axis is None else tuple(np.atleast_1d(axis))
    deviations = x64 - x64.mean(axis=axes, keepdims=True)
    return np.mean(deviations ** 2, axis=axes, keepdims=keepdims)


VARIANCE_AXES = [None, 0, 1, -1, (0, 2), [1, 2], (0, 1, 2)]


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("axis", VARIANCE_AXES, ids=str)
def test_reduce_variance_and_std_match_numpy(axis, keepdims):
    x = np.random.default_rng(7).normal(3.0, 2.0, size=(3, 4, 5)).astype(np.float32)
    want = numpy_variance(x, axis, keepdims)
    variance = tf.math.reduce_variance(tf.constant(x), axis=axis, keepdims=keepdims)
    std = tf.math.reduce_std(tf.constant(x), axis=axis, keepdims=keepdims)
    for got, expected in ((variance, want), (std, np.sqrt(want))):
        assert got.dtype == tf.float32 and got.shape == expected.shape
        np.testing.assert_allclose(got.numpy(), expected.astype(np.float32), rtol=2e-6)


def test_reduce_variance_of_a_small_example_by_hand():
    x = tf.constant([[1.0, 2.0, 6.0], [4.0, 4.0, 4.0]])
    # row 0: mean 3, squared deviations 4, 1, 9 -> 14/3; row 1: no spread
    np.testing.assert_allclose(tf.math.reduce_variance(x, axis=1).numpy(), [14 / 3, 0.0])
    np.testing.assert_allclose(tf.math.reduce_std(x, axis=0).numpy(), [1.5, 1.0, 1.0])
    assert float(tf.math.reduce_variance(tf.constant([5.0, 5.0]))) == 0.0


@pytest.mark.parametrize("reduce", [tf.math.reduce_variance, tf.math.reduce_std])
def test_reduce_variance_and_std_refuse_integers_like_tensorflow(reduce):
    with pytest.raises(TypeError, match="int32"):
        reduce(tf.constant([1, 2, 4]))
