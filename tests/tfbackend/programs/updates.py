"""Optimizer updates on real TensorFlow: two eager SGD steps on w, then two compiled ones
on v (gradients are constants, so every update is known: -0.5 * c)."""
import tensorflow as tf

c = tf.constant([1.0, -2.0])
w = tf.Variable([1.0, 2.0], name="w")
v = tf.Variable([3.0, 4.0], name="v")
idle = tf.Variable([5.0], name="idle")  # no gradient: not updated, not reported
sgd = tf.keras.optimizers.SGD(0.5)
for _ in range(2):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * c) + tf.reduce_sum(idle * 0.0)
    grads = tape.gradient(loss, [w, idle], unconnected_gradients="none")
    sgd.apply_gradients([(grads[0], w), (None, idle)])

compiled_sgd = tf.keras.optimizers.SGD(0.5)


@tf.function
def step():
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(v * c)
    compiled_sgd.apply_gradients([(tape.gradient(loss, v), v)])


for _ in range(2):
    step()
print("w", w.numpy().tolist(), "v", v.numpy().tolist())
