"""How a debuggee child is started: its command line and environment, one recipe for the
live session (``client.DebugClient``) and the headless recorder (``tapescope record``).

The flags are the ones ``debuggee.build_parser`` reads.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the directory holding the engine package
DEBUGGEE_MODULE = "debugger.debuggee"
# What runs the script: the engine, or real TensorFlow (``tfdebug``, ``tapescope --backend``)
DEBUGGEES = {"engine": DEBUGGEE_MODULE, "tensorflow": "tfdebug.debuggee"}


def debuggee_command(script: Path, args: Iterable[str] = (), *, mode: str,
                     cwd: Path | None = None, record: Path | None = None,
                     max_size: int | None = None, parent_fd: int | None = None,
                     progress: bool = False, break_on_nan: bool = False,
                     conditions: Iterable[str] = (), backend: str = "engine") -> list[str]:
    """``python -m debugger.debuggee [options] script args…`` for this interpreter (the
    TensorFlow backend's debuggee for ``backend="tensorflow"``: same flags)."""
    command = [sys.executable, "-m", DEBUGGEES[backend]]
    for flag, value in (("--record", record), ("--mode", mode), ("--max-size", max_size),
                        ("--parent-fd", parent_fd), ("--cwd", cwd)):
        if value is not None:
            command += [flag, str(value)]
    command += ["--progress"] * progress + ["--break-on-nan"] * break_on_nan
    for condition in conditions:
        command += ["--break", condition]
    return [*command, str(script), *args]


def debuggee_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment plus ``extra``, with the engine importable first (the
    child must run this engine, whatever the script's folder or PYTHONPATH holds)."""
    env = dict(os.environ, **(extra or {}))
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env
