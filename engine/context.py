"""Who is watching ops right now: active tapes, the debugger hook, a graph being traced.

The op dispatch reads ``STATE.observed`` once per op; everything else here is touched
only when that flag is set, so an op nobody watches pays one attribute check.
"""

from __future__ import annotations

from typing import Any


class ExecutionState:
    """Process-wide dispatch state (the engine is single-threaded, like a Python script)."""

    __slots__ = ("observed", "tapes", "hook", "graph", "_paused")

    def __init__(self) -> None:
        self.observed = False
        self.tapes: list[Any] = []  # GradientTapes recording now, innermost last
        self.hook: Any = None  # engine.debug probe, when attached
        self.graph: Any = None  # graph under construction by tf.function's tracer
        self._paused = 0

    def refresh(self) -> None:
        """Recompute ``observed`` after a tape, hook or tracer came or went."""
        self.observed = bool(self.tapes) or self.hook is not None or self.graph is not None


STATE = ExecutionState()


def executing_eagerly() -> bool:
    """True outside a traced ``tf.function``, False while one is being traced."""
    return STATE.graph is None


def set_hook(hook: Any) -> Any:
    """Attach (or with ``None`` detach) the debugger's hook; returns the previous one."""
    previous = STATE.hook
    STATE.hook = hook
    STATE.refresh()
    return previous
