"""Fixtures of the app tests: private settings, and real traces recorded in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
from app_helpers import TRAIN_SCRIPT, record_script
from PySide6.QtCore import QSettings


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
