"""BusyBar: a status bar progress bar whose busy animation repaints a few times a second.

In busy mode (range 0..0) Qt's style animates a QProgressBar at ~60 frames a second, and
each frame repaints the bar, the status bar and the window behind it: a third of the window's
repaints during a live run (measured). The bar here lets through a style animation frame
only every ``FRAME_INTERVAL_S``: the indicator still moves, at 4 frames a second, and a real
value (a loading trace's progress) shows as before.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QProgressBar, QWidget

FRAME_INTERVAL_S = 0.25


class BusyBar(QProgressBar):
    """A QProgressBar whose busy animation repaints at most every ``FRAME_INTERVAL_S``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._last_frame = -float("inf")

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.StyleAnimationUpdate:
            now = time.monotonic()
            if now - self._last_frame < FRAME_INTERVAL_S:
                event.accept()  # (not accepted, the style would stop the animation)
                return True  # the animation goes on; this frame is not painted
            self._last_frame = now
        return super().event(event)
