"""``tf.math.polyval`` and ``tf.math.cumulative_logsumexp``: composites of engine ops, so
they differentiate through them."""

from __future__ import annotations

from typing import Any

from engine import errors
from engine.ops import math_ops as m
from engine.ops import reduction_ops as r
from engine.ops.array_ops import stop_gradient
from engine.tensor import Tensor, convert_to_tensor


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


@errors.lists_converted_first  # TF converts each coefficient before multiplying
def polyval(coeffs: Any, x: Any, name: str | None = None) -> Tensor:
    """``tf.math.polyval``: coeffs[0]·x^(n-1) + … + coeffs[n-1] by Horner's rule; an empty
    list gives zeros like x."""
    if not isinstance(coeffs, list | tuple):
        raise ValueError(f"Argument coeffs must be list type found {type(coeffs)}.")
    x = _t(x)
    if not coeffs:
        return m.zeros_like(x)
    cs = [_t(c) for c in coeffs]  # converted on their own, as TF does: float32 for floats
    total = cs[0]
    for c in cs[1:]:
        total = m.add(c, m.multiply(total, x))
    return total


def cumulative_logsumexp(x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False,
                         name: str | None = None) -> Tensor:
    """``tf.math.cumulative_logsumexp``: log(cumsum(exp(x))) computed stably, shifted by the
    (finite) maximum along the axis."""
    x = _t(x)
    top = r.reduce_max(x, axis=axis, keepdims=True)
    top = stop_gradient(m.where(m.is_finite(top), top, m.zeros_like(top)))
    summed = r.cumsum(m.exp(m.subtract(x, top)), axis=axis, exclusive=exclusive,
                      reverse=reverse)
    return m.add(m.log(summed), top)
