"""TensorFlow's own initializers (``tf.zeros_initializer`` … ``tf.random_uniform_initializer``):
callables ``init(shape, dtype=tf.float32)``, as the low-level guides use them for
``tf.Variable(init(shape))``. A seeded random one draws statelessly with seed [seed, 0], as
TensorFlow 2.21's does (the same values at every call)."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine.ops import random_ops
from engine.ops.array_ops import fill
from engine.tensor import Tensor, constant


def _dims(shape: Any) -> list[int]:
    from engine.shape import TensorShape

    return TensorShape(shape).as_list()


class Initializer:
    """Base: ``init(shape, dtype)`` returns a Tensor; ``get_config`` its arguments."""

    def __call__(self, shape: Any, dtype: Any = _dt.float32, **kwargs: Any) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict:
        return {}

    @classmethod
    def from_config(cls, config: dict) -> Initializer:
        return cls(**config)


def _numeric(dtype: Any) -> _dt.DType:
    d = _dt.as_dtype(dtype)
    if d._np.kind not in "fiucb":
        raise ValueError(f"Argument `dtype` expected to be numeric or boolean. Received "
                         f"<dtype: '{d.name}'>.")
    return d


class zeros_initializer(Initializer):  # noqa: N801 - TensorFlow's name
    """Zeros of the shape and dtype asked for."""

    def __call__(self, shape: Any, dtype: Any = _dt.float32, **kwargs: Any) -> Tensor:
        return constant(np.zeros(_dims(shape), _numeric(dtype)._np))


class ones_initializer(Initializer):  # noqa: N801
    """Ones of the shape and dtype asked for."""

    def __call__(self, shape: Any, dtype: Any = _dt.float32, **kwargs: Any) -> Tensor:
        return constant(np.ones(_dims(shape), _numeric(dtype)._np))


class constant_initializer(Initializer):  # noqa: N801
    """``value`` (a scalar fills the shape; a list must hold exactly its elements)."""

    def __init__(self, value: Any = 0, support_partition: bool = False) -> None:
        self.value = value
        self.support_partition = support_partition

    def __call__(self, shape: Any, dtype: Any = None, **kwargs: Any) -> Tensor:
        dims = _dims(shape)
        dtype = _dt.as_dtype(dtype) if dtype is not None else None
        value = np.asarray(self.value)
        if value.size == 1:  # the dtype as tf.constant infers it (5. is float32)
            return fill(dims, constant(self.value, dtype, shape=[]))
        if value.size != int(np.prod(dims)):
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tensor "
                            f"{value} (converted from {self.value}) has {value.size} elements, "
                            f"but got `shape` {tuple(dims)} with {int(np.prod(dims))} "
                            "elements).")
        return constant(self.value, dtype, shape=dims)

    def get_config(self) -> dict:
        return {"value": self.value, "support_partition": self.support_partition}


class random_normal_initializer(Initializer):  # noqa: N801
    """Normal draws of mean and stddev (seeded like ``tf.random.normal``)."""

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape: Any, dtype: Any = _dt.float32, **kwargs: Any) -> Tensor:
        if self.seed is not None:  # TensorFlow draws a seeded initializer statelessly
            return random_ops.stateless_normal(_dims(shape), [self.seed, 0], self.mean,
                                               self.stddev, dtype)
        return random_ops.normal(_dims(shape), self.mean, self.stddev, dtype)

    def get_config(self) -> dict:
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class random_uniform_initializer(Initializer):  # noqa: N801
    """Uniform draws in [minval, maxval) (seeded like ``tf.random.uniform``)."""

    def __init__(self, minval: float = -0.05, maxval: float = 0.05,
                 seed: int | None = None) -> None:
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape: Any, dtype: Any = _dt.float32, **kwargs: Any) -> Tensor:
        if self.seed is not None:
            return random_ops.stateless_uniform(_dims(shape), [self.seed, 0], self.minval,
                                                self.maxval, dtype)
        return random_ops.uniform(_dims(shape), self.minval, self.maxval, dtype)

    def get_config(self) -> dict:
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}
