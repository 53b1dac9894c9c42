"""RedrawThrottle: redraw a dock's charts at most ~10 times a second, however fast data comes.

Events reach the docks up to 200 times a second while a trace loads (30 while a run
streams); appending to numpy series is cheap, but each ``setData`` and the repaint it
causes are Qt calls that wait for the GIL the loader or the client's reader thread holds.
The data is appended per batch; the drawing happens here: at once when nothing was drawn
for an interval (a single batch, a paused run, a test, shows without delay), else once at
the end of the interval, with everything that arrived meanwhile.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

REDRAW_INTERVAL_MS = 100


class RedrawThrottle(QObject):
    """Calls ``redraw`` on ``request()``: at once, or at most once per interval."""

    def __init__(self, redraw: Callable[[], None], parent: QObject | None = None,
                 interval_ms: int | None = None) -> None:
        super().__init__(parent)
        self._redraw = redraw
        self._interval = (REDRAW_INTERVAL_MS if interval_ms is None else interval_ms) / 1000
        self._last = -float("inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    @property
    def pending(self) -> bool:
        """Whether a redraw is waiting for the end of the interval."""
        return self._timer.isActive()

    def request(self) -> None:
        """Something changed: redraw now if the last redraw is an interval ago, else soon."""
        if self._timer.isActive():
            return
        wait = self._last + self._interval - time.monotonic()
        if wait <= 0:
            self.flush()
        else:
            self._timer.start(max(1, round(wait * 1000)))

    def flush(self) -> None:
        """Redraw now (and forget a pending redraw)."""
        self._timer.stop()
        self._last = time.monotonic()
        self._redraw()
