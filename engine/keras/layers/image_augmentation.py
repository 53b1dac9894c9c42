"""RandomFlip: data augmentation for the image tutorials, drawn as Keras 3 draws it.

Keras 3's random image layers transform while training and, unlike most layers, also
when called directly without ``training`` (their ``call`` defaults it to True); inside
``predict``/``evaluate`` they pass images through.
"""

from __future__ import annotations

from typing import Any

from engine.keras.layers.base import Layer, Shape
from engine.keras.layers.convolutional import _channels_last
from engine.keras.random import SeedGenerator, draw_seed
from engine.ops import array_ops, math_ops, ordering_ops, random_ops
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
