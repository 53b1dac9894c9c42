"""The op behind ``tf.sparse.to_dense``: ``SparseToDense``, with TensorFlow's gradient.

The other ``tf.sparse`` functions (engine/sparse.py) are composites of existing ops, so
their gradients follow from those ops'.
"""

from __future__ import annotations

import numpy as np

from engine import errors
from engine.ops import array_ops, reduction_ops
from engine.ops.math_ops import subtract
from engine.ops.registry import OpCall, defop
from engine.tensor import Tensor


def _dims(values: np.ndarray) -> str:
    return "[" + ",".join(str(int(v)) for v in values) + "]"


def check_indices(indices: np.ndarray, shape: np.ndarray, op_name: str) -> None:
    """TensorFlow's validation of a SparseTensor's indices: inside the shape, each after the
    one before it in row-major order, none repeated."""
    for i, row in enumerate(indices):
        if np.any(row < 0) or np.any(row >= shape):
            raise errors.InvalidArgumentError(
                None, op_name, f"indices[{i}] = {_dims(row)} is out of bounds: need 0 <= index "
                f"< {_dims(shape)} [Op:{op_name}]")
        if i and tuple(row) <= tuple(indices[i - 1]):
            what = "is repeated" if tuple(row) == tuple(indices[i - 1]) else "is out of order"
            raise errors.InvalidArgumentError(
                None, op_name, f"indices[{i}] = {_dims(row)} {what}. Many sparse ops require "
                "sorted indices.\n    Use `tf.sparse.reorder` to create a correctly ordered "
                f"copy.\n\n [Op:{op_name}]")


def _check_to_dense(indices: Tensor, shape: Tensor, values: Tensor, default: Tensor,
                    validate_indices: bool = True) -> None:
    idx, dims = indices._value, shape._value
    if validate_indices:
        check_indices(idx, dims, "SparseToDense")


@defop("SparseToDense", check=_check_to_dense)
def SPARSE_TO_DENSE(indices: np.ndarray, shape: np.ndarray, values: np.ndarray,
                    default: np.ndarray, validate_indices: bool = True) -> np.ndarray:
    """A dense tensor of ``shape`` filled with ``default``, ``values`` at ``indices``."""
    out = np.full(tuple(int(d) for d in shape), default, dtype=values.dtype)
    out[tuple(indices.T)] = values  # indices: [entries, rank] (a SparseTensor's)
    return out


@SPARSE_TO_DENSE.gradient
def _sparse_to_dense_grad(op: OpCall, grad: Tensor) -> tuple:
    """values: grad at the indices; default value: the sum of grad everywhere else."""
    indices = op.inputs[0]
    values_grad = array_ops.gather_nd(grad, indices)
    default_grad = subtract(reduction_ops.reduce_sum(grad), reduction_ops.reduce_sum(values_grad))
    return None, None, values_grad, default_grad
