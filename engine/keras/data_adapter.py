"""What ``fit``/``evaluate``/``predict`` iterate over: batches from arrays or from any iterable.

Arrays (numpy, Tensors, lists of them for several inputs) are sliced into batches,
reshuffled each epoch with the engine's seeded RNG. Anything else iterable — an engine
``Dataset``, a generator function's output, a list of batches — is used as it comes,
duck-typed: each element is ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from engine import nest
from engine.ops import random_ops
from engine.tensor import Tensor, convert_to_tensor


def unpack(data: Any) -> tuple[Any, Any, Any]:
    """``(x, y, sample_weight)`` from a batch, as Keras' ``unpack_x_y_sample_weight``."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data
    raise ValueError("Data is expected to be in format `x`, `(x,)`, `(x, y)`, or "
                     f"`(x, y, sample_weight)`, found: {data!r}")


def pack(x: Any, y: Any = None, sample_weight: Any = None) -> tuple:
    if y is None:
        return (x,)
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray | Tensor)


def is_array_data(x: Any) -> bool:
    """True for numpy arrays/Tensors or lists/tuples/dicts of them (sliceable data)."""
    leaves = nest.flatten(x)
    return bool(leaves) and all(_is_array(v) for v in leaves)


def _numpy(value: Any) -> Any:
    if value is None:
        return None
    return nest.map_structure(
        lambda v: v._value if isinstance(v, Tensor) else np.asarray(v), value)


class ArrayBatches:
    """Batches sliced from in-memory arrays, optionally reshuffled every epoch."""

    def __init__(self, x: Any, y: Any = None, sample_weight: Any = None,
                 batch_size: int | None = 32, shuffle: bool = True) -> None:
        self.x, self.y, self.sample_weight = _numpy(x), _numpy(y), _numpy(sample_weight)
        sizes = {len(v) for v in nest.flatten((self.x, self.y, self.sample_weight))
                 if v is not None}
        if len(sizes) > 1:
            raise ValueError(f"Data cardinality is ambiguous: x, y and sample_weight have "
                             f"different numbers of samples: {sorted(sizes)}. Make sure all "
                             "arrays contain the same number of samples.")
        self.size = sizes.pop() if sizes else 0
        self.batch_size = int(batch_size or 32)
        if self.batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.shuffle = shuffle

    @property
    def steps(self) -> int:
        return math.ceil(self.size / self.batch_size)

    def __iter__(self) -> Iterator[tuple]:
        order = (random_ops.generator(None).permutation(self.size) if self.shuffle
                 else None)
        for start in range(0, self.size, self.batch_size):
            index: Any = (slice(start, start + self.batch_size) if order is None
                          else order[start:start + self.batch_size])

            def take(v: Any, index: Any = index) -> Any:
                return None if v is None else nest.map_structure(
                    lambda a: convert_to_tensor(a[index]), v)

            yield pack(take(self.x), take(self.y), take(self.sample_weight))

    def split(self, validation_split: float) -> tuple[ArrayBatches, ArrayBatches]:
        """The last ``validation_split`` fraction (before shuffling) held out, as Keras does."""
        if not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be in (0, 1), got {validation_split}")
        at = int(math.floor(self.size * (1.0 - validation_split)))
        if at == 0 or at == self.size:
            raise ValueError(f"Training data contains {self.size} samples, which is not "
                             f"sufficient to split it into a validation and training set as "
                             f"specified by `validation_split={validation_split}`. Either "
                             "provide more data, or a different value for the "
                             "`validation_split` argument.")

        def part(v: Any, index: slice) -> Any:
            return None if v is None else nest.map_structure(lambda a: a[index], v)

        head, tail = slice(0, at), slice(at, None)
        train = ArrayBatches(part(self.x, head), part(self.y, head),
                             part(self.sample_weight, head), self.batch_size, self.shuffle)
        val = ArrayBatches(part(self.x, tail), part(self.y, tail),
                           part(self.sample_weight, tail), self.batch_size, False)
        return train, val


class IterableBatches:
    """Batches from an iterable (a Dataset, a list of batches); a fresh pass each epoch."""

    def __init__(self, data: Any, steps: int | None = None) -> None:
        self.data = data
        self.limit = steps
        self._iterator: Iterator | None = None

    @property
    def steps(self) -> int | None:
        if self.limit is not None:
            return self.limit
        try:
            return len(self.data)
        except TypeError:
            return None

    def __iter__(self) -> Iterator[Any]:
        if self.limit is None:
            yield from iter(self.data)
            return
        # With a step limit the iterator carries over epochs (for repeated datasets).
        for _ in range(self.limit):
            if self._iterator is None:
                self._iterator = iter(self.data)
            try:
                yield next(self._iterator)
            except StopIteration:
                self._iterator = None
                return


def class_weights_to_sample_weight(y: Any, class_weight: dict) -> np.ndarray:
    """Per-sample weights from a {class: weight} dict (labels sparse or one-hot)."""
    labels = np.asarray(y._value if isinstance(y, Tensor) else y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(len(labels), -1)[:, 0].astype(np.int64)
    return np.array([class_weight.get(int(c), 1.0) for c in labels], dtype=np.float32)


def make_batches(x: Any, y: Any = None, sample_weight: Any = None,
                 batch_size: int | None = None, shuffle: bool = False,
                 steps: int | None = None) -> ArrayBatches | IterableBatches:
    """The right batch source for ``x`` (and ``y``): arrays are sliced, iterables passed on."""
    if x is None:
        raise ValueError("Expected input data `x`, received None.")
    if not is_array_data(x) and isinstance(x, list | tuple) and all(
            isinstance(v, list | tuple | int | float | np.number) for v in nest.flatten(x)):
        x = np.asarray(x)
    if is_array_data(x):
        if y is not None and not is_array_data(y):
            y = np.asarray(y)
        batches = ArrayBatches(x, y, sample_weight, batch_size, shuffle)
        if steps is not None:
            return IterableBatches(batches, steps)
        return batches
    if y is not None:
        raise ValueError("`y` argument is not supported when using a dataset or iterable as "
                         "input; the iterable should yield (x, y) batches.")
    if batch_size is not None:
        raise ValueError("The `batch_size` argument must not be specified for the given input "
                         f"type ({type(x).__name__}): it yields batches already.")
    if not hasattr(x, "__iter__"):
        raise ValueError(f"Unrecognized data type: x={x!r} (of type {type(x).__name__}); "
                         "expected numpy arrays, Tensors, or an iterable of batches.")
    return IterableBatches(x, steps)
