"""The debuggee: runs a user's script in this (child) process under the probe.

``python -m debugger.debuggee script.py args...`` connects to the controller whose
address and token are in the environment (``protocol.ENV_ADDRESS``/``ENV_TOKEN``), sends
events up and obeys commands: pause, step op / batch / epoch, breakpoints, value
requests. ``--record run.tsdb`` instead writes the events to a trace file, no socket.

The script runs as ``python script.py`` would run it (its argv, its directory first on
``sys.path`` and as working directory) and ``import tensorflow`` gives the engine, so a
tutorial's code runs unchanged. Pausing is the probe's sink blocking on the script's own
thread; a reader thread takes commands off the socket so that pause and stop get through
while the script runs.
"""

from __future__ import annotations

import argparse
import io
import os
import queue
import re
import runpy
import signal
import sys
import sysconfig
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from debugger import events, lifecycle, protocol
from debugger.breakpoints import Breakpoint, BreakpointSet
from debugger.child import DEBUGGEE_MODULE
from debugger.line_pause import LinePause
from debugger.npy import npy_bytes
from debugger.probe import Probe
from debugger.step_values import (
    ValueMissing,
    VariableSnapshots,
    check_budget,
    check_request,
)
from engine.context import is_engine_file, user_code_frame

FLUSH_INTERVAL = 0.02  # seconds an event may wait in the buffer while the script runs
FLUSH_EVENTS = 500  # or this many events
LINE_PAUSE_AFTER = 0.1  # s a pause waits for an op before it stops at the next line instead
MAX_BUFFERED_EVENTS = 20_000  # past this the script waits for the socket (back-pressure)
EXIT_OK, EXIT_ERROR, EXIT_CONTROLLER_GONE = 0, 1, 3
COMMANDS = ("run", "continue", "pause", "step_op", "step_batch", "step_epoch", "stop",
            "get_value", "set_breakpoints", "set_mode", "get_step_value", "set_step_values")
NUMERICS_BREAKPOINT_ID = -1  # the breakpoint enable_check_numerics() stands for (not the user's)

_TENSORFLOW_SUBMODULES = ("keras.datasets",)  # imported lazily by the engine; alias them too


# -- running a script as `python script.py` would ---------------------------------------------

def alias_tensorflow() -> None:
    """Make ``import tensorflow`` (and ``tensorflow.keras.layers`` …) give the engine."""
    import importlib

    import engine

    for sub in _TENSORFLOW_SUBMODULES:
        importlib.import_module(f"engine.{sub}")
    sys.modules["tensorflow"] = engine
    for name, module in list(sys.modules.items()):
        if name.startswith("engine.") and not name.startswith("debugger"):
            sys.modules.setdefault("tensorflow." + name[len("engine."):], module)


def _library_dirs() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    return tuple(sorted({os.path.join(paths[k], "") for k in
                         ("stdlib", "platstdlib", "purelib", "platlib") if k in paths}))


_LIBRARY_DIRS = _library_dirs()  # the standard library and installed packages (numpy …)


def is_user_file(name: str) -> bool:
    """Whether code in file ``name`` is the user's: not the engine's, not a library's (a pause
    inside numpy would stop in the middle of an op), not generated."""
    return not name.startswith(("<", *_LIBRARY_DIRS)) and not is_engine_file(name)


def script_location() -> tuple[str, int]:
    """(file, line) the script is executing now: the innermost frame outside the engine and
    outside generated code (a compiled ``tf.function`` runs as ``<tf.function name>``)."""
    frame = user_code_frame(sys._getframe(1))
    while frame is not None and frame.f_code.co_filename.startswith("<"):
        frame = user_code_frame(frame.f_back)
    return ("", 0) if frame is None else (frame.f_code.co_filename, frame.f_lineno)


def prepare_script(script: Path, args: list[str], cwd: Path | None = None) -> None:
    """argv, sys.path[0] and the working directory as ``python script.py`` sets them."""
    sys.argv = [str(script), *args]
    sys.path[0] = str(script.parent)
    os.chdir(cwd or script.parent)


def failing_frame(tb: TracebackType | None, script: Path) -> tuple[str, int]:
    """Where in the user's code an exception came from: the innermost frame in the script's
    directory (outside the engine), else the innermost outside the engine and runpy."""
    entries = traceback.extract_tb(tb)
    user_dir = str(script.parent)

    def outside_engine(entry: traceback.FrameSummary) -> bool:
        return not is_engine_file(entry.filename)

    for entry in reversed(entries):
        if outside_engine(entry) and os.path.abspath(entry.filename).startswith(user_dir):
            return entry.filename, entry.lineno or 0
    for entry in reversed(entries):
        if outside_engine(entry) and "runpy" not in entry.filename:
            return entry.filename, entry.lineno or 0
    return str(script), 0


class ForwardedStream(io.TextIOBase):
    """A ``sys.stdout``/``sys.stderr`` whose text becomes ``output`` events, line by line."""

    def __init__(self, name: str, emit: Callable[[str, str], None], real: TextIO,
                 deliver: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.name = name
        self._emit = emit
        self._real = real
        self._deliver = deliver  # sends what was emitted now: print(..., flush=True)
        self._pending = ""
        self._lock = threading.RLock()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self._real.fileno()  # C-level writes still reach the controller via the pipe

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        with self._lock:
            self._pending += text
            cut = max(self._pending.rfind("\n"), self._pending.rfind("\r")) + 1
            if cut == 0 and len(self._pending) > 8192:
                cut = len(self._pending)
            if cut:
                chunk, self._pending = self._pending[:cut], self._pending[cut:]
                self._emit(self.name, chunk)
        return len(text)

    def flush(self, deliver: bool = True) -> None:
        with self._lock:
            if self._pending:
                chunk, self._pending = self._pending, ""
                self._emit(self.name, chunk)
        if deliver and self._deliver is not None:
            self._deliver()


def run_script(script: Path) -> tuple[str, BaseException | None]:
    """Run the script as ``__main__``; returns ("ok"|"error", the exception if it raised)."""
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:
        if exc.code in (None, 0):
            return "ok", None
        return "error", exc
    except BaseException as exc:  # the script's failure is what we report, all kinds of it
        return "error", exc
    return "ok", None


lifecycle.script_entry = run_script.__code__  # signals raise in the script, not above it


# Terminal styling inside an exception's text: Keras 3 sets the error of a layer's call in
# bold ("\x1b[1m...\x1b[0m"); the window and the trace file show plain text.
_ANSI_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def describe_exception(exc: BaseException) -> tuple[str, str]:
    """(one-line message, full traceback text) with the debuggee's own frames and any
    terminal styling left out."""
    if isinstance(exc, SystemExit):
        return f"SystemExit: {exc.code}", ""
    tb = exc.__traceback__
    while tb is not None and (tb.tb_frame.f_code.co_filename == __file__
                              or "runpy" in tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    text = _ANSI_STYLE.sub("", "".join(traceback.format_exception(type(exc), exc, tb)))
    message = "".join(traceback.format_exception_only(type(exc), exc)).strip()
    return _ANSI_STYLE.sub("", message), text


def syntax_error_of(script: Path) -> SyntaxError | None:
    """The script's syntax error, found by compiling it without running anything."""
    try:
        compile(script.read_bytes(), str(script), "exec", dont_inherit=True)
    except SyntaxError as exc:  # IndentationError and TabError too
        return exc
    return None


def syntax_error_line(exc: SyntaxError) -> str:
    """``script.py:LINE: SyntaxError: message``, the way compilers and editors point."""
    return f"{exc.filename}:{exc.lineno or 0}: {type(exc).__name__}: {exc.msg}"


def error_fields(exc: BaseException, script: Path) -> dict[str, Any]:
    """message, traceback, file and line of the ``error`` event for what the script raised.

    A syntax error is located by its own file and line: its traceback is runpy's frames
    (``<frozen runpy>``), which say nothing about the user's code."""
    if isinstance(exc, SyntaxError):
        return {"message": f"{type(exc).__name__}: {exc.msg}",
                "traceback": "".join(traceback.format_exception_only(type(exc), exc)),
                "file": exc.filename or str(script), "line": exc.lineno or 0}
    message, text = describe_exception(exc)
    file, line = failing_frame(exc.__traceback__, script)
    return {"message": message, "traceback": text, "file": file, "line": line}


def command_problem(command: dict) -> str | None:
    """What is wrong with a command frame from the controller, or None if it can be served
    (a bad field must not raise later on the script's thread)."""
    name = command.get("cmd")
    if name not in COMMANDS:
        return f"unknown command {name!r}"
    if name == "get_value" and not all(isinstance(command.get(k, 0), int)
                                       for k in ("seq", "index")):
        return "get_value needs integer seq and index"
    if name == "set_breakpoints":
        try:
            [Breakpoint.from_dict(b) for b in command.get("breakpoints", ())]
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            return f"bad breakpoints ({exc})"
    return None


# -- the live session ---------------------------------------------------------------------------

class DebugSession:
    """Probe sink + command loop of a debuggee connected to its controller."""

    def __init__(self, conn: protocol.Connection, script: Path, settings: dict) -> None:
        self.conn = conn
        self.script = script
        self.user_mode = settings.get("mode", "CONCISE_HEALTH")
        self.probe = Probe(self._buffer_event, mode=self.user_mode,
                           ring_steps=int(settings.get("ring_steps", 3)), pack=True)
        self.probe.after_sink = self._on_event  # where the script may pause
        self.breakpoints = BreakpointSet(
            [Breakpoint.from_dict(b) for b in settings.get("breakpoints", ())],
            on_error=self._breakpoint_failed)
        # tf.debugging.enable_check_numerics() in the script: a "First NaN/Inf" breakpoint of
        # its own, kept when the controller replaces the breakpoints
        self._numerics_breakpoint: Breakpoint | None = None
        self.probe.on_check_numerics = self._check_numerics
        budget = settings.get("snapshot_bytes")
        if type(budget) is int and budget > 0:  # (0: the controller wants no step values)
            self.probe.snapshots = VariableSnapshots(budget)
        self.start_paused = bool(settings.get("start_paused", False))
        self.commands: queue.Queue[dict] = queue.Queue()
        self._attention = False  # the reader queued a command for the script thread
        self._pause_requested = False
        self._stepping: str | None = None  # "op", "batch" or "epoch"
        self._paused = False
        self._post_mortem = False
        self._finishing = False
        self._last_op: dict | None = None
        self._script_thread = threading.get_ident()
        self._buffer: list[dict] = []
        self._buffer_lock = threading.Lock()
        self._send_lock = threading.Lock()  # keeps batches in order between the two senders
        self._wake = threading.Event()
        self.streams: list[ForwardedStream] = []
        self._forked = False  # True in a child the script forked: it sends nothing
        self._terminating = 0  # the signal that asked a paused run to end
        self._pause_lock = threading.Lock()  # _pause_requested and the queued pauses agree
        self._fork_warned = False
        self.line_pause = LinePause(self._pause_at_line, is_user_file)

    # -- sending ----------------------------------------------------------------------------------
    def emit(self, kind: str, **fields: Any) -> dict:
        """An event of the debuggee's own (output, paused, error, finished) in the seq order."""
        return self.probe.emit(kind, **fields)  # after the pending ops pack, if any

    def _emit_output(self, stream: str, text: str) -> None:
        self.emit("output", stream=stream, text=text)

    def flush(self) -> None:
        with self._send_lock:
            with self._buffer_lock:
                batch, self._buffer = self._buffer, []
            if batch:
                try:
                    self.conn.send({"type": "events", "events": batch})
                except OSError:
                    self._controller_gone()

    def _sender(self) -> None:
        while not self._finishing:
            self._wake.wait(FLUSH_INTERVAL)
            self._wake.clear()
            self.flush()

    def _controller_gone(self) -> None:
        if not self._finishing:
            lifecycle.real_exit(EXIT_CONTROLLER_GONE)  # nobody to report to: the run is over

    # -- commands from the controller
    def _reader(self) -> None:
        while True:
            try:
                header, _ = self.conn.recv()
            except protocol.ProtocolError:
                self._controller_gone()
                return
            if header.get("type") != "command":
                continue
            problem = command_problem(header)
            if problem is not None:  # said once, on the debugger stream; the run goes on
                self.emit("output", stream="debugger",
                          text=f"tapescope: ignored a malformed command: {problem}\n")
                continue
            name = header.get("cmd")
            if name == "stop":
                self._terminate()
            if name == "pause":
                with self._pause_lock:  # the flag and the queue agree for the script thread
                    self._pause_requested = True
                    self.commands.put(header)
                self._pause_at_next_line_soon()
            else:
                self.commands.put(header)
            self._attention = True
            self.probe.watch_ops(True)  # so the next op comes through the sink, even now

    def _terminate(self, status: str | None = None, **fields: Any) -> None:
        """Stop at once (reader thread): report, then end the process wherever the script is."""
        self._finishing = True  # from here on the sink only buffers
        self._flush_streams()
        if status is None:
            status = "error" if self._post_mortem else "stopped"
        self.emit("finished", status=status, **fields)
        self.flush()
        self.conn.close()
        lifecycle.real_exit(EXIT_OK if status != "terminated" else
                            lifecycle.exit_code_of(signal.SIGTERM))

    def _serve(self, command: dict) -> bool:
        """Carry out one command on the script thread; True when the script may go on."""
        name = command.get("cmd")
        if name in ("run", "continue"):
            self._stepping = None
            return True
        if name in ("step_op", "step_batch", "step_epoch"):
            self._stepping = name[len("step_"):]
            return True
        if name == "get_value":
            self._send_value(command)
        elif name == "get_step_value":
            self._send_step_value(command)
        elif name == "set_step_values":
            self._set_step_values(command.get("bytes"))
        elif name == "set_breakpoints":
            self.breakpoints.replace([Breakpoint.from_dict(b)
                                      for b in command.get("breakpoints", ())]
                                     + self._script_breakpoints())
        elif name == "set_mode":
            mode = command.get("mode")
            if mode in events.MODES:
                self.user_mode = mode
            else:
                self._emit_output("debugger", f"unknown tensor debug mode {mode!r}\n")
        return False  # "pause" while paused, and the commands above: stay where we are

    def _send_value(self, command: dict) -> None:
        seq, index = int(command.get("seq", 0)), int(command.get("index", 0))
        value = self.probe.value(seq, index)
        if value is None and self._last_op is not None and self._last_op["seq"] == seq:
            outputs = self.probe.last_op_outputs
            value = outputs[index]._value if 0 <= index < len(outputs) else None
        reply = {"type": "reply", "id": command.get("id"), "ok": value is not None}
        payload = b""
        if value is None:
            reply["error"] = (f"the value of op #{seq} output {index} is not available (only "
                              f"the ops of the last {self.probe.ring_steps} steps are kept)")
        else:
            try:
                payload = npy_bytes(value)
            except ValueError as exc:
                reply.update(ok=False, error=f"value of op #{seq} cannot be sent: {exc}")
        try:
            self.conn.send(reply, payload)
        except OSError:
            self._controller_gone()

    def _send_step_value(self, command: dict) -> None:
        """A trainable variable's weight or gradient at a step, from the probe's snapshots;
        a request with bad fields gets an error reply naming the field."""
        reply: dict[str, Any] = {"type": "reply", "id": command.get("id"), "ok": False}
        payload = b""
        snapshots = self.probe.snapshots
        try:
            what, step, variable = check_request(command.get("what"), command.get("step"),
                                                 command.get("variable"))
            if snapshots is None:
                raise ValueMissing("keeping step values is turned off for this run")
            if step > self.probe.step:
                raise ValueMissing(f"step {step} has not run yet (the run is at step "
                                   f"{self.probe.step})")
            payload = npy_bytes(snapshots.value(what, step, variable))
            reply["ok"] = True
        except (ValueError, ValueMissing) as exc:
            reply["error"] = str(exc)
        if snapshots is not None:
            reply["held"] = snapshots.held()
        try:
            self.conn.send(reply, payload)
        except OSError:
            self._controller_gone()

    def _set_step_values(self, budget: object) -> None:
        """Keep per-step values within ``budget`` bytes from now on (0: stop, forget them)."""
        try:
            budget = check_budget(budget)
        except ValueError as exc:
            self._emit_output("debugger", f"set_step_values: {exc}\n")
            return
        if budget == 0:
            self.probe.snapshots = None
        elif self.probe.snapshots is None:
            self.probe.snapshots = VariableSnapshots(budget, since=self.probe.step)
        else:
            self.probe.snapshots.resize(budget)

    def _drain_commands(self) -> None:
        self._attention = False
        while True:
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                break
            self._serve(command)
        self._apply_settings()

    def _apply_settings(self) -> None:
        """Mode and op watching as the breakpoints and stepping need them."""
        mode = self.user_mode
        if self.breakpoints.wants_health and mode in ("NO_TENSOR", "SHAPE"):
            mode = "CURT_HEALTH"  # a NaN breakpoint needs NaN/Inf summaries
        if self.probe.mode != mode:
            self.probe.mode = mode
        self.probe.watch_ops(bool(self.breakpoints) or self._stepping == "op"
                             or self._pause_requested or self._attention)

    def _script_breakpoints(self) -> list[Breakpoint]:
        return [self._numerics_breakpoint] if self._numerics_breakpoint is not None else []

    def _check_numerics(self, enabled: bool) -> bool:
        """``tf.debugging.enable_check_numerics()`` under Tapescope: pause at the first op that
        makes a NaN/Inf, where its values can be looked at, rather than raise there."""
        if enabled == (self._numerics_breakpoint is not None):
            return True
        user = [bp for bp in self.breakpoints.items if bp is not self._numerics_breakpoint]
        if enabled:
            self._numerics_breakpoint = Breakpoint("nan", id=NUMERICS_BREAKPOINT_ID)
            self._emit_output("debugger", "tf.debugging.enable_check_numerics(): pausing at "
                                          "the first NaN/Inf instead of raising\n")
        else:
            self._numerics_breakpoint = None
        self.breakpoints.replace(user + self._script_breakpoints())
        self._apply_settings()
        return True

    def _breakpoint_failed(self, bp: Breakpoint, message: str) -> None:
        """A condition raised: say so once (the "debugger" stream, with the breakpoint's id
        so the controller can show it disabled)."""
        self.emit("output", stream="debugger", text=message + "\n", breakpoint=bp.id)

    # -- the probe's sink: where the script stops
    def _first_output(self, event: dict) -> Any:
        outputs = self.probe.last_op_outputs
        if outputs and event.get("seq") == self.probe.seq:
            return outputs[0]._value
        return self.probe.value(event.get("seq", 0), 0)

    def _buffer_event(self, event: dict) -> None:
        """The probe's sink (under its lock, from any thread): queue the event to send."""
        if self._forked:
            return  # a forked child's events would corrupt its parent's stream
        if event["kind"] == "ops":  # packed only while nobody steps, pauses or holds op bps
            self._last_op = {"seq": event["seq"] + event["count"] - 1}
        with self._buffer_lock:
            self._buffer.append(event)
            waiting = len(self._buffer)
        if waiting >= FLUSH_EVENTS:
            self._wake.set()
            if waiting >= MAX_BUFFERED_EVENTS:
                self.flush()

    def _on_event(self, event: dict) -> None:
        """After an event (not a pack) was queued, outside the probe's lock: pause here?"""
        if (self._forked or self._paused or self._finishing
                or threading.get_ident() != self._script_thread):
            return  # pausing and commands belong to the script's thread, once
        if self._attention:
            self._drain_commands()
        kind = event["kind"]
        reason = None
        hit = None
        if kind == "op":
            self._last_op = event
            if self.breakpoints:
                hit = self.breakpoints.check(event, self._first_output)
            if hit is not None:
                reason = "breakpoint"
            elif self._stepping == "op":
                reason = "step"
        elif kind == "gradient" and self.breakpoints.wants_health:
            hit = self.breakpoints.check(event)
            reason = "breakpoint" if hit is not None else None
        elif kind == "variable_update" and self.breakpoints.wants_health:
            self.breakpoints.check(event)  # a variable gone bad taints the ops reading it
        elif kind == "step_end" and self._stepping == "batch":
            reason = "step_batch"
        elif kind == "epoch_end" and self._stepping == "epoch":
            reason = "step_epoch"
        if reason is None and self._pause_requested and kind not in ("output", "ops"):
            reason = "pause"
        if reason is not None:
            self.pause(reason, event, hit)

    def _script_location(self) -> tuple[str, int]:
        """Where the script is now (a pause at a step or epoch end shows this line)."""
        return script_location()

    def pause(self, reason: str, event: dict | None, hit: Breakpoint | None = None) -> None:
        """Tell the controller where we stopped, then serve commands until told to go on.

        The ``paused`` event's ``at_seq`` is the event we stopped at (the op for a step or
        breakpoint, the step_end/epoch_end for a batch/epoch step, the error post-mortem);
        ``op_seq`` is the latest op, whose outputs ``get_value`` can always fetch."""
        self._pause_requested = False
        self._stepping = None
        self._paused = True
        self.line_pause.cancel()
        self._flush_streams()
        try:
            if event is not None and "file" in event:
                file, line = event["file"], event["line"]
            elif event is None:
                file, line = str(self.script), 0
            else:
                file, line = self._script_location()
            fields: dict[str, Any] = {
                "reason": reason, "at_seq": event["seq"] if event else 0, "file": file,
                "line": line, "step": self.probe.step, "epoch": self.probe.epoch,
                "op_seq": self._last_op["seq"] if self._last_op else None}
            if hit is not None:
                fields["breakpoint"] = hit.id
                fields["hits"] = hit.hits
            self.emit("paused", **fields)
            self.flush()
            while True:
                if self._terminating:
                    self._terminate("terminated",
                                    signal=signal.Signals(self._terminating).name)
                try:  # waking now and then: a signal's handler runs only in this thread
                    command = self.commands.get(timeout=0.25)
                except queue.Empty:
                    continue
                if command.get("cmd") == "pause":  # we are paused: nothing left to do ...
                    with self._pause_lock:  # ... unless another pause is queued behind it
                        self._pause_requested = self._pause_queued()
                    self.line_pause.cancel()
                elif self._serve(command):
                    break
            try:
                self.conn.send({"type": "resumed"})
            except OSError:
                self._controller_gone()
        finally:
            self._paused = False
        with self._pause_lock:  # a pause sent right after the continue is still to come
            self._pause_requested = self._pause_requested or self._pause_queued()
        if self._terminating:  # came as the run went on: unwind the script as a running one
            lifecycle.raise_in_script(lifecycle.Terminated(self._terminating), sys._getframe())
        if self._pause_requested:  # asked while we were still paused: the reader left it to us
            self._pause_at_next_line_soon()
        self._apply_settings()

    def _pause_queued(self) -> bool:
        with self.commands.mutex:
            return any(c.get("cmd") == "pause" for c in self.commands.queue)

    def _pause_at_next_line_soon(self) -> None:
        """The next op pauses a script that runs ops (at the op, as before); one that runs pure
        Python makes none, so if no pause came within ``LINE_PAUSE_AFTER`` s, the next line
        of the user's code pauses (``LinePause``) — or the controller hears why it cannot."""
        def fall_back() -> None:
            if not self._pause_requested or self._paused or self._finishing:
                return
            why_not = self.line_pause.request()
            if why_not:
                self.emit("output", stream="debugger",
                          text=f"tapescope: pause waits for the script's next op: {why_not}\n")

        timer = threading.Timer(LINE_PAUSE_AFTER, fall_back)
        timer.daemon = True
        timer.start()

    def _pause_at_line(self, file: str, line: int) -> None:
        """The line pause's stop: the script runs Python between two events."""
        if self._pause_requested and not (self._paused or self._finishing):
            self.probe.flush_ops()  # the pending pack first: op_seq must be the latest op
            self.pause("pause", {"seq": self.probe.seq, "file": file, "line": line})

    def _flush_streams(self) -> None:
        for stream in self.streams:
            stream.flush(deliver=False)

    # -- the whole run ---------------------------------------------------------------------------
    def run(self) -> int:
        self._script_thread = threading.get_ident()
        threading.Thread(target=self._reader, name="tapescope-commands", daemon=True).start()
        threading.Thread(target=self._sender, name="tapescope-events", daemon=True).start()
        real_out, real_err = sys.stdout, sys.stderr
        self.streams = [ForwardedStream("stdout", self._emit_output, real_out, self.flush),
                        ForwardedStream("stderr", self._emit_output, real_err, self.flush)]
        sys.stdout, sys.stderr = self.streams
        exit_guard = lifecycle.ExitGuard(self._exiting)
        lifecycle.on_fork(lambda: self._in_forked_child(real_out, real_err),
                          self._after_fork)
        lifecycle.raise_on_sigterm(self._terminated_while_paused)
        self.line_pause.install()
        self._apply_settings()
        exit_guard.install()
        self.probe.attach()
        try:
            if self.start_paused:
                self.pause("start", None)
            status, exc = run_script(self.script)
            self._flush_streams()
            if self._forked:  # a forked child ends as Python would end it, unrecorded
                if exc is not None and not isinstance(exc, SystemExit):
                    traceback.print_exception(exc, file=real_err)
                return EXIT_OK if status == "ok" else EXIT_ERROR
            if isinstance(exc, lifecycle.Terminated):
                status = "terminated"
            elif exc is not None:
                self._report_error(exc)
        finally:
            exit_guard.uninstall()
            self.line_pause.cancel()
            self.probe.detach()
            self._flush_streams()
            sys.stdout, sys.stderr = real_out, real_err
        lifecycle.on_fork(None, None)
        self._finishing = True
        if isinstance(exc, lifecycle.Terminated):
            self.emit("finished", status=status, signal=signal.Signals(exc.signum).name)
        else:
            self.emit("finished", status=status)
        self.flush()
        self.conn.close()
        if isinstance(exc, lifecycle.Terminated):
            return lifecycle.exit_code_of(exc.signum)
        return EXIT_OK if status == "ok" else EXIT_ERROR

    def _terminated_while_paused(self, signum: int) -> bool:
        """SIGTERM while paused (the script cannot unwind): the pause loop ends the run. Not
        from this handler, which may have interrupted a holder of the locks it would need."""
        if not self._paused:
            return False
        self._terminating = signum
        return True

    def _exiting(self, code: int) -> None:
        """``os._exit`` in the script: what is buffered goes out, then why the run ended."""
        self._flush_streams()
        self._finishing = True
        self.emit("finished", status="exited", returncode=code)
        self.flush()
        self.conn.close()

    def _in_forked_child(self, real_out: TextIO, real_err: TextIO) -> None:
        self._forked = True
        self._finishing = True  # no controller to report to: the parent has it
        self.probe.detach()
        self.line_pause.cancel()
        sys.stdout, sys.stderr = real_out, real_err

    def _after_fork(self) -> None:
        if not self._fork_warned:
            self._fork_warned = True
            self._emit_output("debugger", lifecycle.fork_warning())

    def _report_error(self, exc: BaseException) -> None:
        op_seq = self._last_op["seq"] if self._last_op else 0
        error = self.emit("error", at_seq=op_seq, **error_fields(exc, self.script))
        if isinstance(exc, SystemExit):
            return
        self._post_mortem = True
        self.pause("exception", error)


# -- recording to a trace file ------------------------------------------------------------------

class RunProgress:
    """Steps, epochs and ops so far, shown on stderr now and then (a run can take hours)."""

    def __init__(self, stream: TextIO, every: float = 0.5, after: float = 1.0) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.every = every if self.tty else 5.0
        self.started = time.monotonic()
        self._next = self.started + after
        self._shown = False
        self.events = self.ops = self.steps = self.epochs = 0

    def count(self, event: dict) -> None:
        self.events += 1
        kind = event["kind"]
        if kind == "op":
            self.ops += 1
        elif kind == "ops":
            self.ops += event["count"]
        elif kind == "step_end":
            self.steps += 1
        elif kind == "epoch_end":
            self.epochs += 1
        if self.events & 63 == 0 and time.monotonic() >= self._next:
            self.show()

    def line(self) -> str:
        return (f"tapescope: recording — {self.steps} steps, {self.epochs} epochs, "
                f"{self.ops} ops, {time.monotonic() - self.started:.0f} s")

    def show(self) -> None:
        self._next = time.monotonic() + self.every
        self.stream.write(("\r\x1b[K" if self.tty else "") + self.line()
                          + ("" if self.tty else "\n"))
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        """Erase the progress line before the script's own output goes to the terminal."""
        if self._shown and self.tty:
            self.stream.write("\r\x1b[K")
            self._shown = False


def record(script: Path, args: list[str], output: Path, mode: str = "CONCISE_HEALTH",
           progress: bool = False, cwd: Path | None = None, break_on_nan: bool = False,
           conditions: tuple[str, ...] | list[str] = (),
           max_size: int | None = None, make_probe: Callable[..., Any] | None = None,
           meta_extra: dict[str, Any] | None = None) -> int:
    """Run the script headless, writing every event to a trace file; returns the exit code
    (``headless_stop.EXIT_STOPPED`` when ``break_on_nan`` or a condition ended the run).

    SIGTERM and Ctrl+C end the run with a complete trace whose ``finished`` event says
    ``terminated``; ``os._exit`` in the script ends it with ``exited`` and the exit code.
    ``make_probe(sink, mode, value_sink)`` gives another backend's probe (tfdebug's), which
    records through this same run, trace, fork and exit handling."""
    import atexit

    from debugger.headless_stop import EXIT_STOPPED, HeadlessStop, RunStopped
    from debugger.tracefile import TraceWriter

    if break_on_nan and mode in ("NO_TENSOR", "SHAPE"):
        mode = "CURT_HEALTH"  # a NaN breakpoint needs NaN/Inf summaries (as live)
    meta: dict[str, Any] = {"script": str(script), "argv": [str(script), *args], "mode": mode,
                            **(meta_extra or {})}
    if break_on_nan or conditions:
        meta["breaks"] = (["first NaN/Inf"] if break_on_nan else []) + list(conditions)
    writer = TraceWriter(output, overwrite=True, max_bytes=max_size, meta=meta)
    real_out, real_err = sys.stdout, sys.stderr
    shown = RunProgress(real_err) if progress else None
    pid = os.getpid()
    forked = False  # True in a child the script forked: it records nothing

    def sink(event: dict) -> None:
        nonlocal last_op_seq
        if forked:
            return
        if event["kind"] == "op":
            last_op_seq = event["seq"]
        elif event["kind"] == "ops":
            last_op_seq = event["seq"] + event["count"] - 1
        writer.write(event)
        if shown is not None:
            shown.count(event)
        if stopper is not None:
            stopper.check(event)

    # Packed ops, and no value ring: nobody can look back into a headless run's memory.
    probe = (Probe(sink, mode=mode, value_sink=writer.write_value, ring_steps=0, pack=True)
             if make_probe is None else make_probe(sink, mode, writer.write_value))
    stopper = None
    if break_on_nan or conditions:
        stopper = HeadlessStop(probe, writer.write_value, break_on_nan, conditions)
    last_op_seq = 0
    emit = probe.emit

    def forward_output(stream: str, text: str) -> None:
        emit("output", stream=stream, text=text)
        if shown is not None:
            shown.clear()
        real = real_out if stream == "stdout" else real_err
        real.write(text)
        real.flush()

    streams = [ForwardedStream("stdout", forward_output, real_out),
               ForwardedStream("stderr", forward_output, real_err)]

    def close_run(status: str, **fields: Any) -> None:
        lifecycle.ignore_termination()
        probe.detach()
        for stream in streams:
            stream.flush()
        sys.stdout, sys.stderr = real_out, real_err
        emit("finished", status=status, **fields)
        writer.close()
        lifecycle.end_descendants()  # what the script started ends with the recording

    def in_forked_child() -> None:
        nonlocal forked
        forked = True
        probe.detach()
        sys.stdout, sys.stderr = real_out, real_err
        atexit.unregister(writer.close)  # the parent's file: never touched from here

    warned = False

    def in_parent_after_fork() -> None:
        nonlocal warned
        if not warned:
            warned = True
            forward_output("debugger", lifecycle.fork_warning())

    exit_guard = lifecycle.ExitGuard(lambda code: close_run("exited", returncode=code))
    lifecycle.on_fork(in_forked_child, in_parent_after_fork)
    lifecycle.raise_on_sigterm()
    lifecycle.one_sigint_per_keypress()
    lifecycle.adopt_orphans()  # a grandchild whose parent exits stays ours to end
    prepare_script(script, args, cwd)
    sys.stdout, sys.stderr = streams
    exit_guard.install()
    probe.attach()
    try:
        status, exc = run_script(script)
    finally:
        exit_guard.uninstall()
        if not forked:
            lifecycle.ignore_termination()
        probe.detach()
        for stream in streams:
            stream.flush()
        sys.stdout, sys.stderr = real_out, real_err
    if forked or os.getpid() != pid:  # a forked child's own end: nothing of it is recorded
        return EXIT_OK if status == "ok" else EXIT_ERROR
    lifecycle.on_fork(None, None)
    if isinstance(exc, lifecycle.Terminated | KeyboardInterrupt):
        signum = getattr(exc, "signum", signal.SIGINT)
        name = signal.Signals(signum).name
        real_err.write(f"tapescope: recording terminated by {name}; the trace holds the run "
                       "up to here\n")
        close_run("terminated", signal=name)
        return lifecycle.exit_code_of(signum)
    # (a stop inside a compiled TensorFlow function reaches the script as TensorFlow's error)
    stopped = exc if isinstance(exc, RunStopped) else getattr(probe, "stopped", None)
    if not isinstance(stopped, RunStopped):
        stopped = None
    if stopped is not None:
        close_run("stopped", **stopped.fields)
    else:
        if exc is not None:
            error = error_fields(exc, script)
            emit("error", at_seq=last_op_seq, **error)
            real_err.write(error["traceback"] or error["message"] + "\n")
        close_run(status)
    if shown is not None:
        shown.clear()
        real_err.write(shown.line().replace("recording", "recorded") + f" → {output}\n")
    if stopped is not None:
        return EXIT_STOPPED
    return EXIT_OK if status == "ok" else EXIT_ERROR


# -- entry point ----------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=f"python -m {DEBUGGEE_MODULE}",
        description="Run a script under the Tapescope debugger (the controller's child).")
    parser.add_argument("--record", type=Path, metavar="TRACE",
                        help="write events to this trace file instead of a controller")
    parser.add_argument("--mode", default="CONCISE_HEALTH", choices=events.MODES)
    parser.add_argument("--progress", action="store_true", help="show progress on stderr")
    parser.add_argument("--max-size", type=int, help="trace size budget in bytes (--record)")
    parser.add_argument("--cwd", type=Path, help="working directory (default: the script's)")
    parser.add_argument("--break-on-nan", action="store_true",
                        help="with --record: stop at the first op that makes NaN/Inf")
    parser.add_argument("--break", dest="conditions", action="append", default=[],
                        metavar="CONDITION",
                        help="with --record: stop at the first op where CONDITION (over x, "
                             "the op's first output) holds")
    parser.add_argument("--parent-fd", type=int, metavar="FD",
                        help="read end of a pipe the parent holds: its end-of-file (the "
                             "parent died) ends the run as SIGTERM does")
    parser.add_argument("script", type=Path)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    options = build_parser().parse_args(argv)
    script = options.script.resolve()
    if not script.is_file():
        print(f"tapescope debuggee: no script at {options.script}", file=sys.stderr)
        return 2
    alias_tensorflow()
    if options.parent_fd is not None:
        lifecycle.watch_parent(options.parent_fd)
    if options.record is not None:
        return record(script, options.args, options.record.resolve(), options.mode,
                      options.progress, options.cwd, options.break_on_nan, options.conditions,
                      options.max_size)
    return serve(script, options, DebugSession)


def serve(script: Path, options: argparse.Namespace,
          session_class: type[DebugSession]) -> int:
    """Connect to the controller named in the environment and run the script in a live
    session of ``session_class`` (the engine's, or a backend's subclass); 2 if unreachable."""
    address = os.environ.pop(protocol.ENV_ADDRESS, None)
    token = os.environ.pop(protocol.ENV_TOKEN, None)  # the script need not see it
    if not address or not token:
        print(f"tapescope debuggee: {protocol.ENV_ADDRESS} and {protocol.ENV_TOKEN} are not "
              "set; start scripts with debugger.client.DebugClient or use --record",
              file=sys.stderr)
        return 2
    try:
        conn, welcome = protocol.connect(address, token)
    except (OSError, protocol.ProtocolError) as exc:
        print(f"tapescope debuggee: cannot reach the controller at {address}: {exc}",
              file=sys.stderr)
        return 2
    prepare_script(script, options.args, options.cwd)
    settings = {"mode": options.mode, **welcome}
    return session_class(conn, script, settings).run()


if __name__ == "__main__":
    sys.exit(main())
