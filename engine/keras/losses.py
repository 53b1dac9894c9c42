"""Losses (``tf.keras.losses``) as classes and functions, computed with engine ops.

Probability inputs (``from_logits=False``) are handled the way Keras 3 does: clipped to
[ε, 1 - ε] with ε = 1e-7 before the log, so a predicted 0 costs -log(1e-7), not inf.
Functions return one loss per example; classes reduce them ('sum_over_batch_size').
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from engine import errors
from engine.graph.sized import element_count, sized_constant
from engine.keras import backend
from engine.ops import array_ops, math_ops, nn_ops, reduction_ops
from engine.tensor import Tensor, convert_to_tensor

# Keras 3's reductions: None and "none" keep one loss per sample; "mean" is
# "sum_over_batch_size"; "mean_with_sample_weight" divides by the weights' sum. ("auto", a
# tf.keras 2 name, is gone.)
_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _float_pred(y_pred: Any) -> Tensor:
    y_pred = _tensor(y_pred)
    if not y_pred.dtype.is_floating:
        y_pred = math_ops.cast(y_pred, backend.floatx())
    return y_pred


def _like(y_true: Any, y_pred: Tensor) -> Tensor:
    return math_ops.cast(_tensor(y_true), y_pred.dtype)


def squeeze_or_expand(y_true: Tensor, y_pred: Tensor) -> tuple[Tensor, Tensor]:
    """Make ranks that differ by one agree, as Keras 3's squeeze_or_expand_to_same_rank:
    a rank-1 side gains a trailing axis against a (n, 1) other side, otherwise the
    trailing length-1 axis of the larger one is dropped."""
    rt, rp = len(y_true.shape), len(y_pred.shape)
    if rt == rp + 1 and y_true.shape[-1] == 1:
        if rp == 1:
            y_pred = array_ops.expand_dims(y_pred, -1)
        else:
            y_true = array_ops.squeeze(y_true, axis=-1)
    elif rp == rt + 1 and y_pred.shape[-1] == 1:
        if rt == 1:
            y_true = array_ops.expand_dims(y_true, -1)
        else:
            y_pred = array_ops.squeeze(y_pred, axis=-1)
    return y_true, y_pred


def _clipped_log(p: Tensor) -> Tensor:
    eps = backend.epsilon()
    return math_ops.log(math_ops.clip_by_value(p, eps, 1.0 - eps))


# -- per-example loss functions -----------------------------------------------------------------

def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """mean((y_pred - y_true)², axis=-1)."""
    y_pred = _float_pred(y_pred)
    y_true, y_pred = squeeze_or_expand(_like(y_true, y_pred), y_pred)
    return reduction_ops.reduce_mean(math_ops.square(math_ops.subtract(y_pred, y_true)), axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """mean(|y_pred - y_true|, axis=-1)."""
    y_pred = _float_pred(y_pred)
    y_true, y_pred = squeeze_or_expand(_like(y_true, y_pred), y_pred)
    return reduction_ops.reduce_mean(math_ops.abs(math_ops.subtract(y_pred, y_true)), axis=-1)


def _sparse_labels(y_true: Any, y_pred: Tensor) -> Tensor:
    """Integer labels of shape y_pred.shape[:-1]; (batch, 1) and float labels are accepted."""
    labels = _tensor(y_true)
    if len(labels.shape) == len(y_pred.shape):
        if labels.shape[-1] != 1:
            raise ValueError(f"`labels.shape` must equal `logits.shape` except for the last "
                             f"dimension. Received: labels.shape={labels.shape} and "
                             f"logits.shape={y_pred.shape}")
        labels = array_ops.squeeze(labels, axis=-1)
    if not labels.dtype.is_integer:
        labels = math_ops.cast(labels, "int64")
    elif labels.dtype.name not in ("int32", "int64"):
        labels = math_ops.cast(labels, "int64")
    return labels


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    axis: int = -1, ignore_class: int | None = None) -> Tensor:
    """-log p[label] per example; labels are class indices, y_pred probabilities or logits."""
    y_pred = _float_pred(y_pred)
    if axis not in (-1, len(y_pred.shape) - 1):
        raise ValueError("sparse_categorical_crossentropy: only the last axis holds classes.")
    labels = _sparse_labels(y_true, y_pred)
    logits = y_pred if from_logits else _clipped_log(y_pred)
    if ignore_class is None:
        return nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    valid = math_ops.not_equal(labels, ignore_class)
    safe = math_ops.where(valid, labels, math_ops.zeros_like(labels))
    per = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=safe, logits=logits)
    return math_ops.where(valid, per, math_ops.zeros_like(per))


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """-Σ y_true · log p over ``axis``; probabilities are renormalized then clipped."""
    y_pred = _float_pred(y_pred)
    y_true = _like(y_true, y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"Arguments `target` and `output` must have the same shape. Received: "
                         f"target.shape={y_true.shape}, output.shape={y_pred.shape}")
    if label_smoothing:
        classes = y_pred.shape[axis]
        y_true = math_ops.add(math_ops.multiply(y_true, 1.0 - label_smoothing),
                              label_smoothing / classes)
    if from_logits:
        return nn_ops.softmax_cross_entropy_with_logits(labels=y_true, logits=y_pred, axis=axis)
    probs = math_ops.divide(y_pred, reduction_ops.reduce_sum(y_pred, axis=axis, keepdims=True))
    return math_ops.negative(reduction_ops.reduce_sum(
        math_ops.multiply(y_true, _clipped_log(probs)), axis=axis))


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """mean over ``axis`` of -(y·log p + (1-y)·log(1-p)); logits use the stable form."""
    y_pred = _float_pred(y_pred)
    y_true = _like(y_true, y_pred)
    if label_smoothing:
        y_true = math_ops.add(math_ops.multiply(y_true, 1.0 - label_smoothing),
                              0.5 * label_smoothing)
    if from_logits:
        # max(x, 0) - x·z + log(1 + e^-|x|), as tf.nn.sigmoid_cross_entropy_with_logits.
        x = y_pred
        per = math_ops.add(math_ops.subtract(nn_ops.relu(x), math_ops.multiply(x, y_true)),
                           nn_ops.softplus(math_ops.negative(math_ops.abs(x))))
    else:
        eps = backend.epsilon()
        p = math_ops.clip_by_value(y_pred, eps, 1.0 - eps)
        # Keras 3: the clipped probability's log, no ε added inside it (Keras 2 added one).
        pos = math_ops.multiply(y_true, math_ops.log(p))
        neg = math_ops.multiply(math_ops.subtract(1.0, y_true),
                                math_ops.log(math_ops.subtract(1.0, p)))
        per = math_ops.negative(math_ops.add(pos, neg))
    return reduction_ops.reduce_mean(per, axis=axis)



def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """Per-sample Huber loss: ½e² where |e| ≤ δ, δ|e| - ½δ² beyond (mean over the last axis)."""
    y_pred = _float_pred(y_pred)
    y_true = math_ops.cast(_tensor(y_true), y_pred.dtype)
    y_true, y_pred = squeeze_or_expand(y_true, y_pred)
    delta_t = convert_to_tensor(delta, dtype=y_pred.dtype)
    half = convert_to_tensor(0.5, dtype=y_pred.dtype)
    error = math_ops.subtract(y_pred, y_true)
    abs_error = math_ops.abs(error)
    quadratic = math_ops.multiply(half, math_ops.square(error))
    linear = math_ops.subtract(math_ops.multiply(delta_t, abs_error),
                               math_ops.multiply(half, math_ops.square(delta_t)))
    return reduction_ops.reduce_mean(
        math_ops.where(math_ops.less_equal(abs_error, delta_t), quadratic, linear), axis=-1)

def _binary_labels_to_hinge(y_true: Tensor) -> Tensor:
    """0/1 labels become -1/1 (only when every label is 0 or 1, as Keras decides)."""
    zero_or_one = math_ops.logical_or(math_ops.equal(y_true, 0.0), math_ops.equal(y_true, 1.0))
    is_binary = reduction_ops.reduce_all(zero_or_one)
    return math_ops.where(is_binary, math_ops.subtract(math_ops.multiply(y_true, 2.0), 1.0),
                          y_true)


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """mean(max(1 - y_true·y_pred, 0), axis=-1); 0/1 labels count as -1/1."""
    y_pred = _float_pred(y_pred)
    y_true = _binary_labels_to_hinge(_like(y_true, y_pred))
    return reduction_ops.reduce_mean(
        math_ops.maximum(math_ops.subtract(1.0, math_ops.multiply(y_true, y_pred)), 0.0),
        axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """mean(max(1 - y_true·y_pred, 0)², axis=-1); 0/1 labels count as -1/1."""
    y_pred = _float_pred(y_pred)
    y_true = _binary_labels_to_hinge(_like(y_true, y_pred))
    margin = math_ops.maximum(math_ops.subtract(1.0, math_ops.multiply(y_true, y_pred)), 0.0)
    return reduction_ops.reduce_mean(math_ops.square(margin), axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """max(max((1 - y_true)·y_pred) - Σ y_true·y_pred + 1, 0) over the last axis."""
    y_pred = _float_pred(y_pred)
    y_true = _like(y_true, y_pred)
    pos = reduction_ops.reduce_sum(math_ops.multiply(y_true, y_pred), axis=-1)
    neg = reduction_ops.reduce_max(math_ops.multiply(math_ops.subtract(1.0, y_true), y_pred),
                                   axis=-1)
    return math_ops.maximum(math_ops.add(math_ops.subtract(neg, pos), 1.0), 0.0)


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """Σ y_true·log(y_true / y_pred) over the last axis, both clipped to [ε, 1]."""
    y_pred = _float_pred(y_pred)
    y_true = _like(y_true, y_pred)
    eps = backend.epsilon()
    y_true = math_ops.clip_by_value(y_true, eps, 1.0)
    y_pred = math_ops.clip_by_value(y_pred, eps, 1.0)
    return reduction_ops.reduce_sum(
        math_ops.multiply(y_true, math_ops.log(math_ops.divide(y_true, y_pred))), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """mean(y_pred - y_true·log(y_pred + ε), axis=-1)."""
    y_pred = _float_pred(y_pred)
    y_true = _like(y_true, y_pred)
    log = math_ops.log(math_ops.add(y_pred, convert_to_tensor(backend.epsilon(), y_pred.dtype)))
    return reduction_ops.reduce_mean(math_ops.subtract(y_pred, math_ops.multiply(y_true, log)),
                                     axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """mean(log(cosh(y_pred - y_true)), axis=-1), as x + softplus(-2x) - log 2 (no overflow)."""
    y_pred = _float_pred(y_pred)
    y_true, y_pred = squeeze_or_expand(_like(y_true, y_pred), y_pred)
    x = math_ops.subtract(y_pred, y_true)
    log2 = convert_to_tensor(math.log(2.0), y_pred.dtype)
    per = math_ops.subtract(math_ops.add(x, nn_ops.softplus(math_ops.multiply(x, -2.0))), log2)
    return reduction_ops.reduce_mean(per, axis=-1)


def normalize(x: Tensor, axis: int = -1) -> Tensor:
    """Keras 3's L2 normalization: x · min(1/√Σx², 1/ε)."""
    square_sum = reduction_ops.reduce_sum(math_ops.square(x), axis=axis, keepdims=True)
    inv = math_ops.minimum(math_ops.rsqrt(square_sum), 1.0 / backend.epsilon())
    return math_ops.multiply(x, inv)


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """-Σ normalize(y_true)·normalize(y_pred) over ``axis`` (-1 for identical directions)."""
    y_pred = _float_pred(y_pred)
    y_true, y_pred = squeeze_or_expand(_like(y_true, y_pred), y_pred)
    return math_ops.negative(reduction_ops.reduce_sum(
        math_ops.multiply(normalize(y_true, axis), normalize(y_pred, axis)), axis=axis))


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """100 · mean(|y_true - y_pred| / max(|y_true|, ε), axis=-1)."""
    y_pred = _float_pred(y_pred)
    y_true, y_pred = squeeze_or_expand(_like(y_true, y_pred), y_pred)
    eps = convert_to_tensor(backend.epsilon(), y_pred.dtype)
    diff = math_ops.abs(math_ops.divide(math_ops.subtract(y_true, y_pred),
                                        math_ops.maximum(math_ops.abs(y_true), eps)))
    return math_ops.multiply(100.0, reduction_ops.reduce_mean(diff, axis=-1))


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """mean((log(max(y_pred, ε) + 1) - log(max(y_true, ε) + 1))², axis=-1)."""
    y_pred = _float_pred(y_pred)
    y_true, y_pred = squeeze_or_expand(_like(y_true, y_pred), y_pred)
    eps = convert_to_tensor(backend.epsilon(), y_pred.dtype)
    first = math_ops.log(math_ops.add(math_ops.maximum(y_pred, eps), 1.0))
    second = math_ops.log(math_ops.add(math_ops.maximum(y_true, eps), 1.0))
    return reduction_ops.reduce_mean(math_ops.square(math_ops.subtract(first, second)), axis=-1)


kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error

mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


# -- reduction and the Loss classes ---------------------------------------------------------------

def reduce_weighted(losses: Tensor, sample_weight: Any = None,
                    reduction: str | None = "sum_over_batch_size") -> Tensor:
    """Weight per-example losses and reduce as Keras 3 does: mean over elements (0 for no
    elements), sum, or none (None / "none"; a scalar is returned as it is)."""
    if sample_weight is not None:
        weight = math_ops.cast(_tensor(sample_weight), losses.dtype)
        weight, losses = squeeze_or_expand(weight, losses)
        while len(weight.shape) < len(losses.shape):
            weight = array_ops.expand_dims(weight, -1)
        losses = math_ops.multiply(losses, weight)
    if reduction is None or reduction == "none" or tuple(losses.shape) in ((), (0,)):
        return losses
    total = reduction_ops.reduce_sum(losses)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        divisor = reduction_ops.reduce_sum(math_ops.cast(_tensor(sample_weight), losses.dtype))
    else:
        # (inside a trace, a count that follows the batch's size: engine.graph.sized)
        divisor = math_ops.cast(sized_constant(element_count([losses._value], np.int32),
                                               element_count, (np.int32,), losses), losses.dtype)
    return math_ops.divide_no_nan(total, divisor)


def refuse_masked(y_pred: Any, what: str) -> None:
    """Keras 3 weights a loss or metric by the mask a prediction carries (``_keras_mask``,
    from ``Embedding(mask_zero=True)``); Tapescope does not, so it says so."""
    if isinstance(y_pred, Tensor) and y_pred._keras_mask is not None:
        raise NotImplementedError(
            f"Computing {what} on a prediction that carries a Keras mask (Keras 3 weights it "
            "by the mask) is not supported by Tapescope; pool the masked steps away first "
            "(GlobalAveragePooling1D) or drop mask_zero.")


class Loss:
    """Base: ``loss(y_true, y_pred, sample_weight=None)`` → a reduced scalar."""

    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str | None = None) -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                             f"{set(_REDUCTIONS)}. Received: reduction={reduction}")
        self.reduction = reduction
        self.name = name or backend.to_snake_case(type(self).__name__)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        refuse_masked(y_pred, f"the loss {self.name}")
        # Keras 3 computes a Loss object in floatx (float32), whatever the inputs' dtype.
        y_pred = math_ops.cast(_tensor(y_pred), backend.floatx())
        y_true = _tensor(y_true)
        if y_true.dtype.is_floating:
            y_true = math_ops.cast(y_true, backend.floatx())
        return reduce_weighted(self.call(y_true, y_pred), sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A Loss around a per-example function with fixed keyword arguments."""

    def __init__(self, fn: Callable[..., Tensor], reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, squeeze: bool = True, **fn_kwargs: Any) -> None:
        super().__init__(reduction, name)
        self.fn, self._squeeze, self._fn_kwargs = fn, squeeze, fn_kwargs

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if self._squeeze:
            y_true, y_pred = squeeze_or_expand(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self) -> dict:
        return dict(super().get_config(), **self._fn_kwargs)


class MeanSquaredError(LossFunctionWrapper):
    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "mean_squared_error") -> None:
        super().__init__(mean_squared_error, reduction, name)


class MeanAbsoluteError(LossFunctionWrapper):
    def __init__(self, reduction: str | None = "sum_over_batch_size",
                 name: str = "mean_absolute_error") -> None:
        super().__init__(mean_absolute_error, reduction, name)


class Huber(LossFunctionWrapper):
    """Quadratic near zero, linear beyond ``delta``: robust to outliers."""

    def __init__(self, delta: float = 1.0, reduction: str | None = "sum_over_batch_size",
                 name: str = "huber_loss", dtype: Any = None) -> None:
        super().__init__(huber, reduction, name, delta=delta)

    def get_config(self) -> dict:
        return Loss.get_config(self)  # Keras 3 leaves delta out of the config


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of integer labels (shape (batch,) or (batch, 1)) against class scores."""

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "sparse_categorical_crossentropy") -> None:
        super().__init__(sparse_categorical_crossentropy, reduction, name, squeeze=False,
                         from_logits=from_logits, ignore_class=ignore_class)
        self.from_logits = from_logits

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        try:
            return super().__call__(y_true, y_pred, sample_weight)
        except errors.InvalidArgumentError as exc:
            raise errors.InvalidArgumentError(
                None, "SparseSoftmaxCrossEntropyWithLogits",
                f"{self.name}: {exc.text}. Labels must be integers in [0, "
                f"{_tensor(y_pred).shape[-1]}), one per example.") from None


class CategoricalCrossentropy(LossFunctionWrapper):
    """Cross-entropy of one-hot (or soft) labels against class probabilities or logits."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "categorical_crossentropy") -> None:
        super().__init__(categorical_crossentropy, reduction, name, squeeze=False,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class BinaryCrossentropy(LossFunctionWrapper):
    """Cross-entropy of 0/1 labels against probabilities (or logits) of the positive class."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0, axis: int = -1,
                 reduction: str | None = "sum_over_batch_size",
                 name: str = "binary_crossentropy") -> None:
        super().__init__(binary_crossentropy, reduction, name, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits


class _NamedLoss(LossFunctionWrapper):
    """A Loss around one of the per-example functions above, configured by name only."""

    _fn: Callable[..., Tensor]
    _default_name = ""

    def __init__(self, reduction: str | None = "sum_over_batch_size", name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(type(self)._fn, reduction, name or self._default_name)

    def get_config(self) -> dict:
        return Loss.get_config(self)


class Hinge(_NamedLoss):
    """mean(max(1 - y_true·y_pred, 0)) for -1/1 (or 0/1) labels."""

    _fn, _default_name = staticmethod(hinge), "hinge"


class SquaredHinge(_NamedLoss):
    """mean(max(1 - y_true·y_pred, 0)²) for -1/1 (or 0/1) labels."""

    _fn, _default_name = staticmethod(squared_hinge), "squared_hinge"


class CategoricalHinge(_NamedLoss):
    """The hinge loss of one-hot labels against class scores."""

    _fn, _default_name = staticmethod(categorical_hinge), "categorical_hinge"


class KLDivergence(_NamedLoss):
    """Kullback-Leibler divergence of y_pred from y_true (probabilities)."""

    _fn, _default_name = staticmethod(kl_divergence), "kl_divergence"


class Poisson(_NamedLoss):
    """y_pred - y_true·log(y_pred): counts predicted as Poisson rates."""

    _fn, _default_name = staticmethod(poisson), "poisson"


class LogCosh(_NamedLoss):
    """log(cosh(error)): quadratic near zero, linear far away."""

    _fn, _default_name = staticmethod(log_cosh), "log_cosh"


class MeanAbsolutePercentageError(_NamedLoss):
    """100 · mean(|error| / |y_true|)."""

    _fn = staticmethod(mean_absolute_percentage_error)
    _default_name = "mean_absolute_percentage_error"


class MeanSquaredLogarithmicError(_NamedLoss):
    """mean((log(1 + y_pred) - log(1 + y_true))²)."""

    _fn = staticmethod(mean_squared_logarithmic_error)
    _default_name = "mean_squared_logarithmic_error"


class CosineSimilarity(LossFunctionWrapper):
    """-cos(angle between y_true and y_pred) along ``axis``."""

    def __init__(self, axis: int = -1, reduction: str | None = "sum_over_batch_size",
                 name: str = "cosine_similarity", dtype: Any = None) -> None:
        super().__init__(cosine_similarity, reduction, name, axis=axis)

    def get_config(self) -> dict:
        return Loss.get_config(self)



_FUNCTIONS: dict[str, Callable[..., Tensor]] = {
    "mean_squared_error": mean_squared_error, "mse": mean_squared_error,
    "mean_absolute_error": mean_absolute_error, "mae": mean_absolute_error,
    "sparse_categorical_crossentropy": sparse_categorical_crossentropy,
    "categorical_crossentropy": categorical_crossentropy,
    "binary_crossentropy": binary_crossentropy,
    "huber": huber,
    "hinge": hinge, "squared_hinge": squared_hinge, "categorical_hinge": categorical_hinge,
    "kl_divergence": kl_divergence, "kld": kl_divergence,
    "kullback_leibler_divergence": kl_divergence, "poisson": poisson,
    "log_cosh": log_cosh, "logcosh": log_cosh, "cosine_similarity": cosine_similarity,
    "mean_absolute_percentage_error": mean_absolute_percentage_error,
    "mape": mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": mean_squared_logarithmic_error,
    "msle": mean_squared_logarithmic_error,
}
_CLASSES: dict[str, type[Loss]] = {
    "MeanSquaredError": MeanSquaredError, "MeanAbsoluteError": MeanAbsoluteError,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
    "CategoricalCrossentropy": CategoricalCrossentropy,
    "BinaryCrossentropy": BinaryCrossentropy, "Huber": Huber,
    "Hinge": Hinge, "SquaredHinge": SquaredHinge, "CategoricalHinge": CategoricalHinge,
    "KLDivergence": KLDivergence, "Poisson": Poisson, "LogCosh": LogCosh,
    "CosineSimilarity": CosineSimilarity,
    "MeanAbsolutePercentageError": MeanAbsolutePercentageError,
    "MeanSquaredLogarithmicError": MeanSquaredLogarithmicError,
}
_CLASS_OF_FUNCTION = {
    mean_squared_error: MeanSquaredError, mean_absolute_error: MeanAbsoluteError,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy, binary_crossentropy: BinaryCrossentropy,
    huber: Huber,
    hinge: Hinge, squared_hinge: SquaredHinge, categorical_hinge: CategoricalHinge,
    kl_divergence: KLDivergence, poisson: Poisson, log_cosh: LogCosh,
    cosine_similarity: CosineSimilarity,
    mean_absolute_percentage_error: MeanAbsolutePercentageError,
    mean_squared_logarithmic_error: MeanSquaredLogarithmicError,
}


def serialize(loss: Any) -> Any:
    """A JSON-able description of a loss for ``model.save`` (None if it is a custom callable)."""
    if isinstance(loss, Loss) and type(loss).__name__ in _CLASSES:
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    for name, fn in _FUNCTIONS.items():
        if fn is loss:
            return name
    return None


def get(identifier: Any) -> Any:
    """A loss from a name (``"mse"``, ``"sparse_categorical_crossentropy"``), config or callable.

    Names give Loss objects (so the default reduction applies); callables pass through.
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        fn = _FUNCTIONS.get(identifier.lower())
        if fn is None:
            raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
        return _CLASS_OF_FUNCTION[fn]()
    if isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        return _CLASSES[identifier["class_name"]].from_config(identifier.get("config", {}))
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")
