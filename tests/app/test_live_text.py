"""LiveText: a counter's text changes without re-laying out the window around it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QVBoxLayout, QWidget

from app.docks.live_text import LiveText


class LayoutRequests(QObject):
    """Counts the LayoutRequest events a widget receives."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def settle() -> None:
    for _ in range(5):  # a layout request climbs one level per pass of the event loop
        QApplication.processEvents()


def window_with(label: QWidget, qtbot) -> QMainWindow:
    """A main window with a dock whose body holds ``label``, laid out and idle."""
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(QWidget())
    dock = QDockWidget("Ops")
    body = QWidget()
    QVBoxLayout(body).addWidget(label)
    dock.setWidget(body)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    window.resize(600, 300)
    window.show()
    qtbot.waitExposed(window)
    settle()
    return window


def test_a_changing_count_repaints_without_laying_out_the_window(qtbot):
    label = LiveText("1,000 ops")
    window = window_with(label, qtbot)
    requests = LayoutRequests(window)
    for count in range(1_001, 1_200, 7):  # as wide or narrower: no layout
        label.setText(f"{count:,} ops")
        settle()
    assert label.text() == "1,197 ops"
    assert requests.count == 0
    grab = label.grab().toImage()  # and it did paint the text: not a blank widget
    assert len({grab.pixel(x, y) for x in range(grab.width()) for y in range(grab.height())}) > 1


def test_a_longer_text_gets_room(qtbot):
    label = LiveText("9 ops")
    window = window_with(label, qtbot)
    requests = LayoutRequests(window)
    narrow = label.sizeHint().width()
    label.setText("999,999,999 ops — every one of them")
    settle()
    assert label.sizeHint().width() > narrow and requests.count >= 1
    label.setText("1 op")  # the hint keeps its room: a counter does not jitter
    assert label.sizeHint().width() > narrow
