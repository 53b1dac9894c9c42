"""TensorFlow's exception types (``tf.errors``), raised with TensorFlow's messages."""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType

from engine.context import is_engine_file


def _is_python_list(value: object) -> bool:
    """A list or tuple of Python numbers, strings or booleans (nested too), not of tensors."""
    if not isinstance(value, list | tuple) or not value:
        return False
    return all(_is_python_list(v) if isinstance(v, list | tuple)
               else isinstance(v, int | float | str | bytes | bool) for v in value)


# arguments TF's ops take as attributes, not inputs: a list there stays on the fast path
_LIST_ATTRS = frozenset({"strides", "dilations", "ksize", "explicit_paddings"})
_CONVERTING: set = set()  # code of engine functions whose TF wrappers convert lists first


def lists_converted_first(func: Callable) -> Callable:
    """Mark a public function whose TensorFlow wrapper turns Python lists into tensors
    before calling the op (``tf.linalg.matvec``, ``tf.random.categorical``): its errors keep
    the fast path's " name: "."""
    _CONVERTING.add(func.__code__)
    return func


def _python_list_reached_op(frame: FrameType | None) -> bool:
    """Whether the engine function the user called got a Python list among its arguments.

    TensorFlow's eager fast path hands such a call (``tf.pad([1, 2], [[-1, 1]])``,
    ``tf.reduce_sum(x, axis=[1, 1])``) to the op's eager fallback, which raises without the
    " name: " the fast path appends. The function is the outermost engine frame under the
    user's; its arguments are read as they are when the error is made."""
    outer = None
    while frame is not None and is_engine_file(frame.f_code.co_filename):
        outer, frame = frame, frame.f_back
    if (outer is None or outer.f_code in _CONVERTING
            or outer.f_code.co_name.startswith("__")):  # operators convert first too
        return False
    code = outer.f_code
    count = code.co_argcount + code.co_kwonlyargcount + bool(code.co_flags & 0x04)
    local = outer.f_locals
    for name in code.co_varnames[:count]:
        if name in _LIST_ATTRS:
            continue
        value = local.get(name)
        if _is_python_list(value) or (name == "args" and isinstance(value, tuple)
                                      and any(_is_python_list(v) for v in value)):
            return True
    return False


class OpError(Exception):
    """Base of the errors an op raises; carries the op's name like TensorFlow's."""

    def __init__(self, node_def: object = None, op: object = None, message: str = "",
                 *args: object) -> None:
        # TensorFlow's signature is (node_def, op, message); accept a lone message too.
        if not message and isinstance(node_def, str) and op is None:
            message, node_def = node_def, None
        super().__init__(message)
        self.message = message
        self.node_def = node_def
        self.op = op
        if message.endswith("]") and "[Op:" in message:
            self.eager_fallback = _python_list_reached_op(sys._getframe(1))

    def __str__(self) -> str:
        # An eager op's message ends "[Op:AddV2] name: " in TensorFlow (the op's name, empty
        # unless the caller gave one), unless the call went through the op's eager fallback
        # (a Python list among the arguments) or was a function's.
        if (self.message.endswith("]") and "[Op:" in self.message
                and "[Op:__inference_" not in self.message
                and not getattr(self, "function_call", False)
                and not getattr(self, "eager_fallback", False)):
            return self.message + " name: "
        return self.message


class InvalidArgumentError(OpError):
    """An op received an argument it cannot take (shapes, values)."""


class NotFoundError(OpError):
    """A file or resource is missing."""


class UnimplementedError(OpError):
    """The operation is not implemented."""


class FailedPreconditionError(OpError):
    """The system is not in a state where the operation can run."""


class OutOfRangeError(OpError):
    """Iteration went past the end (e.g. of a dataset)."""


class ResourceExhaustedError(OpError):
    """A resource (memory) ran out."""


class InternalError(OpError):
    """An invariant of the engine broke; a bug in Tapescope."""


class DataLossError(OpError):
    """Data was lost or corrupted (also: padding to a shape smaller than an element)."""


class UnknownError(OpError):
    """An error of no other kind (a Python exception raised inside ``tf.py_function``)."""
