"""``tf.sparse``: ``SparseTensor`` (int64 ``indices`` of its non-default entries, their
``values``, int64 ``dense_shape``) and the functions the guides use on it.

Apart from ``to_dense`` (the SparseToDense op), each function is a composite of dense ops
on ``values``, so gradients reach the values the way TensorFlow's sparse gradients do.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.context import STATE
from engine.ops import array_ops, math_ops, reduction_ops
from engine.ops.registry import execute
from engine.ops.sparse_ops import SPARSE_TO_DENSE
from engine.shape import TensorShape
from engine.tensor import Tensor, convert_to_tensor, wrap


class SparseTensor:
    """``tf.sparse.SparseTensor(indices, values, dense_shape)``."""

    __slots__ = ("_indices", "_values", "_dense_shape")

    def __init__(self, indices: Any, values: Any, dense_shape: Any) -> None:
        self._indices = convert_to_tensor(indices, dtype=_dt.int64)
        self._values = values if isinstance(values, Tensor) else convert_to_tensor(values)
        self._dense_shape = convert_to_tensor(dense_shape, dtype=_dt.int64)
        for part, rank in ((self._indices, 2), (self._values, 1), (self._dense_shape, 1)):
            if part._value.ndim != rank:
                raise ValueError(f"Shape {TensorShape(part._value.shape)} must have rank {rank}")
        n, r = self._indices._value.shape
        if self._values._value.shape[0] != n:
            raise ValueError(f"Dimensions {n} and {self._values._value.shape[0]} are not "
                             "compatible")
        if self._dense_shape._value.shape[0] != r:
            raise ValueError(f"Dimensions {r} and {self._dense_shape._value.shape[0]} are not "
                             "compatible")

    @property
    def indices(self) -> Tensor:
        return self._indices

    @property
    def values(self) -> Tensor:
        return self._values

    @property
    def dense_shape(self) -> Tensor:
        return self._dense_shape

    @property
    def dtype(self) -> _dt.DType:
        return self._values.dtype

    @property
    def shape(self) -> TensorShape:
        return TensorShape([int(d) for d in self._dense_shape._value])

    def get_shape(self) -> TensorShape:
        return self.shape

    def with_values(self, new_values: Any) -> SparseTensor:
        """The same indices and shape holding ``new_values``."""
        return SparseTensor(self._indices, new_values, self._dense_shape)

    def __repr__(self) -> str:
        return (f"SparseTensor(indices={self._indices!s}, values={self._values!s}, "
                f"dense_shape={self._dense_shape!s})")

    def __mul__(self, other: Any) -> SparseTensor:
        """Times a dense tensor broadcast to the dense shape (SparseDenseCwiseMul)."""
        dense = array_ops.broadcast_to(other, self.shape.as_list())
        return self.with_values(math_ops.multiply(self._values,
                                                  array_ops.gather_nd(dense, self._indices)))


def _sparse(value: Any, what: str) -> SparseTensor:
    if not isinstance(value, SparseTensor):
        raise TypeError(f"{what} must be a SparseTensor, got {type(value).__name__}")
    return value


def to_dense(sp_input: SparseTensor, default_value: Any = None, validate_indices: bool = True,
             name: str | None = None) -> Tensor:
    """The dense tensor: ``values`` at ``indices``, ``default_value`` (zero) elsewhere."""
    sp = _sparse(sp_input, "sp_input")
    default = convert_to_tensor(0 if default_value is None else default_value,
                                dtype=sp.dtype)
    return execute(SPARSE_TO_DENSE, (sp._indices, sp._dense_shape, sp._values, default),
                   {"validate_indices": bool(validate_indices)})


def from_dense(tensor: Any, name: str | None = None) -> SparseTensor:
    """The non-zero entries of a dense tensor."""
    x = tensor if isinstance(tensor, Tensor) else convert_to_tensor(tensor)
    indices = math_ops.where(math_ops.not_equal(x, array_ops.zeros_like(x)))
    return SparseTensor(indices, array_ops.gather_nd(x, indices),
                        array_ops.shape(x, out_type=_dt.int64))


def _eager_only(what: str) -> None:
    """Indices read as numbers here (the order, the union) would be the trace's, baked into
    the graph: refuse rather than compute with stale indices."""
    if STATE.graph is not None:
        raise errors.UnimplementedError(
            f"{what} inside tf.function is not implemented in Tapescope (it reads the indices' "
            "values); call it eagerly, outside the function.")


def reorder(sp_input: SparseTensor, name: str | None = None) -> SparseTensor:
    """The same entries in row-major order of their indices."""
    sp = _sparse(sp_input, "sp_input")
    _eager_only("tf.sparse.reorder")
    order = np.lexsort(sp._indices._value.T[::-1]) if len(sp._indices._value) else np.zeros(
        0, np.int64)
    return SparseTensor(wrap(sp._indices._value[order]),
                        array_ops.gather(sp._values, wrap(order.astype(np.int64))),
                        sp._dense_shape)


def add(a: Any, b: Any, threshold: Any = 0, name: str | None = None) -> Any:
    """Sparse + sparse is sparse (entries at both indices summed, and such a sum kept unless
    its magnitude is below ``threshold``); sparse + dense is dense."""
    if not isinstance(a, SparseTensor):
        a, b = b, a
    if not isinstance(a, SparseTensor):
        raise TypeError("tf.sparse.add needs at least one SparseTensor")
    if not isinstance(b, SparseTensor):
        return math_ops.add(to_dense(a), b)
    _eager_only("tf.sparse.add of two SparseTensors")
    if a.shape != b.shape:
        raise errors.InvalidArgumentError(
            None, "SparseAdd", f"Operands' shapes do not match: A.shape = {a.shape} and "
            f"B.shape = {b.shape} [Op:SparseAdd]")
    both = np.concatenate([a._indices._value, b._indices._value])
    unique, segment = np.unique(both, axis=0, return_inverse=True)
    values = array_ops.unsorted_segment_sum(
        array_ops.concat([a._values, b._values], 0), wrap(segment.reshape(-1).astype(np.int32)),
        len(unique))
    out = SparseTensor(wrap(unique.astype(np.int64)), values, a._dense_shape)
    thresh = float(threshold.numpy() if isinstance(threshold, Tensor) else threshold)
    if thresh <= 0:
        return out
    # as TensorFlow's kernel: only a sum of two entries is dropped, never a lone one
    keep = (np.abs(values._value) >= thresh) | (np.bincount(segment.reshape(-1)) == 1)
    return SparseTensor(wrap(unique[keep].astype(np.int64)),
                        array_ops.gather(values, wrap(np.flatnonzero(keep))), a._dense_shape)


def sparse_dense_matmul(sp_a: SparseTensor, b: Any, adjoint_a: bool = False,
                        adjoint_b: bool = False, name: str | None = None) -> Tensor:
    """``sp_a @ b`` for a sparse matrix ``sp_a`` and a dense ``b``."""
    return math_ops.matmul(to_dense(_sparse(sp_a, "sp_a")), b, adjoint_a=adjoint_a,
                           adjoint_b=adjoint_b)


def reduce_sum(sp_input: SparseTensor, axis: Any = None, keepdims: Any = None,
               output_is_sparse: bool = False, name: str | None = None) -> Any:
    """The sum of the entries along ``axis`` (all of them by default), dense unless
    ``output_is_sparse``."""
    total = reduction_ops.reduce_sum(to_dense(_sparse(sp_input, "sp_input")), axis=axis,
                                     keepdims=bool(keepdims))
    return from_dense(total) if output_is_sparse else total

