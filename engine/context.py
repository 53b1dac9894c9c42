"""Who is watching ops right now: active tapes, the debugger hook, a graph being traced.

The op dispatch reads ``STATE.observed`` once per op; everything else here is touched
only when that flag is set, so an op nobody watches pays one attribute check.
"""

from __future__ import annotations

from typing import Any


class ExecutionState:
    """Process-wide dispatch state (the engine is single-threaded, like a Python script)."""

    __slots__ = ("observed", "tapes", "hook", "graph", "scopes")

    def __init__(self) -> None:
        self.observed = False
        self.tapes: list[Any] = []  # GradientTapes recording now, innermost last
        self.hook: Any = None  # engine.debug probe, when attached
        self.graph: Any = None  # graph under construction by tf.function's tracer
        self.scopes: list[str] = []  # tf.name_scope stack; Keras layers push their names

    def refresh(self) -> None:
        """Recompute ``observed`` after a tape, hook or tracer came or went."""
        self.observed = bool(self.tapes) or self.hook is not None or self.graph is not None


STATE = ExecutionState()


def executing_eagerly() -> bool:
    """True outside a traced ``tf.function``, False while one is being traced."""
    return STATE.graph is None


class name_scope:  # noqa: N801 - TensorFlow's name
    """``tf.name_scope``: ops traced inside are grouped under ``name`` (a graph cluster)."""

    def __init__(self, name: str) -> None:
        self.name = str(name).rstrip("/")

    def __enter__(self) -> str:
        STATE.scopes.append(self.name)
        return "/".join(STATE.scopes) + "/"

    def __exit__(self, *exc: object) -> None:
        STATE.scopes.pop()


def current_scope() -> str:
    return "/".join(STATE.scopes)


def set_hook(hook: Any) -> Any:
    """Attach (or with ``None`` detach) the debugger's hook; returns the previous one."""
    previous = STATE.hook
    STATE.hook = hook
    STATE.refresh()
    return previous
