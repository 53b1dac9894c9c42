"""``keras.utils``: the helpers training scripts call."""

from __future__ import annotations

import random

import numpy as np

from engine.ops import random_seed


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, numpy's global generator and ``tf.random`` at once, as
    Keras 3 does: the model's initial weights, dropout masks and tf.random draws repeat
    (and are Keras 3's on TensorFlow for the same seed)."""
    if not isinstance(seed, int):
        raise ValueError("Expected `seed` argument to be an integer. "
                         f"Received: seed={seed} (of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
    random_seed.set_seed(seed)
