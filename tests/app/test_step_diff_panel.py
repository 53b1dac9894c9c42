"""The step diff tab of the Variables dock: pick two steps, read per-variable changes, and a
heatmap of the difference only where both values are known."""

import numpy as np
import pytest
from fake_session import FakeSession, gradient_source
from PySide6.QtCore import Qt

from app.docks.step_diff_panel import NO_VALUES, StepDiffPanel
from app.docks.variables_dock import VariablesDock

W = [np.array([[1.0, 2.0], [3.0, 4.0]], np.float32) * (1 + 0.5 * s) for s in range(3)]
G = [np.array([[0.1, -0.2], [0.3, 0.0]], np.float32) / (s + 1) for s in range(3)]


def three_steps(session):
    batch = [session.variable_created(1, "w:0", W[0])]
    for s in range(3):
        batch.append(session.gradient(s, [gradient_source(1, "w:0", G[s])]))
        batch.append(session.variable_update(1, "w:0", W[s], step=s,
                                             weight_norm=float(np.linalg.norm(W[s]))))
    session.feed(batch)


@pytest.fixture
def session():
    return FakeSession()


def make_panel(qtbot, session, values=None):
    panel = StepDiffPanel(session, values)
    qtbot.addWidget(panel)
    panel.resize(700, 500)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def texts(panel, row):
    return [panel.table.item(row, c).text() for c in range(panel.table.columnCount())]


def test_picking_two_steps_fills_the_table_from_events(qtbot, session):
    panel = make_panel(qtbot, session)
    three_steps(session)
    assert panel.step_b.maximum() == 2
    panel.step_a.setValue(0)
    panel.step_b.setValue(2)
    qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
    assert panel.table.rowCount() == 1
    row = texts(panel, 0)
    a, b = np.linalg.norm(W[0]), np.linalg.norm(W[2])
    assert row[0] == "w:0"
    assert row[1:4] == [f"{a:.6g}", f"{b:.6g}", f"{b - a:+.4g}"]
    assert row[4] == "—"  # no values: no max abs change is made up
    assert row[5:] == [f"{np.linalg.norm(G[0]):.6g}", f"{np.linalg.norm(G[2]):.6g}"]


def test_without_values_the_panel_says_so_instead_of_a_blank_heatmap(qtbot, session):
    panel = make_panel(qtbot, session)
    three_steps(session)
    panel.step_b.setValue(1)
    qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
    panel.table.selectRow(0)
    assert panel.heatmap is None or not panel.heatmap.isVisible()
    assert NO_VALUES in panel.status.text()


def test_with_values_the_selected_variable_shows_its_difference(qtbot, session):
    panel = make_panel(qtbot, session, values=lambda step, vid: W[step] if vid == 1 else None)
    three_steps(session)
    panel.step_a.setValue(0)
    panel.step_b.setValue(2)
    qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
    expected = W[2].astype(np.float64) - W[0]
    assert texts(panel, 0)[4] == f"{np.abs(expected).max():.6g}"
    panel.table.selectRow(0)
    assert panel.heatmap.isVisible()
    np.testing.assert_allclose(panel.image_item.image, expected)
    bound = np.abs(expected).max()
    assert panel.colorbar.levels() == pytest.approx((-bound, bound))  # centred on zero


@pytest.fixture
def dock(qtbot, session):
    dock = VariablesDock(session)
    qtbot.addWidget(dock)
    dock.show()
    return dock


def test_the_variables_dock_has_the_step_diff_tab_and_clears_it(qtbot, dock, session):
    three_steps(session)
    assert dock.tabs.tabText(1) == "Step diff"
    dock.tabs.setCurrentIndex(1)
    dock.step_diff.step_b.setValue(2)
    qtbot.mouseClick(dock.step_diff.compare_button, Qt.MouseButton.LeftButton)
    assert dock.step_diff.table.rowCount() == 1
    dock.clear()
    assert dock.step_diff.table.rowCount() == 0 and dock.step_diff.step_b.maximum() == 0
