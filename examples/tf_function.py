import engine as tf


@tf.function
def compute_sum(a, b):
    return a + b


a = tf.constant([1, 2, 3])
b = tf.constant([4, 5, 6])
result = compute_sum(a, b)
print(result)  # tf.Tensor([5 7 9], shape=(3,), dtype=int32)
