"""Rescaling and Normalization: the preprocessing layers the image and regression
tutorials put first in a model (Normalization learns its statistics with ``adapt``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.keras import backend
from engine.keras.layers.base import Layer, Shape
from engine.ops import array_ops, math_ops, reduction_ops
from engine.tensor import Tensor, convert_to_tensor


class Rescaling(Layer):
    """inputs·scale + offset, in the layer's float dtype (uint8 images become floats)."""

    def __init__(self, scale: Any, offset: Any = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset
        self.supports_masking = True

    def call(self, inputs: Tensor) -> Tensor:
        dtype = self.dtype
        scale = math_ops.cast(convert_to_tensor(self.scale), dtype)
        offset = math_ops.cast(convert_to_tensor(self.offset), dtype)
        return math_ops.add(math_ops.multiply(math_ops.cast(inputs, dtype), scale), offset)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), scale=self.scale, offset=self.offset)


def _batch_array(batch: Any) -> np.ndarray:
    """A batch as an array: a dataset's (x, y) element gives its x."""
    if isinstance(batch, tuple | list) and not isinstance(batch, np.ndarray):
        batch = batch[0]
    return np.asarray(batch._value if isinstance(batch, Tensor) else batch)


class Normalization(Layer):
    """(x - mean) / max(√variance, ε) per position of ``axis``; the statistics are given
    (``mean``, ``variance``) or learned from data by ``adapt`` (non-trainable weights
    ``mean``, ``variance``, ``count``, as Keras 3 keeps them)."""

    def __init__(self, axis: Any = -1, mean: Any = None, variance: Any = None,
                 invert: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if axis is None:
            axis = ()
        elif isinstance(axis, int):
            axis = (axis,)
        self.axis = tuple(int(a) for a in axis)
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self.supports_masking = True
        self.mean: Any = None
        if (mean is not None) != (variance is not None):
            raise ValueError("When setting values directly, both `mean` and `variance` must be "
                             f"set. Received: mean={mean} and variance={variance}")
        if mean is not None and np.shape(mean) != np.shape(variance):
            raise ValueError("When setting values directly, `mean` and `variance` must have the "
                             f"same shape. Received: mean shape {np.shape(mean)} and variance "
                             f"shape {np.shape(variance)}")
        if mean is not None and len(np.shape(mean)) > len(self.axis):
            raise ValueError(f"The rank of `mean` must be less than or equal to the number of "
                             f"axes ({len(self.axis)}). Received: mean shape {np.shape(mean)} "
                             f"for axis {self.axis}")

    def build(self, input_shape: Shape) -> None:
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError("All `axis` values must be in the range [-ndim, ndim). Received "
                             f"inputs with ndim={ndim}, while axis={self.axis}")
        self._build_input_shape = tuple(input_shape)
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        for d in self._keep_axis:
            if input_shape[d] is None:
                raise ValueError(f"All `axis` values to be kept must have a known shape. "
                                 f"Received axis={self.axis}, inputs.shape={tuple(input_shape)}, "
                                 f"with unknown axis at index {d}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = [input_shape[d] if d in self._keep_axis else 1
                                 for d in range(ndim)]
        self._mean_and_var_shape = tuple(input_shape[d] for d in self._keep_axis)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", self._mean_and_var_shape,
                                              initializer="zeros", trainable=False)
            self.adapt_variance = self.add_weight("variance", self._mean_and_var_shape,
                                                  initializer="ones", trainable=False)
            self.count = self.add_weight("count", (), dtype="int64", initializer="zeros",
                                         trainable=False)
            self.built = True
            self.finalize_state()
            return
        mean, variance = np.asarray(self.input_mean), np.asarray(self.input_variance)
        expanded = [1] * ndim
        for i in range(1, mean.ndim + 1):
            expanded[self._keep_axis[-i]] = mean.shape[-i]
        shape = [1 if d is None else d for d in self._broadcast_shape]
        self.mean = convert_to_tensor(np.broadcast_to(mean.reshape(expanded), shape)
                                      .astype(self.dtype))
        self.variance = convert_to_tensor(np.broadcast_to(variance.reshape(expanded), shape)
                                          .astype(self.dtype))
        self.built = True

    def adapt(self, data: Any) -> None:
        """Set ``mean`` and ``variance`` from an array, a tensor, or batches (a Dataset or
        an iterable of arrays), merging batches as Keras 3 does."""
        if isinstance(data, np.ndarray | Tensor):
            batches, shape = None, tuple(data.shape)
        else:
            if not hasattr(data, "__iter__"):
                raise TypeError(f"Unsupported data type: {type(data)}. `adapt` supports "
                                "`np.ndarray`, tensors, `tf.data.Dataset` and iterables of "
                                "batches.")
            batches = [_batch_array(b) for b in data]
            if not batches:
                raise ValueError("adapt() received an empty iterable (no batches). Expected at "
                                 "least one batch.")
            shape = batches[0].shape
            if len(shape) == 1 and type(data).__name__ == "Dataset":
                batches, shape = [np.stack(batches)], (len(batches),)  # unbatched elements
        if not self.built:
            self.build(shape)
        for d in self._keep_axis:
            if shape[d] != self._build_input_shape[d]:
                raise ValueError(f"The layer was built with input_shape="
                                 f"{self._build_input_shape}, but adapt() is being called "
                                 f"with data with an incompatible shape, data.shape={shape}")
        if isinstance(data, np.ndarray):
            total_mean = np.mean(data, axis=self._reduce_axis)
            total_var = np.var(data, axis=self._reduce_axis)
        elif isinstance(data, Tensor):
            x = data if data.dtype.is_floating else math_ops.cast(data, "float32")
            total_mean = reduction_ops.reduce_mean(x, axis=self._reduce_axis)
            total_var = reduction_ops.reduce_variance(x, axis=self._reduce_axis)
        else:
            total_mean = np.zeros(self._mean_and_var_shape, np.float32)
            total_var = np.zeros(self._mean_and_var_shape, np.float32)
            total_count = 0
            for batch in batches:
                batch = batch.astype(self.dtype)
                mean = np.mean(batch, axis=self._reduce_axis)
                var = np.var(batch, axis=self._reduce_axis)
                count = math.prod(batch.shape[d] for d in self._reduce_axis)
                total_count += count
                w = np.float32(count / total_count)
                keep = np.float32(1.0) - w
                new_mean = total_mean * keep + mean * w
                total_var = ((total_var + (total_mean - new_mean) ** 2) * keep
                             + (var + (mean - new_mean) ** 2) * w)
                total_mean = new_mean
        self.adapt_mean.assign(np.asarray(getattr(total_mean, "_value", total_mean),
                                          dtype=self.dtype))
        self.adapt_variance.assign(np.asarray(getattr(total_var, "_value", total_var),
                                              dtype=self.dtype))
        self.finalize_state()

    def finalize_state(self) -> None:
        if self.input_mean is not None or not self.built:
            return
        shape = [1 if d is None else d for d in self._broadcast_shape]
        self.mean = array_ops.reshape(self.adapt_mean, shape)
        self.variance = array_ops.reshape(self.adapt_variance, shape)

    def call(self, inputs: Tensor) -> Tensor:
        if self.mean is None:
            raise ValueError("You must call `.build(input_shape)` on the layer before using it.")
        x = math_ops.cast(inputs, self.dtype)
        mean, variance = self.mean, self.variance
        if self.input_mean is None:  # follow later assigns (set_weights, a loaded model)
            self.finalize_state()
            mean, variance = self.mean, self.variance
        std = math_ops.maximum(math_ops.sqrt(variance), backend.epsilon())
        if self.invert:
            return math_ops.add(mean, math_ops.multiply(x, std))
        return math_ops.divide(math_ops.subtract(x, mean), std)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        return input_shape

    def get_config(self) -> dict:
        return dict(super().get_config(), axis=list(self.axis) if len(self.axis) != 1
                    else self.axis, invert=self.invert,
                    mean=np.array(self.input_mean).tolist(),
                    variance=np.array(self.input_variance).tolist())
