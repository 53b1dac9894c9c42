"""LayerNormalization: each example normalized over its own features (not the batch)."""

from __future__ import annotations

from typing import Any

from engine.keras import initializers, regularizers
from engine.keras.layers.base import Layer, Shape
from engine.ops import array_ops, math_ops, nn_impl
from engine.tensor import Tensor


class LayerNormalization(Layer):
    """(x - mean) / √(var + ε) · gamma + beta with the moments over ``axis`` of each example,
    in Keras 3's order of operations: x·inv + (beta - mean·inv), inv = gamma/√(var + ε)."""

    def __init__(self, axis: Any = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        if kwargs.pop("rms_scaling", False):
            raise ValueError("LayerNormalization: rms_scaling (deprecated in Keras 3) is not "
                             "supported by Tapescope.")
        super().__init__(**kwargs)
        if beta_constraint is not None or gamma_constraint is not None:
            raise ValueError("LayerNormalization: constraints are not supported by Tapescope.")
        if isinstance(axis, list | tuple):
            self.axis: Any = [int(a) for a in axis]
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("Expected an int or a list/tuple of ints for the argument 'axis', "
                            f"but received: {axis!r}")
        self.epsilon, self.center, self.scale = epsilon, center, scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.supports_masking = True

    def build(self, input_shape: Shape) -> None:
        ndim = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        for a in axes:
            if not -ndim <= a < ndim:
                raise ValueError(f"Axis {a} is out of bounds for input shape "
                                 f"{tuple(input_shape)}. Received: axis={self.axis}")
        self.axis = sorted(axes)  # Keras 3 keeps the sorted list (so the config shows one)
        shape = tuple(input_shape[a] for a in self.axis)
        if any(d is None for d in shape):
            raise ValueError(f'Layer "{self.name}": the normalized axes {self.axis} of input '
                             f"shape {tuple(input_shape)} must be defined.")
        self.gamma = (self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer)
                      if self.scale else None)
        self.beta = (self.add_weight("beta", shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer)
                     if self.center else None)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        x = inputs if inputs.dtype.is_floating else math_ops.cast(inputs, "float32")
        ndim = len(x.shape)
        axes = [a % ndim for a in self.axis]
        broadcast = [1] * ndim
        for a in axes:
            broadcast[a] = x.shape[a]

        def shaped(v: Any) -> Any:
            return v if v is None or axes == [ndim - 1] else array_ops.reshape(v, broadcast)

        mean, variance = nn_impl.moments(x, axes=axes, keepdims=True)
        inv = math_ops.rsqrt(math_ops.add(variance, self.epsilon))
        gamma, beta = shaped(self.gamma), shaped(self.beta)
        if gamma is not None:
            inv = math_ops.multiply(inv, gamma)
        res = math_ops.multiply(math_ops.negative(mean), inv)
        if beta is not None:
            res = math_ops.add(res, beta)
        return math_ops.add(math_ops.multiply(x, inv), res)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), axis=self.axis, epsilon=self.epsilon,
                    center=self.center, scale=self.scale, rms_scaling=False,
                    beta_initializer=initializers.serialize(self.beta_initializer),
                    gamma_initializer=initializers.serialize(self.gamma_initializer),
                    beta_regularizer=regularizers.serialize(self.beta_regularizer),
                    gamma_regularizer=regularizers.serialize(self.gamma_regularizer),
                    beta_constraint=None, gamma_constraint=None)
