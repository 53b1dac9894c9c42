"""What a loaded SavedModel is made of: ``_UserObject`` (an object without its class),
``RestoredFunction`` (a tf.function that runs its saved traces only: the one that accepts
the arguments, replayed for new sizes if saving found it shape-generic, else a ValueError
listing the traces, TensorFlow's text) and the ``signatures`` (tensors by keyword in, a
dict out). Restored traces are the engine's ConcreteFunctions: compiled, recorded by
GradientTape, announced to the debugger."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from engine import nest
from engine.context import STATE
from engine.function import ConcreteFunction, _same_literal
from engine.graph.replay import replay
from engine.tensor import Tensor, Variable, convert_to_tensor
from engine.tensor_spec import TensorSpec


class _UserObject:
    """A loaded object: what its saved attributes held, without its class or Python code."""

    def __init__(self) -> None:
        self.signatures: SignatureMap = SignatureMap({})


class SignatureMap(Mapping):
    """``loaded.signatures``: signature key -> function taking and returning dicts."""

    def __init__(self, functions: dict) -> None:
        self._functions = dict(functions)

    def __getitem__(self, key: str) -> Any:
        return self._functions[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._functions)

    def __len__(self) -> int:
        return len(self._functions)

    def __repr__(self) -> str:
        return f"_SignatureMap({self._functions!r})"


def _arguments_text(args: Any, kwargs: dict, describe: Any) -> str:
    lines = [f"  Positional arguments ({len(args)} total):"]
    lines += [f"    * {describe(a, i)}" for i, a in enumerate(args)]
    lines.append(f"  Keyword arguments: {kwargs!r}" if not kwargs else
                 "  Keyword arguments: {" + ", ".join(
                     f"{k!r}: {describe(v, k)}" for k, v in kwargs.items()) + "}")
    return "\n".join(lines)


class RestoredFunction:
    """A loaded tf.function: calls go to the saved trace that accepts the arguments."""

    def __init__(self, name: str, concretes: list[ConcreteFunction],
                 generic: list[bool]) -> None:
        self.__name__ = name
        self._concretes = concretes
        self._generic = generic
        self._respecialized: dict[tuple, ConcreteFunction] = {}
        for c in concretes:
            c._owner = self  # (another shape: back here, to pick or replay a trace)

    @property
    def concrete_functions(self) -> list[ConcreteFunction]:
        return list(self._concretes)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not self._concretes:
            raise ValueError("Found zero restored functions for caller function.")
        unfit = None
        for i, concrete in enumerate(self._concretes):
            tensors = _accepted(concrete, args, kwargs)
            if tensors is None:
                continue
            shapes = tuple(np.shape(t._value if isinstance(t, Tensor) else t) for t in tensors)
            if shapes == tuple(p.shape for p in concrete.graph.params):
                return concrete._call_flat(tensors)
            if self._generic[i]:
                return self._respecialize(i, tensors, shapes)._call_flat(tensors)
            unfit = concrete
        if unfit is not None:
            traced = [p.shape for p in unfit.graph.params]
            raise ValueError(
                f"{self.__name__} was saved by Tapescope for argument shapes {traced}: its "
                "graph bakes in input sizes (Tapescope traces concretely, per shape), so it "
                "cannot run for other shapes without the Python code. Call it with those "
                "shapes, or save a trace for these.")
        raise ValueError(self._no_match_text(args, kwargs))

    def _respecialize(self, i: int, tensors: list, shapes: tuple) -> ConcreteFunction:
        """The saved trace ``i`` replayed for new argument shapes (its graph is generic)."""
        found = self._respecialized.get((i, shapes))
        if found is not None:
            return found
        root = self._concretes[i]
        arrays = [t._value if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
        statics = [p.shape for p in trace_specs(root)]
        graph = replay(root.graph, arrays, statics).graph
        concrete = ConcreteFunction(graph, root._structure, root._leaf_is_output,
                                    root._constants, [])
        for name in ("_signature", "_arg_names", "_traced_args", "_traced_kwargs",
                     "_structured_outputs", "_output_specs"):
            setattr(concrete, name, getattr(root, name))
        concrete._owner = self
        announce(concrete, self.__name__, "re-specialized for new dimensions",
                  len(self._concretes) + len(self._respecialized) + 1)
        self._respecialized[(i, shapes)] = concrete
        return concrete

    def _no_match_text(self, args: tuple, kwargs: dict) -> str:
        names = self._concretes[0]._arg_names

        def got(value: Any, key: Any) -> str:
            if isinstance(value, Tensor) and not isinstance(value, Variable):
                name = names[key] if isinstance(key, int) and key < len(names) else key
                return (f"<tf.Tensor '{name}:0' shape={value.shape} "
                        f"dtype={value.dtype.name}>")
            return repr(value)

        options = []
        for n, concrete in enumerate(self._concretes, 1):
            options.append(f"Option {n}:\n" + _arguments_text(
                concrete._traced_args, concrete._traced_kwargs, lambda v, k: repr(v)))
        return ("Could not find matching concrete function to call loaded from the "
                "SavedModel. Got:\n" + _arguments_text(args, kwargs, got) + "\n\n Expected "
                f"these arguments to match one of the following {len(options)} option(s):"
                "\n\n" + "\n\n".join(options))

    def __repr__(self) -> str:
        return f"<engine.saved_model.RestoredFunction {self.__name__}>"


def trace_specs(concrete: ConcreteFunction) -> list[TensorSpec]:
    return [leaf for leaf in nest.flatten([list(concrete._traced_args),
                                           concrete._traced_kwargs])
            if isinstance(leaf, TensorSpec)]


def _accepted(concrete: ConcreteFunction, args: tuple, kwargs: dict) -> list | None:
    """The tensors to feed ``concrete`` if the arguments fit its trace, else None."""
    try:
        if concrete._signature is not None:
            args, kwargs = _laid_out(concrete, args, kwargs)
        elif kwargs or len(args) != len(concrete._traced_args):
            return None
        tensors = concrete._tensor_arguments(args, kwargs)
    except (TypeError, ValueError):
        return None
    for t, spec in zip(tensors, trace_specs(concrete)):
        value = t if isinstance(t, Tensor) else convert_to_tensor(t)
        if not spec.is_compatible_with(value):
            return None
    return tensors


def _laid_out(concrete: ConcreteFunction, args: tuple, kwargs: dict) -> tuple[list, dict]:
    """The arguments bound to the Python signature and laid out as the trace took them;
    TypeError if they bind otherwise or differ from the trace's Python values (defaults
    included: ``f(x)`` and ``f(x, 3.0)`` are traces of their own)."""
    signature = concrete._signature
    got = signature.bind(*args, **kwargs)
    want = signature.bind(*concrete._traced_args, **concrete._traced_kwargs)
    got.apply_defaults()
    want.apply_defaults()
    if got.arguments.keys() != want.arguments.keys():
        raise TypeError("the arguments bind to other parameters than the trace's")
    fed = set(concrete._arg_names) | set(concrete._traced_kwargs)
    for name, value in want.arguments.items():
        if name not in fed and not _same_literal(value, got.arguments[name]):
            raise TypeError(f"argument {name!r} differs from the traced value")
    return ([got.arguments[n] for n in concrete._arg_names],
            {k: got.arguments[k] for k in concrete._traced_kwargs})


class SignatureFunction:
    """``loaded.signatures[key]``: tensors by keyword (or in order), results as a dict."""

    def __init__(self, concrete: ConcreteFunction, function: RestoredFunction,
                 inputs: list[str], outputs: list[str]) -> None:
        self._concrete = concrete
        self._function = function
        self._inputs = inputs
        self._outputs = outputs

    @property
    def structured_input_signature(self) -> tuple:
        specs = trace_specs(self._concrete)
        return (), {name: TensorSpec(s.shape, s.dtype, name)
                    for name, s in zip(self._inputs, specs)}

    @property
    def structured_outputs(self) -> dict:
        flat = nest.flatten(self._concrete._output_specs)
        return {key: TensorSpec(s.shape, s.dtype, key) for key, s in zip(self._outputs, flat)}

    def __call__(self, *args: Any, **kwargs: Any) -> dict:
        if len(args) > len(self._inputs):
            raise TypeError(f"signature takes {len(self._inputs)} arguments, got {len(args)}")
        given = dict(zip(self._inputs, args))
        for key, value in kwargs.items():
            if key not in self._inputs or key in given:
                raise TypeError(f"signature got an unexpected or repeated argument {key!r}; "
                                f"its arguments are {self._inputs}")
            given[key] = value
        missing = [k for k in self._inputs if k not in given]
        if missing:
            raise TypeError(f"signature is missing arguments {missing}")
        flat = [given[k] for k in self._inputs]
        structure = [list(self._concrete._traced_args), self._concrete._traced_kwargs]
        packed = nest.pack_sequence_as(structure, flat)
        result = self._function(*packed[0], **packed[1])
        return dict(zip(self._outputs, nest.flatten(result)))

    def __repr__(self) -> str:
        return f"<engine.saved_model.SignatureFunction inputs={self._inputs}>"


def announce(concrete: ConcreteFunction, name: str, reason: str, count: int) -> None:
    if STATE.hook is not None:  # the debugger shows it as any traced function's graph
        STATE.hook.graph_traced(concrete, name, count, reason)
