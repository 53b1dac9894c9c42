"""The ops behind ``for x in dataset`` inside a ``tf.function``: the dataset is iterated
when the graph runs, one element per loop iteration, as TensorFlow's converted loop does
(not unrolled over the elements seen while tracing).

``MakeIterator`` starts a pass over the dataset each time the graph runs and gives a token
(the pass's number) that orders the ``IteratorGetNext`` nodes after it. ``IteratorGetNext``
gives element ``k`` of the current pass (whether there is one, then its components, zeros
past the end); the loop asks for them in order, so only the last one is kept. (No gradient
flows through such a loop, as through TensorFlow's dataset reduction: it is never
recomputed.)

While a function is traced nothing is read, so the dataset's own state (a shuffle's order, a
generator, a map function's prints) is not touched by tracing: the loop's body is traced on
zeros of the element spec and the pass is empty, or ``trace_length`` zero elements long
where the trace needs the number of iterations (a TensorArray the loop fills).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from engine import nest
from engine.context import STATE
from engine.ops.registry import defop

# While a tf.function traces: what it did with datasets, as (what, dataset) pairs: "graph"
# (a DatasetPasses that reads it when the graph runs), "read" (iterated or measured at trace
# time, so its elements or length are in the graph). A dataset argument is only traced by
# its element spec (a new one with that spec reuses the graph) when nothing read it.
TRACE_LOG: list[list[tuple[str, Any]]] = []


def note_dataset_use(what: str, dataset: Any) -> None:
    if TRACE_LOG and STATE.graph is not None:
        TRACE_LOG[-1].append((what, dataset))


class DatasetPasses:
    """One ``for x in dataset`` of a traced function: the dataset and its current pass."""

    def __init__(self, dataset: Any, trace_length: int = 0) -> None:
        self.dataset = dataset
        self.trace_length = trace_length
        self.specs = nest.flatten(dataset.element_spec)
        self.passes = 0
        self._iterator: Iterator | None = None
        self._last: tuple[int, tuple | None] = (-1, None)  # the element read last, by index
        if TRACE_LOG:
            TRACE_LOG[-1].append(("graph", self))

    def __repr__(self) -> str:
        return f"<dataset {type(self.dataset).__name__}>"

    def __deepcopy__(self, memo: dict) -> DatasetPasses:
        """Shared, as a captured variable is: the optimized copy of a graph and the loop
        body inside it must read the same pass."""
        return self

    def start(self) -> int:
        """A new pass over the dataset (none while tracing)."""
        self.passes += 1
        self._last = (-1, None)
        self._iterator = None if STATE.graph is not None else iter(self.dataset)
        return self.passes

    def element(self, k: int) -> tuple | None:
        """Element ``k`` of the current pass (its flat components), or None past its end."""
        if STATE.graph is not None:  # tracing
            return self.zeros() if k < self.trace_length else None
        last, element = self._last
        if k == last:
            return element
        if k != last + 1:
            raise RuntimeError(f"element {k} of a dataset pass asked for after element {last}: "
                               "a loop over a dataset reads its elements in order")
        element = self._next()
        self._last = (k, element)
        return element

    def _next(self) -> tuple | None:
        if self._iterator is None:
            return None
        saved = STATE.graph, STATE.dry_run
        STATE.graph, STATE.dry_run = None, False  # a map function runs as it would eagerly
        STATE.refresh()
        try:
            element = next(self._iterator)
        except StopIteration:
            self._iterator = None
            return None
        finally:
            STATE.graph, STATE.dry_run = saved
            STATE.refresh()
        return tuple(np.asarray(leaf._value if hasattr(leaf, "_value") else leaf)
                     for leaf in nest.flatten(element))

    def zeros(self) -> tuple:
        """Stand-ins of the element spec's shapes and dtypes (past the end, and tracing)."""
        return tuple(np.full(spec.shape.as_list(), b"" if spec.dtype.name == "string" else 0,
                             object if spec.dtype.name == "string" else spec.dtype._np)
                     for spec in self.specs)


@defop("MakeIterator", differentiable=False)
def _make_iterator(*, source):
    """A new pass over ``source.dataset``; its number orders the reads after it."""
    return np.int64(source.start())


MAKE_ITERATOR = _make_iterator


@defop("IteratorGetNext", num_outputs=0, differentiable=False)
def _get_next(token, index, *, source):
    """(whether element ``index`` of the pass exists, its components or zeros)."""
    element = source.element(int(index))
    if element is None:
        return (np.bool_(False), *source.zeros())
    return (np.bool_(True), *element)


GET_NEXT = _get_next
