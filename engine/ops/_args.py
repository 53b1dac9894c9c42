"""Argument conversion shared by op wrappers: TensorFlow's dtype rules for op inputs."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.context import STATE
from engine.ops.op_defs import attr_not_allowed
from engine.tensor import Tensor, convert_to_tensor, wrap

_KIND_NAME = {"f": "float", "i": "int", "u": "uint", "b": "bool", "c": "complex"}
# TensorFlow's kernels name dtypes in their errors the C++ way (DataTypeString): a float32
# tensor is a "float tensor"; every other dtype keeps its Python name.
_KERNEL_DTYPE_NAME = {"float16": "half", "float32": "float", "float64": "double"}


def kernel_dtype_name(dtype: np.dtype) -> str:
    """How TensorFlow's op errors spell ``dtype`` (``float`` for float32, ``double`` …)."""
    name = np.dtype(dtype).name
    return _KERNEL_DTYPE_NAME.get(name, name)


def dtype_mismatch(op_name: str, index: int, expected: np.dtype, got: np.dtype) -> Exception:
    """TensorFlow's error for an op whose inputs disagree on dtype: while a ``tf.function``
    is traced, the graph builder's TypeError; eagerly, the kernel's InvalidArgumentError."""
    if STATE.graph is not None:
        names = ("x", "y") if index == 1 else ("inputs", "inputs")
        return TypeError(f"Input '{names[1]}' of '{op_name}' Op has type {np.dtype(got).name} "
                         f"that does not match type {np.dtype(expected).name} of argument "
                         f"'{names[0]}'.")
    node = op_name  # the kernel the runtime picked: oneDNN's for float32 inputs of some ops
    if np.dtype(expected).name in errors._ONEDNN_DTYPES and op_name in errors._ONEDNN:
        node = errors._ONEDNN[op_name][1:]
    return errors.InvalidArgumentError(
        None, op_name,
        f"cannot compute {node} as input #{index}(zero-based) was expected to be a "
        f"{kernel_dtype_name(expected)} tensor but is a {kernel_dtype_name(got)} tensor "
        f"[Op:{op_name}]")


_PY_NUMBERS = (int, float)


def _scalar_like(value: int | float, like: Tensor) -> Tensor:
    """A Python number as a tensor of ``like``'s dtype (the common ``x * 2.0`` case, fast)."""
    dtype = like._value.dtype
    if dtype.kind in "iub" and value.__class__ is float and not value.is_integer():
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    return wrap(np.asarray(value, dtype=dtype))


def binary_args(x: Any, y: Any, op_name: str) -> tuple[Tensor, Tensor]:
    """Convert a pair of op inputs the way TensorFlow's binary math wrappers do.

    A non-tensor argument takes the other argument's dtype (``x * 2.0`` stays float32,
    ``int_tensor + 1.5`` is a TypeError); two tensors must already agree.
    """
    if isinstance(x, Tensor):
        if not isinstance(y, Tensor):
            y = _scalar_like(y, x) if y.__class__ in _PY_NUMBERS else convert_to_tensor(
                y, dtype=x._value.dtype)
    elif isinstance(y, Tensor):
        x = convert_to_tensor(x, dtype=y._value.dtype)
    else:
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=x._value.dtype)
    if x._value.dtype != y._value.dtype:
        raise dtype_mismatch(op_name, 1, x._value.dtype, y._value.dtype)
    return x, y


def tensors(values: Any, op_name: str) -> tuple[Tensor, ...]:
    """Convert a list of op inputs that must share one dtype (concat, stack, add_n)."""
    out = [v if isinstance(v, Tensor) else None for v in values]
    first = next((t for t in out if t is not None), None)
    dtype = first._value.dtype if first is not None else None
    out = [t if t is not None else convert_to_tensor(v, dtype=dtype) for t, v in zip(out, values)]
    if not out:
        raise ValueError(f"{op_name} needs at least one input tensor.")
    d0 = out[0]._value.dtype
    for i, t in enumerate(out[1:], 1):
        if t._value.dtype != d0:
            raise dtype_mismatch(op_name, i, d0, t._value.dtype)
    return tuple(out)


def require_kinds(t: Tensor, kinds: str, op_name: str) -> None:
    """Reject dtypes an op has no kernel for (e.g. ``sqrt`` of int32), as TensorFlow does."""
    if t._value.dtype.kind not in kinds:
        allowed = ", ".join(_KIND_NAME[k] for k in kinds)
        raise attr_not_allowed(op_name, "T", kernel_dtype_name(t._value.dtype), t.dtype.name,
                               fallback=f" ({allowed} types)")


def axis_tuple(axis: Any, ndim: int, op_name: str = "Reduce") -> tuple[int, ...] | None:
    """Normalize an ``axis`` argument (int, list, tensor, None) to a sorted tuple."""
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        axis = axis._value.tolist()
    if isinstance(axis, int | np.integer):
        axis = [axis]
    out = []
    for a in axis:
        a = int(a)
        if not -ndim <= a < max(ndim, 1):
            raise errors.InvalidArgumentError(
                None, op_name, f"Invalid reduction dimension ({a} for input with {ndim} "
                f"dimension(s) [Op:{op_name}]")
        out.append(a % ndim if ndim else 0)
    if len(set(out)) != len(out):
        repeated = next(a for a in out if out.count(a) > 1)
        raise errors.InvalidArgumentError(
            None, "Reduce", f"Invalid reduction arguments: Axes contains duplicate dimension: "
            f"{repeated} [Op:{op_name}]")
    return tuple(sorted(out))
