"""``tf.function``: trace a Python function into a graph once per input signature, then run
the optimized, compiled graph on every call.

Semantics kept from TensorFlow: Python side effects run while tracing only; a new input
signature (tensor shape/dtype, or a different Python value) traces again and a function
that keeps retracing gets a warning naming the argument that changed; ``input_signature``
fixes the accepted shapes; variables are captured by reference.

Tapescope specifics: tracing is concrete (see ``engine.graph.trace``), so a graph is
specialized to input shapes. With ``input_signature`` or ``reduce_retracing``, a call with
new dimensions that still fit the signature is re-specialized without counting as a
retrace — but the Python body runs again for it. Python ``if``/``while`` on tensor values
is refused (there is no AutoGraph).
"""

from __future__ import annotations

import functools
import itertools
import time
import warnings
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from engine import nest
from engine.context import STATE
from engine.graph.executor import CompiledGraph, SummarizedGraph, run_observed
from engine.graph.ir import Graph
from engine.graph.passes import optimize
from engine.graph.trace import GraphBuilder
from engine.tensor import Tensor, Variable, wrap
from engine.tensor_spec import TensorSpec

RETRACE_WARNING_THRESHOLD = 5  # TensorFlow warns at 5 traces within its recent calls
_GRAPH_IDS = itertools.count(1)  # every trace gets a process-unique id (debugger events)


class RetracingWarning(UserWarning):
    """A tf.function traced again and again: each trace costs far more than a call."""


def _leaf_key(leaf: Any) -> tuple:
    if isinstance(leaf, Variable):
        return ("variable", leaf._id)
    if isinstance(leaf, Tensor | np.ndarray):
        value = leaf._value if isinstance(leaf, Tensor) else leaf  # no __array__ round trip
        return ("tensor", value.shape, value.dtype.str)
    try:
        hash(leaf)
        return ("python", type(leaf).__name__, leaf)
    except TypeError:
        return ("object", id(leaf))


def _describe(key: tuple) -> str:
    if key[0] == "tensor":
        return f"a tensor of shape {key[1]} and dtype {np.dtype(key[2]).name}"
    if key[0] == "python":
        return f"the Python value {key[2]!r}"
    if key[0] == "variable":
        return "a different tf.Variable"
    return "a different Python object"


class ConcreteFunction:
    """One trace: the graph as traced, its optimized form, and the compiled program."""

    def __init__(self, graph: Graph, structure: Any, leaf_is_output: list[bool],
                 constants: list[Any], optimizers: list[Any]) -> None:
        self.graph = graph
        self.graph_id = next(_GRAPH_IDS)
        self.optimized_graph = optimize(graph)
        self._compiled: CompiledGraph | None = None
        self._summarized: dict[tuple[bool, bool], SummarizedGraph] = {}
        self._structure = structure  # nested outputs with placeholders for tensors
        self._leaf_is_output = leaf_is_output
        self._constants = constants  # non-tensor leaves of the result, returned as-is

    @property
    def compiled(self) -> CompiledGraph:
        if self._compiled is None:
            self._compiled = CompiledGraph(self.optimized_graph)
        return self._compiled

    def summarized(self, keep_values: bool, full: bool = False) -> SummarizedGraph:
        """The traced graph compiled with per-op health checks, or with FULL_HEALTH
        statistics (``full``), for a packing recorder."""
        key = (keep_values, full)
        program = self._summarized.get(key)
        if program is None:
            program = self._summarized[key] = SummarizedGraph(self.graph, keep_values, full)
        return program

    @property
    def structured_outputs(self) -> Any:
        return self._structure

    @property
    def inputs(self) -> list:
        return list(self.graph.params)

    @property
    def outputs(self) -> list:
        return list(self.graph.outputs)

    def __call__(self, *args: Any) -> Any:
        return self._call_flat([a for a in nest.flatten(list(args))
                                if isinstance(a, Tensor | np.ndarray)
                                and not isinstance(a, Variable)])

    def _call_flat(self, tensors: list) -> Any:
        hook = STATE.op_hook
        if hook is not None and hook.packs_graphs and not STATE.tapes and STATE.graph is None:
            # a recorder of health summaries only: every op, at compiled speed
            results = [wrap(a) for a in hook.run_graph(self, [
                t._value if isinstance(t, Tensor) else np.asarray(t) for t in tensors])]
        elif STATE.observed:  # an enclosing tape or the debugger must see each op
            results = run_observed(self.graph, [t if isinstance(t, Tensor) else wrap(
                np.asarray(t)) for t in tensors], self.graph_id)
        else:
            arrays = [t._value if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
            hook = STATE.hook
            start = time.perf_counter() if hook is not None else 0.0
            results = [wrap(a) for a in self.compiled(*arrays)]
            if hook is not None:  # attached but not watching ops: one event per call
                hook.graph_executed(self, time.perf_counter() - start)
        it = iter(results)
        consts = iter(self._constants)
        leaves = [next(it) if is_out else next(consts) for is_out in self._leaf_is_output]
        return nest.pack_sequence_as(self._structure, leaves) if leaves else self._structure

    def pretty_printed_signature(self) -> str:
        args = ", ".join(f"{p.node.name}: {p.type_text()}" for p in self.graph.params)
        return f"{self.graph.name}({args})"


class Function:
    """The callable that ``@tf.function`` returns."""

    def __init__(self, python_function: Any, input_signature: Any = None,
                 reduce_retracing: bool = False, name: str | None = None,
                 jit_compile: Any = None, autograph: bool = True,
                 experimental_relax_shapes: bool | None = None) -> None:
        self.python_function = python_function
        self._name = name or getattr(python_function, "__name__", "function")
        self.input_signature = None if input_signature is None else list(input_signature)
        if self.input_signature is not None:
            for spec in nest.flatten(self.input_signature):
                if not isinstance(spec, TensorSpec):
                    raise TypeError(f"input_signature must be a list of tf.TensorSpec, got "
                                    f"{spec!r}")
        self.reduce_retracing = bool(reduce_retracing or experimental_relax_shapes)
        self._cache: dict[tuple, ConcreteFunction] = {}
        self._generalized: list[tuple] = []  # signatures that count as one trace each
        self._tracing_count = 0
        self._recent: list[bool] = []  # per call: did it trace?
        self._last_key: tuple | None = None
        self._bound: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        functools.update_wrapper(self, python_function)

    # -- descriptor: @tf.function on methods ------------------------------------------------
    def __get__(self, instance: Any, owner: Any) -> Any:
        if instance is None:
            return self
        bound = self._bound.get(instance)
        if bound is None:
            bound = Function(self.python_function.__get__(instance, owner),
                             self.input_signature, self.reduce_retracing, self._name)
            self._bound[instance] = bound
        return bound

    # -- signature -------------------------------------------------------------------------------
    def _check_signature(self, args: tuple, kwargs: dict) -> None:
        if kwargs:
            raise TypeError(f"{self._name}: keyword arguments are not allowed with an "
                            "input_signature; pass them positionally.")
        specs = self.input_signature or []
        if len(args) != len(specs):
            raise TypeError(f"{self._name}() takes {len(specs)} positional arguments per its "
                            f"input_signature but {len(args)} were given.")
        for i, (arg, spec) in enumerate(zip(args, specs)):
            value = arg if isinstance(arg, Tensor | np.ndarray) else None
            if value is None or not spec.is_compatible_with(
                    TensorSpec(np.shape(value), np.asarray(value).dtype if not isinstance(
                        value, Tensor) else value.dtype)):
                got = (f"shape {tuple(np.shape(value))} dtype {np.asarray(value).dtype}"
                       if value is not None else repr(arg))
                raise TypeError(f"{self._name}: argument {i} ({got}) is incompatible with "
                                f"input_signature[{i}] = {spec}.")

    def _generalize(self, key: tuple) -> tuple | None:
        """The recorded generalized signature that ``key`` fits, if any."""
        for g in self._generalized:
            if len(g) == len(key) and all(_fits(gk, k) for gk, k in zip(g, key)):
                return g
        return None

    # -- calls -------------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if STATE.graph is not None:  # called while tracing another function: inline it
            return self.python_function(*args, **kwargs)
        if self.input_signature is not None:
            self._check_signature(args, kwargs)
        leaves = nest.flatten([list(args), kwargs])
        key = tuple(_leaf_key(leaf) for leaf in leaves)
        concrete = self._cache.get(key)
        traced = False
        if concrete is None:
            concrete = self._trace(args, kwargs, key)
            traced = True
        self._recent = (self._recent + [traced])[-RETRACE_WARNING_THRESHOLD:]
        tensors = [leaf for leaf in leaves if isinstance(leaf, Tensor | np.ndarray)
                   and not isinstance(leaf, Variable)]
        return concrete._call_flat(tensors)

    def _trace(self, args: tuple, kwargs: dict, key: tuple) -> ConcreteFunction:
        counted = True
        general = None
        if self.input_signature is not None:
            general = tuple(("spec", i) for i in range(len(key)))
            counted = self._tracing_count == 0
        elif self.reduce_retracing:
            general = self._generalize(key)
            counted = general is None
            if general is None and self._last_key is not None and len(self._last_key) == len(key):
                self._generalized.append(tuple(_relax(a, b) for a, b in zip(self._last_key, key)))
        if counted:
            reason = self._retrace_reason(key)
            self._tracing_count += 1
            if (self._tracing_count >= RETRACE_WARNING_THRESHOLD
                    and all(self._recent[-(RETRACE_WARNING_THRESHOLD - 1):] or [False])):
                warnings.warn(
                    f"{RETRACE_WARNING_THRESHOLD} out of the last {RETRACE_WARNING_THRESHOLD} "
                    f"calls to {self._name} triggered tf.function retracing ({reason}). "
                    "Tracing is expensive and the excessive number of tracings could be due to "
                    "(1) creating @tf.function repeatedly in a loop, (2) passing tensors with "
                    "different shapes, (3) passing Python objects instead of tensors. For (1), "
                    "please define your @tf.function outside of the loop. For (2), "
                    "@tf.function has reduce_retracing=True option that can avoid unnecessary "
                    "retracing. For (3), please pass tensors.", RetracingWarning, stacklevel=3)
            self.last_retrace_reason = reason
        self._last_key = key
        concrete = trace_function(self.python_function, args, kwargs, self._name)
        self._cache[key] = concrete
        if STATE.hook is not None:
            STATE.hook.graph_traced(concrete, self._name, self._tracing_count,
                                    getattr(self, "last_retrace_reason", "") if counted
                                    else "re-specialized for new dimensions")
        return concrete

    last_retrace_reason: str = ""

    def _retrace_reason(self, key: tuple) -> str:
        if self._last_key is None:
            return "first call"
        old = self._last_key
        if len(old) != len(key):
            return f"the number of arguments changed from {len(old)} to {len(key)}"
        names = _argument_names(self.python_function, len(key))
        for i, (a, b) in enumerate(zip(old, key)):
            if a != b:
                return f"argument {names[i]} changed from {_describe(a)} to {_describe(b)}"
        return "a new input signature"

    def experimental_get_tracing_count(self) -> int:
        return self._tracing_count

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        """The trace for these arguments (TensorSpecs allowed), tracing if needed."""
        if not args and not kwargs and self.input_signature is not None:
            args = tuple(self.input_signature)
        args = tuple(_spec_to_example(a) for a in args)
        kwargs = {k: _spec_to_example(v) for k, v in kwargs.items()}
        leaves = nest.flatten([list(args), kwargs])
        key = tuple(_leaf_key(leaf) for leaf in leaves)
        concrete = self._cache.get(key)
        if concrete is None:
            concrete = self._trace(args, kwargs, key)
        return concrete

    def __repr__(self) -> str:
        return f"<engine.function.Function {self._name}>"


def _spec_to_example(value: Any) -> Any:
    if isinstance(value, TensorSpec):
        dims = [1 if d is None else d for d in value.shape.as_list()]
        return wrap(np.zeros(dims, dtype=value.dtype._np))
    return value


def _fits(general: tuple, key: tuple) -> bool:
    if general[0] == "tensor" and key[0] == "tensor":
        return general[2] == key[2] and len(general[1]) == len(key[1]) and all(
            g is None or g == k for g, k in zip(general[1], key[1]))
    return general == key


def _relax(a: tuple, b: tuple) -> tuple:
    if a[0] == "tensor" and b[0] == "tensor" and a[2] == b[2] and len(a[1]) == len(b[1]):
        return ("tensor", tuple(x if x == y else None for x, y in zip(a[1], b[1])), a[2])
    return b


def _argument_names(fn: Any, n: int) -> list[str]:
    import inspect

    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return [repr(names[i]) if i < len(names) else f"#{i}" for i in range(n)]


def _parameter_names(fn: Any, n: int) -> list[str]:
    """Names of the parameters ``fn``'s first ``n`` positional arguments bind to: past them
    ``args_3`` (inside ``*args``) or ``arg3`` (no signature to read)."""
    import inspect

    try:
        parameters = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = [p.name for p in parameters if p.kind in (
        inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    rest = next((f"{p.name}_" for p in parameters
                 if p.kind == inspect.Parameter.VAR_POSITIONAL), "arg")
    return [positional[i] if i < len(positional) else f"{rest}{i}" for i in range(n)]


def trace_function(fn: Any, args: tuple, kwargs: dict, name: str) -> ConcreteFunction:
    """Run ``fn`` once with symbolic tensors and return its ConcreteFunction."""
    builder = GraphBuilder(name)
    taken: set[str] = set()

    def symbolic(argument: str) -> Callable[[Any], Any]:
        """A placeholder per tensor leaf, named after the Python argument as TensorFlow
        names them: ``x``, ``y``; the leaves of a nested argument ``x``, ``x_1``, …."""
        def to_symbolic(leaf: Any) -> Any:
            if isinstance(leaf, Variable) or not isinstance(leaf, Tensor | np.ndarray):
                return leaf
            placeholder_name, k = argument, 0
            while placeholder_name in taken:
                k += 1
                placeholder_name = f"{argument}_{k}"
            taken.add(placeholder_name)
            array = leaf._value if isinstance(leaf, Tensor) else np.asarray(leaf)
            return builder.placeholder(np.asarray(array), placeholder_name)
        return to_symbolic

    names = _parameter_names(fn, len(args))
    sym_args = [nest.map_structure(symbolic(names[i]), arg) for i, arg in enumerate(args)]
    sym_kwargs = {key: nest.map_structure(symbolic(key), value)
                  for key, value in kwargs.items()}
    previous = STATE.graph
    saved_tapes = list(STATE.tapes)
    STATE.graph = builder
    STATE.tapes.clear()  # outer eager tapes must not see trace-time ops
    STATE.refresh()
    try:
        result = fn(*sym_args, **sym_kwargs)
    finally:
        STATE.graph = previous
        STATE.tapes[:] = saved_tapes
        STATE.refresh()
    leaves = nest.flatten(result)
    is_out, constants = [], []
    graph = builder.graph
    for leaf in leaves:
        if isinstance(leaf, Tensor) and not isinstance(leaf, Variable):
            graph.outputs.append(builder.value_of(leaf))
            is_out.append(True)
        elif isinstance(leaf, Variable):
            graph.outputs.append(builder.values[_read_in(builder, leaf)._id])
            is_out.append(True)
        else:
            constants.append(leaf)
            is_out.append(False)
    return ConcreteFunction(graph, result, is_out, constants, builder.optimizers)


def _read_in(builder: GraphBuilder, var: Variable) -> Tensor:
    STATE.graph = builder
    try:
        return builder.read_variable(var)
    finally:
        STATE.graph = None


def function(func: Any = None, input_signature: Any = None, autograph: bool = True,
             jit_compile: Any = None, reduce_retracing: bool = False,
             experimental_relax_shapes: bool | None = None, name: str | None = None,
             **kwargs: Any) -> Any:
    """``@tf.function`` / ``tf.function(f, ...)``."""

    def decorate(f: Any) -> Function:
        return Function(f, input_signature=input_signature, reduce_retracing=reduce_retracing,
                        name=name, jit_compile=jit_compile, autograph=autograph,
                        experimental_relax_shapes=experimental_relax_shapes)

    return decorate if func is None else decorate(func)


