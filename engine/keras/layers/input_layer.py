"""``Input`` and ``InputLayer``: the placeholders a functional model starts from."""

from __future__ import annotations

from typing import Any

from engine.keras import backend
from engine.keras.layers.base import KerasTensor, Layer, Node


class InputLayer(Layer):
    """Declares the shape (batch dimension excluded) and dtype of a model's input."""

    def __init__(self, input_shape: Any = None, batch_size: int | None = None,
                 dtype: Any = None, name: str | None = None, batch_shape: Any = None,
                 batch_input_shape: Any = None, shape: Any = None, **kwargs: Any) -> None:
        if name is None:
            name = backend.unique_object_name("input_layer")  # Keras 3: input_layer, _1 …
        input_shape = shape if input_shape is None else input_shape
        batch_shape = batch_input_shape if batch_shape is None else batch_shape
        if batch_shape is None:
            if input_shape is None:
                raise ValueError("Please provide to Input a `shape` or a `batch_shape` argument. "
                                 "Note that `shape` does not include the batch dimension.")
            if isinstance(input_shape, int):
                input_shape = (input_shape,)
            batch_shape = (batch_size, *tuple(input_shape))
        super().__init__(name=name, dtype=dtype, batch_input_shape=batch_shape, **kwargs)
        self.built = True
        self.output_tensor = KerasTensor(self._batch_input_shape, self.dtype, name=self.name)
        self._inbound_nodes.append(Node(self, [], {}, self.output_tensor))

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape

    def get_config(self) -> dict:
        return {"batch_input_shape": list(self._batch_input_shape), "dtype": self.dtype,
                "name": self.name}


def Input(shape: Any = None, batch_size: int | None = None, name: str | None = None,  # noqa: N802
          dtype: Any = None, batch_shape: Any = None, **kwargs: Any) -> KerasTensor:
    """``tf.keras.Input``: a symbolic tensor to build a functional model from."""
    layer = InputLayer(input_shape=shape, batch_size=batch_size, dtype=dtype, name=name,
                       batch_shape=batch_shape, **kwargs)
    return layer.output_tensor
