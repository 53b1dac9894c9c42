"""One epoch of the tutorial's MNIST MLP (784-128-10, Adam, batch 32) in each framework.

Each variant runs in its own subprocess (so its peak RSS is its own), one after another in
this run, all with one BLAS thread: the engine eager, the engine with ``@tf.function``, a
hand-written numpy implementation of the same forward/backward/Adam (the floor), and
PyTorch / TensorFlow when installed. Prints seconds per epoch, test accuracy, peak RSS and
ratios to the floor. Targets (issue 4): tf.function <= 1.2x the floor and faster than
PyTorch and TensorFlow; eager <= 2x the floor; peak RSS below PyTorch's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from mlp_steps import BATCH, NumpyMLP, keras_mlp

ROOT = Path(__file__).resolve().parents[2]
# Set for the children of a --smoke run: they train on a little generated data instead.
SMOKE_ENV = "TAPESCOPE_BENCH_SMOKE"


def load_mnist() -> tuple:
    if os.environ.get(SMOKE_ENV):
        from generated_mnist import mnist_like

        (x_train, y_train), (x_test, y_test) = mnist_like(10 * BATCH, 64)
        return (x_train / 255.0, y_train), (x_test / 255.0, y_test)
    os.environ.setdefault("TAPESCOPE_DATA", str(ROOT.parent / "shared" / "data"))
    from engine.keras import datasets

    (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
    return (x_train / 255.0, y_train), (x_test / 255.0, y_test)


def batch_order(n_batches: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).permutation(n_batches)


# -- variants: each returns (seconds for one epoch, test accuracy) ------------------------------

def run_numpy() -> tuple[float, float]:
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x = x_train.reshape(-1, 784).astype(np.float32)
    mlp = NumpyMLP(0)
    start = time.perf_counter()
    for i in batch_order(len(x) // BATCH, 1):
        mlp.step(x[i * BATCH:(i + 1) * BATCH], y_train[i * BATCH:(i + 1) * BATCH])
    seconds = time.perf_counter() - start
    pred = mlp.predict(x_test.reshape(-1, 784).astype(np.float32))
    return seconds, float((pred == y_test).mean())


def run_engine(traced: bool) -> tuple[float, float]:
    import engine as tf

    (x_train, y_train), (x_test, y_test) = load_mnist()
    model, step = keras_mlp(traced)
    dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(BATCH).shuffle(10000)
    start = time.perf_counter()
    for x_batch, y_batch in dataset:
        step(x_batch, y_batch)
    seconds = time.perf_counter() - start
    accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
    accuracy.update_state(y_test, model(x_test, training=False))
    return seconds, float(accuracy.result().numpy())


def run_torch() -> tuple[float, float]:
    import torch

    torch.set_num_threads(1)
    torch.manual_seed(0)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    x = torch.tensor(x_train.reshape(-1, 784), dtype=torch.float32)
    y = torch.tensor(y_train, dtype=torch.int64)
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    opt = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for i in batch_order(len(x) // BATCH, 1):
        opt.zero_grad()
        loss = loss_fn(model(x[i * BATCH:(i + 1) * BATCH]), y[i * BATCH:(i + 1) * BATCH])
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        pred = model(torch.tensor(x_test.reshape(-1, 784), dtype=torch.float32)).argmax(1)
    return seconds, float((pred.numpy() == y_test).mean())


def run_tensorflow() -> tuple[float, float]:
    import tensorflow as real_tf

    real_tf.config.threading.set_intra_op_parallelism_threads(1)
    real_tf.config.threading.set_inter_op_parallelism_threads(1)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    model = real_tf.keras.Sequential([real_tf.keras.layers.Flatten(input_shape=(28, 28)),
                                      real_tf.keras.layers.Dense(128, activation="relu"),
                                      real_tf.keras.layers.Dense(10, activation="softmax")])
    opt = real_tf.keras.optimizers.Adam(0.001)
    loss_fn = real_tf.keras.losses.SparseCategoricalCrossentropy()

    @real_tf.function
    def step(xb, yb):
        with real_tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))

    ds = real_tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(BATCH).shuffle(10000)
    start = time.perf_counter()
    for xb, yb in ds:
        step(xb, yb)
    seconds = time.perf_counter() - start
    pred = model(x_test, training=False).numpy().argmax(1)
    return seconds, float((pred == y_test).mean())


VARIANTS = {"numpy floor": run_numpy, "engine tf.function": lambda: run_engine(True),
            "engine eager": lambda: run_engine(False), "pytorch": run_torch,
            "tensorflow tf.function": run_tensorflow}


def child(name: str) -> None:
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):
        seconds, acc = VARIANTS[name]()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "accuracy": acc, "peak_mb": peak_mb}))


OPTIONAL_VARIANTS = ("pytorch", "tensorflow tf.function")  # measured when installed


def main(smoke: bool = False) -> None:
    """``smoke``: ten steps on generated data, the engine and numpy only (checks the script
    runs; the test suite does)."""
    results = {}
    for name in VARIANTS:
        if smoke and name in OPTIONAL_VARIANTS:
            continue
        env = dict(os.environ, TAPESCOPE_BLAS_THREADS="1", OMP_NUM_THREADS="1",
                   PYTHONPATH=str(ROOT))
        if smoke:
            env[SMOKE_ENV] = "1"
        proc = subprocess.run([sys.executable, __file__, "--child", name], capture_output=True,
                              text=True, env=env, cwd=str(ROOT))
        if proc.returncode != 0:
            last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
            print(f"{name:24s} skipped: {last}")
            continue
        results[name] = json.loads(proc.stdout.strip().splitlines()[-1])
    floor = results.get("numpy floor", {}).get("seconds")
    steps = 10 if smoke else 1875
    print(f"BLAS threads: 1 in every variant; one epoch = {steps:,} steps of batch {BATCH}")
    print(f"{'variant':24s} {'s/epoch':>8s} {'x floor':>8s} {'test acc':>9s} {'peak MB':>8s}")
    for name, r in results.items():
        ratio = r["seconds"] / floor if floor else float("nan")
        print(f"{name:24s} {r['seconds']:8.2f} {ratio:8.2f} {r['accuracy']:9.4f} "
              f"{r['peak_mb']:8.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="ten steps on generated data, to check the script runs (the test "
                             "suite does)")
    parser.add_argument("--child", choices=list(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
    else:
        main(args.smoke)
