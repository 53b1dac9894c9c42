"""How a debuggee process ends, whoever ends it: a signal, its parent's death, ``os._exit``.

Whatever ends the run, the events so far and one ``finished`` event saying how it ended reach
the trace file or the controller — the last 0.2 s of a run are often the ones being debugged:
- SIGTERM raises ``Terminated`` in the script's (main) thread, which unwinds like
  ``KeyboardInterrupt``, so the run ends through its normal exit path; a second SIGTERM kills.
- The parent's death, seen as end-of-file on a pipe only the parent holds open (portable, and
  unlike ``PR_SET_PDEATHSIG`` not fooled by the parent's spawning thread ending), is a SIGTERM.
- ``os._exit`` in the script first runs the run's own exit (``ExitGuard``).
- A forked child of the script runs on unrecorded (``on_fork``): it must not write into its
  parent's trace file or socket. When the recording ends, however it ends, what the script
  started and left running ends with it (``adopt_orphans``, ``end_descendants``): killing
  ``tapescope record`` leaves no process behind.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from types import CodeType, FrameType
from typing import Any

real_exit = os._exit  # the debugger's own exits; the script's go through ExitGuard
script_entry: CodeType | None = None  # the debuggee's frame that runs the script (run_script)
_DEBUGGER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "")
TERMINATING_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Terminated(BaseException):
    """The process was asked to end (SIGTERM); raised where the script runs so it unwinds."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(f"terminated by {signal.Signals(signum).name}")


def exit_code_of(signum: int) -> int:
    """The exit code a shell reports for a process ended by ``signum`` (128 + n)."""
    return 128 + int(signum)


def _in_debugger_code(frame: FrameType | None) -> bool:
    """Whether the script's thread runs the debugger's own code (the probe, the trace writer
    …) above ``script_entry``: an exception there would leave them half-updated (a pack of
    ops lost from the trace)."""
    while frame is not None and frame.f_code is not script_entry:
        if frame.f_code.co_filename.startswith(_DEBUGGER_DIR):
            return True
        frame = frame.f_back
    return False


def raise_in_script(exc: BaseException, frame: FrameType | None) -> None:
    """Raise ``exc`` now from a signal handler, or — when the script's thread is inside the
    debugger — at the first line it runs outside of it (a trace function raises it there)."""
    if not _in_debugger_code(frame):
        raise exc

    def raise_outside(code_frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line" and not _in_debugger_code(code_frame):
            raise exc  # which also unsets this trace function
        return raise_outside

    while frame is not None:
        frame.f_trace = raise_outside
        frame = frame.f_back
    sys.settrace(raise_outside)


def raise_on_sigterm(when_paused: Callable[[int], bool] | None = None) -> None:
    """SIGTERM raises ``Terminated`` in the main thread, once (a second one kills at once).

    ``when_paused(signum)`` may end a run that waits in the debugger (paused) itself and say
    so with True: there the exception would wait for the run to go on."""
    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if when_paused is not None and when_paused(signum):
            return
        raise_in_script(Terminated(signum), frame)

    signal.signal(signal.SIGTERM, on_sigterm)


def one_sigint_per_keypress(window: float = 0.5) -> None:
    """Ctrl+C reaches a recording child twice, from the terminal and forwarded by ``tapescope
    record``: a SIGINT within ``window`` s of the last counts once (a second
    ``KeyboardInterrupt`` would break the unwinding the first one started)."""
    last = [-window]

    def on_sigint(signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        if now - last[0] < window:
            return
        last[0] = now
        raise_in_script(KeyboardInterrupt(), frame)

    signal.signal(signal.SIGINT, on_sigint)


def ignore_termination() -> None:
    """While the run closes its trace: the file gets its last events whatever arrives."""
    for signum in TERMINATING_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def watch_parent(fd: int) -> None:
    """SIGTERM this process when the read end ``fd`` of the parent's pipe reads end-of-file:
    the parent died (or closed it), however it died."""
    def watch() -> None:
        try:
            while os.read(fd, 64):
                pass  # the parent never writes; data would only be noise
        except OSError:
            return  # the script closed our descriptor: nothing left to watch
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="tapescope-parent-watch", daemon=True).start()


class ExitGuard:
    """``os._exit`` that first runs ``before_exit(code)`` — in this process only, once.

    ``os._exit`` skips ``finally`` and ``atexit``, so without this the events still buffered
    (up to 0.2 s of them: a whole short script) were lost. A forked child's ``os._exit``
    (multiprocessing ends every worker so) passes straight through."""

    def __init__(self, before_exit: Callable[[int], None]) -> None:
        self.before_exit = before_exit
        self._pid = os.getpid()
        self._done = False

    def install(self) -> None:
        os._exit = self._exit

    def uninstall(self) -> None:
        if os._exit == self._exit:
            os._exit = real_exit

    def _exit(self, code: int) -> None:
        if os.getpid() == self._pid and not self._done:
            self._done = True
            try:
                self.before_exit(code)
            except BaseException:  # noqa: BLE001 - exiting is what was asked, whatever happens
                pass
        real_exit(code)


_fork_handlers: dict[str, Callable[[], None] | None] = {"child": None, "parent": None}
_fork_registered = False


def on_fork(child: Callable[[], None] | None, parent: Callable[[], None] | None) -> None:
    """Call ``child()`` in a forked child and ``parent()`` in the parent after each
    ``os.fork``; None, None clears (``os.register_at_fork`` cannot unregister)."""
    global _fork_registered
    _fork_handlers.update(child=child, parent=parent)
    if not _fork_registered and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=lambda: _call("child"),
                            after_in_parent=lambda: _call("parent"))
        _fork_registered = True


def _call(side: str) -> None:
    handler = _fork_handlers[side]
    if handler is not None:
        handler()


def fork_warning(pid: int | None = None) -> str:
    """The one line a run shows when its script forks."""
    child = f" (pid {pid})" if pid else ""
    return (f"tapescope: the script forked a child process{child}; events of forked "
            "children are not recorded (only this process's are)\n")


PR_SET_CHILD_SUBREAPER = 36  # linux/prctl.h


def adopt_orphans() -> bool:
    """Make this process the reaper of its descendants' orphans (Linux ``prctl``), so that a
    process the script's child forked stays under us when that child exits and
    ``end_descendants`` finds it. False where this cannot be done."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        return ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _process_table() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, state letter) of every process /proc shows."""
    table = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as file:
                    stat = file.read().decode(errors="replace")
            except OSError:
                continue  # ended while we looked
            fields = stat.rpartition(")")[2].split()
            table[int(entry.name)] = (int(fields[1]), fields[0])
    return table


def descendants(pid: int | None = None) -> list[int]:
    """The processes under ``pid`` (this one), children first, zombies left out; [] where
    there is no /proc."""
    root = os.getpid() if pid is None else pid
    try:
        table = _process_table()
    except OSError:
        return []
    children: dict[int, list[int]] = {}
    for child, (parent, _state) in table.items():
        children.setdefault(parent, []).append(child)
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), ()):
            todo.append(child)
            if table[child][1] != "Z":
                found.append(child)
    return found


def end_descendants(grace: float = 1.0) -> int:
    """End every process this one started that still runs (forked children of the script,
    theirs, its subprocesses): SIGTERM, then SIGKILL for what is left after ``grace`` s.
    Returns how many there were; gives up on one that even SIGKILL does not end at once
    (stuck in the kernel, or not ours to signal) rather than hang."""
    ended: set[int] = set()
    deadline = time.monotonic() + grace
    signum = signal.SIGTERM
    while True:
        left = descendants()
        now = time.monotonic()
        if not left or now >= deadline + 2.0:
            return len(ended | set(left))
        if now >= deadline:
            signum = signal.SIGKILL
        for pid in left:
            if pid not in ended or signum == signal.SIGKILL:
                try:
                    os.kill(pid, signum)
                except (ProcessLookupError, PermissionError):
                    pass
        ended.update(left)
        for pid in left:  # reap our own children (adopted orphans too): no zombies
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
        time.sleep(0.02)


def run_supervised(command_for: Callable[[int], list[str]], **popen: Any) -> int:
    """Run a debuggee child to its end and return its exit code (``subprocess.run`` for
    ``tapescope record``): SIGINT and SIGTERM sent to us are passed on to the child, which
    ends its trace properly, and if we die anyway the child sees our pipe close and ends.

    ``command_for(fd)`` is the command line, told the pipe's read end to watch."""
    read_fd, write_fd = os.pipe()
    try:
        child = subprocess.Popen(command_for(read_fd), pass_fds=(read_fd,), **popen)
    except BaseException:
        os.close(write_fd)
        raise
    finally:
        os.close(read_fd)
    forwarding = threading.current_thread() is threading.main_thread()
    previous = {}
    if forwarding:
        def forward(signum: int, frame: FrameType | None) -> None:
            if child.poll() is None:
                child.send_signal(signum)

        previous = {signum: signal.signal(signum, forward) for signum in TERMINATING_SIGNALS}
    try:
        return child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        if child.poll() is None:  # only when wait() itself failed
            child.kill()
            child.wait()
        os.close(write_fd)
