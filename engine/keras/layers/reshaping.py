"""Layers that move values without learning anything: RepeatVector, Permute,
ZeroPadding2D, Cropping2D and UpSampling2D (nearest neighbour)."""

from __future__ import annotations

from typing import Any

from engine.keras.layers.base import InputSpec, Layer, Shape
from engine.keras.layers.convolutional import _channels_last
from engine.ops import array_ops, composed_array_ops, pad_scatter_ops
from engine.tensor import Tensor


class RepeatVector(Layer):
    """(batch, features) → (batch, n, features): the input repeated ``n`` times."""

    def __init__(self, n: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(n, int):
            raise TypeError(f"Expected an integer value for `n`, got {type(n)}.")
        self.n = n
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs: Tensor) -> Tensor:
        return composed_array_ops.repeat(array_ops.expand_dims(inputs, 1), self.n, axis=1)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self) -> dict:
        return dict(super().get_config(), n=self.n)


class Permute(Layer):
    """Permute the non-batch axes by ``dims`` (1-indexed, as in Keras)."""

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Invalid permutation argument `dims` for Permute Layer. The set of "
                             "indices in `dims` must be consecutive and start from 1. "
                             f"Received dims={dims}")
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs: Tensor) -> Tensor:
        return array_ops.transpose(inputs, (0, *self.dims))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def get_config(self) -> dict:
        return dict(super().get_config(), dims=self.dims)


def _two_pairs(value: Any, name: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """An int, 2 ints or 2 pairs of ints → ((top, bottom), (left, right))."""
    if isinstance(value, int):
        return (value, value), (value, value)
    items = tuple(value)
    if len(items) != 2:
        raise ValueError(f"`{name}` should have two elements. Received: {name}={value}.")
    out = []
    for item in items:
        if isinstance(item, int):
            out.append((item, item))
        else:
            pair = tuple(int(v) for v in item)
            if len(pair) != 2:
                raise ValueError(f"`{name}` should be a tuple of 2 integers or a tuple of 2 "
                                 f"tuples of 2 integers. Received: {name}={value}")
            out.append(pair)
    if any(v < 0 for pair in out for v in pair):
        raise ValueError(f"The `{name}` argument must be non-negative. Received: "
                         f"{name}={value}")
    return out[0], out[1]  # type: ignore[return-value]


class ZeroPadding2D(Layer):
    """Zero rows above/below and columns left/right of each image (NHWC)."""

    def __init__(self, padding: Any = (1, 1), data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format, "ZeroPadding2D")
        self.padding = _two_pairs(padding, "padding")
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        return pad_scatter_ops.pad(inputs, [[0, 0], list(self.padding[0]),
                                            list(self.padding[1]), [0, 0]])

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, h, w, c = input_shape
        (t, b), (left, right) = self.padding
        return (n, None if h is None else h + t + b, None if w is None else w + left + right, c)

    def get_config(self) -> dict:
        return dict(super().get_config(), padding=self.padding, data_format="channels_last")


class Cropping2D(Layer):
    """Drop rows above/below and columns left/right of each image (NHWC)."""

    def __init__(self, cropping: Any = ((0, 0), (0, 0)), data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format, "Cropping2D")
        self.cropping = _two_pairs(cropping, "cropping")
        self.input_spec = InputSpec(ndim=4)

    def _check(self, input_shape: Shape) -> None:
        (t, b), (left, right) = self.cropping
        h, w = input_shape[1], input_shape[2]
        if (h is not None and t + b >= h) or (w is not None and left + right >= w):
            raise ValueError("Values in `cropping` argument should be smaller than the "
                             "corresponding spatial dimension of the input. Received: "
                             f"input_shape={tuple(input_shape)}, cropping={self.cropping}")

    def call(self, inputs: Tensor) -> Tensor:
        self._check(tuple(inputs.shape))
        (t, b), (left, right) = self.cropping
        h, w = inputs.shape[1], inputs.shape[2]
        return inputs[:, t:h - b, left:w - right, :]

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        self._check(input_shape)
        n, h, w, c = input_shape
        (t, b), (left, right) = self.cropping
        return (n, None if h is None else h - t - b, None if w is None else w - left - right, c)

    def get_config(self) -> dict:
        return dict(super().get_config(), cropping=self.cropping, data_format="channels_last")


class UpSampling2D(Layer):
    """Each pixel repeated ``size`` times along H and W (nearest-neighbour upsampling)."""

    def __init__(self, size: Any = (2, 2), data_format: str | None = None,
                 interpolation: str = "nearest", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format, "UpSampling2D")
        if interpolation != "nearest":
            raise ValueError("UpSampling2D: Tapescope supports interpolation='nearest' only; "
                             f"got {interpolation!r}")
        self.size = (size, size) if isinstance(size, int) else tuple(int(s) for s in size)
        if len(self.size) != 2:
            raise ValueError(f"The `size` argument must be a tuple of 2 integers. Received: "
                             f"size={size}")
        self.interpolation = interpolation
        self.input_spec = InputSpec(ndim=4)

    def call(self, inputs: Tensor) -> Tensor:
        x = composed_array_ops.repeat(inputs, self.size[0], axis=1)
        return composed_array_ops.repeat(x, self.size[1], axis=2)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, h, w, c = input_shape
        return (n, None if h is None else h * self.size[0],
                None if w is None else w * self.size[1], c)

    def get_config(self) -> dict:
        return dict(super().get_config(), size=self.size, data_format="channels_last",
                    interpolation=self.interpolation)
