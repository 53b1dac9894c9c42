"""Fixtures of the app tests: private settings, real traces recorded in-process, and the
main window built hidden and checked for leaks."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest
from app_helpers import TRAIN_SCRIPT, record_script
from PySide6.QtCore import QEvent, QSettings
from PySide6.QtWidgets import QApplication


@pytest.fixture(autouse=True)
def private_settings(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every test gets its own settings directory: none of the user's, none shared."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    return folder


@pytest.fixture
def train_script(tmp_path: Path) -> Path:
    path = tmp_path / "train.py"
    path.write_text(TRAIN_SCRIPT)
    return path


@pytest.fixture
def train_trace(train_script: Path, tmp_path: Path) -> Path:
    """A trace of TRAIN_SCRIPT in CONCISE_HEALTH: three steps, then a NaN."""
    return record_script(train_script, tmp_path / "train.tsdb")


@pytest.fixture
def make_window(qtbot):
    """Builds windows hidden; closes them after the test and fails on leaked widgets."""
    from app.main_window import MainWindow

    before = set(QApplication.topLevelWidgets())
    windows: list[MainWindow] = []

    def make() -> MainWindow:
        window = MainWindow()
        qtbot.addWidget(window)
        windows.append(window)
        return window

    yield make
    while windows:
        closing = windows.pop()
        closing.close()
        closing.deleteLater()
        del closing  # a Python reference would keep pyqtgraph's parentless menus alive
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()
    gc.collect()
    leaked = [w for w in QApplication.topLevelWidgets() if w not in before]
    assert not leaked, f"widgets left behind: {leaked}"
