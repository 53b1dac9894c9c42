"""The controller's side of a debug session: start a script in a debuggee, steer it.

``DebugClient`` listens on 127.0.0.1, starts ``python -m debugger.debuggee script``
with the address and a fresh token in its environment, authenticates the child and then
delivers its events to ``on_event`` from a reader thread. Commands are plain method calls
(``pause()``, ``step_op()``, ``get_value(seq)`` …). The GUI wraps this class in Qt
signals; tests and the CLI use it as it is, waiting with ``wait_for``/``wait_paused``.

Whatever the child does — finishes, raises, calls ``os._exit`` or is killed — the client
ends with one ``finished`` event (status ``"died"`` with the exit code when the child could
not say so itself), so a waiting caller never hangs.

The child's events are untrusted input, as a trace file is: each is checked by the trace
reader's own ``validate.problem`` before anything reads it. A damaged one is dropped and
counted (``damaged``, ``damage``), and a "debugger" output event with one line says so and
carries the count (``damaged``) for a model to add up; the session goes on.
"""

from __future__ import annotations

import itertools
import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from debugger import events, protocol, validate
from debugger.breakpoints import Breakpoint
from debugger.child import DEBUGGEES, debuggee_command, debuggee_env
from debugger.npy import array_from_npy
from debugger.step_values import DEFAULT_BUDGET_BYTES, check_budget, check_request

log = logging.getLogger(__name__)

EventCallback = Callable[[dict], None]

STARTING, RUNNING, PAUSED, FINISHED = "starting", "running", "paused", "finished"
DAMAGE_KEPT = 20  # reasons kept (``DebugClient.damage``) and lines said about damaged events
ENV_BACKEND = "TAPESCOPE_BACKEND"  # the default backend of a client (set by the CLI)


class DebuggeeError(RuntimeError):
    """A request the debuggee could not answer (value gone, run over, …)."""


class DebugClient:
    """One debug session of one script at a time (``restart`` starts the next one).

    ``on_event(event)`` and ``on_state(state)`` are called on the client's own threads, one
    call at a time, never on the caller's: a GUI hands them on to its event loop."""

    expand_packs = True  # see __init__

    def __init__(self, script: str | os.PathLike, args: Sequence[str] = (),
                 mode: str = "CONCISE_HEALTH", on_event: EventCallback | None = None,
                 start_paused: bool = False, cwd: str | os.PathLike | None = None,
                 breakpoints: Iterable[Breakpoint] = (), connect_timeout: float = 60.0,
                 env: dict[str, str] | None = None,
                 on_state: Callable[[str], None] | None = None, ring_steps: int = 3,
                 keep_events: bool = True, expand_packs: bool = True,
                 snapshot_bytes: int = DEFAULT_BUDGET_BYTES,
                 backend: str | None = None) -> None:
        self.backend = backend or os.environ.get(ENV_BACKEND) or "engine"
        if self.backend not in DEBUGGEES:
            raise ValueError(f"unknown backend {self.backend!r}; choose from "
                             f"{', '.join(DEBUGGEES)}")
        self.script = Path(script).resolve()
        if not self.script.is_file():
            raise FileNotFoundError(f"no script at {script}")
        if mode not in events.MODES:
            raise ValueError(f"unknown tensor debug mode {mode!r}; choose from {events.MODES}")
        self.args = [str(a) for a in args]
        self.mode = mode
        self.on_event = on_event
        self.on_state = on_state  # called with the new state: running, paused, finished
        self.ring_steps = ring_steps  # steps whose op outputs the child keeps for get_value
        self.keep_events = keep_events  # False for long runs whose events a GUI model keeps
        # bytes of per-step variable and gradient copies the child keeps (0: none)
        self.snapshot_bytes = check_budget(snapshot_bytes)
        # False: "ops" packs reach on_event as they came, for a model that reads them into
        # columns (expanding them into an op dict each is most of a GUI's cost per op)
        self.expand_packs = expand_packs
        self.start_paused = start_paused
        self.cwd = Path(cwd).resolve() if cwd is not None else None
        self.breakpoints: list[Breakpoint] = []
        self._breakpoint_ids = itertools.count(1)
        self._set_breakpoint_list(breakpoints)
        self.connect_timeout = connect_timeout
        self.extra_env = dict(env or {})
        self.refused = 0  # peers that failed to authenticate (someone else on this machine)
        self.damaged = 0  # events from the child that failed the schema check, dropped
        self.damage: list[str] = []  # why, for the first DAMAGE_KEPT of them
        self._listener = protocol.Listener()
        self._changed = threading.Condition()
        self._callbacks = threading.RLock()  # socket and pipe readers deliver one at a time
        self._request_ids = itertools.count(1)
        self._closed = False
        self._start()

    # -- life cycle ---------------------------------------------------------------------------
    def _start(self) -> None:
        self.events: list[dict] = []
        self._expander = events.OpsExpander()
        self.state = STARTING
        self._announced = STARTING
        self.returncode: int | None = None
        self.paused_event: dict | None = None
        self.finished_event: dict | None = None
        self.last_seq = 0
        self._conn: protocol.Connection | None = None
        self._stop_requested = False
        self._pending: list[dict] = []  # commands given before the child connected
        self._replies: dict[int, tuple[dict, bytes]] = {}
        self._token = protocol.new_token()
        env = debuggee_env({**self.extra_env, protocol.ENV_ADDRESS: self._listener.address,
                            protocol.ENV_TOKEN: self._token, "PYTHONUNBUFFERED": "1"})
        self.process = subprocess.Popen(
            self._child_command(), cwd=str(self.cwd or self.script.parent), env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            start_new_session=True)  # Ctrl+C in our terminal is ours; Stop ends the child
        process = self.process
        for pipe, name in ((process.stdout, "stdout"), (process.stderr, "stderr")):
            threading.Thread(target=self._pipe_reader, args=(process, pipe, name),
                             name=f"tapescope-child-{name}", daemon=True).start()
        self._reader_thread = threading.Thread(target=self._session, args=(process,),
                                               name="tapescope-client", daemon=True)
        self._reader_thread.start()

    def _child_command(self) -> list[str]:
        """The debuggee's command line (its address and token go in its environment)."""
        return debuggee_command(self.script, self.args, mode=self.mode, cwd=self.cwd,
                                backend=self.backend)

    def restart(self, timeout: float = 10.0) -> None:
        """Stop this run (killing it if it must) and start the script again from the top."""
        self.stop(timeout)
        self._reader_thread.join(timeout)
        self._start()

    def stop(self, timeout: float = 10.0) -> int | None:
        """End the run: ask the child, then kill it if it has not exited after ``timeout``."""
        self._stop_requested = True
        if self._conn is None:
            self.process.kill()  # not connected yet: nothing to ask
        elif self.state != FINISHED:
            self._send({"cmd": "stop"})
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.warning("debuggee did not stop within %.1f s; killing it", timeout)
            self.process.kill()
            self.process.wait()
        self.wait_finished(timeout)
        self._end_process_group()
        return self.returncode

    def close(self) -> None:
        """Stop the run, with every process the script started (forked children too)."""
        if self._closed:
            return
        self._closed = True
        if self.process.poll() is None:
            self.stop(5.0)
        self._end_process_group()
        self._listener.close()

    def _end_process_group(self) -> None:
        """Kill what is left of the child's process group (its own session, see ``_start``):
        a child the script forked outlives the debuggee otherwise."""
        if os.name != "posix":
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # nobody left

    def __enter__(self) -> DebugClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def address(self) -> str:
        """host:port the debuggee connects to (other local processes can too, and are refused
        without the token)."""
        return self._listener.address

    # -- commands -----------------------------------------------------------------------------
    def run(self) -> None:
        """Start a session opened with ``start_paused`` (the same as continuing)."""
        self._resume("run")

    def continue_(self) -> None:
        self._resume("continue")

    def step_op(self) -> None:
        """Run until the next op has executed."""
        self._resume("step_op")

    def step_batch(self) -> None:
        """Run until the current training step ends (an optimizer update or a fit batch)."""
        self._resume("step_batch")

    def step_epoch(self) -> None:
        """Run until the current epoch ends (a pass over the training data)."""
        self._resume("step_epoch")

    def pause(self) -> None:
        """Ask the script to stop at its next event; ``wait_paused`` tells when it did."""
        self._send({"cmd": "pause"})

    def set_breakpoints(self, breakpoints: Iterable[Breakpoint]) -> list[Breakpoint]:
        """Replace all breakpoints (an empty list clears them); returns them with ids."""
        self._set_breakpoint_list(breakpoints)
        self._send({"cmd": "set_breakpoints",
                    "breakpoints": [b.to_dict() for b in self.breakpoints]})
        return self.breakpoints

    def set_mode(self, mode: str) -> None:
        if mode not in events.MODES:
            raise ValueError(f"unknown tensor debug mode {mode!r}; choose from {events.MODES}")
        self.mode = mode
        self._send({"cmd": "set_mode", "mode": mode})

    def set_step_values(self, budget_bytes: int) -> None:
        """Keep per-step weights and gradients within ``budget_bytes`` (0: none) from now on,
        and in restarted runs; a bad budget raises ValueError here."""
        self.snapshot_bytes = check_budget(budget_bytes)
        if self.state != FINISHED:
            self._send({"cmd": "set_step_values", "bytes": self.snapshot_bytes})

    def get_value(self, seq: int, index: int = 0, timeout: float = 30.0) -> np.ndarray:
        """Output ``index`` of op event ``seq``, fetched from the debuggee.

        Answered at once while paused, at the script's next event while it runs. Raises
        ``DebuggeeError`` when the value is gone or the run is over."""
        if self.state == FINISHED:
            raise DebuggeeError("the run is over; its values are gone (record a trace to "
                                "keep them)")
        payload = self._ask({"cmd": "get_value", "seq": int(seq), "index": int(index)},
                            timeout, f"the value of op #{seq}")
        try:
            return array_from_npy(payload)
        except ValueError as exc:
            raise DebuggeeError(f"the debuggee sent a value of op #{seq} that cannot be "
                                f"read: {exc}") from None

    def get_step_value(self, what: str, step: int, variable: int,
                       timeout: float = 30.0) -> np.ndarray:
        """A trainable variable's weight (``what="weight"``: after the last update at or
        before ``step``) or gradient (``"gradient"``) at ``step``, from the child's
        snapshots (``step_values.VariableSnapshots``); ``DebuggeeError`` says why not."""
        what, step, variable = check_request(what, step, variable)
        if self.state == FINISHED:
            raise DebuggeeError("the run is over; its step values went with it (record a "
                                "FULL_TENSOR trace to keep them)")
        payload = self._ask({"cmd": "get_step_value", "what": what, "step": step,
                             "variable": variable}, timeout, f"the {what} at step {step}")
        try:
            return array_from_npy(payload)
        except ValueError as exc:
            raise DebuggeeError(f"the debuggee sent {what} values that cannot be read: "
                                f"{exc}") from None

    def _ask(self, command: dict, timeout: float, what: str) -> bytes:
        """Send a request, wait for its reply; its payload, or ``DebuggeeError``."""
        request = next(self._request_ids)
        self._send({**command, "id": request})
        self.wait_for(lambda: request in self._replies or self.state == FINISHED, timeout)
        with self._changed:
            reply = self._replies.pop(request, None)
        if reply is None:
            raise DebuggeeError(f"the run ended before {what} came")
        header, payload = reply
        if not header.get("ok"):
            error = header.get("error")
            raise DebuggeeError(error if isinstance(error, str) else f"{what} is not available")
        return payload

    def _resume(self, command: str) -> None:
        with self._changed:
            if self.state == FINISHED:
                raise DebuggeeError("the run is over")
            was_paused = self.state == PAUSED
        if was_paused:  # before sending, so that the next "paused" is the one waited for
            with self._changed:
                self.paused_event = None
            self._set_state(RUNNING, announce=False)
        self._send({"cmd": command})

    def _send(self, command: dict) -> None:
        with self._changed:
            conn = self._conn
            if conn is None:
                self._pending.append(command)
                return
        try:
            conn.send({"type": "command", **command})
        except OSError:
            pass  # the child is gone; the session thread reports how it ended

    def _set_breakpoint_list(self, breakpoints: Iterable[Breakpoint]) -> None:
        listed = list(breakpoints)
        for bp in listed:
            if not bp.id:
                bp.id = next(self._breakpoint_ids)
        self.breakpoints = listed

    # -- waiting ------------------------------------------------------------------------------
    def wait_for(self, predicate: Callable[[], bool], timeout: float = 60.0) -> None:
        """Block until ``predicate()`` holds (checked whenever something arrives)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"debuggee: condition not met within {timeout} s "
                                       f"(state {self.state})")
                self._changed.wait(remaining)

    def wait_paused(self, timeout: float = 60.0) -> dict | None:
        """The ``paused`` event once the script stopped, or None if the run ended instead."""
        self.wait_for(lambda: self.state in (PAUSED, FINISHED), timeout)
        return self.paused_event if self.state == PAUSED else None

    def wait_finished(self, timeout: float = 60.0) -> dict:
        self.wait_for(lambda: self.state == FINISHED, timeout)
        assert self.finished_event is not None
        return self.finished_event

    # -- the session thread -------------------------------------------------------------------
    def _session(self, process: subprocess.Popen) -> None:
        conn = self._accept(process)
        if conn is not None:
            self._read(conn)
            conn.close()
        try:
            returncode = process.wait(30.0)
        except subprocess.TimeoutExpired:  # connection gone but the child lingers
            process.kill()
            returncode = process.wait()
        with self._changed:
            if process is not self.process:
                return
            self.returncode = returncode
        if self.finished_event is None:
            status = "stopped" if self._stop_requested else "died"
            self._deliver([events.make("finished", self.last_seq, status=status,
                                       returncode=returncode)])
        self._set_state(FINISHED)

    def _accept(self, process: subprocess.Popen) -> protocol.Connection | None:
        """The child's authenticated connection (None if it died before connecting)."""
        settings = {"mode": self.mode, "start_paused": self.start_paused,
                    "ring_steps": self.ring_steps, "snapshot_bytes": self.snapshot_bytes,
                    "breakpoints": [b.to_dict() for b in self.breakpoints]}
        deadline = time.monotonic() + self.connect_timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                conn = self._listener.accept(self._token, timeout=0.2, welcome=settings)
            except TimeoutError:
                continue
            except protocol.AuthenticationError as exc:
                self.refused += 1
                log.warning("%s", exc)
                continue
            except OSError:  # listener closed
                return None
            with self._changed:  # held while sending: later commands queue up behind these
                for command in self._pending:
                    conn.send({"type": "command", **command})
                self._pending = []
                self._conn = conn
            self._set_state(RUNNING)
            return conn
        if process.poll() is None:
            log.warning("debuggee did not connect within %.0f s; killing it",
                        self.connect_timeout)
            process.kill()
        return None

    def _read(self, conn: protocol.Connection) -> None:
        """Deliver the child's frames until it hangs up; a frame that breaks the protocol
        ends the connection (the child then exits) with a line saying why, never this thread."""
        while True:
            try:
                header, payload = conn.recv()
                kind = header.get("type")
                if kind == "events":
                    batch = header.get("events", ())
                    if not isinstance(batch, list):
                        raise protocol.ProtocolError("an events frame without a list of events")
                    self._deliver(self._checked(batch))
                elif kind == "resumed":
                    with self._changed:
                        self.paused_event = None
                    self._set_state(RUNNING)
                elif kind == "reply":
                    if not isinstance(header.get("id"), int):
                        raise protocol.ProtocolError("a reply without a request id")
                    with self._changed:
                        self._replies[header["id"]] = (header, payload)
                        self._changed.notify_all()
            except protocol.ConnectionClosed:
                return
            except protocol.ProtocolError as exc:
                self._deliver([events.make("output", self.last_seq, stream="debugger",
                                           text=f"tapescope: the debuggee broke the "
                                                f"protocol ({exc}); disconnected\n")])
                return

    def _checked(self, batch: list) -> list[dict]:
        """``batch`` without the events that fail the trace reader's schema check; one
        "debugger" output event in the place of the first says how many were dropped and
        why (``damaged``: the count, a pack counting its ops)."""
        good: list[dict] = []
        note: dict | None = None
        for event in batch:
            why = validate.problem(event)
            if why is None:
                good.append(event)
                continue
            seq = event.get("seq") if isinstance(event, dict) else None
            kind = event.get("kind") if isinstance(event, dict) else None
            count = event.get("count") if kind == "ops" else 1
            count = count if type(count) is int and 0 < count < 1 << 31 else 1
            reason = f"event #{seq if type(seq) is int else '?'}: ({validate.show(kind)}) {why}"
            if note is None:
                note = events.make("output", self.last_seq, stream="debugger", text="",
                                   damaged=0, damage=[])
                good.append(note)
            note["damaged"] += count
            if len(note["damage"]) < DAMAGE_KEPT:
                note["damage"].append(reason)
        if note is not None:
            note["text"] = self._note_damage(note["damaged"], note["damage"])
        return good

    def _note_damage(self, count: int, reasons: list[str]) -> str:
        """Count dropped events; the line to say about them ("" once enough were said)."""
        with self._changed:
            said = len(self.damage)
            self.damaged += count
            self.damage.extend(reasons[:DAMAGE_KEPT - said])
        if said >= DAMAGE_KEPT:
            return ""  # counted; the first lines said what is going on
        more = f" (and {count - 1:,} more)" if count > 1 else ""
        return (f"tapescope: dropped {count:,} damaged event{'s' if count > 1 else ''} from "
                f"the debuggee: {reasons[0]}{more}\n")

    def _deliver(self, batch: Iterable[dict]) -> None:
        with self._callbacks:
            self._deliver_locked(batch)

    def _expand(self, batch: Iterable[dict]) -> list[dict]:
        """The batch with packs expanded (callbacks never see packs); a pack that cannot be
        read becomes a "debugger" output event saying so — the session goes on."""
        if not self.expand_packs:
            return list(batch)
        out: list[dict] = []
        for event in batch:
            try:
                out.extend(self._expander.expand_all([event]))
            except (KeyError, IndexError, TypeError, ValueError, OverflowError) as exc:
                count = event.get("count")
                count = count if type(count) is int and count > 0 else 1
                why = f"({event.get('kind')}) {type(exc).__name__}: {exc}"
                self._note_damage(count, [f"event #{event.get('seq')}: {why}"])
                out.append(events.make(
                    "output", event.get("seq", 0), stream="debugger",
                    text=f"tapescope: could not read {event.get('count', '?')} ops from "
                         f"#{event.get('seq', '?')} ({type(exc).__name__}: {exc})\n",
                    damaged=count, damage=[f"event #{event.get('seq')}: {why}"]))
        return out

    def _deliver_locked(self, batch: Iterable[dict]) -> None:
        for event in self._expand(batch):
            kind = event.get("kind")
            with self._changed:
                if self.keep_events or kind in ("paused", "error", "finished"):
                    self.events.append(event)
                self.last_seq = max(self.last_seq, event.get("seq", 0))
                if kind == "paused":
                    self.paused_event = event
                    self._count_hit(event)
                elif kind == "finished":
                    self.finished_event = event
                elif kind == "output" and "breakpoint" in event:  # its condition failed
                    for bp in self.breakpoints:
                        if bp.id == event["breakpoint"]:
                            bp.enabled = False
                            bp.error = event.get("text", "").strip()
                self._changed.notify_all()
            if self.on_event is not None:
                try:
                    self.on_event(event)
                except Exception:  # a broken callback must not end the session
                    log.exception("on_event callback failed")
            if kind == "paused":
                self._set_state(PAUSED)

    def _set_state(self, state: str, announce: bool = True) -> None:
        """Change ``state``; tell ``on_state`` only what the child confirmed (``announce``)."""
        if not announce:  # a command's optimistic change, on the caller's thread
            with self._changed:
                if self.state != FINISHED:
                    self.state = state
                    self._changed.notify_all()
            return
        with self._callbacks:
            with self._changed:
                if self.state == FINISHED and state != FINISHED:
                    return
                self.state = state
                self._changed.notify_all()
                if self._announced == state:
                    return
                self._announced = state
            if self.on_state is not None:
                try:
                    self.on_state(state)
                except Exception:
                    log.exception("on_state callback failed")

    def _count_hit(self, paused: dict) -> None:
        for bp in self.breakpoints:
            if bp.id == paused.get("breakpoint"):
                bp.hits = paused.get("hits", bp.hits + 1)

    def _pipe_reader(self, process: subprocess.Popen, pipe: Any, name: str) -> None:
        """What reaches the child's real stdout/stderr (C code, a crash) becomes output too."""
        for raw in iter(pipe.readline, b""):
            if process is self.process:
                self._deliver([events.make("output", self.last_seq, stream=name,
                                           text=raw.decode(errors="replace"))])
        pipe.close()

    # -- convenience --------------------------------------------------------------------------
    def ops(self) -> list[dict]:
        """The op events received so far."""
        with self._changed:
            return [e for e in self.events if e.get("kind") == "op"]

    def output(self, stream: str | None = None) -> str:
        """Everything the script printed so far (to one stream, or both)."""
        with self._changed:
            return "".join(e["text"] for e in self.events if e.get("kind") == "output"
                           and (stream is None or e["stream"] == stream))
