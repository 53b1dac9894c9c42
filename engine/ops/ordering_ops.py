"""Ops that reorder elements: reverse, roll, top_k, and sort/argsort and unique built on them.

TensorFlow sorts with its TopKV2 kernel (``sort_ops.py``): descending is top_k along the last
axis, ascending is top_k of the order-reversed values. The engine does the same, so sort's
gradient is top_k's and the debugger shows the ops TensorFlow runs.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.ops._args import require_kinds
from engine.ops.array_ops import _ints, _t, reshape, scatter_nd, transpose
from engine.ops.math_ops import cast
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, wrap

TopKV2 = namedtuple("TopKV2", ["values", "indices"])
Unique = namedtuple("Unique", ["y", "idx"])


def _error(op: str, message: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, op, f"{message} [Op:{op}]")


# -- reverse and roll ------------------------------------------------------------------------

@defop("ReverseV2")
def _reverse(x, axis):
    """x with the order of its elements along each axis in ``axis`` reversed."""
    return np.flip(x, axis).copy() if axis else x


REVERSE = _reverse


@REVERSE.gradient
def _(op, dy):
    """dy reversed along the same axes."""
    return (execute(REVERSE, (dy,), {"axis": op.attrs["axis"]}),)


@defop("Roll")
def _roll(x, shift, axis):
    """Elements shifted cyclically by ``shift[i]`` along ``axis[i]``."""
    return np.roll(x, shift, axis)


ROLL = _roll


@ROLL.gradient
def _(op, dy):
    """dy rolled back by the opposite shift."""
    back = tuple(-s for s in op.attrs["shift"])
    return (execute(ROLL, (dy,), {"shift": back, "axis": op.attrs["axis"]}),)


def reverse(tensor: Any, axis: Any, name: str | None = None) -> Tensor:
    """``tf.reverse``: ``axis`` is a 1-D list of the axes to flip."""
    x = _t(tensor)
    nd = x._value.ndim
    if np.ndim(axis._value if isinstance(axis, Tensor) else axis) != 1:
        raise _error("ReverseV2", f"'dims' must be 1-dimension, not "
                     f"{np.ndim(axis._value if isinstance(axis, Tensor) else axis)}")
    axes = _ints(axis)
    for i, a in enumerate(axes):
        if not -nd <= a < nd:
            raise _error("ReverseV2", f"'axis'[{i}] = {a} is out of valid range [0, {nd - 1}")
    normalized = tuple(a % nd for a in axes)
    if len(set(normalized)) != len(normalized):
        repeated = next(a for a in normalized if normalized.count(a) > 1)
        raise _error("ReverseV2", f"axis {repeated} specified more than once.")
    return execute(REVERSE, (x,), {"axis": normalized})


def roll(input: Any, shift: Any, axis: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """``tf.roll``: ``shift`` and ``axis`` are scalars or 1-D lists of one length."""
    x = _t(input)
    shifts, axes = _ints(shift), _ints(axis)
    if len(shifts) != len(axes):
        raise _error("Roll", "shift and axis must have the same size")
    nd = x._value.ndim
    for a in axes:
        if not -nd <= a < nd:
            raise _error("Roll", f"axis {a} is out of range")
    return execute(ROLL, (x,), {"shift": tuple(shifts), "axis": tuple(a % nd for a in axes)})


# -- top_k ------------------------------------------------------------------------------------

@defop("TopKV2", num_outputs=2)
def _top_k(x, k, index_dtype=np.int32):
    """The k largest entries of each last-axis row and their positions; ties go to the lower
    index first (a stable order, as TensorFlow's kernel gives)."""
    # Stable descending order: the stable ascending order of the reversed row, read backwards.
    n = x.shape[-1]
    order = (n - 1 - np.argsort(x[..., ::-1], axis=-1, kind="stable")[..., ::-1])[..., :k]
    return np.take_along_axis(x, order, -1), order.astype(index_dtype)


TOP_K = _top_k


@TOP_K.gradient
def _(op, dvalues, dindices=None):
    """dvalues scattered back to the positions the values came from (none to k)."""
    x = op.inputs[0]
    shape = x._value.shape
    if dvalues is None:
        return (None,)
    order = op.outputs[1]
    # Each row's positions offset by the row's start in the flattened input; the positions
    # stay ops (not numbers), so a traced graph uses the ones of each run.
    rows_shape = order._value.shape[:-1]
    rows = int(np.prod(rows_shape, dtype=np.int64))
    offsets = (np.arange(rows, dtype=np.int64) * shape[-1]).reshape(rows_shape + (1,))
    flat = reshape(cast(order, _dt.int64) + wrap(offsets), [-1, 1])
    spread = scatter_nd(flat, reshape(dvalues, [-1]), [int(np.prod(shape, dtype=np.int64))])
    return (reshape(spread, shape),)


def top_k(input: Any, k: Any = 1, sorted: bool = True, index_type: Any = _dt.int32,  # noqa: A002
          name: str | None = None) -> TopKV2:
    """``tf.math.top_k``: (values, indices) of the k largest along the last axis."""
    x = _t(input)
    k = int(k._value if isinstance(k, Tensor) else k)
    require_kinds(x, "fiub", "TopKV2")
    if x._value.ndim == 0:
        raise _error("TopKV2", "input must be >= 1-D, got shape []")
    if k < 0:
        raise _error("TopKV2", f"Need k >= 0, got {k}")
    if x._value.shape[-1] < k:
        raise _error("TopKV2", f"input must have at least k columns. Had "
                     f"{x._value.shape[-1]}, needed {k}")
    values, indices = execute(TOP_K, (x,), {"k": k,
                                            "index_dtype": _dt.as_dtype(index_type)._np})
    return TopKV2(values, indices)


# -- sort and argsort -------------------------------------------------------------------------

def _sort_or_argsort(values: Any, axis: int, direction: str, return_argsort: bool) -> Tensor:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError("Argument `direction` should be one of ASCENDING, DESCENDING. "
                         f"Received: direction={direction}")
    x = _t(values)
    nd = x._value.ndim
    axis = int(axis)
    if not -nd <= axis < nd:
        raise _error("StridedSlice", f"slice index {axis} of dimension 0 out of bounds.")
    axis %= nd
    dtype = x.dtype
    if direction == "ASCENDING":  # top_k of the order-reversed values, as TensorFlow does
        if dtype.is_unsigned:
            x = wrap(np.asarray(dtype.max, x._value.dtype)) - x
        elif dtype.is_integer:
            x = -x - wrap(np.asarray(1, x._value.dtype))
        else:
            x = -x
    perm = None
    if axis != nd - 1:  # swap the axis to the end and back (a swap is its own inverse)
        perm = list(range(nd))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        x = transpose(x, perm)
    sorted_values, indices = top_k(x, x._value.shape[-1])
    out = indices if return_argsort else sorted_values
    if perm is not None:
        out = transpose(out, perm)
    if direction == "ASCENDING" and not return_argsort:
        if dtype.is_unsigned:
            out = wrap(np.asarray(dtype.max, out._value.dtype)) - out
        elif dtype.is_integer:
            out = -out - wrap(np.asarray(1, out._value.dtype))
        else:
            out = -out
    return out


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING",
         name: str | None = None) -> Tensor:
    """``tf.sort``: values sorted along ``axis``."""
    return _sort_or_argsort(values, axis, direction, return_argsort=False)


def argsort(values: Any, axis: int = -1, direction: str = "ASCENDING", stable: bool = False,
            name: str | None = None) -> Tensor:
    """``tf.argsort``: int32 positions that sort ``values``; always stable, as top_k is."""
    return _sort_or_argsort(values, axis, direction, return_argsort=True)


# -- unique -----------------------------------------------------------------------------------

@defop("Unique", num_outputs=2, differentiable=False)
def _unique(x, out_idx=np.int32):
    """The distinct elements in order of first appearance, and each element's position
    among them."""
    # Every NaN is new (NaN != NaN), as in TensorFlow's hash table.
    _, first, inverse = np.unique(x, return_index=True, return_inverse=True, equal_nan=False)
    order = np.argsort(first, kind="stable")  # np.unique sorts; TensorFlow keeps first-seen order
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return x[np.sort(first)], rank[inverse.reshape(-1)].astype(out_idx)


UNIQUE = _unique


def unique(x: Any, out_idx: Any = _dt.int32, name: str | None = None) -> Unique:
    """``tf.unique``: (y, idx) with ``x == gather(y, idx)``; 1-D input only."""
    t = _t(x)
    if t._value.ndim != 1:
        raise _error("Unique", "unique expects a 1D vector.")
    y, idx = execute(UNIQUE, (t,), {"out_idx": _dt.as_dtype(out_idx)._np})
    return Unique(y, idx)
