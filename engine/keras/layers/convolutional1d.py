"""Conv1D over sequences and Conv2DTranspose (the upsampling convolution), channels last.

Conv1D runs as TensorFlow runs it: a 2-D convolution over a height of 1; 'causal'
padding pads the left of the sequence only, so step t sees steps ≤ t."""

from __future__ import annotations

from typing import Any

from engine.keras import activations, initializers, regularizers
from engine.keras.layers.base import InputSpec, Layer, Shape
from engine.keras.layers.convolutional import _channels_last, _padding, _pair, _spatial
from engine.keras.layers.core import _as_compute
from engine.keras.layers.pooling import _one
from engine.ops import array_ops, conv_ops, nn_ops, pad_scatter_ops
from engine.tensor import Tensor


def _refuse_unsupported(kwargs: dict, layer: str) -> None:
    if kwargs.pop("groups", 1) != 1:
        raise ValueError(f"{layer}: groups other than 1 are not supported by Tapescope.")
    for unused in ("activity_regularizer", "kernel_constraint", "bias_constraint"):
        if kwargs.pop(unused, None) is not None:
            raise ValueError(f"{layer}: {unused} is not supported by Tapescope.")


class _ConvBase(Layer):
    """The arguments and weights Conv1D and Conv2DTranspose share."""

    def _init_common(self, filters: int, activation: Any, use_bias: bool,
                     kernel_initializer: Any, bias_initializer: Any,
                     kernel_regularizer: Any, bias_regularizer: Any) -> None:
        if int(filters) <= 0:
            raise ValueError(f"Invalid value for argument `filters`. Expected a strictly positive "
                             f"value. Received filters={filters}.")
        self.filters = int(filters)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)

    def _add_weights(self, kernel_shape: tuple) -> None:
        self.kernel = self.add_weight("kernel", kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.bias = (self.add_weight("bias", (self.filters,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer)
                     if self.use_bias else None)

    def _finish(self, y: Tensor) -> Tensor:
        if self.bias is not None:
            y = nn_ops.bias_add(y, self.bias)
        return self.activation(y)

    def _common_config(self) -> dict:
        return dict(activation=activations.serialize(self.activation), use_bias=self.use_bias,
                    kernel_initializer=initializers.serialize(self.kernel_initializer),
                    bias_initializer=initializers.serialize(self.bias_initializer),
                    kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                    bias_regularizer=regularizers.serialize(self.bias_regularizer),
                    activity_regularizer=None, kernel_constraint=None, bias_constraint=None)


class Conv1D(_ConvBase):
    """1-D convolution: ``filters`` kernels of ``kernel_size`` steps slid along the sequence."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1, padding: str = "valid",
                 data_format: str | None = None, dilation_rate: Any = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, **kwargs: Any) -> None:
        _refuse_unsupported(kwargs, "Conv1D")
        super().__init__(**kwargs)
        _channels_last(data_format, "Conv1D")
        self._init_common(filters, activation, use_bias, kernel_initializer, bias_initializer,
                          kernel_regularizer, bias_regularizer)
        self.kernel_size = _one(kernel_size, "kernel_size")
        self.strides = _one(strides, "strides")
        self.dilation_rate = _one(dilation_rate, "dilation_rate")
        p = str(padding).lower()
        self.padding = p if p == "causal" else _padding(padding)
        if self.padding == "causal" and self.strides != 1:
            raise ValueError("Conv1D: causal padding with strides other than 1 is not "
                             "supported by Tapescope.")
        self.input_spec = InputSpec(min_ndim=3)

    def build(self, input_shape: Shape) -> None:
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found None.")
        self._add_weights((self.kernel_size, int(channels), self.filters))
        self.input_spec = InputSpec(ndim=3, axes={-1: int(channels)})
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        x = _as_compute(self, inputs)
        padding = self.padding.upper()
        if self.padding == "causal":
            x = pad_scatter_ops.pad(x, [[0, 0], [self.dilation_rate * (self.kernel_size - 1), 0],
                                        [0, 0]])
            padding = "VALID"
        y = conv_ops.conv2d(array_ops.expand_dims(x, 1), array_ops.expand_dims(self.kernel, 0),
                            (1, self.strides), padding, dilations=(1, self.dilation_rate))
        return self._finish(array_ops.squeeze(y, [1]))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, steps, _ = input_shape
        if self.padding == "causal":
            return (n, steps, self.filters)
        out = _spatial(steps, self.kernel_size, self.strides, self.dilation_rate, self.padding)
        if out is not None and out < 1:
            raise ValueError(f'Layer "{self.name}": computed output size would be negative: '
                             f"input {tuple(input_shape)}, kernel_size {self.kernel_size}, "
                             f"padding '{self.padding}'.")
        return (n, out, self.filters)

    def get_config(self) -> dict:
        return dict(super().get_config(), filters=self.filters,
                    kernel_size=(self.kernel_size,), strides=(self.strides,),
                    padding=self.padding, data_format="channels_last",
                    dilation_rate=(self.dilation_rate,), groups=1, **self._common_config())


def _transpose_size(size: int | None, k: int, s: int, padding: str) -> int | None:
    if size is None:
        return None
    return size * s if padding == "same" else (size - 1) * s + k


class Conv2DTranspose(_ConvBase):
    """The transpose of Conv2D (its gradient w.r.t. the input): upsamples by ``strides``.
    The kernel is (KH, KW, filters, in_channels), as in Keras."""

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", output_padding: Any = None,
                 data_format: str | None = None, dilation_rate: Any = (1, 1),
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 **kwargs: Any) -> None:
        _refuse_unsupported(kwargs, "Conv2DTranspose")
        super().__init__(**kwargs)
        _channels_last(data_format, "Conv2DTranspose")
        if output_padding is not None:
            raise ValueError("Conv2DTranspose: output_padding is not supported by Tapescope.")
        self._init_common(filters, activation, use_bias, kernel_initializer, bias_initializer,
                          kernel_regularizer, bias_regularizer)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.strides = _pair(strides, "strides")
        self.dilation_rate = _pair(dilation_rate, "dilation_rate")
        if self.dilation_rate != (1, 1):
            raise ValueError("Conv2DTranspose: dilation_rate other than 1 is not supported by "
                             "Tapescope.")
        self.padding = _padding(padding)
        self.input_spec = InputSpec(ndim=4)

    def build(self, input_shape: Shape) -> None:
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found None.")
        self._add_weights((*self.kernel_size, self.filters, int(channels)))
        self.input_spec = InputSpec(ndim=4, axes={-1: int(channels)})
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        x = _as_compute(self, inputs)
        n, h, w, _ = x.shape
        out_shape = (n, *self._spatial_out(h, w), self.filters)
        y = conv_ops.conv2d_transpose(x, self.kernel, out_shape, self.strides,
                                      self.padding.upper())
        return self._finish(y)

    def _spatial_out(self, h: int | None, w: int | None) -> tuple:
        (kh, kw), (sh, sw) = self.kernel_size, self.strides
        return (_transpose_size(h, kh, sh, self.padding), _transpose_size(w, kw, sw, self.padding))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, h, w, _ = input_shape
        return (n, *self._spatial_out(h, w), self.filters)

    def get_config(self) -> dict:
        return dict(super().get_config(), filters=self.filters,
                    kernel_size=self.kernel_size, strides=self.strides, padding=self.padding,
                    output_padding=None, data_format="channels_last",
                    dilation_rate=self.dilation_rate, **self._common_config())


Convolution1D = Conv1D
Convolution2DTranspose = Conv2DTranspose
