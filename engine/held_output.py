"""Holding back what a check re-trace prints (``engine.function.TraceFamily``).

Tapescope traces concretely, so a function traced for a ``None`` signature runs its Python
body a second time, at the second shape it meets, to check that no size was baked into the
first graph. TensorFlow runs the body once, so whatever that second run writes to
``sys.stdout``/``sys.stderr`` is held here: dropped when the check shows the graph is
generic (TensorFlow printed nothing then), written out in order when the re-trace becomes
the graph for its shape (the body really ran for the engine, and nothing may be lost).

Python warnings are held alike (recorded, so that a dropped one is not marked as shown in
its module's ``__warningregistry__`` and still shows when the graph runs; re-issued on
release). Only writes through ``sys.stdout``/``sys.stderr`` from the tracing thread are
held; other threads write through. Other Python side effects of the body (a list append, a
file write) still happen twice when the check runs.
"""

from __future__ import annotations

import sys
import threading
import warnings
from typing import Any, TextIO


class _HeldStream:
    """Stands in for one of ``sys.stdout``/``sys.stderr`` while a check re-trace runs."""

    def __init__(self, held: HeldOutput, name: str, real: TextIO) -> None:
        self._held, self._name, self._real = held, name, real

    def write(self, text: str) -> int:
        if threading.get_ident() != self._held.thread:
            return self._real.write(text)
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self._held.chunks.append((self._name, text))
        return len(text)

    def flush(self) -> None:
        if threading.get_ident() != self._held.thread:
            self._real.flush()

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno ... as the real one
        return getattr(self._real, name)


class HeldOutput:
    """``with HeldOutput() as held:`` holds the block's ``sys.stdout``/``sys.stderr``
    writes; after it, ``held.release()`` writes them to the streams that were current, in
    order, or ``held.drop()`` forgets them. An exception out of the block releases them."""

    def __init__(self) -> None:
        self.chunks: list[tuple[str, str]] = []
        self.thread = threading.get_ident()
        self._real: dict[str, TextIO] = {}
        self._decided = False
        self._catcher = warnings.catch_warnings(record=True)
        self.warned: list[warnings.WarningMessage] = []

    def __enter__(self) -> HeldOutput:
        self.warned = self._catcher.__enter__()
        warnings.simplefilter("always")  # recorded, every one: the filters apply on release
        self._real = {"stdout": sys.stdout, "stderr": sys.stderr}
        sys.stdout = _HeldStream(self, "stdout", sys.stdout)  # type: ignore[assignment]
        sys.stderr = _HeldStream(self, "stderr", sys.stderr)  # type: ignore[assignment]
        return self

    def __exit__(self, *exc: object) -> None:
        # restore only our own stand-ins: the body may have swapped the streams itself
        if isinstance(sys.stdout, _HeldStream) and sys.stdout._held is self:
            sys.stdout = self._real["stdout"]
        if isinstance(sys.stderr, _HeldStream) and sys.stderr._held is self:
            sys.stderr = self._real["stderr"]
        self._catcher.__exit__(*exc)
        if exc[0] is not None:
            self.release()

    def release(self) -> None:
        """Write what was held to the real streams (once)."""
        if self._decided:
            return
        self._decided = True
        chunks, self.chunks = self.chunks, []
        for name, text in chunks:
            self._real[name].write(text)
        for name in {name for name, _ in chunks}:
            self._real[name].flush()
        warned, self.warned = self.warned, []
        for w in warned:  # through the filters in force (an "error" filter raises here)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                   source=w.source)

    def drop(self) -> None:
        """Forget what was held: TensorFlow would not have run the body."""
        self._decided = True
        self.chunks, self.warned = [], []
