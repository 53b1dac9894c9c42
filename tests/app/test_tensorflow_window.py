"""The window on a script that runs on real TensorFlow (`tapescope --backend tensorflow`):
ops of a compiled Keras train step, its graph, the loss plot, and a NaN breakpoint added
in the Breakpoints dock. Runs where TensorFlow is installed."""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from app_helpers import ROOT, line_of  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

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
    check_updates_of_the_compiled_step(qtbot, window)

    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F5)  # Continue
    qtbot.waitUntil(lambda: session.state == FINISHED, timeout=TF_TIMEOUT)
    assert "after the NaN" in window.console_dock.text()


WEIGHTS = ["sequential/dense/bias", "sequential/dense/kernel", "sequential/dense_1/bias",
           "sequential/dense_1/kernel"]


def check_updates_of_the_compiled_step(qtbot, window):
    """Adam's updates inside the compiled train step (steps 0-2), as on the engine: the
    Variables dock lists the weights updated at step 2, the Gradients dock draws their
    update/weight ratio, and the step diff compares steps 0 and 2 by value."""
    variables = window.variables_dock.model
    rows = {variables.raw(r, 0): r for r in range(variables.rowCount())}
    assert sorted(rows) == WEIGHTS
    assert {variables.raw(r, len(variables.COLUMNS) - 1) for r in rows.values()} == {2}
    gradients = window.gradients_dock
    assert sorted(gradients.variable_labels()) == WEIGHTS
    for label in WEIGHTS:
        steps, ratios = gradients.ratio_series(label)
        assert list(steps) == [0, 1, 2] and all(0 < r < math.inf for r in ratios), label
        if label.endswith("kernel"):  # (a bias starts at 0: its ratios are anything)
            assert all(r < 0.2 for r in ratios), (label, ratios)  # Adam: ~0.01 per weight

    dock = window.variables_dock
    dock.raise_()
    tab_bar = dock.tabs.tabBar()
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(1).center())
    panel = dock.step_diff
    qtbot.waitUntil(lambda: panel.step_b.maximum() >= 2)
    for spin, step in ((panel.step_a, 0), (panel.step_b, 2)):
        spin.setFocus()
        spin.selectAll()
        qtbot.keyClicks(spin, str(step))
        qtbot.keyClick(spin, Qt.Key.Key_Tab)
    qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)
    column = [panel.table.horizontalHeaderItem(c).text()
              for c in range(panel.table.columnCount())].index("max |ΔW|")
    qtbot.waitUntil(lambda: panel.table.rowCount() == 4, timeout=TF_TIMEOUT)
    for row in range(4):
        name = panel.table.item(row, 0).text()
        qtbot.waitUntil(lambda row=row: panel.table.item(row, column).text() != "—",
                        timeout=TF_TIMEOUT)
        # Adam moves a weight by about its learning rate (0.01) per step at most
        assert 0 < float(panel.table.item(row, column).text()) < 0.05, name


# -- the tutorial's MNIST program on real TensorFlow ------------------------------------------

TUTORIAL_MNIST = ROOT / "tests" / "tutorial" / "03_mnist.py"
SAMPLE_DATA = ROOT / "tests" / "data"

# Real Keras' load_data downloads mnist.npz (and re-downloads any file whose hash is not
# the full set's): the program reads the sample in tests/data from a module beside it.
SAMPLE_LOADER = textwrap.dedent('''\
    """The MNIST sample of tests/data, as keras.datasets.mnist.load_data returns it."""
    from pathlib import Path

    import numpy as np


    def load_data():
        with np.load(Path(__file__).with_name("mnist_sample.npz")) as f:
            return (f["x_train"], f["y_train"]), (f["x_test"], f["y_test"])
''')


def tutorial_mnist_on_the_sample(folder: Path) -> str:
    """The tutorial's 03_mnist.py unchanged but for three lines: the sample instead of the
    download, 320 training images (10 batches) and 2 epochs instead of 5, and one test
    image made NaN (the evaluation's eager ops meet it after training)."""
    from engine.keras.datasets import mnist

    old = os.environ.get("TAPESCOPE_DATA")
    os.environ["TAPESCOPE_DATA"] = str(SAMPLE_DATA)
    try:
        (x_train, y_train), (x_test, y_test) = mnist.load_data()
    finally:
        if old is None:
            del os.environ["TAPESCOPE_DATA"]
        else:
            os.environ["TAPESCOPE_DATA"] = old
    np.savez(folder / "mnist_sample.npz", x_train=x_train, y_train=y_train, x_test=x_test,
             y_test=y_test)
    (folder / "mnist_sample.py").write_text(SAMPLE_LOADER)
    source = TUTORIAL_MNIST.read_text()
    for old_text, new_text in (
            ("(x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()",
             "import mnist_sample  # SAMPLE\n"
             "(x_train, y_train), (x_test, y_test) = mnist_sample.load_data()"),
            ("x_train, x_test = x_train / 255.0, x_test / 255.0",
             "x_train, y_train, x_test, y_test = x_train[:320], y_train[:320], "
             "x_test[:64], y_test[:64]\n"
             "x_train, x_test = x_train / 255.0, x_test / 255.0\n"
             "x_test[40, 14, 14] = float('nan')  # POISON"),
            ("for epoch in range(5):", "for epoch in range(2):"),
            ("for x_batch, y_batch in test_dataset:",
             "for x_batch, y_batch in test_dataset:  # EVALUATE"),
            ("model.save('mnist_model')", "model.save('mnist_model')  # SAVE")):
        assert source.count(old_text) == 1, old_text
        source = source.replace(old_text, new_text)
    return source


def test_the_tutorial_mnist_program_runs_on_tensorflow_in_the_window(
        qtbot, make_window, tmp_path, monkeypatch):
    """The issue's done-when: ops, the traced train step's graph, the loss plot and a NaN
    breakpoint, on the tutorial's own program run by real TensorFlow."""
    monkeypatch.setenv("TAPESCOPE_BACKEND", "tensorflow")
    source = tutorial_mnist_on_the_sample(tmp_path)
    script = tmp_path / "mnist.py"
    script.write_text(source)
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    assert window.open_path(script)
    session = window.session
    qtbot.waitUntil(lambda: session.state == PAUSED, timeout=TF_TIMEOUT)

    dock = window.breakpoints_dock
    dock.kind_combo.setCurrentIndex(dock.kind_combo.findText("First NaN/Inf"))
    qtbot.mouseClick(dock.add_button, Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(session.runPaused, timeout=TF_TIMEOUT) as paused:
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F5)  # Run
    assert paused.args[0]["reason"] == "breakpoint"

    # the NaN image comes out of the evaluation's dataset: its iterator's op
    op = session.op_by_seq(window.ops_dock.selected_seq)
    assert op["exec"] == "eager" and op["op"] == "IteratorGetNext"
    assert op["summary"][0]["nan"] == 1 and op["shapes"][0] == [32, 28, 28]
    assert op["line"] == line_of(source, "EVALUATE") == window.source_dock.paused_line
    tensor = window.tensor_dock
    qtbot.waitUntil(lambda: tensor.current_value is not None, timeout=TF_TIMEOUT)
    assert np.isnan(tensor.current_value).sum() == 1

    # two epochs of 10 steps trained before: the compiled train step's ops, every step
    graphs = [g for g in session.graphs if g["function"] == "train_step"]
    assert len(graphs) == 1
    compiled = [o for o in session.ops if o["exec"] == f"graph:{graphs[0]['graph_id']}"]
    assert {o["step"] for o in compiled if o["op"] == "MatMul"} == set(range(20))
    assert window.ops_dock.view.model().rowCount() >= len(compiled)
    steps, losses, _ = window.plots_dock.step_series("loss")
    assert list(steps) == list(range(20)) and all(math.isfinite(v) for v in losses)
    assert losses[-1] < losses[0]  # it learns
    # tape.gradient inside the compiled step: a norm per variable and step
    gradients = window.gradients_dock
    assert gradients.variable_list.count() == 4  # two kernels, two biases
    assert all(len(track.norms.x) == 20 for track in gradients._tracks.values())

    graph = window.graph_dock
    combo = graph.source_combo
    index = next(i for i in range(combo.count()) if combo.itemText(i).startswith("train_step"))
    with qtbot.waitSignal(graph.layoutShown, timeout=TF_TIMEOUT):
        combo.setCurrentIndex(index)
    # the forward pass, its gradient and Adam's update, one box per op (219: not collapsed)
    drawn = [n.name for n in graph.shown_graph.nodes if n.kind == "op"]
    for scope, op_type in (("sequential", "Relu"), ("sequential", "Softmax"),
                           ("gradient_tape/sequential", "ReluGrad"), ("adam", "Sqrt")):
        assert any(n.startswith(scope) and n.endswith(f"/{op_type}") for n in drawn), op_type
    assert graph.status_label.text().startswith("train_step")

    with qtbot.waitSignal(session.runPaused, timeout=TF_TIMEOUT) as paused:
        qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F5)  # Continue
    # Keras 3 refuses the tutorial's extension-less model.save('mnist_model'): the run
    # stops at the script's own error, on its line, after the evaluation printed
    assert paused.args[0]["reason"] == "exception"
    assert paused.args[0]["line"] == line_of(source, "SAVE")
    console = window.console_dock.text()
    assert "Epoch 2, Loss:" in console and "Test accuracy:" in console
    assert "Invalid filepath extension for saving" in console
    assert not window.run_action.isEnabled()  # post-mortem: look around, then stop
    # the error's dialog (non-modal, it may have taken the focus): read it, click OK
    qtbot.waitUntil(lambda: bool(window.error_dialogs), timeout=TF_TIMEOUT)
    (box,) = window.error_dialogs
    assert "ValueError" in box.windowTitle() + box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.error_dialogs)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    qtbot.keyClick(QApplication.focusWidget() or window, Qt.Key.Key_F5,
                   Qt.KeyboardModifier.ShiftModifier)  # Stop
    qtbot.waitUntil(lambda: session.state == FINISHED, timeout=TF_TIMEOUT)


@pytest.mark.parametrize("program", ["summaries.py", "summary_scalars.py"])
def test_tf_summary_scalars_of_a_tensorflow_run_are_plotted(qtbot, make_window, tmp_path,
                                                            program):
    """tf.summary writes (the core tf.summary.write, and TensorBoard's tf.summary.scalar
    where TensorBoard is installed), eager and compiled, recorded on TensorFlow: the Plots
    dock draws each at its step."""
    from app import cli
    from app.session import TRACE

    if program == "summary_scalars.py":
        pytest.importorskip("tensorboard")  # tf.summary.scalar is TensorBoard's
    trace = tmp_path / "summaries.tsdb"
    program = ROOT / "tests" / "tfbackend" / "programs" / program
    assert cli.main(["record", "--backend", "tensorflow", str(program), "-o", str(trace),
                     str(tmp_path / "logs")]) == 0
    window = make_window()
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE, timeout=TF_TIMEOUT)
    plots = window.plots_dock
    qtbot.waitUntil(lambda: "halved" in plots._step_curves, timeout=TF_TIMEOUT)
    steps, values, _ = plots.step_series("lr")
    assert list(steps) == [0, 1, 2] and np.allclose(values, [0.1, 0.2, 0.3])
    steps, values, _ = plots.step_series("halved")  # from inside the compiled function
    assert list(steps) == [0, 1, 2] and np.allclose(values, [0.0, 0.5, 1.0])
