"""The rest of the segment reductions: sorted ``segment_max/min/mean/prod`` and unsorted
``unsorted_segment_min/prod/sqrt_n``.

Min and prod are ops of their own (UnsortedSegmentMin shares UnsortedSegmentMax's gradient
rule: dy to the rows equal to their segment's extreme). The sorted forms are what TensorFlow's
kernels compute: the unsorted reduction over ``last id + 1`` segments, an empty segment 0
(1 for prod); the mean and sqrt_n are sums divided by row counts, as TF composes them.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops import math_ops as m
from engine.ops.array_ops import _index_tensor, gather, reshape, unsorted_segment_sum
from engine.ops.registry import defop, execute
from engine.ops.segment_ops import (
    UNSORTED_SEGMENT_MAX,
    _num_segments,
    _segment_ids_for,
    segment_sum,
    unsorted_segment_max,
)
from engine.tensor import Tensor, convert_to_tensor, wrap


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _highest(dtype: np.dtype) -> Any:
    return np.finfo(dtype).max if dtype.kind == "f" else np.iinfo(dtype).max


@defop("UnsortedSegmentMin")
def _unsorted_segment_min(data, segment_ids, num_segments):
    """Smallest row per segment; an empty segment holds the dtype's highest value, as in TF;
    rows with a negative id are dropped."""
    out = np.full((num_segments,) + data.shape[segment_ids.ndim:], _highest(data.dtype),
                  dtype=data.dtype)
    kept = segment_ids >= 0
    np.minimum.at(out, segment_ids[kept], data[kept])
    return out


UNSORTED_SEGMENT_MIN = _unsorted_segment_min
UNSORTED_SEGMENT_MIN.gradient(UNSORTED_SEGMENT_MAX.grad)  # the rows equal to the extreme


@defop("UnsortedSegmentProd")
def _unsorted_segment_prod(data, segment_ids, num_segments):
    """Product of the rows per segment; an empty segment is 1; negative ids are dropped."""
    out = np.ones((num_segments,) + data.shape[segment_ids.ndim:], dtype=data.dtype)
    kept = segment_ids >= 0
    np.multiply.at(out, segment_ids[kept], data[kept])
    return out


UNSORTED_SEGMENT_PROD = _unsorted_segment_prod


@UNSORTED_SEGMENT_PROD.gradient
def _(op, dy):
    """TensorFlow's _UnsortedSegmentProdGrad: d row = dy · (product of the segment's other
    rows): prod / row where the row is not 0, the product of the nonzero rows where it is
    the segment's only 0, and 0 where the segment holds two zeros or more."""
    data, ids = op.inputs
    n = op.attrs["num_segments"]
    is_zero = m.equal(data, 0)
    zeros_per_segment = unsorted_segment_sum(m.cast(is_zero, dy._value.dtype), ids, n)
    dy = m.where(m.greater(zeros_per_segment, 1), m.zeros_like(dy), dy)
    nonzero_data = m.where(is_zero, m.ones_like(data), data)
    nonzero_prod = execute(UNSORTED_SEGMENT_PROD, (nonzero_data, ids), {"num_segments": n})
    safe = wrap(np.maximum(ids._value, 0))
    kept = wrap((ids._value >= 0).reshape(
        ids._value.shape + (1,) * (data._value.ndim - ids._value.ndim)))
    partial = m.where(is_zero, gather(nonzero_prod, safe),
                      m.divide(gather(op.outputs[0], safe), nonzero_data))
    grad = m.where(kept, gather(dy, safe), m.zeros_like(data))
    return m.multiply(grad, partial), None


def _check_range(ids: Tensor, n: int, op_name: str) -> None:
    if ids._value.size and ids._value.max() >= n:
        where = np.argwhere(ids._value >= n)[0]
        raise errors.InvalidArgumentError(
            None, op_name, f"segment_ids[{','.join(map(str, where))}] = "
            f"{ids._value[tuple(where)]} is out of range [0, {n}) [Op:{op_name}]")


def unsorted_segment_min(data: Any, segment_ids: Any, num_segments: Any,
                         name: str | None = None) -> Tensor:
    """``tf.math.unsorted_segment_min``: the smallest row per segment id (any order)."""
    d = _t(data)
    ids = _segment_ids_for(d, segment_ids, "UnsortedSegmentMin")
    n = _num_segments(num_segments)
    _check_range(ids, n, "UnsortedSegmentMin")
    return execute(UNSORTED_SEGMENT_MIN, (d, ids), {"num_segments": n})


def unsorted_segment_prod(data: Any, segment_ids: Any, num_segments: Any,
                          name: str | None = None) -> Tensor:
    """``tf.math.unsorted_segment_prod``: the product of the rows per segment id."""
    d = _t(data)
    ids = _segment_ids_for(d, segment_ids, "UnsortedSegmentProd")
    n = _num_segments(num_segments)
    _check_range(ids, n, "UnsortedSegmentProd")
    return execute(UNSORTED_SEGMENT_PROD, (d, ids), {"num_segments": n})


def _counts(d: Tensor, ids: Tensor, n: int) -> Tensor:
    """Rows per segment, shaped to broadcast against the segment reductions."""
    ones = wrap(np.ones(ids._value.shape, dtype=d._value.dtype))
    count = unsorted_segment_sum(ones, ids, n)
    return reshape(count, [n] + [1] * (d._value.ndim - ids._value.ndim))


def unsorted_segment_sqrt_n(data: Any, segment_ids: Any, num_segments: Any,
                            name: str | None = None) -> Tensor:
    """``tf.math.unsorted_segment_sqrt_n``: the segment sum over sqrt(row count) (an empty
    segment is 0), as TensorFlow composes it."""
    d = _t(data)
    ids = _segment_ids_for(d, segment_ids, "UnsortedSegmentSum")
    n = _num_segments(num_segments)
    count = _counts(d, ids, n)
    return m.divide(unsorted_segment_sum(d, ids, n), m.sqrt(m.maximum(count, 1)))


def _sorted_ids(data: Tensor, segment_ids: Any, op_name: str) -> tuple[Tensor, int]:
    """The ids of a sorted segment op, checked as TF's kernel does, and the segment count."""
    ids = _index_tensor(segment_ids, op_name)
    v = ids._value
    if v.ndim != 1 or data._value.ndim == 0 or v.shape[0] != data._value.shape[0]:
        raise errors.InvalidArgumentError(
            None, op_name, "segment_ids should be the same size as dimension 0 of input. "
            f"[Op:{op_name}]")
    if v.size and v.min() < 0:
        raise errors.InvalidArgumentError(
            None, op_name, f"Segment id {v[v < 0][0]} out of range [0, {v[-1] + 1}), "
            f"possibly because 'segment_ids' input is not sorted. [Op:{op_name}]")
    if v.size and np.any(np.diff(v) < 0):
        raise errors.InvalidArgumentError(
            None, op_name, f"segment ids are not increasing [Op:{op_name}]")
    return ids, int(v[-1]) + 1 if v.size else 0


def _empty_as_zero(value: Tensor, d: Tensor, ids: Tensor, n: int) -> Tensor:
    """The reduction with the segments no row has set to 0 (TF's sorted kernels)."""
    return m.where(m.greater(_counts(d, ids, n), 0), value, m.zeros_like(value))


def segment_max(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """``tf.math.segment_max``: the largest row per sorted segment id; a missing id gives 0."""
    d = _t(data)
    ids, n = _sorted_ids(d, segment_ids, "SegmentMax")
    return _empty_as_zero(unsorted_segment_max(d, ids, n), d, ids, n)


def segment_min(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """``tf.math.segment_min``: the smallest row per sorted segment id; a missing id gives 0."""
    d = _t(data)
    ids, n = _sorted_ids(d, segment_ids, "SegmentMin")
    return _empty_as_zero(unsorted_segment_min(d, ids, n), d, ids, n)


def segment_prod(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """``tf.math.segment_prod``: the product of the rows per sorted segment id (1 if none)."""
    d = _t(data)
    ids, n = _sorted_ids(d, segment_ids, "SegmentProd")
    return unsorted_segment_prod(d, ids, n)


def segment_mean(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """``tf.math.segment_mean``: the mean row per sorted segment id; a missing id gives 0."""
    d = _t(data)
    ids, n = _sorted_ids(d, segment_ids, "SegmentMean")
    return m.divide(segment_sum(d, ids), m.maximum(_counts(d, ids, n), 1))
