"""Segment reductions (``tf.math.segment_sum``, ``unsorted_segment_mean/max``).

``unsorted_segment_sum`` itself lives beside ``gather`` in array_ops: each is the other's
gradient. The mean is a composite, as in TensorFlow (a sum divided by the row counts).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops import math_ops as m
from engine.ops.array_ops import _index_tensor, gather, reshape, unsorted_segment_sum
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor, wrap


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


@defop("SegmentSum")
def _segment_sum(data, segment_ids):
    """Sum of the rows of data per segment; ids are sorted, segments count up to the last."""
    n = int(segment_ids[-1]) + 1 if segment_ids.size else 0
    out = np.zeros((n,) + data.shape[1:], dtype=data.dtype)
    np.add.at(out, segment_ids, data)
    return out


SEGMENT_SUM = _segment_sum


@SEGMENT_SUM.gradient
def _(op, dy):
    """Each row receives its segment's gradient: gather(dy, segment_ids)."""
    return gather(dy, op.inputs[1]), None


def _lowest(dtype: np.dtype) -> Any:
    return -np.finfo(dtype).max if dtype.kind == "f" else np.iinfo(dtype).min


@defop("UnsortedSegmentMax")
def _unsorted_segment_max(data, segment_ids, num_segments):
    """Largest row per segment; an empty segment holds the dtype's lowest value, as in TF;
    rows with a negative id are dropped."""
    out = np.full((num_segments,) + data.shape[segment_ids.ndim:], _lowest(data.dtype),
                  dtype=data.dtype)
    kept = segment_ids >= 0
    np.maximum.at(out, segment_ids[kept], data[kept])
    return out


UNSORTED_SEGMENT_MAX = _unsorted_segment_max


@UNSORTED_SEGMENT_MAX.gradient
def _(op, dy):
    """TensorFlow's _UnsortedSegmentMinOrMaxGrad: dy goes to the rows equal to their
    segment's maximum, shared evenly among ties; dropped rows get 0."""
    data, ids = op.inputs
    n = op.attrs["num_segments"]
    safe_ids = wrap(np.maximum(ids._value, 0))
    positive = wrap((ids._value >= 0).reshape(
        ids._value.shape + (1,) * (data._value.ndim - ids._value.ndim)))
    selected = m.logical_and(m.equal(data, gather(op.outputs[0], safe_ids)), positive)
    count = unsorted_segment_sum(m.cast(selected, dy._value.dtype), ids, n)
    shared = gather(m.divide(dy, count), safe_ids)
    return m.where(selected, shared, m.zeros_like(shared)), None


def _segment_ids_for(data: Tensor, segment_ids: Any, op_name: str) -> Tensor:
    ids = _index_tensor(segment_ids, op_name)
    d, i = data._value.shape, ids._value.shape
    if len(i) > len(d) or d[:len(i)] != i:
        raise errors.InvalidArgumentError(
            None, op_name, f"data.shape = [{','.join(map(str, d))}] does not start with "
            f"segment_ids.shape = [{','.join(map(str, i))}] [Op:{op_name}]")
    return ids


def segment_sum(data: Any, segment_ids: Any, name: str | None = None) -> Tensor:
    """``tf.math.segment_sum``: sums of rows sharing a sorted segment id; missing ids give
    zero rows."""
    d = _t(data)
    ids = _index_tensor(segment_ids, "SegmentSum")
    v = ids._value
    if v.ndim != 1 or d._value.ndim == 0 or v.shape[0] != d._value.shape[0]:
        raise errors.InvalidArgumentError(
            None, "SegmentSum", "segment_ids should be the same size as dimension 0 of input. "
            "[Op:SegmentSum]")
    if v.size and v.min() < 0:
        raise errors.InvalidArgumentError(
            None, "SegmentSum", f"Segment id {v[v < 0][0]} out of range [0, {v[-1] + 1}), "
            "possibly because 'segment_ids' input is not sorted. [Op:SegmentSum]")
    if v.size and np.any(np.diff(v) < 0):
        raise errors.InvalidArgumentError(
            None, "SegmentSum", "segment ids are not increasing [Op:SegmentSum]")
    return execute(SEGMENT_SUM, (d, ids))


def _num_segments(num_segments: Any) -> int:
    return int(num_segments._value if isinstance(num_segments, Tensor) else num_segments)


def unsorted_segment_max(data: Any, segment_ids: Any, num_segments: Any,
                         name: str | None = None) -> Tensor:
    """``tf.math.unsorted_segment_max``: the largest row per segment id (any order)."""
    d = _t(data)
    ids = _segment_ids_for(d, segment_ids, "UnsortedSegmentMax")
    n = _num_segments(num_segments)
    if ids._value.size and ids._value.max() >= n:
        where = np.argwhere(ids._value >= n)[0]
        raise errors.InvalidArgumentError(
            None, "UnsortedSegmentMax", f"segment_ids[{','.join(map(str, where))}] = "
            f"{ids._value[tuple(where)]} is out of range [0, {n}) [Op:UnsortedSegmentMax]")
    return execute(UNSORTED_SEGMENT_MAX, (d, ids), {"num_segments": n})


def unsorted_segment_mean(data: Any, segment_ids: Any, num_segments: Any,
                          name: str | None = None) -> Tensor:
    """``tf.math.unsorted_segment_mean``: the segment sum divided by max(row count, 1), as
    TensorFlow composes it (an empty segment is 0)."""
    d = _t(data)
    ids = _segment_ids_for(d, segment_ids, "UnsortedSegmentSum")
    n = _num_segments(num_segments)
    ones = wrap(np.ones(ids._value.shape, dtype=d._value.dtype))
    count = unsorted_segment_sum(ones, ids, n)
    count = reshape(count, [n] + [1] * (d._value.ndim - ids._value.ndim))
    return m.divide(unsorted_segment_sum(d, ids, n), m.maximum(count, 1))
