"""OpsDock: every recorded op in order, filterable, following the run as it grows."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDockWidget,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.docks.live_text import LiveText
from app.models.ops_model import (
    DURATION,
    HEALTH,
    NAME,
    OP,
    OUTPUTS,
    SEQ,
    SOURCE,
    STEP,
    OpsModel,
)
from app.session import Session

# Widths the columns get when the dock is wide enough (Source stretches into the rest).
_COLUMN_WIDTHS = {SEQ: 70, STEP: 50, OP: 110, NAME: 170, OUTPUTS: 130, HEALTH: 90,
                  DURATION: 60, SOURCE: 110}
MIN_COLUMN_WIDTH = 36


def fitted_widths(available: int, preferred: dict[int, int] = _COLUMN_WIDTHS,
                  minimum: int | dict[int, int] = MIN_COLUMN_WIDTH) -> dict[int, int]:
    """Column widths that fit ``available`` px: the preferred ones when they fit, else each
    column keeps its minimum (one for all, or per column: the numbers' columns keep room for
    their digits) and shares what is left in proportion to what it would like beyond that
    (text elides), so every column, Health too, stays in view instead of behind a
    horizontal scroll bar."""
    total = sum(preferred.values())
    if total <= available:
        return dict(preferred)
    floors = {column: min(width, minimum if isinstance(minimum, int) else
                          minimum.get(column, MIN_COLUMN_WIDTH))
              for column, width in preferred.items()}
    wanted = sum(width - floors[column] for column, width in preferred.items())
    share = max(0, available - sum(floors.values())) / max(1, wanted)
    return {column: floors[column] + int((width - floors[column]) * share)
            for column, width in preferred.items()}


class OpsDock(QDockWidget):
    """The Ops table: filter by text, show only NaN/Inf, jump to the first of them."""

    opSelected = Signal(int)  # seq of the op event the user selected

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Ops", parent)
        self.setObjectName("opsDock")
        self.session = session
        self.model = OpsModel(session, self)
        self._selected_seq: int | None = None
        self._follow = True  # keep the newest op in view; off once the user scrolls away

        self.filter_edit = QLineEdit()
        self.filter_edit.setPlaceholderText("Filter: op type, name or scope…")
        self.filter_edit.setClearButtonEnabled(True)
        self.bad_only_check = QCheckBox("NaN/Inf only")
        self.jump_button = QPushButton("Jump to first NaN/Inf")
        self.jump_button.setToolTip("Select the first op whose output holds NaN or Inf")
        self.count_label = LiveText()  # changes with every batch of a run: no relayout

        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerItem)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Fixed row heights keep a 500k-row table from measuring rows: it stays virtual.
        rows = self.view.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 6)
        rows.hide()
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        self._fitting = False
        self._user_sized = False  # a column the user dragged: stop fitting them
        self._fit_columns()
        header.sectionResized.connect(self._on_section_resized)
        self.view.viewport().installEventFilter(self)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))

        bar = QHBoxLayout()
        bar.setContentsMargins(0, 0, 0, 0)
        bar.addWidget(self.filter_edit, 1)
        bar.addWidget(self.bad_only_check)
        bar.addWidget(self.jump_button)
        layout = QVBoxLayout()
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count_label)
        body = QWidget()
        body.setLayout(layout)
        self.setWidget(body)

        self.filter_edit.textChanged.connect(self._on_filter_text)
        self.bad_only_check.toggled.connect(self._on_bad_only)
        self.jump_button.clicked.connect(self.jump_to_first_bad)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_row)
        self.view.verticalScrollBar().valueChanged.connect(self._on_scrolled)
        self.model.rowsInserted.connect(self._on_rows_inserted)
        self.model.modelReset.connect(self._on_model_reset)
        self._update_count()

    # -- public ---------------------------------------------------------------------------------
    @property
    def selected_seq(self) -> int | None:
        return self._selected_seq

    def select_op(self, seq: int) -> bool:
        """Select and show op ``seq``; False if it is unknown or hidden by the filter."""
        row = self.model.row_of_seq(seq)
        if row < 0:
            return False
        self._select_row(row)
        return True

    def jump_to_first_bad(self) -> bool:
        """Select the first op with NaN/Inf, clearing a text filter that hides it."""
        row = self.model.first_bad_row()
        if row < 0 and self.model.first_bad_seq() is not None:
            self.filter_edit.clear()
            row = self.model.first_bad_row()
        if row < 0:
            self.count_label.setText(self._count_text() + " — no NaN/Inf so far")
            return False
        self._select_row(row)
        return True

    def set_follow(self, follow: bool) -> None:
        """Keep the newest op in view (the default while running)."""
        self._follow = follow
        if follow:
            self.view.scrollToBottom()

    @property
    def following(self) -> bool:
        return self._follow

    # -- internals ------------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.view.viewport():
            self._fit_columns()
        return False

    def _fit_columns(self) -> None:
        if self._user_sized:
            return
        self._fitting = True
        header = self.view.horizontalHeader()
        for column, width in fitted_widths(self.view.viewport().width(),
                                           minimum=self.number_widths()).items():
            header.resizeSection(column, width)  # (the last one then stretches to the rest)
        self._fitting = False

    def number_widths(self) -> dict[int, int]:
        """What the numbers' columns need unelided: a six-digit Seq, a five-digit Step, a
        duration such as 1234.5 and a health such as NaN×12, in the table's font."""
        advance = self.view.fontMetrics().horizontalAdvance
        pad = 2 * self.view.style().pixelMetric(self.view.style().PixelMetric.PM_FocusFrameHMargin)
        pad += 10
        return {SEQ: advance("999999") + pad, STEP: advance("99999") + pad,
                DURATION: advance("1234.5") + pad, HEALTH: advance("NaN×12") + pad}

    def _on_section_resized(self, column: int, _old: int, _new: int) -> None:
        if not self._fitting and column != SOURCE:
            self._user_sized = True

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        self.view.selectionModel().setCurrentIndex(index, flags)
        self.view.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)
        self._follow = self._at_bottom()

    def _on_current_row(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return
        seq = self.model.seq_at(current.row())
        if seq != self._selected_seq:
            self._selected_seq = seq
            self.opSelected.emit(seq)

    def _at_bottom(self) -> bool:
        bar = self.view.verticalScrollBar()
        return bar.value() >= bar.maximum() - 1

    def _on_scrolled(self, _value: int) -> None:
        # Only a scroll the user makes changes following; ours land at the bottom anyway.
        self._follow = self._at_bottom()

    def _on_rows_inserted(self, _parent: QModelIndex, _first: int, _last: int) -> None:
        if self._follow:
            self.view.scrollToBottom()
            self._follow = True  # the scrollbar's range may catch up a little later
        self._update_count()

    def _on_model_reset(self) -> None:
        """A new filter or a new run: keep the selected op selected, keep following."""
        follow = self._follow or self.model.total_count == 0
        row = -1 if self._selected_seq is None else self.model.row_of_seq(self._selected_seq)
        if row >= 0:
            selection = self.view.selectionModel()
            blocked = selection.blockSignals(True)  # the same op: nobody needs telling
            selection.setCurrentIndex(self.model.index(row, 0),
                                      QItemSelectionModel.SelectionFlag.ClearAndSelect
                                      | QItemSelectionModel.SelectionFlag.Rows)
            selection.blockSignals(blocked)
            if not follow:
                self.view.scrollTo(self.model.index(row, 0),
                                   QAbstractItemView.ScrollHint.PositionAtCenter)
        elif self.model.total_count == 0:
            self._selected_seq = None
        if follow:
            self.view.scrollToBottom()
        self._follow = follow
        self._update_count()

    def _on_filter_text(self, text: str) -> None:
        self.model.set_filter(text=text)

    def _on_bad_only(self, checked: bool) -> None:
        self.model.set_filter(only_bad=checked)

    def _count_text(self) -> str:
        shown, total = self.model.rowCount(), self.model.total_count
        if shown == total:
            return f"{total:,} ops"
        return f"{shown:,} of {total:,} ops"

    def _update_count(self) -> None:
        self.count_label.setText(self._count_text())

