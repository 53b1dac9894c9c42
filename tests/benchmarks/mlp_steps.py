"""The benchmarks' one MNIST MLP (784-128-10, ReLU, softmax, Adam, batch 32), written twice.

``NumpyMLP`` is the floor: the same forward, backward and Adam by hand in numpy, which every
engine ratio is measured against. ``keras_mlp`` is the tutorial's Keras model and train step
on the engine. bench_mnist, bench_probe and bench_step_cost all time these, so their
figures stay comparable (each kept its own copy before, and copies drift).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

BATCH = 32


class NumpyMLP:
    """The floor: float32 parameters, Glorot-uniform kernels, Keras' Adam defaults."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)

        def glorot(fan_in: int, fan_out: int) -> np.ndarray:
            limit = np.sqrt(6 / (fan_in + fan_out))
            return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)

        self.params = [glorot(784, 128), np.zeros(128, np.float32), glorot(128, 10),
                       np.zeros(10, np.float32)]
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.steps = 0

    def step(self, xb: np.ndarray, yb: np.ndarray) -> None:
        """One Adam step on a batch of flat float32 images ``xb`` and integer labels ``yb``."""
        lr, b1, b2, eps = 0.001, 0.9, 0.999, 1e-7
        self.steps += 1
        t = self.steps
        w1, c1, w2, c2 = self.params
        h = np.maximum(xb @ w1 + c1, 0)
        logits = h @ w2 + c2
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        d = p
        d[np.arange(len(yb)), yb] -= 1
        d /= len(yb)
        grads = [None, None, h.T @ d, d.sum(0)]
        dh = d @ w2.T
        dh *= h > 0
        grads[0], grads[1] = xb.T @ dh, dh.sum(0)
        lr_t = float(lr * np.sqrt(1 - b2**t) / (1 - b1**t))  # float: stay in float32
        for k, g in enumerate(grads):
            self.m[k] *= b1
            self.m[k] += (1 - b1) * g
            self.v[k] *= b2
            self.v[k] += (1 - b2) * g * g
            self.params[k] -= lr_t * self.m[k] / (np.sqrt(self.v[k]) + eps)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class indices for flat float32 images."""
        w1, c1, w2, c2 = self.params
        return (np.maximum(x @ w1 + c1, 0) @ w2 + c2).argmax(1)


def keras_mlp(traced: bool, seed: int = 0) -> tuple[object, Callable]:
    """The tutorial's model and train step on the engine (``@tf.function`` when ``traced``):
    ``(model, step)``, ``step(x, y)`` returning the loss."""
    import engine as tf
    from engine.keras import layers, models

    tf.keras.utils.set_random_seed(seed)
    model = models.Sequential([layers.Flatten(input_shape=(28, 28)),
                               layers.Dense(128, activation="relu"),
                               layers.Dense(10, activation="softmax")])
    optimizer = tf.keras.optimizers.Adam(learning_rate=0.001)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()

    def train_step(x, y):
        with tf.GradientTape() as tape:
            predictions = model(x, training=True)
            loss = loss_fn(y, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    return model, (tf.function(train_step) if traced else train_step)
