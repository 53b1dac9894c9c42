"""Where in the user's code an op came from, on real TensorFlow.

Eager ops: the innermost frame of the Python stack that is the user's (not TensorFlow's,
Keras', numpy's, the standard library's or Tapescope's). Graph ops: the same walk over the
op's creation traceback (``op.traceback``), which TensorFlow has already mapped from
AutoGraph's generated code back to the lines the user wrote.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Any

from debugger.debuggee import is_user_file

_TFDEBUG_DIR = str(Path(__file__).resolve().parent)


@functools.lru_cache(maxsize=4096)
def user_file(name: str) -> bool:
    """Whether code in file ``name`` is the user's (cached: asked once per op)."""
    return (not name.startswith(_TFDEBUG_DIR) and is_user_file(name)
            and not Path(name).name.startswith("__autograph_generated_file"))


def stack_site(depth: int = 2) -> tuple[str, int]:
    """(file, line) of the innermost user frame calling into TensorFlow now."""
    frame: Any = sys._getframe(depth)
    while frame is not None:
        if user_file(frame.f_code.co_filename):
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return "", 0


def op_site(op: Any) -> tuple[str, int]:
    """(file, line) of the user's code that created graph op ``op`` (innermost first)."""
    try:
        frames = op.traceback
    except Exception:  # an op without a traceback (imported graphs): no line to show
        return "", 0
    for frame in reversed(frames):
        if user_file(frame.filename):
            return frame.filename, int(frame.lineno or 0)
    return "", 0
