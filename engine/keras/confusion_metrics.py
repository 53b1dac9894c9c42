"""Threshold metrics (Precision, Recall, AUC, TruePositives…), F1/FBeta, R2 and top-k
accuracy: the classification and regression metrics of ``tf.keras.metrics`` that keep
counts rather than a running mean, computed as Keras 3 computes them.

A prediction counts as positive when it is strictly greater than a threshold; a label
counts as positive when it is non-zero. Counts are float32 variables updated with engine
ops, so a traced ``train_step`` carries them too.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from engine.keras import backend, losses
from engine.keras.metrics import Mean, MeanMetricWrapper, Metric, _tensor
from engine.ops import array_ops, math_ops, nn_ops, ordering_ops, reduction_ops
from engine.tensor import Tensor, convert_to_tensor

NEG_INF = -1e10  # Keras' stand-in for -inf when filtering top-k predictions


def _auto_name(name: str | None, cls: type) -> str:
    """Keras 3 names these metrics like layers when no name is given: ``precision``,
    ``precision_1``…"""
    return name or backend.unique_object_name(backend.to_snake_case(cls.__name__))


def _parse_thresholds(thresholds: Any, default: float) -> list[float]:
    if thresholds is None:
        return [default]
    items = [float(t) for t in (thresholds if isinstance(thresholds, list | tuple)
                                else [thresholds])]
    for t in items:
        if not 0 <= t <= 1:
            raise ValueError(f"Threshold values must be in [0, 1]. Received: {thresholds}")
    return items


def _filter_top_k(x: Tensor, k: int) -> Tensor:
    """Keep each row's k largest predictions; the others become -1e10."""
    _, idx = ordering_ops.top_k(x, k)
    keep = reduction_ops.reduce_sum(array_ops.one_hot(idx, x.shape[-1], dtype=x.dtype),
                                    axis=-2)
    return math_ops.add(math_ops.multiply(x, keep),
                        math_ops.multiply(NEG_INF, math_ops.subtract(1.0, keep)))


def update_confusion_counts(variables: dict[str, Tensor], y_true: Any, y_pred: Any,
                            thresholds: list[float], top_k: int | None = None,
                            class_id: int | None = None, sample_weight: Any = None) -> None:
    """Add the (weighted) counts of true/false positives/negatives at each threshold to
    ``variables`` (keys ``tp``, ``fp``, ``tn``, ``fn``), as Keras 3's
    update_confusion_matrix_variables does for one label set."""
    y_pred = math_ops.cast(_tensor(y_pred), "float32")
    y_true = math_ops.cast(_tensor(y_true), "float32")
    y_pred, y_true = losses.squeeze_or_expand(y_pred, y_true)
    weight = None
    if sample_weight is not None:
        weight = array_ops.expand_dims(math_ops.cast(_tensor(sample_weight), "float32"), -1)
        rank_t, rank_w = len(y_true.shape), len(weight.shape)
        if rank_w == rank_t + 1 and weight.shape[-1] == 1:
            weight = array_ops.squeeze(weight, -1)
    if top_k is not None:
        y_pred = _filter_top_k(y_pred, top_k)
    if class_id is not None:
        if len(y_pred.shape) == 1:
            raise ValueError("When class_id is provided, y_pred must be a 2D array with shape "
                             f"(num_samples, num_classes), found shape: {y_pred.shape}")
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    if weight is not None:
        weight = array_ops.reshape(array_ops.broadcast_to(weight, tuple(y_pred.shape)), [1, -1])
    preds = array_ops.reshape(y_pred, [1, -1])
    labels = array_ops.reshape(math_ops.not_equal(y_true, 0.0), [1, -1])
    thresh = convert_to_tensor(np.asarray(thresholds, np.float32).reshape(-1, 1))
    pred_pos = math_ops.greater(preds, thresh)  # (thresholds, values)
    pred_neg = math_ops.logical_not(pred_pos)
    label_neg = math_ops.logical_not(labels)
    conditions = {"tp": (labels, pred_pos), "fp": (label_neg, pred_pos),
                  "tn": (label_neg, pred_neg), "fn": (labels, pred_neg)}
    for key, var in variables.items():
        label, pred = conditions[key]
        both = math_ops.logical_and(label, pred)
        if weight is None:
            counted = math_ops.cast(both, "float32")
        else:
            counted = math_ops.where(both, array_ops.broadcast_to(
                weight, tuple(both.shape)), 0.0)
        var.assign(math_ops.add(var, reduction_ops.reduce_sum(counted, axis=1)))


class _ThresholdCount(Metric):
    """TruePositives, FalsePositives, TrueNegatives, FalseNegatives: one count per
    threshold (a scalar when there is one threshold)."""

    _key = "tp"

    def __init__(self, thresholds: Any = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(_auto_name(name, type(self)), dtype)
        self.init_thresholds = thresholds
        self.thresholds = _parse_thresholds(thresholds, 0.5)
        self.accumulator = self.add_variable("accumulator", (len(self.thresholds),))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_counts({self._key: self.accumulator}, y_true, y_pred,
                                self.thresholds, sample_weight=sample_weight)

    def result(self) -> Tensor:
        if len(self.thresholds) == 1:
            return self.accumulator[0]
        return self.accumulator  # the live counts, as Keras 3 returns them (not a copy)

    def get_config(self) -> dict:
        return dict(super().get_config(), thresholds=self.init_thresholds)


class TruePositives(_ThresholdCount):
    """The (weighted) number of positive labels predicted positive."""


class FalsePositives(_ThresholdCount):
    """The (weighted) number of negative labels predicted positive."""

    _key = "fp"


class TrueNegatives(_ThresholdCount):
    """The (weighted) number of negative labels predicted negative."""

    _key = "tn"


class FalseNegatives(_ThresholdCount):
    """The (weighted) number of positive labels predicted negative."""

    _key = "fn"


class _PrecisionRecall(Metric):
    """tp / (tp + fp) (Precision) or tp / (tp + fn) (Recall), per threshold."""

    _other = "fp"

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None,
                 dtype: Any = None) -> None:
        super().__init__(_auto_name(name, type(self)), dtype)
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        self.thresholds = _parse_thresholds(thresholds, 0.5 if top_k is None else NEG_INF)
        n = (len(self.thresholds),)
        self.true_positives = self.add_variable("true_positives", n)
        other = "false_positives" if self._other == "fp" else "false_negatives"
        self._other_count = self.add_variable(other, n)
        setattr(self, other, self._other_count)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        update_confusion_counts({"tp": self.true_positives, self._other: self._other_count},
                                y_true, y_pred, self.thresholds, self.top_k, self.class_id,
                                sample_weight)

    def result(self) -> Tensor:
        value = math_ops.divide_no_nan(self.true_positives,
                                       math_ops.add(self.true_positives, self._other_count))
        return value[0] if len(self.thresholds) == 1 else value

    def get_config(self) -> dict:
        return dict(super().get_config(), thresholds=self.init_thresholds, top_k=self.top_k,
                    class_id=self.class_id)


class Precision(_PrecisionRecall):
    """Of the predictions above the threshold, the fraction whose label is positive."""


class Recall(_PrecisionRecall):
    """Of the positive labels, the fraction predicted above the threshold."""

    _other = "fn"


class AUC(Metric):
    """The area under the ROC (or precision-recall) curve, from confusion counts at
    ``num_thresholds`` thresholds (Keras 3's: i/(n-1), with -ε and 1+ε at the ends)."""

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC",
                 summation_method: str = "interpolation", name: str | None = None,
                 dtype: Any = None, thresholds: Any = None, multi_label: bool = False,
                 num_labels: int | None = None, label_weights: Any = None,
                 from_logits: bool = False) -> None:
        if multi_label or num_labels is not None or label_weights is not None:
            raise ValueError("AUC: multi_label, num_labels and label_weights are not "
                             "supported by Tapescope.")
        curve, summation_method = str(curve).upper(), str(summation_method).lower()
        if curve not in ("ROC", "PR"):
            raise ValueError(f'Invalid AUCCurve value: "{curve}". Expected values are '
                             '["PR", "ROC"] (Tapescope has no PRGAIN)')
        if summation_method not in ("interpolation", "majoring", "minoring"):
            raise ValueError(f'Invalid AUC summation method value: "{summation_method}". '
                             'Expected values are ["interpolation", "majoring", "minoring"]')
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            inner = sorted(float(t) for t in thresholds)
            self.num_thresholds = len(inner) + 2
        else:
            if num_thresholds <= 1:
                raise ValueError("Argument `num_thresholds` must be an integer > 1. "
                                 f"Received: num_thresholds={num_thresholds}")
            self.num_thresholds = int(num_thresholds)
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
        eps = backend.epsilon()
        self._thresholds = [0.0 - eps, *inner, 1.0 + eps]
        self.curve, self.summation_method = curve, summation_method
        self.multi_label, self.num_labels, self.label_weights = False, None, None
        self._from_logits = bool(from_logits)
        super().__init__(_auto_name(name, type(self)), dtype)
        n = (self.num_thresholds,)
        self.true_positives = self.add_variable("true_positives", n)
        self.false_positives = self.add_variable("false_positives", n)
        self.true_negatives = self.add_variable("true_negatives", n)
        self.false_negatives = self.add_variable("false_negatives", n)

    @property
    def thresholds(self) -> list[float]:
        return list(self._thresholds)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        if self._from_logits:
            y_pred = nn_ops.sigmoid(_tensor(y_pred))
        update_confusion_counts({"tp": self.true_positives, "tn": self.true_negatives,
                                 "fp": self.false_positives, "fn": self.false_negatives},
                                y_true, y_pred, self._thresholds, sample_weight=sample_weight)

    def _interpolate_pr_auc(self) -> Tensor:
        """Davis & Goadrich's interpolation of precision between thresholds."""
        n = self.num_thresholds
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = math_ops.subtract(tp[:n - 1], tp[1:])
        p = math_ops.add(tp, fp)
        dp = math_ops.subtract(p[:n - 1], p[1:])
        slope = math_ops.divide_no_nan(dtp, math_ops.maximum(dp, 0.0))
        intercept = math_ops.subtract(tp[1:], math_ops.multiply(slope, p[1:]))
        ratio = math_ops.where(
            math_ops.logical_and(math_ops.greater(p[:n - 1], 0.0), math_ops.greater(p[1:], 0.0)),
            math_ops.divide_no_nan(p[:n - 1], math_ops.maximum(p[1:], 0.0)),
            array_ops.ones_like(p[1:]))
        increment = math_ops.divide_no_nan(
            math_ops.multiply(slope, math_ops.add(dtp, math_ops.multiply(
                intercept, math_ops.log(ratio)))),
            math_ops.maximum(math_ops.add(tp[1:], fn[1:]), 0.0))
        return reduction_ops.reduce_sum(increment)

    def result(self) -> Tensor:
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolate_pr_auc()
        n = self.num_thresholds
        tp, fp = self.true_positives, self.false_positives
        tn, fn = self.true_negatives, self.false_negatives
        recall = math_ops.divide_no_nan(tp, math_ops.add(tp, fn))
        if self.curve == "ROC":
            x, y = math_ops.divide_no_nan(fp, math_ops.add(fp, tn)), recall
        else:
            x, y = recall, math_ops.divide_no_nan(tp, math_ops.add(tp, fp))
        if self.summation_method == "interpolation":
            heights = math_ops.divide(math_ops.add(y[:n - 1], y[1:]), 2.0)
        elif self.summation_method == "minoring":
            heights = math_ops.minimum(y[:n - 1], y[1:])
        else:
            heights = math_ops.maximum(y[:n - 1], y[1:])
        return reduction_ops.reduce_sum(math_ops.multiply(
            math_ops.subtract(x[:n - 1], x[1:]), heights))

    def get_config(self) -> dict:
        config = dict(super().get_config(), num_thresholds=self.num_thresholds,
                      curve=self.curve, summation_method=self.summation_method,
                      multi_label=False, num_labels=None, label_weights=None,
                      from_logits=self._from_logits)
        if self._init_from_thresholds:
            config["thresholds"] = self._thresholds[1:-1]
        return config


class FBetaScore(Metric):
    """(1 + β²)·precision·recall / (β²·precision + recall) per class, or averaged
    (``micro``, ``macro``, ``weighted``); predictions are each row's maximum, or the
    values above ``threshold``."""

    def __init__(self, average: str | None = None, beta: float = 1.0,
                 threshold: float | None = None, name: str = "fbeta_score",
                 dtype: Any = None) -> None:
        super().__init__(name, dtype)
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("Invalid `average` argument value. Expected one of: {None, "
                             f"'micro', 'macro', 'weighted'}}. Received: average={average}")
        if not isinstance(beta, float):
            raise ValueError("Invalid `beta` argument value. It should be a Python float. "
                             f"Received: beta={beta} of type '{type(beta)}'")
        if beta <= 0.0:
            raise ValueError(f"Invalid `beta` argument value. It should be > 0. Received: "
                             f"beta={beta}")
        if threshold is not None and (not isinstance(threshold, float)
                                      or not 0.0 < threshold <= 1.0):
            raise ValueError("Invalid `threshold` argument value. It should be a Python float "
                             f"with 0 < threshold <= 1. Received: threshold={threshold}")
        self.average, self.beta, self.threshold = average, beta, threshold
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, true_shape: tuple, pred_shape: tuple) -> None:
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(f"{type(self).__name__} expects 2D inputs with shape (batch_size, "
                             f"output_dim). Received input shapes: y_pred.shape={pred_shape} "
                             f"and y_true.shape={true_shape}.")
        shape = () if self.average == "micro" else (pred_shape[-1],)
        self.true_positives = self.add_variable("true_positives", shape)
        self.false_positives = self.add_variable("false_positives", shape)
        self.false_negatives = self.add_variable("false_negatives", shape)
        self.intermediate_weights = self.add_variable("intermediate_weights", shape)
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true = math_ops.cast(_tensor(y_true), self.dtype)
        y_pred = math_ops.cast(_tensor(y_pred), self.dtype)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        if self.threshold is None:
            top = reduction_ops.reduce_max(y_pred, axis=-1, keepdims=True)
            hit = math_ops.logical_and(math_ops.greater_equal(y_pred, top),
                                       math_ops.greater(math_ops.abs(y_pred), 1e-9))
        else:
            hit = math_ops.greater(y_pred, self.threshold)
        y_pred = math_ops.cast(hit, self.dtype)
        weight = None if sample_weight is None else math_ops.cast(_tensor(sample_weight),
                                                                  self.dtype)

        def weighted_sum(v: Tensor) -> Tensor:
            if weight is not None:
                v = math_ops.multiply(v, array_ops.expand_dims(weight, 1))
            return reduction_ops.reduce_sum(v, axis=self.axis)

        not_pred, not_true = math_ops.subtract(1.0, y_pred), math_ops.subtract(1.0, y_true)
        self.true_positives.assign_add(weighted_sum(math_ops.multiply(y_pred, y_true)))
        self.false_positives.assign_add(weighted_sum(math_ops.multiply(y_pred, not_true)))
        self.false_negatives.assign_add(weighted_sum(math_ops.multiply(not_pred, y_true)))
        self.intermediate_weights.assign_add(weighted_sum(y_true))

    def result(self) -> Tensor:
        if not self._built:
            raise ValueError(f"{type(self).__name__} has seen no data: call update_state "
                             "first.")
        eps = backend.epsilon()
        tp = self.true_positives
        precision = math_ops.divide(tp, math_ops.add(math_ops.add(tp, self.false_positives),
                                                     eps))
        recall = math_ops.divide(tp, math_ops.add(math_ops.add(tp, self.false_negatives), eps))
        beta2 = self.beta ** 2
        mean = math_ops.divide(math_ops.multiply(precision, recall),
                               math_ops.add(math_ops.add(math_ops.multiply(beta2, precision),
                                                         recall), eps))
        score = math_ops.multiply(mean, 1 + beta2)
        if self.average == "weighted":
            w = self.intermediate_weights
            weights = math_ops.divide(w, math_ops.add(reduction_ops.reduce_sum(w), eps))
            return reduction_ops.reduce_sum(math_ops.multiply(score, weights))
        if self.average is not None:
            return reduction_ops.reduce_mean(score)
        return score

    def get_config(self) -> dict:
        return dict(super().get_config(), beta=self.beta, average=self.average,
                    threshold=self.threshold)


class F1Score(FBetaScore):
    """The harmonic mean of precision and recall (FBetaScore with β = 1)."""

    def __init__(self, average: str | None = None, threshold: float | None = None,
                 name: str = "f1_score", dtype: Any = None) -> None:
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name,
                         dtype=dtype)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """The coefficient of determination 1 - SS_res / SS_tot per output, averaged
    (``uniform_average``, ``variance_weighted_average``) or not (None)."""

    def __init__(self, class_aggregation: str | None = "uniform_average",
                 num_regressors: int = 0, name: str = "r2_score", dtype: Any = None) -> None:
        super().__init__(name, dtype)
        if class_aggregation not in (None, "uniform_average", "variance_weighted_average"):
            raise ValueError("Invalid value for argument `class_aggregation`. Expected one of "
                             "(None, 'uniform_average', 'variance_weighted_average'). "
                             f"Received: class_aggregation={class_aggregation}")
        if num_regressors < 0:
            raise ValueError("Invalid value for argument `num_regressors`. Expected a value "
                             f">= 0. Received: num_regressors={num_regressors}")
        self.class_aggregation, self.num_regressors = class_aggregation, num_regressors
        self.num_samples = self.add_variable("num_samples")
        self._built = False

    def _build(self, true_shape: tuple, pred_shape: tuple) -> None:
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError("R2Score expects 2D inputs with shape (batch_size, output_dim). "
                             f"Received input shapes: y_pred.shape={pred_shape} and "
                             f"y_true.shape={true_shape}.")
        n = (pred_shape[-1],)
        self.squared_sum = self.add_variable("squared_sum", n)
        self.sum = self.add_variable("sum", n)
        self.total_mse = self.add_variable("residual", n)
        self.count = self.add_variable("count", n)
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true = math_ops.cast(_tensor(y_true), self.dtype)
        y_pred = math_ops.cast(_tensor(y_pred), self.dtype)
        y_true, y_pred = losses.squeeze_or_expand(y_true, y_pred)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        weight = math_ops.cast(_tensor(1.0 if sample_weight is None else sample_weight),
                               self.dtype)
        if len(weight.shape) == 1:
            weight = array_ops.expand_dims(weight, 1)
        weight = array_ops.broadcast_to(weight, tuple(y_true.shape))
        weighted = math_ops.multiply(y_true, weight)
        self.sum.assign_add(reduction_ops.reduce_sum(weighted, axis=0))
        self.squared_sum.assign_add(reduction_ops.reduce_sum(
            math_ops.multiply(y_true, weighted), axis=0))
        self.total_mse.assign_add(reduction_ops.reduce_sum(math_ops.multiply(
            math_ops.square(math_ops.subtract(y_true, y_pred)), weight), axis=0))
        self.count.assign_add(reduction_ops.reduce_sum(weight, axis=0))
        self.num_samples.assign_add(float(math.prod(y_true.shape)))

    def result(self) -> Tensor:
        if not self._built:
            raise ValueError("R2Score has seen no data: call update_state first.")
        mean = math_ops.divide(self.sum, self.count)
        total = math_ops.subtract(self.squared_sum, math_ops.multiply(self.sum, mean))
        raw = math_ops.subtract(1.0, math_ops.divide(self.total_mse, total))
        raw = math_ops.where(math_ops.is_inf(raw), 0.0, raw)
        if self.class_aggregation == "uniform_average":
            score = reduction_ops.reduce_mean(raw)
        elif self.class_aggregation == "variance_weighted_average":
            score = math_ops.divide(reduction_ops.reduce_sum(math_ops.multiply(total, raw)),
                                    reduction_ops.reduce_sum(total))
        else:
            score = raw
        if self.num_regressors != 0:
            n = float(self.num_samples.numpy())
            if self.num_regressors > n - 1:
                warnings.warn("More independent predictors than datapoints in adjusted R2 "
                              "score. Falling back to standard R2 score.", stacklevel=2)
            elif self.num_regressors == n - 1:
                warnings.warn("Division by zero in adjusted R2 score. Falling back to "
                              "standard R2 score.", stacklevel=2)
            else:
                score = math_ops.subtract(1.0, math_ops.divide(
                    math_ops.multiply(math_ops.subtract(1.0, score), n - 1.0),
                    n - float(self.num_regressors) - 1.0))
        return score

    def get_config(self) -> dict:
        return dict(super().get_config(), class_aggregation=self.class_aggregation,
                    num_regressors=self.num_regressors)


def _in_top_k(targets: Tensor, predictions: Tensor, k: int) -> Tensor:
    """tf.math.in_top_k: the target's score is finite and fewer than k scores beat it
    (ties at the boundary count as in the top k)."""
    classes = predictions.shape[-1]
    target_score = reduction_ops.reduce_sum(math_ops.multiply(
        array_ops.one_hot(targets, classes, dtype=predictions.dtype), predictions), axis=-1)
    beaten_by = reduction_ops.reduce_sum(math_ops.cast(math_ops.greater(
        predictions, array_ops.expand_dims(target_score, -1)), "int32"), axis=-1)
    return math_ops.logical_and(math_ops.less(beaten_by, k), math_ops.is_finite(target_score))


def _top_k_matches(labels: Tensor, y_pred: Tensor, k: int) -> Tensor:
    shape = tuple(labels.shape)
    if len(y_pred.shape) > 2:
        y_pred = array_ops.reshape(y_pred, [-1, y_pred.shape[-1]])
    flat = array_ops.reshape(labels, [-1]) if len(shape) > 1 else labels
    matches = math_ops.cast(_in_top_k(math_ops.cast(flat, "int32"), y_pred, k),
                            backend.floatx())
    return array_ops.reshape(matches, shape) if len(shape) > 1 else matches


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Tensor:
    """1.0 where the one-hot label's class is among the k highest predictions."""
    y_pred = _tensor(y_pred)
    labels = reduction_ops.argmax(math_ops.cast(_tensor(y_true), y_pred.dtype), axis=-1)
    return _top_k_matches(labels, y_pred, k)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5,
                                      from_sorted_ids: bool = False) -> Tensor:
    """1.0 where the integer label is among the k highest predictions."""
    if from_sorted_ids:
        raise ValueError("sparse_top_k_categorical_accuracy: from_sorted_ids is not supported "
                         "by Tapescope.")
    y_pred = _tensor(y_pred)
    labels = math_ops.cast(_tensor(y_true), "int32")
    if len(labels.shape) == len(y_pred.shape) and labels.shape[-1] == 1:
        labels = array_ops.squeeze(labels, -1)
    return _top_k_matches(labels, y_pred, k)


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label is among the k highest predictions."""

    def __init__(self, k: int = 5, name: str = "top_k_categorical_accuracy",
                 dtype: Any = None) -> None:
        super().__init__(top_k_categorical_accuracy, name, dtype, k=k)
        self.k = k

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        Mean.update_state(self, top_k_categorical_accuracy(y_true, y_pred, self.k),
                          sample_weight)


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the k highest predictions."""

    def __init__(self, k: int = 5, name: str = "sparse_top_k_categorical_accuracy",
                 dtype: Any = None, from_sorted_ids: bool = False) -> None:
        super().__init__(sparse_top_k_categorical_accuracy, name, dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        Mean.update_state(self, sparse_top_k_categorical_accuracy(y_true, y_pred, self.k),
                          sample_weight)


class RootMeanSquaredError(Mean):
    """√(mean of (y_pred - y_true)²) over everything seen."""

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true = math_ops.cast(_tensor(y_true), self.dtype)
        y_pred = math_ops.cast(_tensor(y_pred), self.dtype)
        y_true, y_pred = losses.squeeze_or_expand(y_true, y_pred)
        super().update_state(math_ops.square(math_ops.subtract(y_pred, y_true)), sample_weight)

    def result(self) -> Tensor:
        return math_ops.sqrt(super().result())
