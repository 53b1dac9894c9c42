"""What the plot docks share (app/docks/plot_parts.py): growing series, owned popups, long
curves thinned to the pixels they cover."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QMenu, QWidget

from app.docks.plot_parts import (
    GrowingSeries,
    popups_owned_by,
    snapped_range,
    stepped_end,
    thin_to_pixels,
)


def test_a_growing_series_keeps_every_point_past_its_capacity():
    series = GrowingSeries(capacity=2)
    series.extend([0, 1, 2], [5.0, 6.0, 7.0])
    series.extend(np.arange(3, 10), np.arange(3, 10) * 2.0)
    assert series.size == 10 and series.x.tolist() == list(range(10))
    assert series.y.tolist() == [5.0, 6.0, 7.0, *(np.arange(3, 10) * 2.0)]
    assert series.x_sorted and series.nearest_index(4.4) == 4 and series.nearest_index(99) == 9


def test_points_out_of_order_are_still_found():
    series = GrowingSeries()
    assert series.nearest_index(1.0) is None
    series.extend([5, 1, 3], [0, 0, 0])
    assert not series.x_sorted and series.nearest_index(1.2) == 1


def test_windows_made_inside_the_block_belong_to_the_owner(qtbot):
    owner = QWidget()
    qtbot.addWidget(owner)
    outside = QMenu()
    with popups_owned_by(owner):
        menu = QMenu()  # a parentless popup, as pyqtgraph makes for its context menus
    assert menu.parent() is owner and outside.parent() is None
    outside.deleteLater()


def test_a_long_curve_is_drawn_at_about_one_sample_per_pixel_keeping_its_spikes(qtbot):
    """A 9,375-step loss curve in a ~400 px plot: pyqtgraph's default kept ~4,700 points,
    whose antialiased repaint held the window for 50-130 ms."""
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    plot.resize(420, 300)
    plot.show()
    ys = np.sin(np.arange(9_375) / 50.0)
    ys[5_000] = 40.0  # one spike must survive the thinning
    curve = thin_to_pixels(plot.plot(np.arange(9_375), ys))
    qtbot.waitUntil(lambda: curve.curve.xData is not None and len(curve.curve.xData) < 9_375)
    width = plot.getPlotItem().vb.width()
    drawn_x, drawn_y = curve.curve.xData, curve.curve.yData
    assert len(drawn_x) <= 2 * width + 4  # "peak": a min and a max per pixel at most
    assert drawn_y.max() == 40.0 and drawn_x[0] < 50 and drawn_x[-1] > 9_300  # all of it


@pytest.mark.parametrize(("newest", "end"), [(0, 1), (1, 1), (7, 8), (8.5, 10), (10, 10),
                                             (11, 15), (35, 40), (1_875, 2_000),
                                             (9_375, 10_000), (9_374.9, 10_000)])
def test_a_live_x_axis_ends_at_the_next_round_number(newest, end):
    assert stepped_end(newest) == pytest.approx(end)


def test_a_y_range_is_widened_to_round_units_of_its_span():
    assert snapped_range(0.31, 2.29) == pytest.approx((0.0, 2.5))
    assert snapped_range(-2.1, -0.7) == pytest.approx((-2.5, -0.5))  # log10 of a loss
    low, high = snapped_range(0.0, 0.0)  # one point: still a range
    assert low < high
