"""Parity cases from TensorFlow's guides as users paste them: snippets of the "Introduction to
gradients and automatic differentiation" guide whose printouts differed (a source that is also
the target; the class names the guide prints with ``type(x).__name__``), and what the
"Introduction to Tensors" guide shows of strings, bytes and sparse tensors, the
``tf.image.adjust_contrast`` LookupError of the autodiff guide, the reshape error text."""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    ("a_source_that_is_the_target_gets_its_seed", """
x = tf.constant(1.0)
v0 = tf.Variable(2.0)
v1 = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    if x > 0.0:
        result = v0
    else:
        result = v1**2
dv0, dv1 = tape.gradient(result, [v0, v1])
c = tf.constant([3.0, 4.0])
with tf.GradientTape() as t2:
    pass
w = tf.Variable([1.0, 2.0])
with tf.GradientTape() as t3:
    y = w * 3.0
result = [dv0, dv1, tape.gradient(result, x), t2.gradient(c, c),
          t3.gradient([w, y], w), tape.gradient(v0, v0, output_gradients=tf.constant(5.0))]
"""),
    ("a_source_that_is_the_target_inside_tf_function", """
v = tf.Variable(2.0)
@tf.function
def f():
    with tf.GradientTape() as tape:
        y = v * 3.0
    return tape.gradient([v, y], v)
result = f()
"""),
    ("class_names_as_the_guide_prints_them", """
x = tf.Variable(2.0)
names = []
for epoch in range(2):
    names.append(type(x).__name__)
    x = x + 1
names.append(type(tf.constant(1.0) * 2.0).__name__)
names.append(type(tf.Variable([1.0]) + 1.0).__name__)
result = tf.constant(names)
"""),
    ("strings_as_bytes_and_characters", r"""
byte_strings = tf.strings.bytes_split(tf.constant("Duck"))
byte_ints = tf.io.decode_raw(tf.constant("Duck"), tf.uint8)
unicode_bytes = tf.constant("\u30a2\u30d2\u30eb \U0001f986")
chars = tf.strings.unicode_split(unicode_bytes, "UTF-8")
values = tf.strings.unicode_decode(unicode_bytes, "UTF-8")
bad = tf.constant(b"a\xffb")
result = [byte_strings, byte_ints, chars, values,
          tf.strings.unicode_decode(bad, "UTF-8"),
          tf.strings.unicode_decode(bad, "UTF-8", errors="ignore"),
          tf.strings.unicode_decode(bad, "UTF-8", replacement_char=63),
          tf.strings.unicode_split(bad, "UTF-8"),
          tf.strings.unicode_decode(tf.constant("h\xe9".encode("utf-16-be")), "UTF-16-BE"),
          tf.strings.unicode_decode("a\tb", "UTF-8", replace_control_characters=True),
          tf.strings.bytes_split(""), tf.strings.unicode_split("", "UTF-8"),
          tf.constant(str(byte_strings)), tf.constant(str(values))]
"""),
    ("unicode_decode_strict_raises", r"""
result = tf.strings.unicode_decode(tf.constant(b"a\xffb"), "UTF-8", errors="strict")
"""),
    ("decode_raw_of_wider_types_and_ranks", r"""
result = [tf.io.decode_raw(tf.constant(["abcd", "efgh"]), tf.int16),
          tf.io.decode_raw(tf.constant([["abcd"], ["efgh"]]), tf.int16, little_endian=False),
          tf.io.decode_raw(tf.constant(b"\x00\x00\x80?"), tf.float32),
          tf.io.decode_raw(tf.constant(["", ""]), tf.int32),
          tf.io.decode_raw(tf.constant("ab"), tf.bool)]
"""),
    ("decode_raw_of_strings_of_different_lengths_raises", """
result = tf.io.decode_raw(tf.constant(["abcd", "abc"]), tf.uint8)
"""),
    ("decode_raw_of_a_length_not_a_multiple_raises", """
result = tf.io.decode_raw(tf.constant("abcde"), tf.int32)
"""),
    ("decode_raw_of_a_length_not_a_multiple_of_a_float_raises", """
result = tf.io.decode_raw(tf.constant("abcde"), tf.float32)
"""),
    ("sparse_tensor_prints_and_densifies", """
sparse_tensor = tf.sparse.SparseTensor(indices=[[0, 0], [1, 2]], values=[1, 2],
                                       dense_shape=[3, 4])
dense = tf.sparse.to_dense(sparse_tensor)
f = tf.SparseTensor([[0, 1, 1]], [2.5], [2, 2, 3])
result = [tf.constant(str(sparse_tensor)), dense, sparse_tensor.indices,
          sparse_tensor.dense_shape, tf.constant(sparse_tensor.shape.as_list()),
          tf.constant(str(sparse_tensor.dtype)), tf.sparse.to_dense(f, default_value=-1.0),
          tf.constant(repr(f))]
"""),
    ("sparse_from_dense_add_matmul_reduce", """
d = tf.constant([[0.0, 1.5, 0.0], [2.0, 0.0, -3.0]])
s = tf.sparse.from_dense(d)
t = tf.SparseTensor([[0, 1], [1, 1]], [10.0, 20.0], [2, 3])
both = tf.sparse.add(s, t)
result = [s.indices, s.values, s.dense_shape, both.indices, both.values,
          tf.sparse.add(s, tf.ones([2, 3])), tf.sparse.add(tf.ones([2, 3]), t),
          tf.sparse.sparse_dense_matmul(s, tf.constant([[1.0], [2.0], [3.0]])),
          tf.sparse.reduce_sum(s), tf.sparse.reduce_sum(s, axis=1),
          tf.sparse.reduce_sum(s, axis=0, keepdims=True),
          tf.sparse.to_dense(s * 2.0),
          tf.sparse.add(s, t, threshold=12.0).values]
"""),
    ("sparse_reorder_and_out_of_order_indices", """
s = tf.SparseTensor([[1, 0], [0, 2]], [1.0, 2.0], [2, 3])
r = tf.sparse.reorder(s)
result = [r.indices, r.values, tf.sparse.to_dense(r)]
"""),
    ("sparse_to_dense_of_unordered_indices_raises", """
result = tf.sparse.to_dense(tf.SparseTensor([[1, 0], [0, 2]], [1.0, 2.0], [2, 3]))
"""),
    ("sparse_to_dense_of_an_index_outside_raises", """
result = tf.sparse.to_dense(tf.SparseTensor([[0, 0], [2, 0]], [1.0, 2.0], [2, 3]))
"""),
    ("gradients_reach_sparse_values", """
values = tf.constant([1.0, 2.0])
w = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
with tf.GradientTape(persistent=True) as tape:
    tape.watch(values)
    sp = tf.SparseTensor([[0, 1], [1, 2]], values, [2, 3])
    y = tf.reduce_sum(tf.sparse.to_dense(sp) * w)
    z = tf.reduce_sum(tf.sparse.sparse_dense_matmul(sp, tf.ones([3, 2])) ** 2)
    u = tf.reduce_sum(tf.sparse.add(sp, sp).values * tf.constant([3.0, 5.0]))
result = [tape.gradient(y, values), tape.gradient(z, values), tape.gradient(u, values)]
"""),
    ("adjust_contrast_values", """
image = tf.constant([[[0.5, 0.0, 0.0], [0.1, 0.2, 0.9]], [[0.3, 0.4, 1.0], [0.0, 1.0, 0.5]]])
batch = tf.stack([image, image * 0.5])
u8 = tf.constant([[[10, 200, 30]], [[250, 0, 128]]], dtype=tf.uint8)
result = [tf.image.adjust_contrast(image, 2.0), tf.image.adjust_contrast(batch, 0.5),
          tf.image.adjust_contrast(u8, 1.7),
          tf.image.adjust_contrast(tf.cast(image, tf.float64), 3.0)]
"""),
    ("adjust_contrast_has_no_registered_gradient", """
image = tf.Variable([[[0.5, 0.0, 0.0]]])
delta = tf.Variable(0.1)
with tf.GradientTape() as tape:
    new_image = tf.image.adjust_contrast(image, delta)
result = tape.gradient(new_image, [image, delta])
"""),
    ("adjust_contrast_of_a_matrix_raises", """
result = tf.image.adjust_contrast(tf.ones([2, 2]), 2.0)
"""),
    ("reshape_to_a_size_that_does_not_divide_raises", """
rank_3_tensor = tf.reshape(tf.range(30), [3, 2, 5])
result = tf.reshape(rank_3_tensor, [7, -1])
"""),
    ("reshape_to_another_size_raises", """
result = tf.reshape(tf.range(20), tf.constant([3, 3]))
"""),
    ("reshape_with_two_unknown_sizes_raises", """
result = tf.reshape(tf.range(20), [-1, 2, -1])
"""),
    ("variable_assign_of_another_shape_raises", """
a = tf.Variable([2.0, 3.0])
a.assign([1, 2])
result = a.assign([1.0, 2.0, 3.0])
"""),
    ("variables_placed_with_tf_device", """
with tf.device('CPU:0'):
    a = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    b = tf.Variable([[1.0, 2.0, 3.0]])
with tf.device('GPU:0'):
    k = a * b
result = [k, tf.constant(a.device.endswith("CPU:0"))]
"""),
    ("gather_out_of_range_eagerly_raises", """
result = tf.gather(tf.constant([0.0]), [1])
"""),
    ("gather_out_of_range_of_a_matrix_of_indices_raises", """
result = tf.gather(tf.constant([[0.0], [1.0]]), tf.constant([[0, 1], [2, 0]]))
"""),
    ("pretty_printed_concrete_signatures_list_every_trace", """
@tf.function
def my_relu(x):
    return tf.maximum(0., x)
outs = [my_relu(tf.constant(5.5)), my_relu([1, -1]), my_relu(tf.constant([3., -3.])),
        my_relu(tf.constant(-2.5)), my_relu(tf.constant([-1., 1.]))]
result = [outs, tf.constant(my_relu.pretty_printed_concrete_signatures()),
          tf.constant(my_relu.experimental_get_tracing_count())]
"""),
    ("run_functions_eagerly_runs_python_side_effects_each_call", """
calls = []
@tf.function
def get_MSE(y_true, y_pred):
    calls.append(tf.executing_eagerly())
    sq_diff = tf.pow(y_true - y_pred, 2)
    return tf.reduce_mean(sq_diff)
y_true = tf.constant([1, 5, 3, 7, 2])
y_pred = tf.constant([2, 5, 9, 0, 1])
errors = [get_MSE(y_true, y_pred) for _ in range(3)]
tf.config.run_functions_eagerly(True)
try:
    eager = tf.config.functions_run_eagerly()
    errors += [get_MSE(y_true, y_pred) for _ in range(3)]
finally:
    tf.config.run_functions_eagerly(False)
result = [errors, tf.constant(calls), tf.constant([eager, tf.config.functions_run_eagerly()])]
"""),
    ("checkpoint_of_a_module_keys_variables_by_attribute_path", """
import os, tempfile
class Dense(tf.Module):
    def __init__(self, in_features, out_features, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.ones([in_features, out_features]) * in_features, name='w')
        self.b = tf.Variable(tf.zeros([out_features]) + out_features, name='b')
class Seq(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = Dense(3, 3)
        self.layers = [Dense(3, 2), {"extra": tf.Variable(7.0)}]
    def __call__(self, x):
        return self.layers[0].w.shape[0] * tf.matmul(x, self.dense_1.w) + self.dense_1.b
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "my_checkpoint")
    tf.train.Checkpoint(model=Seq()).write(path)
    files = sorted(os.listdir(d))
    listed = tf.train.list_variables(path)
    fresh = Seq()
    fresh.dense_1.w.assign(tf.zeros([3, 3]))
    fresh.layers[1]["extra"].assign(0.0)
    tf.train.Checkpoint(model=fresh).restore(path)
result = [tf.constant(files), tf.constant([name for name, _ in listed]),
          tf.constant([str(shape) for _, shape in listed]),
          fresh(tf.constant([[2.0, 2.0, 2.0]])), fresh.layers[1]["extra"]]
"""),
    ("custom_gradient_returning_its_input", """
@tf.custom_gradient
def clip_gradients(y):
    def backward(dy):
        return tf.clip_by_norm(dy, 0.5)
    return y, backward
v = tf.Variable(2.0)
with tf.GradientTape() as t:
    output = clip_gradients(v * v)
w = tf.Variable([3.0, 4.0])
with tf.GradientTape(persistent=True) as t2:
    out2 = clip_gradients(w)
    out3 = tf.reduce_sum(clip_gradients(w * 2.0) * w)
@tf.function
def traced(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = clip_gradients(x * x)
    return tape.gradient(y, x)
result = [t.gradient(output, v), t2.gradient(out2, w), t2.gradient(out3, w),
          traced(tf.constant(2.0))]
"""),
    ("complex_variables_print_and_combine", """
complex_variable = tf.Variable([5 + 4j, 6 + 1j])
d = tf.constant([1 - 1j, 2j])
e = tf.constant([1 + 2j], dtype=tf.complex64)
result = [complex_variable, tf.constant(repr(complex_variable)), tf.constant(str(d)),
          complex_variable + d, complex_variable * d, d - complex_variable, complex_variable / d,
          tf.matmul(tf.reshape(complex_variable, [1, 2]), tf.reshape(d, [2, 1])),
          tf.equal(complex_variable, d), e, tf.cast(tf.constant([1., 2.]), tf.complex64),
          tf.concat([d, d], 0), tf.constant(complex_variable.dtype.is_complex),
          complex_variable.assign([1j, 2])]
"""),
    ("complex_numbers_have_no_order", """
result = tf.constant([1 - 1j, 2j]) > tf.constant([1j, 1j])
"""),
    ("complex_numbers_have_no_maximum", """
result = tf.maximum(tf.constant([1 - 1j, 2j]), tf.constant([1j, 1j]))
"""),
    ("graph_def_of_a_traced_function", """
@tf.function
def f(x, y, b):
    x = tf.matmul(x, y)
    x = x + b
    return x
gd = f.get_concrete_function(tf.constant([[1.0, 2.0]]), tf.constant([[2.0], [3.0]]),
                             tf.constant(4.0)).graph.as_graph_def()
result = [tf.constant([n.name for n in gd.node]), tf.constant([n.op for n in gd.node]),
          tf.constant([",".join(n.input) for n in gd.node]), tf.constant(str(gd).count("node {"))]
"""),
]
