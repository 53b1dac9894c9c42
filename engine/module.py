"""``tf.Module``: a named container whose variables and submodules are found by walking its
attributes, as TensorFlow's ``module.py`` does (sorted by attribute name, nested lists,
tuples and dicts included, each object once, this module's own leaves before those of its
submodules)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

from engine import nest
from engine.context import name_scope as _name_scope
from engine.tensor import Variable

_IGNORED = frozenset({"_self_unconditional_checkpoint_dependencies",
                      "_self_unconditional_dependency_names"})


def _camel_to_snake(name: str) -> str:
    return re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower()


class Module:
    """``tf.Module(name=None)``: base class for objects that own variables."""

    def __init__(self, name: str | None = None) -> None:
        if name is None:
            name = _camel_to_snake(type(self).__name__)
        elif not str(name).isidentifier():
            raise ValueError(f"'{name}' is not a valid module name. Module names must be valid "
                             "Python identifiers (e.g. a valid class name).")
        self._name = name
        self._scope_name = name

    @property
    def name(self) -> str:
        return self._name

    @property
    def name_scope(self) -> _name_scope:
        """A ``tf.name_scope`` named after the module: ops created inside are grouped."""
        return _name_scope(self._scope_name)

    @property
    def variables(self) -> tuple:
        """Every tf.Variable reachable from this module's attributes (submodules too)."""
        return tuple(self._flatten(lambda x: isinstance(x, Variable)))

    @property
    def trainable_variables(self) -> tuple:
        return tuple(self._flatten(lambda x: isinstance(x, Variable) and x.trainable))

    @property
    def non_trainable_variables(self) -> tuple:
        return tuple(self._flatten(lambda x: isinstance(x, Variable) and not x.trainable))

    @property
    def submodules(self) -> tuple:
        """Every Module reachable from the attributes, breadth first."""
        return tuple(self._flatten(lambda x: isinstance(x, Module)))

    def _flatten(self, predicate: Callable[[Any], bool]) -> Iterator:
        return _walk(self, predicate, {id(self)})

    @classmethod
    def with_name_scope(cls, method: Callable) -> Callable:
        """Decorator: the method runs inside the module's name scope."""
        import functools

        @functools.wraps(method)
        def wrapped(self: Module, *args: Any, **kwargs: Any) -> Any:
            with self.name_scope:
                return method(self, *args, **kwargs)

        return wrapped

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object at {hex(id(self))}>"


def _walk(module: Module, predicate: Callable[[Any], bool], seen: set[int]) -> Iterator:
    """TensorFlow's ``_flatten_module``: a module's own attributes (sorted by name, each
    object once), then each submodule found there, depth first."""
    submodules = []
    for key, value in sorted(vars(module).items()):
        if key in _IGNORED:
            continue
        for leaf in nest.flatten(value):
            if id(leaf) in seen:
                continue
            seen.add(id(leaf))
            if predicate(leaf):
                yield leaf
            if isinstance(leaf, Module):
                submodules.append(leaf)
    for submodule in submodules:
        yield from _walk(submodule, predicate, seen)
