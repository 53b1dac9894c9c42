"""Checks converted control flow makes when the graph runs.

``AssertLoopIterated``: a name a converted loop over a tensor first binds inside its body
has a value after the loop only if the body ran; TensorFlow's loop asserts it, with this
text. ``AssertBranchShape``: an if/``tf.cond`` whose branches give a value different shapes
(TensorFlow relaxes the shape) is traced for the branch taken while tracing, since
Tapescope's graph values have static shapes; a call taking the other branch says so."""

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


@defop("AssertBranchShape")
def _assert_branch_shape(value, *, traced_shape, other_shape, name):
    """``value`` if it has the shape the graph was traced with, else an error saying why."""
    if value.shape != tuple(traced_shape) and STATE.graph is None:
        raise errors.InvalidArgumentError(
            None, "AssertBranchShape",
            f"{name} has shape {list(value.shape)} in this call but {list(traced_shape)} when "
            f"the tf.function was traced: the branches of the if/tf.cond give it shapes "
            f"{list(traced_shape)} and {list(other_shape)} (TensorFlow relaxes the shape), and "
            "Tapescope's graphs have static shapes, so this graph follows the branch taken "
            "while tracing. Give the branches equal shapes (e.g. pad the smaller one).")
    return value


ASSERT_BRANCH_SHAPE = _assert_branch_shape


@ASSERT_BRANCH_SHAPE.gradient
def _(op: Any, dy: Any) -> tuple:
    """The identity's: dy."""
    return (dy,)
