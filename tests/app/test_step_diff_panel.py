"""The step diff tab of the Variables dock: pick two steps, read per-variable changes (norms
from events; max |ΔW|, relative change, max |Δ∇| and a heatmap from full values), and why a
value is missing where it is — on a fake session, a live run and FULL_TENSOR trace."""

import runpy
import textwrap

import numpy as np
import pytest
from app_helpers import LIVE_TIMEOUT, record_script
from fake_session import FakeSession, KeptValues, gradient_source
from PySide6.QtCore import QPoint, QPointF, Qt

from app.docks.step_diff_panel import COLUMNS, GRADIENTS, NO_SOURCE, StepDiffPanel, as_image
from app.docks.variables_dock import VariablesDock
from app.session import FINISHED, PAUSED, TRACE, Session
from debugger.probe import Probe
from debugger.step_diff import NO_VALUES, NOT_TRAINABLE
from debugger.tracefile import TraceWriter

W = [np.array([[1.0, 2.0], [3.0, 4.0]], np.float32) * (1 + 0.5 * s) for s in range(3)]
G = [np.array([[0.1, -0.2], [0.3, 0.0]], np.float32) / (s + 1) for s in range(3)]
MAX_DW, RELATIVE, MAX_DGRAD = (COLUMNS.index(c) for c in ("max |ΔW|", "‖ΔW‖/‖W_A‖", "max |Δ∇|"))


def three_steps(session):
    batch = [session.variable_created(1, "w:0", W[0])]
    for s in range(3):
        batch.append(session.gradient(s, [gradient_source(1, "w:0", G[s])]))
        batch.append(session.variable_update(1, "w:0", W[s], step=s,
                                             weight_norm=float(np.linalg.norm(W[s]))))
    session.feed(batch)


def kept_w_and_g(steps=range(3)):
    kept = {("weight", s, 1): W[s] for s in steps}
    kept.update({("gradient", s, 1): G[s] for s in steps})
    return KeptValues(kept, missing="dropped from the test's ring")


@pytest.fixture
def session():
    return FakeSession()


def make_panel(qtbot, session):
    panel = StepDiffPanel(session)
    qtbot.addWidget(panel)
    panel.resize(900, 700)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def texts(panel, row):
    return [panel.table.item(row, c).text() for c in range(panel.table.columnCount())]


def type_step(qtbot, spin, step):
    """Select the spin box's text and type the step, as a person does."""
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, str(step))
    qtbot.keyClick(spin, Qt.Key.Key_Tab)
    assert spin.value() == step


def compare(qtbot, panel, a, b):
    type_step(qtbot, panel.step_a, a)
    type_step(qtbot, panel.step_b, b)
    qtbot.mouseClick(panel.compare_button, Qt.MouseButton.LeftButton)


def click_row(qtbot, panel, name):
    row = next(r for r in range(panel.table.rowCount()) if panel.table.item(r, 0).text() == name)
    rect = panel.table.visualItemRect(panel.table.item(row, 0))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    return row


def hover(qtbot, panel, row, column):
    """Move the mouse over image cell [row, column]; the text the panel shows for it."""
    def moved() -> bool:  # (again until the heatmap's layout has settled)
        scene = panel.image_item.mapToScene(QPointF(column + 0.5, row + 0.5))
        qtbot.mouseMove(panel.heatmap.viewport(), panel.heatmap.mapFromScene(scene))
        return panel.hover.text().startswith(f"[{row}, {column}]")

    qtbot.waitUntil(moved)
    return panel.hover.text()


def test_picking_two_steps_fills_the_table_from_events(qtbot, session):
    panel = make_panel(qtbot, session)
    three_steps(session)
    assert panel.step_b.maximum() == 2
    compare(qtbot, panel, 0, 2)
    assert panel.table.rowCount() == 1
    row = texts(panel, 0)
    a, b = np.linalg.norm(W[0]), np.linalg.norm(W[2])
    assert row[:4] == ["w:0", f"{a:.6g}", f"{b:.6g}", f"{b - a:+.4g}"]
    assert row[MAX_DW] == row[RELATIVE] == row[MAX_DGRAD] == "—"  # nothing made up
    assert row[6:8] == [f"{np.linalg.norm(G[0]):.6g}", f"{np.linalg.norm(G[2]):.6g}"]
    assert panel.source.text() == NO_SOURCE
    assert panel.table.item(0, MAX_DW).toolTip() == NO_VALUES


def test_without_values_the_panel_says_so_instead_of_a_blank_heatmap(qtbot, session):
    panel = make_panel(qtbot, session)
    three_steps(session)
    compare(qtbot, panel, 0, 1)
    assert NO_VALUES in panel.status.text()
    click_row(qtbot, panel, "w:0")
    assert panel.heatmap is None or not panel.heatmap.isVisible()
    assert "no heatmap" in panel.status.text() and NO_VALUES in panel.status.text()


def test_with_values_the_table_and_heatmap_show_the_element_wise_change(qtbot, session):
    session.kept = kept_w_and_g()
    panel = make_panel(qtbot, session)
    three_steps(session)
    compare(qtbot, panel, 0, 2)
    assert panel.source.text() == "Values: kept by the test"
    expected = W[2].astype(np.float64) - W[0]
    row = texts(panel, 0)
    assert row[MAX_DW] == f"{np.abs(expected).max():.6g}"
    assert row[RELATIVE] == f"{np.sqrt((expected ** 2).sum() / (W[0] ** 2).sum()):.6g}"
    grad_change = G[2].astype(np.float64) - G[0]
    assert row[MAX_DGRAD] == f"{np.abs(grad_change).max():.6g}"
    click_row(qtbot, panel, "w:0")
    assert panel.heatmap.isVisible()
    np.testing.assert_allclose(panel.image_item.image, expected)
    bound = np.abs(expected).max()
    assert panel.colorbar.levels() == pytest.approx((-bound, bound))  # centred on zero
    assert hover(qtbot, panel, 1, 0) == f"[1, 0]  Δ = {expected[1, 0]:.6g}"
    panel.showing.setCurrentText(GRADIENTS)  # the gradient's change instead
    np.testing.assert_allclose(panel.image_item.image, grad_change)


def test_a_step_without_values_is_explained_where_its_numbers_would_be(qtbot, session):
    session.kept = kept_w_and_g(steps=[2])
    panel = make_panel(qtbot, session)
    three_steps(session)
    compare(qtbot, panel, 0, 2)
    assert texts(panel, 0)[MAX_DW] == "—"
    assert panel.table.item(0, MAX_DW).toolTip() == "step 0: dropped from the test's ring"
    assert "step 0: dropped from the test's ring" in panel.status.text()
    click_row(qtbot, panel, "w:0")
    assert panel.heatmap is None or not panel.heatmap.isVisible()
    assert "step 0: dropped" in panel.status.text()


def test_the_keep_values_box_turns_live_copies_off_and_on(qtbot, session):
    panel = make_panel(qtbot, session)
    assert panel.keep_values.isChecked()  # on by default
    for _ in range(2):
        qtbot.mouseClick(panel.keep_values, Qt.MouseButton.LeftButton,
                         pos=panel.keep_values.rect().bottomLeft() + QPoint(8, -6))
    assert session.keeping == [False, True]


@pytest.mark.parametrize("shape, image_shape, said", [
    ((5,), (1, 5), "as one row"),
    ((), (1, 1), "as one row"),
    ((4, 3), (4, 3), ""),
    ((2, 3, 4), (6, 4), "shown as 6×4"),
])
def test_differences_become_2d_images_and_the_title_says_how(shape, image_shape, said):
    difference = np.arange(float(np.prod(shape))).reshape(shape)
    image, layout = as_image(difference)
    assert image.shape == image_shape
    np.testing.assert_array_equal(image.ravel(), difference.ravel())  # row-major order kept
    assert (said in layout) if said else layout == ""


@pytest.fixture
def dock(qtbot, session):
    dock = VariablesDock(session)
    qtbot.addWidget(dock)
    dock.show()
    return dock


def test_the_variables_dock_has_the_step_diff_tab_and_clears_it(qtbot, dock, session):
    three_steps(session)
    assert dock.tabs.tabText(1) == "Step diff"
    dock.tabs.setCurrentIndex(1)
    compare(qtbot, dock.step_diff, 0, 2)
    assert dock.step_diff.table.rowCount() == 1
    dock.clear()
    assert dock.step_diff.table.rowCount() == 0 and dock.step_diff.step_b.maximum() == 0


# -- real runs: a live debuggee and a FULL_TENSOR trace ----------------------------------------

TRAIN = textwrap.dedent("""\
    import numpy as np
    import engine as tf

    w = tf.Variable(np.arange(12, dtype=np.float32).reshape(3, 4) / 4, name="w")
    b = tf.Variable(np.array([1.0, -1.0, 2.0, 0.0], np.float32), name="b")
    k = tf.Variable(np.arange(12, dtype=np.float32).reshape(2, 2, 3) - 6, name="k")
    opt = tf.keras.optimizers.SGD(0.1)
    for step in range(4):
        with tf.GradientTape() as tape:
            loss = (tf.reduce_sum(tf.square(w - 1.0)) + tf.reduce_sum(tf.square(b + 2.0))
                    + 0.5 * tf.reduce_sum(tf.square(k)))
        grads = tape.gradient(loss, [w, b, k])
        opt.apply_gradients(zip(grads, [w, b, k]))
""")


def expected(steps):
    """TRAIN's variables after each step and each step's gradients, by the formulas of its
    loss (2 (w − 1), 2 (b + 2), k) rather than by running it."""
    w = np.arange(12.0).reshape(3, 4) / 4
    b = np.array([1.0, -1.0, 2.0, 0.0])
    k = np.arange(12.0).reshape(2, 2, 3) - 6
    weights, grads = [], []
    for _ in range(steps):
        g = {"w:0": 2 * (w - 1), "b:0": 2 * (b + 2), "k:0": k.copy()}
        w, b, k = w - 0.1 * g["w:0"], b - 0.1 * g["b:0"], k - 0.1 * g["k:0"]
        weights.append({"w:0": w, "b:0": b, "k:0": k})
        grads.append(g)
    return weights, grads


@pytest.fixture
def real_session(qtbot):
    created = Session()
    yield created
    created.shutdown()
    created.deleteLater()


def check_real_run(qtbot, panel, a, b):
    weights, grads = expected(b + 1)
    compare(qtbot, panel, a, b)
    rows = {texts(panel, r)[0]: texts(panel, r) for r in range(panel.table.rowCount())}
    assert {"w:0", "b:0", "k:0"} <= set(rows)
    counter = click_row(qtbot, panel, next(n for n in rows if n.endswith("/iteration")))
    # (the optimizer's step counter: a variable, not a trainable one)
    assert panel.table.item(counter, MAX_DW).toolTip() == NOT_TRAINABLE
    for name in ("w:0", "b:0", "k:0"):
        row = rows[name]
        change = weights[b][name] - weights[a][name]
        assert float(row[MAX_DW]) == pytest.approx(np.abs(change).max(), rel=1e-5)
        grad_change = grads[b][name] - grads[a][name]
        assert float(row[MAX_DGRAD]) == pytest.approx(np.abs(grad_change).max(), rel=1e-5)
    click_row(qtbot, panel, "w:0")
    np.testing.assert_allclose(panel.image_item.image, weights[b]["w:0"] - weights[a]["w:0"],
                               rtol=1e-5)
    click_row(qtbot, panel, "k:0")  # 3-D: rows of the last axis, said in the title
    np.testing.assert_allclose(panel.image_item.image,
                               (weights[b]["k:0"] - weights[a]["k:0"]).reshape(4, 3),
                               rtol=1e-5, atol=1e-6)
    assert "shown as 4×3" in panel.heatmap_plot.titleLabel.text
    return panel


def test_in_the_window_a_live_run_stepped_three_batches_diffs_their_values(qtbot, make_window,
                                                                           tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    window = make_window()
    window.resize(1400, 1000)
    window.show()
    qtbot.waitExposed(window)
    window.session.step_value_bytes = 16 * 2**20  # what this run's debuggee is told to keep
    assert window.open_path(script)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    for _ in range(3):
        with qtbot.waitSignal(window.session.runPaused, timeout=LIVE_TIMEOUT):
            window.step_batch_action.trigger()
    dock = window.variables_dock
    dock.raise_()
    tab_bar = dock.tabs.tabBar()
    qtbot.mouseClick(tab_bar, Qt.MouseButton.LeftButton, pos=tab_bar.tabRect(1).center())
    panel = dock.step_diff
    assert dock.tabs.currentWidget() is panel and panel.isVisible()
    qtbot.waitUntil(lambda: panel.step_b.maximum() == 2)  # step 3 has not run
    check_real_run(qtbot, panel, 0, 2)
    assert panel.source.text().startswith("Values: Live run: the debuggee keeps")
    assert "within 16 MB" in panel.source.text()  # the budget it was given, not the default
    window.session.stop()
    qtbot.waitUntil(lambda: window.session.state == FINISHED, timeout=LIVE_TIMEOUT)
    compare(qtbot, panel, 0, 2)  # the run is over: its values went with it, and it says so
    assert texts(panel, 0)[MAX_DW] == "—"
    assert "run is over" in panel.status.text()


def test_a_full_tensor_trace_diffs_its_stored_values(qtbot, real_session, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    trace = record_script(script, tmp_path / "full.tsdb", mode="FULL_TENSOR")
    real_session.open_trace(trace)
    qtbot.waitUntil(lambda: real_session.state == TRACE)
    panel = check_real_run(qtbot, make_panel(qtbot, real_session), 1, 3)
    assert "FULL_TENSOR trace stores" in panel.source.text()


def test_a_health_only_trace_says_values_need_full_tensor(qtbot, real_session, tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    trace = record_script(script, tmp_path / "health.tsdb", mode="CONCISE_HEALTH")
    real_session.open_trace(trace)
    qtbot.waitUntil(lambda: real_session.state == TRACE)
    panel = make_panel(qtbot, real_session)
    compare(qtbot, panel, 0, 3)
    assert "recorded in CONCISE_HEALTH mode" in panel.source.text()
    assert texts(panel, 0)[MAX_DW] == "—"
    assert "--mode FULL_TENSOR" in panel.status.text()
    assert float(texts(panel, 0)[1]) > 0  # the norms still compare


def test_a_live_run_with_keeping_unchecked_says_its_values_are_off(qtbot, real_session,
                                                                   tmp_path):
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    panel = make_panel(qtbot, real_session)
    qtbot.mouseClick(panel.keep_values, Qt.MouseButton.LeftButton,
                     pos=panel.keep_values.rect().bottomLeft() + QPoint(8, -6))
    assert real_session.launch(script)  # (the setting holds for runs started later)
    qtbot.waitUntil(lambda: real_session.state == PAUSED, timeout=LIVE_TIMEOUT)
    with qtbot.waitSignal(real_session.runPaused, timeout=LIVE_TIMEOUT):
        real_session.step_batch()
    qtbot.waitUntil(lambda: panel.step_b.maximum() == 0 and bool(real_session.events))
    compare(qtbot, panel, 0, 0)
    row = click_row(qtbot, panel, "w:0")
    assert panel.table.item(row, MAX_DW).toolTip() == (
        "step 0: keeping step values is turned off for this run")
    assert float(texts(panel, row)[1]) > 0  # norms still compare


def test_a_full_tensor_trace_from_before_step_values_still_opens_and_says_so(qtbot, real_session,
                                                                             tmp_path):
    """Older FULL_TENSOR traces stored op outputs only: they open, norms compare, and the
    panel says the values are not in that trace."""
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    trace = tmp_path / "old.tsdb"
    not_ops: set[int] = set()
    with TraceWriter(trace, meta={"mode": "FULL_TENSOR"}) as writer:
        def sink(event: dict) -> None:
            if event["kind"] in ("variable_update", "gradient"):
                not_ops.add(event["seq"])
            writer.write(event)

        def old_value_sink(seq: int, index: int, value: object) -> None:
            if seq not in not_ops:  # as the writer did before: op outputs only
                writer.write_value(seq, index, value)

        with Probe(sink, mode="FULL_TENSOR", value_sink=old_value_sink):
            runpy.run_path(str(script), run_name="__main__")
    assert not_ops
    real_session.open_trace(trace)
    qtbot.waitUntil(lambda: real_session.state == TRACE)
    panel = make_panel(qtbot, real_session)
    compare(qtbot, panel, 0, 3)
    row = click_row(qtbot, panel, "w:0")
    assert texts(panel, row)[MAX_DW] == "—" and float(texts(panel, row)[1]) > 0
    assert "holds no variable values (written by a Tapescope that stored op outputs only)" in (
        panel.status.text())


def test_a_weight_gone_nan_still_gets_a_heatmap_scaled_by_its_finite_change(qtbot, session):
    bad = W[2].copy()
    bad[0, 1] = np.nan
    session.kept = KeptValues({("weight", 0, 1): W[0], ("weight", 2, 1): bad})
    panel = make_panel(qtbot, session)
    three_steps(session)
    compare(qtbot, panel, 0, 2)
    click_row(qtbot, panel, "w:0")
    finite = np.abs(np.delete((bad.astype(np.float64) - W[0]).ravel(), 1)).max()
    assert panel.colorbar.levels() == pytest.approx((-finite, finite))
    assert "1 NaN/Inf" in panel.status.text()
    assert np.isnan(panel.image_item.image[0, 1])
