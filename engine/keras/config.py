"""``tf.keras.config``: the switch for Keras' error decoration (traceback filtering)."""

from __future__ import annotations

_FILTERING = [True]


def enable_traceback_filtering() -> None:
    """Let a layer's call errors name the layer and its arguments again (Keras' default)."""
    _FILTERING[0] = True


def disable_traceback_filtering() -> None:
    """Raise errors from a layer's ``call`` exactly as raised, as Keras 3 does when its
    traceback filtering is off."""
    _FILTERING[0] = False


def is_traceback_filtering_enabled() -> bool:
    return _FILTERING[0]
