"""``tf.linalg``: matrix ops (engine/ops/linalg_ops.py) and the composites TensorFlow builds
from other ops (trace, matvec, norm), which differentiate through those ops."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops import math_ops as _m
from engine.ops import reduction_ops as _r
from engine.ops.array_ops import eye  # noqa: F401
from engine.ops.clip_ops import global_norm  # noqa: F401
from engine.ops.linalg_ops import (  # noqa: F401
    band_part,
    cholesky,
    det,
    diag,
    diag_part,
    inv,
    qr,
    solve,
    svd,
)
from engine.ops.math_ops import matmul, tensordot  # noqa: F401
from engine.ops.matrix_decomp_ops import (  # noqa: F401
    cholesky_solve,
    cross,
    eigh,
    eigvalsh,
    expm,
    logdet,
    lstsq,
    lu,
    matrix_rank,
    normalize,
    pinv,
    set_diag,
    slogdet,
    triangular_solve,
)
from engine.ops.special_math_ops import einsum  # noqa: F401
from engine.tensor import Tensor, convert_to_tensor


def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None,  # noqa: A002
         keepdims: bool = False, name: str | None = None) -> Tensor:
    """Vector norms (``euclidean``/2, 1, ``np.inf``, p) and the Frobenius matrix norm."""
    x = convert_to_tensor(tensor)
    if isinstance(axis, list | tuple) and len(axis) == 2 and ord not in ("euclidean", "fro"):
        raise ValueError(f"'ord' must be 'euclidean' or 'fro' for a matrix norm; got {ord!r}.")
    if ord in ("euclidean", "fro", 2, 2.0):
        return _m.sqrt(_r.reduce_sum(_m.square(x), axis=axis, keepdims=keepdims))
    if ord in (1, 1.0):
        return _r.reduce_sum(_m.abs(x), axis=axis, keepdims=keepdims)
    if ord == np.inf:
        return _r.reduce_max(_m.abs(x), axis=axis, keepdims=keepdims)
    if isinstance(ord, int | float) and ord > 0:
        p = float(ord)
        total = _r.reduce_sum(_m.pow(_m.abs(x), p), axis=axis, keepdims=keepdims)
        return _m.pow(total, 1.0 / p)
    raise ValueError(f"'ord' must be a supported vector norm, got {ord!r}.")


def l2_normalize(x: Any, axis: Any = None, epsilon: float = 1e-12,
                 name: str | None = None) -> Tensor:
    x = convert_to_tensor(x)
    sq = _r.reduce_sum(_m.square(x), axis=axis, keepdims=True)
    return _m.multiply(x, _m.rsqrt(_m.maximum(sq, epsilon)))


def matrix_transpose(a: Any, name: str | None = None) -> Tensor:
    from engine.ops.array_ops import transpose

    a = convert_to_tensor(a)
    perm = list(range(a.ndim))
    perm[-1], perm[-2] = perm[-2], perm[-1]
    return transpose(a, perm)


adjoint = matrix_transpose  # real dtypes only: the adjoint is the transpose


def trace(x: Any, name: str | None = None) -> Tensor:
    """``tf.linalg.trace``: the sum of each matrix's main diagonal (as TensorFlow composes it)."""
    return _r.reduce_sum(diag_part(x), axis=-1)


@errors.lists_converted_first
def matvec(a: Any, b: Any, transpose_a: bool = False, adjoint_a: bool = False,
           a_is_sparse: bool = False, b_is_sparse: bool = False,
           name: str | None = None) -> Tensor:
    """``tf.linalg.matvec``: a · b for a batch of matrices and vectors, via matmul."""
    from engine.ops.array_ops import expand_dims, squeeze

    column = expand_dims(convert_to_tensor(b), -1)
    return squeeze(matmul(a, column, transpose_a=transpose_a, adjoint_a=adjoint_a), axis=-1)
