"""``tf.py_function`` and ``tf.numpy_function``: a Python function as one op.

The function is an attribute of the node, so a traced ``tf.function`` calls it again at
every run of its graph (it is never folded, merged or dropped: ``ir.EFFECT_OPS``), as
TensorFlow's EagerPyFunc/PyFunc kernels do. It runs with no tracer and no tape watching:
its own ops are not part of the caller's graph. ``py_function`` differentiates by running
the function again under a tape of its own (``EagerPyFuncGrad``); ``numpy_function`` has no
gradient, as in TensorFlow.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.context import STATE
from engine.ops.registry import defop, differentiable_dtype, execute
from engine.shape import TensorShape
from engine.tensor import Tensor, convert_to_tensor, wrap

_COUNTER = itertools.count()  # TF names each wrapped function pyfunc_<n> in its messages


def _error_class(exc: BaseException) -> type[errors.OpError]:
    """TensorFlow's mapping of a Python exception raised inside the function: ValueError and
    TypeError become InvalidArgumentError, StopIteration OutOfRangeError, others Unknown."""
    if isinstance(exc, errors.OpError):
        return type(exc)
    if isinstance(exc, ValueError | TypeError):
        return errors.InvalidArgumentError
    if isinstance(exc, StopIteration):
        return errors.OutOfRangeError
    return errors.UnknownError


def _call(func: Callable[..., Any], args: list, op_name: str) -> Any:
    """``func(*args)`` eagerly, hidden from any tracer and tape; its errors as TF raises them."""
    try:
        with STATE.swapped(graph=None, tapes=[]):
            return func(*args)
    except Exception as exc:  # noqa: BLE001 - re-raised as the op's error, chained
        if isinstance(exc, errors.OpError):
            raise
        raise _error_class(exc)(None, op_name, f"{type(exc).__name__}: {exc} [Op:{op_name}]"
                                ) from exc


class TraceTimeCall:
    """What the function returned while a ``tf.function`` traced it (tracing is concrete, so
    it had to run). The graph's first run on the same inputs takes it instead of calling the
    function again: the function then runs once per run of the graph, as in TensorFlow,
    where tracing does not call it."""

    __slots__ = ("inputs", "outputs")

    def __init__(self) -> None:
        self.inputs: list | None = None
        self.outputs: tuple = ()

    def keep(self, inputs: tuple, outputs: tuple) -> None:
        self.inputs = [np.array(a._value) for a in inputs]
        self.outputs = tuple(np.array(o._value) for o in outputs)

    def take(self, arrays: tuple) -> tuple | None:
        """The trace-time outputs, once, if ``arrays`` are the trace-time inputs."""
        kept, self.inputs = self.inputs, None
        if kept is None or len(kept) != len(arrays) or not all(
                k.dtype == a.dtype and np.array_equal(k, a, equal_nan=k.dtype.kind in "fc")
                for k, a in zip(kept, arrays)):
            return None
        return tuple(np.array(o) for o in self.outputs)

    def __repr__(self) -> str:
        return "<trace-time call>"


def _results(value: Any, tout: tuple, label: str, op_name: str, strict: bool = True) -> list:
    """The function's return value as one entry per output dtype (a lone value for one)."""
    if len(tout) == 1 and not isinstance(value, list | tuple):
        value = [value]
    elif value is None:
        value = []
    elif not isinstance(value, list | tuple):
        value = [value]
    if len(value) != len(tout) and strict:
        raise errors.InvalidArgumentError(
            None, op_name, f"{label} returns {len(value)} values, but expects to see "
            f"{len(tout)} values. [Op:{op_name}]")
    return list(value)


def _py_func_forward(*arrays, func, Tout, label, traced=None):  # noqa: N803 - TF's attr
    """Calls the Python function on eager tensors of the inputs; each result converted to
    its Tout dtype (a value of another dtype is an InvalidArgumentError, as in TF)."""
    if traced is not None and (kept := traced.take(arrays)) is not None:
        return kept
    out = _call(func, [wrap(a) for a in arrays], "EagerPyFunc")
    arrays_out = []
    for value, dtype in zip(_results(out, Tout, label, "EagerPyFunc"), Tout):
        try:
            arrays_out.append(convert_to_tensor(value, dtype=dtype)._value)
        except (ValueError, TypeError) as exc:
            raise errors.InvalidArgumentError(
                None, "EagerPyFunc", f"{type(exc).__name__}: {exc} [Op:EagerPyFunc]") from exc
    return tuple(arrays_out)


EAGER_PY_FUNC = defop("EagerPyFunc", num_outputs=0)(_py_func_forward)


@defop("EagerPyFuncGrad", num_outputs=0, differentiable=False)
def _py_func_grad(*arrays, func, Tout, label, num_inputs, wanted, traced=None):  # noqa: N803
    """d inputs of the function: it runs again under a tape of its own, which gives
    gradient(outputs, inputs, output_gradients=dys); an input the outputs do not depend on
    gets zeros."""
    from engine.tape import GradientTape

    xs = [wrap(a) for a in arrays[:num_inputs]]
    dys = [wrap(a) for a in arrays[num_inputs:]]
    sources = [x for x, w in zip(xs, wanted) if w]
    try:
        with STATE.swapped(graph=None, tapes=[]), GradientTape() as tape:
            for x in sources:
                tape.watch(x)
            out = func(*xs)
    except Exception as exc:  # noqa: BLE001 - as the forward raises it
        if isinstance(exc, errors.OpError):
            raise
        raise _error_class(exc)(None, "EagerPyFuncGrad", f"{type(exc).__name__}: {exc} "
                                "[Op:EagerPyFuncGrad]") from exc
    outs = [convert_to_tensor(v, dtype=d) for v, d in zip(_results(out, Tout, label,
                                                                    "EagerPyFuncGrad"), Tout)]
    pairs = [(o, dy) for o, dy in zip(outs, dys) if o._value.dtype.kind in "fc"]
    with STATE.swapped(graph=None, tapes=[]):
        grads = tape.gradient([o for o, _ in pairs], sources,
                              output_gradients=[dy for _, dy in pairs]) if pairs else [
            None] * len(sources)
    return tuple(np.zeros_like(x._value) if g is None else np.asarray(g._value)
                 for x, g in zip(sources, grads))


PY_FUNC_GRAD = _py_func_grad


@EAGER_PY_FUNC.gradient
def _(op, *dys):
    """The inputs' gradients from EagerPyFuncGrad (the function differentiated by a tape of
    its own); integer inputs get None."""
    wanted = tuple(differentiable_dtype(x) and op.needs(i) for i, x in enumerate(op.inputs))
    if not any(wanted):
        return (None,) * len(op.inputs)
    seeds = tuple(dy if dy is not None else wrap(np.zeros_like(o._value))
                  for dy, o in zip(dys, op.outputs))
    grads = iter(execute(PY_FUNC_GRAD, (*op.inputs, *seeds),
                         {**op.attrs, "traced": None, "num_inputs": len(op.inputs),
                          "wanted": wanted}))
    return tuple(next(grads) if w else None for w in wanted)


def _numpy_func_forward(*arrays, func, Tout, label, checked, traced=None):  # noqa: N803
    """Calls the Python function on the inputs' numpy arrays. Eagerly its results are taken
    as they come (TensorFlow's eager numpy_function does not cast them); in a traced function
    a result of another dtype than Tout is an InvalidArgumentError."""
    if traced is not None and (kept := traced.take(arrays)) is not None:
        return kept
    out = _call(func, [np.array(a) for a in arrays], "PyFunc")
    arrays_out = []
    results = _results(out, Tout, label, "PyFunc", strict=checked)
    for i, (value, dtype) in enumerate(zip(results, Tout + (None,) * len(results))):
        array = convert_to_tensor(value)._value if not isinstance(value, Tensor) else value._value
        if checked and dtype is not None and array.dtype != dtype._np:
            raise errors.InvalidArgumentError(
                None, "PyFunc", f"{i}-th value returned by {label} is "
                f"{_dt.as_dtype(array.dtype).name}, but expects {dtype.name} [Op:PyFunc]")
        arrays_out.append(array)
    return tuple(arrays_out)


NUMPY_FUNC = defop("PyFunc", num_outputs=0, differentiable=False)(_numpy_func_forward)
NUMPY_FUNC_STATELESS = defop("PyFuncStateless", num_outputs=0, differentiable=False)(
    _numpy_func_forward)


def _touts(Tout: Any) -> tuple[tuple, bool]:  # noqa: N803
    """Tout as a tuple of DTypes, and whether the caller gets a lone tensor back."""
    if isinstance(Tout, list | tuple):
        return tuple(_dt.as_dtype(t) for t in Tout), False
    try:
        return (_dt.as_dtype(Tout),), True
    except TypeError:
        raise TypeError(f"Cannot convert the argument `type_value`: {Tout!r} to a TensorFlow "
                        "DType.") from None


def _inputs(inp: Any) -> tuple:
    if inp is None:
        return ()
    items = list(inp) if isinstance(inp, list | tuple) else list(inp)
    return tuple(x if isinstance(x, Tensor) else convert_to_tensor(x) for x in items)


def _run(op: Any, inputs: tuple, attrs: dict) -> tuple:
    """Execute the op; while tracing, keep what the call gave for the graph's first run."""
    if STATE.graph is None:
        return execute(op, inputs, attrs)
    traced = TraceTimeCall()
    out = execute(op, inputs, {**attrs, "traced": traced})
    traced.keep(inputs, out)
    for t in out:  # what the function returns is unknown until it runs (TF: <unknown>)
        STATE.graph.static_shapes[t._id] = TensorShape(None)
    return out


def _called_or_decorator(api: str, call: Callable[..., Any], func: Any, inp: Any,
                         Tout: Any) -> Any:  # noqa: N803
    """TensorFlow's argument rules: Tout is required; without func, a decorator that calls
    the decorated function through the op (its arguments are the inputs)."""
    if Tout is None:
        raise TypeError(f"Missing required argument: 'Tout'\n  If using {api} as a decorator, "
                        f"set `Tout`\n  **by name** above the function:\n  `@{api}(Tout=tout)`")
    if func is None:
        if inp is not None:
            raise TypeError(f"Don't set the `inp` argument when using {api} as a decorator "
                            "(`func=None`).")

        def decorator(fun: Callable[..., Any]) -> Callable[..., Any]:
            @functools.wraps(fun)
            def wrapper(*args: Any) -> Any:
                return call(fun, args)

            return wrapper

        return decorator
    if inp is None:
        raise TypeError("Missing argument `inp`:\n  You must set the `inp` argument (the list "
                        f"of arguments to the\n  function), unless you use `{api}` as a "
                        "decorator(`func=None`).")
    if not callable(func):
        raise TypeError(f"Expected func to be callable. Received func={func!r}.")
    return call(func, inp)


def py_function(func: Callable[..., Any] = None, inp: Any = None, Tout: Any = None,  # noqa: N803
                name: str | None = None) -> Any:
    """``tf.py_function``: ``func`` called on eager tensors each time the op runs (every call
    of a traced function too); differentiable through the ops ``func`` runs. Without
    ``func``, a decorator (``@tf.py_function(Tout=...)``)."""

    def call(fn: Callable[..., Any], args: Any) -> Any:
        touts, lone = _touts(Tout)
        out = _run(EAGER_PY_FUNC, _inputs(args), {"func": fn, "Tout": touts,
                                                  "label": f"pyfunc_{next(_COUNTER)}"})
        return out[0] if lone else list(out)

    return _called_or_decorator("tf.py_function", call, func, inp, Tout)


def numpy_function(func: Callable[..., Any] = None, inp: Any = None, Tout: Any = None,  # noqa: N803
                   stateful: bool = True, name: str | None = None) -> Any:
    """``tf.numpy_function``: ``func`` called on numpy arrays each time the op runs; no
    gradient flows through it. Without ``func``, a decorator."""

    def call(fn: Callable[..., Any], args: Any) -> Any:
        touts, lone = _touts(Tout)
        op = NUMPY_FUNC if stateful else NUMPY_FUNC_STATELESS
        out = _run(op, _inputs(args), {"func": fn, "Tout": touts,
                                       "label": f"pyfunc_{next(_COUNTER)}",
                                       "checked": STATE.graph is not None})
        if not touts and not out:  # TensorFlow's eager numpy_function gives None then
            return None
        if lone and len(out) == 1:
            return out[0]
        return list(out)

    return _called_or_decorator("tf.numpy_function", call, func, inp, Tout)
