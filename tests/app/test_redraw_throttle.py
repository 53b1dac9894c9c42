"""RedrawThrottle: a burst of changes is drawn at once, then at most once per interval."""

from app.docks.redraw_throttle import RedrawThrottle


def test_the_first_change_draws_at_once_and_a_burst_after_it_draws_once_more(qtbot):
    drawn = []
    throttle = RedrawThrottle(lambda: drawn.append(len(drawn)), interval_ms=200)
    throttle.request()
    assert drawn == [0]  # nothing was drawn lately: no delay
    for _ in range(50):  # a loading trace: many batches within one interval
        throttle.request()
    assert drawn == [0] and throttle.pending
    qtbot.waitUntil(lambda: len(drawn) == 2)  # the burst, drawn once at the interval's end
    qtbot.wait(300)
    assert drawn == [0, 1] and not throttle.pending


def test_flush_draws_now_and_forgets_the_pending_redraw(qtbot):
    drawn = []
    throttle = RedrawThrottle(lambda: drawn.append(1), interval_ms=10_000)
    throttle.request()
    throttle.request()
    assert len(drawn) == 1 and throttle.pending
    throttle.flush()
    assert len(drawn) == 2 and not throttle.pending


def test_a_dock_tabbed_away_waits_for_its_tab_without_qt_measuring_it(qtbot):
    """The dock's own visibilityChanged says whether it is on screen: no visibleRegion
    (which walks every child of the dock) per batch."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow

    class MeasuredDock(QDockWidget):
        measured = 0

        def visibleRegion(self):  # noqa: N802 - Qt's name
            MeasuredDock.measured += 1
            return super().visibleRegion()

    window = QMainWindow()
    qtbot.addWidget(window)
    front, dock = QDockWidget("Plots"), MeasuredDock("Gradients")
    front.setWidget(QLabel("front"))
    dock.setWidget(QLabel("behind"))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, front)
    window.tabifyDockWidget(front, dock)
    drawn = []
    throttle = RedrawThrottle(lambda: drawn.append(1), interval_ms=0, widget=dock)
    window.show()
    front.raise_()
    qtbot.waitUntil(lambda: dock.isVisible() and dock.visibleRegion().isEmpty())
    MeasuredDock.measured = 0
    for _ in range(20):  # batches of a loading trace
        throttle.request()
    assert drawn == [] and throttle.pending and MeasuredDock.measured == 0
    dock.raise_()  # the user clicks its tab
    qtbot.waitUntil(lambda: drawn == [1])
    throttle.request()
    assert drawn == [1, 1]
