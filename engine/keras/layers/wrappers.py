"""Bidirectional (an RNN run both ways over a sequence) and TimeDistributed (a layer
applied to every step of a sequence)."""

from __future__ import annotations

from typing import Any

from engine.context import STATE
from engine.keras.layers.base import LAYER_CLASSES, Layer, Shape
from engine.keras.layers.recurrent import RNN
from engine.ops import array_ops, math_ops, ordering_ops


def _layer_from(item: dict) -> Layer:
    """A wrapped layer rebuilt from its ``{"class_name", "config"}`` (classes known to the
    running program only: nothing is imported or executed)."""
    cls = LAYER_CLASSES.get(item.get("class_name", ""))
    if cls is None:
        raise ValueError(f"Unknown layer class in a wrapper's config: {item.get('class_name')!r}")
    return cls.from_config(dict(item.get("config", {})))


def _clone(layer: Layer, **changes: Any) -> Layer:
    """A new layer of the same class and config (fresh weights, as Keras clones them)."""
    config = dict(layer.get_config(), **changes)
    return type(layer).from_config(config)


class Bidirectional(Layer):
    """A forward and a backward copy of an RNN layer, their outputs merged (``concat``,
    ``sum``, ``ave``, ``mul`` or None for both)."""

    def __init__(self, layer: Layer, merge_mode: str | None = "concat", weights: Any = None,
                 backward_layer: Layer | None = None, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `Bidirectional` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError("`backward_layer` need to be a `keras.layers.Layer` instance. "
                             f"Received: {backward_layer}")
        if merge_mode not in ("sum", "mul", "ave", "concat", None):
            raise ValueError(f"Invalid merge mode. Received: {merge_mode}. Merge mode should "
                             'be one of {"sum", "mul", "ave", "concat", None}')
        if weights is not None:
            raise ValueError("Bidirectional: `weights` is not supported by Tapescope; use "
                             "set_weights after building.")
        if not isinstance(layer, RNN):
            raise ValueError("Bidirectional: Tapescope wraps its own RNN layers (SimpleRNN, "
                             f"LSTM, GRU); got {type(layer).__name__}.")
        super().__init__(**kwargs)
        self.forward_layer = _clone(layer, name="forward_" + layer.name.removeprefix("forward_"))
        if backward_layer is None:
            backward_layer = _clone(layer, go_backwards=True,
                                    name="backward_" + layer.name.removeprefix("backward_"))
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError("Forward layer and backward layer should have different "
                             "`go_backwards` value. Received: forward_layer.go_backwards "
                             f"{self.forward_layer.go_backwards}, backward_layer.go_backwards="
                             f"{self.backward_layer.go_backwards}")
        for a in ("stateful", "return_sequences", "return_state"):
            if getattr(self.forward_layer, a) != getattr(self.backward_layer, a):
                raise ValueError("Forward layer and backward layer are expected to have the "
                                 f'same value for attribute "{a}"')
        for sub in (self.forward_layer, self.backward_layer):  # as Keras 3 forces it
            sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = False
        self.supports_masking = True
        self.input_spec = layer.input_spec

    def build(self, sequences_shape: Shape, initial_state_shape: Any = None) -> None:
        STATE.scopes.append(self.name)
        try:
            for sub in (self.forward_layer, self.backward_layer):
                sub._maybe_build(tuple(sequences_shape))
        finally:
            STATE.scopes.pop()
        self.built = True

    def compute_output_shape(self, sequences_shape: Shape, initial_state_shape: Any = None
                             ) -> Any:
        out = self.forward_layer.compute_output_shape(sequences_shape)
        states: list = []
        if self.return_state:
            out, states = out[0], list(out[1:])
        if self.merge_mode == "concat":
            out = (*out[:-1], out[-1] * 2)
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state or self.merge_mode is None:
            return [*outs, *states, *states]
        return out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        out = mask if self.return_sequences else None
        if self.return_state:
            n = len(self.forward_layer.state_size)
            return [out] * (2 if self.merge_mode is None else 1) + [None] * (2 * n)
        if self.merge_mode is None:
            return [out, out]
        return out

    def call(self, sequences: Any, initial_state: Any = None, mask: Any = None,
             training: bool | None = None) -> Any:
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = self.forward_layer(sequences, initial_state=forward_state, mask=mask,
                               training=training)
        y_rev = self.backward_layer(sequences, initial_state=backward_state, mask=mask,
                                    training=training)
        states: list = []
        if self.return_state:
            states = list(y[1:]) + list(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        if self.return_sequences:
            y_rev = ordering_ops.reverse(y_rev, [1])
        if self.merge_mode == "concat":
            output: Any = array_ops.concat([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = math_ops.add(y, y_rev)
        elif self.merge_mode == "ave":
            output = math_ops.divide(math_ops.add(y, y_rev), 2.0)
        elif self.merge_mode == "mul":
            output = math_ops.multiply(y, y_rev)
        else:
            output = [y, y_rev]
        if self.return_state:
            return [*(output if self.merge_mode is None else [output]), *states]
        return output

    def get_config(self) -> dict:
        layer = self.forward_layer
        inner = dict(layer.get_config(), name=layer.name.removeprefix("forward_"))
        backward = {"class_name": type(self.backward_layer).__name__,
                    "config": self.backward_layer.get_config()}
        return dict(super().get_config(), merge_mode=self.merge_mode,
                    layer={"class_name": type(layer).__name__, "config": inner},
                    backward_layer=backward)

    @classmethod
    def from_config(cls, config: dict) -> Bidirectional:
        config = dict(config)
        layer = _layer_from(config.pop("layer"))
        backward = config.pop("backward_layer", None)
        return cls(layer, backward_layer=None if backward is None else _layer_from(backward),
                   **config)


class TimeDistributed(Layer):
    """Apply ``layer`` to every step of (batch, steps, …) inputs: each step's slice is
    a (batch, …) input of its own, and the outputs are stacked back along the steps."""

    def __init__(self, layer: Layer, **kwargs: Any) -> None:
        if not isinstance(layer, Layer):
            raise ValueError("Please initialize `TimeDistributed` layer with a "
                             f"`keras.layers.Layer` instance. Received: {layer}")
        super().__init__(**kwargs)
        self.layer = layer
        self.supports_masking = True

    def build(self, input_shape: Shape) -> None:
        if len(input_shape) < 3:
            raise ValueError("`TimeDistributed` Layer should be passed an `input_shape` with "
                             f"at least 3 dimensions, received: {tuple(input_shape)}")
        if not self.layer.built:
            STATE.scopes.append(self.name)
            try:
                self.layer._maybe_build((input_shape[0], *tuple(input_shape[2:])))
            finally:
                STATE.scopes.pop()
        self.built = True

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        child = self.layer.compute_output_shape((input_shape[0], *tuple(input_shape[2:])))
        return (child[0], input_shape[1], *tuple(child[1:]))

    def call(self, inputs: Any, training: bool | None = None, mask: Any = None) -> Any:
        steps = inputs.shape[1]
        kwargs: dict = {}
        if self.layer._call_takes_training:
            kwargs["training"] = training
        outputs = []
        for t in range(steps):
            step_kwargs = dict(kwargs)
            if mask is not None and self.layer._call_takes_mask:
                step_kwargs["mask"] = mask[:, t]
            outputs.append(self.layer.call(inputs[:, t], **step_kwargs))
        return array_ops.stack(outputs, axis=1)

    def get_config(self) -> dict:
        return dict(super().get_config(), layer={"class_name": type(self.layer).__name__,
                                                 "config": self.layer.get_config()})

    @classmethod
    def from_config(cls, config: dict) -> TimeDistributed:
        config = dict(config)
        return cls(_layer_from(config.pop("layer")), **config)
