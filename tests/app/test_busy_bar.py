"""BusyBar: the status bar's busy indicator moves, without repainting the window 60 times a
second."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject

from app.docks.busy_bar import FRAME_INTERVAL_S, BusyBar


class Paints(QObject):
    def __init__(self, widget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, _watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def test_a_busy_bar_animates_a_few_frames_a_second(qtbot):
    bar = BusyBar()
    qtbot.addWidget(bar)
    bar.setRange(0, 0)  # busy: the style animates it
    bar.show()
    qtbot.waitExposed(bar)
    paints = Paints(bar)
    start = time.monotonic()
    qtbot.wait(1_000)
    frames = (time.monotonic() - start) / FRAME_INTERVAL_S
    assert 1 <= paints.count <= frames + 3  # a QProgressBar: ~60 a second here


def test_a_real_value_still_shows_at_once(qtbot):
    bar = BusyBar()
    qtbot.addWidget(bar)
    bar.setRange(0, 100)
    bar.show()
    qtbot.waitExposed(bar)
    paints = Paints(bar)
    bar.setValue(40)
    qtbot.waitUntil(lambda: paints.count >= 1)
    assert bar.value() == 40
