"""GlobalAveragePooling1D: the mean over the steps of a sequence (what follows an Embedding
in the text tutorials), over the unmasked steps when given a mask."""

from __future__ import annotations

from typing import Any

from engine.keras.layers.base import InputSpec, Layer, Shape
from engine.ops import array_ops, math_ops, reduction_ops
from engine.tensor import Tensor


class GlobalAveragePooling1D(Layer):
    """(batch, steps, features) → (batch, features)."""

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError("GlobalAveragePooling1D: Tapescope runs it in channels_last "
                             f"(batch, steps, features) only; got data_format={data_format!r}")
        self.keepdims = bool(keepdims)
        self.supports_masking = True
        self.input_spec = InputSpec(ndim=3)

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        if mask is None:
            return reduction_ops.reduce_mean(inputs, axis=1, keepdims=self.keepdims)
        keep = math_ops.cast(array_ops.expand_dims(mask, 2), "bool")  # Keras 3's masked mean
        total = reduction_ops.reduce_sum(math_ops.where(keep, inputs, 0.0), axis=1,
                                         keepdims=self.keepdims)
        count = reduction_ops.reduce_sum(math_ops.cast(keep, inputs.dtype), axis=1,
                                         keepdims=self.keepdims)
        return math_ops.divide(total, count)

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        n, _, c = input_shape
        return (n, 1, c) if self.keepdims else (n, c)

    def get_config(self) -> dict:
        return dict(super().get_config(), data_format="channels_last", keepdims=self.keepdims)


GlobalAvgPool1D = GlobalAveragePooling1D
