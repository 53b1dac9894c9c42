"""A trace `tapescope record --break-on-nan` stopped: the window shows the values it kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from app import cli
from app.docks.tensor_dock import KEPT_AT_STOP
from app.main_window import MainWindow
from app.session import TRACE

# x is numpy data (no op made it); the second step divides by sqrt(0) for one element
SCRIPT = """\
import numpy as np
import engine as tf

data = np.array([[4.0, 1.0, 1.0, 9.0], [4.0, 1.0, 0.0, 9.0]], dtype=np.float32)
for step in range(2):
    x = data[step]
    y = (x - 1.0) / tf.sqrt(x)
print("the end")
"""


def click_row(qtbot, listing, row: int) -> None:
    rect = listing.visualItemRect(listing.item(row))
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def test_the_tensor_dock_shows_the_inputs_kept_where_the_run_stopped(qtbot, make_window,
                                                                     tmp_path: Path):
    script = tmp_path / "stop.py"
    script.write_text(SCRIPT)
    trace = tmp_path / "stop.tsdb"
    assert cli.main(["record", str(script), "-o", str(trace), "--break-on-nan"]) == \
        cli.EXIT_STOPPED
    window: MainWindow = make_window()
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)

    ops = window.ops_dock
    stopped_at = ops.selected_seq  # the window opens on the op the run stopped at
    assert window.session.op_by_seq(stopped_at)["op"] == "RealDiv"
    assert window.state_label.text().endswith("stopped at RealDiv, line 7")
    assert window.session.model.ops.seqs.data[0] < stopped_at  # not just the first op
    tensor = window.tensor_dock
    listing = tensor.tensor_list
    texts = [listing.item(i).text() for i in range(listing.count())]
    assert texts[0].startswith("output 0: float32[4]")
    assert texts[1] == "input 0: x (not made by a recorded op)"  # numpy's x - 1.0
    assert texts[2].startswith("input 1: float32[4] ← Sqrt")
    numerator = np.float32([3.0, 0.0, -1.0, 8.0])
    divisor = np.float32([2.0, 1.0, 0.0, 3.0])
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(tensor.current_value, numerator / divisor)

    click_row(qtbot, listing, 2)  # the divisor: Sqrt's output, with its zero
    np.testing.assert_array_equal(tensor.current_value, divisor)
    assert tensor.status_label.text() == KEPT_AT_STOP
    click_row(qtbot, listing, 1)  # no op made it, yet its value was kept
    np.testing.assert_array_equal(tensor.current_value, numerator)


def test_a_condition_stop_opens_on_its_op_with_the_inputs_kept(qtbot, make_window, tmp_path):
    script = tmp_path / "stop.py"
    script.write_text(SCRIPT)
    trace = tmp_path / "stop.tsdb"
    assert cli.main(["record", str(script), "-o", str(trace), "--break", "x.max() > 2.5",
                     "--mode", "NO_TENSOR"]) == cli.EXIT_STOPPED
    window: MainWindow = make_window()
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    assert window.session.op_by_seq(window.ops_dock.selected_seq)["op"] == "Sqrt"
    assert "condition 'x.max() > 2.5' held at Sqrt" in window.statusBar().currentMessage()
    tensor = window.tensor_dock
    np.testing.assert_array_equal(tensor.current_value, [2.0, 1.0, 1.0, 3.0])
    click_row(qtbot, tensor.tensor_list, 1)  # Sqrt's input: numpy data, kept
    np.testing.assert_array_equal(tensor.current_value, [4.0, 1.0, 1.0, 9.0])
