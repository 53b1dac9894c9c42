"""``tf.RaggedTensor`` and ``tf.ragged.constant``, minimal but honest: rows of different
lengths as ``values`` cut by ``row_splits`` (what ``tf.strings.split`` of a vector gives).

It prints, lists, indexes and measures itself as TensorFlow's does; anything else (ragged
arithmetic, ops taking it as a tensor, use inside ``tf.function``) raises a
NotImplementedError that names the feature, never a wrong answer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.shape import TensorShape
from engine.tensor import Tensor, convert_to_tensor, wrap

_SUPPORTED = ("values, flat_values, row_splits, dtype, shape, ragged_rank, nrows(), "
              "row_lengths(), to_list(), numpy(), to_tensor(), indexing rows")


def _unsupported(feature: str) -> NotImplementedError:
    return NotImplementedError(
        f"{feature} is not supported by Tapescope's tf.RaggedTensor (it has: {_SUPPORTED}).")


class RaggedTensor:
    """Rows ``values[row_splits[i]:row_splits[i + 1]]``; ``values`` may be ragged itself."""

    __slots__ = ("_values", "_row_splits")

    def __init__(self, values: Tensor | RaggedTensor, row_splits: Tensor) -> None:
        self._values, self._row_splits = values, row_splits

    @classmethod
    def from_row_splits(cls, values: Any, row_splits: Any, name: str | None = None,
                        validate: bool = True) -> RaggedTensor:
        """Check the splits as TensorFlow's validation does: 1-D, from 0, never
        decreasing, ending at the number of values."""
        if not isinstance(values, RaggedTensor):
            values = convert_to_tensor(values)
        splits = np.asarray(convert_to_tensor(row_splits, dtype_hint=_dt.int64)._value)
        if splits.dtype.kind not in "iu":
            raise TypeError(f"row_splits must be an integer tensor, got {splits.dtype.name}")
        nvals = values.nrows() if isinstance(values, RaggedTensor) else values._value.shape[0]
        nvals = int(nvals) if not isinstance(nvals, Tensor) else int(nvals._value)
        if splits.ndim != 1 or splits.size == 0:
            raise ValueError("row_splits must be a non-empty vector")
        if validate and (splits[0] != 0 or np.any(np.diff(splits) < 0)
                         or splits[-1] != nvals):
            raise errors.InvalidArgumentError(
                None, "RaggedTensor", "Arguments to from_row_splits do not form a valid "
                f"RaggedTensor: row_splits {splits.tolist()} for {nvals} values")
        return cls(values, wrap(splits.astype(np.int64)))

    # -- what it is ----------------------------------------------------------------------------
    @property
    def values(self) -> Tensor | RaggedTensor:
        return self._values

    @property
    def flat_values(self) -> Tensor:
        values = self._values
        while isinstance(values, RaggedTensor):
            values = values._values
        return values

    @property
    def row_splits(self) -> Tensor:
        return self._row_splits

    @property
    def dtype(self) -> _dt.DType:
        return self.flat_values.dtype

    @property
    def ragged_rank(self) -> int:
        inner = self._values
        return 1 + (inner.ragged_rank if isinstance(inner, RaggedTensor) else 0)

    @property
    def shape(self) -> TensorShape:
        """``(nrows, None, …)``: each ragged dimension is unknown."""
        inner = self.flat_values.shape.as_list()[1:]
        return TensorShape([self._nrows(), *([None] * self.ragged_rank), *inner])

    def _nrows(self) -> int:
        return int(self._row_splits._value.shape[0]) - 1

    def nrows(self, out_type: Any = None, name: str | None = None) -> Tensor:
        return wrap(np.asarray(self._nrows(), dtype=(_dt.as_dtype(out_type)._np
                                                      if out_type is not None else np.int64)))

    def row_lengths(self, axis: int = 1, name: str | None = None) -> Tensor:
        if axis != 1:
            raise _unsupported(f"row_lengths(axis={axis})")
        return wrap(np.diff(self._row_splits._value))

    # -- values out --------------------------------------------------------------------------
    def _rows(self) -> list:
        splits = self._row_splits._value.tolist()
        values = self._values
        if isinstance(values, RaggedTensor):
            return [values[start:stop] for start, stop in zip(splits, splits[1:])]
        array = values._value
        return [array[start:stop] for start, stop in zip(splits, splits[1:])]

    def to_list(self) -> list:
        return [row.to_list() if isinstance(row, RaggedTensor) else row.tolist()
                for row in self._rows()]

    def numpy(self) -> np.ndarray:
        """TensorFlow's form: rows of one length stack into an array; ragged rows make an
        object array of row arrays."""
        rows = [row.numpy() if isinstance(row, RaggedTensor) else row for row in self._rows()]
        if not rows:
            return np.zeros((0, 0, *self.flat_values._value.shape[1:]),
                            dtype=self.flat_values._value.dtype)
        ragged = any(len(row) != len(rows[0]) for row in rows)
        if not ragged:
            return np.array(rows)
        out = np.empty(len(rows), dtype=object)
        out[:] = rows
        return out

    def to_tensor(self, default_value: Any = None, name: str | None = None,
                  shape: Any = None) -> Tensor:
        """Rows padded with ``default_value`` (zero, or b"" for strings) to the longest."""
        if self.ragged_rank != 1 or shape is not None:
            raise _unsupported("to_tensor() of a nested ragged tensor or with a shape")
        flat = self.flat_values._value
        fill = default_value if default_value is not None else (
            b"" if flat.dtype == object else 0)
        lengths = np.diff(self._row_splits._value)
        out = np.empty((self._nrows(), int(lengths.max(initial=0)), *flat.shape[1:]),
                       dtype=flat.dtype)
        out[...] = fill
        for i, row in enumerate(self._rows()):
            out[i, :len(row)] = row
        return wrap(out)

    # -- indexing -----------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, tuple):
            if not key:
                return self
            if len(key) > 1 and not isinstance(key[0], int | np.integer):
                raise _unsupported("indexing inside the rows of several rows (r[:, 0])")
            row = self[key[0]]
            return row[key[1:] if len(key) > 2 else key[1]] if len(key) > 1 else row
        if isinstance(key, slice):
            if key.step not in (None, 1):
                raise _unsupported("slicing rows with a step")
            start, stop, _ = key.indices(self._nrows())
            stop = max(start, stop)
            splits = self._row_splits._value[start:stop + 1]
            lo, hi = int(splits[0]), int(splits[-1])
            values = self._values[lo:hi]
            return RaggedTensor(values, wrap(splits - lo))
        if isinstance(key, int | np.integer):
            n = self._nrows()
            if not -n <= key < n:
                raise IndexError(f"Row key {key} out of bounds")
            return self._rows()[int(key)] if isinstance(self._values, RaggedTensor) else wrap(
                self._rows()[int(key)])
        raise _unsupported(f"indexing with {type(key).__name__}")

    # -- printing -----------------------------------------------------------------------------
    def __repr__(self) -> str:
        with np.printoptions(formatter={"all": _formatter}):
            text = _formatter(self.numpy())
        return f"<tf.RaggedTensor {text}>"

    __str__ = __repr__

    # -- what it does not do ------------------------------------------------------------------
    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise _unsupported(f"tf.RaggedTensor.{name}")

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise _unsupported("Using a tf.RaggedTensor as a dense tensor (an op's input, "
                           "np.asarray)")

    def __bool__(self) -> bool:
        raise _unsupported("The truth value of a tf.RaggedTensor")

    def __iter__(self) -> Any:
        raise _unsupported("Iterating over a tf.RaggedTensor")


def _operator(symbol: str) -> Any:
    def method(self: RaggedTensor, *args: Any) -> Any:
        raise _unsupported(f"Ragged arithmetic and comparison ({symbol})")
    return method


for _name, _symbol in (("add", "+"), ("sub", "-"), ("mul", "*"), ("truediv", "/"),
                       ("floordiv", "//"), ("mod", "%"), ("pow", "**"), ("matmul", "@")):
    setattr(RaggedTensor, f"__{_name}__", _operator(_symbol))
    setattr(RaggedTensor, f"__r{_name}__", _operator(_symbol))
for _name, _symbol in (("lt", "<"), ("le", "<="), ("gt", ">"), ("ge", ">="), ("neg", "-"),
                       ("abs", "abs")):
    setattr(RaggedTensor, f"__{_name}__", _operator(_symbol))


def _formatter(x: Any) -> str:
    """TensorFlow's: numpy's text with elements separated by commas."""
    if isinstance(x, np.ndarray):
        if x.size != 0:
            return np.array2string(x, separator=", ")
        return repr(x.tolist())
    return str(x)


# -- tf.ragged --------------------------------------------------------------------------------

def constant(pylist: Any, dtype: Any = None, ragged_rank: int | None = None,
             inner_shape: Any = None, name: str | None = None,
             row_splits_dtype: Any = _dt.int64) -> RaggedTensor | Tensor:
    """A RaggedTensor from nested Python lists (every innermost list ragged); a plain list
    of scalars gives a Tensor, as in TensorFlow."""
    if ragged_rank is not None or inner_shape is not None:
        raise _unsupported("tf.ragged.constant with ragged_rank or inner_shape")
    if _dt.as_dtype(row_splits_dtype) != _dt.int64:
        raise _unsupported("row_splits_dtype other than int64")
    depths: set[int] = set()
    nesting = _depths(pylist, 0, depths)
    if len(depths) > 1:
        raise ValueError("all scalar values must have the same nesting depth")
    depth = depths.pop() if depths else nesting
    if not isinstance(pylist, list | tuple):
        return convert_to_tensor(pylist, dtype=dtype)
    levels: list[list[int]] = []
    flat = _flatten(pylist, depth, levels)
    values: Any = convert_to_tensor(flat, dtype=dtype if dtype is not None else (
        _dt.float32 if not flat else None))
    if depth <= 1:
        return values
    for splits in reversed(levels):
        values = RaggedTensor(values, wrap(np.asarray(splits, np.int64)))
    return values


def _depths(value: Any, depth: int, out: set) -> int:
    """Collect the depth of every scalar; returns the deepest list nesting."""
    if not isinstance(value, list | tuple):
        out.add(depth)
        return depth
    return max([depth + 1, *(_depths(item, depth + 1, out) for item in value)])


def _flatten(pylist: Any, depth: int, levels: list[list[int]]) -> list:
    """The scalars of ``pylist`` and, per ragged level, its row splits."""
    rows = list(pylist)
    for _ in range(depth - 1):
        splits, nxt = [0], []
        for row in rows:
            nxt.extend(row)
            splits.append(len(nxt))
        levels.append(splits)
        rows = nxt
    return rows
