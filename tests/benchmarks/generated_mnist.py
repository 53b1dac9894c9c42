"""MNIST-shaped random data for the benchmarks' ``--smoke`` runs: no files, no download.

A smoke run only checks that a benchmark still runs and prints its figures (the test suite
does that so the benchmarks cannot rot); it must not need ``../shared`` or the network.
"""

from __future__ import annotations

import numpy as np


def mnist_like(n_train: int, n_test: int, seed: int = 0) -> tuple:
    """``((x_train, y_train), (x_test, y_test))`` shaped and typed as
    ``datasets.mnist.load_data()`` returns them: uint8 28x28 images, uint8 labels 0-9."""
    rng = np.random.default_rng(seed)

    def part(n: int) -> tuple[np.ndarray, np.ndarray]:
        return (rng.integers(0, 256, (n, 28, 28), dtype=np.uint8),
                rng.integers(0, 10, n, dtype=np.uint8))

    return part(n_train), part(n_test)
