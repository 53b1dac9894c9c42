"""Helpers the app tests import by name (a conftest is not importable reliably: pytest puts
several folders named like it on sys.path)."""

from __future__ import annotations

import runpy
import textwrap
from pathlib import Path

from debugger.probe import Probe
from debugger.tracefile import TraceWriter

ROOT = Path(__file__).resolve().parents[2]
LINEAR_REGRESSION = ROOT / "examples" / "linear_regression.py"
SPIRALS = ROOT / "examples" / "spirals.py"  # the built-in demo
LIVE_TIMEOUT = 30_000  # ms a live run may take to start, pause or finish (a slow CI box)

ENDLESS_SCRIPT = textwrap.dedent("""\
    import engine as tf

    x = tf.constant([1.0, 2.0])
    while True:
        x = x * 1.0  # LOOP
        x = x + 0.0  # LOOP2
""")

# A tiny training loop whose last step makes a NaN (log of a negative number).
TRAIN_SCRIPT = textwrap.dedent("""\
    import engine as tf

    x = tf.constant([1.0, 2.0, 3.0])
    y = tf.constant([2.0, 4.0, 6.0])
    w = tf.Variable(0.5, name="w")
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.05)
    for step in range(3):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(w * x - y))  # LOSS
        grads = tape.gradient(loss, [w])
        optimizer.apply_gradients(zip(grads, [w]))
        print("step", step, float(loss))
    bad = tf.math.log(tf.constant([-1.0, 1.0]))  # NAN
    worse = bad * 2.0
""")


def make_op(seq: int, op: str = "Add", bad: bool = False, **fields: object) -> dict:
    """A plausible op event (CONCISE_HEALTH summary) without running anything."""
    event = {"kind": "op", "seq": seq, "step": seq // 10, "epoch": 0, "op": op, "name": op,
             "scope": "", "inputs": [1], "outputs": [2], "shapes": [[2]],
             "dtypes": ["float32"], "file": "train.py", "line": 1, "duration": 1e-5,
             "exec": "eager", "summary": [{"shape": [2], "dtype": "float32", "size": 2,
                                           "nan": int(bad), "neg_inf": 0, "pos_inf": 0,
                                           "bad": bad}]}
    event.update(fields)
    return event


def line_of(source: str, marker: str) -> int:
    """1-based line of ``source`` holding ``# marker``."""
    return next(i for i, text in enumerate(source.splitlines(), 1) if f"# {marker}" in text)


def record_script(script: Path, trace: Path, mode: str = "CONCISE_HEALTH") -> Path:
    """Run ``script`` in this process under the probe, writing its trace file."""
    with TraceWriter(trace, meta={"script": str(script), "mode": mode}) as writer:
        def value_sink(seq: int, index: int, value: object) -> None:
            writer.write_value(seq, index, value)

        with Probe(writer.write, mode=mode, value_sink=value_sink):
            runpy.run_path(str(script), run_name="__main__")
    return trace
