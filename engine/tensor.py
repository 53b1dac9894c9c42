"""``Tensor`` (an immutable ndarray with TensorFlow's face), ``Variable``, and conversion.

A Tensor holds one numpy value in ``_value`` (an ndarray or numpy scalar) and its
identity ``_id``; its dtype and shape are read off the array when asked. Operators (``+``, ``@``,
``[]`` …) are attached by ``engine.ops.operators`` once the op registry exists.
"""

from __future__ import annotations

import itertools
import weakref
from typing import Any

import numpy as np

from engine import denormals, errors
from engine import dtypes as _dt
from engine.context import STATE
from engine.shape import TensorShape, as_shape

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1

# Every tensor and variable gets the next number as its ``_id``: unique for the whole
# process and never reused, unlike ``id()`` (CPython hands a freed object's address to the
# next one). Tapes, the tracer and the debugger's events name tensors by it, so a tensor
# made after another one died is never taken for it. Positive: compiled runs of traced
# graphs name their values by negative ids (``debugger.events.graph_value_id``).
_next_id = itertools.count(1).__next__
# tensor id -> the mask a Keras layer attached to it (emptied as the tensors die)
KERAS_MASKS: dict[int, Any] = {}


class Tensor:
    """An immutable multi-dimensional value, the result of every op."""

    __slots__ = ("_value", "_id", "__weakref__")
    __array_priority__ = 100  # ndarray (op) Tensor defers to Tensor, as in TensorFlow

    def __init__(self, value: Any) -> None:
        self._value = value
        self._id = _next_id()

    # -- the Keras mask it carries (``x._keras_mask``), kept beside it: slots hold no more --
    @property
    def _keras_mask(self) -> Any:
        return KERAS_MASKS.get(self._id) if KERAS_MASKS else None

    @_keras_mask.setter
    def _keras_mask(self, mask: Any) -> None:
        if mask is None:
            KERAS_MASKS.pop(self._id, None)
            return
        if self._id not in KERAS_MASKS:
            weakref.finalize(self, KERAS_MASKS.pop, self._id, None)
        KERAS_MASKS[self._id] = mask

    # -- what it is ----------------------------------------------------------------
    @property
    def dtype(self) -> _dt.DType:
        return _dt.from_numpy(self._value.dtype)

    @property
    def shape(self) -> TensorShape:
        # an array's shape is already a tuple of ints: TensorShape's per-dimension check is
        # skipped (Keras layers and losses ask for it on every call)
        shape = _new_shape(TensorShape)
        shape._dims = self._value.shape
        return shape

    @property
    def ndim(self) -> int:
        return self._value.ndim

    @property
    def name(self) -> str:
        raise AttributeError("Tensor.name is undefined when eager execution is enabled.")

    @property
    def device(self) -> str:
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    def get_shape(self) -> TensorShape:
        return self.shape

    def set_shape(self, shape: Any) -> None:
        """``Tensor.set_shape``: state a shape the tensor has. An eager tensor's is known, so
        this only checks it; a traced one (a ``tf.numpy_function`` result, whose shape
        TensorFlow does not know) takes the known dimensions into its static shape."""
        want = TensorShape(shape)
        trace = self._trace() if hasattr(self, "_trace") else None
        if trace is None:
            if not TensorShape(self._value.shape).is_compatible_with(want):
                raise ValueError(f"Tensor's shape {tuple(self._value.shape)} is not "
                                 f"compatible with supplied shape {tuple(want.as_list())}.")
            return
        known = self.get_shape()
        if want.rank is None:
            return
        if known.rank is not None:
            if known.rank != want.rank:
                raise ValueError(f"Shapes must be equal rank, but are {known.rank} and "
                                 f"{want.rank}")
            for i, (a, b) in enumerate(zip(known.as_list(), want.as_list())):
                if a is not None and b is not None and a != b:
                    raise ValueError(
                        f"Dimension {i} in both shapes must be equal, but are {a} and {b}. "
                        f"Shapes are {_dims_text(known)} and {_dims_text(want)}.")
            want = TensorShape([b if a is None else a for a, b in zip(known.as_list(),
                                                                     want.as_list())])
        trace.static_shapes[self._id] = want

    def numpy(self) -> Any:
        """A copy of the value as numpy (a numpy scalar for rank 0), as TensorFlow returns.

        A copy because tensors are immutable and a Variable must not change (nor the
        values a tape saved) when the caller writes into the array it got back.
        """
        if STATE.tapes:
            _leaving_the_engine(self, ".numpy()")
        value = self._value
        if isinstance(value, np.ndarray):
            return value[()] if value.ndim == 0 else value.copy()
        return value

    def ref(self) -> Reference:
        """A hashable handle to this object (tensors themselves are unhashable)."""
        return Reference(self)

    # -- Python protocols ------------------------------------------------------------
    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        if STATE.tapes:  # np.asarray(t), or a numpy function such as np.maximum(t, 0)
            _leaving_the_engine(self, "numpy")
        value = np.asarray(self._value)
        if dtype is not None and value.dtype != dtype:
            return value.astype(dtype)
        return value.copy() if copy else value

    def __len__(self) -> int:
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return self._value.shape[0]

    def __iter__(self):  # type: ignore[no-untyped-def]
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        from engine.ops import array_ops  # the unstacking op, recorded like any other

        return iter(array_ops.unstack(self))

    def __bool__(self) -> bool:
        if STATE.tapes:
            _leaving_the_engine(self, "bool()")
        return bool(self._value)

    def __float__(self) -> float:
        if STATE.tapes:
            _leaving_the_engine(self, "float()")
        return float(self._value)

    def __int__(self) -> int:
        if STATE.tapes:
            _leaving_the_engine(self, "int()")
        return int(self._value)

    def __index__(self) -> int:
        if self._value.dtype.kind not in "iu" or self._value.ndim != 0:
            raise TypeError("Only integer scalar tensors can be used as an index.")
        return int(self._value)

    def __format__(self, spec: str) -> str:
        # Formats numpy's value (f"{loss:.4f}") without numpy()'s copy or its note to the tape:
        # printing is not a .numpy() round trip.
        value = self._value
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        return value.__format__(spec)

    def __hash__(self) -> int:
        raise TypeError("Tensor is unhashable. Instead, use tensor.ref() as the key.")

    def __copy__(self) -> Tensor:
        return self

    def __deepcopy__(self, memo: dict) -> Tensor:
        return self

    def __str__(self) -> str:
        return f"tf.Tensor({numpy_text(self._value)}, shape={self.shape}, dtype={self.dtype.name})"

    def __repr__(self) -> str:
        return (f"<tf.Tensor: shape={self.shape}, dtype={self.dtype.name}, "
                f"numpy={numpy_text(self._value, is_repr=True)}>")


def _leaving_the_engine(t: Tensor, how: str) -> None:
    """``t``'s value leaves for numpy or Python (``how``), where no tape can follow it: the
    recording tapes note where, to explain a None gradient later. (``__index__`` needs none:
    it takes integer tensors only, which carry no gradient anyway.)"""
    for tape in STATE.tapes:
        tape._note_exit(t, how)


def numpy_text(value: Any, is_repr: bool = False) -> str:
    """How TensorFlow prints a tensor's value: numpy's text, matrices on a fresh line."""
    array = np.asarray(value)
    if is_repr:
        text = repr(array.item()) if array.ndim == 0 else repr(array)
    else:
        text = str(array)
    return "\n" + text if "\n" in text else text


class Reference:
    """Hashable wrapper returned by ``Tensor.ref()`` / ``Variable.ref()``."""

    __slots__ = ("_obj",)

    def __init__(self, obj: Tensor) -> None:
        self._obj = obj

    def deref(self) -> Tensor:
        return self._obj

    def __hash__(self) -> int:
        return id(self._obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reference) and other._obj is self._obj

    def __repr__(self) -> str:
        return f"<Reference wrapping {self._obj!r}>"


_new_tensor = _new_shape = object.__new__


class EagerTensor(Tensor):
    """What an eager op returns: TensorFlow's class name for it (``type(x).__name__`` is
    printed by TensorFlow's guides); ``tf.Tensor`` stays the base every check uses."""

    __slots__ = ()


def wrap(value: Any) -> Tensor:
    """Make a Tensor of a numpy value without copying or checking (engine-internal)."""
    t = _new_tensor(EagerTensor)
    t._value = value
    t._id = _next_id()
    return t


class Variable(Tensor):
    """A mutable tensor: model parameters. Reads by ops are recorded by tapes."""

    __slots__ = ("_name", "trainable", "_constraint")

    def __new__(cls, *args: Any, **kwargs: Any) -> Variable:
        # tf.Variable(...) makes a ResourceVariable, as TensorFlow's does
        return object.__new__(ResourceVariable if cls is Variable else cls)

    def __init__(self, initial_value: Any = None, trainable: bool = True, name: str | None = None,
                 dtype: Any = None, shape: Any = None, constraint: Any = None,
                 validate_shape: bool = True) -> None:
        if initial_value is None:
            raise ValueError("The initial_value must be specified.")
        if callable(initial_value):
            initial_value = initial_value()
        value = convert_to_tensor(initial_value, dtype=dtype)._value
        self._value = np.array(value)  # own copy: assignments must not alias the caller
        self._name = "Variable" if name is None else str(name)
        self.trainable = bool(trainable)
        self._constraint = constraint
        self._id = _next_id()  # also their creation order, in which tapes list variables
        if STATE.hook is not None:
            STATE.hook.variable_created(self)

    @property
    def name(self) -> str:
        return f"{self._name}:0"

    def __hash__(self) -> int:
        raise TypeError("Variable is unhashable. Instead, use variable.ref() as the key.")

    def read_value(self) -> Tensor:
        from engine.ops import array_ops

        return array_ops.identity(self)

    value = read_value

    def _set(self, new_value: Any, action: str) -> Variable:
        # New arrays, never in-place writes: a tape may still hold the old value.
        if STATE.graph is not None:  # inside tf.function: a node, applied when the graph runs
            return STATE.graph.assign(self, convert_to_tensor(new_value, dtype=self.dtype),
                                      action)
        value = convert_to_tensor(new_value, dtype=self.dtype)._value
        if value.shape != self._value.shape:
            raise ValueError(
                f"Cannot assign value to variable ' {self.name}': Shape mismatch.The variable "
                f"shape {self.shape}, and the assigned value shape {TensorShape(value.shape)} "
                "are incompatible.")
        self._value = np.array(value, dtype=self._value.dtype)
        if STATE.hook is not None:
            STATE.hook.variable_updated(self, action)
        return self

    def assign(self, value: Any, use_locking: bool = False, name: str | None = None,
               read_value: bool = True) -> Variable:
        return self._set(value, "assign")

    def assign_add(self, delta: Any, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Variable:
        if STATE.graph is not None:
            return self._set(delta, "assign_add")
        delta = self._update_operand(delta, "AssignAddVariableOp")
        with denormals.flushed():  # as TensorFlow's kernel adds (engine/denormals.py)
            total = self._value + delta
        return self._set(total, "assign_add")

    def assign_sub(self, delta: Any, use_locking: bool = False, name: str | None = None,
                   read_value: bool = True) -> Variable:
        if STATE.graph is not None:
            return self._set(delta, "assign_sub")
        delta = self._update_operand(delta, "AssignSubVariableOp")
        with denormals.flushed():
            total = self._value - delta
        return self._set(total, "assign_sub")

    def _update_operand(self, delta: Any, op_name: str) -> np.ndarray:
        # TensorFlow's update kernels take exactly the variable's shape: no broadcasting,
        # so v.assign_add(1.0) on a vector fails there and must fail here too.
        value = convert_to_tensor(delta, dtype=self.dtype)._value
        if value.shape != self._value.shape:
            raise errors.InvalidArgumentError(
                None, op_name,
                f"Cannot update variable with shape {_debug_dims(self._value.shape)} using a "
                f"Tensor with shape {_debug_dims(value.shape)}, shapes must be equal. "
                f"[Op:{op_name}]")
        return value

    def __str__(self) -> str:
        return self.__repr__()

    def __repr__(self) -> str:
        return (f"<tf.Variable '{self.name}' shape={self.shape} dtype={self.dtype.name}, "
                f"numpy={numpy_text(self._value, is_repr=True)}>")


class ResourceVariable(Variable):
    """The class ``tf.Variable(...)`` instances have, named as TensorFlow names it."""

    __slots__ = ()


class VariableSlice(Tensor):
    """What indexing a Variable gives: the sliced value (the same tensor for tapes, by its
    id), which can also be assigned to, as TensorFlow's ``v[0, 1].assign(x)`` writes into
    that part of the variable."""

    __slots__ = ("_variable", "_key")

    def __init__(self, sliced: Tensor, variable: Variable, key: Any) -> None:
        self._value = sliced._value
        self._id = sliced._id
        self._variable = variable
        self._key = key

    def assign(self, value: Any, use_locking: bool = False, name: str | None = None,
               read_value: bool = True) -> Variable:
        """The variable with ``value`` (broadcast to the slice's shape) written into the slice."""
        from engine.ops.array_ops import normalized_key, traced_slice_assign

        if STATE.graph is not None:  # inside tf.function: a node, applied when the graph runs
            return traced_slice_assign(self._variable, self._key, value)

        variable = self._variable
        new = np.array(variable._value)
        key = normalized_key(self._key)
        part = convert_to_tensor(value, dtype=variable.dtype)._value
        try:
            new[key] = np.broadcast_to(part, new[key].shape)
        except ValueError:
            raise errors.InvalidArgumentError(
                None, "ResourceStridedSliceAssign", f"Cannot broadcast input shape "
                f"{_debug_dims(np.shape(part))} into final shape {_debug_dims(new[key].shape)} "
                "[Op:ResourceStridedSliceAssign]") from None
        return variable._set(new, "assign")


def _dims_text(shape: TensorShape) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in shape.as_list()) + "]"


def _debug_dims(shape: tuple) -> str:
    """A shape as TensorFlow's kernels print it (``[2,3]``)."""
    return "[" + ",".join(str(d) for d in shape) + "]"


# -- conversion --------------------------------------------------------------------------

def _infer_array(value: Any, target: Any = None) -> np.ndarray:
    """Python values → arrays with TensorFlow's defaults (int32, float32). Python floats
    headed for a float ``target`` go there directly: ``constant(0.1, tf.float64)`` is 0.1,
    not 0.1 rounded through float32."""
    if isinstance(value, np.ndarray | np.generic):
        array = np.asarray(value)
        return array if array.dtype.kind not in "US" else _bytes_array(array)
    try:
        array = np.asarray(value)
    except ValueError:  # ragged nesting
        raise ValueError("Can't convert non-rectangular Python sequence to Tensor.") from None
    kind = array.dtype.kind
    if kind == "f":
        if target is not None and (target := _dt.as_dtype(target)._np).kind == "f":
            with np.errstate(over="ignore"):  # 1e40 as float32 is inf, silently, as in TF
                return array.astype(target, copy=False)
        return array.astype(np.float32) if array.dtype == np.float64 else array
    if kind == "i" or kind == "u":
        if array.size and (array.min() < _INT32_MIN or array.max() > _INT32_MAX):
            return array.astype(np.int64)
        return array.astype(np.int32)
    if kind == "b":
        return array
    if kind == "c":  # Python complex numbers: complex128, as in TensorFlow
        if target is not None and (target := _dt.as_dtype(target)._np).kind == "c":
            return array.astype(target, copy=False)
        return array
    if kind in "US":  # str and bytes: a string tensor
        if not all(isinstance(leaf, str | bytes | np.str_ | np.bytes_)
                   for leaf in _python_leaves(value)):
            raise ValueError("Can't convert Python sequence with mixed types to Tensor.")
        return _bytes_array(array)
    if kind == "O":
        raise ValueError(f"Can't convert non-rectangular Python sequence to Tensor: {value!r}")
    raise TypeError(f"Tapescope tensors hold numbers and booleans; cannot convert {value!r} "
                    f"(numpy dtype {array.dtype}).")


def _bytes_array(array: np.ndarray) -> np.ndarray:
    """numpy str/bytes → an object array of ``bytes`` (UTF-8), a string tensor's value."""
    out = np.empty(array.shape, dtype=object)
    out.reshape(-1)[:] = [s.encode() if isinstance(s, str) else bytes(s)
                          for s in array.reshape(-1).tolist()]
    return out


def _python_leaves(value: Any) -> list:
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in _python_leaves(item)]
    return [value]


def _has_python_float(value: Any) -> bool:
    if isinstance(value, float):
        return True
    if isinstance(value, list | tuple):
        return any(_has_python_float(v) for v in value)
    return False


def _to_dtype(array: np.ndarray, value: Any, dtype: _dt.DType) -> np.ndarray:
    target = dtype._np
    if array.dtype == target:
        return array
    if array.size == 0 and not isinstance(value, np.ndarray | np.generic):
        return array.astype(target)  # an empty Python list takes any dtype
    if target.kind == "O" or array.dtype.kind == "O":  # strings and numbers don't convert
        shown = value if isinstance(value, np.ndarray | np.generic) else _python_leaves(value)[0]
        raise TypeError(f"Cannot convert {shown!r} to EagerTensor of dtype {dtype.name}")
    lossy_python = (target.kind in "iub" and not isinstance(value, np.ndarray | np.generic)
                    and _has_python_float(value) and not np.all(np.mod(array, 1) == 0))
    if lossy_python:
        raise TypeError(f"Cannot convert {value!r} to EagerTensor of dtype {dtype.name}")
    return array.astype(target)


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None,
                      name: str | None = None) -> Tensor:
    """Tensors pass through; Variables are read; Python and numpy values become constants."""
    if isinstance(value, Tensor):
        if isinstance(value, Variable):
            from engine.ops import array_ops

            value = array_ops.identity(value)
        if dtype is not None and _dt.as_dtype(dtype)._np != value._value.dtype:
            raise ValueError(f"Tensor conversion requested dtype {_dt.as_dtype(dtype).name} "
                             f"for Tensor with dtype {value.dtype.name}: {value!r}")
        return value
    if hasattr(value, "__tf_tensor__") or hasattr(value, "_as_tensor"):
        return convert_to_tensor(value._as_tensor(), dtype=dtype)
    if isinstance(value, list | tuple) and any(isinstance(v, Tensor) for v in value):
        from engine.ops import array_ops  # a list of tensors packs into one (recorded)

        return convert_to_tensor(array_ops.stack(list(value)), dtype=dtype)
    array = _infer_array(value, dtype if dtype is not None else dtype_hint)
    if dtype is not None:
        array = _to_dtype(array, value, _dt.as_dtype(dtype))
    elif dtype_hint is not None and not isinstance(value, np.ndarray | np.generic):
        try:
            array = _to_dtype(array, value, _dt.as_dtype(dtype_hint))
        except TypeError:
            pass
    _dt.from_numpy(array.dtype)  # clear error for unsupported numpy dtypes
    return wrap(array)


def constant(value: Any, dtype: Any = None, shape: Any = None, name: str = "Const") -> Tensor:
    """``tf.constant``: a tensor from a Python or numpy value, optionally cast and reshaped."""
    if isinstance(value, Tensor):
        array = np.asarray(value._value)
        if dtype is not None:
            array = array.astype(_dt.as_dtype(dtype)._np)
    else:
        array = _infer_array(value, dtype)
        if dtype is not None:
            array = _to_dtype(array, value, _dt.as_dtype(dtype))
    if shape is not None:
        dims = as_shape(shape).as_list()
        if array.size == 1:
            array = np.full(dims, array.reshape(()), dtype=array.dtype)
        elif array.size == int(np.prod(dims)):
            array = array.reshape(dims)
        else:
            raise TypeError(f"Eager execution of tf.constant with unsupported shape. Tried to "
                            f"convert value of shape {array.shape} to shape {tuple(dims)}.")
    _dt.from_numpy(array.dtype)
    return wrap(array)


def is_tensor(value: Any) -> bool:
    return isinstance(value, Tensor)
