"""``tf.debugging``: assertions on values and shapes, and the NaN/Inf checks.

The assertions run eagerly, with TensorFlow's messages: a value that fails raises
InvalidArgumentError listing the offending entries; a shape that cannot fit raises
ValueError (TensorFlow knows shapes statically, so those fail before anything runs).

``enable_check_numerics`` makes every later op check its floating-point outputs. In a plain
run the first NaN/Inf raises TensorFlow's InvalidArgumentError naming the op; under
Tapescope the debugger stops at that op instead (its "First NaN/Inf" breakpoint), so the
values are there to look at.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from engine import errors
from engine.context import STATE, executing_eagerly
from engine.ops import math_ops, reduction_ops
from engine.ops.debug_ops import bad_values_text, check_numerics  # noqa: F401
from engine.tensor import Tensor, convert_to_tensor

# -- value assertions ----------------------------------------------------------------------


def _tensor(value: Any, dtype: Any = None) -> Tensor:
    if isinstance(value, Tensor) and dtype is None:
        return value
    return convert_to_tensor(value, dtype=dtype)


def _binary_assert(sym: str, compare: Callable[[Tensor, Tensor], Tensor], x: Any, y: Any,
                   message: str | None, summarize: int | None) -> None:
    """TensorFlow's eager ``_binary_assert``: the failing entries, then the first of each."""
    x, y = _tensor(x), _tensor(y)
    test = compare(x, y)
    if not executing_eagerly() or bool(np.all(test._value)):
        return  # traced: the check is not part of the graph (TF would add an Assert op)
    summarize = 3 if summarize is None else (10**9 if summarize < 0 else int(summarize))
    xs, ys = np.asarray(x._value), np.asarray(y._value)
    data: list[Any] = [f"Condition x {sym} y did not hold."]
    if summarize > 0:
        if xs.shape == ys.shape and xs.ndim:  # otherwise the indices would mislead
            mask = ~np.asarray(test._value)
            indices = np.argwhere(mask)
            count = min(summarize, len(indices))
            data += [f"Indices of first {count} different values:", indices[:count],
                     "Corresponding x values:", xs[mask].reshape(-1)[:count],
                     "Corresponding y values:", ys[mask].reshape(-1)[:count]]
        flat_x, flat_y = xs.reshape(-1), ys.reshape(-1)
        data += [f"First {min(flat_x.size, summarize)} elements of x:", flat_x[:summarize],
                 f"First {min(flat_y.size, summarize)} elements of y:", flat_y[:summarize]]
    if message is not None:
        data.insert(0, message)
    raise errors.InvalidArgumentError(None, None, "\n".join(str(d) for d in data))


def assert_equal(x: Any, y: Any, message: str | None = None, summarize: int | None = None,
                 name: str | None = None) -> None:
    """InvalidArgumentError unless ``x == y`` everywhere (broadcasting)."""
    _binary_assert("==", math_ops.equal, x, y, message, summarize)


def assert_less(x: Any, y: Any, message: str | None = None, summarize: int | None = None,
                name: str | None = None) -> None:
    """InvalidArgumentError unless ``x < y`` everywhere (broadcasting)."""
    _binary_assert("<", math_ops.less, x, y, message, summarize)


def assert_less_equal(x: Any, y: Any, message: str | None = None,
                      summarize: int | None = None, name: str | None = None) -> None:
    """InvalidArgumentError unless ``x <= y`` everywhere (broadcasting)."""
    _binary_assert("<=", math_ops.less_equal, x, y, message, summarize)


def assert_greater(x: Any, y: Any, message: str | None = None, summarize: int | None = None,
                   name: str | None = None) -> None:
    """InvalidArgumentError unless ``x > y`` everywhere (broadcasting)."""
    _binary_assert(">", math_ops.greater, x, y, message, summarize)


def assert_greater_equal(x: Any, y: Any, message: str | None = None,
                         summarize: int | None = None, name: str | None = None) -> None:
    """InvalidArgumentError unless ``x >= y`` everywhere (broadcasting)."""
    _binary_assert(">=", math_ops.greater_equal, x, y, message, summarize)


def _shape_and_dtype(t: Tensor) -> str:
    return f"shape={t.shape} dtype={t.dtype.name}"


def _summarized(value: Any, summarize: int) -> str:
    """One data item the way TensorFlow's eager ``Assert`` prints it (strings as bytes)."""
    if isinstance(value, str):
        return repr(value.encode())
    array = np.asarray(value._value if isinstance(value, Tensor) else value)
    if array.ndim == 0:
        return str(array[()]) if summarize else ""
    flat = [str(v) for v in array.reshape(-1)[:summarize]]
    if len(flat) < array.size:
        flat.append("...")
    return ", ".join(flat)


def assert_near(x: Any, y: Any, rtol: Any = None, atol: Any = None,
                message: str | None = None, summarize: int | None = None,
                name: str | None = None) -> None:
    """InvalidArgumentError unless ``|x - y| < atol + rtol * |y|`` everywhere; both
    tolerances default to 10 machine epsilons of the dtype."""
    x = _tensor(x)
    y = _tensor(y, dtype=x.dtype)
    eps = np.finfo(x._value.dtype).eps
    rtol = _tensor(10 * eps if rtol is None else rtol, dtype=x.dtype)
    atol = _tensor(10 * eps if atol is None else atol, dtype=x.dtype)
    tolerance = atol + rtol * math_ops.abs(y)
    condition = reduction_ops.reduce_all(math_ops.less(math_ops.abs(x - y), tolerance))
    if not executing_eagerly() or bool(condition._value):
        return
    summarize = 3 if summarize is None else (10**9 if summarize < 0 else int(summarize))
    data = [f"{message}.  " if message else "",
            f"x and y not equal to tolerance rtol = {rtol!s}, atol = {atol!s}",
            f"x ({_shape_and_dtype(x)}) = ", x, f"y ({_shape_and_dtype(y)}) = ", y]
    raise errors.InvalidArgumentError(
        None, None, f"Expected '{condition!s}' to be true. Summarized data: "
        + "\n".join(_summarized(d, summarize) for d in data))


# -- shape assertions ----------------------------------------------------------------------

def _rank_error(prefix: str, requirement: str, t: Tensor) -> ValueError:
    return ValueError(f"{prefix}Tensor  must have rank {requirement}.  Received rank "
                      f"{t._value.ndim}, shape {t.shape}")


def _prefix(message: str | None) -> str:
    return f"{message}.  " if message else ""


def assert_rank(x: Any, rank: Any, message: str | None = None, name: str | None = None) -> None:
    """ValueError unless ``x`` has rank ``rank`` (TensorFlow knows ranks statically)."""
    x = _tensor(x)
    rank = int(rank._value if isinstance(rank, Tensor) else rank)
    if x._value.ndim != rank:
        raise _rank_error(_prefix(message), str(rank), x)


def _known_size(symbol: Any) -> bool:
    """A dimension given as a number (or a string of one) rather than a name."""
    if symbol is None:
        return False
    try:
        int(symbol)
    except (TypeError, ValueError):
        return False
    return True


def assert_shapes(shapes: Any, data: Any = None, summarize: int | None = None,
                  message: str | None = None, name: str | None = None) -> None:
    """ValueError unless every ``(tensor, shape)`` pair fits, a named dimension ('N') having
    one size across all tensors. ``None`` or '.' is any size; a first ``...`` or '*' stands
    for any number of outer dimensions; a scalar counts as shape (1,)."""
    if isinstance(shapes, dict):
        shapes = shapes.items()
    prefix = _prefix(message)
    checks = []
    for value, spec in shapes:
        if spec is None:
            continue
        t = _tensor(value)
        if not isinstance(spec, Iterable):
            raise ValueError(f"{prefix}Tensor {_shape_and_dtype(t)}.  Specified shape must be "
                             "an iterable.  An iterable has the attribute `__iter__` or "
                             f"`__getitem__`.  Received specified shape: {spec}")
        symbols = tuple(spec)
        for i, symbol in enumerate(symbols):
            if (symbol is Ellipsis or symbol == "*") and i != 0:
                raise ValueError(f"{prefix}Tensor {_shape_and_dtype(t)} specified shape index "
                                 f"{i}.  Symbol `...` or `*` for a variable number of "
                                 "unspecified dimensions is only allowed as the first entry")
        outer = bool(symbols) and (symbols[0] is Ellipsis or symbols[0] == "*")
        symbols = (symbols[1:] if outer else symbols) or (1,)
        checks.append((t, outer, t._value.shape or (1,), symbols))
    for t, outer, _, symbols in checks:  # ranks first, tensor by tensor, as TF
        rank, ndim = len(symbols), t._value.ndim
        if outer:
            if rank > 1 and ndim < rank:
                raise _rank_error(prefix, f"at least {rank}", t)
        elif rank <= 1:
            if ndim not in (0, 1):
                raise _rank_error(prefix, "in (0, 1)", t)
        elif ndim != rank:
            raise _rank_error(prefix, str(rank), t)
    named: dict[Any, tuple[int, Tensor, int]] = {}
    for t, outer, sizes, symbols in checks:
        for i, symbol in enumerate(symbols):
            if symbol is None or symbol == ".":
                continue
            dim = i - len(symbols) if outer else i
            actual = sizes[dim]
            if _known_size(symbol):
                wanted, source = int(symbol), "Specified explicitly"
            elif symbol in named:
                wanted, by, by_dim = named[symbol]
                source = f"Specified by tensor {_shape_and_dtype(by)} dimension {by_dim}"
            else:
                named[symbol] = (actual, t, dim)
                continue
            if actual != wanted:
                raise ValueError(f"{prefix}{source}.  Tensor {_shape_and_dtype(t)} dimension "
                                 f"{dim} must have size {wanted}.  Received size {actual}, "
                                 f"shape {t.shape}")


# -- NaN/Inf checks on every op ------------------------------------------------------------

# Ops that only move values (TensorFlow's SAFE_OPS and skipped ops): a NaN they pass on was
# reported where it was born.
_MOVES_VALUES = frozenset({
    "ConcatV2", "ExpandDims", "Fill", "GatherV2", "Identity", "Maximum", "Minimum", "Reshape",
    "Slice", "Squeeze", "Pack", "StridedSlice", "StridedSliceGrad", "Transpose", "Unpack",
    "CheckNumerics"})


def _numerics_message(op_name: str, index: int, outputs: tuple, inputs: tuple) -> str:
    """TensorFlow's ``get_check_numerics_error_message`` for an eager op."""
    value = outputs[index]
    array = np.asarray(value._value)
    lines = ["", "", f'!!! Detected Infinity or NaN in output {index} of eagerly-executing op '
             f'"{op_name}" (# of outputs: {len(outputs)}) !!!',
             f"  dtype: <dtype: '{value.dtype.name}'>", f"  shape: {value.shape}"]
    for label, count in (("-Inf", np.isneginf(array).sum()), ("+Inf", np.isposinf(array).sum()),
                         ("+NaN", np.isnan(array).sum())):
        if count:
            lines.append(f"  # of {label} elements: {count}")
    if len(inputs) > 1:
        lines += ["", f"  Input tensors ({len(inputs)}):"]
        lines += [f"         {i}: {Tensor.__str__(t)}" for i, t in enumerate(inputs)]
    elif inputs:  # a Variable shows as the value read, as TensorFlow's ReadVariableOp gives
        lines += ["", f"  Input tensor: {Tensor.__str__(inputs[0])}"]
    text = "\n".join(lines) + "\n"
    return (f"{text}\n : Tensor had {bad_values_text(array, signed=True)} values "
            "[Op:CheckNumericsV2]")


def _raise_on_nan_or_inf(op: Any, inputs: tuple, outputs: tuple) -> None:
    """Called by the op dispatch after each eager op while check_numerics is enabled."""
    if op.name in _MOVES_VALUES:
        return
    for index, out in enumerate(outputs):
        value = out._value
        if value.dtype.kind == "f" and not np.isfinite(value).all():
            exc = errors.InvalidArgumentError(
                None, "CheckNumericsV2", _numerics_message(op.name, index, outputs, inputs))
            exc.numerics_output = (index, outputs)  # for graph_numerics_error
            raise exc


def graph_numerics_error(exc: BaseException, node: Any, graph: Any,
                         function_id: int) -> errors.InvalidArgumentError | None:
    """The check's error told as TensorFlow tells it when the op belongs to a tf.function's
    graph (``node`` of ``graph``): the graph op, its symbolic inputs, the graph's name, the
    user's frames; None when ``exc`` is not the check's. (TensorFlow's frames inside its own
    code are not there to show.)"""
    found = getattr(exc, "numerics_output", None)
    if found is None:
        return None
    index, outputs = found
    array = np.asarray(outputs[index]._value)
    full_name = f"{node.scope}/{node.name}" if node.scope else node.name
    check = f"{full_name}/CheckNumericsV2"
    frames = _user_frames(node)
    lines = ["Graph execution error:", "", f"Detected at node {check} defined at "
             "(most recent call last):"]
    for file, line, function in frames:
        lines += [f'  File "{file}", line {line}, in {function}', ""]
    lines += [f'!!! Detected Infinity or NaN in output {index} of graph op "{node.type}" '
              f"(# of outputs: {len(outputs)}) !!!",
              f"  dtype: <dtype: '{outputs[index].dtype.name}'>",
              f"  shape: {outputs[index].shape}", ""]
    inputs = [_symbolic_text(v) for v in node.inputs]
    if len(inputs) > 1:
        lines += [f"  Input tensors ({len(inputs)}):"]
        lines += [f"         {i}: {text}" for i, text in enumerate(inputs)]
    elif inputs:
        lines += [f"  Input tensor: {inputs[0]}"]
    lines += [f'  Graph name: "{graph.name}"', "",
              '  Stack trace of op\'s creation ("->": inferred user code):']
    for file, line, function in frames:
        lines += [f"    + {_short_path(file)} (L{line}) {function}", " -> |   "]
    lines += ["", f" : Tensor had {bad_values_text(array, signed=True)} values",
              f"\t [[{{{{node {check}}}}}]] [Op:__inference_{graph.name}_{function_id}]"]
    error = errors.InvalidArgumentError(None, "CheckNumericsV2", "\n".join(lines))
    error.function_call = True  # a function's error: no " name: " after it
    return error


def _user_frames(node: Any) -> list[tuple[str, int, str]]:
    """The user's frames calling the function, then the line that traced the op."""
    import traceback

    from engine.context import is_engine_file

    frames = [(f.filename, f.lineno, f.name) for f in traceback.extract_stack()
              if not is_engine_file(f.filename)]
    file, line = node.source
    if file:
        frames.append((file, line, _function_at(file, line)))
    return frames


def _function_at(file: str, line: int) -> str:
    """The name of the innermost function whose body holds ``line`` of ``file``."""
    import ast
    import linecache

    try:
        tree = ast.parse("".join(linecache.getlines(file)))
    except (SyntaxError, ValueError):
        return "<module>"
    name = "<module>"
    for node in ast.walk(tree):  # outer functions come before the ones nested in them
        if (isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
                and node.lineno <= line <= (node.end_lineno or node.lineno)):
            name = node.name
    return name


def _symbolic_text(value: Any) -> str:
    from engine.shape import TensorShape

    return (f'Tensor("{value.name}", shape={TensorShape(value.shape)}, '
            f"dtype={value.dtype.name})")


def _short_path(path: str) -> str:
    """TensorFlow's ``path_length_limit``: long paths keep their last characters."""
    limit = _PATH_LENGTH_LIMIT[0]
    return path if len(path) <= limit else "..." + path[-limit:]


_PATH_LENGTH_LIMIT = [50]


def enable_check_numerics(stack_height_limit: int = 30, path_length_limit: int = 50) -> None:
    """From now on, an op whose floating-point output holds NaN or Inf raises
    InvalidArgumentError naming the op — or, under Tapescope, the debugger stops there."""
    _PATH_LENGTH_LIMIT[0] = int(path_length_limit)
    debugger_stops = _tell_debugger(True)  # then its first-NaN breakpoint does the job
    STATE.numerics_check = None if debugger_stops else _raise_on_nan_or_inf
    STATE.refresh()


def disable_check_numerics() -> None:
    """Ops stop checking their outputs (the default)."""
    _tell_debugger(False)
    STATE.numerics_check = None
    STATE.refresh()


def _tell_debugger(enabled: bool) -> bool:
    """Whether an attached debugger stops at the first NaN/Inf itself."""
    hook = STATE.hook
    return hook is not None and bool(hook.check_numerics(enabled))
