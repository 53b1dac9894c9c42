"""How a ``tf.function`` trace names and describes its arguments and results, as TF does.

Placeholders are named after the Python parameters (``x:0``; the leaves of a nested
argument ``xs``, ``xs_1``), a ConcreteFunction's ``structured_input_signature`` holds
TensorSpecs named by path (``xs_0``) and the Python literals it was traced for, and its
printout spells types the way TensorFlow 2.21's ``FunctionType`` does (``Literal[3]``,
``List[...]``, ``Dict[['a', ...]]``).
"""

from __future__ import annotations

import inspect
from typing import Any

from engine.indexed_slices import IndexedSlicesSpec
from engine.shape import TensorShape
from engine.tensor_spec import TensorSpec


def python_signature(fn: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


def argument_names(signature: inspect.Signature | None, n_args: int,
                   keys: list[str]) -> list[str]:
    """A name per positional argument (its parameter's; extra ones: ``args_0``, ``args_1`` …
    after the ``*args`` name) and per keyword argument (its key), as TensorFlow names the
    placeholders."""
    params = list(signature.parameters.values()) if signature is not None else []
    positional = [p.name for p in params
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    varargs = next((p.name for p in params if p.kind == p.VAR_POSITIONAL), "args")
    names = [positional[i] if i < len(positional) else f"{varargs}_{i - len(positional)}"
             for i in range(n_args)]
    return names + list(keys)


def _spec_name(path: tuple) -> str:
    return "_".join(str(p) for p in path)


def named_specs(name: str, value: Any, shapes: dict[int, TensorShape]) -> Any:
    """``value`` with each tensor leaf replaced by its TensorSpec, named by its path."""
    from engine.data import Dataset, DatasetSpec
    from engine.tensor import Tensor, Variable

    def walk(path: tuple, item: Any) -> Any:
        if isinstance(item, Dataset):
            return DatasetSpec(item.element_spec)
        if isinstance(item, dict):
            return type(item)((k, walk((*path, k), v)) for k, v in item.items())
        if isinstance(item, list | tuple) and not hasattr(item, "_fields"):
            return type(item)(walk((*path, i), v) for i, v in enumerate(item))
        if isinstance(item, Tensor) and not isinstance(item, Variable):
            shape = shapes.get(item._id, item.shape)
            return TensorSpec(shape, item.dtype, _spec_name(path))
        return item

    return walk((name,), value)


def type_text(value: Any) -> str:
    """TensorFlow's ``FunctionType`` spelling of an argument or a result."""
    if isinstance(value, TensorSpec):
        return repr(TensorSpec(value.shape, value.dtype))
    if isinstance(value, IndexedSlicesSpec) or type(value).__name__ == "DatasetSpec":
        return repr(value)
    if isinstance(value, list):
        return "List[" + ", ".join(type_text(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "Tuple[" + ", ".join(type_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "Dict[" + ", ".join(f"[{k!r}, {type_text(v)}]" for k, v in value.items()) + "]"
    return f"Literal[{value!r}]"


def parameter_kinds(signature: inspect.Signature | None, names: list[str]) -> dict[str, str]:
    """Parameter -> kind as TF prints it: before a ``*args`` parameter, positional only."""
    if signature is None:
        return dict.fromkeys(names, "POSITIONAL_OR_KEYWORD")
    params = signature.parameters.values()
    has_varargs = any(p.kind == p.VAR_POSITIONAL for p in params)
    kinds = {}
    for p in params:
        kind = p.kind.name
        if has_varargs and kind == "POSITIONAL_OR_KEYWORD":
            kind = "POSITIONAL_ONLY"
        kinds[p.name] = kind
    return kinds
