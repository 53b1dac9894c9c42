"""Python operators on Tensor (``+ - * / // % ** @``, comparisons, ``[]``), TensorFlow-style.

The arithmetic operators take a fast path when both sides are plain Tensors of one dtype
and nobody observes ops: they call the numpy forward directly, skipping conversion.
"""

from __future__ import annotations

from typing import Any

from engine import denormals
from engine.context import STATE
from engine.ops import array_ops, math_ops
from engine.ops._args import binary_args
from engine.ops.registry import OpDef, execute, translate_error
from engine.tensor import EagerTensor, Tensor, wrap


def _binary(op: OpDef, checked: Any = None, fast_kinds: str = "") -> tuple[Any, Any]:
    """(method, reflected method) for a binary op; ``checked`` = the public function when the
    op needs more than a dtype check (pow's negative exponent, floordiv's zero, truediv's
    result dtype for integers) except for dtypes of ``fast_kinds``."""
    forward = op.forward
    name = op.name

    def method(self: Tensor, other: Any) -> Tensor:
        if other.__class__ is EagerTensor and self.__class__ is EagerTensor and (
                checked is None or self._value.dtype.kind in fast_kinds):
            a, b = self._value, other._value
            if (a.dtype is b.dtype or a.dtype == b.dtype) and not STATE.observed:
                try:  # FTZ/DAZ as in registry.execute
                    return wrap(denormals.call(forward, a, b))
                except (ValueError, TypeError) as exc:
                    raise translate_error(op, (self, other), exc) from None
        if checked is not None:
            return checked(self, other)
        x, y = binary_args(self, other, name)
        return execute(op, (x, y))

    def reflected(self: Tensor, other: Any) -> Tensor:
        if checked is not None:
            return checked(other, self)
        x, y = binary_args(other, self, name)
        return execute(op, (x, y))

    return method, reflected


def _eq(self: Tensor, other: Any) -> Any:
    """Elementwise ==, but False (not an error) for operands that cannot be compared."""
    if other is None:
        return False
    try:
        return math_ops.equal(self, other)
    except (TypeError, ValueError, Exception):
        return False


def _ne(self: Tensor, other: Any) -> Any:
    if other is None:
        return True
    try:
        return math_ops.not_equal(self, other)
    except (TypeError, ValueError, Exception):
        return True


def _matmul(self: Tensor, other: Any) -> Tensor:
    return math_ops.matmul(self, other)


def _rmatmul(self: Tensor, other: Any) -> Tensor:
    return math_ops.matmul(other, self)


def _invert(self: Tensor) -> Tensor:
    return math_ops.logical_not(self)


def install() -> None:
    """Attach the operators to Tensor (and through inheritance to Variable)."""
    pairs = {
        "add": _binary(math_ops.ADD),
        "sub": _binary(math_ops.SUB),
        "mul": _binary(math_ops.MUL),
        "truediv": _binary(math_ops.DIV, math_ops.divide, fast_kinds="f"),
        "floordiv": _binary(math_ops.FLOORDIV, math_ops.floordiv),
        "mod": _binary(math_ops.MOD, math_ops.floormod),
        "pow": _binary(math_ops.POW, math_ops.pow),
    }
    for name, (method, reflected) in pairs.items():
        setattr(Tensor, f"__{name}__", method)
        setattr(Tensor, f"__r{name}__", reflected)
    Tensor.__matmul__ = _matmul
    Tensor.__rmatmul__ = _rmatmul
    Tensor.__neg__ = lambda self: math_ops.negative(self)
    Tensor.__abs__ = lambda self: math_ops.abs(self)
    Tensor.__invert__ = _invert
    Tensor.__and__ = lambda self, other: math_ops.logical_and(self, other)
    Tensor.__rand__ = lambda self, other: math_ops.logical_and(other, self)
    Tensor.__or__ = lambda self, other: math_ops.logical_or(self, other)
    Tensor.__ror__ = lambda self, other: math_ops.logical_or(other, self)
    Tensor.__xor__ = lambda self, other: math_ops.logical_xor(self, other)
    Tensor.__lt__ = lambda self, other: math_ops.less(self, other)
    Tensor.__le__ = lambda self, other: math_ops.less_equal(self, other)
    Tensor.__gt__ = lambda self, other: math_ops.greater(self, other)
    Tensor.__ge__ = lambda self, other: math_ops.greater_equal(self, other)
    Tensor.__eq__ = _eq
    Tensor.__ne__ = _ne
    Tensor.__getitem__ = array_ops.getitem
