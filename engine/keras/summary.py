"""``model.summary()``: the box-drawn table Keras 3 prints, character for character.

Keras 3 renders it with ``rich`` (a ``Table`` with a heavy head and a line between rows);
the engine draws the same boxes itself, with rich's column-width arithmetic, so it needs no
extra dependency and its text matches what a TensorFlow user sees without colour.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from typing import Any

import numpy as np

# rich's HEAVY_HEAD box: (left, fill, joint, right) per kind of rule.
_TOP = ("┏", "━", "┳", "┓")
_HEAD_ROW = ("┃", "", "┃", "┃")
_HEAD_RULE = ("┡", "━", "╇", "┩")
_ROW = ("│", "", "│", "│")
_ROW_RULE = ("├", "─", "┼", "┤")
_BOTTOM = ("└", "─", "┴", "┘")


def readable_memory_size(size: float) -> str:
    """Bytes as Keras 3 shows them: ``397.54 KB``, ``0.00 B``."""
    for unit in ("B", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int],
                  values: list[int]) -> list[int]:
    """rich's ``ratio_reduce``: take ``total`` away from ``values`` in proportion to ``ratios``
    (Python's round: half to even, as rich rounds)."""
    total_ratio, remaining, out = sum(ratios), total, []
    for ratio, maximum, value in zip(ratios, maximums, values):
        if ratio and total_ratio > 0:
            taken = min(maximum, round(ratio * remaining / total_ratio))
            out.append(value - taken)
            remaining -= taken
            total_ratio -= ratio
        else:
            out.append(value)
    return out


def _column_widths(line_length: int, positions: list[float]) -> list[int]:
    """Cell widths (one space of padding each side included), as rich fits fixed-width
    columns into a table ``line_length`` wide: overflow is shaved off evenly."""
    widths, current = [], 0
    for pos in positions:
        width = (int(pos * line_length) if pos <= 1 else int(pos)) - current
        if width < 4:
            raise ValueError("Insufficient console width to print summary.")
        widths.append(width)
        current += width
    cells = [w + 2 for w in widths]
    room = line_length - (len(cells) + 1)  # the vertical rules take one column each
    if sum(cells) > room:
        cells = _ratio_reduce(sum(cells) - room, [1] * len(cells), cells, cells)
    return cells


def _wrap(text: str, width: int) -> list[str]:
    """Word-wrap as rich does; a word wider than the cell is cut with an ellipsis."""
    lines: list[str] = []
    line = ""
    for word in text.split(" "):
        if len(word) > width:
            word = word[:width - 1] + "…"
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return lines


def _rule(kind: tuple[str, str, str, str], cells: list[int]) -> str:
    left, fill, joint, right = kind
    return left + joint.join(fill * w for w in cells) + right


def _row(kind: tuple[str, str, str, str], fields: list[str], cells: list[int],
         right_aligned: set[int]) -> list[str]:
    wrapped = [_wrap(field, w - 2) for field, w in zip(fields, cells)]
    height = max(len(lines) for lines in wrapped)
    out = []
    for i in range(height):
        parts = []
        for col, (lines, w) in enumerate(zip(wrapped, cells)):
            text = lines[i] if i < len(lines) else ""
            text = text.rjust(w - 2) if col in right_aligned else text.ljust(w - 2)
            parts.append(f" {text} ")
        out.append(kind[0] + kind[2].join(parts) + kind[3])
    return out


def _format_shape(shape: Any) -> str:
    """``(None, 8)``; several outputs as Keras 3 writes a structure of them."""
    if isinstance(shape, list):
        if len(shape) == 1:
            return _format_shape(shape[0])
        return "[" + ", ".join(_format_shape(s) for s in shape) + "]"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def count_params(weights: list) -> int:
    return sum(math.prod(v._value.shape) for v in weights)


def weight_memory_size(weights: list) -> int:
    unique = {id(v): v for v in weights}.values()
    return sum(int(np.asarray(v._value).nbytes) for v in unique)


def print_summary(model: Any, line_length: int | None = None, positions: list | None = None,
                  print_fn: Callable[[str], Any] | None = None) -> None:
    """Print the table: one row per layer, then total / trainable / non-trainable params
    (and the optimizer's, once it has built its slots), as Keras 3 does."""
    connected = model._summary_connections()
    if connected is None:
        default_length, positions = 88, positions or [0.45, 0.80, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        default_length, positions = 108, positions or [0.3, 0.56, 0.74, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    # Keras fits the table to the terminal (80 columns when there is none).
    line_length = line_length or min(default_length, shutil.get_terminal_size().columns - 4)
    cells = _column_widths(line_length, positions)
    right = {2}
    lines = [f'Model: "{model.name}"', _rule(_TOP, cells)]
    lines += _row(_HEAD_ROW, header, cells, right)
    lines.append(_rule(_HEAD_RULE, cells))
    for i, layer in enumerate(model._summary_layers()):
        shape = model._summary_output_shape(layer)
        if not layer.built:
            params = "0 (unbuilt)"
        else:
            params = f"{layer.count_params():,}"
        fields = [f"{layer.name} ({type(layer).__name__})",
                  "?" if shape is None else _format_shape(shape), params]
        if connected is not None:
            fields.append(", ".join(connected.get(id(layer), [])) or "-")
        if i:
            lines.append(_rule(_ROW_RULE, cells))
        lines += _row(_ROW, fields, cells, right)
    lines.append(_rule(_BOTTOM, cells))
    trainable, frozen = model.trainable_weights, model.non_trainable_weights
    optimizer = getattr(model, "optimizer", None)
    slots = list(optimizer.variables) if optimizer is not None and optimizer.built else []
    every = trainable + frozen + slots
    lines.append(f" Total params: {count_params(every):,} "
                 f"({readable_memory_size(weight_memory_size(every))})")
    lines.append(f" Trainable params: {count_params(trainable):,} "
                 f"({readable_memory_size(weight_memory_size(trainable))})")
    lines.append(f" Non-trainable params: {count_params(frozen):,} "
                 f"({readable_memory_size(weight_memory_size(frozen))})")
    if slots:
        lines.append(f" Optimizer params: {count_params(slots):,} "
                     f"({readable_memory_size(weight_memory_size(slots))})")
    text = "\n".join(lines) + "\n"
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)  # Keras 3 hands print_fn the whole table as one string
