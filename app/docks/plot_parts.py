"""What the docks' pyqtgraph plots share: the window's own colors, legends kept out of the
data, a readable minimum size, point buffers that grow without re-copying, and pyqtgraph's
popups owned by their dock.

pyqtgraph draws white on black by default, which reads as a foreign dark panel inside a
light window; the plots take the application palette's colors instead, so they follow the
desktop theme (light or dark) like every other widget.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QGraphicsItem, QWidget

# matplotlib's "tab10": on a light background as matplotlib has it, lightened for a dark one.
# Red comes late on purpose, since in a debugger it reads as "something is wrong".
LIGHT_BACKGROUND_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c6d31", "#17becf",
                           "#e377c2", "#7f7f7f", "#8c564b", "#d62728")
DARK_BACKGROUND_COLORS = ("#4c9be8", "#ff9f40", "#4cc47a", "#b08be0", "#e8c14c", "#3fd0d8",
                          "#e87fcf", "#a8a8a8", "#c49a7a", "#ef5b5b")
MIN_PLOT_SIZE = (260, 150)  # px of one plot with its axes and legend: still readable
# Samples per pixel a long curve keeps ("peak" downsampling: each bin's min and max, so no
# spike is lost). pyqtgraph's default, 5, drew ~4,700 points of a 9,375-step loss curve into
# ~500 px: 50-130 ms per antialiased repaint, 10 ms at 1 sample per pixel (measured).
SAMPLES_PER_PIXEL = 1.0
LEGEND_ROW = 5  # PlotItem's grid: title 0, top axis 1, view 2, bottom axis 3, axis label 4
# Right ends of a live x axis: the smallest m x 10^k >= the newest x; the curve fills at
# least two thirds of the width, and the axis moves about 8 times per decade of steps.
X_STEPS = (1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
PADDING = 0.02  # of a range set by SteadyRange, as pyqtgraph's auto range leaves


def window_colors() -> tuple[QColor, QColor]:
    """(background, foreground) of the plots: the palette's Base and Text colors."""
    palette = QApplication.palette()
    return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)


def is_dark_background() -> bool:
    return window_colors()[0].lightness() < 128


def series_color(index: int) -> QColor:
    """The ``index``-th curve's color, cycling through ten colors readable on the background."""
    colors = DARK_BACKGROUND_COLORS if is_dark_background() else LIGHT_BACKGROUND_COLORS
    return QColor(colors[index % len(colors)])


def follow_window_palette() -> None:
    """Make plots created from now on take the window's colors (pyqtgraph reads these options
    when a view or axis is built)."""
    background, foreground = window_colors()
    pg.setConfigOptions(background=background, foreground=foreground, antialias=True)


def thin_to_pixels(curve: pg.PlotDataItem) -> pg.PlotDataItem:
    """Draw ``curve`` clipped to the view and downsampled to ``SAMPLES_PER_PIXEL``."""
    curve.setClipToView(True)
    curve.setDownsampling(auto=True, method="peak")
    curve.opts["autoDownsampleFactor"] = SAMPLES_PER_PIXEL  # PlotDataItem has no setter
    return curve


def legend_below(plot: pg.PlotItem, columns: int = 3) -> pg.LegendItem:
    """A legend laid out under the plot's x axis, in ``columns`` columns: a legend floating
    over the view box hides the newest points of the curves it names.

    Curves added to ``plot`` with a ``name`` join it, as with ``PlotItem.addLegend``.
    """
    _, foreground = window_colors()
    legend = pg.LegendItem(offset=None, colCount=columns, labelTextColor=foreground,
                           verSpacing=-4)
    plot.layout.addItem(legend, LEGEND_ROW, 1)
    plot.legend = legend  # PlotItem.addItem/removeItem keep a named curve's entry in step
    return legend


@contextmanager
def popups_owned_by(owner: QWidget) -> Iterator[None]:
    """Parent the windows made inside the block (pyqtgraph's parentless context menus and
    option panels) to ``owner``, so they are deleted with it instead of outliving it
    whenever some Python reference keeps a plot item alive."""
    before = set(QApplication.topLevelWidgets())
    yield
    for widget in QApplication.topLevelWidgets():
        if widget not in before and widget.parent() is None and widget is not owner:
            widget.setParent(owner, widget.windowFlags())


class GrowingSeries:
    """x/y points in numpy buffers that double when full: an append copies only itself."""

    def __init__(self, capacity: int = 256) -> None:
        self._x = np.empty(capacity, dtype=np.float64)
        self._y = np.empty(capacity, dtype=np.float64)
        self.size = 0
        self.x_sorted = True  # lets lookups by x use a binary search

    @property
    def x(self) -> np.ndarray:
        return self._x[: self.size]

    @property
    def y(self) -> np.ndarray:
        return self._y[: self.size]

    def extend(self, xs: np.ndarray | list, ys: np.ndarray | list) -> None:
        xs = np.asarray(xs, dtype=np.float64)
        ys = np.asarray(ys, dtype=np.float64)
        end = self.size + len(xs)
        if end > len(self._x):
            capacity = max(end, 2 * len(self._x))
            # New buffers rather than resizing in place: a curve may still hold a view.
            self._x = np.concatenate([self._x[: self.size], np.empty(capacity - self.size)])
            self._y = np.concatenate([self._y[: self.size], np.empty(capacity - self.size)])
        if self.x_sorted and len(xs):
            previous = self._x[self.size - 1] if self.size else -np.inf
            self.x_sorted = bool(xs[0] >= previous and np.all(np.diff(xs) >= 0))
        self._x[self.size:end] = xs
        self._y[self.size:end] = ys
        self.size = end

    def nearest_index(self, x: float) -> int | None:
        """Index of the point whose x is closest to ``x`` (None when empty)."""
        if not self.size:
            return None
        xs = self.x
        if not self.x_sorted:
            return int(np.argmin(np.abs(xs - x)))
        i = int(np.searchsorted(xs, x))
        if i == 0:
            return 0
        if i >= self.size:
            return self.size - 1
        return i if xs[i] - x < x - xs[i - 1] else i - 1


def stepped_end(value: float) -> float:
    """The smallest m x 10^k (m in ``X_STEPS``) that is >= ``value`` (1 for value <= 1)."""
    if not value > 1:
        return 1.0
    decade = 10.0 ** math.floor(math.log10(value))
    return next(m * decade for m in X_STEPS if m * decade >= value * (1 - 1e-12))


def snapped_range(low: float, high: float) -> tuple[float, float]:
    """``low``..``high`` widened to whole units of half the span's power of ten, so a range
    that holds the next points too is not changed for them."""
    span = high - low
    if not span > 0:
        span = abs(high) or 1.0
    unit = 10.0 ** math.floor(math.log10(span)) / 2
    low, high = math.floor(low / unit) * unit, math.ceil(high / unit) * unit
    return low, max(high, low + unit)


class SteadyRange:
    """Moves a live plot's view in steps, not with every batch of points.

    pyqtgraph's auto range follows the newest point: the view range changes on every
    redraw, so each axis regenerates its ticks, labels and grid lines (3-6 ms a paint,
    measured). Here the x axis ends at ``stepped_end`` of the newest x and the y axis holds
    the points in ``snapped_range`` units; a range is set only when the points leave it (or
    fill less than half of its height), and the axes are cached as pixmaps (a repaint of the
    curves alone blits them). A pan or zoom by the user makes the view theirs until they
    press the plot's auto-range button.
    """

    def __init__(self, plot: pg.PlotItem) -> None:
        self._view = plot.vb
        self._x: tuple[float, float] | None = None
        self._y: tuple[float, float] | None = None
        self._log_y = False
        self._held = False  # the user moved the view
        self._view.sigRangeChangedManually.connect(self._moved_by_user)
        for name in ("left", "bottom"):
            plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    @property
    def held(self) -> bool:
        """Whether the user's pan or zoom keeps the view where it is."""
        return self._held

    def _moved_by_user(self, _mask: object) -> None:
        self._held = True

    def reset(self) -> None:
        """Forget the ranges (a new run): the next ``fit`` sets them afresh."""
        self._x = self._y = None
        self._held = False
        self._view.enableAutoRange()

    def fit(self, xs: list[np.ndarray], ys: list[np.ndarray], log_y: bool = False) -> None:
        """Show the points ``xs``/``ys`` (one array per visible curve; y in data units, shown
        as log10 when ``log_y``), changing the view only when they need it."""
        view = self._view
        if self._held:
            if not any(view.autoRangeEnabled()):
                return
            self._held = False  # the auto-range button: follow the run again
            self._x = self._y = None
        x_low, x_high = _finite_bounds(xs)
        y_low, y_high = _finite_bounds([np.log10(y[y > 0]) if log_y else y for y in ys])
        if x_low is None or y_low is None:
            return
        x_range = (x_low, x_low + stepped_end(x_high - x_low))
        if log_y != self._log_y:
            self._log_y, self._y = log_y, None
        y_range = self._y
        if (y_range is None or y_low < y_range[0] or y_high > y_range[1]
                or (y_high - y_low) < (y_range[1] - y_range[0]) / 2):
            y_range = snapped_range(y_low, y_high)
        if (x_range, y_range) != (self._x, self._y):
            self._x, self._y = x_range, y_range
            view.setRange(xRange=x_range, yRange=y_range, padding=PADDING)


def _finite_bounds(arrays: list[np.ndarray]) -> tuple[float, float] | tuple[None, None]:
    lows, highs = [], []
    for values in arrays:
        finite = values[np.isfinite(values)]
        if finite.size:
            lows.append(float(finite.min()))
            highs.append(float(finite.max()))
    return (min(lows), max(highs)) if lows else (None, None)
