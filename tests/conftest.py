"""Settings shared by every test: Qt without a screen, and the shared MNIST data."""

import os
from pathlib import Path

# Must be set before the first QApplication exists (pytest-qt creates it lazily).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

_SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
if "TAPESCOPE_DATA" not in os.environ and _SHARED_DATA.is_dir():
    os.environ["TAPESCOPE_DATA"] = str(_SHARED_DATA)
