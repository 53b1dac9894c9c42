"""The ops behind a ``tf.TensorArray`` inside a ``tf.function`` whose index is a tensor (a
write in a loop over a tensor): the elements as one dense tensor whose first axis is the
element index, as TensorFlow keeps them in a TensorList (the op names are TensorFlow's)."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops.array_ops import gather, reshape
from engine.ops.math_ops import cast, not_equal
from engine.ops.registry import defop


def _modify_error(i: int, n: int) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(  # TensorFlow 2.21's text
        None, "TensorListSetItem", f"Trying to modify element {i} in a list with {n} elements.")


@defop("TensorListSetItem")
def _set_item(elements, index, item, *, resizable=False):
    """``elements`` with element ``index`` replaced by ``item``; a resizable array (one made
    with ``dynamic_size=True``) grows with zero elements to hold ``index``."""
    i, n = int(index), elements.shape[0]
    if item.shape != elements.shape[1:]:
        raise errors.InvalidArgumentError(
            None, "TensorListSetItem", "Tried to write an element of shape "
            f"{list(item.shape)} into a TensorArray of elements of shape "
            f"{list(elements.shape[1:])}")
    if i < 0 or (i >= n and not resizable):
        raise _modify_error(i, n)
    out = np.zeros((max(n, i + 1),) + elements.shape[1:], elements.dtype)
    out[:n] = elements
    out[i] = item
    return out


SET_ITEM = _set_item


@SET_ITEM.gradient
def _(op: Any, dy: Any) -> tuple:
    """d elements = dy's first n rows with row ``index`` zeroed (it was overwritten);
    d item = dy[index]."""
    from engine.ops.array_ops import range_

    elements, index, _ = op.inputs
    n = elements._value.shape[0]
    rank = dy._value.ndim
    keep = cast(not_equal(range_(n), cast(index, "int32")), dy.dtype)
    kept = dy[:n] * reshape(keep, [n] + [1] * (rank - 1))
    return kept, None, gather(dy, index)


def _check_length(length: int, traced_length: int, what: str, op: str) -> None:
    """The graph after a length was traced for it (Tapescope's graphs have static shapes):
    another length is an error that says so, rather than a wrong result."""
    if length != traced_length:
        raise errors.InvalidArgumentError(
            None, op,
            f"{what} is {length} in this call but was {traced_length} "
            "when the tf.function was traced: Tapescope traces a graph per input shape, with "
            "static shapes, and this length depends on an input's value. Make it follow an "
            "input's shape (e.g. tf.range(tf.shape(x)[0]) or size=x.shape[0]) or pass it as a "
            "Python int (which retraces per value).")


@defop("TensorListLengthCheck")
def _length_check(elements, *, traced_length, what):
    """``elements`` unchanged if it holds as many elements as when the function was traced."""
    _check_length(elements.shape[0], traced_length, what, "TensorListLengthCheck")
    return elements


LENGTH_CHECK = _length_check


@LENGTH_CHECK.gradient
def _(op: Any, dy: Any) -> tuple:
    """The identity's: dy."""
    return (dy,)


@defop("TensorListReserve", differentiable=False)
def _reserve(num_elements, *, element_shape, dtype, traced_length):
    """``num_elements`` zero elements (a TensorArray of a size given as a tensor); the size
    must be the one it had when traced, for the same reason as TensorListLengthCheck's."""
    n = int(num_elements)
    _check_length(n, traced_length, "A tf.TensorArray's size", "TensorListReserve")
    return np.zeros((n,) + tuple(element_shape), dtype)


RESERVE = _reserve
