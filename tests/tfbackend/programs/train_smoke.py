"""Smoke program of the tensorflow backend: eager ops, a tape, a compiled function that
makes -inf, and a tiny Keras fit (steps, epochs, scalars). Line numbers are asserted."""
import numpy as np
import tensorflow as tf

x = tf.constant([1.0, 2.0, 3.0])
w = tf.Variable([0.5, -0.5, 0.25], name="w")
with tf.GradientTape() as tape:
    y = tf.reduce_sum(w * x)  # line 9: eager Mul and Sum
grad = tape.gradient(y, w)


@tf.function
def log_shift(v):
    z = tf.math.log(v - 1.0)  # line 15: log(0) = -inf in the first element
    return tf.reduce_sum(z * 2.0)


print("log_shift", float(log_shift(x)))

rng = np.random.default_rng(0)
features = rng.normal(size=(16, 4)).astype("float32")
labels = (features[:, 0] > 0).astype("int32")
model = tf.keras.Sequential([tf.keras.Input((4,)), tf.keras.layers.Dense(3, activation="relu"),
                             tf.keras.layers.Dense(2)])
model.compile(optimizer="adam",
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
model.fit(features, labels, epochs=2, batch_size=8, verbose=0)

# an eager Keras step: Dense's fast path names its op type in bytes
model(features[:2], training=True)

# a custom training loop over a dataset: 2 epochs of 2 batches
dataset = tf.data.Dataset.from_tensor_slices((features, labels)).batch(8)
sgd = tf.keras.optimizers.SGD(0.1)
for _epoch in range(2):
    for xb, yb in dataset:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.keras.losses.sparse_categorical_crossentropy(
                yb, model(xb), from_logits=True))
        sgd.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                                model.trainable_variables))
