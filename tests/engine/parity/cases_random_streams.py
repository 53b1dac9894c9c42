"""Parity cases for traced random ops' streams (area "random_streams"): TensorFlow runs one
graph per function with one kernel per random op, so its draws go on from call to call, for
every batch size of a ``None`` signature and with or without a tape around the call."""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    ("none_signature_shapes_draw_from_one_stream", """
tf.random.set_seed(1)
@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def f(x):
    return x + tf.random.uniform(tf.shape(x))
result = [f(tf.zeros([n])) for n in (2, 3, 2, 4, 3)]
"""),
    ("reduce_retracing_shapes_draw_from_one_stream", """
tf.random.set_seed(2)
@tf.function(reduce_retracing=True)
def f(x):
    return x * tf.random.normal(tf.shape(x), seed=5)
result = [f(tf.ones([n])) for n in (1, 2, 3, 2, 5)]
"""),
    ("a_tape_around_some_calls_does_not_change_the_draws", """
tf.random.set_seed(3)
@tf.function
def f(x):
    return x * tf.random.uniform([3])
result = []
for taped in (False, True, False, True):
    if taped:
        with tf.GradientTape():
            result.append(f(tf.ones([3])))
    else:
        result.append(f(tf.ones([3])))
"""),
    ("a_dropout_in_a_none_signature_step_draws_from_one_stream", """
tf.random.set_seed(4)
@tf.function(input_signature=[tf.TensorSpec([None, 4], tf.float32)])
def f(x):
    return tf.nn.dropout(x, rate=0.5)
result = [f(tf.ones([n, 4])) for n in (3, 2, 3)]
"""),
]
