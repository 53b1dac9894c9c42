"""A ``None`` input_signature: what a call at a new batch size costs, and a step after.

The tutorial's Keras MLP (784-128-10, Dropout, Adam, loss and metrics) in a training step
traced two ways in this one run, with one BLAS thread: with ``input_signature`` of a
``None`` batch (the first graph replayed for each new size once a check showed it generic,
``engine.function.TraceFamily``), and without one (the Python body traced for every new
size). Prints, per way, the mean seconds of a first call at each of several new batch
sizes, the mean of the steady steps, how often the body ran, and the ratios.

    python tests/benchmarks/bench_none_signature.py [--sizes 16] [--smoke]

Under load the figures swing: compare the ratios of one run, and the load it prints.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np


def make_step(tf: object, signature: bool) -> tuple:
    """A fresh model, optimizer and traced train step (its Python body counts its runs)."""
    layers = tf.keras.layers
    tf.keras.utils.set_random_seed(0)
    model = tf.keras.Sequential([layers.Flatten(), layers.Dense(128, activation="relu"),
                                 layers.Dropout(0.2), layers.Dense(10)])
    model(tf.zeros([1, 28, 28]))
    optimizer = tf.keras.optimizers.Adam()
    optimizer.build(model.trainable_variables)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    mean = tf.keras.metrics.Mean()
    accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
    runs = [0]

    def step(images, labels):
        runs[0] += 1
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = loss_object(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        mean(loss)
        accuracy(labels, predictions)
        return loss

    spec = [tf.TensorSpec([None, 28, 28], tf.float32), tf.TensorSpec([None], tf.int64)]
    traced = tf.function(step, input_signature=spec) if signature else tf.function(step)
    return traced, runs


def measure(signature: bool, sizes: list[int], steps: int) -> tuple[float, float, int]:
    import engine as tf

    step, runs = make_step(tf, signature)
    rng = np.random.default_rng(0)

    def batch(n: int) -> tuple:
        return (tf.constant(rng.random((n, 28, 28), dtype=np.float32)),
                tf.constant(rng.integers(0, 10, n)))

    step(*batch(32))  # the first trace, alike for both
    firsts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the unsigned step warns about its retracing
        for n in sizes:
            args = batch(n)
            start = time.perf_counter()
            step(*args)
            firsts.append(time.perf_counter() - start)
    args = batch(32)
    start = time.perf_counter()
    for _ in range(steps):
        step(*args)
    return float(np.mean(firsts)), (time.perf_counter() - start) / steps, runs[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, default=16, help="new batch sizes to call with")
    parser.add_argument("--steps", type=int, default=200, help="steady steps timed after")
    parser.add_argument("--smoke", action="store_true", help="2 sizes, 3 steps (the suite)")
    options = parser.parse_args()
    if options.smoke:
        options.sizes, options.steps = 2, 3
    from threadpoolctl import threadpool_limits

    print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    sizes = [31 - i for i in range(options.sizes)]
    with threadpool_limits(1):
        results = {}
        for _ in range(2):  # alternated, the second round reported
            for signature in (True, False):
                results[signature] = measure(signature, sizes, options.steps)
    for signature, (first, steady, runs) in results.items():
        way = "input_signature [None]" if signature else "no signature"
        print(f"{way:24s} first call at a new size {first * 1e3:8.2f} ms   steady step "
              f"{steady * 1e3:6.3f} ms   Python body ran {runs}x")
    (f_sig, s_sig, _), (f_no, s_no, _) = results[True], results[False]
    print(f"ratio signature/none: first call {f_sig / f_no:.3f}, steady step {s_sig / s_no:.3f}")


if __name__ == "__main__":
    main()
