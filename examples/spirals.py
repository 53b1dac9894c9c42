"""Built-in demo: a small MLP learns to separate two interleaved spirals (no download).

Written the way the TensorFlow tutorials teach it, so it runs with `import tensorflow as tf`
too: a tf.data pipeline, a Keras model, a @tf.function train step with GradientTape and Adam,
a metric, and one tf.summary-style scalar per epoch for the plots.
"""

import numpy as np

import engine as tf

tf.keras.utils.set_random_seed(0)  # the same initial weights, and so the same run, every time

# Two spirals, 400 points each, with a little noise.
rng = np.random.default_rng(0)
n = 400
t = np.sqrt(rng.random(n)) * 3 * np.pi
arm = np.stack([t * np.cos(t), t * np.sin(t)], axis=1) / (3 * np.pi)
x = np.concatenate([arm, -arm]) + rng.normal(scale=0.03, size=(2 * n, 2))
y = np.concatenate([np.zeros(n), np.ones(n)]).astype(np.int64)
x = x.astype(np.float32)

dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(2 * n, seed=0).batch(32)

model = tf.keras.Sequential([
    tf.keras.layers.Dense(32, activation="relu", input_shape=(2,)),
    tf.keras.layers.Dense(32, activation="relu"),
    tf.keras.layers.Dense(2),
])
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.Adam(learning_rate=0.01)
accuracy = tf.keras.metrics.SparseCategoricalAccuracy()


@tf.function
def train_step(x_batch, y_batch):
    with tf.GradientTape() as tape:
        logits = model(x_batch, training=True)
        loss = loss_fn(y_batch, logits)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    accuracy.update_state(y_batch, logits)
    return loss


for epoch in range(30):
    accuracy.reset_state()
    total = 0.0
    for x_batch, y_batch in dataset:
        total += float(train_step(x_batch, y_batch))
    tf.summary.scalar("accuracy", accuracy.result(), step=epoch)
    if epoch % 5 == 4:
        print(f"Epoch {epoch + 1}: loss {total / len(dataset):.4f}, "
              f"accuracy {float(accuracy.result()):.3f}")
