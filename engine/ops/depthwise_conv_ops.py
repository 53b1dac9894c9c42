"""Depthwise 2-D convolution (NHWC): each input channel convolved with its own
``channel_multiplier`` filters, no sum across channels. Three ops, as in TensorFlow:
DepthwiseConv2dNative and its two backprops, each linear in both arguments, so the
gradients of the backprops are the other two ops (the set is closed, like Conv2D's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops._args import binary_args, require_kinds
from engine.ops.conv_ops import (
    _check_output,
    _check_rank4,
    _data_format,
    _geometry,
    _padding,
    _pair,
    _patches,
    col2im,
)
from engine.ops.registry import defop, execute
from engine.tensor import Tensor


def _input_patches(x: np.ndarray, k_hw: tuple, strides: tuple, dilations: tuple,
                   padding: str) -> np.ndarray:
    oh, ow, pads = _geometry(x.shape[1:3], k_hw, strides, dilations, padding)
    xp = np.pad(x, pads) if padding == "SAME" else x
    return _patches(xp, k_hw, strides, dilations, (oh, ow))  # (N, OH, OW, C, KH, KW)


@defop("DepthwiseConv2dNative")
def _depthwise(x, w, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    """out[n,i,j,c·M+m] = Σ_{a,b} x_padded[n, i·s+a·d, j·s+b·d, c] · w[a,b,c,m]."""
    patches = _input_patches(x, w.shape[:2], strides, dilations, padding)
    out = np.einsum("nhwcab,abcm->nhwcm", patches, w)
    return out.reshape(*out.shape[:3], -1).astype(x.dtype, copy=False)


DEPTHWISE = _depthwise


@DEPTHWISE.gradient
def _(op, dy):
    """dx = DepthwiseConv2dNativeBackpropInput(w, dy); dw = …BackpropFilter(x, dy)."""
    x, w = op.inputs
    return (_backprop_input(x._value.shape, w, dy, op.attrs),
            _backprop_filter(x, w._value.shape, dy, op.attrs))


@defop("DepthwiseConv2dNativeBackpropInput")
def _depthwise_backprop_input(w, dy, input_sizes, strides=(1, 1), padding="VALID",
                              dilations=(1, 1)):
    """The gradient w.r.t. the input: each output's dy spread back through its filters."""
    n, h, wd, c = input_sizes
    kh, kw, _, mult = w.shape
    oh, ow, pads = _geometry((h, wd), (kh, kw), strides, dilations, padding)
    taps = np.einsum("nhwcm,abcm->nhwabc", dy.reshape(n, oh, ow, c, mult), w)
    return col2im(taps.astype(dy.dtype, copy=False), input_sizes, strides, dilations, pads)


DEPTHWISE_BACKPROP_INPUT = _depthwise_backprop_input


@DEPTHWISE_BACKPROP_INPUT.gradient
def _(op, g):
    """Linear in (w, dy): dw = BackpropFilter(g, dy); d(dy) = DepthwiseConv2dNative(g, w)."""
    w, dy = op.inputs
    return (_backprop_filter(g, w._value.shape, dy, op.attrs),
            execute(DEPTHWISE, (g, w), _attrs(op.attrs)))


@defop("DepthwiseConv2dNativeBackpropFilter")
def _depthwise_backprop_filter(x, dy, filter_sizes, strides=(1, 1), padding="VALID",
                               dilations=(1, 1)):
    """The gradient w.r.t. the filter: each channel's patches correlated with its dy."""
    kh, kw, c, mult = filter_sizes
    patches = _input_patches(x, (kh, kw), strides, dilations, padding)
    dyr = dy.reshape(*dy.shape[:3], c, mult)
    return np.einsum("nhwcab,nhwcm->abcm", patches, dyr).astype(x.dtype, copy=False)


DEPTHWISE_BACKPROP_FILTER = _depthwise_backprop_filter


@DEPTHWISE_BACKPROP_FILTER.gradient
def _(op, g):
    """Linear in (x, dy): dx = BackpropInput(g, dy); d(dy) = DepthwiseConv2dNative(x, g)."""
    x, dy = op.inputs
    return (_backprop_input(x._value.shape, g, dy, op.attrs),
            execute(DEPTHWISE, (x, g), _attrs(op.attrs)))


def _attrs(a: dict) -> dict:
    return {"strides": a["strides"], "padding": a["padding"], "dilations": a["dilations"]}


def _backprop_input(input_sizes: tuple, w: Tensor, dy: Tensor, a: dict) -> Tensor:
    return execute(DEPTHWISE_BACKPROP_INPUT, (w, dy),
                   dict(_attrs(a), input_sizes=tuple(input_sizes)))


def _backprop_filter(x: Tensor, filter_sizes: tuple, dy: Tensor, a: dict) -> Tensor:
    return execute(DEPTHWISE_BACKPROP_FILTER, (x, dy),
                   dict(_attrs(a), filter_sizes=tuple(filter_sizes)))


def depthwise_conv2d(input: Any, filter: Any, strides: Any, padding: str,  # noqa: A002
                     data_format: str | None = None, dilations: Any = None,
                     name: str | None = None) -> Tensor:
    """``tf.nn.depthwise_conv2d``: NHWC input, filter (KH, KW, C, M), output C·M channels
    (channel c's m-th filter at c·M + m)."""
    _data_format(data_format, "DepthwiseConv2dNative")
    x, w = binary_args(input, filter, "DepthwiseConv2dNative")
    require_kinds(x, "f", "DepthwiseConv2dNative")
    _check_rank4(x, "input", "DepthwiseConv2dNative")
    _check_rank4(w, "filter", "DepthwiseConv2dNative")
    if x._value.shape[3] != w._value.shape[2]:
        raise errors.wrapped_kernel(errors.InvalidArgumentError(
            None, "DepthwiseConv2dNative", f"input depth must be evenly divisible by filter depth: "
            f"{x._value.shape[3]} vs {w._value.shape[2]} [Op:DepthwiseConv2dNative]"),
            x.dtype.name)
    s, d = _pair(strides, "strides"), _pair(1 if dilations is None else dilations, "dilations")
    if s[0] != s[1]:
        raise ValueError("Current implementation only supports equal length strides in the "
                         "row and column dimensions.")
    if d != (1, 1) and s != (1, 1):
        raise ValueError("strides > 1 not supported in conjunction with dilation_rate > 1; "
                         f"received: strides={list(s)}, dilations={list(d)}")
    p = _padding(padding, "DepthwiseConv2dNative")
    _check_output(x._value.shape[1:3], w._value.shape[:2], s, d, p, "DepthwiseConv2dNative",
                  x.dtype.name)
    return execute(DEPTHWISE, (x, w), {"strides": s, "padding": p, "dilations": d})
