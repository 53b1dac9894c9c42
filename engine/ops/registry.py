"""The op registry: every op once, its numpy forward and its gradient rule side by side.

``execute`` is the single dispatch point. With nothing observing (no tape, no debugger,
no tracer) it calls the forward and wraps the result; otherwise ``_execute_observed``
lets each tape record the call, the tracer add a node and the debugger see it.
"""

from __future__ import annotations

import operator
import os
import sys
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from engine import denormals, errors
from engine.context import STATE, is_engine_file
from engine.tensor import Tensor, Variable, wrap

GradRule = Callable[..., tuple]
TENSOR_ID = operator.attrgetter("_id")  # a tensor's never-reused id, read in C
# the arrays of an op's inputs, read in C: a list comprehension is a Python frame per op
TENSOR_VALUE = operator.attrgetter("_value")


class OpDef:
    """One op: name, numpy forward, gradient rule (or an explicit 'not differentiable')."""

    __slots__ = ("name", "forward", "grad", "num_outputs", "differentiable", "check", "doc")

    def __init__(self, name: str, forward: Callable[..., Any], num_outputs: int = 1,
                 differentiable: bool = True, check: Callable[..., None] | None = None) -> None:
        self.name = name
        self.forward = forward
        self.grad: GradRule | None = None
        self.num_outputs = num_outputs  # 0 = a variable-length tuple
        self.differentiable = differentiable
        self.check = check
        self.doc = forward.__doc__ or ""

    def gradient(self, rule: GradRule) -> GradRule:
        """Decorator attaching the gradient rule: ``rule(op, *output_grads) -> input grads``."""
        if not self.differentiable:
            raise TypeError(f"{self.name} is declared not differentiable")
        self.grad = rule
        return rule

    def __repr__(self) -> str:
        return f"<OpDef {self.name}>"


REGISTRY: dict[str, OpDef] = {}


def defop(name: str, *, num_outputs: int = 1, differentiable: bool = True,
          check: Callable[..., None] | None = None) -> Callable[[Callable[..., Any]], OpDef]:
    """Register the decorated numpy function as the forward of op ``name``."""

    def register(forward: Callable[..., Any]) -> OpDef:
        if name in REGISTRY:
            raise ValueError(f"op {name!r} is registered twice")
        op = OpDef(name, forward, num_outputs, differentiable, check)
        REGISTRY[name] = op
        return op

    return register


class OpCall:
    """What a gradient rule sees of one executed op (TensorFlow's ``op`` argument)."""

    __slots__ = ("op", "inputs", "outputs", "attrs", "input_ids", "wanted", "scope")

    def __init__(self, op: OpDef, inputs: tuple, outputs: tuple, attrs: dict) -> None:
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
        self.attrs = attrs
        self.input_ids = tuple(map(TENSOR_ID, inputs))
        # Which inputs the running backward pass needs a gradient for (set by the tape just
        # before calling the rule; rules may skip the others, like PyTorch's
        # needs_input_grad). All, unless a tape says otherwise.
        self.wanted: tuple[bool, ...] | None = None
        # The name scope (Keras layer) it ran in: its gradient ops run under
        # gradient_tape/<scope>, as TensorFlow names them.
        self.scope = tuple(STATE.scopes)

    def needs(self, index: int) -> bool:
        """Whether the gradient for input ``index`` is wanted (skippable work otherwise)."""
        return self.wanted is None or self.wanted[index]

    @property
    def type(self) -> str:
        return self.op.name

    def get_attr(self, key: str) -> Any:
        return self.attrs[key]


# -- errors ------------------------------------------------------------------------------

def _dims(shape: tuple) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def translate_error(op: OpDef, inputs: tuple, exc: Exception) -> Exception:
    """Turn a numpy failure into the error TensorFlow would raise, naming the shapes."""
    shapes = " vs. ".join(_dims(np.shape(t._value)) for t in inputs)
    text = str(exc)
    if "broadcast" in text or "shape" in text:
        message = f"Incompatible shapes: {shapes} [Op:{op.name}]"
    elif text[:1].isupper() and text.endswith("."):  # a kernel's own sentence, TF's text
        message = f"{text} [Op:{op.name}]"
    else:
        message = f"{text} (input shapes: {shapes}) [Op:{op.name}]"
    error = errors.InvalidArgumentError(None, op.name, message)
    variadic = {"N": len(inputs)} if op.name in _LIST_INPUT_OPS else {}
    return errors.wrapped_kernel(error, inputs[0].dtype.name if inputs else None, **variadic)


# ops whose inputs are all one variadic argument N (TensorFlow's wrapped kernel names it)
_LIST_INPUT_OPS = frozenset({"AddN", "ConcatV2", "Pack", "Einsum"})


# -- numpy's warnings: silent in the engine's kernels, as TensorFlow's ------------------------

_NUMPY_FOLDER = os.path.join(os.path.dirname(np.__file__), "")


class NumpyWarningsOutsideTheEngine:
    """numpy's floating-point warnings ("overflow encountered in square") are dropped when the
    numpy call is the engine's own (a kernel, the debugger's statistics) and re-issued, as
    numpy's default "warn" would, when it is the user's own numpy code.

    TensorFlow's kernels print nothing when a value overflows or turns NaN: that value is the
    op's result, and the debugger's NaN checks are where a person finds it. numpy warns from C
    at the innermost Python frame; in its "log" mode it hands the same message to ``write``
    instead, so ops that do not warn pay nothing: an ``np.errstate`` around each op would cost
    several times the op itself."""

    def write(self, message: str) -> None:
        frame = sys._getframe(1)  # the frame whose numpy call warned
        caller = frame  # whose call it is: numpy's own Python functions (np.cumprod) skipped
        while caller is not None and caller.f_code.co_filename.startswith(_NUMPY_FOLDER):
            caller = caller.f_back
        if caller is not None and is_engine_file(caller.f_code.co_filename):
            return
        filename = frame.f_code.co_filename
        module_globals = frame.f_globals
        warnings.warn_explicit(  # what numpy's own warning does, for that frame
            message.strip().removeprefix("Warning: "), RuntimeWarning, filename, frame.f_lineno,
            module=module_globals.get("__name__", "<string>"),
            registry=module_globals.setdefault("__warningregistry__", {}))


def silence_numpy_errors_in_the_engine() -> None:
    """Turn numpy's default "warn" into "log" through ``NumpyWarningsOutsideTheEngine`` (on
    this thread). What the user set up before importing the engine is left alone."""
    if np.geterrcall() is not None:
        return
    modes = {kind: "log" for kind, mode in np.geterr().items() if mode == "warn"}
    if modes:
        np.seterrcall(NumpyWarningsOutsideTheEngine())
        np.seterr(**modes)


silence_numpy_errors_in_the_engine()


# -- dispatch ----------------------------------------------------------------------------

_EMPTY: dict = {}


def execute(op: OpDef, inputs: tuple, attrs: dict = _EMPTY) -> Any:
    """Run ``op`` on Tensors; one branch decides whether anybody watches."""
    if STATE.observed:
        return _execute_observed(op, inputs, attrs)
    if op.check is not None:
        op.check(*inputs, **attrs)
    try:  # with FTZ/DAZ, as TensorFlow's CPU kernels run (engine/denormals.py)
        out = denormals.call(op.forward, *map(TENSOR_VALUE, inputs), **attrs)
    except (ValueError, IndexError, TypeError, np.linalg.LinAlgError) as exc:
        raise translate_error(op, inputs, exc) from None
    if op.num_outputs == 1:
        return wrap(out)
    return tuple(wrap(o) for o in out)


def _read_variables(inputs: tuple) -> tuple:
    """Replace each Variable by a snapshot of its value, recorded as ReadVariableOp.

    Like TensorFlow's ReadVariableOp: gradient rules see the value the op used even if the
    variable is assigned later, and every tape can still trace the snapshot to the variable.
    Inside a trace the snapshot is the output of a ReadVariableOp node.
    """
    for t in inputs:
        if isinstance(t, Variable):
            break
    else:
        return inputs
    graph = STATE.graph
    out = []
    for t in inputs:
        if isinstance(t, Variable):
            snapshot = graph.read_variable(t) if graph is not None else wrap(t._value)
            if STATE.tapes:
                _record(REGISTRY["ReadVariableOp"], (t,), (snapshot,), _EMPTY)
            t = snapshot
        out.append(t)
    return tuple(out)


def _record(op: OpDef, inputs: tuple, outputs: tuple, attrs: dict) -> None:
    """Offer one call to every active tape; each keeps it only if it tracks an input."""
    call = OpCall(op, inputs, outputs, attrs)
    for tape in STATE.tapes:
        tape._record(call)


def _execute_observed(op: OpDef, inputs: tuple, attrs: dict) -> Any:
    if op.check is not None:
        op.check(*inputs, **attrs)
    hook = STATE.op_hook
    graph = STATE.graph
    original = inputs
    if STATE.tapes or graph is not None:
        inputs = _read_variables(inputs)
    start = time.perf_counter() if hook is not None else 0.0
    try:
        out = denormals.call(op.forward, *map(TENSOR_VALUE, inputs), **attrs)
    except (ValueError, IndexError, TypeError, np.linalg.LinAlgError) as exc:
        raise translate_error(op, inputs, exc) from None
    if op.num_outputs == 1:
        result = wrap(out)
        outputs: tuple = (result,)
    else:
        result = outputs = tuple(map(wrap, out))
    if STATE.numerics_check is not None and graph is None:
        STATE.numerics_check(op, original, outputs)  # tf.debugging.enable_check_numerics
    if graph is not None:
        graph.add_op(op, inputs, outputs, attrs)
    if STATE.tapes:  # _record inlined: this is the per-op cost of recording
        call = OpCall(op, inputs, outputs, attrs)
        for tape in STATE.tapes:
            tape._record(call)
    if hook is not None and graph is None:
        hook.op_executed(op, original, outputs, attrs, time.perf_counter() - start)
    return result


def record_custom(op: OpDef, inputs: tuple, outputs: tuple, attrs: dict = _EMPTY) -> None:
    """Record an already computed call on the active tapes (``custom_gradient``)."""
    _record(op, _read_variables(inputs), outputs, attrs)


def differentiable_dtype(t: Tensor) -> bool:
    """Gradients flow only through floating-point tensors, as in TensorFlow."""
    return t._value.dtype.kind == "f"
