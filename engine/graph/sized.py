"""Graph attributes that follow the input sizes: what engine code computed from a traced
tensor's trace-time shape (a gradient's broadcast shape, ``1 / count`` of a mean) says so
here, so that a replay of the graph for a ``None`` signature's other sizes recomputes it
(``engine.graph.replay``) instead of reusing the first trace's number."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.context import STATE
from engine.tensor import Tensor, wrap


def sized_constant(value: np.ndarray, derive: Any, extra: tuple, *sources: Tensor) -> Tensor:
    """A constant computed from the sizes of ``sources`` (``derive([their arrays],
    *extra)`` gives ``value``): while tracing, a Const node that a replay for new input sizes
    recomputes rather than a number baked into the graph."""
    t = wrap(value)
    builder = STATE.graph
    if builder is not None:
        builder.value_of(t)
        builder.derive_attr(t, "value", derive, extra, *sources)
    return t


def derive_attr(result: Tensor, key: str, derive: Any, extra: tuple, *sources: Tensor) -> None:
    """``GraphBuilder.derive_attr`` of the trace running, if one is."""
    builder = STATE.graph
    if builder is not None:
        builder.derive_attr(result, key, derive, extra, *sources)


def node_count() -> int:
    """How many nodes the running trace holds (0 outside one): where ``derive_since``
    starts."""
    builder = STATE.graph
    return len(builder.graph.nodes) if builder is not None else 0


def derive_since(start: int, key: str, derive: Any, extra: tuple, *sources: Tensor) -> None:
    """``derive_attr`` for every node made since ``node_count()`` was ``start`` whose ``key``
    holds the derived value now (a composite's nodes taking a shape)."""
    builder = STATE.graph
    if builder is not None:
        for node in builder.graph.nodes[start:]:
            builder.derive_node_attr(node, key, derive, extra, *sources)


def shape_of(arrays: list) -> tuple:
    """The first source's shape (a derivation for ``derive_attr``)."""
    return tuple(np.shape(arrays[0]))


def dims_from(arrays: list, template: tuple | None) -> tuple:
    """A shape given by tensors: one 1-D tensor's values (``template`` None), or
    ``template``'s sizes with each None taken from the next scalar (``[tf.shape(x)[0], -1]``)."""
    if template is None:
        return tuple(int(d) for d in np.reshape(arrays[0], -1))
    given = iter(arrays)
    return tuple(int(next(given)) if d is None else d for d in template)


def element_count(arrays: list, dtype: Any) -> np.ndarray:
    """How many elements the first source has, as a ``dtype`` scalar (a mean's divisor)."""
    return np.asarray(np.size(arrays[0]), dtype)
