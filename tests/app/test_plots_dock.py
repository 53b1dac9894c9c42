"""The Plots dock: live loss with smoothing, metric curves, learning curves, crosshair, PNG."""

import gc
import math

import numpy as np
import pytest
from fake_session import FakeSession
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtWidgets import QApplication, QMainWindow

from app.docks.gradients_dock import GradientsDock
from app.docks.plots_dock import PlotsDock
from app.docks.tensor_dock import TensorDock


def ema(values, smoothing):
    out, s = [], None
    for x in values:
        s = x if s is None else smoothing * s + (1 - smoothing) * x
        out.append(s)
    return np.array(out)


@pytest.fixture
def session():
    return FakeSession()


@pytest.fixture
def dock(qtbot, session):
    dock = PlotsDock(session)
    qtbot.addWidget(dock)
    dock.resize(900, 600)
    dock.show()
    qtbot.waitExposed(dock)
    return dock


def feed_losses(session, losses, first_step=0, batch_size=7):
    events = [session.scalar("loss", v, step=first_step + i) for i, v in enumerate(losses)]
    for start in range(0, len(events), batch_size):
        session.feed(events[start:start + batch_size])


def drawn_points(item):
    """How many points a curve item draws (set by the dock's last redraw)."""
    return len(item.getOriginalDataset()[0] if item.getOriginalDataset()[0] is not None else ())


def test_loss_curve_has_one_point_per_step_and_smooths_like_an_ema(qtbot, dock, session):
    losses = list(np.linspace(2.0, 0.1, 40) + 0.3 * np.sin(np.arange(40)))
    feed_losses(session, losses)  # 6 batches, the last one short

    steps, raw, smoothed = dock.step_series("loss")
    assert len(steps) == len(raw) == 40
    assert steps.tolist() == list(range(40))
    np.testing.assert_allclose(raw, losses)
    np.testing.assert_allclose(smoothed, ema(losses, dock.smoothing))
    curve = dock._step_curves["loss"]
    # drawn at most ~10 times a second: the last batches show at the next redraw
    qtbot.waitUntil(lambda: drawn_points(curve.raw_curve) == 40)
    np.testing.assert_allclose(curve.smooth_curve.getOriginalDataset()[1],
                               ema(losses, dock.smoothing))


def test_moving_the_smoothing_slider_resmooths_the_whole_curve(dock, session):
    losses = [3.0, 1.0, 2.0, 0.5, 0.7, 0.2]
    feed_losses(session, losses)
    dock.smoothing_slider.setValue(90)
    assert dock.smoothing == pytest.approx(0.9)
    np.testing.assert_allclose(dock.step_series("loss")[2], ema(losses, 0.9))
    feed_losses(session, [0.1, 0.05], first_step=6)  # new points continue the new EMA
    np.testing.assert_allclose(dock.step_series("loss")[2], ema(losses + [0.1, 0.05], 0.9))
    dock.smoothing_slider.setValue(0)
    np.testing.assert_allclose(dock.step_series("loss")[2], losses + [0.1, 0.05])


def test_a_nan_loss_breaks_the_smoothed_curve_and_smoothing_restarts_after_it(dock, session):
    # (this test used to require the EMA to hold 1.0 through the NaN: a flat healthy line)
    feed_losses(session, [1.0, math.nan, 0.5, 0.3])
    smoothed = dock.step_series("loss")[2]
    s = dock.smoothing
    np.testing.assert_allclose(smoothed, [1.0, math.nan, 0.5, s * 0.5 + (1 - s) * 0.3])


def test_non_finite_losses_leave_gaps_red_markers_and_a_badge(qtbot, dock, session):
    losses = [1.0, 0.8, math.nan, math.nan, 0.6, math.inf, -math.inf, 0.4]
    feed_losses(session, losses, batch_size=3)  # a gap runs across two batches
    curve = dock._step_curves["loss"]
    qtbot.waitUntil(lambda: drawn_points(curve.smooth_curve) == len(losses))
    bad = [2, 3, 5, 6]
    for drawn in (curve.raw_curve, curve.smooth_curve):
        assert drawn.opts["connect"] == "finite"
        ys = drawn.getOriginalDataset()[1]
        assert np.flatnonzero(np.isnan(ys)).tolist() == bad  # Inf is left out as well
    # a marker where each gap starts, at the height the curve broke off
    assert dock.non_finite_marks("loss") == ([2.0, 5.0], [0.8, 0.6])
    marks = curve.marks.scatter.getData()
    assert marks[0].tolist() == [2.0, 5.0] and marks[1].tolist() == [0.8, 0.6]
    assert dock.badge_text() == "loss: NaN from step 2"
    assert dock.badge_text("epoch") == ""

    dock.smoothing_slider.setValue(0)  # raw: the gaps stay, nothing is held over them
    smoothed = dock.step_series("loss")[2]
    np.testing.assert_array_equal(np.flatnonzero(np.isnan(smoothed)), bad)
    np.testing.assert_allclose(smoothed[[0, 1, 4, 7]], [1.0, 0.8, 0.6, 0.4])
    dock.smoothing_slider.setValue(50)
    smoothed = dock.step_series("loss")[2]
    assert smoothed[4] == 0.6 and smoothed[7] == 0.4  # each restarts after its gap


def test_an_inf_loss_gets_its_own_badge_and_clear_removes_it(dock, session):
    feed_losses(session, [math.inf, 2.0, 1.0])
    assert dock.badge_text() == "loss: Inf from step 0"
    assert dock.non_finite_marks("loss") == ([0.0], [2.0])  # nothing before: the next value
    dock.clear()
    assert dock.badge_text() == ""
    feed_losses(session, [1.0])
    assert dock.badge_text() == "" and dock.non_finite_marks("loss") == ([], [])


def test_a_scalar_logged_per_epoch_goes_to_the_epoch_plot_whatever_its_name(dock, session):
    session.feed([session.scalar("accuracy", 0.5 + 0.1 * epoch, step=epoch, epoch=epoch + 1,
                                 axis="epoch") for epoch in range(3)])
    epochs, values = dock.epoch_series("accuracy")
    assert epochs.tolist() == [0, 1, 2]  # the step it was logged with, not the probe's epoch
    np.testing.assert_allclose(values, [0.5, 0.6, 0.7])
    assert "accuracy" not in dock._step_curves


def test_a_stream_first_taken_as_per_step_moves_to_the_epoch_plot(dock, session):
    session.feed([session.scalar("learning_rate", 0.1, step=0, axis="step")])
    assert "learning_rate" in dock._step_curves
    session.feed([session.scalar("learning_rate", 0.05, step=1, epoch=1, axis="epoch"),
                  session.scalar("learning_rate", 0.02, step=2, epoch=2, axis="epoch")])
    assert "learning_rate" not in dock._step_curves
    assert dock.epoch_series("learning_rate")[0].tolist() == [0, 1, 2]
    assert [dock.metric_list.item(i).text() for i in range(dock.metric_list.count())] == [
        "learning_rate"]
    assert dock.step_plot.listDataItems() == []


def test_metrics_are_listed_with_checkboxes_that_hide_their_curves(qtbot, dock, session):
    session.feed([session.scalar("loss", 1.0, 0), session.scalar("accuracy", 0.5, 0),
                  session.scalar("loss", 0.8, 1), session.scalar("accuracy", 0.6, 1)])
    names = [dock.metric_list.item(i).text() for i in range(dock.metric_list.count())]
    assert names == ["loss", "accuracy"]
    assert dock.step_series("accuracy")[1].tolist() == [0.5, 0.6]

    item = dock.metric_list.item(1)
    assert item.checkState() == Qt.CheckState.Checked
    dock.metric_list.setFocus()
    dock.metric_list.setCurrentItem(item)
    qtbot.keyClick(dock.metric_list.viewport(), Qt.Key.Key_Space)  # toggles the check box
    assert item.checkState() == Qt.CheckState.Unchecked
    assert not dock._step_curves["accuracy"].smooth_curve.isVisible()
    assert dock._step_curves["loss"].smooth_curve.isVisible()


def test_epoch_scalars_go_to_the_second_plot_with_validation_beside_training(dock, session):
    batch = []
    for epoch, (train, val) in enumerate([(0.9, 1.0), (0.5, 0.7), (0.3, 0.6)]):
        batch += [session.scalar("epoch_loss", train, step=epoch, epoch=epoch),
                  session.scalar("epoch_val_loss", val, step=epoch, epoch=epoch),
                  session.scalar("epoch_accuracy", 1 - train, step=epoch, epoch=epoch)]
    session.feed(batch)
    epochs, values = dock.epoch_series("epoch_val_loss")
    assert epochs.tolist() == [0, 1, 2]
    assert values.tolist() == [1.0, 0.7, 0.6]
    assert dock.epoch_series("epoch_loss")[1].tolist() == [0.9, 0.5, 0.3]
    assert dock._step_curves == {}  # nothing per step
    val_pen = dock._epoch_curves["epoch_val_loss"].curve.opts["pen"]
    train_pen = dock._epoch_curves["epoch_loss"].curve.opts["pen"]
    assert val_pen.style() == Qt.PenStyle.DashLine
    assert val_pen.color() == train_pen.color()


def test_crosshair_follows_the_mouse_with_step_and_value(qtbot, dock, session):
    feed_losses(session, [float(10 - i) for i in range(11)])
    dock.step_plot.vb.setRange(xRange=(0, 10), yRange=(0, 10), padding=0)
    view = dock.step_plot.vb
    scene_point = view.mapViewToScene(QPointF(4.1, 5.0))
    viewport_point = dock.plots.mapFromScene(scene_point)
    qtbot.mouseMove(dock.plots.viewport(), viewport_point)
    qtbot.waitUntil(lambda: dock.step_crosshair.label.isVisible())
    text = dock.step_crosshair.label.toPlainText()
    assert text.splitlines()[0] == "step 4"
    assert "loss 6 " in text
    assert dock.step_crosshair.line.value() == 4

    scene_point = view.mapViewToScene(QPointF(8.8, 5.0))
    qtbot.mouseMove(dock.plots.viewport(), dock.plots.mapFromScene(scene_point))
    qtbot.waitUntil(lambda: dock.step_crosshair.line.value() == 9)
    assert "loss 1 " in dock.step_crosshair.label.toPlainText()


def test_export_png_writes_a_png_file(dock, session, tmp_path):
    feed_losses(session, [1.0, 0.5, 0.25])
    session.feed([session.scalar("epoch_loss", 0.5, step=0, epoch=0)])
    path = tmp_path / "plots.png"
    dock.export_png(str(path))
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 1000


def test_clear_forgets_every_curve(dock, session):
    feed_losses(session, [1.0, 0.5])
    dock.clear()
    assert dock.metric_list.count() == 0
    feed_losses(session, [2.0])
    assert dock.step_series("loss")[1].tolist() == [2.0]


@pytest.mark.parametrize("dock_class", [PlotsDock, TensorDock, GradientsDock])
def test_plot_menus_die_with_their_window(qtbot, dock_class):
    # pyqtgraph makes parentless context menus per plot; if anything still references the
    # dock's Python object (a test fixture's loop variable does), they would outlive the
    # window unless the dock owns them.
    before = set(QApplication.topLevelWidgets())
    window = QMainWindow()
    dock = dock_class(FakeSession(), window)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.show()
    qtbot.waitExposed(window)
    window.close()
    window.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    gc.collect()
    assert [w for w in QApplication.topLevelWidgets() if w not in before] == []
    del dock  # kept alive until here on purpose


def test_scalars_of_a_trace_older_than_the_axis_field_go_where_their_name_says(dock, session):
    old = [{"kind": "scalar", "seq": 1, "step": 0, "epoch": 0, "name": "loss", "value": 1.0},
           {"kind": "scalar", "seq": 2, "step": 0, "epoch": 0, "name": "epoch_loss",
            "value": 0.9}]
    session.feed(old)
    assert dock.step_series("loss")[1].tolist() == [1.0]
    assert dock.epoch_series("epoch_loss")[1].tolist() == [0.9]


def test_a_loss_spanning_two_decades_gets_a_log_axis_and_keeps_its_nan_marks(qtbot, dock,
                                                                             session):
    feed_losses(session, [5.0, 2.0, 1.0, 0.5])  # one decade: linear
    assert not dock.step_log_y and not dock.step_plot.getAxis("left").logMode
    feed_losses(session, [math.nan, 0.2, 0.04], first_step=4)  # 5 -> 0.04: two decades+
    qtbot.waitUntil(lambda: dock.step_log_y)  # at the next redraw
    assert dock.step_log_y and dock.step_plot.getAxis("left").logMode
    curve = dock._step_curves["loss"]
    raw = curve.raw_curve.getData()[1]  # what is drawn: log10, the NaN still a gap
    np.testing.assert_allclose(raw[[0, 6]], np.log10([5.0, 0.04]), rtol=1e-6)
    assert math.isnan(raw[4])
    marks = curve.marks.scatter.getData()  # the marker sits at the break, on the log axis
    np.testing.assert_allclose(marks[1], np.log10([0.5]), rtol=1e-6)
    assert dock.non_finite_marks("loss") == ([4.0], [0.5])
    assert dock.badge_text() == "loss: NaN from step 4"
    dock.clear()
    assert not dock.step_log_y


def test_a_curve_that_touches_zero_keeps_a_linear_axis(qtbot, dock, session):
    feed_losses(session, [100.0, 1.0, 0.5])
    assert dock.step_log_y
    session.feed([session.scalar("accuracy", 0.0, step=3)])  # log10(0) cannot be drawn
    qtbot.waitUntil(lambda: not dock.step_log_y)


def loss_drawn(dock) -> int:
    """Points of the "loss" curve drawn so far."""
    curve = dock._step_curves.get("loss")
    return 0 if curve is None else drawn_points(curve.raw_curve)


def test_the_step_axis_moves_in_steps_not_with_every_batch(qtbot, dock, session):
    view = dock.step_plot.vb
    changes = []
    view.sigRangeChanged.connect(lambda _view, ranges, *_: changes.append(ranges))
    feed_losses(session, [1.0 - 0.01 * i for i in range(35)])
    qtbot.waitUntil(lambda: loss_drawn(dock) == 35)
    (left, right), (bottom, top) = view.viewRange()
    assert (left, right) == (pytest.approx(-0.8), pytest.approx(40.8))  # 0..40, 2% padding
    assert bottom <= 0.66 and 1.0 <= top
    seen = len(changes)
    feed_losses(session, [0.7 - 0.01 * i for i in range(5)], first_step=35)
    qtbot.waitUntil(lambda: loss_drawn(dock) == 40)
    assert len(changes) == seen  # five more points inside the view: it stays still
    feed_losses(session, [0.6] * 5, first_step=40)
    qtbot.waitUntil(lambda: loss_drawn(dock) == 45)
    assert view.viewRange()[0][1] == pytest.approx(51)  # past 40: the next step, 50


def wheel(qtbot, widget, point, steps: int = 1) -> None:
    """Turn the mouse wheel over ``point`` of ``widget`` (zooms a plot)."""
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QWheelEvent

    global_point = widget.mapToGlobal(point)
    event = QWheelEvent(QPointF(point), QPointF(global_point), QPoint(0, 0),
                        QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def test_a_zoom_by_the_user_holds_the_view_until_auto_range_is_clicked(qtbot, dock, session):
    view = dock.step_plot.vb
    feed_losses(session, [1.0 - 0.01 * i for i in range(35)])
    qtbot.waitUntil(lambda: loss_drawn(dock) == 35)
    centre = dock.plots.mapFromScene(view.mapViewToScene(QPointF(20, 0.8)))
    wheel(qtbot, dock.plots.viewport(), centre, steps=2)
    zoomed = view.viewRange()
    assert zoomed[0][1] - zoomed[0][0] < 40 and dock.step_range.held
    feed_losses(session, [0.5] * 30, first_step=35)  # the run goes on: the view stays
    qtbot.waitUntil(lambda: loss_drawn(dock) == 65)
    assert view.viewRange() == zoomed
    button = dock.step_plot.autoBtn  # the "A" that shows in the corner of a moved plot
    qtbot.mouseMove(dock.plots.viewport(), centre)
    qtbot.waitUntil(button.isVisible)
    corner = dock.plots.mapFromScene(button.sceneBoundingRect().center())
    qtbot.mouseClick(dock.plots.viewport(), Qt.MouseButton.LeftButton, pos=corner)
    feed_losses(session, [0.5] * 5, first_step=65)
    qtbot.waitUntil(lambda: loss_drawn(dock) == 70)
    assert not dock.step_range.held and view.viewRange()[0][1] == pytest.approx(80 * 1.02)
