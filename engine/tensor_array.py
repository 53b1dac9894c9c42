"""``tf.TensorArray``: a list of same-dtype, same-shape tensors that grows inside loops.

Eager only in spirit, like TensorFlow's eager TensorArray: a Python list of tensors. Reads
and stacking are ordinary recorded ops (``stack``, ``gather``, ``concat``), so a
GradientTape differentiates through what was written.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.shape import TensorShape
from engine.tensor import Tensor, convert_to_tensor, wrap


class TensorArray:
    """``tf.TensorArray(dtype, size, dynamic_size, element_shape, ...)``."""

    def __init__(self, dtype: Any, size: Any = None, dynamic_size: bool | None = None,
                 clear_after_read: bool | None = None, tensor_array_name: str | None = None,
                 handle: Any = None, flow: Any = None, infer_shape: bool = True,
                 element_shape: Any = None, colocate_with_first_write_call: bool = True,
                 name: str | None = None) -> None:
        self._dtype = _dt.as_dtype(dtype)
        if size is None:
            raise ValueError("Size must be provided if handle is not provided")
        self._size = int(size._value if isinstance(size, Tensor) else size)
        self._dynamic_size = bool(dynamic_size)
        self._infer_shape = infer_shape
        self._element_shape = TensorShape(None if element_shape is None else element_shape)
        self._items: list[Tensor | None] = [None] * self._size
        # TensorFlow's default: an element read once is gone (a second read is an error)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._cleared: set[int] = set()

    @property
    def dtype(self) -> _dt.DType:
        return self._dtype

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    def _copy(self) -> TensorArray:
        """TensorFlow returns a new TensorArray from each write; it shares the storage."""
        other = object.__new__(TensorArray)
        other.__dict__.update(self.__dict__)
        return other

    def size(self, name: str | None = None) -> Tensor:
        return wrap(np.int32(len(self._items)))

    def _merge_shape(self, shape: tuple) -> None:
        if not self._element_shape.is_compatible_with(TensorShape(shape)):
            raise ValueError(f"Incompatible shape for value ({shape}), expected "
                             f"({tuple(self._element_shape.as_list())})")
        if self._infer_shape:
            self._element_shape = TensorShape(shape)

    def write(self, index: Any, value: Any, name: str | None = None) -> TensorArray:
        """Store ``value`` at ``index`` (growing the array if ``dynamic_size``)."""
        i = int(index._value if isinstance(index, Tensor) else index)
        if i < 0:
            raise errors.OutOfRangeError(
                None, None, f"Writing to negative indices (index {i}) is not allowed.")
        if not isinstance(value, Tensor):
            value = convert_to_tensor(value, dtype_hint=self._dtype)
        if value.dtype != self._dtype:
            raise errors.InvalidArgumentError(
                None, None, f"TensorArray dtype is {self._dtype.name} but Op is trying to "
                            f"write dtype {value.dtype.name}")
        if i >= len(self._items) and not self._dynamic_size:
            raise errors.OutOfRangeError(
                None, None, f"Tried to write to index {i} but array is not resizeable and "
                            f"size is: {len(self._items)} ")
        self._merge_shape(value._value.shape)
        if i >= len(self._items):
            self._items.extend([None] * (i + 1 - len(self._items)))
        self._items[i] = value
        return self._copy()

    def _element(self, i: int) -> Tensor:
        item = self._items[i]
        if item is not None:
            return item
        shape = self._element_shape.as_list() if self._element_shape.rank is not None else []
        return wrap(np.zeros([d or 0 for d in shape], self._dtype._np))  # unwritten: zeros

    def read(self, index: Any, name: str | None = None) -> Tensor:
        i = int(index._value if isinstance(index, Tensor) else index)
        if i < 0:
            raise errors.OutOfRangeError(
                None, None, f"Reading from negative indices (index {i}) is not allowed.")
        if i >= len(self._items):
            raise errors.OutOfRangeError(
                None, None, f"Tried to read from index {i} but array size is: "
                            f"{len(self._items)} ")
        if self._items[i] is None and i in self._cleared:
            raise errors.InvalidArgumentError(
                None, None, f"Could not read index {i} twice because it was cleared after a "
                            "previous read (perhaps try setting clear_after_read = false?)")
        value = self._element(i)
        if self._clear_after_read:
            self._items[i] = None
            self._cleared.add(i)
        return value

    def stack(self, name: str | None = None) -> Tensor:
        """All elements stacked along a new first axis."""
        from engine.ops.array_ops import stack

        if not self._items:
            shape = self._element_shape.as_list() if self._element_shape.rank is not None else []
            return wrap(np.zeros([0] + [d or 0 for d in shape], self._dtype._np))
        return stack([self._element(i) for i in range(len(self._items))])

    def gather(self, indices: Any, name: str | None = None) -> Tensor:
        from engine.ops.array_ops import stack

        picked = np.asarray(indices._value if isinstance(indices, Tensor) else indices)
        return stack([self._element(int(i)) for i in picked.reshape(-1)])

    def concat(self, name: str | None = None) -> Tensor:
        from engine.ops.array_ops import concat

        return concat([self._element(i) for i in range(len(self._items))], 0)

    def unstack(self, value: Any, name: str | None = None) -> TensorArray:
        """Write the slices of ``value`` along its first axis as elements 0, 1, ..."""
        from engine.ops.array_ops import unstack

        value = convert_to_tensor(value, dtype_hint=self._dtype)
        n = value._value.shape[0] if value._value.ndim else 0
        if n > len(self._items) and not self._dynamic_size:
            raise ValueError(f"Cannot unstack {n} tensors into a TensorArray of static size "
                             f"{len(self._items)} ")
        out = self
        for i, part in enumerate(unstack(value)):
            out = out.write(i, part)
        return out

    def scatter(self, indices: Any, value: Any, name: str | None = None) -> TensorArray:
        from engine.ops.array_ops import unstack

        picked = np.asarray(indices._value if isinstance(indices, Tensor) else indices)
        out = self
        parts = unstack(convert_to_tensor(value, dtype_hint=self._dtype))
        for i, part in zip(picked.reshape(-1), parts):
            out = out.write(int(i), part)
        return out

    def close(self, name: str | None = None) -> None:
        self._items = []

    def mark_used(self) -> None:
        """TensorFlow's should-use bookkeeping; nothing to do here."""
