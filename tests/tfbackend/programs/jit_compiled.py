"""A tf.function(jit_compile=True): XLA cannot run the reports, so watching turns it off."""
import tensorflow as tf


@tf.function(jit_compile=True)
def f(x):
    return tf.reduce_sum(tf.math.log(x - 1.0))  # line 7


print("value", float(f(tf.constant([2.0, 3.0]))))
