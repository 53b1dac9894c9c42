"""Who is watching ops right now: active tapes, the debugger hook, a graph being traced.

The op dispatch reads ``STATE.observed`` once per op; everything else here is touched
only when that flag is set, so an op nobody watches pays one attribute check.
"""

from __future__ import annotations

import os
import sys
from types import FrameType, TracebackType
from typing import Any


class ExecutionState:
    """Process-wide dispatch state (the engine is single-threaded, like a Python script)."""

    __slots__ = ("observed", "tapes", "hook", "op_hook", "graph", "scopes", "user_site",
                 "numerics_check", "dry_run")

    def __init__(self) -> None:
        self.observed = False
        self.tapes: list[Any] = []  # GradientTapes recording now, innermost last
        self.hook: Any = None  # debugger probe, when attached
        self.op_hook: Any = None  # the hook when it wants op events (a tape alone is no reason)
        self.graph: Any = None  # graph under construction by tf.function's tracer
        self.scopes: list[str] = []  # tf.name_scope stack; Keras layers push their names
        # The user's (file, line) while engine code alone runs ops on their behalf (the
        # backward pass of tape.gradient, with a hook watching): no stack walk per op.
        self.user_site: tuple[str, int] | None = None
        # tf.debugging.enable_check_numerics: called with (op, inputs, outputs) after each
        # eager op, to raise at the first NaN/Inf
        self.numerics_check: Any = None
        # True while a traced loop runs at trace time for its values: compiled assignments,
        # optimizer steps and prints belong to the graph's runs, not to its trace
        self.dry_run = False

    def refresh(self) -> None:
        """Recompute ``observed`` after a tape, hook or tracer came or went."""
        hook_wants_ops = self.hook is not None and self.hook.wants_ops
        self.op_hook = self.hook if hook_wants_ops else None
        self.observed = (bool(self.tapes) or hook_wants_ops or self.graph is not None
                         or self.numerics_check is not None)

    def swapped(self, **fields: Any) -> StateSwap:
        """``with STATE.swapped(tapes=[], graph=builder):`` — these fields set for a block,
        restored after it (``observed`` recomputed both times). The one way engine code
        hides tapes, a tracer or the debugger from the ops it runs on the user's behalf."""
        return StateSwap(self, fields)


_LIST_FIELDS = frozenset({"tapes", "scopes"})
_SETTABLE = frozenset(ExecutionState.__slots__) - {"observed", "op_hook"}  # (derived)


class StateSwap:
    """The context manager of :meth:`ExecutionState.swapped`. List fields (``tapes``,
    ``scopes``) get the new items in the same list object and their own items back, so
    code holding the list sees every change."""

    __slots__ = ("state", "fields", "saved")

    def __init__(self, state: ExecutionState, fields: dict[str, Any]) -> None:
        if not _SETTABLE.issuperset(fields):
            raise TypeError(f"STATE.swapped: no settable field {sorted(fields.keys() - _SETTABLE)} "
                            f"(fields: {', '.join(sorted(_SETTABLE))})")
        self.state = state
        self.fields = fields

    def __enter__(self) -> ExecutionState:
        state = self.state
        saved = []
        for name, value in self.fields.items():
            current = getattr(state, name)
            if name in _LIST_FIELDS:
                saved.append((name, current, current.copy()))
                current[:] = value
            else:
                saved.append((name, current, None))
                setattr(state, name, value)
        self.saved = saved
        state.refresh()
        return state

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        state = self.state
        for name, current, items in self.saved:
            if items is not None:  # a list field: its own object, its own items
                current[:] = items
            setattr(state, name, current)
        state.refresh()


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


class device:  # noqa: N801 - TensorFlow's name
    """``tf.device``: where ops run. The engine has one device, the CPU; TensorFlow places
    ops for a device it lacks (``GPU:0`` on a CPU-only machine) on the CPU too, silently."""

    def __init__(self, device_name: str | None) -> None:
        self.device_name = device_name

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def current_scope() -> str:
    return "/".join(STATE.scopes)


# The engine's folder, as code objects name their files (imported paths, links not resolved).
ENGINE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")
# Folders whose code is never the user's: the engine's, and those of tools built on it that
# asked (``add_internal_dir``: the debugger's probe is not the user's code either).
_INTERNAL_DIRS: tuple[str, ...] = (ENGINE_DIR,)
_IS_ENGINE_FILE: dict[str, bool] = {}


def add_internal_dir(path: str) -> None:
    """Count code under folder ``path`` as internal (never the user's) from now on: the
    seam through which a layer above the engine (the debugger) names its own folder."""
    global _INTERNAL_DIRS
    folder = os.path.join(os.path.abspath(path), "")
    if folder not in _INTERNAL_DIRS:
        _INTERNAL_DIRS = (*_INTERNAL_DIRS, folder)
        _IS_ENGINE_FILE.clear()


def is_engine_file(filename: str) -> bool:
    """Whether code of ``filename`` is the engine's (or a folder ``add_internal_dir`` named)
    or a graph compiled from a trace (``<tf.function …>``): not the user's. Cached: the
    probe asks per op."""
    inside = _IS_ENGINE_FILE.get(filename)
    if inside is None:
        inside = _IS_ENGINE_FILE[filename] = (
            filename.startswith("<tf.function") if filename.startswith("<")
            else os.path.abspath(filename).startswith(_INTERNAL_DIRS))
    return inside


def user_code_frame(frame: FrameType | None) -> FrameType | None:
    """The innermost frame from ``frame`` outwards that is not engine code (nor a graph
    compiled from a trace): the user's. One walk for every "where in the user's code"
    question (the probe asks it per op, hence the per-file cache)."""
    while frame is not None:
        filename = frame.f_code.co_filename
        inside = _IS_ENGINE_FILE.get(filename)  # is_engine_file's cache, inline: per op
        if inside is None:
            inside = is_engine_file(filename)
        if not inside:
            return frame
        frame = frame.f_back
    return None


def user_frame(depth: int = 2) -> tuple[str, int]:
    """(file, line) of the innermost frame outside the engine: where the user called us."""
    frame = user_code_frame(sys._getframe(depth))
    return ("", 0) if frame is None else (frame.f_code.co_filename, frame.f_lineno)


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes ``warnings.warn`` (called by the caller of this function)
    name the user's line, however deep inside the engine the warning is raised."""
    caller = sys._getframe(1)  # level 1: the caller, which calls warnings.warn
    user = user_code_frame(caller)
    level, frame = 1, caller
    while frame is not None and frame is not user:
        frame, level = frame.f_back, level + 1
    return level


class Hook:
    """What the engine calls on an attached debugger hook (all no-ops here; subclass it).

    Every call the engine makes is declared here and made directly, so ``set_hook`` takes
    only a ``Hook``. ``wants_ops`` False means: don't send ops — eager ops and compiled
    graphs then run at full speed, and only the other calls below arrive.
    """

    wants_ops = True
    # The traced graph's node whose op runs now, while a graph runs op by op (set by the
    # executor before each node; a nested graph's op comes as an ``executor.NestedNode``).
    graph_node: Any = None

    def op_executed(self, op: Any, inputs: tuple, outputs: tuple, attrs: dict,
                    duration: float) -> None:
        """One op ran (eager, or a traced graph's op when a graph runs observed)."""

    def enter_graph(self, graph_id: int) -> None:
        """A traced graph starts running op by op; ``exit_graph`` follows."""

    def exit_graph(self) -> None:
        """The graph entered last finished."""

    def graph_executed(self, concrete: Any, duration: float) -> None:
        """A compiled graph ran as one call (no per-op events)."""

    def run_graph(self, concrete: Any, arrays: list) -> tuple | None:
        """Run the traced function ``concrete`` on ``arrays`` the hook's own way (e.g. built
        with an ``executor.Instrument``) and return its output arrays, or None to let the
        engine run it (op by op if the hook wants ops, else compiled). Asked only when no
        tape or tracer needs the graph's ops."""
        return None

    def graph_traced(self, concrete: Any, function: str, count: int, reason: str) -> None:
        """``tf.function`` traced ``function`` (again, for ``reason``)."""

    def variable_created(self, var: Any) -> None:
        """A Variable was made."""

    def variable_updated(self, var: Any, action: str, delta: Any = None) -> None:
        """A Variable's value changed (assign*, or an optimizer named by ``action``);
        ``delta``, when given, is what was subtracted from it."""

    def optimizer_step(self, optimizer: Any, step: int) -> None:
        """An optimizer applied one update: a training step ended."""

    def gradient_computed(self, tape: Any, targets: list, sources: list, grads: list,
                          reasons: dict, site: tuple[str, int] | None = None) -> None:
        """``tape.gradient`` returned; ``reasons`` explains each None by source index;
        ``site`` is the user's (file, line) of the call when it was traced into a graph."""

    def dataset_next(self, dataset: Any, index: int) -> None:
        """A dataset iterator produced element ``index``."""

    def check_numerics(self, enabled: bool) -> bool:
        """The script called ``tf.debugging.enable_check_numerics()`` (or ``disable_``).
        True: the debugger stops at the first NaN/Inf itself, so ops need not raise."""
        return False

    def dataset_epoch_end(self, dataset: Any) -> None:
        """A dataset iterator was exhausted."""

    def fit_event(self, kind: str, **info: Any) -> None:
        """``Model.fit`` progress: train_begin/epoch_begin/batch_end/epoch_end/train_end."""

    def scalar(self, name: str, value: float, step: int | None, axis: str | None = None) -> None:
        """``tf.summary.scalar`` was called."""


def set_hook(hook: Hook | None) -> Hook | None:
    """Attach (or with ``None`` detach) the debugger's hook; returns the previous one."""
    if hook is not None and not isinstance(hook, Hook):
        raise TypeError(f"set_hook needs an engine.context.Hook (subclass it: the engine calls "
                        f"every method it declares), got {type(hook).__name__}")
    previous = STATE.hook
    STATE.hook = hook
    STATE.refresh()
    return previous
