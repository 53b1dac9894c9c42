"""TensorFlow's exception types (``tf.errors``), raised with TensorFlow's messages."""

from __future__ import annotations

import re
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


# An eager kernel's message ends with the op it ran, "... [Op:AddV2]" (and, when a raise
# site gives it, the name TensorFlow's Python wrapper chose: "[Op:ConcatV2] name: concat").
_OP_TAG = re.compile(r" \[Op:(\w+)\]( name: [^\n]*)?\Z")
# Eager errors raised before any kernel runs: an input's dtype against the op's signature,
# an attr against the op's registry, no kernel for the dtype.
_BEFORE_KERNEL = ("cannot compute ", "Value for attr ", "Could not find device for node")
_DEVICE = "/job:localhost/replica:0/task:0/device:CPU:0"


class OpError(Exception):
    """Base of the errors an op raises; carries the op's name like TensorFlow's.

    ``message`` (and ``str()``) is TensorFlow's whole text: an eager kernel's error starts
    with the ``{{function_node __wrapped__<Op>_device_...}}`` TensorFlow runs each eager op
    in, and ends with ``[Op:<Op>] name: ``. Raise sites give the bare sentence ending in
    ``[Op:<Op>]``; the rest is added here, so it is decided in one place."""

    error_code = 2  # UNKNOWN, as TensorFlow's error_codes.proto numbers them

    def __init__(self, node_def: object = None, op: object = None, message: str = "",
                 *args: object) -> None:
        # TensorFlow's signature is (node_def, op, message); accept a lone message too.
        if not message and isinstance(node_def, str) and op is None:
            message, node_def = node_def, None
        super().__init__()  # TensorFlow's OpError keeps no args: its text is ``message``
        self._text = message
        self.node_def = node_def
        # TensorFlow's ``op`` is a graph Operation, None for an eager op's error; the engine's
        # raise sites give the op's type as a string, kept for the engine only
        self.op = None if isinstance(op, str) else op
        self.op_type = op if isinstance(op, str) else None
        tag = _OP_TAG.search(message)
        self.eager = tag is not None and not tag.group(1).startswith("__inference_")
        self.named = tag is not None and tag.group(2) is not None
        # the function TensorFlow wraps an eager kernel in: the op's type, and the length of
        # each variadic argument (``ConcatV2_N_2``); a raise site may name it more precisely
        self.kernel: str | None = None
        if self.eager:
            if not message.startswith(_BEFORE_KERNEL):
                self.kernel = tag.group(1)
            self.eager_fallback = _python_list_reached_op(sys._getframe(1))

    @property
    def message(self) -> str:
        """The text TensorFlow prints for this error."""
        text = self._text
        if getattr(self, "kernel", None):
            text = f"{{{{function_node __wrapped__{self.kernel}_device_{_DEVICE}}}}} {text}"
        # An eager op's message ends "[Op:AddV2] name: " in TensorFlow (the op's name, empty
        # unless the caller gave one), unless the call went through the op's eager fallback
        # (a Python list among the arguments) or was a function's.
        if (getattr(self, "eager", False) and not getattr(self, "named", False)
                and not getattr(self, "function_call", False)
                and not getattr(self, "eager_fallback", False)):
            text += " name: "
        return text

    @message.setter
    def message(self, text: str) -> None:
        self._text, self.eager, self.kernel = text, False, None

    @property
    def text(self) -> str:
        """The error's own sentence, without what TensorFlow's eager runtime adds around it
        (for a message that quotes another)."""
        return self._text

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple:
        # the text and what decides its prefix and " name: " travel as the instance's state
        return type(self), (self.node_def, self.op, self._text), dict(self.__dict__)


# Ops oneDNN replaces in TensorFlow 2.21's eager CPU runtime for float32 and bfloat16 inputs
# (measured: float64, float16 and integer inputs keep the plain kernel).
_ONEDNN = {"MatMul": "__MklMatMul", "BatchMatMulV2": "__MklBatchMatMulV2",
           "Einsum": "__MklEinsum", "Conv2D": "__MklNativeConv2D",
           "DepthwiseConv2dNative": "__MklNativeDepthwiseConv2dNative",
           "AvgPool": "__MklNativeAvgPool"}
_ONEDNN_DTYPES = ("float32", "bfloat16")


def wrapped_kernel(error: OpError, dtype: str | None = None, **variadic: int) -> OpError:
    """Name the function TensorFlow wraps the failing kernel in more precisely than the
    op's type: oneDNN's kernel where it replaced the op for inputs of ``dtype``, and, in
    attr-name order, the length of each variadic argument (``N=2`` -> ``ConcatV2_N_2``)."""
    if error.kernel is not None:
        name = error.kernel
        if dtype in _ONEDNN_DTYPES:
            name = _ONEDNN.get(name, name)
        error.kernel = name + "".join(f"_{k}_{n}" for k, n in sorted(variadic.items()))
    return error


class InvalidArgumentError(OpError):
    """An op received an argument it cannot take (shapes, values)."""

    error_code = 3


class NotFoundError(OpError):
    """A file or resource is missing."""

    error_code = 5


class UnimplementedError(OpError):
    """The operation is not implemented."""

    error_code = 12


class FailedPreconditionError(OpError):
    """The system is not in a state where the operation can run."""

    error_code = 9


class OutOfRangeError(OpError):
    """Iteration went past the end (e.g. of a dataset)."""

    error_code = 11


class ResourceExhaustedError(OpError):
    """A resource (memory) ran out."""

    error_code = 8


class InternalError(OpError):
    """An invariant of the engine broke; a bug in Tapescope."""

    error_code = 13


class DataLossError(OpError):
    """Data was lost or corrupted (also: padding to a shape smaller than an element)."""

    error_code = 15


class UnknownError(OpError):
    """An error of no other kind (a Python exception raised inside ``tf.py_function``)."""

    error_code = 2
