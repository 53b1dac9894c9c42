"""Shared fixtures for the Keras tests: fresh layer names, seeds, finite differences."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import engine as tf
from engine.keras import backend


@pytest.fixture(autouse=True)
def fresh_session():
    """Each test names layers from ``dense`` again and starts from a fixed seed."""
    backend.clear_session()
    tf.keras.utils.set_random_seed(1234)
    yield
    tf.random.set_seed(None)


def central_difference(f: Callable[[], float], array: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d array by central differences, perturbing ``array`` in place (then restoring)."""
    grad = np.zeros_like(array)
    flat, gflat = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        up = f()
        flat[i] = keep - eps
        down = f()
        flat[i] = keep
        gflat[i] = (up - down) / (2 * eps)
    return grad


@pytest.fixture
def numeric_gradient() -> Callable[..., np.ndarray]:
    return central_difference


@pytest.fixture
def check_layer_gradients() -> Callable[..., None]:
    """Compare a float64 layer's input and weight gradients with central differences.

    The scalar is sum(layer(x) * r) for a fixed random r, so every output element carries
    a different upstream gradient. ``seed`` re-seeds before each forward (for Dropout, whose
    seed generator moves on at each call, as Keras 3's does).
    """

    def check(layer, x: np.ndarray, training: bool = False, seed: int | None = None,
              atol: float = 1e-6) -> None:
        x = np.array(x, dtype=np.float64)
        rng = np.random.default_rng(7)

        def forward(inp) -> tf.Tensor:
            if seed is not None:  # the same draws each time (Dropout: its seed generator)
                tf.random.set_seed(seed)
                if hasattr(layer, "seed_generator"):
                    layer.seed_generator.state.assign(np.array([seed, 0], np.int64))
            return layer(inp, training=training)

        r = rng.normal(size=forward(tf.constant(x)).shape)

        def scalar() -> float:
            return float(np.sum(forward(tf.constant(x)).numpy() * r))

        xt = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(xt)
            out = tf.reduce_sum(forward(xt) * tf.constant(r))
        weights = layer.trainable_weights
        grads = tape.gradient(out, [xt] + weights)
        np.testing.assert_allclose(grads[0].numpy(), central_difference(scalar, x), atol=atol,
                                   rtol=1e-5, err_msg=f"{layer.name}: input gradient")
        for w, g in zip(weights, grads[1:]):
            assert g is not None, f"{w.name} has no gradient"
            numeric = central_difference(scalar, w._value)
            np.testing.assert_allclose(g.numpy(), numeric, atol=atol, rtol=1e-5,
                                       err_msg=f"gradient of {w.name}")

    return check
