"""Breakpoints: where the debuggee stops on its own.

Five kinds, all judged from the event stream (``debugger.events``) so the GUI, the
CLI and the tests mean the same thing by each:

- ``op_type``: an op of this type ran (``"MatMul"``).
- ``op_name``: an op whose name, or scope/name, matches an ``fnmatch`` pattern
  (``"dense_1/*"``).
- ``line``: an op ran on this source line (``file`` is a basename, a relative tail or an
  absolute path). Several ops on one line stop once, at the first of them.
- ``nan`` ("First NaN/Inf"): the first op (or tape.gradient) of the run whose output holds
  NaN or Inf. It stops once per run: bad values spread to every later op, and stopping at
  each of them says nothing new.
- ``nan_origin`` ("Each new NaN/Inf origin"): an op whose output holds NaN or Inf while
  every input is finite — each place bad values are born, however many there are. Inputs
  are judged by what the run reported of them (earlier op outputs, variable updates).
- ``condition``: a Python expression over ``x`` (the op's first output as a numpy array)
  and ``np`` is true, e.g. ``abs(x).max() > 1e3``. It may name only those and a few safe
  builtins; a condition that raises is disabled (its ``error`` says why) and reported once
  instead of stopping every op.
"""

from __future__ import annotations

import ast
import builtins
import fnmatch
import functools
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

KINDS = ("op_type", "op_name", "line", "nan", "nan_origin", "condition")
NAN_KINDS = ("nan", "nan_origin")  # kinds that need NaN/Inf summaries

ValueGetter = Callable[[dict], "np.ndarray | None"]

# The names a condition may use besides x and np. Not a security boundary (whoever types a
# condition runs the script anyway): it keeps a slip from touching files or the process.
CONDITION_BUILTINS = frozenset((
    "abs", "all", "any", "bool", "float", "int", "len", "max", "min", "round", "sum", "range",
    "isinstance", "tuple", "list", "True", "False", "None"))


class ConditionError(ValueError):
    """A breakpoint condition that does not compile or that raised on a value."""


def _compile_condition(source: str) -> Any:
    """Compile an expression that names only ``x``, ``np``, a few builtins and its own
    comprehension variables, and no dunder attribute.

    The names are checked here rather than by handing ``eval`` a trimmed ``__builtins__``:
    C code (numpy's lazy imports, PySide's import hook) looks things up in the calling
    frame's builtins and breaks without them."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"condition {source!r} is not a Python expression: "
                             f"{exc.msg}") from None
    allowed = set(CONDITION_BUILTINS) | {"x", "np"}
    for node in ast.walk(tree):
        if isinstance(node, ast.comprehension):
            allowed |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        if isinstance(node, (ast.Lambda, ast.NamedExpr)):
            raise ConditionError(f"condition {source!r} may not define functions or names")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise ConditionError(f"condition {source!r} may not use {node.attr!r}")
        if isinstance(node, ast.Name) and node.id not in allowed:
            raise ConditionError(f"condition {source!r} may only name x, np and "
                                 f"{', '.join(sorted(CONDITION_BUILTINS))}, not {node.id!r}")
    return compile(tree, "<breakpoint condition>", "eval")


@functools.lru_cache(maxsize=256)
def _canonical(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


def same_source_file(event_file: str, wanted: str) -> bool:
    """Whether an event's file is the breakpoint's: same path, or ending with its tail."""
    if not event_file or not wanted:
        return False
    if os.path.isabs(wanted):
        return _canonical(event_file) == _canonical(wanted)
    tail = os.path.normcase(os.path.normpath(wanted))
    here = _canonical(event_file)
    return here == tail or here.endswith(os.sep + tail)


def bad_outputs(event: dict) -> list[bool]:
    """Per output of an op event, whether its summary saw NaN/Inf (False when unknown)."""
    return [bool(s is not None and s.get("bad")) for s in event.get("summary") or ()]


def holds_nan_or_inf(event: dict) -> bool:
    """Whether an op's outputs or a tape.gradient's gradients hold NaN/Inf (by summaries)."""
    kind = event.get("kind")
    if kind == "op":
        return any(s is not None and s.get("bad") for s in event.get("summary") or ())
    if kind == "gradient":
        return any(s.get("summary") is not None and s["summary"].get("bad")
                   for s in event.get("sources") or ())
    return False


@dataclass
class Breakpoint:
    """One breakpoint. Build it with the class methods (``Breakpoint.at_line("t.py", 9)``)."""

    kind: str
    pattern: str = ""  # op_type: the type; op_name: an fnmatch pattern
    file: str = ""  # line: basename, relative tail or absolute path
    line: int = 0
    condition: str = ""  # condition: expression over x and np
    enabled: bool = True
    id: int = 0
    hits: int = 0
    error: str = ""  # why it was switched off (a condition that raised), for the user
    _code: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown breakpoint kind {self.kind!r}; choose from {KINDS}")
        if self.kind in ("op_type", "op_name") and not self.pattern:
            raise ValueError(f"a {self.kind} breakpoint needs a pattern")
        if self.kind == "line" and (not self.file or int(self.line) <= 0):
            raise ValueError("a line breakpoint needs a file and a line number >= 1")
        if self.kind == "condition":
            self._code = _compile_condition(self.condition)
        self.line = int(self.line)

    # -- construction -----------------------------------------------------------------------------
    @classmethod
    def on_op_type(cls, op_type: str) -> Breakpoint:
        return cls("op_type", pattern=op_type)

    @classmethod
    def on_op_name(cls, pattern: str) -> Breakpoint:
        return cls("op_name", pattern=pattern)

    @classmethod
    def at_line(cls, file: str, line: int) -> Breakpoint:
        return cls("line", file=str(file), line=line)

    @classmethod
    def on_nan(cls) -> Breakpoint:
        return cls("nan")

    @classmethod
    def on_nan_origin(cls) -> Breakpoint:
        return cls("nan_origin")

    @classmethod
    def when(cls, condition: str) -> Breakpoint:
        return cls("condition", condition=condition)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.pop("_code", None)
        return data

    @classmethod
    def from_dict(cls, data: dict) -> Breakpoint:
        known = {f.name for f in fields(cls) if f.init}
        return cls(**{k: v for k, v in data.items() if k in known})

    # -- judging events ---------------------------------------------------------------------------
    def matches(self, event: dict, value_getter: ValueGetter | None = None) -> bool:
        """Whether this breakpoint fires at ``event`` (``enabled`` is the caller's concern).

        The NaN kinds say only whether the event holds NaN/Inf here: what the run saw
        before (a first NaN already stopped at, bad inputs) is ``BreakpointSet``'s to judge.
        ``value_getter(event)`` gives the op's first output; it is only called for
        conditions, so the other kinds never touch values. Raises ``ConditionError``."""
        kind = event.get("kind")
        if self.kind == "nan":
            return holds_nan_or_inf(event)
        if kind != "op":
            return False
        if self.kind == "nan_origin":
            return holds_nan_or_inf(event)
        if self.kind == "op_type":
            return event.get("op") == self.pattern
        if self.kind == "op_name":
            name = event.get("name") or ""
            scope = event.get("scope") or ""
            return (fnmatch.fnmatchcase(name, self.pattern)
                    or bool(scope) and fnmatch.fnmatchcase(f"{scope}/{name}", self.pattern))
        if self.kind == "line":
            return event.get("line") == self.line and same_source_file(event.get("file", ""),
                                                                       self.file)
        return self._condition_holds(event, value_getter)

    def _condition_holds(self, event: dict, value_getter: ValueGetter | None) -> bool:
        value = value_getter(event) if value_getter is not None else None
        if value is None:
            return False
        namespace = {"__builtins__": builtins, "np": np, "x": np.asarray(value)}
        try:
            with np.errstate(all="ignore"):
                return bool(eval(self._code, namespace))  # noqa: S307 - vetted expression
        except Exception as exc:  # any error in user-written code is the user's to see
            raise ConditionError(f"breakpoint {self.id} condition {self.condition!r} raised "
                                 f"{type(exc).__name__}: {exc} (at op {event.get('op')} "
                                 f"seq {event.get('seq')}); breakpoint disabled") from None


class BreakpointSet:
    """The debuggee's breakpoints, judged event by event (not thread-safe: script thread).

    What the run has seen survives ``replace`` (editing breakpoints mid-run): which "First
    NaN/Inf" breakpoints already stopped, and which tensors and variables hold NaN/Inf."""

    def __init__(self, breakpoints: Iterable[Breakpoint] = (),
                 on_error: Callable[[Breakpoint, str], None] | None = None) -> None:
        self.on_error = on_error
        self.items: list[Breakpoint] = []
        # ids of tensors and variables known to hold NaN/Inf: an op's bad output, a bad
        # variable update; forgotten when the id next shows up healthy (ids get reused)
        self._bad_ids: set[int] = set()
        self._first_nan_done: set[int] = set()  # "nan" breakpoints (by id) that stopped
        self.replace(breakpoints)

    def replace(self, breakpoints: Iterable[Breakpoint]) -> None:
        self.items = list(breakpoints)
        self._previous_location: tuple[str, int] | None = None

    def __bool__(self) -> bool:
        return any(bp.enabled for bp in self.items)

    @property
    def wants_health(self) -> bool:
        """A NaN breakpoint needs NaN/Inf summaries even when the mode has none."""
        return any(bp.enabled and bp.kind in NAN_KINDS for bp in self.items)

    def check(self, event: dict, value_getter: ValueGetter | None = None) -> Breakpoint | None:
        """The breakpoint that fires at ``event`` (its ``hits`` counted), or None.

        Give it every op, gradient and variable_update event, in order."""
        kind = event.get("kind")
        if kind == "variable_update":
            self._note_variable(event)
            return None
        location = (event.get("file", ""), event.get("line", 0))
        is_op = kind == "op"
        health = self.wants_health
        bad = health and holds_nan_or_inf(event)
        fired = None
        for bp in self.items:
            if not bp.enabled:
                continue
            if bp.kind == "line" and location == self._previous_location:
                continue  # still the same line as the previous op
            if bp.kind == "nan" and (not bad or bp.id in self._first_nan_done):
                continue
            if bp.kind == "nan_origin" and (not bad or not is_op or any(
                    i in self._bad_ids for i in event.get("inputs", ()))):
                continue
            try:
                hit = bp.matches(event, value_getter)
            except ConditionError as exc:
                bp.enabled = False
                bp.error = str(exc)
                if self.on_error is not None:
                    self.on_error(bp, str(exc))
                continue
            if hit:
                fired = bp
                break
        if is_op:
            self._previous_location = location
            if health:
                self._note_outputs(event)
        if fired is not None:
            fired.hits += 1
            if fired.kind == "nan":
                self._first_nan_done.add(fired.id)
        return fired

    def _note_outputs(self, event: dict) -> None:
        for tensor_id, bad in zip(event.get("outputs", ()), bad_outputs(event)):
            if bad:
                self._bad_ids.add(tensor_id)
            else:
                self._bad_ids.discard(tensor_id)

    def _note_variable(self, event: dict) -> None:
        summary = event.get("summary")
        if summary is None:
            return
        if summary.get("bad"):
            self._bad_ids.add(event.get("id"))
        else:
            self._bad_ids.discard(event.get("id"))
