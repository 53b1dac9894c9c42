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
on screen again (``shown``, which a dock calls from ``visibilityChanged``). A dock says
itself when its tab is chosen or left (``visibilityChanged``), and the throttle believes it:
asking Qt instead (``visibleRegion``, which walks every child of the dock) took milliseconds
per batch of a loading trace.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QDockWidget, QWidget

REDRAW_INTERVAL_MS = 100


class RedrawThrottle(QObject):
    """Calls ``redraw`` on ``request()``: at once, or at most once per interval."""

    def __init__(self, redraw: Callable[[], None], parent: QObject | None = None,
                 interval_ms: int | None = None, widget: QWidget | None = None) -> None:
        super().__init__(parent)
        self._redraw = redraw
        self._widget = widget  # redraw only while it is on screen (or never shown at all)
        self._off_screen = False  # a redraw waits for the widget to be on screen
        self._dock_visible: bool | None = None  # what the dock last said; None: ask Qt
        if isinstance(widget, QDockWidget):
            widget.visibilityChanged.connect(self._dock_visibility_changed)
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
        if self._hidden_on_screen():
            self._off_screen = True
            return
        wait = self._last + self._interval - time.monotonic()
        if wait <= 0:
            self.flush()
        else:
            self._timer.start(max(1, round(wait * 1000)))

    def _hidden_on_screen(self) -> bool:
        """Whether the widget is shown but out of sight (a dock tabbed behind another)."""
        widget = self._widget
        if widget is None or not widget.isVisible():
            return False  # never shown (a test, a dock being built): draw
        if self._dock_visible is not None:
            return not self._dock_visible
        return widget.visibleRegion().isEmpty()

    def _dock_visibility_changed(self, visible: bool) -> None:
        self._dock_visible = visible
        if visible:
            self.shown()

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
