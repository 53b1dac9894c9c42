"""A script that cannot run says where, in the user's file, as soon as it is opened."""

from __future__ import annotations

from app_helpers import LIVE_TIMEOUT

from app.session import PAUSED

BROKEN = "import engine as tf\n\nx = tf.constant(1.0\nprint(x)\n"  # line 3 is never closed


def test_a_syntax_error_is_reported_at_its_line_when_the_script_is_opened(make_window,
                                                                          tmp_path):
    window = make_window()
    script = tmp_path / "broken.py"
    script.write_text(BROKEN)
    assert not window.open_path(script)  # found before anything runs
    (box,) = window.error_dialogs
    assert box.windowTitle() == "Syntax error in broken.py, line 3"
    assert box.text().startswith(f"{script}:3: SyntaxError: '(' was never closed")
    assert "runpy" not in box.text()
    assert window.session.script_path is None and window.session.breakpoints == []
    assert not any(action.isEnabled() for action in window.run_actions)


def test_a_script_broken_after_opening_reports_its_line_on_restart(qtbot, make_window,
                                                                   tmp_path):
    window = make_window()
    script = tmp_path / "script.py"
    script.write_text("print('fine')\n")
    assert window.open_path(script)
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    script.write_text(BROKEN)
    window.restart_action.trigger()
    qtbot.waitUntil(lambda: bool(window.error_dialogs), timeout=LIVE_TIMEOUT)
    (box,) = window.error_dialogs
    assert box.windowTitle() == "Syntax error in script.py, line 3"
    assert box.text().startswith(f"{script}:3: SyntaxError: '(' was never closed")
    qtbot.waitUntil(lambda: window.session.state == PAUSED, timeout=LIVE_TIMEOUT)
    assert window.session.paused_event["reason"] == "exception"
    assert (window.session.paused_event["file"], window.session.paused_event["line"]) == (
        str(script), 3)
    assert not window.run_action.isEnabled() and not window.step_op_action.isEnabled()
    assert window.restart_action.isEnabled()
