"""The ``error`` event of a script that raised: its text as the window shows it."""

from __future__ import annotations

from pathlib import Path

import pytest

import engine as tf
from debugger.debuggee import error_fields


class Broken(tf.keras.layers.Layer):
    def call(self, inputs):
        raise ValueError("broken")


def test_keras_bold_styling_is_left_out_of_the_error_event(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as info:
        Broken()(tf.ones([2]))
    assert "\x1b[1mbroken\x1b[0m" in str(info.value)  # Keras 3's text, for a terminal
    fields = error_fields(info.value, tmp_path / "script.py")
    assert fields["message"] == (
        "ValueError: Exception encountered when calling Broken.call().\n\nbroken\n\n"
        "Arguments received by Broken.call():\n  • inputs=tf.Tensor(shape=(2,), dtype=float32)")
    assert "\x1b" not in fields["traceback"] and "broken\n" in fields["traceback"]
