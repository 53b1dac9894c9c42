"""Inverse and hyperbolic trigonometry (``tf.math.acos`` … ``atanh``, ``atan2``) and the
"no NaN" products (``multiply_no_nan``, ``xdivy``, ``xlog1py``), ``rint`` and
``truncatediv``/``truncatemod``: each forward beside its gradient, as TensorFlow's
math_grad.py writes them (in the engine's own ops, so they differentiate again)."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops import math_ops as m
from engine.ops._args import binary_args, require_kinds
from engine.ops.math_ops import _quiet, unbroadcast
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor

_FLOAT = "f"


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


ACOS = defop("Acos")(_quiet(np.arccos))
ASIN = defop("Asin")(_quiet(np.arcsin))
ATAN = defop("Atan")(np.arctan)
SINH = defop("Sinh")(_quiet(np.sinh))
COSH = defop("Cosh")(_quiet(np.cosh))
ACOSH = defop("Acosh")(_quiet(np.arccosh))
ASINH = defop("Asinh")(np.arcsinh)
ATANH = defop("Atanh")(_quiet(np.arctanh))
ATAN2 = defop("Atan2")(np.arctan2)


@ACOS.gradient
def _(op, dy):
    """d acos x = -dy / sqrt(1 - x²)."""
    x = op.inputs[0]
    return (m.negative(m.multiply(dy, m.rsqrt(m.subtract(1.0, m.square(x))))),)


@ASIN.gradient
def _(op, dy):
    """d asin x = dy / sqrt(1 - x²)."""
    x = op.inputs[0]
    return (m.multiply(dy, m.rsqrt(m.subtract(1.0, m.square(x)))),)


@ATAN.gradient
def _(op, dy):
    """d atan x = dy / (1 + x²)."""
    return (m.divide(dy, m.add(1.0, m.square(op.inputs[0]))),)


@SINH.gradient
def _(op, dy):
    """d sinh x = dy · cosh x."""
    return (m.multiply(dy, cosh(op.inputs[0])),)


@COSH.gradient
def _(op, dy):
    """d cosh x = dy · sinh x."""
    return (m.multiply(dy, sinh(op.inputs[0])),)


@ACOSH.gradient
def _(op, dy):
    """d acosh x = dy / sinh(acosh x) (the output y)."""
    return (m.divide(dy, sinh(op.outputs[0])),)


@ASINH.gradient
def _(op, dy):
    """d asinh x = dy / cosh(asinh x)."""
    return (m.divide(dy, cosh(op.outputs[0])),)


@ATANH.gradient
def _(op, dy):
    """d atanh x = dy / (1 - x²)."""
    return (m.divide(dy, m.subtract(1.0, m.square(op.inputs[0]))),)


@ATAN2.gradient
def _(op, dy):
    """atan2(y, x): d y = dy · x / (x² + y²), d x = -dy · y / (x² + y²)."""
    y, x = op.inputs
    scale = m.divide(dy, m.add(m.square(x), m.square(y)))
    return (unbroadcast(m.multiply(x, scale), y) if op.needs(0) else None,
            unbroadcast(m.negative(m.multiply(y, scale)), x) if op.needs(1) else None)


def _mul_no_nan(x, y):
    """x · y, and 0 wherever y is 0 (even where x is inf or NaN)."""
    with np.errstate(all="ignore"):
        return np.where(y == 0, np.zeros((), np.result_type(x, y)), x * y).astype(
            np.result_type(x, y), copy=False)


MUL_NO_NAN = defop("MulNoNan")(_mul_no_nan)


@MUL_NO_NAN.gradient
def _(op, dy):
    """(mul_no_nan(dy, y), mul_no_nan(x, dy)), as TensorFlow's _MulNoNanGrad."""
    x, y = op.inputs
    return (unbroadcast(execute(MUL_NO_NAN, (dy, y)), x) if op.needs(0) else None,
            unbroadcast(execute(MUL_NO_NAN, (x, dy)), y) if op.needs(1) else None)


def _xdivy(x, y):
    """x / y, and 0 wherever x is 0."""
    with np.errstate(all="ignore"):
        return np.where(x == 0, np.zeros((), x.dtype), x / y).astype(x.dtype, copy=False)


XDIVY = defop("Xdivy")(_xdivy)


@XDIVY.gradient
def _(op, dy):
    """As TensorFlow's _XDivyGrad: (dy · [x ≠ 0] / y, dy · xdivy(-x, y²))."""
    x, y = op.inputs
    nonzero = m.cast(m.not_equal(x, 0), dy.dtype)
    gx = m.multiply(m.divide(nonzero, y), dy) if op.needs(0) else None
    gy = m.multiply(execute(XDIVY, (m.negative(x), m.square(y))), dy) if op.needs(1) else None
    return (None if gx is None else unbroadcast(gx, x),
            None if gy is None else unbroadcast(gy, y))


def _xlog1py(x, y):
    """x · log1p(y), and 0 wherever x is 0."""
    with np.errstate(all="ignore"):
        return np.where(x == 0, np.zeros((), x.dtype), x * np.log1p(y)).astype(x.dtype,
                                                                              copy=False)


XLOG1PY = defop("Xlog1py")(_xlog1py)


@XLOG1PY.gradient
def _(op, dy):
    """As TensorFlow's _XLog1pyGrad: (dy · xlog1py([x ≠ 0], y), dy · xdivy(x, y + 1))."""
    x, y = op.inputs
    nonzero = m.cast(m.not_equal(x, 0), dy.dtype)
    gx = m.multiply(execute(XLOG1PY, (nonzero, y)), dy) if op.needs(0) else None
    gy = m.multiply(execute(XDIVY, (x, m.add(y, 1.0))), dy) if op.needs(1) else None
    return (None if gx is None else unbroadcast(gx, x),
            None if gy is None else unbroadcast(gy, y))


# Piecewise constant: TensorFlow's _RintGrad gives None.
RINT = defop("Rint", differentiable=False)(np.rint)


def _truncatediv(x, y):
    """x / y rounded toward zero (C's integer division)."""
    if x.dtype.kind in "iu":
        if np.any(y == 0):
            raise ZeroDivisionError
        q = np.abs(x) // np.abs(y)
        return (np.sign(x) * np.sign(y) * q).astype(x.dtype, copy=False)
    with np.errstate(all="ignore"):
        return np.trunc(x / y).astype(x.dtype, copy=False)


TRUNCATE_DIV = defop("TruncateDiv", differentiable=False)(_truncatediv)


def _truncatemod(x, y):
    """The remainder of truncated division: it has the sign of x (C's %, fmod)."""
    if x.dtype.kind in "iu" and np.any(y == 0):
        raise ZeroDivisionError
    with np.errstate(all="ignore"):
        return np.fmod(x, y).astype(x.dtype, copy=False)


TRUNCATE_MOD = defop("TruncateMod", differentiable=False)(_truncatemod)


def _unary(op: Any, kinds: str = _FLOAT) -> Any:
    """math_ops' elementwise wrapper, named after its op (``tf.math.acos.__name__``)."""
    fn = m._unary(op, kinds)
    fn.__name__ = op.name.lower()
    return fn


acos = _unary(ACOS)
asin = _unary(ASIN)
atan = _unary(ATAN)
sinh = _unary(SINH)
cosh = _unary(COSH)
acosh = _unary(ACOSH)
asinh = _unary(ASINH)
atanh = _unary(ATANH)
rint = _unary(RINT)


def _binary(op: Any, kinds: str = _FLOAT) -> Any:
    def fn(x: Any, y: Any, name: str | None = None) -> Tensor:
        x, y = binary_args(x, y, op.name)
        require_kinds(x, kinds, op.name)
        return execute(op, (x, y))

    fn.__doc__ = op.doc or f"Elementwise {op.name}."
    return fn


def _no_nan_binary(op: Any) -> Any:
    """xdivy, xlog1py: float and complex kernels; another dtype gets TF's registry text."""
    def fn(x: Any, y: Any, name: str | None = None) -> Tensor:
        a, b = binary_args(x, y, op.name)
        if a._value.dtype.kind not in "fc":
            raise errors.InvalidArgumentError(
                None, op.name, f"Value for attr 'T' of {a.dtype.name} is not in the list of "
                "allowed values: half, bfloat16, float, double, complex64, complex128\n\t; "
                f"NodeDef: {{{{node {op.name}}}}}; Op<name={op.name}; signature=x:T, y:T -> "
                "z:T; attr=T:type,allowed=[DT_HALF, DT_BFLOAT16, DT_FLOAT, DT_DOUBLE, "
                f"DT_COMPLEX64, DT_COMPLEX128]> [Op:{op.name}]")
        return execute(op, (a, b))

    fn.__doc__ = op.doc
    return fn


atan2 = _binary(ATAN2)
xdivy = _no_nan_binary(XDIVY)
xlog1py = _no_nan_binary(XLOG1PY)


def multiply_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``tf.math.multiply_no_nan``: x · y, 0 where y is 0 even if x is inf or NaN."""
    x, y = binary_args(x, y, "MulNoNan")
    require_kinds(x, "fc", "MulNoNan")
    return execute(MUL_NO_NAN, (x, y))


def reciprocal_no_nan(x: Any, name: str | None = None) -> Tensor:
    """``tf.math.reciprocal_no_nan``: 1 / x, 0 where x is 0 (divide_no_nan(1, x), as TF)."""
    x = _t(x)
    require_kinds(x, "fc", "DivNoNan")
    return m.divide_no_nan(m.ones_like(x), x)


def _truncating(op: Any) -> Any:
    def fn(x: Any, y: Any, name: str | None = None) -> Tensor:
        # (x and y stay as given: a Python list among them makes TF's message its eager
        # fallback's, without " name: ", which errors.OpError reads from this frame)
        a, b = binary_args(x, y, op.name)
        require_kinds(a, "fiu", op.name)
        try:
            return execute(op, (a, b))
        except ZeroDivisionError:
            raise errors.InternalError(  # TensorFlow 2.21's CPU kernel says so
                None, op.name, "Unexpected error in binary operator (only integer div and mod "
                f"should have errors) [Op:{op.name}]") from None

    fn.__doc__ = op.doc
    return fn


truncatediv = _truncating(TRUNCATE_DIV)
truncatemod = _truncating(TRUNCATE_MOD)


def scalar_mul(scalar: Any, x: Any, name: str | None = None) -> Tensor:
    """``tf.math.scalar_mul``: a 0-D scalar times x, in x's dtype."""
    x = _t(x)
    s = convert_to_tensor(scalar, dtype=x.dtype) if not isinstance(scalar, Tensor) else scalar
    if s._value.ndim != 0:
        raise ValueError(f"The input scalar must be a 0-D value. Received shape "
                         f"{tuple(s._value.shape)}.")
    return m.multiply(s, x)
