"""Optimizers against their published update equations, and learning-rate schedules.

Expected values are computed here from the formulas (Keras' docs / TensorFlow's
ResourceApply* kernels), independently of engine/keras/optimizers.py.
"""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np
import pytest

import engine as tf
from engine.keras import optimizers
from engine.keras.optimizers import schedules

W0 = np.array([1.0, -2.0, 0.5])
GRADS = [np.array([0.5, -1.0, 2.0]), np.array([0.1, 0.3, -0.4])]


def keras_lr(rate: float) -> float:
    """Keras 3 keeps the learning rate in a float32 variable and casts it to the weight's
    dtype, so float64 weights step by the float32-rounded rate (TensorFlow 2.21: SGD(0.1) on
    a float64 1.0 with gradient 1 gives 0.8999999985098839)."""
    return float(np.float32(rate))


def run(optimizer, steps=2):
    var = tf.Variable(W0.copy())
    out = []
    for g in GRADS[:steps]:
        optimizer.apply_gradients([(tf.constant(g), var)])
        out.append(var.numpy().copy())
    return out


def test_sgd():
    w1, w2 = run(optimizers.SGD(learning_rate=0.1))
    np.testing.assert_allclose(w1, W0 - 0.1 * GRADS[0])
    np.testing.assert_allclose(w2, W0 - 0.1 * GRADS[0] - 0.1 * GRADS[1])


def test_sgd_momentum():
    lr, mu = keras_lr(0.1), 0.9
    w, v = W0.copy(), np.zeros(3)
    expected = []
    for g in GRADS:
        v = mu * v - lr * g
        w = w + v
        expected.append(w)
    for got, want in zip(run(optimizers.SGD(0.1, momentum=mu)), expected):
        np.testing.assert_allclose(got, want)


def test_sgd_nesterov():
    lr, mu = keras_lr(0.1), 0.9
    w, v = W0.copy(), np.zeros(3)
    expected = []
    for g in GRADS:
        v = mu * v - lr * g
        w = w + mu * v - lr * g
        expected.append(w)
    for got, want in zip(run(optimizers.SGD(0.1, momentum=mu, nesterov=True)), expected):
        np.testing.assert_allclose(got, want)


KERAS_LR_001 = keras_lr(0.01)


def _adam_reference(lr=KERAS_LR_001, b1=0.9, b2=0.999, eps=1e-7, weight_decay=0.0):
    w, m, v = W0.copy(), np.zeros(3), np.zeros(3)
    out = []
    for t, g in enumerate(GRADS, start=1):
        w = w - lr * weight_decay * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        alpha = lr * math.sqrt(1 - b2**t) / (1 - b1**t)
        w = w - alpha * m / (np.sqrt(v) + eps)
        out.append(w)
    return out


def test_adam_two_steps():
    for got, want in zip(run(optimizers.Adam(learning_rate=0.01)), _adam_reference()):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    # The first Adam step moves each weight by about lr, whatever the gradient's size.
    w1 = run(optimizers.Adam(learning_rate=0.01), steps=1)[0]
    np.testing.assert_allclose(np.abs(w1 - W0), 0.01, rtol=1e-5)


def test_adam_flushes_subnormal_moments_as_tensorflow_does():
    """A weight whose gradient stays zero lets its first moment decay into float32's
    subnormal range (50x slower arithmetic); Adam flushes it to zero every few steps."""
    tiny = np.finfo(np.float32).tiny
    w = tf.Variable(np.ones(4, np.float32))
    opt = optimizers.Adam(learning_rate=0.001)
    opt.apply_gradients([(tf.constant(np.float32([1e-3, 0.0, 0.0, 1.0])), w)])
    m = opt._slot(w, "m")
    m[1] = tiny / 8  # already subnormal; m[2] exactly zero; m[0], m[3] normal
    normal_before = m[[0, 3]].copy()
    zero = tf.constant(np.zeros(4, np.float32))
    for _ in range(optimizers.FLUSH_DENORMALS_EVERY - 1):  # steps 2..16; the flush is at 16
        opt.apply_gradients([(zero, w)])
    assert m[1] == 0.0 and m[2] == 0.0
    b1 = opt.beta_1
    np.testing.assert_allclose(m[[0, 3]], normal_before * b1 ** (optimizers.FLUSH_DENORMALS_EVERY
                                                               - 1), rtol=1e-5)
    assert np.all(np.isfinite(w.numpy()))


def test_adamw_decoupled_weight_decay():
    got = run(optimizers.AdamW(learning_rate=0.01, weight_decay=0.1))
    for g, want in zip(got, _adam_reference(weight_decay=0.1)):
        np.testing.assert_allclose(g, want, rtol=1e-12)


def test_rmsprop():
    lr, rho, eps = keras_lr(0.01), 0.9, 1e-7
    w, a = W0.copy(), np.zeros(3)
    expected = []
    for g in GRADS:
        a = rho * a + (1 - rho) * g * g
        w = w - lr * g / np.sqrt(a + eps)
        expected.append(w)
    for got, want in zip(run(optimizers.RMSprop(learning_rate=0.01)), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_rmsprop_momentum():
    lr, rho, mu, eps = keras_lr(0.01), 0.9, 0.5, 1e-7
    w, a, mom = W0.copy(), np.zeros(3), np.zeros(3)
    expected = []
    for g in GRADS:
        a = rho * a + (1 - rho) * g * g
        mom = mu * mom + lr * g / np.sqrt(a + eps)
        w = w - mom
        expected.append(w)
    for got, want in zip(run(optimizers.RMSprop(0.01, momentum=mu)), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_optimizer_by_name_and_iterations():
    opt = optimizers.get("adam")
    assert isinstance(opt, optimizers.Adam)
    run(opt)
    assert int(opt.iterations.numpy()) == 2


def test_exponential_decay():
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert float(s(0)) == pytest.approx(0.1)
    assert float(s(5)) == pytest.approx(0.1 * 0.5**0.5)
    assert float(s(20)) == pytest.approx(0.025)
    stair = schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True)
    assert float(stair(19)) == pytest.approx(0.05)
    assert s(3).dtype == tf.float32


def test_piecewise_constant_decay():
    s = schedules.PiecewiseConstantDecay([100, 200], [1.0, 0.5, 0.1])
    assert [float(s(x)) for x in (0, 100, 101, 200, 201)] == pytest.approx(
        [1.0, 1.0, 0.5, 0.5, 0.1])
    with pytest.raises(ValueError, match="1 less"):
        schedules.PiecewiseConstantDecay([1], [1.0])


def test_cosine_decay():
    s = schedules.CosineDecay(0.2, decay_steps=100, alpha=0.1)
    assert float(s(0)) == pytest.approx(0.2)
    assert float(s(50)) == pytest.approx(0.2 * (0.9 * 0.5 + 0.1))
    assert float(s(100)) == pytest.approx(0.02)
    assert float(s(1000)) == pytest.approx(0.02)
    warm = schedules.CosineDecay(0.0, 100, warmup_target=1.0, warmup_steps=10)
    assert float(warm(5)) == pytest.approx(0.5)
    assert float(warm(10)) == pytest.approx(1.0)


def test_optimizer_follows_a_schedule():
    lr = schedules.PiecewiseConstantDecay([0], [0.1, 0.01])
    opt = optimizers.SGD(learning_rate=lr)
    w1, w2 = run(opt)
    np.testing.assert_allclose(w1, W0 - 0.1 * GRADS[0])
    np.testing.assert_allclose(w2, w1 - 0.01 * GRADS[1])


# -- None gradients: Keras 3 warns and skips their variables ------------------------------------

MISSING_WARNING = ("Gradients do not exist for variables ['dense/bias'] when minimizing the "
                   "loss. If using `model.compile()`, did you forget to provide a `loss` "
                   "argument?")


def _dense_and_loss():
    kernel = tf.Variable([[1.0], [2.0]], name="dense/kernel")
    bias = tf.Variable([0.5], name="dense/bias")
    x = tf.constant([[1.0, 1.0]])
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.matmul(x, kernel))  # the bias is forgotten
    return kernel, bias, tape.gradient(loss, [kernel, bias])


def test_apply_gradients_warns_for_variables_without_gradient_at_the_users_line():
    kernel, bias, grads = _dense_and_loss()
    optimizer = optimizers.SGD(learning_rate=0.1)
    with pytest.warns(UserWarning) as caught:
        optimizer.apply_gradients(zip(grads, [kernel, bias]))
    line = sys._getframe().f_lineno - 1
    (warning,) = caught
    assert str(warning.message) == MISSING_WARNING
    assert (warning.filename, warning.lineno) == (__file__, line)
    np.testing.assert_allclose(kernel.numpy(), [[0.9], [1.9]])
    np.testing.assert_array_equal(bias.numpy(), [0.5])


def test_minimize_warns_at_the_users_line_too():
    kernel = tf.Variable([[1.0], [2.0]], name="dense/kernel")
    bias = tf.Variable([0.5], name="dense/bias")
    x = tf.constant([[1.0, 1.0]])
    optimizer = optimizers.SGD(learning_rate=0.1)
    with pytest.warns(UserWarning, match=r"\['dense/bias'\] when minimizing") as caught:
        optimizer.minimize(lambda: tf.reduce_sum(tf.matmul(x, kernel)), [kernel, bias])
    line = sys._getframe().f_lineno - 1
    assert (caught[0].filename, caught[0].lineno) == (__file__, line)


def test_apply_gradients_is_silent_when_every_gradient_exists():
    kernel = tf.Variable([[1.0], [2.0]], name="dense/kernel")
    bias = tf.Variable([0.5], name="dense/bias")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.matmul(tf.constant([[1.0, 1.0]]), kernel) + bias)
    grads = tape.gradient(loss, [kernel, bias])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.Adam().apply_gradients(zip(grads, [kernel, bias]))
    assert not np.array_equal(bias.numpy(), [0.5])
