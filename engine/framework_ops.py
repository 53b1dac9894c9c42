"""Graph-building helpers of TensorFlow's top-level API that an eager, concretely traced
engine answers simply: ``control_dependencies``, ``no_op``, ``group``, ``identity_n``,
``get_static_value``, ``ensure_shape``, ``init_scope``, ``inside_function`` and
``tf.version``.

Traced graphs run their nodes in program order and never drop an op with effects
(``ir.EFFECT_OPS``), so a control dependency already holds: the context manager only has
to exist. ``no_op`` and ``group`` return None, as TensorFlow's do eagerly.
"""

from __future__ import annotations

import contextlib
import types
from collections.abc import Iterator
from typing import Any

import numpy as np

from engine import errors
from engine.context import STATE
from engine.ops.array_ops import identity
from engine.ops.registry import defop, execute
from engine.shape import TensorShape
from engine.tensor import Tensor, convert_to_tensor

TAPESCOPE_VERSION = "0.1.0"  # the engine's own release (pyproject.toml's version)

# The TensorFlow API version the engine speaks, as tensorflow-cpu 2.21.0 reports it and as
# ``tf.__version__`` prints it (the GraphDef numbers are TF's; the engine writes no GraphDefs
# of that format), except the build, which is Tapescope's: compiler numpy, git version the
# engine's release. Trace files and saved models record ``ENGINE_BUILD``.
version = types.SimpleNamespace(
    VERSION="2.21.0", GIT_VERSION=f"tapescope-{TAPESCOPE_VERSION}", COMPILER_VERSION="numpy",
    GRAPH_DEF_VERSION=2474, GRAPH_DEF_VERSION_MIN_CONSUMER=0,
    GRAPH_DEF_VERSION_MIN_PRODUCER=0)
ENGINE_BUILD = f"tapescope {TAPESCOPE_VERSION} (TensorFlow {version.VERSION} API)"


@contextlib.contextmanager
def control_dependencies(control_inputs: Any) -> Iterator[None]:
    """``tf.control_dependencies``: the ops in the block run after ``control_inputs`` (they
    already do: eager ops and traced nodes run in program order)."""
    if control_inputs is not None and not isinstance(control_inputs, list | tuple):
        raise TypeError(f"Expected list for 'control_inputs' argument, got "
                        f"{type(control_inputs).__name__}.")
    yield None


def no_op(name: str | None = None) -> None:
    """``tf.no_op``: nothing (None, as TensorFlow returns eagerly)."""
    return None


def group(*inputs: Any, **kwargs: Any) -> None:
    """``tf.group``: waits for ``inputs``, which have all run already; None, as eagerly."""
    unknown = set(kwargs) - {"name"}
    if unknown:
        raise TypeError(f"Unknown keyword arguments: {sorted(unknown)}")
    return None


def identity_n(input: Any, name: str | None = None) -> list[Tensor]:  # noqa: A002
    """``tf.identity_n``: an identity of each tensor of the list."""
    return [identity(x) for x in input]


def get_static_value(tensor: Any, partial: bool = False) -> Any:
    """``tf.get_static_value``: the value known without running a graph: a numpy array for
    an eager tensor, None for a tensor of a function being traced (TF's graph tensors that
    depend on arguments have no static value)."""
    from engine.graph.trace import SymbolicTensor

    if isinstance(tensor, SymbolicTensor):  # known only if it is a fully known shape
        graph = STATE.graph
        value = graph.values.get(tensor._id) if graph is not None else None
        if value is not None and value.node.type == "Shape":
            source = graph.static_shapes.get(value.node.inputs[0].id)
            if source is None or source.is_fully_defined():
                return np.array(tensor._value)
        return None
    if isinstance(tensor, Tensor):
        return np.array(tensor._value)
    if isinstance(tensor, TensorShape):
        return np.array(tensor.as_list()) if tensor.is_fully_defined() else None
    return tensor


def _shape_text(dims: Any) -> str:
    return "[" + ",".join("?" if d is None else str(d) for d in dims) + "]"


def _ensure_shape(x, *, shape):
    """x itself, once its shape is seen to fit ``shape`` (None fits any size)."""
    if shape is not None and (len(shape) != x.ndim or any(
            d is not None and d != n for d, n in zip(shape, x.shape))):
        raise ValueError(f"Shape of tensor input {_shape_text(x.shape)} is not compatible "
                         f"with expected shape {_shape_text(shape)}.")
    return x


ENSURE_SHAPE = defop("EnsureShape")(_ensure_shape)


@ENSURE_SHAPE.gradient
def _(op, dy):
    """An identity: dy passes unchanged."""
    return (dy,)


def ensure_shape(x: Any, shape: Any, name: str | None = None) -> Tensor:
    """``tf.ensure_shape``: ``x`` unchanged, or an InvalidArgumentError naming both shapes
    when its shape does not fit ``shape``."""
    x = x if isinstance(x, Tensor) else convert_to_tensor(x)
    dims = TensorShape(shape)
    want = None if dims.rank is None else tuple(dims.as_list())
    value = x._value
    if want is not None and (len(want) != value.ndim or any(
            d is not None and d != n for d, n in zip(want, value.shape))):
        error = errors.InvalidArgumentError(
            None, "EnsureShape", f"Shape of tensor input {_shape_text(value.shape)} is not "
            f"compatible with expected shape {_shape_text(want)}. [Op:EnsureShape]")
        error.eager_fallback = False  # the shape is an attr: TF's fast path, " name: " kept
        raise error
    return execute(ENSURE_SHAPE, (x,), {"shape": want})


@contextlib.contextmanager
def init_scope() -> Iterator[None]:
    """``tf.init_scope``: the block runs eagerly, out of any function being traced and
    unseen by gradient tapes (where Keras creates variables)."""
    _LIFTED.append(STATE.graph)
    try:
        with STATE.swapped(graph=None, tapes=[]):
            yield
    finally:
        _LIFTED.pop()


_LIFTED: list = []  # the traces an init_scope stepped out of (innermost last)


def inside_function() -> bool:
    """``tf.inside_function``: True while a ``tf.function`` is being traced, even in an
    ``init_scope`` that runs eagerly within it (as TensorFlow answers)."""
    return STATE.graph is not None or any(g is not None for g in _LIFTED)
