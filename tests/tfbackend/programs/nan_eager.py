import tensorflow as tf

x = tf.constant([4.0, 1.0, 9.0])
y = tf.sqrt(x - 1.0)
z = tf.math.log(y)  # line 5: log(0) = -inf, the first bad op
print("after", float(tf.reduce_sum(z)))
