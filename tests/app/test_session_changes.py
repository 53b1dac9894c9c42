"""What the window shows follows the session: its counters count training steps and
epochs, and opening another script or trace, or restarting, leaves nothing of the last one
in any dock."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
from app_helpers import record_script

from app.main_window import MainWindow
from app.session import TRACE

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
