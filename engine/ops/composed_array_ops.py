"""Array functions TensorFlow builds from other ops (no kernel of their own): boolean_mask,
repeat, meshgrid, linspace, sequence_mask, strided_slice. Their gradients come from the ops
they are made of."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.ops import math_ops
from engine.ops._args import dtype_mismatch
from engine.ops.array_ops import (
    _ints,
    _t,
    broadcast_to,
    concat,
    expand_dims,
    gather,
    getitem,
    range_,
    reshape,
)
from engine.tensor import Tensor, convert_to_tensor, wrap


def boolean_mask(tensor: Any, mask: Any, axis: Any = None, name: str = "boolean_mask") -> Tensor:
    """``tf.boolean_mask``: the entries (or slices) of ``tensor`` where ``mask`` is True.

    As in TensorFlow: the masked dimensions flattened into one, then a gather of the True
    positions, so the gradient is gather's."""
    x = _t(tensor)
    mask_tensor = _t(mask)
    m = mask_tensor._value
    if m.dtype != np.bool_:  # TensorFlow's Where takes any number: nonzero counts as True
        mask_tensor = math_ops.not_equal(mask_tensor, wrap(np.zeros((), m.dtype)))
    k = m.ndim
    if k == 0:
        raise ValueError("mask cannot be scalar.")
    shape = x._value.shape
    a = 0 if axis is None else int(axis._value if isinstance(axis, Tensor) else axis)
    a %= max(len(shape), 1)
    if shape[a:a + k] != m.shape:
        raise ValueError(f"Shapes {tuple(shape[a:a + k])} and {m.shape} are incompatible")
    flat = reshape(x, shape[:a] + (int(np.prod(m.shape, dtype=np.int64)),) + shape[a + k:])
    # The True positions as an op (Where), not numbers: a traced graph recomputes them.
    positions = reshape(math_ops.where(reshape(mask_tensor, [-1])), [-1])
    return gather(flat, positions, axis=a)


def repeat(input: Any, repeats: Any, axis: int | None = None,  # noqa: A002
           name: str | None = None) -> Tensor:
    """``tf.repeat``: each element (slice along ``axis``; the flattened input without one)
    repeated ``repeats`` times. A gather of repeated positions, differentiable like gather."""
    x = _t(input)
    if axis is None:
        x, axis = reshape(x, [-1]), 0
    axis = int(axis) % max(x._value.ndim, 1)
    n = x._value.shape[axis]
    counts = np.asarray(repeats._value if isinstance(repeats, Tensor) else repeats)
    if counts.ndim > 1 or (counts.ndim == 1 and counts.size not in (1, n)):
        raise ValueError(f"Dimensions {n} and {counts.size} are not compatible")
    if counts.ndim == 0 and counts < 0:  # TF tiles by [1, repeats]: Tile's own complaint
        raise errors.InvalidArgumentError(
            None, "Tile", f"Expected multiples[{axis + 1}] >= 0, but got {int(counts)} "
            "[Op:Tile]")
    if np.any(counts < 0):  # TF gives a wrong-sized result; the engine refuses
        raise errors.InvalidArgumentError(None, "Repeat", "repeats must be non-negative")
    positions = np.repeat(np.arange(n, dtype=np.int64), counts.reshape(-1) if counts.ndim else
                          int(counts))
    return gather(x, wrap(positions), axis=axis)


@errors.lists_converted_first
def meshgrid(*args: Any, **kwargs: Any) -> list:
    """``tf.meshgrid``: N-D coordinate grids; ``indexing='xy'`` (default) swaps the first two
    output axes as numpy and matplotlib do, ``'ij'`` keeps matrix order."""
    indexing = kwargs.pop("indexing", "xy")
    kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"'{next(iter(kwargs))}' is an invalid keyword argument for this "
                        "function")
    if indexing not in ("xy", "ij"):
        raise ValueError("Argument `indexing` parameter must be either 'xy' or 'ij', "
                         f"got '{indexing}'")
    xs = [reshape(_t(a), [-1]) for a in args]
    dtypes = {t._value.dtype for t in xs}
    if len(dtypes) > 1:  # TF multiplies each by ones of the first one's dtype
        first = xs[0]._value.dtype
        other = next(t._value.dtype for t in xs if t._value.dtype != first)
        raise dtype_mismatch("Mul", 1, other, first)
    n = len(xs)
    sizes = [t._value.shape[0] for t in xs]
    if indexing == "xy" and n > 1:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(xs):
        where = (1 - i if i < 2 else i) if indexing == "xy" and n > 1 else i
        shape = [1] * n
        shape[where] = -1
        out.append(broadcast_to(reshape(t, shape), sizes))
    return out


def linspace(start: Any, stop: Any, num: Any, name: str | None = None, axis: int = 0) -> Tensor:
    """``tf.linspace``: ``num`` evenly spaced values from start to stop, both included.

    Computed as TensorFlow's ``linspace_nd`` does (start + i * delta, then stop itself), so
    float32 results agree to the last bit; integer endpoints give float64."""
    s = _t(start)
    e = convert_to_tensor(stop, dtype=s.dtype)
    count = int(num._value if isinstance(num, Tensor) else num)
    shape = np.broadcast_shapes(s._value.shape, e._value.shape)
    s, e = broadcast_to(s, shape), broadcast_to(e, shape)
    nd = len(shape) + 1
    axis = int(axis)
    if not -nd <= axis < nd:
        raise errors.InvalidArgumentError(None, "ExpandDims", f"Tried to expand dim index "
                                          f"{axis} for tensor with {nd - 1} dimensions.")
    axis %= nd
    s, e = expand_dims(s, axis), expand_dims(e, axis)
    steps = max(count - 1, 1)
    delta = math_ops.truediv(e - s, math_ops.cast(wrap(np.asarray(steps, np.int32)), e.dtype))
    s, e = math_ops.cast(s, delta.dtype), math_ops.cast(e, delta.dtype)
    fill = max(count - 2, 0)
    between = math_ops.cast(range_(1, steps if count >= 0 else -1, dtype=_dt.int64), delta.dtype)
    between = reshape(between, [fill if i == axis else 1 for i in range(nd)])
    whole = concat([s, s + delta * between, e], axis=axis)
    key = tuple(slice(0, max(count, 0)) if i == axis else slice(None) for i in range(nd))
    return getitem(whole, key)


def sequence_mask(lengths: Any, maxlen: Any = None, dtype: Any = _dt.bool,
                  name: str | None = None) -> Tensor:
    """``tf.sequence_mask``: ``mask[..., j] = j < lengths[...]``, bool unless ``dtype``."""
    n = _t(lengths)
    if maxlen is None:
        limit = wrap(np.asarray(max(int(n._value.max()) if n._value.size else 0, 0),
                                n._value.dtype))
    else:
        limit = _t(maxlen)
        if limit._value.ndim != 0:
            raise ValueError("Argument `maxlen` must be scalar for sequence_mask, received "
                             f"`maxlen` = {limit} with shape '{limit.shape}' instead")
    row = range_(wrap(np.asarray(0, limit._value.dtype)), limit,
                 wrap(np.asarray(1, limit._value.dtype)))
    result = math_ops.less(row, math_ops.cast(expand_dims(n, -1), limit.dtype))
    target = _dt.as_dtype(dtype)
    return result if target == _dt.bool else math_ops.cast(result, target)


def _bit(mask: int, i: int) -> bool:
    return bool(mask >> i & 1)


def strided_slice(input_: Any, begin: Any, end: Any, strides: Any = None, begin_mask: int = 0,
                  end_mask: int = 0, ellipsis_mask: int = 0, new_axis_mask: int = 0,
                  shrink_axis_mask: int = 0, var: Any = None, name: str | None = None) -> Tensor:
    """``tf.strided_slice``: the slice ``input_[begin:end:strides]`` spelled as vectors and bit
    masks (bit i of a mask speaks of position i), the same op as ``tensor[...]``."""
    b, e = _ints(begin), _ints(end)
    s = [1] * len(b) if strides is None else _ints(strides)
    if not len(b) == len(e) == len(s):
        raise errors.InvalidArgumentError(
            None, "StridedSlice", "Expected begin, end, and strides to be 1D equal size "
            f"tensors, but got shapes [{len(b)}], [{len(e)}], and [{len(s)}] instead.")
    for i, step in enumerate(s):
        if step == 0:
            raise errors.InvalidArgumentError(
                None, "StridedSlice", f"strides[{i}] must be non-zero [Op:StridedSlice]")
    key: list = []
    for i in range(len(b)):
        if _bit(ellipsis_mask, i):
            key.append(Ellipsis)
        elif _bit(new_axis_mask, i):
            key.append(None)
        elif _bit(shrink_axis_mask, i):
            key.append(b[i])
        else:
            key.append(slice(None if _bit(begin_mask, i) else b[i],
                             None if _bit(end_mask, i) else e[i], s[i]))
    return getitem(_t(input_), tuple(key))
