"""Conv2D / MaxPool ops: forward against naive loops, every gradient against finite differences.

Ops covered (each registered in engine/ops/conv_ops.py): Conv2D, Conv2DBackpropInput,
Conv2DBackpropFilter, MaxPool, MaxPoolGrad, MaxPoolGradGrad.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import engine as tf
from engine import errors
from engine.ops import conv_ops
from engine.ops.registry import REGISTRY

CONV_CASES = [  # (input shape, filter shape, strides, padding, dilations)
    ((2, 5, 5, 2), (3, 3, 2, 3), (1, 1), "VALID", (1, 1)),
    ((1, 6, 5, 2), (3, 2, 2, 2), (2, 2), "VALID", (1, 1)),
    ((2, 5, 5, 2), (3, 3, 2, 3), (1, 1), "SAME", (1, 1)),
    ((1, 6, 7, 1), (3, 3, 1, 2), (2, 2), "SAME", (1, 1)),
    ((1, 4, 4, 2), (2, 2, 2, 2), (1, 2), "SAME", (1, 1)),
    ((1, 7, 7, 1), (3, 3, 1, 2), (1, 1), "VALID", (2, 2)),
]
POOL_CASES = [  # (input shape, ksize, strides, padding)
    ((2, 4, 4, 2), (2, 2), (2, 2), "VALID"),
    ((1, 5, 5, 2), (3, 3), (2, 2), "VALID"),
    ((1, 5, 5, 1), (2, 2), (2, 2), "SAME"),
    ((1, 5, 4, 2), (3, 3), (1, 1), "SAME"),
]


def tf_padding(size, k, stride, dilation, padding):
    """(output length, padding before) along one axis as TensorFlow documents them, written
    apart from the engine's ``conv_ops.output_size`` so the naive loops check it: SAME pads
    ``total = max((out - 1) * stride + k_eff - size, 0)`` with the odd one at the END."""
    k_eff = (k - 1) * dilation + 1
    if padding == "VALID":
        return math.ceil((size - k_eff + 1) / stride), 0
    out = math.ceil(size / stride)
    return out, max((out - 1) * stride + k_eff - size, 0) // 2


def naive_conv2d(x, w, strides, padding, dilations):
    """The textbook definition with explicit loops (zero padding, TensorFlow's SAME split)."""
    n, h, wd, c = x.shape
    kh, kw, _, f = w.shape
    oh, pt = tf_padding(h, kh, strides[0], dilations[0], padding)
    ow, pl = tf_padding(wd, kw, strides[1], dilations[1], padding)
    out = np.zeros((n, oh, ow, f))
    for b in range(n):
        for i in range(oh):
            for j in range(ow):
                for a in range(kh):
                    for q in range(kw):
                        r = i * strides[0] + a * dilations[0] - pt
                        s = j * strides[1] + q * dilations[1] - pl
                        if 0 <= r < h and 0 <= s < wd:
                            out[b, i, j] += x[b, r, s] @ w[a, q]
    return out


def naive_max_pool(x, ksize, strides, padding):
    n, h, wd, c = x.shape
    oh, pt = tf_padding(h, ksize[0], strides[0], 1, padding)
    ow, pl = tf_padding(wd, ksize[1], strides[1], 1, padding)
    out = np.full((n, oh, ow, c), -np.inf)
    for i in range(oh):
        for j in range(ow):
            for a in range(ksize[0]):
                for q in range(ksize[1]):
                    r, s = i * strides[0] + a - pt, j * strides[1] + q - pl
                    if 0 <= r < h and 0 <= s < wd:
                        out[:, i, j] = np.maximum(out[:, i, j], x[:, r, s])
    return out



# -- SAME padding with an odd total: TensorFlow pads one more row/column at the END --------------
# Every expected value below is worked out by hand on X_4X4 (rows 1-4, 5-8, 9-12, 13-16), not by
# the engine. A 3x3 window at stride 2 on 4 pixels gives 2 outputs and needs 1 pixel of
# padding, which TensorFlow puts after the input: the windows cover rows (and columns) 0-2
# and 2-3 (+ the pad). Padding before would make them -1..1 and 1-3, giving other numbers.
X_4X4 = np.arange(1.0, 17.0).reshape(1, 4, 4, 1)


def _kernel(rows):
    return np.array(rows, dtype=np.float64).reshape(len(rows), len(rows[0]), 1, 1)


SAME_ODD_CONV_CASES = {  # name: (kernel, strides, hand-computed output)
    # window sums: rows 0-2 x cols 0-2 = 6 + 18 + 30; x cols 2-3 = 7 + 15 + 23;
    # rows 2-3 x cols 0-2 = 30 + 42; x cols 2-3 = 11 + 12 + 15 + 16
    "3x3 ones, stride 2": (_kernel([[1, 1, 1]] * 3), 2, [[54, 45], [72, 54]]),
    # the window's top-left tap reads its first pixel: x at rows/cols 0 and 2
    "3x3 top-left tap, stride 2": (_kernel([[1, 0, 0], [0, 0, 0], [0, 0, 0]]), 2,
                                   [[1, 3], [9, 11]]),
    # 4x1 at stride 1: total padding 3 along the rows, 1 before and 2 after, so output row i
    # sums rows i-1..i+2 of column j (x = 4r + j + 1): rows 0-2 -> 15 + 3j, 0-3 -> 28 + 4j,
    # 1-3 -> 27 + 3j, 2-3 -> 22 + 2j
    "4x1 ones, stride 1": (_kernel([[1], [1], [1], [1]]), 1,
                           [[15, 18, 21, 24], [28, 32, 36, 40], [27, 30, 33, 36],
                            [22, 24, 26, 28]]),
}


@pytest.mark.parametrize("name", sorted(SAME_ODD_CONV_CASES))
def test_conv2d_same_puts_the_odd_padding_at_the_end(name):
    kernel, stride, expected = SAME_ODD_CONV_CASES[name]
    got = conv_ops.conv2d(X_4X4, kernel, stride, "SAME").numpy()
    np.testing.assert_array_equal(got[0, :, :, 0], expected)


def test_max_pool_same_puts_the_odd_padding_at_the_end():
    # 3x3 windows at stride 2 over rows/cols 0-2 and 2-3: their maxima are x[2,2], x[2,3],
    # x[3,2], x[3,3]; on -x the padding must not count as 0, the maxima are the windows'
    # first pixels, -x[0,0], -x[0,2], -x[2,0], -x[2,2]
    got = conv_ops.max_pool2d(X_4X4, 3, 2, "SAME").numpy()
    np.testing.assert_array_equal(got[0, :, :, 0], [[11, 12], [15, 16]])
    got = conv_ops.max_pool2d(-X_4X4, 3, 2, "SAME").numpy()
    np.testing.assert_array_equal(got[0, :, :, 0], [[-1, -3], [-9, -11]])


def test_keras_layers_with_same_padding_agree_with_tensorflow():
    conv = tf.keras.layers.Conv2D(1, 3, strides=2, padding="same", use_bias=False,
                                  kernel_initializer="ones", dtype="float64")
    np.testing.assert_array_equal(conv(X_4X4).numpy()[0, :, :, 0], [[54, 45], [72, 54]])
    pool = tf.keras.layers.MaxPooling2D(3, strides=2, padding="same")
    np.testing.assert_array_equal(pool(X_4X4).numpy()[0, :, :, 0], [[11, 12], [15, 16]])


def test_conv2d_transpose_same_spreads_onto_the_unpadded_start():
    # a 2x2 of ones through the 3x3 ones kernel at stride 2 onto 4x4: input i reaches output
    # rows 2i..2i+2 (no padding before), so rows 0, 1, 2, 3 are reached 1, 1, 2, 1 times
    got = conv_ops.conv2d_transpose(np.ones((1, 2, 2, 1)), _kernel([[1, 1, 1]] * 3),
                                    (1, 4, 4, 1), 2, "SAME").numpy()
    reached = np.array([1, 1, 2, 1])
    np.testing.assert_array_equal(got[0, :, :, 0], np.outer(reached, reached))

def _rand(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


def _distinct(shape, seed=0):
    """Values whose gaps dwarf the finite-difference step, so no max switches."""
    values = np.random.default_rng(seed).permutation(int(np.prod(shape))).astype(np.float64)
    return values.reshape(shape) / 10.0


def _check(f, inputs, numeric_gradient, atol=1e-6):
    """Gradient of sum(f(*inputs) * r) w.r.t. every input, tape vs central differences."""
    arrays = [np.array(a, dtype=np.float64) for a in inputs]
    r = _rand(f(*[tf.constant(a) for a in arrays]).shape, seed=99)
    tensors = [tf.constant(a) for a in arrays]
    with tf.GradientTape() as tape:
        for t in tensors:
            tape.watch(t)
        out = tf.reduce_sum(f(*tensors) * tf.constant(r))
    grads = tape.gradient(out, tensors, unconnected_gradients="zero")

    def scalar() -> float:
        return float(np.sum(f(*[tf.constant(a) for a in arrays]).numpy() * r))

    for i, (a, g) in enumerate(zip(arrays, grads)):
        np.testing.assert_allclose(g.numpy(), numeric_gradient(scalar, a), atol=atol, rtol=1e-5,
                                   err_msg=f"gradient of input {i}")


def test_ops_are_registered_with_gradients():
    for name in ("Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter", "MaxPool",
                 "MaxPoolGrad", "MaxPoolGradGrad"):
        assert REGISTRY[name].grad is not None, name


@pytest.mark.parametrize("xs, ws, strides, padding, dilations", CONV_CASES)
def test_conv2d_forward_matches_naive_loops(xs, ws, strides, padding, dilations):
    x, w = _rand(xs, 1), _rand(ws, 2)
    got = tf.nn.conv2d(x, w, strides, padding, dilations=dilations) if hasattr(
        tf.nn, "conv2d") else conv_ops.conv2d(x, w, strides, padding, dilations=dilations)
    np.testing.assert_allclose(got.numpy(), naive_conv2d(x, w, strides, padding, dilations),
                               atol=1e-12)


def test_conv2d_keeps_float32():
    x = np.ones((1, 4, 4, 1), np.float32)
    w = np.ones((2, 2, 1, 1), np.float32)
    y = conv_ops.conv2d(x, w, 1, "VALID")
    assert y.dtype == tf.float32 and y.shape == (1, 3, 3, 1)
    assert np.all(y.numpy() == 4)


@pytest.mark.parametrize("xs, ws, strides, padding, dilations", CONV_CASES)
def test_conv2d_gradients(xs, ws, strides, padding, dilations, numeric_gradient):
    def f(x, w):
        return conv_ops.conv2d(x, w, strides, padding, dilations=dilations)

    _check(f, [_rand(xs, 3), _rand(ws, 4)], numeric_gradient)


@pytest.mark.parametrize("xs, ws, strides, padding, dilations", CONV_CASES[:4])
def test_conv2d_backprop_input_gradients(xs, ws, strides, padding, dilations,
                                         numeric_gradient):
    dy_shape = conv_ops.conv2d(np.zeros(xs), np.zeros(ws), strides, padding,
                               dilations=dilations).shape

    def f(w, dy):
        return conv_ops.conv2d_backprop_input(xs, w, dy, strides, padding, dilations=dilations)

    _check(f, [_rand(ws, 5), _rand(tuple(dy_shape), 6)], numeric_gradient)


@pytest.mark.parametrize("xs, ws, strides, padding, dilations", CONV_CASES[:4])
def test_conv2d_backprop_filter_gradients(xs, ws, strides, padding, dilations,
                                          numeric_gradient):
    dy_shape = conv_ops.conv2d(np.zeros(xs), np.zeros(ws), strides, padding,
                               dilations=dilations).shape

    def f(x, dy):
        return conv_ops.conv2d_backprop_filter(x, ws, dy, strides, padding, dilations=dilations)

    _check(f, [_rand(xs, 7), _rand(tuple(dy_shape), 8)], numeric_gradient)


def test_conv2d_second_order_gradient(numeric_gradient):
    """d/dw of sum((d loss/dx)²): the backward ops are differentiated in turn."""
    x0, w0 = _rand((1, 5, 5, 2), 1), _rand((3, 3, 2, 2), 2)

    def inner_grad_norm(w_value):
        x, w = tf.constant(x0), tf.constant(w_value)
        with tf.GradientTape() as t:
            t.watch(x)
            y = tf.reduce_sum(tf.square(conv_ops.conv2d(x, w, 2, "SAME")))
        return t.gradient(y, x)

    w = tf.constant(w0)
    with tf.GradientTape() as outer:
        outer.watch(w)
        x = tf.constant(x0)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.square(conv_ops.conv2d(x, w, 2, "SAME")))
        gx = inner.gradient(y, x)
        z = tf.reduce_sum(tf.square(gx))
    got = outer.gradient(z, w).numpy()
    numeric = numeric_gradient(
        lambda: float(np.sum(np.square(inner_grad_norm(w0).numpy()))), w0)
    np.testing.assert_allclose(got, numeric, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("xs, ksize, strides, padding", POOL_CASES)
def test_max_pool_forward_matches_naive_loops(xs, ksize, strides, padding):
    x = _rand(xs, 9)
    got = conv_ops.max_pool2d(x, ksize, strides, padding).numpy()
    np.testing.assert_array_equal(got, naive_max_pool(x, ksize, strides, padding))


@pytest.mark.parametrize("xs, ksize, strides, padding", POOL_CASES)
def test_max_pool_gradient(xs, ksize, strides, padding, numeric_gradient):
    _check(lambda x: conv_ops.max_pool2d(x, ksize, strides, padding), [_distinct(xs, 1)],
           numeric_gradient)


@pytest.mark.parametrize("xs, ksize, strides, padding", POOL_CASES)
def test_max_pool_grad_gradients(xs, ksize, strides, padding, numeric_gradient):
    x = _distinct(xs, 2)
    y = conv_ops.max_pool2d(x, ksize, strides, padding)

    def f(x_, y_, dy):
        return conv_ops.max_pool_grad(x_, y_, dy, ksize, strides, padding)

    _check(f, [x, y.numpy(), _rand(y.shape, 3)], numeric_gradient)


@pytest.mark.parametrize("xs, ksize, strides, padding", POOL_CASES)
def test_max_pool_grad_grad_gradients(xs, ksize, strides, padding, numeric_gradient):
    from engine.ops.registry import execute

    x = _distinct(xs, 4)
    y = conv_ops.max_pool2d(x, ksize, strides, padding)
    attrs = {"ksize": ksize, "strides": strides, "padding": padding}

    def f(x_, y_, g):
        return execute(conv_ops.MAX_POOL_GRAD_GRAD, (x_, y_, g), attrs)

    _check(f, [x, y.numpy(), _rand(xs, 5)], numeric_gradient)


def test_max_pool_ties_route_to_first_maximum():
    x = tf.constant(np.zeros((1, 2, 2, 1)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = conv_ops.max_pool2d(x, 2, 2, "VALID")
    assert tape.gradient(y, x).numpy().reshape(-1).tolist() == [1, 0, 0, 0]


def test_conv2d_rejects_mismatched_channels():
    with pytest.raises(errors.InvalidArgumentError, match="depth.*3 vs 2"):
        conv_ops.conv2d(np.zeros((1, 4, 4, 3)), np.zeros((2, 2, 2, 1)), 1, "VALID")


def test_conv2d_rejects_wrong_rank_and_too_small_input():
    with pytest.raises(errors.InvalidArgumentError, match="4-dimensional"):
        conv_ops.conv2d(np.zeros((4, 4, 3)), np.zeros((2, 2, 3, 1)), 1, "VALID")
    with pytest.raises(errors.InvalidArgumentError, match="negative"):
        conv_ops.conv2d(np.zeros((1, 2, 2, 1)), np.zeros((3, 3, 1, 1)), 1, "VALID")
    with pytest.raises(ValueError, match="padding"):
        conv_ops.conv2d(np.zeros((1, 4, 4, 1)), np.zeros((3, 3, 1, 1)), 1, "FULL")


def test_conv2d_transpose_is_the_adjoint_of_conv2d():
    """<conv(x, w), y> == <x, conv_transpose(y, w)> for the same geometry."""
    x, w = _rand((1, 6, 6, 2), 1), _rand((3, 3, 2, 4), 2)
    y = _rand((1, 3, 3, 4), 3)
    lhs = np.sum(conv_ops.conv2d(x, w, 2, "SAME").numpy() * y)
    rhs = np.sum(x * conv_ops.conv2d_transpose(y, w, (1, 6, 6, 2), 2, "SAME").numpy())
    assert lhs == pytest.approx(rhs)
