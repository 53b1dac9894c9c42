"""SourceDock: the script, the line it is paused on, and line breakpoints in the margin."""

from __future__ import annotations

import contextlib
import os
import threading

from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFontDatabase,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QResizeEvent,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QPlainTextEdit,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.session import Session
from debugger.breakpoints import Breakpoint, same_source_file
from debugger.source_files import read_source


def shown_path(path: str) -> str:
    """The path as the label shows it: relative to the working directory when the file lies
    under it (what the user typed, no machine prefix), else whole; the tooltip keeps it whole."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    outside = relative == os.pardir or relative.startswith(os.pardir + os.sep)
    return path if outside else relative


PAUSED_LINE_COLOR = QColor(255, 236, 140)  # where the run stands
OP_LINE_COLOR = QColor(205, 225, 255)  # where the selected op ran
BREAKPOINT_COLOR = QColor(214, 40, 40)
# How long the window waits for a source file before showing "Reading …" (and the file once
# read): a local script is there at once, a file on a stalled network disk never blocks.
SOURCE_WAIT_S = 0.2
MARGIN_COLOR = QColor(240, 240, 240)
LINE_NUMBER_COLOR = QColor(130, 130, 130)


class _Margin(QWidget):
    """Line numbers and breakpoint dots; a click toggles a breakpoint."""

    def __init__(self, editor: SourceView) -> None:
        super().__init__(editor)
        self.editor = editor
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip("Click to set or clear a breakpoint on this line")

    def sizeHint(self) -> QSize:
        return QSize(self.editor.margin_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:
        self.editor.paint_margin(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            line = self.editor.line_at(int(event.position().y()))
            if line > 0:
                self.editor.marginClicked.emit(line)


class SourceView(QPlainTextEdit):
    """Read-only source with a margin; lines are 1-based everywhere in its interface."""

    marginClicked = Signal(int)  # the line whose margin was clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.margin = _Margin(self)
        self.breakpoint_lines: dict[int, bool] = {}  # line -> enabled
        self.paused_line = 0
        self.op_line = 0
        self.blockCountChanged.connect(self._update_margin_width)
        self.updateRequest.connect(self._update_margin)
        self._update_margin_width()

    # -- margin ---------------------------------------------------------------------------------
    def margin_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 18 + self.fontMetrics().horizontalAdvance("9") * max(3, digits) + 6

    def _update_margin_width(self, _count: int = 0) -> None:
        self.setViewportMargins(self.margin_width(), 0, 0, 0)

    def _update_margin(self, rect: QRect, dy: int) -> None:
        if dy:
            self.margin.scroll(0, dy)
        else:
            self.margin.update(0, rect.y(), self.margin.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        contents = self.contentsRect()
        self.margin.setGeometry(QRect(contents.left(), contents.top(), self.margin_width(),
                                      contents.height()))

    def paint_margin(self, event: QPaintEvent) -> None:
        painter = QPainter(self.margin)
        painter.fillRect(event.rect(), MARGIN_COLOR)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        block = self.firstVisibleBlock()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        height = self.fontMetrics().height()
        width = self.margin.width()
        while block.isValid() and top <= event.rect().bottom():
            bottom = top + round(self.blockBoundingRect(block).height())
            if block.isVisible() and bottom >= event.rect().top():
                line = block.blockNumber() + 1
                enabled = self.breakpoint_lines.get(line)
                if enabled is not None:
                    size = min(10, height - 2)
                    dot = QRect(4, top + (height - size) // 2, size, size)
                    painter.setPen(BREAKPOINT_COLOR)
                    painter.setBrush(BREAKPOINT_COLOR if enabled else Qt.BrushStyle.NoBrush)
                    painter.drawEllipse(dot)
                painter.setPen(LINE_NUMBER_COLOR)
                painter.drawText(0, top, width - 4, height, Qt.AlignmentFlag.AlignRight,
                                 str(line))
            block = block.next()
            top = bottom
        painter.end()

    def line_at(self, y: int) -> int:
        """The 1-based line at margin height ``y`` (0 below the text)."""
        block = self.firstVisibleBlock()
        top = self.blockBoundingGeometry(block).translated(self.contentOffset()).top()
        while block.isValid():
            bottom = top + self.blockBoundingRect(block).height()
            if top <= y < bottom:
                return block.blockNumber() + 1
            block = block.next()
            top = bottom
        return 0

    # -- marks ----------------------------------------------------------------------------------
    def set_breakpoint_lines(self, lines: dict[int, bool]) -> None:
        self.breakpoint_lines = dict(lines)
        self.margin.update()

    def set_marks(self, paused_line: int, op_line: int) -> None:
        """Highlight the paused line and the selected op's line (0: none)."""
        self.paused_line, self.op_line = paused_line, op_line
        selections = []
        for line, color in ((op_line, OP_LINE_COLOR), (paused_line, PAUSED_LINE_COLOR)):
            block = self.document().findBlockByNumber(line - 1) if line > 0 else None
            if block is None or not block.isValid():
                continue
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(color)
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            selection.cursor = QTextCursor(block)
            selections.append(selection)
        self.setExtraSelections(selections)

    def reveal_line(self, line: int) -> None:
        block = self.document().findBlockByNumber(line - 1)
        if block.isValid():
            self.setTextCursor(QTextCursor(block))
            self.centerCursor()


class SourceDock(QDockWidget):
    """The debugged script with the paused line and breakpoints; follows the selected op."""

    _sourceRead = Signal(int, dict)  # a reader thread finished: (request token, result)

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Source", parent)
        self.setObjectName("sourceDock")
        self.session = session
        self.current_file: str | None = None
        self._read_token = 0
        self._sourceRead.connect(self._on_source_read)
        self.view = SourceView()
        self.path_label = QLabel("No script")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path_label.setContentsMargins(4, 2, 4, 2)
        layout = QVBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.path_label)
        layout.addWidget(self.view, 1)
        body = QWidget()
        body.setLayout(layout)
        self.setWidget(body)
        self._paused_at: tuple[str, int] | None = None
        self._op_at: tuple[str, int] | None = None

        self.view.marginClicked.connect(self.toggle_breakpoint)
        session.eventsCleared.connect(self._on_cleared)
        session.stateChanged.connect(self._on_state)
        session.runPaused.connect(self._on_paused)
        session.runResumed.connect(self._on_resumed)
        session.runFinished.connect(self._on_resumed)
        session.breakpointsChanged.connect(self._show_breakpoints)
        self._on_cleared()

    # -- public ---------------------------------------------------------------------------------
    @property
    def paused_line(self) -> int:
        """The highlighted paused line of the shown file (0: none)."""
        return self.view.paused_line

    @property
    def op_line(self) -> int:
        """The highlighted line of the selected op in the shown file (0: none)."""
        return self.view.op_line

    def show_file(self, path: str | os.PathLike | None) -> bool:
        """Show a source file (kept when it is already shown); False if it cannot be read."""
        if path is None:
            self.current_file = None
            self.view.setPlainText("")
            self.path_label.setText("No script")
            self._refresh_marks()
            return False
        path = os.path.abspath(str(path))
        if path == self.current_file:
            return True
        self.current_file = path
        # Read on a worker thread (a trace names this file: a slow disk must not freeze the
        # window); a quick read is shown at once, a slow one when it arrives.
        self._read_token += 1
        token, done, result = self._read_token, threading.Event(), {}

        def read() -> None:
            try:  # only a regular file, and only so much of it
                result["text"] = read_source(path)
            except OSError as exc:  # SourceFileError says why; a read error (EIO) as it is
                result["error"] = exc
            done.set()
            with contextlib.suppress(RuntimeError):  # the dock was closed meanwhile
                self._sourceRead.emit(token, result)

        threading.Thread(target=read, name="tapescope-source-reader", daemon=True).start()
        if not done.wait(SOURCE_WAIT_S):
            self.view.setPlainText("")
            self.path_label.setText(f"Reading {shown_path(path)} …")
            self._refresh_marks()
            return True
        return self._show_read(token, result)

    def _show_read(self, token: int, result: dict) -> bool:
        """Show what the reader thread read for request ``token`` (once; a newer wins)."""
        if token != self._read_token:
            return False
        self._read_token += 1  # shown: the thread's signal for it is ignored
        path = self.current_file or ""
        if "error" in result:
            self.view.setPlainText("")
            self.path_label.setText(f"Cannot be shown: {result['error']}")
            self._refresh_marks()
            return False
        self.view.setPlainText(result["text"])
        self.path_label.setText(shown_path(path))
        self.path_label.setToolTip(path)
        self._refresh_marks()
        return True

    def _on_source_read(self, token: int, result: dict) -> None:
        """A slow read arrived: show it and bring the marked line into view again."""
        if self._show_read(token, result):
            for mark in (self._op_at, self._paused_at):
                if mark is not None and mark[0] == self.current_file:
                    self.view.reveal_line(mark[1])

    def show_location(self, file: str, line: int) -> None:
        """Mark where the selected op ran (switching files if it ran elsewhere)."""
        if not file or file.startswith("<") or line <= 0:
            return
        self._op_at = (os.path.abspath(file), int(line))
        self.show_file(file)
        self._refresh_marks()
        self.view.reveal_line(line)

    def show_op(self, seq: int) -> None:
        event = self.session.op_by_seq(seq)
        if event is not None:
            self.show_location(event.get("file") or "", event.get("line") or 0)

    def toggle_breakpoint(self, line: int) -> None:
        """Set a line breakpoint on the shown file, or clear the one there."""
        if self.current_file is None:
            return
        kept = [bp for bp in self.session.breakpoints
                if not (bp.kind == "line" and bp.line == line
                        and same_source_file(self.current_file, bp.file))]
        if len(kept) == len(self.session.breakpoints):
            kept.append(Breakpoint.at_line(self.current_file, line))
        self.session.set_breakpoints(kept)

    # -- session --------------------------------------------------------------------------------
    def _on_cleared(self) -> None:
        """A new run or trace: its script, with nothing marked (a restart keeps the file
        but not the last run's lines)."""
        self._paused_at = self._op_at = None
        self.current_file = None  # read it again: it may have been edited since
        self.show_file(self.session.script_path)
        self._refresh_marks()

    def _on_state(self, _state: str) -> None:
        # A trace names its script only once it is open; a restart keeps the same file.
        script = self.session.script_path
        if script is not None and self.current_file is None:
            self.show_file(script)

    def _on_paused(self, _paused: dict) -> None:
        file, line = self.session.paused_location  # as the status bar and Ops show it
        if not file or file.startswith("<") or line <= 0:
            return
        self._paused_at = (os.path.abspath(file), line)
        self.show_file(file)
        self._refresh_marks()
        self.view.reveal_line(line)

    def _on_resumed(self, *_args: object) -> None:
        self._paused_at = None
        self._refresh_marks()

    def _show_breakpoints(self, breakpoints: list) -> None:
        lines = {}
        if self.current_file is not None:
            for bp in breakpoints:
                if bp.kind == "line" and same_source_file(self.current_file, bp.file):
                    lines[bp.line] = lines.get(bp.line, False) or bp.enabled
        self.view.set_breakpoint_lines(lines)

    def _refresh_marks(self) -> None:
        def line_in_shown_file(mark: tuple[str, int] | None) -> int:
            return mark[1] if mark is not None and mark[0] == self.current_file else 0

        self.view.set_marks(line_in_shown_file(self._paused_at), line_in_shown_file(self._op_at))
        self._show_breakpoints(self.session.breakpoints)
