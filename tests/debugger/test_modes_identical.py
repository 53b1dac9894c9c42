"""The debug mode never changes the numbers: a program prints and ends with the same bits
whether it runs plainly or is recorded in any of the six tensor debug modes.

Each mode takes another path through a ``tf.function``: plain runs and NO_TENSOR run the
optimized compiled graph, the health modes the traced graph compiled with checks
(``SummarizedGraph``), FULL_TENSOR every op through dispatch. All of them must compute what
the traced ops compute one by one, so these tests compare every printed line and every
saved value (losses, final weights) byte for byte, NaN included. The recordings go through
the recorder the way ``tapescope record`` runs it (``debuggee.record``, in this process for
speed); one goes through the real ``tapescope record`` child process.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine as tf
from debugger import events
from debugger.debuggee import prepare_script, record, run_script
from debugger.tracefile import TraceReader

REPO = Path(__file__).resolve().parents[2]

# The tutorial's MNIST training step (Flatten-Dense(128, relu)-Dense(10), logits loss, Adam,
# a @tf.function step with GradientTape) on generated images, a few steps. The script saves
# every loss and every weight to the .npz named by its first argument.
MNIST_STEP = """\
import sys

import numpy as np

import engine as tf
from engine.keras import layers, models

tf.keras.utils.set_random_seed(0)
rng = np.random.default_rng(0)
x_train = rng.integers(0, 256, size=(160, 28, 28), dtype=np.uint8) / 255.0
y_train = rng.integers(0, 10, size=160).astype(np.uint8)

model = models.Sequential([
    layers.Flatten(input_shape=(28, 28)),
    layers.Dense(128, activation='relu'),
    layers.Dense(10)
])
optimizer = tf.keras.optimizers.Adam(learning_rate=0.001)
loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = loss_fn(y, logits)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


train_dataset = tf.data.Dataset.from_tensor_slices((x_train, y_train)).batch(32).shuffle(100)
losses = []
for epoch in range(2):
    for x_batch, y_batch in train_dataset:
        loss = train_step(x_batch, y_batch)
        losses.append(loss.numpy())
        print(f"Epoch {epoch + 1}, step {len(losses)}, Loss: {loss.numpy():.4f}")
np.savez(sys.argv[1], losses=np.array(losses), *[v.numpy() for v in model.variables])
"""

# log(softmax(z)) of logits so far apart that softmax underflows to 0: log gives -inf and
# the loss is nan, in TensorFlow too (its grappler leaves Log(Softmax) alone when the
# gradient also reads the softmax). No mode may print a finite loss here.
NAN_STEP = """\
import sys

import numpy as np

import engine as tf

rng = np.random.default_rng(0)
x = tf.constant(rng.normal(size=(8, 4)).astype(np.float32))
y = tf.one_hot(tf.constant(np.arange(8) % 3), 3)
w = tf.Variable(rng.normal(scale=60.0, size=(4, 3)).astype(np.float32))
optimizer = tf.keras.optimizers.SGD(0.1)


@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        z = tf.matmul(x, w)
        loss = -tf.reduce_mean(tf.reduce_sum(y * tf.math.log(tf.nn.softmax(z)), axis=1))
    grads = tape.gradient(loss, [w])
    optimizer.apply_gradients(zip(grads, [w]))
    return loss


losses = []
for step in range(3):
    loss = train_step(x, y)
    losses.append(loss.numpy())
    print(f"step {step}: loss {loss.numpy():.4f}")
np.savez(sys.argv[1], losses=np.array(losses), w=w.numpy())
"""

# tf.debugging.enable_check_numerics() in a script recorded headless (no debugger to stop at
# the NaN): the compiled step must raise the InvalidArgumentError a plain run raises, in
# every mode — a health mode runs the graph its own way and must still check each op.
CHECK_NUMERICS_STEP = """\
import sys

import numpy as np

import engine as tf

tf.debugging.enable_check_numerics()
w = tf.Variable([1.0, 1.0, 2.0])


@tf.function
def step(x):
    return tf.reduce_sum(tf.math.log(x * w))


for x in ([1.0, 1.0, 1.0], [1.0, -2.0, 3.0]):
    try:
        print("value", step(tf.constant(x)).numpy())
    except tf.errors.InvalidArgumentError as exc:
        print(type(exc).__name__, [line for line in str(exc).splitlines() if "!!!" in line])
np.savez(sys.argv[1], w=w.numpy())
"""


def spirals_script() -> str:
    """The built-in demo as it is, for 5 epochs instead of 30 (it prints after the fifth),
    saving its state at the end."""
    source = (REPO / "examples" / "spirals.py").read_text()
    assert "for epoch in range(30):" in source
    source = source.replace("for epoch in range(30):", "for epoch in range(5):")
    return source + (
        "\nimport sys\n"
        "np.savez(sys.argv[1], total=np.float64(total), accuracy=accuracy.result().numpy(),\n"
        "         *[v.numpy() for v in model.variables])\n")


def eager(script: str) -> str:
    """The same program with its steps run eagerly, op by op."""
    assert script.count("@tf.function\n") == 1
    return script.replace("@tf.function\n", "")


PROGRAMS = {"mnist_step": lambda: MNIST_STEP, "spirals": spirals_script,
            "nan_step": lambda: NAN_STEP, "nan_step_eager": lambda: eager(NAN_STEP),
            "mnist_step_eager": lambda: eager(MNIST_STEP),
            "check_numerics": lambda: CHECK_NUMERICS_STEP}


@pytest.fixture
def script_sandbox(monkeypatch):
    """``prepare_script`` sets argv, sys.path[0] and the working directory: undo it (and a
    script's enable_check_numerics(), which lasts for the process)."""
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.chdir(Path.cwd())
    yield
    tf.debugging.disable_check_numerics()


def run_plain(script: Path, saved: Path) -> str:
    """Run the script with no debugger attached; what it printed."""
    printed = io.StringIO()
    prepare_script(script, [str(saved)])
    with contextlib.redirect_stdout(printed):
        status, exc = run_script(script)
    assert status == "ok", exc
    return printed.getvalue()


def run_recorded(script: Path, saved: Path, mode: str) -> str:
    """Record the script in ``mode`` as ``tapescope record`` does; what it printed."""
    printed = io.StringIO()
    trace = saved.with_suffix(".tsdb")
    with contextlib.redirect_stdout(printed):
        assert record(script, [str(saved)], trace, mode=mode) == 0
    with TraceReader(trace) as reader:  # the mode watched the ops (or, NO_TENSOR, did not)
        assert (reader.count("op") + reader.count("ops") > 0) == (mode != "NO_TENSOR")
    return printed.getvalue()


def differences(expected: dict[str, np.ndarray], got: dict[str, np.ndarray]) -> list[str]:
    """What is not bit for bit the same, named (NaN equals NaN only with the same bits)."""
    out = []
    for key in sorted(set(expected) | set(got)):
        a, b = expected.get(key), got.get(key)
        if a is None or b is None:
            out.append(f"{key}: only in one run")
        elif a.dtype != b.dtype or a.shape != b.shape:
            out.append(f"{key}: {a.dtype}{a.shape} vs {b.dtype}{b.shape}")
        elif a.tobytes() != b.tobytes():
            unequal = a.reshape(-1).view(np.uint8).reshape(a.size, -1) != \
                b.reshape(-1).view(np.uint8).reshape(b.size, -1)
            count = int(unequal.any(axis=1).sum())
            out.append(f"{key}: {count} of {a.size} values differ "
                       f"(e.g. {a.reshape(-1)[:3]} vs {b.reshape(-1)[:3]})")
    return out


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


@pytest.mark.parametrize("program", PROGRAMS)
def test_every_mode_computes_the_same_bits_as_a_plain_run(program, tmp_path, script_sandbox):
    script = tmp_path / f"{program}.py"
    script.write_text(PROGRAMS[program]())
    plain_text = run_plain(script, tmp_path / "plain.npz")
    plain = load(tmp_path / "plain.npz")
    assert plain_text.strip()
    failures = []
    for mode in events.MODES:
        saved = tmp_path / f"{mode}.npz"
        text = run_recorded(script, saved, mode)
        if text != plain_text:
            failures.append(f"{mode} printed\n{text}instead of\n{plain_text}")
        failures += [f"{mode}: {d}" for d in differences(plain, load(saved))]
    assert not failures, "\n".join(failures)
    if program.startswith("nan_step"):  # what TensorFlow prints: nan from the first step
        assert np.isnan(plain["losses"]).all()


@pytest.mark.parametrize("program", ["mnist_step", "nan_step"])
def test_a_traced_step_computes_the_same_bits_as_the_eager_step(program, tmp_path,
                                                                 script_sandbox):
    traced, eager_run = tmp_path / "traced.py", tmp_path / "eager.py"
    traced.write_text(PROGRAMS[program]())
    eager_run.write_text(eager(PROGRAMS[program]()))
    assert run_plain(traced, tmp_path / "traced.npz") == \
        run_plain(eager_run, tmp_path / "eager.npz")
    assert differences(load(tmp_path / "traced.npz"), load(tmp_path / "eager.npz")) == []


def test_tapescope_record_prints_what_the_plain_run_prints(tmp_path, script_sandbox):
    """The real ``tapescope record`` child process, CONCISE_HEALTH (its default mode)."""
    script = tmp_path / "nan_step.py"
    script.write_text(NAN_STEP)
    plain_text = run_plain(script, tmp_path / "plain.npz")
    child = subprocess.run(
        [sys.executable, "-m", "debugger.debuggee", "--record", str(tmp_path / "t.tsdb"),
         "--mode", "CONCISE_HEALTH", str(script), str(tmp_path / "child.npz")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(
            [str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])})
    assert child.returncode == 0, child.stderr
    assert child.stdout == plain_text
    assert "loss nan" in plain_text
    assert differences(load(tmp_path / "plain.npz"), load(tmp_path / "child.npz")) == []
