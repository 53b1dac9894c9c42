"""Gradients of the issue-11 math/nn composites against finite differences, second
derivatives of the new ops through nested tapes, and what a user relies on in tf.nn.dropout
(whose random values cannot match TensorFlow's Philox stream, so they are checked by their
properties here; the deterministic parts are parity cases in ``parity/cases_mathnn.py``)."""

from __future__ import annotations

import warnings
from typing import Any

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from gradcheck import check_gradient, check_second_derivative
from hypothesis import given
from hypothesis import strategies as st
from test_gradients import (
    EINSUM_EQUATIONS,
    NONSCALAR,
    NONZERO,
    POSITIVE,
    SETTINGS,
    SHAPES,
    Case,
    Example,
    arrays,
    floats,
    spread,
    unary,
)

import engine as tf
from engine import errors


@st.composite
def clip_norm_inputs(draw: st.DrawFn) -> Example:
    """Values and a clip norm on either side of their norm (never at it: a kink there)."""
    x = draw(NONSCALAR.flatmap(lambda s: arrays(s, NONZERO)))
    axes = draw(st.none() | st.just([x.ndim - 1]))
    norms = np.sqrt(np.sum(x * x, axis=None if axes is None else tuple(axes)))
    clip = float(np.min(norms)) * draw(st.sampled_from([0.5, 2.0])) if axes is None or (
        np.max(norms) < 2 * np.min(norms)) else float(np.max(norms)) * 2.0
    return Example((x,), {"clip_norm": clip, "axes": axes})


@st.composite
def global_norm_inputs(draw: st.DrawFn) -> Example:
    a = draw(NONSCALAR.flatmap(lambda s: arrays(s, NONZERO)))
    b = draw(NONSCALAR.flatmap(lambda s: arrays(s, NONZERO)))
    norm = float(np.sqrt(np.sum(a * a) + np.sum(b * b)))
    return Example((a, b), {"clip_norm": norm * draw(st.sampled_from([0.5, 2.0]))})


@st.composite
def sigmoid_xent_inputs(draw: st.DrawFn) -> Example:
    shape = draw(SHAPES)
    return Example((draw(arrays(shape, NONZERO)), draw(arrays(shape, floats(0, 1)))), {})


@st.composite
def moments_inputs(draw: st.DrawFn) -> Example:
    (x,), kw = draw(spread())
    axes = kw["axis"]
    axes = list(range(x.ndim)) if axes is None else [axes] if isinstance(axes, int) else axes
    return Example((x,), {"axes": axes, "keepdims": kw["keepdims"]})


@st.composite
def batch_norm_inputs(draw: st.DrawFn) -> Example:
    x = draw(NONSCALAR.flatmap(arrays))
    c = x.shape[-1:]
    return Example((x, draw(arrays(c)), draw(arrays(c, POSITIVE)), draw(arrays(c)),
                    draw(arrays(c))), {})


@st.composite
def segment_mean_inputs(draw: st.DrawFn) -> Example:
    data = draw(NONSCALAR.flatmap(arrays))
    n = draw(st.integers(1, 4))
    ids = draw(hnp.arrays(np.int32, data.shape[:1], elements=st.integers(-1, n - 1)))
    return Example((data,), {"segment_ids": ids, "num_segments": n})


@st.composite
def embedding_inputs(draw: st.DrawFn) -> Example:
    rows = draw(st.integers(1, 4))
    params = draw(arrays((rows, draw(st.integers(1, 3))), NONZERO))
    ids = draw(hnp.arrays(np.int32, draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3)),
                          elements=st.integers(0, rows - 1)))
    return Example((params,), {"ids": ids})


def _rows_off_the_clip(example: Example) -> bool:
    """No row of ``4 p`` with a norm near ``max_norm`` = 1, where clipping starts and the
    gradient jumps (finite differences straddling it disagree with either side)."""
    (params,) = example.arrays
    return bool(np.all(np.abs(4.0 * np.linalg.norm(params, axis=1) - 1.0) > 0.05))


def _batch_norm(x: Any, mean: Any, var: Any, offset: Any, scale: Any) -> tf.Tensor:
    return tf.nn.batch_normalization(x, mean, var, offset, scale, 1e-3)


COMPOSITE_CASES: dict[str, Case] = {
    "log_sigmoid": unary(tf.math.log_sigmoid, floats(-30, 30)),
    "clip_by_norm": Case(clip_norm_inputs(), tf.clip_by_norm),
    "clip_by_global_norm": Case(global_norm_inputs(), lambda a, b, clip_norm: (
        lambda clipped, norm: [*clipped, norm])(*tf.clip_by_global_norm([a, b], clip_norm))),
    "sigmoid_cross_entropy_with_logits": Case(
        sigmoid_xent_inputs(), lambda logits, labels: tf.nn.sigmoid_cross_entropy_with_logits(
            labels=labels, logits=logits)),
    "moments": Case(moments_inputs(), lambda x, **kw: list(tf.nn.moments(x, **kw))),
    "batch_normalization": Case(batch_norm_inputs(), _batch_norm),
    "unsorted_segment_mean": Case(segment_mean_inputs(), tf.math.unsorted_segment_mean),
    "embedding_lookup": Case(embedding_inputs(), lambda p, ids: tf.nn.embedding_lookup(p, ids)),
    "embedding_lookup max_norm": Case(
        embedding_inputs().filter(_rows_off_the_clip), lambda p, ids: tf.nn.embedding_lookup(
            p * 4.0, ids, max_norm=1.0)),
    "dropout rate 0": unary(lambda x: tf.nn.dropout(x, 0.0)),
}


@pytest.mark.parametrize("name", sorted(COMPOSITE_CASES))
@SETTINGS
@given(data=st.data())
def test_composite_gradient_matches_finite_differences(name: str, data: st.DataObject) -> None:
    case = COMPOSITE_CASES[name]
    example = data.draw(case.inputs, label="inputs")
    check_gradient(case.call, example.arrays, example.kwargs, eps=case.eps, tol=case.tol)


# Second derivatives of the new ops: SECOND_ORDER_CASES in test_gradients.py.


@pytest.mark.parametrize(("equation", "shapes"), EINSUM_EQUATIONS,
                         ids=[eq for eq, _ in EINSUM_EQUATIONS])
def test_einsum_first_and_second_derivatives_for_each_equation(equation: str,
                                                                 shapes: list) -> None:
    """Every equation form, not only those hypothesis happens to draw: matmul, batch,
    transpose, reductions, outer, implicit output, ellipsis broadcast, traces, diagonals."""
    rng = np.random.default_rng(len(equation))
    xs = [rng.uniform(-2, 2, s) for s in shapes]

    def call(*ts: tf.Tensor) -> tf.Tensor:
        return tf.einsum(equation, *ts)

    assert "Einsum" in check_gradient(call, xs)
    check_second_derivative(lambda *ts: tf.square(call(*ts)), xs)


# -- dropout: properties, not TensorFlow's random values ------------------------------------------

@pytest.mark.parametrize("rate", [0.1, 0.5, 0.9])
def test_dropout_zeroes_about_rate_and_scales_the_rest(rate: float) -> None:
    x = tf.ones([200, 200])
    y = tf.nn.dropout(x, rate=rate).numpy()
    kept = y != 0
    assert y.dtype == np.float32
    np.testing.assert_allclose(y[kept], np.float32(1 / (1 - rate)), rtol=1e-6)
    assert abs(1 - kept.mean() - rate) < 0.02  # 40 000 draws: 4 standard deviations or more


def test_dropout_with_a_seed_repeats_after_set_seed() -> None:
    x = tf.ones([10, 10])
    tf.random.set_seed(5)
    first = [tf.nn.dropout(x, 0.5, seed=2).numpy() for _ in range(2)]
    tf.random.set_seed(5)
    again = [tf.nn.dropout(x, 0.5, seed=2).numpy() for _ in range(2)]
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[0], first[1])  # successive calls draw anew, as in TF


def test_dropout_noise_shape_drops_whole_columns() -> None:
    y = tf.nn.dropout(tf.ones([8, 30]), rate=0.5, noise_shape=[1, 30], seed=1).numpy()
    assert (y == y[0]).all()
    assert set(np.unique(y)) <= {0.0, 2.0}


def test_dropout_tensor_rate_and_gradient() -> None:
    x = tf.constant(np.arange(1.0, 401.0).reshape(20, 20))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.dropout(x, rate=tf.constant(0.25, tf.float64))
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g, np.where(y.numpy() != 0, 1 / 0.75, 0.0))


def test_dropout_noise_shape_that_does_not_broadcast_raises() -> None:
    with pytest.raises(errors.InvalidArgumentError):
        tf.nn.dropout(tf.ones([4, 3]), rate=0.5, noise_shape=[2, 3])


def test_einsum_gradient_inside_tf_function_matches_eager() -> None:
    a = tf.constant(np.arange(6.0).reshape(2, 3))
    b = tf.constant(np.arange(12.0).reshape(3, 4) / 5)

    def grads(a: tf.Tensor, b: tf.Tensor) -> list:
        with tf.GradientTape() as tape:
            tape.watch([a, b])
            y = tf.reduce_sum(tf.einsum("ij,jk->ik", a, b) ** 2)
        return tape.gradient(y, [a, b])

    eager, traced = grads(a, b), tf.function(grads)(a, b)
    for e, t in zip(eager, traced):
        np.testing.assert_allclose(t.numpy(), e.numpy())


def test_clip_by_global_norm_of_an_infinite_norm_gives_nan_without_a_warning() -> None:
    """TensorFlow makes the NaN on purpose (``scale + (norm - norm)``) and says nothing."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (clipped,), norm = tf.clip_by_global_norm([tf.constant([np.inf, 1.0])], 1.0)
    assert np.isnan(clipped.numpy()).all() and np.isinf(norm.numpy())
