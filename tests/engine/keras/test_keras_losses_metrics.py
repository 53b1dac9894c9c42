"""Losses and metrics against Keras' documented examples and hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import engine as tf
from engine import errors
from engine.keras import losses, metrics

# -- losses: Keras documentation examples -------------------------------------------------------

def test_sparse_categorical_crossentropy_doc_example():
    y_true = [1, 2]
    y_pred = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    scce = losses.SparseCategoricalCrossentropy()
    assert float(scce(y_true, y_pred)) == pytest.approx(1.177, abs=1e-3)
    assert float(scce(y_true, y_pred, sample_weight=[0.3, 0.7])) == pytest.approx(0.814, abs=1e-3)
    summed = losses.SparseCategoricalCrossentropy(reduction="sum")
    assert float(summed(y_true, y_pred)) == pytest.approx(2.354, abs=1e-3)
    none = losses.SparseCategoricalCrossentropy(reduction="none")
    np.testing.assert_allclose(none(y_true, y_pred).numpy(), [0.0513, 2.303], atol=1e-3)
    per = losses.sparse_categorical_crossentropy(y_true, y_pred)
    np.testing.assert_allclose(per.numpy(), [0.0513, 2.303], atol=1e-3)


def test_categorical_crossentropy_doc_example():
    y_true = [[0, 1, 0], [0, 0, 1]]
    y_pred = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    cce = losses.CategoricalCrossentropy()
    assert float(cce(y_true, y_pred)) == pytest.approx(1.177, abs=1e-3)
    assert float(cce(y_true, y_pred, sample_weight=tf.constant([0.3, 0.7]))) == pytest.approx(
        0.814, abs=1e-3)
    assert float(losses.CategoricalCrossentropy(reduction="sum")(y_true, y_pred)) == \
        pytest.approx(2.354, abs=1e-3)


def test_binary_crossentropy_doc_examples():
    y_true = [0, 1, 0, 0]
    y_pred = [-18.6, 0.51, 2.94, -12.8]
    bce = losses.BinaryCrossentropy(from_logits=True)
    assert float(bce(y_true, y_pred)) == pytest.approx(0.865, abs=1e-3)
    probs = losses.BinaryCrossentropy()
    assert float(probs([[0.0, 1.0], [0.0, 0.0]], [[0.6, 0.4], [0.4, 0.6]])) == pytest.approx(
        0.815, abs=1e-3)


def test_mean_squared_and_absolute_error_doc_examples():
    y_true = [[0.0, 1.0], [0.0, 0.0]]
    y_pred = [[1.0, 1.0], [1.0, 0.0]]
    assert float(losses.MeanSquaredError()(y_true, y_pred)) == pytest.approx(0.5)
    assert float(losses.MeanSquaredError()(y_true, y_pred, sample_weight=[0.7, 0.3])) == \
        pytest.approx(0.25)
    assert float(losses.MeanAbsoluteError()(y_true, y_pred)) == pytest.approx(0.5)
    np.testing.assert_allclose(losses.mse(y_true, y_pred).numpy(), [0.5, 0.5])


# -- losses: hand-computed, shapes, dtypes, errors -----------------------------------------------

def test_sparse_crossentropy_clips_probabilities_like_keras():
    # A predicted 0 for the true class costs -log(1e-7 / sum(clipped)), not infinity.
    loss = losses.SparseCategoricalCrossentropy()([0], [[0.0, 1.0]])
    assert float(loss) == pytest.approx(-math.log(1e-7 / (1e-7 + (1 - 1e-7))), rel=1e-5)


def test_sparse_crossentropy_from_logits_matches_log_softmax():
    logits = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, 1.0]], np.float32)
    labels = np.array([0, 2])
    log_p = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    want = -np.mean(log_p[[0, 1], labels])
    got = losses.SparseCategoricalCrossentropy(from_logits=True)(labels, logits)
    assert float(got) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("labels", [
    np.array([1, 2]), np.array([[1], [2]]), np.array([1.0, 2.0], np.float32),
    np.array([1, 2], np.uint8), tf.constant([[1], [2]], dtype=tf.int64)])
def test_sparse_labels_accept_int_float_and_column_shapes(labels):
    y_pred = [[0.05, 0.95, 0], [0.1, 0.8, 0.1]]
    assert float(losses.SparseCategoricalCrossentropy()(labels, y_pred)) == pytest.approx(
        1.177, abs=1e-3)


def test_sparse_label_out_of_range_is_a_clear_error():
    with pytest.raises(errors.InvalidArgumentError, match=r"label value of 3.*\[0, 3\)"):
        losses.SparseCategoricalCrossentropy()([0, 3], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]])
    with pytest.raises(errors.InvalidArgumentError, match="-1"):
        losses.sparse_categorical_crossentropy([-1], [[0.5, 0.5]])


def test_categorical_crossentropy_label_smoothing_and_logits():
    y_true = np.array([[0.0, 1.0, 0.0]])
    logits = np.array([[1.0, 2.0, 0.5]])
    smoothed = y_true * 0.9 + 0.1 / 3
    log_p = logits - np.log(np.exp(logits).sum())
    want = -(smoothed * log_p).sum()
    got = losses.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1)(y_true, logits)
    assert float(got) == pytest.approx(want, rel=1e-5)


def test_loss_gradients_flow_to_predictions():
    logits = tf.Variable([[1.0, 2.0, 0.5]])
    with tf.GradientTape() as tape:
        loss = losses.SparseCategoricalCrossentropy(from_logits=True)([1], logits)
    grad = tape.gradient(loss, logits).numpy()
    p = np.exp([1.0, 2.0, 0.5]) / np.exp([1.0, 2.0, 0.5]).sum()
    np.testing.assert_allclose(grad[0], p - np.array([0, 1, 0]), rtol=1e-5)


def test_losses_get():
    assert isinstance(losses.get("sparse_categorical_crossentropy"),
                      losses.SparseCategoricalCrossentropy)
    assert isinstance(losses.get("mse"), losses.MeanSquaredError)
    assert losses.get(losses.mae) is losses.mae
    with pytest.raises(ValueError, match="loss identifier"):
        losses.get("nope")


# -- metrics: Keras documentation examples ---------------------------------------------------------

def test_mean_and_sum():
    m = metrics.Mean()
    m.update_state([1, 3, 5, 7])
    assert float(m.result()) == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 2.0
    s = metrics.Sum()
    s.update_state([1, 3, 5, 7])
    assert float(s.result()) == 16.0
    result = m.result()
    assert result.dtype == tf.float32 and result.shape == ()


def test_accuracy():
    m = metrics.Accuracy()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]])
    assert float(m.result()) == 0.75
    m.reset_state()
    m.update_state([[1], [2], [3], [4]], [[0], [2], [3], [4]], sample_weight=[1, 1, 0, 0])
    assert float(m.result()) == 0.5


def test_binary_accuracy():
    m = metrics.BinaryAccuracy()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]])
    assert float(m.result()) == 0.75
    m.reset_state()
    m.update_state([[1], [1], [0], [0]], [[0.98], [1], [0], [0.6]], sample_weight=[1, 0, 0, 1])
    assert float(m.result()) == 0.5


def test_categorical_accuracy():
    m = metrics.CategoricalAccuracy()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]])
    assert float(m.result()) == 0.5
    m.reset_state()
    m.update_state([[0, 0, 1], [0, 1, 0]], [[0.1, 0.9, 0.8], [0.05, 0.95, 0]],
                   sample_weight=[0.7, 0.3])
    assert float(m.result()) == pytest.approx(0.3)


def test_sparse_categorical_accuracy():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]])
    assert float(m.result()) == 0.5
    m.reset_state()
    m.update_state([[2], [1]], [[0.1, 0.6, 0.3], [0.05, 0.95, 0]], sample_weight=[0.7, 0.3])
    assert float(m.result()) == pytest.approx(0.3)
    m.reset_state()
    m.update_state(np.array([2, 1], np.uint8), tf.constant([[0.1, 0.6, 0.3], [0.05, 0.95, 0]]))
    assert float(m.result()) == 0.5


def test_mean_squared_and_absolute_error_metrics():
    for cls in (metrics.MeanSquaredError, metrics.MeanAbsoluteError):
        m = cls()
        m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]])
        assert float(m.result()) == 0.25
        m.reset_state()
        m.update_state([[0, 1], [0, 0]], [[1, 1], [0, 0]], sample_weight=[1, 0])
        assert float(m.result()) == 0.5


def test_metrics_accumulate_across_batches_and_call_returns_result():
    m = metrics.SparseCategoricalAccuracy()
    m.update_state([0, 1], [[0.9, 0.1], [0.8, 0.2]])
    assert float(m([1, 1], [[0.1, 0.9], [0.2, 0.8]])) == 0.75


def test_accuracy_string_resolves_from_shapes_and_loss():
    pred = tf.constant([[0.2, 0.8], [0.6, 0.4]])
    assert isinstance(metrics.accuracy_for("accuracy", None, tf.constant([1, 0]), pred),
                      metrics.SparseCategoricalAccuracy)
    assert isinstance(metrics.accuracy_for("accuracy", None, tf.constant([[0, 1], [1, 0]]), pred),
                      metrics.CategoricalAccuracy)
    assert isinstance(metrics.accuracy_for("acc", None, tf.constant([[1]]), tf.constant([[0.3]])),
                      metrics.BinaryAccuracy)
    assert isinstance(metrics.get("mae"), metrics.MeanAbsoluteError)
