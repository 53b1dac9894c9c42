"""Parity cases: a ``None`` signature runs the Python body once (issue 11, area "onetrace"):
what the body prints over several batch sizes, with the results of each call, for
``input_signature``, ``reduce_retracing``, a nested signature, ``tf.shape(x)[0]`` and the
tutorial's training step on a Keras model with a last partial batch. ``make_fixtures.py
onetrace`` stores TensorFlow's answers.

The model and optimizer are built before the traced step: TensorFlow traces a function that
creates variables twice on its first call (Tapescope, at its second shape), which is not
what these cases compare. Printouts are compared as their UTF-8 bytes.
"""

from __future__ import annotations

PRINTED = """import contextlib, io
import numpy as np
def printed(calls):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        results = [call() for call in calls]
    return [np.frombuffer(out.getvalue().encode(), np.uint8)] + results
"""

CASES: list[tuple[str, str]] = [
    ("none_signature_prints_once", PRINTED + """
@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def f(x):
    print("Tracing with", x)
    return x * 2
result = printed([lambda n=n: f(tf.ones([n])) for n in (2, 3, 4)])
result.append(f.experimental_get_tracing_count())
"""),
    ("reduce_retracing_prints_for_two_shapes", PRINTED + """
@tf.function(reduce_retracing=True)
def g(x):
    print("Tracing with", x)
    return tf.reduce_sum(x * x)
result = printed([lambda n=n: g(tf.range(n, dtype=tf.float32)) for n in (1, 2, 3, 4, 6)])
result.append(g.experimental_get_tracing_count())
"""),
    ("nested_signature_prints_once", PRINTED + """
sig = [{"a": tf.TensorSpec([None, 2], tf.float32),
        "b": (tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int32))}]
@tf.function(input_signature=sig)
def h(d):
    print("traced", d["a"].shape, d["b"][0].shape, d["b"][1].shape)
    return tf.reduce_mean(d["a"], axis=1) * d["b"][0] + tf.cast(d["b"][1], tf.float32)
result = printed([lambda n=n: h({"a": tf.reshape(tf.range(2 * n, dtype=tf.float32), [n, 2]),
                                 "b": (tf.fill([n], 2.0), tf.constant(n))})
                  for n in (3, 1, 4)])
"""),
    ("tf_shape_batch_size_prints_once", PRINTED + """
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def k(x):
    n = tf.shape(x)[0]
    print("batch", x.shape[0], n)
    return tf.reduce_sum(x, axis=1) / tf.cast(n, tf.float32), n
result = printed([lambda n=n: k(tf.reshape(tf.range(3 * n, dtype=tf.float32), [n, 3]))
                  for n in (2, 5, 3)])
"""),
    ("keras_train_step_with_partial_batch_prints_once", PRINTED + """
tf.keras.utils.set_random_seed(7)
class MyModel(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.flatten = tf.keras.layers.Flatten()
        self.d1 = tf.keras.layers.Dense(8, activation="relu")
        self.d2 = tf.keras.layers.Dense(3)
    def call(self, x):
        print("call", x.shape)
        return self.d2(self.d1(self.flatten(x)))
model = MyModel()
model(tf.zeros([1, 2, 2]))
loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
optimizer = tf.keras.optimizers.SGD(0.1)
optimizer.build(model.trainable_variables)
train_loss = tf.keras.metrics.Mean(name="train_loss")
train_accuracy = tf.keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")
images = np.linspace(-1.0, 1.0, 11 * 4, dtype=np.float32).reshape(11, 2, 2)
labels = np.arange(11) % 3
ds = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
@tf.function(input_signature=[tf.TensorSpec([None, 2, 2], tf.float32),
                              tf.TensorSpec([None], tf.int64)])
def train_step(images, labels):
    print("train_step", images.shape)
    with tf.GradientTape() as tape:
        predictions = model(images, training=True)
        loss = loss_object(labels, predictions)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    train_loss(loss)
    train_accuracy(labels, predictions)
    return loss
def epochs():
    losses = []
    for _ in range(2):
        for x, y in ds:
            losses.append(train_step(x, y))
    return losses
result = printed([lambda: model(tf.zeros([2, 2, 2])), epochs])
result += [train_loss.result(), train_accuracy.result()] + [w for w in model.weights]
"""),
]

FLOAT32_ULPS = {"keras_train_step_with_partial_batch_prints_once": (
    64, "weights after six SGD steps: TF sums the batch's gradients in another order, and "
        "biases near zero (~3e-4) show those last-bit differences as tens of ulp")}
