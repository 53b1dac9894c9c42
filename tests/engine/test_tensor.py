"""Tensors, Variables and the functions that make them, as TensorFlow 2's eager mode has them.

Every expected value below is what TensorFlow 2 returns or prints for the same code.
"""

from __future__ import annotations

import operator

import numpy as np
import pytest

import engine as tf
from engine.shape import TensorShape

# -- the eager runtime ---------------------------------------------------------------------


def test_version_is_a_tensorflow_2_version_string():
    assert isinstance(tf.__version__, str)
    assert int(tf.__version__.split(".")[0]) == 2


def test_eager_execution_is_on_and_the_v1_switch_is_accepted():
    assert tf.executing_eagerly() is True
    assert tf.compat.v1.enable_eager_execution() is None
    assert tf.executing_eagerly() is True


# -- dtypes and conversion -----------------------------------------------------------------

@pytest.mark.parametrize(("value", "dtype"), [
    (1, tf.int32),
    ([1, 2, 3], tf.int32),
    (1.5, tf.float32),
    ([1.0, 2.0], tf.float32),
    ([1, 2.5], tf.float32),
    (True, tf.bool),
    (2**40, tf.int64),  # too big for int32
])
def test_python_values_get_tensorflow_default_dtypes(value, dtype):
    assert tf.constant(value).dtype == dtype
    assert tf.convert_to_tensor(value).dtype == dtype


@pytest.mark.parametrize(("array", "dtype"), [
    (np.array([1.0, 2.0]), tf.float64),
    (np.array([1, 2], dtype=np.int64), tf.int64),
    (np.float64(1.5), tf.float64),
    (np.array([1, 2], dtype=np.uint8), tf.uint8),
])
def test_numpy_values_keep_their_dtype(array, dtype):
    assert tf.constant(array).dtype == dtype


@pytest.mark.parametrize("dtype", [
    tf.float16, tf.float32, tf.float64, tf.int8, tf.int16, tf.int32, tf.int64, tf.uint8,
    tf.bool,
])
def test_constant_takes_every_supported_dtype(dtype):
    t = tf.constant([0, 1], dtype=dtype)
    assert t.dtype == dtype
    assert t.numpy().dtype == np.dtype(dtype.as_numpy_dtype)
    assert t.numpy().tolist() == [0, 1]  # [False, True] for bool, which equals [0, 1]


def test_dtypes_are_named_and_classified_like_tensorflows():
    assert repr(tf.float32) == "tf.float32"
    assert tf.float32.name == "float32"
    assert tf.as_dtype("int64") == tf.int64
    assert tf.as_dtype(np.float16) == tf.float16
    assert tf.float16.is_floating and not tf.float16.is_integer
    assert tf.uint8.is_integer and tf.uint8.is_unsigned
    assert tf.bool.is_bool
    assert tf.half == tf.float16 and tf.double == tf.float64


def test_constant_casts_python_values_to_the_requested_dtype():
    t = tf.constant([1, 2], dtype=tf.float64)
    assert t.dtype == tf.float64
    assert t.numpy().tolist() == [1.0, 2.0]


def test_constant_with_shape_fills_a_scalar_and_reshapes_a_list():
    assert tf.constant(7, shape=[2, 3]).numpy().tolist() == [[7, 7, 7], [7, 7, 7]]
    assert tf.constant([1, 2, 3, 4], shape=(2, 2)).numpy().tolist() == [[1, 2], [3, 4]]


def test_convert_to_tensor_passes_tensors_through_and_converts_everything_else():
    t = tf.constant([1.0, 2.0])
    assert tf.convert_to_tensor(t) is t
    assert tf.convert_to_tensor([[1, 2]]).shape == (1, 2)
    assert tf.convert_to_tensor(1.5, dtype=tf.float64).dtype == tf.float64


def test_convert_to_tensor_packs_a_list_of_tensors():
    packed = tf.convert_to_tensor([tf.constant(1.0), tf.constant(2.0)])
    assert packed.shape == (2,)
    assert packed.numpy().tolist() == [1.0, 2.0]


# -- creating tensors ----------------------------------------------------------------------

def test_zeros_and_ones_are_float32_unless_told_otherwise():
    z = tf.zeros([2, 3])
    assert z.dtype == tf.float32 and z.shape == (2, 3)
    assert not z.numpy().any()
    o = tf.ones(3, dtype=tf.int32)
    assert o.dtype == tf.int32 and o.numpy().tolist() == [1, 1, 1]


def test_fill_takes_its_dtype_from_the_value():
    assert tf.fill([2], 7).numpy().tolist() == [7, 7]
    assert tf.fill([2], 7).dtype == tf.int32
    assert tf.fill([2, 2], 1.5).dtype == tf.float32


def test_range_counts_like_python_range():
    assert tf.range(5).numpy().tolist() == [0, 1, 2, 3, 4]
    assert tf.range(5).dtype == tf.int32
    assert tf.range(3, 10, 2).numpy().tolist() == [3, 5, 7, 9]
    floats = tf.range(1.0, 2.0, 0.5)
    assert floats.dtype == tf.float32 and floats.numpy().tolist() == [1.0, 1.5]
    assert tf.range(3, dtype=tf.float32).dtype == tf.float32


def test_zeros_like_and_ones_like_keep_shape_and_dtype():
    x = tf.constant([[1, 2], [3, 4]])
    assert tf.zeros_like(x).dtype == tf.int32
    assert tf.zeros_like(x).numpy().tolist() == [[0, 0], [0, 0]]
    y = tf.constant([1.0, 2.0, 3.0])
    assert tf.ones_like(y).dtype == tf.float32
    assert tf.ones_like(y).numpy().tolist() == [1.0, 1.0, 1.0]


def test_eye_is_an_identity_matrix():
    assert tf.eye(2).numpy().tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert tf.eye(2).dtype == tf.float32
    assert tf.eye(2, 3, dtype=tf.int32).numpy().tolist() == [[1, 0, 0], [0, 1, 0]]


@pytest.fixture
def unset_global_seed_afterwards():
    """Tests that set the global seed leave it unset again for the tests after them."""
    yield
    tf.random.set_seed(None)


@pytest.mark.usefixtures("unset_global_seed_afterwards")
def test_the_same_global_seed_gives_the_same_random_values():
    tf.random.set_seed(1234)
    first = [tf.random.normal([3]).numpy(), tf.random.uniform([2, 2]).numpy()]
    tf.random.set_seed(1234)
    second = [tf.random.normal([3]).numpy(), tf.random.uniform([2, 2]).numpy()]
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])


@pytest.mark.usefixtures("unset_global_seed_afterwards")
def test_successive_draws_and_different_op_seeds_give_different_values():
    tf.random.set_seed(7)
    a, b = tf.random.normal([4]), tf.random.normal([4])
    assert not np.array_equal(a.numpy(), b.numpy())
    tf.random.set_seed(7)
    seeded_1 = tf.random.uniform([4], seed=1)
    seeded_2 = tf.random.uniform([4], seed=2)
    assert not np.array_equal(seeded_1.numpy(), seeded_2.numpy())
    tf.random.set_seed(7)
    np.testing.assert_array_equal(tf.random.uniform([4], seed=1).numpy(), seeded_1.numpy())


@pytest.mark.usefixtures("unset_global_seed_afterwards")
def test_random_values_have_the_requested_shape_dtype_and_range():
    tf.random.set_seed(3)
    n = tf.random.normal([2, 3], mean=5.0, stddev=0.1, dtype=tf.float64)
    assert n.shape == (2, 3) and n.dtype == tf.float64
    assert np.all(np.abs(n.numpy() - 5.0) < 1.0)
    u = tf.random.uniform([1000], minval=2.0, maxval=3.0)
    assert u.dtype == tf.float32
    assert np.all((u.numpy() >= 2.0) & (u.numpy() < 3.0))
    ints = tf.random.uniform([100], 0, 10, dtype=tf.int32)
    assert ints.dtype == tf.int32 and set(ints.numpy().tolist()) <= set(range(10))


def test_cast_truncates_floats_toward_zero_and_converts_booleans():
    assert tf.cast(tf.constant([1.7, -1.7]), tf.int32).numpy().tolist() == [1, -1]
    assert tf.cast(tf.constant([1, 2]), tf.float32).dtype == tf.float32
    assert tf.cast(tf.constant([0.0, 2.5]), tf.bool).numpy().tolist() == [False, True]
    assert tf.cast(tf.constant([True]), tf.float16).numpy().tolist() == [1.0]


def test_shape_rank_and_size_are_int32_tensors():
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    assert tf.shape(x).numpy().tolist() == [2, 3]
    assert tf.shape(x).dtype == tf.int32
    assert tf.rank(x).numpy() == 2 and tf.rank(x).dtype == tf.int32
    assert tf.size(x).numpy() == 6 and tf.size(x).dtype == tf.int32


# -- Variables -----------------------------------------------------------------------------

def test_a_variable_has_a_name_shape_dtype_and_is_trainable_by_default():
    v = tf.Variable([[1.0, 2.0]])
    assert v.name == "Variable:0"
    assert v.shape == (1, 2)
    assert v.dtype == tf.float32
    assert v.trainable is True
    assert tf.Variable(1.0, name="weights").name == "weights:0"
    assert tf.Variable(1.0, trainable=False).trainable is False


def test_variable_dtype_follows_the_value_or_the_dtype_argument():
    assert tf.Variable(1).dtype == tf.int32
    v = tf.Variable(3, dtype=tf.float32)
    assert v.dtype == tf.float32 and v.numpy() == 3.0


def test_variable_takes_a_callable_initial_value():
    v = tf.Variable(lambda: tf.ones([2]))
    assert v.numpy().tolist() == [1.0, 1.0]


def test_assign_assign_add_and_assign_sub_change_the_value_in_place():
    v = tf.Variable([1.0, 2.0])
    assert v.assign([3.0, 4.0]) is not None
    assert v.numpy().tolist() == [3.0, 4.0]
    v.assign_add([1.0, 1.0])
    assert v.numpy().tolist() == [4.0, 5.0]
    v.assign_sub([0.5, 0.5])
    assert v.numpy().tolist() == [3.5, 4.5]
    s = tf.Variable(1.0)
    s.assign(5)  # a Python int converts to the variable's float32
    assert s.dtype == tf.float32 and s.numpy() == 5.0


def test_read_value_is_a_tensor_that_later_assignments_do_not_change():
    v = tf.Variable(1.0)
    read = v.read_value()
    v.assign(2.0)
    assert not isinstance(read, tf.Variable)
    assert read.numpy() == 1.0
    assert v.numpy() == 2.0


def test_variables_work_in_expressions_like_tensors():
    w = tf.Variable(2.0)
    assert (w * tf.Variable(3.0)).numpy() == 6.0
    assert (w + 1).numpy() == 3.0
    assert (tf.constant(1.0) + w).numpy() == 3.0
    m = tf.Variable([[1.0], [1.0]])
    assert (tf.constant([[1.0, 2.0]]) @ m).numpy().tolist() == [[3.0]]
    assert float(w) == 2.0
    assert f"{w:.2f}" == "2.00"


def test_writing_into_numpy_of_a_variable_does_not_change_the_variable():
    # TensorFlow's .numpy() is a copy of the contents
    v = tf.Variable([1.0, 2.0])
    exported = v.numpy()
    exported[0] = 99.0
    assert v.numpy().tolist() == [1.0, 2.0]
    t = tf.constant([1, 2])
    t.numpy()[0] = 99
    assert t.numpy().tolist() == [1, 2]


# -- arithmetic ----------------------------------------------------------------------------

@pytest.mark.parametrize(("op", "x", "y", "expected"), [
    (operator.add, [1, 2, 3], [4, 5, 6], [5, 7, 9]),
    (operator.sub, [1, 2, 3], [4, 5, 6], [-3, -3, -3]),
    (operator.mul, [1, 2, 3], [4, 5, 6], [4, 10, 18]),
    (operator.floordiv, [7, -7, 6], [2, 2, 3], [3, -4, 2]),  # floor, as Python
    (operator.mod, [7, -7, 6], [3, 3, 4], [1, 2, 2]),  # floormod: sign of the divisor
    (operator.pow, [2, 3, 4], [3, 2, 0], [8, 9, 1]),
])
def test_int32_operators_stay_int32(op, x, y, expected):
    result = op(tf.constant(x), tf.constant(y))
    assert result.dtype == tf.int32
    assert result.numpy().tolist() == expected


def test_true_division_of_int32_tensors_gives_float64():
    # TensorFlow's truediv casts int32 (and int64) to float64 before dividing
    result = tf.constant([3, 1]) / tf.constant([2, 4])
    assert result.dtype == tf.float64
    assert result.numpy().tolist() == [1.5, 0.25]


def test_float_operators():
    x, y = tf.constant([1.0, 4.0]), tf.constant([2.0, 8.0])
    assert (x / y).numpy().tolist() == [0.5, 0.5]
    assert (x ** 2).numpy().tolist() == [1.0, 16.0]
    assert (y // 3).numpy().tolist() == [0.0, 2.0]
    assert (tf.constant(-7.5) % 2).numpy() == 0.5
    assert (x / y).dtype == tf.float32


def test_python_scalars_take_the_tensor_dtype_on_either_side():
    f = tf.constant([1.0, 2.0])
    assert (f * 2).dtype == tf.float32 and (2 * f).numpy().tolist() == [2.0, 4.0]
    assert (2 - tf.constant(1.0)).numpy() == 1.0
    assert (2 ** tf.constant(3.0)).numpy() == 8.0
    i = tf.constant([1, 2])
    assert (i + 1).dtype == tf.int32 and (i + 1).numpy().tolist() == [2, 3]


def test_numpy_arrays_combine_with_tensors_into_tensors():
    result = np.array([1.0, 2.0]) + tf.constant([1.0, 2.0])
    assert isinstance(result, tf.Tensor)
    assert result.dtype == tf.float32
    assert result.numpy().tolist() == [2.0, 4.0]


def test_matmul_operator_multiplies_matrices():
    product = tf.constant([[1, 2], [3, 4]]) @ tf.constant([[5, 6], [7, 8]])
    assert product.dtype == tf.int32
    assert product.numpy().tolist() == [[19, 22], [43, 50]]
    assert tf.matmul(tf.constant([[1, 2], [3, 4]]), tf.constant([[5, 6], [7, 8]])).numpy(
    ).tolist() == [[19, 22], [43, 50]]


def test_unary_minus_and_abs():
    x = tf.constant([-3, 4])
    assert (-x).numpy().tolist() == [3, -4]
    assert abs(x).numpy().tolist() == [3, 4]
    assert abs(x).dtype == tf.int32


@pytest.mark.parametrize(("op", "expected"), [
    (operator.lt, [True, False, False]),
    (operator.le, [True, True, False]),
    (operator.gt, [False, False, True]),
    (operator.ge, [False, True, True]),
    (operator.eq, [False, True, False]),
    (operator.ne, [True, False, True]),
])
def test_comparisons_are_elementwise_bool_tensors(op, expected):
    result = op(tf.constant([1, 2, 3]), tf.constant([2, 2, 2]))
    assert result.dtype == tf.bool
    assert result.numpy().tolist() == expected


def test_comparing_with_none_is_false_not_an_error():
    assert (tf.constant(1) == None) is False  # noqa: E711 - the operator is under test
    assert (tf.constant(1) != None) is True  # noqa: E711


def test_logical_operators_on_bool_tensors():
    a, b = tf.constant([True, False]), tf.constant([True, True])
    assert (a & b).numpy().tolist() == [True, False]
    assert (a | b).numpy().tolist() == [True, True]
    assert (~a).numpy().tolist() == [False, True]


# -- indexing ------------------------------------------------------------------------------

@pytest.fixture
def cube():
    return tf.constant(np.arange(24, dtype=np.int32).reshape(2, 3, 4))


def test_integer_index_drops_the_axis(cube):
    assert cube[1].shape == (3, 4)
    assert cube[1, 2].numpy().tolist() == [20, 21, 22, 23]
    assert cube[1, 2, 3].numpy() == 23
    assert cube[-1, -1, -1].numpy() == 23


def test_slices_keep_the_axis_and_take_steps(cube):
    assert cube[:, 1:].shape == (2, 2, 4)
    assert cube[0, 0, ::2].numpy().tolist() == [0, 2]
    assert cube[0, 0, ::-1].numpy().tolist() == [3, 2, 1, 0]
    assert tf.constant([1, 2, 3])[1:5].numpy().tolist() == [2, 3]  # clipped like Python


def test_ellipsis_and_newaxis(cube):
    assert cube[..., 0].numpy().tolist() == [[0, 4, 8], [12, 16, 20]]
    assert cube[tf.newaxis].shape == (1, 2, 3, 4)
    assert cube[:, tf.newaxis, 1].shape == (2, 1, 4)
    assert tf.constant([1, 2, 3])[tf.newaxis, ..., 1:].numpy().tolist() == [[2, 3]]
    assert tf.newaxis is None


def test_a_scalar_integer_tensor_is_a_valid_index(cube):
    assert cube[tf.constant(1), 0, 0].numpy() == 12
    assert [10, 20, 30][tf.constant(2)] == 30  # __index__


# -- Python protocols ----------------------------------------------------------------------

def test_format_spec_formats_a_scalar_like_a_python_number():
    loss = tf.constant(0.024567)
    assert f"{loss:.4f}" == "0.0246"
    assert f"{tf.constant(44):5d}" == "   44"
    assert f"{tf.constant([1, 2, 3])}" == "[1 2 3]"


def test_bool_float_and_int_of_scalar_tensors():
    assert bool(tf.constant(0)) is False
    assert bool(tf.constant(2.5)) is True
    assert float(tf.constant(2.5)) == 2.5
    assert int(tf.constant(7)) == 7
    assert int(tf.constant(7.9)) == 7


def test_numpy_asarray_sees_the_values_and_dtype():
    arr = np.asarray(tf.constant([[1, 2], [3, 4]]))
    assert isinstance(arr, np.ndarray)
    assert arr.dtype == np.int32 and arr.tolist() == [[1, 2], [3, 4]]
    assert np.array(tf.constant([1, 2]), dtype=np.float64).dtype == np.float64


def test_iterating_a_tensor_walks_its_first_axis():
    rows = list(tf.constant([[1, 2], [3, 4]]))
    assert len(rows) == 2
    assert all(isinstance(r, tf.Tensor) and r.shape == (2,) for r in rows)
    assert [r.numpy().tolist() for r in rows] == [[1, 2], [3, 4]]
    assert len(tf.constant([[1, 2], [3, 4], [5, 6]])) == 3


def test_numpy_returns_a_numpy_scalar_for_rank_0_and_an_array_otherwise():
    scalar = tf.constant(3).numpy()
    assert isinstance(scalar, np.int32) and scalar == 3
    assert isinstance(tf.constant(1.5).numpy(), np.float32)
    vector = tf.constant([1, 2]).numpy()
    assert isinstance(vector, np.ndarray) and vector.dtype == np.int32


def test_shape_dtype_and_ndim():
    t = tf.constant([[1.0, 2.0, 3.0]])
    assert isinstance(t.shape, TensorShape)
    assert t.shape == (1, 3) and t.shape == [1, 3]
    assert t.shape.as_list() == [1, 3] and t.shape.rank == 2
    assert str(t.shape) == "(1, 3)" and repr(t.shape) == "TensorShape([1, 3])"
    assert str(tf.constant([1]).shape) == "(1,)" and str(tf.constant(1).shape) == "()"
    assert t.dtype == tf.float32
    assert t.ndim == 2 and tf.constant(1).ndim == 0


def test_tensors_are_unhashable_but_their_ref_is_hashable():
    t = tf.constant(1)
    with pytest.raises(TypeError, match=r"Tensor is unhashable\. Instead, use tensor\.ref\(\)"):
        hash(t)
    table = {t.ref(): "one"}
    assert table[t.ref()] == "one"
    assert t.ref().deref() is t


# -- how tensors print ---------------------------------------------------------------------

def test_str_of_a_vector():
    assert str(tf.constant([5, 7, 9])) == "tf.Tensor([5 7 9], shape=(3,), dtype=int32)"


def test_str_of_a_matrix_starts_on_a_new_line():
    assert str(tf.constant([[19, 22], [43, 50]])) == (
        "tf.Tensor(\n[[19 22]\n [43 50]], shape=(2, 2), dtype=int32)")


def test_str_of_scalars():
    assert str(tf.constant(1.5)) == "tf.Tensor(1.5, shape=(), dtype=float32)"
    assert str(tf.constant(True)) == "tf.Tensor(True, shape=(), dtype=bool)"
    assert str(tf.constant(3, dtype=tf.int64)) == "tf.Tensor(3, shape=(), dtype=int64)"


def test_repr_of_a_vector_shows_the_numpy_array():
    assert repr(tf.constant([5, 7, 9])) == (
        "<tf.Tensor: shape=(3,), dtype=int32, numpy=array([5, 7, 9], dtype=int32)>")
    assert repr(tf.constant([1.0, 2.5])) == (
        "<tf.Tensor: shape=(2,), dtype=float32, numpy=array([1. , 2.5], dtype=float32)>")


def test_repr_of_a_matrix_starts_the_array_on_a_new_line():
    assert repr(tf.constant([[1, 2], [3, 4]])) == (
        "<tf.Tensor: shape=(2, 2), dtype=int32, numpy=\n"
        "array([[1, 2],\n       [3, 4]], dtype=int32)>")


def test_repr_of_scalars_shows_the_python_value():
    assert repr(tf.constant(1)) == "<tf.Tensor: shape=(), dtype=int32, numpy=1>"
    assert repr(tf.constant(1.5)) == "<tf.Tensor: shape=(), dtype=float32, numpy=1.5>"
    assert repr(tf.constant(False)) == "<tf.Tensor: shape=(), dtype=bool, numpy=False>"


def test_repr_and_str_of_variables():
    v = tf.Variable(0.0)
    assert repr(v) == "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=0.0>"
    assert str(v) == repr(v)
    row = tf.Variable([[1.0, 2.0]], name="w")
    assert repr(row) == (
        "<tf.Variable 'w:0' shape=(1, 2) dtype=float32, numpy=array([[1., 2.]], dtype=float32)>")
    m = tf.Variable([[1, 2], [3, 4]])
    assert repr(m) == ("<tf.Variable 'Variable:0' shape=(2, 2) dtype=int32, numpy=\n"
                       "array([[1, 2],\n       [3, 4]], dtype=int32)>")
