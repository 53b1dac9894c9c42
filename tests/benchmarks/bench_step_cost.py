"""What one training step costs, counted in units a loaded machine cannot blur.

bench_mnist's seconds move by 20% and more when the machine is shared; these counts do not.
For the tutorial's MNIST MLP (784-128-10, Adam, batch 32, generated data) this prints, per
train step: the Python bytecodes executed (``sys.settrace`` opcode events: the interpreter
overhead of the engine, the same on every run) and, with ``--callgrind``, the CPU
instructions of the steps alone (valgrind's callgrind, collecting only while the steps run),
with their ratio to a hand-written numpy step. Variants: the engine's ``@tf.function`` and
eager steps, each also recorded CONCISE_HEALTH to a trace file as ``tapescope record`` does.
Compare two commits by running this in each worktree; bisect a regression with it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections import deque
from itertools import starmap
from pathlib import Path

import numpy as np
from mlp_steps import BATCH, NumpyMLP, keras_mlp

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
WARMUP = 3  # traces, first-call work and slot creation happen before the counted steps


def numpy_step(x: np.ndarray, y: np.ndarray):
    """bench_mnist's floor: the same forward/backward/Adam written in numpy."""
    flat = x.reshape(-1, 784).astype(np.float32)
    batches = [(flat[i:i + BATCH], y[i:i + BATCH]) for i in range(0, len(flat), BATCH)]
    return NumpyMLP(0).step, batches


def engine_step(x: np.ndarray, y: np.ndarray, traced: bool):
    """bench_mnist's engine variant: the tutorial's train step, eager or ``@tf.function``."""
    import engine as tf

    _, step = keras_mlp(traced)
    return step, list(tf.data.Dataset.from_tensor_slices((x, y)).batch(BATCH))


VARIANTS = {"numpy floor": ("numpy", False), "engine tf.function": ("traced", False),
            "engine eager": ("eager", False), "tf.function → trace": ("traced", True),
            "eager → trace": ("eager", True)}


def prepared(name: str, steps: int, folder: str):
    """The variant's step function and the batches of ``steps`` steps, warmed up; and the
    probe recording it (or None)."""
    from generated_mnist import mnist_like

    (x, y), _ = mnist_like(BATCH * 16, 0)
    x = x / 255.0
    kind, record = VARIANTS[name]
    step, batches = numpy_step(x, y) if kind == "numpy" else engine_step(x, y, kind == "traced")
    probe = writer = None
    if record:
        from debugger.probe import Probe
        from debugger.tracefile import TraceWriter

        writer = TraceWriter(Path(folder) / "run.tsdb", overwrite=True)
        probe = Probe(writer.write, mode="CONCISE_HEALTH", pack=True, ring_steps=0)
        probe.__enter__()
    for batch in batches[:WARMUP]:
        step(*batch)
    return step, [batches[i % len(batches)] for i in range(steps)], probe, writer


def bytecodes_per_step(name: str, steps: int) -> float:
    """Python bytecodes the interpreter executes per step (deterministic)."""
    with tempfile.TemporaryDirectory() as folder:
        step, batches, probe, writer = prepared(name, steps, folder)
        count = [0]

        def tracer(frame, event, arg):  # noqa: ARG001 - sys.settrace's signature
            frame.f_trace_opcodes = True
            frame.f_trace_lines = False
            if event == "opcode":
                count[0] += 1
            return tracer

        sys.settrace(tracer)
        try:
            for batch in batches:
                step(*batch)
        finally:
            sys.settrace(None)
        if probe is not None:
            probe.__exit__(None, None, None)
            writer.close()
    return count[0] / steps


def child(name: str, steps: int) -> None:
    """Run under callgrind: only ``starmap``'s calls of the step are collected."""
    with tempfile.TemporaryDirectory() as folder:
        step, batches, probe, writer = prepared(name, steps, folder)
        deque(starmap(step, batches), maxlen=0)  # --toggle-collect=starmap_next
        if probe is not None:
            probe.__exit__(None, None, None)
            writer.close()


def instructions_per_step(name: str, steps: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "callgrind.out"
        env = dict(os.environ, TAPESCOPE_BLAS_THREADS="1", OMP_NUM_THREADS="1",
                   OPENBLAS_NUM_THREADS="1")
        subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no",
                        "--toggle-collect=starmap_next", f"--callgrind-out-file={out}",
                        sys.executable, __file__, "--child", name, "--steps", str(steps)],
                       env=env, cwd=str(ROOT), check=True, capture_output=True)
        totals = [line for line in out.read_text().splitlines() if line.startswith("totals:")]
    return int(totals[0].split()[1]) / steps


def main(smoke: bool, callgrind: bool, steps: int) -> None:
    from threadpoolctl import threadpool_limits

    if smoke:
        steps = 2
    if callgrind and shutil.which("valgrind") is None:
        raise SystemExit("--callgrind needs valgrind on the PATH")
    print(f"per train step of batch {BATCH}, {steps} steps after {WARMUP} warm-up steps")
    print(f"{'variant':22s} {'bytecodes':>10s}" + (f" {'instructions':>13s} {'x floor':>8s}"
                                                   if callgrind else ""))
    floor = None
    with threadpool_limits(1, user_api="blas"):
        for name in VARIANTS:
            row = f"{name:22s} {bytecodes_per_step(name, steps):10,.0f}"
            if callgrind:
                ir = instructions_per_step(name, steps)
                floor = floor or ir
                row += f" {ir:13,.0f} {ir / floor:8.2f}"
            print(row)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="2 steps, bytecodes only, to check the script runs (the test "
                             "suite does)")
    parser.add_argument("--callgrind", action="store_true",
                        help="also count CPU instructions under valgrind (minutes per variant)")
    parser.add_argument("--steps", type=int, default=32, help="counted steps (default 32)")
    parser.add_argument("--child", choices=list(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, user_api="blas"):
            child(args.child, args.steps)
    else:
        main(args.smoke, args.callgrind, args.steps)
