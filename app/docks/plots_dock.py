"""Plots dock: live loss and metrics per step, learning curves per epoch.

Scalars arrive in screen-rate batches; each batch appends to numpy buffers that grow by
doubling (amortized O(1) per point, never re-copying Python lists), and the touched curves
are redrawn at most ~10 times a second (``RedrawThrottle``), with all that came meanwhile.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
import pyqtgraph.exporters
from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.docks.plot_parts import (
    MIN_PLOT_SIZE,
    GrowingSeries,
    SteadyRange,
    follow_window_palette,
    legend_below,
    popups_owned_by,
    series_color,
    thin_to_pixels,
)
from app.docks.redraw_throttle import RedrawThrottle

DEFAULT_SMOOTHING = 0.6  # TensorBoard's default: smooth enough to see a trend, not lag much
BAD_COLOR = "#ef2b2b"  # NaN/Inf markers and badge
LOG_DECADES = 2  # per-step values spanning this many powers of ten get a log y axis


def exponential_moving_average(values: np.ndarray, smoothing: float,
                               last: float | None = None) -> np.ndarray:
    """EMA ``s[i] = smoothing * s[i-1] + (1 - smoothing) * x[i]``, starting at ``x[0]``.

    ``last`` continues a previous run, so each batch only smooths its own points.
    A non-finite value (a NaN loss) gives NaN (a gap in the curve) and the EMA starts afresh
    after it: holding the last finite value would draw a broken run as a healthy flat line.
    """
    out = np.empty(len(values), dtype=np.float64)
    s = math.nan if last is None else last
    keep = 1.0 - smoothing
    for i, x in enumerate(values.tolist()):
        if math.isfinite(x):
            s = x if math.isnan(s) else smoothing * s + keep * x
        else:
            s = math.nan
        out[i] = s
    return out


def finite_or_nan(values: np.ndarray) -> np.ndarray:
    """``values`` with ±Inf as NaN too: what a curve drawn with ``connect="finite"`` leaves
    out, and what keeps an Inf from stretching the auto-range to infinity."""
    return np.where(np.isfinite(values), values, np.nan)


def describe_non_finite(value: float) -> str:
    return "NaN" if math.isnan(value) else ("Inf" if value > 0 else "-Inf")


class _NonFiniteMarks:
    """Red markers where a curve's gaps start (a NaN/Inf point after finite ones), at the
    height the curve broke off; and the first bad point, for the plot's badge. A run gone
    NaN for good gets one marker, not a red bar of thousands."""

    def __init__(self, plot: pg.PlotItem) -> None:
        self.xs: list[float] = []
        self.ys: list[float] = []
        self.first: tuple[float, float] | None = None  # (x, value) of the first bad point
        self._in_gap = False  # the last point so far was not finite
        self._height = math.nan  # the last finite value so far
        self.log = False  # the plot's y axis is log10: the scatter is not told by pyqtgraph
        self.scatter = pg.ScatterPlotItem(size=11, symbol="x", pen=pg.mkPen(BAD_COLOR, width=2),
                                          brush=pg.mkBrush(BAD_COLOR))
        self.scatter.setZValue(100)
        plot.addItem(self.scatter)

    def add(self, xs: np.ndarray, ys: np.ndarray) -> None:
        """Take the next points of the curve; mark where their gaps start."""
        finite = np.isfinite(ys)
        if finite.all():
            if len(ys):
                self._in_gap, self._height = False, float(ys[-1])
            return
        before = np.concatenate([[not self._in_gap], finite[:-1]])
        starts = np.flatnonzero(~finite & before)
        # the height each gap starts at: the last finite value before it
        last_seen = np.maximum.accumulate(np.where(finite, np.arange(len(ys)), -1))
        for i in starts.tolist():
            j = last_seen[i]
            height = float(ys[j]) if j >= 0 else self._height
            if math.isnan(height):  # nothing finite yet: the first finite value after it
                later = ys[i:][finite[i:]]
                height = float(later[0]) if len(later) else 0.0
            self.xs.append(float(xs[i]))
            self.ys.append(height)
        if self.first is None:
            i = int(np.argmin(finite))
            self.first = (float(xs[i]), float(ys[i]))
        self._in_gap = not finite[-1]
        if finite.any():
            self._height = float(ys[finite][-1])
        self.show()

    def show(self) -> None:
        ys = np.asarray(self.ys, dtype=np.float64)
        if self.log:
            with np.errstate(divide="ignore", invalid="ignore"):
                ys = np.where(ys > 0, np.log10(ys), np.nan)
        self.scatter.setData(self.xs, ys)

    def remove_from(self, plot: pg.PlotItem) -> None:
        plot.removeItem(self.scatter)

    def set_visible(self, visible: bool) -> None:
        self.scatter.setVisible(visible)


def spans_decades(values: np.ndarray, decades: float = LOG_DECADES) -> bool:
    """True when the finite values are all positive and max/min >= 10**decades: a loss
    falling from 10 to 0.01 is a flat line after step 100 on a linear axis."""
    finite = values[np.isfinite(values)]
    if not finite.size or finite.min() <= 0:
        return False
    return bool(finite.max() >= finite.min() * 10.0 ** decades)


class _StepCurve:
    """One per-step scalar: raw points drawn light, their EMA drawn strong; NaN/Inf points
    leave gaps in both and get red markers."""

    def __init__(self, plot: pg.PlotItem, name: str, color: QColor) -> None:
        self.points = GrowingSeries()
        self.smoothed = np.empty(256, dtype=np.float64)
        light = QColor(color)
        light.setAlpha(70)
        self.raw_curve = plot.plot(pen=pg.mkPen(light, width=1), connect="finite")
        # A cosmetic 1 px pen: a 2 px antialiased one took 4x as long to draw (measured).
        self.smooth_curve = plot.plot(pen=pg.mkPen(color, width=1), name=name,
                                      connect="finite")
        for curve in (self.raw_curve, self.smooth_curve):
            thin_to_pixels(curve)
        self.marks = _NonFiniteMarks(plot)

    def extend(self, xs: list, ys: list, smoothing: float) -> None:
        start = self.points.size
        self.points.extend(xs, ys)
        last = self.smoothed[start - 1] if start else None
        if len(self.smoothed) < self.points.size:
            grown = np.empty(max(self.points.size, 2 * len(self.smoothed)))
            grown[:start] = self.smoothed[:start]
            self.smoothed = grown
        self.smoothed[start:self.points.size] = exponential_moving_average(
            self.points.y[start:], smoothing, last)
        self.marks.add(self.points.x[start:], self.points.y[start:])

    def resmooth(self, smoothing: float) -> None:
        self.smoothed[: self.points.size] = exponential_moving_average(self.points.y, smoothing)
        self.show()

    def show(self) -> None:
        """Draw the points appended so far."""
        x = self.points.x
        self.raw_curve.setData(x, finite_or_nan(self.points.y), connect="finite")
        self.smooth_curve.setData(x, self.smoothed[: self.points.size], connect="finite")

    def set_visible(self, visible: bool) -> None:
        self.raw_curve.setVisible(visible)
        self.smooth_curve.setVisible(visible)
        self.marks.set_visible(visible)

    def remove_from(self, plot: pg.PlotItem) -> None:
        for item in (self.raw_curve, self.smooth_curve):
            plot.removeItem(item)
        self.marks.remove_from(plot)


class _EpochCurve:
    """One per-epoch scalar; validation curves are dashed in their training twin's color."""

    def __init__(self, plot: pg.PlotItem, name: str, color: QColor,
                 validation: bool) -> None:
        self.points = GrowingSeries(capacity=32)
        style = Qt.PenStyle.DashLine if validation else Qt.PenStyle.SolidLine
        self.curve = plot.plot(pen=pg.mkPen(color, width=2, style=style), symbol="o",
                               symbolSize=5, symbolBrush=color, symbolPen=None, name=name,
                               connect="finite")
        self.marks = _NonFiniteMarks(plot)

    def extend(self, xs: list, ys: list) -> None:
        start = self.points.size
        self.points.extend(xs, ys)
        self.marks.add(self.points.x[start:], self.points.y[start:])

    def show(self) -> None:
        """Draw the points appended so far."""
        self.curve.setData(self.points.x, finite_or_nan(self.points.y), connect="finite")

    def set_visible(self, visible: bool) -> None:
        self.curve.setVisible(visible)
        self.marks.set_visible(visible)

    def remove_from(self, plot: pg.PlotItem) -> None:
        plot.removeItem(self.curve)
        self.marks.remove_from(plot)


def scalar_axis(event: dict) -> str:
    """"step" or "epoch": what a scalar event's ``step`` counts, so which plot it goes to.
    Traces from before the probe said so: Keras' "epoch_"/"val_" names were per epoch."""
    axis = event.get("axis")
    if axis in ("step", "epoch"):
        return axis
    return "step" if epoch_metric(event["name"]) is None else "epoch"


def epoch_metric(name: str) -> tuple[str, bool] | None:
    """("loss", True) for "epoch_val_loss" or "val_loss"; None for a per-step scalar."""
    base = name[len("epoch_"):] if name.startswith("epoch_") else None
    if base is None and not name.startswith("val_"):
        return None
    base = name if base is None else base
    if base.startswith("val_"):
        return base[len("val_"):], True
    return base, False


class _Crosshair(QObject):
    """A vertical line and a readout that follow the mouse over one plot."""

    def __init__(self, plot: pg.PlotItem, readout) -> None:
        super().__init__(plot)
        self._plot = plot
        self._readout = readout  # x -> (snapped x, text) or None
        self.line = pg.InfiniteLine(angle=90, movable=False,
                                    pen=pg.mkPen((150, 150, 150), style=Qt.PenStyle.DotLine))
        self.label = pg.TextItem(anchor=(0, 1), color=(220, 220, 220),
                                 fill=pg.mkBrush(30, 30, 30, 200))
        for item in (self.line, self.label):
            item.setVisible(False)
            item.setZValue(1_000)
            plot.addItem(item, ignoreBounds=True)

    def follow(self, scene_pos: QPointF) -> None:
        view = self._plot.vb
        if not view.sceneBoundingRect().contains(scene_pos):
            self.hide()
            return
        point = view.mapSceneToView(scene_pos)
        found = self._readout(point.x())
        if found is None:
            return
        x, text = found
        self.line.setPos(x)
        self.label.setText(text)
        self.label.setPos(point)
        self.line.setVisible(True)
        self.label.setVisible(True)

    def hide(self) -> None:
        self.line.setVisible(False)
        self.label.setVisible(False)


class PlotsDock(QDockWidget):
    """Loss and metrics per step (raw + EMA), and per-epoch train vs validation curves."""

    def __init__(self, session: QObject, parent: QWidget | None = None) -> None:
        super().__init__("Plots", parent)
        self.setObjectName("PlotsDock")
        self._session = session
        self._smoothing = DEFAULT_SMOOTHING
        self._step_curves: dict[str, _StepCurve] = {}
        self._epoch_curves: dict[str, _EpochCurve] = {}
        self._colors: dict[str, QColor] = {}
        self._items: dict[str, QListWidgetItem] = {}
        self._axes: dict[str, str] = {}  # scalar name -> the plot it is on ("step"/"epoch")
        self._log_y = False  # the per-step plot's y axis is log10
        self._undrawn: set[_StepCurve | _EpochCurve] = set()  # points appended, not drawn
        self._redraw = RedrawThrottle(self._draw, self, widget=self)  # not while tabbed away
        self.visibilityChanged.connect(lambda visible: visible and self._redraw.shown())
        with popups_owned_by(self):
            self._build()
        session.eventsArrived.connect(self.add_events)

    def _build(self) -> None:
        follow_window_palette()
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setMinimumSize(MIN_PLOT_SIZE[0], 2 * MIN_PLOT_SIZE[1])
        # No titles: the x axes say "step" and "epoch", and a small dock needs the height.
        self.step_plot: pg.PlotItem = self.plots.addPlot(row=0, col=0)
        self.epoch_plot: pg.PlotItem = self.plots.addPlot(row=1, col=0)
        for plot, axis in ((self.step_plot, "step"), (self.epoch_plot, "epoch")):
            plot.setLabel("bottom", f"per {axis}")
            plot.showGrid(x=True, y=True, alpha=0.2)
            # Under the x axis, not over the curves; validation curves show their dashes here.
            legend_below(plot, columns=2)
        self.step_range = SteadyRange(self.step_plot)  # (the epoch plot redraws per epoch)
        self.step_badge = self._badge(self.step_plot)
        self.epoch_badge = self._badge(self.epoch_plot)
        self.step_crosshair = _Crosshair(self.step_plot, self._step_readout)
        self.epoch_crosshair = _Crosshair(self.epoch_plot, self._epoch_readout)
        # Watch the viewport, not the scene's sigMouseMoved: the scene drops moves closer
        # than 10 ms apart, which would leave the readout behind where the mouse stopped.
        self.plots.viewport().installEventFilter(self)

        self.metric_list = QListWidget()
        self.metric_list.setToolTip("Scalars seen so far; uncheck to hide a curve")
        self.metric_list.itemChanged.connect(self._metric_toggled)
        self.smoothing_slider = QSlider(Qt.Orientation.Horizontal)
        self.smoothing_slider.setRange(0, 99)
        self.smoothing_slider.setValue(round(DEFAULT_SMOOTHING * 100))
        self.smoothing_slider.setTracking(False)  # re-smoothing a long run is not free
        self.smoothing_slider.valueChanged.connect(lambda v: self.set_smoothing(v / 100))
        self.smoothing_label = QLabel()
        self.export_button = QPushButton("Export PNG…")
        self.export_button.clicked.connect(self._ask_export_png)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(QLabel("Scalars"))
        side_layout.addWidget(self.metric_list, 1)
        smoothing_row = QHBoxLayout()
        smoothing_row.addWidget(self.smoothing_label)
        smoothing_row.addWidget(self.smoothing_slider, 1)
        side_layout.addLayout(smoothing_row)
        side_layout.addWidget(self.export_button)
        splitter = QSplitter()
        splitter.addWidget(side)
        splitter.addWidget(self.plots)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)  # a plot dragged to nothing looks like a bug
        splitter.setSizes([150, 600])
        self.setWidget(splitter)
        self._show_smoothing()

    # -- public ----------------------------------------------------------------------------------
    @property
    def smoothing(self) -> float:
        return self._smoothing

    def set_smoothing(self, smoothing: float) -> None:
        """Re-smooth every per-step curve with EMA weight ``smoothing`` (0 = raw)."""
        smoothing = min(max(float(smoothing), 0.0), 0.99)
        if smoothing == self._smoothing:
            return
        self._smoothing = smoothing
        blocked = self.smoothing_slider.blockSignals(True)
        self.smoothing_slider.setValue(round(smoothing * 100))
        self.smoothing_slider.blockSignals(blocked)
        self._show_smoothing()
        for curve in self._step_curves.values():
            curve.resmooth(smoothing)

    def step_series(self, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(steps, raw values, smoothed values) of a per-step scalar, as plotted."""
        curve = self._step_curves[name]
        return curve.points.x, curve.points.y, curve.smoothed[: curve.points.size]

    def epoch_series(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        """(epochs, values) of a per-epoch scalar such as "epoch_val_loss"."""
        points = self._epoch_curves[name].points
        return points.x, points.y

    def export_png(self, path: str) -> None:
        """Write both plots, as they are on screen, to a PNG file."""
        exporter = pyqtgraph.exporters.ImageExporter(self.plots.ci)
        exporter.parameters()["width"] = max(int(self.plots.ci.boundingRect().width()), 400)
        exporter.export(str(path))

    def clear(self) -> None:
        """Forget all curves (a restarted run starts from step 0 again)."""
        for curve in self._step_curves.values():
            curve.remove_from(self.step_plot)
        for curve in self._epoch_curves.values():
            curve.remove_from(self.epoch_plot)
        self._step_curves.clear()
        self._epoch_curves.clear()
        self._undrawn.clear()
        self._colors.clear()
        self._items.clear()
        self._axes.clear()
        self.metric_list.clear()
        self._show_badges()
        self._choose_step_axis()
        self.step_range.reset()

    def badge_text(self, axis: str = "step") -> str:
        """What the plot's red badge says ("loss: NaN from step 12"), "" when hidden."""
        badge = self.step_badge if axis == "step" else self.epoch_badge
        return badge.toPlainText() if badge.isVisible() else ""

    def non_finite_marks(self, name: str) -> tuple[list[float], list[float]]:
        """(x, y) of the red markers where ``name``'s curve breaks off at NaN/Inf."""
        curve = self._step_curves.get(name) or self._epoch_curves[name]
        return list(curve.marks.xs), list(curve.marks.ys)

    # -- incoming events -----------------------------------------------------------------------
    def add_events(self, batch: list) -> None:
        """Append one batch's scalars; the touched curves are redrawn at most ~10 times a
        second (at once when the last redraw is that long ago)."""
        streams: dict[str, tuple[list, list]] = {}
        axes: dict[str, str] = {}
        for event in batch:
            if event.get("kind") != "scalar":
                continue
            name = event["name"]
            xs, ys = streams.setdefault(name, ([], []))
            xs.append(event["step"])
            ys.append(math.nan if event["value"] is None else event["value"])
            axes[name] = scalar_axis(event)  # a stream goes where its latest point says
        if not streams:
            return
        for name, (xs, ys) in streams.items():
            axis = axes[name]
            if self._axes.get(name, axis) != axis:
                xs, ys = self._take_out(name, xs, ys)
            self._axes[name] = axis
            if axis == "step":
                curve = self._step_curves.get(name)
                if curve is None:
                    curve = self._step_curves[name] = _StepCurve(
                        self.step_plot, name, self._color(name))
                    self._add_list_item(name)
                curve.extend(xs, ys, self._smoothing)
            else:
                curve = self._epoch_curves.get(name)
                if curve is None:
                    base, validation = epoch_metric(name) or (name, False)
                    curve = self._epoch_curves[name] = _EpochCurve(
                        self.epoch_plot, name, self._color(base), validation)
                    self._add_list_item(name)
                curve.extend(xs, ys)
            self._undrawn.add(curve)
            if not self._visible(name):
                curve.set_visible(False)
        self._redraw.request()

    def _draw(self) -> None:
        """Draw what was appended since the last time, with its badges and y axis."""
        undrawn, self._undrawn = self._undrawn, set()
        live = set(self._step_curves.values()) | set(self._epoch_curves.values())
        for curve in undrawn & live:  # (not a curve a stream moved away from)
            curve.show()
        self._show_badges()
        self._choose_step_axis()
        self._fit_step_range()

    def _fit_step_range(self) -> None:
        shown = [curve for name, curve in self._step_curves.items() if self._visible(name)]
        self.step_range.fit([c.points.x for c in shown], [c.points.y for c in shown],
                            self._log_y)

    @property
    def step_log_y(self) -> bool:
        """Whether the per-step plot's y axis is logarithmic."""
        return self._log_y

    def _choose_step_axis(self) -> None:
        """Log y axis when the loss (else every per-step scalar) spans LOG_DECADES decades
        and nothing plotted there is <= 0, which a log axis cannot show."""
        curves = self._step_curves
        judged = [curves["loss"]] if "loss" in curves else list(curves.values())
        log = bool(judged) and all(spans_decades(c.points.y) for c in judged) and all(
            not (c.points.y <= 0).any() for c in curves.values())
        if log != self._log_y:
            self._log_y = log
            self.step_plot.setLogMode(y=log)
        for curve in curves.values():  # a curve added since the switch is told too
            if curve.marks.log != log:
                curve.marks.log = log
                curve.marks.show()

    def _take_out(self, name: str, xs: list, ys: list) -> tuple[list, list]:
        """Remove ``name``'s curve from the plot it was on (its steps turned out to count
        something else); returns its points followed by ``xs``/``ys``, for the other plot."""
        curve = self._step_curves.pop(name, None)
        plot = self.step_plot
        if curve is None:
            curve, plot = self._epoch_curves.pop(name), self.epoch_plot
        curve.remove_from(plot)
        return curve.points.x.tolist() + list(xs), curve.points.y.tolist() + list(ys)

    def _badge(self, plot: pg.PlotItem) -> pg.TextItem:
        """A red label pinned to the plot's top-left corner (not in data coordinates)."""
        badge = pg.TextItem(color="w", fill=pg.mkBrush(BAD_COLOR), anchor=(0, 0))
        badge.setParentItem(plot.vb)
        badge.setPos(6, 6)
        badge.setZValue(1_000)
        badge.setVisible(False)
        return badge

    def _show_badges(self) -> None:
        for badge, curves, axis in ((self.step_badge, self._step_curves, "step"),
                                    (self.epoch_badge, self._epoch_curves, "epoch")):
            lines = [f"{name}: {describe_non_finite(curve.marks.first[1])} from {axis} "
                     f"{curve.marks.first[0]:g}"
                     for name, curve in curves.items() if curve.marks.first is not None]
            badge.setText("\n".join(lines))
            badge.setVisible(bool(lines))

    # -- internals -----------------------------------------------------------------------------
    def _color(self, base: str) -> QColor:
        # Step "loss" and "epoch_loss" share a color, so a metric reads the same everywhere.
        color = self._colors.get(base)
        if color is None:
            color = self._colors[base] = series_color(len(self._colors))
        return color

    def _add_list_item(self, name: str) -> None:
        if name in self._items:  # a stream moved to the other plot keeps its entry
            return
        item = QListWidgetItem(name)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked)
        self._items[name] = item
        self.metric_list.addItem(item)

    def _metric_toggled(self, item: QListWidgetItem) -> None:
        visible = item.checkState() == Qt.CheckState.Checked
        curve = self._step_curves.get(item.text()) or self._epoch_curves.get(item.text())
        if curve is not None:
            curve.set_visible(visible)
            if curve in self._step_curves.values():
                self._fit_step_range()

    def _visible(self, name: str) -> bool:
        item = self._items.get(name)
        return item is None or item.checkState() == Qt.CheckState.Checked

    def _show_smoothing(self) -> None:
        self.smoothing_label.setText(f"Smoothing {self._smoothing:.2f}")

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseMove and watched is self.plots.viewport():
            scene_pos = self.plots.mapToScene(event.position().toPoint())
            self.step_crosshair.follow(scene_pos)
            self.epoch_crosshair.follow(scene_pos)
        elif event.type() == QEvent.Type.Leave and watched is self.plots.viewport():
            self.step_crosshair.hide()
            self.epoch_crosshair.hide()
        return False

    def _step_readout(self, x: float) -> tuple[float, str] | None:
        return self._readout(x, "step", self._step_curves, smoothed=True)

    def _epoch_readout(self, x: float) -> tuple[float, str] | None:
        return self._readout(x, "epoch", self._epoch_curves, smoothed=False)

    def _readout(self, x: float, axis: str, curves: dict, smoothed: bool) -> tuple | None:
        """Snap to the nearest recorded x of the first visible curve; list every value there."""
        snapped = None
        lines = []
        for name, curve in curves.items():
            if not self._visible(name):
                continue
            points = curve.points
            i = points.nearest_index(x if snapped is None else snapped)
            if i is None:
                continue
            if snapped is None:
                snapped = float(points.x[i])
            if points.x[i] != snapped:
                continue
            text = f"{name} {points.y[i]:.6g}"
            if smoothed:
                text += f" (smoothed {curve.smoothed[i]:.6g})"
            lines.append(text)
        if snapped is None:
            return None
        return snapped, "\n".join([f"{axis} {snapped:g}", *lines])

    def _ask_export_png(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export plots as PNG", "plots.png",
                                              "PNG image (*.png)")
        if path:
            self.export_png(path)
