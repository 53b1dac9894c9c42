"""BreakpointsDock: the session's breakpoints, switched on and off, added and deleted."""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.session import Session
from engine.debug.breakpoints import Breakpoint

# (kind, label in the form, placeholder of the text field)
KIND_CHOICES = (
    ("op_type", "Op type", "e.g. MatMul"),
    ("op_name", "Op name pattern", "e.g. dense_1/* (fnmatch, scope/name)"),
    ("line", "File:line", "e.g. train.py:42, or just 42 for the script"),
    ("nan", "First NaN/Inf", "stops where NaN or Inf first appears"),
    ("condition", "Condition", "e.g. abs(x).max() > 1e3  (x: the op's output)"),
)
KIND_LABELS = {kind: label for kind, label, _ in KIND_CHOICES}
ENABLED, KIND, WHAT, HITS = range(4)


def describe(bp: Breakpoint) -> str:
    """What a breakpoint waits for, in the words of the Add form."""
    if bp.kind in ("op_type", "op_name"):
        return bp.pattern
    if bp.kind == "line":
        return f"{bp.file}:{bp.line}"
    if bp.kind == "condition":
        return bp.condition
    return "NaN or Inf appears"


def parse_breakpoint(kind: str, text: str, script: str | None) -> Breakpoint:
    """The breakpoint the Add form describes; ValueError says what is wrong with it."""
    text = text.strip()
    if kind == "nan":
        return Breakpoint.on_nan()
    if not text:
        raise ValueError(f"type the {KIND_LABELS[kind].lower()} first")
    if kind == "op_type":
        return Breakpoint.on_op_type(text)
    if kind == "op_name":
        return Breakpoint.on_op_name(text)
    if kind == "condition":
        return Breakpoint.when(text)
    file, _, line = text.rpartition(":")
    if not file:
        if script is None:
            raise ValueError("no script is open: write file:line")
        file = script
    try:
        number = int(line)
    except ValueError:
        raise ValueError(f"{line!r} is not a line number") from None
    return Breakpoint.at_line(file, number)


class BreakpointsDock(QDockWidget):
    """A list of breakpoints with enable boxes, Delete, and a form to add one."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Breakpoints", parent)
        self.setObjectName("breakpointsDock")
        self.session = session
        self._shown: list[Breakpoint] = []
        self._updating = False

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["On", "Kind", "Where / what", "Hits"])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(WHAT, QHeaderView.ResizeMode.Stretch)
        for column in (ENABLED, KIND, HITS):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)

        self.kind_combo = QComboBox()
        for kind, label, _ in KIND_CHOICES:
            self.kind_combo.addItem(label, kind)
        self.text_edit = QLineEdit()
        self.add_button = QPushButton("Add")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setEnabled(False)
        self.error_label = QLabel()
        self.error_label.setStyleSheet("color: #b01818")
        self.error_label.setWordWrap(True)
        self.error_label.hide()

        form = QHBoxLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addWidget(self.kind_combo)
        form.addWidget(self.text_edit, 1)
        form.addWidget(self.add_button)
        form.addWidget(self.delete_button)
        layout = QVBoxLayout()
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.error_label)
        body = QWidget()
        body.setLayout(layout)
        self.setWidget(body)

        self.kind_combo.currentIndexChanged.connect(self._on_kind)
        self.add_button.clicked.connect(self.add_from_form)
        self.text_edit.returnPressed.connect(self.add_from_form)
        self.delete_button.clicked.connect(self.delete_selected)
        self.table.itemChanged.connect(self._on_item_changed)
        self.table.itemSelectionChanged.connect(
            lambda: self.delete_button.setEnabled(bool(self.table.selectedItems())))
        delete = QShortcut(QKeySequence.StandardKey.Delete, self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.delete_selected)
        session.breakpointsChanged.connect(self._show)
        session.runPaused.connect(lambda _paused: self._show(self.session.breakpoints))
        self._on_kind()
        self._show(session.breakpoints)

    # -- actions --------------------------------------------------------------------------------
    def add_from_form(self) -> bool:
        """Add the breakpoint the form describes; a mistake is shown under the form."""
        kind = self.kind_combo.currentData()
        script = str(self.session.script_path) if self.session.script_path else None
        try:
            bp = parse_breakpoint(kind, self.text_edit.text(), script)
        except ValueError as exc:  # ConditionError is a ValueError too
            self.error_label.setText(str(exc))
            self.error_label.show()
            return False
        self.error_label.hide()
        self.text_edit.clear()
        self.session.set_breakpoints([*self.session.breakpoints, bp])
        return True

    def delete_selected(self) -> None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if rows:
            self.session.set_breakpoints(
                [bp for i, bp in enumerate(self._shown) if i not in rows])

    def set_enabled(self, row: int, enabled: bool) -> None:
        """Switch breakpoint ``row`` on or off (a copy, so the debuggee gets the change)."""
        listed = list(self._shown)
        listed[row] = dataclasses.replace(listed[row], enabled=enabled)
        self.session.set_breakpoints(listed)

    # -- internals ------------------------------------------------------------------------------
    def _on_kind(self, _index: int = 0) -> None:
        kind = self.kind_combo.currentData()
        placeholder = next(p for k, _, p in KIND_CHOICES if k == kind)
        self.text_edit.setPlaceholderText(placeholder)
        self.text_edit.setEnabled(kind != "nan")
        self.error_label.hide()

    def _show(self, breakpoints: list) -> None:
        # Cells are updated in place: this runs inside itemChanged when a box is clicked,
        # and replacing the item being reported would delete it under Qt's feet.
        self._updating = True
        self._shown = list(breakpoints)
        self.table.setRowCount(len(self._shown))
        for row, bp in enumerate(self._shown):
            check = self._cell(row, ENABLED)
            check.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled
                           | Qt.ItemFlag.ItemIsSelectable)
            check.setCheckState(Qt.CheckState.Checked if bp.enabled else Qt.CheckState.Unchecked)
            self._cell(row, KIND).setText(KIND_LABELS.get(bp.kind, bp.kind))
            what = self._cell(row, WHAT)
            what.setText(describe(bp))
            what.setToolTip(describe(bp))
            self._cell(row, HITS).setText(str(bp.hits))
        self._updating = False
        self.delete_button.setEnabled(bool(self.table.selectedItems()))

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        if item is None:
            item = QTableWidgetItem()
            self.table.setItem(row, column, item)
        return item

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._updating or item.column() != ENABLED:
            return
        enabled = item.checkState() == Qt.CheckState.Checked
        if enabled != self._shown[item.row()].enabled:
            self.set_enabled(item.row(), enabled)
