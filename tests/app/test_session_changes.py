"""What the window shows follows the session: its counters count training steps and
epochs, and opening another script or trace, or restarting, leaves nothing of the last one
in any dock."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from app_helpers import LIVE_TIMEOUT, TRAIN_SCRIPT, line_of, record_script
from PySide6.QtCore import Qt

from app.main_window import MainWindow
from app.session import PAUSED, TRACE

# Three epochs of three batches; accuracy logged per epoch the way the demo does.
EPOCHS_SCRIPT = textwrap.dedent("""\
    import numpy as np

    import engine as tf

    xs = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(-1, 1)
    dataset = tf.data.Dataset.from_tensor_slices((xs, 3.0 * xs + 1.0)).batch(4)
    w = tf.Variable([[0.0]], name="w")
    b = tf.Variable([0.0], name="b")
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
    for epoch in range(3):
        for x, y in dataset:
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))  # LOSS
            grads = tape.gradient(loss, [w, b])
            optimizer.apply_gradients(zip(grads, [w, b]))
        tf.summary.scalar("accuracy", 0.5 + 0.1 * epoch, step=epoch)
""")


def open_trace(qtbot, window: MainWindow, trace: Path) -> None:
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)


def test_the_status_bar_counts_training_steps_not_the_steps_given_to_tf_summary(
        qtbot, make_window, tmp_path):
    script = tmp_path / "epochs.py"
    script.write_text(EPOCHS_SCRIPT)
    trace = record_script(script, tmp_path / "epochs.tsdb")
    window = make_window()
    open_trace(qtbot, window, trace)
    window._update_counters()
    # the trace ends with tf.summary.scalar("accuracy", …, step=2): still 9 steps trained
    assert window.step_label.text() == "Step 9"
    assert window.epoch_label.text() == "Epoch 3"
    epochs, values = window.plots_dock.epoch_series("accuracy")
    assert epochs.tolist() == [0, 1, 2]
    np.testing.assert_allclose(values, [0.5, 0.6, 0.7])
    steps, _losses, _ = window.plots_dock.step_series("loss")
    assert steps.tolist() == list(range(9))


# Script B: a few ops, no variables, no gradients, no scalars.
OTHER_SCRIPT = textwrap.dedent("""\
    import engine as tf

    a = tf.constant([1.0, 2.0])
    b = a + 1.0  # OTHER
""")


def fill_every_dock_from_train_script(qtbot, window: MainWindow) -> None:
    """What a person has on screen after looking around a run: an op selected with its
    value, loss curve, gradients, variables, a drawn graph, a breakpoint hit, output."""
    session = window.session
    assert session.op_count > 30 and window.plots_dock.metric_list.count() > 0
    nan_op = next(op for op in session.ops if op["op"] == "Log")
    window.select_op(nan_op["seq"])
    tensor = window.tensor_dock
    qtbot.waitUntil(lambda: tensor.current_value is not None, timeout=LIVE_TIMEOUT)
    assert tensor.histogram_counts.size and tensor.table_model.rowCount() > 0
    assert window.source_dock.op_line > 0
    assert window.gradients_dock.variable_list.count() == 1
    assert window.variables_dock.model.rowCount() > 0
    qtbot.waitUntil(lambda: window.graph_dock.shown_graph is not None, timeout=LIVE_TIMEOUT)


def assert_nothing_of_the_train_script(window: MainWindow) -> None:
    ops, tensor, plots = window.ops_dock, window.tensor_dock, window.plots_dock
    assert ops.view.model().rowCount() == 0 and ops.selected_seq is None
    assert tensor.tensor_list.count() == 0 and tensor.op_label.text() == "No op selected"
    assert tensor.current_value is None and tensor.table_model.rowCount() == 0
    assert tensor.histogram_counts.size == 0 and tensor.image_item.image is None
    assert len(tensor.histogram_bars.opts["height"]) == 0
    assert "NaN" not in tensor.stats_label.text() and tensor.stats_label.text() == ""
    assert plots.metric_list.count() == 0 and plots.badge_text() == ""
    assert plots.step_plot.listDataItems() == [] and plots.epoch_plot.listDataItems() == []
    gradients = window.gradients_dock
    assert gradients.variable_list.count() == 0 and gradients.none_list.count() == 0
    assert all(len(item.getData()[0] or ()) == 0
               for item in gradients.norm_plot.getPlotItem().listDataItems())
    assert window.variables_dock.model.rowCount() == 0
    assert window.graph_dock.shown_graph is None
    assert window.graph_dock.source_combo.count() == 1
    assert window.console_dock.text() == ""
    hits = window.breakpoints_dock.table.item(0, 3)
    assert hits is None or hits.text() == "0"
    assert "train.py" not in window.statusBar().currentMessage()
    window._update_counters()
    assert (window.step_label.text(), window.epoch_label.text(),
            window.ops_label.text()) == ("Step 0", "Epoch 0", "0 ops")


def add_nan_breakpoint(qtbot, window: MainWindow) -> None:
    dock = window.breakpoints_dock
    dock.kind_combo.setCurrentIndex(dock.kind_combo.findText("First NaN/Inf"))
    qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)


def run_train_script_to_its_nan(qtbot, window: MainWindow, train_script: Path) -> None:
    assert window.open_path(train_script)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    add_nan_breakpoint(qtbot, window)
    with qtbot.waitSignal(window.session.runPaused, timeout=LIVE_TIMEOUT):
        window.run_action.trigger()
    assert window.session.paused_event["reason"] == "breakpoint"
    assert window.source_dock.paused_line == line_of(TRAIN_SCRIPT, "NAN")
    assert window.breakpoints_dock.table.item(0, 3).text() == "1"
    qtbot.waitUntil(lambda: "step 2" in window.console_dock.text(), timeout=LIVE_TIMEOUT)
    fill_every_dock_from_train_script(qtbot, window)


def test_opening_another_script_leaves_nothing_of_the_last_one_in_any_dock(
        qtbot, make_window, train_script, tmp_path):
    window = make_window()
    run_train_script_to_its_nan(qtbot, window, train_script)
    other = tmp_path / "other.py"
    other.write_text(OTHER_SCRIPT)

    assert window.open_path(other)
    assert_nothing_of_the_train_script(window)
    source = window.source_dock
    assert source.current_file == str(other) and source.view.toPlainText() == OTHER_SCRIPT
    assert (source.paused_line, source.op_line) == (0, 0)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    assert_nothing_of_the_train_script(window)  # paused before B's first line: still empty
    assert source.view.toPlainText() == OTHER_SCRIPT


def test_restart_leaves_nothing_of_the_last_run_in_any_dock(qtbot, make_window, train_script):
    window = make_window()
    run_train_script_to_its_nan(qtbot, window, train_script)
    window.restart_action.trigger()  # the new run runs at once; the old one is gone now
    assert_nothing_of_the_train_script(window)
    source = window.source_dock
    assert source.current_file == str(train_script.resolve())
    assert (source.paused_line, source.op_line) == (0, 0)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    assert window.session.paused_event["reason"] == "breakpoint"  # hit again, counted anew
    assert window.breakpoints_dock.table.item(0, 3).text() == "1"


def test_opening_a_trace_leaves_nothing_of_the_live_run_in_any_dock(
        qtbot, make_window, train_script, tmp_path):
    other = tmp_path / "other.py"
    other.write_text(OTHER_SCRIPT)
    trace = record_script(other, tmp_path / "other.tsdb")
    window = make_window()
    run_train_script_to_its_nan(qtbot, window, train_script)

    assert window.open_path(trace)
    assert_nothing_of_the_train_script(window)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    source = window.source_dock
    assert source.current_file == str(other) and source.view.toPlainText() == OTHER_SCRIPT
    assert (source.paused_line, source.op_line) == (0, 0)
    assert window.plots_dock.metric_list.count() == 0
    assert window.tensor_dock.current_value is None
    assert window.ops_dock.view.model().rowCount() == window.session.op_count == 1


def test_reopening_an_edited_script_shows_it_as_it_is_now(qtbot, make_window, tmp_path):
    script = tmp_path / "other.py"
    script.write_text(OTHER_SCRIPT)
    window = make_window()
    assert window.open_path(script)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    edited = OTHER_SCRIPT + "c = b * 2.0\n"
    script.write_text(edited)
    assert window.open_path(script)
    assert window.source_dock.view.toPlainText() == edited
