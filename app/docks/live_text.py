"""LiveText: a one-line label for text that changes several times a second (counters).

``QLabel.setText`` always calls ``updateGeometry``: the layouts up to the main window are
invalidated, the window re-lays out every dock (and Qt starts a geometry animation per dock)
and repaints what moved — for a counter that changes on every batch of a streaming run.
LiveText only repaints itself. Its size hint grows (never shrinks) when a longer text needs
more room, so the layouts hear of it a few times in a run (a counter's digits), not per
change.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

MARGIN = 2  # px left and right of the text, as a QLabel in a status bar has about
SLACK = "00"  # room a grown hint keeps for the next digits, so it grows again rarely


class LiveText(QWidget):
    """A label that repaints when its text changes, and re-lays out only to grow."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._width = 0  # text width the size hint makes room for (px)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setText(text)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        metrics = self.fontMetrics()
        width = metrics.horizontalAdvance(text)
        if width > self._width:
            self._width = width + metrics.horizontalAdvance(SLACK)
            self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(self._width + 2 * MARGIN, self.fontMetrics().height() + 2)

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self.fontMetrics().height() + 2)

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.WindowText))
        area = self.rect().adjusted(MARGIN, 0, -MARGIN, 0)
        text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight,
                                             area.width())
        painter.drawText(area, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         text)
        painter.end()
