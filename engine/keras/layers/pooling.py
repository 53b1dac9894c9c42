"""MaxPooling1D, AveragePooling1D/2D and GlobalMaxPooling1D/2D (channels last).

1-D pooling runs as TensorFlow runs it: a 2-D pool over a height of 1."""

from __future__ import annotations

from typing import Any

from engine.keras.layers.base import InputSpec, Layer, Shape
from engine.keras.layers.convolutional import _channels_last, _padding, _pair, _spatial
from engine.ops import array_ops, conv_ops, pool_ops, reduction_ops
from engine.tensor import Tensor


def _one(value: Any, name: str) -> int:
    if isinstance(value, int):
        return value
    items = tuple(int(v) for v in value)
    if len(items) != 1:
        raise ValueError(f"The `{name}` argument must be a tuple of 1 integer. Received: "
                         f"{name}={value!r}")
    return items[0]


class _Pooling1D(Layer):
    """(batch, steps, features) → (batch, pooled steps, features)."""

    _kind = "max"

    def __init__(self, pool_size: Any = 2, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format, type(self).__name__)
        self.pool_size = _one(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else _one(strides, "strides")
        self.padding = _padding(padding)
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Tensor) -> Tensor:
        x = array_ops.expand_dims(inputs, 1)
        pool = conv_ops.max_pool2d if self._kind == "max" else pool_ops.avg_pool2d
        y = pool(x, (1, self.pool_size), (1, self.strides), self.padding.upper())
        return array_ops.squeeze(y, [1])

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, steps, c = input_shape
        return (n, _spatial(steps, self.pool_size, self.strides, 1, self.padding), c)

    def get_config(self) -> dict:
        return dict(super().get_config(), pool_size=(self.pool_size,), padding=self.padding,
                    strides=(self.strides,), data_format="channels_last")


class MaxPooling1D(_Pooling1D):
    """The maximum of each window of ``pool_size`` steps."""


class AveragePooling1D(_Pooling1D):
    """The mean of each window of ``pool_size`` steps (with 'same', of its valid steps)."""

    _kind = "avg"

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)  # no default size


class AveragePooling2D(Layer):
    """The mean of each ``pool_size`` window; ``strides`` default to ``pool_size``."""

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format, "AveragePooling2D")
        self.pool_size = _pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else _pair(strides, "strides")
        self.padding = _padding(padding)
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        return pool_ops.avg_pool2d(inputs, self.pool_size, self.strides, self.padding.upper())

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, h, w, c = input_shape
        (kh, kw), (sh, sw) = self.pool_size, self.strides
        return (n, _spatial(h, kh, sh, 1, self.padding), _spatial(w, kw, sw, 1, self.padding), c)

    def get_config(self) -> dict:
        return dict(super().get_config(), pool_size=self.pool_size, padding=self.padding,
                    strides=self.strides, data_format="channels_last")


class _GlobalMax(Layer):
    _rank = 3

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format, type(self).__name__)
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self._rank)

    def call(self, inputs: Tensor) -> Tensor:
        axes = list(range(1, self._rank - 1))
        return reduction_ops.reduce_max(inputs, axis=axes, keepdims=self.keepdims)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, c = input_shape[0], input_shape[-1]
        return (n, *([1] * (self._rank - 2)), c) if self.keepdims else (n, c)

    def get_config(self) -> dict:
        return dict(super().get_config(), data_format="channels_last", keepdims=self.keepdims)


class GlobalMaxPooling1D(_GlobalMax):
    """(batch, steps, features) → (batch, features): the maximum over the steps."""


class GlobalMaxPooling2D(_GlobalMax):
    """(batch, H, W, channels) → (batch, channels): the maximum over each image."""

    _rank = 4


MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
AvgPool2D = AveragePooling2D
GlobalMaxPool1D = GlobalMaxPooling1D
GlobalMaxPool2D = GlobalMaxPooling2D
