"""Pausing a script that runs no engine ops: at its next line of Python.

The probe pauses at the script's next event, and a loop in pure Python makes none. So a pause
request also signals the main thread (``PAUSE_SIGNAL``); the handler, which Python runs in
that thread between two bytecodes, installs a trace function there (``sys.settrace`` plus
``f_trace`` on the frames already running, as ``pdb.set_trace`` does), and the first ``line``
event in the user's code pauses. Tracing costs only between the request and the pause.

Python 3.11 has no ``sys.monitoring``; this needs the script in the main thread (the debuggee
runs it there), a free ``PAUSE_SIGNAL`` and no trace function of the script's own (coverage,
another debugger) — otherwise ``request`` says why and the pause waits for the next op.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

PAUSE_SIGNAL = signal.SIGUSR2


class LinePause:
    """Pause the main thread at its next line in a file ``is_user_file`` accepts."""

    def __init__(self, pause_at: Callable[[str, int], None],
                 is_user_file: Callable[[str], bool]) -> None:
        self.pause_at = pause_at
        self.is_user_file = is_user_file
        self._requested = False
        self._tracing = False
        self._thread: int | None = None
        self.unavailable = "not installed"

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
        """Ask for a pause at the next line (any thread); why not, when it cannot be done."""
        if self._thread is None:
            return self.unavailable
        if signal.getsignal(PAUSE_SIGNAL) != self._on_signal:
            return f"the script handles {PAUSE_SIGNAL.name} itself"
        self._requested = True
        signal.pthread_kill(self._thread, PAUSE_SIGNAL)
        return None

    def cancel(self) -> None:
        """No pause pending any more (the probe paused, or the run ends): stop tracing."""
        self._requested = False
        if self._tracing and threading.get_ident() == self._thread:
            self._tracing = False
            sys.settrace(None)
            frame: FrameType | None = sys._getframe()
            while frame is not None:
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
            return None
        if event == "line" and self.is_user_file(frame.f_code.co_filename):
            self.pause_at(frame.f_code.co_filename, frame.f_lineno)
            # What we return becomes this frame's f_trace: a pause asked for while we were
            # paused (the signal came as we resumed) needs it to stay.
            return self._trace if self._tracing else None
        return self._trace
