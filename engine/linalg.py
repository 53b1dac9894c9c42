"""``tf.linalg``: matmul and norms (composites of registry ops, so they differentiate)."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.ops import math_ops as _m
from engine.ops import reduction_ops as _r
from engine.ops.clip_ops import global_norm  # noqa: F401
from engine.ops.math_ops import matmul, tensordot  # noqa: F401
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
