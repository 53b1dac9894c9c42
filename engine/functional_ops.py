"""``tf.scan``, ``tf.foldl``/``foldr`` and ``tf.switch_case``/``tf.case``: Python loops and
branch choices over engine ops.

Eagerly they run as written. Inside a ``tf.function`` the loop over ``elems`` is unrolled
(traces are specialized to the input shapes, so the count is known) and a branch chosen by a
tensor becomes nested ``tf.cond`` nodes, so the graph chooses at each run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine import errors, nest
from engine.context import STATE
from engine.control_flow import cond
from engine.ops.array_ops import stack, unstack
from engine.tensor import Tensor, convert_to_tensor


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _slices(elems: Any, fn_name: str) -> tuple[list, int]:
    flat = [_t(e) for e in nest.flatten(elems)]
    if not flat:
        raise ValueError(f"elems must be a Tensor or (possibly nested) sequence of Tensors. "
                         f"Got {elems}, which does not contain any Tensors.")
    if any(e._value.ndim == 0 for e in flat):
        raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    n = flat[0]._value.shape[0]
    if any(e._value.shape[0] != n for e in flat):
        raise ValueError("All elements in elems must have the same outer dimension.")
    rows = [unstack(e) if n else [] for e in flat]
    return [nest.pack_sequence_as(elems, [r[i] for r in rows]) for i in range(n)], n


def _start(elems: list, initializer: Any, reverse: bool) -> tuple[Any, list]:
    if initializer is not None:
        return nest.map_structure(_t, initializer), elems
    if not elems:
        raise errors.OutOfRangeError(None, "TensorListGetItem",
                                     "Tried to read from index 0 but array size is: 0 ")
    return (elems[-1], elems[:-1]) if reverse else (elems[0], elems[1:])


def scan(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
         back_prop: bool = True, swap_memory: bool = False, infer_shape: bool = True,
         reverse: bool = False, name: str | None = None) -> Any:
    """``tf.scan``: every accumulator ``fn(acc, x)`` takes along ``elems``, stacked; without
    an initializer the first element starts (and is the first result)."""
    if not callable(fn):
        raise TypeError(f"fn must be callable. Received: {fn}")
    items, _ = _slices(elems, "scan")
    acc, rest = _start(items, initializer, reverse)
    results = [acc] if initializer is None else []
    for x in (reversed(rest) if reverse else rest):
        acc = fn(acc, x)
        results.append(acc)
    if reverse:
        results.reverse()
    structure = acc
    if not results:
        raise ValueError("tf.scan of no elements with an initializer: nothing to stack")
    leaves = [nest.flatten(r) for r in results]
    stacked = [stack([_t(row[i]) for row in leaves]) for i in range(len(leaves[0]))]
    return nest.pack_sequence_as(structure, stacked)


def foldl(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:
    """``tf.foldl``: ``fn(acc, x)`` over ``elems`` from the first element on."""
    items, _ = _slices(elems, "foldl")
    acc, rest = _start(items, initializer, False)
    for x in rest:
        acc = fn(acc, x)
    return acc


def foldr(fn: Callable, elems: Any, initializer: Any = None, parallel_iterations: int = 10,
          back_prop: bool = True, swap_memory: bool = False, name: str | None = None) -> Any:
    """``tf.foldr``: ``fn(acc, x)`` over ``elems`` from the last element back."""
    items, _ = _slices(elems, "foldr")
    acc, rest = _start(items, initializer, True)
    for x in reversed(rest):
        acc = fn(acc, x)
    return acc


def _chain(pairs: list[tuple[Any, Callable]], default: Callable) -> Any:
    """fn of the first true predicate, else default: nested tf.cond when tracing."""
    if not pairs:
        return default()
    (pred, fn), rest = pairs[0], pairs[1:]
    return cond(pred, fn, lambda: _chain(rest, default))


def switch_case(branch_index: Any, branch_fns: Any, default: Callable | None = None,
                name: str | None = None) -> Any:
    """``tf.switch_case``: ``branch_fns[branch_index]()``; an index out of range takes
    ``default`` (the last branch when there is none), as TensorFlow does."""
    if not isinstance(branch_index, Tensor):
        raise TypeError(f"'branch_index' must be a Tensor, got {type(branch_index)}")
    if isinstance(branch_fns, dict):
        keys = sorted(branch_fns)
        if keys != list(range(len(keys))):
            raise ValueError(f"branch indices (keys) must form contiguous range of [0 to "
                             f"{len(keys)}) but found {keys}.")
        fns = [branch_fns[k] for k in keys]
    else:
        fns = [f[1] if isinstance(f, tuple) else f for f in branch_fns]
    if not fns:
        raise ValueError("Must provide at least one item in branch_fns")
    for f in fns:
        if not callable(f):
            raise TypeError(f"fn for branch must be callable; got {f}")
    if branch_index._value.dtype.kind not in "iu" or branch_index._value.ndim != 0:
        raise TypeError(f"branch_index must be a scalar int32 Tensor; got {branch_index!r}")
    fallback = default if default is not None else fns[-1]
    if STATE.graph is None:
        i = int(branch_index._value)
        return fns[i]() if 0 <= i < len(fns) else fallback()
    return _chain([(branch_index == i, f) for i, f in enumerate(fns)], fallback)


def case(pred_fn_pairs: Any, default: Callable | None = None, exclusive: bool = False,
         strict: bool = False, name: str = "case") -> Any:
    """``tf.case``: the function of the first true predicate, else ``default``; with no
    default and no true predicate, an InvalidArgumentError as TensorFlow's assert raises."""
    pairs = list(pred_fn_pairs.items() if isinstance(pred_fn_pairs, dict) else pred_fn_pairs)
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in pred_fn_pairs must be a 2-tuple. Received {pair}.")
        if not callable(pair[1]):
            raise TypeError(f"fn for pred {pair[0]} must be callable.")
    if not pairs and default is None:
        raise ValueError("Must provide at least one item in pred_fn_pairs or a default")
    if STATE.graph is None:
        for pred, fn in pairs:
            if bool(_t(pred)._value):
                return fn()
        if default is not None:
            return default()
        raise errors.InvalidArgumentError(
            None, "Assert", "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. "
            "Summarized data: b'Input error: None of conditions evaluated as True:'\n"
            + ", ".join(str(bool(_t(p)._value)) for p, _ in pairs))
    if default is None:
        pairs, default = pairs[:-1], pairs[-1][1]
    return _chain(pairs, default)
