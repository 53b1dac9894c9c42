"""Elementwise math, matmul, casts and accumulation: forward and gradient side by side.

Gradient rules use the engine's own ops, so a tape around ``tape.gradient`` records the
backward pass too (second derivatives) and the debugger shows it like any other op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import denormals, errors
from engine import dtypes as _dt
from engine.context import STATE
from engine.graph.sized import derive_attr, shape_of
from engine.ops import array_ops, reduction_ops
from engine.ops._args import binary_args, dtype_mismatch, require_kinds, tensors
from engine.ops.op_defs import dtype_enum, no_kernel
from engine.ops.registry import defop, execute
from engine.shape import TensorShape
from engine.tensor import EagerTensor, Tensor, convert_to_tensor, wrap

_FLOAT = "f"
_NUMERIC = "fiu"


def _quiet(fn: Any) -> Any:
    """Run a numpy forward without floating-point warnings: log(0) is -inf, silently,
    as in TensorFlow (the debugger reports NaN/Inf; numpy's warnings would be noise)."""

    def forward(*args: Any, **kwargs: Any) -> Any:
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    forward.__doc__ = fn.__doc__
    forward.__name__ = fn.__name__
    return forward


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def unbroadcast(grad: Tensor, like: Tensor) -> Tensor:
    """Sum a broadcast gradient back to the shape of the input it flows to."""
    shape = like._value.shape
    gshape = grad._value.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    axes = tuple(range(lead))
    if 1 in shape:  # dimensions kept as 1 that the gradient has broadcast
        axes += tuple(i + lead for i, d in enumerate(shape) if d == 1 and gshape[i + lead] != 1)
    # Shapes are consistent by construction: call the ops directly, skipping the checks.
    summed = execute(reduction_ops.SUM, (grad,), {"axis": axes, "keepdims": False}) if (
        axes) else grad
    if summed._value.shape == shape:
        return summed
    out = execute(array_ops.RESHAPE, (summed,), {"shape": shape})
    if STATE.graph is not None:  # traced: the shape follows the input's sizes
        derive_attr(out, "shape", shape_of, (), like)
    return out


# -- binary arithmetic -------------------------------------------------------------------

ADD = defop("AddV2")(np.add)
ADD.doc = "x + y (broadcasting)."


@ADD.gradient
def _(op, dy):
    """d(x + y) = (dy, dy), each summed back to its input's shape."""
    x, y = op.inputs
    return (unbroadcast(dy, x) if op.needs(0) else None,
            unbroadcast(dy, y) if op.needs(1) else None)


SUB = defop("Sub")(np.subtract)


@SUB.gradient
def _(op, dy):
    """d(x - y) = (dy, -dy)."""
    x, y = op.inputs
    return (unbroadcast(dy, x) if op.needs(0) else None,
            unbroadcast(negative(dy), y) if op.needs(1) else None)


MUL = defop("Mul")(np.multiply)


@MUL.gradient
def _(op, dy):
    """d(x * y) = (dy * y, dy * x)."""
    x, y = op.inputs
    return (unbroadcast(multiply(dy, y), x) if op.needs(0) else None,
            unbroadcast(multiply(dy, x), y) if op.needs(1) else None)


@defop("RealDiv")
@_quiet
def _realdiv(x, y):
    """x / y; integer inputs give float64, as TensorFlow's truediv."""
    return np.true_divide(x, y)


DIV = _realdiv


@DIV.gradient
def _(op, dy):
    """d(x / y) = (dy / y, -dy * x / y²)."""
    x, y = op.inputs
    return (unbroadcast(divide(dy, y), x) if op.needs(0) else None,
            unbroadcast(negative(multiply(dy, divide(divide(x, y), y))), y)
            if op.needs(1) else None)


@defop("DivNoNan")
def _div_no_nan(x, y):
    """x / y, and 0 wherever y == 0."""
    zero = y == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(x, np.where(zero, 1, y).astype(y.dtype, copy=False))
    return np.where(zero, out.dtype.type(0), out)


DIV_NO_NAN = _div_no_nan


@DIV_NO_NAN.gradient
def _(op, dy):
    """TensorFlow's rule: (div_no_nan(dy, y), dy · div_no_nan(div_no_nan(-x, y), y)), so both
    gradients are 0 where y is 0."""
    x, y = op.inputs
    return (unbroadcast(divide_no_nan(dy, y), x) if op.needs(0) else None,
            unbroadcast(multiply(dy, divide_no_nan(divide_no_nan(negative(x), y), y)), y)
            if op.needs(1) else None)


@defop("FloorDiv", differentiable=False)
@_quiet
def _floordiv(x, y):
    """Floor of x / y (TensorFlow: FloorDiv has no gradient). Floats as TensorFlow: the
    floor of the rounded quotient (1.0 // 0.1 is 10, -inf // 1 is -inf), not Python's //."""
    if np.asarray(y).dtype.kind in "iu":
        if np.any(np.asarray(y) == 0):
            raise ZeroDivisionError("Integer division by zero")
        return np.floor_divide(x, y)
    return np.floor(np.true_divide(x, y))


FLOORDIV = _floordiv


@defop("FloorMod")
@_quiet
def _floormod(x, y):
    """x mod y with the sign of y (Python's %)."""
    if np.asarray(y).dtype.kind in "iu" and np.any(np.asarray(y) == 0):
        raise ZeroDivisionError("Integer division by zero")
    return np.mod(x, y)


MOD = _floormod


@MOD.gradient
def _(op, dy):
    """d(x mod y) = (dy, -dy * floor(x / y))."""
    x, y = op.inputs
    return unbroadcast(dy, x), unbroadcast(negative(multiply(dy, floor(divide(x, y)))), y)


@defop("Pow")
@_quiet
def _pow(x, y):
    """x ** y."""
    return np.power(x, y)


POW = _pow


@POW.gradient
def _(op, dy):
    """d(x ** y) = (dy * y * x**(y-1), dy * x**y * log(x)) with log taken only where x > 0."""
    x, y = op.inputs
    z = op.outputs[0]
    gx = multiply(dy, multiply(y, pow(x, subtract(y, 1))))
    safe_log = where(greater(x, 0), log(where(greater(x, 0), x, ones_like(x))), zeros_like(x))
    gy = multiply(dy, multiply(z, safe_log))
    return unbroadcast(gx, x), unbroadcast(gy, y)


MAXIMUM = defop("Maximum")(np.maximum)


@MAXIMUM.gradient
def _(op, dy):
    """dy goes to x where x >= y, else to y (TensorFlow's tie rule)."""
    x, y = op.inputs
    mask = greater_equal(x, y)
    zeros = zeros_like(dy)
    return unbroadcast(where(mask, dy, zeros), x), unbroadcast(where(mask, zeros, dy), y)


MINIMUM = defop("Minimum")(np.minimum)


@MINIMUM.gradient
def _(op, dy):
    """dy goes to x where x <= y, else to y."""
    x, y = op.inputs
    mask = less_equal(x, y)
    zeros = zeros_like(dy)
    return unbroadcast(where(mask, dy, zeros), x), unbroadcast(where(mask, zeros, dy), y)


# -- unary -------------------------------------------------------------------------------

NEG = defop("Neg")(np.negative)


@NEG.gradient
def _(op, dy):
    """d(-x) = -dy."""
    return (negative(dy),)


SQUARE = defop("Square")(np.square)


@SQUARE.gradient
def _(op, dy):
    """d(x²) = 2 x dy."""
    (x,) = op.inputs
    return (multiply(dy, multiply(x, 2)),)


def _zero_where_no_gradient(dy: Any, grad: Any) -> Any:
    """``grad``, but 0 wherever ``dy`` is 0: TensorFlow's Sqrt/Rsqrt/Reciprocal gradient
    kernels do this, so ``tf.where(x > 0, tf.sqrt(x), 0)`` has gradient 0 (not NaN) at 0."""
    return where(equal(dy, 0), zeros_like(grad), grad)


SQRT = defop("Sqrt")(_quiet(np.sqrt))


@SQRT.gradient
def _(op, dy):
    """d√x = dy / (2 √x), and 0 where dy is 0."""
    return (_zero_where_no_gradient(dy, divide(multiply(dy, 0.5), op.outputs[0])),)


@defop("Rsqrt")
@_quiet
def _rsqrt(x):
    """1 / √x."""
    return 1 / np.sqrt(x)


RSQRT = _rsqrt


@RSQRT.gradient
def _(op, dy):
    """d(x^-½) = -½ dy · y³, and 0 where dy is 0."""
    y = op.outputs[0]
    return (_zero_where_no_gradient(dy, multiply(dy, multiply(pow(y, 3), -0.5))),)


RECIPROCAL = defop("Reciprocal")(_quiet(np.reciprocal))
RECIPROCAL.doc = "1 / x."


@RECIPROCAL.gradient
def _(op, dy):
    """d(1/x) = -dy · y², and 0 where dy is 0."""
    y = op.outputs[0]
    return (_zero_where_no_gradient(dy, negative(multiply(dy, square(y)))),)


EXP = defop("Exp")(_quiet(np.exp))


@EXP.gradient
def _(op, dy):
    """d(eˣ) = dy · eˣ."""
    return (multiply(dy, op.outputs[0]),)


LOG = defop("Log")(_quiet(np.log))


@LOG.gradient
def _(op, dy):
    """d(log x) = dy / x."""
    return (divide(dy, op.inputs[0]),)


LOG1P = defop("Log1p")(_quiet(np.log1p))


@LOG1P.gradient
def _(op, dy):
    """d(log(1 + x)) = dy / (1 + x)."""
    return (divide(dy, add(op.inputs[0], 1)),)


ABS = defop("Abs")(np.abs)


@ABS.gradient
def _(op, dy):
    """d|x| = dy · sign(x)."""
    return (multiply(dy, sign(op.inputs[0])),)


SIGN = defop("Sign")(np.sign)


@SIGN.gradient
def _(op, dy):
    """sign is flat almost everywhere: its gradient is zero (TensorFlow returns zeros)."""
    return (zeros_like(op.inputs[0]),)


FLOOR = defop("Floor", differentiable=False)(np.floor)
FLOOR.doc = "Largest integer <= x (no gradient: TensorFlow's Floor gradient is None)."


ROUND = defop("Round", differentiable=False)(np.round)
ROUND.doc = "Round half to even (banker's rounding), as TensorFlow's round."


CEIL = defop("Ceil", differentiable=False)(np.ceil)
CEIL.doc = "Smallest integer >= x (no gradient: TensorFlow's Ceil gradient is None)."


EXPM1 = defop("Expm1")(_quiet(np.expm1))
EXPM1.doc = "eˣ - 1, exact near 0 where exp(x) - 1 would cancel."


@EXPM1.gradient
def _(op, dy):
    """d(eˣ - 1) = dy · eˣ."""
    return (multiply(dy, exp(op.inputs[0])),)


SIN = defop("Sin")(np.sin)
SIN.doc = "Sine (radians)."


@SIN.gradient
def _(op, dy):
    """d sin x = dy · cos x."""
    return (multiply(dy, cos(op.inputs[0])),)


COS = defop("Cos")(np.cos)
COS.doc = "Cosine (radians)."


@COS.gradient
def _(op, dy):
    """d cos x = -dy · sin x."""
    return (negative(multiply(dy, sin(op.inputs[0]))),)


TAN = defop("Tan")(_quiet(np.tan))
TAN.doc = "Tangent (radians)."


@TAN.gradient
def _(op, dy):
    """d tan x = dy / cos² x (TensorFlow's form: dy · (1/cos x)²)."""
    return (multiply(dy, square(reciprocal(cos(op.inputs[0])))),)


@defop("Xlogy")
@_quiet
def _xlogy(x, y):
    """x · log(y), and 0 wherever x is 0 (even where log y is -inf or NaN)."""
    return np.where(x == 0, np.zeros_like(x), x * np.log(y)).astype(
        np.result_type(x, y), copy=False)


XLOGY = _xlogy


@XLOGY.gradient
def _(op, dy):
    """As TensorFlow's _XLogyGrad: (dy · log y, dy · x / y), both 0 where x is 0."""
    x, y = op.inputs
    nonzero = not_equal(x, 0)
    zeros = zeros_like(dy)
    gx = where(nonzero, multiply(dy, log(y)), zeros) if op.needs(0) else None
    gy = where(nonzero, multiply(dy, divide(x, y)), zeros) if op.needs(1) else None
    return (None if gx is None else unbroadcast(gx, x),
            None if gy is None else unbroadcast(gy, y))


# -- comparisons and logic (no gradient) -----------------------------------------------------

def _comparison(name: str, fn: Any) -> Any:
    return defop(name, differentiable=False)(fn)


EQUAL = _comparison("Equal", np.equal)
NOT_EQUAL = _comparison("NotEqual", np.not_equal)
LESS = _comparison("Less", np.less)
LESS_EQUAL = _comparison("LessEqual", np.less_equal)
GREATER = _comparison("Greater", np.greater)
GREATER_EQUAL = _comparison("GreaterEqual", np.greater_equal)
LOGICAL_AND = _comparison("LogicalAnd", np.logical_and)
LOGICAL_OR = _comparison("LogicalOr", np.logical_or)
LOGICAL_XOR = _comparison("LogicalXor", np.logical_xor)
LOGICAL_NOT = _comparison("LogicalNot", np.logical_not)
IS_NAN = _comparison("IsNan", np.isnan)
IS_INF = _comparison("IsInf", np.isinf)
IS_FINITE = _comparison("IsFinite", np.isfinite)


# -- select, clip, cast, accumulate --------------------------------------------------------

SELECT = defop("SelectV2")(np.where)
SELECT.doc = "Elementwise choice: x where condition, else y (broadcasting)."


@SELECT.gradient
def _(op, dy):
    """dy flows to x where the condition holds and to y elsewhere; none to the condition."""
    cond, x, y = op.inputs
    zeros = zeros_like(dy)
    return None, unbroadcast(where(cond, dy, zeros), x), unbroadcast(where(cond, zeros, dy), y)


@defop("ClipByValue")
def _clip(x, lo, hi):
    """max(min(x, hi), lo), in TensorFlow's order: where lo > hi the result is lo."""
    return np.maximum(np.minimum(x, hi), lo)


CLIP = _clip


@CLIP.gradient
def _(op, dy):
    """As max(min(x, hi), lo) passes it: dy to x where lo <= x <= hi, to the bound that
    clipped elsewhere (to lo everywhere when lo > hi)."""
    x, lo, hi = op.inputs
    kept = greater_equal(minimum(x, hi), lo)  # the Maximum took min(x, hi), not lo
    zeros = zeros_like(dy)
    return (where(logical_and(kept, less_equal(x, hi)), dy, zeros),
            unbroadcast(where(logical_not(kept), dy, zeros), lo),
            unbroadcast(where(logical_and(kept, greater(x, hi)), dy, zeros), hi))


@defop("Cast")
def _cast(x, dtype):
    """x converted to dtype (float → int truncates toward zero, as C casts do)."""
    x = np.asarray(x)
    if np.can_cast(x.dtype, dtype):  # a widening cast cannot overflow: no errstate (µs) needed
        return x.astype(dtype)
    with np.errstate(all="ignore"):
        return x.astype(dtype)


CAST = _cast


@CAST.gradient
def _(op, dy):
    """Cast back to the source dtype; no gradient if either side is not floating-point."""
    (x,) = op.inputs
    if x._value.dtype.kind != "f" or dy._value.dtype.kind != "f":
        return (None,)
    return (cast(dy, x._value.dtype),)


@defop("AddN", num_outputs=1)
def _add_n(*xs):
    """Sum of all inputs (same shape and dtype)."""
    total = np.array(xs[0], copy=True)
    for x in xs[1:]:
        total = total + x
    return total


ADD_N = _add_n


@ADD_N.gradient
def _(op, dy):
    """Each input receives dy."""
    return tuple(dy for _ in op.inputs)


# -- matmul --------------------------------------------------------------------------------

def _check_matmul(a: Tensor, b: Tensor, transpose_a: bool = False,
                  transpose_b: bool = False) -> None:
    sa, sb = a._value.shape, b._value.shape
    if len(sa) < 2 or len(sb) < 2:
        raise errors.wrapped_kernel(errors.InvalidArgumentError(
            None, "MatMul", f"In[0] and In[1] must have rank >= 2, got In[0]: "
            f"[{','.join(map(str, sa))}], In[1]: [{','.join(map(str, sb))}] [Op:MatMul]"),
            a.dtype.name)
    ka = sa[-2] if transpose_a else sa[-1]
    kb = sb[-1] if transpose_b else sb[-2]
    if ka != kb:
        raise errors.wrapped_kernel(errors.InvalidArgumentError(
            None, "MatMul", f"Matrix size-incompatible: In[0]: [{','.join(map(str, sa))}], "
            f"In[1]: [{','.join(map(str, sb))}] [Op:MatMul]"), a.dtype.name)


@defop("MatMul", check=_check_matmul)
def _matmul(a, b, transpose_a=False, transpose_b=False):
    """a @ b over the last two axes, batch axes broadcast; optional transposes."""
    if transpose_a:
        a = np.swapaxes(a, -1, -2)
    if transpose_b:
        b = np.swapaxes(b, -1, -2)
    return np.matmul(a, b)


MATMUL = _matmul


@MATMUL.gradient
def _(op, dy):
    """TensorFlow's MatMul gradient for each transpose combination, batch axes summed back."""
    a, b = op.inputs
    ta, tb = op.attrs.get("transpose_a", False), op.attrs.get("transpose_b", False)
    if not ta and not tb:
        ga = (lambda: matmul(dy, b, transpose_b=True), lambda: matmul(a, dy, transpose_a=True))
    elif not ta and tb:
        ga = (lambda: matmul(dy, b), lambda: matmul(dy, a, transpose_a=True))
    elif ta and not tb:
        ga = (lambda: matmul(b, dy, transpose_b=True), lambda: matmul(a, dy))
    else:
        ga = (lambda: matmul(b, dy, transpose_a=True, transpose_b=True),
              lambda: matmul(dy, a, transpose_a=True, transpose_b=True))
    ga, gb = (ga[0]() if op.needs(0) else None), (ga[1]() if op.needs(1) else None)
    return (None if ga is None else unbroadcast(ga, a),
            None if gb is None else unbroadcast(gb, b))


# -- public functions (tf.*, tf.math.*) -------------------------------------------------------

def add(x: Any, y: Any, name: str | None = None) -> Tensor:
    x, y = binary_args(x, y, "AddV2")
    return execute(ADD, (x, y))


def subtract(x: Any, y: Any, name: str | None = None) -> Tensor:
    x, y = binary_args(x, y, "Sub")
    return execute(SUB, (x, y))


def multiply(x: Any, y: Any, name: str | None = None) -> Tensor:
    x, y = binary_args(x, y, "Mul")
    return execute(MUL, (x, y))


def divide(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``x / y``; integer tensors are divided as float64, as TensorFlow's truediv."""
    if isinstance(x, Tensor) and isinstance(y, Tensor) and x._value.dtype != y._value.dtype:
        raise TypeError(f"`x` and `y` must have the same dtype, got {x.dtype!r} != "
                        f"{y.dtype!r}.")  # truediv's own check, before any kernel
    x, y = binary_args(x, y, "RealDiv")
    if x._value.dtype.kind in "iu" and x._value.dtype.itemsize <= 2:
        # TensorFlow's truediv: 8/16-bit integers divide as float32, wider ones as float64.
        x, y = cast(x, np.float32), cast(y, np.float32)
    return execute(DIV, (x, y))


truediv = divide
realdiv = divide


def divide_no_nan(x: Any, y: Any, name: str | None = None) -> Tensor:
    """x / y, and 0 wherever y == 0 (one DivNoNan op, as TensorFlow's kernel); integers are
    divided as truediv divides them (float32 for 8/16-bit, float64 wider)."""
    x, y = binary_args(x, y, "DivNoNan")
    if x._value.dtype.kind in "iu":
        wide = np.float32 if x._value.dtype.itemsize <= 2 else np.float64
        x, y = cast(x, wide), cast(y, wide)
    require_kinds(x, "f", "DivNoNan")
    return execute(DIV_NO_NAN, (x, y))


def floordiv(x: Any, y: Any, name: str | None = None) -> Tensor:
    x, y = binary_args(x, y, "FloorDiv")
    try:
        return execute(FLOORDIV, (x, y))
    except ZeroDivisionError as exc:
        raise errors.InvalidArgumentError(None, "FloorDiv", f"{exc} [Op:FloorDiv]") from None


floor_div = floordiv


def floormod(x: Any, y: Any, name: str | None = None) -> Tensor:
    x, y = binary_args(x, y, "FloorMod")
    try:
        return execute(MOD, (x, y))
    except ZeroDivisionError as exc:
        raise errors.InvalidArgumentError(None, "FloorMod", f"{exc} [Op:FloorMod]") from None


mod = floormod


def pow(x: Any, y: Any, name: str | None = None) -> Tensor:  # noqa: A001 - TF's name
    x, y = binary_args(x, y, "Pow")
    if x._value.dtype.kind in "iu" and np.any(np.asarray(y._value) < 0):
        raise errors.InvalidArgumentError(
            None, "Pow", "Integers to negative integer powers are not allowed [Op:Pow]")
    return execute(POW, (x, y))


def maximum(x: Any, y: Any, name: str | None = None) -> Tensor:
    x, y = binary_args(x, y, "Maximum")
    require_kinds(x, "fiub", "Maximum")  # no order among complex numbers
    return execute(MAXIMUM, (x, y))


def minimum(x: Any, y: Any, name: str | None = None) -> Tensor:
    x, y = binary_args(x, y, "Minimum")
    require_kinds(x, "fiub", "Minimum")
    return execute(MINIMUM, (x, y))


def _unary(op: Any, kinds: str) -> Any:
    def fn(x: Any, name: str | None = None) -> Tensor:
        x = _t(x)
        require_kinds(x, kinds, op.name)
        return execute(op, (x,))

    fn.__doc__ = op.doc or f"Elementwise {op.name}."
    return fn


negative = _unary(NEG, _NUMERIC)
square = _unary(SQUARE, _NUMERIC)
sqrt = _unary(SQRT, _FLOAT)
rsqrt = _unary(RSQRT, _FLOAT)
exp = _unary(EXP, _FLOAT)
log = _unary(LOG, _FLOAT)
log1p = _unary(LOG1P, _FLOAT)
abs = _unary(ABS, _NUMERIC)  # noqa: A001
sign = _unary(SIGN, _NUMERIC)
floor = _unary(FLOOR, _FLOAT)
round = _unary(ROUND, _NUMERIC)  # noqa: A001
ceil = _unary(CEIL, _FLOAT)
expm1 = _unary(EXPM1, _FLOAT)
sin = _unary(SIN, _FLOAT)
cos = _unary(COS, _FLOAT)
tan = _unary(TAN, _FLOAT)


def xlogy(x: Any, y: Any, name: str | None = None) -> Tensor:
    """``tf.math.xlogy``: x · log(y), 0 where x is 0 (entropy terms without 0 · -inf)."""
    x, y = binary_args(x, y, "Xlogy")
    require_kinds(x, _FLOAT, "Xlogy")
    return execute(XLOGY, (x, y))


def reciprocal(x: Any, name: str | None = None) -> Tensor:
    x = _t(x)
    if x._value.dtype.kind != "f":  # TensorFlow has no CPU kernel for integer Reciprocal
        raise no_kernel("Reciprocal", {"T": dtype_enum(x.dtype.name)})
    return execute(RECIPROCAL, (x,))


def _compare(op: Any) -> Any:
    ordered = op.name.startswith(("Less", "Greater"))  # complex numbers have no order

    def fn(x: Any, y: Any, name: str | None = None) -> Tensor:
        x, y = binary_args(x, y, op.name)
        if ordered and x._value.dtype.kind == "c":
            require_kinds(x, "fiu", op.name)
        return execute(op, (x, y))

    fn.__doc__ = f"Elementwise {op.name} (bool result, no gradient)."
    return fn


equal = _compare(EQUAL)
not_equal = _compare(NOT_EQUAL)
less = _compare(LESS)
less_equal = _compare(LESS_EQUAL)
greater = _compare(GREATER)
greater_equal = _compare(GREATER_EQUAL)


def _logical(op: Any) -> Any:
    def fn(x: Any, y: Any, name: str | None = None) -> Tensor:
        x, y = _t(x), _t(y)
        for i, t in enumerate((x, y)):
            if t._value.dtype != np.bool_:
                raise dtype_mismatch(op.name, i, np.dtype(np.bool_), t._value.dtype)
        return execute(op, (x, y))

    return fn


logical_and = _logical(LOGICAL_AND)
logical_or = _logical(LOGICAL_OR)
logical_xor = _logical(LOGICAL_XOR)


def logical_not(x: Any, name: str | None = None) -> Tensor:
    x = _t(x)
    if x._value.dtype != np.bool_:
        raise dtype_mismatch("LogicalNot", 0, np.dtype(np.bool_), x._value.dtype)
    return execute(LOGICAL_NOT, (x,))


is_nan = _unary(IS_NAN, _FLOAT)
is_inf = _unary(IS_INF, _FLOAT)
is_finite = _unary(IS_FINITE, _FLOAT)


def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """``tf.where``: elementwise select, or with only a condition the indices where it holds."""
    condition = _t(condition)
    if condition._value.dtype != np.bool_:
        raise dtype_mismatch("SelectV2", 0, np.dtype(np.bool_), condition._value.dtype)
    if x is None and y is None:
        from engine.ops.array_ops import WHERE  # an op: a traced graph recomputes it

        return execute(WHERE, (condition,))
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    x, y = binary_args(x, y, "SelectV2")
    return execute(SELECT, (condition, x, y))


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any,
                  name: str | None = None) -> Tensor:
    """``tf.clip_by_value``: the bounds broadcast to t's shape, never t to theirs."""
    t = _t(t)
    require_kinds(t, "fiub", "ClipByValue")
    _, lo = binary_args(t, clip_value_min, "ClipByValue")
    _, hi = binary_args(t, clip_value_max, "ClipByValue")
    try:
        shape = np.broadcast_shapes(t._value.shape, lo._value.shape, hi._value.shape)
    except ValueError:
        shape = t._value.shape  # the op itself reports the mismatch, naming the shapes
    if shape != t._value.shape:  # TensorFlow's values.shape.assert_is_compatible_with
        raise ValueError(f"Shapes {TensorShape(t._value.shape)} and {TensorShape(shape)} are "
                         "incompatible")
    return execute(CLIP, (t, lo, hi))


def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    x = _t(x)
    target = _dt.as_dtype(dtype)._np
    if x._value.dtype == target:
        return x
    if target.kind == "O" or x._value.dtype.kind == "O":  # strings: tf.strings.to_number
        raise errors.UnimplementedError(
            None, "Cast", f"Cast {x.dtype.name} to {_dt.as_dtype(dtype).name} is not supported "
            "[Op:Cast]")
    return execute(CAST, (x,), {"dtype": target})


def saturate_cast(value: Any, dtype: Any, name: str | None = None) -> Tensor:
    """``tf.saturate_cast``: clamp into the target's range, then cast. As in TensorFlow, the
    bounds are the target's limits as the input dtype holds them, nudged inwards where that
    rounds outside (float32 -> int32 saturates at 2147483520, not at an overflowing 2**31)."""
    value = _t(value)
    d = _dt.as_dtype(dtype)
    if d.is_integer or d.is_floating or d.is_bool:
        src, dst = value._value.dtype, d._np
        lo_out, hi_out = (0, 1) if d.is_bool else (d.min, d.max)
        lo_in, hi_in = (0, 1) if src == np.bool_ else (value.dtype.min, value.dtype.max)
        promoted = np.promote_types(src, dst)
        lo = src.type(np.maximum(lo_in, lo_out))
        if np.array([lo, lo_out], promoted)[0] < np.array([lo, lo_out], promoted)[1]:
            lo = np.nextafter(lo, src.type(0), dtype=src)
        hi = src.type(np.minimum(float(hi_in), float(hi_out)))
        if np.array([hi, hi_out], promoted)[0] > np.array([hi, hi_out], promoted)[1]:
            hi = np.nextafter(hi, src.type(0), dtype=src)
        value = clip_by_value(value, wrap(np.asarray(lo, src)), wrap(np.asarray(hi, src)))
    return cast(value, d)


def add_n(inputs: list, name: str | None = None) -> Tensor:
    xs = tensors(list(inputs), "AddN")
    first = xs[0]._value.shape
    for i, t in enumerate(xs[1:], 1):
        if t._value.shape != first:
            raise errors.wrapped_kernel(errors.InvalidArgumentError(
                None, "AddN", "Inputs to operation AddN of type AddN must have the same size "
                f"and shape.  Input 0: [{','.join(map(str, first))}] != input {i}: "
                f"[{','.join(map(str, t._value.shape))}] [Op:AddN]"), N=len(xs))
    if len(xs) == 1:
        return xs[0]
    return execute(ADD_N, xs)


def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False,
           adjoint_a: bool = False, adjoint_b: bool = False, name: str | None = None,
           **_: Any) -> Tensor:
    """``tf.matmul``: matrix product over the last two axes (batched, broadcasting)."""
    if (a.__class__ is EagerTensor and b.__class__ is EagerTensor and not STATE.observed
            and not (transpose_a or transpose_b or adjoint_a or adjoint_b)):
        av, bv = a._value, b._value  # the common case, without the generic dispatch
        if (av.dtype is bv.dtype and av.ndim == 2 and bv.ndim == 2
                and av.shape[1] == bv.shape[0]):
            return wrap(denormals.call(np.matmul, av, bv))  # FTZ/DAZ as in execute
    a, b = binary_args(a, b, "MatMul")
    ta, tb = bool(transpose_a or adjoint_a), bool(transpose_b or adjoint_b)
    if ta or tb:
        return execute(MATMUL, (a, b), {"transpose_a": ta, "transpose_b": tb})
    return execute(MATMUL, (a, b))


def tensordot(a: Any, b: Any, axes: Any, name: str | None = None) -> Tensor:
    """``tf.tensordot``: contract ``axes`` of a with those of b, via transpose/reshape/matmul."""
    a, b = binary_args(a, b, "Tensordot")
    ra, rb = a._value.ndim, b._value.ndim
    if isinstance(axes, Tensor):
        axes = axes._value.tolist()
    if isinstance(axes, int | np.integer):
        if axes < 0 or axes > min(ra, rb):
            raise ValueError(f"'axes' must be at most the rank of both inputs, got {axes}.")
        a_axes, b_axes = list(range(ra - axes, ra)), list(range(axes))
    else:
        if len(axes) != 2:
            raise ValueError("'axes' must be an int or a pair of axis lists.")
        a_axes, b_axes = axes
        a_axes = [a_axes] if isinstance(a_axes, int) else list(a_axes)
        b_axes = [b_axes] if isinstance(b_axes, int) else list(b_axes)
    a_axes = [x % ra for x in a_axes]
    b_axes = [x % rb for x in b_axes]
    if len(a_axes) != len(b_axes) or any(
            a._value.shape[i] != b._value.shape[j] for i, j in zip(a_axes, b_axes)):
        raise errors.InvalidArgumentError(
            None, "Tensordot", f"Cannot contract axes {a_axes} of shape {list(a._value.shape)} "
            f"with axes {b_axes} of shape {list(b._value.shape)}")
    a_free = [i for i in range(ra) if i not in a_axes]
    b_free = [i for i in range(rb) if i not in b_axes]
    a_free_dims = [a._value.shape[i] for i in a_free]
    b_free_dims = [b._value.shape[i] for i in b_free]
    k = int(np.prod([a._value.shape[i] for i in a_axes], dtype=np.int64))
    a2 = array_ops.reshape(array_ops.transpose(a, a_free + a_axes),
                           (int(np.prod(a_free_dims, dtype=np.int64)), k))
    b2 = array_ops.reshape(array_ops.transpose(b, b_axes + b_free),
                           (k, int(np.prod(b_free_dims, dtype=np.int64))))
    out = array_ops.reshape(matmul(a2, b2), a_free_dims + b_free_dims)
    if STATE.graph is not None:  # traced: the shapes follow a's and b's sizes
        derive_attr(a2, "shape", _grouped_sizes, ((a_free, a_axes),), a)
        derive_attr(b2, "shape", _grouped_sizes, ((b_axes, b_free),), b)
        derive_attr(out, "shape", _free_sizes, (a_free, b_free), a, b)
    return out


def _grouped_sizes(arrays: list, groups: tuple) -> tuple:
    """Per group of axes, the product of their sizes (tensordot's 2-D operands)."""
    shape = np.shape(arrays[0])
    return tuple(int(np.prod([shape[i] for i in group], dtype=np.int64)) for group in groups)


def _free_sizes(arrays: list, a_free: list, b_free: list) -> tuple:
    """The sizes of a's free axes, then b's (tensordot's result)."""
    a, b = np.shape(arrays[0]), np.shape(arrays[1])
    return tuple([a[i] for i in a_free] + [b[i] for i in b_free])


def zeros_like(x: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    return array_ops.zeros_like(x, dtype=dtype)


def ones_like(x: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    return array_ops.ones_like(x, dtype=dtype)
