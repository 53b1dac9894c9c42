"""The Variables dock: one row per variable with its latest stats and the last step's change."""

import numpy as np
import pytest
from fake_session import FakeSession
from PySide6.QtCore import Qt

from app.docks.variables_dock import VariablesDock


@pytest.fixture
def session():
    return FakeSession()


@pytest.fixture
def dock(qtbot, session):
    dock = VariablesDock(session)
    qtbot.addWidget(dock)
    dock.resize(900, 300)
    dock.show()
    qtbot.waitExposed(dock)
    return dock


def row_texts(dock, row):
    model = dock.model
    return [model.data(model.index(row, c)) for c in range(model.columnCount())]


def test_created_variables_are_listed_before_any_update(dock, session):
    session.feed([session.variable_created(1, "dense/kernel:0", np.zeros((784, 128), np.float32)),
                  session.variable_created(2, "step:0", np.int64(0), trainable=False)])
    assert dock.model.rowCount() == 2
    assert row_texts(dock, 0)[:5] == ["dense/kernel:0", "(784, 128)", "float32", "yes", "—"]
    assert row_texts(dock, 1)[:4] == ["step:0", "()", "int64", "no"]


def test_latest_stats_and_change_since_the_previous_step(dock, session):
    w0 = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=np.float32)
    w1 = w0 * 2
    w2 = w0 * 3
    session.feed([session.variable_created(1, "w:0", w0),
                  session.variable_update(1, "w:0", w1, step=0)])
    texts = row_texts(dock, 0)
    assert texts[4:8] == ["2", "8", "5", f"{w1.std():.6g}"]
    assert texts[8:10] == ["—", "—"]  # nothing to compare with yet

    session.feed([session.variable_update(1, "w:0", w1 * 1.0, step=1)])
    session.feed([session.variable_update(1, "w:0", w2, step=1)])  # same step: latest wins
    model = dock.model
    assert model.data(model.index(0, 6)) == "7.5"
    assert model.data(model.index(0, 8), Qt.ItemDataRole.UserRole) == pytest.approx(2.5)
    assert model.data(model.index(0, 9), Qt.ItemDataRole.UserRole) == pytest.approx(
        float(w2.std()) - float(w1.std()), rel=1e-6)
    assert model.data(model.index(0, 8)) == "+2.5"
    assert model.data(model.index(0, 10)) == "1"


def test_one_batch_inserts_rows_once_and_repaints_once(qtbot, dock, session):
    inserted, changed = [], []
    dock.model.rowsInserted.connect(lambda parent, first, last: inserted.append((first, last)))
    dock.model.dataChanged.connect(lambda top, bottom: changed.append((top.row(), bottom.row())))
    session.feed([session.variable_created(i, f"v{i}:0", np.zeros(3)) for i in range(5)])
    session.feed([session.variable_update(i, f"v{i}:0", np.full(3, i), step=0)
                  for i in (1, 3)])
    assert inserted == [(0, 4)]
    assert changed == [(1, 3)]


def test_a_variable_created_before_recording_appears_on_its_first_update(dock, session):
    session.feed([session.variable_update(7, "late:0", np.ones((2, 3), np.float32), step=4)])
    assert row_texts(dock, 0)[:4] == ["late:0", "(2, 3)", "float32", "?"]


def test_nan_in_a_variable_is_highlighted(dock, session):
    session.feed([session.variable_created(1, "w:0", np.zeros(3, np.float32)),
                  session.variable_update(1, "w:0", np.array([1.0, np.nan, 3.0]), step=0)])
    model = dock.model
    assert model.data(model.index(0, 4)) == "1"  # finite values only
    assert model.data(model.index(0, 4), Qt.ItemDataRole.ForegroundRole).color().name() == \
        "#d32f2f"
    assert "1 NaN" in model.data(model.index(0, 6), Qt.ItemDataRole.ToolTipRole)


def test_filter_and_sort_like_a_user(qtbot, dock, session):
    session.feed([session.variable_created(1, "dense/kernel:0", np.zeros(2)),
                  session.variable_created(2, "dense/bias:0", np.zeros(2)),
                  session.variable_created(3, "out/kernel:0", np.zeros(2))])
    qtbot.keyClicks(dock.filter_edit, "KERNEL")
    proxy = dock.proxy
    assert [proxy.data(proxy.index(r, 0)) for r in range(proxy.rowCount())] == \
        ["dense/kernel:0", "out/kernel:0"]
    dock.filter_edit.clear()
    dock.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    assert [proxy.data(proxy.index(r, 0)) for r in range(proxy.rowCount())] == \
        ["dense/bias:0", "dense/kernel:0", "out/kernel:0"]


def test_a_dock_tabbed_away_fits_its_columns_when_its_tab_is_chosen(qtbot):
    """Fitting measures every cell: not done for a dock nobody sees (Variables is tabbed
    behind Plots by default) on every second of a run, but when its tab comes up."""
    from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow

    from app.docks import variables_dock as variables_dock_module

    session = FakeSession()
    window = QMainWindow()
    qtbot.addWidget(window)
    front, dock = QDockWidget("Plots"), VariablesDock(session)
    front.setWidget(QLabel("front"))
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, front)
    window.tabifyDockWidget(front, dock)
    window.resize(900, 400)
    window.show()
    front.raise_()
    qtbot.waitUntil(lambda: dock.isVisible() and dock.visibleRegion().isEmpty())
    w = np.ones((2, 2), dtype=np.float32)
    session.feed([session.variable_created(1, "w:0", w),
                  session.variable_update(1, "w:0", w, step=0)])
    mean = dock.model.COLUMNS.index("Mean")
    width = dock.table.columnWidth(mean)
    for step in range(1, 4):  # a long mean: wider than the column
        session.feed([session.variable_update(1, "w:0", w * 1.234567e-5 * step, step=step)])
        qtbot.wait(variables_dock_module.FIT_COLUMNS_MS // 2)
    assert dock.table.columnWidth(mean) == width  # off screen: not measured
    dock.raise_()  # the user clicks the Variables tab
    qtbot.waitUntil(lambda: dock.table.columnWidth(mean) > width)
