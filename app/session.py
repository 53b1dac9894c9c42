"""The one adapter between the engine's debugger and every widget: a thin Qt bridge.

What a run produced lives in a Qt-free :class:`~debugger.session_model.SessionModel`
(``Session.model``: ops in columns, other events by kind) that every dock queries. A
:class:`Session` has one source at a time: a live run (``launch``: a ``DebugClient``
running the script in a child process, its "ops" packs passed on undecoded) or a recorded
trace (``open_trace``: decoded by a worker thread, ``debugger.trace_parts``, its ops and
events handed over in parts, so the trace shows while it is read). Either source only
appends to a thread-safe inbox; a timer on the UI thread drains it at screen rate, adds the
batch to the model and emits ONE ``opsAdded`` (a row range) and ONE ``eventsArrived`` (the
other events) per tick, so widgets update per batch, never per op, and never touch sockets
or files themselves.
"""

from __future__ import annotations

import collections
import gc
import os
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from debugger import events as event_schema
from debugger.breakpoints import Breakpoint
from debugger.client import DebugClient, DebuggeeError
from debugger.opstore import OpsView
from debugger.session_model import SessionModel
from debugger.step_values import (
    DEFAULT_BUDGET_BYTES,
    ClientStepValues,
    StepValues,
    TraceStepValues,
    ValueMissing,
)
from debugger.trace_parts import TraceLoader
from debugger.tracefile import TraceFileError, TraceReader

# Session states (``Session.state``; ``stateChanged`` carries them).
IDLE = "idle"  # nothing open
LOADING = "loading"  # a trace is being read
TRACE = "trace"  # a trace is open, fully read (post-mortem)
STARTING = "starting"  # the debuggee is starting
RUNNING = "running"
PAUSED = "paused"
FINISHED = "finished"  # the live run ended (ok, error, stopped, died, exited, terminated)
LIVE_STATES = (STARTING, RUNNING, PAUSED, FINISHED)

DEFAULT_MODE = "CONCISE_HEALTH"
DRAIN_INTERVAL_MS = 30  # about two frames: batches at screen rate, not per event
BACKLOG_INTERVAL_MS = 1  # the next tick, while events are still waiting
TICK_BUDGET_S = 0.01  # the widgets' share of a tick; the rest keeps the window responsive
MIN_EVENTS_PER_TICK = 200  # however slow the widgets, the stream moves on (a pack: its ops)
MAX_EVENTS_PER_TICK = 20_000
# Events live until the session is cleared: once this many more arrived, they are moved out
# of the garbage collector's reach (gc.freeze), or every full collection walks millions of
# event dicts and stalls the window for hundreds of milliseconds.
FREEZE_EVERY = 5_000
INBOX_LIMIT = 200_000  # ops (and events) waiting for the UI before the source is held back
OPS_PER_UNIT = 100  # a trace part's ops cost the widgets about what one other event does
# Seconds a value request may wait (on the UI thread): a paused debuggee answers at once, a
# running one at its next event, which a long numpy call can hold up.
FETCH_TIMEOUT_PAUSED = 3.0
FETCH_TIMEOUT_RUNNING = 0.5
VALUE_CACHE_SIZE = 64


class Session(QObject):
    """The debugger as Qt signals: one live run or one trace, and what it produced."""

    # Payloads are declared ``object``: a ``list``/``dict`` signal makes PySide convert every
    # event to a QVariant and back (~30 µs per event), an ``object`` one passes it as is.
    # Slots share the batch and its dicts, so they must not change them.
    eventsArrived = Signal(object)  # list[dict]: a batch of events (not ops), in seq order
    # ops rows start..stop of ``model.ops`` were added (emitted before the same tick's
    # eventsArrived); views read them from the model, no op dict travels
    opsAdded = Signal(int, int)
    eventsCleared = Signal()  # a new run or trace starts: forget everything shown
    runPaused = Signal(object)  # dict: the "paused" event (reason, at_seq, op_seq, file, line…)
    runResumed = Signal()
    runFinished = Signal(str)  # status: ok, error, stopped, died, exited, terminated
    stateChanged = Signal(str)  # one of the state constants of this module
    errorRaised = Signal(str, str)  # title, text: something the user should act on
    breakpointsChanged = Signal(object)  # list[Breakpoint]: all breakpoints now
    modeChanged = Signal(str)
    traceProgress = Signal(int, int)  # events loaded, events in the trace

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.model = SessionModel()
        self._state = IDLE
        self._mode = DEFAULT_MODE
        self._breakpoints: list[Breakpoint] = []
        self._next_breakpoint_id = 1
        self._script_path: Path | None = None
        self._script_args: list[str] = []
        self._trace_path: Path | None = None
        self._client: DebugClient | None = None
        self._reader: TraceReader | None = None
        self._loader: TraceLoader | None = None
        self._start_paused = False
        self._values: collections.OrderedDict[tuple[int, int], np.ndarray] = (
            collections.OrderedDict())
        self.last_fetch_error = ""
        self.step_value_bytes = DEFAULT_BUDGET_BYTES  # what live runs keep for the step diff
        self.paused_event: dict | None = None
        # Items are (generation, what, payload); a deque's append/popleft are thread-safe.
        # The generation drops what an earlier run or trace still delivers after a switch.
        self._inbox: collections.deque[tuple[int, str, Any]] = collections.deque()
        self._generation = 0
        # ops (packs count theirs) and events of the live source: arrived (its reader
        # thread writes it) and drained (the UI thread does); the difference is the backlog
        self._arrived = 0
        self._drained = 0
        self._seconds_per_event = 2e-6  # what the widgets took per event lately (learned)
        self._unfrozen = 0  # events received since the last gc.freeze
        self._frozen = False
        self._closers: list[threading.Thread] = []
        self._timer = QTimer(self)
        self._timer.setInterval(DRAIN_INTERVAL_MS)
        self._timer.timeout.connect(self._drain)
        self._timer.start()

    # -- what the widgets read ------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self._state

    @property
    def is_live(self) -> bool:
        """Whether a script runs (or ran) under this session, rather than a trace."""
        return self._client is not None

    @property
    def script_path(self) -> Path | None:
        """The script being debugged, or the script a trace recorded (if it says)."""
        return self._script_path

    @property
    def trace_path(self) -> Path | None:
        return self._trace_path

    @property
    def mode(self) -> str:
        return self._mode

    @property
    def breakpoints(self) -> list[Breakpoint]:
        return list(self._breakpoints)

    @property
    def events(self) -> list[dict]:
        """Every event received that is not an op (ops: ``ops`` or ``model.ops``)."""
        return self.model.events

    @property
    def ops(self) -> OpsView:
        """The op events as a read-only list (each rebuilt from the model when read)."""
        return self.model.op_list

    @property
    def op_seqs(self) -> np.ndarray:
        return self.model.ops.seqs.data

    @property
    def op_steps(self) -> np.ndarray:
        return self.model.op_steps()

    @property
    def op_count(self) -> int:
        return len(self.model.ops)

    @property
    def damaged_count(self) -> int:
        """Events of the trace or stream that could not be read and were skipped."""
        return self.model.damaged

    @property
    def variables(self) -> dict[int, dict]:
        return self.model.variables

    @property
    def variable_updates(self) -> dict[int, list[dict]]:
        return self.model.variable_updates

    @property
    def scalars(self) -> dict[str, list[dict]]:
        return self.model.scalars

    @property
    def gradients(self) -> dict[int, list[dict]]:
        return self.model.gradients

    @property
    def graphs(self) -> list[dict]:
        return self.model.graphs

    @property
    def source_files(self) -> list[str]:
        return self.model.source_files

    @property
    def step(self) -> int:
        return self.model.step

    @property
    def epoch(self) -> int:
        return self.model.epoch

    def op_by_seq(self, seq: int) -> dict | None:
        """The op event with this seq (binary search over the op index)."""
        return self.model.ops.op_by_seq(seq)

    @property
    def paused_op(self) -> dict | None:
        """The op event the run is paused at or after (the latest op that ran); None at the
        start and when running."""
        paused = self.paused_event
        if not paused or paused.get("reason") == "start":
            return None
        seq = paused.get("op_seq") or paused.get("at_seq")
        return self.op_by_seq(int(seq)) if seq else None

    @property
    def paused_location(self) -> tuple[str, int]:
        """(file, line) where the run is paused, the same for status bar, Source and Ops:
        the line of ``paused_op`` when there is one (a step ends inside a compiled
        function or the optimizer, whose outermost script line would point elsewhere),
        else where the script stands, as where it raised (the failing op never ran).
        ("", 0) when not paused."""
        paused = self.paused_event or {}
        op = self.paused_op if paused.get("reason") != "exception" else None
        where = op if op is not None and op.get("file") and op.get("line") else paused
        return str(where.get("file") or ""), int(where.get("line") or 0)

    def describe_pause(self) -> str:
        """Why and where the run is paused, in a person's words."""
        paused = self.paused_event
        if not paused:
            return ""
        return describe_pause(paused, self.paused_op, self.paused_location, self._breakpoints)

    def add_events(self, batch: list[dict]) -> None:
        """Add events as if the source had just delivered them (tools and tests): ops into
        the model, then ``opsAdded`` and ``eventsArrived`` at once."""
        start = len(self.model.ops)
        others = self.model.add(batch)
        if len(self.model.ops) > start:
            self.opsAdded.emit(start, len(self.model.ops))
        if others:
            self.eventsArrived.emit(others)

    # -- opening sources ------------------------------------------------------------------------
    def launch(self, script: str | os.PathLike, args: Sequence[str] = (),
               mode: str | None = None, *, run: bool = False) -> bool:
        """Start debugging ``script`` in a child process, paused before its first line
        (or running at once with ``run=True``). Returns False (and says why through
        ``errorRaised``) when it cannot start."""
        path = Path(script)
        if not path.is_file():
            self.errorRaised.emit("Script not found",
                                  f"There is no script at {path}.\n\nCheck the path, or open "
                                  "another script with File › Open script….")
            return False
        if mode is not None:
            if mode not in event_schema.MODES:
                self.errorRaised.emit("Unknown tensor debug mode",
                                      f"{mode!r} is not one of {', '.join(event_schema.MODES)}.")
                return False
            self._mode = mode
        self._close_source()
        self._script_path = path.resolve()
        self._script_args = [str(a) for a in args]
        self._trace_path = None
        self._reset()
        return self._start_client(start_paused=not run)

    def open_trace(self, path: str | os.PathLike) -> bool:
        """Open a recorded trace read-only; a worker thread decodes it and its parts arrive
        as a live run's events do, shown as they land. Returns False (and says why) on
        failure."""
        path = Path(path)
        try:
            reader = TraceReader(path)
        except FileNotFoundError:
            self.errorRaised.emit("Trace file not found", f"There is no trace file at {path}.")
            return False
        except (TraceFileError, sqlite3.Error, OSError) as exc:
            self.errorRaised.emit("Cannot open the trace", str(exc))
            return False
        self._close_source()
        self._reader = reader
        self._trace_path = path.resolve()
        script = reader.meta.get("script")
        self._script_path = Path(script) if isinstance(script, str) and script else None
        self._script_args = []
        self._reset()
        mode = reader.meta.get("mode")
        if mode in event_schema.MODES and mode != self._mode:
            self._mode = mode
            self.modeChanged.emit(mode)
        generation = self._generation
        inbox = self._inbox
        self._set_state(LOADING)
        self._loader = TraceLoader(
            path.resolve(), lambda what, payload: inbox.append((generation, what, payload)))
        return True

    def close(self) -> None:
        """Forget the current run or trace (stopping the run)."""
        self._close_source()
        self._script_path = self._trace_path = None
        self._reset()
        self._set_state(IDLE)

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop everything before the window goes away; waits for the child to exit."""
        self._timer.stop()
        self._close_source()
        self._thaw()
        for closer in self._closers:
            closer.join(timeout)
        self._closers.clear()

    # -- run control (what the toolbar calls) --------------------------------------------------
    def run(self) -> None:
        """Run from the start, continue a paused run, or run a finished script again."""
        if self._client is None:
            if self._script_path is not None and self._trace_path is None:
                self._start_client(start_paused=False)
            return
        if self._state == FINISHED:
            self.restart()
            return
        self._command("run")

    def continue_(self) -> None:
        self._command("continue_")

    def pause(self) -> None:
        self._command("pause")

    def step_op(self) -> None:
        self._command("step_op")

    def step_batch(self) -> None:
        self._command("step_batch")

    def step_epoch(self) -> None:
        self._command("step_epoch")

    def stop(self) -> None:
        """Stop the run; the child is asked, then killed, on a worker thread."""
        client = self._client
        if client is None or self._state == FINISHED:
            return
        self._in_background(client.stop, "stop")

    def restart(self) -> None:
        """Stop this run and start the script again from the top, running."""
        if self._client is None or self._script_path is None:
            return
        self._close_source()
        self._reset()
        self._start_client(start_paused=False)

    def set_mode(self, mode: str) -> None:
        """Tensor debug mode for the next ops (and the next runs)."""
        if mode not in event_schema.MODES:
            raise ValueError(f"unknown tensor debug mode {mode!r}")
        if mode == self._mode:
            return
        self._mode = mode
        if self._client is not None and self._state != FINISHED:
            self._client.set_mode(mode)
        self.modeChanged.emit(mode)

    def set_breakpoints(self, breakpoints: Iterable[Breakpoint]) -> None:
        """Replace all breakpoints; a running debuggee gets them at once."""
        listed = list(breakpoints)
        for bp in listed:
            if not bp.id:  # ids are ours, so they stay unique across restarts
                bp.id = self._next_breakpoint_id
            self._next_breakpoint_id = max(self._next_breakpoint_id, bp.id + 1)
        self._breakpoints = listed
        if self._client is not None and self._state != FINISHED:
            self._client.set_breakpoints(listed)
        self.breakpointsChanged.emit(list(listed))

    def fetch_value(self, seq: int, idx: int = 0) -> np.ndarray | None:
        """Output ``idx`` of op ``seq``: from the debuggee (answered at once while paused)
        or from the trace; None when it is not available (``last_fetch_error`` says why)."""
        key = (int(seq), int(idx))
        cached = self._values.get(key)
        if cached is not None:
            self._values.move_to_end(key)
            return cached
        value = None
        self.last_fetch_error = ""
        if self._reader is not None:
            try:
                value = self._reader.value(seq, idx)
            except (TraceFileError, sqlite3.Error, ValueError, OSError) as exc:
                self.last_fetch_error = f"reading the trace failed: {exc}"
            if value is None and not self.last_fetch_error:
                self.last_fetch_error = ("this trace holds no values for this op (record "
                                         "with --mode FULL_TENSOR to keep them)")
        elif self._client is not None:
            if self._state == FINISHED:
                self.last_fetch_error = "the run is over; its values are gone"
            else:
                try:
                    timeout = (FETCH_TIMEOUT_PAUSED if self._state == PAUSED
                               else FETCH_TIMEOUT_RUNNING)
                    value = self._client.get_value(seq, idx, timeout=timeout)
                except (DebuggeeError, TimeoutError) as exc:
                    self.last_fetch_error = str(exc)
        else:
            self.last_fetch_error = "nothing is open"
        if value is not None:
            self._values[key] = value
            while len(self._values) > VALUE_CACHE_SIZE:
                self._values.popitem(last=False)
        return value

    def step_values(self) -> StepValues | None:
        """Full weights and gradients per step for the step diff: the debuggee's snapshots
        of a live run, the stored values of a trace (``debugger.step_values``); None
        when nothing is open."""
        if self._reader is not None:
            gradients = [e for step in sorted(self.model.gradients)
                         for e in self.model.gradients[step]]
            return TraceStepValues(self.model.variable_updates, gradients,
                                   self._read_trace_value, self._mode)
        if self._client is not None:
            return ClientStepValues(self._fetch_step_value, (DebuggeeError, TimeoutError),
                                    self._client.snapshot_bytes)
        return None

    def keep_step_values(self, on: bool) -> None:
        """Whether live runs (this one from now on, and the next) keep per-step values."""
        self.step_value_bytes = DEFAULT_BUDGET_BYTES if on else 0
        if self._client is not None and self._state != FINISHED:
            self._client.set_step_values(self.step_value_bytes)

    def _read_trace_value(self, seq: int, index: int) -> np.ndarray | None:
        try:
            return self._reader.value(seq, index) if self._reader is not None else None
        except (TraceFileError, sqlite3.Error, ValueError, OSError) as exc:
            raise ValueMissing(f"reading the trace failed: {exc}") from None

    def _fetch_step_value(self, what: str, step: int, variable: int) -> np.ndarray:
        client = self._client
        if client is None:
            raise DebuggeeError("the run is closed")
        timeout = FETCH_TIMEOUT_PAUSED if self._state == PAUSED else FETCH_TIMEOUT_RUNNING
        return client.get_step_value(what, step, variable, timeout=timeout)

    # -- internals ------------------------------------------------------------------------------
    def _command(self, name: str) -> None:
        client = self._client
        if client is None or self._state == FINISHED:
            return
        try:
            getattr(client, name)()
        except DebuggeeError as exc:
            self.errorRaised.emit("The run is over", str(exc))

    def _start_client(self, start_paused: bool) -> bool:
        assert self._script_path is not None
        generation = self._generation

        inbox = self._inbox

        def on_event(event: dict) -> None:  # the client's reader thread
            if generation != self._generation:
                return
            inbox.append((generation, "event", event))
            self._arrived += _units(event)  # this thread alone writes it
            if self._arrived - self._drained > INBOX_LIMIT:
                self._wait_for_room(generation)

        def on_state(state: str) -> None:  # any thread
            self._inbox.append((generation, "state", state))

        self._start_paused = start_paused
        self._arrived = self._drained = 0
        try:
            self._client = DebugClient(
                self._script_path, self._script_args, mode=self._mode, on_event=on_event,
                on_state=on_state, start_paused=start_paused, breakpoints=self._breakpoints,
                keep_events=False, expand_packs=False,
                snapshot_bytes=self.step_value_bytes)
        except (OSError, ValueError) as exc:
            self._client = None
            self.errorRaised.emit("Cannot start the script",
                                  f"Starting {self._script_path.name} failed: {exc}")
            self._set_state(IDLE)
            return False
        self._set_state(STARTING)
        return True

    def _wait_for_room(self, generation: int) -> None:
        """Back-pressure (reader thread): when the UI falls behind, stop reading the
        socket; the debuggee's send buffer fills and the script waits, instead of this
        process hoarding events faster than it can show them."""
        while (self._arrived - self._drained > INBOX_LIMIT // 2
               and generation == self._generation):
            time.sleep(0.005)

    def _in_background(self, call: Any, what: str) -> None:
        """Run a blocking client call (stop: waits for the child) off the UI thread."""
        thread = threading.Thread(target=call, name=f"tapescope-{what}", daemon=True)
        thread.start()
        self._closers = [t for t in self._closers if t.is_alive()] + [thread]

    def _close_source(self) -> None:
        """End the current run or trace; whatever it still delivers is dropped."""
        self._generation += 1
        self._inbox.clear()
        client, self._client = self._client, None
        if client is not None:
            self._in_background(client.close, "close")
        if self._loader is not None:
            self._loader.close()  # it stops after at most one page of the trace
            self._loader = None
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def _close_loader(self) -> None:
        loader, self._loader = self._loader, None
        if loader is not None:
            loader.close()  # it has said its last: its thread is ending

    def _thaw(self) -> None:
        """Hand frozen objects back to the collector (the events are about to go)."""
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
        self._unfrozen = 0

    def _reset(self) -> None:
        """Forget the last run or trace; ``script_path``/``trace_path`` already name the new
        one, so the docks reset to it (the Source dock shows the new script, not the old)."""
        self._thaw()
        self.model = SessionModel()
        self._values.clear()
        self.paused_event = None
        self.eventsCleared.emit()
        if any(bp.hits for bp in self._breakpoints):  # the breakpoints stay; their hits are
            for bp in self._breakpoints:  # the last run's
                bp.hits = 0
            self.breakpointsChanged.emit(list(self._breakpoints))

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.stateChanged.emit(state)

    def _drain(self) -> None:
        """Timer tick (UI thread): hand what arrived to the widgets in one batch.

        A batch is sized so that the widgets' work on it fits ``TICK_BUDGET_S`` (learned
        from the previous batches): a burst is spread over several ticks and the window
        keeps answering. If the backlog still grows, the live source is held back
        (``INBOX_LIMIT``)."""
        inbox = self._inbox
        if not inbox:
            return
        started = time.perf_counter()
        limit = int(min(MAX_EVENTS_PER_TICK, max(MIN_EVENTS_PER_TICK,
                                                 TICK_BUDGET_S / self._seconds_per_event)))
        generation = self._generation
        batch: list[dict] = []  # events to add to the model
        start = len(self.model.ops)
        shown: list[dict] = []  # events of trace parts the model holds, for the widgets
        part_done = False  # the widgets have had every event of a trace part
        after: list[tuple[str, Any]] = []  # state signals, emitted after the batch
        units = 0  # events, a pack counting its ops
        while inbox and units < limit:
            item_generation, what, payload = inbox.popleft()
            if item_generation != generation:
                continue
            if what == "event":
                batch.append(payload)
                units += _units(payload)
                if payload.get("kind") in ("paused", "finished", "error"):
                    after.append((payload["kind"], payload))
                elif payload.get("kind") == "output" and "breakpoint" in payload:
                    # a breakpoint's condition raised: the debuggee switched it off
                    after.append(("breakpoint_failed", payload))
            elif what == "part":  # its ops are appended as columns (cheap); its events...
                units += payload.ops.count // OPS_PER_UNIT + 1
                part_events = payload.events
                try:
                    self.model.add_part(payload._replace(events=[]))
                except ValueError as exc:  # cannot happen with parts in order: said, not hung
                    self.model.note_damage("?", "ops", f"a decoded part did not fit: {exc}",
                                           payload.ops.count or 1)
                    part_events = []
                inbox.appendleft((item_generation, "shown", part_events))
            elif what == "shown":  # ...go to the model and widgets a tick's share at a time
                room = max(1, limit - units)  # (all at once, a part's ~4,700 events held the
                if len(payload) > room:  # window for 40-130 ms, measured)
                    inbox.appendleft((item_generation, what, payload[room:]))
                    payload = payload[:room]
                else:
                    part_done = True
                shown.extend(self.model.add_part_events(payload))
                units += len(payload)
            else:
                after.append((what, payload))
        model = self.model
        others = model.add(batch) if batch else []
        others.extend(shown)
        stop = len(model.ops)
        if stop > start:
            self.opsAdded.emit(start, stop)
        if others:
            self.eventsArrived.emit(others)
        if units:
            self._drained += units
            per_event = (time.perf_counter() - started) / units
            self._seconds_per_event += 0.3 * (per_event - self._seconds_per_event)
            self._unfrozen += len(batch) + len(shown)
            if self._unfrozen >= FREEZE_EVERY:
                gc.freeze()
                self._unfrozen = 0
                self._frozen = True
        if part_done and self._loader is not None:
            self._loader.part_shown()  # the loader decodes the next part meanwhile
        for what, payload in after:
            if generation != self._generation:
                break  # a slot opened something else meanwhile
            self._handle(what, payload)
        # A backlog beyond this tick's budget (a trace loading) is worked off at once rather
        # than a frame later; other events still get in between. A steady live stream
        # keeps the screen-rate interval, so the widgets repaint at most that often.
        behind = units >= limit and bool(inbox)
        self._timer.setInterval(BACKLOG_INTERVAL_MS if behind else DRAIN_INTERVAL_MS)

    def _handle(self, what: str, payload: Any) -> None:
        if what == "state":
            if payload == "running" and self._state in (STARTING, PAUSED):
                was_paused = self._state == PAUSED
                if not was_paused and self._start_paused:
                    return  # it pauses before the first line: no "running" flash
                self.paused_event = None
                self._set_state(RUNNING)
                if was_paused:
                    self.runResumed.emit()
            # paused and finished come as events, in order with the others
        elif what == "paused":
            if self._state == FINISHED:
                return
            self.paused_event = payload
            self._set_state(PAUSED)
            self.runPaused.emit(payload)
        elif what == "error":
            self.errorRaised.emit(*describe_error(payload))
        elif what == "breakpoint_failed":
            for bp in self._breakpoints:
                if bp.id == payload["breakpoint"]:  # the debuggee switched it off
                    bp.enabled = False
                    bp.error = payload.get("text", "").strip()
            self.breakpointsChanged.emit(list(self._breakpoints))
        elif what == "finished":
            status = payload.get("status", "ok")
            self.paused_event = None
            self._set_state(FINISHED)
            self.runFinished.emit(status)
            code = payload.get("returncode")
            if status == "died" or (status == "exited" and code):
                tail = "".join(self.model.stderr_tail).strip()
                name = self._script_path.name if self._script_path else "the script"
                if status == "died":
                    title = "The debuggee died"
                    text = (f"The process running {name} ended without saying why "
                            f"(exit code {code}).")
                else:  # every event up to the call was delivered
                    title = "The script exited"
                    text = f"{name} called os._exit({code})."
                if tail:
                    text += f"\n\nIts last output on stderr:\n{tail}"
                self.errorRaised.emit(title, text)
        elif what == "reserve":  # the ops columns, sized for the trace (its loader writes
            self.model.ops.adopt(payload)  # their pages ahead): no growing while it loads
        elif what == "progress":
            self.traceProgress.emit(*payload)
        elif what == "loaded":
            self._close_loader()
            self._set_state(TRACE)
            damaged = self.model.damaged
            if damaged:
                shown = self.model.damage[:5]
                more = f"\n… and {damaged - len(shown):,} more" if damaged > len(shown) else ""
                self.errorRaised.emit(
                    "The trace is damaged",
                    f"{damaged:,} damaged event{'s' if damaged != 1 else ''} skipped:\n"
                    + "\n".join(shown) + more + "\n\nEverything else is shown.")
        elif what == "failed":
            self._close_loader()
            self._set_state(TRACE)
            self.errorRaised.emit("The trace could not be read to the end",
                                  f"{payload}\n\nEverything before that point is shown.")


def _units(event: dict) -> int:
    """What an event weighs in the inbox: a pack its ops, any other event one."""
    if event.get("kind") == "ops":
        count = event.get("count")
        if isinstance(count, int) and 0 < count < 1 << 20:
            return count
    return 1


def describe_error(event: dict) -> tuple[str, str]:
    """(title, text) of an ``error`` event, the way a person reads a failed run."""
    message = (event.get("message") or "the script raised an exception").strip()
    file, line = event.get("file") or "", int(event.get("line") or 0)
    # A SyntaxError's own message says where it is (its traceback is runpy's frames).
    located = re.match(r'\s*File "(?P<file>[^"]+)", line (?P<line>\d+)', message)
    if located:
        file, line = located["file"], int(located["line"])
    exc_type = message.splitlines()[-1].split(":", 1)[0].strip()
    where = f"{Path(file).name}, line {line}" if file and line else Path(file).name or "?"
    if exc_type in ("SyntaxError", "IndentationError", "TabError"):
        title = f"Syntax error in {where}"
        if file and line and not located:  # file:line: SyntaxError: …, then the caret
            context = (event.get("traceback") or "").rstrip()
            return title, f"{file}:{line}: {message}" + (f"\n\n{context}" if context else "")
    else:
        title = f"The script raised {exc_type}"
    text = message
    if file and not located:
        text += f"\n\nat {file}:{line}" if line else f"\n\nin {file}"
    traceback = event.get("traceback") or ""
    if traceback and not located:
        text += f"\n\n{traceback.rstrip()}"
    return title, text


def describe_pause(paused: dict, op: dict | None, location: tuple[str, int],
                   breakpoints: Sequence[Breakpoint] = ()) -> str:
    """"Paused after step 3 — MatMul at train.py:14": why (the ``paused`` event's reason,
    never its internal name) and where (``op`` and ``location``, as the docks show them)."""
    reason = paused.get("reason")
    op_type = op["op"] if op is not None and reason != "exception" else ""
    if reason == "start":
        return "Paused at start — press F5 to run, F10 to step one op"
    if reason == "step":
        headline = f"Paused after op {op_type}" if op_type else "Paused after one op"
    elif reason == "step_batch":
        headline = f"Paused after step {int(paused.get('step') or 0) + 1}"
    elif reason == "step_epoch":
        headline = f"Paused after epoch {int(paused.get('epoch') or 0) + 1}"
    elif reason == "breakpoint":
        headline = _breakpoint_headline(paused, op, breakpoints)
    elif reason == "exception":
        headline = "Stopped where the script raised an exception"
    else:  # "pause": the user asked
        headline = "Paused"
    file, line = location
    if not file or line <= 0:
        return headline
    place = f"{Path(file).name}:{line}"
    if op_type and op_type not in headline:
        return f"{headline} — {op_type} at {place}"
    return f"{headline} — {place}"


def _breakpoint_headline(paused: dict, op: dict | None,
                         breakpoints: Sequence[Breakpoint]) -> str:
    hit = next((bp for bp in breakpoints if bp.id == paused.get("breakpoint")), None)
    kind = hit.kind if hit is not None else ""
    if kind == "nan":
        if op is None or paused.get("at_seq") != op.get("seq"):
            return "Paused: first NaN/Inf in a gradient"
        summaries = [s for s in op.get("summary") or () if s]
        bad = "NaN" if any(s.get("nan") for s in summaries) or not summaries else "Inf"
        return f"Paused: first {bad} in {op['op']}"
    if kind == "op_name" and op is not None:
        return f"Paused at breakpoint: {op['name']}"
    if kind == "line":
        return f"Paused at breakpoint: line {hit.line}"
    if kind == "condition":
        return f"Paused at breakpoint: {hit.condition}"
    if op is not None:
        return f"Paused at breakpoint: {op['op']}"
    return "Paused at a breakpoint"
