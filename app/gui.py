"""Starting the Qt application: the one entry point the `tapescope` command calls."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from app.main_window import EXAMPLES_DIR, ICON_PATH, MainWindow

DEMO_SCRIPT = EXAMPLES_DIR / "spirals.py"  # an MLP on generated data: needs no download


def open_gui(target: str | None, args: Sequence[str] = ()) -> int:
    """Show the main window on a script (live), a trace (post-mortem) or, with no target,
    the built-in demo; run the event loop and return its exit code."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Tapescope")
    app.setOrganizationName("Tapescope")
    if ICON_PATH.is_file():
        app.setWindowIcon(QIcon(str(ICON_PATH)))
    window = MainWindow()
    window.show()
    path = Path(target) if target else DEMO_SCRIPT
    # Opened once the loop runs, so the window paints first and errors show over it.
    QTimer.singleShot(0, lambda: window.open_path(path, args))
    return app.exec()
