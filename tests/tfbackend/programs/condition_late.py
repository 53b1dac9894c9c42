import tensorflow as tf


@tf.function
def scale(v):
    return tf.reduce_sum(v * 10.0)  # line 6: largest 30, then 60


x = tf.constant([1.0, 2.0, 3.0])
print("first", float(scale(x)))
doubled = x * 2.0  # line 11: paused here, a condition breakpoint is set
print("second", float(scale(doubled)))  # scale is not traced again
