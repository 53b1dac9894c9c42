"""tf.RaggedTensor beyond what it has: every other use raises a NotImplementedError that
names the feature (TensorFlow would compute something; Tapescope must not guess)."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf


@pytest.fixture
def ragged():
    return tf.ragged.constant([[1, 2], [3]])


@pytest.mark.parametrize("use, feature", [
    (lambda r: r + r, r"Ragged arithmetic and comparison \(\+\)"),
    (lambda r: 2 * r, r"\(\*\)"),
    (lambda r: r < 1, r"\(<\)"),
    (lambda r: -r, r"\(-\)"),
    (lambda r: tf.add(r, 1), "as a dense tensor"),
    (lambda r: tf.reduce_sum(r), "as a dense tensor"),
    (lambda r: np.asarray(r), "as a dense tensor"),
    (lambda r: r.with_values(r.flat_values), "tf.RaggedTensor.with_values"),
    (lambda r: r.bounding_shape(), "tf.RaggedTensor.bounding_shape"),
    (lambda r: r[:, 0], r"inside the rows of several rows"),
    (lambda r: r[::2], "with a step"),
    (lambda r: list(r), "Iterating"),
    (lambda r: bool(r), "truth value"),
    (lambda r: r.row_lengths(axis=2), "axis=2"),
    (lambda r: tf.ragged.constant([[1]], ragged_rank=1), "ragged_rank"),
])
def test_what_it_lacks_raises_naming_the_feature(ragged, use, feature):
    with pytest.raises(NotImplementedError, match=feature) as info:
        use(ragged)
    assert "Tapescope" in str(info.value)


def test_private_attributes_stay_attribute_errors(ragged):
    assert not hasattr(ragged, "_as_tensor")  # what convert_to_tensor probes


def test_invalid_row_splits_are_refused():
    with pytest.raises(tf.errors.InvalidArgumentError, match="row_splits"):
        tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="row_splits"):
        tf.RaggedTensor.from_row_splits([1, 2, 3], [0, 3, 2, 3])
