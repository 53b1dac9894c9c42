"""Variables dock: every variable with its latest statistics and how far the last step moved it.

Rows come from "variable_created" events (or the first update of a variable created before
recording began); statistics from "variable_update" summaries. Each batch inserts new rows
in one block and signals one ``dataChanged`` range, so the view repaints once per batch.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QHeaderView,
    QLineEdit,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.docks.redraw_throttle import RedrawThrottle
from app.docks.step_diff_panel import StepDiffPanel
from app.models.variables_model import VariablesModel

_Index = QModelIndex | QPersistentModelIndex
INFO_COLUMNS = ("Shape", "Dtype", "Trainable")  # what creation said: shown after the stats
NAME_WIDTH = 150  # px; the full name is in the tooltip
# ms between fits of the columns to new numbers: a header in ResizeToContents mode measured
# every cell at every batch of updates, most of a live run's cost in this dock
FIT_COLUMNS_MS = 1000


class VariablesDock(QDockWidget):
    """Sortable, filterable table of the run's variables, updated per batch."""

    variableSelected = Signal(int)  # the user picked a variable (its id): show it in full

    def __init__(self, session: QObject, parent: QWidget | None = None) -> None:
        super().__init__("Variables", parent)
        self.setObjectName("VariablesDock")
        self.model = VariablesModel(self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.proxy.setFilterKeyColumn(0)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter by name")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(-1, Qt.SortOrder.AscendingOrder)  # creation order until asked
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(20)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.resizeSection(0, NAME_WIDTH)
        # Fitting measures every cell (~15 ms for the MNIST model's variables): new values fit
        # at most once a second, and not while the dock is tabbed away (it is by default),
        # but when its tab is chosen.
        self._refit = RedrawThrottle(self._fit_columns, self, FIT_COLUMNS_MS, widget=self)
        self.proxy.rowsInserted.connect(self._fit_columns)  # a new variable: fit at once
        self.proxy.modelReset.connect(self._fit_columns)
        self.proxy.dataChanged.connect(lambda *_: self._refit.request())
        # The numbers a user watches right after the name; shape and dtype, which never
        # change, after them: in a narrow dock the stats stay in view, not scrolled off.
        columns = VariablesModel.COLUMNS
        for visual, name in enumerate(("Name", *(c for c in columns if c not in INFO_COLUMNS),
                                       *INFO_COLUMNS)):
            header.moveSection(header.visualIndex(columns.index(name)), visual)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # keep "…/kernel:0" seen
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.table, 1)
        # Latest statistics first; comparing two chosen steps is the second look.
        self.tabs = QTabWidget()
        self.step_diff = StepDiffPanel(session, parent=self.tabs)
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(body, "Latest")
        self.tabs.addTab(self.step_diff, "Step diff")
        self.setWidget(self.tabs)
        self.table.clicked.connect(self._row_clicked)
        self.table.activated.connect(self._row_clicked)  # Enter on a row, as a click
        session.eventsArrived.connect(self.model.add_events)

    def _fit_columns(self, *_: object) -> None:
        """Every column but the name as wide as its contents (what ResizeToContents did)."""
        for column in range(1, self.proxy.columnCount()):
            self.table.resizeColumnToContents(column)

    def _row_clicked(self, index: QModelIndex) -> None:
        if index.isValid():
            self.variableSelected.emit(self.model.rows[self.proxy.mapToSource(index).row()].id)

    def clear(self) -> None:
        """Forget the run's variables (a restart creates new ones)."""
        self.model.clear()
        self.step_diff.clear()
