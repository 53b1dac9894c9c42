"""``tf.autograph.experimental``."""

from __future__ import annotations

from typing import Any

from engine.autograph.conversion import do_not_convert

__all__ = ["do_not_convert", "set_loop_options"]

UNSPECIFIED = object()


def set_loop_options(parallel_iterations: Any = UNSPECIFIED, swap_memory: Any = UNSPECIFIED,
                     maximum_iterations: Any = UNSPECIFIED,
                     shape_invariants: Any = UNSPECIFIED) -> None:
    """Options for the converted loop over a tensor whose body calls it: the loop stops
    after ``maximum_iterations``; ``parallel_iterations`` and ``swap_memory`` change
    nothing here (one thread, no device memory). Outside such a loop (eagerly, in a loop
    over Python values) it does nothing, as in TensorFlow. ``shape_invariants`` are
    accepted; a loop whose values change shape is still refused with an error that says
    so (Tapescope's graphs have static shapes)."""
    from engine.control_flow import LOOP_OPTIONS

    if not LOOP_OPTIONS:
        return
    given = {"parallel_iterations": parallel_iterations, "swap_memory": swap_memory,
             "maximum_iterations": maximum_iterations, "shape_invariants": shape_invariants}
    LOOP_OPTIONS[-1].update({k: v for k, v in given.items() if v is not UNSPECIFIED})
