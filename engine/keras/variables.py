"""``keras.Variable``: a weight named as Keras 3 names it.

Keras 3 gives a weight a short ``name`` (``kernel``) and a unique ``path`` made of the
scopes it was created in (``sequential/dense/kernel``). The engine keeps the path as the
variable's internal name, so tapes, traced graphs and the debugger still show a name that
tells two kernels apart; only ``name`` answers what Keras answers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.context import STATE
from engine.tensor import Variable


class KerasVariable(Variable):
    """A ``tf.Variable`` with Keras 3's ``name`` / ``path`` and repr."""

    __slots__ = ()

    def __init__(self, initial_value: Any = None, trainable: bool = True,
                 name: str | None = None, dtype: Any = None, path: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(initial_value, trainable=trainable, dtype=dtype,
                         name=path or name or "variable", **kwargs)

    @property
    def name(self) -> str:
        return self._name.rsplit("/", 1)[-1]

    @property
    def path(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return (f"<Variable path={self.path}, shape={tuple(self._value.shape)}, "
                f"dtype={self._value.dtype.name}, value={np.asarray(self._value)}>")


def scoped_path(*names: str) -> str:
    """The path of a weight created now: the open layer scopes, then ``names`` (an owner
    already open as the innermost scope is not repeated, as Keras' name scopes dedupe it)."""
    scopes = list(STATE.scopes)
    if scopes and names and scopes[-1] == names[0]:
        scopes.pop()
    return "/".join([*scopes, *names])
