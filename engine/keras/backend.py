"""``tf.keras.backend``: float type, fuzz factor, unique layer names, quiet shape inference."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from engine.context import STATE

_FLOATX = ["float32"]
_EPSILON = [1e-7]
_NAME_UIDS: defaultdict[str, int] = defaultdict(int)


def floatx() -> str:
    """The dtype new layers compute in and create weights with (``"float32"``)."""
    return _FLOATX[0]


def set_floatx(value: str) -> None:
    if value not in ("float16", "float32", "float64"):
        raise ValueError(f"Unknown floatx type: {value!r}")
    _FLOATX[0] = value


def epsilon() -> float:
    """The fuzz factor losses clip probabilities with (1e-7, as Keras)."""
    return _EPSILON[0]


def set_epsilon(value: float) -> None:
    _EPSILON[0] = float(value)


def to_snake_case(name: str) -> str:
    """``Conv2D`` → ``conv2d``, ``BatchNormalization`` → ``batch_normalization`` (Keras' rule)."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    snake = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return snake if snake[0] != "_" else "private" + snake


def unique_object_name(prefix: str, zero_based: bool = True) -> str:
    """``dense``, ``dense_1``, ``dense_2`` … (``input_1``, ``input_2`` when not zero-based)."""
    n = _NAME_UIDS[prefix]
    _NAME_UIDS[prefix] += 1
    if zero_based:
        return prefix if n == 0 else f"{prefix}_{n}"
    return f"{prefix}_{n + 1}"


def clear_session() -> None:
    """Restart layer naming from ``dense``, as ``tf.keras.backend.clear_session`` does."""
    _NAME_UIDS.clear()


def dtype_policy_config(dtype: str) -> dict:
    """A layer's dtype as Keras 3 writes it in a config: a serialized DTypePolicy."""
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype},
            "registered_name": None}


def standardize_dtype(dtype: object) -> str:
    """A dtype name (``"float32"``) from a DType, numpy dtype, string or Keras 3 config of a
    DTypePolicy."""
    if dtype is None:
        return floatx()
    if isinstance(dtype, dict):
        return standardize_dtype(dtype.get("config", {}).get("name"))
    name = getattr(dtype, "name", None)
    if isinstance(name, str) and not isinstance(dtype, np.dtype):
        return name
    return np.dtype(dtype).name


@contextmanager
def unobserved(keep_hook: bool = False) -> Iterator[None]:
    """Run ops that only infer shapes or build weights without tapes or a tracer seeing them.

    ``keep_hook`` leaves the debugger attached, so it still sees the variables created.
    """
    hidden = {"tapes": [], "graph": None} if keep_hook else {
        "tapes": [], "graph": None, "hook": None}
    with STATE.swapped(**hidden):
        yield
