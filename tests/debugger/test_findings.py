"""Findings computed from real recordings: each problem is named once, a healthy run has none."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from debugger.findings import Findings, find_all
from debugger.tracefile import TraceReader

ROOT = Path(__file__).resolve().parents[2]

DEAD = """\
import engine as tf
w = tf.Variable([[-1.0, -2.0], [-3.0, -1.0]], name="w")
x = tf.constant([[1.0, 1.0]])
opt = tf.keras.optimizers.SGD(learning_rate=0.01)
for step in range(4):
    with tf.GradientTape() as tape:
        h = tf.nn.relu(tf.matmul(x, w))
        loss = tf.reduce_sum(h)
    grads = tape.gradient(loss, [w])
    opt.apply_gradients(zip(grads, [w]))
"""

EXPLODING = """\
import engine as tf
w = tf.Variable(1.0, name="w")
opt = tf.keras.optimizers.SGD(learning_rate=5.0)
for step in range(5):
    with tf.GradientTape() as tape:
        loss = w ** 4
    grads = tape.gradient(loss, [w])
    opt.apply_gradients(zip(grads, [w]))
"""

BROADCAST = """\
import engine as tf
w = tf.Variable(tf.ones([8]), name="w")
y = tf.reshape(tf.range(8, dtype=tf.float32), [8, 1])
with tf.GradientTape() as tape:
    pred = w * 2.0
    loss = tf.reduce_mean(tf.square(pred - y))  # BROADCAST
grads = tape.gradient(loss, [w])
"""

# The example: predictions [128, 1] minus labels [128] of a tf.data batch (numpy
# labels: no recorded op made them, so only the op's own input shapes tell).
LABELS_BROADCAST = """\
import numpy as np
import engine as tf
rng = np.random.default_rng(0)
x = rng.normal(size=(256, 3)).astype("float32")
y = rng.normal(size=(256,)).astype("float32")
model = tf.keras.Sequential([tf.keras.layers.Dense(1)])
opt = tf.keras.optimizers.SGD(learning_rate=0.01)
def train_step(xb, yb):
    with tf.GradientTape() as tape:
        y_pred = model(xb)
        loss = tf.reduce_mean(tf.square(yb - y_pred))  # BROADCAST
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss
step = tf.function(train_step) if COMPILED else train_step
for xb, yb in tf.data.Dataset.from_tensor_slices((x, y)).batch(128):
    step(xb, yb)
"""

RETRACING = """\
import engine as tf
@tf.function
def f(x):
    return x * 2
for n in range(1, 6):
    f(tf.zeros([n]))
"""


def record(tmp_path: Path, source: str, mode: str = "FULL_HEALTH") -> Path:
    script = tmp_path / "script.py"
    script.write_text(source)
    trace = tmp_path / "script.tsdb"
    assert main(["record", str(script), "-o", str(trace), "--mode", mode]) == 0
    return trace


def findings(trace: Path) -> list:
    with TraceReader(trace) as reader:
        return find_all(reader)


def test_a_layer_that_never_gets_gradient_is_dead_by_gradient_and_by_relu(tmp_path):
    found = findings(record(tmp_path, DEAD))
    assert [f.kind for f in found] == ["dead", "dead"]
    relu, gradient = found
    assert "Relu" in relu.detail and relu.step == 0
    assert gradient.variable == "w:0" and "exactly 0 for 3 steps" in gradient.detail


def test_zero_gradient_for_fewer_steps_than_k_is_not_dead(tmp_path):
    found = findings(record(tmp_path, DEAD.replace("range(4)", "range(2)")))
    assert found == []


def _gradient_events(norms: list[float]) -> list[dict]:
    return [{"kind": "gradient", "seq": i, "step": i,
             "sources": [{"id": 7, "name": "dense/bias", "norm": n}]}
            for i, n in enumerate(norms)]


def test_a_gradient_norm_that_dips_near_zero_and_comes_back_is_not_divergence():
    """A bias's gradient can sum errors that nearly cancel for a step (0.145 -> 0.0004 ->
    0.005 -> 0.3 in the spirals demo): two 10x steps back to its usual size are healthy."""
    checks = Findings()
    assert checks.add(_gradient_events([0.0854, 0.145, 0.000386, 0.00496, 0.315, 0.187])) == []
    diverging = Findings().add(_gradient_events([0.0854, 0.145, 0.0004, 2.0, 30.0]))
    assert [(f.kind, f.step) for f in diverging] == [("exploding", 3)]


def test_a_diverging_run_asks_whether_the_learning_rate_is_too_large(tmp_path):
    found = findings(record(tmp_path, EXPLODING, mode="CONCISE_HEALTH"))
    assert [f.kind for f in found] == ["exploding", "update_ratio"]
    assert all(f.title == "learning rate too large?" and f.variable == "w:0" for f in found)
    assert found[0].step == 1


def test_a_broadcast_bigger_than_both_inputs_is_named_once(tmp_path):
    trace = record(tmp_path, BROADCAST)
    [found] = findings(trace)
    assert found.kind == "broadcast" and found.title.startswith("broadcast: did you mean")
    assert "[8] and [8, 1] broadcast to [8, 8]" in found.detail
    with TraceReader(trace) as reader:
        op = next(e for e in reader.ops() if e["seq"] == found.seq)
    assert op["op"] == "Sub" and op["line"] == 6


@pytest.mark.parametrize("compiled", [False, True], ids=["eager", "tf.function"])
@pytest.mark.parametrize("mode", ["SHAPE", "CONCISE_HEALTH", "FULL_TENSOR"])
def test_labels_of_a_dataset_batch_broadcast_against_predictions(tmp_path, compiled, mode):
    source = LABELS_BROADCAST.replace("COMPILED", str(compiled))
    trace = record(tmp_path, source, mode)
    broadcasts = [f for f in findings(trace) if f.kind == "broadcast"]
    assert len(broadcasts) == 1
    assert "[128] and [128, 1] broadcast to [128, 128]" in broadcasts[0].detail
    with TraceReader(trace) as reader:
        op = next(e for e in reader.ops() if e["seq"] == broadcasts[0].seq)
    assert op["op"] == "Sub" and op["line"] == 11


def test_inspect_names_the_labels_broadcast(tmp_path, capsys):
    trace = record(tmp_path, LABELS_BROADCAST.replace("COMPILED", "False"), "CONCISE_HEALTH")
    capsys.readouterr()
    assert main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    assert "broadcast: did you mean…?: Sub" in out
    assert "[128] and [128, 1] broadcast to [128, 128]" in out


def test_a_bias_add_and_a_matching_subtraction_record_no_input_shapes(tmp_path):
    """Input shapes are recorded only where both inputs broadcast (the probe's hot path)."""
    source = LABELS_BROADCAST.replace("COMPILED", "False").replace(
        "yb - y_pred", "tf.reshape(yb, [-1, 1]) - y_pred")
    trace = record(tmp_path, source, "CONCISE_HEALTH")
    with TraceReader(trace) as reader:
        ops = list(reader.ops())
    assert [e for e in ops if "input_shapes" in e] == []
    assert [f for f in findings(trace) if f.kind == "broadcast"] == []


def test_retracing_is_one_finding_with_its_reasons(tmp_path):
    [found] = findings(record(tmp_path, RETRACING))
    assert found.kind == "retracing" and found.title == "f retraced"
    assert "traced 5 times" in found.detail
    assert "shape (1,)" in found.detail and "2 more" in found.detail


@pytest.mark.parametrize("mode", ["CONCISE_HEALTH", "FULL_HEALTH"])
def test_a_healthy_run_has_no_findings(tmp_path, mode):
    source = (ROOT / "examples" / "spirals.py").read_text().replace("range(30)", "range(3)")
    assert findings(record(tmp_path, source, mode)) == []


@pytest.mark.parametrize("compiled", [True, False], ids=["tf.function", "eager"])
def test_the_tutorial_mnist_program_has_no_broadcast_finding(tmp_path, compiled):
    source = (ROOT / "tests" / "tutorial" / "03_mnist.py").read_text()
    for old, new in (("from_tensor_slices((x_train, y_train))",
                      "from_tensor_slices((x_train[:320], y_train[:320]))"),
                     ("from_tensor_slices((x_test, y_test))",
                      "from_tensor_slices((x_test[:64], y_test[:64]))"),
                     ("range(5)", "range(1)"), ("model.save('mnist_model')", ""),
                     ("@tf.function\n", "" if not compiled else "@tf.function\n")):
        assert old in source
        source = source.replace(old, new)
    trace = record(tmp_path, source, "CONCISE_HEALTH")
    with TraceReader(trace) as reader:
        assert reader.count("step_end") == 10
    assert [f for f in findings(trace) if f.kind == "broadcast"] == []


def test_inspect_prints_the_findings(tmp_path, capsys):
    trace = record(tmp_path, BROADCAST)
    capsys.readouterr()
    assert main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    assert "Findings:\n  broadcast: did you mean…?: Sub" in out


def test_events_fed_in_batches_give_the_findings_of_the_whole_trace(tmp_path):
    trace = record(tmp_path, RETRACING.replace("range(1, 6)", "range(1, 4)") + BROADCAST)
    with TraceReader(trace) as reader:
        events = list(reader.events())
        whole = find_all(reader)
    streamed = Findings()
    shown: list = []
    for start in range(0, len(events), 3):  # the window's batches
        shown += streamed.add(events[start:start + 3])
    assert sorted(streamed.found, key=lambda f: f.seq) == whole
    assert [f.kind for f in whole] == ["retracing", "broadcast"]
    # the retracing finding was shown once per retrace, updated: traced 2, then 3 times
    assert ["traced 2" in f.detail or "traced 3" in f.detail
            for f in shown if f.kind == "retracing"] == [True, True]
