"""``tf.TensorSpec``: the shape (``None`` = any) and dtype a tensor argument must have."""

from __future__ import annotations

from typing import Any

from engine import dtypes as _dt
from engine.shape import TensorShape, as_shape


class TensorSpec:
    """Describes a tensor: used by ``tf.function(input_signature=…)`` and ``element_spec``."""

    __slots__ = ("shape", "dtype", "name")

    def __init__(self, shape: Any, dtype: Any = _dt.float32, name: str | None = None) -> None:
        self.shape: TensorShape = as_shape(shape)
        self.dtype: _dt.DType = _dt.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor: Any, name: str | None = None) -> TensorSpec:
        return cls(tensor.shape, tensor.dtype, name)

    def is_compatible_with(self, value: Any) -> bool:
        """True if a tensor (or spec) has this dtype and a shape matching the known dims."""
        shape = value.shape if not isinstance(value, TensorSpec) else value.shape
        dtype = value.dtype
        try:
            dtype = _dt.as_dtype(dtype)
        except TypeError:
            return False
        return dtype == self.dtype and self.shape.is_compatible_with(as_shape(tuple(shape)))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TensorSpec) and self.shape == other.shape
                and self.dtype == other.dtype and self.name == other.name)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self) -> str:
        return f"TensorSpec(shape={self.shape}, dtype={self.dtype!r}, name={self.name!r})"
