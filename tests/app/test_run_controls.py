"""The run controls of the main window on live scripts, pressed as a person presses them:
Step batch (F11), Step epoch (Shift+F11), Run to a NaN breakpoint added in the
Breakpoints dock, Stop (Shift+F5), Restart (Ctrl+Shift+F5), and the tensor debug mode."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
from app_helpers import ENDLESS_SCRIPT, LIVE_TIMEOUT, line_of
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.main_window import MainWindow
from app.session import FINISHED, PAUSED, RUNNING

# Two epochs of three batches (12 samples, batches of 4) of a linear fit.
TRAIN_SCRIPT = textwrap.dedent("""\
    import numpy as np

    import engine as tf

    xs = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(-1, 1)
    ys = 3.0 * xs + 1.0
    dataset = tf.data.Dataset.from_tensor_slices((xs, ys)).batch(4)
    w = tf.Variable([[0.0]], name="w")
    b = tf.Variable([0.0], name="b")
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
    for epoch in range(2):
        for x, y in dataset:  # BATCHES
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))  # LOSS
            grads = tape.gradient(loss, [w, b])  # GRADIENT
            optimizer.apply_gradients(zip(grads, [w, b]))  # UPDATE
        print("epoch", epoch, float(loss))
""")
BATCHES_PER_EPOCH = 3

NAN_SCRIPT = textwrap.dedent("""\
    import engine as tf

    x = tf.constant([1.0, -2.0, 3.0])
    y = x * 2.0
    z = tf.math.log(y)  # NAN
    w = z + 1.0
    print("after the NaN")
""")

F5, F11 = Qt.Key.Key_F5, Qt.Key.Key_F11
SHIFT, CTRL = Qt.KeyboardModifier.ShiftModifier, Qt.KeyboardModifier.ControlModifier


def open_live(qtbot, make_window, tmp_path: Path, source: str) -> tuple[MainWindow, Path]:
    """A shown, active window with ``source`` open as a live script, paused at the start."""
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    script = tmp_path / "script.py"
    script.write_text(source)
    assert window.open_path(script)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    assert window.session.paused_event["reason"] == "start"
    return window, script


def press(qtbot, window: MainWindow, key: Qt.Key,
          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """Press a key where the focus is, as the keyboard would (shortcuts are window-wide)."""
    qtbot.keyClick(QApplication.focusWidget() or window, key, modifier)


def press_and_wait_paused(qtbot, window: MainWindow, key: Qt.Key,
                          modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier
                          ) -> dict:
    with qtbot.waitSignal(window.session.runPaused, timeout=LIVE_TIMEOUT) as paused:
        press(qtbot, window, key, modifier)
    return paused.args[0]


def selected_op(window: MainWindow) -> dict:
    seq = window.ops_dock.selected_seq
    assert seq is not None
    return window.session.op_by_seq(seq)


def test_step_batch_runs_exactly_one_training_step(qtbot, make_window, tmp_path):
    window, script = open_live(qtbot, make_window, tmp_path, TRAIN_SCRIPT)
    session, ops = window.session, window.ops_dock
    assert window.step_label.text() == "Step 0"

    paused = press_and_wait_paused(qtbot, window, F11)
    assert paused["reason"] == "step_batch"
    assert session.step == 1 and session.epoch == 0
    assert set(session.op_steps.tolist()) == {0}  # nothing of the next step ran
    assert window.step_label.text() == "Step 1" and window.epoch_label.text() == "Epoch 0"
    # the last op of the step (the gradient's MatMul) is selected, its line marked; the
    # run stands where the step ended: in apply_gradients
    last = session.ops[-1]
    assert ops.selected_seq == last["seq"] == paused["op_seq"]
    assert ops.view.currentIndex().row() == ops.view.model().rowCount() - 1
    assert (last["op"], last["step"]) == ("MatMul", 0)
    # marked where that op ran, as the status bar says (the run stands in apply_gradients,
    # which records no op: marking that line beside the op's disagreed with both)
    assert window.source_dock.op_line == line_of(TRAIN_SCRIPT, "GRADIENT")
    assert window.source_dock.paused_line == line_of(TRAIN_SCRIPT, "GRADIENT")
    assert window.run_action.text() == "&Continue"
    first_step_ops = session.op_count

    paused = press_and_wait_paused(qtbot, window, F11)
    assert paused["reason"] == "step_batch"
    assert session.step == 2 and window.step_label.text() == "Step 2"
    assert sorted(set(session.op_steps.tolist())) == [0, 1]
    assert session.op_count == 2 * first_step_ops  # every step runs the same ops
    assert selected_op(window)["step"] == 1 and selected_op(window) is session.ops[-1]
    assert window.source_dock.paused_line == line_of(TRAIN_SCRIPT, "GRADIENT")


def test_step_epoch_runs_to_the_end_of_this_epoch(qtbot, make_window, tmp_path):
    window, script = open_live(qtbot, make_window, tmp_path, TRAIN_SCRIPT)
    session = window.session
    press_and_wait_paused(qtbot, window, F11)  # one step into the first epoch
    assert (session.step, session.epoch) == (1, 0)

    paused = press_and_wait_paused(qtbot, window, F11, SHIFT)  # the rest of epoch 0 only
    assert paused["reason"] == "step_epoch"
    assert (session.step, session.epoch) == (BATCHES_PER_EPOCH, 1)
    assert window.step_label.text() == "Step 3" and window.epoch_label.text() == "Epoch 1"
    assert session.ops[-1]["epoch"] == 0
    assert max(session.op_steps.tolist()) == BATCHES_PER_EPOCH - 1
    assert selected_op(window) is session.ops[-1]
    # the epoch ends where the loop asks the dataset for one more batch; what is marked
    # is the last op that ran, the one selected
    assert window.source_dock.paused_line == line_of(TRAIN_SCRIPT, "GRADIENT")

    paused = press_and_wait_paused(qtbot, window, F11, SHIFT)  # all of epoch 1
    assert paused["reason"] == "step_epoch"
    assert (session.step, session.epoch) == (2 * BATCHES_PER_EPOCH, 2)
    assert {op["epoch"] for op in session.ops[-BATCHES_PER_EPOCH:]} == {1}
    assert max(session.op_steps.tolist()) == 2 * BATCHES_PER_EPOCH - 1
    assert window.epoch_label.text() == "Epoch 2"
    assert session.state == PAUSED

    window.run_action.trigger()  # Continue: nothing is left but the last print
    qtbot.waitUntil(lambda: session.state == FINISHED, timeout=LIVE_TIMEOUT)
    assert window.state_label.text() == "Finished (ok)"
    assert "epoch 1" in window.console_dock.text()


def test_a_nan_breakpoint_added_in_the_dock_stops_at_the_op_that_made_it(
        qtbot, make_window, tmp_path):
    window, script = open_live(qtbot, make_window, tmp_path, NAN_SCRIPT)
    dock = window.breakpoints_dock
    dock.kind_combo.setCurrentIndex(dock.kind_combo.findText("First NaN/Inf"))
    assert not dock.text_edit.isEnabled()  # nothing to type for this kind
    qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)
    (bp,) = window.session.breakpoints
    assert bp.kind == "nan"
    assert dock.table.rowCount() == 1 and dock.table.item(0, 2).text() == "NaN or Inf appears"

    paused = press_and_wait_paused(qtbot, window, F5)  # Run
    assert paused["reason"] == "breakpoint" and paused["breakpoint"] == bp.id
    op = selected_op(window)
    assert op["op"] == "Log" and op is window.session.ops[-1]  # z + 1.0 has not run
    assert op["summary"][0]["nan"] == 1
    nan_line = line_of(NAN_SCRIPT, "NAN")
    assert window.source_dock.paused_line == nan_line == window.source_dock.op_line
    assert window.source_dock.current_file == str(script)
    assert dock.table.item(0, 3).text() == "1"  # hits

    tensor = window.tensor_dock
    assert "(Log)" in tensor.op_label.text() and f"#{op['seq']}" in tensor.op_label.text()
    qtbot.waitUntil(lambda: tensor.current_value is not None, timeout=LIVE_TIMEOUT)
    value = tensor.current_value
    assert value.shape == (3,) and math.isnan(value[1])
    np.testing.assert_allclose(value[[0, 2]], np.log([2.0, 6.0]), rtol=1e-6)
    assert "NaN" in tensor.stats_label.text()

    press(qtbot, window, F5)  # Continue: the later ops are tainted, not new NaNs
    qtbot.waitUntil(lambda: window.session.state == FINISHED, timeout=LIVE_TIMEOUT)
    assert window.session.ops[-1]["op"] == "AddV2"
    assert "after the NaN" in window.console_dock.text()


def test_stop_ends_an_endless_run_and_restart_runs_it_again_fresh(qtbot, make_window,
                                                                   tmp_path):
    window, script = open_live(qtbot, make_window, tmp_path, ENDLESS_SCRIPT)
    session, model = window.session, window.ops_dock.view.model()
    press(qtbot, window, F5)
    qtbot.waitUntil(lambda: session.state == RUNNING and session.op_count > 200,
                    timeout=LIVE_TIMEOUT)
    loop = [("Mul", line_of(ENDLESS_SCRIPT, "LOOP")), ("AddV2", line_of(ENDLESS_SCRIPT, "LOOP2"))]
    assert [(op["op"], op["line"]) for op in session.ops[:4]] == 2 * loop

    press(qtbot, window, F5, SHIFT)  # Stop
    qtbot.waitUntil(lambda: session.state == FINISHED, timeout=LIVE_TIMEOUT)
    assert window.state_label.text() == "Finished (stopped)"
    stopped_at = session.op_count
    assert model.rowCount() == stopped_at  # what ran stays to be looked at
    assert not window.stop_action.isEnabled() and window.restart_action.isEnabled()

    press(qtbot, window, F5, SHIFT | CTRL)  # Restart
    assert model.rowCount() == 0 and session.step == 0  # the old run is forgotten at once
    qtbot.waitUntil(lambda: session.state == RUNNING and session.op_count > 200,
                    timeout=LIVE_TIMEOUT)
    # from the top again (numbered from 1: no pause at the start this time), running
    assert [(op["op"], op["line"]) for op in session.ops[:4]] == 2 * loop
    assert session.ops[0]["seq"] == 1
    assert window.state_label.text() == "Running" and window.pause_action.isEnabled()

    press(qtbot, window, F5, SHIFT | CTRL)  # Restart while it runs
    qtbot.waitUntil(lambda: session.state == RUNNING and session.op_count > 200,
                    timeout=LIVE_TIMEOUT)
    assert [(op["op"], op["line"]) for op in session.ops[:4]] == 2 * loop
    assert session.ops[0]["seq"] == 1

    press(qtbot, window, F5, SHIFT)
    qtbot.waitUntil(lambda: session.state == FINISHED, timeout=LIVE_TIMEOUT)
    assert window.state_label.text() == "Finished (stopped)"


def test_the_mode_selector_changes_what_the_next_ops_report(qtbot, make_window, tmp_path):
    window, script = open_live(qtbot, make_window, tmp_path, ENDLESS_SCRIPT)
    session, combo = window.session, window.mode_combo
    assert combo.isEnabled() and combo.currentText() == session.mode == "CONCISE_HEALTH"

    def step_op() -> dict:
        press_and_wait_paused(qtbot, window, Qt.Key.Key_F10)
        return selected_op(window)

    assert set(step_op()["summary"][0]) == {"shape", "dtype", "size", "nan", "neg_inf",
                                            "pos_inf", "bad"}
    combo.setCurrentIndex(combo.findText("FULL_HEALTH"))
    assert session.mode == "FULL_HEALTH"
    summary = step_op()["summary"][0]
    assert {"min", "max", "mean", "std", "zeros"} <= set(summary)
    assert summary["min"] == 1.0 and summary["max"] == 2.0  # x is [1, 2] for ever

    combo.setCurrentIndex(combo.findText("SHAPE"))
    assert step_op()["summary"] == [{"shape": [2], "dtype": "float32"}]
    combo.setCurrentIndex(combo.findText("NO_TENSOR"))
    assert step_op()["summary"] is None  # stepping still reports the op itself

    combo.setCurrentIndex(combo.findText("CURT_HEALTH"))
    window.restart_action.trigger()  # a new run starts in the chosen mode
    qtbot.waitUntil(lambda: session.op_count > 50, timeout=LIVE_TIMEOUT)
    assert combo.currentText() == session.mode == "CURT_HEALTH"
    assert session.ops[0]["summary"] == [{"shape": [2], "dtype": "float32", "bad": False}]


# The tutorial's @tf.function train step: a step ends inside the compiled function, so
# where the script stands (the call) is not where the last op ran.
FUNCTION_SCRIPT = textwrap.dedent("""\
    import numpy as np

    import engine as tf

    xs = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(-1, 1)
    dataset = tf.data.Dataset.from_tensor_slices((xs, 3.0 * xs + 1.0)).batch(4)
    w = tf.Variable([[0.0]], name="w")
    b = tf.Variable([0.0], name="b")
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)


    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) + b - y))  # LOSS
        grads = tape.gradient(loss, [w, b])  # GRADIENT
        optimizer.apply_gradients(zip(grads, [w, b]))
        return loss


    for epoch in range(2):
        for x, y in dataset:
            train_step(x, y)  # CALL
    bad = tf.math.log(tf.constant([-1.0, 1.0]))  # NAN
""")


def assert_status_source_and_ops_agree(window: MainWindow, script: Path) -> dict:
    """The selected op is where Source marks the run and where the status bar says it is."""
    op = selected_op(window)
    source = window.source_dock
    assert source.current_file == str(script)
    assert source.paused_line == source.op_line == op["line"]
    status = window.state_label.text()
    assert status.endswith(f"{op['op']} at {script.name}:{op['line']}") or status.endswith(
        f"{op['op']} — {script.name}:{op['line']}")
    for internal in ("(step", "(start)", "(breakpoint)", "step_batch", "step_epoch", "_"):
        assert internal not in status
    return op


def test_status_source_and_ops_name_the_same_op_and_line_after_each_step_key(
        qtbot, make_window, tmp_path):
    window, script = open_live(qtbot, make_window, tmp_path, FUNCTION_SCRIPT)
    assert window.state_label.text() == "Paused at start — press F5 to run, F10 to step one op"
    assert window.source_dock.paused_line == 0 and window.ops_dock.selected_seq is None
    window.statusBar().showMessage("Paused somewhere earlier")  # a note from before the run

    paused = press_and_wait_paused(qtbot, window, Qt.Key.Key_F10)
    op = assert_status_source_and_ops_agree(window, script)
    assert window.state_label.text() == (
        f"Paused after op {op['op']} — {script.name}:{op['line']}")
    assert window.statusBar().currentMessage() == ""  # nothing left that says otherwise

    paused = press_and_wait_paused(qtbot, window, F11)
    op = assert_status_source_and_ops_agree(window, script)
    assert paused["line"] == line_of(FUNCTION_SCRIPT, "CALL") != op["line"]
    assert op["line"] == line_of(FUNCTION_SCRIPT, "GRADIENT")
    assert window.state_label.text() == (
        f"Paused after step 1 — {op['op']} at {script.name}:{op['line']}")
    assert window.step_label.text() == "Step 1"

    press_and_wait_paused(qtbot, window, F11)
    assert window.state_label.text().startswith("Paused after step 2 — ")
    assert_status_source_and_ops_agree(window, script)

    press_and_wait_paused(qtbot, window, F11, SHIFT)
    op = assert_status_source_and_ops_agree(window, script)
    assert window.state_label.text() == (
        f"Paused after epoch 1 — {op['op']} at {script.name}:{op['line']}")
    assert window.epoch_label.text() == "Epoch 1"

    dock = window.breakpoints_dock  # then on to the NaN
    dock.kind_combo.setCurrentIndex(dock.kind_combo.findText("First NaN/Inf"))
    qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)
    press_and_wait_paused(qtbot, window, F5)
    op = assert_status_source_and_ops_agree(window, script)
    assert op["op"] == "Log" and op["line"] == line_of(FUNCTION_SCRIPT, "NAN")
    assert window.state_label.text() == f"Paused: first NaN in Log — {script.name}:{op['line']}"

    press(qtbot, window, F5)
    qtbot.waitUntil(lambda: window.session.state == FINISHED, timeout=LIVE_TIMEOUT)
    assert window.state_label.text() == "Finished (ok)"
