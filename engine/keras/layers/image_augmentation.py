"""RandomFlip, RandomRotation, RandomZoom: data augmentation for the image tutorials,
drawn as Keras 3 draws it (rotations and zooms resample through ImageProjectiveTransformV3).

Keras 3's random image layers transform while training and, unlike most layers, also
when called directly without ``training`` (their ``call`` defaults it to True); inside
``predict``/``evaluate`` they pass images through.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.keras.layers.base import Layer, Shape
from engine.keras.layers.convolutional import _channels_last
from engine.keras.random import SeedGenerator, draw_seed
from engine.ops import array_ops, image_transform_ops, math_ops, ordering_ops, random_ops
from engine.tensor import Tensor

HORIZONTAL, VERTICAL = "horizontal", "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


class RandomFlip(Layer):
    """Flip each image left-right and/or up-down with probability ½ (one uniform draw per
    image, flipped where it is ≤ 0.5; ``horizontal_and_vertical`` flips both ways on the
    same draw, as Keras 3 does)."""

    def __init__(self, mode: str = HORIZONTAL_AND_VERTICAL, seed: int | None = None,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format, "RandomFlip")
        if mode not in (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL):
            raise ValueError(f"RandomFlip layer {self.name} received an unknown mode argument "
                             f"{mode}")
        self.seed, self.mode = seed, mode
        self.generator = SeedGenerator(seed)

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        images = math_ops.cast(inputs, self.dtype)
        if training is False:
            return images
        rank = len(images.shape)
        if rank not in (3, 4):
            raise ValueError("RandomFlip expects images of rank 3 (height, width, channels) or "
                             f"4 (batch, height, width, channels); got shape {images.shape}")
        unbatched = rank == 3
        if unbatched:
            images = array_ops.expand_dims(images, 0)
        flips_shape = (1, 1, 1) if unbatched else (images.shape[0], 1, 1, 1)
        draw = random_ops.stateless_uniform(flips_shape, draw_seed(self.generator), 0.0, 1.0,
                                            "float32")
        flips = math_ops.less_equal(draw, 0.5)
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            images = math_ops.where(flips, ordering_ops.reverse(images, [2]), images)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            images = math_ops.where(flips, ordering_ops.reverse(images, [1]), images)
        return array_ops.squeeze(images, [0]) if unbatched else images

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), seed=self.seed, mode=self.mode,
                    data_format="channels_last")


_FILL_MODES = ("reflect", "wrap", "constant", "nearest")
_INTERPOLATIONS = ("nearest", "bilinear")


def _factor_pair(factor: Any, name: str, low: float, high: float) -> tuple[float, float]:
    """A factor as (lower, upper): a number f gives (-f, f), a pair is sorted."""
    message = (f"The `{name}` argument should be a number (or a list of two numbers) in the "
               f"range [{low}, {high}]. Received: {name}={factor}")
    if isinstance(factor, tuple | list):
        if len(factor) != 2 or factor[0] > high or factor[1] < low:
            raise ValueError(message)
        lower, upper = sorted(float(f) for f in factor)
        return lower, upper
    if isinstance(factor, int | float):
        if not low <= factor <= high:
            raise ValueError(message)
        f = abs(float(factor))
        return max(-f, low), f
    raise ValueError(message)


class _RandomAffine(Layer):
    """What RandomRotation and RandomZoom share: a seeded draw per image, then the images
    resampled through the drawn affine map (ImageProjectiveTransformV3)."""

    def __init__(self, fill_mode: str, interpolation: str, seed: int | None, fill_value: float,
                 data_format: str | None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        _channels_last(data_format, type(self).__name__)
        if fill_mode not in _FILL_MODES:
            raise NotImplementedError(f"Unknown `fill_mode` {fill_mode}. Expected of one "
                                      f"{_FILL_MODES}.")
        if interpolation not in _INTERPOLATIONS:
            raise NotImplementedError(f"Unknown `interpolation` {interpolation}. Expected of "
                                      f"one {_INTERPOLATIONS}.")
        self.fill_mode, self.interpolation = fill_mode, interpolation
        self.seed, self.fill_value = seed, fill_value
        self.generator = SeedGenerator(seed)

    def _transforms(self, batch: int, height: int, width: int) -> Tensor:
        raise NotImplementedError

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        images = math_ops.cast(inputs, self.dtype)
        if training is False:
            return images
        rank = len(images.shape)
        if rank not in (3, 4):
            raise ValueError(f"{type(self).__name__} expects images of rank 3 or 4 (channels "
                             f"last); got shape {images.shape}")
        if rank == 3:
            images = array_ops.expand_dims(images, 0)
        _, height, width, _ = images.shape
        out = image_transform_ops.image_projective_transform_v3(
            images, self._transforms(images.shape[0] if rank == 4 else 1, height, width),
            (height, width), self.fill_value, self.interpolation, self.fill_mode)
        return array_ops.squeeze(out, [0]) if rank == 3 else out

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), fill_mode=self.fill_mode,
                    interpolation=self.interpolation, seed=self.seed,
                    fill_value=self.fill_value, data_format="channels_last")


class RandomRotation(_RandomAffine):
    """Rotate each image by an angle drawn from ``factor``·2π (a fraction of a full turn)
    about its centre."""

    def __init__(self, factor: Any, fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: int | None = None, fill_value: float = 0.0,
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", -1.0, 1.0)
        self._factor_arg = factor

    def _transforms(self, batch: int, height: int, width: int) -> Tensor:
        lower, upper = self.factor[0] * 360.0, self.factor[1] * 360.0
        angle = random_ops.stateless_uniform((batch,), draw_seed(self.generator), lower, upper,
                                             "float32")
        # Keras 3's _compute_affine_matrix, with no shear, translation or scaling
        angle = math_ops.multiply(angle, np.float32(math.pi / 180.0))
        cos, sin = math_ops.cos(angle), math_ops.sin(angle)
        zeros = array_ops.zeros((batch,), "float32")
        ones = array_ops.ones((batch,), "float32")
        cx = np.float32(0.5) * (np.float32(width) - np.float32(1))
        cy = np.float32(0.5) * (np.float32(height) - np.float32(1))
        a0 = math_ops.multiply(ones, math_ops.add(cos, math_ops.multiply(zeros, sin)))
        a1 = math_ops.multiply(ones, math_ops.add(math_ops.negative(sin),
                                                  math_ops.multiply(zeros, cos)))
        a2 = math_ops.subtract(math_ops.subtract(math_ops.add(zeros, cx),
                                                 math_ops.multiply(cx, a0)),
                               math_ops.multiply(cy, a1))
        b0 = math_ops.multiply(ones, math_ops.add(math_ops.multiply(zeros, cos), sin))
        b1 = math_ops.multiply(ones, math_ops.add(math_ops.multiply(zeros, math_ops.negative(
            sin)), cos))
        b2 = math_ops.subtract(math_ops.subtract(math_ops.add(zeros, cy),
                                                 math_ops.multiply(cx, b0)),
                               math_ops.multiply(cy, b1))
        columns = [a0, a1, a2, b0, b1, b2, zeros, zeros]
        return array_ops.stack(columns, axis=1)

    def get_config(self) -> dict:
        return dict(super().get_config(), factor=self._factor_arg)


class RandomZoom(_RandomAffine):
    """Zoom each image by 1 + a factor drawn from ``height_factor`` (and ``width_factor``,
    or the same draw): negative factors zoom in, positive ones out."""

    def __init__(self, height_factor: Any, width_factor: Any = None, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: int | None = None,
                 fill_value: float = 0.0, data_format: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(fill_mode, interpolation, seed, fill_value, data_format, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self.height_lower, self.height_upper = self._zoom_range(height_factor, "height_factor")
        if width_factor is not None:
            self.width_lower, self.width_upper = self._zoom_range(width_factor, "width_factor")

    @staticmethod
    def _zoom_range(factor: Any, name: str) -> tuple[float, float]:
        pair = tuple(factor) if isinstance(factor, tuple | list) else None
        for f in pair or (factor,):
            if not isinstance(f, int | float) or f > 1.0 or f <= -1.0:
                raise ValueError("The `factor` argument should be a number (or a list of two "
                                 "numbers) in the range [-1.0, 1.0]. Received: "
                                 f"{name}={factor}")
        if pair is not None:
            if len(pair) != 2:
                raise ValueError(f"The `{name}` argument should have two numbers. Received: "
                                 f"{name}={factor}")
            lower, upper = sorted(float(f) for f in pair)
            return lower, upper
        return -abs(float(factor)), abs(float(factor))

    def _transforms(self, batch: int, height: int, width: int) -> Tensor:
        seed = self.generator
        height_zoom = random_ops.stateless_uniform(
            (batch, 1), draw_seed(seed), 1.0 + self.height_lower, 1.0 + self.height_upper,
            "float32")
        width_zoom = height_zoom if self.width_factor is None else \
            random_ops.stateless_uniform((batch, 1), draw_seed(seed), 1.0 + self.width_lower,
                                         1.0 + self.width_upper, "float32")
        x_offset = math_ops.multiply((np.float32(width) - np.float32(1)) / np.float32(2),
                                     math_ops.subtract(np.float32(1), width_zoom))
        y_offset = math_ops.multiply((np.float32(height) - np.float32(1)) / np.float32(2),
                                     math_ops.subtract(np.float32(1), height_zoom))
        zeros = array_ops.zeros((batch, 1), "float32")
        return array_ops.concat([width_zoom, zeros, x_offset, zeros, height_zoom, y_offset,
                                 zeros, zeros], axis=1)

    def get_config(self) -> dict:
        return dict(super().get_config(), height_factor=self.height_factor,
                    width_factor=self.width_factor)
