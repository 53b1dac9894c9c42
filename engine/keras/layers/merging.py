"""Layers that join branches of a functional model (Add, Subtract, Multiply, Average,
Maximum, Minimum, Concatenate, Dot) and their functional forms (``add``, ``concatenate``…)."""

from __future__ import annotations

from typing import Any

from engine.keras import losses
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


def _same_shapes(layer: Layer, input_shape: list) -> Shape:
    _check_list(layer, input_shape)
    shapes = {tuple(s[1:]) for s in input_shape}
    if len(shapes) > 1:
        raise ValueError(f'Inputs of layer "{layer.name}" must have the same shape, got '
                         f"{[tuple(s) for s in input_shape]}")
    return tuple(input_shape[0])


class _Elementwise(Layer):
    """An elementwise fold over the inputs, left to right (as Keras 3 folds them)."""

    _op = staticmethod(math_ops.add)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: list) -> Tensor:
        _check_list(self, inputs)
        out = inputs[0]
        for x in inputs[1:]:
            out = self._op(out, x)
        return out

    def compute_output_shape(self, input_shape: list) -> Shape:
        return _same_shapes(self, input_shape)


class Subtract(Layer):
    """inputs[0] - inputs[1] (exactly two inputs)."""

    def build(self, input_shape: Any) -> None:
        if not isinstance(input_shape, list | tuple) or len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")
        self.built = True

    def call(self, inputs: list) -> Tensor:
        if not isinstance(inputs, list | tuple) or len(inputs) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={inputs!r}")
        return math_ops.subtract(inputs[0], inputs[1])

    def compute_output_shape(self, input_shape: list) -> Shape:
        if len(input_shape) != 2:
            raise ValueError("A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: input_shape={input_shape}")
        return _same_shapes(self, input_shape)


class Multiply(_Elementwise):
    """The elementwise product of the inputs."""

    _op = staticmethod(math_ops.multiply)


class Maximum(_Elementwise):
    """The elementwise maximum of the inputs."""

    _op = staticmethod(math_ops.maximum)


class Minimum(_Elementwise):
    """The elementwise minimum of the inputs."""

    _op = staticmethod(math_ops.minimum)


class Average(_Elementwise):
    """The elementwise mean: the inputs' sum divided by their number."""

    def call(self, inputs: list) -> Tensor:
        total = super().call(inputs)
        return math_ops.divide(total, math_ops.cast(len(inputs), total.dtype))


def _batch_dot(x: Tensor, y: Tensor, axes: list[int]) -> Tensor:
    """Keras 3's batch_dot for inputs of rank 2 or 3: move the summed axes into matmul
    position, multiply, squeeze the axes rank 2 inputs gained."""
    x_ndim, y_ndim = len(x.shape), len(y.shape)
    a0, a1 = axes
    if x_ndim == 2:
        x, a0 = array_ops.expand_dims(x, 1), a0 + 1
    if y_ndim == 2:
        y = array_ops.expand_dims(y, 2)
    if a0 != 2:
        x = array_ops.transpose(x, [0, 2, 1])
    if a1 != 1:
        y = array_ops.transpose(y, [0, 2, 1])
    out = math_ops.matmul(x, y)
    if x_ndim == 2:
        return array_ops.squeeze(out, [1])
    if y_ndim == 2:
        return array_ops.squeeze(out, [-1])
    return out


class Dot(Layer):
    """The dot product of two inputs along ``axes`` (per example), for inputs of rank 2
    or 3; ``normalize`` L2-normalizes both first (cosine similarity)."""

    def __init__(self, axes: Any, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(axes, int) and (not isinstance(axes, list | tuple) or len(axes) != 2
                                          or not all(isinstance(a, int) for a in axes)):
            raise ValueError("Invalid format for argument `axes`: list of 2 integers. "
                             f"Received: axes={axes}")
        self.axes = axes if isinstance(axes, int) else list(axes)
        self.normalize = bool(normalize)

    def _axes(self, shapes: list) -> list[int]:
        if not isinstance(shapes, list | tuple) or len(shapes) != 2:
            raise ValueError("A `Dot` layer should be called on exactly 2 inputs. Received: "
                             f"inputs={shapes!r}")
        ranks = [len(s) for s in shapes]
        if any(r not in (2, 3) for r in ranks):
            raise ValueError(f'Layer "{self.name}": Tapescope\'s Dot takes inputs of rank 2 or '
                             f"3; got shapes {[tuple(s) for s in shapes]}")
        axes = [self.axes, self.axes] if isinstance(self.axes, int) else list(self.axes)
        axes = [a % r for a, r in zip(axes, ranks)]
        if 0 in axes:
            raise ValueError("Cannot perform batch_dot over axis 0.")
        d1, d2 = shapes[0][axes[0]], shapes[1][axes[1]]
        if d1 is not None and d2 is not None and d1 != d2:
            raise ValueError(f"Incompatible input shapes: axis values {d1} (at axis "
                             f"{axes[0]}) != {d2} (at axis {axes[1]}). Full input shapes: "
                             f"{tuple(shapes[0])}, {tuple(shapes[1])}")
        return axes

    def call(self, inputs: list) -> Tensor:
        axes = self._axes([tuple(x.shape) for x in inputs] if isinstance(inputs, list | tuple)
                          else inputs)
        x1, x2 = inputs
        if self.normalize:
            x1, x2 = losses.normalize(x1, axes[0]), losses.normalize(x2, axes[1])
        return _batch_dot(x1, x2, axes)

    def compute_output_shape(self, input_shape: list) -> Shape:
        axes = self._axes(input_shape)
        s1, s2 = list(input_shape[0]), list(input_shape[1])
        s1.pop(axes[0])
        s2.pop(axes[1])
        s2.pop(0)
        out = s1 + s2
        return tuple(out) if len(out) > 1 else (*out, 1)

    def get_config(self) -> dict:
        return dict(super().get_config(), axes=self.axes, normalize=self.normalize)


def add(inputs: list, **kwargs: Any) -> Any:
    """``Add()(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs: list, **kwargs: Any) -> Any:
    """``Subtract()(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs: list, **kwargs: Any) -> Any:
    """``Multiply()(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs: list, **kwargs: Any) -> Any:
    """``Average()(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs: list, **kwargs: Any) -> Any:
    """``Maximum()(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs: list, **kwargs: Any) -> Any:
    """``Minimum()(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs: list, axis: int = -1, **kwargs: Any) -> Any:
    """``Concatenate(axis)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: list, axes: Any = -1, normalize: bool = False, **kwargs: Any) -> Any:
    """``Dot(axes, normalize)(inputs)``."""
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
