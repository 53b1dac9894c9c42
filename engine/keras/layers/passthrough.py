"""Lambda, Identity and Masking: layers around an expression, nothing, or a mask."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from engine.keras.layers.base import Layer, Shape
from engine.ops import array_ops, math_ops, reduction_ops
from engine.tensor import Tensor


class Lambda(Layer):
    """Wrap an expression ``function(inputs)`` as a layer (no weights)."""

    def __init__(self, function: Callable[..., Any], output_shape: Any = None, mask: Any = None,
                 arguments: dict | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: `function` must be callable, got {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape
        self.mask = mask
        self.supports_masking = mask is not None
        try:
            params = inspect.signature(function).parameters
        except (TypeError, ValueError):
            params = {}
        self._fn_takes_training = "training" in params
        self._fn_takes_mask = "mask" in params

    def call(self, inputs: Any, mask: Any = None, training: bool | None = None) -> Any:
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        return (input_shape[0], *tuple(self._output_shape))

    def get_config(self) -> dict:
        name = getattr(self.function, "__name__", repr(self.function))
        return dict(super().get_config(), function=name, arguments=self.arguments)

    @classmethod
    def from_config(cls, config: dict) -> Lambda:
        raise ValueError("Tapescope does not rebuild a Lambda layer from its config: that "
                         "would mean running code stored in a file. Pass the function again "
                         "(custom_objects) or use a subclassed layer.")


class Identity(Layer):
    """Returns its input unchanged (a placeholder in a model)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs

    def compute_output_shape(self, input_shape: Any) -> Any:
        return input_shape


class Masking(Layer):
    """Zero the timesteps whose features all equal ``mask_value`` and mask them for the
    layers downstream (an RNN skips them)."""

    def __init__(self, mask_value: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def _keep(self, inputs: Tensor) -> Tensor:
        return reduction_ops.reduce_any(
            math_ops.not_equal(inputs, math_ops.cast(self.mask_value, inputs.dtype)),
            axis=-1, keepdims=True)

    def call(self, inputs: Tensor) -> Tensor:
        keep = self._keep(inputs)
        out = math_ops.where(keep, inputs, math_ops.zeros_like(inputs))
        out._keras_mask = array_ops.squeeze(keep, axis=-1)
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return array_ops.squeeze(self._keep(inputs), axis=-1)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), mask_value=self.mask_value)
