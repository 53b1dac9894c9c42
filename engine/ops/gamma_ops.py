"""The gamma family and the inverse error functions: ``tf.math.lgamma``, ``digamma``,
``polygamma``, ``erfinv``, ``ndtri``.

numpy has none of them (and the engine needs no scipy): lgamma is Python's ``math.lgamma``;
digamma and polygamma shift the argument past 10 by their recurrences, then sum the
asymptotic (Euler-Maclaurin) series, as Cephes, which TensorFlow's kernels follow, does;
ndtri starts from Acklam's rational approximation and finishes with Newton steps on
``math.erfc`` (a few float64 ulps); erfinv and digamma follow the formulas TensorFlow's
kernels use (Eigen's), in the input's precision, so float32 results round as TF's do.
Gradients are TensorFlow's: lgamma' = digamma, digamma' = polygamma(1, ·),
polygamma(n, ·)' = polygamma(n + 1, ·), erfinv' = √π/2 · e^(erfinv²), ndtri' = √(2π) ·
e^(ndtri²/2).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import errors
from engine.ops import math_ops as m
from engine.ops._args import binary_args, require_kinds
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor

_LGAMMA = np.frompyfunc(lambda v: math.inf if v <= 0 and v == math.floor(v) else
                        math.lgamma(v), 1, 1)
_ERFC = np.frompyfunc(math.erfc, 1, 1)
# B_2k / (2k)! for k = 1..8: the Euler-Maclaurin coefficients
_B2K = [1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510]
_EM = [b / math.factorial(2 * k) for k, b in enumerate(_B2K, 1)]
_SHIFT = 10.0  # the recurrences move the argument to at least this before the series


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _f64(x: np.ndarray) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _shifts(x: np.ndarray) -> np.ndarray:
    """How many recurrence steps take each element to at least _SHIFT."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(x), np.maximum(np.ceil(_SHIFT - x), 0), 0).astype(np.int64)


_DIGAMMA_POLY = {  # Cephes' asymptotic coefficients, as Eigen's digamma has them per dtype
    np.dtype(np.float32): [-4.16666666666666666667e-3, 3.96825396825396825397e-3,
                           -8.33333333333333333333e-3, 8.33333333333333333333e-2],
    np.dtype(np.float64): [8.33333333333333333333e-2, -2.10927960927960927961e-2,
                           7.57575757575757575758e-3, -4.16666666666666666667e-3,
                           3.96825396825396825397e-3, -8.33333333333333333333e-3,
                           8.33333333333333333333e-2],
}


def _digamma_in(x: np.ndarray) -> np.ndarray:
    """ψ(x) by the algorithm of TensorFlow's kernel (Eigen's Cephes port), in x's own
    precision (float16 in float32): reflection below 0, recurrence up to 10, series."""
    dtype = np.dtype(np.float32) if x.dtype == np.float16 else x.dtype
    x = np.asarray(x, dtype=dtype)
    one, half = dtype.type(1), dtype.type(0.5)
    pi = dtype.type(np.pi)
    with np.errstate(all="ignore"):
        negative = x <= 0
        p = np.floor(x)
        pole = negative & (p == x)
        nz = x - p
        p = np.where(nz > half, p + one, p)
        nz = x - p
        nz = np.where(negative & (nz != half), pi / np.tan(pi * nz), dtype.type(0))
        s = np.where(negative, one - x, x)
        w = np.zeros_like(s)
        while True:
            below = s < 10
            if not below.any():
                break
            w = np.where(below, w + one / s, w)
            s = np.where(below, s + one, s)
        z = np.where(s < 1e8, one / (s * s), dtype.type(0))
        poly = np.zeros_like(z)
        for c in _DIGAMMA_POLY[dtype]:
            poly = poly * z + dtype.type(c)
        y = np.log(s) - half / s - z * poly - w
        y = np.where(negative, y - nz, y)
    return np.where(pole, dtype.type(np.nan), y)


def _digamma64(x: np.ndarray) -> np.ndarray:
    return _digamma_in(_f64(x))


def _hurwitz_zeta64(s: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Σ_k (x + k)^-s for s > 1 (s an integer here)."""
    n = _shifts(x)
    acc = np.zeros(np.broadcast(s, x).shape)
    with np.errstate(all="ignore"):
        for k in range(int(np.max(n, initial=0))):
            acc += np.where(k < n, (x + k) ** -s, 0.0)
        y = x + n
        tail = y ** (1 - s) / (s - 1) + 0.5 * y ** -s
        rising = s.copy() if isinstance(s, np.ndarray) else np.asarray(s, np.float64)
        power = y ** (-s - 1)
        for j, c in enumerate(_EM):
            tail = tail + c * rising * power
            rising = rising * (s + 2 * j + 1) * (s + 2 * j + 2)
            power = power / (y * y)
    return acc + tail


def _polygamma64(a: np.ndarray, x: np.ndarray) -> np.ndarray:
    a, x = np.broadcast_arrays(_f64(a), _f64(x))
    order = np.where(a == np.floor(a), a, np.nan)
    with np.errstate(all="ignore"):
        sign = np.where(np.mod(order, 2) == 1, 1.0, -1.0)
        fact = np.vectorize(lambda v: math.gamma(v + 1) if v >= 0 else np.nan)(
            np.nan_to_num(order, nan=-1.0))
        zeta = _hurwitz_zeta64(np.where(order >= 1, order + 1, 2.0), x)
        higher = sign * fact * zeta
    pole = (x <= 0) & (x == np.floor(x))
    out = np.where(order == 0, _digamma64(x), np.where(pole, np.inf, higher))
    return np.where(np.isnan(order) | (order < 0), np.nan, out)


def _ndtri64(p: np.ndarray) -> np.ndarray:
    """The standard normal quantile: Acklam's approximation, then Newton steps on
    Φ(x) = erfc(-x/√2)/2 (relative, in the tails)."""
    p = _f64(p)
    a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
         1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
    b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
         6.680131188771972e+01, -1.328068155288572e+01]
    c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
         -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
    d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
         3.754408661907416e+00]
    with np.errstate(all="ignore"):
        q = np.minimum(p, 1 - p)
        low = q < 0.02425
        r = np.sqrt(-2 * np.log(np.where(low, q, 0.5)))
        tail = (((((c[0] * r + c[1]) * r + c[2]) * r + c[3]) * r + c[4]) * r + c[5]) / \
            ((((d[0] * r + d[1]) * r + d[2]) * r + d[3]) * r + 1)
        u = p - 0.5
        s = u * u
        mid = (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * u / \
            (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1)
        x = np.where(low, np.where(p < 0.5, tail, -tail), mid)
        for _ in range(3):  # Newton on the smaller tail probability, from its own side
            lower = x < 0
            phi = 0.5 * np.asarray(_ERFC(np.where(lower, -x, x) / math.sqrt(2)), np.float64)
            target = np.where(lower, p, 1 - p)
            step = (phi - target) / (np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi))
            x = np.where(np.isfinite(step), x + np.where(lower, -step, step), x)
    x = np.where(p == 0, -np.inf, np.where(p == 1, np.inf, x))
    return np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, x)


def _erfinv_in(y: np.ndarray) -> np.ndarray:
    """erfinv(y) = ndtri((y + 1) / 2) / √2, the way TensorFlow's kernel computes it: (y + 1) / 2
    rounded in y's own precision (which is what limits the result's), the quantile then
    computed accurately."""
    one = y.dtype.type(1)
    with np.errstate(all="ignore"):
        p = (y + one) / y.dtype.type(2)
    return _ndtri64(p) / math.sqrt(2)


def _cast(fn: Any) -> Any:
    def forward(*xs):
        return np.asarray(fn(*xs)).astype(xs[-1].dtype, copy=False)

    forward.__doc__ = fn.__doc__
    return forward


def _lgamma(x):
    """log |Γ(x)|; +inf at the poles (0, -1, -2, …)."""
    return np.asarray(_LGAMMA(_f64(x)), dtype=np.float64)  # (0-d: a bare float)


LGAMMA = defop("Lgamma")(_cast(_lgamma))


def _digamma(x):
    """ψ(x) = Γ'(x)/Γ(x); NaN at the poles."""
    return _digamma_in(x)


DIGAMMA = defop("Digamma")(_cast(_digamma))


def _polygamma(a, x):
    """ψ⁽ᵃ⁾(x), the a-th derivative of digamma (a a non-negative integer, else NaN)."""
    return _polygamma64(a, x)


POLYGAMMA = defop("Polygamma")(_cast(_polygamma))


def _erfinv(x):
    """The inverse of erf on (-1, 1); ±inf at ±1, NaN outside."""
    return _erfinv_in(x)


ERFINV = defop("Erfinv")(_cast(_erfinv))


def _ndtri(x):
    """The inverse of the standard normal CDF on (0, 1); ∓inf at 0 and 1, NaN outside."""
    return _ndtri64(x)


NDTRI = defop("Ndtri")(_cast(_ndtri))


@LGAMMA.gradient
def _(op, dy):
    """d lgamma = dy · digamma(x)."""
    return (m.multiply(dy, execute(DIGAMMA, (op.inputs[0],))),)


@DIGAMMA.gradient
def _(op, dy):
    """d digamma = dy · polygamma(1, x)."""
    x = op.inputs[0]
    return (m.multiply(dy, execute(POLYGAMMA, (m.ones_like(x), x))),)


@POLYGAMMA.gradient
def _(op, dy):
    """d/dx polygamma(a, x) = polygamma(a + 1, x); none for the order a."""
    a, x = op.inputs
    return None, m.unbroadcast(m.multiply(dy, execute(POLYGAMMA, (m.add(a, 1.0), x))), x)


@ERFINV.gradient
def _(op, dy):
    """d erfinv = dy · √π/2 · exp(erfinv(x)²)."""
    y = op.outputs[0]
    return (m.multiply(dy, m.multiply(math.sqrt(math.pi) / 2, m.exp(m.square(y)))),)


@NDTRI.gradient
def _(op, dy):
    """d ndtri = dy · √(2π) · exp(ndtri(x)² / 2)."""
    y = op.outputs[0]
    return (m.multiply(dy, m.multiply(math.sqrt(2 * math.pi),
                                      m.exp(m.multiply(m.square(y), 0.5)))),)


def _unary(op: Any) -> Any:
    def fn(x: Any, name: str | None = None) -> Tensor:
        x = _t(x)
        if x._value.dtype.kind != "f":
            raise errors.InvalidArgumentError(  # TF's kernel-registry text, word for word
                None, op.name, f"Value for attr 'T' of {x.dtype.name} is not in the list of "
                f"allowed values: bfloat16, half, float, double\n\t; NodeDef: {{{{node "
                f"{op.name}}}}}; Op<name={op.name}; signature=x:T -> y:T; attr=T:type,"
                f"allowed=[DT_BFLOAT16, DT_HALF, DT_FLOAT, DT_DOUBLE]> [Op:{op.name}]")
        if x._value.dtype == np.float16 and op.name in _NO_HALF_KERNEL:
            raise errors.NotFoundError(
                None, op.name, f"Could not find device for node: {{{{node {op.name}}}}} = "
                f"{op.name}[T=DT_HALF]\nAll kernels registered for op {op.name}:\n  "
                "device='XLA_CPU_JIT'; T in [DT_FLOAT, DT_DOUBLE, DT_BFLOAT16, DT_HALF]\n  "
                "device='CPU'; T in [DT_DOUBLE]\n  device='CPU'; T in [DT_FLOAT]\n "
                f"[Op:{op.name}]")
        return execute(op, (x,))

    fn.__doc__ = op.doc
    return fn


_NO_HALF_KERNEL = frozenset({"Erfinv", "Ndtri"})  # TensorFlow's CPU kernels: float, double
lgamma = _unary(LGAMMA)
digamma = _unary(DIGAMMA)
erfinv = _unary(ERFINV)
ndtri = _unary(NDTRI)


def polygamma(a: Any, x: Any, name: str | None = None) -> Tensor:
    """``tf.math.polygamma``: ψ⁽ᵃ⁾(x); ``a`` a float tensor holding non-negative integers."""
    a, x = binary_args(a, x, "Polygamma")
    require_kinds(a, "f", "Polygamma")
    return execute(POLYGAMMA, (a, x))
