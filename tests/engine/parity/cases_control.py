"""Parity cases for control flow and containers (issue 11, area "control"): ``tf.cond``,
``tf.while_loop``, ``tf.map_fn``, ``tf.TensorArray``, ``tf.Module`` — eagerly and inside
``tf.function``, with gradients. ``make_fixtures.py control`` stores TensorFlow's answers.
(``tf.print`` is checked against TensorFlow's printed text in test_control_flow.py.)
"""

from __future__ import annotations

# Names and shapes are Python strings: a case compares their UTF-8 bytes (the engine has no
# string tensors, and the harness compares strings only as tensors).
TEXT = "import numpy as np\ndef text(s):\n    return np.frombuffer(str(s).encode(), np.uint8)\n"

CASES: list[tuple[str, str]] = [
    # -- tf.cond -----------------------------------------------------------------------------
    ("cond_eager_true_branch",
     "result = tf.cond(tf.constant(2.) > 1., lambda: tf.constant([1., 2.]), "
     "lambda: tf.constant([3., 4.]))"),
    ("cond_eager_false_branch_int",
     "result = tf.cond(tf.constant(False), lambda: tf.constant(1), lambda: tf.constant(7))"),
    ("cond_python_bool", "result = tf.cond(True, lambda: tf.constant(1.5), lambda: 2.)"),
    ("cond_nested_structure", """
out = tf.cond(tf.constant(True), lambda: (tf.constant(1), [tf.constant(2.)]),
              lambda: (tf.constant(3), [tf.constant(4.)]))
result = [out[0], out[1][0]]
"""),
    ("cond_gradient_through_taken_branch", """
x = tf.constant(3.)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    y = tf.cond(x > 0., lambda: x * x, lambda: tf.sin(x))
    z = tf.cond(x < 0., lambda: x * x, lambda: 5. * x)
result = [y, tape.gradient(y, x), z, tape.gradient(z, x)]
"""),
    ("cond_variable_gradient", """
v = tf.Variable([1., -2.])
with tf.GradientTape() as tape:
    y = tf.cond(tf.reduce_sum(v) < 0., lambda: tf.reduce_sum(v * v), lambda: tf.reduce_sum(v))
result = [y, tape.gradient(y, v)]
"""),
    ("cond_in_function_follows_each_call", """
@tf.function
def f(x):
    return tf.cond(x > 0., lambda: x * 2., lambda: x - 10.)
result = [f(tf.constant(3.)), f(tf.constant(-3.)), f(tf.constant(0.5))]
"""),
    ("cond_in_function_gradient", """
@tf.function
def f(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.cond(x > 1., lambda: x * x * x, lambda: 3. * x)
    return y, tape.gradient(y, x)
result = [f(tf.constant(2.)), f(tf.constant(0.5))]
"""),
    ("cond_true_fn_not_callable",
     "result = tf.cond(tf.constant(True), 1, lambda: 2)"),
    ("cond_false_fn_not_callable",
     "result = tf.cond(tf.constant(True), lambda: 1, None)"),
    ("cond_vector_predicate",
     "result = tf.cond(tf.constant([True, False]), lambda: 1, lambda: 2)"),
    # -- tf.while_loop -----------------------------------------------------------------------
    ("while_loop_counts", """
result = tf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s * 2.), (0, 1.))
"""),
    ("while_loop_list_of_one",
     "result = tf.while_loop(lambda i: i < 10, lambda i: [i + 3], [tf.constant(0)])"),
    ("while_loop_nested_vars", """
i, (a, b) = tf.while_loop(lambda i, ab: i < 3,
                          lambda i, ab: (i + 1, (ab[0] + ab[1], ab[0])),
                          (tf.constant(0), (tf.constant(1), tf.constant(1))))
result = [i, a, b]
"""),
    ("while_loop_maximum_iterations", """
result = tf.while_loop(lambda i, s: i < 100, lambda i, s: (i + 1, s + 0.5),
                       (tf.constant(0), tf.constant(0.)), maximum_iterations=4)
"""),
    ("while_loop_never_runs_body",
     "result = tf.while_loop(lambda x: x > 5., lambda x: (x * 2.,), (tf.constant(1.),))"),
    ("while_loop_gradient", """
x = tf.constant(1.5)
with tf.GradientTape() as tape:
    tape.watch(x)
    _, y = tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * x), (0, x))
result = [y, tape.gradient(y, x)]
"""),
    ("while_loop_variable_gradient", """
w = tf.Variable(0.5)
with tf.GradientTape() as tape:
    _, y = tf.while_loop(lambda i, y: y < 10., lambda i, y: (i + 1, y * 2. + w),
                         (tf.constant(0), tf.constant(1.)))
result = [y, tape.gradient(y, w)]
"""),
    ("while_loop_in_function_data_dependent", """
@tf.function
def f(x, n):
    return tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + x),
                         (tf.constant(0), tf.zeros_like(x)))
result = [f(tf.constant([1., 2.]), tf.constant(3)), f(tf.constant([1., 2.]), tf.constant(0)),
          f(tf.constant([0.5, 1.]), tf.constant(7))]
"""),
    ("while_loop_in_function_maximum_iterations", """
@tf.function
def f(x):
    return tf.while_loop(lambda s: s < 1000., lambda s: [s * 3.], [x],
                         maximum_iterations=5)
result = [f(tf.constant(1.)), f(tf.constant(500.))]
"""),
    ("while_loop_in_function_reads_variable", """
v = tf.Variable(2.)
@tf.function
def f(x):
    return tf.while_loop(lambda s: s < 50., lambda s: [s * v], [x])
first = f(tf.constant(1.))
v.assign(3.)
result = [first, f(tf.constant(1.))]
"""),
    ("while_loop_in_function_gradient_from_an_outer_tape", """
@tf.function
def f(x, n):
    return tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, tf.tanh(y) * x),
                         (tf.constant(0), x))[1]
x = tf.constant([0.5, 2.])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = f(x, tf.constant(3))
result = [y, tape.gradient(y, x)]
"""),
    ("while_loop_body_changes_structure",
     "result = tf.while_loop(lambda i: i < 10, lambda i: (i + 1, 2), [0])"),
    ("while_loop_body_returns_lone_tensor",
     "result = tf.while_loop(lambda i: i < 10, lambda i: i + 3, [tf.constant(0)])"),
    ("while_loop_maximum_iterations_structure",
     "result = tf.while_loop(lambda i: i < 10, lambda i: i + 1, [0], maximum_iterations=3)"),
    ("while_loop_empty_vars", "result = tf.while_loop(lambda: True, lambda: (), [])"),
    ("while_loop_cond_not_callable", "result = tf.while_loop(1, lambda i: i, [0])"),
    ("while_loop_body_not_callable", "result = tf.while_loop(lambda i: True, 2, [0])"),
    # -- tf.map_fn ---------------------------------------------------------------------------
    ("map_fn_doubles", "result = tf.map_fn(lambda x: x * 2, tf.constant([1, 2, 3]))"),
    ("map_fn_rows", "result = tf.map_fn(lambda r: tf.reduce_sum(r), "
                    "tf.constant([[1., 2.], [3., 4.], [5., 6.]]))"),
    ("map_fn_output_signature_dtype", "result = tf.map_fn(lambda x: tf.cast(x, tf.float32) / 2., "
                                      "tf.constant([1, 2]), fn_output_signature=tf.float32)"),
    ("map_fn_output_signature_spec", """
result = tf.map_fn(lambda x: tf.cast(x > 1, tf.int32), tf.constant([0.5, 1.5, 2.5]),
                   fn_output_signature=tf.TensorSpec([], tf.int32))
"""),
    ("map_fn_tuple_elems", """
result = tf.map_fn(lambda xy: xy[0] * xy[1], (tf.constant([1., 2.]), tf.constant([3., 4.])),
                   fn_output_signature=tf.float32)
"""),
    ("map_fn_tuple_output", """
out = tf.map_fn(lambda x: (x, x * x), tf.constant([1., 2., 3.]),
                fn_output_signature=(tf.float32, tf.float32))
result = list(out)
"""),
    ("map_fn_python_output_converted",
     "result = tf.map_fn(lambda x: 1, tf.constant([1., 2.]))"),
    ("map_fn_empty", "result = tf.map_fn(lambda x: x, tf.zeros([0, 3]))"),
    ("map_fn_gradient", """
x = tf.constant([[1., 2.], [3., 4.]])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.map_fn(lambda r: tf.reduce_sum(r * r), x)
result = [y, tape.gradient(y, x)]
"""),
    ("map_fn_in_function", """
@tf.function
def f(x):
    return tf.map_fn(lambda r: tf.reduce_max(r), x)
result = [f(tf.constant([[1., 5.], [7., 2.]])), f(tf.constant([[0., -1.], [3., 9.]]))]
"""),
    ("map_fn_dtype_mismatch",
     "result = tf.map_fn(lambda x: tf.cast(x, tf.float32), tf.constant([1, 2]))"),
    ("map_fn_scalar_elems", "result = tf.map_fn(lambda x: x, tf.constant(1))"),
    # -- tf.TensorArray ----------------------------------------------------------------------
    ("tensor_array_write_stack", """
ta = tf.TensorArray(tf.float32, size=3)
ta = ta.write(0, [1., 2.]).write(2, tf.constant([5., 6.]))
result = [ta.stack(), ta.size()]
"""),
    ("tensor_array_read_and_unwritten", """
ta = tf.TensorArray(tf.float32, size=2, element_shape=[2])
ta = ta.write(1, [3., 4.])
result = [ta.read(1), ta.read(0)]
"""),
    ("tensor_array_read_clears", """
ta = tf.TensorArray(tf.float32, size=2).write(0, [1., 2.])
first = ta.read(0)
result = [first, ta.stack()]
"""),
    ("tensor_array_read_twice", """
ta = tf.TensorArray(tf.float32, size=1).write(0, 1.)
ta.read(0)
result = ta.read(0)
"""),
    ("tensor_array_keep_after_read", """
ta = tf.TensorArray(tf.int32, size=1, clear_after_read=False).write(0, 4)
result = [ta.read(0), ta.read(0)]
"""),
    ("tensor_array_dynamic_size", """
ta = tf.TensorArray(tf.int32, size=0, dynamic_size=True)
ta = ta.write(3, 5)
result = [ta.size(), ta.stack()]
"""),
    ("tensor_array_unstack", """
ta = tf.TensorArray(tf.float32, size=2).unstack([[1., 2.], [3., 4.]])
result = [ta.read(1), ta.size(), ta.gather([0])]
"""),
    ("tensor_array_unstack_too_many",
     "result = tf.TensorArray(tf.float32, size=0).unstack([[1., 2.], [3., 4.]])"),
    ("tensor_array_empty_stack_element_shape",
     "result = tf.TensorArray(tf.float32, size=0, element_shape=[2]).stack()"),
    ("tensor_array_empty_stack", "result = tf.TensorArray(tf.float32, size=0).stack()"),
    ("tensor_array_concat",
     "result = tf.TensorArray(tf.float32, size=2).unstack([[1., 2.], [3., 4.]]).concat()"),
    ("tensor_array_element_shape", """
ta = tf.TensorArray(tf.float32, size=1, element_shape=[3])
result = [text(str(ta.element_shape)), text(ta.dtype.name),
          text(str(ta.write(0, [1., 2., 3.]).element_shape))]
"""),
    ("tensor_array_write_out_of_range",
     "result = tf.TensorArray(tf.float32, size=2).write(5, [1., 2.])"),
    ("tensor_array_read_out_of_range",
     "result = tf.TensorArray(tf.float32, size=2).read(7)"),
    ("tensor_array_write_wrong_shape",
     "result = tf.TensorArray(tf.float32, size=2).write(0, [1., 2.]).write(1, [1., 2., 3.])"),
    ("tensor_array_write_wrong_element_shape",
     "result = tf.TensorArray(tf.float32, size=1, element_shape=[3]).write(0, [1., 2.])"),
    ("tensor_array_write_wrong_dtype",
     "result = tf.TensorArray(tf.float32, size=1).write(0, tf.constant([1, 2]))"),
    ("tensor_array_write_python_ints_converted",
     "result = tf.TensorArray(tf.float32, size=1).write(0, [1, 2]).stack()"),
    ("tensor_array_gradient_through_stack", """
x = tf.constant([1., 2.])
with tf.GradientTape() as tape:
    tape.watch(x)
    ta = tf.TensorArray(tf.float32, size=2)
    ta = ta.write(0, x * x).write(1, 3. * x)
    y = tf.reduce_sum(ta.stack())
result = [y, tape.gradient(y, x)]
"""),
    ("tensor_array_in_while_loop", """
x = tf.constant(2.)
with tf.GradientTape() as tape:
    tape.watch(x)
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    i, ta = tf.while_loop(lambda i, ta: i < 4,
                          lambda i, ta: (i + 1, ta.write(i, x ** tf.cast(i, tf.float32))),
                          (0, ta))
    powers = ta.stack()
result = [i, powers, tape.gradient(powers, x)]
"""),
    ("tensor_array_in_function", """
@tf.function
def f(x):
    ta = tf.TensorArray(tf.float32, size=3)
    for k in range(3):
        ta = ta.write(k, x * float(k))
    return ta.stack()
result = f(tf.constant([1., 2.]))
"""),
    # -- tf.Module ---------------------------------------------------------------------------
    ("module_name_and_variables", """
class Dense(tf.Module):
    def __init__(self, n, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.ones([2, n]), name="w")
        self.b = tf.Variable(tf.zeros([n]), name="b")
        self.steps = tf.Variable(0, trainable=False, name="steps")
    def __call__(self, x):
        return tf.matmul(x, self.w) + self.b
class Net(tf.Module):
    def __init__(self):
        super().__init__()
        self.layers = [Dense(3, name="first"), Dense(2, name="second")]
        self.scale = {"s": tf.Variable(2., name="scale")}
net = Net()
result = [text(net.name), text(net.layers[0].name), len(net.variables),
          len(net.trainable_variables), [text(v.name) for v in net.trainable_variables],
          [text(m.name) for m in net.submodules],
          [tuple(v.shape) for v in net.trainable_variables]]
"""),
    ("module_default_name_snake_case", """
class MyFancyModel(tf.Module):
    pass
class HTTPModel(tf.Module):
    pass
result = [text(MyFancyModel().name), text(HTTPModel().name), text(tf.Module().name)]
"""),
    ("module_shared_variable_listed_once", """
m = tf.Module()
v = tf.Variable(1.)
m.a = v
m.b = [v, (v,)]
m.c = tf.constant(3.)
result = [len(m.variables), len(m.trainable_variables)]
"""),
    ("module_nested_submodules_order", """
root = tf.Module(name="root")
root.z = tf.Module(name="z")
root.a = tf.Module(name="a")
root.a.inner = tf.Module(name="inner")
root.a.inner.v = tf.Variable(5.)
root.z.v = tf.Variable(6.)
result = [[text(m.name) for m in root.submodules], [v.numpy() for v in root.variables]]
"""),
    ("module_gradient_over_trainable_variables", """
class Line(tf.Module):
    def __init__(self):
        super().__init__()
        self.w = tf.Variable(3.)
        self.b = tf.Variable(1.)
    def __call__(self, x):
        return self.w * x + self.b
line = Line()
with tf.GradientTape() as tape:
    y = line(tf.constant(2.)) ** 2
result = tape.gradient(y, line.trainable_variables)
"""),
    ("module_name_scope", """
m = tf.Module(name="block")
with m.name_scope as scope:
    inner = scope
result = text(inner)
"""),
    ("module_invalid_name", "result = tf.Module(name='not valid')"),
    # -- tf.IndexedSlices: tf.gather's gradient --------------------------------------------
    ("indexed_slices_from_gather", """
p = tf.constant([[1., 2.], [3., 4.], [5., 6.]])
with tf.GradientTape() as tape:
    tape.watch(p)
    y = tf.reduce_sum(tf.gather(p, [2, 0, 2]) ** 2)
g = tape.gradient(y, p)
result = [isinstance(g, tf.IndexedSlices), g.values, g.indices, g.dense_shape, tf.convert_to_tensor(g),
          text(g.dtype.name), text(str(g.shape))]
"""),
    ("indexed_slices_int64_indices_and_2d_indices", """
p = tf.constant([1., 2., 3.])
with tf.GradientTape() as tape:
    tape.watch(p)
    y = tf.reduce_sum(tf.gather(p, tf.constant([[0, 1], [1, 1]], tf.int64)) * 3.)
g = tape.gradient(y, p)
result = [g.values, g.indices, g.dense_shape, tf.convert_to_tensor(g)]
"""),
    ("indexed_slices_two_gathers_concatenate", """
p = tf.constant([[1., 2.], [3., 4.], [5., 6.]])
with tf.GradientTape() as tape:
    tape.watch(p)
    y = tf.reduce_sum(tf.gather(p, [1])) + tf.reduce_sum(tf.gather(p, [0, 1]))
g = tape.gradient(y, p)
result = [isinstance(g, tf.IndexedSlices), g.indices, g.values, tf.convert_to_tensor(g)]
"""),
    ("indexed_slices_meets_dense_gradient", """
p = tf.constant([[1., 2.], [3., 4.]])
with tf.GradientTape() as tape:
    tape.watch(p)
    y = tf.reduce_sum(tf.gather(p, [1])) + tf.reduce_sum(p * p)
g = tape.gradient(y, p)
result = [isinstance(g, tf.IndexedSlices), g]
"""),
    ("indexed_slices_not_along_axis_0_is_dense", """
p = tf.constant([[1., 2.], [3., 4.]])
with tf.GradientTape() as tape:
    tape.watch(p)
    y = tf.reduce_sum(tf.gather(p, [1, 1], axis=1))
g = tape.gradient(y, p)
result = [isinstance(g, tf.IndexedSlices), g]
"""),
    ("indexed_slices_flow_on_through_ops", """
p = tf.constant([[1., 2.], [3., 4.]])
with tf.GradientTape() as tape:
    tape.watch(p)
    q = tf.exp(p)
    y = tf.reduce_sum(tf.gather(q, [0]) * 2.)
result = tape.gradient(y, p)
"""),
    ("indexed_slices_of_a_variable_and_sgd", """
v = tf.Variable([[1., 2.], [3., 4.]])
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(tf.gather(v, [1]) * 3.)
g = tape.gradient(loss, v)
tf.keras.optimizers.SGD(0.1).apply_gradients([(g, v)])
result = [isinstance(g, tf.IndexedSlices), g.indices, g.values, v.read_value()]
"""),
    ("indexed_slices_adam_steps", """
v = tf.Variable([[1., 2.], [3., 4.], [5., 6.]])
opt = tf.keras.optimizers.Adam(0.1)
for idx in ([1], [0, 1], [2, 0]):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.gather(v, idx) ** 2)
    opt.apply_gradients([(tape.gradient(loss, v), v)])
result = v.read_value()
"""),
    ("indexed_slices_adam_and_rmsprop_square_each_slice", """
# a row looked up twice: Keras 3 squares each slice before the rows add up
result = []
for opt in (tf.keras.optimizers.Adam(0.1), tf.keras.optimizers.RMSprop(0.1)):
    v = tf.Variable([[1., 2.], [3., 4.], [5., 6.]])
    for idx in ([2, 2], [0, 2, 0]):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(v, idx) ** 2)
        opt.apply_gradients([(tape.gradient(loss, v), v)])
    result.append(v.read_value())
"""),
    ("indexed_slices_keras_fit_with_a_lookup_layer", """
class Lookup(tf.keras.layers.Layer):
    def build(self, input_shape):
        self.table = self.add_weight(name="table", shape=(5, 2), initializer="zeros")
    def call(self, ids):
        return tf.gather(self.table, tf.cast(ids, tf.int32))
model = tf.keras.Sequential([Lookup(), tf.keras.layers.Flatten(), tf.keras.layers.Dense(1)])
model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
model.build((None, 2))
model.set_weights([np.arange(10, dtype=np.float32).reshape(5, 2) / 10.,
                   np.array([[0.5], [-0.5], [0.25], [1.]], np.float32), np.zeros(1, np.float32)])
x = np.array([[0, 1], [2, 3], [4, 0]], np.float32)
y = np.array([[1.], [0.], [1.]], np.float32)
history = model.fit(x, y, epochs=2, batch_size=3, verbose=0)
result = [w for w in model.weights] + [np.float32(h) for h in history.history["loss"]]
"""),
    ("indexed_slices_constructed", """
s = tf.IndexedSlices(tf.constant([1., 2.]), tf.constant([0, 0]), tf.constant([5]))
result = [tf.convert_to_tensor(s), s.values, s.indices, s.dense_shape, text(str(s))]
"""),
    ("indexed_slices_negated", """
s = -tf.IndexedSlices(tf.constant([1., 2.]), tf.constant([3, 0]), tf.constant([4]))
result = [isinstance(s, tf.IndexedSlices), tf.convert_to_tensor(s)]
"""),
    ("indexed_slices_multiply_converts",
     "result = tf.math.multiply(tf.IndexedSlices(tf.constant([[1., 2.]]), tf.constant([1]), "
     "tf.constant([2, 2])), 2.)"),
    ("indexed_slices_operator_refused",
     "result = tf.IndexedSlices(tf.constant([1.]), tf.constant([0]), tf.constant([2])) * 2."),
    ("indexed_slices_without_dense_shape", """
s = tf.IndexedSlices(tf.constant([1., 2.]), tf.constant([0, 3]))
result = [s.dense_shape is None, text(str(s.shape))]
"""),
]

CASES = [(name, TEXT + code if "text(" in code else code) for name, code in CASES]
