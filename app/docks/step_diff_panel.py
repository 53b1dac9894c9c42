"""Step diff panel: pick steps A and B, see per variable how its weights and gradient moved.

The numbers come from ``engine.debug.step_diff`` over the session's events (norms and
gradient norms are in every variable_update / gradient event). The heatmap of B − A needs
both steps' full values, which events never carry: it is drawn only when a value source
is given, and otherwise the panel says plainly that the run did not keep them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.docks.plot_style import follow_window_palette
from app.docks.plots_dock import popups_owned_by
from engine.debug.step_diff import ValueLookup, VariableDiff, recorded_steps, step_diff

COLUMNS = ("Name", "‖W‖ A", "‖W‖ B", "Δ‖W‖", "max |ΔW|", "‖∇‖ A", "‖∇‖ B")
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
NO_VALUES = ("No heatmap: this run keeps statistics of variables, not their full values "
             "at each step; the table's norms are all that can be compared.")


def _cells(diff: VariableDiff) -> tuple:
    return (diff.name, diff.weight_norm_a, diff.weight_norm_b, diff.norm_change,
            diff.max_abs_change, diff.grad_norm_a, diff.grad_norm_b)


class StepDiffPanel(QWidget):
    """Two step pickers, a table of per-variable changes, a heatmap of the selected one.

    The heatmap is built the first time there is a difference to draw: a run without values
    never creates pyqtgraph's plot (nor its parentless context menus)."""

    def __init__(self, session: QObject, values: ValueLookup | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.values = values  # (step, variable id) -> full value; None: none are kept
        self.diffs: list[VariableDiff] = []
        self.step_a = QSpinBox()
        self.step_b = QSpinBox()
        for spin, label in ((self.step_a, "Step A "), (self.step_b, "Step B ")):
            spin.setPrefix(label)
            spin.setRange(0, 0)
        self.compare_button = QPushButton("Compare")
        self.compare_button.clicked.connect(self.compare)
        pickers = QHBoxLayout()
        pickers.addWidget(self.step_a)
        pickers.addWidget(self.step_b)
        pickers.addWidget(self.compare_button)
        pickers.addStretch(1)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._show_selected)

        self.status = QLabel("Pick two steps and press Compare.")
        self.status.setWordWrap(True)
        self.heatmap: pg.GraphicsLayoutWidget | None = None  # built when first needed
        lower = QWidget()
        self._lower_layout = lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.status)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(pickers)
        layout.addWidget(splitter, 1)
        session.eventsArrived.connect(self._extend_step_range)

    def _extend_step_range(self, batch: list) -> None:
        steps = recorded_steps(batch)
        if steps and steps[-1] > self.step_b.maximum():
            for spin in (self.step_a, self.step_b):
                spin.setMaximum(steps[-1])

    def compare(self) -> None:
        """Recompute the table for the picked steps (on demand: it reads all events)."""
        a, b = self.step_a.value(), self.step_b.value()
        self.diffs = step_diff(self.session.events, a, b, self.values)
        self.table.setRowCount(0)
        self.table.setRowCount(len(self.diffs))
        for row, diff in enumerate(self.diffs):
            for column, value in enumerate(_cells(diff)):
                if value is None:
                    item = QTableWidgetItem("—" if column else "?")
                    item.setToolTip("not recorded at this step")
                elif isinstance(value, float):
                    item = QTableWidgetItem(f"{value:+.4g}" if column == 3 else f"{value:.6g}")
                    item.setTextAlignment(RIGHT)
                else:
                    item = QTableWidgetItem(str(value))
                self.table.setItem(row, column, item)
        self._hide_heatmap()
        self.status.setText(f"Step {a} → step {b}: {len(self.diffs)} variables. "
                            "Select one for the heatmap of its change.")

    def _hide_heatmap(self) -> None:
        if self.heatmap is not None:
            self.heatmap.setVisible(False)

    def _build_heatmap(self) -> None:
        if self.heatmap is not None:
            return
        follow_window_palette()
        with popups_owned_by(self):
            self.heatmap = pg.GraphicsLayoutWidget(self)  # a child: only menus are windows
            self.heatmap_plot: pg.PlotItem = self.heatmap.addPlot()
            self.heatmap_plot.invertY(True)  # row 0 at the top, as in the tensor dock
            self.image_item = pg.ImageItem(axisOrder="row-major")
            self.heatmap_plot.addItem(self.image_item)
            # Diverging colours centred on zero: growth and shrinkage read apart at a glance.
            self.colorbar = pg.ColorBarItem(colorMap="CET-D1", interactive=False, width=15)
            self.colorbar.setImageItem(self.image_item, insert_in=self.heatmap_plot)
        self._lower_layout.addWidget(self.heatmap, 1)

    def clear(self) -> None:
        """Forget the run (a restart): no rows, no steps to pick beyond 0."""
        self.diffs = []
        self.table.setRowCount(0)
        for spin in (self.step_a, self.step_b):
            spin.setRange(0, 0)
        self._hide_heatmap()
        self.status.setText("Pick two steps and press Compare.")

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        diff = self.diffs[rows[0].row()]
        if diff.difference is None:
            self._hide_heatmap()
            self.status.setText(f"{diff.name}: {NO_VALUES}")
            return
        image = np.atleast_2d(diff.difference)
        if image.ndim > 2:  # conv kernels etc.: rows of the leading axes, as the tensor dock
            image = image.reshape(-1, image.shape[-1])
        bound = float(np.max(np.abs(image))) or 1.0
        self._build_heatmap()
        self.image_item.setImage(image, autoLevels=False)
        self.colorbar.setLevels((-bound, bound))
        self.heatmap.setVisible(True)
        self.status.setText(f"{diff.name}: value at step B − value at step A "
                            f"(max |Δ| {diff.max_abs_change:.4g}).")
