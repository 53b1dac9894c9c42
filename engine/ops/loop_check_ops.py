"""``AssertLoopIterated``: a name a converted loop over a tensor first binds inside its body
has a value after the loop only if the body ran; TensorFlow's loop asserts it when the graph
runs, with this text."""

from __future__ import annotations

from typing import Any

from engine import errors
from engine.context import STATE
from engine.ops.registry import defop


@defop("AssertLoopIterated")
def _assert_loop_iterated(iterated, value, *, name):
    """``value`` if the loop's body ran at least once, else TensorFlow's assertion error
    (not while tracing: a trace's loop over a dataset reads no elements)."""
    if not iterated and STATE.graph is None:
        raise errors.InvalidArgumentError(
            None, "Assert", f"assertion failed: [loop must iterate at least once to initialize "
                            f"{name}]")
    return value


ASSERT_LOOP_ITERATED = _assert_loop_iterated


@ASSERT_LOOP_ITERATED.gradient
def _(op: Any, dy: Any) -> tuple:
    """The identity's for the value: dy."""
    return None, dy
