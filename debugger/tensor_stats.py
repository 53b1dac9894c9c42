"""Tensor statistics for the debug modes: what an "op" event says about each output
(NaN/Inf counts, min/max/mean/std), named apart from ``tf.summary`` and ``Model.summary``."""

from __future__ import annotations

from math import isfinite
from typing import Any

import numpy as np

DTYPE_NAMES: dict = {}  # dtype -> name (read directly by the probe's hot path)


def dtype_name(dtype: np.dtype) -> str:
    """``dtype.name`` is slow in numpy (it rebuilds the string); events ask for it per op."""
    name = DTYPE_NAMES.get(dtype)
    if name is None:
        name = DTYPE_NAMES[dtype] = dtype.name
    return name


def summarize(value: Any, mode: str, square: Any = None) -> dict | None:
    """Summary of one tensor value under a tensor debug mode (None for NO_TENSOR).

    CURT_HEALTH: any NaN/Inf. CONCISE_HEALTH: element count and NaN, -Inf, +Inf counts.
    FULL_HEALTH: adds min, max, mean, std and the zero count (over finite values).
    FULL_TENSOR: FULL_HEALTH's numbers; the value itself is stored beside the event.
    Healthy tensors (the common case) cost one dot product (``square``, the value's squared
    norm, when the caller has it already): the counts are only taken when it is not finite.
    """
    if mode == "NO_TENSOR":
        return None
    array = np.asarray(value)
    out: dict[str, Any] = {"shape": list(array.shape), "dtype": dtype_name(array.dtype)}
    if mode == "SHAPE":
        return out
    healthy = True
    if array.dtype.kind == "f":
        if square is None:
            square = np.vdot(array, array)
        healthy = isfinite(square) or bad_counts(array) is None
    if mode == "CURT_HEALTH":
        out["bad"] = not healthy
        return out
    n = int(array.size)
    if mode == "CONCISE_HEALTH":
        if healthy:
            nan = neg_inf = pos_inf = 0
        else:
            nan, neg_inf, pos_inf = _counts(array)
        out.update(size=n, nan=nan, neg_inf=neg_inf, pos_inf=pos_inf, bad=not healthy)
        return out
    nan, neg_inf, pos_inf, low, high, mean, std, zeros = full_stats(
        array, None if healthy else _counts(array))
    out.update(size=n, nan=nan, neg_inf=neg_inf, pos_inf=pos_inf, bad=not healthy,
               min=low, max=high, mean=mean, std=std, zeros=zeros)
    return out


def _counts(array: np.ndarray) -> list[int]:
    nan = int(np.isnan(array).sum())
    inf = np.isinf(array)
    neg_inf = int((inf & (array < 0)).sum())
    return [nan, neg_inf, int(inf.sum()) - neg_inf]


def full_stats(value: Any, counts: Any = False) -> list:
    """FULL_HEALTH's numbers of a value: [nan, -inf, +inf, min, max, mean, std, zeros]
    (min … std over the finite elements, None when there are none). ``counts``: the
    non-finite counts when the caller has them, None when it knows the value is finite."""
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":  # strings, complex…: no order, no float statistics
        return [0, 0, 0, None, None, None, None, 0]
    if counts is False:
        counts = bad_counts(array)
    finite = array.reshape(-1) if not counts else array[np.isfinite(array)]
    if finite.size:
        stats: list = [float(finite.min()), float(finite.max()),
                       float(finite.mean(dtype=np.float64)),
                       float(finite.std(dtype=np.float64))]
    else:
        stats = [None, None, None, None]
    return [*(counts or (0, 0, 0)), *stats, int(np.count_nonzero(array == 0))]


def bad_counts(value: Any) -> list[int] | None:
    """None when every element of ``value`` is finite, else its [nan, -inf, +inf] counts.

    The fast path of the packed recorders: one dot product (BLAS, no temporary) is finite
    exactly when every element is, unless squares overflow — then the counts are taken and
    come out zero, and the value is finite after all.
    """
    array = np.asarray(value)
    if array.dtype.kind != "f":
        return None
    square = np.vdot(array, array)  # Σx², flattening for free
    if isfinite(square):
        return None
    counts = _counts(array)
    return counts if any(counts) else None
