"""``Layer``: weights, build-on-first-call, input checks, naming, and the functional graph.

A layer called on real tensors runs ``call`` (engine ops only, so tapes, the tracer and
the debugger see every step). Called on ``KerasTensor`` placeholders it records a
``Node`` instead: that is how ``Input`` → layer calls → ``Model(inputs, outputs)`` builds
a graph that ``Model.call`` later replays.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from engine import nest
from engine.context import STATE
from engine.keras import backend, call_errors, initializers, regularizers
from engine.keras.random import SeedGenerator
from engine.keras.variables import KerasVariable, scoped_path
from engine.ops import math_ops
from engine.tensor import KERAS_MASKS, Tensor, Variable, convert_to_tensor, wrap

Shape = tuple[int | None, ...]

# Every Layer and Model subclass by "module.QualName" and by bare name, so load_model
# can rebuild user classes defined in the running program (never by importing code).
LAYER_CLASSES: dict[str, type] = {}


class KerasTensor:
    """A symbolic tensor: shape (batch dimension None) and dtype, and the node that made it."""

    def __init__(self, shape: Shape, dtype: str = "float32", node: Node | None = None,
                 index: int = 0, name: str | None = None) -> None:
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = dtype
        self.node = node
        self.index = index
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"

    def __array__(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("A KerasTensor is a placeholder for building a functional model; it has "
                        "no value. Call the model on real data instead.")


class Node:
    """One layer call in a functional graph: inputs (KerasTensors), call kwargs, outputs."""

    def __init__(self, layer: Layer, args: Any, kwargs: dict, outputs: Any) -> None:
        self.layer = layer
        self.args = args  # the call's positional argument structure, with KerasTensors
        self.kwargs = kwargs
        self.outputs = outputs
        self.input_tensors = [t for t in nest.flatten(args) if isinstance(t, KerasTensor)]
        for i, t in enumerate(nest.flatten(outputs)):
            t.node, t.index = self, i

    @property
    def parent_nodes(self) -> list[Node]:
        return [t.node for t in self.input_tensors if t.node is not None]

    @property
    def input_shapes(self) -> Any:
        return nest.map_structure(lambda t: t.shape, self.args)

    @property
    def output_shapes(self) -> Any:
        return nest.map_structure(lambda t: t.shape, self.outputs)


class InputSpec:
    """What a layer accepts: rank limits and fixed sizes of some axes (Keras' InputSpec)."""

    def __init__(self, ndim: int | None = None, min_ndim: int | None = None,
                 max_ndim: int | None = None, axes: dict[int, int] | None = None,
                 shape: Shape | None = None, name: str | None = None,
                 sizes: bool = True) -> None:
        self.ndim, self.min_ndim, self.max_ndim = ndim, min_ndim, max_ndim
        self.axes = dict(axes or {})
        self.shape = None if shape is None else tuple(shape)
        self.name = name
        self.sizes = sizes  # whether ``shape`` fixes the sizes too, not only the rank

    def check(self, layer_name: str, index: int, shape: Shape) -> None:
        """Raise Keras 3's ValueError naming the input, the layer and both shapes when
        ``shape`` does not fit (its checks in its order: rank, rank limits, axes, shape)."""
        head = (f"Input {index} with name '{self.name}' of layer '{layer_name}' is "
                "incompatible with the layer: ")
        shown = tuple(shape)
        ndim = len(shape)
        if self.ndim is not None and ndim != self.ndim:
            raise ValueError(f"{head}expected ndim={self.ndim}, found ndim={ndim}. Full shape "
                             f"received: {shown}")
        if self.max_ndim is not None and ndim > self.max_ndim:
            raise ValueError(f"{head}expected max_ndim={self.max_ndim}, found ndim={ndim}")
        if self.min_ndim is not None and ndim < self.min_ndim:
            raise ValueError(f"{head}expected min_ndim={self.min_ndim}, found ndim={ndim}. Full "
                             f"shape received: {shown}")
        for axis, value in self.axes.items():
            if -ndim <= axis < ndim and shape[axis] is not None and shape[axis] != value:
                raise ValueError(f"{head}expected axis {axis} of input shape to have value "
                                 f"{value}, but received input with shape {shown}")
        if self.shape is not None and (ndim != len(self.shape) or self.sizes and any(
                a is not None and b is not None and a != b for a, b in zip(self.shape, shape))):
            raise ValueError(f"{head}expected shape={self.shape}, found shape={shown}")


class _CallContext:
    """The ``training`` flag of the outermost call, inherited by layers called inside it."""

    training: list[bool | None] = []


def _shape_of(x: Any) -> Shape:
    if isinstance(x, KerasTensor):
        return x.shape
    return tuple(x.shape)


def _accepts(fn: Any, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


# Layer attributes that hold weights, losses or graph nodes, never sublayers.
_STRUCTURE_VERSION = [0]  # bumped whenever any layer gains an attribute or a weight

_BOOKKEEPING = frozenset({"_trainable_weights", "_non_trainable_weights", "_weight_regularizers",
                          "_added_losses", "_inbound_nodes", "_build_input_shape",
                          "_batch_input_shape", "_output_shapes", "input_spec"})


class Layer:
    """Base layer: create weights in ``build(input_shape)``, compute in ``call(inputs)``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        LAYER_CLASSES.setdefault(cls.__name__, cls)
        LAYER_CLASSES[f"{cls.__module__}.{cls.__qualname__}"] = cls
        cls._call_takes_training = _accepts(cls.call, "training")
        cls._call_takes_mask = _accepts(cls.call, "mask")
        cls._computes_masks = cls.compute_mask is not Layer.compute_mask  # (Embedding's)

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None,
                 input_shape: Any = None, batch_input_shape: Any = None,
                 batch_size: int | None = None, input_dim: int | None = None,
                 **kwargs: Any) -> None:
        kwargs.pop("autocast", None)
        kwargs.pop("dynamic", None)
        if kwargs:
            raise TypeError(f"Keyword argument not understood: {sorted(kwargs)[0]!r} "
                            f"(layer {type(self).__name__})")
        self._trainable = bool(trainable)
        self._name = name or backend.unique_object_name(backend.to_snake_case(
            type(self).__name__))
        self._dtype = backend.standardize_dtype(dtype)
        self.built = False
        self.input_spec: InputSpec | None = None
        self.supports_masking = self._computes_masks  # Keras 3: compute_mask overridden
        self._trainable_weights: list[Variable] = []
        self._non_trainable_weights: list[Variable] = []
        self._weight_regularizers: list[tuple[Variable, Any]] = []
        self._added_losses: list[Tensor] = []
        self._inbound_nodes: list[Node] = []
        self._build_input_shape: Any = None
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is None and input_shape is not None:
            batch_input_shape = (batch_size, *tuple(input_shape))
        self._batch_input_shape: Shape | None = (
            None if batch_input_shape is None else tuple(batch_input_shape))

    # -- identity --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @property
    def dtype(self) -> str:
        return self._dtype

    compute_dtype = dtype
    variable_dtype = dtype

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freeze or thaw this layer and its sublayers; as in Keras 3, the weights they
        created trainable follow (``v.trainable``), the others (moving statistics) stay."""
        for layer in self._flatten_layers(include_self=True):
            layer._trainable = bool(value)
            for v in layer._trainable_weights:
                v.trainable = bool(value)

    def __repr__(self) -> str:
        return f"<{type(self).__module__}.{type(self).__name__} object name={self.name!r}>"

    # -- weights ---------------------------------------------------------------------------
    def add_weight(self, name: str | None = None, shape: Any = None, dtype: Any = None,
                   initializer: Any = None, regularizer: Any = None, trainable: bool = True,
                   constraint: Any = None, **kwargs: Any) -> Variable:
        """Create a weight (``name`` ``kernel``, ``path`` ``sequential/dense/kernel``) and track
        it as this layer's."""
        dtype = backend.standardize_dtype(dtype or self._dtype)
        shape = () if shape is None else tuple(int(d) for d in shape)
        if initializer is None:
            initializer = "glorot_uniform" if np.dtype(dtype).kind == "f" else "zeros"
        init = initializers.get(initializer)
        value = init(shape, dtype=dtype)
        value = value._value if isinstance(value, Tensor) else np.asarray(value, dtype=dtype)
        var = KerasVariable(value, trainable=trainable, constraint=constraint,
                            path=scoped_path(self.name, name or "variable"))
        (self._trainable_weights if trainable else self._non_trainable_weights).append(var)
        _STRUCTURE_VERSION[0] += 1
        reg = regularizers.get(regularizer)
        if reg is not None:
            self._weight_regularizers.append((var, reg))
        return var

    def _own_variables(self) -> tuple[list[Variable], list[Variable]]:
        trainable = list(self._trainable_weights)
        frozen = list(self._non_trainable_weights)
        seen = {id(v) for v in trainable + frozen}
        # Keras 3 tracks the keras.Variables assigned as attributes (alone or in a list, tuple
        # or dict); a raw tf.Variable it leaves out of weights, count_params and fit's updates
        for key, value in self.__dict__.items():
            if key in _BOOKKEEPING:
                continue
            items = (value if isinstance(value, list | tuple) else
                     value.values() if isinstance(value, dict) else (value,))
            for item in items:
                if isinstance(item, KerasVariable) and id(item) not in seen:
                    seen.add(id(item))
                    (trainable if item.trainable else frozen).append(item)
        return trainable, frozen

    def _sublayers(self) -> Iterator[Layer]:
        """Layers held in attributes (directly or in lists, tuples, dicts), in assignment order."""
        for key, value in self.__dict__.items():
            if key in _BOOKKEEPING:
                continue
            if isinstance(value, Layer):
                yield value
            elif isinstance(value, list | tuple):
                yield from (v for v in value if isinstance(v, Layer))
            elif isinstance(value, dict):
                yield from (v for v in value.values() if isinstance(v, Layer))

    def _flatten_layers(self, include_self: bool = True) -> list[Layer]:
        out, seen = [], set()

        def visit(layer: Layer) -> None:
            if id(layer) in seen:
                return
            seen.add(id(layer))
            out.append(layer)
            for sub in layer._sublayers():
                visit(sub)

        if include_self:
            visit(self)
        else:
            seen.add(id(self))
            for sub in self._sublayers():
                visit(sub)
        return out

    def __setattr__(self, name: str, value: Any) -> None:
        _STRUCTURE_VERSION[0] += 1  # attributes may hold layers/variables: caches are stale
        object.__setattr__(self, name, value)

    def _own_seed_states(self) -> list[Variable]:
        """The state of each ``SeedGenerator`` this layer holds (directly or in a list, tuple
        or dict): layer state that Keras 3 lists in ``variables`` but not in ``weights``."""
        out = []
        for key, value in self.__dict__.items():
            if key in _BOOKKEEPING:
                continue
            items = (value if isinstance(value, list | tuple) else
                     value.values() if isinstance(value, dict) else (value,))
            out.extend(item.state for item in items if isinstance(item, SeedGenerator))
        return out

    def _walk_variables(self, seed_states: bool) -> list[Variable]:
        """Keras 3's order: each layer's own trainable then non-trainable weights (then its
        seed generators' states), before its sublayers', depth first; each variable once."""
        out, seen = [], set()
        for layer in self._flatten_layers():
            own_trainable, own_frozen = layer._own_variables()
            own = own_trainable + own_frozen
            if seed_states:
                own += layer._own_seed_states()
            for v in own:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def trainable_weights(self) -> list[Variable]:
        # Walking every layer costs more than a small layer's matmul; a training loop asks
        # twice per step, so the walk is cached until any layer's attributes change.
        # (Cached are the candidates: a variable's own flag is read on every call, as a
        # user may set ``v.trainable = False`` on one weight.)
        cached = self.__dict__.get("_trainable_cache")
        if cached is None or cached[0] != _STRUCTURE_VERSION[0]:
            cached = (_STRUCTURE_VERSION[0], self._collect_trainable_weights())
            self.__dict__["_trainable_cache"] = cached
        return [v for v in cached[1] if v.trainable]

    def _collect_trainable_weights(self) -> list[Variable]:
        out, seen = [], set()
        for layer in self._flatten_layers():
            if not layer._trainable:
                continue
            own_trainable, own_frozen = layer._own_variables()
            for v in own_trainable + own_frozen:  # in Keras 3's order; filtered by flag
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def non_trainable_weights(self) -> list[Variable]:
        """Weights the optimizer leaves alone: non-trainable ones and those of frozen layers."""
        trainable_ids = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable_ids]

    @property
    def weights(self) -> list[Variable]:
        """The layers' weights in Keras 3's order (layer by layer), seed states excluded."""
        return self._walk_variables(seed_states=False)

    @property
    def variables(self) -> list[Variable]:
        """All layer state: the weights and, after each layer's own, the states of its
        ``SeedGenerator``s (a Dropout's), as Keras 3 lists them."""
        return self._walk_variables(seed_states=True)

    @property
    def non_trainable_variables(self) -> list[Variable]:
        trainable_ids = {id(v) for v in self.trainable_weights}
        return [v for v in self.variables if id(v) not in trainable_ids]

    trainable_variables = trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        return [np.array(v._value) for v in self.weights]

    def set_weights(self, weights: list) -> None:
        """Assign arrays in ``weights`` order; shapes must match exactly."""
        params = self.weights
        if len(weights) != len(params):
            raise ValueError(f'Layer "{self.name}" expects {len(params)} weight(s), but the '
                             f"saved weights have {len(weights)} element(s).")
        for v, w in zip(params, weights):
            w = np.asarray(w)
            if w.shape != v._value.shape:
                raise ValueError(f'Layer "{self.name}" weight shape {v._value.shape} is not '
                                 f"compatible with provided weight shape {w.shape}.")
            v.assign(w.astype(v._value.dtype))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but the "
                             "layer isn't built. You can build it manually via: "
                             f"`{self.name}.build(batch_input_shape)`.")
        return int(sum(np.prod(v._value.shape, dtype=np.int64) for v in self.weights))

    # -- losses ----------------------------------------------------------------------------
    def add_loss(self, loss: Any) -> None:
        """Add a loss term (e.g. an activity penalty) computed during ``call``."""
        Layer._add_loss_used = True  # from now on, each outermost call clears old terms
        self._added_losses.append(loss if isinstance(loss, Tensor) else convert_to_tensor(loss))

    @property
    def losses(self) -> list[Tensor]:
        """Losses added in the last call plus weight regularization penalties of all layers."""
        out = []
        for layer in self._flatten_layers():
            out.extend(layer._added_losses)
            out.extend(reg(v) for v, reg in layer._weight_regularizers)
        return out

    # -- building ----------------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create weights for inputs of ``input_shape``; the base layer has none."""
        self.built = True

    def _maybe_build(self, input_shape: Any) -> None:
        if self.built:
            return
        self._build_input_shape = input_shape
        self.build(input_shape)
        self.built = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        """Output shape for ``input_shape``; by default found by running ``call`` on zeros."""
        def zeros(shape: Shape) -> Tensor:
            return wrap(np.zeros(tuple(1 if d is None else d for d in shape), dtype=self.dtype))

        dummy = map_shapes(zeros, input_shape)
        with backend.unobserved():
            out = self._call_with_training(dummy, False, {})
        batch_unknown = any(s and s[0] is None for s in _flat_shapes(input_shape))

        def shape_of(t: Tensor) -> Shape:
            s = tuple(t.shape)
            return (None, *s[1:]) if batch_unknown and s else s

        return nest.map_structure(shape_of, out)

    # -- calling ----------------------------------------------------------------------------
    def call(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return inputs

    def __call__(self, inputs: Any, *args: Any, training: bool | None = None,
                 **kwargs: Any) -> Any:
        """Build on the first call, check the input, then run ``call`` (or record a Node)."""
        flat = nest.flatten(inputs)
        if any(isinstance(t, KerasTensor) for t in flat):
            return self._symbolic_call(inputs, args, training, kwargs)
        previous_mask = self._previous_mask(flat, kwargs) if KERAS_MASKS else None
        inputs = nest.map_structure(self._convert_input, inputs)
        if not self.built:
            self._maybe_build(nest.map_structure(lambda t: tuple(t.shape), inputs)
                              if nest.is_nested(inputs) else tuple(inputs.shape))
        self._check_inputs(inputs)
        if training is None:
            training = _CallContext.training[-1] if _CallContext.training else None
        if not _CallContext.training and Layer._add_loss_used:  # outermost call
            for layer in self._flatten_layers():
                if layer._added_losses:
                    layer._added_losses = []
        _CallContext.training.append(training)
        STATE.scopes.append(self.name)  # the layer's ops group under its name, as in TF graphs
        try:
            outputs = self._call_with_training(inputs, training, kwargs, *args)
        except Exception as exc:
            # Keras passes ``training`` to call only when it is known
            known = dict(kwargs, training=training) if (
                self._call_takes_training and training is not None) else kwargs
            wrapped = call_errors.with_call_info(self.call, f"{type(self).__name__}.call()",
                                                 exc, (inputs, *args), known)
            if wrapped is None:
                raise
            raise wrapped.with_traceback(exc.__traceback__) from None
        finally:
            STATE.scopes.pop()
            _CallContext.training.pop()
        if previous_mask is not None or self._computes_masks:
            self._set_mask(inputs, outputs, previous_mask)
        return outputs

    # -- masks (Keras 3: a mask rides on a tensor as ``_keras_mask``) ---------------------------
    def _previous_mask(self, flat: list, kwargs: dict) -> Any:
        """The mask the input carries (or ``mask=`` given); handed to ``call(mask=...)``
        when the layer takes one. Several inputs' masks are not merged: a warning says so."""
        if kwargs.get("mask") is not None:
            return kwargs["mask"]
        masks = [t._keras_mask for t in flat if isinstance(t, Tensor)]
        if len(flat) != 1:
            if any(m is not None for m in masks):
                warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed "
                              "several inputs with masks attached; Tapescope does not merge "
                              "masks, so downstream layers will not see them.", stacklevel=3)
            return None
        mask = masks[0] if masks else None
        if mask is not None and self._call_takes_mask:
            kwargs["mask"] = mask
        return mask

    def _set_mask(self, inputs: Any, outputs: Any, previous_mask: Any) -> None:
        if not self.supports_masking:
            if previous_mask is not None:
                warnings.warn(f"Layer '{self.name}' (of type {type(self).__name__}) was passed an "
                              "input with a mask attached to it. However, this layer does not "
                              "support masking and will therefore destroy the mask information. "
                              "Downstream layers will not see the mask.", stacklevel=3)
            return
        if not isinstance(outputs, Tensor) or outputs._keras_mask is not None:
            return
        mask = self.compute_mask(inputs, previous_mask)
        if mask is not None:
            outputs._keras_mask = mask

    def compute_mask(self, inputs: Any, previous_mask: Any = None) -> Any:
        """The mask of the outputs: by default the input's, passed on."""
        return previous_mask

    def _call_with_training(self, inputs: Any, training: bool | None, kwargs: dict,
                            *args: Any) -> Any:
        if self._call_takes_training:
            kwargs = dict(kwargs, training=training)
        return self.call(inputs, *args, **kwargs)

    def _convert_input(self, x: Any) -> Any:
        """Python and numpy values become tensors; floating ones take the layer's dtype."""
        if x is None:
            return x
        if not isinstance(x, Tensor):
            x = convert_to_tensor(np.asarray(x) if not isinstance(x, int | float) else x)
        if x.dtype.is_floating and x.dtype.name != self._dtype:
            x = math_ops.cast(x, self._dtype)
        return x

    def _check_inputs(self, inputs: Any) -> None:
        spec = self.input_spec
        if spec is None:
            return
        specs = spec if isinstance(spec, list) else [spec]
        for i, (s, x) in enumerate(zip(specs, nest.flatten(inputs))):
            if s is not None and x is not None:
                s.check(self.name, i, _shape_of(x))

    def _symbolic_call(self, inputs: Any, args: tuple, training: bool | None,
                       kwargs: dict) -> Any:
        if args:
            raise TypeError(f'Layer "{self.name}": extra positional arguments are not supported '
                            "when building a functional model; pass them as keywords.")
        shapes = nest.map_structure(lambda t: t.shape, inputs)
        self._maybe_build(shapes)
        self._check_inputs(inputs)
        out_shapes = self.compute_output_shape(shapes)
        dtype = self.dtype

        def make(shape: Shape) -> KerasTensor:
            return KerasTensor(shape, dtype, name=self.name)

        outputs = map_shapes(make, out_shapes)
        call_kwargs = dict(kwargs)
        if training is not None:
            call_kwargs["training"] = training
        self._inbound_nodes.append(Node(self, inputs, call_kwargs, outputs))
        return outputs

    # -- graph facts ------------------------------------------------------------------------
    @property
    def output_shape(self) -> Any:
        """The output shape recorded by the layer's functional call(s)."""
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 "defined output shape.")
        shapes = {repr(n.output_shapes) for n in self._inbound_nodes}
        if len(shapes) > 1:
            raise AttributeError(f'The layer "{self.name}" has multiple inbound nodes with '
                                 "different output shapes.")
        return self._inbound_nodes[0].output_shapes

    @property
    def input_shape(self) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"The layer {self.name} has never been called and thus has no "
                                 "defined input shape.")
        return self._inbound_nodes[0].input_shapes

    @property
    def output(self) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} has no inbound nodes.")
        return self._inbound_nodes[0].outputs

    @property
    def input(self) -> Any:
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name} is not connected, no input to return.")
        return self._inbound_nodes[0].args

    # -- config ---------------------------------------------------------------------------
    def get_config(self) -> dict:
        """Constructor arguments that rebuild this layer (weights excluded)."""
        config: dict[str, Any] = {"name": self.name, "trainable": self.trainable,
                                  "dtype": backend.dtype_policy_config(self.dtype)}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict) -> Layer:
        return cls(**config)


def _is_shape_structure(value: Any) -> bool:
    """True for a list/tuple/dict of shapes (not for one shape tuple of ints and Nones)."""
    if isinstance(value, dict):
        return True
    return isinstance(value, list | tuple) and any(isinstance(v, list | tuple) for v in value)


def map_shapes(fn: Any, shapes: Any) -> Any:
    """Apply ``fn`` to each shape in a structure of shapes (a shape tuple is one leaf)."""
    if isinstance(shapes, dict):
        return {k: map_shapes(fn, v) for k, v in shapes.items()}
    if _is_shape_structure(shapes):
        return type(shapes)(map_shapes(fn, v) for v in shapes)
    return fn(tuple(shapes))


def _flat_shapes(value: Any) -> list[Shape]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _flat_shapes(v)]
    if _is_shape_structure(value):
        return [s for v in value for s in _flat_shapes(v)]
    return [tuple(value)]


Layer._call_takes_training = False
Layer._call_takes_mask = False
Layer._computes_masks = False
Layer._add_loss_used = False
