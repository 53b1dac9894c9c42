"""Reductions (sum, mean, max, …), arg-reductions and cumulative sums/products."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import errors
from engine.context import STATE
from engine.graph.sized import derive_attr, shape_of, sized_constant
from engine.ops import array_ops, math_ops  # math_ops imports us too: used at call time only
from engine.ops._args import axis_tuple, require_kinds
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _kept_shape(shape: tuple, axis: tuple | None) -> tuple:
    if axis is None:
        return (1,) * len(shape)
    return tuple(1 if i in axis else d for i, d in enumerate(shape))


def _grad_to_input(op: Any, dy: Tensor) -> Tensor:
    """Reshape a reduced gradient to keepdims form and broadcast it over the input (inside
    a trace, shapes that follow the input's sizes, for a ``None`` signature's replays)."""
    x = op.inputs[0]
    shape, axis = x._value.shape, op.attrs.get("axis")
    kept = _reshape(dy, _kept_shape(shape, axis))
    out = _broadcast(kept, shape)
    if STATE.graph is not None:
        if kept is not dy:
            derive_attr(kept, "shape", _kept_shape_of, (axis,), x)
        if out is not kept:
            derive_attr(out, "shape", shape_of, (), x)
    return out


def _kept_shape_of(arrays: list, axis: Any) -> tuple:
    return _kept_shape(np.shape(arrays[0]), axis)


def _reciprocal_count(arrays: list, axis: Any, dtype: np.dtype) -> np.ndarray:
    """1 / the number of elements a mean over ``axis`` takes in (NaN for none)."""
    return np.asarray(1.0 / (_count(np.shape(arrays[0]), axis) or float("nan")), dtype)


# Gradient shapes agree by construction: these run the ops without the public checks.

def _reshape(t: Tensor, shape: tuple) -> Tensor:
    return t if t._value.shape == shape else execute(array_ops.RESHAPE, (t,), {"shape": shape})


def _broadcast(t: Tensor, shape: tuple) -> Tensor:
    if t._value.shape == shape:
        return t
    return execute(array_ops.BROADCAST_TO, (t,), {"shape": shape})


def _reduction(name: str, fn: Any, differentiable: bool = True) -> Any:
    def forward(x, axis=None, keepdims=False):
        return fn(x, axis=axis, keepdims=keepdims)

    forward.__doc__ = f"{fn.__name__} over ``axis`` (all axes when None)."
    return defop(name, differentiable=differentiable)(forward)


def _int_kept(reduce: Any) -> Any:
    """A ufunc reduction that keeps integer dtypes (TensorFlow: int32 in, int32 out; numpy
    would widen to int64), called directly to skip numpy's Python-level wrapper."""

    def fn(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        x = np.asarray(x)
        return reduce(x, axis=axis, keepdims=keepdims,
                      dtype=x.dtype if x.dtype.kind in "iu" else None)

    fn.__name__ = reduce.__self__.__name__ if hasattr(reduce, "__self__") else "reduce"
    return fn


def _count(shape: tuple, axis: Any) -> int:
    """How many elements each result of a reduction over ``axis`` (None: all) takes in."""
    if axis is None:
        return math.prod(shape)
    if isinstance(axis, tuple | list):
        return math.prod([shape[a] for a in axis])
    return shape[axis]


def _mean(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """Mean; integer tensors average in integers, truncating, as TensorFlow does. The mean of
    no elements is NaN (0 / 0), as in TensorFlow."""
    x = np.asarray(x)
    count = _count(x.shape, axis)
    if x.dtype.kind in "iu":
        total = np.add.reduce(x, axis=axis, keepdims=keepdims, dtype=np.int64)
        return np.trunc(total / max(count, 1)).astype(x.dtype)
    if x.dtype.kind != "f" or x.dtype.itemsize < 4:  # float16 accumulates wider in np.mean
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.mean(x, axis=axis, keepdims=keepdims)
    total = np.add.reduce(x, axis=axis, keepdims=keepdims)
    if count == 0:
        with np.errstate(invalid="ignore"):
            return total / count
    return total / count


SUM = _reduction("Sum", _int_kept(np.add.reduce))


@SUM.gradient
def _(op, dy):
    """Every input element receives the gradient of the sum it fell into."""
    return (_grad_to_input(op, dy),)


MEAN = _reduction("Mean", _mean)


@MEAN.gradient
def _(op, dy):
    """Like Sum, divided by the number of elements averaged."""
    x = op.inputs[0]
    axis = op.attrs.get("axis")
    count = _count(x._value.shape, axis) or float("nan")  # no elements: nothing
    scale: Any = 1.0 / count
    if STATE.graph is not None and dy._value.dtype.kind == "f":  # follows x's sizes
        scale = sized_constant(_reciprocal_count([x._value], axis, dy._value.dtype),
                               _reciprocal_count, (axis, dy._value.dtype), x)
    if dy._value.ndim == 0:  # full reduction: scale the scalar, then broadcast it
        out = _broadcast(math_ops.multiply(dy, scale), x._value.shape)
        if STATE.graph is not None and out._value.ndim:
            derive_attr(out, "shape", shape_of, (), x)
        return (out,)
    return (math_ops.multiply(_grad_to_input(op, dy), scale),)


def _extremum_grad(op: Any, dy: Tensor) -> tuple:
    """Gradient goes to the elements equal to the extremum, split evenly among ties."""
    x, y = op.inputs[0], op.outputs[0]
    kept = _kept_shape(x._value.shape, op.attrs.get("axis"))
    y_b = array_ops.reshape(y, kept)
    if STATE.graph is not None:  # traced: follows the input's sizes
        derive_attr(y_b, "shape", _kept_shape_of, (op.attrs.get("axis"),), x)
    mask = math_ops.cast(math_ops.equal(x, y_b), dy._value.dtype)
    ties = reduce_sum(mask, axis=op.attrs.get("axis"), keepdims=True)
    return (math_ops.multiply(math_ops.divide(mask, ties), _grad_to_input(op, dy)),)


def _empty_identity(x: np.ndarray, lowest: bool) -> dict:
    """numpy's ``initial`` for a max/min over no elements: TensorFlow returns -inf/+inf
    (the dtype's bounds for integers) where numpy raises."""
    if np.size(x):
        return {}
    if x.dtype.kind == "f":
        return {"initial": -np.inf if lowest else np.inf}
    info = np.iinfo(x.dtype)
    return {"initial": info.min if lowest else info.max}


def amax(x, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims, **_empty_identity(x, lowest=True))


def amin(x, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims, **_empty_identity(x, lowest=False))


MAX = _reduction("Max", amax)
MAX.gradient(_extremum_grad)
MIN = _reduction("Min", amin)
MIN.gradient(_extremum_grad)

PROD = _reduction("Prod", _int_kept(np.multiply.reduce))


@PROD.gradient
def _(op, dy):
    """dy times the product of all *other* reduced elements (exclusive cumprods both ways,
    as TensorFlow does, so zeros in the input are handled)."""
    x = op.inputs[0]
    shape = x._value.shape
    axis = op.attrs.get("axis")
    reduced = list(range(len(shape))) if axis is None else list(axis)
    other = [i for i in range(len(shape)) if i not in reduced]
    perm = reduced + other
    n_red = int(np.prod([shape[i] for i in reduced], dtype=np.int64))
    n_other = int(np.prod([shape[i] for i in other], dtype=np.int64))
    flat = array_ops.reshape(array_ops.transpose(x, perm), (n_red, n_other))
    left = cumprod(flat, axis=0, exclusive=True)
    right = cumprod(flat, axis=0, exclusive=True, reverse=True)
    others = array_ops.reshape(math_ops.multiply(left, right), [shape[i] for i in perm])
    others = array_ops.transpose(others, list(np.argsort(perm)))
    return (math_ops.multiply(_grad_to_input(op, dy), others),)


@defop("EuclideanNorm")
def _euclidean_norm(x, axis=None, keepdims=False):
    """sqrt(sum(x²)) over ``axis``; integers stay integers (the root truncated), as in TF."""
    x = np.asarray(x)
    wide = np.float64 if x.dtype.kind in "iu" else x.dtype
    total = np.sum(np.square(x, dtype=wide), axis=axis, keepdims=keepdims)
    return np.asarray(np.sqrt(total)).astype(x.dtype, copy=False)


EUCLIDEAN_NORM = _euclidean_norm


@EUCLIDEAN_NORM.gradient
def _(op, dy):
    """TensorFlow's _EuclideanNormGrad: x / (norm / dy), norm and dy with kept dims."""
    x = op.inputs[0]
    kept = _kept_shape(x._value.shape, op.attrs.get("axis"))
    norm = _reshape(op.outputs[0], kept)
    return (math_ops.divide(x, math_ops.divide(norm, _reshape(dy, kept))),)


ANY = _reduction("Any", np.any, differentiable=False)
ALL = _reduction("All", np.all, differentiable=False)


def _without_nan(x: np.ndarray, fill: float) -> np.ndarray:
    """NaNs replaced by ``fill``: TensorFlow's arg-reductions compare with < and >, which a
    NaN never wins (numpy's pick the first NaN)."""
    if x.dtype.kind == "f" and np.isnan(x).any():
        return np.where(np.isnan(x), x.dtype.type(fill), x)
    return x


@defop("ArgMax", differentiable=False)
def _argmax(x, axis=0, output_type=np.int64):
    """Index of the largest value along ``axis`` (NaNs ignored)."""
    return np.argmax(_without_nan(x, -np.inf), axis=axis).astype(output_type)


ARGMAX = _argmax


@defop("ArgMin", differentiable=False)
def _argmin(x, axis=0, output_type=np.int64):
    """Index of the smallest value along ``axis`` (NaNs ignored)."""
    return np.argmin(_without_nan(x, np.inf), axis=axis).astype(output_type)


ARGMIN = _argmin


def _cumulative(fn: Any, identity: int) -> Any:
    def forward(x, axis=0, exclusive=False, reverse=False):
        if reverse:
            x = np.flip(x, axis)
        out = fn(x, axis=axis, dtype=x.dtype)
        if exclusive and x.shape[axis]:  # an empty axis has nothing to shift
            pad = np.full_like(np.take(out, [0], axis=axis), identity)
            out = np.concatenate([pad, np.delete(out, -1, axis=axis)], axis=axis)
        return np.flip(out, axis) if reverse else out

    return forward


CUMSUM = defop("Cumsum")(_cumulative(np.cumsum, 0))
CUMSUM.doc = "Running sum along ``axis`` (optionally exclusive and/or reversed)."


@CUMSUM.gradient
def _(op, dy):
    """The running sum of dy taken the other way."""
    a = op.attrs
    return (cumsum(dy, axis=a.get("axis", 0), exclusive=a.get("exclusive", False),
                   reverse=not a.get("reverse", False)),)


CUMPROD = defop("Cumprod")(_cumulative(np.cumprod, 1))
CUMPROD.doc = "Running product along ``axis`` (optionally exclusive and/or reversed)."


@CUMPROD.gradient
def _(op, dy):
    """cumsum(y * dy) taken the other way, divided by x — and 0 where x is 0: TensorFlow's
    rule (``div_no_nan``), exact only for non-zero x."""
    a = op.attrs
    x, y = op.inputs[0], op.outputs[0]
    back = cumsum(math_ops.multiply(y, dy), axis=a.get("axis", 0),
                  exclusive=a.get("exclusive", False), reverse=not a.get("reverse", False))
    return (math_ops.divide_no_nan(back, x),)


# -- public functions --------------------------------------------------------------------------

def _reduce(op: Any, kinds: str) -> Any:
    def fn(input_tensor: Any, axis: Any = None, keepdims: bool = False,
           name: str | None = None) -> Tensor:
        x = _t(input_tensor)
        require_kinds(x, kinds, op.name)
        ax = axis_tuple(axis, x._value.ndim, op.name)
        if ax == ():
            return x
        return execute(op, (x,), {"axis": ax, "keepdims": bool(keepdims)})

    fn.__doc__ = f"Reduce with {op.name} over ``axis`` (all when None), like tf.reduce_*."
    return fn


reduce_sum = _reduce(SUM, "fiu")  # TensorFlow's Sum has no bool kernel
reduce_mean = _reduce(MEAN, "fiu")
reduce_max = _reduce(MAX, "fiu")
reduce_min = _reduce(MIN, "fiu")
reduce_prod = _reduce(PROD, "fiu")


def reduce_euclidean_norm(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                          name: str | None = None) -> Tensor:
    """sqrt(sum(x²)) over ``axis`` (all when None). Over no axis at all it is still the
    kernel, so each element becomes its magnitude (|x|), as in TensorFlow."""
    x = _t(input_tensor)
    require_kinds(x, "fiu", "EuclideanNorm")
    ax = axis_tuple(axis, x._value.ndim, "EuclideanNorm")
    return execute(EUCLIDEAN_NORM, (x,), {"axis": ax, "keepdims": bool(keepdims)})


reduce_any = _reduce(ANY, "b")
reduce_all = _reduce(ALL, "b")


def reduce_logsumexp(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                     name: str | None = None) -> Tensor:
    """log(sum(exp(x))) computed stably: the max is subtracted first (and held constant)."""
    x = _t(input_tensor)
    require_kinds(x, "f", "ReduceLogSumExp")
    if axis is not None and axis_tuple(axis, x._value.ndim, "Max") == ():
        return x  # over no axis: each element's own log(exp(x)), as TensorFlow gives
    m = reduce_max(x, axis=axis, keepdims=True)
    m = array_ops.stop_gradient(math_ops.where(math_ops.is_finite(m), m, math_ops.zeros_like(m)))
    out = math_ops.add(math_ops.log(reduce_sum(math_ops.exp(math_ops.subtract(x, m)), axis=axis,
                                               keepdims=True)), m)
    if not keepdims:
        ax = axis_tuple(axis, x._value.ndim)
        out = array_ops.squeeze(out, axis=ax) if ax else array_ops.reshape(out, ())
    return out


def reduce_variance(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                    name: str | None = None) -> Tensor:
    """Population variance, the mean of squared deviations from the mean (as TF computes it).

    Integers are refused as TensorFlow refuses them: their mean would be truncated."""
    x = _t(input_tensor)
    if x._value.dtype.kind in "iu":
        raise TypeError(f"Input must be either real or complex. Received integer type "
                        f"{x.dtype.name}.")
    mean = reduce_mean(x, axis=axis, keepdims=True)
    return reduce_mean(math_ops.square(math_ops.subtract(x, mean)), axis=axis, keepdims=keepdims)


def reduce_std(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Tensor:
    """Population standard deviation: the square root of ``reduce_variance``."""
    return math_ops.sqrt(reduce_variance(input_tensor, axis=axis, keepdims=keepdims))


def _arg(op: Any) -> Any:
    def fn(input: Any, axis: Any = None, output_type: Any = None,  # noqa: A002
           name: str | None = None) -> Tensor:
        from engine import dtypes

        x = _t(input)
        require_kinds(x, "fiu", op.name)
        if x._value.ndim == 0:
            raise errors.InvalidArgumentError(None, op.name, f"Expected a tensor of rank >= 1 "
                                              f"[Op:{op.name}]")
        ax = 0 if axis is None else int(axis._value if isinstance(axis, Tensor) else axis)
        if not -x._value.ndim <= ax < x._value.ndim:
            raise errors.InvalidArgumentError(
                None, op.name, f"Expected dimension in the range [{-x._value.ndim}, "
                f"{x._value.ndim}), but got {ax} [Op:{op.name}]")
        out_t = dtypes.as_dtype(output_type or dtypes.int64)._np
        return execute(op, (x,), {"axis": ax % x._value.ndim, "output_type": out_t})

    fn.__doc__ = f"{op.name} along ``axis`` (default 0), int64 indices unless output_type."
    return fn


argmax = _arg(ARGMAX)
argmin = _arg(ARGMIN)


def cumsum(x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False,
           name: str | None = None) -> Tensor:
    x = _t(x)
    return execute(CUMSUM, (x,), {"axis": int(axis), "exclusive": bool(exclusive),
                                  "reverse": bool(reverse)})


def cumprod(x: Any, axis: int = 0, exclusive: bool = False, reverse: bool = False,
            name: str | None = None) -> Tensor:
    x = _t(x)
    return execute(CUMPROD, (x,), {"axis": int(axis), "exclusive": bool(exclusive),
                                   "reverse": bool(reverse)})


def count_nonzero(input: Any, axis: Any = None, keepdims: bool = False,  # noqa: A002
                  dtype: Any = None, name: str | None = None) -> Tensor:
    from engine import dtypes

    x = _t(input)
    nz = math_ops.cast(math_ops.not_equal(x, math_ops.zeros_like(x)), dtype or dtypes.int64)
    return reduce_sum(nz, axis=axis, keepdims=keepdims)


