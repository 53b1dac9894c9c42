"""``model.summary()``: the plain-text table tf.keras 2 prints, column for column."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def readable_memory_size(size: float) -> str:
    """Bytes as Keras shows them: ``397.54 KB``."""
    for unit in ("Byte", "KB", "MB", "GB", "TB", "PB"):
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _print_row(fields: list, positions: list[int], print_fn: Callable[[str], Any]) -> None:
    """One table row; long fields wrap onto following lines, breaking after '),' or '',."""
    left = [str(f) for f in fields]
    while any(left):
        line = ""
        for col in range(len(left)):
            start = positions[col - 1] if col > 0 else 0
            last = col == len(positions) - 1
            space = 0 if last else 2
            cutoff = positions[col] - start - space - (0 if last else 1)
            piece = left[col][:cutoff]
            breaks = [piece.find(m) + len(m) for m in ("),", "},", "],", "',") if m in piece]
            if breaks:
                cutoff = min(breaks)
                piece = piece[:cutoff]
            if col == 0:
                line += " "
            line += piece + " " * space
            left[col] = left[col][cutoff:]
            line += " " * (positions[col] - len(line))
        print_fn(line)


def _shape_text(layer: Any, model: Any) -> str:
    shapes = model._summary_output_shape(layer)
    return "multiple" if shapes is None else str(shapes)


def _param_count(weights: list) -> tuple[int, int]:
    count = sum(int(np.prod(v._value.shape, dtype=np.int64)) for v in weights)
    size = sum(int(v._value.nbytes) for v in weights)
    return count, size


def print_summary(model: Any, line_length: int | None = None, positions: list | None = None,
                  print_fn: Callable[[str], Any] | None = None) -> None:
    """Print the table: one row per layer, then total / trainable / non-trainable params."""
    print_fn = print_fn or print
    connected = model._summary_connections()
    if connected is None:
        line_length = line_length or 65
        fractions = positions or [0.45, 0.85, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
    else:
        line_length = line_length or 98
        fractions = positions or [0.3, 0.6, 0.7, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
    cols = [int(line_length * p) if p <= 1 else int(p) for p in fractions]
    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    _print_row(header, cols, print_fn)
    print_fn("=" * line_length)
    layers = model._summary_layers()
    for layer in layers:
        params = layer.count_params() if layer.built else 0
        fields = [f"{layer.name} ({type(layer).__name__})", _shape_text(layer, model), params]
        if connected is not None:
            fields.append(connected.get(id(layer), []))
        _print_row(fields, cols, print_fn)
        print_fn(" " * line_length)
    print_fn("=" * line_length)
    trainable, trainable_size = _param_count(model.trainable_weights)
    frozen, frozen_size = _param_count(model.non_trainable_weights)
    print_fn(f"Total params: {trainable + frozen} "
             f"({readable_memory_size(trainable_size + frozen_size)})")
    print_fn(f"Trainable params: {trainable} ({readable_memory_size(trainable_size)})")
    print_fn(f"Non-trainable params: {frozen} ({readable_memory_size(frozen_size)})")
    print_fn("_" * line_length)
