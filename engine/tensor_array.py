"""``tf.TensorArray``: a list of same-dtype, same-shape tensors that grows inside loops.

Eagerly, like TensorFlow's eager TensorArray, a Python list of tensors. Reads and stacking
are ordinary recorded ops (``stack``, ``gather``, ``concat``), so a GradientTape
differentiates through what was written.

Inside a ``tf.function``, an index that is a tensor (a write in a loop over a tensor, whose
index only the graph knows) switches the array to its dense form, as TensorFlow's graph
TensorArray is a TensorList: one tensor whose first axis is the element index, updated by
``TensorListSetItem`` ops (``engine.ops.list_ops``). That tensor is what a converted loop
carries from one iteration to the next, and what gradients flow through.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.context import STATE
from engine.shape import TensorShape
from engine.tensor import Tensor, convert_to_tensor, wrap


def _traced_index(index: Any) -> bool:
    """An index whose value only the running graph knows (a tensor inside a trace)."""
    return STATE.graph is not None and isinstance(index, Tensor)


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
        # a size that is a tensor of a trace: the dense form reserves it by an op
        self._size_tensor = size if _traced_index(size) else None
        self._dense: Tensor | None = None  # the dense form's elements, once switched to it
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
        """TensorFlow returns a new TensorArray from each write; eagerly it shares the
        storage, in a trace it is a new value (the array before the write stays as it was,
        which a loop traced twice relies on)."""
        other = object.__new__(TensorArray)
        other.__dict__.update(self.__dict__)
        if STATE.graph is not None:
            other._items = list(self._items)
            other._cleared = set(self._cleared)
        return other

    def with_elements(self, elements: Tensor) -> TensorArray:
        """This array in its dense form holding ``elements`` (first axis: the index)."""
        other = self._copy()
        other._dense = elements
        other._items = []
        if self._infer_shape:
            other._element_shape = TensorShape(elements._value.shape[1:])
        return other

    def elements(self, element_shape: Any = None) -> Tensor:
        """The elements as one tensor of shape ``[size, *element_shape]`` (unwritten ones are
        zeros); ``element_shape`` is used where the array does not know its own yet."""
        from engine.ops.array_ops import stack
        from engine.ops.list_ops import RESERVE
        from engine.ops.registry import execute

        if self._dense is not None:
            return self._dense
        shape = self._element_shape
        if not shape.is_fully_defined() and element_shape is not None:
            shape = TensorShape(element_shape)
        if any(item is None for item in self._items) and not shape.is_fully_defined():
            raise ValueError("Tried to stack elements of an empty list with non-fully-defined "
                             f"element_shape: {shape}")
        self._element_shape = shape if self._infer_shape else self._element_shape
        if self._size_tensor is not None:  # its size is checked at each run, then filled
            from engine.ops.list_ops import SET_ITEM

            elements = execute(RESERVE, (self._size_tensor,), {
                "element_shape": tuple(shape.as_list()), "dtype": self._dtype._np,
                "traced_length": self._size})
            for i, item in enumerate(self._items):
                if item is not None:
                    elements = execute(SET_ITEM, (elements, convert_to_tensor(i), item),
                                       {"resizable": self._dynamic_size})
            return elements
        if not self._items:
            return wrap(np.zeros([0] + shape.as_list(), self._dtype._np))
        return stack([self._element(i) for i in range(len(self._items))])

    def size(self, name: str | None = None) -> Tensor:
        if self._dense is not None or self._size_tensor is not None:
            from engine.ops.array_ops import shape

            return shape(self.elements())[0]
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
                            f"write dtype {value.dtype.name} ")  # TF's text ends in a space
        if self._dense is not None or _traced_index(index):
            return self._write_dense(index, value)
        if i >= len(self._items) and not self._dynamic_size:
            raise errors.OutOfRangeError(
                None, None, f"Tried to write to index {i} but array is not resizeable and "
                            f"size is: {len(self._items)} ")
        self._merge_shape(value._value.shape)
        if i >= len(self._items):
            self._items.extend([None] * (i + 1 - len(self._items)))
        self._items[i] = value
        return self._copy()

    def _write_dense(self, index: Any, value: Tensor) -> TensorArray:
        from engine.ops.list_ops import SET_ITEM
        from engine.ops.registry import execute

        elements = self.elements(value._value.shape)
        self._merge_shape(value._value.shape)
        index = index if isinstance(index, Tensor) else convert_to_tensor(index)
        return self.with_elements(execute(SET_ITEM, (elements, index, value),
                                          {"resizable": self._dynamic_size}))

    def _element(self, i: int) -> Tensor:
        item = self._items[i]
        if item is not None:
            return item
        shape = self._element_shape.as_list() if self._element_shape.rank is not None else []
        return wrap(np.zeros([d or 0 for d in shape], self._dtype._np))  # unwritten: zeros

    def read(self, index: Any, name: str | None = None) -> Tensor:
        if self._dense is not None or _traced_index(index):
            from engine.ops.array_ops import gather

            return gather(self.elements(), index)
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

        if self._dense is not None or self._size_tensor is not None:
            return self.elements()
        if not self._items:
            shape = self._element_shape.as_list() if self._element_shape.rank is not None else []
            return wrap(np.zeros([0] + [d or 0 for d in shape], self._dtype._np))
        return stack([self._element(i) for i in range(len(self._items))])

    def gather(self, indices: Any, name: str | None = None) -> Tensor:
        from engine.ops.array_ops import gather, stack

        if self._dense is not None or _traced_index(indices):
            return gather(self.elements(), indices)
        picked = np.asarray(indices._value if isinstance(indices, Tensor) else indices)
        return stack([self._element(int(i)) for i in picked.reshape(-1)])

    def concat(self, name: str | None = None) -> Tensor:
        from engine.ops.array_ops import concat, reshape

        if self._dense is not None:
            shape = self._dense._value.shape
            return reshape(self._dense, [-1, *shape[2:]])
        return concat([self._element(i) for i in range(len(self._items))], 0)

    def unstack(self, value: Any, name: str | None = None) -> TensorArray:
        """Write the slices of ``value`` along its first axis as elements 0, 1, ..."""
        from engine.ops.array_ops import unstack

        value = convert_to_tensor(value, dtype_hint=self._dtype)
        n = value._value.shape[0] if value._value.ndim else 0
        size = len(self._items) if self._dense is None else self._dense._value.shape[0]
        if n > size and not self._dynamic_size:
            raise ValueError(f"Cannot unstack {n} tensors into a TensorArray of static size "
                             f"{size} ")
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


def after_loop(array: TensorArray, elements: Tensor, name: str) -> Tensor:
    """The elements a converted loop over a tensor leaves in ``array``. A ``dynamic_size``
    array's length is decided by each run of the loop: the graph after the loop is traced
    for this length, so a run that gives another one stops with an error that says why."""
    from engine.ops.list_ops import LENGTH_CHECK
    from engine.ops.registry import execute

    if not array.dynamic_size:
        return elements
    return execute(LENGTH_CHECK, (elements,), {
        "traced_length": elements._value.shape[0],
        "what": f"The length of the tf.TensorArray '{name}' filled in a loop"})
