"""The converted operators AutoGraph's generated code calls (``ag__.if_stmt`` …): each looks
at its condition or iterable at trace time and runs Python control flow for Python values
(traced once, unrolled, as in TensorFlow) or builds graph control flow (``If``/``While``
nodes) for tensors. Errors repeat TensorFlow's types and messages."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors, nest
from engine.context import STATE
from engine.tensor import Tensor, Variable, convert_to_tensor


class Undefined:
    """The value of a name the code has not bound yet (one an ``if`` or loop may bind)."""

    __slots__ = ("symbol_name",)

    def __init__(self, symbol_name: str) -> None:
        self.symbol_name = symbol_name

    def __repr__(self) -> str:
        return f"<undefined {self.symbol_name!r}>"

    def _unbound(self, *args: Any, **kwargs: Any) -> Any:
        raise UnboundLocalError(f"'{self.symbol_name}' is used before assignment")

    __getattr__ = __call__ = __getitem__ = __iter__ = __bool__ = _unbound
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _unbound
    __truediv__ = __rtruediv__ = __lt__ = __gt__ = __le__ = __ge__ = __neg__ = _unbound


class UndefinedReturnValue(Undefined):
    """``retval_`` before any ``return`` ran: the function returns None."""

    __slots__ = ()

    def __init__(self) -> None:
        super().__init__("retval_")


def bound_or_undefined(scope: dict, names: Sequence[str]) -> tuple:
    values = tuple(scope.get(n, Undefined(n)) for n in names)
    return values


def get_attr(obj: Any, attr: str) -> Any:
    return getattr(obj, attr, Undefined(attr))


def set_attr(obj: Any, attr: str, value: Any) -> None:
    if not isinstance(value, Undefined):
        setattr(obj, attr, value)


def if_exp(cond: Any, body: Callable[[], Any], orelse: Callable[[], Any]) -> Any:
    """``a if cond else b``: a cond on a tensor, Python's own choice otherwise."""
    if not _graph_tensor(cond):
        return body() if cond else orelse()
    from engine.control_flow import traced_cond

    return traced_cond(cond, body, orelse)


def return_value(value: Any) -> Any:
    """What a converted function returns: None where no return ran; an unbound name in
    the result (a loop that never ran, a branch not taken) is TensorFlow's error."""
    if isinstance(value, UndefinedReturnValue):
        return None
    for leaf in [value, *value] if isinstance(value, tuple | list) else [value]:
        if isinstance(leaf, Undefined):
            leaf._unbound()
    return value


def _graph_tensor(x: Any) -> bool:
    """Whether ``x`` decides control flow inside a trace (then it becomes graph control flow);
    eagerly a tensor is a Python bool, as TensorFlow runs ``if`` on it."""
    return STATE.graph is not None and isinstance(x, Tensor) and not isinstance(x, Variable)


# -- boolean operators ------------------------------------------------------------------------

def not_(x: Any) -> Any:
    if _graph_tensor(x):
        from engine.math import logical_not

        return logical_not(x)
    return not x


def and_(a: Callable[[], Any], b: Callable[[], Any]) -> Any:
    """``a and b``, lazy: ``b`` runs (or, for a tensor ``a``, is traced) only where needed."""
    x = a()
    if _graph_tensor(x):
        from engine.control_flow import traced_cond

        return traced_cond(_as_bool(x, "and"), lambda: _as_bool(b(), "and"), lambda: x)
    return x and b()


def or_(a: Callable[[], Any], b: Callable[[], Any]) -> Any:
    x = a()
    if _graph_tensor(x):
        from engine.control_flow import traced_cond

        return traced_cond(_as_bool(x, "or"), lambda: x, lambda: _as_bool(b(), "or"))
    return x or b()


def neither(*flags: Any) -> Any:
    """``not (f1 or f2 ...)`` for the break/continue/return flags pass 1 introduces."""
    result: Any = True
    for flag in flags:
        if isinstance(flag, Undefined):
            continue
        result = and_(lambda r=result: r, lambda f=flag: not_(f))
    return result


def _as_bool(x: Any, where: str) -> Tensor:
    t = x if isinstance(x, Tensor) else convert_to_tensor(x)
    if t._value.dtype != np.bool_:
        raise TypeError(f"Input 'y' of 'Logical{where.capitalize()}' Op has type "
                        f"{t.dtype.name} that does not match expected type of bool.")
    return t


# -- if ---------------------------------------------------------------------------------------

def if_stmt(cond: Any, body: Callable[[], None], orelse: Callable[[], None],
            get_state: Callable[[], tuple], set_state: Callable[[tuple], None],
            names: tuple[str, ...]) -> None:
    if not _graph_tensor(cond):
        if cond:
            body()
        else:
            orelse()
        return
    from engine.control_flow import traced_cond

    if cond._value.dtype != np.bool_:
        cond = cond != 0 if cond._value.dtype.kind in "iuf" else cond
    init = get_state()
    raw: dict[str, tuple] = {}

    def branch(key: str, fn: Callable[[], None]) -> Callable[[], list]:
        def run() -> list:
            set_state(init)
            fn()
            state = raw[key] = get_state()
            return [_branch_output(v, v0) for v, v0 in zip(state, init)]
        return run

    def check(_a: Any, _b: Any) -> None:
        _check_branches(names, raw["main"], raw["else"])

    out = traced_cond(cond, branch("main", body), branch("else", orelse), check_outputs=check)
    set_state(tuple(v0 if o is None else o for o, v0 in zip(out, init)))


def _branch_output(value: Any, before: Any) -> Any:
    """What a branch hands to the ``If`` node for one name: None for a value no branch
    changed (a Python object kept as it was, or a name still undefined)."""
    if isinstance(value, Undefined) or value is None or (
            value is before and not isinstance(value, Tensor | bool | int | float | np.generic)):
        return None
    if isinstance(value, Tensor):
        return value
    return convert_to_tensor(value)  # Python numbers become tensors, as TensorFlow's outputs


def _check_branches(names: Sequence[str], main: tuple, other: tuple) -> None:
    for name, a, b in zip(names, main, other):
        if isinstance(a, Undefined) != isinstance(b, Undefined):
            missing = "else" if isinstance(b, Undefined) else "main"
            if name == "retval_":
                raise ValueError(f"the {missing} branch must also have a return statement.")
            raise ValueError(f"'{name}' must also be initialized in the {missing} branch")
        for value, branch in ((a, "main"), (b, "else")):
            if value is None and not (a is None and b is None):
                raise ValueError(f"'{name}' is None at the end of the {branch} branch.")
        if isinstance(a, Undefined) or a is None:
            continue
        if a is b:
            continue
        da, db = _dtype_of(a), _dtype_of(b)
        if da is not None and db is not None and da != db:
            raise TypeError(f"'{name}' has dtype {da.name} in the main branch, but dtype "
                            f"{db.name} in the else branch")


def _dtype_of(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.dtype
    try:
        return convert_to_tensor(x).dtype
    except (TypeError, ValueError):
        return None


# -- while ------------------------------------------------------------------------------------

_LIMITATIONS = ("\nSee https://github.com/tensorflow/tensorflow/blob/master/tensorflow/python/"
                "autograph/g3doc/reference/limitations.md#consistency-of-control-flow-types "
                "for more info.")
# TensorFlow 2.21's texts: a loop over Python values stays one, unrolled, so a break or
# return that depends on a tensor cannot end it
_FOR_BREAK_ON_TENSOR = ("break and return statements which depend on a TF condition are not "
                        "supported in Python for loops. Did you intend to make it a TF loop?"
                        + _LIMITATIONS)
_WHILE_BECAME_TENSOR = (
    "The condition of while loop started as non-Tensor, then changed to Tensor. This may "
    "happen either because variables changed type, or when a break or return statement "
    "inside the loop depends on a Tensor condition. In both cases, changing to a TF loop "
    "should remove the error." + _LIMITATIONS)


def while_stmt(test: Callable[[], Any], body: Callable[[], None],
               get_state: Callable[[], tuple], set_state: Callable[[tuple], None],
               names: tuple[str, ...], extra_test: Callable[[], Any] | None = None) -> None:
    def full_test() -> Any:
        go = test()
        if extra_test is None:
            return go
        return and_(lambda: go, extra_test)

    go = full_test()
    if _graph_tensor(go):
        _tensor_loop(lambda: full_test(), body, get_state, set_state, names)
        return
    while go:  # a Python loop, unrolled into the trace; it must stay one (as in TensorFlow)
        body()
        go = full_test()
        if _graph_tensor(go):
            raise NotImplementedError(_WHILE_BECAME_TENSOR)


def _tensor_loop(test: Callable[[], Any], body: Callable[[], None],
                 get_state: Callable[[], tuple], set_state: Callable[[tuple], None],
                 names: tuple[str, ...], extra_vars: Sequence[Tensor] = (),
                 step: Callable[[list], list] | None = None) -> list:
    """A ``While`` node over the state names that hold tensors or Python numbers, and the
    TensorArrays the loop writes (carried as their elements, one tensor each), plus
    ``extra_vars``, advanced by ``step``: a for loop's index."""
    from engine.control_flow import array_after_iteration, while_loop
    from engine.ops.loop_check_ops import ASSERT_LOOP_ITERATED
    from engine.ops.registry import execute
    from engine.tensor_array import after_loop

    init, arrays, missing = _defined_before_loop(
        body if step is None else lambda: step(list(extra_vars)), get_state, set_state, names)
    carried = [i for i, v in enumerate(init) if _loop_value(v) or i in arrays]
    # whether the body ran: a name it first binds has a value after the loop only then
    iterated = [convert_to_tensor(False)] if missing else []
    for name, value in zip(names, init):
        if value is None:
            raise ValueError(f"'{name}' may not be None before the loop.")
    start = [arrays[i] if i in arrays else init[i] if isinstance(init[i], Tensor)
             else convert_to_tensor(init[i]) for i in carried]
    n_extra = len(extra_vars)

    def install(values: Sequence[Any]) -> None:
        state = list(init)
        for i, v in zip(carried, values):
            state[i] = init[i].with_elements(v) if i in arrays else v
        set_state(tuple(state))

    def cond_fn(*values: Any) -> Any:
        install(values[n_extra:])
        go = test() if step is None else test(list(values[:n_extra]))
        return _as_bool(go, "and") if not isinstance(go, Tensor) else go

    def body_fn(*values: Any) -> list:
        extra = list(values[:n_extra])
        install(values[n_extra:])
        if step is not None:
            extra = step(extra)
        else:
            body()
        state = get_state()
        out = []
        for i, v0 in zip(carried, start):
            v = state[i]
            name = names[i]
            if i in arrays:
                out.append(array_after_iteration(name, init[i], v, v0))
                continue
            if isinstance(v, Undefined) or v is None:
                raise ValueError(f"'{name}' is None at the end of the iteration.")
            v = v if isinstance(v, Tensor) else convert_to_tensor(v)
            if v.dtype != v0.dtype:
                raise TypeError(f"'{name}' has dtype {v0.dtype.name} before the loop, but "
                                f"dtype {v.dtype.name} after one iteration")
            if v._value.shape != v0._value.shape:
                _shape_changed(name, v0, v)
            out.append(v)
        for i, v in enumerate(state):
            if i not in carried and v is not init[i] and not isinstance(v, Undefined):
                raise ValueError(f"'{names[i]}' must be a tensor to change inside a loop "
                                 "that depends on a tensor (it is "
                                 f"{type(v).__name__}).")
        return [*extra, *out, *(convert_to_tensor(True) for _ in iterated)]

    results = list(while_loop(cond_fn, body_fn, [*extra_vars, *start, *iterated]))
    state = results[n_extra:n_extra + len(carried)]
    for k, i in enumerate(carried):
        if i in arrays:  # a dynamic array's length was decided by this run of the loop
            state[k] = after_loop(init[i], state[k], names[i])
        if i in missing:
            state[k] = execute(ASSERT_LOOP_ITERATED, (results[-1], state[k]),
                               {"name": names[i]})
    install(state)
    return results[:n_extra]


def _shape_changed(name: str, before: Tensor, after: Tensor) -> None:
    """TensorFlow's error for a loop value changing shape; with shape invariants set (which
    TensorFlow would accept), the error says what Tapescope cannot do instead."""
    from engine.control_flow import LOOP_OPTIONS

    if LOOP_OPTIONS and LOOP_OPTIONS[-1].get("shape_invariants"):
        raise NotImplementedError(
            f"'{name}' changes shape in a loop over a tensor ({_shape_text(before)} before the "
            f"loop, {_shape_text(after)} after one iteration): Tapescope's graphs have static "
            "shapes, so shape_invariants that relax a shape are not supported. Collect the "
            "values in a tf.TensorArray instead.")
    raise ValueError(
        f"'{name}' has shape {_shape_text(before)} before the loop, but shape "
        f"{_shape_text(after)} after one iteration. Use "
        "tf.autograph.experimental.set_loop_options to set shape invariants.")


def _defined_before_loop(body: Callable[[], Any], get_state: Callable[[], tuple],
                         set_state: Callable[[tuple], None], names: tuple[str, ...],
                         ) -> tuple[tuple, dict[int, Tensor], list[int]]:
    """The loop's state, where a name first bound inside the loop (and used after it or in
    the next iteration) starts as zeros of the dtype and shape one iteration gives it, as
    TensorFlow does; the elements of the TensorArrays one iteration writes (by state index),
    of the element shape that iteration gives them; and the indices of those first bound
    in the loop. That iteration is traced into a graph thrown away."""
    from engine.control_flow import _trace_loop_function
    from engine.ops.array_ops import zeros
    from engine.tensor_array import TensorArray

    init = get_state()
    if any(isinstance(v, UndefinedReturnValue) for v in init):
        raise NotImplementedError(
            "a return statement cannot be placed inside this TensorFlow loop; this may happen "
            "if a return statement depends on a static Python condition such as a "
            "hyperparameter.")
    missing = [i for i, v in enumerate(init) if isinstance(v, Undefined)]
    arrays = [i for i, v in enumerate(init) if isinstance(v, TensorArray)]
    if not missing and not arrays:
        return init, {}, []
    found: dict[int, Any] = {}

    def one_iteration() -> list:
        set_state(init)
        body()
        state = get_state()
        for i in missing + arrays:
            found[i] = state[i]
        return []

    from engine.control_flow import LOOP_OPTIONS

    LOOP_OPTIONS.append({})  # the probe's set_loop_options are not the enclosing loop's
    try:
        _trace_loop_function(one_iteration, [], [], "loop_probe")
    finally:
        LOOP_OPTIONS.pop()
    set_state(init)
    state = list(init)
    for i in missing:
        value = found.get(i)
        if isinstance(value, Undefined) or value is None:
            raise ValueError(f"'{names[i]}' must be defined before the loop.")
        value = value if isinstance(value, Tensor) else convert_to_tensor(value)
        state[i] = zeros(value._value.shape, value.dtype)
    set_state(tuple(state))
    written = {i: init[i].elements(getattr(found.get(i), "element_shape", None))
               for i in arrays if found.get(i) is not init[i]}
    return tuple(state), written, missing


def _loop_value(v: Any) -> bool:
    """A value a While node can carry as a tensor."""
    if isinstance(v, Tensor) and not isinstance(v, Variable):
        return True
    return isinstance(v, bool | int | float | np.generic | Undefined) or v is None


def _shape_text(t: Tensor) -> str:
    return str(tuple(t._value.shape))


# -- for --------------------------------------------------------------------------------------

class TensorRange:
    """``tf.range(...)`` in a ``for`` header with tensor bounds: iterated by a counter (as
    TensorFlow does), so the number of iterations follows each call's bounds."""

    def __init__(self, start: Tensor, limit: Tensor, delta: Tensor) -> None:
        self.start, self.limit, self.delta = start, limit, delta


def range_iterable(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """The iterable of ``for x in <module>.range(...)``: a TensorRange for the engine's
    ``tf.range`` with a tensor argument inside a trace, else the call's result."""
    from engine.ops.array_ops import range_ as engine_range

    if (fn is not engine_range or STATE.graph is None
            or not any(_graph_tensor(a) for a in [*args, *kwargs.values()])):
        return fn(*args, **kwargs)
    names = ("start", "limit", "delta", "dtype")
    bound = dict(zip(names, args), **{k: v for k, v in kwargs.items() if k != "name"})
    start, limit = bound.get("start", 0), bound.get("limit")
    if limit is None:
        start, limit = 0, start
    delta = bound.get("delta", 1)
    dtype = bound.get("dtype")
    tensors = [v if isinstance(v, Tensor) else convert_to_tensor(v) for v in (start, limit,
                                                                               delta)]
    if dtype is None:  # the widest, as tf.range chooses
        order = ["int32", "int64", "float16", "float32", "float64"]
        dtype = max((t.dtype for t in tensors), key=lambda d: order.index(d.name)
                    if d.name in order else 0)
    from engine.math import cast

    return TensorRange(*[cast(t, dtype) for t in tensors])


def for_stmt(iterable: Any, body: Callable[[Any], None], get_state: Callable[[], tuple],
             set_state: Callable[[tuple], None], names: tuple[str, ...],
             extra_test: Callable[[], Any] | None = None) -> None:
    if isinstance(iterable, TensorRange):
        _range_loop(iterable, body, get_state, set_state, names, extra_test)
        return
    if _graph_dataset(iterable):
        _dataset_loop(iterable, body, get_state, set_state, names, extra_test)
        return
    if not _graph_tensor(iterable):  # Python iteration, unrolled (datasets included)
        for item in iterable:
            if extra_test is not None:
                go = extra_test()
                if _graph_tensor(go):
                    raise NotImplementedError(_FOR_BREAK_ON_TENSOR)
                if not go:
                    break
            body(item)
        return
    from engine.ops.array_ops import gather
    from engine.ops.array_ops import shape as shape_of

    if iterable._value.ndim == 0:
        raise TypeError("Cannot iterate over a scalar tensor.")
    if iterable._value.shape[0] == 0:  # traced for this shape: the loop never runs
        for name, value in zip(names, get_state()):
            if isinstance(value, Undefined):
                raise errors.InvalidArgumentError(
                    None, "Assert", "assertion failed: [loop must iterate at least once to "
                                    f"initialize {name}]")
        return
    length = shape_of(iterable)[0]

    def test(extra: list) -> Any:
        go = extra[0] < length
        if extra_test is None:
            return go
        return and_(lambda: go, extra_test)

    def step(extra: list) -> list:
        body(gather(iterable, extra[0]))
        return [extra[0] + 1]

    _tensor_loop(test, lambda: None, get_state, set_state, names,
                 [convert_to_tensor(0, dtype=_dt.as_dtype(length.dtype))], step)


def _graph_dataset(iterable: Any) -> bool:
    """A dataset iterated inside a trace whose elements have static shapes: a loop over it
    reads it when the graph runs. (Elements of varying shapes, such as a last partial batch,
    are still unrolled at trace time: Tapescope's graph values have static shapes.)"""
    from engine.data import Dataset

    if STATE.graph is None or not isinstance(iterable, Dataset):
        return False
    from engine.tensor_spec import TensorSpec

    specs = nest.flatten(iterable.element_spec)
    return all(isinstance(s, TensorSpec) and s.shape.is_fully_defined() for s in specs)


def _dataset_loop(dataset: Any, body: Callable[[Any], None], get_state: Callable[[], tuple],
                  set_state: Callable[[tuple], None], names: tuple[str, ...],
                  extra_test: Callable[[], Any] | None) -> None:
    """``for x in dataset`` as a While node whose iterations read the dataset's elements
    one by one when the graph runs (TensorFlow's converted loop over a dataset): the loop
    carries the element index, whether the element exists and its components."""
    from engine.ops.dataset_ops import GET_NEXT, MAKE_ITERATOR, DatasetPasses
    from engine.ops.registry import execute
    from engine.tensor_array import TensorArray

    # a TensorArray filled by the loop needs the trace to run as many iterations as a run
    fills = any(isinstance(v, TensorArray) and v.dynamic_size for v in get_state())
    length = int(dataset.cardinality()._value) if fills else 0  # (a length baked in)
    source = DatasetPasses(dataset, length if fills and length >= 0 else 0)
    token = execute(MAKE_ITERATOR, (), {"source": source})
    spec = dataset.element_spec

    def read(k: Tensor) -> list:
        return list(execute(GET_NEXT, (token, k), {"source": source}))

    def test(extra: list) -> Any:
        go = extra[1]
        if extra_test is None:
            return go
        return and_(lambda: go, extra_test)

    def step(extra: list) -> list:
        k, _, *components = extra
        body(nest.pack_sequence_as(spec, components))
        k = k + 1
        return [k, *read(k)]

    first = convert_to_tensor(0, dtype=_dt.int64)
    before = get_state()
    _tensor_loop(test, lambda: None, get_state, set_state, names, [first, *read(first)], step)
    # TensorFlow runs this loop as a dataset reduction, which has no gradient: what the loop
    # computed is a constant to a tape (tape.gradient gives None through it)
    set_state(tuple(v if v is v0 else _without_gradient(v) for v, v0 in zip(get_state(),
                                                                              before)))


def _without_gradient(value: Any) -> Any:
    from engine.ops.array_ops import stop_gradient
    from engine.tensor_array import TensorArray

    if isinstance(value, TensorArray):
        return value.with_elements(stop_gradient(value.elements()))
    if isinstance(value, Tensor) and not isinstance(value, Variable):
        return stop_gradient(value)
    return value


def _range_loop(r: TensorRange, body: Callable[[Any], None], get_state: Callable[[], tuple],
                set_state: Callable[[tuple], None], names: tuple[str, ...],
                extra_test: Callable[[], Any] | None) -> None:
    from engine.math import logical_and, logical_or

    def test(extra: list) -> Any:
        i = extra[0]
        go = logical_or(logical_and(r.delta > 0, i < r.limit),
                        logical_and(r.delta < 0, i > r.limit))
        if extra_test is None:
            return go
        return and_(lambda: go, extra_test)

    def step(extra: list) -> list:
        body(extra[0])
        return [extra[0] + r.delta]

    _tensor_loop(test, lambda: None, get_state, set_state, names, [r.start], step)
