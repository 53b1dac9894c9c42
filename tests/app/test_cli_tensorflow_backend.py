"""`--backend tensorflow` where TensorFlow is missing: one line saying how to install it
(runs without TensorFlow: its absence is simulated)."""

from __future__ import annotations

import pytest

import tfdebug
from app import cli


@pytest.fixture
def no_tensorflow(monkeypatch):
    monkeypatch.setattr(tfdebug, "tensorflow_available", lambda: False)


def _script(tmp_path):
    script = tmp_path / "train.py"
    script.write_text("import tensorflow as tf\nprint(tf.constant(1))\n")
    return script


def test_record_says_how_to_install_tensorflow(no_tensorflow, tmp_path, capsys):
    code = cli.main(["record", "--backend", "tensorflow", str(_script(tmp_path)), "-o",
                     str(tmp_path / "run.tsdb")])
    assert code == cli.EXIT_USAGE
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'tapescope[tensorflow]'" in err[0]


def test_window_says_how_to_install_tensorflow(no_tensorflow, tmp_path, capsys):
    code = cli.main(["--backend", "tensorflow", str(_script(tmp_path))])
    assert code == cli.EXIT_USAGE
    assert "pip install 'tapescope[tensorflow]'" in capsys.readouterr().err


def test_import_tfdbg_says_how_to_install_tensorflow(no_tensorflow, tmp_path, capsys):
    assert cli.main(["import-tfdbg", str(tmp_path)]) == cli.EXIT_USAGE
    assert "pip install 'tapescope[tensorflow]'" in capsys.readouterr().err


def test_a_condition_that_does_not_compile_is_refused_before_tensorflow_starts(
        monkeypatch, tmp_path, capsys):
    """--break CONDITION works on TensorFlow (tests/tfbackend); a bad one gets the engine's
    one line, before any child starts."""
    monkeypatch.setattr(tfdebug, "tensorflow_available", lambda: True)
    code = cli.main(["record", "--backend", "tensorflow", "--break", "x.max( > 1",
                     str(_script(tmp_path)), "-o", str(tmp_path / "run.tsdb")])
    assert code == cli.EXIT_USAGE
    err = capsys.readouterr().err
    assert "is not a Python expression" in err and "Traceback" not in err
    assert not (tmp_path / "run.tsdb").exists()


def test_unknown_backend_of_a_client_is_refused(tmp_path):
    from debugger.client import DebugClient

    with pytest.raises(ValueError, match="unknown backend 'jax'"):
        DebugClient(_script(tmp_path), backend="jax")


def test_window_starts_its_debuggee_on_tensorflow(monkeypatch, tmp_path):
    """`tapescope --backend tensorflow train.py` hands the backend to the window's client."""
    import app.gui
    from debugger.client import ENV_BACKEND

    monkeypatch.setattr(tfdebug, "tensorflow_available", lambda: True)
    # set, so that monkeypatch restores it: the CLI sets it for the whole process, and a
    # later window test would start its debuggee on TensorFlow
    monkeypatch.setenv(ENV_BACKEND, "engine")
    opened = {}

    def fake_open_gui(target, args):
        import os

        opened.update(target=target, backend=os.environ.get(ENV_BACKEND))
        return 0

    monkeypatch.setattr(app.gui, "open_gui", fake_open_gui)
    script = _script(tmp_path)
    assert cli.main(["--backend", "tensorflow", str(script)]) == 0
    assert opened == {"target": str(script), "backend": "tensorflow"}


def test_the_backend_does_not_leak_into_later_tests():
    """The test above ran in this process before: the window tests' clients use the engine."""
    import os

    from debugger.client import ENV_BACKEND

    assert os.environ.get(ENV_BACKEND, "engine") == "engine"
