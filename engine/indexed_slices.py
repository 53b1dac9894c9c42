"""``tf.IndexedSlices``: a sparse gradient, rows ``values`` at ``indices`` of a tensor of
shape ``dense_shape`` — what ``tf.gather`` gives back to its params, as in TensorFlow, so an
embedding's gradient costs the rows looked up rather than the whole table.

``convert_to_tensor`` densifies it with UnsortedSegmentSum (a recorded op: duplicate
indices add up and higher-order gradients still flow); the tape sums several of them by
concatenation and densifies when one meets a dense gradient, as TensorFlow's tape does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.shape import TensorShape
from engine.tensor import Tensor, convert_to_tensor


class IndexedSlices:
    """``tf.IndexedSlices(values, indices, dense_shape=None)``."""

    __slots__ = ("_values", "_indices", "_dense_shape")

    def __init__(self, values: Any, indices: Any, dense_shape: Any = None) -> None:
        self._values = convert_to_tensor(values)
        self._indices = convert_to_tensor(indices)
        self._dense_shape = None if dense_shape is None else convert_to_tensor(dense_shape)

    @classmethod
    def _of(cls, values: Any, indices: Any, dense_shape: Any) -> IndexedSlices:
        """Parts taken as they are (a traced function's graph tensors, unconverted)."""
        slices = cls.__new__(cls)
        slices._values, slices._indices, slices._dense_shape = values, indices, dense_shape
        return slices

    @property
    def values(self) -> Tensor:
        return self._values

    @property
    def indices(self) -> Tensor:
        return self._indices

    @property
    def dense_shape(self) -> Tensor | None:
        return self._dense_shape

    @property
    def dtype(self) -> Any:
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        if self._dense_shape is None:
            return TensorShape(None)
        return TensorShape([int(d) for d in self._dense_shape._value])

    @property
    def name(self) -> str:
        return "IndexedSlices"

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def _as_tensor(self) -> Tensor:
        """The dense tensor: rows summed into place (recorded, so tapes follow it)."""
        from engine.ops.array_ops import unsorted_segment_sum

        if self._dense_shape is None:
            raise ValueError(f"Tensor conversion requested for IndexedSlices without "
                             f"dense_shape: {self!s}")
        return unsorted_segment_sum(self._values, self._indices, int(self._dense_shape._value[0]))

    def __tf_tensor__(self, dtype: Any = None, name: str | None = None) -> Tensor:
        return convert_to_tensor(self._as_tensor(), dtype=dtype)

    def numpy_dense(self) -> np.ndarray:
        """The dense value in numpy, recording nothing (for the debugger's gradient events)."""
        dense = np.zeros([int(d) for d in self._dense_shape._value], self._values._value.dtype)
        np.add.at(dense, self._indices._value, self._values._value)
        return dense

    def __neg__(self) -> IndexedSlices:
        from engine.ops.math_ops import negative

        return IndexedSlices(negative(self._values), self._indices, self._dense_shape)

    def __str__(self) -> str:
        return (f"IndexedSlices(indices={self._indices!s}, values={self._values!s}"
                + (f", dense_shape={self._dense_shape!s})" if self._dense_shape is not None
                   else ")"))

    def __repr__(self) -> str:
        return f"<engine.IndexedSlices object at {hex(id(self))}>"


class IndexedSlicesSpec:
    """The type of an IndexedSlices a traced function returns (its output spec, printed as
    TensorFlow 2.21 prints it): dense shape and dtypes, and the shape of its indices."""

    __slots__ = ("_shape", "_values_dtype", "_indices_dtype", "_dense_shape_dtype",
                 "_indices_shape")

    def __init__(self, shape: Any = None, dtype: Any = None, indices_dtype: Any = None,
                 dense_shape_dtype: Any = None, indices_shape: Any = None) -> None:
        from engine import dtypes
        from engine.shape import as_shape

        self._shape = as_shape(shape)
        self._values_dtype = dtypes.as_dtype(dtype or dtypes.float32)
        self._indices_dtype = dtypes.as_dtype(indices_dtype or dtypes.int64)
        self._dense_shape_dtype = None if dense_shape_dtype is None else dtypes.as_dtype(
            dense_shape_dtype)
        self._indices_shape = as_shape([None] if indices_shape is None else indices_shape)

    @property
    def shape(self) -> TensorShape:
        return self._shape

    @property
    def dtype(self) -> Any:
        return self._values_dtype

    def component_shapes(self) -> tuple:
        """(values, indices, dense_shape) shapes, as ``output_shapes`` lists them."""
        rows = self._indices_shape.as_list()[:1] if self._indices_shape.rank else [None]
        values = TensorShape(None) if self._shape.rank is None else TensorShape(
            rows + self._shape.as_list()[1:])
        parts = (values, self._indices_shape)
        if self._dense_shape_dtype is None:
            return parts
        return (*parts, TensorShape([self._shape.rank]))

    def component_dtypes(self) -> tuple:
        parts = (self._values_dtype, self._indices_dtype)
        return parts if self._dense_shape_dtype is None else (*parts, self._dense_shape_dtype)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndexedSlicesSpec) and all(
            getattr(self, k) == getattr(other, k) for k in self.__slots__)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, k) for k in self.__slots__))

    def __repr__(self) -> str:
        return (f"IndexedSlicesSpec({self._shape!r}, {self._values_dtype!r}, "
                f"{self._indices_dtype!r}, {self._dense_shape_dtype!r}, "
                f"{self._indices_shape!r})")


def sum_gradients(grads: list) -> Any:
    """Several gradients of one tensor summed: slices stay slices (concatenated, duplicates
    add up when densified); any dense one makes the sum dense."""
    from engine.ops.array_ops import concat
    from engine.ops.math_ops import add_n

    if all(isinstance(g, IndexedSlices) for g in grads):
        grads = grads[::-1]  # the tape meets them newest first; TensorFlow lists them oldest first
        return IndexedSlices(concat([g.values for g in grads], 0),
                             concat([g.indices for g in grads], 0), grads[0].dense_shape)
    return add_n([convert_to_tensor(g) if isinstance(g, IndexedSlices) else g for g in grads])


def densified(value: Any) -> Any:
    return value._as_tensor() if isinstance(value, IndexedSlices) else value


def as_dense_array(value: Any) -> np.ndarray:
    """A gradient's numpy value, dense, recording nothing."""
    if isinstance(value, IndexedSlices):
        return value.numpy_dense()
    return value._value if isinstance(value, Tensor) else np.asarray(value)

