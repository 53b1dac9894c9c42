"""Ops that check values rather than compute them: ``tf.debugging.check_numerics``.

The gradient of ``CheckNumerics`` checks the gradient flowing back too, as TensorFlow's
``array_grad.py`` does: a NaN born in the backward pass is caught where it passes.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops._args import kernel_dtype_name
from engine.ops.op_defs import attr_not_allowed
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor


def bad_values_text(value: np.ndarray, signed: bool) -> str:
    """What TensorFlow's CheckNumerics kernels say a tensor had: "NaN", "Inf and NaN" (V1);
    "-Inf, +Inf, and NaN" (V2, which tells the infinities apart)."""
    nan = bool(np.isnan(value).any())
    if signed:
        found = [name for name, present in (
            ("-Inf", bool(np.isneginf(value).any())), ("+Inf", bool(np.isposinf(value).any())),
            ("NaN", nan)) if present]
    else:
        found = [name for name, present in (("Inf", bool(np.isinf(value).any())),
                                            ("NaN", nan)) if present]
    if len(found) <= 2:
        return " and ".join(found)
    return ", ".join(found[:-1]) + ", and " + found[-1]


@defop("CheckNumerics")
def CHECK_NUMERICS(x: np.ndarray, message: str = "") -> np.ndarray:
    """``x`` itself; InvalidArgumentError naming ``message`` if it holds NaN or Inf."""
    if not np.isfinite(x).all():
        raise errors.InvalidArgumentError(
            None, "CheckNumerics",
            f"{message} : Tensor had {bad_values_text(x, signed=False)} values "
            "[Op:CheckNumerics]")
    return x


@CHECK_NUMERICS.gradient
def _(op, dy):
    """dy, itself checked: "Not a number (NaN) or infinity (Inf) values detected in
    gradient. <message>"."""
    message = ("Not a number (NaN) or infinity (Inf) values detected in gradient. "
               + str(op.attrs["message"].encode()))  # TF formats the attr's bytes: b'...'
    return (execute(CHECK_NUMERICS, (dy,), {"message": message}),)


def check_numerics(tensor: Any, message: str, name: str | None = None) -> Tensor:
    """``tensor`` unchanged, or InvalidArgumentError "<message> : Tensor had NaN values"
    when it holds NaN or Inf (floating-point tensors only, as TensorFlow's kernel)."""
    x = tensor if isinstance(tensor, Tensor) else convert_to_tensor(tensor)
    if x._value.dtype.kind != "f":
        raise attr_not_allowed("CheckNumerics", "T", kernel_dtype_name(x._value.dtype),
                               fallback=": bfloat16, half, float, double")
    return execute(CHECK_NUMERICS, (x,), {"message": str(message)})
