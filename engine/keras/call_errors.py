"""An error raised inside a layer's ``call``, re-raised as Keras 3 does: "Exception encountered
when calling Dense.call()." with the error's text in bold and the call's arguments below
(``keras/src/utils/traceback_utils.py``, ``inject_argument_info_in_traceback``)."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from engine import errors
from engine.keras import config
from engine.keras.backend import standardize_dtype
from engine.tensor import Tensor


def format_argument_value(value: Any) -> Any:
    """A tensor as ``tf.Tensor(shape=(2, 4), dtype=float32)``, anything else (None too) as
    its repr; lists, tuples and dicts keep their structure (Keras maps over them)."""
    if isinstance(value, list | tuple):
        items = [format_argument_value(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if isinstance(value, dict):
        return {k: format_argument_value(v) for k, v in value.items()}
    if isinstance(value, Tensor):
        return f"tf.Tensor(shape={value.shape}, dtype={standardize_dtype(value.dtype)})"
    return repr(value)


def with_call_info(call: Callable, display_name: str, exc: Exception, args: tuple,
                   kwargs: dict) -> Exception | None:
    """The error Keras raises instead of ``exc`` from ``call(*args, **kwargs)``; None where
    Keras re-raises ``exc`` itself (filtering off, an inner layer already named itself, a
    call without parameters). Arguments that do not fit the signature are Keras' own
    TypeError, which it raises binding them before the call."""
    signature = inspect.signature(call)
    try:
        bound = signature.bind(*args, **kwargs)
    except TypeError as unbound:
        return unbound if isinstance(exc, TypeError) else None
    if not config.is_traceback_filtering_enabled() or hasattr(exc, "_keras_call_info_injected"):
        return None
    lines = []
    for param in signature.parameters.values():
        if param.name in bound.arguments:
            value = format_argument_value(bound.arguments[param.name])
        else:
            value = param.default
        lines.append(f"  • {param.name}={value}")
    if not lines:
        return None
    if isinstance(exc, errors.OpError):
        message = exc.message
    else:
        message = exc.args[0] if exc.args else ""
    message = (f"Exception encountered when calling {display_name}.\n\n"
               f"\x1b[1m{message}\x1b[0m\n\n"
               f"Arguments received by {display_name}:\n" + "\n".join(lines))
    new: Exception | None = None
    if isinstance(exc, errors.OpError):
        try:
            new = exc.__class__(exc.node_def, exc.op, message, exc.error_code)
            new.message = message  # the whole text; never read as an eager kernel's
        except TypeError:
            new = None
    if new is None:
        try:
            new = exc.__class__(message)
        except TypeError:  # an exception class with a constructor of its own
            new = RuntimeError(message)
    new._keras_call_info_injected = True
    return new
