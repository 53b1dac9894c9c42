"""The colors of NaN/Inf in the window's tables and lists (a plot marks them its own way)."""

from __future__ import annotations

from PySide6.QtGui import QColor

BAD_COLOR = QColor("#d32f2f")  # text of a value, count or item that holds NaN/Inf
BAD_BACKGROUND = QColor(211, 47, 47, 60)  # behind it
