"""Parity cases for ``tf.random``: stateless draws and ``tf.random.Generator`` give
TensorFlow's own numbers (Philox-4x32-10, keyed and counted as TensorFlow does);
stateful ops after ``tf.random.set_seed`` (uniform, normal, truncated_normal, categorical,
shuffle, in eager code and in traced functions, repeated draws and op seeds) draw
TensorFlow's values too; plus dtypes, shapes and errors. A stateful case ends with
``tf.random.set_seed(None)``: the fixtures are made in one process.
"""

from __future__ import annotations

_INF = "inf = float('inf')\n"

CASES: list[tuple[str, str]] = [
    # -- stateless_uniform -------------------------------------------------------------------
    ("stateless_uniform_float32", "result = tf.random.stateless_uniform([7], seed=[1, 2])"),
    ("stateless_uniform_matrix_bounds", "result = tf.random.stateless_uniform([3, 5], "
     "seed=[12345, -6789], minval=-2., maxval=3.)"),
    ("stateless_uniform_float64", "result = tf.random.stateless_uniform([5], seed=[7, 8], "
     "dtype=tf.float64)"),
    ("stateless_uniform_float16", "result = tf.random.stateless_uniform([6], seed=[7, 8], "
     "dtype=tf.float16)"),
    ("stateless_uniform_int32", "result = tf.random.stateless_uniform([9], seed=[3, 4], "
     "minval=-5, maxval=17, dtype=tf.int32)"),
    ("stateless_uniform_int64", "result = tf.random.stateless_uniform([5], seed=[3, 4], "
     "minval=-1000, maxval=10**12, dtype=tf.int64)"),
    ("stateless_uniform_int64_seed_tensor", "result = tf.random.stateless_uniform([2, 2], "
     "seed=tf.constant([2**40, -1], tf.int64))"),
    ("stateless_uniform_large", "result = tf.reduce_sum(tf.random.stateless_uniform("
     "[1000], seed=[0, 0]))"),
    ("stateless_uniform_scalar_shape", "result = tf.random.stateless_uniform([], seed=[5, 6])"),
    ("stateless_uniform_seed_shape", "result = tf.random.stateless_uniform([2], seed=[1, 2, 3])"),
    ("stateless_uniform_seed_scalar", "result = tf.random.stateless_uniform([2], seed=5)"),
    ("stateless_uniform_float_seed", "result = tf.random.stateless_uniform([2], "
     "seed=[1., 2.])"),
    ("stateless_uniform_int_without_maxval", "result = tf.random.stateless_uniform([2], "
     "seed=[1, 2], dtype=tf.int32)"),
    ("stateless_uniform_empty_range", "result = tf.random.stateless_uniform([2], seed=[1, 2], "
     "minval=5, maxval=5, dtype=tf.int32)"),
    ("stateless_uniform_bool", "result = tf.random.stateless_uniform([2], seed=[1, 2], "
     "dtype=tf.bool)"),
    ("stateless_uniform_full_range", "result = [tf.random.stateless_uniform([5], seed=[1, 2], "
     "minval=None, maxval=None, dtype=d) for d in (tf.int32, tf.int64, tf.uint32, "
     "tf.uint64)]"),
    ("stateless_uniform_unsigned_with_bounds", "result = tf.random.stateless_uniform([2], "
     "seed=[1, 2], minval=0, maxval=5, dtype=tf.uint32)"),
    ("stateless_uniform_only_minval_none", "result = tf.random.stateless_uniform([2], "
     "seed=[1, 2], minval=None, maxval=5, dtype=tf.int32)"),
    # -- stateless_normal --------------------------------------------------------------------
    ("stateless_normal_float32", "result = tf.random.stateless_normal([7], seed=[3, 4])"),
    ("stateless_normal_mean_stddev", "result = tf.random.stateless_normal([2, 3], "
     "seed=[-9, 99], mean=1.5, stddev=0.25)"),
    ("stateless_normal_float64", "result = tf.random.stateless_normal([5], seed=[3, 4], "
     "dtype=tf.float64)"),
    ("stateless_normal_float16", "result = tf.random.stateless_normal([5], seed=[3, 4], "
     "dtype=tf.float16)"),
    ("stateless_normal_many", "x = tf.random.stateless_normal([4001], seed=[11, 12])\n"
     "result = [x[:50], x[-3:]]"),
    ("stateless_normal_int", "result = tf.random.stateless_normal([2], seed=[1, 2], "
     "dtype=tf.int32)"),
    # -- Generator ---------------------------------------------------------------------------
    ("generator_from_seed_state",
     "result = tf.random.Generator.from_seed(1234).state.read_value()"),
    ("generator_state_of_negative_and_big_seeds", "result = ["
     "tf.random.Generator.from_seed(-3).state.read_value(), "
     "tf.random.Generator.from_seed(2**70 + 5).state.read_value()]"),
    ("generator_draws_and_state", """g = tf.random.Generator.from_seed(1234)
a = g.normal([5])
s1 = g.state.read_value()
b = g.uniform([3])
c = g.normal([2, 2], mean=3., stddev=2., dtype=tf.float64)
d = g.uniform([4], minval=-10, maxval=10, dtype=tf.int32)
e = g.uniform([3], minval=2., maxval=4., dtype=tf.float64)
result = [a, s1, b, c, d, e, g.state.read_value()]
"""),
    ("generator_same_seed_same_stream", """g1 = tf.random.Generator.from_seed(7)
g2 = tf.random.Generator.from_seed(7)
result = [g1.normal([3]), g1.normal([3]), g2.normal([6])]
"""),
    ("generator_full_range_ints", """g = tf.random.Generator.from_seed(99)
result = [g.uniform([3], minval=None, maxval=None, dtype=tf.int64), g.uniform_full_int([3]),
          g.uniform_full_int([2], dtype=tf.int32), g.state.read_value()]
"""),
    ("generator_uniform_int_without_maxval",
     "result = tf.random.Generator.from_seed(1).uniform([2], dtype=tf.int32)"),
    ("generator_normal_int", "result = tf.random.Generator.from_seed(1).normal([2], "
     "dtype=tf.int32)"),
    # -- categorical -------------------------------------------------------------------------
    ("categorical_certain", _INF + "result = tf.random.categorical([[-inf, 0., -inf], "
     "[3., -inf, -inf]], 4, seed=1)"),
    ("categorical_int32", _INF + "result = tf.random.categorical(tf.constant([[-inf, 2.]]), "
     "3, dtype=tf.int32)"),
    ("categorical_shape_dtype", "x = tf.random.categorical(tf.zeros((4, 3)), 7)\n"
     "result = [tf.shape(x), tf.reduce_all((x >= 0) & (x < 3))]"),
    ("categorical_zero_samples", "result = tf.random.categorical(tf.zeros((2, 3)), 0)"),
    ("categorical_no_finite_logit", _INF + "result = tf.random.categorical([[-inf, -inf]], "
     "2)"),
    ("categorical_float64", _INF + "result = tf.random.categorical(tf.constant([[0., -inf]], "
     "tf.float64), 2)"),
    ("categorical_vector_logits", "result = tf.random.categorical([1., 2.], 3)"),
    ("categorical_float_dtype", "result = tf.random.categorical([[1., 2.]], 3, "
     "dtype=tf.float32)"),
    ("categorical_int_logits", "result = tf.random.categorical([[1, 2]], 3)"),
    ("categorical_negative_samples", "result = tf.random.categorical([[1., 2.]], -1)"),
    ("categorical_no_classes", "result = tf.random.categorical(tf.zeros((2, 0)), 2)"),
    # -- stateful draws after set_seed ---------------------------------------------------------
    ("stateful_uniform_after_set_seed", """
tf.random.set_seed(1)
result = [tf.random.uniform([3]), tf.random.uniform([5]), tf.random.uniform([2], seed=5),
          tf.random.uniform([2], seed=5), tf.random.uniform([3], dtype=tf.float64)]
tf.random.set_seed(None)
"""),
    ("stateful_uniform_bounds_and_ints", """
tf.random.set_seed(7)
result = [tf.random.uniform([4], -1.0, 3.0), tf.random.uniform([3], 0, 5.0),
          tf.random.uniform([6], 2, 9, dtype=tf.int32),
          tf.random.uniform([3], -10, 10**12, dtype=tf.int64)]
tf.random.set_seed(None)
"""),
    ("stateful_set_seed_restarts_the_streams", """
tf.random.set_seed(3)
a = [tf.random.normal([4]), tf.random.uniform([2], seed=1), tf.random.uniform([2], seed=1)]
tf.random.set_seed(3)
b = [tf.random.normal([4]), tf.random.uniform([2], seed=1), tf.random.uniform([2], seed=1)]
result = a + b
tf.random.set_seed(None)
"""),
    ("stateful_op_seed_without_global_seed", """
tf.random.set_seed(None)
result = [tf.random.normal([3], seed=11), tf.random.normal([3], seed=11),
          tf.random.uniform([2], seed=0)]
"""),
    ("stateful_normal_mean_stddev_dtypes", """
tf.random.set_seed(2)
result = [tf.random.normal([5], 2.0, 0.5), tf.random.normal([3], -1.0, 3.0, tf.float64),
          tf.random.normal([2, 3])]
tf.random.set_seed(None)
"""),
    ("stateful_truncated_normal", """
tf.random.set_seed(4)
result = [tf.random.truncated_normal([9]), tf.random.truncated_normal([5], 1.0, 2.0,
          tf.float64), tf.random.truncated_normal([2, 3], seed=8)]
tf.random.set_seed(None)
"""),
    ("stateful_categorical", """
tf.random.set_seed(5)
result = [tf.random.categorical([[0.0, 1.0, 2.0]], 8),
          tf.random.categorical([[0.0, 1.0, 2.0], [1.0, -1.0, 0.5]], 5, seed=3),
          tf.random.categorical(tf.constant([[0.5, float("-inf"), 0.1]], tf.float64), 6),
          tf.random.categorical([[1.0, 2.0]], 3, dtype=tf.int32)]
tf.random.set_seed(None)
"""),
    ("stateful_shuffle", """
tf.random.set_seed(6)
result = [tf.random.shuffle(tf.range(6)), tf.random.shuffle(tf.range(6)),
          tf.random.shuffle(tf.reshape(tf.range(10.0), [5, 2]), seed=2),
          tf.random.shuffle(tf.constant([7])), tf.random.shuffle(tf.range(40))]
tf.random.set_seed(None)
"""),
    ("stateful_draws_in_a_traced_function", """
tf.random.set_seed(1)
@tf.function
def f():
    return [tf.random.uniform([2]), tf.random.normal([2]), tf.random.uniform([2], seed=7),
            tf.random.shuffle(tf.range(5)), tf.random.categorical([[0.0, 1.0]], 4)]
result = f() + f()
tf.random.set_seed(None)
"""),
    ("stateful_draws_in_a_traced_loop_and_branches", """
tf.random.set_seed(1)
@tf.function
def f(n):
    s = tf.zeros([2])
    i = tf.constant(0)
    while i < n:
        s += tf.random.uniform([2])
        i += 1
    return s
@tf.function
def g(x):
    if tf.reduce_sum(x) > 0:
        y = tf.random.normal([2])
    else:
        y = tf.random.uniform([2])
    return y
result = [f(tf.constant(3)), f(tf.constant(2)), g(tf.constant(1.0)), g(tf.constant(-1.0)),
          g(tf.constant(1.0))]
tf.random.set_seed(None)
"""),
    ("stateful_dropout_after_set_seed", """
tf.random.set_seed(9)
result = [tf.nn.dropout(tf.ones([8]), 0.5), tf.nn.dropout(tf.ones([2, 3]), 0.25, seed=3)]
tf.random.set_seed(None)
"""),
    ("stateful_uniform_int_empty_range_raises", """
result = tf.random.uniform([2], 5, 5, dtype=tf.int32)
"""),
]
