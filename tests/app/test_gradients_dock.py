"""The Gradients dock: norms per variable, the selected gradient, weights, None explained."""

import numpy as np
import pytest
from fake_session import FakeSession, gradient_source
from PySide6.QtCore import QPoint, Qt

from app.docks.gradients_dock import GradientsDock
from debugger.events import make

NOT_USED = "the variable was not used while the tape was recording"


@pytest.fixture
def session():
    return FakeSession()


@pytest.fixture
def dock(qtbot, session):
    dock = GradientsDock(session)
    qtbot.addWidget(dock)
    dock.resize(800, 800)
    dock.show()
    qtbot.waitExposed(dock)
    return dock


def train(session, steps, first_step=0):
    """Gradient and update events of a two-variable model; returns the gradients used."""
    rng = np.random.default_rng(first_step)
    grads = []
    for step in range(first_step, first_step + steps):
        gw, gb = rng.normal(size=(3, 2)), rng.normal(size=2)
        grads.append((gw, gb))
        session.feed([
            session.gradient(step, [gradient_source(1, "dense/kernel:0", gw),
                                    gradient_source(2, "dense/bias:0", gb)]),
            session.variable_update(1, "dense/kernel:0", np.full((3, 2), step + 1.0), step),
            session.variable_update(2, "dense/bias:0", [step, -step], step),
            make("step_end", session.next_seq(), step=step, epoch=0),
        ])
    return grads


def test_one_norm_curve_per_variable_with_a_point_per_step(qtbot, dock, session):
    grads = train(session, 5)
    assert dock.variable_labels() == ["dense/kernel:0", "dense/bias:0"]
    steps, norms = dock.norm_series("dense/kernel:0")
    assert steps.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_allclose(norms, [np.linalg.norm(gw.astype(np.float32)) for gw, _ in grads],
                               rtol=1e-6)
    curve = dock._by_label["dense/bias:0"].norm_curve
    # drawn at most ~10 times a second: the last steps show at the next redraw
    qtbot.waitUntil(lambda: len(curve.getOriginalDataset()[0]) == 5)


def test_log_scale_checkbox_switches_the_norm_axis(qtbot, dock, session):
    train(session, 2)
    box = dock.log_y_checkbox
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))
    assert box.isChecked()
    assert dock.norm_plot.getPlotItem().ctrl.logYCheck.isChecked()
    dock.set_log_y(False)
    assert not dock.log_y_checkbox.isChecked()
    assert not dock.norm_plot.getPlotItem().ctrl.logYCheck.isChecked()


def test_selected_variable_shows_gradient_summary_and_weight_stats(qtbot, dock, session):
    train(session, 3)
    listing = dock.variable_list
    rect = listing.visualItemRect(listing.item(1))
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    text = dock.stats_label.text()
    assert "<b>dense/bias:0</b>" in text
    assert "gradient at step 2" in text
    assert dock.detail.currentWidget() is dock.stats_label
    steps, means, stds = dock.weight_series("dense/bias:0")
    assert steps.tolist() == [0, 1, 2]
    assert means.tolist() == [0.0, 0.0, 0.0]
    assert stds.tolist() == [0.0, 1.0, 2.0]
    x, y = dock.weight_std_curve.getOriginalDataset()
    assert y.tolist() == [0.0, 1.0, 2.0]
    assert "dense/bias:0" in dock.weights_plot.getPlotItem().titleLabel.text


def test_gradient_histogram_when_the_value_can_be_fetched(dock, session):
    grad = np.linspace(-1, 1, 101, dtype=np.float32)
    producer = session.op("MulGrad", [grad])
    source = gradient_source(5, "w:0", grad) | {"value_ref": [producer["seq"], 0]}
    session.feed([producer, session.gradient(0, [source])])
    assert dock.detail.currentWidget() is dock.histogram_plot
    expected = np.histogram(grad.astype(np.float64), bins=50)[0]
    np.testing.assert_array_equal(dock.histogram_counts, expected)


def test_none_gradients_are_listed_with_their_reason_and_highlighted(dock, session):
    for step in range(3):
        session.feed([session.gradient(step, [
            gradient_source(1, "w:0", np.ones(2)),
            gradient_source(9, "unused:0", None, reason=NOT_USED),
        ])])
    assert dock.none_gradients() == [f"unused:0: {NOT_USED} (steps 0–2, 3×)"]
    item = dock.none_list.item(0)
    assert item.foreground().color().name() == "#d32f2f"
    assert dock.variable_labels() == ["w:0"]  # no norm curve for a None gradient


def test_update_weight_ratio_when_updates_carry_both_norms(dock, session):
    session.feed([
        session.gradient(0, [gradient_source(1, "w:0", np.ones(2))]),
        session.variable_update(1, "w:0", [1.0, 1.0], 0, update_norm=0.01, weight_norm=2.0),
        session.variable_update(1, "w:0", [1.0, 1.0], 1, update_norm=0.03, weight_norm=3.0),
    ])
    steps, ratios = dock.ratio_series("w:0")
    assert steps.tolist() == [0, 1]
    np.testing.assert_allclose(ratios, [0.005, 0.01])
    assert dock.weights_plot.getPlotItem().titleLabel.text.startswith("update/weight ratio")
    assert dock.weight_mean_curve not in dock.weights_plot.listDataItems()


def test_the_update_ratio_leaves_out_metric_accumulators(dock, session):
    """A metric's total/count are variables too, but no weights: reset every epoch, their
    "ratio" spiked to 1.0 and dwarfed the real ones."""
    session.feed([session.variable_created(1, "dense/kernel:0", np.ones(2)),
                  session.variable_created(7, "loss/total:0", 0.0, trainable=False),
                  session.variable_created(8, "loss/count:0", 0.0, trainable=False)])
    for step in range(3):
        session.feed([
            session.gradient(step, [gradient_source(1, "dense/kernel:0", np.ones(2))]),
            session.variable_update(1, "dense/kernel:0", [1.0, 1.0], step, update_norm=0.01,
                                    weight_norm=1.0),
            session.variable_update(7, "loss/total:0", 0.5, step, update_norm=0.5,
                                    weight_norm=0.5),
            session.variable_update(8, "loss/count:0", 1.0, step, update_norm=1.0,
                                    weight_norm=1.0)])
    steps, ratios = dock.ratio_series("dense/kernel:0")
    assert steps.tolist() == [0, 1, 2]
    curves = dock.weights_plot.listDataItems()
    assert len(curves) == 1 and max(curves[0].getOriginalDataset()[1]) < 0.1
    with pytest.raises(KeyError):
        dock.ratio_series("loss/total:0")
    session.feed([session.scalar("loss", 1.0, 3)])  # a clear forgets which were which
    dock.clear()
    session.feed([session.variable_update(7, "w:0", [1.0], 0, update_norm=0.1,
                                          weight_norm=1.0)])
    assert dock.ratio_series("w:0")[0].tolist() == [0]


def test_variables_sharing_a_name_get_distinct_labels(dock, session):
    session.feed([session.gradient(0, [gradient_source(1, "Variable:0", np.ones(1)),
                                       gradient_source(2, "Variable:0", np.ones(1)),
                                       gradient_source(3, None, np.ones(1))])])
    assert dock.variable_labels() == ["Variable:0", "Variable:0 (2)", "tensor of shape [1]"]


def test_no_tensor_mode_gradients_have_no_norm_and_draw_no_point(dock, session):
    train(session, 2)
    idle = {"id": 1, "name": "dense/kernel:0", "shape": [3, 2], "summary": None}  # NO_TENSOR
    session.feed([session.gradient(2, [idle])])
    steps, _ = dock.norm_series("dense/kernel:0")
    assert steps.tolist() == [0, 1]
    assert dock._by_label["dense/kernel:0"].gradient_step == 2


def test_selecting_a_variable_whose_latest_gradient_has_no_norm_shows_its_summary(qtbot, dock,
                                                                                 session):
    train(session, 2)
    idle = {"id": 1, "name": "dense/kernel:0", "shape": [3, 2], "summary": None}  # NO_TENSOR
    session.feed([session.gradient(2, [idle])])
    dock.select_variable("dense/bias:0")
    dock.select_variable("dense/kernel:0")  # its latest gradient carries no norm
    qtbot.waitUntil(lambda: "step 2" in dock.stats_label.text())
    assert "no norm (NO_TENSOR)" in dock.stats_label.text()


def test_a_burst_of_steps_is_not_redrawn_batch_by_batch(qtbot, session, monkeypatch):
    monkeypatch.setattr("app.docks.redraw_throttle.REDRAW_INTERVAL_MS", 60_000)
    dock = GradientsDock(session)
    qtbot.addWidget(dock)
    train(session, 1)  # the first batch is drawn at once
    curve = dock._by_label["dense/kernel:0"].norm_curve
    assert len(curve.getOriginalDataset()[0]) == 1
    train(session, 60, first_step=1)  # 60 more batches within one redraw interval
    assert len(dock.norm_series("dense/kernel:0")[0]) == 61  # all kept...
    assert len(curve.getOriginalDataset()[0]) == 1  # ...drawn at the interval's end


def test_none_gradient_shows_where_the_users_code_broke_the_path(dock, session):
    reason = ("the value of dense/kernel left the engine through .numpy() at train.py:12 "
              "(y = tf.matmul(x, w.numpy())): the tape cannot follow a value through numpy")
    broken = gradient_source(4, "dense/kernel:0", None, reason=reason) | {
        "reason_file": "/home/me/train.py", "reason_line": 12}
    watched = gradient_source(7, None, None, reason="the tape never watched `x`",
                              shape=(2, 3))
    session.feed([session.gradient(0, [broken, watched])])
    assert dock.none_gradients() == [f"dense/kernel:0: {reason} (step 0, 1×)",
                                     "tensor of shape [2, 3]: the tape never watched `x` "
                                     "(step 0, 1×)"]
    assert dock.none_list.item(0).toolTip() == (
        f"{reason}\n\npath broken at /home/me/train.py, line 12")
    assert dock.none_list.item(1).toolTip() == "the tape never watched `x`"


def test_tabbed_behind_another_dock_the_charts_wait_for_their_tab(qtbot):
    """A dock behind a tab is visible to Qt, only off screen: its curves are drawn when
    its tab is chosen, not on every batch (they cost a loading trace ~2 s of UI time)."""
    from PySide6.QtWidgets import QMainWindow

    from app.docks.plots_dock import PlotsDock

    session = FakeSession()
    window = QMainWindow()
    qtbot.addWidget(window)
    window.setCentralWidget(None)
    front, dock = PlotsDock(session), GradientsDock(session)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, front)
    window.tabifyDockWidget(front, dock)
    window.resize(900, 700)
    window.show()
    front.raise_()
    qtbot.waitUntil(lambda: dock.isVisible() and dock.visibleRegion().isEmpty())
    train(session, 3)
    track = dock._by_label["dense/kernel:0"]
    assert track.norms.size == 3  # the data is there, the chart is not drawn
    assert track.norm_curve.xData is None or len(track.norm_curve.xData) == 0
    dock.raise_()  # the user clicks the Gradients tab
    qtbot.waitUntil(lambda: track.norm_curve.xData is not None
                    and track.norm_curve.xData.tolist() == [0, 1, 2])
    train(session, 1, first_step=3)  # on screen: drawn as it comes (throttled)
    qtbot.waitUntil(lambda: track.norm_curve.xData.tolist() == [0, 1, 2, 3])


def test_the_norm_chart_moves_its_step_axis_in_steps(qtbot, dock, session):
    view = dock.norm_plot.getPlotItem().vb
    curve = lambda: dock._by_label["dense/kernel:0"].norm_curve  # noqa: E731
    train(session, 29)
    qtbot.waitUntil(lambda: len(curve().getOriginalDataset()[0]) == 29)
    assert view.viewRange()[0][1] == pytest.approx(30 * 1.02)  # steps 0..28: axis up to 30
    x_ranges = []
    view.sigXRangeChanged.connect(lambda _view, x_range: x_ranges.append(x_range))
    train(session, 2, first_step=29)
    qtbot.waitUntil(lambda: len(curve().getOriginalDataset()[0]) == 31)
    assert x_ranges == []  # steps 29 and 30 fit in: the step axis stays
    train(session, 1, first_step=31)
    qtbot.waitUntil(lambda: len(curve().getOriginalDataset()[0]) == 32)
    assert view.viewRange()[0][1] == pytest.approx(40 * 1.02) and len(x_ranges) == 1
