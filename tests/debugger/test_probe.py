"""The probe turns engine activity into the event schema: ops, gradients, updates, graphs,
boundaries and scalars — with the user's source lines."""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import numpy as np
import pytest

import engine as tf
from debugger import events, jsoncodec
from debugger.probe import Probe
from engine.context import STATE
from engine.keras import layers, models

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def recorded():
    log: list[dict] = []
    probe = Probe(log.append, mode="CONCISE_HEALTH").attach()
    yield probe, log
    probe.detach()


def kinds(log):
    return collections.Counter(e["kind"] for e in log)


def run_example(name: str, **replacements: str) -> None:
    source = (ROOT / "examples" / name).read_text()
    for old, new in replacements.items():
        source = source.replace(old, new)
    exec(compile(source, str(ROOT / "examples" / name), "exec"), {"__name__": "__main__"})


def test_linear_regression_emits_every_eager_event_kind(recorded, capsys):
    probe, log = recorded
    run_example("linear_regression.py", **{"range(100)": "range(3)"})
    seen = kinds(log)
    for kind in ("op", "gradient", "variable_created", "variable_update", "step_end", "scalar"):
        assert seen[kind] > 0, kind
    assert seen["step_end"] == 3
    for event in log:  # every event follows the schema
        assert set(events.FIELDS[event["kind"]]) <= set(event)
    assert [e["seq"] for e in log] == list(range(1, len(log) + 1))


def test_op_events_point_at_the_users_lines(recorded, capsys):
    probe, log = recorded
    run_example("linear_regression.py", **{"range(100)": "range(1)"})
    source = (ROOT / "examples" / "linear_regression.py").read_text().splitlines()
    first_ops = [e for e in log if e["kind"] == "op"][:5]
    assert [e["op"] for e in first_ops] == ["Mul", "AddV2", "Sub", "Square", "Mean"]
    assert all(e["file"].endswith("linear_regression.py") for e in first_ops)
    assert "w * x + b" in source[first_ops[0]["line"] - 1]
    assert "tf.reduce_mean" in source[first_ops[4]["line"] - 1]
    assert all(e["exec"] == "eager" for e in first_ops)


def test_loss_is_found_as_the_scalar_target_of_tape_gradient(recorded, capsys):
    probe, log = recorded
    run_example("linear_regression.py", **{"range(100)": "range(2)"})
    losses = [e["value"] for e in log if e["kind"] == "scalar" and e["name"] == "loss"]
    assert losses[0] == pytest.approx(44.0)
    assert len(losses) == 2 and losses[1] < losses[0]


def test_gradient_events_carry_norms_and_none_reasons(recorded):
    probe, log = recorded
    w = tf.Variable([1.0, 2.0], name="w")
    unused = tf.Variable(3.0, name="unused")
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w)
    tape.gradient(loss, [w, unused])
    (event,) = [e for e in log if e["kind"] == "gradient"]
    first, second = event["sources"]
    assert first["name"] == "w:0" and first["norm"] == pytest.approx(np.sqrt(4 + 16))
    assert second["summary"] is None and "not used" in second["reason"]


def test_gradient_events_name_watched_tensors_and_where_the_path_broke(recorded):
    probe, log = recorded
    x = tf.constant([1.0, 2.0])
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(x * float(w))
    broke_at = sys._getframe().f_lineno - 1
    tape.gradient(y, [x, w])
    (event,) = [e for e in log if e["kind"] == "gradient"]
    watched, variable = event["sources"]
    assert watched["name"] == "x" and watched["norm"] == pytest.approx(np.sqrt(8.0))
    assert variable["name"] == "w:0" and variable["reason"].startswith(
        "the value of w left the engine through float()")
    assert (variable["reason_file"], variable["reason_line"]) == (__file__, broke_at)
    assert "reason_line" not in watched
    assert jsoncodec.loads(jsoncodec.dumps(event))["sources"][1]["reason"] == variable["reason"]


def test_nan_is_counted_in_health_summaries():
    log: list[dict] = []
    with Probe(log.append, mode="CONCISE_HEALTH"):
        tf.math.log(tf.constant([0.0, -1.0, 1.0]))
    (op,) = [e for e in log if e["kind"] == "op"]
    summary = op["summary"][0]
    assert summary["bad"] and summary["nan"] == 1 and summary["neg_inf"] == 1
    assert summary["size"] == 3


def test_full_health_adds_statistics_and_full_tensor_hands_out_values():
    log: list[dict] = []
    values = {}
    with Probe(log.append, mode="FULL_TENSOR",
               value_sink=lambda seq, i, a: values.__setitem__((seq, i), a)):
        tf.constant([1.0, 2.0, 3.0]) * 2.0
    (op,) = [e for e in log if e["kind"] == "op"]
    assert op["summary"][0]["max"] == 6.0 and op["summary"][0]["zeros"] == 0
    np.testing.assert_array_equal(values[(op["seq"], 0)], [2.0, 4.0, 6.0])


def test_ring_keeps_values_of_recent_steps_only():
    log: list[dict] = []
    probe = Probe(log.append, mode="SHAPE", ring_steps=2).attach()
    try:
        w = tf.Variable(1.0)
        opt = tf.keras.optimizers.SGD(0.1)
        seqs = []
        for _ in range(4):
            with tf.GradientTape() as tape:
                loss = w * 3.0
            seqs.append(log[-1]["seq"] if log[-1]["kind"] == "op" else None)
            opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        forward = [next(e for e in log if e["kind"] == "op" and e["op"] == "Mul"
                        and e["step"] == step) for step in range(4)]
        # the last step's forward product used w before its last update
        assert float(probe.value(forward[3]["seq"])) == pytest.approx(
            (float(w.numpy()) + 0.3) * 3.0)
        assert probe.value(forward[2]["seq"]) is not None
        assert probe.value(forward[0]["seq"]) is None  # steps 0 and 1 left the ring
    finally:
        probe.detach()


def test_no_tensor_probe_does_not_slow_ops_down():
    log: list[dict] = []
    with Probe(log.append, mode="NO_TENSOR") as probe:
        assert not STATE.observed  # ops take the fast path
        tf.constant(1.0) + 1.0
        probe.watch_ops(True)
        assert STATE.observed
        tf.constant(1.0) + 1.0
    assert [e["op"] for e in log if e["kind"] == "op"] == ["AddV2"]
    assert not STATE.observed


def test_traced_functions_report_their_graph_and_ops_inside_it(tmp_path):
    log: list[dict] = []
    w = tf.Variable(tf.ones([3, 2]))

    @tf.function
    def f(x):
        return tf.nn.relu(tf.matmul(x, w))  # the traced line

    with Probe(log.append, mode="CURT_HEALTH"):
        f(tf.ones([4, 3]))
        f(tf.ones([4, 3]))
        f(tf.ones([5, 3]))
    graphs = [e for e in log if e["kind"] == "graph"]
    assert [g["trace_count"] for g in graphs] == [1, 2]
    assert "(5, 3)" in graphs[1]["reason"]
    assert [n["op"] for n in graphs[0]["nodes"]] == ["Placeholder", "ReadVariableOp", "MatMul",
                                                     "Relu", "Identity"]  # TF's output node
    ops = [e for e in log if e["kind"] == "op"]
    assert {e["exec"] for e in ops} == {f"graph:{g['graph_id']}" for g in graphs}
    matmul = next(e for e in ops if e["op"] == "MatMul")
    assert matmul["file"] == __file__
    assert "the traced line" in Path(__file__).read_text().splitlines()[matmul["line"] - 1]
    # each op event is named as its node in the graph event, so a view can map one to the other
    node_names = {n["name"]: n["op"] for n in graphs[0]["nodes"]}
    first_run = [e for e in ops if e["exec"] == f"graph:{graphs[0]['graph_id']}"]
    assert {e["op"] for e in first_run} == {"MatMul", "Relu", "Identity"}
    assert all(node_names[e["name"]] == e["op"] for e in first_run)


def test_mnist_style_training_reports_epochs_and_traced_graph():
    rng = np.random.default_rng(0)
    x = rng.random((64, 28, 28))
    y = rng.integers(0, 10, 64).astype(np.uint8)
    log: list[dict] = []
    with Probe(log.append, mode="CONCISE_HEALTH"):
        model = models.Sequential([layers.Flatten(input_shape=(28, 28)),
                                   layers.Dense(8, activation="relu"),
                                   layers.Dense(10, activation="softmax")])
        optimizer = tf.keras.optimizers.Adam()
        loss_fn = tf.keras.losses.SparseCategoricalCrossentropy()

        @tf.function
        def train_step(xb, yb):
            with tf.GradientTape() as tape:
                loss = loss_fn(yb, model(xb, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
            return loss

        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
        for _ in range(2):
            for xb, yb in dataset:
                train_step(xb, yb)
        accuracy = tf.keras.metrics.SparseCategoricalAccuracy()
        for xb, yb in dataset:  # an evaluation pass is not an epoch
            accuracy.update_state(yb, model(xb, training=False))
    seen = kinds(log)
    assert seen["graph"] == 1 and seen["step_end"] == 8 and seen["epoch_end"] == 2
    assert seen["gradient"] == 8  # tape.gradient inside the graph, every call
    assert seen["scalar"] >= 8


def test_summary_scalar_reaches_the_probe():
    log: list[dict] = []
    assert tf.summary.scalar("lr", 0.5, step=3) is False  # nobody listening
    with Probe(log.append, mode="NO_TENSOR"):
        assert tf.summary.scalar("lr", tf.constant(0.25), step=4)
    (event,) = log
    assert (event["name"], event["value"], event["step"]) == ("lr", 0.25, 4)


def test_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="tensor debug mode"):
        Probe(lambda e: None, mode="EVERYTHING")


def test_an_idle_probe_gets_no_op_events_even_under_a_tape():
    log: list[dict] = []
    w = tf.Variable(2.0)
    with Probe(log.append, mode="NO_TENSOR") as probe:
        with tf.GradientTape() as tape:
            loss = w * w
        (grad,) = tape.gradient(loss, [w])
        assert float(grad) == 4.0
        assert [e["kind"] for e in log] == ["gradient", "scalar"]
        source = log[0]["sources"][0]
        assert source["summary"] is None and "norm" not in source  # no pass over values
        probe.watch_ops(True)  # op stepping asks for them again
        with tf.GradientTape() as tape:
            loss = w * w
    assert [e["op"] for e in log if e["kind"] == "op"] == ["Mul"]


def test_an_idle_probe_reports_steps_but_not_variable_updates():
    log: list[dict] = []
    w = tf.Variable(2.0)
    optimizer = tf.keras.optimizers.SGD(0.1)
    with Probe(log.append, mode="NO_TENSOR"):
        with tf.GradientTape() as tape:
            loss = w * w
        optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
    kinds = [e["kind"] for e in log]
    assert "step_end" in kinds and "variable_update" not in kinds
    assert float(w) == pytest.approx(1.6)


def test_variable_updates_carry_weight_and_update_norms():
    log: list[dict] = []
    w = tf.Variable([[3.0], [4.0]], name="w")  # 2-D: the optimizer's delta is not flat
    optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
    with Probe(log.append, mode="CONCISE_HEALTH"):
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(w * w)
            optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        w.assign_sub([[0.0], [3.2 * 0.6]])  # no optimizer delta: against a copy from now on
        w.assign_sub([[0.0], [0.0]])
    first, second, third, fourth = [e for e in log if e["kind"] == "variable_update"]
    # SGD: w <- w - 0.1 * 2w = 0.8 w; norms 5 -> 4 -> 3.2; the optimizer hands its delta
    assert first["weight_norm"] == pytest.approx(4.0)
    assert first["update_norm"] == pytest.approx(1.0)  # |0.2 * (3, 4)|
    assert second["weight_norm"] == pytest.approx(3.2)
    assert second["update_norm"] == pytest.approx(0.8)  # |0.2 * 0.8 * (3, 4)|
    assert "update_norm" not in third  # assign: nothing to compare with yet
    assert fourth["update_norm"] == pytest.approx(0.0)


@pytest.mark.parametrize("mode", ["NO_TENSOR", "SHAPE", "CONCISE_HEALTH", "FULL_HEALTH"])
def test_op_events_have_exactly_the_schema_fields(mode):
    from debugger.events import FIELDS

    log: list[dict] = []
    with Probe(log.append, mode=mode) as probe:
        probe.watch_ops(True)
        tf.constant([1.0, 2.0]) * 3.0
    (event,) = [e for e in log if e["kind"] == "op"]
    assert set(event) == {"kind", "seq", *FIELDS["op"]}
    assert event["shapes"] == [[2]] and event["dtypes"] == ["float32"]


def test_a_sum_that_overflows_is_still_healthy():
    from debugger.tensor_stats import summarize

    big = np.full(4, np.finfo(np.float32).max, dtype=np.float32)  # sum overflows to inf
    assert summarize(big, "CONCISE_HEALTH")["bad"] is False
    assert summarize(np.array([1.0, np.inf], np.float32), "CONCISE_HEALTH")["pos_inf"] == 1


def test_gradient_ops_run_under_gradient_tape_and_their_forward_scope():
    log: list[dict] = []
    w = tf.Variable([[1.0], [2.0]])
    x = tf.constant([[3.0, 4.0]])
    with Probe(log.append, mode="SHAPE"):
        with tf.GradientTape() as tape:
            with tf.name_scope("layer"):
                y = tf.matmul(x, w)
            loss = tf.reduce_sum(y)
        tape.gradient(loss, [w])
        after = tf.constant(1.0) + 1.0  # the scope is restored after the backward pass
    scopes = {(e["op"], e["scope"]) for e in log if e["kind"] == "op"}
    assert ("MatMul", "layer") in scopes  # forward
    assert ("MatMul", "gradient_tape/layer") in scopes  # its gradient
    assert any(op != "MatMul" and scope == "gradient_tape" for op, scope in scopes)  # Sum's
    assert log[-1]["scope"] == "" and float(after) == 2.0


def test_a_freed_variable_leaves_no_weights_behind_for_its_id():
    import gc

    log: list[dict] = []
    with Probe(log.append, mode="CONCISE_HEALTH") as probe:
        w = tf.Variable([3.0, 4.0])
        w.assign_sub([1.0, 1.0])
        assert len(probe._last_weights) == 1
        del w
        gc.collect()
        assert probe._last_weights == {}  # its copy does not outlive it


def test_an_input_is_never_taken_for_a_dead_tensor_that_had_its_address():
    # ``x / std`` converts x to a new tensor after std's Mean output died: CPython gives it
    # the dead tensor's address (every time, in this loop), so id() named it "Mean's output".
    log: list[dict] = []
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    with Probe(log.append, mode="CONCISE_HEALTH"):
        for _ in range(10):
            std = tf.math.reduce_std(x, axis=0)
            z = x / std
    np.testing.assert_allclose(z.numpy(), x / x.std(axis=0), rtol=1e-6)
    ops = [e for e in log if e["kind"] == "op"]
    producer: dict[int, dict] = {}
    divisions = 0
    for event in ops:
        if event["op"] == "RealDiv":
            divisions += 1
            numerator, denominator = event["inputs"]
            assert numerator not in producer, f"x taken for {producer[numerator]['op']}'s output"
            assert producer[denominator]["op"] == "Sqrt"
        for tensor_id in event["outputs"]:
            assert tensor_id not in producer  # every op output is a tensor never seen before
            producer[tensor_id] = event
    assert divisions == 10


def train_log_w(traced: bool, pack: bool, mode: str) -> list[dict]:
    """Three steps of a custom training loop whose loss and gradient are infinite at step 1
    only (log of 0), eager or as a tf.function; the probe's events, packs expanded."""
    w = tf.Variable(np.array([1.0, 2.0], np.float32), name="w")
    # w stays put (the clip keeps 0 * inf out of it): only x decides where the loss is bad
    optimizer = tf.keras.optimizers.SGD(0.0, clipvalue=1.0)

    def train_step(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.math.log(w - x))
        grads = tape.gradient(loss, [w])
        optimizer.apply_gradients(zip(grads, [w]))
        return loss

    if traced:
        train_step = tf.function(train_step)
    log: list[dict] = []
    with Probe(log.append, mode=mode, pack=pack, ring_steps=0):
        for x in (0.0, 1.0, 0.5):
            train_step(tf.constant(x))
    return events.OpsExpander().expand_all(log)


def steps_in_order(log: list[dict]) -> list[tuple[str, int]]:
    """(kind, step) of the events in order, a run of op events as one entry."""
    out: list[tuple[str, int]] = []
    for e in log:
        if e["kind"] in ("op", "gradient", "scalar", "step_end"):
            entry = (e["kind"], e["step"])
            if not (e["kind"] == "op" and out and out[-1] == entry):
                out.append(entry)
    return out


@pytest.mark.parametrize("mode", ["CONCISE_HEALTH", "SHAPE", "FULL_HEALTH"])
@pytest.mark.parametrize("pack", [False, True], ids=["op-by-op", "packed"])
@pytest.mark.parametrize("traced", [False, True], ids=["eager", "tf.function"])
def test_a_train_steps_gradient_and_loss_carry_the_step_its_ops_ran_in(traced, pack, mode):
    log = train_log_w(traced, pack, mode)
    assert steps_in_order(log) == [("op", 0), ("gradient", 0), ("scalar", 0), ("step_end", 0),
                                   ("op", 1), ("gradient", 1), ("scalar", 1), ("step_end", 1),
                                   ("op", 2), ("gradient", 2), ("scalar", 2), ("step_end", 2)]
    losses = {e["step"]: e["value"] for e in log if e["kind"] == "scalar"}
    assert losses[1] == -np.inf and np.isfinite(losses[0]) and np.isfinite(losses[2])
    if mode != "SHAPE":  # the step whose ops went bad is the step of the bad gradient
        bad_ops = {e["step"] for e in log if e["kind"] == "op"
                   and any(s["bad"] for s in e["summary"])}
        bad_gradients = {e["step"] for e in log if e["kind"] == "gradient"
                         and e["sources"][0]["summary"]["bad"]}
        assert bad_ops == bad_gradients == {1}


def test_gradients_of_a_compiled_step_come_before_its_update():
    log = train_log_w(traced=True, pack=True, mode="CONCISE_HEALTH")
    order = [e["kind"] for e in log if e["kind"] in ("gradient", "variable_update",
                                                      "step_end")]
    assert order == ["gradient", "variable_update", "step_end"] * 3


def test_fits_batch_loss_carries_the_step_of_its_batch():
    tf.keras.utils.set_random_seed(0)
    model = models.Sequential([layers.Dense(2)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    x = np.random.RandomState(0).rand(8, 3).astype("float32")
    log: list[dict] = []
    with Probe(log.append, ring_steps=0):
        model.fit(x, np.zeros((8, 2), "float32"), batch_size=4, epochs=2, verbose=0)
    gradient_steps = [e["step"] for e in log if e["kind"] == "gradient"]
    assert gradient_steps == [0, 1, 2, 3]  # one tape.gradient per batch
    for name in ("loss", "mae"):
        assert [e["step"] for e in log if e["kind"] == "scalar"
                and e["name"] == name] == gradient_steps, name


@pytest.mark.parametrize("pack", [False, True], ids=["op-by-op", "packed"])
def test_two_train_steps_in_one_function_report_a_gradient_in_each(pack):
    w = tf.Variable(3.0, name="w")
    optimizer = tf.keras.optimizers.SGD(0.1)

    @tf.function
    def two_steps(x):
        for _ in range(2):  # unrolled at trace time: two tape.gradient calls, two updates
            with tf.GradientTape() as tape:
                loss = (w * x) ** 2
            optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))

    log: list[dict] = []
    with Probe(log.append, pack=pack, ring_steps=0):
        two_steps(tf.constant(1.0))
    log = events.OpsExpander().expand_all(log)
    assert steps_in_order(log) == [("op", 0), ("gradient", 0), ("scalar", 0), ("step_end", 0),
                                   ("op", 1), ("gradient", 1), ("scalar", 1), ("step_end", 1)]
    losses = [e["value"] for e in log if e["kind"] == "scalar"]
    assert losses == pytest.approx([9.0, (3.0 - 0.1 * 6.0) ** 2])  # d/dw (w x)² = 2 w x²


# A two-output op whose outputs differ in health, in both orders: each output's summary
# must stay with its own output (a swap, or "the first output speaks for all", shows here).
GOOD_BAD = {"good, bad": ([[1.0, 2.0], [np.nan, 3.0]], [False, True]),
            "bad, good": ([[np.nan, 2.0], [1.0, 3.0]], [True, False])}


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "tf.function"])
@pytest.mark.parametrize("mode", ["CURT_HEALTH", "CONCISE_HEALTH", "FULL_HEALTH"])
@pytest.mark.parametrize("order", sorted(GOOD_BAD))
def test_each_output_of_a_multi_output_op_has_its_own_summary(order, mode, traced):
    rows, bad = GOOD_BAD[order]
    unstack = tf.function(tf.unstack) if traced else tf.unstack
    x = tf.constant(rows)
    log: list[dict] = []
    with Probe(log.append, mode=mode):
        unstack(x)
    (op,) = [e for e in log if e["kind"] == "op" and e["op"] != "Identity"]  # not the outputs
    assert op["op"] == "Unpack"
    assert op["exec"].startswith("graph:") if traced else op["exec"] == "eager"
    assert [s["bad"] for s in op["summary"]] == bad
    if mode != "CURT_HEALTH":
        assert [s["nan"] for s in op["summary"]] == [int(b) for b in bad]
    if mode == "FULL_HEALTH":  # statistics over each output's own finite values
        good = op["summary"][bad.index(False)]
        sick = op["summary"][bad.index(True)]
        assert (good["min"], good["max"]) == ((1.0, 2.0) if order == "good, bad" else (1.0, 3.0))
        assert (sick["min"], sick["max"]) == ((3.0, 3.0) if order == "good, bad" else (2.0, 2.0))


SUMMARY_SCRIPT = """
import numpy as np
import engine as tf

xs = np.linspace(-1.0, 1.0, 12, dtype=np.float32).reshape(-1, 1)
dataset = tf.data.Dataset.from_tensor_slices((xs, 3.0 * xs)).batch(4)  # 3 batches
w = tf.Variable([[0.0]])
optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
step = 0
for epoch in range(3):
    tf.summary.scalar("learning_rate", 0.1, step=epoch)  # before the epoch's batches
    for x, y in dataset:
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
        optimizer.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        tf.summary.scalar("batch_loss", loss, step=step)
        step += 1
    tf.summary.scalar("accuracy", 0.5, step=epoch)  # after them: the epoch just ended
"""


def test_summary_scalars_say_whether_their_step_counts_epochs_or_training_steps(recorded):
    probe, log = recorded
    exec(compile(SUMMARY_SCRIPT, "summaries.py", "exec"), {"__name__": "__main__"})
    scalars = collections.defaultdict(list)
    for event in log:
        if event["kind"] == "scalar":
            scalars[event["name"]].append(event)
    assert [(e["step"], e["axis"]) for e in scalars["accuracy"]] == [
        (0, "epoch"), (1, "epoch"), (2, "epoch")]
    assert [e["step"] for e in scalars["batch_loss"]] == list(range(9))
    assert {e["axis"] for e in scalars["batch_loss"]} == {"step"}
    assert {e["axis"] for e in scalars["loss"]} == {"step"}  # found by tape.gradient
    # epoch 0 at step 0 fits both counters; from epoch 1 on the stream says what it is
    assert [e["axis"] for e in scalars["learning_rate"]][1:] == ["epoch", "epoch"]
    assert probe.step == 9 and probe.epoch == 3
