"""``tf.summary``: scalars a script logs for the debugger's plots (TensorBoard's API)."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.context import STATE


def scalar(name: str, data: Any, step: int | None = None, description: str | None = None) -> bool:
    """Log a scalar; returns True when a debugger received it (as TensorFlow returns whether
    a default writer was there)."""
    hook = STATE.hook
    if hook is None:
        return False
    value = float(np.asarray(getattr(data, "_value", data)))
    hook.scalar(str(name), value, None if step is None else int(np.asarray(
        getattr(step, "_value", step))))
    return True
