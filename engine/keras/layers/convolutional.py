"""Conv2D, MaxPooling2D and GlobalAveragePooling2D on NHWC images."""

from __future__ import annotations

from typing import Any

from engine.keras import activations, initializers, regularizers
from engine.keras.layers.base import InputSpec, Layer, Shape
from engine.keras.layers.core import _as_compute
from engine.ops import conv_ops, nn_ops, reduction_ops
from engine.tensor import Tensor


def _pair(value: Any, name: str) -> tuple[int, int]:
    if isinstance(value, int):
        return value, value
    items = tuple(int(v) for v in value)
    if len(items) != 2:
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. Received: "
                         f"{name}={value!r}")
    return items  # type: ignore[return-value]


def _padding(padding: str) -> str:
    p = str(padding).lower()
    if p not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be 'valid' or 'same'. Received: {padding}")
    return p


def _channels_last(data_format: str | None, layer: str) -> None:
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{layer}: Tapescope runs convolutions in channels_last (NHWC) only; "
                         f"got data_format={data_format!r}")


def _spatial(size: int | None, k: int, s: int, d: int, padding: str) -> int | None:
    if size is None:
        return None
    return conv_ops.output_size(size, k, s, d, padding.upper())[0]


class Conv2D(Layer):
    """2-D convolution: ``filters`` kernels of ``kernel_size`` slid over (H, W), channels last."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = (1, 1), activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 **kwargs: Any) -> None:
        if kwargs.pop("groups", 1) != 1:
            raise ValueError("Conv2D: groups other than 1 are not supported by Tapescope.")
        for unused in ("activity_regularizer", "kernel_constraint", "bias_constraint"):
            if kwargs.pop(unused, None) is not None:
                raise ValueError(f"Conv2D: {unused} is not supported by Tapescope.")
        super().__init__(**kwargs)
        _channels_last(data_format, "Conv2D")
        if int(filters) <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive "
                             f"value. Received filters={filters}.")
        self.filters = int(filters)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        self.padding = _padding(padding)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.input_spec = InputSpec(min_ndim=4)

    def build(self, input_shape: Shape) -> None:
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found None.")
        self.kernel = self.add_weight("kernel", (*self.kernel_size, channels, self.filters),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.bias = (self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer)
                     if self.use_bias else None)
        self.input_spec = InputSpec(ndim=4, axes={-1: int(channels)})
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        y = conv_ops.conv2d(_as_compute(self, inputs), self.kernel, self.strides,
                            self.padding.upper(), dilations=self.dilation_rate)
        if self.bias is not None:
            y = nn_ops.bias_add(y, self.bias)
        return self.activation(y)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, h, w, _ = input_shape
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.strides, self.dilation_rate
        out_h = _spatial(h, kh, sh, dh, self.padding)
        out_w = _spatial(w, kw, sw, dw, self.padding)
        if (out_h is not None and out_h < 1) or (out_w is not None and out_w < 1):
            raise ValueError(f'Layer "{self.name}": computed output size would be negative: '
                             f"input {tuple(input_shape)}, kernel_size {self.kernel_size}, "
                             f"strides {self.strides}, padding '{self.padding}'.")
        return (n, out_h, out_w, self.filters)

    def get_config(self) -> dict:
        return dict(super().get_config(), filters=self.filters,
                    kernel_size=list(self.kernel_size), strides=list(self.strides),
                    padding=self.padding, data_format="channels_last",
                    dilation_rate=list(self.dilation_rate), groups=1,
                    activation=activations.serialize(self.activation), use_bias=self.use_bias,
                    kernel_initializer=initializers.serialize(self.kernel_initializer),
                    bias_initializer=initializers.serialize(self.bias_initializer),
                    kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                    bias_regularizer=regularizers.serialize(self.bias_regularizer),
                    activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


class MaxPooling2D(Layer):
    """The maximum of each ``pool_size`` window; ``strides`` default to ``pool_size``."""

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format, "MaxPooling2D")
        self.pool_size = _pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else _pair(strides, "strides")
        self.padding = _padding(padding)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        return conv_ops.max_pool2d(inputs, self.pool_size, self.strides, self.padding.upper())

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, h, w, c = input_shape
        (kh, kw), (sh, sw) = self.pool_size, self.strides
        return (n, _spatial(h, kh, sh, 1, self.padding), _spatial(w, kw, sw, 1, self.padding), c)

    def get_config(self) -> dict:
        return dict(super().get_config(), pool_size=list(self.pool_size),
                    strides=list(self.strides), padding=self.padding)


class GlobalAveragePooling2D(Layer):
    """The mean over (H, W) of each channel."""

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format, "GlobalAveragePooling2D")
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        return reduction_ops.reduce_mean(inputs, axis=[1, 2], keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, _, _, c = input_shape
        return (n, 1, 1, c) if self.keepdims else (n, c)

    def get_config(self) -> dict:
        return dict(super().get_config(), keepdims=self.keepdims)


MaxPool2D = MaxPooling2D
Convolution2D = Conv2D
GlobalAvgPool2D = GlobalAveragePooling2D
