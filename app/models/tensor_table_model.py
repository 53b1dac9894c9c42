"""The Tensor dock's value table: a page of a 2-D array, formatted only when painted."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush

from app.models.health_colors import BAD_BACKGROUND, BAD_COLOR

_Index = QModelIndex | QPersistentModelIndex


class TensorTableModel(QAbstractTableModel):
    """One page of a 2-D array; cells are formatted only when the view paints them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._page = np.empty((0, 0))
        self._row_offset = 0
        self._col_offset = 0
        self._inexact = False

    def set_page(self, page: np.ndarray, row_offset: int = 0, col_offset: int = 0) -> None:
        self.beginResetModel()
        self._page = page
        self._row_offset = row_offset
        self._col_offset = col_offset
        self._inexact = page.dtype.kind in "fc"
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else self._page.shape[0]

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._page.shape[1]

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        value = self._page[index.row(), index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return str(value)  # numpy's shortest round-trip text for the dtype
        if role == Qt.ItemDataRole.UserRole:
            return value.item()
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if self._inexact and role in (Qt.ItemDataRole.ForegroundRole,
                                      Qt.ItemDataRole.BackgroundRole):
            if not np.isfinite(value):
                color = BAD_COLOR if role == Qt.ItemDataRole.ForegroundRole else BAD_BACKGROUND
                return QBrush(color)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        offset = self._row_offset if orientation == Qt.Orientation.Vertical else self._col_offset
        return str(section + offset)  # indices into the whole tensor, not into the page
