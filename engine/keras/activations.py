"""Activation functions by name (``tf.keras.activations``), all built from engine ops."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.ops import math_ops, nn_ops
from engine.tensor import Tensor


def linear(x: Any) -> Any:
    return x


def relu(x: Any, alpha: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> Tensor:
    """max(x, 0); with ``alpha`` leaky below the threshold, capped at ``max_value``."""
    if alpha == 0 and max_value is None and threshold == 0:
        return nn_ops.relu(x)
    if alpha == 0 and max_value == 6 and threshold == 0:
        return nn_ops.relu6(x)
    below = math_ops.multiply(math_ops.subtract(x, threshold), alpha)
    out = math_ops.where(math_ops.greater(x, threshold), x, below if alpha else
                         math_ops.zeros_like(x))
    if max_value is not None:
        out = math_ops.minimum(out, max_value)
    return out


def relu6(x: Any) -> Tensor:
    return nn_ops.relu6(x)


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    return nn_ops.leaky_relu(x, alpha=negative_slope)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    out = nn_ops.elu(x)
    if alpha == 1.0:
        return out
    return math_ops.where(math_ops.greater(x, 0), out, math_ops.multiply(out, alpha))


def gelu(x: Any, approximate: bool = False) -> Tensor:
    return nn_ops.gelu(x, approximate=approximate)


def sigmoid(x: Any) -> Tensor:
    return nn_ops.sigmoid(x)


def hard_sigmoid(x: Any) -> Tensor:
    """clip(0.2·x + 0.5, 0, 1), Keras 2's piecewise-linear sigmoid."""
    return math_ops.clip_by_value(math_ops.add(math_ops.multiply(x, 0.2), 0.5), 0.0, 1.0)


def tanh(x: Any) -> Tensor:
    return nn_ops.tanh(x)


def softmax(x: Any, axis: int = -1) -> Tensor:
    return nn_ops.softmax(x, axis=axis)


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    return nn_ops.log_softmax(x, axis=axis)


def softplus(x: Any) -> Tensor:
    return nn_ops.softplus(x)


def softsign(x: Any) -> Tensor:
    return math_ops.divide(x, math_ops.add(math_ops.abs(x), 1))


def swish(x: Any) -> Tensor:
    return nn_ops.silu(x)


def exponential(x: Any) -> Tensor:
    return math_ops.exp(x)


silu = swish

_BY_NAME: dict[str, Callable[..., Any]] = {
    "linear": linear, "relu": relu, "relu6": relu6, "leaky_relu": leaky_relu, "elu": elu,
    "gelu": gelu, "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid, "tanh": tanh,
    "softmax": softmax, "log_softmax": log_softmax, "softplus": softplus,
    "softsign": softsign, "swish": swish, "silu": silu, "exponential": exponential,
}


def get(identifier: Any) -> Callable[..., Any]:
    """The activation for a name, a callable, or None (linear)."""
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier.lower())
        if fn is None:
            raise ValueError(f"Unknown activation function: '{identifier}'. Please ensure you "
                             f"are using a `keras.utils.custom_object_scope` and that this object "
                             f"is included in the scope. Known: {sorted(_BY_NAME)}")
        return fn
    if isinstance(identifier, dict):
        return get(identifier.get("config", identifier.get("class_name")))
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret activation function identifier: {identifier!r}")


def serialize(activation: Callable[..., Any]) -> str:
    """The activation's name for ``get_config`` (a layer's callable must be a known one)."""
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return name
    name = getattr(activation, "__name__", None)
    if name in _BY_NAME:
        return name
    raise ValueError(f"Cannot serialize activation {activation!r}: only the named Keras "
                     "activations can be saved in a model config.")
