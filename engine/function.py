"""``tf.function``: trace a Python function into a graph once per input signature, then run
the optimized, compiled graph on every call.

Semantics kept from TensorFlow: Python side effects run while tracing only; a new input
signature (tensor shape/dtype, or a different Python value) traces again and a function
that keeps retracing gets a warning naming the argument that changed; ``input_signature``
fixes the accepted shapes; variables are captured by reference; a ``tf.data.Dataset``
argument traces by its element spec (a new dataset of that spec reuses the graph, which
reads it); a gather's gradient returned from the function stays an ``IndexedSlices``.

Tapescope specifics: tracing is concrete (see ``engine.graph.trace``), so a graph is
specialized to input shapes, while its tensors carry the static shapes TF would show (None
for unknown sizes, ``engine.graph.static_shape``). With ``input_signature`` or
``reduce_retracing``, a call with new dimensions that still fit the signature gets a graph
of its own without counting as a retrace: the first graph replayed for the new shapes once a
second trace showed no size is baked in (``TraceFamily``; what that check run prints is
held back, as TF runs the body once), else the Python body traced again. Sizes that engine
code computes from a traced tensor follow each replay's (``engine.graph.sized``). Results
are always tensors, returned through ``Identity`` nodes, and placeholders are named after
the Python parameters, as in TF. With ``autograph=True`` (the default) the
function traced is its AutoGraph twin (``engine.autograph``): ``if``/``while``/``for`` on
tensors become If/While nodes; with ``autograph=False`` a Python ``if`` on a tensor raises
OperatorNotAllowedInGraphError.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import time
import warnings
import weakref
from typing import Any

import numpy as np

from engine import errors, nest
from engine.config import EAGERNESS
from engine.context import STATE
from engine.data import Dataset, DatasetSpec, inputs_of
from engine.function_signature import (
    argument_names,
    named_specs,
    parameter_kinds,
    python_signature,
    type_text,
)
from engine.graph.executor import CompiledGraph, run_observed
from engine.graph.ir import READ_VARIABLE, Graph
from engine.graph.passes import optimize
from engine.graph.replay import replay, same_program
from engine.graph.trace import GraphBuilder
from engine.held_output import HeldOutput
from engine.indexed_slices import IndexedSlices, IndexedSlicesSpec
from engine.ops import dataset_ops
from engine.ops._args import kernel_dtype_name
from engine.ops.array_ops import identity
from engine.shape import TensorShape
from engine.tensor import Tensor, Variable, convert_to_tensor, wrap
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
    if isinstance(leaf, Dataset):  # traced by its element spec, as TF does
        return ("dataset", DatasetSpec(leaf.element_spec))
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
    if key[0] == "dataset":
        return f"a dataset of element_spec {key[1].element_spec!r}"
    return "a different Python object"


class ConcreteFunction:
    """One trace: the graph as traced, its optimized form, and the compiled program."""

    def __init__(self, graph: Graph, structure: Any, leaf_is_output: list[int],
                 constants: list[Any], optimizers: list[Any]) -> None:
        self.graph = graph
        self.graph_id = next(_GRAPH_IDS)
        self.optimized_graph = optimize(graph)
        self._compiled: CompiledGraph | None = None
        self._structure = structure  # nested outputs with placeholders for tensors
        # per result leaf: graph outputs it takes (0: a constant returned as is, 1: a
        # tensor, 2 or 3: an IndexedSlices' values, indices and dense_shape)
        self._leaf_is_output = leaf_is_output
        self._has_slices = any(n > 1 for n in leaf_is_output)
        # per dataset argument (position among the flat arguments): the dataset it reads
        # now and the graph's readers of it, or None where the trace read it (a new dataset
        # then needs a trace of its own)
        self._datasets: dict[int, list] = {}
        self._constants = constants  # non-tensor leaves of the result, returned as-is
        self._owner: Function | None = None  # the tf.function that traced it

    @property
    def compiled(self) -> CompiledGraph:
        if self._compiled is None:
            self._compiled = CompiledGraph(self.optimized_graph)
        return self._compiled

    # -- what it was traced for (set by trace_function) -----------------------------------
    def _describe_inputs(self, signature: inspect.Signature | None, names: list[str],
                         args: list, kwargs: dict, shapes: dict) -> None:
        self._signature = signature
        self._arg_names = names[:len(args)]
        self._traced_args = [named_specs(n, a, shapes) for n, a in zip(names, args)]
        self._traced_kwargs = {k: named_specs(k, v, shapes) for k, v in kwargs.items()}

    @property
    def structured_input_signature(self) -> tuple[tuple, dict]:
        """The arguments it was traced for: TensorSpecs (named by path) and Python values."""
        return tuple(self._traced_args), dict(self._traced_kwargs)

    @property
    def structured_outputs(self) -> Any:
        """The result's structure with the graph's output tensors (``Identity:0`` …)."""
        return self._structured_outputs

    @property
    def output_shapes(self) -> Any:
        """The result's structure with each output's static shape (``None`` = any size)."""
        return nest.map_structure(
            lambda s: s.component_shapes() if isinstance(s, IndexedSlicesSpec)
            else s.shape if isinstance(s, TensorSpec) else s, self._output_specs)

    @property
    def output_dtypes(self) -> Any:
        return nest.map_structure(
            lambda s: s.component_dtypes() if isinstance(s, IndexedSlicesSpec)
            else s.dtype if isinstance(s, TensorSpec) else s, self._output_specs)

    @property
    def inputs(self) -> list:
        return list(self.graph.params)

    @property
    def outputs(self) -> list:
        return list(self.graph.outputs)

    def _parameters(self) -> list[tuple[str, str, Any]]:
        """(name, kind, value) per parameter, defaults included, as TF's FunctionType."""
        kinds = parameter_kinds(self._signature, self._arg_names + list(self._traced_kwargs))
        if self._signature is None:
            return [(n, kinds[n], v) for n, v in zip(self._arg_names, self._traced_args)]
        bound = self._signature.bind(*self._traced_args, **self._traced_kwargs)
        bound.apply_defaults()
        return [(n, kinds[n], v) for n, v in bound.arguments.items()
                if kinds[n] not in ("VAR_POSITIONAL", "VAR_KEYWORD")]

    def __str__(self) -> str:
        lines = ["ConcreteFunction Input Parameters:"]
        lines += [f"  {n} ({kind}): {type_text(v)}" for n, kind, v in self._parameters()]
        lines += ["Output Type:", f"  {type_text(self._output_specs)}", "Captures:"]
        variables = self.graph.variables()
        lines += [f"  {id(v)}: TensorSpec(shape=(), dtype=tf.resource, name=None)"
                  for v in variables] or ["  None"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        params, positional_only, keyword_only = [], False, False
        for n, kind, v in self._parameters():
            if kind == "POSITIONAL_ONLY":
                positional_only = True
            elif positional_only:
                params.append("/")
                positional_only = False
            if kind == "KEYWORD_ONLY" and not keyword_only:
                params.append("*")
                keyword_only = True
            params.append(f"{n}: {type_text(v)}")
        if positional_only:
            params.append("/")
        return (f"<ConcreteFunction ({', '.join(params)}) -> {type_text(self._output_specs)} "
                f"at 0x{id(self):X}>")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs or len(args) != len(self._traced_args):
            args, kwargs = self._bind(args, kwargs)
        tensors = self._tensor_arguments(args, kwargs)
        if len(tensors) != len(self.graph.params):
            raise TypeError(f"{self.graph.name}: expected {len(self.graph.params)} tensor "
                            f"arguments, got {len(tensors)}.")
        for i, (t, p) in enumerate(zip(tensors, self.graph.params)):
            got = np.dtype(t._value.dtype if isinstance(t, Tensor) else np.asarray(t).dtype)
            if got != p.dtype:
                name = f"__inference_{self.graph.name}_{self.graph_id}"
                raise errors.InvalidArgumentError(
                    None, name, f"cannot compute {name} as input #{i}(zero-based) was expected "
                    f"to be a {kernel_dtype_name(p.dtype)} tensor but is a "
                    f"{kernel_dtype_name(got)} tensor [Op:{name}]")
        for t, p in zip(tensors, self.graph.params):
            if np.shape(t._value if isinstance(t, Tensor) else t) != p.shape:
                # this graph is specialized to its trace's shapes: the function that made it
                # finds (or makes) the graph for these, as its signature allows
                if self._owner is None:
                    raise errors.InvalidArgumentError(
                        None, self.graph.name, f"{self.graph.name} was traced for shape "
                        f"{p.shape}, got {np.shape(t._value if isinstance(t, Tensor) else t)}")
                return self._owner(*args, **kwargs)
        if self._datasets and not self._bind_datasets(nest.flatten([list(args), kwargs])):
            if self._owner is None:
                raise TypeError(f"{self.graph.name} read its dataset argument while tracing; "
                                "call the tf.function with the new dataset instead.")
            return self._owner(*args, **kwargs)
        return self._call_flat(tensors)

    def _bind_datasets(self, leaves: list) -> bool:
        """Point the graph's dataset readers at these dataset arguments (of the traced
        element spec); False if the trace read a dataset argument, so it must trace anew."""
        for pos, entry in self._datasets.items():
            dataset, readers = leaves[pos], entry[1]
            if dataset is entry[0]:
                continue
            if readers is None:
                return False
            for reader in readers:
                reader.dataset = dataset
            entry[0] = dataset
        return True

    def _tensor_arguments(self, args: Any, kwargs: dict) -> list:
        """The tensors to feed, where the trace had TensorSpecs (Python values converted to
        the spec's dtype); a Python value other than the one traced is refused, as in TF."""
        tensors: list = []

        def match(want: Any, got: Any) -> None:
            if isinstance(want, TensorSpec):
                if not isinstance(got, Tensor | np.ndarray) or isinstance(got, Variable):
                    got = convert_to_tensor(got, dtype=want.dtype)
                tensors.append(got)
            elif isinstance(want, DatasetSpec) and isinstance(got, Dataset):
                if DatasetSpec(got.element_spec) != want:  # TF: an error of the graph's run
                    raise errors.InvalidArgumentError(
                        None, self.graph.name, f"{self.graph.name} was traced for a dataset "
                        f"of {want!r}, got one of element_spec {got.element_spec!r}")
            elif isinstance(want, dict) and isinstance(got, dict) and want.keys() == got.keys():
                for k in sorted(want):  # the order nest.flatten gives the placeholders
                    match(want[k], got[k])
            elif (isinstance(want, list | tuple) and isinstance(got, list | tuple)
                  and len(want) == len(got)):
                for w, g in zip(want, got):
                    match(w, g)
            elif not isinstance(got, Variable) and not _same_literal(want, got):
                raise TypeError(f"Binding inputs to tf.function failed due to `Can not cast "
                                f"{got!r} to {type_text(want)}`.")

        match([list(self._traced_args), self._traced_kwargs], [list(args), kwargs])
        return tensors

    def _bind(self, args: tuple, kwargs: dict) -> tuple[list, dict]:
        """Arguments given by keyword, or Python literals left out, laid out as traced."""
        if self._signature is None:
            raise TypeError(f"{self.graph.name}: keyword arguments need a Python signature.")
        try:
            given = self._signature.bind_partial(*args, **kwargs).arguments
        except TypeError as exc:
            raise TypeError(f"Binding inputs to tf.function failed: {exc}") from None
        laid = [given.get(n, traced) for n, traced in zip(self._arg_names, self._traced_args)]
        for n, traced in zip(self._arg_names, self._traced_args):
            if n not in given and not _is_literal(traced):
                raise TypeError(f"{self.graph.name}() missing required argument: {n!r}")
        return laid, {k: given.get(k, v) for k, v in self._traced_kwargs.items()}

    def _call_flat(self, tensors: list) -> Any:
        hook = STATE.hook
        ran = None
        if (hook is not None and not STATE.tapes and STATE.graph is None
                and STATE.numerics_check is None):  # (check_numerics: each op, as plainly)
            # the debugger may run it its own way (every op's health, at compiled speed)
            ran = hook.run_graph(self, [t._value if isinstance(t, Tensor) else np.asarray(t)
                                        for t in tensors])
        if ran is not None:
            results = [wrap(a) for a in ran]
        elif STATE.observed:  # an enclosing tape or the debugger must see each op
            results = run_observed(self.graph, [t if isinstance(t, Tensor) else wrap(
                np.asarray(t)) for t in tensors], self.graph_id)
        else:
            arrays = [t._value if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
            start = time.perf_counter() if hook is not None else 0.0
            results = [wrap(a) for a in self.compiled(*arrays)]
            if hook is not None:  # attached but not watching ops: one event per call
                hook.graph_executed(self, time.perf_counter() - start)
        it = iter(results)
        consts = iter(self._constants)
        if self._has_slices:
            leaves = [next(consts) if n == 0 else next(it) if n == 1 else
                      IndexedSlices._of(*(next(it) for _ in range(n)))
                      for n in self._leaf_is_output]
        else:
            leaves = [next(it) if is_out else next(consts) for is_out in self._leaf_is_output]
        return nest.pack_sequence_as(self._structure, leaves) if leaves else self._structure

    def pretty_printed_signature(self) -> str:
        args = ", ".join(f"{p.node.name}: {p.type_text()}" for p in self.graph.params)
        return f"{self.graph.name}({args})"


class TraceFamily:
    """The traces of one signature with ``None`` dimensions (``input_signature``, or a shape
    ``reduce_retracing`` relaxed): one graph per input shape, as Tapescope traces concretely.

    TensorFlow runs the Python body once for them all. Here the second shape traces the body
    again and compares the graph with the first one replayed for that shape: the same program
    (no size baked in as a constant) makes the family generic, and every later shape is a
    replay of the first graph, without running Python. What that check run prints is held
    (``engine.held_output``) and dropped when the family proves generic, as TF printed
    nothing; other side effects of the body (a list append) do happen a second time.

    A first graph that differs from the check's may hold one-time work (variables a Keras
    layer or an optimizer created on the first call, which TF also traces twice for): the
    check's trace becomes the root and the next shape checks again, once. If that differs
    too, each shape traces the body, whose output is then written out: it really ran."""

    def __init__(self, root: ConcreteFunction) -> None:
        self.root = root
        self.generic: bool | None = None  # unknown until a second shape
        self._rerooted = False  # the root was replaced by a check's trace once

    def _replay(self, args: tuple, kwargs: dict, shapes: list | None) -> ConcreteFunction:
        arrays = [leaf._value if isinstance(leaf, Tensor) else np.asarray(leaf)
                  for leaf in nest.flatten([list(args), kwargs])
                  if isinstance(leaf, Tensor | np.ndarray) and not isinstance(leaf, Variable)]
        statics = shapes if shapes is not None else [None] * len(arrays)
        streams = _random_streams(self.root.graph)
        positions = [stream.counter for stream in streams]
        try:  # the replay's nodes share the root's streams: one stream per op, as in TF
            builder = replay(self.root.graph, arrays, statics)
        finally:  # and its trace-time draws are no runs
            for stream, counter in zip(streams, positions):
                stream.counter = counter
        root = self.root
        concrete = ConcreteFunction(builder.graph, root._structure, root._leaf_is_output,
                                    root._constants, [])
        for name in ("_signature", "_arg_names", "_traced_args", "_traced_kwargs",
                     "_structured_outputs", "_output_specs"):
            setattr(concrete, name, getattr(root, name))
        return concrete

    def check_generic(self, traced: ConcreteFunction, args: tuple, kwargs: dict,
                      shapes: list | None) -> ConcreteFunction:
        """The graph for this shape: the replay when the family proves generic (its random
        ops draw on from the root's streams, as TF's one graph does), else ``traced``."""
        try:
            replayed = self._replay(args, kwargs, shapes)
        except Exception:  # noqa: BLE001 - a size baked in that this shape does not fit
            replayed = None
        self.generic = replayed is not None and same_program(traced.graph, replayed.graph)
        if self.generic:
            return replayed
        if not self._rerooted:  # see the class docstring
            self.root, self.generic, self._rerooted = traced, None, True
        return traced

    def respecialize(self, args: tuple, kwargs: dict,
                     shapes: list | None) -> ConcreteFunction | None:
        """The first graph replayed for these shapes (None if it does not fit them)."""
        try:
            return self._replay(args, kwargs, shapes)
        except Exception:  # noqa: BLE001 - then the Python body traces it
            self.generic = False
            return None


class Function:
    """The callable that ``@tf.function`` returns."""

    def __init__(self, python_function: Any, input_signature: Any = None,
                 reduce_retracing: bool = False, name: str | None = None,
                 jit_compile: Any = None, autograph: bool = True,
                 experimental_relax_shapes: bool | None = None) -> None:
        self.python_function = python_function
        self._autograph = autograph
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
        self._families: dict[tuple, TraceFamily] = {}  # per such signature: its first trace
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
                             self.input_signature, self.reduce_retracing, self._name,
                             autograph=self._autograph)
            self._bound[instance] = bound
        return bound

    # -- signature -------------------------------------------------------------------------------
    def _positional(self, args: tuple, kwargs: dict) -> tuple:
        """Keyword arguments of a function with an input_signature, in their positions."""
        signature = python_signature(self.python_function)
        try:
            bound = signature.bind(*args, **kwargs) if signature is not None else None
        except TypeError as exc:
            raise TypeError(f"Binding inputs to tf.function failed: {exc}") from None
        if bound is None or bound.kwargs:
            raise TypeError(f"{self._name}: keyword arguments are not allowed with an "
                            "input_signature; pass them positionally.")
        return bound.args

    def _check_signature(self, args: tuple) -> tuple:
        """The arguments as tensors of the signature's dtypes (Python lists and numbers are
        converted, as TF does); a tensor of another dtype or shape is refused."""
        specs = self.input_signature or []
        if len(args) != len(specs):
            raise TypeError(f"{self._name}() takes {len(specs)} positional arguments per its "
                            f"input_signature but {len(args)} were given.")
        converted = []
        for i, (arg, spec) in enumerate(zip(args, specs)):
            if nest.is_nested(spec):  # a structure of specs: its leaves, checked alike
                if not nest.is_nested(arg) or _structure(arg) != _structure(spec):
                    raise TypeError(f"Binding inputs to tf.function failed: {self._name}: "
                                    f"argument {i} ({arg!r}) does not have the structure of "
                                    f"input_signature[{i}] = {spec}.")
                converted.append(nest.map_structure(
                    lambda s, a, i=i: self._check_leaf(i, a, s), spec, arg))
                continue
            converted.append(self._check_leaf(i, arg, spec))
        return tuple(converted)

    def _check_leaf(self, i: int, arg: Any, spec: TensorSpec) -> Any:
        """One argument (or a leaf of one) as a tensor of its spec's dtype."""
        value = arg
        if not isinstance(arg, Tensor | np.ndarray) and isinstance(spec, TensorSpec):
            try:
                value = convert_to_tensor(arg, dtype=spec.dtype)
            except (TypeError, ValueError):
                value = None
        if not isinstance(value, Tensor | np.ndarray) or not spec.is_compatible_with(
                TensorSpec(np.shape(value), np.asarray(value).dtype if not isinstance(
                    value, Tensor) else value.dtype)):
            got = (f"shape {tuple(np.shape(value))} dtype {np.asarray(value).dtype}"
                   if value is not None else repr(arg))
            raise TypeError(f"Binding inputs to tf.function failed: {self._name}: argument "
                            f"{i} ({got}) is incompatible with input_signature[{i}] = "
                            f"{spec}.")
        return value

    def _generalize(self, key: tuple) -> tuple | None:
        """The recorded generalized signature that ``key`` fits, if any."""
        for g in self._generalized:
            if len(g) == len(key) and all(_fits(gk, k) for gk, k in zip(g, key)):
                return g
        return None

    # -- calls -------------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if EAGERNESS.functions_run_eagerly:
            return self.python_function(*args, **kwargs)
        if STATE.graph is not None:  # called while tracing another function: inline it
            return self._traced_function()(*args, **kwargs)
        if self.input_signature is not None:
            if kwargs:
                args, kwargs = self._positional(args, kwargs), {}
            args = self._check_signature(args)
        leaves = nest.flatten([list(args), kwargs])
        key = tuple(_leaf_key(leaf) for leaf in leaves)
        concrete = self._cache.get(key)
        traced = False
        if concrete is None:
            concrete = self._trace(args, kwargs, key)
            traced = True
        elif concrete._datasets and not concrete._bind_datasets(leaves):
            # a dataset argument of the same spec, which the trace read: traced again for it,
            # not counted (TensorFlow's graph would read any dataset of that spec)
            concrete = self._trace(args, kwargs, key, counted=False)
        self._recent = (self._recent + [traced])[-RETRACE_WARNING_THRESHOLD:]
        tensors = [leaf for leaf in leaves if isinstance(leaf, Tensor | np.ndarray)
                   and not isinstance(leaf, Variable)]
        return concrete._call_flat(tensors)

    def _trace(self, args: tuple, kwargs: dict, key: tuple,
               shapes: list | None = None, counted: bool = True) -> ConcreteFunction:
        recount = counted
        general = None
        if self.input_signature is not None:
            general = tuple(("spec", i) for i in range(len(key)))
            counted = self._tracing_count == 0
            shapes = [spec.shape for spec in nest.flatten(self.input_signature)]
        elif self.reduce_retracing:
            general = self._generalize(key)
            counted = general is None
            if general is None and self._last_key is not None and len(self._last_key) == len(key):
                general = tuple(_relax(a, b) for a, b in zip(self._last_key, key))
                self._generalized.append(general)
            if general is not None and shapes is None:  # traced for the relaxed shapes
                shapes = [TensorShape(None if g[1] is None else list(g[1]))
                          for g in general if g[0] == "tensor"]
        counted = counted and recount
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
        concrete = None
        family = self._families.get(general) if general is not None else None
        if family is not None and family.generic:
            concrete = family.respecialize(args, kwargs, shapes)
        if concrete is None and family is not None and family.generic is None:
            concrete = self._check_trace(family, args, kwargs, shapes)
        elif concrete is None:
            concrete = trace_function(self._traced_function(), args, kwargs, self._name,
                                      shapes)
            if family is None and general is not None:
                self._families[general] = TraceFamily(concrete)
        concrete._owner = self
        self._cache[key] = concrete
        if STATE.hook is not None:
            STATE.hook.graph_traced(concrete, self._name, self._tracing_count,
                                    getattr(self, "last_retrace_reason", "") if counted
                                    else "re-specialized for new dimensions" if recount
                                    else "re-specialized for a new dataset")
        return concrete

    def _check_trace(self, family: TraceFamily, args: tuple, kwargs: dict,
                     shapes: list | None) -> ConcreteFunction:
        """The body traced for a new shape of ``family`` to check it, its printing held:
        dropped if the family proves generic (TF ran the body once), else written out."""
        with HeldOutput() as held:
            concrete = trace_function(self._traced_function(), args, kwargs, self._name,
                                      shapes)
        try:
            concrete = family.check_generic(concrete, args, kwargs, shapes)
        finally:
            if family.generic:
                held.drop()
            else:
                held.release()
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

    def _traced_function(self) -> Any:
        """What tracing runs: the AutoGraph-converted function, unless autograph=False (and
        while it runs, whether functions it hands to tf.map_fn are converted too)."""
        from engine.autograph.conversion import STATUS, convert, in_user_code, is_user_function

        fn = self.python_function
        if self._autograph and is_user_function(fn):
            fn = convert(fn)
        autograph = self._autograph

        @functools.wraps(fn)
        def traced(*args: Any, **kwargs: Any) -> Any:
            STATUS.append(autograph)
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                wrapped = in_user_code(exc) if fn is not self.python_function else None
                if wrapped is None:
                    raise
                raise wrapped.with_traceback(exc.__traceback__) from None
            finally:
                STATUS.pop()

        return traced

    def experimental_get_tracing_count(self) -> int:
        return self._tracing_count

    def pretty_printed_concrete_signatures(self, verbose: bool = True) -> str:
        """Every trace's input parameters, output type and captures, in tracing order (what
        the tf.function guide prints to show retracing)."""
        traces = list(dict.fromkeys(self._cache.values()))
        return "\n\n".join(str(c).removeprefix("ConcreteFunction ") for c in traces)

    def get_concrete_function(self, *args: Any, **kwargs: Any) -> ConcreteFunction:
        """The trace for these arguments (TensorSpecs allowed), tracing if needed."""
        if not args and not kwargs and self.input_signature is not None:
            args = tuple(self.input_signature)
        shapes = [leaf.shape if isinstance(leaf, TensorSpec) else TensorShape(np.shape(leaf))
                  for leaf in nest.flatten([list(args), kwargs])
                  if isinstance(leaf, TensorSpec | Tensor | np.ndarray)
                  and not isinstance(leaf, Variable)]
        given = nest.flatten([list(args), kwargs])
        args = tuple(_spec_to_example(a) for a in args)
        kwargs = {k: _spec_to_example(v) for k, v in kwargs.items()}
        leaves = nest.flatten([list(args), kwargs])
        key = tuple(_leaf_key(leaf) for leaf in leaves)
        if self.input_signature is None and not self.reduce_retracing and len(given) == len(
                leaves):
            # a spec with None sizes is a trace of its own (what a SavedModel signature
            # saves), not the trace of its example tensor's shape
            key = tuple(_relaxed_key(g) or k for g, k in zip(given, key))
            key = next((k for k in self._cache if _generalizes(k, key)), key)
        concrete = self._cache.get(key)
        if concrete is None:
            concrete = self._trace(args, kwargs, key, shapes)
        return concrete

    def __repr__(self) -> str:
        return f"<engine.function.Function {self._name}>"


def _structure(value: Any) -> Any:
    """A nested value with None for every leaf: what two structures must share."""
    return nest.map_structure(lambda _: None, value)


def _same_literal(want: Any, got: Any) -> bool:
    try:
        return type(want) is type(got) and bool(want == got)
    except (TypeError, ValueError):
        return want is got


def _is_literal(value: Any) -> bool:
    return not any(isinstance(leaf, TensorSpec) for leaf in nest.flatten(value))


def _relaxed_key(leaf: Any) -> tuple | None:
    """The cache key of a TensorSpec with unknown sizes or rank (None for other leaves)."""
    if not isinstance(leaf, TensorSpec):
        return None
    dims = None if leaf.shape.rank is None else tuple(leaf.shape.as_list())
    if dims is not None and None not in dims:
        return None
    return ("spec", dims, leaf.dtype.name)


def _generalizes(general: tuple, key: tuple) -> bool:
    """Whether a spec trace's key accepts every argument of ``key`` (TF's supertype)."""
    if len(general) != len(key) or general == key:
        return general == key
    for g, k in zip(general, key):
        if g == k:
            continue
        if g[0] != "spec" or k[0] not in ("spec", "tensor") or g[2] != (
                k[2] if k[0] == "spec" else np.dtype(k[2]).name):
            return False
        if g[1] is not None and (k[1] is None or len(k[1]) != len(g[1]) or any(
                a is not None and a != b for a, b in zip(g[1], k[1]))):
            return False
    return True


def _spec_to_example(value: Any) -> Any:
    """A tensor to trace a TensorSpec with: unknown sizes as 2, so that a size 1 (from
    broadcasting or keepdims) is not mistaken for one of them in the output shapes."""
    if isinstance(value, TensorSpec):
        if value.shape.rank is None:  # any rank: traced for a scalar
            return wrap(np.zeros((), dtype=value.dtype._np))
        dims = [2 if d is None else d for d in value.shape.as_list()]
        return wrap(np.zeros(dims, dtype=value.dtype._np))
    return value


def _fits(general: tuple, key: tuple) -> bool:
    if general[0] == "tensor" and key[0] == "tensor":
        if general[1] is None:  # any rank
            return general[2] == key[2]
        return general[2] == key[2] and len(general[1]) == len(key[1]) and all(
            g is None or g == k for g, k in zip(general[1], key[1]))
    return general == key


def _relax(a: tuple, b: tuple) -> tuple:
    """The most specific shape both fit: sizes that differ become None; ranks that differ,
    an unknown rank (as TF's reduce_retracing relaxes them)."""
    if a[0] == "tensor" and b[0] == "tensor" and a[2] == b[2]:
        if a[1] is None or b[1] is None or len(a[1]) != len(b[1]):
            return ("tensor", None, a[2])
        return ("tensor", tuple(x if x == y else None for x, y in zip(a[1], b[1])), a[2])
    return b


def _argument_names(fn: Any, n: int) -> list[str]:
    import inspect

    try:
        names = list(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        names = []
    return [repr(names[i]) if i < len(names) else f"#{i}" for i in range(n)]


def _random_streams(graph: Graph) -> list:
    """The streams of ``graph``'s random ops (a replayed graph holds no nested graphs)."""
    from engine.ops.random_seed import PhiloxStream

    return [value for node in graph.nodes for value in node.attrs.values()
            if isinstance(value, PhiloxStream)]


def _restart_random_streams(graph: Graph, seen: set) -> None:
    """Every random op's stream in ``graph`` and the graphs its loops and branches hold back
    at its first run: tracing ran a loop's body for its values (TensorFlow draws nothing at
    trace time, so a traced function's first call draws the stream's first values)."""
    from engine.ops.random_seed import PhiloxStream

    if id(graph) in seen:
        return
    seen.add(id(graph))
    for node in graph.nodes:
        for value in node.attrs.values():
            if isinstance(value, PhiloxStream):
                value.restart()
            nested = value if isinstance(value, Graph) else getattr(value, "graph", None)
            if isinstance(nested, Graph):
                _restart_random_streams(nested, seen)


def trace_function(fn: Any, args: tuple, kwargs: dict, name: str,
                   shapes: list | None = None) -> ConcreteFunction:
    """Run ``fn`` once with symbolic tensors and return its ConcreteFunction. ``shapes``:
    per tensor argument (flattened), the shape it is traced for, ``None`` for any size."""
    builder = GraphBuilder(name)
    signature = python_signature(fn)
    names = argument_names(signature, len(args), sorted(kwargs))
    counter = [0]

    def to_symbolic(arg_name: str, value: Any) -> Any:
        def leaf_to_symbolic(leaf: Any) -> Any:
            if isinstance(leaf, Variable) or not isinstance(leaf, Tensor | np.ndarray):
                return leaf
            i = counter[0]
            counter[0] += 1
            array = leaf._value if isinstance(leaf, Tensor) else np.asarray(leaf)
            shape = shapes[i] if shapes is not None else None
            return builder.placeholder(np.asarray(array), arg_name, shape)

        return nest.map_structure(leaf_to_symbolic, value)

    # placeholders in the order calls flatten their tensors: positional, then sorted keys
    sym_args = [to_symbolic(n, a) for n, a in zip(names, args)]
    sym_kwargs = {k: to_symbolic(k, kwargs[k]) for k in sorted(kwargs)}
    sym_kwargs = {k: sym_kwargs[k] for k in kwargs}
    dataset_ops.TRACE_LOG.append([])
    try:
        with STATE.swapped(graph=builder, tapes=[]):  # outer eager tapes must not see it
            result = fn(*sym_args, **sym_kwargs)
    finally:
        dataset_uses = dataset_ops.TRACE_LOG.pop()
    with STATE.swapped(graph=builder, tapes=[]):
        traced = len(builder.graph.nodes)
        result = nest.map_structure(_graph_output, result)
        _move_output_nodes(builder.graph, traced)
        outputs = _describe_outputs(builder, result)
    is_out, constants = [], []
    graph = builder.graph
    for leaf in nest.flatten(result):
        parts = _output_parts(leaf)
        if parts:
            graph.outputs.extend(builder.value_of(p) for p in parts)
            is_out.append(len(parts))
        else:
            constants.append(leaf)
            is_out.append(0)
    _restart_random_streams(graph, set())  # the trace's own runs of loops drew from them
    concrete = ConcreteFunction(graph, result, is_out, constants, builder.optimizers)
    concrete._describe_inputs(signature, names, sym_args, sym_kwargs, builder.static_shapes)
    concrete._structured_outputs, concrete._output_specs = outputs
    concrete._datasets = _dataset_readers(nest.flatten([list(args), kwargs]), dataset_uses)
    return concrete


def _dataset_readers(leaves: list, uses: list) -> dict[int, list]:
    """Per dataset argument: [it, the graph's readers of it], or [it, None] when the trace
    read it or a dataset made from it (its elements or length are then in the graph)."""
    found = {}
    for pos, leaf in enumerate(leaves):
        if not isinstance(leaf, Dataset):
            continue
        readers: list | None = []
        for what, obj in uses:
            if what == "graph" and obj.dataset is leaf and obj.trace_length == 0:
                readers.append(obj)
            elif _made_from(obj.dataset if what == "graph" else obj, leaf):
                readers = None
                break
        found[pos] = [leaf, readers]
    return found


def _made_from(dataset: Any, source: Any) -> bool:
    """Whether ``dataset`` is ``source`` or reads from it (through map, batch, zip, ...)."""
    todo, seen = [dataset], set()
    while todo:
        ds = todo.pop()
        if ds is source:
            return True
        if id(ds) not in seen:
            seen.add(id(ds))
            todo.extend(inputs_of(ds))
    return False


def _output_parts(leaf: Any) -> list:
    """The graph tensors a result leaf is returned as (none: a constant returned as is)."""
    if isinstance(leaf, Tensor):
        return [leaf]
    if isinstance(leaf, IndexedSlices):
        return [p for p in (leaf.values, leaf.indices, leaf.dense_shape) if p is not None]
    return []


def _graph_output(leaf: Any) -> Any:
    """A result leaf as TensorFlow returns it: always a tensor (Python numbers and bools too,
    ``None`` aside), through an ``Identity`` node as TF's graph outputs are; an IndexedSlices
    (a gather's gradient) stays one, each part through its own ``Identity``."""
    if leaf is None or isinstance(leaf, str):  # no string tensors in Tapescope
        return leaf
    if isinstance(leaf, IndexedSlices):
        return IndexedSlices._of(*(None if p is None else identity(p) for p in (
            leaf.values, leaf.indices, leaf.dense_shape)))
    if isinstance(leaf, bool | int | float | np.generic | np.ndarray | Tensor):
        return identity(convert_to_tensor(leaf))
    return leaf


def _move_output_nodes(graph: Graph, start: int) -> None:
    """Put each output's Identity (and a returned literal's Const) right after what it reads,
    not after the function's last op: an optimizer update that ends a training step must
    not be followed by ops of that step (the debugger would count them in the next one).
    Variable reads stay last, after any assignment in the function."""
    tail = graph.nodes[start:]
    del graph.nodes[start:]
    for node in tail:
        if node.type == READ_VARIABLE or any(v.node.type == READ_VARIABLE and v.node in tail
                                             for v in node.inputs):
            graph.nodes.append(node)
            continue
        producers = {v.node.id for v in node.inputs}
        at = max((i + 1 for i, n in enumerate(graph.nodes) if n.id in producers), default=0)
        at = max(at, len(graph.params))  # after the arguments
        graph.nodes.insert(at, node)
        for record in graph.gradients:  # a tape.gradient reported before node ``position``
            if at < record.get("position", len(graph.nodes)):
                record["position"] += 1


class GraphTensor:
    """A traced function's output as ``structured_outputs`` shows it (TF's graph tensor)."""

    def __init__(self, name: str, shape: TensorShape, dtype: Any) -> None:
        self.name, self.shape, self.dtype = name, shape, dtype

    def __str__(self) -> str:
        shape = "" if self.shape.rank is None else f"shape={self.shape}, "
        return f'Tensor("{self.name}", {shape}dtype={self.dtype.name})'

    def __repr__(self) -> str:
        shape = "" if self.shape.rank is None else f" shape={self.shape}"
        return f"<tf.Tensor '{self.name}'{shape} dtype={self.dtype.name}>"


def _describe_outputs(builder: GraphBuilder, result: Any) -> tuple[Any, Any]:
    """``structured_outputs`` and the output TensorSpecs, with the static shapes the trace
    inferred (``None`` where an input's unknown dimension reaches the output)."""
    def static(t: Tensor) -> TensorShape:
        shape = builder.static_shapes.get(t._id)
        return TensorShape(t._value.shape) if shape is None else shape

    def graph_tensor(leaf: Any) -> Any:
        if isinstance(leaf, IndexedSlices):
            return IndexedSlices._of(*(None if p is None else graph_tensor(p) for p in (
                leaf.values, leaf.indices, leaf.dense_shape)))
        if not isinstance(leaf, Tensor):
            return leaf
        return GraphTensor(builder.value_of(leaf).name, static(leaf), leaf.dtype)

    def spec(leaf: Any) -> Any:
        if isinstance(leaf, IndexedSlices):
            dense_shape = leaf.dense_shape
            return IndexedSlicesSpec(
                None if dense_shape is None else [int(d) for d in dense_shape._value],
                leaf.dtype, leaf.indices.dtype,
                None if dense_shape is None else dense_shape.dtype, static(leaf.indices))
        return TensorSpec(static(leaf), leaf.dtype) if isinstance(leaf, Tensor) else leaf

    return nest.map_structure(graph_tensor, result), nest.map_structure(spec, result)


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


