"""The debuggee child's command line and environment: what the live client and the recorder
start is what the debuggee's own parser reads, with this engine first on the path."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from debugger.child import ROOT, debuggee_command, debuggee_env
from debugger.debuggee import build_parser


def parsed(command: list[str]):
    assert command[:3] == [sys.executable, "-m", "debugger.debuggee"]
    return build_parser().parse_args(command[3:])


def test_a_recording_command_says_every_option_as_the_debuggee_reads_it(tmp_path):
    script = tmp_path / "train.py"
    args = parsed(debuggee_command(
        script, ["--epochs", "2", "data dir"], mode="FULL_HEALTH", record=tmp_path / "r.tsdb",
        max_size=123, parent_fd=7, progress=True, break_on_nan=True,
        conditions=["abs(x).max() > 1e3", "x.min() < 0"]))
    assert (args.mode, args.record, args.max_size, args.parent_fd) == (
        "FULL_HEALTH", tmp_path / "r.tsdb", 123, 7)
    assert args.progress and args.break_on_nan and args.cwd is None
    assert args.conditions == ["abs(x).max() > 1e3", "x.min() < 0"]
    assert (args.script, args.args) == (script, ["--epochs", "2", "data dir"])


def test_a_live_command_says_only_what_it_was_given(tmp_path):
    command = debuggee_command(Path("train.py"), mode="NO_TENSOR", cwd=tmp_path)
    args = parsed(command)
    assert (args.mode, args.cwd, args.record, args.max_size) == ("NO_TENSOR", tmp_path,
                                                                None, None)
    assert not (args.progress or args.break_on_nan or args.conditions or args.args)
    assert "--record" not in command and "--progress" not in command


def test_the_childs_environment_imports_this_engine_first(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    (tmp_path / "engine").mkdir()  # a stray package of the same name on the user's path
    (tmp_path / "engine" / "__init__.py").write_text("raise ImportError('the wrong engine')")
    env = debuggee_env({"TAPESCOPE_EXTRA": "1"})
    assert env["PYTHONPATH"].split(os.pathsep) == [str(ROOT), str(tmp_path)]
    assert env["TAPESCOPE_EXTRA"] == "1" and os.environ.get("TAPESCOPE_EXTRA") is None
    found = subprocess.run([sys.executable, "-c", "import engine; print(engine.__file__)"],
                           env=env, cwd=tmp_path.parent, capture_output=True, text=True,
                           check=True).stdout.strip()
    assert Path(found).resolve() == (ROOT / "engine" / "__init__.py").resolve()
