"""Parity cases for the numeric bugs and errors issue 11 listed: small programs run once by
real TensorFlow (``make_fixtures.py`` stores what it computed in ``fixtures_numerics.json``)
and by the engine in the suite.

Each case is code run with ``tf`` (TensorFlow or the engine) and ``np`` in scope; it leaves
its answer in ``result`` (a tensor, a number, or a list/tuple of them; gradients included).
If TensorFlow raises, the fixture keeps the exception's class name and the engine must raise
the same class. One list serves both sides, so a case cannot drift from its fixture.
"""

from __future__ import annotations

# (name, code). Names are stable: they key the fixtures.
CASES: list[tuple[str, str]] = [
    # -- float64 literals keep their precision -------------------------------------------------
    ("constant_float64_literal", "result = tf.constant(0.1, dtype=tf.float64)"),
    ("variable_float64_list", "result = tf.Variable([0.3], dtype=tf.float64).read_value()"),
    ("float64_op_with_python_list",
     "result = tf.add(tf.constant([1.0], dtype=tf.float64), [0.1])"),
    # -- sigmoid and friends keep their tails ----------------------------------------------
    ("sigmoid_tail_float32",
     "result = tf.sigmoid(tf.constant([-20., -15., -5., 0., 5., 15., 20.]))"),
    ("sigmoid_tail_float64",
     "result = tf.sigmoid(tf.constant([-40., -20., -1., 0., 1., 20., 40.], tf.float64))"),
    ("log_sigmoid_of_sigmoid_value_and_gradient", """
x = tf.constant([-100., -20., 0., 20.])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.math.log(tf.sigmoid(x))
result = [y, tape.gradient(y, x)]
"""),
    ("silu_tail", "result = tf.nn.silu(tf.constant([-30., -20., -1., 0., 3.]))"),
    ("softplus_gradient_tail", """
x = tf.constant([-30., -20., 0., 20., 30.])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.nn.softplus(x)
result = [y, tape.gradient(y, x)]
"""),
    ("gelu_exact_tail", "result = tf.nn.gelu(tf.constant([-6., -3., -1., 0., 2.]))"),
    ("gelu_exact_tail_float64",
     "result = tf.nn.gelu(tf.constant([-10., -6., -1., 0., 2.], tf.float64))"),
    # -- gradients where the upstream gradient is zero ---------------------------------------
    ("sqrt_where_idiom_gradient", """
x = tf.constant([0., 4., -1.])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.where(x > 0, tf.sqrt(x), 0.)
result = tape.gradient(y, x)
"""),
    ("rsqrt_where_idiom_gradient", """
x = tf.constant([0., 4.])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.where(x > 0, tf.math.rsqrt(x), 0.)
result = tape.gradient(y, x)
"""),
    ("reciprocal_where_idiom_gradient", """
x = tf.constant([0., 4.])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.where(x != 0, tf.math.reciprocal(x), 0.)
result = tape.gradient(y, x)
"""),
    ("cumprod_gradient_at_zero", """
x = tf.constant([2., 0., 3., 4.])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.math.cumprod(x)
result = [y, tape.gradient(y, x)]
"""),
    # -- floor division ---------------------------------------------------------------------
    ("float_floordiv", "result = tf.constant([1.0, 7.0, -7.0, 0.3]) // tf.constant([0.1, 2.0, 2.0, 0.1])"),
    ("float_floordiv_inf", "result = tf.constant([-np.inf, np.inf, 5.0]) // tf.constant([1.0, 1.0, np.inf])"),
    ("float64_floordiv", "result = tf.constant([1.0, 2.9], tf.float64) // tf.constant([0.1, 0.1], tf.float64)"),
    # -- reductions of empty tensors and empty axes ------------------------------------------
    ("mean_of_empty", "result = tf.reduce_mean(tf.zeros((0,)))"),
    ("variance_of_empty", "result = tf.math.reduce_variance(tf.zeros((0, 3)), axis=0)"),
    ("std_of_empty", "result = tf.math.reduce_std(tf.zeros((0,)))"),
    ("mean_of_empty_gradient", """
x = tf.zeros((0, 2))
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.reduce_mean(x)
result = tape.gradient(y, x)
"""),
    ("logsumexp_empty_axis", "result = tf.reduce_logsumexp(tf.constant([[1., 2.], [3., 4.]]), axis=[])"),
    ("reshape_empty_with_minus_one", "result = tf.reshape(tf.zeros((0, 6)), [0, -1])"),
    # -- dtypes of results -------------------------------------------------------------------
    ("truediv_int8", "result = tf.constant([7, 3], tf.int8) / tf.constant([2, 2], tf.int8)"),
    ("truediv_uint16", "result = tf.constant([7, 3], tf.uint16) / tf.constant([2, 4], tf.uint16)"),
    ("truediv_int16_function", "result = tf.math.truediv(tf.constant([7], tf.int16), tf.constant([2], tf.int16))"),
    ("truediv_int32", "result = tf.constant([7, 3]) / tf.constant([2, 2])"),
    ("one_hot_int_on_value", "result = tf.one_hot([0, 2], 3, on_value=7, off_value=0)"),
    ("range_float64_tensor", "result = tf.range(tf.constant(3.0, tf.float64))"),
    # -- silently wrong answers --------------------------------------------------------------
    ("bias_add_nchw", """
value = tf.reshape(tf.range(12, dtype=tf.float32), (1, 3, 2, 2))
result = tf.nn.bias_add(value, tf.constant([10., 20., 30.]), data_format="NCHW")
"""),
    ("clip_by_value_lo_above_hi", "result = tf.clip_by_value(tf.constant([1., 5., 9.]), 6., 4.)"),
    ("gather_nd_batch_dims", """
params = tf.reshape(tf.range(12), (2, 3, 2))
result = tf.gather_nd(params, [[1], [2]], batch_dims=1)
"""),
    ("concat_axis_out_of_range", "result = tf.concat([tf.ones((2, 2)), tf.ones((2, 2))], axis=2)"),
    ("argmax_ignores_nan", "result = tf.argmax(tf.constant([1., np.nan, 3., 2.]))"),
    ("argmin_ignores_nan", "result = tf.argmin(tf.constant([[4., np.nan], [np.nan, 1.]]), axis=0)"),
    ("unsorted_segment_sum_negative_ids",
     "result = tf.math.unsorted_segment_sum(tf.constant([1., 2., 3., 4.]), [0, -1, 1, 0], 2)"),
    ("max_pool_ignores_nan", """
x = tf.reshape(tf.constant([1., np.nan, 3., 2.]), (1, 2, 2, 1))
result = tf.nn.max_pool2d(x, 2, 2, "VALID")
"""),
    ("softmax_cross_entropy_gradient_unnormalized_labels", """
logits = tf.constant([[1., 2., 3.], [0.5, 0.5, -1.]])
labels = tf.constant([[0.5, 0.5, 0.5], [0., 2., 0.]])
with tf.GradientTape() as tape:
    tape.watch(logits)
    loss = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
result = [loss, tape.gradient(loss, logits)]
"""),
    # -- errors where TensorFlow raises, of TensorFlow's class --------------------------------
    ("duplicate_reduction_axes", "result = tf.reduce_sum(tf.ones((2, 3)), axis=[1, 1])"),
    ("reduce_sum_of_bool", "result = tf.reduce_sum(tf.constant([True, False]))"),
    ("slice_out_of_bounds", "result = tf.slice(tf.range(5), [3], [4])"),
    ("range_going_the_wrong_way", "result = tf.range(5, 0, 1)"),
    ("equal_of_mixed_dtypes", "result = tf.equal(tf.constant([1, 2]), tf.constant([1.0, 2.0]))"),
    ("constant_too_big_for_float32", "result = tf.constant([1e40], dtype=tf.float32)"),
    ("bias_add_of_a_vector", "result = tf.nn.bias_add(tf.constant([1., 2.]), tf.constant([1., 2.]))"),
    ("divide_of_mixed_dtypes", "result = tf.divide(tf.constant([1, 2]), tf.constant([1.0, 2.0]))"),
    ("gather_with_float_indices", "result = tf.gather(tf.constant([1., 2., 3.]), tf.constant([0.0, 1.0]))"),
    ("one_hot_with_float_indices", "result = tf.one_hot(tf.constant([0.0, 1.0]), 3)"),
    ("add_of_mixed_dtypes_in_a_function", """
@tf.function
def f(x, y):
    return x + y
result = f(tf.constant(1.0), tf.constant(2))
"""),
    ("add_of_mixed_dtypes_eager", "result = tf.add(tf.constant(1.0), tf.constant(2))"),
    # -- forward values of ops the engine added for parity -----------------------------------
    ("erfc_values", "result = tf.math.erfc(tf.constant([-3., -1., 0., 0.5, 2., 6.]))"),
    ("reciprocal_values", "result = tf.math.reciprocal(tf.constant([0.5, -4., 0.]))"),
    ("reciprocal_of_integers", "result = tf.math.reciprocal(tf.constant([1, 2, -1]))"),
    ("divide_no_nan_values_and_gradients", """
x = tf.constant([1., 2., 0., 3.])
y = tf.constant([2., 0., 0., -1.])
with tf.GradientTape(persistent=True) as tape:
    tape.watch([x, y])
    z = tf.math.divide_no_nan(x, y)
result = [z, tape.gradient(z, x), tape.gradient(z, y)]
"""),
    ("divide_no_nan_of_integers", "result = tf.math.divide_no_nan(tf.constant([1, 2]), tf.constant([0, 1]))"),
    # -- Adam as Keras 3 rounds it -----------------------------------------------------------
    ("adam_on_a_scalar_variable", """
v = tf.Variable(1.0)
opt = tf.keras.optimizers.Adam(learning_rate=0.1)
for g in (0.5, -0.25, 1.0):
    opt.apply_gradients([(tf.constant(g), v)])
result = v.read_value()
"""),
    ("adam_on_a_vector_many_steps", """
v = tf.Variable([1.0, -2.0, 3.0, 0.001])
opt = tf.keras.optimizers.Adam(learning_rate=0.01)
for step in range(20):
    g = tf.constant([0.3, -0.7, 0.05, 1e-4]) * (1.0 + 0.1 * step)
    opt.apply_gradients([(g, v)])
result = v.read_value()
"""),
]

# Float64 results are compared to 1e-6 relative, except these, with why.
FLOAT64_RTOL: dict[str, tuple[float, str]] = {
    "gelu_exact_tail_float64": (2e-6, "TensorFlow's float64 erfc is off by ~2e-6 relative "
                                      "at -10/√2; the engine's math.erfc is exact"),
    "constant_float64_literal": (0, "a literal converts exactly"),
    "variable_float64_list": (0, "a literal converts exactly"),
    "float64_op_with_python_list": (0, "a literal converts exactly"),
    "float64_floordiv": (0, "floor of a float64 quotient: exact"),
}

# Float32 results compared bit for bit (the rest within a few ulp): Keras 3's rounding order.
EXACT_FLOAT32 = {"adam_on_a_scalar_variable", "adam_on_a_vector_many_steps"}
