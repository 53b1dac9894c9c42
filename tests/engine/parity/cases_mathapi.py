"""Parity cases for the tf / tf.math functions of issue 11's list: tf.py_function and
tf.numpy_function, the graph helpers (ensure_shape, identity_n, get_static_value, ...),
scan/fold/switch_case/case, searches and index arithmetic, the min/max/sub tensor scatters,
TensorFlow's initializers and the inverse/hyperbolic trigonometry with its gradients."""

from __future__ import annotations

_X = "x = tf.constant([0.25, -0.5, 0.75], tf.float64)\n"


def _gradient(expression: str, setup: str = _X, source: str = "x") -> str:
    return (setup + "with tf.GradientTape() as tape:\n"
            f"    tape.watch({source})\n    y = {expression}\n"
            f"result = [y, tape.gradient(y, {source})]\n")


_PY = "x = tf.constant([1., 2.])\n"

CASES: list[tuple[str, str]] = [
    # -- py_function / numpy_function ---------------------------------------------------------
    ("py_function_single_dtype", _PY + "result = tf.py_function(lambda a: a * a, [x], "
     "tf.float32)"),
    ("py_function_list_dtype", _PY + "result = tf.py_function(lambda a: a * a, [x], "
     "[tf.float32])"),
    ("py_function_two_outputs", _PY + "result = tf.py_function(lambda a, b: (a + b, a * b), "
     "[x, x], [tf.float32, tf.float32])"),
    ("py_function_python_scalar_result", _PY + "result = tf.py_function(lambda a: 3, [x], "
     "tf.int32)"),
    ("py_function_python_inputs", "result = tf.py_function(lambda a, b: a + b, [1., 2.], "
     "tf.float32)"),
    ("py_function_no_inputs", "result = tf.py_function(lambda: tf.constant(5), [], tf.int32)"),
    ("py_function_sees_eager_tensors", _PY + "result = tf.py_function(lambda a: "
     "a.numpy().dtype.name, [x], tf.string)"),
    ("py_function_gradient", _PY + """with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.py_function(lambda a: a * a * a, [x], tf.float32)
result = [y, tape.gradient(y, x)]
"""),
    ("py_function_gradient_variable_input", """v = tf.Variable([1., 2.])
with tf.GradientTape() as tape:
    y = tf.py_function(lambda a: a * 3., [v], tf.float32)
result = tape.gradient(y, v)
"""),
    ("py_function_captured_variable_has_no_gradient", """v = tf.Variable([1., 2.])
with tf.GradientTape() as tape:
    y = tf.py_function(lambda: v * v, [], tf.float32)
result = tape.gradient(y, v)
"""),
    ("py_function_second_order_is_none", _PY + """with tf.GradientTape() as outer:
    outer.watch(x)
    with tf.GradientTape() as inner:
        inner.watch(x)
        y = tf.py_function(lambda a: a * a * a, [x], tf.float32)
    g = inner.gradient(y, x)
result = [g, outer.gradient(g, x)]
"""),
    ("py_function_in_tf_function_runs_each_call", _PY + """calls = []
def g(a):
    calls.append(1)
    return a + float(len(calls))
@tf.function
def h(a):
    return tf.py_function(g, [a], tf.float32) * 2.
result = [h(x), h(x), h(x + 1.), len(calls)]
"""),
    ("py_function_gradient_in_tf_function", _PY + """@tf.function
def h(a):
    with tf.GradientTape() as tape:
        tape.watch(a)
        y = tf.py_function(lambda b: b * b, [a], tf.float32)
    return tape.gradient(y, a)
result = [h(x), h(x + 1.)]
"""),
    ("py_function_in_dataset_map", "ds = tf.data.Dataset.range(3).map(lambda i: "
     "tf.py_function(lambda j: j * 10, [i], tf.int64))\nresult = list(ds)"),
    ("py_function_in_dataset_map_strings", """def upper(t):
    return t.numpy().decode('utf-8').upper()
ds = tf.data.Dataset.from_tensor_slices(['ab', 'cd']).map(
    lambda s: tf.py_function(func=upper, inp=[s], Tout=tf.string))
result = list(ds)
"""),
    ("py_function_wrong_dtype", _PY + "result = tf.py_function(lambda a: tf.cast(a, tf.int32), "
     "[x], tf.float32)"),
    ("py_function_wrong_count", _PY + "result = tf.py_function(lambda a: a, [x], "
     "[tf.float32, tf.float32])"),
    ("py_function_raises_value_error", _PY + """def f(a):
    raise ValueError('bad value')
result = tf.py_function(f, [x], tf.float32)
"""),
    ("py_function_raises_other_error", _PY + "result = tf.py_function(lambda a: 1 / 0, [x], "
     "tf.float32)"),
    ("py_function_tout_dict", _PY + "result = tf.py_function(lambda a: a, [x], "
     "{'a': tf.float32})"),
    ("numpy_function_single", _PY + "result = tf.numpy_function(lambda a: a * a, [x], "
     "tf.float32)"),
    ("numpy_function_sees_ndarray", _PY + "result = tf.numpy_function(lambda a: "
     "type(a).__name__, [x], tf.string)"),
    ("numpy_function_two_outputs", _PY + "result = tf.numpy_function(lambda a: (a * a, a), "
     "[x], [tf.float32, tf.float32])"),
    ("numpy_function_eager_keeps_result_dtype", _PY + "result = tf.numpy_function("
     "lambda a: a.astype(np.float64), [x], tf.float32)"),
    ("numpy_function_stateless", _PY + "result = tf.numpy_function(lambda a: a + 1, [x], "
     "tf.float32, stateful=False)"),
    ("numpy_function_no_gradient", _PY + """with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.numpy_function(lambda a: a * a, [x], tf.float32)
result = [y, tape.gradient(y, x)]
"""),
    ("numpy_function_in_tf_function_wrong_dtype", _PY + """@tf.function
def h(a):
    return tf.numpy_function(lambda b: b.astype(np.float64), [a], tf.float32)
result = h(x)
"""),
    ("numpy_function_in_tf_function", _PY + """@tf.function
def h(a):
    return tf.numpy_function(lambda b: np.sort(b)[::-1].copy(), [a], tf.float32) + 1.
result = [h(x), h(tf.constant([3., 1., 2.]))]
"""),
    # -- graph helpers --------------------------------------------------------------------------
    ("version", "result = tf.constant(tf.version.VERSION)"),
    ("identity_n", "result = tf.identity_n([tf.constant([1., 2.]), tf.constant(1)])"),
    ("get_static_value", "result = tf.get_static_value(tf.constant([1., 2.]))"),
    ("get_static_value_in_function", """seen = []
@tf.function
def h(a):
    seen.append(tf.get_static_value(a) is None)
    seen.append(tf.get_static_value(tf.shape(a)))
    return a
h(tf.constant([1., 2.]))
result = [tf.constant(seen[0]), seen[1]]
"""),
    ("ensure_shape", "result = tf.ensure_shape(tf.constant([1., 2.]), [None])"),
    ("ensure_shape_mismatch", "result = tf.ensure_shape(tf.constant([1., 2.]), [3])"),
    ("ensure_shape_rank_mismatch", "result = tf.ensure_shape(tf.constant([1., 2.]), [2, 1])"),
    ("ensure_shape_gradient", _gradient("tf.ensure_shape(x * x, [3])")),
    ("no_op_and_group_are_none", "result = tf.constant([tf.no_op() is None, "
     "tf.group(tf.constant(1)) is None])"),
    ("control_dependencies_block", """x = tf.constant(2.)
with tf.control_dependencies([tf.constant(1.)]):
    result = x * 3.
"""),
    ("inside_function_and_init_scope", """seen = [tf.inside_function()]
@tf.function
def h(a):
    seen.append(tf.inside_function())
    with tf.init_scope():
        seen.append(tf.executing_eagerly())
        seen.append(tf.inside_function())
    return a
h(tf.constant(1.))
result = tf.constant(seen)
"""),
    ("scalar_mul", "result = tf.scalar_mul(2, tf.constant([1., 2.]))"),
    ("scalar_mul_not_scalar", "result = tf.scalar_mul(tf.constant([1., 2.]), "
     "tf.constant([1., 2.]))"),
    ("truncatediv_int", "result = tf.truncatediv([7, -7, 7, -7], [2, 2, -2, -2])"),
    ("truncatemod_int", "result = tf.truncatemod([7, -7, 7, -7], [2, 2, -2, -2])"),
    ("truncatediv_float", "result = tf.truncatediv([7., -7.], [2., 2.])"),
    ("truncatemod_float", "result = tf.truncatemod([7.5, -7.5], [2., 2.])"),
    ("truncatediv_by_zero", "result = tf.truncatediv([7], [0])"),
    # -- searches and index arithmetic ----------------------------------------------------------
    ("searchsorted", "result = tf.searchsorted([[1., 2., 3.]], [[2.5, 0., 3.]])"),
    ("searchsorted_right", "result = tf.searchsorted([1., 2., 2., 3.], [2.], side='right')"),
    ("searchsorted_int64", "result = tf.searchsorted([1., 2., 3.], [2.], out_type=tf.int64)"),
    ("searchsorted_batch", "result = tf.searchsorted([[1, 3, 5], [2, 4, 6]], [[4, 0], "
     "[6, 7]])"),
    ("searchsorted_bad_side", "result = tf.searchsorted([1., 2.], [2.], side='middle')"),
    ("unique_with_counts", "result = list(tf.unique_with_counts([1, 1, 2, 4, 4, 4, 7, 8, 8]))"),
    ("unique_with_counts_int64", "result = list(tf.unique_with_counts([1., 1., 2.], "
     "out_idx=tf.int64))"),
    ("unique_with_counts_2d", "result = tf.unique_with_counts([[1, 1]])"),
    ("unravel_index", "result = tf.unravel_index([2, 5, 7], [3, 3])"),
    ("unravel_index_scalar", "result = tf.unravel_index(5, [3, 3])"),
    ("unravel_index_out_of_bound", "result = tf.unravel_index([9], [3, 3])"),
    ("unravel_index_float", "result = tf.unravel_index([1.], [3, 3])"),
    ("reverse_sequence", "result = tf.reverse_sequence([[1, 2, 3], [4, 5, 6]], [2, 3], "
     "seq_axis=1, batch_axis=0)"),
    ("reverse_sequence_batch_second", "result = tf.reverse_sequence([[1, 2], [3, 4], "
     "[5, 6]], [3, 1], seq_axis=0, batch_axis=1)"),
    ("reverse_sequence_too_long", "result = tf.reverse_sequence([[1, 2, 3], [4, 5, 6]], "
     "[4, 3], seq_axis=1, batch_axis=0)"),
    ("reverse_sequence_gradient", _gradient(
        "tf.reverse_sequence(m * m, [2, 3], seq_axis=1, batch_axis=0) * [[1., 2., 3.]]",
        "m = tf.constant([[1., 2., 3.], [4., 5., 6.]], tf.float64)\n", "m")),
    ("tensor_scatter_nd_sub", "result = tf.tensor_scatter_nd_sub([1, 2, 3, 4], [[1], [3], "
     "[1]], [10, 20, 30])"),
    ("tensor_scatter_nd_min", "result = tf.tensor_scatter_nd_min([1, 2, 3, 4], [[1], [3], "
     "[1]], [0, 20, -5])"),
    ("tensor_scatter_nd_max", "result = tf.tensor_scatter_nd_max([1., 2., 3., 4.], [[1], [3]], "
     "[0., 20.])"),
    ("tensor_scatter_nd_max_gradient", """t = tf.constant([1., 2., 3., 4.], tf.float64)
u = tf.constant([0., 20.], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([t, u])
    y = tf.tensor_scatter_nd_max(t, [[1], [3]], u) * [1., 2., 3., 4.]
result = [y, tape.gradient(y, [t, u])]
"""),
    ("tensor_scatter_nd_sub_gradient", """t = tf.constant([1., 2., 3., 4.], tf.float64)
u = tf.constant([5., 6.], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([t, u])
    y = tf.tensor_scatter_nd_sub(t, [[1], [3]], u) * [1., 2., 3., 4.]
result = [y, tape.gradient(y, [t, u])]
"""),
    # -- scan, fold, switch_case, case ------------------------------------------------------------
    ("scan", "result = tf.scan(lambda a, x: a + x, tf.constant([1, 2, 3, 4]))"),
    ("scan_initializer", "result = tf.scan(lambda a, x: a * x, tf.constant([1., 2., 3.]), "
     "initializer=tf.constant(2.))"),
    ("scan_reverse", "result = tf.scan(lambda a, x: a + x, tf.constant([1, 2, 3]), "
     "reverse=True)"),
    ("scan_tuple", "result = tf.scan(lambda a, x: (a[0] + x, a[1] * x), tf.constant([1, 2, 3]), "
     "initializer=(0, 1))"),
    ("scan_gradient", _gradient("tf.scan(lambda a, e: a * e + 1., x)")),
    ("scan_in_tf_function", "result = tf.function(lambda v: tf.scan(lambda a, e: a + e, v))("
     "tf.constant([1., 2., 3.]))"),
    ("foldl", "result = tf.foldl(lambda a, x: a + x, tf.constant([1, 2, 3]))"),
    ("foldr", "result = tf.foldr(lambda a, x: a - x, tf.constant([1, 2, 3]), initializer=10)"),
    ("foldl_empty", "result = tf.foldl(lambda a, x: a + x, tf.constant([], tf.int32))"),
    ("foldl_gradient", _gradient("tf.foldl(lambda a, e: a * e, x, initializer="
                                 "tf.constant(2., tf.float64))")),
    ("switch_case", "result = tf.switch_case(tf.constant(1), [lambda: tf.constant(10), "
     "lambda: tf.constant(20)])"),
    ("switch_case_out_of_range", "result = tf.switch_case(tf.constant(5), "
     "[lambda: tf.constant(10), lambda: tf.constant(20)])"),
    ("switch_case_default", "result = tf.switch_case(tf.constant(5), [lambda: tf.constant(10)],"
     " default=lambda: tf.constant(-1))"),
    ("switch_case_python_index", "result = tf.switch_case(2, {0: lambda: tf.constant(10), "
     "2: lambda: tf.constant(20)})"),
    ("switch_case_in_tf_function", """@tf.function
def h(i):
    return tf.switch_case(i, [lambda: tf.constant(10), lambda: tf.constant(20),
                              lambda: tf.constant(30)])
result = [h(tf.constant(0)), h(tf.constant(2)), h(tf.constant(1))]
"""),
    ("case", "result = tf.case([(tf.constant(False), lambda: tf.constant(1)), "
     "(tf.constant(True), lambda: tf.constant(2))], default=lambda: tf.constant(3))"),
    ("case_default", "result = tf.case([(tf.constant(False), lambda: tf.constant(1))], "
     "default=lambda: tf.constant(3))"),
    ("case_no_default_none_true", "result = tf.case([(tf.constant(False), "
     "lambda: tf.constant(1))])"),
    ("case_in_tf_function", """@tf.function
def h(x):
    return tf.case([(x < 0, lambda: -x), (x > 10, lambda: x - 10)], default=lambda: x * 2)
result = [h(tf.constant(-3)), h(tf.constant(12)), h(tf.constant(4))]
"""),
    # -- initializers ---------------------------------------------------------------------------
    ("zeros_initializer", "result = tf.zeros_initializer()([2, 2])"),
    ("ones_initializer_int", "result = tf.ones_initializer()([2], tf.int32)"),
    ("constant_initializer_list", "result = tf.constant_initializer([1, 2, 3])([3])"),
    ("constant_initializer_scalar", "result = tf.constant_initializer(5.)([2, 2])"),
    ("constant_initializer_wrong_size", "result = tf.constant_initializer([1, 2])([3])"),
    ("random_normal_initializer_seeded", "init = tf.random_normal_initializer(seed=1)\n"
     "result = [init([2]), init([2])]"),
    ("random_uniform_initializer_seeded", "result = tf.random_uniform_initializer(-1, 1, "
     "seed=1)([2])"),
    ("zeros_initializer_string", "result = tf.zeros_initializer()([2], tf.string)"),
    ("variable_from_initializer", "w = tf.Variable(tf.random_normal_initializer(mean=1., "
     "stddev=2., seed=7)([2, 3], tf.float64))\nresult = w.read_value()"),
    # -- trigonometry and no-NaN products -------------------------------------------------------
    ("acos", _X + "result = tf.math.acos(x)"),
    ("asin", _X + "result = tf.math.asin(x)"),
    ("atan", _X + "result = tf.math.atan(x)"),
    ("sinh", _X + "result = tf.math.sinh(x)"),
    ("cosh", _X + "result = tf.math.cosh(x)"),
    ("asinh", _X + "result = tf.math.asinh(x)"),
    ("acosh", "result = tf.math.acosh(tf.constant([1., 1.5, 3.]))"),
    ("atanh", _X + "result = tf.math.atanh(x)"),
    ("acos_out_of_domain", "result = tf.math.acos(tf.constant([2., -1.]))"),
    ("atanh_at_one", "result = tf.math.atanh(tf.constant([1., -1.]))"),
    ("atan2", "result = tf.math.atan2(tf.constant([1., -1., 0.]), tf.constant([[1.], [-2.]]))"),
    ("acos_int", "result = tf.math.acos(tf.constant([1, 0]))"),
    ("acos_gradient", _gradient("tf.math.acos(x)")),
    ("asin_gradient", _gradient("tf.math.asin(x)")),
    ("atan_gradient", _gradient("tf.math.atan(x)")),
    ("sinh_gradient", _gradient("tf.math.sinh(x)")),
    ("cosh_gradient", _gradient("tf.math.cosh(x)")),
    ("asinh_gradient", _gradient("tf.math.asinh(x)")),
    ("acosh_gradient", _gradient("tf.math.acosh(x + 2.)")),
    ("atanh_gradient", _gradient("tf.math.atanh(x)")),
    ("atan2_gradient", """a = tf.constant([1., -1., 0.5], tf.float64)
b = tf.constant([[1.], [-2.]], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([a, b])
    y = tf.math.atan2(a, b)
result = [y, tape.gradient(y, [a, b])]
"""),
    ("rint", "result = tf.math.rint(tf.constant([-1.5, -0.5, 0.5, 1.5, 2.5, 2.7]))"),
    ("rint_gradient", _gradient("tf.math.rint(x * 3.)")),
    ("multiply_no_nan", "result = tf.math.multiply_no_nan(tf.constant([np.inf, np.nan, 2.]), "
     "tf.constant([0., 0., 3.]))"),
    ("multiply_no_nan_gradient", """a = tf.constant([1., 2., 3.], tf.float64)
b = tf.constant([0., 2., -1.], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([a, b])
    y = tf.math.multiply_no_nan(a, b)
result = [y, tape.gradient(y, [a, b])]
"""),
    ("reciprocal_no_nan", "result = tf.math.reciprocal_no_nan(tf.constant([0., 2., -4.]))"),
    ("reciprocal_no_nan_int", "result = tf.math.reciprocal_no_nan(tf.constant([1, 2]))"),
    ("xdivy", "result = tf.math.xdivy(tf.constant([0., 1., 2.]), tf.constant([0., 0., 4.]))"),
    ("xlog1py", "result = tf.math.xlog1py(tf.constant([0., 1., 2.]), "
     "tf.constant([-1., 0., 1.]))"),
    ("xdivy_gradient", """a = tf.constant([0., 1., 2.], tf.float64)
b = tf.constant([1., 3., 4.], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([a, b])
    y = tf.math.xdivy(a, b)
result = [y, tape.gradient(y, [a, b])]
"""),
    ("xlog1py_gradient", """a = tf.constant([0., 1., 2.], tf.float64)
b = tf.constant([0.5, 3., 4.], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([a, b])
    y = tf.math.xlog1py(a, b)
result = [y, tape.gradient(y, [a, b])]
"""),
    ("math_softmax_log_softmax", "x = tf.constant([[1., 2., 3.]])\n"
     "result = [tf.math.softmax(x), tf.math.log_softmax(x)]"),
]

_SEG = ("d = tf.constant([[1., 2.], [3., -4.], [5., 6.], [0., 8.]], tf.float64)\n"
        "ids = tf.constant([0, 0, 2, 2])\n")


def _seg_gradient(expression: str) -> str:
    return _gradient(expression, _SEG, "d")


CASES += [
    # -- segment reductions ---------------------------------------------------------------------
    ("segment_max", _SEG + "result = tf.math.segment_max(d, ids)"),
    ("segment_min", _SEG + "result = tf.math.segment_min(d, ids)"),
    ("segment_mean", _SEG + "result = tf.math.segment_mean(d, ids)"),
    ("segment_prod", _SEG + "result = tf.math.segment_prod(d, ids)"),
    ("segment_max_int", "result = tf.math.segment_max([5, 1, 7, 2], [0, 1, 1, 3])"),
    ("segment_max_unsorted", "result = tf.math.segment_max([5., 1., 7.], [1, 0, 1])"),
    ("unsorted_segment_min", "result = tf.math.unsorted_segment_min([5., 1., 7., 2.], "
     "[1, 0, 1, 0], 3)"),
    ("unsorted_segment_min_int", "result = tf.math.unsorted_segment_min([5, 1, 7], [1, 0, 1], "
     "3)"),
    ("unsorted_segment_prod", "result = tf.math.unsorted_segment_prod([[1., 2.], [3., 4.], "
     "[5., 6.]], [1, 1, -1], 3)"),
    ("unsorted_segment_sqrt_n", "result = tf.math.unsorted_segment_sqrt_n([1., 2., 3., 4.], "
     "[0, 0, 0, 2], 3)"),
    ("unsorted_segment_min_out_of_range", "result = tf.math.unsorted_segment_min([1., 2.], "
     "[0, 3], 2)"),
    ("segment_max_gradient", _seg_gradient("tf.math.segment_max(d, ids) * [[1., 2.]]")),
    ("segment_min_gradient", _seg_gradient("tf.math.segment_min(d, ids) * [[1., 2.]]")),
    ("segment_mean_gradient", _seg_gradient("tf.math.segment_mean(d, ids) * [[1., 2.]]")),
    ("segment_prod_gradient", _seg_gradient("tf.math.segment_prod(d, ids) * [[1., 2.]]")),
    ("unsorted_segment_prod_gradient_with_zeros", _gradient(
        "tf.math.unsorted_segment_prod(d, [0, 0, 1, 1], 2)",
        "d = tf.constant([0., 2., 0., 0.], tf.float64)\n", "d")),
    ("unsorted_segment_sqrt_n_gradient", _seg_gradient(
        "tf.math.unsorted_segment_sqrt_n(d, ids, 4) * [[1., 2.]]")),
    # -- counting and order checks --------------------------------------------------------------
    ("bincount", "result = tf.math.bincount([1, 1, 2, 5])"),
    ("bincount_minlength", "result = tf.math.bincount([1, 1, 2], minlength=6)"),
    ("bincount_maxlength", "result = tf.math.bincount([1, 1, 2, 5], maxlength=2)"),
    ("bincount_weights", "result = tf.math.bincount([1, 1, 2], weights=[0.5, 1., 2.])"),
    ("bincount_2d_axis_last", "result = tf.math.bincount([[1, 1, 2], [0, 3, 3]], axis=-1)"),
    ("bincount_binary_output", "result = tf.math.bincount([1, 1, 2], binary_output=True)"),
    ("bincount_negative", "result = tf.math.bincount([1, -1])"),
    ("confusion_matrix", "result = tf.math.confusion_matrix([1, 2, 4], [2, 2, 4])"),
    ("confusion_matrix_num_classes_weights", "result = tf.math.confusion_matrix([0, 1, 1], "
     "[1, 1, 0], num_classes=3, weights=[1., 2., 3.], dtype=tf.float32)"),
    ("confusion_matrix_negative", "result = tf.math.confusion_matrix([0, -1], [1, 1])"),
    ("in_top_k", "result = tf.math.in_top_k([2, 0], [[0.1, 0.5, 0.4], [0.9, 0.05, 0.05]], 1)"),
    ("in_top_k_ties", "result = tf.math.in_top_k([0, 1], [[1., 1., 0.], [2., 1., 1.]], 1)"),
    ("invert_permutation", "result = tf.math.invert_permutation([3, 4, 0, 2, 1])"),
    ("invert_permutation_duplicate", "result = tf.math.invert_permutation([0, 0, 1])"),
    ("zero_fraction", "result = tf.math.zero_fraction([[0., 1.], [0., 0.]])"),
    ("zero_fraction_int", "result = tf.math.zero_fraction([0, 1, 2])"),
    ("is_non_decreasing", "result = [tf.math.is_non_decreasing([1, 1, 2]), "
     "tf.math.is_non_decreasing([[1, 2], [0, 3]])]"),
    ("is_strictly_increasing", "result = [tf.math.is_strictly_increasing([1, 1, 2]), "
     "tf.math.is_strictly_increasing([1., 2., 3.]), tf.math.is_strictly_increasing([])]"),
    ("polyval", "result = tf.math.polyval([2., 3., 4.], tf.constant([1., 2.]))"),
    ("polyval_empty", "result = tf.math.polyval([], tf.constant([1., 2.]))"),
    ("polyval_mixed_dtypes", _X + "result = tf.math.polyval([2., 3., 4.], x)"),
    ("polyval_gradient", _gradient("tf.math.polyval([tf.constant(2., tf.float64), "
                                   "tf.constant(3., tf.float64), x], x)")),
    ("cumulative_logsumexp", _X + "result = [tf.math.cumulative_logsumexp(x), "
     "tf.math.cumulative_logsumexp(x, exclusive=True), "
     "tf.math.cumulative_logsumexp(x, reverse=True)]"),
    ("cumulative_logsumexp_gradient", _gradient("tf.math.cumulative_logsumexp(x) * "
                                                "[1., 2., 3.]")),
    # -- tf.nn ----------------------------------------------------------------------------------
    ("conv1d", "x = tf.reshape(tf.range(10.), [1, 5, 2])\nw = tf.reshape(tf.range(12.) / 10., "
     "[3, 2, 2])\nresult = [tf.nn.conv1d(x, w, 1, 'SAME'), tf.nn.conv1d(x, w, 2, 'VALID'), "
     "tf.nn.conv1d(x, w, 1, 'VALID', dilations=2)]"),
    ("conv1d_gradient", """x = tf.reshape(tf.range(10., dtype=tf.float64), [1, 5, 2])
w = tf.reshape(tf.range(12., dtype=tf.float64) / 10., [3, 2, 2])
with tf.GradientTape() as tape:
    tape.watch([x, w])
    y = tf.nn.conv1d(x, w, 1, 'SAME') * [1., -2.]
result = [y, tape.gradient(y, [x, w])]
"""),
    ("convolution_rank3_and_4", "x = tf.ones([1, 4, 2])\nresult = [tf.nn.convolution(x, "
     "tf.ones([2, 2, 3])), tf.nn.convolution(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]))]"),
    ("max_pool1d", "x = tf.reshape(tf.constant([1., 5., 2., 4., 3., 0.]), [1, 6, 1])\n"
     "result = [tf.nn.max_pool1d(x, 2, 2, 'VALID'), tf.nn.max_pool1d(x, 3, 1, 'SAME')]"),
    ("avg_pool1d", "x = tf.reshape(tf.constant([1., 5., 2., 4., 3., 0.]), [1, 6, 1])\n"
     "result = [tf.nn.avg_pool1d(x, 2, 2, 'VALID'), tf.nn.avg_pool1d(x, 3, 1, 'SAME')]"),
    ("max_pool_2d_and_1d", "result = [tf.nn.max_pool(tf.reshape(tf.range(16.), [1, 4, 4, 1]), "
     "2, 2, 'VALID'), tf.nn.max_pool(tf.reshape(tf.range(4.), [1, 4, 1]), 2, 2, 'VALID')]"),
    ("log_poisson_loss", "t = tf.constant([0., 1., 2., 5.])\nc = tf.constant([0.5, -1., 1., "
     "2.])\nresult = [tf.nn.log_poisson_loss(t, c), tf.nn.log_poisson_loss(t, c, "
     "compute_full_loss=True)]"),
    ("log_poisson_loss_gradient", _gradient("tf.nn.log_poisson_loss(tf.constant([0., 1., 4.], "
                                            "tf.float64), x, compute_full_loss=True)")),
    ("weighted_cross_entropy_with_logits", "result = tf.nn.weighted_cross_entropy_with_logits("
     "tf.constant([0., 1., 1.]), tf.constant([-2., 0.5, 30.]), 3.)"),
    ("weighted_cross_entropy_gradient", _gradient(
        "tf.nn.weighted_cross_entropy_with_logits(tf.constant([0., 1., 1.], tf.float64), x, "
        "2.5)")),
    ("space_to_depth", "x = tf.reshape(tf.range(32), [1, 4, 4, 2])\n"
     "result = tf.nn.space_to_depth(x, 2)"),
    ("depth_to_space", "x = tf.reshape(tf.range(32), [1, 2, 2, 8])\n"
     "result = tf.nn.depth_to_space(x, 2)"),
    ("space_to_depth_not_divisible", "result = tf.nn.space_to_depth(tf.ones([1, 3, 4, 1]), 2)"),
    ("space_to_depth_gradient", _gradient("tf.nn.space_to_depth(m * m, 2) * tf.range(8., "
                                          "dtype=tf.float64)",
                                          "m = tf.reshape(tf.range(16., dtype=tf.float64), "
                                          "[1, 4, 2, 2])\n", "m")),
    ("local_response_normalization", "x = tf.reshape(tf.range(1., 13.), [1, 2, 1, 6]) / 10.\n"
     "result = [tf.nn.local_response_normalization(x), tf.nn.local_response_normalization(x, "
     "depth_radius=1, bias=2., alpha=0.5, beta=0.75)]"),
    ("local_response_normalization_float64", "result = tf.nn.local_response_normalization("
     "tf.ones([1, 1, 1, 2], tf.float64))"),
    ("local_response_normalization_gradient", _gradient(
        "tf.nn.local_response_normalization(m, depth_radius=1, alpha=0.5) * "
        "tf.range(4.)",
        "m = tf.reshape(tf.constant([0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8]), "
        "[1, 1, 2, 4])\n", "m")),
    ("normalize_moments", "result = tf.nn.normalize_moments(tf.constant(4.), "
     "tf.constant([2., 4.]), tf.constant([10., 20.]), tf.constant(0.5))"),
    ("normalize_moments_no_shift", "result = tf.nn.normalize_moments(4., tf.constant([2., 4.]), "
     "tf.constant([10., 20.]), None)"),
    ("compute_average_loss", "result = [tf.nn.compute_average_loss(tf.constant([1., 2., 3.])), "
     "tf.nn.compute_average_loss([1., 2., 3.], sample_weight=[1., 0., 2.], "
     "global_batch_size=6)]"),
    ("scale_regularization_loss", "result = [tf.nn.scale_regularization_loss(tf.constant([1., "
     "2.])), tf.nn.scale_regularization_loss([tf.constant(1.), tf.constant(3.)])]"),
]

_A64 = "a = tf.constant([[4., 1., 2.], [1., 3., 0.5], [2., 0.5, 5.]], tf.float64)\n"
_T64 = "t = tf.constant([[2., 0., 0.], [1., 3., 0.], [-1., 0.5, 4.]], tf.float64)\n"
_W64 = "w = tf.constant([[1., 2.], [3., 4.], [5., 7.]], tf.float64)\n"
_P64 = "p = tf.constant([[2., 1.], [1., 3.], [4., 1.]], tf.float64)\n"

CASES += [
    # -- tf.linalg ------------------------------------------------------------------------------
    # Eigenvectors are unique up to sign (TF's Eigen and LAPACK pick differently): compared
    # through sign-free quantities, |v| and V diag(e) Vᵀ.
    ("eigh_values_and_abs_vectors", _A64 + "e, v = tf.linalg.eigh(a)\n"
     "result = [e, tf.abs(v), tf.matmul(v * e, v, transpose_b=True)]"),
    ("eigh_reads_lower_triangle", "e, v = tf.linalg.eigh(tf.constant([[2., 100.], [1., 3.]], "
     "tf.float64))\nresult = [e, tf.abs(v)]"),
    ("eigh_batch", "e, v = tf.linalg.eigh(tf.constant([[[2., 1.], [1., 2.]], [[5., 0.], "
     "[0., 1.]]], tf.float64))\nresult = [e, tf.abs(v)]"),
    ("eigvalsh", _A64 + "result = tf.linalg.eigvalsh(a)"),
    ("eigh_not_square", "result = tf.linalg.eigh(tf.ones([2, 3]))"),
    ("eigh_gradient", """x = tf.constant([[4., 1.], [1., 3.]], tf.float64)
with tf.GradientTape() as tape:
    tape.watch(x)
    e, v = tf.linalg.eigh(x)
    y = tf.reduce_sum(e * [1., 2.]) + tf.reduce_sum(tf.abs(v) * [[1., 2.], [3., 4.]])
result = [y, tape.gradient(y, x)]
"""),
    ("eigvalsh_gradient", _gradient("tf.linalg.eigvalsh(a) * [1., 2., 3.]", _A64, "a")),
    ("slogdet", "result = list(tf.linalg.slogdet(tf.constant([[1., 2.], [3., 4.]], "
     "tf.float64)))"),
    ("slogdet_float32", "result = list(tf.linalg.slogdet(tf.constant([[1., 2.], [3., 4.]])))"),
    ("slogdet_batch", "result = list(tf.linalg.slogdet(tf.constant([[[2., 0.], [0., 3.]], "
     "[[0., 1.], [1., 0.]]], tf.float64)))"),
    ("slogdet_singular", "result = list(tf.linalg.slogdet(tf.constant([[1., 2.], [2., 4.]])))"),
    ("slogdet_gradient", _gradient("tf.linalg.slogdet(a).log_abs_determinant", _A64, "a")),
    ("logdet", _A64 + "result = tf.linalg.logdet(a)"),
    ("logdet_gradient", _gradient("tf.linalg.logdet(a)", _A64, "a")),
    ("triangular_solve", _T64 + "result = tf.linalg.triangular_solve(t, tf.constant([[2.], "
     "[4.], [1.]], tf.float64))"),
    ("triangular_solve_upper_adjoint", "result = tf.linalg.triangular_solve(tf.constant("
     "[[2., 7.], [1., 3.]]), tf.constant([[2.], [4.]]), lower=False, adjoint=True)"),
    ("triangular_solve_broadcast", "result = tf.linalg.triangular_solve(tf.constant([[2., 0.], "
     "[1., 3.]]), tf.ones([3, 2, 1]))"),
    ("triangular_solve_rows_mismatch", "result = tf.linalg.triangular_solve(tf.eye(2), "
     "tf.ones([3, 1]))"),
    ("triangular_solve_gradient", _T64 + """rhs = tf.constant([[2., 1.], [4., 0.], [1., -1.]], tf.float64)
with tf.GradientTape(persistent=True) as tape:
    tape.watch([t, rhs])
    y = tf.linalg.triangular_solve(t, rhs) * [[1., 2.]]
    z = tf.linalg.triangular_solve(t + tf.transpose(t), rhs, lower=False, adjoint=True)
result = [y, tape.gradient(y, [t, rhs]), z, tape.gradient(z, [t, rhs])]
"""),
    ("cholesky_solve", _A64 + "result = tf.linalg.cholesky_solve(tf.linalg.cholesky(a), "
     "tf.constant([[1.], [2.], [3.]], tf.float64))"),
    ("cholesky_solve_gradient", _A64 + """rhs = tf.constant([[1.], [2.], [3.]], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([a, rhs])
    y = tf.linalg.cholesky_solve(tf.linalg.cholesky(a), rhs) * [[1.], [2.], [3.]]
result = [y, tape.gradient(y, [a, rhs])]
"""),
    ("lstsq_overdetermined", _W64 + "result = tf.linalg.lstsq(w, tf.constant([[1.], [2.], "
     "[3.]], tf.float64))"),
    ("lstsq_l2_regularizer", _W64 + "result = tf.linalg.lstsq(w, tf.constant([[1.], [2.], "
     "[3.]], tf.float64), l2_regularizer=0.5)"),
    ("lstsq_underdetermined", "result = tf.linalg.lstsq(tf.constant([[1., 2., 3.], "
     "[3., 4., 1.]], tf.float64), tf.constant([[1.], [2.]], tf.float64))"),
    ("lstsq_gradient", _W64 + """rhs = tf.constant([[1.], [2.], [3.]], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([w, rhs])
    y = tf.linalg.lstsq(w, rhs) * [[1.], [2.]]
result = [y, tape.gradient(y, [w, rhs])]
"""),
    ("pinv_rank_deficient", "result = tf.linalg.pinv(tf.constant([[1., 2.], [2., 4.], "
     "[1., 2.]], tf.float64))"),
    ("pinv_full_rank", _P64 + "result = tf.linalg.pinv(p)"),
    ("pinv_gradient", _gradient("tf.linalg.pinv(p) * [[1., 2., 3.], [4., 5., 6.]]", _P64, "p")),
    ("matrix_rank", "result = [tf.linalg.matrix_rank(tf.constant([[1., 2.], [2., 4.]])), "
     "tf.linalg.matrix_rank(tf.eye(3)), tf.linalg.matrix_rank(tf.constant([[1., 2.], "
     "[2., 4.1]]), tol=0.5)]"),
    ("normalize", "result = list(tf.linalg.normalize(tf.constant([3., 4.])))"),
    ("normalize_axis_ord", "result = list(tf.linalg.normalize(tf.constant([[3., 4.], "
     "[6., 8.]]), ord=1, axis=1))"),
    ("normalize_gradient", _gradient("tf.linalg.normalize(x)[0] * [1., 2., 3.]")),
    ("cross", "result = tf.linalg.cross(tf.constant([1., 2., 3.]), tf.constant([4., 5., 6.]))"),
    ("cross_batch_int", "result = tf.linalg.cross([[1, 0, 0], [0, 1, 0]], [[0, 1, 0], "
     "[0, 0, 1]])"),
    ("cross_not_3_vectors", "result = tf.linalg.cross(tf.constant([1., 2.]), "
     "tf.constant([4., 5.]))"),
    ("cross_gradient", """u = tf.constant([1., 2., 3.], tf.float64)
v = tf.constant([4., -5., 6.], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([u, v])
    y = tf.linalg.cross(u, v) * [1., 2., 3.]
result = [y, tape.gradient(y, [u, v])]
"""),
    ("set_diag", "result = tf.linalg.set_diag(tf.zeros([2, 3]), [1., 2.])"),
    ("set_diag_batch", "result = tf.linalg.set_diag(tf.ones([2, 2, 2]), [[5., 6.], [7., 8.]])"),
    ("set_diag_wrong_length", "result = tf.linalg.set_diag(tf.zeros([2, 3]), [1., 2., 3.])"),
    ("set_diag_gradient", """x = tf.constant([[1., 2.], [3., 4.]], tf.float64)
d = tf.constant([5., 6.], tf.float64)
with tf.GradientTape() as tape:
    tape.watch([x, d])
    y = tf.linalg.set_diag(x * x, d * d) * [[1., 2.], [3., 4.]]
result = [y, tape.gradient(y, [x, d])]
"""),
    ("expm_rotation", "result = tf.linalg.expm(tf.constant([[0., 1.], [-1., 0.]], tf.float64))"),
    ("expm_float64", "result = tf.linalg.expm(tf.constant([[1., 2.], [0.5, -1.]], tf.float64))"),
    ("expm_float64_large_norm", "result = tf.linalg.expm(tf.constant([[10., 2.], [0.5, -3.]], "
     "tf.float64))"),
    ("expm_float64_small_norm", "result = tf.linalg.expm(tf.constant([[0.001, 0.002], "
     "[0., -0.001]], tf.float64))"),
    ("expm_batch_float64", "result = tf.linalg.expm(tf.constant([[[0., 0.], [0., 0.]], "
     "[[0.2, 0.1], [0., 0.3]]], tf.float64))"),
    ("expm_float32", "result = tf.linalg.expm(tf.constant([[1., 2.], [0.5, -1.]]))"),
    ("expm_gradient", _gradient("tf.linalg.expm(x2)", "x2 = tf.constant([[4., 1.], [1., 3.]], "
                                "tf.float64)\n", "x2")),
    # l1 norm 12 > 5.37: the scaling and squaring path (three squarings), gradient too
    ("expm_squaring_gradient", _gradient("tf.linalg.expm(x3) * tf.reshape(tf.range(9., "
                                         "dtype=tf.float64), [3, 3])",
                                         "x3 = tf.constant([[8., 2., 0.], [0., 8., 1.75], "
                                         "[1., 0.5, 6.]], tf.float64)\n", "x3")),
    ("lu", "result = list(tf.linalg.lu(tf.constant([[1., 2.], [3., 4.]])))"),
    ("lu_3x3_float64", "result = list(tf.linalg.lu(tf.constant([[1., 2., 0.], [3., 4., 1.], "
     "[0., 5., 6.]], tf.float64)))"),
    ("lu_batch_int64_index", "result = list(tf.linalg.lu(tf.constant([[[0., 1.], [1., 0.]], "
     "[[2., 1.], [4., 3.]]]), output_idx_type=tf.int64))"),
    ("lu_gradient_is_a_lookup_error", _gradient("tf.linalg.lu(x2).lu", "x2 = tf.constant("
                                                "[[4., 1.], [1., 3.]], tf.float64)\n", "x2")),
]


_G64 = "g = tf.constant([-2.5, -0.5, 0.3, 1., 2.5, 7., 30.], tf.float64)\n"
_Y64 = ("y = tf.constant([-0.999, -0.5, 0., 1e-5, 0.5, 0.9, 0.999999, 1., -1., 1.5], "
        "tf.float64)\n")
_P = ("p = tf.constant([1e-300, 1e-10, 0.01, 0.3, 0.5, 0.7, 0.99, 1 - 1e-10, 0., 1., 1.5], "
      "tf.float64)\n")

CASES += [
    # -- the gamma family and inverse error functions -------------------------------------------
    ("lgamma", _G64 + "result = tf.math.lgamma(g)"),
    ("lgamma_float32_and_poles", "result = [tf.math.lgamma(tf.constant([0.5, 3., 10.5, -1.5])),"
     " tf.math.lgamma(tf.constant([0., -1., -2.]))]"),
    ("lgamma_int", "result = tf.math.lgamma(tf.constant([1, 2]))"),
    ("digamma", _G64 + "result = tf.math.digamma(g)"),
    ("digamma_float32_and_poles", "result = [tf.math.digamma(tf.constant([0.5, 3., 10.5, "
     "-1.5])), tf.math.digamma(tf.constant([0., -1., -2.]))]"),
    ("polygamma", "result = tf.math.polygamma(tf.constant([0., 1., 2., 1., 3.], tf.float64), "
     "tf.constant([0.5, 0.5, 3., -0.5, 12.], tf.float64))"),
    ("polygamma_non_integer_order", "result = tf.math.polygamma(tf.constant(1.5), "
     "tf.constant(2.))"),
    ("erfinv", _Y64 + "result = tf.math.erfinv(y)"),
    ("erfinv_float32", "result = tf.math.erfinv(tf.constant([0.5, -0.9, 0.1, 0.999]))"),
    ("ndtri", _P + "result = tf.math.ndtri(p)"),
    ("ndtri_float32", "result = tf.math.ndtri(tf.constant([0.01, 0.7, 0.5, 0.999]))"),
    ("lgamma_gradient", _gradient("tf.math.lgamma(x + 1.)")),
    ("digamma_gradient", _gradient("tf.math.digamma(x + 1.)")),
    ("polygamma_gradient", _gradient("tf.math.polygamma(tf.constant(1., tf.float64), x + 1.)")),
    ("erfinv_gradient", _gradient("tf.math.erfinv(x)")),
    ("ndtri_gradient", _gradient("tf.math.ndtri(x * 0.5 + 0.5)")),
]

CASES += [
    # -- the shape of a Python function's result, and set_shape --------------------------------
    ("set_shape_eager", "x = tf.constant([1., 2.])\nx.set_shape([None])\nx.set_shape([2])\n"
     "result = x"),
    ("set_shape_eager_incompatible", "x = tf.constant([1., 2.])\nx.set_shape([3])\nresult = x"),
    ("numpy_function_shape_unknown_until_set", """seen = []
@tf.function
def f(a):
    [b] = tf.numpy_function(lambda v: v * 2, [a], [tf.float32])
    seen.append(str(b.shape))
    b.set_shape(a.shape)
    seen.append(str(b.shape))
    return b
out = f(tf.constant([1., 2.]))
result = [out, tf.constant(seen)]
"""),
    ("set_shape_in_function_incompatible", """@tf.function
def f(a):
    b = tf.py_function(lambda v: v * 2, [a], tf.float32)
    b.set_shape([2])
    b.set_shape([5])
    return b
result = f(tf.constant([1., 2.]))
"""),
    ("tf_data_guide_numpy_function_map", """def rotate(image):
    return np.rot90(image).copy()
def tf_rotate(image, label):
    im_shape = image.shape
    [image,] = tf.numpy_function(rotate, [image], [tf.float32])
    image.set_shape(im_shape)
    return image, label
images = tf.reshape(tf.range(8.), [2, 2, 2])
ds = tf.data.Dataset.from_tensor_slices((images, [0, 1])).map(tf_rotate)
result = [list(e) for e in ds]
"""),
]

CASES += [
    # -- dtypes and shapes refused as TensorFlow refuses them -------------------------------------
    ("atan2_dtype_mismatch", "result = tf.math.atan2(tf.constant([1.]), tf.constant([1.], "
     "tf.float64))"),
    ("atan2_shapes_do_not_broadcast", "result = tf.math.atan2(tf.ones([2]), tf.ones([3]))"),
    ("xdivy_int", "result = tf.math.xdivy(tf.constant([1]), tf.constant([2]))"),
    ("segment_max_unsorted_ids", "result = tf.math.segment_max([1., 2., 3.], [1, 0, 1])"),
    ("segment_mean_wrong_length", "result = tf.math.segment_mean([1., 2., 3.], [0, 0])"),
    ("searchsorted_dtype_mismatch", "result = tf.searchsorted(tf.constant([1., 2.]), "
     "tf.constant([1], tf.int32))"),
    ("tensor_scatter_nd_min_bad_index", "result = tf.tensor_scatter_nd_min([1, 2], [[5]], "
     "[0])"),
    ("conv1d_channel_mismatch", "result = tf.nn.conv1d(tf.ones([1, 4, 2]), tf.ones([2, 3, 1]),"
     " 1, 'VALID')"),
    ("cross_shape_mismatch", "result = tf.linalg.cross(tf.ones([2, 3]), tf.ones([3]))"),
    ("triangular_solve_int", "result = tf.linalg.triangular_solve(tf.constant([[1, 0], "
     "[0, 1]]), tf.constant([[1], [1]]))"),
    ("in_top_k_target_out_of_range", "result = tf.math.in_top_k([3], [[0.1, 0.2, 0.3]], 1)"),
    ("bincount_float", "result = tf.math.bincount(tf.constant([1., 2.]))"),
    ("reverse_sequence_same_axes", "result = tf.reverse_sequence([[1, 2], [3, 4]], [1, 1], "
     "seq_axis=1, batch_axis=1)"),
    ("space_to_depth_block_one", "result = tf.nn.space_to_depth(tf.ones([1, 2, 2, 1]), 1)"),
    ("lstsq_rows_mismatch", "result = tf.linalg.lstsq(tf.ones([3, 2]), tf.ones([2, 1]))"),
    ("unsorted_segment_prod_int", "result = tf.math.unsorted_segment_prod([2, 3, 4], [0, 0, 1],"
     " 2)"),
    ("acosh_float16", "result = tf.math.acosh(tf.constant([1.5, 2.], tf.float16))"),
    ("erfinv_float16", "result = tf.math.erfinv(tf.constant([0.5, -0.25], tf.float16))"),
    ("truncatemod_int64_broadcast", "result = tf.truncatemod(tf.constant([[7], [-7]], "
     "tf.int64), tf.constant([2, -3], tf.int64))"),
]

CASES += [
    ("xdivy_complex", "result = tf.math.xdivy(tf.constant([0j, 1 + 1j]), tf.constant([0j, 2j]))"),
]

CASES += [
    ("py_function_as_decorator", """@tf.py_function(Tout=tf.float32)
def square(a):
    return a * a
@tf.numpy_function(Tout=tf.float32)
def cube(a):
    return a * a * a
x = tf.constant([1., 2.])
result = [square(x), cube(x)]
"""),
    ("py_function_without_inp", "result = tf.py_function(lambda a: a, Tout=tf.float32)"),
    ("py_function_decorator_with_inp", "result = tf.py_function(None, [tf.constant(1.)], "
     "Tout=tf.float32)"),
    ("py_function_without_tout", "result = tf.py_function(lambda a: a, [tf.constant(1.)])"),
    ("numpy_function_without_inp", "result = tf.numpy_function(lambda a: a, None, tf.float32)"),
    ("py_function_no_outputs", "result = [tf.py_function(lambda a: None, [tf.constant(1.)], "
     "[]), tf.constant(tf.numpy_function(lambda a: None, [tf.constant(1.)], []) is None)]"),
]
