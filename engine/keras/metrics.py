"""Metrics (``tf.keras.metrics``): running values kept in float32 Variables.

``update_state`` adds a batch, ``result`` returns the value so far as a float32 scalar
Tensor, ``reset_state`` starts over. State lives in Variables updated with engine ops
and ``assign_add``, so a traced ``train_step`` can carry metric updates too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.context import STATE
from engine.graph.sized import element_count, sized_constant
from engine.keras import backend, losses
from engine.keras.variables import KerasVariable
from engine.ops import array_ops, math_ops, reduction_ops
from engine.tensor import Tensor, Variable, convert_to_tensor


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


class Metric:
    """Base: subclasses add state with ``add_variable`` and define ``update_state``/``result``."""

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        self.name = name or backend.to_snake_case(type(self).__name__)
        self.dtype = backend.standardize_dtype(dtype or "float32")
        self._variables: list[Variable] = []

    def add_variable(self, name: str, shape: tuple = (), initializer: str = "zeros") -> Variable:
        import numpy as np

        value = np.zeros(shape, dtype=self.dtype)
        var = KerasVariable(value, trainable=False, path=f"{self.name}/{name}")
        self._variables.append(var)
        return var

    add_weight = add_variable

    @property
    def variables(self) -> list[Variable]:
        return list(self._variables)

    def update_state(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError

    def result(self) -> Tensor:
        raise NotImplementedError

    def reset_state(self) -> None:
        for v in self._variables:
            v.assign(math_ops.zeros_like(v))

    reset_states = reset_state

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        """Update with one batch and return the result so far."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict) -> Metric:
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r}>"


class Reduce(Metric):
    """Weighted sum (``Sum``) or weighted mean (``Mean``) of every value seen."""

    _mean = True

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name, dtype)
        self.total = self.add_variable("total")
        if self._mean:
            self.count = self.add_variable("count")

    def update_state(self, values: Any, sample_weight: Any = None) -> None:
        values = math_ops.cast(_tensor(values), self.dtype)
        if sample_weight is None:
            weighted = values
            n = 1.0
            for d in values.shape:
                n *= d
            count: Any = n
            if STATE.graph is not None:  # a count that follows the batch's size
                dtype = values._value.dtype
                count = sized_constant(element_count([values._value], dtype), element_count,
                                       (dtype,), values)
        else:
            weight = math_ops.cast(_tensor(sample_weight), self.dtype)
            weight, values = losses.squeeze_or_expand(weight, values)
            while len(weight.shape) < len(values.shape):
                weight = array_ops.expand_dims(weight, -1)
            weight = array_ops.broadcast_to(weight, tuple(values.shape))
            weighted = math_ops.multiply(values, weight)
            count = reduction_ops.reduce_sum(weight)
        self.total.assign_add(reduction_ops.reduce_sum(weighted))
        if self._mean:
            self.count.assign_add(count)

    def result(self) -> Tensor:
        if not self._mean:
            return array_ops.identity(self.total)
        return math_ops.divide_no_nan(self.total, self.count)


class Sum(Reduce):
    """The (weighted) sum of all values."""

    _mean = False


class Mean(Reduce):
    """The (weighted) mean of all values."""


class MeanMetricWrapper(Mean):
    """The running mean of a per-example function ``fn(y_true, y_pred)``."""

    def __init__(self, fn: Callable[..., Tensor], name: str | None = None, dtype: Any = None,
                 **fn_kwargs: Any) -> None:
        super().__init__(name, dtype)
        self._fn, self._fn_kwargs = fn, fn_kwargs

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        losses.refuse_masked(y_pred, f"the metric {self.name}")
        y_true, y_pred = _tensor(y_true), _tensor(y_pred)
        y_true, y_pred = losses.squeeze_or_expand(y_true, y_pred)
        super().update_state(self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self) -> dict:
        return dict(super().get_config(), **self._fn_kwargs)


# -- per-example match functions ----------------------------------------------------------------

def accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where y_true == y_pred."""
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    if y_true.dtype != y_pred.dtype:
        y_pred = math_ops.cast(y_pred, y_true.dtype)
    return math_ops.cast(math_ops.equal(y_true, y_pred), backend.floatx())


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Tensor:
    """Mean over the last axis of 1.0 where (y_pred > threshold) == y_true."""
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    predicted = math_ops.cast(math_ops.greater(y_pred, math_ops.cast(threshold, y_pred.dtype)),
                              y_pred.dtype)
    hits = math_ops.cast(math_ops.equal(math_ops.cast(y_true, y_pred.dtype), predicted),
                         backend.floatx())
    return reduction_ops.reduce_mean(hits, axis=-1)


def categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where argmax(y_true) == argmax(y_pred)."""
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    return math_ops.cast(math_ops.equal(reduction_ops.argmax(y_true, axis=-1),
                                        reduction_ops.argmax(y_pred, axis=-1)), backend.floatx())


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where the integer label equals argmax(y_pred); labels may be (batch,) or (batch, 1)."""
    y_true, y_pred = _tensor(y_true), _tensor(y_pred)
    if len(y_true.shape) == len(y_pred.shape) and y_true.shape[-1] == 1:
        y_true = array_ops.squeeze(y_true, axis=-1)
    predicted = reduction_ops.argmax(y_pred, axis=-1)
    labels = math_ops.cast(y_true, "int64")
    return math_ops.cast(math_ops.equal(labels, predicted), backend.floatx())


# -- metric classes ---------------------------------------------------------------------------

class Accuracy(MeanMetricWrapper):
    """How often predictions equal labels."""

    def __init__(self, name: str = "accuracy", dtype: Any = None) -> None:
        super().__init__(accuracy, name, dtype)


class BinaryAccuracy(MeanMetricWrapper):
    """How often (prediction > threshold) matches a 0/1 label."""

    def __init__(self, name: str = "binary_accuracy", dtype: Any = None,
                 threshold: float = 0.5) -> None:
        super().__init__(binary_accuracy, name, dtype, threshold=threshold)


class CategoricalAccuracy(MeanMetricWrapper):
    """How often argmax of one-hot labels equals argmax of predictions."""

    def __init__(self, name: str = "categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(categorical_accuracy, name, dtype)


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often integer labels equal argmax of predictions."""

    def __init__(self, name: str = "sparse_categorical_accuracy", dtype: Any = None) -> None:
        super().__init__(sparse_categorical_accuracy, name, dtype)


class MeanSquaredError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_squared_error", dtype: Any = None) -> None:
        super().__init__(losses.mean_squared_error, name, dtype)


class MeanAbsoluteError(MeanMetricWrapper):
    def __init__(self, name: str = "mean_absolute_error", dtype: Any = None) -> None:
        super().__init__(losses.mean_absolute_error, name, dtype)


_CLASSES: dict[str, type[Metric]] = {
    cls.__name__: cls for cls in (Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                  SparseCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError)
}
_BY_NAME: dict[str, type[Metric]] = {
    "binary_accuracy": BinaryAccuracy, "categorical_accuracy": CategoricalAccuracy,
    "sparse_categorical_accuracy": SparseCategoricalAccuracy,
    "mean_squared_error": MeanSquaredError, "mse": MeanSquaredError,
    "mean_absolute_error": MeanAbsoluteError, "mae": MeanAbsoluteError,
}


def get(identifier: Any) -> Metric:
    """A metric object from a name (``"mae"``), config dict, Metric or per-example function.

    ``"accuracy"`` depends on the labels and the loss; ``compile`` resolves it with
    ``accuracy_for``. Here it means exact-match ``Accuracy``.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        key = identifier.lower()
        if key in ("accuracy", "acc"):
            return Accuracy(name=identifier)
        if key in _BY_NAME:
            return _BY_NAME[key](name=identifier)
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        raise ValueError(f"Unknown metric function: '{identifier}'. Please ensure you are using "
                         f"a known metric name. Known: {sorted(_BY_NAME)} and 'accuracy'.")
    if isinstance(identifier, dict) and identifier.get("class_name") in _CLASSES:
        return _CLASSES[identifier["class_name"]].from_config(identifier.get("config", {}))
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", None))
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def accuracy_for(name: str, loss: Any, y_true: Tensor, y_pred: Tensor) -> Metric:
    """Resolve ``"accuracy"`` in ``compile`` the way Keras does: from the loss and the shapes.

    One output unit (or binary cross-entropy) → binary accuracy; labels of lower rank or a
    trailing 1 against several classes → sparse categorical; otherwise categorical.
    """
    true_shape, pred_shape = tuple(y_true.shape), tuple(y_pred.shape)
    is_binary = (pred_shape[-1:] == (1,) if pred_shape else True) or isinstance(
        loss, losses.BinaryCrossentropy) or loss is losses.binary_crossentropy
    is_sparse = len(true_shape) < len(pred_shape) or (
        true_shape[-1:] == (1,) and pred_shape[-1:] != (1,))
    if is_binary:
        return BinaryAccuracy(name=name)
    if is_sparse:
        return SparseCategoricalAccuracy(name=name)
    return CategoricalAccuracy(name=name)


def serialize(metric: Metric | str) -> Any:
    if isinstance(metric, str):
        return metric
    if type(metric).__name__ in _CLASSES:
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    return None


mse = MSE = losses.mean_squared_error
mae = MAE = losses.mean_absolute_error


# -- metrics over the losses' per-example functions -------------------------------------------

class _LossMetric(MeanMetricWrapper):
    """The running mean of a loss function (Keras 3's metric forms of the losses)."""

    _fn: Callable[..., Tensor]
    _default_name = ""

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(type(self)._fn, name or self._default_name, dtype)


class Hinge(_LossMetric):
    _fn, _default_name = staticmethod(losses.hinge), "hinge"


class SquaredHinge(_LossMetric):
    _fn, _default_name = staticmethod(losses.squared_hinge), "squared_hinge"


class CategoricalHinge(_LossMetric):
    _fn, _default_name = staticmethod(losses.categorical_hinge), "categorical_hinge"


class KLDivergence(_LossMetric):
    _fn, _default_name = staticmethod(losses.kl_divergence), "kl_divergence"


class Poisson(_LossMetric):
    _fn, _default_name = staticmethod(losses.poisson), "poisson"


class LogCoshError(_LossMetric):
    _fn, _default_name = staticmethod(losses.log_cosh), "logcosh"


class MeanAbsolutePercentageError(_LossMetric):
    _fn = staticmethod(losses.mean_absolute_percentage_error)
    _default_name = "mean_absolute_percentage_error"


class MeanSquaredLogarithmicError(_LossMetric):
    _fn = staticmethod(losses.mean_squared_logarithmic_error)
    _default_name = "mean_squared_logarithmic_error"


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """Σ normalize(y_true)·normalize(y_pred) along ``axis`` (the metric is positive)."""
    return math_ops.negative(losses.cosine_similarity(y_true, y_pred, axis=axis))


class CosineSimilarity(MeanMetricWrapper):
    """The mean cosine of the angle between labels and predictions."""

    def __init__(self, name: str = "cosine_similarity", dtype: Any = None,
                 axis: int = -1) -> None:
        super().__init__(cosine_similarity, name, dtype, axis=axis)


class CategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of the categorical cross-entropy."""

    def __init__(self, name: str = "categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0.0,
                 axis: int = -1) -> None:
        super().__init__(losses.categorical_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """The running mean of the sparse categorical cross-entropy."""

    def __init__(self, name: str = "sparse_categorical_crossentropy", dtype: Any = None,
                 from_logits: bool = False, axis: int = -1) -> None:
        super().__init__(losses.sparse_categorical_crossentropy, name, dtype,
                         from_logits=from_logits, axis=axis)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        # integer labels of rank one less than the scores: no squeezing to a common rank
        losses.refuse_masked(y_pred, f"the metric {self.name}")
        Mean.update_state(self, self._fn(_tensor(y_true), _tensor(y_pred), **self._fn_kwargs),
                          sample_weight)


class BinaryCrossentropy(MeanMetricWrapper):
    """The running mean of the binary cross-entropy."""

    def __init__(self, name: str = "binary_crossentropy", dtype: Any = None,
                 from_logits: bool = False, label_smoothing: float = 0.0) -> None:
        super().__init__(losses.binary_crossentropy, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)


from engine.keras.confusion_metrics import (  # noqa: E402,F401 - they build on the classes above
    AUC,
    F1Score,
    FalseNegatives,
    FalsePositives,
    FBetaScore,
    Precision,
    R2Score,
    Recall,
    RootMeanSquaredError,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    TrueNegatives,
    TruePositives,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)

hinge, squared_hinge, categorical_hinge = losses.hinge, losses.squared_hinge, \
    losses.categorical_hinge
kld = KLD = kullback_leibler_divergence = losses.kl_divergence
poisson, logcosh = losses.poisson, losses.log_cosh
mape = MAPE = losses.mean_absolute_percentage_error
msle = MSLE = losses.mean_squared_logarithmic_error
binary_crossentropy = losses.binary_crossentropy
categorical_crossentropy = losses.categorical_crossentropy
sparse_categorical_crossentropy = losses.sparse_categorical_crossentropy
huber = losses.huber

_NEW_CLASSES = (Hinge, SquaredHinge, CategoricalHinge, KLDivergence, Poisson, LogCoshError,
                MeanAbsolutePercentageError, MeanSquaredLogarithmicError, CosineSimilarity,
                CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy,
                AUC, F1Score, FBetaScore, FalseNegatives, FalsePositives, TrueNegatives,
                TruePositives, Precision, Recall, R2Score, RootMeanSquaredError,
                TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy)
_CLASSES.update({cls.__name__: cls for cls in _NEW_CLASSES})
_BY_NAME.update({backend.to_snake_case(cls.__name__): cls for cls in _NEW_CLASSES})
_BY_NAME.update(bce=BinaryCrossentropy, mape=MeanAbsolutePercentageError,
                msle=MeanSquaredLogarithmicError)
