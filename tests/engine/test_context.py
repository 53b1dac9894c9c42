"""The engine's seam to the debugger: the engine loads without it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from engine import context

ENGINE = Path(context.__file__).resolve().parent
ROOT = ENGINE.parent


def test_import_engine_loads_nothing_of_the_debugger():
    code = ("import sys; import engine; import engine.keras; "
            "print(sorted(m for m in sys.modules if m.startswith('engine.debug.') "
            "or m == 'engine.debug'))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, check=True).stdout
    assert out.strip() == "[]"
