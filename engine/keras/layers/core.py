"""Dense, Flatten, Reshape, Dropout and the activation layers."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.keras import activations, initializers, regularizers
from engine.keras.layers.base import InputSpec, Layer, Shape
from engine.keras.random import SeedGenerator, draw_seed
from engine.ops import array_ops, math_ops, nn_impl, nn_ops
from engine.tensor import Tensor


def _prod(dims: Any) -> int | None:
    if any(d is None for d in dims):
        return None
    return int(np.prod(dims, dtype=np.int64))


def _as_compute(layer: Layer, x: Tensor) -> Tensor:
    """Integer inputs to a layer with weights are cast to its dtype (Keras 3 promotes them)."""
    return x if x.dtype.is_floating else math_ops.cast(x, layer.dtype)


class Dense(Layer):
    """``activation(inputs @ kernel + bias)`` on the last axis."""

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 **kwargs: Any) -> None:
        for unused in ("activity_regularizer", "kernel_constraint", "bias_constraint",
                       "quantization_config", "lora_rank", "lora_alpha"):
            if kwargs.pop(unused, None) is not None:
                raise ValueError(f"Dense: {unused} is not supported by Tapescope.")
        super().__init__(**kwargs)
        self.supports_masking = True
        if int(units) <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape: Shape) -> None:
        last = input_shape[-1]
        if last is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be "
                             f"defined. Found None. Full input shape received: {input_shape}")
        self.kernel = self.add_weight("kernel", (last, self.units),
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.bias = (self.add_weight("bias", (self.units,), initializer=self.bias_initializer,
                                     regularizer=self.bias_regularizer)
                     if self.use_bias else None)
        self.input_spec = InputSpec(min_ndim=2, axes={-1: int(last)})
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None) -> Tensor:
        x = _as_compute(self, inputs)
        rank = len(x.shape)
        if rank == 2:
            y = math_ops.matmul(x, self.kernel)
        else:
            y = math_ops.tensordot(x, self.kernel, [[rank - 1], [0]])
        if self.bias is not None:
            y = nn_ops.bias_add(y, self.bias)
        return self.activation(y)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (*tuple(input_shape)[:-1], self.units)

    def get_config(self) -> dict:
        return dict(super().get_config(), units=self.units,
                    activation=activations.serialize(self.activation), use_bias=self.use_bias,
                    kernel_initializer=initializers.serialize(self.kernel_initializer),
                    bias_initializer=initializers.serialize(self.bias_initializer),
                    kernel_regularizer=regularizers.serialize(self.kernel_regularizer),
                    bias_regularizer=regularizers.serialize(self.bias_regularizer),
                    kernel_constraint=None, bias_constraint=None, quantization_config=None)


class Flatten(Layer):
    """(batch, d1, d2, …) → (batch, d1·d2·…)."""

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError("Flatten: only data_format='channels_last' is supported.")

    def call(self, inputs: Tensor) -> Tensor:
        shape = tuple(inputs.shape)
        if len(shape) == 1:
            return array_ops.expand_dims(inputs, 1)
        rest = _prod(shape[1:])
        if rest is None or (rest == 0 and shape[0] is not None):
            return array_ops.reshape(inputs, (shape[0], -1))
        return array_ops.reshape(inputs, (-1, rest))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        if len(input_shape) == 1:
            return (input_shape[0], 1)
        return (input_shape[0], _prod(input_shape[1:]))


class Reshape(Layer):
    """Reshape each example to ``target_shape`` (the batch dimension is kept)."""

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if self.target_shape.count(-1) > 1:
            raise ValueError("Reshape: there can only be one unknown (-1) dimension in "
                             f"target_shape, got {self.target_shape}")

    def _resolved(self, input_shape: Shape) -> tuple:
        target = self.target_shape
        size = _prod(input_shape[1:])
        if -1 not in target or size is None:
            if -1 not in target and size is not None and size != _prod(target):
                raise ValueError(f'Layer "{self.name}": total size of the new array must be '
                                 f"unchanged, input_shape = {list(input_shape[1:])}, "
                                 f"output_shape = {list(target)}")
            return tuple(None if d == -1 else d for d in target)
        known = _prod([d for d in target if d != -1])
        if known == 0 or size % known:
            raise ValueError(f'Layer "{self.name}": cannot reshape {list(input_shape[1:])} '
                             f"into {list(target)}")
        return tuple(size // known if d == -1 else d for d in target)

    def call(self, inputs: Tensor) -> Tensor:
        shape = tuple(inputs.shape)
        target = self._resolved(shape)
        if any(d is None for d in target):
            return array_ops.reshape(inputs, (shape[0], *self.target_shape))
        return array_ops.reshape(inputs, (-1, *target))

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return (input_shape[0], *self._resolved(input_shape))

    def get_config(self) -> dict:
        return dict(super().get_config(), target_shape=list(self.target_shape))


class Dropout(Layer):
    """Zero a fraction ``rate`` of inputs while training and scale the rest by 1/(1-rate)."""

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        if not 0 <= float(rate) < 1:
            raise ValueError("Invalid value received for argument `rate`. Expected a float value "
                             f"between 0 and 1 (1 excluded). Received: rate={rate}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        if self.rate > 0:  # (made now, as Keras 3 does: it takes a seed from `random`)
            self.seed_generator = SeedGenerator(seed)

    def call(self, inputs: Tensor, training: bool = False) -> Tensor:
        if not training or self.rate == 0:
            return inputs
        shape = None  # the input's, static shape and all
        if self.noise_shape is not None:
            shape = tuple(s if n is None else n for n, s in zip(self.noise_shape, inputs.shape))
        return nn_impl.stateless_dropout(inputs, self.rate, draw_seed(self.seed_generator),
                                         noise_shape=shape)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), rate=self.rate, seed=self.seed,
                    noise_shape=None if self.noise_shape is None else list(self.noise_shape))


class Activation(Layer):
    """Apply a named (or callable) activation."""

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.activation = activations.get(activation)

    def call(self, inputs: Tensor) -> Tensor:
        return self.activation(inputs)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), activation=activations.serialize(self.activation))


class ReLU(Layer):
    """max(x, 0), optionally leaky below ``threshold`` and capped at ``max_value``."""

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        if max_value is not None and max_value < 0:
            raise ValueError(f"max_value of a ReLU layer cannot be negative, got {max_value}")
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def call(self, inputs: Tensor) -> Tensor:
        return activations.relu(inputs, alpha=self.negative_slope, max_value=self.max_value,
                                threshold=self.threshold)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), max_value=self.max_value,
                    negative_slope=self.negative_slope, threshold=self.threshold)


class Softmax(Layer):
    """softmax along ``axis``."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True
        self.axis = axis

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        if mask is None:
            return nn_ops.softmax(inputs, axis=self.axis)
        # Keras 3: masked positions take -1e9 (-3e4 in float16) and come out 0
        m_shape, i_shape = tuple(mask.shape), tuple(inputs.shape)
        if len(m_shape) > len(i_shape) or any(
                m is not None and i is not None and m not in (1, i)
                for m, i in zip(m_shape[::-1], i_shape[::-1])):
            raise ValueError("The `mask` must be broadcastable to `inputs`. Each mask dimension "
                             "must be 1 or match the corresponding input dimension. Received: "
                             f"inputs.shape={i_shape}, mask.shape={m_shape}")
        keep = mask if mask.dtype.name == "bool" else math_ops.greater(
            mask, math_ops.cast(0.5, mask.dtype))
        low = -3e4 if inputs.dtype.name == "float16" else -1e9
        outputs = nn_ops.softmax(math_ops.where(keep, inputs, low), axis=self.axis)
        return math_ops.where(keep, outputs, 0.0)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), axis=self.axis)
