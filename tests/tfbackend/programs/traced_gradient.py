"""A tape.gradient inside a compiled function: a gradient event per run (line asserted)."""
import tensorflow as tf

w = tf.Variable([1.0, 2.0], name="w")
b = tf.Variable(3.0, name="b")
unused = tf.Variable(0.0, name="unused")


@tf.function
def step(x):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * x) + b
    return tape.gradient(loss, [w, b, unused])  # line 13


for _ in range(2):
    step(tf.constant([3.0, 4.0]))
