"""Counting and order checks: ``tf.math.bincount``, ``confusion_matrix``, ``in_top_k``,
``invert_permutation``, ``zero_fraction``, ``is_non_decreasing``, ``is_strictly_increasing``.
Their results are counts and booleans: no gradient (TensorFlow registers none)."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.ops import math_ops as m
from engine.ops import reduction_ops as r
from engine.ops.array_ops import reshape, scatter_nd, stack
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _error(op: str, message: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, op, f"{message} [Op:{op}]")


@defop("DenseBincount", differentiable=False)
def _dense_bincount(arr, weights, size, binary_output):
    """Per value v in [0, size), how often it occurs (or the sum of its weights); along the
    last axis for a 2-D input."""
    if arr.ndim == 2:
        return np.stack([_dense_bincount.forward(row, w, size=size, binary_output=binary_output)
                         for row, w in zip(arr, weights if weights.size else [weights] * len(arr))])
    kept = arr < size
    out = np.zeros(size, dtype=weights.dtype)
    if binary_output:
        out[arr[kept]] = 1
    elif weights.size:
        np.add.at(out, arr[kept], weights[kept])
    else:
        np.add.at(out, arr[kept], 1)
    return out


DENSE_BINCOUNT = _dense_bincount


def bincount(arr: Any, weights: Any = None, minlength: int | None = None,
             maxlength: int | None = None, dtype: Any = _dt.int32, name: str | None = None,
             axis: int | None = None, binary_output: bool = False) -> Tensor:
    """``tf.math.bincount``: counts of each value of a non-negative int array, ``max + 1``
    bins (at least minlength, at most maxlength); with weights, their sums."""
    a = _t(arr)
    if a._value.dtype.kind == "f":  # TF's wrapper casts the values to int32 first
        a = m.cast(a, _dt.int32)
    if a._value.dtype.kind not in "iu":
        raise _error("Bincount", f"Value for attr 'Tidx' of {a.dtype.name} is not in the list "
                     "of allowed values: int32, int64")
    if a._value.size and a._value.min() < 0:
        error = _error("DenseBincount", "Input arr must be non-negative!")
        error.eager_fallback = False  # TF's wrapper converts arr first: the fast path's text
        raise error
    if axis not in (None, 0, -1):
        raise ValueError(f"Unsupported axis value {axis}. Only 0 and -1 are currently "
                         "supported.")
    values = a._value if axis in (-1,) and a._value.ndim == 2 else a._value.reshape(-1)
    size = int(values.max()) + 1 if values.size else 0
    if minlength is not None:
        size = max(size, int(minlength))
    if maxlength is not None:
        size = min(size, int(maxlength))
    if weights is not None:
        w = _t(weights)
        if w._value.shape != a._value.shape:
            raise _error("DenseBincount", "Input arr and weights must have the same shape")
        w = reshape(w, list(values.shape))
    else:
        w = convert_to_tensor(np.zeros(0, dtype=_dt.as_dtype(dtype)._np))
    flat = reshape(a, list(values.shape))
    return execute(DENSE_BINCOUNT, (flat, w), {"size": size, "binary_output": binary_output})


def _summary(label: str, t: Tensor) -> str:
    """How tf.debugging's asserts show a tensor: shape, dtype, its first values as text."""
    shown = [str(v) for v in t._value.reshape(-1)[:3].tolist()]
    return f"{label} (shape={tuple(t._value.shape)} dtype={t.dtype.name}) = \n{shown}"


def confusion_matrix(labels: Any, predictions: Any, num_classes: Any = None,
                     weights: Any = None, dtype: Any = _dt.int32,
                     name: str | None = None) -> Tensor:
    """``tf.math.confusion_matrix``: entry [i, j] counts (or sums the weights of) the
    examples labelled i and predicted j; a scatter_nd, as TensorFlow builds it."""
    lab = m.cast(_t(labels), _dt.int64)
    pred = m.cast(_t(predictions), _dt.int64)
    if lab._value.shape != pred._value.shape:
        raise ValueError(f"Dimensions {lab._value.shape} and {pred._value.shape} are not "
                         "compatible")
    for what, t in (("labels", lab), ("predictions", pred)):
        if t._value.size and t._value.min() < 0:
            raise errors.InvalidArgumentError(None, "AssertGreaterEqual", (
                f"`{what}` contains negative values.  \nCondition x >= 0 did not hold "
                f"element-wise:\n{_summary('x', t)}"))
    if num_classes is None:
        n = int(max(lab._value.max(initial=-1), pred._value.max(initial=-1))) + 1
    else:
        n = int(_t(num_classes)._value)
        for what, t in (("labels", lab), ("predictions", pred)):
            if t._value.size and t._value.max() >= n:
                limit = convert_to_tensor(np.int64(n))
                raise errors.InvalidArgumentError(None, "AssertLess", (
                    f"`{what}` out of bound.  \nCondition x < y did not hold element-wise:\n"
                    f"{_summary('x', t)}\n{_summary('y', limit)}"))
    out_dtype = _dt.as_dtype(dtype)
    values = (m.cast(_t(weights), out_dtype) if weights is not None
              else m.cast(m.ones_like(lab), out_dtype))
    indices = stack([lab, pred], axis=1)
    return scatter_nd(indices, values, [n, n])


@defop("InTopKV2", differentiable=False)
def _in_top_k(predictions, targets, k):
    """Whether each row's target class is among its k largest predictions (ties count in;
    a non-finite prediction is never in the top k)."""
    rows = np.arange(predictions.shape[0])
    valid = (targets >= 0) & (targets < predictions.shape[1])  # else False, as TF's kernel
    target = predictions[rows, np.where(valid, targets, 0)]
    finite = np.isfinite(target)
    larger = (predictions > target[:, None]).sum(axis=1)
    return valid & finite & (larger < k)


IN_TOP_K = _in_top_k


def in_top_k(targets: Any, predictions: Any, k: int, name: str | None = None) -> Tensor:
    """``tf.math.in_top_k``: for each row, whether ``targets`` is among the ``k`` largest."""
    p, t = _t(predictions), _t(targets)
    if p._value.ndim != 2:
        raise _error("InTopKV2", f"predictions must be 2-dimensional, got shape "
                     f"{list(p._value.shape)}")
    if t._value.ndim != 1 or t._value.shape[0] != p._value.shape[0]:
        raise _error("InTopKV2", "First dimension of predictions "
                     f"{p._value.shape[0]} must match length of targets "
                     f"{t._value.shape[0] if t._value.ndim else 0}")
    return execute(IN_TOP_K, (p, t), {"k": int(k)})


@defop("InvertPermutation", differentiable=False)
def _invert_permutation(x):
    """y with y[x[i]] = i."""
    out = np.empty_like(x)
    out[x] = np.arange(x.size, dtype=x.dtype)
    return out


INVERT_PERMUTATION = _invert_permutation


def invert_permutation(x: Any, name: str | None = None) -> Tensor:
    """``tf.math.invert_permutation``: the inverse of a permutation of 0..n-1."""
    t = _t(x)
    v = t._value
    if v.ndim != 1:
        raise _error("InvertPermutation", "invert_permutation expects a 1D vector.")
    if v.dtype.kind not in "iu":
        raise _error("InvertPermutation", f"Value for attr 'T' of {t.dtype.name} is not in "
                     "the list of allowed values: int32, int64")
    seen = np.zeros(v.size, dtype=bool)
    for d in v:
        if d < 0 or d >= v.size:
            raise _error("InvertPermutation", f"{d} is not between 0 and {v.size}")
        if seen[d]:
            raise _error("InvertPermutation", f"{d} is duplicated in the input.")
        seen[d] = True
    return execute(INVERT_PERMUTATION, (t,))


def zero_fraction(value: Any, name: str | None = None) -> Tensor:
    """``tf.math.zero_fraction``: the fraction of elements that are 0, as float32."""
    v = _t(value)
    return r.reduce_mean(m.cast(m.equal(v, m.zeros_like(v)), _dt.float32))


def _pairs(x: Any) -> tuple[Tensor, Tensor]:
    flat = reshape(_t(x), [-1])
    return flat[1:], flat[:-1]


def is_non_decreasing(x: Any, name: str | None = None) -> Tensor:
    """``tf.math.is_non_decreasing``: x[i] <= x[i+1] for all i (row-major order)."""
    later, earlier = _pairs(x)
    return r.reduce_all(m.greater_equal(later, earlier))


def is_strictly_increasing(x: Any, name: str | None = None) -> Tensor:
    """``tf.math.is_strictly_increasing``: x[i] < x[i+1] for all i (row-major order)."""
    later, earlier = _pairs(x)
    return r.reduce_all(m.greater(later, earlier))
