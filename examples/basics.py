import engine as tf

print(tf.__version__)
print(tf.executing_eagerly())  # True
tf.compat.v1.enable_eager_execution()  # for TensorFlow 1.x compatibility mode; harmless in 2.x

# Basic operations
a = tf.constant([1, 2, 3])
b = tf.constant([4, 5, 6])
sum_ab = a + b  # Immediate execution
print(sum_ab)  # tf.Tensor([5 7 9], shape=(3,), dtype=int32)

# Matrix multiplication
matrix1 = tf.constant([[1, 2], [3, 4]])
matrix2 = tf.constant([[5, 6], [7, 8]])
matmul = tf.matmul(matrix1, matrix2)
print(matmul)  # [[19 22] [43 50]], shape=(2, 2), dtype=int32
print(sum_ab.numpy())
