"""Tensor dock: the selected op's inputs and outputs, and one tensor's values up close.

Values are fetched on demand from the session (the child keeps recent ones, a FULL_TENSOR
trace keeps all); without a value the dock still shows what the op event's summary says.
The value table is a virtual model over one page of a 2-D slice, so a tensor of any size
costs only the cells on screen.
"""

from __future__ import annotations

import sys

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.docks.plot_parts import (
    follow_window_palette,
    legend_below,
    popups_owned_by,
    series_color,
)
from app.models.health_colors import BAD_COLOR
from app.models.tensor_table_model import TensorTableModel
from debugger.graph_export import input_name
from debugger.headless_stop import input_index
from debugger.health import summary_is_bad
from debugger.tensor_stats import summarize

PAGE_SIZE = 1_000  # rows (and columns) per page of the value table
HISTOGRAM_BINS = 50
NOT_KEPT = "value not kept — record with FULL_TENSOR or pause while the op is recent"

_Index = QModelIndex | QPersistentModelIndex
_WHY_NO_PRODUCER = Qt.ItemDataRole.UserRole + 1  # list item role: why an input has no value
_INPUT_POSITION = Qt.ItemDataRole.UserRole + 2  # list item role: which input of the op it is
KEPT_AT_STOP = "the value this op received, kept where a headless breakpoint stopped the run"


def numpy_text(value: np.ndarray) -> str:
    """``repr`` of the whole array with every digit needed to read it back exactly."""
    with np.printoptions(threshold=sys.maxsize, floatmode="unique"):
        return repr(np.asarray(value))


def as_table(value: np.ndarray) -> np.ndarray:
    """The 2-D form the table and heatmap show: a scalar is 1×1, a vector one column."""
    if value.ndim == 0:
        return value.reshape(1, 1)
    if value.ndim == 1:
        return value.reshape(-1, 1)
    return value


def _fmt(x: object) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def _bad(text: str) -> str:
    return f'<span style="color:{BAD_COLOR.name()}; font-weight:bold">{text}</span>'


def summary_html(summary: dict) -> str:
    """One line of rich text for a tensor summary, whatever the mode recorded; NaN/Inf in red."""
    rows = [("shape", str(tuple(summary.get("shape", ())))),
            ("dtype", str(summary.get("dtype", "?")))]
    for key in ("size", "min", "max", "mean", "std", "zeros"):
        if summary.get(key) is not None:
            rows.append((key, _fmt(summary[key])))
    for key, label in (("nan", "NaN"), ("neg_inf", "-Inf"), ("pos_inf", "+Inf")):
        if key in summary:
            count = summary[key]
            rows.append((label, _bad(str(count)) if count else str(count)))
    if "bad" in summary and "nan" not in summary:  # CURT_HEALTH: only "any NaN/Inf"
        rows.append(("NaN/Inf", _bad("yes") if summary["bad"] else "none"))
    return " &nbsp; ".join(f"<b>{k}</b> {v}" for k, v in rows)


class TensorDock(QDockWidget):
    """Inputs/outputs of one op, and the chosen tensor as table, heatmap, histogram, stats."""

    opSelected = Signal(int)  # the user followed an input to the op that produced it

    def __init__(self, session: QObject, parent: QWidget | None = None) -> None:
        super().__init__("Tensor", parent)
        self.setObjectName("TensorDock")
        self._session = session
        self._variables: dict[int, dict] = {}  # variable id -> variable_created event
        self._updates: dict[int, list[dict]] = {}  # variable id -> its variable_update events
        self._variable_id: int | None = None  # the variable on show (instead of an op)
        self._op_seq: int | None = None
        self._stopped_at: int | None = None  # op seq a headless breakpoint kept inputs of
        self._tensor: tuple[int, int] | None = None
        self._value: np.ndarray | None = None
        self._table_value: np.ndarray | None = None  # the 2-D slice being shown
        self.histogram_counts = np.zeros(0, dtype=np.int64)
        self.histogram_edges = np.zeros(0)
        with popups_owned_by(self):
            self._build()
        session.eventsArrived.connect(self.add_events)
        session.opsAdded.connect(self._ops_added)
        session.runPaused.connect(self._retry_value)

    # -- widgets ---------------------------------------------------------------------------------
    def _build(self) -> None:
        self.op_label = QLabel("No op selected")
        self.op_label.setWordWrap(True)
        self.tensor_list = QListWidget()
        self.tensor_list.setToolTip("Outputs and inputs of the op; double-click an input to "
                                    "select the op that produced it")
        self.tensor_list.currentItemChanged.connect(self._tensor_chosen)
        self.tensor_list.itemDoubleClicked.connect(self._follow_input)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.op_label)
        left_layout.addWidget(self.tensor_list, 1)

        self.stats_label = QLabel()
        self.stats_label.setTextFormat(Qt.TextFormat.RichText)
        self.stats_label.setWordWrap(True)
        self.stats_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)

        # Leading-axis spin boxes (N-D slices) and page spin boxes (big 2-D slices).
        self.slice_bar = QWidget()
        self._slice_layout = QHBoxLayout(self.slice_bar)
        self._slice_layout.setContentsMargins(0, 0, 0, 0)
        self.slice_spins: list[QSpinBox] = []
        self.row_page_spin = QSpinBox()
        self.col_page_spin = QSpinBox()
        self.page_label = QLabel()
        page_bar = QHBoxLayout()
        page_bar.addWidget(QLabel("Row page"))
        page_bar.addWidget(self.row_page_spin)
        page_bar.addWidget(QLabel("Column page"))
        page_bar.addWidget(self.col_page_spin)
        page_bar.addWidget(self.page_label, 1)
        self.page_bar = QWidget()
        self.page_bar.setLayout(page_bar)
        page_bar.setContentsMargins(0, 0, 0, 0)
        self.row_page_spin.valueChanged.connect(self._show_page)
        self.col_page_spin.valueChanged.connect(self._show_page)

        self.table_model = TensorTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.table_model)
        self.table.horizontalHeader().setDefaultSectionSize(90)
        self.table.verticalHeader().setDefaultSectionSize(20)

        follow_window_palette()
        self.heatmap = pg.GraphicsLayoutWidget()
        self.heatmap_plot: pg.PlotItem = self.heatmap.addPlot()
        self.heatmap_plot.invertY(True)  # row 0 at the top, as in the table
        self.heatmap_plot.setLabel("left", "row")
        self.heatmap_plot.setLabel("bottom", "column")
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.heatmap_plot.addItem(self.image_item)
        self.colorbar = pg.ColorBarItem(colorMap="viridis", interactive=False, width=15)
        self.colorbar.setImageItem(self.image_item, insert_in=self.heatmap_plot)

        self.histogram_plot = pg.PlotWidget()
        self.histogram_plot.setLabel("bottom", "value")
        self.histogram_plot.setLabel("left", "count")
        self.histogram_bars = pg.BarGraphItem(x0=[], x1=[], height=[], brush=(90, 140, 220))
        self.histogram_plot.addItem(self.histogram_bars)

        self.views = QTabWidget()
        table_page = QWidget()
        table_layout = QVBoxLayout(table_page)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.page_bar)
        table_layout.addWidget(self.table, 1)
        self.views.addTab(table_page, "Values")
        self.views.addTab(self.heatmap, "Heatmap")
        self.views.addTab(self.histogram_plot, "Histogram")
        self.history_plot = pg.PlotWidget()  # a variable's statistics after each update
        self.history_plot.setLabel("bottom", "step")
        self.history_plot.showGrid(x=True, y=True, alpha=0.2)
        legend_below(self.history_plot.getPlotItem(), columns=4)
        self.history_curves = {
            key: self.history_plot.plot(pen=pg.mkPen(series_color(i), width=2,
                                                     style=style), name=key)
            for i, (key, style) in enumerate((("mean", Qt.PenStyle.SolidLine),
                                              ("std", Qt.PenStyle.SolidLine),
                                              ("min", Qt.PenStyle.DashLine),
                                              ("max", Qt.PenStyle.DashLine)))}
        self.views.addTab(self.history_plot, "History")

        self.copy_button = QPushButton("Copy as numpy text")
        self.copy_button.clicked.connect(self.copy_as_text)
        self.save_button = QPushButton("Save as .npy…")
        self.save_button.clicked.connect(self._ask_save_npy)
        buttons = QHBoxLayout()
        buttons.addWidget(self.copy_button)
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.stats_label)
        right_layout.addWidget(self.status_label)
        right_layout.addWidget(self.slice_bar)
        right_layout.addWidget(self.views, 1)
        right_layout.addLayout(buttons)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 600])
        self.setWidget(splitter)
        self._show_value(None)

    # -- incoming events -----------------------------------------------------------------------
    def add_events(self, batch: list) -> None:
        """Keep the variables' events (ops are the session model's: looked up when shown)."""
        for event in batch:
            kind = event.get("kind")
            if kind == "variable_created":
                self._variables[event["id"]] = event
            elif kind == "variable_update":
                self._updates.setdefault(event["id"], []).append(event)
            elif kind == "finished" and event.get("status") == "stopped":
                at_seq = event.get("at_seq")
                self._stopped_at = at_seq if isinstance(at_seq, int) else None

    def _ops_added(self, _start: int, _stop: int) -> None:
        if (self._op_seq is not None and self.tensor_list.count() == 0
                and self._op(self._op_seq) is not None):
            self.show_op(self._op_seq)  # asked for before it arrived

    def _op(self, seq: int) -> dict | None:
        return self._session.model.ops.op_by_seq(seq)

    def clear(self) -> None:
        """Forget the run (a restart reuses sequence numbers)."""
        self._variables.clear()
        self._updates.clear()
        self._stopped_at = None
        self._variable_id = None
        self._show_history([])
        self._op_seq = None
        self.tensor_list.clear()
        self.op_label.setText("No op selected")
        self._tensor = None
        self._show_value(None)

    # -- public ----------------------------------------------------------------------------------
    def producer_of(self, tensor_id: int, before_seq: int) -> tuple[int, int] | None:
        """(seq, output index) of the op that made ``tensor_id`` last before ``before_seq``
        (ids are Python ids, recycled after a tensor dies: the latest maker counts)."""
        return self._session.model.ops.producer(tensor_id, before_seq)

    def show_variable(self, var_id: int) -> None:
        """A variable: its latest statistics and their history over the updates (History
        tab). Its values themselves are not recorded, only a summary after each update."""
        self._variable_id, self._op_seq, self._tensor = var_id, None, None
        created = self._variables.get(var_id, {})
        updates = self._updates.get(var_id, [])
        name = created.get("name") or (updates[-1].get("name") if updates else f"#{var_id}")
        with QSignalBlocker(self.tensor_list):
            self.tensor_list.clear()
        self._show_value(None)
        latest = updates[-1] if updates else None
        type_text = (f"{created.get('dtype', '')}{list(created.get('shape', []))}"
                     if created else "")
        trainable = {True: ", trainable", False: ", not trainable"}.get(
            created.get("trainable"), "")
        when = (f"; {len(updates)} updates, the last at step {latest.get('step')}"
                if latest else "; not updated yet")
        self.op_label.setText(f"<b>{name}</b> variable {type_text}{trainable}{when}")
        summary = (latest or {}).get("summary") or (
            {"shape": created.get("shape", []), "dtype": created.get("dtype", "")}
            if created else None)
        self._show_stats(summary, source="latest update" if latest else "variable")
        self._set_status("A variable's values are not recorded, only statistics per update.")
        self._show_history(updates)
        self.views.setCurrentWidget(self.history_plot)

    def history_series(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """(steps, values) of one statistic (mean, std, min, max) in the History tab."""
        x, y = self.history_curves[key].getOriginalDataset()
        return (np.zeros(0) if x is None else x), (np.zeros(0) if y is None else y)

    def _show_history(self, updates: list[dict]) -> None:
        for key, curve in self.history_curves.items():
            points = [(u.get("step") or 0, (u.get("summary") or {}).get(key)) for u in updates]
            points = [(step, value) for step, value in points if value is not None]
            curve.setData([p[0] for p in points], [p[1] for p in points])

    def show_op(self, seq: int) -> None:
        """List op ``seq``'s outputs and inputs, and show its first output."""
        self._op_seq = seq
        self._variable_id = None
        event = self._op(seq)
        self.tensor_list.blockSignals(True)
        self.tensor_list.clear()
        self.tensor_list.blockSignals(False)
        if event is None:
            self.op_label.setText(f"Op #{seq} has not arrived yet")
            self._tensor = None
            self._show_value(None)
            return
        self.op_label.setText(f"<b>{event['name']}</b> ({event['op']}) #{seq}, "
                              f"step {event['step']}")
        summaries = event.get("summary") or ()
        for i, (shape, dtype) in enumerate(zip(event["shapes"], event["dtypes"])):
            item = QListWidgetItem(f"output {i}: {dtype}{list(shape)}")
            item.setData(Qt.ItemDataRole.UserRole, (seq, i))
            if i < len(summaries) and summary_is_bad(summaries[i]):
                item.setForeground(QBrush(BAD_COLOR))  # which of several outputs went bad
                item.setToolTip(f"output {i} holds NaN or Inf")
            self.tensor_list.addItem(item)
        for j, tensor_id in enumerate(event["inputs"]):
            self.tensor_list.addItem(self._input_item(j, tensor_id, seq))
        if self.tensor_list.count():
            self.tensor_list.setCurrentRow(0)
        else:
            self._tensor = None
            self._show_value(None)

    def show_tensor(self, seq: int, idx: int) -> None:
        """Show output ``idx`` of op ``seq``: its value if the session has it, else its summary."""
        self._tensor = (seq, idx)
        value = self._session.fetch_value(seq, idx)
        self._show_value(None if value is None else np.asarray(value))

    @property
    def current_value(self) -> np.ndarray | None:
        """The full value of the tensor on show (None when it was not kept)."""
        return self._value

    def copy_as_text(self) -> None:
        """Put the whole value on the clipboard as ``array([...], dtype=...)``."""
        if self._value is not None:
            QGuiApplication.clipboard().setText(numpy_text(self._value))

    def save_npy(self, path: str) -> None:
        """Write the whole value to ``path`` in numpy's own format (no pickle)."""
        if self._value is not None:
            np.save(path, self._value, allow_pickle=False)

    # -- internals -----------------------------------------------------------------------------
    def _input_item(self, position: int, tensor_id: int, consumer_seq: int) -> QListWidgetItem:
        producer = self.producer_of(tensor_id, consumer_seq)
        if producer is not None:
            pseq, pidx = producer
            made_by = self._op(pseq)
            shape, dtype = made_by["shapes"][pidx], made_by["dtypes"][pidx]
            text = (f"input {position}: {dtype}{list(shape)} ← {made_by['name']} #{pseq}"
                    + (f"[{pidx}]" if len(made_by["outputs"]) > 1 else ""))
        elif tensor_id in self._variables:
            var = self._variables[tensor_id]
            text = f"input {position}: variable {var['name']} {var['dtype']}{var['shape']}"
            why = (f"{var['name']} is a variable, read in place: no op recorded this value "
                   "(the Variables dock shows its statistics after each update)")
        else:
            # Named for the argument it is (its id, a Python address, means nothing to anyone).
            argument = input_name(self._op(consumer_seq)["op"], position)
            text = f"input {position}: {argument} (not made by a recorded op)"
            why = ("No recorded op produced this input (a constant, or a tensor made before "
                   "recording started): no value or summary to show")
        item = QListWidgetItem(text)
        item.setData(Qt.ItemDataRole.UserRole, producer)
        item.setData(_INPUT_POSITION, position)
        if producer is None:
            item.setData(_WHY_NO_PRODUCER, why)
        return item

    def _tensor_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        if item is None:
            return
        ref = item.data(Qt.ItemDataRole.UserRole)
        position = item.data(_INPUT_POSITION)
        if position is not None and self._op_seq is not None and \
                self._op_seq == self._stopped_at:
            kept = self._session.fetch_value(self._op_seq, input_index(int(position)))
            if kept is not None:  # exactly what the op got (a producer may have none kept)
                self._tensor = None
                self._show_value(np.asarray(kept))
                self._set_status(KEPT_AT_STOP)
                return
        if ref is None:
            self._tensor = None
            self._show_value(None)
            self._set_status(item.data(_WHY_NO_PRODUCER))
            return
        self.show_tensor(int(ref[0]), int(ref[1]))

    def _follow_input(self, item: QListWidgetItem) -> None:
        ref = item.data(Qt.ItemDataRole.UserRole)
        if ref is not None and int(ref[0]) != self._op_seq:
            seq = int(ref[0])
            self.opSelected.emit(seq)  # the window syncs every dock, this one included
            if self._op_seq != seq:  # nobody listening: show it here
                self.show_op(seq)

    def _retry_value(self, _info: dict) -> None:
        """A paused child can hand out values it keeps, so try again for a missing one."""
        if self._tensor is not None and self._value is None:
            self.show_tensor(*self._tensor)

    def _summary(self) -> dict | None:
        if self._tensor is None:
            return None
        event = self._op(self._tensor[0])
        if event is None:
            return None
        idx = self._tensor[1]
        summaries = event.get("summary")
        if summaries and idx < len(summaries) and summaries[idx] is not None:
            return summaries[idx]
        # NO_TENSOR mode: the event still knows shape and dtype.
        return {"shape": event["shapes"][idx], "dtype": event["dtypes"][idx]}

    def _show_value(self, value: np.ndarray | None) -> None:
        self._value = value
        has_value = value is not None
        self.copy_button.setEnabled(has_value)
        self.save_button.setEnabled(has_value)
        if value is None:
            why = getattr(self._session, "last_fetch_error", "")  # the real Session says why
            status = NOT_KEPT + (f"\n({why})" if why else "")
            self._set_status(status if self._tensor is not None else "")
            self._show_stats(self._summary(), source="summary")
            self._set_slice_axes(())
            self._table_value = None
            self.table_model.set_page(np.empty((0, 0)))
            self.page_bar.setVisible(False)
            self.image_item.clear()
            self._show_histogram(None)
            return
        self._set_status("")
        self._show_stats(summarize(value, "FULL_HEALTH"), source="value")
        self._show_histogram(value)
        self._set_slice_axes(value.shape[:-2] if value.ndim > 2 else ())
        self._show_slice()

    def _set_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def _set_slice_axes(self, leading: tuple[int, ...]) -> None:
        """One spin box per leading axis of an N-D tensor, kept when the axes match."""
        if [s.maximum() + 1 for s in self.slice_spins] == list(leading):
            self.slice_bar.setVisible(bool(leading))
            return
        while self._slice_layout.count():
            widget = self._slice_layout.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.slice_spins = []
        for axis, size in enumerate(leading):
            self._slice_layout.addWidget(QLabel(f"axis {axis}"))
            spin = QSpinBox()
            spin.setRange(0, size - 1)
            spin.valueChanged.connect(self._show_slice)
            self._slice_layout.addWidget(spin)
            self.slice_spins.append(spin)
        self._slice_layout.addWidget(QLabel(": , :"))
        self._slice_layout.addStretch(1)
        self.slice_bar.setVisible(bool(leading))

    def _show_slice(self) -> None:
        if self._value is None:
            return
        index = tuple(spin.value() for spin in self.slice_spins)
        table = as_table(self._value[index] if index else self._value)
        self._table_value = table
        rows, cols = table.shape
        self.page_bar.setVisible(rows > PAGE_SIZE or cols > PAGE_SIZE)
        for spin, n in ((self.row_page_spin, rows), (self.col_page_spin, cols)):
            spin.blockSignals(True)
            spin.setRange(0, max(0, (n - 1) // PAGE_SIZE))
            spin.blockSignals(False)
        self._show_page()
        self._show_heatmap(table)

    def _show_page(self) -> None:
        table = self._table_value
        if table is None:
            return
        r0 = self.row_page_spin.value() * PAGE_SIZE
        c0 = self.col_page_spin.value() * PAGE_SIZE
        rows, cols = table.shape
        self.table_model.set_page(table[r0:r0 + PAGE_SIZE, c0:c0 + PAGE_SIZE], r0, c0)
        r1, c1 = min(r0 + PAGE_SIZE, rows), min(c0 + PAGE_SIZE, cols)
        self.page_label.setText(f"rows {r0}–{r1 - 1} of {rows}, columns {c0}–{c1 - 1} of {cols}")

    def _show_heatmap(self, table: np.ndarray) -> None:
        if table.dtype.kind not in "biuf" or table.size == 0:
            self.image_item.clear()
            return
        image = table.astype(np.float64)
        finite = image[np.isfinite(image)]
        low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
        if high <= low:
            low, high = low - 0.5, high + 0.5
        image[~np.isfinite(image)] = np.nan  # drawn transparent instead of a misleading color
        self.image_item.setImage(image, autoLevels=False)
        self.colorbar.setLevels((low, high))
        self.heatmap_plot.autoRange()

    def _show_histogram(self, value: np.ndarray | None) -> None:
        if value is None or value.dtype.kind not in "biuf" or value.size == 0:
            self.histogram_counts = np.zeros(0, dtype=np.int64)
            self.histogram_edges = np.zeros(0)
            self.histogram_bars.setOpts(x0=[], x1=[], height=[])
            self.histogram_plot.setTitle(None)
            return
        flat = value.reshape(-1).astype(np.float64)
        finite = flat[np.isfinite(flat)]
        self.histogram_counts, self.histogram_edges = np.histogram(finite, bins=HISTOGRAM_BINS)
        self.histogram_bars.setOpts(x0=self.histogram_edges[:-1], x1=self.histogram_edges[1:],
                                    height=self.histogram_counts)
        left_out = flat.size - finite.size
        self.histogram_plot.setTitle(f"{finite.size} finite values"
                                     + (f", {left_out} NaN/Inf left out" if left_out else ""))
        self.histogram_plot.autoRange()

    def _show_stats(self, summary: dict | None, source: str) -> None:
        if summary is None:
            self.stats_label.setText("")
            return
        self.stats_label.setText(f"{summary_html(summary)} &nbsp; <i>(from the {source})</i>")

    def _ask_save_npy(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save tensor", "tensor.npy",
                                              "numpy array (*.npy)")
        if path:
            self.save_npy(path)
