"""Tracing: while ``STATE.graph`` holds a ``GraphBuilder``, every dispatched op also
becomes a graph node.

Tracing is concrete: ops still compute real values on the trace-time inputs, so every
gradient rule and op wrapper that looks at shapes works unchanged inside a trace, and the
graph is specialized to the input shapes (``tf.function`` retraces per shape, as TF does
by default). Tensors created during tracing are ``SymbolicTensor``s: they print like
TensorFlow's graph tensors and refuse ``.numpy()``.
"""

from __future__ import annotations

import functools
import os
import sys
from typing import Any

import numpy as np

from engine import errors
from engine.context import STATE, current_scope, is_engine_file, user_frame
from engine.graph import ir, static_shape
from engine.indexed_slices import IndexedSlices
from engine.shape import TensorShape
from engine.tensor import Tensor, Variable, VariableSlice, wrap


class OperatorNotAllowedInGraphError(TypeError, errors.OpError):
    """A Python operation that needs a concrete value was applied to a traced tensor."""

    def __init__(self, message: str) -> None:
        TypeError.__init__(self, message)
        self.message = message


_SIZED_BY_TRACE = ("engine.", "debugger.", "tfdebug.")  # packages reading concrete sizes


class SymbolicTensor(Tensor):
    """A tensor inside a traced function: a graph value (with its trace-time value)."""

    __slots__ = ()
    _builder: GraphBuilder | None = None  # set on each trace's own subclass

    def _trace(self) -> GraphBuilder | None:
        """The trace that made this tensor (it still prints as that graph's tensor after
        the trace ends, as TF's do), else the one running."""
        return self._builder if self._builder is not None else STATE.graph

    def _graph_name(self) -> str:
        graph = self._trace()
        value = graph.values.get(self._id) if graph is not None else None
        return value.name if value is not None else "Tensor:0"

    def _static_shape(self) -> Any:
        """The shape TensorFlow would know while tracing: an argument traced for an
        ``input_signature`` or a relaxed shape, and what is computed from it, shows its
        ``None`` dimensions (``engine.graph.static_shape``)."""
        graph = self._trace()
        shape = graph.static_shapes.get(self._id) if graph is not None else None
        return Tensor.shape.fget(self) if shape is None else shape

    @property
    def shape(self) -> TensorShape:
        """The static shape, as ``x.shape`` is inside a TF graph (``tf.shape(x)`` gives the
        sizes of each run). The engine's and debugger's own code (Keras layers sizing a
        dropout mask, op wrappers) gets the trace-time sizes it was written for: Tapescope's
        graphs are concrete, so that code has no None to handle."""
        if sys._getframe(1).f_globals.get("__name__", "").startswith(_SIZED_BY_TRACE):
            return Tensor.shape.fget(self)
        return self._static_shape()

    def get_shape(self) -> TensorShape:
        return self._static_shape()

    def numpy(self) -> Any:
        raise AttributeError("'SymbolicTensor' object has no attribute 'numpy': a tensor inside "
                             "a tf.function has no value until the function runs. Return it "
                             "from the function instead.")

    def __bool__(self) -> bool:
        raise OperatorNotAllowedInGraphError(  # TensorFlow 2.21's text
            "Using a symbolic `tf.Tensor` as a Python `bool` is not allowed. You can attempt "
            "the following resolutions to the problem: If you are running in Graph mode, use "
            "Eager execution mode or decorate this function with @tf.function. If you are "
            "using AutoGraph, you can try decorating this function with @tf.function. If that "
            "does not work, then you may be using an unsupported feature or your source code "
            "may not be visible to AutoGraph. (In Tapescope: tf.function(autograph=False) "
            "or a function AutoGraph could not convert leaves Python `if`/`while` on tensors "
            "as they are.)")

    def __float__(self) -> float:
        raise OperatorNotAllowedInGraphError("float() of a tensor inside a tf.function has no "
                                             "value at trace time.")

    def __int__(self) -> int:
        raise OperatorNotAllowedInGraphError("int() of a tensor inside a tf.function has no "
                                             "value at trace time.")

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(str(self), spec)

    def __str__(self) -> str:
        shape = self._static_shape()
        shape_text = "" if shape.rank is None else f"shape={shape}, "
        return f'Tensor("{self._graph_name()}", {shape_text}dtype={self.dtype.name})'

    def __repr__(self) -> str:  # inside a list: TF's graph tensor repr
        shape = self._static_shape()
        shape_text = "" if shape.rank is None else f" shape={shape}"
        return f"<tf.Tensor '{self._graph_name()}'{shape_text} dtype={self.dtype.name}>"


class SymbolicVariableSlice(VariableSlice, SymbolicTensor):
    """``v[key]`` inside a trace: a graph tensor that can also be assigned to (a node
    writing into that part of the variable when the graph runs)."""

    __slots__ = ()


def symbolic(value: Any, cls: type[SymbolicTensor] = SymbolicTensor) -> SymbolicTensor:
    t = wrap(value)
    t.__class__ = cls
    return t  # type: ignore[return-value]


class GraphBuilder:
    """The object installed as ``STATE.graph`` while a function is traced."""

    def __init__(self, name: str) -> None:
        self.graph = ir.Graph(name)
        self.values: dict[int, ir.Value] = {}  # tensor._id -> value
        self.optimizers: list[Any] = []
        # tensor id -> its static shape, where that has None (arguments, what they make)
        self.static_shapes: dict[int, TensorShape] = {}
        self.shape_values: dict[int, Any] = {}  # shape tensor id -> its value, None = unknown
        # this trace's tensors: a class that knows the trace, so that a tensor kept past
        # the trace still prints its graph name and static shape
        self.tensor_class: type[SymbolicTensor] = type(
            "SymbolicTensor", (SymbolicTensor,), {"__slots__": (), "_builder": self})
        self._named_by: tuple[Any, ir.Node, str] | None = None  # (API frame, node, name=)
        self._scoped_by: tuple[Any, str] | None = None  # (API frame, its scope) of einsum

    # -- values ------------------------------------------------------------------------------
    def _bind(self, tensor: Tensor, value: ir.Value) -> None:
        self.values[tensor._id] = value

    def placeholder(self, array: np.ndarray, name: str,
                    shape: TensorShape | None = None) -> SymbolicTensor:
        """A function argument named after its Python parameter (TF's ``x:0``); ``shape``
        is the signature's, with ``None`` where any size is accepted."""
        node = self.graph.add_node(ir.PLACEHOLDER, [], {}, [(array.shape, array.dtype)],
                                   name=name)
        t = symbolic(array, self.tensor_class)
        if shape is not None:
            self.static_shapes[t._id] = shape
        self._bind(t, node.outputs[0])
        self.graph.params.append(node.outputs[0])
        return t

    def value_of(self, t: Tensor) -> ir.Value:
        """The graph value of a tensor; tensors from outside the trace become constants."""
        v = self.values.get(t._id)
        if v is not None:
            return v
        if isinstance(t, Variable):
            return self.values[self.read_variable(t)._id]
        array = np.asarray(t._value)
        node = self.graph.add_node(ir.CONST, [], {"value": array}, [(array.shape, array.dtype)],
                                   scope=current_scope())
        self._bind(t, node.outputs[0])
        return node.outputs[0]

    def read_variable(self, var: Variable) -> SymbolicTensor:
        node = self.graph.add_node(ir.READ_VARIABLE, [], {"variable": var},
                                   [(var._value.shape, var._value.dtype)],
                                   scope=current_scope(), name=f"Read/{var._name}")
        t = symbolic(var._value, self.tensor_class)
        self._bind(t, node.outputs[0])
        return t

    # -- ops ---------------------------------------------------------------------------------
    def add_op(self, op: Any, inputs: tuple, outputs: tuple, attrs: dict) -> None:
        """Record one op application whose outputs were computed on trace-time values."""
        in_values = [self.value_of(t) for t in inputs]
        specs = [(np.shape(o._value), np.asarray(o._value).dtype) for o in outputs]
        source, api = _user_and_api_frames(sys._getframe(1))
        name = self._api_name(api, op.name)
        if name is _LAST_NODE:  # takes the name= itself (see _api_name)
            node = self.graph.add_node(op, in_values, attrs, specs, scope=current_scope(),
                                       name=self._named_by[2], unique=False)
        else:
            node = self.graph.add_node(op, in_values, attrs, specs, scope=current_scope(),
                                       name=name)
        node.source = source
        if name is not None and api.f_code not in _OPERATOR_CODES:
            named = self._named_by
            bare = named[2] if named is not None and named[0] is api else node.name
            self._named_by = (api, node, bare)  # a second node of this call: see _api_name
        for t, v in zip(outputs, node.outputs):
            t.__class__ = self.tensor_class
            self._bind(t, v)
        static = self.static_shapes
        if static and self._shape_value_op(op.name, inputs, outputs, attrs):
            return
        if static and any(t._id in static for t in inputs):
            shapes = static_shape.infer(
                op.name, [static[t._id] if t._id in static else TensorShape(t._value.shape)
                          for t in inputs],
                [t._value.shape for t in inputs], attrs, [s for s, _ in specs])
            for t, shape, (concrete, _) in zip(outputs, shapes, specs):
                if shape.rank is None or shape.as_list() != list(concrete):
                    static[t._id] = shape

    # -- shapes given as tensors (tf.shape(x)[0]) ----------------------------------------------
    def _shape_value_op(self, name: str, inputs: tuple, outputs: tuple, attrs: dict) -> bool:
        """Follow the value of a shape tensor with None where a size is unknown, through the
        ops TF's ``constant_value_as_shape`` follows (Shape, slicing it, Pack, ConcatV2)."""
        known = self.shape_values
        if name == "Shape":
            shape = self.static_shapes.get(inputs[0]._id)
            if shape is not None and shape.rank is None:
                return False
            known[outputs[0]._id] = (list(inputs[0]._value.shape) if shape is None
                                     else shape.as_list())
        elif name == "StridedSlice" and inputs[0]._id in known:
            key = attrs["key"]
            key = key[0] if isinstance(key, tuple) and len(key) == 1 else key
            if not isinstance(key, int | np.integer | slice):
                return False
            known[outputs[0]._id] = known[inputs[0]._id][key]
        elif name == "Pack" and any(t._id in known for t in inputs) and all(
                t._value.ndim == 0 for t in inputs):
            known[outputs[0]._id] = [self.shape_value(t) for t in inputs]
        elif name == "ConcatV2" and any(t._id in known for t in inputs):
            parts = [self.shape_value(t) for t in inputs]
            known[outputs[0]._id] = [d for part in parts for d in part]
        else:
            return False
        return True  # a 0-d or 1-d integer tensor: its own static shape is known

    def shape_value(self, value: Any) -> Any:
        """A shape argument's value (an int or a list), None where unknown at trace time."""
        if isinstance(value, list | tuple):
            return [self.shape_value(v) for v in value]
        if value is None:  # a static size already unknown
            return None
        if isinstance(value, Tensor):
            if value._id in self.shape_values:
                return self.shape_values[value._id]
            if isinstance(value, SymbolicTensor):  # computed in the graph: unknown
                return None if value._value.ndim == 0 else [None] * value._value.size
            value = value._value
        array = np.asarray(value)
        return int(array) if array.ndim == 0 else [int(v) for v in array.reshape(-1)]

    def note_shape_argument(self, result: Tensor, shape: Any) -> None:
        """``result``'s shape was given as ``shape``: sizes that come from an unknown
        dimension (``tf.shape(x)[0]``) are unknown in its static shape, as in TF."""
        value = self.shape_value(shape)
        if not isinstance(value, list) or None not in value:
            return
        current = self.static_shapes.get(result._id)
        dims = (current.as_list() if current is not None and current.rank is not None
                else list(result._value.shape))
        if len(dims) == len(value):
            self.static_shapes[result._id] = TensorShape(
                [None if v is None else d for v, d in zip(value, dims)])

    def _api_name(self, api: Any, kind: str) -> str | None:
        """The node name TensorFlow's Python API gives (None: the op's type): ``mul`` for
        ``x * y``, ``strided_slice`` for ``x[0]``, the ``name=`` the user passed. A call
        that makes several nodes puts them under ``name/``; where TensorFlow's function ends
        in a kernel called with ``name=name`` (``_names_last_node``), its newest node holds
        ``name`` itself (``_LAST_NODE``) and hands it on to the next, so the last one keeps
        it, as TensorFlow names it."""
        if api is None:
            return None
        code = api.f_code
        if code in _OPERATOR_CODES:
            operator = _OPERATOR_CODES[code] or api.f_locals.get("name")
            name = _OPERATOR_NAMES.get(operator)
            return name if name is not None and _OPERATOR_TYPES.get(name) == kind else None
        scoped = _scoped_api().get(code)
        if scoped is not None:  # every node under a scope of its own, one node or more
            if self._scoped_by is None or self._scoped_by[0] is not api:
                given = api.f_locals.get("kwargs", {}).get("name") or scoped
                scope = current_scope()
                full = self.graph.unique_name(f"{scope}/{given}" if scope else given)
                self._scoped_by = (api, full[len(scope) + 1:] if scope else full)
            return f"{self._scoped_by[1]}/{kind}"
        if "name" not in code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]:
            return None
        given = (api.f_locals.get("name") or _API_DEFAULT_NAMES.get(code)
                 or _names_last_node().get(code))
        if not isinstance(given, str) or not given:
            return None
        named = self._named_by
        if named is not None and named[0] is api:  # the call makes more than one node
            holder, bare = named[1], named[2]
            if holder.name == bare:
                holder.name = self.graph.unique_name(f"{bare}/{holder.type}")
            return _LAST_NODE if code in _names_last_node() else f"{given}/{kind}"
        return given

    def derive_attr(self, result: Tensor, key: str, derive: Any, extra: tuple,
                    *sources: Tensor) -> None:
        """The attribute ``key`` of the node that made ``result`` is ``derive([arrays of
        sources], *extra)`` (their sizes, or a shape tensor's value), not a constant: a
        replay for other input sizes recomputes it (``graph.sized``). Nothing is noted
        unless the attribute holds that value now."""
        made = self.values.get(result._id)
        if made is not None:
            self.derive_node_attr(made.node, key, derive, extra, *sources)

    def derive_node_attr(self, node: ir.Node, key: str, derive: Any, extra: tuple,
                         *sources: Tensor) -> None:
        """``derive_attr`` for a node of this graph."""
        found = [s if isinstance(s, Variable) else self.values.get(s._id) for s in sources]
        if any(f is None for f in found) or key not in node.attrs:  # (no == on variables)
            return
        now = derive([s._value for s in sources], *extra)
        if not _same_value(node.attrs[key], now):
            return
        self.graph.sized.setdefault(node.id, {})[key] = (derive, extra, found)

    def apply_gradients(self, optimizer: Any, pairs: list) -> Any:
        """``optimizer.apply_gradients`` inside a trace: one stateful node for the whole step
        (the optimizer's own kernel runs it, so clipping and slots behave as in eager)."""
        grads, sparse = [], []
        for g, var in pairs:
            if isinstance(g, IndexedSlices):  # a gather's gradient: updated as slices
                values, indices = self.value_of(g.values), self.value_of(g.indices)
                if values.shape[1:] != var._value.shape[1:] or g.shape != var._value.shape:
                    raise ValueError(f"Gradient of shape {g.shape} does not match variable "
                                     f"{var.name} of shape {var._value.shape}.")
                grads += [values, indices]
                sparse.append(True)
                continue
            g_value = self.value_of(g if isinstance(g, Tensor) else wrap(np.asarray(g)))
            if g_value.shape != var._value.shape:
                raise ValueError(f"Gradient of shape {g_value.shape} does not match variable "
                                 f"{var.name} of shape {var._value.shape}.")
            grads.append(g_value)
            sparse.append(False)
        name = type(optimizer).__name__
        attrs = {"optimizer": optimizer, "variables": [v for _, v in pairs]}
        if any(sparse):
            attrs["sparse"] = tuple(sparse)
        self.graph.add_node(ir.APPLY_UPDATE, grads, attrs, [],
                            scope=current_scope() or name, name=f"{name}/apply")
        return optimizer.iterations

    def note_gradient(self, targets: list, sources: list, grads: list, reasons: dict) -> None:
        """Remember a ``tape.gradient`` made during the trace, so each run of the graph can
        report it to the debugger like an eager call."""
        def ref(t: Any) -> Any:
            if t is None:
                return None
            if isinstance(t, Variable):
                return t
            v = self.values.get(t._id)
            return None if v is None else v.id

        self.graph.gradients.append({"targets": [ref(t) for t in targets],
                                     "sources": [ref(s) if not isinstance(s, Variable) else s
                                                 for s in sources],
                                     "grads": [ref(g) for g in grads], "reasons": reasons,
                                     # the user's tape.gradient line, for every run's event
                                     "site": user_frame(3),
                                     # nodes traced before it: runs report it right there,
                                     # before an update that follows ends the step
                                     "position": len(self.graph.nodes)})

    def assign(self, var: Variable, value: Tensor, action: str) -> Variable:
        """``variable.assign*`` inside a trace: a stateful node, applied when the graph runs."""
        self.graph.add_node(ir.ASSIGN_VARIABLE, [self.value_of(value)],
                            {"variable": var, "action": action}, [], scope=current_scope(),
                            name=f"{action}/{var._name}")
        return var


def _same_value(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.dtype == b.dtype and bool(np.array_equal(a, b))


def _user_and_api_frames(frame: Any) -> tuple[tuple[str, int], Any]:
    """The user's (file, line) that made an op while tracing, and the engine frame the user
    called (the API function: its name and ``name=`` name the node). Trace time only."""
    below = None
    while frame is not None:
        filename = frame.f_code.co_filename
        if not is_engine_file(filename):
            return (filename, frame.f_lineno), below
        if not filename.startswith(_AUTOGRAPH_DIR):  # (its converted_call stands between)
            below = frame
        frame = frame.f_back
    return ("", 0), None


_LAST_NODE = "<the name= itself>"  # _api_name's answer for the newest node of such a call


@functools.cache
def _names_last_node() -> dict:
    """The code objects of composite API functions whose last node TensorFlow names
    ``name`` (its Python function ends in one kernel called with ``name=name``), each with
    the name TensorFlow's function gives when none is passed."""
    from engine import linalg, math
    from engine.ops import clip_ops, nn_impl, reduction_ops

    return {f.__code__: default for f, default in (
        (clip_ops.clip_by_norm, "clip_by_norm"), (nn_impl.log_sigmoid, "LogSigmoid"),
        (nn_impl.sigmoid_cross_entropy_with_logits, "logistic_loss"),
        (reduction_ops.reduce_logsumexp, "ReduceLogSumExp"),
        (linalg.l2_normalize, "l2_normalize"), (linalg.trace, "Trace"),
        (math.squared_difference, "SquaredDifference"))}


@functools.cache
def _scoped_api() -> dict:
    """API functions (taking ``name`` in ``**kwargs``) whose nodes TensorFlow puts under a
    name scope of the call's own even when there is one (``einsum/Einsum``), each with
    the scope's default name."""
    from engine.ops import special_math_ops

    return {special_math_ops.einsum.__code__: "einsum"}


_AUTOGRAPH_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              "autograph", "")


# Python operators: the names TensorFlow's ``Tensor.__mul__`` and friends give their node,
# for the op type they make (``x / y`` of ints also casts: those nodes keep their type).
_OPERATOR_NAMES = {"AddV2": "add", "Sub": "sub", "Mul": "mul", "RealDiv": "truediv",
                   "FloorDiv": "floordiv", "FloorMod": "mod", "Pow": "pow",
                   "matmul": "matmul", "getitem": "strided_slice"}
_OPERATOR_TYPES = {"add": "AddV2", "sub": "Sub", "mul": "Mul", "truediv": "RealDiv",
                   "floordiv": "FloorDiv", "mod": "FloorMod", "pow": "Pow", "matmul": "MatMul",
                   "strided_slice": "StridedSlice"}
_OPERATOR_CODES: dict[Any, str | None] = {}
# API functions whose node TensorFlow names otherwise than the op's type (``tf.add`` makes
# an ``AddV2`` node named ``Add``); the code object of each engine function.
_API_DEFAULT_NAMES: dict[Any, str] = {}
_DEFAULT_NAMES = {"math_ops": {"add": "Add", "divide": "truediv", "floordiv": "floordiv",
                               "clip_by_value": "clip_by_value", "zeros_like": "zeros_like",
                               "ones_like": "ones_like"},
                  "array_ops": {"transpose": "transpose", "zeros_like": "zeros_like",
                                "ones_like": "ones_like", "one_hot": "one_hot"}}


def _register_operator_codes() -> None:
    """The code objects of the operator methods (a binary one reads its op from ``name``)."""
    from engine.ops import array_ops, operators

    method, reflected = operators._binary(operators.math_ops.ADD)
    _OPERATOR_CODES.update({method.__code__: None, reflected.__code__: None,
                            operators._matmul.__code__: "matmul",
                            operators._rmatmul.__code__: "matmul",
                            array_ops.getitem.__code__: "getitem"})
    for module in (array_ops, operators.math_ops):
        for function, name in _DEFAULT_NAMES[module.__name__.rsplit(".", 1)[1]].items():
            _API_DEFAULT_NAMES[getattr(module, function).__code__] = name


_register_operator_codes()
