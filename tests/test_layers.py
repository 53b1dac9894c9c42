"""The engine must import without Qt and without the app (DESIGN.md, layers)."""

import subprocess
import sys

CHECK = (
    "import engine, sys; "
    "bad = [m for m in sys.modules "
    "if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph', 'app')]; "
    "print(bad); sys.exit(1 if bad else 0)"
)


def test_engine_imports_without_qt():
    result = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
