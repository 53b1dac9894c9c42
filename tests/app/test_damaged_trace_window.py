"""A damaged trace in the window: the damaged events are skipped and named in one dialog,
everything else is shown, and no dock raises on a field of the wrong shape."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from app_helpers import line_of, record_script
from PySide6.QtWidgets import QDockWidget
from train_step_script import TRAIN_STEP_HEAD

from app.session import TRACE

SCRIPT = TRAIN_STEP_HEAD + """\
    train_step(x, y)
z = tf.reduce_sum(w * 2.0)
"""

# The event kinds each dock reads, damaged the way issue 13 found them.
DAMAGE = {
    "graph": lambda e: e.update(nodes=5),  # Graph dock
    "gradient": lambda e: e.update(sources=None),  # Gradients dock
    "scalar": lambda e: e.update(value="abc"),  # Plots dock
    "variable_update": lambda e: e.update(summary=[1, 2]),  # Variables dock
    "op": lambda e: e.update(shapes=7),  # Ops table, Tensor dock
}


@pytest.fixture
def trace(tmp_path: Path) -> Path:
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    return record_script(script, tmp_path / "train.tsdb", mode="FULL_HEALTH")


@pytest.mark.parametrize("kind", DAMAGE)
def test_a_damaged_event_is_named_and_the_rest_shown(qtbot, make_window, trace, kind):
    db = sqlite3.connect(trace)
    seq, body = db.execute("SELECT seq, body FROM events WHERE kind = ? ORDER BY seq LIMIT 1",
                           (kind,)).fetchone()
    event = json.loads(body)
    DAMAGE[kind](event)
    db.execute("UPDATE events SET body = ? WHERE seq = ?", (json.dumps(event), seq))
    db.commit()
    db.close()
    window = make_window()
    window.resize(1400, 900)
    window.show()
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE and bool(window.error_dialogs))
    (box,) = window.error_dialogs
    assert box.windowTitle() == "The trace is damaged"
    assert f"1 damaged event skipped:\nevent #{seq}: ({kind}) field" in box.text()
    box.close()
    model = window.ops_dock.view.model()
    assert model.rowCount() > 0
    for row in (0, model.rowCount() - 1):  # select ops: every dock shows what it has
        window.ops_dock.view.selectRow(row)
        qtbot.wait(20)
    for dock in window.findChildren(QDockWidget):
        dock.raise_()
        qtbot.wait(10)


@pytest.mark.parametrize("script", ["fifo", "/dev/zero", "folder"])
def test_a_trace_naming_a_fifo_or_device_as_its_script_is_not_read(qtbot, make_window, trace,
                                                                    tmp_path, script):
    """Reading a FIFO blocks for ever and /dev/zero never ends: the Source dock says why
    it shows nothing instead."""
    what = {"fifo": "a FIFO", "/dev/zero": "a character device", "folder": "a directory"}[script]
    if script == "fifo":
        script = tmp_path / "fifo.py"
        os.mkfifo(script)
    elif script == "folder":
        script = tmp_path / "folder.py"
        script.mkdir()
    db = sqlite3.connect(trace)
    db.execute("UPDATE meta SET value = ? WHERE key = 'script'", (json.dumps(str(script)),))
    db.execute("UPDATE events SET body = replace(body, ?, ?)",
               (json.dumps(str(trace.parent / "train.py")), json.dumps(str(script))))
    db.commit()
    db.close()
    window = make_window()
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    window.ops_dock.view.selectRow(window.ops_dock.view.model().rowCount() - 1)
    source = window.source_dock
    assert source.path_label.text() == (f"Cannot be shown: source file {script} is {what}, "
                                        "not a regular file")
    assert source.view.toPlainText() == "" and not window.error_dialogs


def test_a_slow_source_file_is_read_off_the_gui_thread(qtbot, make_window, train_trace,
                                                       train_script, monkeypatch):
    """A script on a stalled disk: the window goes on, says it is reading, and shows the
    file with the selected op's line once it arrives."""
    from app.docks import source_dock

    release = threading.Event()
    real_read = source_dock.read_source

    def stalled_read(path, *args):
        release.wait(60)
        return real_read(path, *args)

    monkeypatch.setattr(source_dock, "read_source", stalled_read)
    window = make_window()
    assert window.open_path(train_trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    source = window.source_dock
    assert source.path_label.text() == f"Reading {train_script} …"
    assert source.view.toPlainText() == ""
    model = window.ops_dock.view.model()
    window.ops_dock.view.selectRow(next(r for r in range(model.rowCount())
                                        if model.op_at(r)["op"] == "Log"))
    release.set()
    qtbot.waitUntil(lambda: source.view.toPlainText() == train_script.read_text())
    assert source.path_label.text() == str(train_script)
    assert source.op_line == line_of(train_script.read_text(), "NAN")
    assert source.view.textCursor().blockNumber() + 1 == source.op_line
