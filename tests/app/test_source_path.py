"""The Source dock names the script as the user knows it: relative to the working directory
when the script lies under it (no machine prefix in the window), whole otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.session import TRACE


def test_script_under_working_directory_is_shown_relative(
        qtbot, make_window, train_trace: Path, train_script: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(train_script.parent)
    window = make_window()
    assert window.open_path(train_trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    label = window.source_dock.path_label
    qtbot.waitUntil(lambda: label.text() == train_script.name)
    assert label.toolTip() == str(train_script)


def test_script_elsewhere_is_shown_whole(
        qtbot, make_window, train_trace: Path, train_script: Path,
        monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    window = make_window()
    assert window.open_path(train_trace)
    qtbot.waitUntil(lambda: window.session.state == TRACE)
    label = window.source_dock.path_label
    qtbot.waitUntil(lambda: label.text() == str(train_script))
    assert label.toolTip() == str(train_script)
