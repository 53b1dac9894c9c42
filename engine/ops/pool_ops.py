"""Average pooling (NHWC): AvgPool and its gradient AvgPoolGrad, each the other's adjoint,
so the pair is closed under differentiation as Conv2D's backprops are.

SAME padding averages over the part of each window inside the input (TensorFlow's rule):
a corner window of a 3×3 SAME pool divides by 4, not 9.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.ops._args import require_kinds
from engine.ops.array_ops import expand_dims, squeeze
from engine.ops.conv_ops import (
    _check_output,
    _check_rank4,
    _data_format,
    _geometry,
    _padding,
    _pair,
    _patches,
)
from engine.ops.op_defs import attr_not_allowed
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor

Pair = tuple[int, int]


def _window_counts(in_hw: Pair, ksize: Pair, strides: Pair, padding: str) -> np.ndarray:
    """(OH, OW): how many input elements each window covers (fewer at SAME borders)."""
    oh, ow, pads = _geometry(in_hw, ksize, strides, (1, 1), padding)
    ones = np.ones((1, *in_hw, 1))
    ones = np.pad(ones, pads) if padding == "SAME" else ones
    return _patches(ones, ksize, strides, (1, 1), (oh, ow)).sum(axis=(-2, -1))[0, :, :, 0]


@defop("AvgPool")
def _avg_pool(x, ksize=(2, 2), strides=(2, 2), padding="VALID"):
    """The mean of each window (NHWC), over the window's elements inside the input."""
    oh, ow, pads = _geometry(x.shape[1:3], ksize, strides, (1, 1), padding)
    xp = np.pad(x, pads) if padding == "SAME" else x
    sums = _patches(xp, ksize, strides, (1, 1), (oh, ow)).sum(axis=(-2, -1))
    counts = _window_counts(x.shape[1:3], ksize, strides, padding)
    return (sums / counts[None, :, :, None].astype(x.dtype)).astype(x.dtype, copy=False)


AVG_POOL = _avg_pool


@AVG_POOL.gradient
def _(op, dy):
    """dy of each window shared evenly by the elements it averaged: AvgPoolGrad."""
    attrs = dict(op.attrs, input_shape=op.inputs[0]._value.shape)
    return (execute(AVG_POOL_GRAD, (dy,), attrs),)


@defop("AvgPoolGrad")
def _avg_pool_grad(dy, input_shape, ksize=(2, 2), strides=(2, 2), padding="VALID"):
    """Each window's dy / count added to every input element of that window."""
    n, h, w, c = input_shape
    oh, ow, pads = _geometry((h, w), ksize, strides, (1, 1), padding)
    share = dy / _window_counts((h, w), ksize, strides, padding)[None, :, :, None]
    dxp = np.zeros((n, h + sum(pads[1]), w + sum(pads[2]), c), dtype=dy.dtype)
    (sh, sw) = strides
    for i in range(ksize[0]):
        for j in range(ksize[1]):
            dxp[:, i:i + (oh - 1) * sh + 1:sh, j:j + (ow - 1) * sw + 1:sw, :] += share
    return dxp[:, pads[1][0]:pads[1][0] + h, pads[2][0]:pads[2][0] + w, :]


AVG_POOL_GRAD = _avg_pool_grad


@AVG_POOL_GRAD.gradient
def _(op, g):
    """Linear in dy, and the adjoint of AvgPool: AvgPool(g)."""
    attrs = {k: v for k, v in op.attrs.items() if k != "input_shape"}
    return (execute(AVG_POOL, (g,), attrs),)


def avg_pool2d(input: Any, ksize: Any, strides: Any, padding: str,  # noqa: A002
               data_format: str | None = "NHWC", name: str | None = None) -> Tensor:
    """``tf.nn.avg_pool2d``: the mean over each (KH, KW) window, NHWC."""
    _data_format(data_format, "AvgPool")
    x = convert_to_tensor(input)
    require_kinds(x, "f", "AvgPool")
    _check_rank4(x, "input", "AvgPool")
    k, s = _pair(ksize, "ksize"), _pair(strides, "strides")
    if str(padding).upper() not in ("SAME", "VALID"):  # the kernel's attr check, as in TF
        raise attr_not_allowed("AvgPool", "padding", f'"{padding}"', x.dtype.name,
                               fallback=': "SAME", "VALID"')
    p = _padding(padding, "AvgPool")
    _check_output(x._value.shape[1:3], k, s, (1, 1), p, "AvgPool", x.dtype.name)
    return execute(AVG_POOL, (x,), {"ksize": k, "strides": s, "padding": p})


def _width(value: Any, name: str) -> int:
    """A 1-D window or stride: an int, [w] or TensorFlow's [1, w, 1]."""
    if isinstance(value, Tensor):
        value = value._value.tolist()
    items = [int(value)] if isinstance(value, int | np.integer) else [int(v) for v in value]
    if len(items) == 3 and items[0] == items[2] == 1:
        return items[1]
    if len(items) != 1:
        raise ValueError(f"{name} must be an int or a list of 1 or 3 ints, got {value!r}")
    return items[0]


def avg_pool(input: Any, ksize: Any, strides: Any, padding: str,  # noqa: A002
             data_format: str | None = None, name: str | None = None) -> Tensor:
    """``tf.nn.avg_pool``, the N-D entry point: rank 4 (NHWC) pools in 2-D; rank 3 (NWC)
    pools in 1-D as TensorFlow's avg_pool1d does, as a 2-D pool over a height of 1."""
    x = convert_to_tensor(input)
    if x._value.ndim == 3:
        _data_format(None if data_format in (None, "NWC") else data_format, "AvgPool")
        k, s = _width(ksize, "ksize"), _width(strides, "strides")
        pooled = avg_pool2d(expand_dims(x, 1), (1, k), (1, s), padding)
        return squeeze(pooled, [1])
    if x._value.ndim != 4:
        raise NotImplementedError(f"avg_pool supports 1-D and 2-D pooling (rank-3 or rank-4 "
                                  f"input); got rank {x._value.ndim}")
    return avg_pool2d(x, ksize, strides, padding, data_format)
