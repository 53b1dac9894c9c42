"""Values of a saved function (node attributes, argument and result structures) as JSON.

Every value becomes JSON with one tag per non-JSON kind (``{"tuple": [...]}``,
``{"array": "c3"}``, ``{"variable": 2}``); arrays go to a side table saved as ``.npz``
without pickle. Decoding is strict: a saved model is untrusted input, so an unknown tag, a
dtype outside the engine's, a dangling array or variable reference raises
:class:`SavedModelFormatError` naming where it was found, never a deep traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine.function import GraphTensor
from engine.shape import TensorShape
from engine.tensor import Variable
from engine.tensor_spec import TensorSpec


class SavedModelFormatError(ValueError):
    """A saved model's files are damaged or were not written by Tapescope."""


# numpy dtypes a saved array may have: the engine's (no object, void or datetime arrays)
_ARRAY_KINDS = frozenset("biufcU")
_NUMPY_DTYPES = {d._np.name: d._np for d in _dt.ALL if d._np.kind in "biufc"}


def numpy_dtype(name: Any, where: str) -> np.dtype:
    """The numpy dtype a saved name stands for (only the engine's dtypes)."""
    if not isinstance(name, str) or name not in _NUMPY_DTYPES:
        raise SavedModelFormatError(f"{where}: unknown dtype {name!r}")
    return _NUMPY_DTYPES[name]


def check_array(array: Any, where: str) -> np.ndarray:
    """A loaded array, refused if its dtype is not one the engine computes with."""
    if not isinstance(array, np.ndarray) or array.dtype.kind not in _ARRAY_KINDS:
        raise SavedModelFormatError(f"{where}: array of unsupported dtype "
                                    f"{getattr(array, 'dtype', type(array).__name__)}")
    return array


def shape_of(value: Any, where: str) -> tuple | None:
    """A saved shape: null (unknown rank) or a list of sizes (null: unknown size)."""
    if value is None:
        return None
    if not isinstance(value, list) or not all(
            d is None or (type(d) is int and d >= 0) for d in value):
        raise SavedModelFormatError(f"{where}: malformed shape {value!r}")
    return tuple(value)


class Encoder:
    """Turns values into JSON, collecting arrays; ``variable_index`` numbers variables."""

    def __init__(self, variable_index: Callable[[Variable], int]) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        self._variable_index = variable_index

    def array(self, value: np.ndarray, where: str) -> str:
        if value.dtype.kind not in _ARRAY_KINDS:
            raise NotImplementedError(f"{where}: saving an array of dtype {value.dtype} is not "
                                      "supported by Tapescope's SavedModel")
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.array(value, order="C")  # (ascontiguousarray makes 0-d 1-d)
        return key

    def encode(self, value: Any, where: str) -> Any:
        if value is None or isinstance(value, bool | str):
            return value
        if isinstance(value, int | float) and not isinstance(value, np.generic):
            return value
        if isinstance(value, Variable):
            return {"variable": self._variable_index(value)}
        if isinstance(value, np.ndarray):
            return {"array": self.array(value, where)}
        if isinstance(value, np.generic):
            return {"scalar": self.array(np.asarray(value), where)}
        if isinstance(value, _dt.DType):
            return {"tf_dtype": value.name}
        if isinstance(value, np.dtype) or (isinstance(value, type)
                                           and issubclass(value, np.generic)):
            return {"dtype": np.dtype(value).name}
        if isinstance(value, TensorSpec):
            return {"spec": [_shape_list(value.shape), value.dtype.name, value.name]}
        if isinstance(value, TensorShape):
            return {"shape": _shape_list(value)}
        if isinstance(value, GraphTensor):
            return {"graph_tensor": [value.name, _shape_list(value.shape), value.dtype.name]}
        if isinstance(value, slice):
            return {"slice": [self.encode(p, where) for p in (value.start, value.stop,
                                                               value.step)]}
        if value is Ellipsis:
            return {"ellipsis": None}
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return {"tuple": [self.encode(v, where) for v in value]}
        if isinstance(value, list):
            return {"list": [self.encode(v, where) for v in value]}
        if isinstance(value, dict) and all(isinstance(k, str | int) for k in value):
            return {"dict": [[k, self.encode(v, f"{where}[{k!r}]")] for k, v in value.items()]}
        raise NotImplementedError(f"{where}: a value of type {type(value).__name__} cannot be "
                                  "saved by Tapescope's SavedModel")


def _shape_list(shape: TensorShape) -> list | None:
    return None if shape.rank is None else list(shape.as_list())


class Decoder:
    """The inverse of :class:`Encoder`, validating as it goes."""

    def __init__(self, arrays: Any, variables: list[Variable]) -> None:
        self._arrays = arrays
        self._variables = variables

    def array(self, key: Any, where: str) -> np.ndarray:
        if not isinstance(key, str) or key not in self._arrays:
            raise SavedModelFormatError(f"{where}: missing constant array {key!r}")
        return check_array(self._arrays[key], f"{where}: constant {key!r}")

    def decode(self, data: Any, where: str) -> Any:
        if data is None or isinstance(data, bool | int | float | str):
            return data
        if not isinstance(data, dict) or len(data) != 1:
            raise SavedModelFormatError(f"{where}: malformed value {_clip(data)}")
        (tag, body), = data.items()
        decode = _DECODERS.get(tag)
        if decode is None:
            raise SavedModelFormatError(f"{where}: unknown value tag {tag!r}")
        try:
            return decode(self, body, where)
        except SavedModelFormatError:
            raise
        except (TypeError, ValueError, KeyError, IndexError) as exc:
            raise SavedModelFormatError(f"{where}: malformed {tag!r} value {_clip(body)} "
                                        f"({exc})") from None


def _clip(data: Any) -> str:
    text = repr(data)
    return text if len(text) <= 80 else text[:77] + "..."


def _items(body: Any, where: str, n: int | None = None) -> list:
    if not isinstance(body, list) or (n is not None and len(body) != n):
        raise SavedModelFormatError(f"{where}: malformed list {_clip(body)}")
    return body


def _variable(dec: Decoder, body: Any, where: str) -> Variable:
    if type(body) is not int or not 0 <= body < len(dec._variables):
        raise SavedModelFormatError(f"{where}: reference to unknown variable {body!r}")
    return dec._variables[body]


def _scalar(dec: Decoder, body: Any, where: str) -> np.generic:
    array = dec.array(body, where)
    if array.shape != ():
        raise SavedModelFormatError(f"{where}: scalar {body!r} has shape {array.shape}")
    return array[()]


def _tf_dtype(dec: Decoder, body: Any, where: str) -> _dt.DType:
    numpy_dtype(body, where)
    return _dt.as_dtype(body)


def _spec(dec: Decoder, body: Any, where: str) -> TensorSpec:
    shape, dtype, name = _items(body, where, 3)
    if name is not None and not isinstance(name, str):
        raise SavedModelFormatError(f"{where}: malformed TensorSpec name {name!r}")
    return TensorSpec(shape_of(shape, where), _tf_dtype(dec, dtype, where), name)


def _graph_tensor(dec: Decoder, body: Any, where: str) -> GraphTensor:
    name, shape, dtype = _items(body, where, 3)
    if not isinstance(name, str):
        raise SavedModelFormatError(f"{where}: malformed tensor name {name!r}")
    return GraphTensor(name, TensorShape(shape_of(shape, where)), _tf_dtype(dec, dtype, where))


def _dict(dec: Decoder, body: Any, where: str) -> dict:
    out = {}
    for item in _items(body, where):
        key, value = _items(item, where, 2)
        if not isinstance(key, str | int) or isinstance(key, bool):
            raise SavedModelFormatError(f"{where}: malformed dict key {key!r}")
        out[key] = dec.decode(value, f"{where}[{key!r}]")
    return out


_DECODERS: dict[str, Callable[[Decoder, Any, str], Any]] = {
    "variable": _variable,
    "array": lambda dec, body, where: dec.array(body, where),
    "scalar": _scalar,
    "tf_dtype": _tf_dtype,
    "dtype": lambda dec, body, where: numpy_dtype(body, where),
    "spec": _spec,
    "shape": lambda dec, body, where: TensorShape(shape_of(body, where)),
    "graph_tensor": _graph_tensor,
    "slice": lambda dec, body, where: slice(*(dec.decode(p, where)
                                              for p in _items(body, where, 3))),
    "ellipsis": lambda dec, body, where: Ellipsis,
    "tuple": lambda dec, body, where: tuple(dec.decode(v, where) for v in _items(body, where)),
    "list": lambda dec, body, where: [dec.decode(v, where) for v in _items(body, where)],
    "dict": _dict,
}
