"""RedrawThrottle: redraw a dock's charts at most ~10 times a second, however fast data comes.

Events reach the docks up to 200 times a second while a trace loads (30 while a run
streams); appending to numpy series is cheap, but each ``setData`` and the repaint it
causes are Qt calls that wait for the GIL the loader or the client's reader thread holds.
The data is appended per batch; the drawing happens here: at once when nothing was drawn
for an interval (a single batch, a paused run, a test, shows without delay), else once at
the end of the interval, with everything that arrived meanwhile.

A dock tabbed behind another is still "visible" to Qt, only placed off screen: it would
redraw and lay out charts nobody sees (the Gradients dock cost the window ~2 s of a trace's
opening, measured). Given its ``widget``, the throttle keeps the redraw until the widget is
on screen again (``shown``, which a dock calls from ``visibilityChanged``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QWidget

REDRAW_INTERVAL_MS = 100


class RedrawThrottle(QObject):
    """Calls ``redraw`` on ``request()``: at once, or at most once per interval."""

    def __init__(self, redraw: Callable[[], None], parent: QObject | None = None,
                 interval_ms: int | None = None, widget: QWidget | None = None) -> None:
        super().__init__(parent)
        self._redraw = redraw
        self._widget = widget  # redraw only while it is on screen (or never shown at all)
        self._off_screen = False  # a redraw waits for the widget to be on screen
        self._interval = (REDRAW_INTERVAL_MS if interval_ms is None else interval_ms) / 1000
        self._last = -float("inf")
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    @property
    def pending(self) -> bool:
        """Whether a redraw is waiting (for the end of the interval, or to be on screen)."""
        return self._timer.isActive() or self._off_screen

    def request(self) -> None:
        """Something changed: redraw now if the last redraw is an interval ago, else soon."""
        if self._timer.isActive():
            return
        widget = self._widget
        if widget is not None and widget.isVisible() and widget.visibleRegion().isEmpty():
            self._off_screen = True
            return
        wait = self._last + self._interval - time.monotonic()
        if wait <= 0:
            self.flush()
        else:
            self._timer.start(max(1, round(wait * 1000)))

    def shown(self) -> None:
        """The widget is on screen again: draw what waited for it."""
        if self._off_screen:
            self.flush()

    def flush(self) -> None:
        """Redraw now (and forget a pending redraw)."""
        self._timer.stop()
        self._off_screen = False
        self._last = time.monotonic()
        self._redraw()
