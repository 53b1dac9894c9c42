"""Eager op overhead, measured side by side in one run: engine vs. numpy (vs. PyTorch).

Prints the cost per call and ratios; run with ``make bench``. Targets (issue 3): an eager op
without a tape <= 3x the bare numpy call on small tensors and <= 1.1x on a 100x100 matmul;
one linear-regression training step faster than PyTorch's eager step.
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
from threadpoolctl import threadpool_limits

import engine as tf
from engine.keras.optimizers import SGD

try:
    import torch
except ImportError:  # PyTorch is optional: only measured when installed
    torch = None


def per_call(fn, number: int, repeat: int = 7) -> float:
    """Best-of-``repeat`` seconds per call (the minimum is the least noisy on shared hosts)."""
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def linear_regression_step_engine():
    x = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0])
    y = tf.constant([2.0, 4.0, 6.0, 8.0, 10.0])
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    opt = SGD(learning_rate=0.01)

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(w * x + b - y))
        grads = tape.gradient(loss, [w, b])
        opt.apply_gradients(zip(grads, [w, b]))

    return step


def linear_regression_step_torch():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0])
    y = torch.tensor([2.0, 4.0, 6.0, 8.0, 10.0])
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=0.01)

    def step():
        opt.zero_grad()
        loss = torch.mean(torch.square(w * x + b - y))
        loss.backward()
        opt.step()

    return step


def linear_regression_gradient_engine():
    x = tf.constant([1.0, 2.0, 3.0, 4.0, 5.0])
    y = tf.constant([2.0, 4.0, 6.0, 8.0, 10.0])
    w, b = tf.Variable(0.0), tf.Variable(0.0)

    def grad():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(w * x + b - y))
        return tape.gradient(loss, [w, b])

    return grad


def linear_regression_gradient_numpy():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0], np.float32)
    y = np.array([2.0, 4.0, 6.0, 8.0, 10.0], np.float32)
    w, b = np.float32(0.0), np.float32(0.0)

    def grad():  # the same loss and its hand-derived gradient
        err = w * x + b - y
        _loss = np.mean(np.square(err))
        g = 2 * err / err.size
        return np.sum(g * x), np.sum(g)

    return grad


def main(smoke: bool = False) -> None:
    """``smoke``: a thousandth of the calls, measured once (checks the script runs)."""
    repeat = 1 if smoke else 7

    def calls(n: int) -> int:
        return max(n // 1000, 10) if smoke else n

    with threadpool_limits(1, user_api="blas"):
        if torch is not None:
            torch.set_num_threads(1)
        rows = []

        a_np, b_np = np.array([1, 2, 3], np.int32), np.array([4, 5, 6], np.int32)
        a, b = tf.constant(a_np), tf.constant(b_np)
        m2 = np.random.default_rng(0).random((2, 2), dtype=np.float32)
        m100 = np.random.default_rng(1).random((100, 100), dtype=np.float32)
        t2, t100 = tf.constant(m2), tf.constant(m100)
        w = tf.Variable(1.0)  # watched by the tape below, so ops on it are recorded

        cases = [
            ("a + b, int32[3]", lambda: a_np + b_np, lambda: a + b, 200_000,
             (lambda: ta + tb) if torch is not None else None),
            ("matmul 2x2 f32", lambda: m2 @ m2, lambda: tf.matmul(t2, t2), 100_000,
             (lambda: torch.matmul(p2, p2)) if torch is not None else None),
            ("matmul 100x100 f32", lambda: m100 @ m100, lambda: tf.matmul(t100, t100), 3_000,
             (lambda: torch.matmul(p100, p100)) if torch is not None else None),
        ]
        if torch is not None:
            ta, tb = torch.tensor(a_np), torch.tensor(b_np)
            p2, p100 = torch.tensor(m2), torch.tensor(m100)

        print(f"BLAS threads: 1 (engine setting {tf.config.get_blas_threads()}); "
              f"PyTorch: {torch.__version__ if torch is not None else 'not installed'}")
        print(f"{'case':34s} {'numpy µs':>9s} {'engine µs':>10s} {'ratio':>6s} "
              f"{'torch µs':>9s} {'eng/torch':>9s}")
        for name, np_fn, tf_fn, n, torch_fn in cases:
            n = calls(n)
            t_np, t_tf = per_call(np_fn, n, repeat), per_call(tf_fn, n, repeat)
            t_torch = per_call(torch_fn, n, repeat) if torch_fn is not None else None
            rows.append((name, t_np, t_tf, t_torch))
            with tf.GradientTape() as tape:
                tape.watch(t2)
                tape.watch(t100)
                t_tape = per_call(tf_fn, max(n // 10, 10 if smoke else 300), min(repeat, 3))
            rows.append((name + " (in a tape)", t_np, t_tape, None))
            _ = w
        grad_np = linear_regression_gradient_numpy()
        grad_tf = linear_regression_gradient_engine()
        rows.append(("linreg tape.gradient", per_call(grad_np, calls(20_000), repeat),
                     per_call(grad_tf, calls(5_000), repeat), None))
        step_tf = linear_regression_step_engine()
        t_step = per_call(step_tf, calls(5_000), repeat)
        t_step_torch = (per_call(linear_regression_step_torch(), calls(5_000), repeat)
                        if torch else None)
        rows.append(("linreg training step", float("nan"), t_step, t_step_torch))
        for name, t_np, t_tf, t_torch in rows:
            ratio = t_tf / t_np if t_np == t_np else float("nan")
            torch_text = f"{t_torch * 1e6:9.2f} {t_tf / t_torch:9.2f}" if t_torch else (
                f"{'-':>9s} {'-':>9s}")
            print(f"{name:34s} {t_np * 1e6:9.2f} {t_tf * 1e6:10.2f} {ratio:6.2f} {torch_text}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="tiny counts, to check the script runs (the test suite does)")
    main(parser.parse_args().smoke)
