"""Parity cases for denormal (subnormal) floats: TensorFlow's CPU kernels run with the CPU's
flush-to-zero and denormals-are-zero bits set (``ScopedFlushDenormal``), so a result below
the smallest normal float is 0 and a denormal input counts as 0 in arithmetic and
comparisons, while a denormal constant itself, and ops that only move or re-sign values,
keep it. Eager, inside ``tf.function`` (with arguments, so nothing is folded), gradients,
variable updates and optimizer steps. See ``cases_numerics.py`` for the case format.
"""

from __future__ import annotations

# float32: smallest normal 1.1755e-38; float64: 2.2251e-308. DEN32/DEN64 are denormals.
_SETUP = """
TINY32, TINY64 = 1.1754944e-38, 2.2250738585072014e-308
DEN32 = tf.constant([1.1754944e-40, -3e-42], tf.float32)
DEN64 = tf.constant([2.2250738585072014e-310, -5e-320], tf.float64)
"""

CASES: list[tuple[str, str]] = [
    # -- results that fall below the smallest normal become 0 ---------------------------------
    ("exp_underflow_float32", "result = tf.exp(tf.constant([-87., -88., -100., -104.]))"),
    ("exp_underflow_float64",
     "result = tf.exp(tf.constant([-708., -709., -740., -746.], tf.float64))"),
    ("multiply_into_denormal_float32",
     "result = tf.constant([1e-37, 1e-30, 2e-38]) * tf.constant([1e-3, 1e-9, 0.5])"),
    ("multiply_into_denormal_float64", """
result = (tf.constant([1e-300, 3e-308], tf.float64)
          * tf.constant([1e-10, 0.5], tf.float64))
"""),
    ("divide_into_denormal_float32",
     "result = tf.constant([1e-37, 1e-37]) / tf.constant([1e3, 2.])"),
    ("square_into_denormal", "result = tf.square(tf.constant([1e-20, 3e-19, 2e-19]))"),
    ("sigmoid_far_tail_float32", "result = tf.sigmoid(tf.constant([-87., -87.5, -90., -100.]))"),
    ("sigmoid_far_tail_float64",
     "result = tf.sigmoid(tf.constant([-700., -708.5, -720., -745.], tf.float64))"),
    ("softmax_very_negative_logits_float32",
     "result = tf.nn.softmax(tf.constant([[0., -87., -90., -100.], [-5., 0., -88., -95.]]))"),
    ("softmax_very_negative_logits_float64",
     "result = tf.nn.softmax(tf.constant([0., -700., -720., -745.], tf.float64))"),
    ("matmul_into_denormal_float32", """
a = tf.constant([[1e-37, 0.], [2e-30, 1.]])
result = tf.matmul(a, tf.constant([[1e-3, 1.], [1e-9, 1.]]))
"""),
    ("matmul_into_denormal_float64", """
a = tf.constant([[1e-300, 0.], [2e-300, 1.]], tf.float64)
result = tf.matmul(a, tf.constant([[1e-10, 1.], [1e-9, 1.]], tf.float64))
"""),
    ("batched_matmul_into_denormal", """
a = tf.constant([[[1e-37, 1.]], [[1e-20, 0.]]])
result = tf.matmul(a, tf.constant([[[1e-3], [0.]], [[1e-19], [5.]]]))
"""),
    ("softmax_float32_onednn_exp_floor", """
x = tf.constant([-86.5, -86.6, -86.64, -86.645, -86.65, -86.7, -86.9, -87.])
result = tf.nn.softmax(tf.stack([tf.zeros_like(x), x], 1))
"""),
    ("reduce_sum_to_denormal", "result = tf.reduce_sum(tf.constant([TINY32, -0.5 * TINY32]))"),
    ("reduce_mean_to_denormal", "result = tf.reduce_mean(tf.constant([TINY32, 0., 0., 0.]))"),
    ("reduce_sum_of_denormals", "result = [tf.reduce_sum(DEN32), tf.reduce_sum(DEN64)]"),
    ("log_softmax_keeps_normals",
     "result = tf.nn.log_softmax(tf.constant([0., -87., -100.]))"),
    # -- a denormal input counts as 0 in arithmetic and comparisons ---------------------------
    ("denormal_constant_is_kept", "result = [DEN32, DEN64]"),
    ("denormal_times_large", "result = [DEN32 * 1e10, DEN64 * 1e100]"),
    ("denormal_plus_zero", "result = [DEN32 + 0., DEN64 + tf.constant(0., tf.float64)]"),
    ("denormal_compared_with_zero",
     "result = [DEN32 > 0., DEN32 < 0., tf.equal(DEN32, 0.), tf.not_equal(DEN64, 0.)]"),
    ("denormal_minimum_maximum_relu",
     "result = [tf.maximum(DEN32, 0.), tf.minimum(DEN32, 0.), tf.nn.relu(DEN32)]"),
    ("denormal_sign_sqrt", "result = [tf.sign(DEN32), tf.sqrt(tf.abs(DEN64))]"),
    ("denormal_cast",
     "result = [tf.cast(DEN32, tf.float64), tf.cast(DEN64, tf.float32), "
     "tf.cast(DEN32, tf.float32)]"),
    ("denormal_moved_not_computed", """
result = [tf.identity(DEN32), tf.abs(DEN32), -DEN32, tf.reshape(DEN64, [2, 1]),
          tf.concat([DEN32, DEN32], 0), tf.gather(DEN32, [1, 0]), tf.transpose([DEN64])]
"""),
    ("float16_denormals_are_not_flushed", """
a = tf.constant([1e-6, 3e-5], tf.float16)
result = [a, a * tf.constant(2., tf.float16), tf.constant([1e-3], tf.float16) * 1e-3, a > 0,
          tf.cast(a, tf.float32)]
"""),
    ("denormal_where", "result = tf.where(DEN32 > 0., 1., -1.)"),
    # -- gradients ---------------------------------------------------------------------------------
    ("exp_gradient_underflows", """
x = tf.constant([-88., -50.])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = tf.exp(x)
result = [y, tape.gradient(y, x)]
"""),
    ("multiply_gradient_into_denormal", """
x = tf.constant([1e-20, 1.])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = x * tf.constant([1e-19, 1e-39])
result = tape.gradient(y, x, output_gradients=tf.constant([1., 1e-3]))
"""),
    # -- inside tf.function, on arguments (nothing folded) ----------------------------------------
    ("function_ops_on_arguments", """
@tf.function
def f(a, b, m):
    return [tf.exp(a), a * b, tf.matmul(m, m), b > 0., tf.nn.softmax(a), tf.sigmoid(a)]
result = f(tf.constant([-88., -1.]), tf.constant([1e-3, 1e-40]),
           tf.constant([[1e-20, 0.], [0., 1e-19]]))
"""),
    ("function_matmul_bias_relu", """
@tf.function
def f(x, w, b):
    return tf.nn.relu(tf.matmul(x, w) + b)
result = f(tf.constant([[1e-20, 1.]]), tf.constant([[1e-19, 1.], [0., 1.]]),
           tf.constant([0., 1e-39]))
"""),
    ("function_gradient", """
@tf.function
def f(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(tf.exp(x) * 1e-3)
    return y, tape.gradient(y, x)
result = f(tf.constant([-82., -1.]))
"""),
    ("function_constant_folded", """
@tf.function
def f():
    return tf.exp(tf.constant(-88.)), tf.constant(1e-37) * tf.constant(1e-3)
result = f()
"""),
    # -- variables and optimizers -----------------------------------------------------------------
    ("variable_keeps_denormal_until_updated", """
v = tf.Variable(DEN32)
kept = tf.identity(v)
v.assign_add(tf.zeros(2))
w = tf.Variable(tf.constant([1e-37, 1.]))
w.assign_sub(tf.constant([9.99e-38, 0.]))
result = [kept, v.read_value(), w.read_value()]
"""),
    ("sgd_step_into_denormal", """
v = tf.Variable([0., 1.])
opt = tf.keras.optimizers.SGD(learning_rate=0.01)
opt.apply_gradients([(tf.constant([1e-36, 1e-36]), v)])
result = v.read_value()
"""),
    ("adam_with_tiny_gradients", """
v = tf.Variable([0., 1e-30, 1.])
opt = tf.keras.optimizers.Adam(learning_rate=1e-3)
for _ in range(3):
    opt.apply_gradients([(tf.constant([1e-38, 1e-37, 1e-36]), v)])
result = v.read_value()
"""),
]

CASES = [(name, _SETUP + code) for name, code in CASES]

# A flushed value is exactly 0 and the rest are the same kernels' results: exact where the
# op is one rounding (the default tolerance elsewhere still tells a denormal from 0).
EXACT_FLOAT32 = {"denormal_constant_is_kept", "denormal_moved_not_computed",
                 "multiply_into_denormal_float32", "denormal_times_large"}
