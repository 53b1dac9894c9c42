import engine as tf
import numpy as np

# Constants: Input data
x_train = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0], dtype=tf.float32)
y_train = tf.constant([2.0, 4.0, 6.0, 8.0, 10.0], dtype=tf.float32)  # y = 2x

# Variables: Trainable parameters
w = tf.Variable(0.0, dtype=tf.float32)
b = tf.Variable(0.0, dtype=tf.float32)


# Model
def model(x):
    return w * x + b


# Loss function
def loss_fn(y_pred, y_true):
    return tf.reduce_mean(tf.square(y_pred - y_true))


# Optimizer
optimizer = tf.keras.optimizers.SGD(learning_rate=0.01)

# Training loop
for epoch in range(100):
    with tf.GradientTape() as tape:
        y_pred = model(x_train)
        loss = loss_fn(y_pred, y_train)
    gradients = tape.gradient(loss, [w, b])
    optimizer.apply_gradients(zip(gradients, [w, b]))
    if epoch % 10 == 0:
        print(f"Epoch {epoch}, Loss: {loss:.4f}, w: {w.numpy():.4f}, b: {b.numpy():.4f}")

# Final parameters
print(f"Learned w: {w.numpy():.4f}, b: {b.numpy():.4f}")  # Approx. w=2, b=0
