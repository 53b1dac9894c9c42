"""Step diff panel: pick steps A and B, see per variable how its weights and gradient moved.

Norms come from ``debugger.step_diff`` over the session's events (every variable_update /
gradient event has them). The element-wise change (max |ΔW|, relative change, max |Δ∇|, the
heatmap) needs both steps' full values: the session's ``step_values()`` gives them — a live
run's debuggee snapshots, a FULL_TENSOR trace's stored values — and the panel says which
one this run has, and why a value is missing where it is.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
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

from app.docks.plot_parts import follow_window_palette, popups_owned_by
from debugger.step_diff import VariableDiff, recorded_steps, step_diff

COLUMNS = ("Name", "‖W‖ A", "‖W‖ B", "Δ‖W‖", "max |ΔW|", "‖ΔW‖/‖W_A‖", "‖∇‖ A", "‖∇‖ B",
           "max |Δ∇|")
NORM_CHANGE, MAX_DW, RELATIVE, MAX_DGRAD = 3, 4, 5, 8
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
NO_SOURCE = "Values: nothing is open, so only the events' norms can be compared."
WEIGHTS, GRADIENTS = "ΔW (weights B − A)", "Δ∇ (gradients B − A)"


def _cells(diff: VariableDiff) -> tuple:
    return (diff.name, diff.weight_norm_a, diff.weight_norm_b, diff.norm_change,
            diff.max_abs_change, diff.relative_change, diff.grad_norm_a, diff.grad_norm_b,
            diff.max_abs_grad_change)


def as_image(difference: np.ndarray) -> tuple[np.ndarray, str]:
    """A difference as a 2-D image and how it was laid out: 2-D as is, a scalar or 1-D as
    one row, more dimensions as rows of the last axis (the leading axes flattened)."""
    if difference.ndim == 2:
        return difference, ""
    if difference.ndim < 2:
        return difference.reshape(1, -1), f" (shape {list(difference.shape)} as one row)"
    rows = int(np.prod(difference.shape[:-1]))
    image = difference.reshape(rows, difference.shape[-1])
    return image, (f" (shape {list(difference.shape)} shown as {rows}×{difference.shape[-1]}"
                   ": leading axes flattened into rows)")


class StepDiffPanel(QWidget):
    """Two step pickers, a table of per-variable changes, a heatmap of the selected one.

    The heatmap is built the first time there is a difference to draw: a run without values
    never creates pyqtgraph's plot (nor its parentless context menus)."""

    def __init__(self, session: QObject, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.diffs: list[VariableDiff] = []
        self.step_a = QSpinBox()
        self.step_b = QSpinBox()
        for spin, label in ((self.step_a, "Step A "), (self.step_b, "Step B ")):
            spin.setPrefix(label)
            spin.setRange(0, 0)
        self.compare_button = QPushButton("Compare")
        self.compare_button.clicked.connect(self.compare)
        self.showing = QComboBox()  # what the heatmap shows
        self.showing.addItems([WEIGHTS, GRADIENTS])
        self.showing.currentIndexChanged.connect(self._show_selected)
        pickers = QHBoxLayout()
        pickers.addWidget(self.step_a)
        pickers.addWidget(self.step_b)
        pickers.addWidget(self.compare_button)
        pickers.addStretch(1)
        pickers.addWidget(self.showing)
        # Copies of every weight and gradient each step cost time (~0.3 ms per MNIST step):
        # a live run keeps them unless this is unchecked.
        self.keep_values = QCheckBox("Keep values in live runs")
        self.keep_values.setChecked(True)
        self.keep_values.setToolTip("Copy trainable variables and gradients each step (newest "
                                    "steps within a memory budget) for max |ΔW| and heatmaps")
        self.keep_values.toggled.connect(session.keep_step_values)
        pickers.addWidget(self.keep_values)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemSelectionChanged.connect(self._show_selected)

        self.source = QLabel(NO_SOURCE)  # which values this run has, in words
        self.source.setWordWrap(True)
        self.status = QLabel("Pick two steps and press Compare.")
        self.status.setWordWrap(True)
        self.hover = QLabel("")  # the difference under the mouse
        self.heatmap: pg.GraphicsLayoutWidget | None = None  # built when first needed
        self._image: np.ndarray | None = None
        lower = QWidget()
        self._lower_layout = lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.status)
        lower_layout.addWidget(self.hover)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(lower)
        splitter.setStretchFactor(1, 2)  # the heatmap gets the room, the table scrolls
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(pickers)
        layout.addWidget(self.source)
        layout.addWidget(splitter, 1)
        self._extend_step_range(session.events)  # a run under way when the panel is made
        session.eventsArrived.connect(self._extend_step_range)

    def _extend_step_range(self, batch: list) -> None:
        steps = recorded_steps(batch)
        if steps and steps[-1] > self.step_b.maximum():
            for spin in (self.step_a, self.step_b):
                spin.setMaximum(steps[-1])

    def compare(self) -> None:
        """Recompute the table for the picked steps (on demand: it reads all events and, for
        a live run, asks the debuggee for the values)."""
        a, b = self.step_a.value(), self.step_b.value()
        values = self.session.step_values()
        self.source.setText(NO_SOURCE if values is None else f"Values: {values.description}")
        self.diffs = step_diff(self.session.events, a, b, values)
        self.table.setRowCount(0)
        self.table.setRowCount(len(self.diffs))
        for row, diff in enumerate(self.diffs):
            for column, value in enumerate(_cells(diff)):
                self.table.setItem(row, column, self._item(diff, column, value))
        self._hide_heatmap()
        self.status.setText(f"Step {a} → step {b}: {len(self.diffs)} variables. "
                            + self._missing_summary())

    def _item(self, diff: VariableDiff, column: int, value: object) -> QTableWidgetItem:
        if value is None:
            item = QTableWidgetItem("—" if column else "?")
            if column in (MAX_DW, RELATIVE):
                item.setToolTip(diff.weight_missing or "‖W_A‖ is zero: no relative change")
            elif column == MAX_DGRAD:
                item.setToolTip(diff.grad_missing or "")
            else:
                item.setToolTip("not recorded at this step")
        elif isinstance(value, float):
            item = QTableWidgetItem(f"{value:+.4g}" if column == NORM_CHANGE else f"{value:.6g}")
            item.setTextAlignment(RIGHT)
        else:
            item = QTableWidgetItem(str(value))
        return item

    def _missing_summary(self) -> str:
        """Why the element-wise columns are empty, when they are for every variable."""
        if not self.diffs:
            return ""
        if all(d.difference is None for d in self.diffs):
            reasons = dict.fromkeys(d.weight_missing for d in self.diffs if d.weight_missing)
            return "No weight values to compare: " + "; ".join(reasons) + "."
        return "Select one for the heatmap of its change."

    def _hide_heatmap(self) -> None:
        self._image = None
        self.hover.setText("")
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
        self.heatmap.scene().sigMouseMoved.connect(self._mouse_moved)
        self._lower_layout.addWidget(self.heatmap, 1)

    def clear(self) -> None:
        """Forget the run (a restart): no rows, no steps to pick beyond 0."""
        self.diffs = []
        self.table.setRowCount(0)
        for spin in (self.step_a, self.step_b):
            spin.setRange(0, 0)
        self._hide_heatmap()
        self.source.setText(NO_SOURCE)
        self.status.setText("Pick two steps and press Compare.")

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows or rows[0].row() >= len(self.diffs):
            return
        diff = self.diffs[rows[0].row()]
        gradients = self.showing.currentText() == GRADIENTS
        difference = diff.grad_difference if gradients else diff.difference
        what = "gradient" if gradients else "value"
        if difference is None:
            self._hide_heatmap()
            missing = diff.grad_missing if gradients else diff.weight_missing
            self.status.setText(f"{diff.name}: no heatmap of its {what} change — {missing}.")
            return
        image, layout = as_image(difference)
        finite = np.abs(image[np.isfinite(image)])  # a weight gone NaN must not blank it
        bound = float(finite.max()) if finite.size else 0.0
        self._build_heatmap()
        self._image = image
        self.image_item.setImage(image, autoLevels=False)
        self.colorbar.setLevels((-(bound or 1.0), bound or 1.0))
        title = (f"{diff.name}: {what} at step {self.step_b.value()} − at step "
                 f"{self.step_a.value()}{layout}")
        self.heatmap_plot.setTitle(title)
        self.heatmap.setVisible(True)
        self.hover.setText("")
        bad = image.size - finite.size
        self.status.setText(f"{title}; max |Δ| {bound:.4g}"
                            + (f"; {bad} NaN/Inf (not coloured)." if bad else "."))

    def _mouse_moved(self, scene_pos: QPointF) -> None:
        """Show the difference under the mouse (row, column and value)."""
        if self._image is None:
            return
        point = self.image_item.mapFromScene(scene_pos)
        row, column = int(np.floor(point.y())), int(np.floor(point.x()))
        rows, columns = self._image.shape
        if 0 <= row < rows and 0 <= column < columns:
            self.hover.setText(f"[{row}, {column}]  Δ = {self._image[row, column]:.6g}")
        else:
            self.hover.setText("")
