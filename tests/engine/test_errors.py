"""Mistakes fail as they fail in TensorFlow: the same exception type, a message that says
what is wrong (both shapes, both dtypes) — never a bare numpy traceback."""

from __future__ import annotations

import inspect
import re
import warnings

import numpy as np
import pytest

import engine as tf
from engine import errors


def _no_numpy_context(exc: BaseException) -> None:
    """The traceback shows the engine's error alone, not numpy's error underneath it."""
    assert exc.__cause__ is None
    assert exc.__context__ is None or exc.__suppress_context__


def test_tf_errors_is_the_engine_errors_module():
    assert tf.errors.InvalidArgumentError is errors.InvalidArgumentError
    assert issubclass(errors.InvalidArgumentError, errors.OpError)
    assert issubclass(errors.OpError, Exception)


# -- shapes ----------------------------------------------------------------------------------

def test_adding_vectors_of_different_lengths_names_both_shapes():
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.constant([1, 2, 3]) + tf.constant([1, 2, 3, 4])
    assert "Incompatible shapes: [3] vs. [4]" in str(info.value)
    assert "[Op:AddV2]" in str(info.value)
    _no_numpy_context(info.value)


def test_non_broadcastable_matrices_name_both_shapes():
    with pytest.raises(errors.InvalidArgumentError, match=re.escape(
            "Incompatible shapes: [2,3] vs. [3,2]")) as info:
        tf.ones([2, 3]) * tf.ones([3, 2])
    assert "[Op:Mul]" in str(info.value)
    _no_numpy_context(info.value)


def test_broadcasting_shapes_are_fine():
    assert (tf.ones([2, 3]) + tf.ones([3])).shape == (2, 3)
    assert (tf.ones([2, 1]) * tf.ones([1, 3])).shape == (2, 3)


def test_matmul_of_mismatched_inner_dimensions():
    a = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(errors.InvalidArgumentError, match=re.escape(
            "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3]")) as info:
        tf.matmul(a, a)
    _no_numpy_context(info.value)
    with pytest.raises(errors.InvalidArgumentError, match=re.escape("Matrix size-incompatible")):
        a @ a


def test_reshape_to_a_different_number_of_elements():
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.reshape(tf.constant([1, 2, 3]), [2, 2])
    assert "Input to reshape is a tensor with 3 values, but the requested shape has 4" in str(
        info.value)


# -- dtypes ----------------------------------------------------------------------------------

def test_adding_int32_to_float32_is_refused_naming_both_dtypes():
    # TensorFlow does not promote; it names dtypes the way its kernels do ("float" = float32)
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.constant([1, 2]) + tf.constant([1.0, 2.0])
    assert str(info.value) == (
        "cannot compute AddV2 as input #1(zero-based) was expected to be a int32 tensor but "
        "is a float tensor [Op:AddV2] name: ")  # TensorFlow 2.21's eager message, verbatim


def test_float32_and_float64_do_not_mix_either():
    with pytest.raises(errors.InvalidArgumentError, match=re.escape(
            "was expected to be a float tensor but is a double tensor [Op:Mul]")):
        tf.constant(1.0) * tf.constant(1.0, dtype=tf.float64)
    with pytest.raises(errors.InvalidArgumentError, match=re.escape(
            "was expected to be a int32 tensor but is a int64 tensor")):
        tf.constant(1) - tf.constant(1, dtype=tf.int64)


def test_matmul_of_float_and_int_matrices_is_refused():
    with pytest.raises(errors.InvalidArgumentError, match=re.escape(
            "cannot compute _MklMatMul as input #1(zero-based) was expected to be a float tensor "
            "but is a int32 tensor")):
        tf.matmul(tf.constant([[1.0, 2.0]]), tf.constant([[1], [2]]))


def test_a_python_float_cannot_join_an_int_tensor():
    with pytest.raises(TypeError, match=re.escape(
            "Cannot convert 1.5 to EagerTensor of dtype int32")):
        tf.constant([1, 2]) + 1.5


def test_a_float_value_cannot_become_an_int_constant():
    with pytest.raises(TypeError, match=re.escape(
            "Cannot convert 1.5 to EagerTensor of dtype int32")):
        tf.constant(1.5, dtype=tf.int32)


def test_converting_a_tensor_to_another_dtype_is_a_value_error():
    with pytest.raises(ValueError, match=re.escape(
            "Tensor conversion requested dtype float32 for Tensor with dtype int32")):
        tf.convert_to_tensor(tf.constant([1, 2]), dtype=tf.float32)


# -- values Python rejects -------------------------------------------------------------------

def test_ragged_lists_are_a_value_error():
    with pytest.raises(ValueError, match=re.escape(
            "Can't convert non-rectangular Python sequence to Tensor.")) as info:
        tf.constant([[1, 2], [3]])
    _no_numpy_context(info.value)


@pytest.mark.parametrize("bad_index", ["a", 1.5, [0, 1.5], tf.constant(1.0)])
def test_indexing_with_something_that_is_not_an_index_is_a_type_error(bad_index):
    with pytest.raises(TypeError, match=re.escape(
            "Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
            "tf.int32/tf.int64 tensors are valid indices")):
        tf.constant([1, 2, 3])[bad_index]


def test_an_index_past_the_end_is_an_invalid_argument():
    with pytest.raises(errors.InvalidArgumentError, match="out of bounds") as info:
        tf.constant([1, 2, 3])[5]
    assert "[Op:StridedSlice]" in str(info.value)
    _no_numpy_context(info.value)


def test_len_of_a_scalar_is_a_type_error():
    with pytest.raises(TypeError, match=re.escape("Scalar tensor has no `len()`")):
        len(tf.constant(1))


def test_iterating_a_scalar_is_a_type_error():
    with pytest.raises(TypeError, match="Cannot iterate over a scalar tensor"):
        iter(tf.constant(1))


def test_a_tensor_has_no_name_in_eager_mode():
    with pytest.raises(AttributeError, match="Tensor.name is undefined when eager execution"):
        _ = tf.constant(1).name


# -- arithmetic TensorFlow refuses -----------------------------------------------------------

def test_integer_division_by_zero():
    with pytest.raises(errors.InvalidArgumentError, match="Integer division by zero") as info:
        tf.constant(5) // 0
    _no_numpy_context(info.value)


def test_float_division_by_zero_is_infinity():
    assert np.isinf((tf.constant(5.0) / 0).numpy())


def test_integers_to_negative_powers():
    with pytest.raises(errors.InvalidArgumentError,
                       match="Integers to negative integer powers are not allowed"):
        tf.constant(2) ** -1


# -- Variables ---------------------------------------------------------------------------------

def test_assigning_a_value_of_another_shape_names_both_shapes():
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(ValueError) as info:
        v.assign([1.0, 2.0, 3.0])
    message = str(info.value)
    assert "Shape mismatch" in message
    assert "(2,)" in message and "(3,)" in message
    assert v.numpy().tolist() == [1.0, 2.0]  # unchanged


def test_assign_add_needs_exactly_the_variable_shape():
    # TensorFlow's AssignAddVariableOp does not broadcast
    v = tf.Variable([1.0, 2.0])
    with pytest.raises(errors.InvalidArgumentError, match=re.escape(
            "Cannot update variable with shape [2] using a Tensor with shape [3], shapes must "
            "be equal.")):
        v.assign_add([1.0, 2.0, 3.0])
    with pytest.raises(errors.InvalidArgumentError, match=re.escape(
            "Cannot update variable with shape [2] using a Tensor with shape []")):
        v.assign_sub(1.0)
    assert v.numpy().tolist() == [1.0, 2.0]


def test_assigning_a_tensor_of_another_dtype_is_a_value_error():
    v = tf.Variable(1.0)
    with pytest.raises(ValueError, match=re.escape(
            "Tensor conversion requested dtype float32 for Tensor with dtype int32")):
        v.assign(tf.constant(2))
    assert v.numpy() == 1.0


def test_a_variable_needs_an_initial_value():
    with pytest.raises(ValueError, match="initial_value"):
        tf.Variable()


# -- numpy's warnings ------------------------------------------------------------------------

def _caught(call) -> list:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    return caught


def test_an_op_that_overflows_prints_no_numpy_warning_as_tensorflow_prints_none():
    big = tf.constant([1e30])
    caught = _caught(lambda: (tf.square(big), big * big, tf.math.log(-big), big / 0.0))
    assert [str(w.message) for w in caught] == []
    assert np.isinf(tf.square(big).numpy()).all() and np.isnan(tf.math.log(-big).numpy()).all()


def test_an_op_whose_kernel_calls_numpys_python_functions_is_silent_too():
    big = tf.constant([1e30, -1e30, 3e38])
    caught = _caught(lambda: tf.math.cumprod(big))  # np.cumprod: numpy's fromnumeric.py
    assert [str(w.message) for w in caught] == []
    assert np.isinf(tf.math.cumprod(big).numpy()[1:]).all()


def test_no_numpy_warning_under_a_tape_or_in_a_function_either():
    w = tf.Variable([1e30])

    @tf.function
    def square(x):
        return x * x

    with tf.GradientTape() as tape:
        caught = _caught(lambda: (w * w, square(w)))
        loss = tf.reduce_sum(w * w)
    caught += _caught(lambda: tape.gradient(loss, w))
    assert [str(w.message) for w in caught] == []


def test_the_users_own_numpy_still_warns_at_the_users_line():
    big = np.array([1e30], np.float32)
    caught = _caught(lambda: (tf.square(tf.constant(big)), np.square(big)))
    line = inspect.currentframe().f_lineno - 1
    assert [(str(w.message), w.filename, w.lineno, w.category) for w in caught] == [
        ("overflow encountered in square", __file__, line, RuntimeWarning)]


def test_the_users_numpy_in_a_dataset_generator_warns_at_the_users_line():
    def squares():
        yield np.square(np.array([1e30], np.float32))
    line = inspect.currentframe().f_lineno - 1
    dataset = tf.data.Dataset.from_generator(
        squares, output_signature=tf.TensorSpec([1], tf.float32))
    caught = _caught(lambda: list(dataset))
    assert [(str(w.message), w.lineno) for w in caught] == [
        ("overflow encountered in square", line)]


def test_a_repeated_numpy_warning_of_the_users_shows_once_per_line_by_default():
    big = np.array([1e30], np.float32)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for _ in range(3):
            np.square(big)
    assert len(caught) == 1 and caught[0].filename == __file__
