"""The window on a script that runs on real TensorFlow (`tapescope --backend tensorflow`):
ops of a compiled Keras train step, its graph, the loss plot, and a NaN breakpoint added
in the Breakpoints dock. Runs where TensorFlow is installed."""

from __future__ import annotations

import math
import textwrap

import pytest

pytest.importorskip("tensorflow")

from app_helpers import line_of  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.session import FINISHED, PAUSED  # noqa: E402

TF_TIMEOUT = 180_000  # ms: TensorFlow's import alone takes seconds on a busy box

SCRIPT = textwrap.dedent("""\
    import numpy as np
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(24, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int64")
    model = tf.keras.Sequential([tf.keras.Input((4,)),
                                 tf.keras.layers.Dense(8, activation="relu"),
                                 tf.keras.layers.Dense(2)])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam(0.01)


    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss


    for step in range(3):
        loss = train_step(x[step * 8:(step + 1) * 8], y[step * 8:(step + 1) * 8])
    bad = tf.math.log(tf.constant([1.0, -1.0]))  # NAN
    print("after the NaN")
""")


def test_a_keras_step_on_tensorflow_shows_ops_graph_loss_and_stops_at_a_nan(
        qtbot, make_window, tmp_path, monkeypatch):
    monkeypatch.setenv("TAPESCOPE_BACKEND", "tensorflow")  # what `--backend tensorflow` sets
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    script = tmp_path / "train_tf.py"
    script.write_text(SCRIPT)
    assert window.open_path(script)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=TF_TIMEOUT)

    dock = window.breakpoints_dock
    dock.kind_combo.setCurrentIndex(dock.kind_combo.findText("First NaN/Inf"))
    qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(window.session.runPaused, timeout=TF_TIMEOUT) as paused:
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F5)  # Run
    assert paused.args[0]["reason"] == "breakpoint"

    session = window.session
    op = session.op_by_seq(window.ops_dock.selected_seq)
    assert op["op"] == "Log" and op["exec"] == "eager"
    assert op["summary"][0]["nan"] == 1
    assert window.source_dock.paused_line == line_of(SCRIPT, "NAN")
    tensor = window.tensor_dock
    qtbot.waitUntil(lambda: tensor.current_value is not None, timeout=TF_TIMEOUT)
    assert math.isnan(tensor.current_value[1])

    graphs = [g for g in session.graphs if g["function"] == "train_step"]
    assert len(graphs) == 1
    compiled = [o for o in session.ops if o["exec"] == f"graph:{graphs[0]['graph_id']}"]
    assert {o["step"] for o in compiled if o["op"] == "MatMul"} == {0, 1, 2}
    names = [window.graph_dock.source_combo.itemText(i)
             for i in range(window.graph_dock.source_combo.count())]
    assert any(name.startswith("train_step") for name in names)
    steps, losses, _ = window.plots_dock.step_series("loss")
    assert list(steps) == [0, 1, 2] and all(math.isfinite(v) for v in losses)

    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F5)  # Continue
    qtbot.waitUntil(lambda: session.state == FINISHED, timeout=TF_TIMEOUT)
    assert "after the NaN" in window.console_dock.text()
