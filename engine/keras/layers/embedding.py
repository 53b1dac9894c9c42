"""``Embedding``: rows of a trainable table picked by integer ids.

Its lookup is a ``tf.gather``, so the table's gradient is an ``IndexedSlices`` of the rows
looked up, and optimizers apply it sparsely, as Keras 3 on TensorFlow does.
"""

from __future__ import annotations

import warnings
from typing import Any

from engine.keras import initializers, regularizers
from engine.keras.layers.base import Layer, Shape
from engine.ops import array_ops, math_ops
from engine.tensor import Tensor, Variable


def _positive_int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"`{what}` must be a positive integer. Received: {what}={value} "
                         f"(of type {type(value).__name__}).")
    return value


class Embedding(Layer):
    """Ids of shape ``(batch, n)`` → vectors of shape ``(batch, n, output_dim)``."""

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None,
                 mask_zero: bool = False, weights: Any = None, **kwargs: Any) -> None:
        input_dim = _positive_int(input_dim, "input_dim")
        output_dim = _positive_int(output_dim, "output_dim")
        if kwargs.pop("input_length", None) is not None:
            warnings.warn("Argument `input_length` is deprecated. Just remove it.",
                          stacklevel=2)
        kwargs["embeddings_constraint"] = embeddings_constraint
        for unused in ("embeddings_constraint", "activity_regularizer", "lora_rank",
                       "lora_alpha", "quantization_config"):
            if kwargs.pop(unused, None) is not None:
                raise ValueError(f"Embedding: {unused} is not supported by Tapescope.")
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = input_dim, output_dim
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.mask_zero = bool(mask_zero)
        self.supports_masking = self.mask_zero
        if weights is not None:
            self.build()
            self.set_weights(weights if isinstance(weights, list) and len(weights) == 1
                             else [weights])

    def build(self, input_shape: Shape | None = None) -> None:
        if self.built:
            return
        self._embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim),
            initializer=self.embeddings_initializer, regularizer=self.embeddings_regularizer)
        self.built = True

    @property
    def embeddings(self) -> Variable:
        if not self.built:
            raise AttributeError("You must build the layer before accessing `embeddings`.")
        return self._embeddings

    def call(self, inputs: Tensor) -> Tensor:
        ids = inputs if inputs.dtype.name in ("int32", "int64") else math_ops.cast(
            inputs, "int32")
        # Keras' take: a negative id counts from the end of the table
        ids = math_ops.where(math_ops.less(ids, 0), math_ops.add(ids, self.input_dim), ids)
        return array_ops.gather(self._embeddings, ids)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Tensor | None:
        """``inputs != 0`` with ``mask_zero`` (0 is padding), else None."""
        if not self.mask_zero:
            return None
        return math_ops.not_equal(inputs, 0)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*tuple(input_shape), self.output_dim)

    def get_config(self) -> dict:
        return dict(super().get_config(), input_dim=self.input_dim, output_dim=self.output_dim,
                    embeddings_initializer=initializers.serialize(self.embeddings_initializer),
                    embeddings_regularizer=regularizers.serialize(self.embeddings_regularizer),
                    activity_regularizer=None, embeddings_constraint=None,
                    mask_zero=self.mask_zero, quantization_config=None)
