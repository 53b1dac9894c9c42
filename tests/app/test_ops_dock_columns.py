"""The Ops dock's columns fit its width: Health is never pushed behind a scroll bar."""

from PySide6.QtCore import QPoint, Qt

from app.docks.ops_dock import OpsDock
from app.models.ops_model import COLUMNS, HEALTH, NAME
from app.session import Session


def right_edge(dock: OpsDock, column: int) -> int:
    header = dock.view.horizontalHeader()
    return header.sectionPosition(column) + header.sectionSize(column)


def make_dock(qtbot, width: int) -> OpsDock:
    session = Session()
    dock = OpsDock(session)
    qtbot.addWidget(dock)
    dock.resize(width, 500)
    dock.show()
    qtbot.waitExposed(dock)
    return dock


def test_a_narrow_ops_dock_shows_every_column_without_scrolling(qtbot):
    dock = make_dock(qtbot, 430)  # its share of a 1600 px window
    width = dock.view.viewport().width()
    assert right_edge(dock, HEALTH) <= width  # the column a debugger user looks for
    assert right_edge(dock, len(COLUMNS) - 2) <= width
    assert dock.view.horizontalScrollBar().maximum() == 0

    dock.resize(1400, 500)  # wide again: the columns get their full widths back
    qtbot.waitUntil(lambda: dock.view.horizontalHeader().sectionSize(NAME) == 170)


def test_a_column_the_user_widened_stays_as_wide(qtbot):
    dock = make_dock(qtbot, 430)
    header = dock.view.horizontalHeader()
    edge = right_edge(dock, NAME)
    y = header.height() // 2
    qtbot.mousePress(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(edge - 1, y))
    qtbot.mouseMove(header.viewport(), QPoint(edge + 80, y))
    qtbot.mouseRelease(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(edge + 80, y))
    widened = header.sectionSize(NAME)
    assert widened > edge - header.sectionPosition(NAME)
    dock.resize(460, 500)
    qtbot.wait(50)
    assert header.sectionSize(NAME) == widened  # not fitted back over the user's choice


def test_a_narrow_ops_dock_keeps_the_numbers_unelided(qtbot):
    from app.models.ops_model import DURATION, SEQ, STEP

    dock = make_dock(qtbot, 430)
    header = dock.view.horizontalHeader()
    advance = dock.view.fontMetrics().horizontalAdvance
    # a run's sequence numbers reach six digits, its steps five: elided they said "418.."
    assert header.sectionSize(SEQ) > advance("999999")
    assert header.sectionSize(STEP) > advance("99999")
    assert header.sectionSize(DURATION) > advance("1234.5")
    assert dock.view.horizontalScrollBar().maximum() == 0
