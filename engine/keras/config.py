"""``tf.keras.config``: the switch for Keras' error decoration (traceback filtering), and
the float type and fuzz factor (``engine.keras.backend``'s)."""

from __future__ import annotations

from engine.keras.backend import epsilon, floatx, set_epsilon, set_floatx  # noqa: F401

_FILTERING = [True]


def enable_traceback_filtering() -> None:
    """Let a layer's call errors name the layer and its arguments again (Keras' default)."""
    _FILTERING[0] = True


def disable_traceback_filtering() -> None:
    """Raise errors from a layer's ``call`` exactly as raised, as Keras 3 does when its
    traceback filtering is off."""
    _FILTERING[0] = False


def is_traceback_filtering_enabled() -> bool:
    """Whether a layer's call errors are decorated (``enable_traceback_filtering``)."""
    return _FILTERING[0]


def backend() -> str:
    """The backend Keras runs on: TensorFlow's API, which the engine speaks."""
    return "tensorflow"
