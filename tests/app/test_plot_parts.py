"""What the plot docks share (app/docks/plot_parts.py): growing series and owned popups."""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QMenu, QWidget

from app.docks.plot_parts import GrowingSeries, popups_owned_by


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
