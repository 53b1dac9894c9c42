"""The tf.math / tf.nn / tf.linalg functions of issue 11 give TensorFlow's inf and NaN
silently, as TensorFlow does: no numpy RuntimeWarning at the user's line for a value the
function itself masks or returns on purpose."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import engine as tf

CALLS = {
    "acos, asin, atanh out of their domain": lambda: [
        tf.math.acos(tf.constant([2.0])), tf.math.asin(tf.constant([-2.0])),
        tf.math.atanh(tf.constant([1.0, 3.0]))],
    "acosh below 1, cosh and sinh overflowing": lambda: [
        tf.math.acosh(tf.constant([0.5])), tf.math.cosh(tf.constant([100.0])),
        tf.math.sinh(tf.constant([-100.0]))],
    "lgamma, digamma, polygamma at their poles": lambda: [
        tf.math.lgamma(tf.constant([0.0, -1.0])), tf.math.digamma(tf.constant([0.0, -2.0])),
        tf.math.polygamma(tf.constant([1.0]), tf.constant([0.0]))],
    "erfinv and ndtri at and beyond their ends": lambda: [
        tf.math.erfinv(tf.constant([1.0, -1.0, 1.5])),
        tf.math.ndtri(tf.constant([0.0, 1.0, -0.5]))],
    "xdivy, xlog1py and multiply_no_nan at their special points": lambda: [
        tf.math.xdivy(tf.constant([0.0, 1.0]), tf.constant([0.0, 0.0])),
        tf.math.xlog1py(tf.constant([0.0]), tf.constant([-1.0])),
        tf.math.multiply_no_nan(tf.constant([np.inf]), tf.constant([0.0]))],
    "triangular_solve with a zero pivot": lambda: tf.linalg.triangular_solve(
        tf.constant([[0.0, 0.0], [1.0, 1.0]]), tf.constant([[1.0], [1.0]])),
    "slogdet of a singular matrix": lambda: tf.linalg.slogdet(tf.constant([[1.0, 2.0],
                                                                        [2.0, 4.0]])),
}


@pytest.mark.parametrize("name", sorted(CALLS))
def test_special_values_come_without_a_numpy_warning(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        results = CALLS[name]()
    values = [np.asarray(r) for r in (results if isinstance(results, list) else [results])]
    assert any(not np.all(np.isfinite(v)) for v in values)  # the cases do reach inf/NaN


def test_log_poisson_loss_of_zero_targets_is_quiet_and_masks_the_approximation() -> None:
    t, c = np.array([0.0, 1.0, 4.0], np.float32), np.array([0.5, -1.0, 1.0], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = tf.nn.log_poisson_loss(tf.constant(t), tf.constant(c), compute_full_loss=True)
    stirling = 4.0 * np.log(4.0) - 4.0 + 0.5 * np.log(2 * np.pi * 4.0)
    want = np.exp(c) - c * t + np.array([0.0, 0.0, stirling])
    np.testing.assert_allclose(loss.numpy(), want, rtol=1e-6)
