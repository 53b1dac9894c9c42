"""The Breakpoints dock as a person uses it: the two NaN kinds, a condition that fails in
the run, and breakpoints that are still there when the script is opened again."""

from __future__ import annotations

import textwrap
from pathlib import Path

from app_helpers import LIVE_TIMEOUT
from PySide6.QtCore import Qt

from app.docks.breakpoints_dock import ENABLED, FAILED_COLOR, HITS, KIND, WHAT
from app.main_window import MainWindow
from app.session import FINISHED, PAUSED

OPS_SCRIPT = textwrap.dedent("""\
    import engine as tf

    a = tf.constant([[1.0, 2.0]])
    b = tf.matmul(a, tf.constant([[3.0], [4.0]]))  # MATMUL
    c = tf.exp(b)
    print("done", float(c))
""")


def open_script(qtbot, window: MainWindow, script: Path) -> None:
    assert window.open_path(script)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)


def add(qtbot, window: MainWindow, label: str, text: str = "") -> None:
    """Pick a kind in the form, type what it asks for, press Add."""
    dock = window.breakpoints_dock
    dock.kind_combo.setCurrentIndex(dock.kind_combo.findText(label))
    if text:
        qtbot.keyClicks(dock.text_edit, text)
    qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)


def cell(window: MainWindow, row: int, column: int, role: Qt.ItemDataRole) -> object:
    model = window.breakpoints_dock.table.model()
    return model.data(model.index(row, column), role)


def test_each_new_nan_origin_is_a_kind_of_its_own_in_the_form(qtbot, make_window):
    window = make_window()
    dock = window.breakpoints_dock
    add(qtbot, window, "Each new NaN/Inf origin")
    assert not dock.text_edit.isEnabled()  # nothing to type for it
    add(qtbot, window, "First NaN/Inf")
    assert [bp.kind for bp in window.session.breakpoints] == ["nan_origin", "nan"]
    assert [cell(window, row, KIND, Qt.ItemDataRole.DisplayRole) for row in (0, 1)] == [
        "Each new NaN/Inf origin", "First NaN/Inf"]


def test_a_condition_that_raises_is_shown_failed_in_its_row(qtbot, make_window, tmp_path):
    window = make_window()
    script = tmp_path / "ops.py"
    script.write_text(OPS_SCRIPT)
    open_script(qtbot, window, script)
    add(qtbot, window, "Condition", "x.no_such_thing > 0")
    add(qtbot, window, "Op type", "Exp")
    display = Qt.ItemDataRole.DisplayRole
    assert cell(window, 0, ENABLED, Qt.ItemDataRole.CheckStateRole) == Qt.CheckState.Checked.value

    window.run_action.trigger()
    qtbot.waitUntil(lambda: window.session.state == PAUSED
                    and window.session.paused_event["reason"] == "breakpoint",
                    timeout=LIVE_TIMEOUT)
    qtbot.waitUntil(lambda: cell(window, 0, ENABLED, Qt.ItemDataRole.CheckStateRole)
                    == Qt.CheckState.Unchecked.value)
    for column in (ENABLED, KIND, WHAT, HITS):
        assert cell(window, 0, column, Qt.ItemDataRole.ForegroundRole).color() == FAILED_COLOR
        tip = cell(window, 0, column, Qt.ItemDataRole.ToolTipRole)
        assert "AttributeError" in tip and "no_such_thing" in tip
    assert cell(window, 0, WHAT, display) == "x.no_such_thing > 0"
    # the breakpoint that did not fail is shown as usual
    brush = cell(window, 1, KIND, Qt.ItemDataRole.ForegroundRole)
    assert brush is None or brush.color() != FAILED_COLOR
    assert cell(window, 1, WHAT, Qt.ItemDataRole.ToolTipRole) == "Exp"

    # Ticked again, it is tried again: no longer red
    window.breakpoints_dock.table.item(0, ENABLED).setCheckState(Qt.CheckState.Checked)
    (failed, _) = window.session.breakpoints
    assert failed.enabled and failed.error == ""
    assert cell(window, 0, WHAT, Qt.ItemDataRole.ToolTipRole) == "x.no_such_thing > 0"
    window.stop_action.trigger()
    qtbot.waitUntil(lambda: window.session.state == FINISHED, timeout=LIVE_TIMEOUT)


def test_breakpoints_are_remembered_per_script_between_launches(qtbot, make_window,
                                                                 tmp_path):
    script = tmp_path / "ops.py"
    script.write_text(OPS_SCRIPT)
    other = tmp_path / "other.py"
    other.write_text("print('nothing to see')\n")

    first = make_window()
    open_script(qtbot, first, script)
    add(qtbot, first, "Op type", "MatMul")
    add(qtbot, first, "Each new NaN/Inf origin")
    first.breakpoints_dock.table.item(1, ENABLED).setCheckState(Qt.CheckState.Unchecked)
    open_script(qtbot, first, other)  # another script has breakpoints of its own: none
    assert first.session.breakpoints == []
    first.close()

    second = make_window()
    open_script(qtbot, second, script)
    assert [(bp.kind, bp.pattern, bp.enabled, bp.hits) for bp in second.session.breakpoints] == [
        ("op_type", "MatMul", True, 0), ("nan_origin", "", False, 0)]
    assert second.breakpoints_dock.table.rowCount() == 2
    second.run_action.trigger()  # the remembered breakpoint is the debuggee's from the start
    qtbot.waitUntil(lambda: second.session.state == PAUSED
                    and second.session.paused_event["reason"] == "breakpoint",
                    timeout=LIVE_TIMEOUT)
    assert second.session.op_by_seq(second.session.paused_event["at_seq"])["op"] == "MatMul"
    second.stop_action.trigger()
    qtbot.waitUntil(lambda: second.session.state == FINISHED, timeout=LIVE_TIMEOUT)
