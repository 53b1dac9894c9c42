"""``tf.nn`` functions TensorFlow writes in Python on top of its kernels (its nn_impl.py and
embedding_ops.py): composed here the same way, so values, dtypes and gradients follow."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from engine import errors
from engine.graph.sized import derive_since, node_count, shape_of
from engine.ops import array_ops as a
from engine.ops import math_ops as m
from engine.ops import random_ops
from engine.ops.clip_ops import clip_by_norm
from engine.ops.nn_ops import softplus
from engine.ops.reduction_ops import reduce_mean
from engine.shape import TensorShape
from engine.tensor import Tensor, convert_to_tensor, wrap


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def log_sigmoid(x: Any, name: str | None = None) -> Tensor:
    """``tf.math.log_sigmoid``: log(1 / (1 + e^-x)) = -softplus(-x), finite for any x."""
    return m.negative(softplus(m.negative(_t(x))))


def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                      name: str | None = None) -> Tensor:
    """Per-element logistic loss, TensorFlow's stable form:
    max(x, 0) - x·z + log(1 + e^-|x|) (never exp of a large positive number)."""
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be provided.")
    logits, labels = _t(logits), _t(labels)
    if labels._value.shape != logits._value.shape:
        raise ValueError(f"`logits` and `labels` must have the same shape, received "
                         f"({TensorShape(logits._value.shape)} vs "
                         f"{TensorShape(labels._value.shape)}).")
    zeros = m.zeros_like(logits)
    cond = m.greater_equal(logits, zeros)
    relu_logits = m.where(cond, logits, zeros)
    neg_abs_logits = m.where(cond, m.negative(logits), logits)
    return m.add(m.subtract(relu_logits, m.multiply(logits, labels)),
                 m.log1p(m.exp(neg_abs_logits)))


def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
            name: str | None = None) -> tuple[Tensor, Tensor]:
    """Mean and (population) variance over ``axes``. The variance is taken around a mean
    held constant (stop_gradient), as TensorFlow does; float16 is computed in float32."""
    x = _t(x)
    y = m.cast(x, np.float32) if x._value.dtype == np.float16 else x
    axes = [axes] if isinstance(axes, int | np.integer) else axes
    mean = reduce_mean(y, axes, keepdims=True)
    variance = reduce_mean(m.square(m.subtract(y, a.stop_gradient(mean))), axes, keepdims=True)
    if not keepdims:
        mean, variance = a.squeeze(mean, axes), a.squeeze(variance, axes)
    if x._value.dtype == np.float16:
        mean, variance = m.cast(mean, np.float16), m.cast(variance, np.float16)
    return mean, variance


def batch_normalization(x: Any, mean: Any, variance: Any, offset: Any, scale: Any,
                        variance_epsilon: float, name: str | None = None) -> Tensor:
    """(x - mean) · scale / sqrt(variance + ε) + offset, in TensorFlow's order of operations
    (x · inv + (offset - mean · inv)) so the rounding is the same."""
    x = _t(x)
    inv = m.rsqrt(m.add(_t(variance), variance_epsilon))
    if scale is not None:
        inv = m.multiply(inv, scale)
    shift = m.negative(m.multiply(mean, inv)) if offset is None else m.subtract(
        offset, m.multiply(mean, inv))
    return m.add(m.multiply(x, m.cast(inv, x.dtype)), m.cast(shift, x.dtype))


@errors.lists_converted_first
def embedding_lookup(params: Any, ids: Any, max_norm: float | None = None,
                     name: str | None = None) -> Tensor:
    """Rows of ``params`` picked by ``ids``. A list of tables is one table cut into
    contiguous blocks (TensorFlow 2's "div" strategy: the first ``N % P`` shards hold one
    id more). With ``max_norm``, each picked embedding is clipped to that L2 norm."""
    if isinstance(params, list | tuple):
        if not params:
            raise ValueError("Need at least one param")
        tables = [_t(p) for p in params]
    else:
        tables = [_t(params)]
    ids_t = a._index_tensor(ids, "GatherV2")
    if len(tables) == 1:
        out = a.gather(tables[0], ids_t)
    else:  # gather from the shards laid end to end, at the row "div" assigns each id
        out = a.gather(a.concat(tables, 0), wrap(_div_rows(tables, ids_t._value)))
    if max_norm is not None:
        axes = list(range(ids_t._value.ndim, out._value.ndim))
        out = clip_by_norm(out, max_norm, axes=axes or None)
    return out


def _div_rows(tables: list[Tensor], ids: np.ndarray) -> np.ndarray:
    """Each id's row in the concatenated shards under the "div" strategy."""
    sizes = np.array([t._value.shape[0] for t in tables])
    per, extras = divmod(int(sizes.sum()), len(tables))
    big = extras * (per + 1)  # ids held by the shards that have one more
    shard = np.where(ids < big, ids // (per + 1), extras + (ids - big) // max(per, 1))
    row = np.where(ids < big, ids % (per + 1), (ids - big) % max(per, 1))
    valid = (ids >= 0) & (shard < len(tables))
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    safe = np.where(valid, shard, 0)
    valid &= row < sizes[safe]
    # an id no shard holds stays out of range, so gather reports it
    return np.where(valid, starts[safe] + row, sizes.sum()).astype(ids.dtype)


def dropout(x: Any, rate: Any, noise_shape: Any = None, seed: int | None = None,
            name: str | None = None) -> Tensor:
    """Zero each element with probability ``rate`` and scale the rest by 1 / (1 - rate), so
    the expected sum is unchanged. ``noise_shape`` shares one draw along its 1-axes. The
    draw is a stateful uniform: TensorFlow's elements for the seeds."""
    return _dropout(x, rate, noise_shape,
                    lambda shape, dtype: random_ops.uniform(shape, dtype=dtype, seed=seed))


def stateless_dropout(x: Any, rate: Any, seed: Any, rng_alg: Any = None,
                      noise_shape: Any = None, name: str | None = None) -> Tensor:
    """``tf.nn.experimental.stateless_dropout``: the drop pattern is the stateless uniform
    of ``seed`` (shape [2]), TensorFlow's for the same seed (Keras 3's Dropout uses it)."""
    return _dropout(x, rate, noise_shape, lambda shape, dtype: random_ops.stateless_uniform(
        shape, seed, dtype=dtype))


def _dropout(x: Any, rate: Any, noise_shape: Any, draw: Any) -> Tensor:
    """TensorFlow's ``_dropout``: x scaled, then zeros where ``draw(shape, dtype) < rate``."""
    is_number = isinstance(rate, numbers.Real) and not isinstance(rate, bool)
    if is_number and (rate < 0 or rate >= 1):
        raise ValueError("`rate` must be a scalar tensor or a float in the range [0, 1). "
                         f"Received: rate={rate}")
    x = _t(x)
    if x._value.dtype.kind != "f":
        raise ValueError("`x.dtype` must be a floating point tensor as `x` will be scaled. "
                         f"Received: x_dtype={x.dtype}")
    if is_number and rate == 0:
        return x
    if is_number:
        kept = m.multiply(x, wrap(np.asarray(1 / (1 - rate), dtype=x._value.dtype)))
    elif isinstance(rate, Tensor):
        if rate._value.ndim != 0:
            raise ValueError(f"Shape {rate.shape} must have rank 0")
        rate = m.cast(rate, x.dtype)
        kept = m.divide(x, m.subtract(wrap(np.asarray(1, dtype=x._value.dtype)), rate))
    else:
        raise ValueError(f"`rate` must be a scalar or scalar tensor. Received: rate={rate}")
    shape = x._value.shape if noise_shape is None else _noise_shape(x, noise_shape)
    start = node_count()
    noise = draw(shape, x.dtype)
    if noise_shape is None:  # traced for a None batch: the mask's batch is None too
        derive_since(start, "shape", shape_of, (), x)  # and a replay draws x's shape
        noise = a.shaped_by(noise, x.get_shape().as_list())
    return m.where(m.greater_equal(noise, rate), kept, m.zeros_like(kept))


def _noise_shape(x: Tensor, noise_shape: Any) -> tuple[int, ...]:
    """TensorFlow's _get_noise_shape: None entries take x's size."""
    if isinstance(noise_shape, Tensor):
        noise_shape = noise_shape._value.tolist()
    dims = list(noise_shape)
    if len(dims) == x._value.ndim:
        dims = [x._value.shape[i] if d is None else d for i, d in enumerate(dims)]
    return tuple(int(d) for d in dims)
