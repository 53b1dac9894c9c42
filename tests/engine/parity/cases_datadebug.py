"""Parity cases for ``tf.data`` pipelines of uneven elements (``from_generator``,
``padded_batch``, ``window``, ``flat_map``), ``tf.debugging`` (``check_numerics``, the
``assert_*`` family, ``enable_check_numerics``) and string tensors (``tf.strings``), run by real TensorFlow and by the engine
(see cases_numerics.py for the format).

A case that enables check_numerics disables it again in a ``finally``: TensorFlow and the
engine keep it on for the whole process, and the fixtures are made in one process.
"""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    # -- from_generator ----------------------------------------------------------------------
    ("from_generator_tuple_signature", """
def gen():
    for i in range(3):
        yield i, [1.5] * i
ds = tf.data.Dataset.from_generator(gen, output_signature=(
    tf.TensorSpec(shape=(), dtype=tf.int32), tf.TensorSpec(shape=(None,), dtype=tf.float32)))
result = [list(ds), list(ds), ds.cardinality()]
"""),
    ("from_generator_args_arrive_as_numpy", """
def gen(n, step):
    for i in range(int(n)):
        yield i * step
ds = tf.data.Dataset.from_generator(gen, args=(4, 3),
                                    output_signature=tf.TensorSpec((), tf.int64))
result = list(ds)
"""),
    ("from_generator_converts_to_the_signature_dtype", """
ds = tf.data.Dataset.from_generator(lambda: iter([1, 2.5, np.float64(4.0)]),
                                    output_signature=tf.TensorSpec((), tf.float32))
result = list(ds)
"""),
    ("from_generator_output_types_legacy", """
ds = tf.data.Dataset.from_generator(lambda: iter([[1, 2], [3, 4]]), output_types=tf.int32,
                                    output_shapes=[2])
result = list(ds.batch(2))
"""),
    ("from_generator_then_map_with_gradient", """
ds = tf.data.Dataset.from_generator(lambda: iter([[1.0, 2.0], [3.0, 4.0]]),
                                    output_signature=tf.TensorSpec((2,), tf.float32))
w = tf.Variable([0.5, -1.0])
grads = []
for x in ds.map(lambda v: v * 2.0):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * x)
    grads.append(tape.gradient(loss, w))
result = grads
"""),
    ("from_generator_wrong_shape_raises", """
ds = tf.data.Dataset.from_generator(lambda: iter([[1, 2]]),
                                    output_signature=tf.TensorSpec((3,), tf.int32))
result = list(ds)
"""),
    ("from_generator_without_signature_raises", """
result = tf.data.Dataset.from_generator(lambda: iter([1]))
"""),
    ("from_generator_of_a_non_callable_raises", """
result = tf.data.Dataset.from_generator([1, 2], output_signature=tf.TensorSpec((), tf.int32))
"""),
    # -- padded_batch ------------------------------------------------------------------------
    ("padded_batch_pads_to_the_longest_in_each_batch", """
ds = tf.data.Dataset.range(1, 6).map(lambda x: tf.fill([x], x))
result = list(ds.padded_batch(2))
"""),
    ("padded_batch_fixed_shape_padding_value_drop_remainder", """
ds = tf.data.Dataset.range(1, 6).map(lambda x: tf.fill([x], x))
result = list(ds.padded_batch(2, padded_shapes=[6], padding_values=tf.constant(-1, tf.int64),
                              drop_remainder=True))
"""),
    ("padded_batch_tuple_components", """
ds = tf.data.Dataset.range(1, 4).map(lambda x: (tf.fill([x, 2], tf.cast(x, tf.float32)), x))
result = list(ds.padded_batch(2, padded_shapes=([None, 3], []),
                              padding_values=(0.5, tf.constant(0, tf.int64))))
"""),
    ("padded_batch_of_generated_sequences_gradient", """
def gen():
    yield [1.0, 2.0]
    yield [3.0]
    yield [4.0, 5.0, 6.0]
ds = tf.data.Dataset.from_generator(gen, output_signature=tf.TensorSpec([None], tf.float32))
w = tf.Variable(2.0)
batch = next(iter(ds.padded_batch(3)))
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.square(batch * w))
result = [batch, tape.gradient(loss, w)]
"""),
    ("padded_batch_smaller_than_an_element_raises", """
ds = tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x))
result = list(ds.padded_batch(2, padded_shapes=[2]))
"""),
    ("padded_batch_padding_value_of_another_dtype_raises", """
ds = tf.data.Dataset.range(1, 4).map(lambda x: tf.fill([x], x))
result = ds.padded_batch(2, padding_values=-1)
"""),
    ("padded_batch_padded_shape_of_another_rank_raises", """
ds = tf.data.Dataset.from_tensor_slices(np.zeros((4, 3), np.float32))
result = ds.padded_batch(2, padded_shapes=[None, 2])
"""),
    ("padded_batch_size_zero_raises", """
result = tf.data.Dataset.range(3).map(lambda x: tf.fill([x], x)).padded_batch(0)
"""),
    # -- window ------------------------------------------------------------------------------
    ("window_shift_keeps_short_windows", """
ds = tf.data.Dataset.range(7).window(3, shift=2)
result = [[list(w) for w in ds], ds.cardinality()]
"""),
    ("window_stride_drop_remainder", """
ds = tf.data.Dataset.range(10).window(3, shift=3, stride=2, drop_remainder=True)
result = [[list(w) for w in ds], ds.cardinality()]
"""),
    ("window_shift_larger_than_size", """
ds = tf.data.Dataset.range(10).window(2, shift=4)
result = [[list(w) for w in ds], ds.cardinality()]
"""),
    ("window_of_tuples_is_a_tuple_of_datasets", """
ds = tf.data.Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 10.0)).window(2)
result = [[list(a), list(b)] for a, b in ds]
"""),
    ("window_size_zero_raises", "result = tf.data.Dataset.range(3).window(0)"),
    ("window_shift_zero_raises", "result = list(tf.data.Dataset.range(3).window(2, shift=0))"),
    # -- flat_map ----------------------------------------------------------------------------
    ("flat_map_of_windows_batched_is_a_sliding_window", """
ds = tf.data.Dataset.range(7).window(3, shift=1, drop_remainder=True)
ds = ds.flat_map(lambda w: w.batch(3))
result = [list(ds), ds.cardinality()]
"""),
    ("flat_map_from_tensor_slices", """
ds = tf.data.Dataset.from_tensor_slices([[1, 2, 3], [4, 5, 6]])
result = list(ds.flat_map(tf.data.Dataset.from_tensor_slices))
"""),
    ("flat_map_repeats_each_element", """
ds = tf.data.Dataset.range(3).flat_map(
    lambda x: tf.data.Dataset.from_tensors(x * 10).repeat(x + 1))
result = list(ds)
"""),
    ("flat_map_sequence_model_gradient", """
series = tf.data.Dataset.from_tensor_slices(np.arange(8, dtype=np.float32))
pairs = series.window(4, shift=2, drop_remainder=True).flat_map(lambda w: w.batch(4))
pairs = pairs.map(lambda w: (w[:-1], w[-1]))
w = tf.Variable([0.1, 0.2, 0.3])
grads = []
for x, y in pairs:
    with tf.GradientTape() as tape:
        loss = tf.square(tf.reduce_sum(w * x) - y)
    grads.append(tape.gradient(loss, w))
result = grads
"""),
    # -- check_numerics ----------------------------------------------------------------------
    ("check_numerics_passes_finite_values", """
result = tf.debugging.check_numerics(tf.constant([1.0, -2.0]), "fine")
"""),
    ("check_numerics_nan_raises", """
result = tf.debugging.check_numerics(tf.constant([1.0, float("nan")]), "bad values")
"""),
    ("check_numerics_inf_float64_raises", """
result = tf.debugging.check_numerics(tf.constant([np.inf], tf.float64), "bad values")
"""),
    ("check_numerics_int_raises", """
result = tf.debugging.check_numerics(tf.constant([1, 2]), "ints")
"""),
    ("check_numerics_gradient_passes_through", """
x = tf.constant([1.0, 4.0])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.reduce_sum(tf.debugging.check_numerics(tf.sqrt(x), "sqrt") * 3.0)
result = tape.gradient(y, x)
"""),
    ("check_numerics_gradient_checks_the_gradient", """
x = tf.constant([0.0, 4.0])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.reduce_sum(tf.sqrt(tf.debugging.check_numerics(x, "input")))
result = tape.gradient(y, x)
"""),
    # -- value assertions --------------------------------------------------------------------
    ("assert_equal_holds", """
result = [tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 2])) is None,
          tf.constant(1)]
"""),
    ("assert_equal_broadcasts", """
tf.debugging.assert_equal(tf.constant([[3, 3], [3, 3]]), 3)
result = tf.constant(True)
"""),
    ("assert_equal_fails", """
result = tf.debugging.assert_equal(tf.constant([1, 2, 3]), tf.constant([1, 5, 7]),
                                   message="labels")
"""),
    ("assert_equal_incompatible_shapes_raises", """
result = tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 2, 3]))
"""),
    ("assert_equal_mixed_dtypes_raises", """
result = tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1.0, 2.0]))
"""),
    ("assert_near_holds", """
tf.debugging.assert_near(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.000001]))
tf.debugging.assert_near(tf.constant([1.0]), tf.constant([1.05]), atol=0.1)
result = tf.constant(True)
"""),
    ("assert_near_fails", """
result = tf.debugging.assert_near(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.1]))
"""),
    ("assert_less_holds_and_greater_holds", """
tf.debugging.assert_less(tf.constant([1, 2]), tf.constant([2, 3]))
tf.debugging.assert_greater(tf.constant([1.5, 2.5]), 1.0)
result = tf.constant(True)
"""),
    ("assert_less_fails", """
result = tf.debugging.assert_less(tf.constant([1, 2]), tf.constant([2, 2]))
"""),
    ("assert_greater_fails", """
result = tf.debugging.assert_greater(tf.constant([[3.0, 0.5]]), tf.constant([[1.0, 1.0]]))
"""),
    ("assert_rank_holds", """
tf.debugging.assert_rank(tf.zeros([2, 3]), 2)
result = tf.rank(tf.zeros([2, 3]))
"""),
    ("assert_rank_fails", "result = tf.debugging.assert_rank(tf.constant([1, 2]), 2)"),
    # -- shape assertions --------------------------------------------------------------------
    ("assert_shapes_holds", """
tf.debugging.assert_shapes([(tf.zeros([4, 3]), ("N", "D")), (tf.zeros([4]), ("N",)),
                            (tf.zeros([5, 4, 3]), (..., "N", 3)), (1.0, ())])
result = tf.constant(True)
"""),
    ("assert_shapes_named_dimension_mismatch_raises", """
result = tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", "D")), (tf.zeros([3]), ("N",))])
"""),
    ("assert_shapes_rank_mismatch_raises", """
result = tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", "D", "E"))])
"""),
    ("assert_shapes_explicit_size_raises", """
result = tf.debugging.assert_shapes([(tf.zeros([2, 3]), (2, 4))])
"""),
    # -- enable_check_numerics ---------------------------------------------------------------
    ("enable_check_numerics_finite_ops_run", """
tf.debugging.enable_check_numerics()
try:
    x = tf.constant([1.0, 4.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.sqrt(x) * 2.0)
    result = [y, tape.gradient(y, x)]
finally:
    tf.debugging.disable_check_numerics()
"""),
    ("enable_check_numerics_log_of_zero_raises", """
tf.debugging.enable_check_numerics()
try:
    result = tf.math.log(tf.constant([0.0, 1.0]))
finally:
    tf.debugging.disable_check_numerics()
"""),
    ("enable_check_numerics_division_by_zero_raises", """
tf.debugging.enable_check_numerics()
try:
    result = tf.constant([1.0, 0.0]) / tf.constant(0.0)
finally:
    tf.debugging.disable_check_numerics()
"""),
    ("enable_check_numerics_ints_are_not_checked", """
tf.debugging.enable_check_numerics()
try:
    result = tf.constant([1, 2]) * 3
finally:
    tf.debugging.disable_check_numerics()
"""),
    ("disable_check_numerics_lets_nan_through", """
tf.debugging.enable_check_numerics()
tf.debugging.disable_check_numerics()
result = tf.math.log(tf.constant([-1.0]))
"""),    # -- string tensors ----------------------------------------------------------------------
    ("string_constants", """
result = [tf.constant("abc"), tf.constant(["a", "bé"]), tf.constant([[b"x", b"y"]]),
          tf.constant(np.array(["np", "str"])), tf.constant("abc").dtype == tf.string,
          tf.constant(["a", "b"]).shape.rank]
"""),
    ("string_constant_of_a_number_raises", "result = tf.constant(1, dtype=tf.string)"),
    ("string_to_int_constant_raises", "result = tf.constant('1', dtype=tf.int32)"),
    ("string_mixed_list_raises", "result = tf.constant(['a', 1])"),
    ("string_cast_raises", "result = tf.cast(tf.constant('1'), tf.int32)"),
    ("strings_length", """
x = tf.constant(["abc", "héllo", ""])
result = [tf.strings.length(x), tf.strings.length(x, unit="UTF8_CHAR"),
          tf.strings.length("scalar")]
"""),
    ("strings_length_of_a_number_raises", "result = tf.strings.length(tf.constant(1))"),
    ("strings_upper_lower", """
result = [tf.strings.upper(["abc", "Déf"]), tf.strings.lower("MiXeD"),
          tf.strings.upper([["a"], ["b"]])]
"""),
    ("strings_split", """
result = [tf.strings.split("a b  c"), tf.strings.split("a,b,,c", sep=","),
          tf.strings.split("a,b,c", sep=",", maxsplit=1)]
"""),
    ("strings_join", """
result = [tf.strings.join(["a", "b"], separator="-"),
          tf.strings.join([tf.constant(["a", "b"]), "x", tf.constant(["1", "2"])]),
          tf.strings.join([tf.constant([["p"], ["q"]]), tf.constant([["r"], ["s"]])], "/")]
"""),
    ("strings_as_string", """
f = tf.constant([3.14159, -2.0, 1e20])
result = [tf.strings.as_string(f), tf.strings.as_string(f, precision=2),
          tf.strings.as_string(f, scientific=True), tf.strings.as_string(f, shortest=True),
          tf.strings.as_string(tf.constant([3, -42]), width=5, fill="0"),
          tf.strings.as_string(tf.constant([True, False])),
          tf.strings.as_string(tf.constant([1 / 3], tf.float64))]
"""),
    ("strings_to_number", """
result = [tf.strings.to_number(["1.5", "2", "-1e3"]),
          tf.strings.to_number(["15", "-2"], out_type=tf.int32),
          tf.strings.to_number(tf.constant([["7"]]), out_type=tf.float64),
          tf.strings.to_number("42", tf.int64)]
"""),
    ("strings_to_number_of_text_raises", "result = tf.strings.to_number(['1.5', 'x'])"),
    ("strings_to_number_of_a_float_as_int_raises",
     "result = tf.strings.to_number(['1.5'], out_type=tf.int32)"),
    ("strings_format", """
result = [tf.strings.format("x={} y={}", (tf.constant([1, 2]), tf.constant(3.5))),
          tf.strings.format("{}", tf.range(10)),
          tf.strings.format("{}", tf.range(10), summarize=2),
          tf.strings.format("{}", tf.constant([[1.0, 2.5], [3.0, 4.0]])),
          tf.strings.format("{}", tf.constant(["a", "b"])),
          tf.strings.format("loss: {}", tf.constant(1 / 3)),
          tf.strings.format("<>", tf.constant(7), placeholder="<>")]
"""),
    ("strings_format_placeholder_count_raises",
     "result = tf.strings.format('{} {}', tf.constant(1))"),
    ("strings_round_trip_keeps_the_gradient_of_the_numeric_path", """
x = tf.constant([1.5, 2.0])
with tf.GradientTape() as tape:
    tape.watch(x)
    parsed = tf.strings.to_number(tf.strings.as_string(x))
    y = tf.reduce_sum(x * x) + tf.reduce_sum(parsed)
result = [parsed, tape.gradient(y, x)]
"""),
    ("strings_dataset_of_labels", """
ds = tf.data.Dataset.from_tensor_slices((["cat", "dog", "emu"], [1, 2, 3]))
ds = ds.map(lambda name, n: (tf.strings.upper(name), tf.strings.length(name) + n))
result = list(ds.batch(2))
"""),
]
