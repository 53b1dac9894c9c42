import tensorflow as tf


@tf.function
def step(v):
    a = v * 2.0
    b = tf.math.log(a - 2.0)  # line 7: log(0) = -inf inside the compiled function
    return tf.reduce_sum(b)


print("result", float(step(tf.constant([1.0, 3.0]))))
print("not reached under --break-on-nan")
