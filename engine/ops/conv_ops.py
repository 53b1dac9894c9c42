"""2-D convolution and max pooling (NHWC), forward and gradients side by side.

Forwards are im2col: ``sliding_window_view`` makes the patches without copying and one
``tensordot`` multiplies them by the filter. The backward ops are ops too, each with its
own gradient, so the set is closed under differentiation as TensorFlow's is:
Conv2D → Conv2DBackpropInput / Conv2DBackpropFilter (linear in each argument, so their
gradients are the other two), MaxPool → MaxPoolGrad → MaxPoolGradGrad → MaxPoolGrad.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from engine import errors
from engine.graph.sized import derive_attr, shape_of
from engine.ops._args import binary_args, require_kinds
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor

Pair = tuple[int, int]


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def output_size(size: int, k: int, stride: int, dilation: int,
                padding: str) -> tuple[int, int, int]:
    """(output length, padding before, padding after) along one spatial axis, as TF computes."""
    k_eff = (k - 1) * dilation + 1
    if padding == "VALID":
        return (size - k_eff) // stride + 1, 0, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + k_eff - size, 0)
    return out, total // 2, total - total // 2


def _geometry(in_hw: Pair, k_hw: Pair, strides: Pair, dilations: Pair, padding: str) -> tuple:
    oh, pt, pb = output_size(in_hw[0], k_hw[0], strides[0], dilations[0], padding)
    ow, pl, pr = output_size(in_hw[1], k_hw[1], strides[1], dilations[1], padding)
    return oh, ow, ((0, 0), (pt, pb), (pl, pr), (0, 0))


def _patches(xp: np.ndarray, k_hw: Pair, strides: Pair, dilations: Pair,
             out_hw: Pair) -> np.ndarray:
    """View of shape (N, OH, OW, C, KH, KW): the input patch under each output position."""
    kh, kw = k_hw
    (sh, sw), (dh, dw) = strides, dilations
    view = sliding_window_view(xp, ((kh - 1) * dh + 1, (kw - 1) * dw + 1), axis=(1, 2))
    oh, ow = out_hw
    return view[:, :(oh - 1) * sh + 1:sh, :(ow - 1) * sw + 1:sw, :, ::dh, ::dw]


# -- convolution ----------------------------------------------------------------------------

@defop("Conv2D")
def _conv2d(x, w, strides=(1, 1), padding="VALID", dilations=(1, 1)):
    """out[n,i,j,f] = Σ_{a,b,c} x_padded[n, i·s+a·d, j·s+b·d, c] · w[a,b,c,f] (NHWC)."""
    k_hw = w.shape[:2]
    oh, ow, pads = _geometry(x.shape[1:3], k_hw, strides, dilations, padding)
    xp = np.pad(x, pads) if padding == "SAME" else x
    patches = _patches(xp, k_hw, strides, dilations, (oh, ow))
    return np.tensordot(patches, w, axes=([4, 5, 3], [0, 1, 2])).astype(x.dtype, copy=False)


CONV2D = _conv2d


@CONV2D.gradient
def _(op, dy):
    """dx = Conv2DBackpropInput(w, dy); dw = Conv2DBackpropFilter(x, dy)."""
    x, w = op.inputs
    a = op.attrs
    return (_backprop_input(x, w, dy, a), _backprop_filter(x, w._value.shape, dy, a))


@defop("Conv2DBackpropInput")
def _conv2d_backprop_input(w, dy, input_sizes, strides=(1, 1), padding="VALID",
                           dilations=(1, 1)):
    """The gradient of Conv2D w.r.t. its input: each output's dy spread back through w."""
    n, h, wd, c = input_sizes
    kh, kw = w.shape[:2]
    oh, ow, pads = _geometry((h, wd), (kh, kw), strides, dilations, padding)
    # One matmul for every kernel tap, then kh·kw strided additions (col2im).
    taps = np.tensordot(dy, w, axes=([3], [3]))  # (N, OH, OW, KH, KW, C)
    return col2im(taps, input_sizes, strides, dilations, pads)


def col2im(taps: np.ndarray, input_sizes: tuple, strides: Pair, dilations: Pair,
           pads: tuple) -> np.ndarray:
    """Each kernel tap's contribution ``taps`` (N, OH, OW, KH, KW, C) added back at the input
    positions it read (kh·kw strided additions), the padding cut off: the input gradient of
    a convolution."""
    n, h, wd, c = input_sizes
    _, oh, ow, kh, kw, _ = taps.shape
    (sh, sw), (dh, dw) = strides, dilations
    dxp = np.zeros((n, h + sum(pads[1]), wd + sum(pads[2]), c), dtype=taps.dtype)
    for i in range(kh):
        for j in range(kw):
            r, q = i * dh, j * dw
            dxp[:, r:r + (oh - 1) * sh + 1:sh, q:q + (ow - 1) * sw + 1:sw, :] += taps[:, :, :, i, j]
    return dxp[:, pads[1][0]:pads[1][0] + h, pads[2][0]:pads[2][0] + wd, :]


CONV2D_BACKPROP_INPUT = _conv2d_backprop_input


@CONV2D_BACKPROP_INPUT.gradient
def _(op, g):
    """Linear in (w, dy): dw = Conv2DBackpropFilter(g, dy); d(dy) = Conv2D(g, w)."""
    w, dy = op.inputs
    a = op.attrs
    g_w = _backprop_filter(g, w._value.shape, dy, a)
    g_dy = execute(CONV2D, (g, w), _conv_attrs(a))
    return g_w, g_dy


@defop("Conv2DBackpropFilter")
def _conv2d_backprop_filter(x, dy, filter_sizes, strides=(1, 1), padding="VALID",
                            dilations=(1, 1)):
    """The gradient of Conv2D w.r.t. its filter: patches of x correlated with dy."""
    k_hw = tuple(filter_sizes[:2])
    oh, ow, pads = _geometry(x.shape[1:3], k_hw, strides, dilations, padding)
    xp = np.pad(x, pads) if padding == "SAME" else x
    patches = _patches(xp, k_hw, strides, dilations, (oh, ow))
    dw = np.tensordot(patches, dy, axes=([0, 1, 2], [0, 1, 2]))  # (C, KH, KW, F)
    return dw.transpose(1, 2, 0, 3).astype(x.dtype, copy=False)


CONV2D_BACKPROP_FILTER = _conv2d_backprop_filter


@CONV2D_BACKPROP_FILTER.gradient
def _(op, g):
    """Linear in (x, dy): dx = Conv2DBackpropInput(g, dy); d(dy) = Conv2D(x, g)."""
    x, dy = op.inputs
    a = op.attrs
    g_x = _backprop_input(x, g, dy, a)
    g_dy = execute(CONV2D, (x, g), _conv_attrs(a))
    return g_x, g_dy


def _conv_attrs(a: dict) -> dict:
    return {"strides": a["strides"], "padding": a["padding"], "dilations": a["dilations"]}


def _backprop_input(x: Tensor, w: Tensor, dy: Tensor, a: dict) -> Tensor:
    """The gradient to ``x``, whose sizes (traced: following the batch's) it takes."""
    attrs = dict(_conv_attrs(a), input_sizes=tuple(x._value.shape))
    out = execute(CONV2D_BACKPROP_INPUT, (w, dy), attrs)
    derive_attr(out, "input_sizes", shape_of, (), x)
    return out


def _backprop_filter(x: Tensor, filter_sizes: tuple, dy: Tensor, a: dict) -> Tensor:
    attrs = dict(_conv_attrs(a), filter_sizes=tuple(filter_sizes))
    return execute(CONV2D_BACKPROP_FILTER, (x, dy), attrs)


# -- max pooling ----------------------------------------------------------------------------

def _pool_windows(x: np.ndarray, ksize: Pair, strides: Pair, padding: str) -> tuple:
    """Windows (N, OH, OW, C, KH·KW) of x padded with the dtype's lowest value."""
    oh, ow, pads = _geometry(x.shape[1:3], ksize, strides, (1, 1), padding)
    if padding == "SAME":
        low = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        x = np.pad(x, pads, constant_values=low)
    win = _patches(x, ksize, strides, (1, 1), (oh, ow))
    return win.reshape(*win.shape[:4], ksize[0] * ksize[1]), x.shape, pads


def _argmax_flat_index(x: np.ndarray, ksize: Pair, strides: Pair, padding: str) -> tuple:
    """For each output, the flat index into padded x of its window's (first) maximum."""
    win, padded_shape, pads = _pool_windows(x, ksize, strides, padding)
    n, oh, ow, c, _ = win.shape
    if win.dtype.kind == "f" and np.isnan(win).any():  # NaN never wins, as in the forward
        win = np.where(np.isnan(win), -np.inf, win)
    pick = win.argmax(axis=-1)
    di, dj = np.divmod(pick, ksize[1])
    rows = np.arange(oh)[None, :, None, None] * strides[0] + di
    cols = np.arange(ow)[None, None, :, None] * strides[1] + dj
    batch = np.arange(n)[:, None, None, None]
    chan = np.arange(c)[None, None, None, :]
    flat = ((batch * padded_shape[1] + rows) * padded_shape[2] + cols) * c + chan
    return flat, padded_shape, pads


@defop("MaxPool")
def _max_pool(x, ksize=(2, 2), strides=(2, 2), padding="VALID"):
    """The largest value in each window (NHWC); SAME pads with -inf. NaNs are passed over
    as TensorFlow's kernel passes them (a window of NaNs only gives NaN)."""
    win, _, _ = _pool_windows(x, ksize, strides, padding)
    return np.fmax.reduce(win, axis=-1)


MAX_POOL = _max_pool


@MAX_POOL.gradient
def _(op, dy):
    """dy routed to the (first) maximum of each window: MaxPoolGrad(x, y, dy)."""
    x, y = op.inputs[0], op.outputs[0]
    return (execute(MAX_POOL_GRAD, (x, y, dy), op.attrs),)


@defop("MaxPoolGrad")
def _max_pool_grad(x, y, dy, ksize=(2, 2), strides=(2, 2), padding="VALID"):
    """Zeros shaped like x with each window's dy added at that window's maximum."""
    flat, padded_shape, pads = _argmax_flat_index(x, ksize, strides, padding)
    size = int(np.prod(padded_shape))
    dxp = np.bincount(flat.ravel(), weights=dy.ravel(), minlength=size).reshape(padded_shape)
    h, w = x.shape[1:3]
    return dxp[:, pads[1][0]:pads[1][0] + h, pads[2][0]:pads[2][0] + w, :].astype(dy.dtype)


MAX_POOL_GRAD = _max_pool_grad


@MAX_POOL_GRAD.gradient
def _(op, g):
    """Piecewise constant in x and y (zeros); linear in dy: MaxPoolGradGrad(x, y, g)."""
    x, y, _ = op.inputs
    from engine.ops.array_ops import zeros_like

    return zeros_like(x), zeros_like(y), execute(MAX_POOL_GRAD_GRAD, (x, y, g), op.attrs)


@defop("MaxPoolGradGrad")
def _max_pool_grad_grad(x, y, g, ksize=(2, 2), strides=(2, 2), padding="VALID"):
    """g read at each window's maximum: the adjoint of MaxPoolGrad, shaped like y."""
    flat, padded_shape, pads = _argmax_flat_index(x, ksize, strides, padding)
    gp = np.pad(g, pads) if padding == "SAME" else g
    return gp.reshape(-1)[flat].astype(g.dtype, copy=False)


MAX_POOL_GRAD_GRAD = _max_pool_grad_grad


@MAX_POOL_GRAD_GRAD.gradient
def _(op, dz):
    """Zeros for x and y; MaxPoolGrad(x, y, dz) for g."""
    x, y, _ = op.inputs
    from engine.ops.array_ops import zeros_like

    return zeros_like(x), zeros_like(y), execute(MAX_POOL_GRAD, (x, y, dz), op.attrs)


# -- argument checks and public functions (tf.nn.*) --------------------------------------------

def _pair(value: Any, name: str, rank4_ok: bool = True) -> Pair:
    """Spatial (h, w) from an int, a pair, or TF's 4-list ``[1, h, w, 1]``."""
    if isinstance(value, Tensor):
        value = value._value.tolist()
    if isinstance(value, int | np.integer):
        return int(value), int(value)
    items = [int(v) for v in value]
    if len(items) == 1:
        return items[0], items[0]
    if len(items) == 2:
        return items[0], items[1]
    if len(items) == 4 and rank4_ok:
        if items[0] != 1 or items[3] != 1:
            raise errors.InvalidArgumentError(
                None, name, f"{name} over the batch or channel dimension is not supported; "
                f"got {items} (expected [1, h, w, 1])")
        return items[1], items[2]
    raise ValueError(f"{name} must be an int or a list of 1, 2 or 4 ints, got {value!r}")


def _padding(padding: Any, op_name: str) -> str:
    p = str(padding).upper()
    if p not in ("VALID", "SAME"):
        raise ValueError(f"{op_name}: padding must be 'VALID' or 'SAME', got {padding!r}")
    return p


def _data_format(data_format: str | None, op_name: str) -> None:
    if data_format not in (None, "NHWC", "channels_last"):
        raise errors.UnimplementedError(
            None, op_name, f"{op_name} runs in NHWC (channels last) only; got data_format="
            f"{data_format!r} [Op:{op_name}]")


def _check_rank4(t: Tensor, what: str, op_name: str) -> None:
    if t._value.ndim != 4:
        raise errors.wrapped_kernel(errors.InvalidArgumentError(
            None, op_name, f"{what} must be 4-dimensional (NHWC): "
            f"[{','.join(map(str, t._value.shape))}] [Op:{op_name}]"), t.dtype.name)


def _check_output(in_hw: Pair, k_hw: Pair, strides: Pair, dilations: Pair, padding: str,
                  op_name: str, dtype: str | None = None) -> None:
    for size, k, s, d in zip(in_hw, k_hw, strides, dilations):
        if s < 1 or d < 1:
            raise ValueError(f"{op_name}: strides and dilations must be >= 1, got strides="
                             f"{strides}, dilations={dilations}")
        out = output_size(size, k, s, d, padding)[0]
        if out < 1:
            raise errors.wrapped_kernel(errors.InvalidArgumentError(
                None, op_name, f"Computed output size would be negative: {out - 1} [input_size: "
                f"{size}, effective_filter_size: {(k - 1) * d + 1}, stride: {s}] [Op:{op_name}]"),
                dtype)


def conv2d(input: Any, filters: Any, strides: Any = 1, padding: str = "VALID",  # noqa: A002
           data_format: str | None = "NHWC", dilations: Any = None,
           name: str | None = None) -> Tensor:
    """``tf.nn.conv2d``: NHWC input, filters of shape (KH, KW, C_in, C_out)."""
    _data_format(data_format, "Conv2D")
    x, w = binary_args(input, filters, "Conv2D")
    require_kinds(x, "f", "Conv2D")
    _check_rank4(x, "input", "Conv2D")
    _check_rank4(w, "filter", "Conv2D")
    if x._value.shape[3] != w._value.shape[2]:
        raise errors.wrapped_kernel(errors.InvalidArgumentError(
            None, "Conv2D", f"input depth must be evenly divisible by filter depth: "
            f"{x._value.shape[3]} vs {w._value.shape[2]} [Op:Conv2D]"), x.dtype.name)
    s, d = _pair(strides, "strides"), _pair(1 if dilations is None else dilations, "dilations")
    p = _padding(padding, "Conv2D")
    _check_output(x._value.shape[1:3], w._value.shape[:2], s, d, p, "Conv2D", x.dtype.name)
    return execute(CONV2D, (x, w), {"strides": s, "padding": p, "dilations": d})


def conv2d_backprop_input(input_sizes: Any, filters: Any, out_backprop: Any, strides: Any,
                          padding: str, data_format: str | None = "NHWC", dilations: Any = None,
                          name: str | None = None) -> Tensor:
    """The gradient of conv2d w.r.t. its input (also the forward of conv2d_transpose)."""
    _data_format(data_format, "Conv2DBackpropInput")
    w, dy = binary_args(filters, out_backprop, "Conv2DBackpropInput")
    sizes = tuple(int(v) for v in np.asarray(
        input_sizes._value if isinstance(input_sizes, Tensor) else input_sizes).reshape(-1))
    s, d = _pair(strides, "strides"), _pair(1 if dilations is None else dilations, "dilations")
    p = _padding(padding, "Conv2DBackpropInput")
    _check_rank4(w, "filter", "Conv2DBackpropInput")
    _check_rank4(dy, "out_backprop", "Conv2DBackpropInput")
    expected = _geometry(sizes[1:3], w._value.shape[:2], s, d, p)[:2]
    if len(sizes) != 4 or tuple(dy._value.shape) != (sizes[0], *expected, w._value.shape[3]):
        raise errors.InvalidArgumentError(
            None, "Conv2DBackpropInput", f"Conv2DBackpropInput: out_backprop shape "
            f"{list(dy._value.shape)} does not match input_sizes {list(sizes)} and filter "
            f"{list(w._value.shape)} [Op:Conv2DBackpropInput]")
    return execute(CONV2D_BACKPROP_INPUT, (w, dy),
                   {"input_sizes": sizes, "strides": s, "padding": p, "dilations": d})


def conv2d_backprop_filter(input: Any, filter_sizes: Any, out_backprop: Any,  # noqa: A002
                           strides: Any, padding: str, data_format: str | None = "NHWC",
                           dilations: Any = None, name: str | None = None) -> Tensor:
    """The gradient of conv2d w.r.t. its filter."""
    _data_format(data_format, "Conv2DBackpropFilter")
    x, dy = binary_args(input, out_backprop, "Conv2DBackpropFilter")
    sizes = tuple(int(v) for v in np.asarray(
        filter_sizes._value if isinstance(filter_sizes, Tensor) else filter_sizes).reshape(-1))
    s, d = _pair(strides, "strides"), _pair(1 if dilations is None else dilations, "dilations")
    p = _padding(padding, "Conv2DBackpropFilter")
    _check_rank4(x, "input", "Conv2DBackpropFilter")
    _check_rank4(dy, "out_backprop", "Conv2DBackpropFilter")
    expected = _geometry(x._value.shape[1:3], sizes[:2], s, d, p)[:2]
    if len(sizes) != 4 or tuple(dy._value.shape) != (x._value.shape[0], *expected, sizes[3]):
        raise errors.InvalidArgumentError(
            None, "Conv2DBackpropFilter", f"Conv2DBackpropFilter: out_backprop shape "
            f"{list(dy._value.shape)} does not match input {list(x._value.shape)} and "
            f"filter_sizes {list(sizes)} [Op:Conv2DBackpropFilter]")
    return execute(CONV2D_BACKPROP_FILTER, (x, dy),
                   {"filter_sizes": sizes, "strides": s, "padding": p, "dilations": d})


def conv2d_transpose(input: Any, filters: Any, output_shape: Any, strides: Any,  # noqa: A002
                     padding: str = "SAME", data_format: str | None = "NHWC",
                     dilations: Any = None, name: str | None = None) -> Tensor:
    """``tf.nn.conv2d_transpose``: filters are (KH, KW, C_out, C_in), as in TensorFlow."""
    return conv2d_backprop_input(output_shape, filters, input, strides, padding, data_format,
                                 dilations)


def max_pool2d(input: Any, ksize: Any, strides: Any, padding: str,  # noqa: A002
               data_format: str | None = "NHWC", name: str | None = None) -> Tensor:
    """``tf.nn.max_pool2d``: the maximum over each (KH, KW) window, NHWC."""
    _data_format(data_format, "MaxPool")
    x = _t(input)
    require_kinds(x, "fiu", "MaxPool")
    _check_rank4(x, "input", "MaxPool")
    k, s = _pair(ksize, "ksize"), _pair(strides, "strides")
    p = _padding(padding, "MaxPool")
    _check_output(x._value.shape[1:3], k, s, (1, 1), p, "MaxPool")
    return execute(MAX_POOL, (x,), {"ksize": k, "strides": s, "padding": p})


def max_pool_grad(orig_input: Any, orig_output: Any, grad: Any, ksize: Any, strides: Any,
                  padding: str, data_format: str | None = "NHWC",
                  name: str | None = None) -> Tensor:
    """The gradient of max_pool2d: ``grad`` routed to each window's maximum."""
    _data_format(data_format, "MaxPoolGrad")
    x, y, dy = _t(orig_input), _t(orig_output), _t(grad)
    k, s, p = _pair(ksize, "ksize"), _pair(strides, "strides"), _padding(padding, "MaxPoolGrad")
    if y._value.shape != dy._value.shape:
        raise errors.InvalidArgumentError(
            None, "MaxPoolGrad", f"orig_output and grad must have the same shape: "
            f"{list(y._value.shape)} vs. {list(dy._value.shape)} [Op:MaxPoolGrad]")
    return execute(MAX_POOL_GRAD, (x, y, dy), {"ksize": k, "strides": s, "padding": p})
