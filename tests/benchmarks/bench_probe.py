"""What watching costs: one epoch of the tutorial's MNIST MLP with and without the probe.

Side by side in one run (each variant a fresh model, same data order, one BLAS thread):
no probe; probe attached but idle (NO_TENSOR, no breakpoints); CONCISE_HEALTH and
FULL_HEALTH op events one by one into a list (what op stepping and op breakpoints cost);
CONCISE_HEALTH packed with the value ring, without and with the step diff's per-step copies
of weights and gradients (what the live GUI session costs); CONCISE_HEALTH and FULL_HEALTH
recorded to a trace file as ``tapescope record`` does (packed, no ring), and CONCISE_HEALTH
recorded with ``--break-on-nan`` armed (compiled runs then keep their values)
— for the ``@tf.function`` train step and the eager one. Targets (issue 5): idle <= 1.05x;
CONCISE_HEALTH recording to a trace <= 1.5x.

The "live" rows are the script's side only (the probe packing into a list, as the debuggee's
buffer). The line after them is the other end, in the window's process: the CPU the client
spends reading that epoch's events as they arrive (JSON frames decoded, every event checked
by ``validate.problem``: untrusted input), as a ratio to the no-probe epoch's CPU.
Each row gives wall seconds and CPU seconds with their ratios: on a shared machine the
wall ratios swing with the load, the CPU ones much less.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TAPESCOPE_DATA", str(ROOT.parent / "shared" / "data"))

from mlp_steps import keras_mlp  # noqa: E402

import engine as tf  # noqa: E402
from debugger import jsoncodec, validate  # noqa: E402
from debugger.probe import Probe  # noqa: E402
from debugger.step_values import VariableSnapshots  # noqa: E402
from debugger.tracefile import TraceWriter  # noqa: E402
from engine.keras import datasets  # noqa: E402

STEPS = int(os.environ.get("BENCH_PROBE_STEPS", "1875"))  # one epoch by default


def epoch(x, y, traced: bool, steps: int = STEPS) -> tuple[float, float]:
    """Wall and CPU seconds (of this process, all its threads) of one epoch's steps. CPU
    seconds are what a shared machine's load moves least: compare those between runs."""
    _, step = keras_mlp(traced)
    batches = list(tf.data.Dataset.from_tensor_slices((x, y)).batch(32).take(steps))
    step(*batches[0])  # trace / warm up outside the timed loop
    start, cpu = time.perf_counter(), time.process_time()
    for xb, yb in batches:
        step(xb, yb)
    return time.perf_counter() - start, time.process_time() - cpu


def client_seconds(log: list[dict], batch: int = 64) -> float:
    """CPU seconds the live client spends on ``log`` as the debuggee sends it: frames of
    ``batch`` events decoded, then each event checked (``DebugClient._checked``)."""
    frames = [jsoncodec.dumps({"type": "events", "events": log[i:i + batch]}, lenient=True)
              for i in range(0, len(log), batch)]
    start = time.process_time()
    for frame in frames:
        for event in jsoncodec.loads(frame)["events"]:
            if validate.problem(event) is not None:
                raise AssertionError(f"the probe made an event the client drops: {event}")
    return time.process_time() - start


def main(smoke: bool = False) -> None:
    """``smoke``: 3 steps on generated MNIST-shaped data (checks the script runs)."""
    if smoke:
        from generated_mnist import mnist_like

        (x, y), _ = mnist_like(96, 0)
        steps = 3
    else:
        (x, y), _ = datasets.mnist.load_data()
        steps = STEPS
    x = x / 255.0
    with threadpool_limits(1, user_api="blas"), tempfile.TemporaryDirectory() as tmp:
        for traced in (True, False):
            label = "@tf.function" if traced else "eager"
            base, base_cpu = epoch(x, y, traced, steps)
            base_cpu = max(base_cpu, 1e-9)  # (a smoke run's few steps)
            print(f"{label}: no probe {base:.2f} s (CPU {base_cpu:.2f} s) for {steps} steps")
            for name, mode, to_trace, pack in (
                    ("idle (NO_TENSOR)", "NO_TENSOR", False, False),
                    ("CONCISE_HEALTH per op", "CONCISE_HEALTH", False, False),
                    ("FULL_HEALTH per op", "FULL_HEALTH", False, False),
                    ("CONCISE_HEALTH live", "CONCISE_HEALTH", False, True),
                    ("  + step values", "CONCISE_HEALTH", False, True),
                    ("CONCISE_HEALTH → trace", "CONCISE_HEALTH", True, True),
                    ("FULL_HEALTH → trace", "FULL_HEALTH", True, True),
                    ("CONCISE → trace, break", "CONCISE_HEALTH", True, True)):
                log: list = []
                writer = None
                if to_trace:
                    writer = TraceWriter(Path(tmp) / f"run-{label}-{mode}.tsdb", overwrite=True)
                    sink = writer.write
                else:
                    sink = log.append
                ring = 0 if to_trace else 3  # as `tapescope record` / the live debuggee
                with Probe(sink, mode=mode, pack=pack, ring_steps=ring) as probe:
                    if name.endswith("break"):  # armed, never fired: a healthy run
                        probe.on_bad_op = lambda *stopped: None
                    if name.endswith("step values"):  # the live debuggee's default
                        probe.snapshots = VariableSnapshots()
                    seconds, cpu = epoch(x, y, traced, steps)
                if writer is not None:
                    writer.close()
                events = sum(e.get("count", 1) for e in log) if not to_trace else "-"
                print(f"  {name:24s} {seconds:6.2f} s  ratio {seconds / base:5.2f}  "
                      f"CPU {cpu:6.2f} s  ratio {cpu / base_cpu:5.2f}  events {events}")
                if name == "CONCISE_HEALTH live":
                    client = client_seconds(log)
                    print(f"    the client reads it  CPU {client:6.2f} s  ratio "
                          f"{client / base_cpu:5.2f}  (the window's process)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="3 steps on generated data, to check the script runs (the test "
                             "suite does)")
    main(parser.parse_args().smoke)
