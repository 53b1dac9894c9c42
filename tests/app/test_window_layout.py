"""The window as a newcomer meets it, on a laptop (1366x768) and a desktop (1920x1200):
nothing clipped, every chart big enough to read, legends beside the data, the window's own
colors in the plots."""

import numpy as np
import pytest
from app_helpers import record_script
from fake_session import FakeSession, gradient_source
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication, QGraphicsWidget

from app.session import TRACE
from debugger.events import make

SCREENS = [(1366, 768), (1920, 1200)]
READABLE_VIEW = (180, 60)  # px of a chart's data area: a few ticks and a curve's shape


def training_events() -> list[dict]:
    """What a short Keras fit with validation sends: scalars per step and per epoch,
    gradients, and update norms of two variables."""
    events = FakeSession()
    batch = []
    rng = np.random.default_rng(0)
    for step in range(30):
        batch.append(events.scalar("loss", 1.0 / (step + 1), step))
        batch.append(events.scalar("accuracy", step / 30, step))
        batch.append(events.gradient(step, [
            gradient_source(1, "dense/kernel:0", rng.normal(size=(4, 16))),
            gradient_source(2, "dense/bias:0", rng.normal(size=16))]))
        for var_id, name in ((1, "dense/kernel:0"), (2, "dense/bias:0")):
            batch.append(events.variable_update(var_id, name, rng.normal(size=4), step,
                                                update_norm=0.01, weight_norm=1.0))
        batch.append(make("step_end", events.next_seq(), step=step, epoch=0))
    for epoch in range(5):
        for name in ("epoch_loss", "epoch_accuracy", "epoch_val_loss", "epoch_val_accuracy"):
            batch.append(events.scalar(name, 0.5 + epoch / 10, epoch))
    return batch


@pytest.fixture(params=SCREENS, ids=lambda size: f"{size[0]}x{size[1]}")
def window(request, qtbot, make_window):
    window = make_window()
    window.resize(*request.param)
    window.show()
    qtbot.waitExposed(window)
    batch = training_events()
    for dock in (window.plots_dock, window.gradients_dock):
        dock.add_events(batch)
    QApplication.processEvents()
    return window


def on_screen(view, item) -> QRectF:
    """The box a layout gave a graphics widget, in the viewport of the view that shows it
    (not its bounding rect: an axis with a grid draws its lines across the whole plot)."""
    if not isinstance(item, QGraphicsWidget):  # a plain item (a title's text)
        return QRectF(view.mapFromScene(item.sceneBoundingRect()).boundingRect())
    box = item.parentItem().mapRectToScene(item.geometry())
    return QRectF(view.mapFromScene(box).boundingRect())


def assert_readable(view, plot) -> None:
    """The plot's data area is big enough, and its axes and title are drawn whole."""
    viewport = QRectF(view.viewport().rect())
    data = on_screen(view, plot.vb)
    assert data.width() >= READABLE_VIEW[0] and data.height() >= READABLE_VIEW[1], data
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        assert axis.isVisible() and axis.width() > 0 and axis.height() > 0
        assert viewport.contains(on_screen(view, axis)), (name, on_screen(view, axis))
    title = plot.titleLabel
    if title.text:
        assert viewport.contains(on_screen(view, title.item)), title.text


def test_the_window_fits_the_screen_it_is_opened_on(window):
    """Docks whose minimum sizes add up past the screen made a 768 px window 1036 px tall."""
    screen = window.size()
    assert window.minimumSizeHint().height() <= screen.height()
    QApplication.processEvents()
    assert window.size() == screen
    for dock in window.docks.values():
        if not dock.visibleRegion().isEmpty():  # the front dock of each tab group
            assert window.rect().contains(dock.geometry()), dock.objectName()


def test_plots_show_both_axes_and_keep_legends_off_the_data(window):
    plots = window.plots_dock
    for plot in (plots.step_plot, plots.epoch_plot):
        assert_readable(plots.plots, plot)
        legend = plot.legend
        assert legend is not None and len(legend.items) >= 2
        assert not legend.sceneBoundingRect().intersects(plot.vb.sceneBoundingRect())
        assert QRectF(plots.plots.viewport().rect()).contains(on_screen(plots.plots, legend))


def test_gradients_charts_are_tall_enough_for_a_y_axis(window, qtbot):
    window.gradients_dock.raise_()
    qtbot.waitUntil(lambda: window.gradients_dock.norm_plot.isVisible())
    dock = window.gradients_dock
    for widget in (dock.norm_plot, dock.weights_plot):
        assert_readable(widget, widget.getPlotItem())


def test_variables_dock_shows_min_max_mean_std_without_scrolling(window, qtbot):
    dock = window.variables_dock
    events = FakeSession()
    dock.model.add_events([
        events.variable_update(1, "sequential/dense/kernel:0", np.ones((4, 16)), 0),
        events.variable_update(2, "sequential/dense/bias:0", np.zeros(16), 0)])
    dock.raise_()
    qtbot.waitUntil(lambda: dock.table.isVisible())
    header = dock.table.horizontalHeader()
    columns = dock.model.COLUMNS
    for name in ("Name", "Min", "Max", "Mean", "Std"):
        column = columns.index(name)
        left = header.sectionViewportPosition(column)
        assert 0 <= left and left + header.sectionSize(column) <= header.viewport().width(), name


def test_plots_take_the_window_palette(window):
    base = QApplication.palette().color(QPalette.ColorRole.Base)
    text = QApplication.palette().color(QPalette.ColorRole.Text)
    for view in (window.plots_dock.plots, window.gradients_dock.norm_plot,
                 window.tensor_dock.histogram_plot):
        assert view.backgroundBrush().color() == base
    axis = window.plots_dock.step_plot.getAxis("left")
    assert axis.pen().color() == text


def test_clicking_a_variable_shows_its_statistics_and_history_in_the_tensor_dock(
        qtbot, make_window, train_script, tmp_path):
    trace = record_script(train_script, tmp_path / "full.tsdb", mode="FULL_HEALTH")
    window = make_window()
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    assert window.open_path(trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    variables = window.variables_dock
    variables.raise_()
    qtbot.waitUntil(lambda: variables.table.isVisible() and variables.model.rowCount() > 0)
    table = variables.table
    row = next(r for r in range(variables.proxy.rowCount())
               if variables.proxy.index(r, 0).data() == "w:0")
    cell = table.visualRect(variables.proxy.index(row, 0)).center()
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=cell)

    tensor = window.tensor_dock
    assert "w:0" in tensor.op_label.text() and "3 updates" in tensor.op_label.text()
    assert tensor.views.currentWidget() is tensor.history_plot and tensor.isVisible()
    steps, means = tensor.history_series("mean")
    w, grads = 0.5, []  # TRAIN_SCRIPT's SGD steps, by hand
    for _ in range(3):
        w -= 0.05 * np.mean(2 * (w * np.array([1.0, 2, 3]) - [2.0, 4, 6]) * [1.0, 2, 3])
        grads.append(w)
    assert steps.tolist() == [0, 1, 2]
    np.testing.assert_allclose(means, grads, rtol=1e-5)
    assert "mean" in tensor.stats_label.text()
    # An op picked afterwards takes the dock back.
    window.select_op(window.session.ops[0]["seq"])
    assert "w:0" not in tensor.op_label.text()
