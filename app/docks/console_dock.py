"""ConsoleDock: what the script printed (stderr in red) and the traceback it raised."""

from __future__ import annotations

from PySide6.QtGui import QColor, QFont, QFontDatabase, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QDockWidget, QPlainTextEdit, QWidget

from app.session import Session

MAX_LINES = 20_000  # older lines scroll away: a long run must not grow the console forever


def _format(color: QColor | None = None, bold: bool = False, italic: bool = False
            ) -> QTextCharFormat:
    text_format = QTextCharFormat()
    if color is not None:
        text_format.setForeground(color)
    if bold:
        text_format.setFontWeight(QFont.Weight.Bold)
    text_format.setFontItalic(italic)
    return text_format


STDOUT = _format()
STDERR = _format(QColor(190, 20, 20))
DEBUGGER = _format(QColor(110, 110, 110), italic=True)
ERROR_MESSAGE = _format(QColor(190, 20, 20), bold=True)


class ConsoleDock(QDockWidget):
    """The script's output, appended per batch."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Console", parent)
        self.setObjectName("consoleDock")
        self.session = session
        self.view = QPlainTextEdit()
        self.view.setReadOnly(True)
        self.view.setMaximumBlockCount(MAX_LINES)
        self.view.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.view.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.view.setPlaceholderText("The script's output appears here.")
        self.setWidget(self.view)
        session.eventsArrived.connect(self._on_events)
        session.eventsCleared.connect(self.view.clear)

    def text(self) -> str:
        return self.view.toPlainText()

    def _on_events(self, batch: list[dict]) -> None:
        pieces: list[tuple[str, QTextCharFormat]] = []
        for event in batch:
            kind = event.get("kind")
            if kind == "output":
                stream = event.get("stream")
                style = STDERR if stream == "stderr" else STDOUT if stream == "stdout" \
                    else DEBUGGER
                pieces.append((event.get("text", ""), style))
            elif kind == "error":
                pieces.append((f"\n{event.get('message', 'error')}\n", ERROR_MESSAGE))
                traceback = event.get("traceback") or ""
                if traceback:
                    pieces.append((traceback if traceback.endswith("\n") else traceback + "\n",
                                   STDERR))
            elif kind == "finished":
                status = event.get("status", "ok")
                code = event.get("returncode")
                suffix = f", exit code {code}" if code not in (None, 0) else ""
                pieces.append((f"— run finished: {status}{suffix} —\n", DEBUGGER))
        if pieces:
            self._append(pieces)

    def _append(self, pieces: list[tuple[str, QTextCharFormat]]) -> None:
        bar = self.view.verticalScrollBar()
        at_bottom = bar.value() >= bar.maximum() - 2
        cursor = QTextCursor(self.view.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        cursor.beginEditBlock()
        run: list[str] = []
        style = pieces[0][1]
        for text, text_style in pieces:  # one insert per run of the same style
            if text_style is not style:
                cursor.insertText("".join(run), style)
                run, style = [], text_style
            run.append(text)
        cursor.insertText("".join(run), style)
        cursor.endEditBlock()
        if at_bottom:
            bar.setValue(bar.maximum())
