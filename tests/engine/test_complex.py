"""Complex tensors: made, printed and combined elementwise (parity cases in 'guides'); the
tape refuses to differentiate them rather than give a silent None where TensorFlow gives a
gradient."""

from __future__ import annotations

import pytest

import engine as tf


def test_a_gradient_with_respect_to_a_complex_variable_is_refused_by_name() -> None:
    z = tf.Variable([1 + 2j])
    with tf.GradientTape() as tape:
        y = z * z
    with pytest.raises(tf.errors.UnimplementedError,
                       match=r"Gradients of complex tensors \(complex128\) are not implemented"):
        tape.gradient(y, z)


def test_complex_dtypes_are_named_as_tensorflow_names_them() -> None:
    assert tf.as_dtype("complex64") == tf.complex64
    assert str(tf.constant(1j).dtype) == "<dtype: 'complex128'>"
    assert tf.complex64.is_complex and not tf.float32.is_complex
