"""1-D convolution and pooling, and the N-D entry points (``tf.nn.convolution``,
``tf.nn.max_pool``): as TensorFlow builds them, a 1-D op is the 2-D op over a height of 1
(expand_dims, Conv2D/MaxPool/AvgPool, squeeze), so gradients come from those ops."""

from __future__ import annotations

from typing import Any

from engine.ops.array_ops import expand_dims, squeeze
from engine.ops.conv_ops import conv2d, max_pool2d
from engine.ops.pool_ops import _width, avg_pool2d
from engine.tensor import Tensor, convert_to_tensor


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _nwc(data_format: str | None, op: str) -> None:
    if data_format not in (None, "NWC"):
        raise ValueError(f"{op}: data_format must be 'NWC' (channels last); got "
                         f"{data_format!r}")


def conv1d(input: Any, filters: Any, stride: Any = 1, padding: str = "VALID",  # noqa: A002
           data_format: str | None = "NWC", dilations: Any = None,
           name: str | None = None) -> Tensor:
    """``tf.nn.conv1d``: NWC input, filters (W, C_in, C_out); a Conv2D over height 1."""
    _nwc(data_format, "conv1d")
    x, w = _t(input), _t(filters)
    if x._value.ndim != 3:
        raise ValueError(f"`input` must be 3-D [batch, width, channels]; got shape "
                         f"{list(x._value.shape)}")
    if w._value.ndim != 3:
        raise ValueError(f"`filters` must be 3-D [width, in_channels, out_channels]; got "
                         f"shape {list(w._value.shape)}")
    s = _width(stride, "stride")
    d = 1 if dilations is None else _width(dilations, "dilations")
    out = conv2d(expand_dims(x, 1), expand_dims(w, 0), strides=[1, 1, s, 1], padding=padding,
                 dilations=[1, 1, d, 1])
    return squeeze(out, [1])


def max_pool1d(input: Any, ksize: Any, strides: Any, padding: str,  # noqa: A002
               data_format: str | None = "NWC", name: str | None = None) -> Tensor:
    """``tf.nn.max_pool1d``: the maximum over each window of an NWC input."""
    _nwc(data_format, "max_pool1d")
    x = _t(input)
    k, s = _width(ksize, "ksize"), _width(strides, "strides")
    return squeeze(max_pool2d(expand_dims(x, 1), (1, k), (1, s), padding), [1])


def avg_pool1d(input: Any, ksize: Any, strides: Any, padding: str,  # noqa: A002
               data_format: str | None = "NWC", name: str | None = None) -> Tensor:
    """``tf.nn.avg_pool1d``: the mean over each window of an NWC input."""
    _nwc(data_format, "avg_pool1d")
    x = _t(input)
    k, s = _width(ksize, "ksize"), _width(strides, "strides")
    return squeeze(avg_pool2d(expand_dims(x, 1), (1, k), (1, s), padding), [1])


def max_pool(input: Any, ksize: Any, strides: Any, padding: str,  # noqa: A002
             data_format: str | None = None, name: str | None = None) -> Tensor:
    """``tf.nn.max_pool``: 1-D pooling for rank 3 (NWC), 2-D for rank 4 (NHWC)."""
    x = _t(input)
    if x._value.ndim == 3:
        return max_pool1d(x, ksize, strides, padding, data_format)
    if x._value.ndim == 4:
        return max_pool2d(x, ksize, strides, padding, data_format or "NHWC")
    raise NotImplementedError(f"max_pool supports 1-D and 2-D pooling (rank-3 or rank-4 "
                              f"input); got rank {x._value.ndim}")


def convolution(input: Any, filters: Any, strides: Any = None, padding: str = "VALID",  # noqa: A002
                data_format: str | None = None, dilations: Any = None,
                name: str | None = None) -> Tensor:
    """``tf.nn.convolution``: conv1d for rank-3 input, conv2d for rank 4."""
    x = _t(input)
    if x._value.ndim == 3:
        return conv1d(x, filters, 1 if strides is None else strides, padding, data_format,
                      dilations)
    if x._value.ndim == 4:
        return conv2d(x, filters, 1 if strides is None else strides, padding,
                      data_format or "NHWC", dilations)
    raise NotImplementedError(f"convolution supports 1-D and 2-D convolutions (rank-3 or "
                              f"rank-4 input); got rank {x._value.ndim}")
