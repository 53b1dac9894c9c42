"""TensorFlow's DType objects, each a thin name over a numpy dtype.

Tensors store plain ndarrays; a DType is looked up from ``ndarray.dtype`` only when a
user asks, so the hot path never touches these objects.
"""

from __future__ import annotations

import numpy as np


class DType:
    """A TensorFlow dtype (``tf.float32`` …) with its numpy counterpart."""

    __slots__ = ("name", "as_numpy_dtype", "_np")

    def __init__(self, name: str, np_dtype: type) -> None:
        self.name = name
        self.as_numpy_dtype = np_dtype
        self._np = np.dtype(np_dtype)

    @property
    def is_floating(self) -> bool:
        return self._np.kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._np.kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._np.kind == "u"

    @property
    def is_complex(self) -> bool:
        return self._np.kind == "c"

    @property
    def is_bool(self) -> bool:
        return self._np.kind == "b"

    @property
    def base_dtype(self) -> DType:
        return self

    @property
    def size(self) -> int:
        return self._np.itemsize

    @property
    def min(self) -> float | int:
        return np.finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self) -> float | int:
        return np.finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        # print(tf.float32) shows TensorFlow's own form; repr stays the one you type.
        return f"<dtype: '{self.name}'>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DType):
            return self._np == other._np
        try:
            return self._np == as_dtype(other)._np
        except TypeError:
            return False

    def __hash__(self) -> int:
        return hash(self.name)


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TensorFlow's public name
half = float16
double = float64

# Strings: numpy object arrays of ``bytes``, as TensorFlow's ``.numpy()`` hands them out.
# Not in ALL, the numeric dtypes most of the engine iterates over.
string = DType("string", np.object_)

ALL: tuple[DType, ...] = (
    float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool
)
_BY_NP: dict[np.dtype, DType] = {d._np: d for d in ALL}
_BY_NAME: dict[str, DType] = {d.name: d for d in ALL}
_BY_NAME.update({"half": float16, "double": float64, "bool_": bool, "string": string})
_BY_NP[string._np] = string

# Complex numbers: tensors of them can be made, printed and combined elementwise (the
# Variables guide makes one). Not in ALL either: no op's gradient rule takes them.
complex64 = DType("complex64", np.complex64)
complex128 = DType("complex128", np.complex128)
for _complex in (complex64, complex128):
    _BY_NP[_complex._np] = _complex
    _BY_NAME[_complex.name] = _complex


def as_dtype(value: object) -> DType:
    """Return the DType for a DType, a name, a numpy dtype or a numpy scalar type."""
    if isinstance(value, DType):
        return value
    if isinstance(value, str) and value in _BY_NAME:
        return _BY_NAME[value]
    try:
        found = _BY_NP.get(np.dtype(value))  # type: ignore[arg-type]
    except TypeError:
        found = None
    if found is None:
        raise TypeError(f"Cannot convert {value!r} to a dtype: Tapescope supports "
                        f"{', '.join(d.name for d in ALL)}.")
    return found


def from_numpy(np_dtype: np.dtype) -> DType:
    """The DType of an ndarray's dtype; clear error for dtypes TensorFlow has no name for."""
    found = _BY_NP.get(np_dtype)
    if found is None:
        raise TypeError(f"Tensors of numpy dtype {np_dtype} are not supported.")
    return found


def cast(x: object, dtype: object, name: str | None = None) -> object:
    """``tf.dtypes.cast``: the same op as ``tf.cast`` (imported late: ops need this module)."""
    from engine.ops.math_ops import cast as cast_op

    return cast_op(x, dtype, name)


def saturate_cast(value: object, dtype: object, name: str | None = None) -> object:
    """``tf.dtypes.saturate_cast``: cast with values clamped to the target's range first."""
    from engine.ops.math_ops import saturate_cast as saturate_cast_op

    return saturate_cast_op(value, dtype, name)
