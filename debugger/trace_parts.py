"""TraceLoader: a trace decoded on a worker thread and handed over part by part (no Qt).

Decoding a 480,000-op trace is seconds of pure Python (JSON, schema checks, columns). The
loader decodes into a scratch model and hands what it read over as parts
(``SessionModel.take_part``/``add_part``): the window appends each part with a few numpy
concatenations and shows it, never decoding itself nor sharing an array that is growing.

The loader and the UI thread take turns: after handing over a part the loader waits until
the window has shown it (``part_shown``). Both are Python and share one GIL; working at the
same time, every Qt call of the UI thread waited for the loader's switch interval, and on
a busy machine opening took twice as long with the window late by 200 ms all along
(measured). Taking turns, the window answers while the loader decodes, as it does when idle.

The window's op columns are reserved here for the trace's size, and their pages written
(``touch_ahead``) ahead of the rows, while the window shows a part: the first write of a
fresh page costs a fault, and 50-100 ms of them in one ``add_part`` were the window's
longest stalls (measured). numpy lets go of the GIL while it writes them.

The garbage collector is paused while the loader runs: decoding allocates hundreds of
thousands of containers, and each collection they set off walks every object of the
process (the window's model included) while holding the GIL the UI thread waits for.
(A child process instead of a thread was tried: pickling the parts and reading them back
through a pipe, 64 KB per GIL hand-over, made opening 2-3x slower.)
"""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from debugger.opstore import reserved_columns, touch_ahead
from debugger.session_model import SessionModel, load_trace
from debugger.tracefile import TraceReader

# A part every quarter second: each costs the window an insert into the Ops table and a
# repaint, so a few big ones beat one per page (the first page comes at once).
PART_SECONDS = 0.25
# Progress at most this often (pages are small): each one wakes the window's status bar.
PROGRESS_SECONDS = 0.1


class _CollectorPause:
    """Pauses the garbage collector while any loader runs (counted: loaders may overlap
    for a moment when one trace replaces another)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1

    def __exit__(self, *_: object) -> None:
        with self._lock:
            self._holders -= 1
            if self._holders == 0 and self._was_enabled:
                gc.enable()


_PAUSE = _CollectorPause()


class TraceLoader:
    """Decodes the trace at ``path`` on a thread; ``deliver(what, payload)`` is called from
    it with ``("reserve", columns)`` first (for ``OpStore.adopt``), then ``("part",
    ModelPart)``, ``("progress", (loaded, total))`` and last ``("loaded", None)`` or
    ``("failed", message)``. ``close()`` stops it."""

    def __init__(self, path: str | os.PathLike, deliver: Callable[[str, Any], None]) -> None:
        self._path = str(path)
        self._deliver = deliver
        self._cancel = threading.Event()
        self._shown = threading.Event()  # the window has shown the last part handed over
        self._progress_at = -PROGRESS_SECONDS  # when progress was delivered last
        self._unsaid: tuple[int, int] | None = None  # progress held back since
        self._columns: dict[str, Any] = {}  # the window's op columns, reserved here
        self._rows = 0  # op rows handed over so far
        self._thread = threading.Thread(target=self._run, name="tapescope-trace-loader",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        cancel, deliver = self._cancel, self._deliver
        scratch = SessionModel()
        failure = None
        with _PAUSE:
            try:
                with TraceReader(self._path) as reader:
                    total = reader.count()
                    self._columns = reserved_columns(total)
                    deliver("reserve", self._columns)  # the window's store continues in them
                    touch_ahead(self._columns, None, 0)
                    load_trace(reader.raw_rows, total, graphs=reader.graphs,
                               progress=self._progress,
                               cancel=cancel, model=scratch, on_part=self._hand_over,
                               part_seconds=PART_SECONDS)
            except Exception as exc:  # the file went away or SQLite failed: show what was read
                failure = f"{type(exc).__name__}: {exc}"
                deliver("part", scratch.take_part())
        if not cancel.is_set():
            self._progress(0, 0, last=True)
            deliver("loaded", None) if failure is None else deliver("failed", failure)

    def _progress(self, loaded: int, total: int, last: bool = False) -> None:
        """Deliver progress: the first at once, then at most every ``PROGRESS_SECONDS``, and
        the last (``last``: if it was held back)."""
        now = time.monotonic()
        if last:
            if self._unsaid is not None:
                self._deliver("progress", self._unsaid)
        elif now - self._progress_at >= PROGRESS_SECONDS:
            self._progress_at, self._unsaid = now, None
            self._deliver("progress", (loaded, total))
        else:
            self._unsaid = (loaded, total)

    def _hand_over(self, part: Any) -> None:
        """Deliver a part and wait (GIL released) until the window has shown it."""
        if self._cancel.is_set():
            return
        self._shown.clear()
        self._deliver("part", part)
        self._rows += part.ops.count
        touch_ahead(self._columns, part.ops, self._rows)  # while the window adds the part
        while not self._shown.wait(0.1) and not self._cancel.is_set():
            pass

    def part_shown(self) -> None:
        """The window has shown the last part: decode the next (any thread)."""
        self._shown.set()

    def close(self) -> None:
        """Stop decoding (after at most one page); nothing more is delivered."""
        self._cancel.set()
        self._thread.join()
