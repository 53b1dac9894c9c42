import engine as tf
from engine.keras import datasets, layers, models

# Load and preprocess data
(x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
x_train, x_test = x_train / 255.0, x_test / 255.0

# Build model
model = models.Sequential([
    layers.Flatten(input_shape=(28, 28)),
    layers.Dense(128, activation='relu'),
    layers.Dense(10, activation='softmax')
])

# Custom training loop
optimizer = tf.keras.optimizers.Adam(learning_rate=0.001)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = loss_fn(y, predictions)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


# Training
batch_size = 32
train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(batch_size).shuffle(10000)
test_dataset = tf.data.Dataset.from_tensor_slices((x_test, y_test)).batch(batch_size)
for epoch in range(5):
    total_loss = 0
    for x_batch, y_batch in train_dataset:
        loss = train_step(x_batch, y_batch)
        total_loss += loss
    print(f"Epoch {epoch+1}, Loss: {total_loss.numpy()/len(train_dataset):.4f}")

# Evaluation
accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
for x_batch, y_batch in test_dataset:
    predictions = model(x_batch, training=False)
    accuracy.update_state(y_batch, predictions)
print(f"Test accuracy: {accuracy.result().numpy():.4f}")

# Save model
model.save('mnist_model')
