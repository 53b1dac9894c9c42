"""BatchNormalization: batch statistics while training, moving averages at inference."""

from __future__ import annotations

from typing import Any

from engine.keras import initializers, regularizers
from engine.keras.layers.base import InputSpec, Layer, Shape
from engine.ops import array_ops, math_ops, reduction_ops
from engine.tensor import Tensor


class BatchNormalization(Layer):
    """(x - mean) / √(var + ε) · gamma + beta over every axis but ``axis``.

    Training uses the batch's (biased) mean and variance and moves the non-trainable
    ``moving_mean``/``moving_variance`` towards them by ``1 - momentum``; inference, or a
    layer set ``trainable = False`` (as in Keras since TF 2.0), uses the moving values.
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", moving_mean_initializer: Any = "zeros",
                 moving_variance_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = int(axis)
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def build(self, input_shape: Shape) -> None:
        ndim = len(input_shape)
        if not -ndim <= self.axis < ndim:
            raise ValueError(f"Invalid axis: {self.axis} for input of rank {ndim}")
        axis = self.axis % ndim
        dim = input_shape[axis]
        if dim is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension "
                             f"but the layer received an input with shape {input_shape}.")
        self._axis = axis
        self._ndim = ndim
        self.input_spec = InputSpec(ndim=ndim, axes={axis: int(dim)})
        shape = (int(dim),)
        self.gamma = (self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                      regularizer=self.gamma_regularizer)
                      if self.scale else None)
        self.beta = (self.add_weight("beta", shape, initializer=self.beta_initializer,
                                     regularizer=self.beta_regularizer)
                     if self.center else None)
        self.moving_mean = self.add_weight("moving_mean", shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.built = True

    def _broadcast(self, v: Tensor) -> Tensor:
        """A per-channel vector shaped to broadcast against the input."""
        if self._axis == self._ndim - 1:
            return v
        shape = [1] * self._ndim
        shape[self._axis] = -1
        return array_ops.reshape(v, shape)

    def call(self, inputs: Tensor, training: bool | None = None, mask: Any = None) -> Tensor:
        x = inputs
        reduce_axes = [i for i in range(self._ndim) if i != self._axis]
        if training and self.trainable:
            if mask is not None:
                raise NotImplementedError(
                    f"BatchNormalization '{self.name}' got a mask while training: Keras 3 "
                    "takes the batch moments over the unmasked steps, which Tapescope does "
                    "not; drop mask_zero or the mask upstream.")
            mean = reduction_ops.reduce_mean(x, axis=reduce_axes)
            centered = math_ops.subtract(x, self._broadcast(mean))
            variance = reduction_ops.reduce_mean(math_ops.square(centered), axis=reduce_axes)
            self._update_moving(mean, variance)
        else:
            mean, variance = self.moving_mean, self.moving_variance
        inv = math_ops.rsqrt(math_ops.add(variance, self.epsilon))
        if self.gamma is not None:
            inv = math_ops.multiply(inv, self.gamma)
        shift = math_ops.negative(math_ops.multiply(mean, inv))
        if self.beta is not None:
            shift = math_ops.add(shift, self.beta)
        return math_ops.add(math_ops.multiply(x, self._broadcast(inv)), self._broadcast(shift))

    def _update_moving(self, mean: Tensor, variance: Tensor) -> None:
        """moving ← moving·momentum + batch·(1 - momentum), outside any gradient."""
        for var, batch in ((self.moving_mean, mean), (self.moving_variance, variance)):
            batch = array_ops.stop_gradient(batch)
            var.assign(math_ops.add(math_ops.multiply(var, self.momentum),
                                    math_ops.multiply(batch, 1.0 - self.momentum)))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), axis=self.axis, momentum=self.momentum,
                    epsilon=self.epsilon, center=self.center, scale=self.scale,
                    beta_initializer=initializers.serialize(self.beta_initializer),
                    gamma_initializer=initializers.serialize(self.gamma_initializer),
                    moving_mean_initializer=initializers.serialize(self.moving_mean_initializer),
                    moving_variance_initializer=initializers.serialize(
                        self.moving_variance_initializer),
                    beta_regularizer=regularizers.serialize(self.beta_regularizer),
                    gamma_regularizer=regularizers.serialize(self.gamma_regularizer))
