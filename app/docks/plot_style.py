"""How the docks' pyqtgraph plots look: the window's own colors, and legends kept out of
the data.

pyqtgraph draws white on black by default, which reads as a foreign dark panel inside a
light window; the plots take the application palette's colors instead, so they follow the
desktop theme (light or dark) like every other widget.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

# matplotlib's "tab10": on a light background as matplotlib has it, lightened for a dark one.
# Red comes late on purpose, since in a debugger it reads as "something is wrong".
LIGHT_BACKGROUND_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c6d31", "#17becf",
                           "#e377c2", "#7f7f7f", "#8c564b", "#d62728")
DARK_BACKGROUND_COLORS = ("#4c9be8", "#ff9f40", "#4cc47a", "#b08be0", "#e8c14c", "#3fd0d8",
                          "#e87fcf", "#a8a8a8", "#c49a7a", "#ef5b5b")
LEGEND_ROW = 5  # PlotItem's grid: title 0, top axis 1, view 2, bottom axis 3, axis label 4


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
