"""Index arithmetic and searches: ``tf.searchsorted``, ``tf.unique_with_counts``,
``tf.unravel_index``, ``tf.reverse_sequence`` and the min/max/sub tensor scatters."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.ops import math_ops as m
from engine.ops._args import kernel_dtype_name
from engine.ops.array_ops import gather_nd
from engine.ops.ordering_ops import UNIQUE
from engine.ops.pad_scatter_ops import _positions, _scatter_inputs
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor

UniqueWithCounts = namedtuple("UniqueWithCounts", ["y", "idx", "count"])


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _error(op: str, message: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, op, f"{message} [Op:{op}]")


# -- searchsorted --------------------------------------------------------------------------

def _bound(side: str) -> Any:
    def forward(sorted_inputs, values, out_type):
        """Per row, where each value would be inserted to keep the row sorted."""
        rows = [np.searchsorted(s, v, side=side) for s, v in zip(sorted_inputs, values)]
        return np.asarray(rows, dtype=out_type).reshape(values.shape)

    return forward


LOWER_BOUND = defop("LowerBound", differentiable=False)(_bound("left"))
UPPER_BOUND = defop("UpperBound", differentiable=False)(_bound("right"))


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left",
                 out_type: Any = _dt.int32, name: str | None = None) -> Tensor:
    """``tf.searchsorted``: insertion points of ``values`` in the innermost rows of
    ``sorted_sequence`` (leading dimensions pair rows with rows)."""
    if side not in ("left", "right"):
        raise ValueError(f"Argument `side` must be either 'right' or 'left'. Received: "
                         f"`side` = '{side}'.")
    s, v = _t(sorted_sequence), _t(values)
    if s._value.ndim == 0 or v._value.ndim == 0:
        raise _error("StridedSlice", "slice index -1 of dimension 0 out of bounds.")
    if s._value.dtype != v._value.dtype:
        raise errors.InvalidArgumentError(
            None, "LowerBound", f"cannot compute LowerBound as input #1(zero-based) was "
            f"expected to be a {kernel_dtype_name(s._value.dtype)} tensor but is a "
            f"{kernel_dtype_name(v._value.dtype)} tensor [Op:LowerBound]")
    if s._value.shape[:-1] != v._value.shape[:-1]:
        raise _error("LowerBound", "Leading dim_size of both tensors must match.")
    rows_s = s._value.reshape(-1, s._value.shape[-1])
    rows_v = v._value.reshape(-1, v._value.shape[-1])
    op = LOWER_BOUND if side == "left" else UPPER_BOUND
    out = execute(op, (convert_to_tensor(rows_s), convert_to_tensor(rows_v)),
                  {"out_type": _dt.as_dtype(out_type)._np})
    return out if out._value.shape == v._value.shape else _reshape(out, v)


def _reshape(t: Tensor, like: Tensor) -> Tensor:
    from engine.ops.array_ops import reshape

    return reshape(t, list(like._value.shape))


# -- unique_with_counts ---------------------------------------------------------------------

def unique_with_counts(x: Any, out_idx: Any = _dt.int32,
                       name: str | None = None) -> UniqueWithCounts:
    """``tf.unique_with_counts``: (y, idx, count): the distinct elements in first-seen
    order, each element's position among them and how often each occurs."""
    from engine.ops.array_ops import unsorted_segment_sum

    t = _t(x)
    if t._value.ndim != 1:
        raise _error("UniqueWithCounts", "unique expects a 1D vector.")
    dtype = _dt.as_dtype(out_idx)
    y, idx = execute(UNIQUE, (t,), {"out_idx": dtype._np})
    ones = m.cast(m.ones_like(idx), dtype)
    count = unsorted_segment_sum(ones, idx, int(y._value.shape[0]))
    return UniqueWithCounts(y, idx, count)


# -- unravel_index --------------------------------------------------------------------------

@defop("UnravelIndex", differentiable=False)
def _unravel_index(indices, dims):
    """The coordinates of flat indices in an array of shape ``dims`` (one row per axis)."""
    return np.asarray(np.unravel_index(indices, tuple(dims)), dtype=indices.dtype)


UNRAVEL_INDEX = _unravel_index


def unravel_index(indices: Any, dims: Any, name: str | None = None) -> Tensor:
    """``tf.unravel_index``: flat indices as coordinates, shape [len(dims), *indices]."""
    i = _t(indices)
    d = _t(dims) if isinstance(dims, Tensor) else convert_to_tensor(dims, dtype=i.dtype)
    for t in (i, d):
        if t._value.dtype.kind not in "iu":
            kind = {"float32": "float", "float64": "double"}.get(t.dtype.name, t.dtype.name)
            raise errors.InvalidArgumentError(  # TF's kernel-registry text, word for word
                None, "UnravelIndex", f"Value for attr 'Tidx' of {kind} is not in the list of "
                "allowed values: int32, int64\n\t; NodeDef: {{node UnravelIndex}}; "
                "Op<name=UnravelIndex; signature=indices:Tidx, dims:Tidx -> output:Tidx; "
                "attr=Tidx:type,default=DT_INT32,allowed=[DT_INT32, DT_INT64]> "
                "[Op:UnravelIndex]")
    if d._value.dtype != i._value.dtype:
        raise _error("UnravelIndex", f"cannot compute UnravelIndex as input #1(zero-based) was "
                     f"expected to be a {i.dtype.name} tensor but is a {d.dtype.name} tensor")
    size = int(np.prod(d._value))
    if np.any(i._value < 0) or np.any(i._value >= size):
        raise _error("UnravelIndex", "index is out of bound as with dims")
    return execute(UNRAVEL_INDEX, (i, d))


# -- reverse_sequence ----------------------------------------------------------------------

@defop("ReverseSequence")
def _reverse_sequence(x, seq_lengths, seq_axis, batch_axis):
    """Per batch entry b, its first seq_lengths[b] slices along seq_axis reversed."""
    out = x.copy()
    moved = np.moveaxis(out, (batch_axis, seq_axis), (0, 1))
    source = np.moveaxis(x, (batch_axis, seq_axis), (0, 1))
    for b, n in enumerate(seq_lengths):
        n = int(n)
        if n > 1:
            moved[b, :n] = source[b, :n][::-1]
    return out


REVERSE_SEQUENCE = _reverse_sequence


@REVERSE_SEQUENCE.gradient
def _(op, dy):
    """Reversing is its own inverse: reverse_sequence(dy) with the same lengths."""
    return execute(REVERSE_SEQUENCE, (dy, op.inputs[1]), op.attrs), None


def reverse_sequence(input: Any, seq_lengths: Any, seq_axis: int | None = None,  # noqa: A002
                     batch_axis: int | None = None, name: str | None = None) -> Tensor:
    """``tf.reverse_sequence``: each batch entry's first ``seq_lengths[b]`` steps reversed."""
    x = _t(input)
    lengths = _t(seq_lengths)
    rank = x._value.ndim
    seq_axis = 0 if seq_axis is None else seq_axis
    batch_axis = 0 if batch_axis is None else batch_axis
    seq_axis, batch_axis = seq_axis % max(rank, 1), batch_axis % max(rank, 1)
    if lengths._value.dtype.kind not in "iu":
        raise _error("ReverseSequence", f"Value for attr 'Tlen' of {lengths.dtype.name} is not "
                     "in the list of allowed values: int32, int64")
    if seq_axis == batch_axis:
        raise _error("ReverseSequence", f"batch_dim == seq_dim == {seq_axis}")
    if lengths._value.ndim != 1 or lengths._value.shape[0] != x._value.shape[batch_axis]:
        raise _error("ReverseSequence", f"Length of seq_lengths != input.dims({batch_axis}), "
                     f"({lengths._value.shape[0] if lengths._value.ndim else 0} vs. "
                     f"{x._value.shape[batch_axis]})")
    for b, n in enumerate(lengths._value):
        if n > x._value.shape[seq_axis]:
            raise _error("ReverseSequence", f"seq_lens({b}) > input.dims({seq_axis})")
        if n < 0:
            raise _error("ReverseSequence", f"seq_lens({b}) < 0")
    return execute(REVERSE_SEQUENCE, (x, lengths), {"seq_axis": seq_axis,
                                                    "batch_axis": batch_axis})


# -- tensor_scatter_nd_sub / min / max ------------------------------------------------------

def _scatter(name: str, ufunc: Any) -> Any:
    def forward(tensor, indices, updates):
        out = tensor.copy()
        ufunc.at(out, _positions(indices), updates)
        return out

    forward.__doc__ = f"A copy of tensor with updates combined in by {ufunc.__name__} at indices."
    return defop(name)(forward)


TENSOR_SCATTER_SUB = _scatter("TensorScatterSub", np.subtract)
TENSOR_SCATTER_MIN = _scatter("TensorScatterMin", np.minimum)
TENSOR_SCATTER_MAX = _scatter("TensorScatterMax", np.maximum)


@TENSOR_SCATTER_SUB.gradient
def _(op, dy):
    """tensor: dy unchanged; updates: -dy gathered at indices."""
    return dy, None, m.negative(gather_nd(dy, op.inputs[1]))


def _min_max_grad(op: Any, dy: Tensor) -> tuple:
    """As TensorFlow's _TensorScatterMinOrMaxGrad: dy to whichever of tensor and the
    updates equals the output at each place (split evenly among ties)."""
    tensor, indices, updates = op.inputs
    out = op.outputs[0]
    x_hit = m.cast(m.equal(tensor, out), dy.dtype)
    u_hit = m.cast(m.equal(updates, gather_nd(out, indices)), dy.dtype)
    from engine.ops.pad_scatter_ops import TENSOR_SCATTER_ADD

    count = execute(TENSOR_SCATTER_ADD, (x_hit, indices, u_hit))
    share = m.divide(dy, count)
    return m.multiply(x_hit, share), None, m.multiply(u_hit, gather_nd(share, indices))


TENSOR_SCATTER_MIN.gradient(_min_max_grad)
TENSOR_SCATTER_MAX.gradient(_min_max_grad)


def tensor_scatter_nd_sub(tensor: Any, indices: Any, updates: Any,
                          name: str | None = None) -> Tensor:
    """``tf.tensor_scatter_nd_sub``: a new tensor, ``tensor`` with updates subtracted."""
    return execute(TENSOR_SCATTER_SUB, _scatter_inputs(tensor, indices, updates,
                                                       "TensorScatterSub"))


def tensor_scatter_nd_min(tensor: Any, indices: Any, updates: Any,
                          name: str | None = None) -> Tensor:
    """``tf.tensor_scatter_nd_min``: a new tensor, the smaller of it and the updates."""
    return execute(TENSOR_SCATTER_MIN, _scatter_inputs(tensor, indices, updates,
                                                       "TensorScatterMin"))


def tensor_scatter_nd_max(tensor: Any, indices: Any, updates: Any,
                          name: str | None = None) -> Tensor:
    """``tf.tensor_scatter_nd_max``: a new tensor, the larger of it and the updates."""
    return execute(TENSOR_SCATTER_MAX, _scatter_inputs(tensor, indices, updates,
                                                       "TensorScatterMax"))
