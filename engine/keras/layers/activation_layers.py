"""LeakyReLU, ELU and PReLU: activations as layers (PReLU learns its negative slope)."""

from __future__ import annotations

import warnings
from typing import Any

from engine.keras import activations, initializers, regularizers
from engine.keras.layers.base import InputSpec, Layer, Shape
from engine.ops import math_ops, nn_ops
from engine.tensor import Tensor


class LeakyReLU(Layer):
    """x where x ≥ 0, ``negative_slope``·x below (Keras 3's default slope is 0.3)."""

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        if negative_slope is None or negative_slope < 0:
            raise ValueError("The negative_slope value of a Leaky ReLU layer cannot be None or "
                             "negative value. Expected a float. Received: "
                             f"negative_slope={negative_slope}")
        self.negative_slope = negative_slope
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), negative_slope=self.negative_slope)


class ELU(Layer):
    """x where x > 0, alpha·(eˣ - 1) below."""

    def __init__(self, alpha: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alpha = alpha
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), alpha=self.alpha)


class PReLU(Layer):
    """relu(x) - alpha·relu(-x) with a learned ``alpha`` per input element (or shared
    along ``shared_axes``), as Keras 3 computes it."""

    def __init__(self, alpha_initializer: Any = "Zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if alpha_constraint is not None:
            raise ValueError("PReLU: alpha_constraint is not supported by Tapescope.")
        self.supports_masking = True
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        if shared_axes is None:
            self.shared_axes = None
        elif not isinstance(shared_axes, list | tuple):
            self.shared_axes = [shared_axes]
        else:
            self.shared_axes = list(shared_axes)

    def build(self, input_shape: Shape) -> None:
        param_shape = list(input_shape[1:])
        for i in self.shared_axes or ():
            param_shape[i - 1] = 1
        if any(d is None for d in param_shape):
            raise ValueError(f'Layer "{self.name}": PReLU needs every non-shared input '
                             f"dimension defined; got input shape {tuple(input_shape)}")
        self.alpha = self.add_weight("alpha", param_shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer)
        axes = {i: input_shape[i] for i in range(1, len(input_shape))
                if self.shared_axes and i not in self.shared_axes}
        self.input_spec = InputSpec(ndim=len(input_shape), axes=axes)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        pos = nn_ops.relu(inputs)
        neg = math_ops.multiply(math_ops.negative(self.alpha),
                                nn_ops.relu(math_ops.negative(inputs)))
        return math_ops.add(pos, neg)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(),
                    alpha_initializer=initializers.serialize(self.alpha_initializer),
                    alpha_regularizer=regularizers.serialize(self.alpha_regularizer),
                    alpha_constraint=None, shared_axes=self.shared_axes)
