"""Regularization by noise while training: GaussianNoise, GaussianDropout and
SpatialDropout1D/2D (whole feature maps dropped). Draws are Keras 3's: stateless normals
and dropout masks seeded from the layer's SeedGenerator."""

from __future__ import annotations

import math
from typing import Any

from engine.keras.layers.base import InputSpec, Layer, Shape
from engine.keras.layers.convolutional import _channels_last
from engine.keras.layers.core import Dropout
from engine.keras.random import SeedGenerator, draw_seed
from engine.ops import math_ops, nn_impl, random_ops
from engine.tensor import Tensor


class GaussianNoise(Layer):
    """inputs + N(0, stddev²) noise while training; the identity at inference."""

    def __init__(self, stddev: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= stddev <= 1:
            raise ValueError("Invalid value received for argument `stddev`. Expected a float "
                             f"value between 0 and 1. Received: stddev={stddev}")
        self.stddev, self.seed = stddev, seed
        if stddev > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        if not training or self.stddev <= 0:
            return inputs
        noise = random_ops.stateless_normal(tuple(inputs.shape), draw_seed(self.seed_generator),
                                            0.0, self.stddev, self.dtype)
        return math_ops.add(inputs, noise)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), stddev=self.stddev, seed=self.seed)


class GaussianDropout(Layer):
    """inputs · N(1, rate/(1-rate)) noise while training; the identity at inference."""

    def __init__(self, rate: float, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        self.rate, self.seed = rate, seed
        if rate > 0:
            self.seed_generator = SeedGenerator(seed)
        self.supports_masking = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        if not training or self.rate <= 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        noise = random_ops.stateless_normal(tuple(inputs.shape), draw_seed(self.seed_generator),
                                            1.0, stddev, self.dtype)
        return math_ops.multiply(inputs, noise)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), rate=self.rate, seed=self.seed)


class _SpatialDropout(Dropout):
    """Dropout whose mask is shared along the spatial axes (one draw per feature map)."""

    _ndim = 3

    def __init__(self, rate: float, seed: int | None = None, name: str | None = None,
                 dtype: Any = None, data_format: str | None = None) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype)
        _channels_last(data_format, type(self).__name__)
        self.input_spec = InputSpec(ndim=self._ndim)

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        shape = tuple(inputs.shape)
        noise = (shape[0], *([1] * (self._ndim - 2)), shape[-1])
        return nn_impl.stateless_dropout(inputs, self.rate, draw_seed(self.seed_generator),
                                         noise_shape=noise)

    def get_config(self) -> dict:
        return {"rate": self.rate, "seed": self.seed, "name": self.name,
                "dtype": super().get_config()["dtype"]}


class SpatialDropout1D(_SpatialDropout):
    """Drops whole channels of a (batch, steps, channels) input."""


class SpatialDropout2D(_SpatialDropout):
    """Drops whole channels of a (batch, H, W, channels) input."""

    _ndim = 4

    def __init__(self, rate: float, data_format: str | None = None, seed: int | None = None,
                 name: str | None = None, dtype: Any = None) -> None:
        super().__init__(rate, seed=seed, name=name, dtype=dtype, data_format=data_format)
