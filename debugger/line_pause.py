"""Pausing a script that runs no engine ops: at its next line of Python, in any thread.

The probe pauses at the script's next event, and a loop in pure Python makes none. So a pause
request also reaches the script's threads between two lines:
- The main thread is signalled (``PAUSE_SIGNAL``); the handler, which Python runs in that
  thread between two bytecodes, installs a trace function there (``sys.settrace`` plus
  ``f_trace`` on the frames already running, as ``pdb.set_trace`` does). Tracing costs only
  between the request and the pause.
- A signal handler runs in the main thread only, and Python 3.11 has no way to make another
  thread trace (3.12's ``threading.settrace_all_threads``); a hook in every thread from its
  start (``threading.settrace``) would do, but any trace function, even a C no-op, makes a
  thread's pure Python ~5x slower for the whole run. So a request gives each other thread
  running the script's code a C trace function through CPython's ``_PyEval_SetTrace`` on
  its thread state (what 3.12 does for all threads): it costs only until the pause, and each
  thread takes it off itself at its next event once no pause is pending.
The first ``line`` event in the user's code, in whichever thread, pauses.

Where this cannot work, ``request`` says why and the pause waits for the next op: a script
not in the main thread, a ``PAUSE_SIGNAL`` or a trace function of the script's own
(coverage, another debugger) where the script's code runs, an interpreter without
``_PyEval_SetTrace``.
"""

from __future__ import annotations

import ctypes
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

PAUSE_SIGNAL = signal.SIGUSR2

PY_TRACE_LINE = 2  # Python's PyTrace_LINE
# Py_tracefunc: (obj, frame, what, arg) -> 0
TRACE_FUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.py_object, ctypes.c_int,
                              ctypes.c_void_p)


def _thread_state_api() -> tuple[object | None, str]:
    """CPython's C API for tracing another thread (ctypes), or None and why not."""
    api = getattr(ctypes, "pythonapi", None)
    if sys.implementation.name != "cpython" or api is None \
            or not hasattr(api, "_PyEval_SetTrace"):
        return None, "this Python cannot trace another thread"
    pointer = ctypes.c_void_p
    for name, argtypes, restype in (
            ("PyInterpreterState_Get", [], pointer),
            ("PyInterpreterState_ThreadHead", [pointer], pointer),
            ("PyThreadState_Next", [pointer], pointer),
            ("PyThreadState_GetFrame", [pointer], ctypes.py_object),
            ("_PyEval_SetTrace", [pointer, pointer, pointer], ctypes.c_int)):
        function = getattr(api, name)
        function.argtypes, function.restype = argtypes, restype
    return api, ""


class LinePause:
    """Pause the script at its next line, in a file ``is_user_file`` accepts, in any thread."""

    def __init__(self, pause_at: Callable[[str, int], None],
                 is_user_file: Callable[[str], bool]) -> None:
        self.pause_at = pause_at
        self.is_user_file = is_user_file
        self._requested = False
        self._tracing = False
        self._thread: int | None = None
        self._claim = threading.Lock()  # one thread pauses per request
        self.unavailable = "not installed"
        self._api, self._no_api = _thread_state_api()
        self._c_trace = TRACE_FUNC(self._thread_trace)  # kept: C holds a pointer to it

    def install(self) -> None:
        """Take ``PAUSE_SIGNAL`` (main thread, before the script runs)."""
        if threading.current_thread() is not threading.main_thread():
            self.unavailable = "the script does not run in the main thread"
            return
        if not hasattr(signal, "pthread_kill"):
            self.unavailable = "this platform cannot signal a thread"
            return
        signal.signal(PAUSE_SIGNAL, self._on_signal)
        self._thread = threading.main_thread().ident

    def request(self) -> str | None:
        """Ask for a pause at the next line (any thread); why not, when a thread running the
        script's code cannot be reached (or none can)."""
        if self._thread is None:
            return self.unavailable
        main_ok = signal.getsignal(PAUSE_SIGNAL) == self._on_signal
        self._requested = True
        unreachable = self._trace_threads()
        if main_ok:
            signal.pthread_kill(self._thread, PAUSE_SIGNAL)
        why = [] if main_ok else [f"the script handles {PAUSE_SIGNAL.name} itself"]
        why += unreachable
        return "; ".join(why) or None

    def _trace_threads(self) -> list[str]:
        """Trace every thread but the main one that runs the script's code; why each one
        that cannot be traced is not."""
        why = []
        names = {t.ident: t.name for t in threading.enumerate()}
        me = threading.get_ident()
        targets = {}  # the top frame of each thread to trace -> its name
        for ident, top in sys._current_frames().items():
            if ident in (self._thread, me):
                continue
            stack = []
            frame: FrameType | None = top
            while frame is not None:
                stack.append(frame)
                frame = frame.f_back
            if not any(self.is_user_file(f.f_code.co_filename) for f in stack):
                continue  # not the script's (the debugger's own threads)
            name = names.get(ident, ident)
            if self._api is None:
                why.append(f"thread {name!r}: {self._no_api}")
            elif threading.gettrace() is not None:
                why.append(f"thread {name!r} runs under a trace function of the script's own "
                           "(threading.settrace)")
            elif any(f.f_trace not in (None, self._trace) for f in stack):
                why.append(f"thread {name!r} traces itself (coverage or another debugger)")
            else:
                targets[id(top)] = top
        if targets:
            self._set_thread_traces(targets)
        return why

    def _set_thread_traces(self, tops: dict[int, FrameType]) -> None:
        """Give the threads whose current frames are ``tops`` our C trace function. The
        walk over thread states runs with thread switches held off: a thread that ended
        meanwhile would leave a dangling state behind."""
        api: Any = self._api
        interval = sys.getswitchinterval()
        sys.setswitchinterval(100.0)
        try:
            state = api.PyInterpreterState_ThreadHead(api.PyInterpreterState_Get())
            while state:
                try:
                    frame = api.PyThreadState_GetFrame(state)
                except ValueError:  # a thread with no frame
                    frame = None
                if frame is not None and tops.get(id(frame)) is frame:
                    api._PyEval_SetTrace(state, ctypes.cast(self._c_trace, ctypes.c_void_p),
                                         None)
                state = api.PyThreadState_Next(state)
        finally:
            sys.setswitchinterval(interval)

    def _thread_trace(self, obj: int | None, frame: FrameType, what: int,
                      arg: int | None) -> int:
        """The other threads' C trace function: pause at a user line, or once no pause is
        pending, take itself off this thread."""
        try:
            if not self._requested:
                sys.settrace(None)
            elif what == PY_TRACE_LINE and self.is_user_file(frame.f_code.co_filename):
                self._pause_here(frame)
        except Exception:  # noqa: BLE001 - a tracer must not raise into the script
            pass
        return 0

    def _pause_here(self, frame: FrameType) -> None:
        if not self._claim.acquire(blocking=False):
            return  # another thread is pausing now
        try:
            if self._requested:
                self.pause_at(frame.f_code.co_filename, frame.f_lineno)
        finally:
            self._claim.release()

    def cancel(self) -> None:
        """No pause pending any more (the probe paused, or the run ends): stop tracing (the
        other threads take their tracer off at their next event)."""
        self._requested = False
        if self._tracing and threading.get_ident() == self._thread:
            self._stop_main_tracing()

    def _stop_main_tracing(self) -> None:
        self._tracing = False
        sys.settrace(None)
        frame: FrameType | None = sys._getframe()
        while frame is not None:
            if frame.f_trace == self._trace:
                frame.f_trace = None
            frame = frame.f_back

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        if not self._requested or self._tracing or sys.gettrace() is not None:
            return  # nothing asked, or already on it, or the script traces itself
        self._tracing = True
        while frame is not None:
            frame.f_trace = self._trace
            frame = frame.f_back
        sys.settrace(self._trace)

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if not self._requested:
            if self._tracing and threading.get_ident() == self._thread:
                self._stop_main_tracing()  # the pause came elsewhere: untrace this thread
            return None
        if event == "line" and self.is_user_file(frame.f_code.co_filename):
            self._pause_here(frame)
            # What we return becomes this frame's f_trace: a pause asked for while we were
            # paused (the signal came as we resumed) needs it to stay.
            return self._trace if self._requested or self._tracing else None
        return self._trace
