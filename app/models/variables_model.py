"""The Variables dock's table: every variable with its latest statistics and how far the
last step moved them; a batch of events inserts its new rows in one block and signals one
``dataChanged`` range."""

from __future__ import annotations

from dataclasses import dataclass, field

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from app.models.health_colors import BAD_BACKGROUND, BAD_COLOR

_Index = QModelIndex | QPersistentModelIndex
STATS = ("min", "max", "mean", "std")


@dataclass
class VariableRow:
    """One variable: what creation said, the latest summary and the one a step before it."""

    id: int
    name: str
    shape: list
    dtype: str
    trainable: bool | None
    summary: dict = field(default_factory=dict)
    step: int | None = None  # step of the latest update
    previous: dict | None = None  # the latest summary of an earlier step

    def delta(self, key: str) -> float | None:
        if self.previous is None:
            return None
        now, before = self.summary.get(key), self.previous.get(key)
        return None if now is None or before is None else now - before


class VariablesModel(QAbstractTableModel):
    """Table of variables; ``UserRole`` gives raw numbers so sorting is numeric."""

    COLUMNS = ("Name", "Shape", "Dtype", "Trainable", "Min", "Max", "Mean", "Std",
               "Δ mean", "Δ std", "Step")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: list[VariableRow] = []
        self._row_of: dict[int, int] = {}

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.COLUMNS[section]
        return None

    def raw(self, row: int, column: int) -> object:
        """The cell's value before formatting (None when unknown)."""
        var = self.rows[row]
        if column == 0:
            return var.name
        if column == 1:
            return tuple(var.shape)
        if column == 2:
            return var.dtype
        if column == 3:
            return var.trainable
        if column < 8:
            return var.summary.get(STATS[column - 4])
        if column < 10:
            return var.delta(("mean", "std")[column - 8])
        return var.step

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row, column = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            value = self.raw(row, column)
            if value is None:
                return "—" if column >= 4 else "?"
            if column == 1:
                return str(value)
            if column == 3:
                return "yes" if value else "no"
            if isinstance(value, float):
                return f"{value:+.4g}" if column in (8, 9) else f"{value:.6g}"
            return str(value)
        if role == Qt.ItemDataRole.ToolTipRole and column == 0:
            return self.rows[row].name  # the column may elide it
        if role == Qt.ItemDataRole.UserRole:
            value = self.raw(row, column)
            return str(value) if isinstance(value, tuple) else value
        if role == Qt.ItemDataRole.TextAlignmentRole and column >= 4:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        bad = self.rows[row].summary.get("bad")
        if bad and 4 <= column < 8:  # statistics over finite values hide NaN/Inf: flag them
            if role == Qt.ItemDataRole.ForegroundRole:
                return QBrush(BAD_COLOR)
            if role == Qt.ItemDataRole.BackgroundRole:
                return QBrush(BAD_BACKGROUND)
            if role == Qt.ItemDataRole.ToolTipRole:
                summary = self.rows[row].summary
                return (f"contains NaN/Inf: {summary.get('nan', '?')} NaN, "
                        f"{summary.get('neg_inf', '?')} -Inf, {summary.get('pos_inf', '?')} +Inf")
        return None

    def row_of(self, variable_id: int) -> int | None:
        return self._row_of.get(variable_id)

    def add_events(self, batch: list) -> None:
        """Apply a batch: new rows in one insert, changed rows in one dataChanged."""
        new_rows: list[VariableRow] = []
        changed: set[int] = set()
        for event in batch:
            kind = event.get("kind")
            if kind == "variable_created":
                self._find_or_add(event["id"], event, new_rows)
            elif kind == "variable_update":
                row = self._find_or_add(event["id"], event, new_rows)
                var = self._row(row, new_rows)
                summary = event.get("summary") or {}
                if var.step is not None and event["step"] != var.step:
                    var.previous = var.summary
                var.summary = summary
                var.step = event["step"]
                changed.add(row)
        if new_rows:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new_rows) - 1)
            self.rows.extend(new_rows)
            self.endInsertRows()
            changed = {r for r in changed if r < first}
        if changed:
            self.dataChanged.emit(self.index(min(changed), 0),
                                  self.index(max(changed), len(self.COLUMNS) - 1))

    def clear(self) -> None:
        self.beginResetModel()
        self.rows.clear()
        self._row_of.clear()
        self.endResetModel()

    def _row(self, row: int, new_rows: list[VariableRow]) -> VariableRow:
        n = len(self.rows)
        return self.rows[row] if row < n else new_rows[row - n]

    def _find_or_add(self, variable_id: int, event: dict, new_rows: list[VariableRow]) -> int:
        row = self._row_of.get(variable_id)
        if row is not None:
            return row
        shape = event.get("shape")
        if shape is None:  # an update of a variable created before recording began
            shape = (event.get("summary") or {}).get("shape", [])
        dtype = event.get("dtype") or (event.get("summary") or {}).get("dtype", "?")
        new_rows.append(VariableRow(variable_id, event["name"], list(shape), dtype,
                                    event.get("trainable")))
        row = self._row_of[variable_id] = len(self.rows) + len(new_rows) - 1
        return row
