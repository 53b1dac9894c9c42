"""The Qt platform Tapescope runs on, and the `tapescope` command's basic behaviour."""

import sys

from app import cli


def test_void_qt_calls_do_not_leak_none_references(qtbot):
    # PySide6 6.12 on Python < 3.12 drops one reference to None per void C++ call, and a
    # real session then aborts with "none_dealloc" (PLATFORM.md). Python >= 3.12 has an
    # immortal None whose count never drops either.
    from PySide6.QtWidgets import QWidget

    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(1_000):
        widget.update()
    assert sys.getrefcount(None) >= before


def test_cli_reports_missing_script(capsys):
    assert cli.main(["nope.py"]) == 2
    err = capsys.readouterr().err
    assert "script not found" in err
    assert "nope.py" in err
