"""The Findings dock: a recorded run's findings listed in the window; a click shows the op."""

from __future__ import annotations

import textwrap

from app_helpers import line_of, record_script
from PySide6.QtCore import Qt

from app.session import TRACE

BROADCAST_SCRIPT = textwrap.dedent("""\
    import engine as tf

    w = tf.Variable(tf.ones([8]), name="w")
    y = tf.reshape(tf.range(8, dtype=tf.float32), [8, 1])
    for step in range(2):
        with tf.GradientTape() as tape:
            pred = w * 2.0
            loss = tf.reduce_mean(tf.square(pred - y))  # BROADCAST
        grads = tape.gradient(loss, [w])
""")


def test_clicking_a_finding_selects_its_op_everywhere(qtbot, make_window, tmp_path):
    script = tmp_path / "broadcast.py"
    script.write_text(BROADCAST_SCRIPT)
    trace = record_script(script, tmp_path / "broadcast.tsdb")
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    dock = window.findings_dock
    qtbot.waitUntil(lambda: dock.list.count() == 1)
    assert dock.titles() == ["broadcast: did you mean…?"]  # once, not once per step
    dock.raise_()
    item = dock.list.item(0)
    rect = dock.list.visualItemRect(item)
    qtbot.mouseClick(dock.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    seq = window.ops_dock.selected_seq
    op = window.session.op_by_seq(seq)
    assert op["op"] == "Sub" and op["line"] == line_of(BROADCAST_SCRIPT, "BROADCAST")
    assert op["step"] == 0

    window.session.eventsCleared.emit()  # a new run starts: the old findings go
    assert dock.list.count() == 0
