"""Gradients dock: per variable, the gradient norm over steps, its latest distribution,
how the weights move, and every ``None`` gradient with the tape's explanation.

Each "gradient" event names its sources (variables, or watched tensors) with a summary
and a norm, or the reason the gradient is None. Points are appended per batch to
growing numpy buffers; the touched curves are redrawn at most ~10 times a second.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSplitter,
    QStackedWidget,
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
from app.docks.tensor_dock import HISTOGRAM_BINS, summary_html
from app.models.health_colors import BAD_BACKGROUND, BAD_COLOR


class _VariableTrack:
    """Everything the dock knows about one gradient source, keyed by its id."""

    def __init__(self, label: str, color: QColor) -> None:
        self.label = label
        self.color = color
        self.norms = GrowingSeries()
        self.means = GrowingSeries()
        self.stds = GrowingSeries()
        self.ratios = GrowingSeries()
        self.norm_curve: pg.PlotDataItem | None = None
        self.ratio_curve: pg.PlotDataItem | None = None
        self.gradient: dict | None = None  # latest source entry with a gradient
        self.gradient_step: int | None = None
        self.weights: dict | None = None  # latest variable_update summary


class GradientsDock(QDockWidget):
    """Gradient norms per variable, the selected variable's gradient, None gradients."""

    def __init__(self, session: QObject, parent: QWidget | None = None) -> None:
        super().__init__("Gradients", parent)
        self.setObjectName("GradientsDock")
        self._session = session
        self._tracks: dict[int, _VariableTrack] = {}
        self._by_label: dict[str, _VariableTrack] = {}
        self._none_items: dict[tuple[str, str], tuple[QListWidgetItem, list]] = {}
        self._ratio_mode = False  # variable_update events carry update_norm and weight_norm
        # Non-trainable variables (a metric's total/count, a step counter) are no weights:
        # their "update ratio" jumps to 1 at every reset and would swamp the chart.
        self._not_trained: set[int] = set()
        self._selected: _VariableTrack | None = None
        self._undrawn: set[_VariableTrack] = set()  # tracks with points not drawn yet
        self._selected_stale = False  # the selected variable's view awaits the next redraw
        self._redraw = RedrawThrottle(self._draw, self, widget=self)  # not while tabbed away
        self.visibilityChanged.connect(lambda visible: visible and self._redraw.shown())
        with popups_owned_by(self):
            self._build()
        session.eventsArrived.connect(self.add_events)

    def _build(self) -> None:
        self.log_y_checkbox = QCheckBox("Log scale")
        self.log_y_checkbox.toggled.connect(self.set_log_y)
        follow_window_palette()
        # The variable list, each name in its curve's color, is the charts' legend: one per
        # chart would repeat it and cover the curves.
        self.norm_plot = pg.PlotWidget(title="gradient norm")
        self.norm_plot.setLabel("bottom", "step")
        self.norm_plot.showGrid(x=True, y=True, alpha=0.2)

        self.variable_list = QListWidget()
        self.variable_list.currentTextChanged.connect(self.select_variable)
        self.histogram_plot = pg.PlotWidget()
        self.histogram_plot.setLabel("bottom", "gradient value")
        self.histogram_bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=(90, 140, 220))
        self.histogram_plot.addItem(self.histogram_bars)
        self.histogram_counts = np.zeros(0, dtype=np.int64)
        self.stats_label = QLabel()
        self.stats_label.setTextFormat(Qt.TextFormat.RichText)
        self.stats_label.setWordWrap(True)
        self.stats_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail = QStackedWidget()  # histogram when a value is available, else the stats
        self.detail.addWidget(self.stats_label)
        self.detail.addWidget(self.histogram_plot)
        selected = QSplitter()
        selected.addWidget(self.variable_list)
        selected.addWidget(self.detail)
        selected.setStretchFactor(1, 1)

        self.weights_plot = pg.PlotWidget()
        self.weights_plot.setLabel("bottom", "step")
        self.weights_plot.showGrid(x=True, y=True, alpha=0.2)
        legend_below(self.weights_plot.getPlotItem())  # "mean" and "std" of one variable
        self.weight_mean_curve = self.weights_plot.plot(pen=pg.mkPen((90, 140, 220), width=2),
                                                        name="mean")
        self.weight_std_curve = self.weights_plot.plot(pen=pg.mkPen((230, 150, 60), width=2),
                                                       name="std")

        self.none_list = QListWidget()
        self.none_list.setWordWrap(True)
        none_box = QWidget()
        none_layout = QVBoxLayout(none_box)
        none_layout.setContentsMargins(0, 0, 0, 0)
        none_layout.addWidget(QLabel("<b>None gradients</b>"))
        none_layout.addWidget(self.none_list)

        # Two rows side by side rather than four panes stacked: stacked, each chart got a
        # sliver of a tabbed dock's height, too little for its y axis.
        for plot in (self.norm_plot, self.weights_plot, self.histogram_plot):
            plot.setMinimumSize(*MIN_PLOT_SIZE)
        charts = QSplitter()
        charts.addWidget(self.norm_plot)
        charts.addWidget(self.weights_plot)
        details = QSplitter()
        details.addWidget(selected)
        details.addWidget(none_box)
        details.setStretchFactor(0, 2)
        details.setStretchFactor(1, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(charts)
        splitter.addWidget(details)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        for part in (charts, details, selected, splitter):
            part.setChildrenCollapsible(False)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.log_y_checkbox)
        layout.addWidget(splitter, 1)
        self.setWidget(body)
        self.norm_range = SteadyRange(self.norm_plot.getPlotItem())
        self.weights_range = SteadyRange(self.weights_plot.getPlotItem())
        self._show_weights_title()

    # -- incoming events -----------------------------------------------------------------------
    def add_events(self, batch: list) -> None:
        """Append one batch's gradients and weight updates; the touched curves are redrawn
        at most ~10 times a second (at once when the last redraw is that long ago)."""
        norms: dict[_VariableTrack, tuple[list, list]] = {}
        weights: dict[_VariableTrack, tuple[list, list, list]] = {}
        ratios: dict[_VariableTrack, tuple[list, list]] = {}
        for event in batch:
            kind = event.get("kind")
            if kind == "gradient":
                self._add_gradient(event, norms)
            elif kind == "variable_created" and event.get("trainable") is False:
                self._not_trained.add(event["id"])
            elif kind == "variable_update" and event["id"] not in self._not_trained:
                track = self._track(event["id"], event.get("name"))
                summary = event.get("summary") or {}
                track.weights = summary
                if summary.get("mean") is not None:
                    steps, means, stds = weights.setdefault(track, ([], [], []))
                    steps.append(event["step"])
                    means.append(summary["mean"])
                    stds.append(summary["std"])
                update, weight = event.get("update_norm"), event.get("weight_norm")
                if update is not None and weight is not None:
                    steps, values = ratios.setdefault(track, ([], []))
                    steps.append(event["step"])
                    values.append(update / weight if weight else np.nan)
        for track, (steps, values) in norms.items():
            track.norms.extend(steps, values)
            if track.norm_curve is None:
                track.norm_curve = self._curve(self.norm_plot, track)
                item = QListWidgetItem(self._swatch(track.color), track.label)
                self.variable_list.addItem(item)
                if self._selected is None:
                    self.variable_list.setCurrentRow(0)
            self._undrawn.add(track)
        for track, (steps, means, stds) in weights.items():
            track.means.extend(steps, means)
            track.stds.extend(steps, stds)
        if ratios and not self._ratio_mode:
            self._ratio_mode = True
            self.weights_plot.removeItem(self.weight_mean_curve)
            self.weights_plot.removeItem(self.weight_std_curve)
            self.weights_plot.setLogMode(y=self.log_y_checkbox.isChecked())
            self._show_weights_title()
        for track, (steps, values) in ratios.items():
            track.ratios.extend(steps, values)
            if track.ratio_curve is None:
                track.ratio_curve = self._curve(self.weights_plot, track)
            self._undrawn.add(track)
        if self._selected is not None and (self._selected in norms or self._selected in weights):
            self._selected_stale = True
        if self._undrawn or self._selected_stale:
            self._redraw.request()

    def _draw(self) -> None:
        """Draw the points appended since the last time, and the selected variable."""
        undrawn, self._undrawn = self._undrawn, set()
        for track in undrawn:
            if track.norm_curve is not None:
                track.norm_curve.setData(track.norms.x, track.norms.y)
            if track.ratio_curve is not None:
                track.ratio_curve.setData(track.ratios.x, track.ratios.y)
        if self._selected_stale and self._selected is not None:
            self._show_selected()
        self._selected_stale = False
        self._fit_ranges()

    def _fit_ranges(self) -> None:
        """Step the charts' views to what they show (``SteadyRange``: not per batch)."""
        log = self.log_y_checkbox.isChecked()
        tracks = [t for t in self._tracks.values() if t.norm_curve is not None]
        self.norm_range.fit([t.norms.x for t in tracks], [t.norms.y for t in tracks], log)
        if self._ratio_mode:
            tracks = [t for t in self._tracks.values() if t.ratio_curve is not None]
            self.weights_range.fit([t.ratios.x for t in tracks], [t.ratios.y for t in tracks],
                                   log)
        elif self._selected is not None:
            track = self._selected
            self.weights_range.fit([track.means.x, track.stds.x], [track.means.y, track.stds.y])

    def _add_gradient(self, event: dict, norms: dict) -> None:
        for source in event["sources"]:
            name = source.get("name") or f"tensor of shape {source.get('shape', [])}"
            track = self._track(source["id"], name)
            if "reason" in source and source.get("norm") is None:
                place = (source["reason_file"], source["reason_line"]) if source.get(
                    "reason_line") else None
                self._add_none(track.label, source["reason"], event["step"], place)
                continue
            track.gradient = source
            track.gradient_step = event["step"]
            if source.get("norm") is None:
                continue  # NO_TENSOR mode: no pass over the gradient's values
            steps, values = norms.setdefault(track, ([], []))
            steps.append(event["step"])
            values.append(source["norm"])

    def _add_none(self, label: str, reason: str, step: int,
                  place: tuple[str, int] | None = None) -> None:
        """List (or count again) a None gradient; ``place`` is the user's (file, line) where
        the path broke, when the tape knows it (the text names only the file's base name)."""
        found = self._none_items.get((label, reason))
        if found is None:
            item = QListWidgetItem()
            item.setForeground(QBrush(BAD_COLOR))
            item.setBackground(QBrush(BAD_BACKGROUND))
            item.setToolTip(reason if place is None else
                            f"{reason}\n\npath broken at {place[0]}, line {place[1]}")
            self.none_list.addItem(item)
            found = self._none_items[(label, reason)] = (item, [step, step, 0])
        item, seen = found
        seen[1] = step
        seen[2] += 1
        steps = f"step {seen[0]}" if seen[0] == seen[1] else f"steps {seen[0]}–{seen[1]}"
        item.setText(f"{label}: {reason} ({steps}, {seen[2]}×)")

    # -- public ----------------------------------------------------------------------------------
    def variable_labels(self) -> list[str]:
        """Labels of the variables that have received a gradient, in order of first gradient."""
        return [self.variable_list.item(i).text() for i in range(self.variable_list.count())]

    def norm_series(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, gradient norms) of one variable."""
        norms = self._by_label[label].norms
        return norms.x, norms.y

    def weight_series(self, label: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(steps, mean, std) of a variable's weights after each update."""
        track = self._by_label[label]
        return track.means.x, track.means.y, track.stds.y

    def ratio_series(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, ‖update‖ / ‖weight‖) when the updates carry both norms."""
        ratios = self._by_label[label].ratios
        return ratios.x, ratios.y

    def none_gradients(self) -> list[str]:
        """The None-gradient lines as shown: which source, why, when, how often."""
        return [self.none_list.item(i).text() for i in range(self.none_list.count())]

    def select_variable(self, label: str) -> None:
        """Show one variable's latest gradient and its weights over steps."""
        track = self._by_label.get(label)
        if track is None:
            return
        self._selected = track
        items = self.variable_list.findItems(label, Qt.MatchFlag.MatchExactly)
        if items and self.variable_list.currentItem() is not items[0]:
            self.variable_list.setCurrentItem(items[0])
        self._show_weights_title()
        self._show_selected()
        self._fit_ranges()

    def set_log_y(self, on: bool) -> None:
        """Norms span orders of magnitude (vanishing or exploding): a log axis shows both."""
        if self.log_y_checkbox.isChecked() != on:
            self.log_y_checkbox.setChecked(on)  # comes back here through toggled
            return
        self.norm_plot.setLogMode(y=on)
        if self._ratio_mode:
            self.weights_plot.setLogMode(y=on)
        self._fit_ranges()

    def clear(self) -> None:
        """Forget the run (a restart starts again at step 0)."""
        for track in self._tracks.values():
            if track.norm_curve is not None:
                self.norm_plot.removeItem(track.norm_curve)
            if track.ratio_curve is not None:
                self.weights_plot.removeItem(track.ratio_curve)
        self._tracks.clear()
        self._by_label.clear()
        self._undrawn.clear()
        self._selected_stale = False
        self._not_trained.clear()
        self._none_items.clear()
        self._selected = None
        self._ratio_mode = False
        self.variable_list.clear()
        self.none_list.clear()
        self.weight_mean_curve.setData([], [])
        self.weight_std_curve.setData([], [])
        if self.weight_mean_curve not in self.weights_plot.listDataItems():
            self.weights_plot.addItem(self.weight_mean_curve)
            self.weights_plot.addItem(self.weight_std_curve)
        self.weights_plot.setLogMode(y=False)
        self.stats_label.setText("")
        self.detail.setCurrentWidget(self.stats_label)
        self._show_weights_title()
        self.norm_range.reset()
        self.weights_range.reset()

    # -- internals -----------------------------------------------------------------------------
    def _track(self, source_id: int, name: str | None) -> _VariableTrack:
        track = self._tracks.get(source_id)
        if track is None:
            label = base = name or "unnamed tensor"
            copy = 1
            while label in self._by_label:  # two variables may share a name
                copy += 1
                label = f"{base} ({copy})"
            color = series_color(len(self._tracks))
            track = _VariableTrack(label, color)
            self._tracks[source_id] = self._by_label[label] = track
        return track

    @staticmethod
    def _curve(plot: pg.PlotWidget, track: _VariableTrack) -> pg.PlotDataItem:
        return thin_to_pixels(plot.plot(pen=pg.mkPen(track.color, width=1.5)))

    @staticmethod
    def _swatch(color: QColor) -> QIcon:
        pixmap = QPixmap(12, 12)
        pixmap.fill(color)
        return QIcon(pixmap)

    def _show_weights_title(self) -> None:
        if self._ratio_mode:
            title = "update/weight ratio"  # ‖Δw‖ / ‖w‖: in the tooltip, to fit
        elif self._selected is not None:
            title = f"weights of {self._selected.label}"
        else:
            title = "weights after each update"
        self.weights_plot.setTitle(title)
        self.weights_plot.setToolTip("‖Δw‖ / ‖w‖ of each update: about 1e-3 is healthy; much "
                                     "more and training is unstable, much less and it stalls"
                                     if self._ratio_mode else "")

    def _show_selected(self) -> None:
        track = self._selected
        if not self._ratio_mode:
            self.weight_mean_curve.setData(track.means.x, track.means.y)
            self.weight_std_curve.setData(track.stds.x, track.stds.y)
        value = self._gradient_value(track.gradient)
        if value is not None and value.dtype.kind in "biuf" and value.size:
            flat = value.reshape(-1).astype(np.float64)
            finite = flat[np.isfinite(flat)]
            self.histogram_counts, edges = np.histogram(finite, bins=HISTOGRAM_BINS)
            self.histogram_bars.setOpts(x0=edges[:-1], x1=edges[1:], height=self.histogram_counts)
            self.histogram_plot.setTitle(f"gradient of {track.label} at step "
                                         f"{track.gradient_step}")
            self.histogram_plot.autoRange()
            self.detail.setCurrentWidget(self.histogram_plot)
            return
        self.histogram_counts = np.zeros(0, dtype=np.int64)
        lines = [f"<b>{track.label}</b>"]
        if track.gradient is not None:
            gradient = track.gradient
            summary = gradient.get("summary") or {"shape": gradient.get("shape", [])}
            norm = gradient.get("norm")  # None in NO_TENSOR mode: the values were not read
            norm_text = "no norm (NO_TENSOR)" if norm is None else f"<b>norm</b> {norm:.6g}"
            lines.append(f"gradient at step {track.gradient_step}: {norm_text} &nbsp; "
                         f"{summary_html(summary)}")
        if track.weights:
            lines.append(f"weights: {summary_html(track.weights)}")
        lines.append("<i>gradient values are not kept: showing the recorded summary</i>")
        self.stats_label.setText("<br>".join(lines))
        self.detail.setCurrentWidget(self.stats_label)

    def _gradient_value(self, source: dict | None) -> np.ndarray | None:
        """The gradient's full value, when the event says which op output holds it.

        A source entry may carry ``value_ref`` = [seq, output index] of the op event that
        produced the gradient; without it there is nothing the session could fetch.
        """
        ref = source.get("value_ref") if source else None
        if not ref:
            return None
        value = self._session.fetch_value(int(ref[0]), int(ref[1]))
        return None if value is None else np.asarray(value)
