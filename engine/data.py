"""``tf.data``: input pipelines (``Dataset``) over numpy arrays, with TensorFlow's semantics.

Inside a pipeline an element travels as a flat tuple of numpy values (the leaves of its
structure in ``tf.nest`` order); it becomes Tensors packed into the user's tuples and dicts
only when the iterator hands it out.

Datasets whose elements are rows of in-memory arrays — ``from_tensor_slices`` and the
shuffles, takes, skips, repeats, caches and prefetches over it — also describe one pass as
*chunks of row indices* (a ``slice`` or an index array). ``batch`` over such a dataset cuts
those chunks into batch-sized pieces and reads each batch with one numpy slice (a view) or
one gather per component: batching 60,000 MNIST images does no per-image Python work.
"""

from __future__ import annotations

import collections
import itertools
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import nest
from engine.context import STATE
from engine.errors import (
    DataLossError,
    InvalidArgumentError,
    OutOfRangeError,
    UnimplementedError,
    wrapped_kernel,
)
from engine.ops.random_ops import generator, get_global_seed
from engine.shape import TensorShape, as_shape
from engine.tensor import Tensor, convert_to_tensor, wrap
from engine.tensor_spec import TensorSpec

INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
AUTOTUNE = -1

Flat = tuple  # one element: its numpy leaves, in nest.flatten order
Chunk = slice | np.ndarray  # row indices of a row dataset: a contiguous range or an array

_ROW_BLOCK = 1024  # rows gathered at once when a row dataset is iterated element by element
_SHUFFLE_ROWS = 1 << 16  # row indices pushed through a shuffle buffer at once
_SHUFFLE_ELEMENTS = 64  # elements read ahead by a shuffle over a non-row dataset


# -- structures of values ------------------------------------------------------------------

def _leaf_value(value: Any) -> Any:
    """A dataset component as numpy: numpy dtypes are kept, Python values get TF's defaults."""
    if isinstance(value, Tensor):
        return value._value
    if isinstance(value, np.ndarray | np.generic):
        if value.dtype.kind in "US":  # numpy strings: a string tensor's bytes
            return convert_to_tensor(value)._value
        _dt.from_numpy(value.dtype)  # clear TypeError for dtypes Tensors cannot hold
        return value
    if value is None:
        raise TypeError("Dataset elements cannot contain None.")
    return convert_to_tensor(value)._value


def _to_structure(value: Any) -> Any:
    """Tuples (and namedtuples) and dicts stay structures; every other value is one tensor.

    As in ``tf.data``, a list is a tensor (``[1, 2, 3]`` is one vector), not a structure.
    """
    if isinstance(value, dict):
        return {key: _to_structure(item) for key, item in value.items()}
    if isinstance(value, tuple):
        items = [_to_structure(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    return _leaf_value(value)


def _spec_of(structure: Any) -> Any:
    return nest.map_structure(lambda v: TensorSpec(np.shape(v), v.dtype), structure)


def _leaf_paths(structure: Any, prefix: str = "") -> list[str]:
    """Names of the leaves in flatten order (``[0]``, ``['image']`` …) for error messages."""
    if isinstance(structure, dict):
        return [p for k in sorted(structure) for p in _leaf_paths(structure[k], f"{prefix}[{k!r}]")]
    if isinstance(structure, tuple):
        return [p for i, item in enumerate(structure) for p in _leaf_paths(item, f"{prefix}[{i}]")]
    return [prefix or "value"]


def _flatten_up_to(structure: Any, value: Any, what: str) -> list:
    """``value``'s parts at the leaves of ``structure`` (a shape like ``[None, 3]`` is one
    part, where ``nest.flatten`` would split it)."""
    if isinstance(structure, dict):
        if not isinstance(value, dict) or sorted(value) != sorted(structure):
            raise ValueError(f"`{what}` must have the structure of the dataset's elements: "
                             f"{structure!r}, got {value!r}.")
        return [p for k in sorted(structure) for p in _flatten_up_to(structure[k], value[k], what)]
    if isinstance(structure, tuple):
        if not isinstance(value, tuple | list) or len(value) != len(structure):
            raise ValueError(f"`{what}` must have the structure of the dataset's elements: "
                             f"{structure!r}, got {value!r}.")
        return [p for s, v in zip(structure, value) for p in _flatten_up_to(s, v, what)]
    return [value]


def _string_scalars(flat: Flat) -> Flat:
    """Rows of a string array come out as bare ``bytes``; a Tensor holds a 0-d array."""
    return tuple(np.array(v, dtype=object) if isinstance(v, bytes) else v for v in flat)


def _readonly(value: Any) -> Any:
    """A read-only view: the dataset hands out views of the caller's arrays, never copies,
    so nothing downstream may write through them into the caller's data."""
    if isinstance(value, np.ndarray):
        value = value.view()
        value.flags.writeable = False
    return value


def _wrap_leaf(value: Any) -> Any:
    """A flat leaf as the user sees it: numpy becomes a Tensor, a window's Dataset stays."""
    return value if isinstance(value, Dataset) else wrap(value)


def _packer(spec: Any) -> Callable[[Flat], Any]:
    """Flat numpy leaves → the element the user sees (Tensors in the spec's structure)."""
    if any(isinstance(s, DatasetSpec) for s in nest.flatten(spec)):  # elements of window()
        return lambda flat: nest.pack_sequence_as(spec, list(map(_wrap_leaf, flat)))
    if isinstance(spec, TensorSpec):
        return lambda flat: wrap(flat[0])
    if type(spec) is tuple and all(isinstance(s, TensorSpec) for s in spec):
        return lambda flat: tuple(map(wrap, flat))
    return lambda flat: nest.pack_sequence_as(spec, list(map(wrap, flat)))


def _caller(func: Callable[..., Any], spec: Any) -> Callable[[Flat], Any]:
    """Call ``func`` on a flat element the way tf.data does: a plain tuple's components
    become positional arguments, anything else (a dict, one tensor) is one argument."""
    pack = _packer(spec)
    if type(spec) is tuple:
        return lambda flat: func(*pack(flat))
    return lambda flat: func(pack(flat))


def _numpy(value: Tensor) -> Any:
    """Like ``Tensor.numpy()``: a copy the caller owns (batches are views of the source)."""
    value = value._value
    if isinstance(value, np.ndarray):
        return value[()] if value.ndim == 0 else value.copy()
    return value


def _note_read(dataset: Dataset) -> None:
    from engine.ops.dataset_ops import note_dataset_use

    note_dataset_use("read", dataset)


def inputs_of(dataset: Any) -> list:
    """The datasets a dataset reads from (its lineage, one step up)."""
    found = []
    for value in vars(dataset).values():
        for item in value if isinstance(value, list | tuple) else (value,):
            if isinstance(item, Dataset):
                found.append(item)
    return found


class DatasetSpec:
    """``tf.data.DatasetSpec``: the spec of a component that is itself a dataset (the
    elements of ``window``)."""

    __slots__ = ("element_spec", "dataset_shape")

    def __init__(self, element_spec: Any, dataset_shape: Any = ()) -> None:
        self.element_spec = element_spec
        self.dataset_shape = as_shape(dataset_shape)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, DatasetSpec) and self.element_spec == other.element_spec
                and self.dataset_shape == other.dataset_shape)

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        return f"DatasetSpec({self.element_spec!r}, {self.dataset_shape!r})"


# -- row index chunks ----------------------------------------------------------------------

def _chunk_len(chunk: Chunk) -> int:
    return chunk.stop - chunk.start if isinstance(chunk, slice) else len(chunk)


def _piece(chunk: Chunk, lo: int, hi: int) -> Chunk:
    if isinstance(chunk, slice):
        return slice(chunk.start + lo, chunk.start + hi)
    return chunk[lo:hi]


def _indices(chunk: Chunk) -> np.ndarray:
    if isinstance(chunk, slice):
        return np.arange(chunk.start, chunk.stop, dtype=np.int64)
    return chunk


def _batch_chunks(chunks: Iterator[Chunk], batch_size: int,
                  drop_remainder: bool) -> Iterator[Chunk]:
    """Regroup a pass's row chunks into batches; a batch inside one range stays a slice."""
    pending: list[np.ndarray] = []
    count = 0
    for chunk in chunks:
        size, pos = _chunk_len(chunk), 0
        if count:  # finish the batch a previous chunk started
            pos = min(batch_size - count, size)
            pending.append(_indices(_piece(chunk, 0, pos)))
            count += pos
            if count < batch_size:
                continue
            yield np.concatenate(pending)
            pending, count = [], 0
        while size - pos >= batch_size:
            yield _piece(chunk, pos, pos + batch_size)
            pos += batch_size
        if pos < size:
            pending.append(_indices(_piece(chunk, pos, size)))
            count = size - pos
    if count and not drop_remainder:
        yield np.concatenate(pending)


class _ShuffleBuffer:
    """TensorFlow's shuffle buffer over integer ids, vectorized over a block of arrivals.

    The semantics are TF's: fill ``size`` slots; then for each arriving id pick a slot
    uniformly, emit the id in it and put the arrival there; at the end emit what is left in
    random order. Within a block of arrivals, the id emitted at step t is the one that the
    previous step choosing the same slot put there — or, if none did, the slot's content
    before the block; a stable sort of the chosen slots finds those predecessors at once.
    """

    def __init__(self, size: int, rng: np.random.Generator) -> None:
        self._slots = np.empty(size, dtype=np.int64)
        self._filled = 0
        self._rng = rng

    def push(self, ids: np.ndarray) -> np.ndarray:
        """Feed arrivals in order; returns the ids emitted meanwhile, in order."""
        size = len(self._slots)
        room = size - self._filled
        if room:
            fill = ids[:room]
            self._slots[self._filled:self._filled + len(fill)] = fill
            self._filled += len(fill)
            ids = ids[room:]
        if not len(ids):
            return ids[:0]
        chosen = self._rng.integers(0, size, size=len(ids))
        order = np.argsort(chosen, kind="stable")  # steps grouped by slot, in time order
        slots = chosen[order]
        first = np.empty(len(ids), dtype=bool)
        first[0] = True
        np.not_equal(slots[1:], slots[:-1], out=first[1:])
        emitted_sorted = self._slots[slots]  # right for each slot's first step in the block
        later = ~first
        emitted_sorted[later] = ids[order[:-1][later[1:]]]  # arrival of the previous step
        emitted = np.empty_like(emitted_sorted)
        emitted[order] = emitted_sorted
        last = np.empty(len(ids), dtype=bool)
        last[-1] = True
        last[:-1] = first[1:]
        self._slots[slots[last]] = ids[order[last]]
        return emitted

    def drain(self) -> np.ndarray:
        """What is left, in random order; the buffer is empty afterwards."""
        rest = self._slots[:self._filled][self._rng.permutation(self._filled)]
        self._filled = 0
        return rest


# -- Dataset -------------------------------------------------------------------------------

class Dataset:
    """A sequence of elements (tensors, or tuples and dicts of them) built as a pipeline.

    Start from ``from_tensor_slices``, ``from_tensors`` or ``range``; transform with
    ``map``, ``batch``, ``shuffle`` …; iterate with ``for``. A dataset is immutable and can be
    iterated any number of times; each iteration is one pass (an epoch).

    Subclasses implement ``_iter_elements`` (one pass as flat tuples), ``_cardinality`` and
    ``_compute_spec``; row datasets set ``_rows`` and implement ``_row_chunks`` instead of
    ``_iter_elements``.
    """

    _rows: tuple[np.ndarray, ...] | None = None  # set when elements are rows of these arrays
    _element_spec: Any = None

    # -- sources ---------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors: Any, name: str | None = None) -> Dataset:
        """One element per index along the first dimension of every component."""
        return _TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors: Any, name: str | None = None) -> Dataset:
        """A dataset of exactly one element: ``tensors``, whole."""
        return _TensorDataset(tensors)

    @staticmethod
    def range(*args: int, output_type: Any = _dt.int64, name: str | None = None) -> Dataset:
        """``range(stop)``, ``range(start, stop[, step])`` like Python's, as int64 scalars."""
        return _RangeDataset(*args, output_type=output_type)

    @staticmethod
    def from_generator(generator: Callable[..., Any], output_types: Any = None,
                       output_shapes: Any = None, args: tuple | None = None,
                       output_signature: Any = None, name: str | None = None) -> Dataset:
        """Elements yielded by ``generator(*args)``, converted to ``output_signature`` (a
        structure of ``tf.TensorSpec``); the generator is called anew for every pass. ``args``
        reach it as numpy values, as in TensorFlow."""
        if not callable(generator):
            raise TypeError("`generator` must be a Python callable.")
        if output_signature is None:
            if output_types is None:
                raise TypeError("To specify the output signature you need to provide either "
                                "the `output_signature` argument or the `output_types` "
                                "argument.")
            dtypes = nest.flatten(output_types)
            shapes = ([None] * len(dtypes) if output_shapes is None
                      else _flatten_up_to(output_types, output_shapes, "output_shapes"))
            output_signature = nest.pack_sequence_as(
                output_types, [TensorSpec(shape, d) for d, shape in zip(dtypes, shapes)])
        elif output_types is not None or output_shapes is not None:
            raise TypeError("The `output_types` and `output_shapes` arguments can not be "
                            "used together with the `output_signature` argument.")
        for spec in nest.flatten(output_signature):
            if not isinstance(spec, TensorSpec):
                raise TypeError("`output_signature` must contain objects that are subclass "
                                f"of `tf.TypeSpec` but found {type(spec)} which is not.")
        values = tuple(_numpy(convert_to_tensor(a)) for a in (args or ()))
        # TensorFlow builds it as a flat_map over one dummy element: same repr, unknown length
        dataset = _TensorDataset(np.int64(0)).flat_map(
            lambda _: _GeneratorDataset(generator, values, output_signature))
        dataset._element_spec = output_signature
        return dataset

    @staticmethod
    def zip(*args: Any, datasets: Any = None, name: str | None = None) -> Dataset:
        """Elements of several datasets side by side, in the structure they are given in."""
        if datasets is None:
            if not args:
                raise TypeError("Dataset.zip() needs at least one dataset.")
            datasets = args[0] if len(args) == 1 else args
        elif args:
            raise TypeError("Pass the datasets either positionally or as `datasets`, not both.")
        return _ZipDataset(datasets)

    # -- transformations -------------------------------------------------------------
    def batch(self, batch_size: int, drop_remainder: bool = False,
              num_parallel_calls: int | None = None, deterministic: bool | None = None,
              name: str | None = None) -> Dataset:
        """Consecutive elements stacked into batches; the last may be smaller unless
        ``drop_remainder``."""
        return _BatchDataset(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size: int, padded_shapes: Any = None,
                     padding_values: Any = None, drop_remainder: bool = False,
                     name: str | None = None) -> Dataset:
        """Like ``batch``, for elements whose shapes differ: each component is padded with
        ``padding_values`` (0 by default) to ``padded_shapes`` (a ``None`` dimension, or no
        ``padded_shapes`` at all, pads to the longest element of the batch)."""
        return _PaddedBatchDataset(self, batch_size, padded_shapes, padding_values,
                                   drop_remainder)

    def window(self, size: int, shift: int | None = None, stride: int = 1,
               drop_remainder: bool = False, name: str | None = None) -> Dataset:
        """Windows of ``size`` elements (every ``stride``-th), one starting every ``shift``
        elements (default ``size``); each window is a dataset per component. The last windows
        may be shorter unless ``drop_remainder``."""
        return _WindowDataset(self, size, size if shift is None else shift, stride,
                              drop_remainder)

    def flat_map(self, map_func: Callable[..., Any], name: str | None = None) -> Dataset:
        """``map_func`` maps each element to a dataset; their elements follow one another."""
        return _FlatMapDataset(self, map_func)

    def unbatch(self, name: str | None = None) -> Dataset:
        """Split every element along its first dimension (the inverse of ``batch``)."""
        return _UnbatchDataset(self)

    def shuffle(self, buffer_size: int, seed: int | None = None,
                reshuffle_each_iteration: bool | None = None,
                name: str | None = None) -> Dataset:
        """Randomize the order through a buffer of ``buffer_size`` elements (TF's semantics:
        a full shuffle needs a buffer as large as the dataset). Seeded by ``seed`` and
        ``tf.random.set_seed``; each iteration draws a new order unless
        ``reshuffle_each_iteration=False``."""
        reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        return _ShuffleDataset(self, buffer_size, seed, reshuffle)

    def map(self, map_func: Callable[..., Any], num_parallel_calls: int | None = None,
            deterministic: bool | None = None, name: str | None = None) -> Dataset:
        """``map_func`` applied to every element; a tuple element's components are passed as
        separate arguments. The function runs eagerly, once per element."""
        return _MapDataset(self, map_func)

    def filter(self, predicate: Callable[..., Any], name: str | None = None) -> Dataset:
        """Only the elements for which ``predicate`` returns a scalar ``True``."""
        return _FilterDataset(self, predicate)

    def repeat(self, count: int | None = None, name: str | None = None) -> Dataset:
        """The dataset ``count`` times in a row (forever when ``count`` is None or -1)."""
        return _RepeatDataset(self, count)

    def take(self, count: int, name: str | None = None) -> Dataset:
        """The first ``count`` elements (all of them when ``count`` is -1)."""
        return _TakeDataset(self, count)

    def skip(self, count: int, name: str | None = None) -> Dataset:
        """All but the first ``count`` elements (none when ``count`` is -1)."""
        return _SkipDataset(self, count)

    def prefetch(self, buffer_size: int, name: str | None = None) -> Dataset:
        """Accepted for compatibility; iteration is synchronous, so elements come as asked."""
        return _PrefetchDataset(self)

    def cache(self, filename: str = "", name: str | None = None) -> Dataset:
        """Keep the elements of the first complete pass in memory and replay them."""
        if filename:
            raise UnimplementedError("Tapescope caches datasets in memory only; call cache() "
                                     "without a filename.")
        return _CacheDataset(self)

    def enumerate(self, start: int = 0, name: str | None = None) -> Dataset:
        """``(index, element)`` pairs, the index an int64 counting from ``start``."""
        return _ZipDataset((Dataset.range(start, sys.maxsize), self))

    def concatenate(self, dataset: Dataset, name: str | None = None) -> Dataset:
        """This dataset's elements followed by those of ``dataset`` (same structure)."""
        return _ConcatenateDataset(self, dataset)

    def apply(self, transformation_func: Callable[[Dataset], Dataset]) -> Dataset:
        return transformation_func(self)

    def reduce(self, initial_state: Any, reduce_func: Callable[[Any, Any], Any]) -> Any:
        """Fold every element into a state: ``state = reduce_func(state, element)``."""
        state = nest.map_structure(convert_to_tensor, initial_state)
        for element in self:
            state = nest.map_structure(convert_to_tensor, reduce_func(state, element))
        return state

    # -- reading -----------------------------------------------------------------------
    def __iter__(self) -> DatasetIterator:
        if STATE.graph is not None:  # read while a tf.function traces: its values go in
            _note_read(self)
        return DatasetIterator(self)

    def as_numpy_iterator(self) -> Iterator[Any]:
        """Elements as numpy values (scalars for rank 0) instead of Tensors."""
        for element in self:
            yield nest.map_structure(_numpy, element)

    @property
    def element_spec(self) -> Any:
        """The structure of an element, with a ``TensorSpec`` for each component."""
        if self._element_spec is None:
            self._element_spec = self._compute_spec()
        return self._element_spec

    def cardinality(self) -> Tensor:
        """Number of elements as an int64 scalar; -1 infinite, -2 unknown (after filter)."""
        if STATE.graph is not None:
            _note_read(self)
        return wrap(np.array(self._cardinality(), dtype=np.int64))

    def __len__(self) -> int:
        if STATE.graph is not None:
            _note_read(self)
        n = self._cardinality()
        if n == INFINITE_CARDINALITY:
            raise TypeError("The dataset is infinite.")
        if n == UNKNOWN_CARDINALITY:
            raise TypeError("The dataset length is unknown.")
        return n

    def __bool__(self) -> bool:
        return True  # not len(): an infinite or filtered dataset is still truthy

    def __repr__(self) -> str:
        return f"<{type(self).__name__} element_spec={self.element_spec!r}>"

    # -- what subclasses provide -----------------------------------------------------
    def _flat_elements(self) -> Iterator[Flat]:
        """One pass over the elements as flat tuples of numpy values."""
        if self._rows is None:
            return self._iter_elements()
        return self._row_elements()

    def _row_elements(self) -> Iterator[Flat]:
        arrays = self._rows
        assert arrays is not None
        strings = any(a.dtype.kind == "O" for a in arrays)
        for chunk in self._row_chunks():
            size = _chunk_len(chunk)
            for lo in range(0, size, _ROW_BLOCK):
                piece = _piece(chunk, lo, min(lo + _ROW_BLOCK, size))
                rows = zip(*[a[piece] for a in arrays])
                yield from map(_string_scalars, rows) if strings else rows

    def _iter_elements(self) -> Iterator[Flat]:
        raise NotImplementedError

    def _row_chunks(self) -> Iterator[Chunk]:
        raise NotImplementedError

    def _cardinality(self) -> int:
        raise NotImplementedError

    def _compute_spec(self) -> Any:
        raise NotImplementedError


class DatasetIterator:
    """One pass over a dataset (``iter(dataset)``); tells the debugger about each element."""

    def __init__(self, dataset: Dataset) -> None:
        self._dataset = dataset
        self._elements = dataset._flat_elements()
        self._pack: Callable[[Flat], Any] | None = None
        self._index = 0
        self._exhausted = False

    @property
    def element_spec(self) -> Any:
        return self._dataset.element_spec

    def __iter__(self) -> DatasetIterator:
        return self

    def __next__(self) -> Any:
        try:
            flat = next(self._elements)
        except StopIteration:
            self._end_of_pass()
            raise
        if self._pack is None:  # known now even for map: its function has run once
            self._pack = _packer(self._dataset.element_spec)
        element = self._pack(flat)
        hook = STATE.hook
        if hook is not None:
            hook.dataset_next(self._dataset, self._index)
        self._index += 1
        return element

    def get_next(self) -> Any:
        """The next element; ``OutOfRangeError`` at the end, as TensorFlow's iterator."""
        try:
            return next(self)
        except StopIteration:
            raise OutOfRangeError("End of sequence") from None

    def _end_of_pass(self) -> None:
        if self._exhausted:
            return
        self._exhausted = True
        hook = STATE.hook
        if hook is not None:
            hook.dataset_epoch_end(self._dataset)


# -- sources -------------------------------------------------------------------------------

class _TensorSliceDataset(Dataset):
    def __init__(self, tensors: Any) -> None:
        structure = _to_structure(tensors)
        leaves = nest.flatten(structure)
        if not leaves:
            raise ValueError("from_tensor_slices needs at least one tensor; got an empty "
                             f"structure {tensors!r}.")
        paths = _leaf_paths(structure)
        for path, leaf in zip(paths, leaves):
            if np.ndim(leaf) == 0:
                where = "" if path == "value" else f" {path}"
                raise ValueError(
                    f"from_tensor_slices slices along the first dimension, but component"
                    f"{where} is a scalar (shape ()); wrap it in a list, or use from_tensors.")
        sizes = {np.shape(leaf)[0] for leaf in leaves}
        if len(sizes) > 1:
            shapes = ", ".join(f"{p}: {tuple(np.shape(v))}" for p, v in zip(paths, leaves))
            raise ValueError("from_tensor_slices needs the same size in the first dimension "
                             f"of every component, got shapes {shapes}.")
        self._rows = tuple(_readonly(leaf) for leaf in leaves)
        self._size = sizes.pop()
        self._element_spec = nest.map_structure(
            lambda v: TensorSpec(np.shape(v)[1:], v.dtype), structure)

    def _row_chunks(self) -> Iterator[Chunk]:
        if self._size:
            yield slice(0, self._size)

    def _cardinality(self) -> int:
        return self._size


class _TensorDataset(Dataset):
    def __init__(self, tensors: Any) -> None:
        structure = _to_structure(tensors)
        self._element = tuple(_readonly(v) for v in nest.flatten(structure))
        self._element_spec = _spec_of(structure)

    def _iter_elements(self) -> Iterator[Flat]:
        yield self._element

    def _cardinality(self) -> int:
        return 1


class _RangeDataset(Dataset):
    def __init__(self, *args: int, output_type: Any = _dt.int64) -> None:
        if not 1 <= len(args) <= 3:
            raise TypeError(f"range() takes 1 to 3 arguments ({len(args)} given).")
        bounds = [int(a) for a in args]
        if len(bounds) == 3 and bounds[2] == 0:
            raise InvalidArgumentError("step must be a non-zero integer.")
        self._range = range(*bounds)
        self._dtype = _dt.as_dtype(output_type)
        self._element_spec = TensorSpec([], self._dtype)

    def _iter_elements(self) -> Iterator[Flat]:
        scalar = self._dtype._np.type
        for value in self._range:
            yield (scalar(value),)

    def _cardinality(self) -> int:
        return len(self._range)


class _ListDataset(Dataset):
    """Elements held in a list: one component of a ``window``."""

    def __init__(self, elements: list[Flat], element_spec: Any) -> None:
        self._elements = elements
        self._element_spec = element_spec

    def _iter_elements(self) -> Iterator[Flat]:
        return iter(self._elements)

    def _cardinality(self) -> int:
        return len(self._elements)


class _GeneratorDataset(Dataset):
    """What ``generator(*args)`` yields, each element checked against and converted to the
    signature (TensorFlow reports a bad element when it is read, as InvalidArgumentError)."""

    def __init__(self, generator: Callable[..., Any], args: tuple, signature: Any) -> None:
        self._generator = generator
        self._args = args
        self._element_spec = signature
        self._specs = nest.flatten(signature)

    def _iter_elements(self) -> Iterator[Flat]:
        for value in self._generator(*self._args):
            yield self._convert(value)

    def _convert(self, value: Any) -> Flat:
        try:
            leaves = _flatten_up_to(self._element_spec, value, "generator")
        except ValueError:
            raise InvalidArgumentError(
                "TypeError: `generator` yielded an element that did not match the expected "
                f"structure. The expected structure was {self._element_spec!r}, but the "
                f"yielded element was {value!r}.") from None
        out = []
        for spec, leaf in zip(self._specs, leaves):
            source = leaf._value if isinstance(leaf, Tensor) else leaf
            try:
                if spec.dtype._np.kind == "O":  # str and bytes become a string tensor's bytes
                    array = convert_to_tensor(source, dtype=spec.dtype)._value
                else:
                    array = np.asarray(source, dtype=spec.dtype._np)
            except (TypeError, ValueError):
                raise InvalidArgumentError(
                    "TypeError: `generator` yielded an element that could not be converted to "
                    f"the expected type. The expected type was {spec.dtype.name}, but the "
                    f"yielded element was {leaf!r}.") from None
            if not spec.shape.is_compatible_with(as_shape(array.shape)):
                raise InvalidArgumentError(
                    f"TypeError: `generator` yielded an element of shape {array.shape} where "
                    f"an element of shape {spec.shape} was expected.")
            out.append(array)
        return tuple(out)

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY


# -- one-input transformations -------------------------------------------------------------

class _UnaryDataset(Dataset):
    """A transformation of one input dataset; by default elements and spec pass through."""

    def __init__(self, input_dataset: Dataset) -> None:
        if not isinstance(input_dataset, Dataset):
            raise TypeError(f"Expected a Dataset, got {type(input_dataset).__name__}.")
        self._input = input_dataset

    def _compute_spec(self) -> Any:
        return self._input.element_spec

    def _cardinality(self) -> int:
        return self._input._cardinality()

    def _first_input_element(self) -> Flat | None:
        """The input's first element (None when it is empty), its iterator closed after."""
        elements = self._input._flat_elements()
        try:
            return next(elements, None)
        finally:
            if hasattr(elements, "close"):
                elements.close()


class _PrefetchDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset) -> None:
        super().__init__(input_dataset)
        self._rows = input_dataset._rows

    def _iter_elements(self) -> Iterator[Flat]:
        return self._input._flat_elements()

    def _row_chunks(self) -> Iterator[Chunk]:
        return self._input._row_chunks()


class _BatchDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset, batch_size: int, drop_remainder: bool) -> None:
        super().__init__(input_dataset)
        self._batch_size = int(batch_size)
        if self._batch_size <= 0:
            raise InvalidArgumentError("Batch size must be greater than zero. "
                                       "[Op:BatchDatasetV2]")
        self._drop_remainder = bool(drop_remainder)

    def _iter_elements(self) -> Iterator[Flat]:
        rows = self._input._rows
        if rows is not None:  # one slice or gather per component and batch
            for index in _batch_chunks(self._input._row_chunks(), self._batch_size,
                                       self._drop_remainder):
                yield tuple([a[index] for a in rows])
            return
        block: list[Flat] = []
        for element in self._input._flat_elements():
            block.append(element)
            if len(block) == self._batch_size:
                yield _stack(block)
                block = []
        if block and not self._drop_remainder:
            yield _stack(block)

    def _compute_spec(self) -> Any:
        batch_dim = self._batch_size if self._drop_remainder else None
        return nest.map_structure(
            lambda s: TensorSpec([batch_dim, *s.shape], s.dtype), self._input.element_spec)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n < 0:
            return n
        full, rest = divmod(n, self._batch_size)
        return full + (1 if rest and not self._drop_remainder else 0)


def _stack(block: list[Flat]) -> Flat:
    out = []
    for component, column in enumerate(zip(*block)):
        try:
            out.append(np.stack(column))
        except ValueError:
            first = np.shape(column[0])
            index, shape = next((i, np.shape(v)) for i, v in enumerate(column)
                                if np.shape(v) != first)
            raise InvalidArgumentError(
                f"Cannot batch tensors with different shapes in component {component}. First "
                f"element had shape {list(first)} and element {index} had shape "
                f"{list(shape)}.") from None
    return tuple(out)


class _PaddedBatchDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset, batch_size: int, padded_shapes: Any,
                 padding_values: Any, drop_remainder: bool) -> None:
        super().__init__(input_dataset)
        self._batch_size = int(batch_size)
        if self._batch_size <= 0:
            components = len(nest.flatten(input_dataset.element_spec))
            raise wrapped_kernel(InvalidArgumentError(
                "Batch size must be greater than zero. [Op:PaddedBatchDatasetV2]"),
                N=components, Toutput_types=components)
        self._drop_remainder = bool(drop_remainder)
        spec = input_dataset.element_spec
        specs = nest.flatten(spec)
        self._dtypes = [s.dtype._np for s in specs]
        if padded_shapes is None:  # pad every dimension to the batch's longest
            for i, s in enumerate(specs):
                if s.shape.rank is None:
                    raise ValueError("You must provide `padded_shapes` argument because "
                                     f"component {i} has unknown rank.")
            # TF's spec keeps the input's known dimensions; here a map's spec is read off its
            # first element, so a known dimension may be only that element's: say None.
            self._shapes = [TensorShape([None] * s.shape.rank) for s in specs]
            self._targets: list[list | None] = [[None] * s.shape.rank for s in specs]
        else:
            self._shapes = [_padded_shape(p, s.shape) for p, s in
                            zip(_flatten_up_to(spec, padded_shapes, "padded_shapes"), specs)]
            self._targets = [None if p.rank is None else list(p) for p in self._shapes]
        if padding_values is None:
            self._padding = [np.zeros((), d) for d in self._dtypes]
        else:
            self._padding = [_padding_value(v, d) for v, d in
                             zip(_flatten_up_to(spec, padding_values, "padding_values"),
                                 self._dtypes)]

    def _iter_elements(self) -> Iterator[Flat]:
        block: list[Flat] = []
        for element in self._input._flat_elements():
            block.append(element)
            if len(block) == self._batch_size:
                yield self._pad(block)
                block = []
        if block and not self._drop_remainder:
            yield self._pad(block)

    def _pad(self, block: list[Flat]) -> Flat:
        out = []
        for component, column in enumerate(zip(*block)):
            shapes = [np.shape(v) for v in column]
            target = self._targets[component]
            rank = len(shapes[0]) if target is None else len(target)
            for shape in shapes:
                if len(shape) != rank:
                    raise InvalidArgumentError(
                        "All elements in a batch must have the same rank as the padded shape "
                        f"for component{component}: expected rank {rank} but got element "
                        f"with rank {len(shape)}")
            dims = [max(s[d] for s in shapes) if target is None or target[d] is None
                    else target[d] for d in range(rank)]
            if any(s[d] > dims[d] for s in shapes for d in range(rank)):
                raise wrapped_kernel(DataLossError(
                    "Attempted to pad to a smaller size than the input element. "
                    "[Op:IteratorGetNext]"), output_types=len(block[0]))
            batch = np.full([len(column), *dims], self._padding[component],
                            dtype=self._dtypes[component])
            for i, value in enumerate(column):
                batch[(i, *[slice(0, n) for n in np.shape(value)])] = value
            out.append(batch)
        return tuple(out)

    def _compute_spec(self) -> Any:
        batch_dim = self._batch_size if self._drop_remainder else None
        specs = nest.flatten(self._input.element_spec)
        return nest.pack_sequence_as(self._input.element_spec, [
            TensorSpec(None if shape.rank is None else [batch_dim, *shape], s.dtype)
            for shape, s in zip(self._shapes, specs)])

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n < 0:
            return n
        full, rest = divmod(n, self._batch_size)
        return full + (1 if rest and not self._drop_remainder else 0)


def _padded_shape(value: Any, input_shape: TensorShape) -> TensorShape:
    """One component's ``padded_shapes`` entry, checked against the component's shape."""
    if isinstance(value, Tensor):
        value = [None if d < 0 else int(d) for d in np.asarray(value._value).tolist()]
    shape = as_shape(value)
    compatible = (input_shape.rank is None or shape.rank is None
                  or (shape.rank == input_shape.rank
                      and all(p is None or d is None or p >= d
                              for p, d in zip(shape, input_shape))))
    if not compatible:
        raise ValueError(f"The padded shape {shape} is not compatible with the shape "
                         f"{input_shape} of the corresponding input component.")
    return shape


def _padding_value(value: Any, dtype: np.dtype) -> np.ndarray:
    """One component's padding value: a scalar of exactly the component's dtype (as TF)."""
    array = _leaf_value(value)
    if np.ndim(array) != 0:
        raise ValueError("Invalid `padding_values`. `padding_values` values should be "
                         f"scalars, but got {value!r}.")
    if np.asarray(array).dtype != dtype:
        raise TypeError(
            f"Invalid `padding_values`. `padding_values` values type "
            f"<dtype: '{_dt.from_numpy(np.asarray(array).dtype).name}'> does not match type "
            f"<dtype: '{_dt.from_numpy(dtype).name}'> of the corresponding input component.")
    return np.asarray(array)


class _WindowDataset(_UnaryDataset):
    """Windows of the input, each a dataset per component (built as the input is read)."""

    def __init__(self, input_dataset: Dataset, size: int, shift: int, stride: int,
                 drop_remainder: bool) -> None:
        super().__init__(input_dataset)
        self._size, self._shift, self._stride = int(size), int(shift), int(stride)
        for what, value in (("size", self._size), ("shift", self._shift),
                            ("stride", self._stride)):
            if value <= 0:
                raise InvalidArgumentError(f"Window {what} must be greater than zero. "
                                           "[Op:WindowDataset]")
        self._drop_remainder = bool(drop_remainder)
        self._span = (self._size - 1) * self._stride + 1  # inputs one full window covers

    def _window(self, elements: list[Flat]) -> Flat:
        specs = nest.flatten(self._input.element_spec)
        return tuple(_ListDataset([(e[j],) for e in elements], spec)
                     for j, spec in enumerate(specs))

    def _advance(self, buffer: collections.deque) -> int:
        """Drop ``shift`` inputs from the buffer; how many of the next arrivals to skip too."""
        dropped = min(self._shift, len(buffer))
        for _ in range(dropped):
            buffer.popleft()
        return self._shift - dropped

    def _iter_elements(self) -> Iterator[Flat]:
        buffer: collections.deque = collections.deque()  # the inputs from the next start on
        skip = 0
        for element in self._input._flat_elements():
            if skip:
                skip -= 1
                continue
            buffer.append(element)
            if len(buffer) == self._span:
                yield self._window(list(itertools.islice(buffer, 0, None, self._stride)))
                skip = self._advance(buffer)
        if not self._drop_remainder:
            while buffer:  # the short windows starting before the end
                yield self._window(list(itertools.islice(buffer, 0, None, self._stride)))
                self._advance(buffer)

    def _compute_spec(self) -> Any:
        return nest.map_structure(DatasetSpec, self._input.element_spec)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n < 0:
            return n
        if self._drop_remainder:
            return 0 if n < self._span else (n - self._span) // self._shift + 1
        return -(-n // self._shift)


class _FlatMapDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset, map_func: Callable[..., Any]) -> None:
        super().__init__(input_dataset)
        if not callable(map_func):
            raise TypeError(f"map_func must be callable, got {map_func!r}.")
        self._func = map_func

    def _dataset_of(self, call: Callable[[Flat], Any], flat: Flat) -> Dataset:
        dataset = call(flat)
        if not isinstance(dataset, Dataset):
            raise TypeError("The `map_func` argument of flat_map must return a `Dataset` "
                            f"object, got {type(dataset).__name__}.")
        if self._element_spec is None:
            self._element_spec = dataset.element_spec
        return dataset

    def _iter_elements(self) -> Iterator[Flat]:
        call = None
        for flat in self._input._flat_elements():
            if call is None:
                call = _caller(self._func, self._input.element_spec)
            yield from self._dataset_of(call, flat)._flat_elements()

    def _compute_spec(self) -> Any:
        """Call the function once on the first input element (TF traces it instead)."""
        first = self._first_input_element()
        if first is None:
            raise ValueError("flat_map over an empty dataset: the element structure is "
                             "unknown until map_func has run once.")
        return self._dataset_of(_caller(self._func, self._input.element_spec), first).element_spec

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY


class _UnbatchDataset(_UnaryDataset):
    def _iter_elements(self) -> Iterator[Flat]:
        for element in self._input._flat_elements():
            sizes = [np.shape(v)[0] if np.ndim(v) else None for v in element]
            if None in sizes:
                raise InvalidArgumentError("Cannot unbatch an element with scalar components.")
            if len(set(sizes)) > 1:
                raise InvalidArgumentError(
                    "Input element must have the same batch size in each component. Component "
                    f"0 had size {sizes[0]} but another had size {max(set(sizes) - {sizes[0]})}.")
            rows = zip(*element)
            strings = any(np.asarray(v).dtype.kind == "O" for v in element)
            yield from map(_string_scalars, rows) if strings else rows

    def _compute_spec(self) -> Any:
        spec = self._input.element_spec
        if any(s.shape.rank == 0 for s in nest.flatten(spec)):
            raise ValueError("Cannot unbatch an input with scalar components.")
        return nest.map_structure(lambda s: TensorSpec(s.shape[1:], s.dtype), spec)

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n == INFINITE_CARDINALITY:
            return n
        sizes = {s.shape[0] for s in nest.flatten(self._input.element_spec)}
        if n < 0 or len(sizes) != 1 or None in sizes:
            return UNKNOWN_CARDINALITY
        return n * sizes.pop()


class _ShuffleDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset, buffer_size: int, seed: int | None,
                 reshuffle_each_iteration: bool) -> None:
        super().__init__(input_dataset)
        self._buffer_size = int(buffer_size)
        if self._buffer_size <= 0:
            raise InvalidArgumentError("buffer_size must be greater than zero.")
        self._seed = _dataset_seed(seed)
        self._reshuffle = reshuffle_each_iteration
        self._passes = 0
        self._rows = input_dataset._rows

    def _pass_rng(self) -> np.random.Generator:
        n = self._passes if self._reshuffle else 0
        self._passes += 1
        return np.random.default_rng([self._seed, n])

    def _row_chunks(self) -> Iterator[Chunk]:
        buffer = _ShuffleBuffer(self._buffer_size, self._pass_rng())
        for chunk in self._input._row_chunks():
            ids = _indices(chunk)
            for lo in range(0, len(ids), _SHUFFLE_ROWS):
                emitted = buffer.push(ids[lo:lo + _SHUFFLE_ROWS])
                if len(emitted):
                    yield emitted
        rest = buffer.drain()
        if len(rest):
            yield rest

    def _iter_elements(self) -> Iterator[Flat]:
        # Elements wait in a dict under their position; the buffer shuffles positions.
        buffer = _ShuffleBuffer(self._buffer_size, self._pass_rng())
        waiting: dict[int, Flat] = {}
        upstream = self._input._flat_elements()
        position = 0
        while True:
            block = list(itertools.islice(upstream, _SHUFFLE_ELEMENTS))
            waiting.update(zip(range(position, position + len(block)), block))
            emitted = buffer.push(np.arange(position, position + len(block), dtype=np.int64))
            position += len(block)
            for i in emitted.tolist():
                yield waiting.pop(i)
            if len(block) < _SHUFFLE_ELEMENTS:
                break
        for i in buffer.drain().tolist():
            yield waiting.pop(i)


def _dataset_seed(seed: int | None) -> int:
    """TensorFlow's seed rule for dataset ops, applied when the dataset is built: an op seed
    alone fixes the order (mixed with the global seed if one is set); without one, the
    global seed decides through its per-op counter; with neither, every build differs."""
    if seed is None:
        return int(generator(None).integers(2**63))
    global_seed = get_global_seed()
    entropy = [int(seed) & 0xFFFFFFFF, 0 if global_seed is None else (global_seed & 0xFFFFFFFF) + 1]
    return int(np.random.default_rng(entropy).integers(2**63))


class _MapDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset, map_func: Callable[..., Any]) -> None:
        super().__init__(input_dataset)
        if not callable(map_func):
            raise TypeError(f"map_func must be callable, got {map_func!r}.")
        self._func = map_func
        self._leaf_count: int | None = None

    def _apply(self, call: Callable[[Flat], Any], flat: Flat) -> Flat:
        result = call(flat)
        if isinstance(result, list):  # as tf.data: a returned list is a tuple of components
            result = tuple(result)
        structure = _to_structure(result)
        leaves = tuple(nest.flatten(structure))
        if self._leaf_count is None:
            self._leaf_count = len(leaves)
            if self._element_spec is None:
                self._element_spec = _spec_of(structure)
        elif len(leaves) != self._leaf_count:
            raise ValueError(f"The map function returned {len(leaves)} components here but "
                             f"{self._leaf_count} before; it must return one structure.")
        return leaves

    def _iter_elements(self) -> Iterator[Flat]:
        call = None
        for flat in self._input._flat_elements():
            if call is None:
                call = _caller(self._func, self._input.element_spec)
            yield self._apply(call, flat)

    def _compute_spec(self) -> Any:
        """Run the function once on the first input element (TF traces it instead)."""
        first = self._first_input_element()
        spec = self._input.element_spec
        if first is None:  # empty input: a zero-size stand-in still gives dtypes and ranks
            first = tuple(np.zeros([0 if d is None else d for d in s.shape], s.dtype._np)
                          for s in nest.flatten(spec))
        self._apply(_caller(self._func, spec), first)
        return self._element_spec


class _FilterDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset, predicate: Callable[..., Any]) -> None:
        super().__init__(input_dataset)
        if not callable(predicate):
            raise TypeError(f"predicate must be callable, got {predicate!r}.")
        self._predicate = predicate

    def _iter_elements(self) -> Iterator[Flat]:
        call = None
        for flat in self._input._flat_elements():
            if call is None:
                call = _caller(self._predicate, self._input.element_spec)
            keep = call(flat)
            value = np.asarray(keep._value if isinstance(keep, Tensor) else keep)
            if value.ndim != 0 or value.dtype != np.bool_:
                raise ValueError("`predicate` return type must be convertible to a scalar "
                                 f"boolean tensor. Was {TensorSpec(value.shape, value.dtype)}.")
            if value:
                yield flat

    def _cardinality(self) -> int:
        return UNKNOWN_CARDINALITY


class _RepeatDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset, count: int | None) -> None:
        super().__init__(input_dataset)
        count = -1 if count is None else int(count)
        self._count = None if count < 0 else count  # None: forever
        self._rows = input_dataset._rows

    def _passes(self) -> Iterator[int]:
        return itertools.count() if self._count is None else iter(range(self._count))

    def _iter_elements(self) -> Iterator[Flat]:
        for _ in self._passes():
            produced = False
            for element in self._input._flat_elements():
                produced = True
                yield element
            if not produced:  # repeating an empty dataset forever must still end
                return

    def _row_chunks(self) -> Iterator[Chunk]:
        for _ in self._passes():
            produced = False
            for chunk in self._input._row_chunks():
                produced = True
                yield chunk
            if not produced:
                return

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if self._count is None:
            return 0 if n == 0 else INFINITE_CARDINALITY
        if self._count == 0:
            return 0
        return n if n < 0 else n * self._count


class _TakeDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset, count: int) -> None:
        super().__init__(input_dataset)
        self._count = int(count)
        self._rows = input_dataset._rows

    def _iter_elements(self) -> Iterator[Flat]:
        if self._count < 0:
            return self._input._flat_elements()
        return itertools.islice(self._input._flat_elements(), self._count)

    def _row_chunks(self) -> Iterator[Chunk]:
        if self._count < 0:
            yield from self._input._row_chunks()
            return
        remaining = self._count
        if remaining == 0:
            return
        for chunk in self._input._row_chunks():
            size = _chunk_len(chunk)
            if size >= remaining:
                yield _piece(chunk, 0, remaining)
                return
            yield chunk
            remaining -= size

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n == UNKNOWN_CARDINALITY:
            return n
        if n == INFINITE_CARDINALITY:
            return INFINITE_CARDINALITY if self._count < 0 else self._count
        return n if self._count < 0 else min(n, self._count)


class _SkipDataset(_UnaryDataset):
    def __init__(self, input_dataset: Dataset, count: int) -> None:
        super().__init__(input_dataset)
        self._count = int(count)
        self._rows = input_dataset._rows

    def _iter_elements(self) -> Iterator[Flat]:
        elements = self._input._flat_elements()
        if self._count < 0:
            for _ in elements:
                pass
            return iter(())
        return itertools.islice(elements, self._count, None)

    def _row_chunks(self) -> Iterator[Chunk]:
        chunks = self._input._row_chunks()
        if self._count < 0:
            for _ in chunks:
                pass
            return
        to_skip = self._count
        for chunk in chunks:
            size = _chunk_len(chunk)
            if size <= to_skip:
                to_skip -= size
                continue
            yield _piece(chunk, to_skip, size) if to_skip else chunk
            to_skip = 0

    def _cardinality(self) -> int:
        n = self._input._cardinality()
        if n < 0:
            return n
        return 0 if self._count < 0 else max(0, n - self._count)


class _CacheDataset(_UnaryDataset):
    """Replays the first complete pass; a pass abandoned midway caches nothing (as TF)."""

    def __init__(self, input_dataset: Dataset) -> None:
        super().__init__(input_dataset)
        self._rows = input_dataset._rows
        self._cached: list | None = None  # elements, or row chunks for a row dataset

    def _replay_or_record(self, source: Callable[[], Iterator[Any]]) -> Iterator[Any]:
        if self._cached is not None:
            yield from self._cached
            return
        recorded = []
        for item in source():
            recorded.append(item)
            yield item
        self._cached = recorded

    def _iter_elements(self) -> Iterator[Flat]:
        return self._replay_or_record(self._input._flat_elements)

    def _row_chunks(self) -> Iterator[Chunk]:
        return self._replay_or_record(self._input._row_chunks)


# -- several inputs ------------------------------------------------------------------------

class _ZipDataset(Dataset):
    def __init__(self, datasets: Any) -> None:
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        self._structure = datasets
        self._inputs = nest.flatten(datasets)
        for ds in self._inputs:
            if not isinstance(ds, Dataset):
                raise TypeError("Dataset.zip() takes datasets (or tuples and dicts of them), "
                                f"got {type(ds).__name__}.")

    def _iter_elements(self) -> Iterator[Flat]:
        passes = [ds._flat_elements() for ds in self._inputs]
        for parts in zip(*passes):
            yield tuple(itertools.chain.from_iterable(parts))

    def _compute_spec(self) -> Any:
        return nest.pack_sequence_as(self._structure, [ds.element_spec for ds in self._inputs])

    def _cardinality(self) -> int:
        result = INFINITE_CARDINALITY
        for ds in self._inputs:
            n = ds._cardinality()
            if n == UNKNOWN_CARDINALITY:
                return n
            if n != INFINITE_CARDINALITY and (result == INFINITE_CARDINALITY or n < result):
                result = n
        return result


class _ConcatenateDataset(Dataset):
    def __init__(self, first: Dataset, second: Dataset) -> None:
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate() takes a Dataset, got {type(second).__name__}.")
        self._first, self._second = first, second
        a, b = first.element_spec, second.element_spec
        same = (nest.map_structure(type, a) == nest.map_structure(type, b)
                and all(x.dtype == y.dtype for x, y in zip(nest.flatten(a), nest.flatten(b))))
        if not same:
            raise TypeError(f"Incompatible dataset elements:\n  {a!r} vs.\n  {b!r}")

    def _iter_elements(self) -> Iterator[Flat]:
        yield from self._first._flat_elements()
        yield from self._second._flat_elements()

    def _compute_spec(self) -> Any:
        def common(x: TensorSpec, y: TensorSpec) -> TensorSpec:
            if x.shape.rank != y.shape.rank:
                return TensorSpec(None, x.dtype)
            return TensorSpec([d if d == e else None for d, e in zip(x.shape, y.shape)], x.dtype)

        return nest.map_structure(common, self._first.element_spec, self._second.element_spec)

    def _cardinality(self) -> int:
        a, b = self._first._cardinality(), self._second._cardinality()
        if INFINITE_CARDINALITY in (a, b):
            return INFINITE_CARDINALITY
        if UNKNOWN_CARDINALITY in (a, b):
            return UNKNOWN_CARDINALITY
        return a + b


class _Experimental:
    """``tf.data.experimental``: the constants and ``cardinality`` scripts still use."""

    AUTOTUNE = AUTOTUNE
    INFINITE_CARDINALITY = INFINITE_CARDINALITY
    UNKNOWN_CARDINALITY = UNKNOWN_CARDINALITY

    @staticmethod
    def cardinality(dataset: Dataset) -> Tensor:
        return dataset.cardinality()


experimental = _Experimental()
