"""The trace file: a run's events and tensor values in one SQLite file, safe to open later.

Why SQLite: transactions make the file crash-safe (a run killed with SIGKILL leaves every
committed batch readable), indexes give the debugger random access by sequence number, step
and op type for time travel, and it is in the standard library.

Layout (``TRACEFILE_VERSION`` 2; the events inside follow ``events.SCHEMA_VERSION``):

- ``meta(key, value)``: ``format`` = ``"tapescope-trace"``, ``schema_version``,
  ``tracefile_version``, ``created``, ``engine_version``, whatever the recorder adds (script,
  argv), ``closed`` once the writer closed cleanly and ``dropped_values`` (count, bytes,
  first_seq, reason) once tensor values were left out. Values are JSON.
- ``events(seq, kind, step, epoch, op, name, bad, body, n)``: one row per event; an "ops" pack
  of ``n`` consecutive op events (version 2; version 1 files have no ``n``) is one row at
  the seq of its first op, which the reader expands back into op events. ``body`` is the
  whole event as JSON the way Python's ``json`` writes it: numpy scalars become numbers, and
  non-finite floats are the tokens ``NaN``, ``Infinity``, ``-Infinity`` (a NaN loss must
  survive the round trip; SQLite's own JSON functions reject those tokens, so query bodies
  through :class:`TraceReader`). The other columns copy fields out of the body so they can be
  indexed; ``bad`` is 1 for op events (and packs) whose summaries saw NaN or Inf.
  Consecutive ``output`` events of one stream committed together are stored as one, at
  the first one's seq (the others' seqs are left unused).
- ``tensor_values(seq, idx, npy)``: output ``idx`` of the op event ``seq`` as ``.npy`` bytes,
  written and read with ``allow_pickle=False``: opening someone else's trace runs no code.
  A negative ``idx`` is input ``-1 - idx`` of that op, kept where a headless breakpoint
  stopped the run (``headless_stop``).

:class:`TraceWriter` appends from the training thread at the cost of a deque append (an
"ops" pack also at the cost of its JSON) and encodes and commits on a background thread in
batched transactions; :class:`TraceReader` opens a trace
read-only, also while a writer is still appending to it (WAL mode).

A trace may come from anyone: the reader hands out only events that pass
``validate.problem`` (a damaged row is skipped and counted, see ``damaged_events``), and
says in words why a file cannot be opened (a directory, a FIFO, permission denied, cut
short). The writer never fails the run over space: values past the size budget, over
SQLite's length limit or past a full disk are dropped and counted in meta.
"""

from __future__ import annotations

import atexit
import itertools
import os
import sqlite3
import stat
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from debugger import events as event_schema
from debugger import jsoncodec, source_files, validate
from debugger.health import pack_is_bad, summary_is_bad
from debugger.npy import array_from_npy, npy_bytes

FORMAT = "tapescope-trace"
TRACEFILE_VERSION = 2  # 2: the n column, "ops" packs
# "TpSc": lets `file` and other tools tell a trace from any other SQLite database.
APPLICATION_ID = 0x54705363
TABLES = ("meta", "events", "tensor_values")

_CREATE_TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE events (
    seq INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    step INTEGER,
    epoch INTEGER,
    op TEXT,
    name TEXT,
    bad INTEGER NOT NULL DEFAULT 0,
    body TEXT NOT NULL,
    n INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX events_kind ON events (kind, seq);
CREATE INDEX events_step ON events (step, kind);
CREATE INDEX events_op ON events (op, seq);
CREATE INDEX events_bad ON events (seq) WHERE bad;
CREATE TABLE tensor_values (
    seq INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    npy BLOB NOT NULL,
    PRIMARY KEY (seq, idx)
);
"""
_INSERT_EVENT = ("INSERT INTO events (seq, kind, step, epoch, op, name, bad, body, n) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
_INSERT_VALUE = "INSERT INTO tensor_values (seq, idx, npy) VALUES (?, ?, ?)"
# A batch of full tensor values stops growing here so one transaction stays a sane size.
_MAX_BATCH_BYTES = 64 << 20
# Seconds between checkpoints of the write-ahead log into the main file while a run goes on:
# a copy of the main file alone (no -wal) then holds all but the last few seconds.
CHECKPOINT_SECONDS = 2.0
# Consecutive lines of output are merged into one event up to this many characters.
_MAX_OUTPUT_TEXT = 1 << 20


class TraceFileError(Exception):
    """A file that cannot be read as a trace: not one, damaged, or from a newer Tapescope."""


class TraceDamagedError(TraceFileError):
    """A trace file whose data is damaged (cut short, a page unreadable) past its header."""


class TraceWriteError(RuntimeError):
    """The writer thread failed to store something; raised on the next call that can."""


class StepOps(NamedTuple):
    step: int
    ops: int


class DroppedValues(NamedTuple):
    """Tensor values a writer did not store (size budget, SQLite's limit, a full disk)."""
    count: int
    bytes: int
    first_seq: int
    first_step: int | None  # the step of the op whose value was dropped first
    reason: str


class Scalar(NamedTuple):
    step: int | None
    name: str
    value: float




def _encode_text(value: Any) -> str:
    return jsoncodec.dumps(value).decode()


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


def _is_bad(event: dict) -> bool:
    kind = event["kind"]
    if kind == "op":
        return summary_is_bad(event.get("summary"))
    if kind == "ops":
        return pack_is_bad(event)
    return False


class TraceWriter:
    """Appends events and tensor values to a new trace file without stalling the caller.

    ``write`` and ``write_value`` only queue; a daemon thread commits what is queued every
    ``flush_interval`` seconds or once ``batch_events`` items wait, whichever comes first, one
    transaction per batch. Errors from that thread are raised by the next ``write``,
    ``write_value``, ``flush`` or ``close``. The writer owns the dicts it is given: the caller
    must not mutate an event after writing it.
    """

    def __init__(self, path: str | os.PathLike, *, batch_events: int = 2000,
                 flush_interval: float = 0.2, overwrite: bool = False,
                 meta: dict[str, Any] | None = None, max_pending: int = 200_000,
                 max_bytes: int | None = None, value_limit: int | None = None,
                 warn: Callable[[str], None] | None = None,
                 checkpoint_interval: float = CHECKPOINT_SECONDS) -> None:
        if batch_events < 1 or flush_interval <= 0:
            raise ValueError("batch_events must be >= 1 and flush_interval > 0")
        self.path = Path(path)
        if self.path.exists() and self.path.stat().st_size > 0 and not overwrite:
            raise FileExistsError(f"{self.path} already exists; pass overwrite=True to "
                                  "replace it")
        # Stale -wal/-shm files of an earlier file by this name would be replayed into ours.
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)
        self._batch_events = batch_events
        self._flush_interval = flush_interval
        self._checkpoint_interval = checkpoint_interval
        self._max_pending = max(max_pending, batch_events)
        # Items: event dicts, event rows (tuples of 9), (seq, idx, array) value tuples, and
        # threading.Event flush markers.
        self._queue: deque = deque()
        self._wake = threading.Event()
        self._room = threading.Condition()
        self._error: TraceWriteError | None = None  # the first problem, reported once
        self._more_errors = 0  # problems after the first, before it was reported
        self._fatal: TraceWriteError | None = None  # the database failed: every call raises
        self._refuse = False  # fast check in write(): an error is pending or we are closed
        # Degrading instead of failing the run: values over the size budget (``max_bytes``,
        # file size), over SQLite's length limit or past a full disk are dropped and counted
        # in meta "dropped_values"; if not even events fit, the trace stops (``_stopped``).
        self._max_bytes = max_bytes
        self._warn = warn or _warn_on_stderr
        self._warned: set[str] = set()
        self._values_off: str | None = None  # why no more values are stored
        self._dropped: dict[str, Any] = {}
        self._dropped_changed = False
        self._stopped: str | None = None
        self._stopping = False
        self._closed = False

        # One connection, created here so set-up errors surface now; after that only the
        # writer thread touches it.
        db = None
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")  # creates the file: fails here if it can't
        except sqlite3.Error as exc:
            if db is not None:
                db.close()
            raise TraceWriteError(f"cannot create the trace {self.path}: "
                                  f"{_why_not_writable(self.path) or exc}") from None
        self._db = db
        if value_limit is not None:  # SQLite's own limit on a value (1 GB by default)
            self._db.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, value_limit)
        try:
            # In WAL mode NORMAL loses nothing on a process kill, only on power loss.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            self._db.execute("BEGIN")
            for statement in _CREATE_TABLES.split(";"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.executemany("INSERT INTO meta (key, value) VALUES (?, ?)",
                                 [(k, _encode_text(v))
                                  for k, v in self._initial_meta(meta).items()])
            self._db.execute("COMMIT")
        except BaseException:
            self._db.close()
            raise
        self._thread = threading.Thread(target=self._run, name="tapescope-trace-writer",
                                        daemon=True)
        self._thread.start()
        atexit.register(self.close)

    @staticmethod
    def _initial_meta(extra: dict[str, Any] | None) -> dict[str, Any]:
        import engine  # the package this module lives in, already imported

        meta = {
            "format": FORMAT,
            "schema_version": event_schema.SCHEMA_VERSION,
            "tracefile_version": TRACEFILE_VERSION,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "engine_version": getattr(engine, "ENGINE_BUILD", "unknown"),
        }
        for key, value in (extra or {}).items():
            if key in meta:
                raise ValueError(f"meta key {key!r} is reserved")
            meta[key] = value
        return meta

    # -- the training thread's side --------------------------------------------------------

    def write(self, event: dict) -> None:
        """Queue one event (a dict from ``events.make``) for the next batch."""
        if self._refuse:
            self._raise_problem()
        queue = self._queue
        if event.get("kind") == "ops":
            # A pack of eager ops becomes its row here: one string waits in the queue, not
            # hundreds of small containers the garbage collector would walk until the commit.
            try:
                event = _event_row(event)
            except Exception:  # noqa: BLE001 - queued as it is: the writer thread reports it
                pass
        queue.append(event)
        if len(queue) >= self._batch_events:
            self._batch_ready()

    def write_value(self, seq: int, index: int, array: Any) -> None:
        """Queue a copy of output ``index`` of op event ``seq`` as a full tensor value.

        Copied now because the engine may reuse the buffer; object arrays are refused here
        because storing them would need pickle.
        """
        if self._refuse:
            self._raise_problem()
        value = np.array(array)  # a copy, also of Tensors (via __array__)
        if value.dtype.hasobject:
            raise TypeError(f"tensor value for seq {seq} output {index} has dtype "
                            f"{value.dtype}; object arrays need pickle, which trace files "
                            "never use")
        queue = self._queue
        queue.append((int(seq), int(index), value))
        if len(queue) >= self._batch_events:
            self._batch_ready()

    def _batch_ready(self) -> None:
        if not self._wake.is_set():
            self._wake.set()
        if len(self._queue) >= self._max_pending:
            # Back-pressure: the writer thread fell behind; wait rather than grow without bound.
            with self._room:
                while len(self._queue) >= self._max_pending and self._thread.is_alive():
                    self._room.wait(0.1)

    def flush(self, timeout: float | None = None) -> None:
        """Return once everything queued so far is committed to the file."""
        if self._closed:
            return
        committed = threading.Event()
        self._queue.append(committed)
        self._wake.set()
        deadline = None if timeout is None else time.monotonic() + timeout
        while not committed.wait(0.05):
            if not self._thread.is_alive():
                break
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"trace writer did not commit within {timeout} s")
        self._raise_problem()

    def close(self) -> None:
        """Commit everything queued, stop the writer thread and close the file (idempotent)."""
        if self._closed:
            return
        self._closed = self._refuse = True
        self._stopping = True
        self._wake.set()
        self._thread.join()
        atexit.unregister(self.close)
        try:
            if self._fatal is None and self._stopped is None:
                self._db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                                 ("closed", _encode_text(datetime.now(timezone.utc).isoformat(
                                     timespec="seconds"))))
                # Move everything into the main file, so that copying it alone copies the
                # whole trace even if a reader (who cannot checkpoint) keeps the WAL alive.
                self._db.execute("PRAGMA busy_timeout=1000")
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                # And leave a plain single file when no reader holds it open: a WAL-mode file
                # needs a writable directory for its -shm file even to be read.
                self._db.execute("PRAGMA busy_timeout=0")
                try:
                    self._db.execute("PRAGMA journal_mode=DELETE")
                except sqlite3.OperationalError:
                    pass
        except sqlite3.Error as exc:  # e.g. the disk filled up: what was committed stays
            self._say("close", f"tapescope: warning: could not finish {self.path} ({exc}); "
                               "what was written before is readable")
        finally:
            self._db.close()
        if self._fatal is not None or self._error is not None:
            self._raise_problem()

    def __enter__(self) -> TraceWriter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _raise_problem(self) -> None:
        """Raise what the writer thread reported (once), or ValueError once closed."""
        if self._fatal is not None:
            raise self._fatal
        error, more, self._error, self._more_errors = self._error, self._more_errors, None, 0
        self._refuse = self._closed or self._fatal is not None
        if error is not None:
            if more:
                raise TraceWriteError(f"{error} (and {more} more problem"
                                      f"{'s' if more > 1 else ''} since)")
            raise error
        if self._closed:
            raise ValueError(f"trace writer for {self.path} is closed")

    def _report(self, error: TraceWriteError, *, fatal: bool = False) -> None:
        if fatal:
            self._fatal = self._fatal or error
        elif self._error is None:
            self._error = error
        else:
            self._more_errors += 1
        self._refuse = True

    # -- the writer thread -----------------------------------------------------------------

    def _run(self) -> None:
        checkpointed = time.monotonic()
        try:
            while True:
                self._wake.wait(self._flush_interval)
                self._wake.clear()
                stopping = self._stopping
                self._drain()
                if stopping:
                    break
                if time.monotonic() - checkpointed >= self._checkpoint_interval:
                    checkpointed = time.monotonic()
                    self._checkpoint()
        except BaseException as exc:  # never die silently: flush/close must hear about it
            self._report(TraceWriteError(f"trace writer thread failed: {exc!r}"), fatal=True)
            self._release_waiters()

    def _drain(self) -> None:
        queue = self._queue
        while queue:
            events: list[dict | tuple] = []
            values: list[tuple[int, int, np.ndarray]] = []
            markers: list[threading.Event] = []
            size = nbytes = 0
            while queue and size < self._batch_events and nbytes < _MAX_BATCH_BYTES:
                item = queue.popleft()
                if type(item) is tuple:
                    if len(item) == 3:
                        values.append(item)
                        nbytes += item[2].nbytes
                    else:
                        events.append(item)  # an event already made into its row
                elif isinstance(item, threading.Event):
                    markers.append(item)
                    break  # commit now: someone is waiting in flush()
                else:
                    events.append(item)
                size += 1
            if self._fatal is None and self._stopped is None:
                self._commit(events, values)
            for marker in markers:
                marker.set()
            with self._room:
                self._room.notify_all()

    def _checkpoint(self) -> None:
        """Copy committed pages from the write-ahead log into the main file (SQLite does it
        only every ~4 MB of log): a copy of the main file alone, taken while a slow run goes
        on, then misses only its last seconds. PASSIVE: never waits for a reader."""
        if self._fatal is not None or self._stopped is not None:
            return
        try:
            self._db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error:
            pass  # best effort: the log still holds everything, and close() checkpoints

    def _release_waiters(self) -> None:
        while self._queue:
            item = self._queue.popleft()
            if isinstance(item, threading.Event):
                item.set()

    def _commit(self, events: list[dict | tuple],
                values: list[tuple[int, int, np.ndarray]]) -> None:
        event_rows = []
        for event in _merge_output(events):
            if type(event) is tuple:
                event_rows.append(event)
                continue
            try:
                event_rows.append(_event_row(event))
            except Exception as exc:
                self._report(TraceWriteError(
                    f"could not store {_describe(event)}: {exc}"))
        value_rows = []
        for seq, idx, array in values:
            if self._values_off is not None:
                self._drop(seq, array.nbytes, self._values_off)
                continue
            try:
                value_rows.append((seq, idx, npy_bytes(array)))
            except Exception as exc:
                self._report(TraceWriteError(
                    f"could not store the value of seq {seq} output {idx}: {exc}"))
        value_rows = self._within_limits(event_rows, value_rows)
        try:
            self._insert(event_rows, value_rows)
        except sqlite3.Error as exc:
            if not _is_full(exc):
                self._report(TraceWriteError(f"writing trace {self.path} failed: {exc}"),
                             fatal=True)
                return
            if value_rows:  # keep the events: this batch's values and all later ones go
                self._values_off = "the disk is full"
                for seq, _idx, data in value_rows:
                    self._drop(seq, len(data), self._values_off)
                try:
                    self._insert(event_rows, [])
                    return
                except sqlite3.Error as again:
                    exc = again
            first = event_rows[0][0] if event_rows else "?"
            self._stopped = f"{exc}"
            self._say("stopped", f"tapescope: warning: {self.path} is full ({exc}): the trace "
                                 f"ends before event #{first}; the run goes on")

    def _insert(self, event_rows: list[tuple], value_rows: list[tuple]) -> None:
        """One transaction: the rows, and the drop counts when they changed."""
        db = self._db
        try:
            db.execute("BEGIN")
            try:
                _insert_rows(db, _INSERT_EVENT, event_rows)
                db.executemany(_INSERT_VALUE, value_rows)
            except sqlite3.IntegrityError:
                # A duplicate key (a bug upstream) must not cost the rest of the batch.
                db.execute("ROLLBACK")
                db.execute("BEGIN")
                self._insert_one_by_one(event_rows, value_rows)
            if self._dropped_changed:
                db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                           ("dropped_values", _encode_text(self._dropped)))
            db.execute("COMMIT")
            self._dropped_changed = False
        except sqlite3.Error:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def _within_limits(self, event_rows: list[tuple], value_rows: list[tuple]) -> list[tuple]:
        """The value rows that fit SQLite's length limit and the size budget; the others are
        dropped (once over the budget, every later value is)."""
        if not value_rows:
            return value_rows
        limit = self._db.getlimit(sqlite3.SQLITE_LIMIT_LENGTH)
        size = 0
        if self._max_bytes is not None:
            pages, page_size = (self._db.execute(f"PRAGMA {p}").fetchone()[0]
                                for p in ("page_count", "page_size"))
            size = pages * page_size + sum(len(row[7]) for row in event_rows)
        kept = []
        for seq, idx, data in value_rows:
            if self._values_off is not None:
                self._drop(seq, len(data), self._values_off)
            elif len(data) > limit:
                self._drop(seq, len(data), f"a value is over SQLite's limit of "
                                           f"{_size_text(limit)}")
            elif self._max_bytes is not None and size + len(data) > self._max_bytes:
                self._values_off = f"the size budget of {_size_text(self._max_bytes)} was reached"
                self._drop(seq, len(data), self._values_off)
            else:
                size += len(data)
                kept.append((seq, idx, data))
        return kept

    def _drop(self, seq: int, nbytes: int, why: str) -> None:
        """Count a tensor value not stored; say so on stderr once per reason."""
        dropped = self._dropped
        if not dropped:
            dropped.update(count=0, bytes=0, first_seq=seq, reason=why)
        dropped["count"] += 1
        dropped["bytes"] += nbytes
        dropped["first_seq"] = min(dropped["first_seq"], seq)
        self._dropped_changed = True
        self._say(why, f"tapescope: warning: {why}: tensor values from op #{seq} on are not "
                       f"stored in {self.path} (events and health still are)"
                  if why == self._values_off else
                  f"tapescope: warning: {why}: the value of op #{seq} ({_size_text(nbytes)}) "
                  f"is not stored in {self.path}")

    def _say(self, key: str, message: str) -> None:
        if key not in self._warned:
            self._warned.add(key)
            self._warn(message)

    def _insert_one_by_one(self, event_rows: list[tuple], value_rows: list[tuple]) -> None:
        for row in event_rows:
            try:
                self._db.execute(_INSERT_EVENT, row)
            except sqlite3.IntegrityError as exc:
                self._report(TraceWriteError(
                    f"could not store event seq {row[0]} (kind {row[1]!r}): {exc}"))
        for row in value_rows:
            try:
                self._db.execute(_INSERT_VALUE, row)
            except sqlite3.IntegrityError as exc:
                self._report(TraceWriteError(
                    f"could not store the value of seq {row[0]} output {row[1]}: {exc}"))


def _merge_output(events: list[dict | tuple]) -> list[dict | tuple]:
    """``events`` with each run of consecutive output events of one stream as one event (at
    the first one's seq, up to ``_MAX_OUTPUT_TEXT``). A script printing line by line would
    otherwise cost a row and four index entries per line: 50 MB printed in 50-byte lines
    made a 190 MB trace and took 35 s to record."""
    out: list[dict | tuple] = []
    run: list[dict] = []

    def close_run() -> None:
        if len(run) > 1:
            run[0]["text"] = "".join(e["text"] for e in run)
        if run:
            out.append(run[0])
            run.clear()

    size = 0
    for event in events:
        if (type(event) is dict and event.get("kind") == "output" and "breakpoint" not in event
                and type(event.get("text")) is str):
            if run and (event.get("stream") != run[0].get("stream")
                        or size + len(event["text"]) > _MAX_OUTPUT_TEXT):
                close_run()
            if not run:
                size = 0
            run.append(event)
            size += len(event["text"])
            continue
        close_run()
        out.append(event)
    close_run()
    return out


def _why_not_writable(path: Path) -> str | None:
    """Why a file cannot be created at ``path``, in words SQLite does not have for it."""
    folder = path.parent
    if not folder.exists():
        return f"the folder {folder} does not exist"
    if not folder.is_dir():
        return f"{folder} is not a folder"
    if not os.access(folder, os.W_OK):
        return f"permission denied in {folder}"
    return None


def _is_full(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL


def _warn_on_stderr(message: str) -> None:
    # The process's own stderr: a recorder replaces sys.stderr with a stream of events.
    stream = sys.__stderr__
    if stream is not None:
        stream.write(message + "\n")
        stream.flush()


def _size_text(nbytes: float) -> str:
    """``1.5 GB``, ``500 MB``, ``12 kB`` (powers of 1024, as --max-size reads them)."""
    for unit in ("bytes", "kB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.0f} {unit}" if unit == "bytes" else f"{nbytes:.3g} {unit}"
        nbytes /= 1024
    return f"{nbytes:.3g} GB"


# Rows per INSERT statement (9 parameters each: well under SQLite's 32,766).
_ROWS_PER_STATEMENT = 256


def _insert_rows(db: sqlite3.Connection, insert: str, rows: list[tuple]) -> None:
    """``executemany`` with many rows per statement. The sqlite3 module lets go of the GIL
    for every statement it steps; per row, the training thread would hand the GIL back and
    forth with this one hundreds of times a second, which costs it more than the inserts."""
    if not rows:
        return
    width = len(rows[0])
    values = "(" + ", ".join("?" * width) + ")"
    head = insert[:insert.index("VALUES") + len("VALUES")]
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[start:start + _ROWS_PER_STATEMENT]
        db.execute(f"{head} {', '.join([values] * len(chunk))}",
                   [field for row in chunk for field in row])


def _event_row(event: dict) -> tuple:
    """The ``events`` table row of an event."""
    kind = event["kind"]
    return (int(event["seq"]), kind, _int_or_none(event.get("step")),
            _int_or_none(event.get("epoch")), event.get("op"), event.get("name"),
            _is_bad(event), jsoncodec.dumps(event).decode(),
            int(event["count"]) if kind == "ops" else 1)


def _describe(event: Any) -> str:
    if not isinstance(event, dict):
        return f"a {type(event).__name__} given as an event"
    return f"event seq {event.get('seq', '?')} (kind {event.get('kind', '?')!r})"


_META_TYPES = {"script": str, "mode": str, "argv": list, "created": str, "closed": str,
               "engine_version": str, "dropped_values": dict}
_EVENT_COLUMNS = ("seq", "kind", "step", "epoch", "op", "name", "bad", "body")
_SQLITE_MAGIC = b"SQLite format 3\0"


def _readable_file(path: Path) -> tuple[bytes, int]:
    """The first 100 bytes (SQLite's header) and the size of ``path``, or what makes it
    unreadable as a clear error: SQLite says "unable to open database file" for all of
    these, and would block on a FIFO."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"no trace file at {path}") from None
    except OSError as exc:
        raise TraceFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise TraceFileError(f"{path} is a directory, not a trace file")
    if not stat.S_ISREG(info.st_mode):
        raise TraceFileError(f"{path} is {source_files.file_kind(info.st_mode)}, not a trace "
                             "file")
    try:
        with open(path, "rb") as file:
            return file.read(100), info.st_size
    except PermissionError:
        raise TraceFileError(f"cannot read {path}: permission denied") from None
    except OSError as exc:
        raise TraceFileError(f"cannot read {path}: {exc.strerror or exc}") from None


def _check_header(path: Path, header: bytes, size: int) -> None:
    """Refuse a file cut short by its own SQLite header, which states the database size."""
    if not header.startswith(_SQLITE_MAGIC[:len(header)]) or not header:
        return  # not SQLite at all: _validate says so
    if len(header) < 100:
        raise TraceFileError(f"{path} is not a Tapescope trace file: it is truncated "
                             f"({size} bytes, less than an SQLite header)")
    if Path(f"{path}-wal").exists() or header[92:96] != header[24:28]:
        return  # the size in the header is stale or the rest is in the write-ahead log
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    expected = page_size * int.from_bytes(header[28:32], "big")
    if size < expected:
        raise TraceDamagedError(f"{path} is a truncated trace: it has {size:,} of the "
                             f"{expected:,} bytes its header records")


class TraceReader:
    """Read-only access to a trace file, finished or still being written.

    Every query sees what was committed when it ran, so polling ``last_seq()`` and then
    ``events(start_seq=...)`` follows a live run.
    """

    _PAGE = 1000

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        header, size = _readable_file(self.path)
        _check_header(self.path, header, size)
        uri = self.path.resolve().as_uri() + "?mode=ro"
        self._db = sqlite3.connect(uri, uri=True, isolation_level=None,
                                   check_same_thread=False)
        self._lock = threading.Lock()  # one connection, usable from any one thread at a time
        self._meta_damage: list[str] = []
        try:
            self.meta: dict[str, Any] = self._validate()
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(events)")}
        except BaseException:
            self._db.close()
            raise
        missing = [c for c in _EVENT_COLUMNS if c not in columns]
        if missing:
            self._db.close()
            raise TraceDamagedError(f"{self.path} is damaged: its events table lacks the "
                                 f"column{'s' if len(missing) > 1 else ''} "
                                 f"{', '.join(missing)}")
        # Events per row (version 1: always one); a damaged count counts as one.
        self._n = ("(CASE WHEN typeof(n) = 'integer' AND n > 0 THEN n ELSE 1 END)"
                   if "n" in columns else "1")
        self._expander = event_schema.OpsExpander()
        self._damaged: dict[int, tuple[int, str]] = {}  # row seq -> (events, what is wrong)

    def _validate(self) -> dict[str, Any]:
        def not_a_trace(why: str) -> TraceFileError:
            return TraceFileError(f"{self.path} is not a Tapescope trace file: {why}")

        if self.path.stat().st_size == 0 and not Path(f"{self.path}-wal").exists():
            raise not_a_trace("the file is empty")
        try:
            tables = {row[0] for row in self._db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            raise not_a_trace(f"not an SQLite database ({exc})") from exc
        missing = [t for t in TABLES if t not in tables]
        if missing:
            raise not_a_trace(f"it has no {', '.join(missing)} table"
                              f"{'s' if len(missing) > 1 else ''}")
        try:
            meta = {key: jsoncodec.loads(value)
                    for key, value in self._db.execute("SELECT key, value FROM meta")}
        except (sqlite3.DatabaseError, ValueError) as exc:
            raise not_a_trace(f"its meta table is unreadable ({exc})") from exc
        for key, expected in _META_TYPES.items():  # trusted by inspect and the window
            if key in meta and type(meta[key]) is not expected:
                self._meta_damage.append(f"meta {key!r} is {type(meta.pop(key)).__name__}, "
                                         f"not {expected.__name__}")
        if meta.get("format") != FORMAT:
            raise not_a_trace(f"format is {meta.get('format')!r}, not {FORMAT!r}")
        for key, supported in (("schema_version", event_schema.SCHEMA_VERSION),
                               ("tracefile_version", TRACEFILE_VERSION)):
            version = meta.get(key)
            if not isinstance(version, int) or isinstance(version, bool) or version < 1:
                raise not_a_trace(f"its {key} is {version!r}")
            if version > supported:
                raise TraceFileError(
                    f"{self.path} was written by a newer Tapescope ({key} {version}); this "
                    f"one reads up to version {supported}. Update Tapescope to open it.")
        return meta

    # -- queries ---------------------------------------------------------------------------

    def _rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.DatabaseError as exc:  # a page damaged or cut off mid-file
                raise TraceDamagedError(f"{self.path} is damaged: {exc}") from None

    # -- damage ----------------------------------------------------------------------------

    @property
    def damaged_events(self) -> int:
        """How many events were skipped as damaged so far (by the queries that ran)."""
        return sum(n for n, _ in self._damaged.values())

    def damage(self) -> list[str]:
        """What was wrong with each damaged row skipped so far, in sequence order."""
        return self._meta_damage + [f"event #{seq}: {why}"
                                    for seq, (_, why) in sorted(self._damaged.items())]

    def check(self) -> int:
        """Read every event once (finding all the damage); returns ``damaged_events``."""
        for _ in self.events():
            pass
        return self.damaged_events

    def _skip(self, seq: int, kind: Any, why: str, n: Any = 1) -> tuple:
        self._damaged[seq] = (n if type(n) is int and n > 0 else 1, f"({kind}) {why}")
        return ()

    @property
    def schema_version(self) -> int:
        return self.meta["schema_version"]

    def count(self, kind: str | None = None) -> int:
        """Number of events, or of events of one kind (op events in packs included)."""
        if kind is None:
            return self._rows(f"SELECT coalesce(sum({self._n}), 0) FROM events")[0][0]
        if kind == "op":
            return self._rows(f"SELECT coalesce(sum({self._n}), 0) FROM events "
                              "WHERE kind IN ('op', 'ops')")[0][0]
        return self._rows("SELECT count(*) FROM events WHERE kind = ?", (kind,))[0][0]

    def kind_counts(self) -> dict[str, int]:
        """Events per kind (op events in packs counted one by one), most frequent first."""
        rows = self._rows(f"SELECT CASE kind WHEN 'ops' THEN 'op' ELSE kind END AS k, "
                          f"sum({self._n}) AS c FROM events GROUP BY k ORDER BY c DESC, k")
        return dict(rows)

    def last_seq(self) -> int | None:
        """Sequence number of the newest committed event (None while there is none)."""
        return self._rows(f"SELECT max(seq + {self._n} - 1) FROM events")[0][0]

    def _pack_start(self, seq: int) -> int:
        """Where to start reading so that a pack holding op ``seq`` is read whole."""
        rows = self._rows(f"SELECT seq, {self._n} FROM events WHERE kind = 'ops' AND seq <= ? "
                          "ORDER BY seq DESC LIMIT 1", (seq,))
        if rows and rows[0][0] + rows[0][1] > seq:
            return rows[0][0]
        return seq

    def events(self, kind: str | None = None, start_seq: int = 0, limit: int | None = None,
               step: int | None = None, op: str | None = None) -> Iterator[dict]:
        """Events in sequence order from ``start_seq`` on, optionally of one kind/step/op type.

        "ops" packs come out expanded into their op events. Fetched a page at a time, so a
        long iteration neither loads the whole trace nor holds a read transaction open across
        the writer's commits.
        """
        where, params = ["seq >= ?"], [self._pack_start(start_seq) if start_seq > 0 else 0]
        if kind is not None:
            where.append("kind IN ('op', 'ops')" if kind == "op" else "kind = ?")
            if kind != "op":
                params.append(kind)
        if step is not None:
            where.append("step = ?")
            params.append(step)
        if op is not None:
            where.append("(op = ? OR kind = 'ops')")
            params.append(op)
        sql = (f"SELECT seq, kind, body, {self._n} FROM events WHERE {' AND '.join(where)} "
               f"ORDER BY seq LIMIT {self._PAGE}")
        remaining = limit
        while remaining is None or remaining > 0:
            rows = self._rows(sql, tuple(params))
            for row_seq, row_kind, body, n in rows:
                expanded = self._decode(row_seq, row_kind, body, n)
                for item in expanded:
                    if item["seq"] < start_seq or (op is not None and item.get("op") != op):
                        continue
                    yield item
                    if remaining is not None:
                        remaining -= 1
                        if remaining <= 0:
                            return
            if len(rows) < self._PAGE:
                return
            params[0] = rows[-1][0] + 1

    def raw_rows(self, start_seq: int, limit: int) -> list[tuple[int, str, Any]]:
        """Up to ``limit`` stored rows (seq, kind, JSON body) from ``start_seq`` on, in seq
        order, undecoded: for a bulk reader that decodes "ops" packs into its own form."""
        return self._rows("SELECT seq, kind, body FROM events WHERE seq >= ? ORDER BY seq "
                          "LIMIT ?", (start_seq, limit))

    def ops(self, start_seq: int = 0, limit: int | None = None, step: int | None = None,
            op: str | None = None) -> Iterator[dict]:
        """Op events; ``op`` picks one op type (``"MatMul"``)."""
        return self.events("op", start_seq=start_seq, limit=limit, step=step, op=op)

    def _kind(self, kind: str, step: int | None = None) -> list[dict]:
        return list(self.events(kind, step=step))

    def steps(self) -> list[StepOps]:
        """Every step seen (by a step_end event or an op's step field) with its op count."""
        return [StepOps(step, ops) for step, ops in self._rows(
            f"SELECT step, sum(CASE kind WHEN 'step_end' THEN 0 ELSE {self._n} END) "
            "FROM events WHERE typeof(step) = 'integer' AND kind IN ('op', 'ops', 'step_end') "
            "GROUP BY step ORDER BY step")]

    def scalars(self, name: str | None = None) -> list[Scalar]:
        """Logged scalars (loss, metrics, tf.summary.scalar) in the order they were logged."""
        sql = "SELECT seq, kind, body FROM events WHERE kind = 'scalar'"
        params: tuple = ()
        if name is not None:
            sql += " AND name = ?"
            params = (name,)
        return [Scalar(event.get("step"), event["name"], event["value"])
                for row in self._rows(sql + " ORDER BY seq", params)
                for event in self._decode(*row)
                if name is None or event["name"] == name]

    def scalar_names(self) -> list[str]:
        return sorted({s.name for s in self.scalars()})

    def graphs(self) -> list[dict]:
        """Traced function graphs, one event per trace or retrace."""
        return self._kind("graph")

    def gradients(self, step: int | None = None) -> list[dict]:
        return self._kind("gradient", step)

    def errors(self) -> list[dict]:
        return self._kind("error")

    def first_bad_op(self) -> dict | None:
        """The first op event whose summary saw NaN or Inf, or None."""
        for offset in itertools.count():  # past rows skipped as damaged
            rows = self._rows(f"SELECT seq, kind, body, {self._n} FROM events WHERE bad "
                              "ORDER BY seq LIMIT 1 OFFSET ?", (offset,))
            if not rows:
                return None
            found = next((e for e in self._decode(*rows[0])
                          if e["kind"] == "op" and summary_is_bad(e["summary"])), None)
            if found is not None:
                return found
        return None

    def bad_ops(self) -> list[dict]:
        """Every op event whose summary saw NaN or Inf, in order (read by the bad-row index)."""
        rows = self._rows(f"SELECT seq, kind, body, {self._n} FROM events WHERE bad "
                          "ORDER BY seq")
        return [e for row in rows for e in self._decode(*row)
                if e.get("kind") == "op" and summary_is_bad(e.get("summary"))]

    def _decode(self, seq: int, kind: Any, body: Any, n: Any = 1) -> list[dict] | tuple:
        """The event a row holds (the op events, for a pack) once it passed validation; a
        damaged row gives none and is counted (``damaged_events``)."""
        if seq in self._damaged:
            return ()
        try:
            event = jsoncodec.loads(body)
        except (TypeError, ValueError) as exc:
            return self._skip(seq, kind, f"is not JSON ({exc})", n)
        why = validate.problem(event)
        if why is None and (event["kind"] != kind or event["seq"] != seq):
            why = f"its body says {event['kind']} #{event['seq']}"
        if why is None and kind == "ops" and event["count"] != n:
            why = f"its pack of {event['count']} ops is filed as {n}"
        if why is not None:
            return self._skip(seq, kind, why, n)
        if kind == "op" and type(event["summary"]) is dict:
            event["summary"] = [event["summary"]]  # one summary per output, as now written
        if kind != "ops":
            return (event,)
        try:
            return self._expand(event)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            return self._skip(seq, kind, f"cannot be expanded: {exc}", n)

    def _expand(self, pack: dict) -> list[dict]:
        """A pack's op events; a compiled run's pack needs its graph's event (read once)."""
        graph_id = pack.get("graph")
        if graph_id is not None and not self._expander.knows(graph_id):
            for graph in self.events("graph"):
                self._expander.add_graph(graph)
        return self._expander.expand(pack)

    def producer(self, tensor_id: int, before_seq: int) -> tuple[dict, int] | None:
        """(op event, output index) of the latest op before ``before_seq`` whose output is
        ``tensor_id``, or None. Read backwards a page at a time: producers are usually near
        their consumer."""
        upper = before_seq
        while True:
            rows = self._rows(f"SELECT seq, kind, body, {self._n} FROM events "
                              "WHERE kind IN ('op', 'ops') "
                              f"AND seq < ? ORDER BY seq DESC LIMIT {self._PAGE}", (upper,))
            for row in rows:
                for event in reversed(self._decode(*row)):
                    outputs = event.get("outputs") or ()
                    if event["seq"] < before_seq and tensor_id in outputs:
                        return event, list(outputs).index(tensor_id)
            if len(rows) < self._PAGE:
                return None
            upper = rows[-1][0]

    def dropped_values(self) -> DroppedValues | None:
        """What the writer left out of this trace (meta "dropped_values"), or None."""
        found = self.meta.get("dropped_values")
        if found is None:
            return None
        wrong = validate.record({"count": validate.INT, "bytes": validate.INT,
                                 "first_seq": validate.INT, "reason": validate.STR})(found)
        if wrong is not None:
            self._meta_damage.append(f"meta 'dropped_values' {wrong}")
            del self.meta["dropped_values"]
            return None
        first = next(self.events("op", start_seq=found["first_seq"], limit=1), None)
        return DroppedValues(found["count"], found["bytes"], found["first_seq"],
                             None if first is None else first["step"], found["reason"])

    def value(self, seq: int, idx: int = 0) -> np.ndarray | None:
        """The stored value of output ``idx`` of op event ``seq``, or None if not recorded."""
        rows = self._rows("SELECT npy FROM tensor_values WHERE seq = ? AND idx = ?", (seq, idx))
        if not rows:
            return None
        try:
            return array_from_npy(rows[0][0])
        except ValueError as exc:
            raise TraceFileError(f"{self.path} is damaged: the value of #{seq} output {idx} "
                                 f"cannot be read: {exc}") from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TraceReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
