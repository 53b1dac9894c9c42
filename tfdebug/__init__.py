"""Tapescope on real TensorFlow: the same events, from TensorFlow's own op callbacks.

``tfdebug`` is the ``--backend tensorflow`` of ``tapescope``: its child process runs the
user's script unmodified on real TensorFlow (``pip install tapescope[tensorflow]``) and
turns what TensorFlow does into the debugger's events (``debugger.events``), so the
trace file, ``inspect``, ``export-graph`` and the window work as they do on the engine.
Importing this package does not import TensorFlow; ``require_tensorflow`` says in one line
when it is missing.
"""

from __future__ import annotations

import importlib.util


class TensorFlowMissing(RuntimeError):
    """The tensorflow backend was asked for where TensorFlow is not installed."""


INSTALL_HINT = ("the tensorflow backend needs TensorFlow 2.16 or newer in this Python: "
                "pip install 'tapescope[tensorflow]' (or tensorflow-cpu)")


def tensorflow_available() -> bool:
    """Whether ``import tensorflow`` can work here, without paying for the import."""
    return importlib.util.find_spec("tensorflow") is not None


def require_tensorflow() -> None:
    """Raise ``TensorFlowMissing`` (one line, how to install it) when TensorFlow is absent."""
    if not tensorflow_available():
        raise TensorFlowMissing(INSTALL_HINT)
