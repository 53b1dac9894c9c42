import tensorflow as tf

x = tf.constant([1.0, 2.0, 3.0])
y = x * 2.0  # line 4: an eager Mul, largest element 6


@tf.function
def scale(v):
    a = v + 1.0  # line 9: largest 4
    b = a * 10.0  # line 10: largest 40, inside the compiled function
    return tf.reduce_sum(b)


print("result", float(scale(x)))
print("not reached when a condition held")
