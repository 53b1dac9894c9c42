"""Layers that join branches of a functional model: Add and Concatenate."""

from __future__ import annotations

from typing import Any

from engine.keras.layers.base import Layer, Shape
from engine.ops import array_ops, math_ops
from engine.tensor import Tensor


def _check_list(layer: Layer, inputs: Any) -> None:
    if not isinstance(inputs, list | tuple) or len(inputs) < 2:
        raise ValueError(f'Layer "{layer.name}" should be called on a list of at least 2 '
                         f"inputs. Received: inputs={inputs!r}")


class Add(Layer):
    """The elementwise sum of a list of inputs of one shape."""

    def call(self, inputs: list) -> Tensor:
        _check_list(self, inputs)
        return math_ops.add_n(list(inputs)) if len(inputs) > 2 else math_ops.add(*inputs)

    def compute_output_shape(self, input_shape: list) -> Shape:
        _check_list(self, input_shape)
        shapes = {tuple(s[1:]) for s in input_shape}
        if len(shapes) > 1:
            raise ValueError(f'Inputs of layer "{self.name}" must have the same shape, got '
                             f"{[tuple(s) for s in input_shape]}")
        return tuple(input_shape[0])


class Concatenate(Layer):
    """Inputs joined along ``axis`` (the other dimensions must agree)."""

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, inputs: list) -> Tensor:
        _check_list(self, inputs)
        return array_ops.concat(list(inputs), axis=self.axis)

    def compute_output_shape(self, input_shape: list) -> Shape:
        _check_list(self, input_shape)
        rank = len(input_shape[0])
        axis = self.axis % rank
        out = list(input_shape[0])
        for s in input_shape[1:]:
            if len(s) != rank or any(a != b and None not in (a, b) for i, (a, b) in
                                     enumerate(zip(out, s)) if i != axis):
                raise ValueError(f'A "{self.name}" layer requires inputs with matching shapes '
                                 f"except for the concatenation axis. Received: input_shape="
                                 f"{[tuple(x) for x in input_shape]}")
            out[axis] = None if out[axis] is None or s[axis] is None else out[axis] + s[axis]
        return tuple(out)

    def get_config(self) -> dict:
        return dict(super().get_config(), axis=self.axis)
