"""Image adjustments (``tf.image``).

``AdjustContrastv2`` has no gradient in TensorFlow: not "not differentiable" (which gives
None) but absent from the gradient registry, so ``tape.gradient`` through it raises
``LookupError`` — the autodiff guide shows exactly that. Its rule here raises the same.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.ops import math_ops
from engine.ops.registry import OpCall, defop, execute
from engine.tensor import Tensor, convert_to_tensor


def _dims(shape: tuple) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def _check_contrast(images: Tensor, factor: Tensor) -> None:
    if images._value.ndim < 3:
        raise errors.InvalidArgumentError(
            None, "AdjustContrastv2", "input must be at least 3-D, got shape"
            f"{_dims(images._value.shape)} [Op:AdjustContrastv2]")
    if factor._value.ndim != 0:
        raise errors.InvalidArgumentError(
            None, "AdjustContrastv2", "contrast_factor must be scalar: "
            f"{_dims(factor._value.shape)} [Op:AdjustContrastv2]")


@defop("AdjustContrastv2", check=_check_contrast)
def ADJUST_CONTRAST(images: np.ndarray, contrast_factor: np.ndarray) -> np.ndarray:
    """Each channel moved away from its mean over height and width by ``contrast_factor``:
    ``(x - mean) * factor + mean``."""
    mean = images.mean(axis=(-3, -2), keepdims=True, dtype=np.float32 if images.dtype
                       == np.float16 else images.dtype).astype(images.dtype)
    return ((images - mean) * contrast_factor.astype(images.dtype) + mean).astype(images.dtype)


@ADJUST_CONTRAST.gradient
def _adjust_contrast_grad(op: OpCall, grad: Tensor) -> tuple:
    """None registered in TensorFlow: asking for one is a LookupError."""
    raise LookupError("gradient registry has no entry for: AdjustContrastv2")


def _to_float(images: Tensor) -> Tensor:
    """``convert_image_dtype`` to float32: integers scale into [0, 1]."""
    kind = images._value.dtype.kind
    if kind in "iu":
        top = float(np.iinfo(images._value.dtype).max)
        return math_ops.multiply(math_ops.cast(images, _dt.float32), 1.0 / top)
    return math_ops.cast(images, _dt.float32)


def _from_float(images: Tensor, dtype: _dt.DType) -> Tensor:
    """``convert_image_dtype(..., saturate=True)`` back to the caller's dtype."""
    if dtype._np.kind in "iu":
        top = float(np.iinfo(dtype._np).max)
        return math_ops.saturate_cast(math_ops.multiply(images, top + 0.5), dtype)
    return math_ops.cast(images, dtype)


def adjust_contrast(images: Any, contrast_factor: Any, name: str | None = None) -> Tensor:
    """Contrast of ``images`` (``[..., height, width, channels]``) scaled by
    ``contrast_factor``; float16 and float32 are adjusted as they are, other dtypes through
    float32 and back, as TensorFlow does."""
    x = images if isinstance(images, Tensor) else convert_to_tensor(images)
    dtype = x.dtype
    if dtype._np.kind not in "fiu":
        raise TypeError(f"adjust_contrast needs numeric images, got {dtype.name}")
    if dtype in (_dt.float16, _dt.float32):
        return execute(ADJUST_CONTRAST, (x, math_ops.cast(contrast_factor, _dt.float32)))
    adjusted = execute(ADJUST_CONTRAST, (_to_float(x), math_ops.cast(contrast_factor,
                                                                      _dt.float32)))
    return _from_float(adjusted, dtype)
