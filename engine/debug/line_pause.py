"""Pausing a script that runs no engine ops: at its next line of Python, in any thread.

The probe pauses at the script's next event, and a loop in pure Python makes none. So a pause
request also reaches the script's threads between two lines:
- The main thread is signalled (``PAUSE_SIGNAL``); the handler, which Python runs in that
  thread between two bytecodes, installs a trace function there (``sys.settrace`` plus
  ``f_trace`` on the frames already running, as ``pdb.set_trace`` does). Tracing costs only
  between the request and the pause.
- Another thread cannot be made to trace from outside on Python 3.11 (no
  ``threading.settrace_all_threads``), and a signal handler runs in the main thread only. So
  every thread the script starts gets a trace hook from its first call on
  (``threading.settrace``) that does nothing (a C no-op: a Python call per function call
  would slow the thread down); a request then sets ``f_trace`` on that thread's running
  frames (``sys._current_frames``), and its next line there pauses.
The first ``line`` event in the user's code, in whichever thread, pauses.

Where this cannot work, ``request`` says why and the pause waits for the next op: a script
not in the main thread, a ``PAUSE_SIGNAL`` or a trace function of the script's own
(coverage, another debugger) in a thread running the script's code, a thread started before
``install``.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

PAUSE_SIGNAL = signal.SIGUSR2

# A trace function that costs no Python frame: int's inherited ``object.__init__`` takes
# and ignores any arguments (int has its own ``__new__``) and returns None, so a thread that
# runs under it pays only the interpreter's C check of each frame's (empty) ``f_trace``.
_NO_OP_TRACE = (0).__init__


class LinePause:
    """Pause the script at its next line, in a file ``is_user_file`` accepts, in any thread."""

    def __init__(self, pause_at: Callable[[str, int], None],
                 is_user_file: Callable[[str], bool]) -> None:
        self.pause_at = pause_at
        self.is_user_file = is_user_file
        self._requested = False
        self._tracing = False
        self._thread: int | None = None
        self._reachable: set[int] = set()  # threads running under _NO_OP_TRACE
        self._claim = threading.Lock()  # one thread pauses per request
        self.unavailable = "not installed"

    def install(self) -> None:
        """Take ``PAUSE_SIGNAL`` and hook the threads the script will start (main thread,
        before the script runs)."""
        if threading.current_thread() is not threading.main_thread():
            self.unavailable = "the script does not run in the main thread"
            return
        if not hasattr(signal, "pthread_kill"):
            self.unavailable = "this platform cannot signal a thread"
            return
        signal.signal(PAUSE_SIGNAL, self._on_signal)
        self._thread = threading.main_thread().ident
        threading.settrace(self._thread_started)

    def _thread_started(self, frame: FrameType, event: str, arg: Any) -> None:
        """A new thread's first call: note it reachable, then trace it at no cost."""
        self._reachable.add(threading.get_ident())
        sys.settrace(_NO_OP_TRACE)

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
        """Set ``f_trace`` on the script's frames in every reachable thread but the main
        one; why each thread running the script's code that cannot be reached is not."""
        why = []
        names = {t.ident: t.name for t in threading.enumerate()}
        me = threading.get_ident()
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
            if ident not in self._reachable:
                why.append(f"thread {name!r} runs under a trace function of the script's "
                           "own (or started before Tapescope)")
                continue
            if any(f.f_trace not in (None, self._trace) for f in stack):
                why.append(f"thread {name!r} traces itself (coverage or another debugger)")
                continue
            for f in stack:
                f.f_trace = self._trace
        return why

    def cancel(self) -> None:
        """No pause pending any more (the probe paused, or the run ends): stop tracing."""
        self._requested = False
        for top in sys._current_frames().values():  # the other threads' frames
            frame: FrameType | None = top
            while frame is not None:
                if frame.f_trace == self._trace:
                    frame.f_trace = None
                frame = frame.f_back
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
            if not self._claim.acquire(blocking=False):
                return self._trace  # another thread is pausing now
            try:
                if self._requested:
                    self.pause_at(frame.f_code.co_filename, frame.f_lineno)
            finally:
                self._claim.release()
            # What we return becomes this frame's f_trace: a pause asked for while we were
            # paused (the signal came as we resumed) needs it to stay.
            return self._trace if self._requested or self._tracing else None
        return self._trace
