"""Ops that write values around or into a tensor: pad (constant, reflect, symmetric) and the
functional scatters ``tensor_scatter_nd_update`` / ``tensor_scatter_nd_add``."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops.array_ops import STRIDED_SLICE, _index_tensor, _t, gather_nd
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor


def _dims(shape: tuple) -> str:
    return "[" + ",".join(map(str, shape)) + "]"


def _updates_shape_text(shape: tuple, indices: tuple, updates: tuple, depth: int) -> str:
    """TensorFlow's complaint about updates of the wrong shape: the outer (batch) dimensions
    first, then the inner (slice) ones."""
    outer = len(indices) - 1
    if tuple(updates[:outer]) != tuple(indices[:-1]):
        return (f"Outer dimensions of indices and update must match. Indices shape: "
                f"{_dims(indices)}, updates shape:{_dims(updates)}")
    inner = len(shape) - depth
    return (f"The inner {inner} dimensions of output.shape={_dims(shape)} must match the "
            f"inner {inner} dimensions of updates.shape={_dims(updates)}")


def _error(op: str, message: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, op, f"{message} [Op:{op}]")


# -- padding ------------------------------------------------------------------------------------

@defop("Pad")
def _pad(x, paddings, constant_values=0):
    """x surrounded by ``paddings[i] = (before, after)`` copies of constant_values per axis."""
    if not paddings:  # a scalar: nothing to pad (np.pad refuses empty paddings)
        return x
    return np.pad(x, paddings, constant_values=constant_values)


PAD = _pad


def _center(x: Tensor, paddings: tuple) -> tuple:
    """The index of the unpadded part of a padded tensor."""
    return tuple(slice(lo, d - hi) for (lo, hi), d in zip(paddings, x._value.shape))


@PAD.gradient
def _(op, dy):
    """dy cut back to the unpadded part (the padding values are constants: no gradient)."""
    return (execute(STRIDED_SLICE, (dy,), {"key": _center(dy, op.attrs["paddings"])}),)


@defop("MirrorPad")
def _mirror_pad(x, paddings, mode):
    """x extended by its own mirror image: REFLECT leaves out the edge, SYMMETRIC repeats it."""
    return np.pad(x, paddings, mode=mode.lower())


MIRROR_PAD = _mirror_pad


@MIRROR_PAD.gradient
def _(op, dy):
    """Each padded position's gradient added back onto the element it mirrors."""
    attrs = op.attrs
    return (execute(MIRROR_PAD_GRAD, (dy,), {"paddings": attrs["paddings"],
                                             "mode": attrs["mode"]}),)


@defop("MirrorPadGrad")
def _mirror_pad_grad(dy, paddings, mode):
    """The adjoint of MirrorPad: the mirrored borders folded back onto the elements they copy."""
    offset = 1 if mode == "REFLECT" else 0
    out = dy
    for axis, (lo, hi) in enumerate(paddings):
        moved = np.moveaxis(out, axis, 0)
        n = moved.shape[0] - lo - hi
        center = moved[lo:lo + n].copy()
        center[offset:offset + lo] += moved[:lo][::-1]
        center[n - offset - hi:n - offset] += moved[lo + n:][::-1]
        out = np.moveaxis(center, 0, axis)
    return np.ascontiguousarray(out)


MIRROR_PAD_GRAD = _mirror_pad_grad


@MIRROR_PAD_GRAD.gradient
def _(op, ddy):
    """MirrorPadGrad is linear; its adjoint is MirrorPad again."""
    attrs = op.attrs
    return (execute(MIRROR_PAD, (ddy,), {"paddings": attrs["paddings"], "mode": attrs["mode"]}),)


def pad(tensor: Any, paddings: Any, mode: str = "CONSTANT", constant_values: Any = 0,
        name: str | None = None) -> Tensor:
    """``tf.pad``: ``paddings`` is [rank, 2]; mode CONSTANT, REFLECT or SYMMETRIC (any case)."""
    x = _t(tensor)
    mode = str(mode).upper()
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError('Value of argument `mode` expected to be one of "CONSTANT", '
                         f'"REFLECT", or "SYMMETRIC". Received `mode` = {mode}')
    op_name = "Pad" if mode == "CONSTANT" else "MirrorPad"
    p = np.asarray(paddings._value if isinstance(paddings, Tensor) else paddings)
    if p.size == 0:  # [] or a [0, 2] tensor: a scalar's (empty) paddings
        p = p.reshape(0, 2)
    shape = x._value.shape
    if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] != len(shape):
        raise _error(op_name, f"The first dimension of paddings must be the rank of inputs"
                     f"[{','.join(map(str, p.shape))}] [{','.join(map(str, shape))}]")
    pairs = tuple((int(lo), int(hi)) for lo, hi in p)
    for (lo, hi), d in zip(pairs, shape):
        if lo < 0 or hi < 0:
            raise _error(op_name, f"Paddings must be non-negative: {lo} {hi}")
        if mode == "REFLECT" and (lo >= d or hi >= d):
            raise _error(op_name, f"paddings must be less than the dimension size: {lo}, {hi} "
                         f"not less than {d}")
        if mode == "SYMMETRIC" and (lo > d or hi > d):
            raise _error(op_name, f"paddings must be no greater than the dimension size: {lo}, "
                         f"{hi} greater than {d}")
    if mode != "CONSTANT":
        return execute(MIRROR_PAD, (x,), {"paddings": pairs, "mode": mode})
    fill = convert_to_tensor(constant_values, dtype=x.dtype)._value
    return execute(PAD, (x,), {"paddings": pairs, "constant_values": fill})


# -- functional scatters ----------------------------------------------------------------------

def _positions(indices: np.ndarray) -> tuple:
    return tuple(np.moveaxis(indices, -1, 0))


@defop("TensorScatterUpdate")
def _tensor_scatter_update(tensor, indices, updates):
    """A copy of tensor with updates written at indices (the last write to a place wins)."""
    out = tensor.copy()
    out[_positions(indices)] = updates
    return out


TENSOR_SCATTER_UPDATE = _tensor_scatter_update


@TENSOR_SCATTER_UPDATE.gradient
def _(op, dy):
    """tensor: dy with the overwritten places zeroed; updates: dy gathered at indices."""
    from engine.ops.array_ops import zeros_like

    _, indices, updates = op.inputs
    dtensor = execute(TENSOR_SCATTER_UPDATE, (dy, indices, zeros_like(updates)))
    return dtensor, None, gather_nd(dy, indices)


@defop("TensorScatterAdd")
def _tensor_scatter_add(tensor, indices, updates):
    """A copy of tensor with updates added at indices (repeated indices add up)."""
    out = tensor.copy()
    np.add.at(out, _positions(indices), updates)
    return out


TENSOR_SCATTER_ADD = _tensor_scatter_add


@TENSOR_SCATTER_ADD.gradient
def _(op, dy):
    """tensor: dy unchanged; updates: dy gathered at indices."""
    return dy, None, gather_nd(dy, op.inputs[1])


def _scatter_inputs(tensor: Any, indices: Any, updates: Any, op_name: str) -> tuple:
    t = _t(tensor)
    idx = _index_tensor(indices, op_name)
    u = _t(updates) if isinstance(updates, Tensor) else convert_to_tensor(updates, dtype=t.dtype)
    if u._value.dtype != t._value.dtype:
        raise _error(op_name, f"cannot compute {op_name} as input #2(zero-based) was expected to "
                     f"be a {t.dtype.name} tensor but is a {u.dtype.name} tensor")
    shape, iv = t._value.shape, idx._value
    depth = iv.shape[-1] if iv.ndim else 0
    if iv.ndim == 0 or depth > len(shape):
        raise _error(op_name, f"Index innermost dimension length must be <= tensor rank; "
                     f"saw: {depth} vs. {len(shape)}")
    want = iv.shape[:-1] + shape[depth:]
    if u._value.shape != want:
        raise _error(op_name, _updates_shape_text(t._value.shape, iv.shape, u._value.shape,
                                                  depth))
    flat = iv.reshape(-1, depth)
    bad = (flat < 0) | (flat >= np.asarray(shape[:depth], dtype=np.int64))
    if bad.any():
        row = int(np.argwhere(bad.any(axis=1))[0, 0])
        raise _error(op_name, f"indices[{row}] = [{', '.join(map(str, flat[row]))}] does not "
                     f"index into shape [{','.join(map(str, shape))}]")
    return t, idx, u


def tensor_scatter_nd_update(tensor: Any, indices: Any, updates: Any,
                             name: str | None = None) -> Tensor:
    """``tf.tensor_scatter_nd_update``: a new tensor, ``tensor`` with slices replaced."""
    return execute(TENSOR_SCATTER_UPDATE,
                   _scatter_inputs(tensor, indices, updates, "TensorScatterUpdate"))


def tensor_scatter_nd_add(tensor: Any, indices: Any, updates: Any,
                          name: str | None = None) -> Tensor:
    """``tf.tensor_scatter_nd_add``: a new tensor, ``tensor`` with updates added in."""
    return execute(TENSOR_SCATTER_ADD,
                   _scatter_inputs(tensor, indices, updates, "TensorScatterAdd"))
