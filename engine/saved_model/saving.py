"""``tf.saved_model.save``: a tf.Module's (or Keras model's) variables and traced functions.

What is written (``layout``): the object tree (attributes that hold variables, modules,
tf.functions and lists/dicts of them), every variable (name, dtype, trainable, value) and
every traced ConcreteFunction of each tf.function, as its graph (``graph_codec``), plus the
``signatures``. The Python code is not saved, as in TensorFlow: the loaded functions run
the saved graphs only, for the argument types they were traced with.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

import numpy as np

from engine import nest
from engine.function import ConcreteFunction, Function, trace_function
from engine.graph.replay import replay, same_program
from engine.module import Module
from engine.saved_model import layout
from engine.saved_model.codec import Encoder
from engine.saved_model.graph_codec import encode_graph
from engine.tensor import Variable, wrap
from engine.tensor_spec import TensorSpec

_IGNORED = frozenset({"_self_unconditional_checkpoint_dependencies",
                      "_self_unconditional_dependency_names"})


def _is_keras(obj: Any) -> bool:
    from engine.keras.layers.base import Layer

    return isinstance(obj, Layer)


class _Saver:
    """Numbers the objects, variables and traces reachable from the root as it walks."""

    def __init__(self) -> None:
        self.objects: list[dict] = []
        self._object_ids: dict[int, int] = {}
        self.variables: list[Variable] = []
        self._variable_ids: dict[int, int] = {}
        self.functions: list[dict] = []
        self._function_ids: dict[int, int] = {}
        self.concretes: list[dict] = []
        self._concrete_ids: dict[int, int] = {}
        self.encoder = Encoder(self.variable)

    # -- tables --------------------------------------------------------------------------
    def variable(self, var: Variable) -> int:
        index = self._variable_ids.get(id(var))
        if index is None:
            index = self._variable_ids[id(var)] = len(self.variables)
            self.variables.append(var)
        return index

    def concrete(self, concrete: ConcreteFunction, generic: bool) -> int:
        index = self._concrete_ids.get(id(concrete))
        if index is None:
            index = self._concrete_ids[id(concrete)] = len(self.concretes)
            self.concretes.append({})  # (a slot first: encoding may number variables)
            self.concretes[index] = _encode_concrete(concrete, self.encoder, generic)
        elif generic:
            self.concretes[index]["generic"] = True
        return index

    def function(self, fn: Function) -> int:
        index = self._function_ids.get(id(fn))
        if index is None:
            index = self._function_ids[id(fn)] = len(self.functions)
            self.functions.append({})
            if fn.input_signature is not None and not fn._cache:
                fn.get_concrete_function()  # TensorFlow traces a signature's function to save
            traces = list(dict.fromkeys(fn._cache.values()))
            for c in traces:
                _trace_again(fn, c)
            self.functions[index] = {"name": fn._name, "concretes": [
                self.concrete(c, _is_generic(fn, c)) for c in traces]}
        return index

    def obj(self, obj: Any) -> int:
        index = self._object_ids.get(id(obj))
        if index is not None:
            return index
        index = self._object_ids[id(obj)] = len(self.objects)
        self.objects.append({})
        children: dict[str, Any] = {}
        if not _is_keras(obj):  # a Keras model: its weights and signature only, as TF's
            for name, value in sorted(vars(obj).items()):
                if name in _IGNORED:
                    continue
                ref = self.ref(value)
                if ref is not None:
                    children[name] = ref
            for name, value in _class_functions(obj):
                children.setdefault(name, {"function": self.function(value)})
        self.objects[index] = {"class": type(obj).__qualname__, "children": children}
        return index

    def ref(self, value: Any) -> Any:
        """What an attribute holds, as saved: None when it holds nothing saved."""
        if isinstance(value, Variable):
            return {"variable": self.variable(value)}
        if isinstance(value, Module) or _is_keras(value):
            return {"object": self.obj(value)}
        if isinstance(value, Function):
            return {"function": self.function(value)}
        if isinstance(value, list | tuple) and not hasattr(value, "_fields"):
            refs = [self.ref(v) for v in value]
            if not refs or any(r is not None for r in refs):  # (an empty list: TF's too)
                return {"list" if isinstance(value, list) else "tuple": refs}
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            refs = {k: self.ref(v) for k, v in value.items()}
            if any(r is not None for r in refs.values()):
                return {"dict": [[k, r] for k, r in refs.items()]}
        return None


def _class_functions(obj: Any) -> list[tuple[str, Function]]:
    """The tf.functions defined on the object's class (``@tf.function def __call__``), bound."""
    found = []
    for name in sorted(dir(type(obj))):
        try:
            static = inspect.getattr_static(type(obj), name)
        except AttributeError:
            continue
        if isinstance(static, Function):
            found.append((name, getattr(obj, name)))
    return found


def _trace_again(fn: Function, concrete: ConcreteFunction) -> None:
    """TensorFlow traces a function's traces once more the first time it saves them (a
    print in its body shows it): so does this, for the traces of fixed shapes (those with
    ``None`` sizes are traced again by the genericity check). The graph saved is the one
    of the original trace."""
    if getattr(concrete, "_traced_for_saving", False) or _specs_with_none(concrete):
        return
    concrete._traced_for_saving = True

    def example(leaf: Any) -> Any:
        if isinstance(leaf, TensorSpec):
            return wrap(np.zeros(leaf.shape.as_list(), leaf.dtype._np))
        return leaf

    args = nest.map_structure(example, list(concrete._traced_args))
    kwargs = nest.map_structure(example, dict(concrete._traced_kwargs))
    try:
        with np.errstate(all="ignore"):
            trace_function(fn._traced_function(), tuple(args), kwargs, fn._name)
    except Exception:  # noqa: BLE001, S110 - only its side effects were wanted; the first
        pass  # trace, which ran on real values, is what is saved


def _specs_with_none(concrete: ConcreteFunction) -> bool:
    return any(leaf.shape.rank is None or None in leaf.shape.as_list()
               for leaf in nest.flatten([list(concrete._traced_args),
                                         concrete._traced_kwargs])
               if isinstance(leaf, TensorSpec))


def _is_generic(fn: Function, concrete: ConcreteFunction) -> bool:
    """Whether a trace with ``None`` dimensions in its signature is the same program for
    other sizes (then the loaded function replays it for any shape): the Python function is
    traced once more for sizes one larger and compared with the graph replayed for them."""
    known = getattr(concrete, "_saved_generic", None)  # (checked once: tracing prints)
    if known is None:
        known = concrete._saved_generic = _check_generic(fn, concrete)
    return known


def _check_generic(fn: Function, concrete: ConcreteFunction) -> bool:
    specs = [leaf for leaf in nest.flatten([list(concrete._traced_args),
                                           concrete._traced_kwargs])
             if isinstance(leaf, TensorSpec)]
    if not any(s.shape.rank is None or None in s.shape.as_list() for s in specs):
        return False
    arrays = []
    for spec, param in zip(specs, concrete.graph.params):
        if spec.shape.rank is None:  # any rank: tried with one more dimension
            dims = [*param.shape, 3]
        else:
            dims = [d + 1 if want is None else d for d, want in zip(param.shape,
                                                                      spec.shape.as_list())]
        arrays.append(np.zeros(dims, param.dtype))
    it = iter(arrays)

    def example(leaf: Any) -> Any:
        return wrap(next(it)) if isinstance(leaf, TensorSpec) else leaf

    args = nest.map_structure(example, list(concrete._traced_args))
    kwargs = nest.map_structure(example, dict(concrete._traced_kwargs))
    shapes = [s.shape for s in specs]
    try:
        traced = trace_function(fn._traced_function(), tuple(args), kwargs, fn._name, shapes)
        replayed = replay(concrete.graph, arrays, shapes).graph
    except Exception:  # noqa: BLE001 - a size baked in that these shapes do not fit
        return False
    return same_program(traced.graph, replayed)


def _encode_concrete(concrete: ConcreteFunction, enc: Encoder, generic: bool) -> dict:
    name = concrete.graph.name
    where = f"function {name!r}"
    if any(n > 1 for n in concrete._leaf_is_output):
        raise NotImplementedError(f"{where}: saving a function that returns IndexedSlices is "
                                  "not supported by Tapescope's SavedModel")
    if concrete._datasets:
        raise NotImplementedError(f"{where}: saving a function that takes a tf.data.Dataset "
                                  "is not supported by Tapescope's SavedModel")
    parameters = []
    signature = concrete._signature
    for p in (signature.parameters.values() if signature is not None else []):
        default = None
        if p.default is not inspect.Parameter.empty:
            try:
                default = [enc.encode(p.default, f"{where}: default of {p.name!r}")]
            except NotImplementedError:
                default = None  # (only shown in the signature's printout)
        parameters.append([p.name, p.kind.name, default])
    return {
        "graph": encode_graph(concrete.graph, enc, where),
        "parameters": parameters if signature is not None else None,
        "arg_names": list(concrete._arg_names),
        "traced_args": enc.encode(list(concrete._traced_args), f"{where}: arguments"),
        "traced_kwargs": enc.encode(dict(concrete._traced_kwargs), f"{where}: arguments"),
        "output_specs": enc.encode(concrete._output_specs, f"{where}: result"),
        "structured_outputs": enc.encode(concrete._structured_outputs, f"{where}: result"),
        "leaf_is_output": list(concrete._leaf_is_output),
        "constants": enc.encode(list(concrete._constants), f"{where}: result"),
        "generic": bool(generic),
    }


def _signature_concrete(value: Any, key: str) -> tuple[ConcreteFunction, Function | None]:
    if isinstance(value, ConcreteFunction):
        return value, value._owner
    if isinstance(value, Function):
        if value.input_signature is None:
            raise ValueError(f"signatures[{key!r}]: a tf.function without an input_signature; "
                             "pass f.get_concrete_function(tf.TensorSpec(...)) instead.")
        return value.get_concrete_function(), value
    raise ValueError(f"signatures[{key!r}] must be a tf.function with an input_signature or a "
                     f"ConcreteFunction, got {type(value).__name__}.")


def _signature_entry(saver: _Saver, concrete: ConcreteFunction, owner: Function | None,
                     key: str) -> dict:
    """A signature: the trace, the keyword name of each tensor argument, and its result
    keys (a dict's own, else ``output_0`` …), as TensorFlow's signature functions take and
    return them."""
    args, kwargs = concrete._traced_args, concrete._traced_kwargs
    leaves = nest.flatten([list(args), kwargs])
    if not all(isinstance(leaf, TensorSpec) for leaf in leaves):
        raise ValueError(f"signatures[{key!r}]: a signature's arguments must all be tensors, "
                         f"got {args!r}.")
    names = [spec.name for spec in leaves]
    if len(set(names)) != len(names):
        raise ValueError(f"signatures[{key!r}]: argument names {names} are not unique; name "
                         "each TensorSpec.")
    outputs = concrete._output_specs
    if isinstance(outputs, dict):
        keys = sorted(outputs)
        if not all(isinstance(k, str) for k in keys) or not all(
                isinstance(outputs[k], TensorSpec) for k in keys):
            raise ValueError(f"signatures[{key!r}]: a signature must return tensors.")
    else:
        flat = nest.flatten(outputs)
        if not all(isinstance(leaf, TensorSpec) for leaf in flat):
            raise ValueError(f"signatures[{key!r}]: a signature must return tensors, got "
                             f"{outputs!r}.")
        keys = [f"output_{i}" for i in range(len(flat))]
    generic = _is_generic(owner, concrete) if owner is not None else False
    return {"concrete": saver.concrete(concrete, generic), "inputs": names,
            "outputs": keys}


def keras_serving_function(model: Any, parameter: str, spec_name: str | None,
                           kind: inspect._ParameterKind = inspect.Parameter.POSITIONAL_OR_KEYWORD,
                           any_batch: bool = False) -> Function:
    """The serving function of a Keras model: its call (inference mode) for its input shape
    (a model built by calling it on data: that data's shape, or with ``any_batch`` any
    batch size, as Keras 3 exports it), its argument named ``parameter``."""
    built = getattr(model, "built", False)
    inputs = getattr(model, "inputs", None) if built else None
    build_shape = getattr(model, "_build_input_shape", None) if built else None
    if inputs and len(inputs) == 1:
        spec = TensorSpec(inputs[0].shape, inputs[0].dtype, name=spec_name)
    elif not inputs and isinstance(build_shape, tuple) and build_shape and all(
            isinstance(d, int | type(None)) for d in build_shape):
        shape = (None, *build_shape[1:]) if any_batch else build_shape
        spec = TensorSpec(shape, model.dtype or "float32",
                          name=None if any_batch else spec_name)
    else:
        raise NotImplementedError(
            f"Saving Keras model {model.name!r}: Tapescope's SavedModel needs a built model "
            "with one input (call it on data or give it a keras.Input first).")

    def serve(x: Any) -> Any:
        return model(x, training=False)

    serve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(parameter, kind)])
    return Function(serve, input_signature=[spec], name="serve", autograph=False)


def write_saved_model(saver: _Saver, root: int, signatures: dict, export_dir: Any) -> None:
    """Number the signatures' traces and write the directory."""
    saved_signatures = {}
    for key, value in signatures.items():
        if not isinstance(key, str):
            raise ValueError(f"signature keys must be strings, got {key!r}")
        concrete, owner = _signature_concrete(value, key)
        saved_signatures[key] = _signature_entry(saver, concrete, owner, key)
    layout.write(os.fspath(export_dir), {
        "root": root, "objects": saver.objects, "functions": saver.functions,
        "concretes": saver.concretes, "signatures": saved_signatures,
    }, saver.variables, saver.encoder.arrays)


def save(obj: Any, export_dir: Any, signatures: Any = None, options: Any = None) -> None:
    """``tf.saved_model.save(obj, export_dir, signatures=None)``: write ``obj``'s variables and
    traced tf.functions to the directory ``export_dir``. Tapescope's own format (JSON and
    ``.npy`` files, see ``layout``): TensorFlow cannot read it, and ``tf.saved_model.load``
    here cannot read TensorFlow's."""
    if not (isinstance(obj, Module) or _is_keras(obj)):
        raise ValueError(f"Expected an object of type `Trackable`, such as `tf.Module` or a "
                         f"subclass of the `Trackable` class, for export. Got {obj!r} with "
                         f"type {type(obj)}.")
    saver = _Saver()
    root = saver.obj(obj)
    if signatures is None and _is_keras(obj):
        signatures = keras_serving_function(obj, "inputs", "inputs")
    if isinstance(signatures, ConcreteFunction | Function):
        signatures = {"serving_default": signatures}
    if _is_keras(obj):  # its weights, though no attribute holds them
        for var in obj.weights:
            saver.variable(var)
    write_saved_model(saver, root, dict(signatures or {}), export_dir)
