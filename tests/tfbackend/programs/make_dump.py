"""Writes a tfdbg2 dump (CONCISE_HEALTH) of an eager op and a compiled function into argv[1]."""
import sys

import tensorflow as tf

tf.debugging.experimental.enable_dump_debug_info(
    sys.argv[1], tensor_debug_mode="CONCISE_HEALTH", circular_buffer_size=-1)
x = tf.constant([1.0, 2.0, 3.0])
y = x * 2.0  # line 9: eager Mul


@tf.function
def log_shift(v):
    return tf.reduce_sum(tf.math.log(v - 1.0))  # line 14: Sub, Log (-inf), Sum


log_shift(x)
tf.debugging.experimental.disable_dump_debug_info()
