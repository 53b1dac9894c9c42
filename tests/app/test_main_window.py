"""The main window, used as a person uses it: open, filter, select, step, close, reopen."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from app_helpers import (
    ENDLESS_SCRIPT,
    LINEAR_REGRESSION,
    LIVE_TIMEOUT,
    SPIRALS,
    line_of,
    make_op,
)
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QApplication, QDockWidget, QMessageBox

from app import cli
from app import gui as gui_module
from app.docks.console_dock import STDERR, ConsoleDock
from app.docks.ops_dock import OpsDock
from app.main_window import MainWindow, app_settings
from app.session import FINISHED, PAUSED, TRACE, Session
from debugger.tracefile import TraceWriter


def open_trace(qtbot, window: MainWindow, trace: Path) -> None:
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)


def test_a_trace_with_damaged_rows_shows_the_rest_and_how_many_were_skipped(
        qtbot, make_window, tmp_path):
    trace = tmp_path / "damaged.tsdb"
    with TraceWriter(trace) as writer:
        for seq in range(1, 101):
            writer.write(make_op(seq, op="Mul" if seq % 2 else "Add"))
    db = sqlite3.connect(trace)
    with db:  # what a disk error or a hand edit leaves: rows that are not events
        db.execute("UPDATE events SET body = 'not json' WHERE seq IN (10, 50)")
        db.execute("UPDATE events SET body = '{\"kind\": \"op\"}' WHERE seq = 90")
    db.close()
    window = make_window()
    open_trace(qtbot, window, trace)
    model = window.ops_dock.model
    assert model.rowCount() == 97
    assert [model.seq_at(row) for row in (8, 9, 48, 87)] == [9, 11, 51, 91]
    box = window.error_dialogs[-1]
    assert box.windowTitle() == "The trace is damaged"
    assert box.text().startswith("3 damaged events skipped")
    qtbot.keyClicks(window.ops_dock.filter_edit, "mul")  # the rest filters as usual
    qtbot.waitUntil(lambda: model.rowCount() == 50)


def enabled_actions(window: MainWindow) -> set[str]:
    return {a.text().replace("&", "") for a in window.run_actions if a.isEnabled()}


def test_a_new_window_has_every_dock_and_nothing_to_run(make_window):
    window = make_window()
    names = {dock.objectName() for dock in window.findChildren(QDockWidget)}
    assert {"opsDock", "graphDock", "tensorDock", "plotsDock", "gradientsDock",
            "variablesDock", "sourceDock", "consoleDock", "breakpointsDock"} <= names
    assert enabled_actions(window) == set()
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for a in window.run_actions}
    assert shortcuts == {"Run": "F5", "Pause": "F6", "Step op": "F10", "Step batch": "F11",
                         "Step epoch": "Shift+F11", "Stop": "Shift+F5",
                         "Restart": "Ctrl+Shift+F5"}
    examples = [a.text() for a in window.examples_menu.actions()]
    assert "linear regression" in examples


def test_opening_a_trace_fills_the_ops_table(qtbot, make_window, train_trace):
    window = make_window()
    open_trace(qtbot, window, train_trace)
    table = window.ops_dock.view
    assert table.model().rowCount() == window.session.op_count > 30
    assert window.state_label.text() == "Trace (post-mortem)"
    assert enabled_actions(window) == set()  # a trace cannot be run
    assert not window.mode_combo.isEnabled()
    assert window.ops_label.text() == f"{window.session.op_count} ops"
    assert str(train_trace.resolve()) == window.recent_files()[0]
    assert window.source_dock.current_file == str(window.session.script_path)


def test_opening_another_file_replaces_what_is_shown(qtbot, make_window, train_trace,
                                                     tmp_path):
    window = make_window()
    open_trace(qtbot, window, train_trace)
    window.ops_dock.view.selectRow(3)
    count = window.session.op_count
    other = tmp_path / "copy.tsdb"
    other.write_bytes(train_trace.read_bytes())
    open_trace(qtbot, window, other)
    assert window.ops_dock.view.model().rowCount() == window.session.op_count == count
    assert window.recent_files()[:2] == [str(other.resolve()), str(train_trace.resolve())]
    assert window.windowTitle() == "copy.tsdb — Tapescope"


def test_filtering_and_jumping_to_the_first_nan(qtbot, make_window, train_trace):
    window = make_window()
    open_trace(qtbot, window, train_trace)
    dock = window.ops_dock
    model = dock.view.model()
    qtbot.keyClicks(dock.filter_edit, "square")
    assert model.rowCount() == 3  # one Square per training step
    assert all(model.op_at(row)["op"] == "Square" for row in range(3))
    assert dock.count_label.text() == f"3 of {model.total_count} ops"

    with qtbot.waitSignal(dock.opSelected) as selected:
        qtbot.mouseClick(dock.jump_button, Qt.MouseButton.LeftButton)
    first_bad = model.op_at(dock.view.currentIndex().row())
    assert first_bad["op"] == "Log" and selected.args == [first_bad["seq"]]
    assert dock.filter_edit.text() == ""  # the filter hid it, so it was cleared

    dock.bad_only_check.click()
    assert [model.op_at(row)["op"] for row in range(model.rowCount())] == ["Log", "Mul"]


def test_selecting_an_op_marks_its_source_line(qtbot, make_window, train_trace, train_script):
    window = make_window()
    open_trace(qtbot, window, train_trace)
    dock = window.ops_dock
    model = dock.view.model()
    row = next(r for r in range(model.rowCount()) if model.op_at(r)["op"] == "Log")
    dock.view.selectRow(row)
    source = window.source_dock
    assert source.current_file == str(train_script)
    assert source.op_line == line_of(train_script.read_text(), "NAN")
    assert source.view.textCursor().blockNumber() + 1 == source.op_line
    assert dock.selected_seq == model.op_at(row)["seq"]


def test_clicking_a_graph_node_selects_its_op_and_the_reverse(qtbot, make_window, train_trace):
    window = make_window()
    window.resize(1400, 900)
    open_trace(qtbot, window, train_trace)
    graph = window.graph_dock
    graph.refresh()
    qtbot.waitUntil(lambda: graph.shown_graph is not None and graph._pending is None,
                    timeout=LIVE_TIMEOUT)
    log = next(op for op in window.session.ops if op["op"] == "Log")
    point = graph.view.item_center(f"op{log['seq']}").toPoint()
    qtbot.mouseClick(graph.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert window.ops_dock.selected_seq == log["seq"]
    assert window.session.ops[window.ops_dock.view.currentIndex().row()] is log
    assert f"#{log['seq']}" in window.tensor_dock.op_label.text()
    # and back: choosing a row in the Ops dock highlights that op's node
    view = window.ops_dock.view
    row = window.session.ops.index(log) - 1
    index = view.model().index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.visualRect(index).center())
    assert window.ops_dock.selected_seq == window.session.ops[row]["seq"]
    before = window.session.ops[row]
    if before["step"] != log["step"]:  # another step's tape is laid out first
        assert graph.step_spin.value() == before["step"]
    qtbot.waitUntil(lambda: graph.view.selected == f"op{before['seq']}", timeout=LIVE_TIMEOUT)


def test_margin_click_sets_a_breakpoint_shown_in_the_list(qtbot, make_window, train_trace,
                                                          train_script):
    window = make_window()
    open_trace(qtbot, window, train_trace)
    source = window.source_dock
    line = line_of(train_script.read_text(), "LOSS")
    view = source.view
    view.resize(600, 400)
    block = view.document().findBlockByNumber(line - 1)
    y = int(view.blockBoundingGeometry(block).translated(view.contentOffset()).center().y())
    qtbot.mouseClick(view.margin, Qt.MouseButton.LeftButton, pos=QPoint(5, y))
    (bp,) = window.session.breakpoints
    assert (bp.kind, bp.line, bp.file) == ("line", line, str(train_script))
    assert view.breakpoint_lines == {line: True}

    table = window.breakpoints_dock.table
    assert table.rowCount() == 1 and table.item(0, 2).text() == f"{train_script}:{line}"
    table.item(0, 0).setCheckState(Qt.CheckState.Unchecked)
    assert not window.session.breakpoints[0].enabled
    assert view.breakpoint_lines == {line: False}  # drawn hollow

    qtbot.mouseClick(view.margin, Qt.MouseButton.LeftButton, pos=QPoint(5, y))
    assert window.session.breakpoints == []
    assert table.rowCount() == 0


def test_the_add_form_explains_a_bad_condition(qtbot, make_window):
    window = make_window()
    dock = window.breakpoints_dock
    dock.kind_combo.setCurrentIndex(dock.kind_combo.findData("condition"))
    qtbot.keyClicks(dock.text_edit, "open('x')")
    assert not dock.add_from_form()
    assert "may only name" in dock.error_label.text()
    dock.text_edit.clear()
    qtbot.keyClicks(dock.text_edit, "abs(x).max() > 1e3")
    qtbot.keyClick(dock.text_edit, Qt.Key.Key_Return)
    assert [bp.condition for bp in window.session.breakpoints] == ["abs(x).max() > 1e3"]
    dock.table.selectRow(0)
    qtbot.mouseClick(dock.delete_button, Qt.MouseButton.LeftButton)
    assert window.session.breakpoints == []


def test_a_file_that_is_not_a_trace_gets_a_dialog_not_a_crash(qtbot, make_window, tmp_path):
    window = make_window()
    garbage = tmp_path / "run.tsdb"
    garbage.write_text("hello")
    assert not window.open_path(garbage)
    (box,) = window.error_dialogs
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert box.windowTitle() == "Cannot open the trace"
    assert "not a Tapescope trace file" in box.text()
    assert window.recent_files() == []


def test_an_exception_in_the_script_shows_where_and_stops_there(qtbot, make_window, tmp_path):
    window = make_window()
    script = tmp_path / "raises.py"
    script.write_text("import engine as tf\n\nx = tf.constant([1.0, 2.0])\n"
                      "y = tf.exp(x)\nraise ValueError('the data is empty')\n")
    window.open_path(script)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    window.run_action.trigger()
    qtbot.waitUntil(lambda: bool(window.error_dialogs), timeout=LIVE_TIMEOUT)
    (box,) = window.error_dialogs
    assert box.windowTitle() == "The script raised ValueError"
    assert box.text() == f"ValueError: the data is empty\n\nat {script}:5"
    assert "Traceback (most recent call last)" in box.detailedText()
    # post-mortem: paused where it raised, the last op selected, the line marked
    qtbot.waitUntil(lambda: window.session.state == PAUSED)
    assert window.session.paused_event["reason"] == "exception"
    assert window.source_dock.paused_line == 5
    assert window.ops_dock.selected_seq == window.session.ops[-1]["seq"]
    assert "ValueError: the data is empty" in window.console_dock.text()
    # nothing can run on after a fatal error: only Stop and Restart
    assert enabled_actions(window) == {"Stop", "Restart"}
    window.stop_action.trigger()
    qtbot.waitUntil(lambda: window.session.state == FINISHED, timeout=LIVE_TIMEOUT)
    assert window.state_label.text() == "Finished (error)"


@pytest.mark.qt_log_ignore("does not support raise")  # a floating dock, offscreen
def test_layout_and_recent_files_survive_a_restart(qtbot, make_window, train_trace):
    first = make_window()
    open_trace(qtbot, first, train_trace)
    first.console_dock.hide()
    first.ops_dock.setFloating(True)
    first.close()
    assert app_settings().value("window/state") is not None

    second = make_window()
    assert not second.console_dock.isVisibleTo(second)
    assert second.ops_dock.isFloating()
    assert second.recent_files() == [str(train_trace.resolve())]
    recent = [a.text() for a in second.recent_menu.actions()]
    assert recent[0] == str(train_trace.resolve())
    second.reset_layout()
    assert second.console_dock.isVisibleTo(second) and not second.ops_dock.isFloating()


def test_running_the_demo_live(qtbot, make_window):
    window = make_window()
    assert window.open_path(LINEAR_REGRESSION)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    assert enabled_actions(window) == {"Run", "Step op", "Step batch", "Step epoch", "Stop",
                                       "Restart"}
    window.run_action.trigger()
    qtbot.waitUntil(lambda: window.session.state == FINISHED, timeout=LIVE_TIMEOUT)
    assert window.ops_dock.view.model().rowCount() == window.session.op_count > 100
    assert "Learned w" in window.console_dock.text()
    steps, losses, _smoothed = window.plots_dock.step_series("loss")
    assert steps.tolist() == list(range(100))  # one loss point per training step
    assert losses[-1] < losses[0]
    assert window.state_label.text() == "Finished (ok)"
    assert enabled_actions(window) == {"Run", "Restart"}
    assert window.step_label.text() == "Step 100"


def test_pause_and_step_op_move_the_selection_one_op_at_a_time(qtbot, make_window, tmp_path):
    window = make_window()
    script = tmp_path / "endless.py"
    script.write_text(ENDLESS_SCRIPT)
    window.open_path(script)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    ops = window.ops_dock
    model = ops.view.model()

    window.step_op_action.trigger()  # from the start: stops after the first op
    qtbot.waitUntil(lambda: ops.selected_seq is not None, timeout=LIVE_TIMEOUT)
    assert ops.view.currentIndex().row() == model.rowCount() - 1
    first = ops.view.currentIndex().row()
    window.step_op_action.trigger()
    qtbot.waitUntil(lambda: ops.view.currentIndex().row() == first + 1, timeout=LIVE_TIMEOUT)
    assert window.session.state == PAUSED

    window.run_action.trigger()  # Continue
    qtbot.waitUntil(lambda: window.session.op_count > first + 200, timeout=LIVE_TIMEOUT)
    assert window.pause_action.isEnabled() and window.progress.isVisibleTo(window)
    window.pause_action.trigger()
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    qtbot.waitUntil(lambda: ops.selected_seq == window.session.paused_event["op_seq"])
    paused_row = ops.view.currentIndex().row()
    assert paused_row == model.rowCount() - 1
    assert window.source_dock.paused_line in (line_of(ENDLESS_SCRIPT, "LOOP"),
                                              line_of(ENDLESS_SCRIPT, "LOOP2"))
    window.step_op_action.trigger()
    qtbot.waitUntil(lambda: ops.view.currentIndex().row() == paused_row + 1,
                    timeout=LIVE_TIMEOUT)

    window.stop_action.trigger()
    qtbot.waitUntil(lambda: window.session.state == FINISHED, timeout=LIVE_TIMEOUT)
    assert window.state_label.text() == "Finished (stopped)"


@pytest.fixture
def lone_session(qtbot):
    session = Session()
    yield session
    session.shutdown()
    session.deleteLater()


def test_the_ops_table_follows_new_ops_until_the_user_scrolls_away(qtbot, lone_session):
    dock = OpsDock(lone_session)
    qtbot.addWidget(dock)
    dock.resize(500, 300)
    dock.show()
    bar = dock.view.verticalScrollBar()
    lone_session.add_events([make_op(seq) for seq in range(1, 201)])
    assert bar.maximum() > 0 and bar.value() == bar.maximum()  # the newest op in view

    bar.setValue(10)  # the user scrolls up to read something
    lone_session.add_events([make_op(seq) for seq in range(201, 401)])
    assert bar.value() == 10 and not dock.following  # it stays put

    bar.setValue(bar.maximum())  # back at the bottom: following again
    lone_session.add_events([make_op(seq) for seq in range(401, 601)])
    assert dock.following and bar.value() == bar.maximum()
    assert dock.count_label.text() == "600 ops"


def test_the_console_shows_stderr_in_red_and_the_traceback(qtbot, lone_session):
    dock = ConsoleDock(lone_session)
    qtbot.addWidget(dock)
    lone_session.eventsArrived.emit([
        {"kind": "output", "seq": 1, "stream": "stdout", "text": "Epoch 1\n"},
        {"kind": "output", "seq": 2, "stream": "stderr", "text": "warning: slow\n"},
        {"kind": "error", "seq": 3, "message": "ValueError: boom", "at_seq": 0,
         "file": "t.py", "line": 3, "traceback": "Traceback (most recent call last):\n..."},
        {"kind": "finished", "seq": 4, "status": "error"},
    ])
    text = dock.text()
    assert text.startswith("Epoch 1\nwarning: slow\n\nValueError: boom\nTraceback")
    assert text.rstrip().endswith("run finished: error —")
    stderr_line = QTextCursor(dock.view.document().findBlockByNumber(1))
    stderr_line.movePosition(QTextCursor.MoveOperation.NextCharacter)
    assert stderr_line.charFormat().foreground().color() == STDERR.foreground().color()
    lone_session.eventsCleared.emit()
    assert dock.text() == ""


def test_the_command_opens_the_gui_on_a_trace(qtbot, train_trace, monkeypatch):
    shown = []

    def fake_exec() -> int:
        (main,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        qtbot.waitUntil(lambda: main.session.state == TRACE)
        shown.append((main.windowTitle(), main.session.op_count, main.isVisible()))
        main.close()
        main.deleteLater()
        return 0

    monkeypatch.setattr(gui_module.QApplication, "exec", staticmethod(fake_exec))
    assert cli.main([str(train_trace)]) == 0
    assert shown == [("train.tsdb — Tapescope", shown[0][1], True)] and shown[0][1] > 30
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_the_command_with_no_argument_opens_the_demo_ready_to_run(qtbot, monkeypatch):
    seen = []

    def fake_exec() -> int:
        (main,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        qtbot.waitUntil(lambda: main.session.state == PAUSED, timeout=LIVE_TIMEOUT)
        seen.append((main.windowTitle(), main.run_action.isEnabled(),
                     main.source_dock.current_file, QApplication.windowIcon().isNull()))
        main.close()
        main.deleteLater()
        return 0

    monkeypatch.setattr(gui_module.QApplication, "exec", staticmethod(fake_exec))
    assert cli.main([]) == 0
    assert seen == [("spirals.py — Tapescope", True, str(SPIRALS), False)]
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


def test_the_command_refuses_a_missing_trace(capsys):
    assert cli.main(["nowhere.tsdb"]) == 2
    assert "trace file not found: nowhere.tsdb" in capsys.readouterr().err


def test_the_command_still_runs_a_script_in_the_terminal(tmp_path, capsys):
    script = tmp_path / "hello.py"
    script.write_text("import sys\nprint('hi', sys.argv[1:])\n")
    assert cli.main(["--terminal", str(script), "a"]) == 0
    assert capsys.readouterr().out == "hi ['a']\n"


def test_file_menu_exports_the_drawn_graph(qtbot, make_window, train_trace, tmp_path):
    window = make_window()
    open_trace(qtbot, window, train_trace)
    graph = window.graph_dock
    graph.refresh()
    qtbot.waitUntil(lambda: graph.shown_graph is not None and graph._pending is None,
                    timeout=LIVE_TIMEOUT)
    file_menu = window.menuBar().actions()[0].menu()
    action = next(a for a in file_menu.actions() if a.text().replace("&", "").startswith(
        "Export graph"))
    assert action is window.export_graph_action and action.isEnabled()
    action.trigger()
    from app.docks.graph_dock import ExportDialog

    (dialog,) = [w for w in QApplication.topLevelWidgets()
                 if isinstance(w, ExportDialog) and w.isVisible()]
    dialog.format_combo.setCurrentText("SVG")
    dialog.collapse_combo.setCurrentText("By layer")
    target = tmp_path / "from-menu.svg"
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(graph.exportFinished, timeout=LIVE_TIMEOUT) as done:
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
    assert done.args == [str(target), ""]
    assert target.read_bytes().lstrip().startswith((b"<?xml", b"<svg"))
