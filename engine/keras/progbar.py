"""Keras' progress bar: ``1875/1875 [======] - 2s 1ms/step - loss: 0.2950 - accuracy: 0.9150``.

On a terminal the bar redraws in place (``\\r``). When stdout is a pipe or a file (a log,
the debugger's child process) it prints only the finished line of each epoch, so logs
get one line per epoch instead of thousands of redraws.
"""

from __future__ import annotations

import sys
import time
from typing import Any


def format_value(value: float) -> str:
    return f"{value:.4f}" if abs(value) > 1e-3 else f"{value:.4e}"


def format_time_per_unit(seconds: float, unit: str) -> str:
    if seconds >= 1 or seconds == 0:
        return f" {seconds:.0f}s/{unit}"
    if seconds >= 1e-3:
        return f" {seconds * 1e3:.0f}ms/{unit}"
    return f" {seconds * 1e6:.0f}us/{unit}"


class Progbar:
    """A progress bar over ``target`` steps (None = unknown), with named values."""

    def __init__(self, target: int | None, width: int = 30, verbose: int = 1,
                 interval: float = 0.05, unit_name: str = "step",
                 stream: Any = None) -> None:
        self.target, self.width, self.verbose = target, width, verbose
        self.interval, self.unit_name = interval, unit_name
        self.stream = stream if stream is not None else sys.stdout
        isatty = getattr(self.stream, "isatty", None)
        self.dynamic = bool(isatty and isatty())
        self._start = time.perf_counter()
        self._last_update = 0.0
        self._width_drawn = 0
        self._values: dict[str, float] = {}
        self._finished = False

    def update(self, current: int, values: Any = None, finalize: bool | None = None) -> None:
        """Show progress at step ``current`` with the latest ``values`` (name → number)."""
        for k, v in (values.items() if isinstance(values, dict) else values or []):
            self._values[k] = float(v)
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        if self.verbose == 0 or self._finished:
            return
        now = time.perf_counter()
        elapsed = now - self._start
        per_unit = elapsed / current if current else 0.0
        if self.verbose == 2:
            if finalize:
                self._write(self._counter(current) + f" - {elapsed:.0f}s" + self._metrics()
                            + f" - {elapsed:.0f}s/epoch -"
                            + format_time_per_unit(per_unit, self.unit_name) + "\n")
                self._finished = True
            return
        if not finalize and (not self.dynamic or now - self._last_update < self.interval):
            return
        self._last_update = now
        line = self._bar(current)
        if finalize or self.target is None:
            line += f" - {elapsed:.0f}s" + format_time_per_unit(per_unit, self.unit_name)
        else:
            line += " - ETA: " + _eta(per_unit * (self.target - current))
        line += self._metrics()
        pad = max(self._width_drawn - len(line), 0)
        self._width_drawn = len(line)
        text = ("\r" if self.dynamic else "") + line + " " * pad
        if finalize:
            text += "\n"
            self._finished = True
        self._write(text)

    def _counter(self, current: int) -> str:
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = len(str(self.target))
        return f"{current:{digits}d}/{self.target}"

    def _bar(self, current: int) -> str:
        if self.target is None:
            return self._counter(current)
        done = int(self.width * min(current, self.target) / max(self.target, 1))
        bar = "=" * max(done - 1, 0)
        if done > 0:
            bar += ">" if current < self.target else "="
        return f"{self._counter(current)} [{bar}{'.' * (self.width - done)}]"

    def _metrics(self) -> str:
        return "".join(f" - {k}: {format_value(v)}" for k, v in self._values.items())

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def _eta(seconds: float) -> str:
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"
