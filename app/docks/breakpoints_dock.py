"""BreakpointsDock: the session's breakpoints, switched on and off, added and deleted, and
remembered per script between launches."""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Callable

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
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
from debugger.breakpoints import Breakpoint

# (kind, label in the form, placeholder of the text field)
KIND_CHOICES = (
    ("op_type", "Op type", "e.g. MatMul"),
    ("op_name", "Op name pattern", "e.g. dense_1/* (fnmatch, scope/name)"),
    ("line", "File:line", "e.g. train.py:42, or just 42 for the script"),
    ("nan", "First NaN/Inf", "stops once per run, where NaN or Inf first appears"),
    ("nan_origin", "Each new NaN/Inf origin",
     "stops at each op that makes NaN or Inf from finite inputs"),
    ("condition", "Condition", "e.g. abs(x).max() > 1e3  (x: the op's output)"),
)
KIND_LABELS = {kind: label for kind, label, _ in KIND_CHOICES}
NO_TEXT_KINDS = ("nan", "nan_origin")  # nothing to type for these
ENABLED, KIND, WHAT, HITS = range(4)
FAILED_COLOR = QColor(176, 24, 24)  # a breakpoint whose condition raised
# QSettings key of {script's absolute path: [breakpoint dicts]}, and how many scripts it keeps
REMEMBERED_KEY = "breakpoints/byScript"
MAX_REMEMBERED_SCRIPTS = 50
SettingsFactory = Callable[[], QSettings]


def describe(bp: Breakpoint) -> str:
    """What a breakpoint waits for, in the words of the Add form."""
    if bp.kind in ("op_type", "op_name"):
        return bp.pattern
    if bp.kind == "line":
        return f"{bp.file}:{bp.line}"
    if bp.kind == "condition":
        return bp.condition
    if bp.kind == "nan_origin":
        return "NaN or Inf made from finite inputs"
    return "NaN or Inf appears"


def parse_breakpoint(kind: str, text: str, script: str | None) -> Breakpoint:
    """The breakpoint the Add form describes; ValueError says what is wrong with it."""
    text = text.strip()
    if kind in NO_TEXT_KINDS:
        return Breakpoint(kind)
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


def _remembered_map(settings: QSettings) -> dict[str, list[dict]]:
    try:
        stored = json.loads(str(settings.value(REMEMBERED_KEY, "{}")))
    except ValueError:  # damaged by hand: start afresh rather than fail to open a script
        return {}
    return stored if isinstance(stored, dict) else {}


def remembered_breakpoints(settings: QSettings, script: str | os.PathLike) -> list[Breakpoint]:
    """The breakpoints last set on ``script`` (its absolute path is the key)."""
    found = []
    for data in _remembered_map(settings).get(os.path.abspath(script), []):
        try:
            found.append(Breakpoint.from_dict(data))
        except (TypeError, ValueError):  # a kind or condition this version refuses
            continue
    return found


def remember_breakpoints(settings: QSettings, script: str | os.PathLike,
                         breakpoints: list[Breakpoint]) -> None:
    """Store what a person set on ``script``: kinds, places, on/off; not hits, ids or errors
    of this run. The most recently changed scripts are kept."""
    stored = _remembered_map(settings)
    key = os.path.abspath(script)
    stored.pop(key, None)
    if breakpoints:
        stored[key] = [{k: v for k, v in bp.to_dict().items() if k not in ("id", "hits", "error")}
                       for bp in breakpoints]
    while len(stored) > MAX_REMEMBERED_SCRIPTS:
        stored.pop(next(iter(stored)))
    settings.setValue(REMEMBERED_KEY, json.dumps(stored))


class BreakpointsDock(QDockWidget):
    """A list of breakpoints with enable boxes, Delete, and a form to add one.

    With ``settings`` (a factory of the app's QSettings), the breakpoints of each script are
    remembered: ``open_script`` brings back the ones last set on it."""

    def __init__(self, session: Session, parent: QWidget | None = None,
                 settings: SettingsFactory | None = None) -> None:
        super().__init__("Breakpoints", parent)
        self.setObjectName("breakpointsDock")
        self.session = session
        self._settings = settings
        self._script: str | None = None  # whose breakpoints these are (remembered on change)
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
        session.breakpointsChanged.connect(self._remember)
        session.runPaused.connect(lambda _paused: self._show(self.session.breakpoints))
        self._on_kind()
        self._show(session.breakpoints)

    # -- actions --------------------------------------------------------------------------------
    def open_script(self, script: str | os.PathLike | None) -> None:
        """A script is about to be launched: give the session the breakpoints last set on it
        (None: a trace is opened, whose breakpoints are nobody's to remember)."""
        self._script = None  # so the switch itself does not overwrite anything
        if script is None or self._settings is None:
            return
        self.session.set_breakpoints(remembered_breakpoints(self._settings(), script))
        self._script = os.path.abspath(script)

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
        """Switch breakpoint ``row`` on or off (a copy, so the debuggee gets the change);
        switching a failed condition back on is trying it again."""
        listed = list(self._shown)
        listed[row] = dataclasses.replace(listed[row], enabled=enabled,
                                          error="" if enabled else listed[row].error)
        self.session.set_breakpoints(listed)

    # -- internals ------------------------------------------------------------------------------
    def _on_kind(self, _index: int = 0) -> None:
        kind = self.kind_combo.currentData()
        placeholder = next(p for k, _, p in KIND_CHOICES if k == kind)
        self.text_edit.setPlaceholderText(placeholder)
        self.text_edit.setEnabled(kind not in NO_TEXT_KINDS)
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
            self._cell(row, WHAT).setText(describe(bp))
            self._cell(row, HITS).setText(str(bp.hits))
            # A condition that raised: the whole row in red, the error on hover.
            foreground = QBrush(FAILED_COLOR) if bp.error else QBrush()
            for column in (ENABLED, KIND, WHAT, HITS):
                cell = self._cell(row, column)
                cell.setForeground(foreground)
                cell.setToolTip(bp.error or (describe(bp) if column == WHAT else ""))
        self._updating = False
        self.delete_button.setEnabled(bool(self.table.selectedItems()))

    def _remember(self, breakpoints: list) -> None:
        if self._script is not None and self._settings is not None:
            remember_breakpoints(self._settings(), self._script, breakpoints)

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
