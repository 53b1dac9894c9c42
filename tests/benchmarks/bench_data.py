"""tf.data speed: one epoch of the MNIST tutorial's pipeline against a hand-written numpy loop.

The tutorial builds ``from_tensor_slices((x_train, y_train)).batch(32).shuffle(10000)`` over
60,000 float64 images (``x_train / 255.0``) and iterates it once per epoch; the target is
well under 0.3 s per epoch. The numpy loop hands out the same batches (views, in a random
order) with no pipeline at all, so the ratio is the pipeline's whole overhead.

Run: ``PYTHONPATH=. python tests/benchmarks/bench_data.py`` (uses $TAPESCOPE_DATA's MNIST
when present, else random images of the same shape).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine.data import Dataset


def mnist_arrays(smoke: bool = False) -> tuple[np.ndarray, np.ndarray, str]:
    if smoke:  # generated, small: a smoke run reads no files
        rng = np.random.default_rng(0)
        return (rng.random((2000, 28, 28)), rng.integers(0, 10, 2000).astype(np.uint8),
                "random data (smoke run)")
    root = os.environ.get("TAPESCOPE_DATA") or str(Path(__file__).resolve().parents[3]
                                                    / "shared" / "data")
    if (Path(root) / "mnist").is_dir():
        os.environ["TAPESCOPE_DATA"] = root
        from engine.keras.datasets import mnist

        start = time.perf_counter()
        (x_train, y_train), _ = mnist.load_data()
        return x_train / 255.0, y_train, f"MNIST ({time.perf_counter() - start:.3f} s to load)"
    rng = np.random.default_rng(0)
    return (rng.random((60000, 28, 28)), rng.integers(0, 10, 60000).astype(np.uint8),
            "random data (no MNIST files found)")


def best_of(repeats: int, epoch: Callable[[], int]) -> tuple[float, int]:
    """Fastest of ``repeats`` epochs (the others are noise from the machine) and its count."""
    times, count = [], 0
    for _ in range(repeats):
        start = time.perf_counter()
        count = epoch()
        times.append(time.perf_counter() - start)
    return min(times), count


def main(smoke: bool = False) -> None:
    """``smoke``: 2,000 random images, each epoch timed once (checks the script runs)."""
    x_train, y_train, source = mnist_arrays(smoke)
    repeats = 1 if smoke else 5
    print(f"data: {source}; x {x_train.shape} {x_train.dtype}, y {y_train.shape} {y_train.dtype}")

    tutorial = Dataset.from_tensor_slices((x_train, y_train)).batch(32).shuffle(10000)

    def pipeline_epoch() -> int:
        n = 0
        for _images, labels in tutorial:
            n += labels.shape[0]
        return n

    rng = np.random.default_rng(0)

    def numpy_epoch() -> int:
        n = 0
        for b in rng.permutation(len(x_train) // 32 + (len(x_train) % 32 > 0)):
            _images, labels = x_train[b * 32:(b + 1) * 32], y_train[b * 32:(b + 1) * 32]
            n += labels.shape[0]
        return n

    t_pipe, n_pipe = best_of(repeats, pipeline_epoch)
    t_np, n_np = best_of(repeats, numpy_epoch)
    assert n_pipe == n_np == len(x_train)
    print(f"batch(32).shuffle(10000), one epoch of {len(tutorial)} batches: {t_pipe * 1e3:.1f} ms "
          f"(target < 300 ms); numpy loop {t_np * 1e3:.1f} ms; ratio {t_pipe / t_np:.1f}x")

    # The other order (shuffle examples, then batch) gathers every batch: a memory-bound copy.
    examples = Dataset.from_tensor_slices((x_train, y_train)).shuffle(10000).batch(32)

    def gather_epoch() -> int:
        n = 0
        for _images, labels in examples:
            n += labels.shape[0]
        return n

    def numpy_gather_epoch() -> int:
        order = rng.permutation(len(x_train))
        n = 0
        for lo in range(0, len(order), 32):
            index = order[lo:lo + 32]
            _images, labels = x_train[index], y_train[index]
            n += labels.shape[0]
        return n

    t_pipe, n_pipe = best_of(min(repeats, 3), gather_epoch)
    t_np, _ = best_of(min(repeats, 3), numpy_gather_epoch)
    assert n_pipe == len(x_train)
    print(f"shuffle(10000).batch(32), one epoch of {len(examples)} batches: {t_pipe * 1e3:.1f} ms; "
          f"numpy gather loop {t_np * 1e3:.1f} ms; ratio {t_pipe / t_np:.1f}x")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="small random data, to check the script runs (the test suite does)")
    main(parser.parse_args().smoke)
