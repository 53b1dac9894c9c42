"""``tf.saved_model.load``: plain objects whose attributes are the restored variables, child
objects and functions that run the saved graphs.

As in TensorFlow the user's class is not rebuilt (``_UserObject``), and a restored function
accepts only the argument types it was traced with (a ValueError lists them). A trace saved
for ``None`` dimensions runs for any size that fits if saving found its graph shape-generic
(the graph is replayed for the new shape, ``engine.graph.replay``); else only for the traced
shapes. Restored functions are ConcreteFunctions of the engine: compiled, recorded by
GradientTape (gradients reach the restored variables), announced to the debugger.
"""

from __future__ import annotations

import inspect
import os
from typing import Any

from engine import nest
from engine.function import ConcreteFunction
from engine.saved_model import layout
from engine.saved_model.codec import Decoder, SavedModelFormatError
from engine.saved_model.graph_codec import decode_graph
from engine.saved_model.restored import (
    RestoredFunction,
    SignatureFunction,
    SignatureMap,
    _UserObject,
    announce,
    trace_specs,
)
from engine.tensor import Variable
from engine.tensor_spec import TensorSpec


def _decode_concrete(data: Any, dec: Decoder, index: int) -> tuple[ConcreteFunction, bool]:
    where = f"function #{index}"
    if not isinstance(data, dict):
        raise SavedModelFormatError(f"{where}: malformed entry")
    graph = decode_graph(data.get("graph"), dec, where)
    where = f"function {graph.name!r}"
    traced_args = dec.decode(data.get("traced_args"), f"{where}: arguments")
    traced_kwargs = dec.decode(data.get("traced_kwargs"), f"{where}: arguments")
    leaf_is_output = data.get("leaf_is_output")
    constants = dec.decode(data.get("constants"), f"{where}: result")
    output_specs = dec.decode(data.get("output_specs"), f"{where}: result")
    structured = dec.decode(data.get("structured_outputs"), f"{where}: result")
    arg_names = data.get("arg_names")
    if not isinstance(traced_args, list) or not isinstance(traced_kwargs, dict) or not all(
            isinstance(k, str) for k in traced_kwargs):
        raise SavedModelFormatError(f"{where}: malformed arguments")
    if not isinstance(arg_names, list) or len(arg_names) != len(traced_args) or not all(
            isinstance(n, str) for n in arg_names):
        raise SavedModelFormatError(f"{where}: malformed argument names")
    if (not isinstance(leaf_is_output, list) or not all(n in (0, 1) and type(n) is int
                                                        for n in leaf_is_output)
            or not isinstance(constants, list)
            or sum(leaf_is_output) != len(graph.outputs)
            or leaf_is_output.count(0) != len(constants)
            or len(nest.flatten(output_specs)) != len(leaf_is_output)):
        raise SavedModelFormatError(f"{where}: its result does not match its graph's outputs")
    if len(_flat_specs(traced_args, traced_kwargs)) != len(graph.params) or any(
            not s.is_compatible_with(TensorSpec(p.shape, p.dtype))
            for s, p in zip(_flat_specs(traced_args, traced_kwargs), graph.params)):
        raise SavedModelFormatError(f"{where}: its argument specs do not match its graph's "
                                    "parameters")
    concrete = ConcreteFunction(graph, output_specs, leaf_is_output, constants, [])
    concrete._signature = _signature(data.get("parameters"), dec, where)
    concrete._arg_names = arg_names
    concrete._traced_args = traced_args
    concrete._traced_kwargs = traced_kwargs
    concrete._structured_outputs = structured
    concrete._output_specs = output_specs
    generic = data.get("generic", False)
    if not isinstance(generic, bool):
        raise SavedModelFormatError(f"{where}: malformed 'generic'")
    return concrete, generic


def _flat_specs(args: list, kwargs: dict) -> list:
    return [leaf for leaf in nest.flatten([args, kwargs]) if isinstance(leaf, TensorSpec)]


def _signature(data: Any, dec: Decoder, where: str) -> inspect.Signature | None:
    if data is None:
        return None
    try:
        params = []
        for name, kind, default in data:
            extra = {} if default is None else {"default": dec.decode(default[0], where)}
            params.append(inspect.Parameter(name, _KIND[kind], **extra))
        return inspect.Signature(params)
    except SavedModelFormatError:
        raise
    except (TypeError, ValueError, KeyError, IndexError) as exc:
        raise SavedModelFormatError(f"{where}: malformed Python signature ({exc})") from None


_KIND = {k.name: k for k in (inspect.Parameter.POSITIONAL_ONLY,
                             inspect.Parameter.POSITIONAL_OR_KEYWORD,
                             inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.KEYWORD_ONLY,
                             inspect.Parameter.VAR_KEYWORD)}


def load(export_dir: Any, tags: Any = None, options: Any = None) -> Any:
    """``tf.saved_model.load(export_dir)``: the saved object rebuilt as plain objects (see the
    module's doc). Reads only Tapescope's format; a TensorFlow SavedModel is refused."""
    export_dir = os.fspath(export_dir)
    try:
        return _load(export_dir)
    except RecursionError:
        raise SavedModelFormatError(f"{export_dir}: the manifest nests values too deeply "
                                    "(damaged or hostile)") from None


def _load(export_dir: str) -> Any:
    document = layout.read_manifest(export_dir)
    variables = layout.read_variables(export_dir, document["variables"])
    dec = Decoder(layout.read_constants(export_dir), variables)
    concretes = [_decode_concrete(c, dec, i) for i, c in enumerate(document["concretes"])]
    functions = []
    for i, entry in enumerate(document["functions"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) or \
                not isinstance(entry.get("concretes"), list):
            raise SavedModelFormatError(f"restored function #{i}: malformed entry")
        picked = [_pick(concretes, c, f"function {entry['name']!r}")
                  for c in entry["concretes"]]
        functions.append(RestoredFunction(entry["name"], [c for c, _ in picked],
                                          [g for _, g in picked]))
        for count, (concrete, _) in enumerate(picked, 1):
            announce(concrete, entry["name"], "loaded from a SavedModel", count)
    objects = _build_objects(document, variables, functions)
    root = objects[_index(document["root"], len(objects), "root object")]
    root.signatures = SignatureMap(_signatures(document["signatures"], concretes))
    return root


def _pick(concretes: list, index: Any, where: str) -> tuple[ConcreteFunction, bool]:
    return concretes[_index(index, len(concretes), f"{where}: trace")]


def _index(value: Any, n: int, what: str) -> int:
    if type(value) is not int or not 0 <= value < n:
        raise SavedModelFormatError(f"{what}: reference to unknown entry {value!r}")
    return value


def _signatures(data: dict, concretes: list) -> dict:
    found = {}
    for key, entry in data.items():
        where = f"signature {key!r}"
        if not isinstance(entry, dict):
            raise SavedModelFormatError(f"{where}: malformed entry")
        concrete, generic = _pick(concretes, entry.get("concrete"), where)
        inputs, outputs = entry.get("inputs"), entry.get("outputs")
        if not isinstance(inputs, list) or not all(isinstance(n, str) for n in inputs) or \
                len(inputs) != len(trace_specs(concrete)) or len(set(inputs)) != len(inputs):
            raise SavedModelFormatError(f"{where}: malformed input names")
        if not isinstance(outputs, list) or not all(isinstance(n, str) for n in outputs) or \
                len(outputs) != len(nest.flatten(concrete._output_specs)):
            raise SavedModelFormatError(f"{where}: malformed output names")
        # (its own RestoredFunction: a signature runs only its one trace, or its replays)
        clone = _clone(concrete)
        found[key] = SignatureFunction(clone, RestoredFunction(key, [clone], [generic]),
                                       inputs, outputs)
    return found


def _clone(concrete: ConcreteFunction) -> ConcreteFunction:
    """The same trace for another owner (one RestoredFunction per trace's ``_owner``)."""
    clone = ConcreteFunction(concrete.graph, concrete._structure, concrete._leaf_is_output,
                             concrete._constants, [])
    for name in ("_signature", "_arg_names", "_traced_args", "_traced_kwargs",
                 "_structured_outputs", "_output_specs"):
        setattr(clone, name, getattr(concrete, name))
    return clone


def _build_objects(document: dict, variables: list[Variable],
                   functions: list[RestoredFunction]) -> list[_UserObject]:
    entries = document["objects"]
    objects = [_UserObject() for _ in entries]

    def resolve(ref: Any, where: str, depth: int = 0) -> Any:
        if depth > 100 or not isinstance(ref, dict) or len(ref) != 1:
            raise SavedModelFormatError(f"{where}: malformed attribute")
        (tag, body), = ref.items()
        if tag == "variable":
            return variables[_index(body, len(variables), where)]
        if tag == "object":
            return objects[_index(body, len(objects), where)]
        if tag == "function":
            return functions[_index(body, len(functions), where)]
        if tag in ("list", "tuple") and isinstance(body, list):
            items = [None if r is None else resolve(r, where, depth + 1) for r in body]
            return items if tag == "list" else tuple(items)
        if tag == "dict" and isinstance(body, list) and all(
                isinstance(i, list) and len(i) == 2 and isinstance(i[0], str) for i in body):
            return {k: None if r is None else resolve(r, where, depth + 1) for k, r in body}
        raise SavedModelFormatError(f"{where}: unknown attribute kind {tag!r}")

    for obj, entry in zip(objects, entries):
        children = entry.get("children") if isinstance(entry, dict) else None
        if not isinstance(children, dict):
            raise SavedModelFormatError("saved object: malformed entry")
        for name, ref in children.items():
            if not name.isidentifier() or name == "signatures" or (
                    name.startswith("__") and name != "__call__"):
                raise SavedModelFormatError(f"saved object: refused attribute name {name!r}")
            value = resolve(ref, f"attribute {name!r}")
            if name == "__call__":  # called through the type, as Python calls objects
                if not isinstance(value, RestoredFunction):
                    raise SavedModelFormatError("saved object: '__call__' is not a function")
                # (no __get__: Python calls it without the object, as a RestoredFunction)
                obj.__class__ = type("_UserObject", (_UserObject,), {
                    "__call__": value, "__module__": __name__})
            else:
                setattr(obj, name, value)
    return objects

