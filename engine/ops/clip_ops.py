"""Clipping by norm (``tf.clip_by_norm``, ``tf.clip_by_global_norm``): composites written
as TensorFlow's clip_ops.py writes them, so values and gradients match op for op."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from engine.ops import math_ops as m
from engine.ops.array_ops import identity, stack
from engine.ops.nn_ops import l2_loss
from engine.ops.reduction_ops import reduce_sum
from engine.shape import TensorShape
from engine.tensor import Tensor, convert_to_tensor


def clip_by_norm(t: Any, clip_norm: Any, axes: Any = None, name: str | None = None) -> Tensor:
    """t · clip_norm / max(‖t‖₂, clip_norm) over ``axes``: rescaled only when the norm is
    larger. The square root is taken only where the sum is positive, so a zero tensor has
    gradient 0 rather than NaN."""
    values = convert_to_tensor(t)
    l2sum = reduce_sum(m.multiply(values, values), axes, keepdims=True)
    positive = m.greater(l2sum, 0)
    l2sum_safe = m.where(positive, l2sum, m.ones_like(l2sum))
    l2norm = m.where(positive, m.sqrt(l2sum_safe), l2sum)
    clipped = identity(m.divide(m.multiply(values, clip_norm), m.maximum(l2norm, clip_norm)))
    if clipped._value.shape != values._value.shape:  # a clip_norm that broadcasts t
        raise ValueError(f"Shapes {TensorShape(values._value.shape)} and "
                         f"{TensorShape(clipped._value.shape)} are incompatible")
    return clipped


def global_norm(t_list: Sequence, name: str | None = None) -> Tensor:
    """``tf.linalg.global_norm``: sqrt(Σ ‖t‖²) over every tensor of the list (None skipped)."""
    if not isinstance(t_list, Sequence) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    halves = [l2_loss(convert_to_tensor(v)) for v in t_list if v is not None]
    half = reduce_sum(stack(halves))
    return m.sqrt(m.multiply(half, 2.0))


def clip_by_global_norm(t_list: Sequence, clip_norm: Any, use_norm: Any = None,
                        name: str | None = None) -> tuple[list, Tensor]:
    """Scale every tensor by clip_norm / max(global_norm, clip_norm): the gradients keep
    their direction. Returns (clipped list, global norm); an infinite norm gives NaNs, as in
    TensorFlow (``scale + (norm - norm)``)."""
    if not isinstance(t_list, Sequence) or isinstance(t_list, str):
        raise TypeError(f"`t_list` should be a sequence of tensors. Received {type(t_list)}.")
    t_list = list(t_list)
    if use_norm is None:
        use_norm = global_norm(t_list)
    use_norm = convert_to_tensor(use_norm)
    one = convert_to_tensor(1.0, dtype=use_norm.dtype)
    scale_for_finite = m.multiply(clip_norm, m.minimum(m.divide(1.0, use_norm),
                                                       m.divide(one, clip_norm)))
    with np.errstate(invalid="ignore"):  # inf - inf is the intended NaN: no numpy warning
        scale = m.add(scale_for_finite, m.subtract(use_norm, use_norm))
    clipped = []
    for v in t_list:
        if v is None:
            clipped.append(None)
            continue
        v = convert_to_tensor(v)
        clipped.append(identity(m.multiply(v, m.cast(scale, v.dtype))))
    return clipped, use_norm
