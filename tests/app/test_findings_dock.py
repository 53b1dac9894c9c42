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


# The example: labels [128] of a tf.data batch (numpy: no op made them) minus
# predictions [128, 1], inside a compiled train step.
LABELS_SCRIPT = textwrap.dedent("""\
    import numpy as np
    import engine as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(256, 3)).astype("float32")
    y = rng.normal(size=(256,)).astype("float32")
    model = tf.keras.Sequential([tf.keras.layers.Dense(1)])

    @tf.function
    def loss_of(xb, yb):
        return tf.reduce_mean(tf.square(yb - model(xb)))  # BROADCAST

    for xb, yb in tf.data.Dataset.from_tensor_slices((x, y)).batch(128):
        loss_of(xb, yb)
""")


def test_labels_broadcast_against_predictions_is_listed(qtbot, make_window, tmp_path):
    script = tmp_path / "labels.py"
    script.write_text(LABELS_SCRIPT)
    trace = record_script(script, tmp_path / "labels.tsdb")
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    dock = window.findings_dock
    qtbot.waitUntil(lambda: dock.list.count() == 1)
    assert dock.titles() == ["broadcast: did you mean…?"]
    assert "[128] and [128, 1] broadcast to [128, 128]" in dock.list.item(0).toolTip() + \
        dock.list.item(0).text()
    dock.raise_()
    rect = dock.list.visualItemRect(dock.list.item(0))
    qtbot.mouseClick(dock.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    op = window.session.op_by_seq(window.ops_dock.selected_seq)
    assert op["op"] == "Sub" and op["line"] == line_of(LABELS_SCRIPT, "BROADCAST")


DEAD_RELU_SCRIPT = textwrap.dedent("""\
    import engine as tf
    w = tf.Variable([[-1.0, -2.0], [-3.0, -1.0]], name="w")
    x = tf.constant([[1.0, 1.0]])
    opt = tf.keras.optimizers.SGD(learning_rate=0.01)
    for step in range(4):
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, w))  # RELU
            loss = tf.reduce_sum(h)
        grads = tape.gradient(loss, [w])
        opt.apply_gradients(zip(grads, [w]))
""")


def test_a_dead_relu_in_a_packed_full_health_trace_is_listed(qtbot, make_window, tmp_path):
    from app.cli import main

    script = tmp_path / "dead.py"
    script.write_text(DEAD_RELU_SCRIPT)
    trace = tmp_path / "dead.tsdb"  # the recorder packs ops: the model reads them as columns
    assert main(["record", str(script), "-o", str(trace), "--mode", "FULL_HEALTH"]) == 0
    window = make_window()
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    found = window.findings_dock.findings.found
    assert [f.kind for f in found] == ["dead", "dead"]  # by its Relu's zeros, by its gradient
    relu = found[0]
    assert "Relu" in relu.detail and f"line {line_of(DEAD_RELU_SCRIPT, 'RELU')}" in relu.detail


BOTH_SCRIPT = textwrap.dedent("""\
    import engine as tf
    w = tf.Variable([[-1.0, -2.0], [-3.0, -1.0]], name="w")
    x = tf.constant([[1.0, 1.0]])
    y = tf.reshape(tf.range(2, dtype=tf.float32), [2, 1])
    opt = tf.keras.optimizers.SGD(learning_rate=0.01)
    for step in range(6):
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.matmul(x, w))
            pred = tf.reshape(h, [2])
            loss = tf.reduce_sum(h) + tf.reduce_mean(tf.square(pred - y))
        grads = tape.gradient(loss, [w])
        opt.apply_gradients(zip(grads, [w]))
""")


def test_a_trace_opened_in_big_parts_lists_what_its_events_one_by_one_find(
        qtbot, make_window, tmp_path):
    """The dock picks the ops its checks look at from a whole part's rows at once (numpy);
    what it lists is what the checks find fed every event of the trace in order, as
    `tapescope inspect` does."""
    from app.cli import main
    from debugger.findings import find_all
    from debugger.tracefile import TraceReader

    script = tmp_path / "both.py"
    script.write_text(BOTH_SCRIPT)
    trace = tmp_path / "both.tsdb"
    assert main(["record", str(script), "-o", str(trace), "--mode", "FULL_HEALTH"]) == 0
    window = make_window()
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    with TraceReader(trace) as reader:
        expected = find_all(reader)
    assert {f.kind for f in expected} == {"dead", "broadcast"}
    found = window.findings_dock.findings.found
    assert sorted(found, key=lambda f: f.seq) == expected
