"""Packed op events: a recorder's fast path must say exactly what op-by-op events say.

A packing probe (the trace recorder, the live debuggee) sends consecutive ops as "ops"
packs and runs compiled tf.function graphs with a health check per op instead of op by op;
``OpsExpander`` and ``TraceReader`` turn packs back into op events. These tests hold the
two paths to the same events, and check what only packs do (limits, dynamic shapes, NaN
counts, time travel in compiled runs, handing over to op-by-op when someone steps).
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

import engine as tf
from debugger import events, jsoncodec
from debugger import probe as probe_module
from debugger.debuggee import record
from debugger.probe import PACK_MAX_OPS, Probe
from debugger.tracefile import TraceReader
from engine.keras import layers, models


def train(pack: bool, traced: bool, steps: int = 3, mode: str = "CONCISE_HEALTH",
          ring_steps: int = 3) -> tuple[list[dict], Probe]:
    """A small Keras MLP trained a few steps under a probe; its raw event log."""
    tf.keras.utils.set_random_seed(0)
    model = models.Sequential([layers.Dense(8, activation="relu", name="d1"),
                               layers.Dense(3, name="d2")], name="mlp")
    optimizer = tf.keras.optimizers.Adam(0.01)
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    x = tf.constant(np.random.RandomState(0).rand(16, 4).astype("float32"))
    y = tf.constant(np.arange(16) % 3)

    def step(xb, yb):
        with tf.GradientTape() as tape:
            loss = loss_fn(yb, model(xb, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    if traced:
        step = tf.function(step)
    log: list[dict] = []
    with Probe(log.append, mode=mode, pack=pack, ring_steps=ring_steps) as probe:
        for _ in range(steps):
            step(x, y)
    return log, probe


def comparable(event: dict) -> dict:
    """An event without what differs between two runs in one process: object ids, timings,
    graph ids."""
    event = {k: v for k, v in event.items()
             if k not in ("duration", "inputs", "outputs", "id", "target", "graph_id")}
    if "exec" in event:
        event["exec"] = re.sub(r"\d+", "N", event["exec"])
    if event["kind"] == "gradient":
        event["sources"] = [{k: v for k, v in s.items() if k not in ("id", "grad_id")}
                            for s in event["sources"]]
    if event["kind"] == "graph":
        event["nodes"] = [{k: v for k, v in n.items() if k != "variable"}
                          for n in event["nodes"]]
    return event


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "tf.function"])
@pytest.mark.parametrize("mode", events.PACKABLE_MODES)
def test_packs_expand_to_exactly_the_op_by_op_events(traced, mode):
    one_by_one, _ = train(pack=False, traced=traced, mode=mode)
    packed, _ = train(pack=True, traced=traced, mode=mode)
    assert any(e["kind"] == "ops" for e in packed)
    assert not any(e["kind"] == "op" for e in packed)
    for event in packed:  # the probe builds events without checks: the schema holds them
        assert set(events.FIELDS[event["kind"]]) <= set(event), event["kind"]
    expanded = events.OpsExpander().expand_all(packed)
    assert [comparable(e) for e in expanded] == [comparable(e) for e in one_by_one]
    assert [e["seq"] for e in expanded] == list(range(1, len(expanded) + 1))


NAN, INF = float("nan"), float("inf")
# Per step: rows for the unstacks, a vector to split. Step 0 is healthy; step 1 has a NaN in
# the second row (unstack outputs [good, bad]), +inf in the split's first half; step 2 a NaN
# in the first row ([bad, good]), -inf in the second half.
MULTI_OUTPUT_STEPS = [
    ([[1.0, 2.0], [3.0, 4.0]], [1.0, 2.0, 3.0, 4.0]),
    ([[1.0, 2.0], [NAN, 3.0]], [INF, 2.0, 3.0, 4.0]),
    ([[NAN, 2.0], [1.0, 3.0]], [1.0, 2.0, 3.0, -INF]),
]


def train_multi_output(pack: bool, traced: bool, mode: str) -> list[dict]:
    """A gradient step whose forward and backward pass run multi-output ops (Unpack and SplitV
    with two outputs and with one, along both axes), fed NaN and Inf; the raw event log."""
    w = tf.Variable(np.array([[1.0, 0.5], [2.0, -1.0]], np.float32), name="w")

    def step(rows, vector):
        with tf.GradientTape() as tape:
            top, bottom = tf.unstack(rows * w)
            left, right = tf.unstack(rows, axis=1)
            first, second = tf.split(vector, 2)
            head, rest = tf.split(vector, [1, -1])
            (whole,) = tf.split(rows * w, 1)  # a list of one output
            loss = (tf.reduce_sum(top) + 2.0 * tf.reduce_sum(bottom) + tf.reduce_sum(left * right)
                    + tf.reduce_sum(first * second) + tf.reduce_sum(head) * tf.reduce_sum(rest)
                    + tf.reduce_sum(whole * w))
        return tape.gradient(loss, [w])  # (no update: a NaN gradient would spread into w)

    if traced:
        step = tf.function(step)
    log: list[dict] = []
    with Probe(log.append, mode=mode, pack=pack, ring_steps=0):
        for rows, vector in MULTI_OUTPUT_STEPS:
            step(tf.constant(rows), tf.constant(vector))
    return log


def same_fields(event: dict) -> str:
    """``comparable`` as JSON, where NaN equals NaN (a NaN loss or norm is not != itself)."""
    return json.dumps(comparable(event), sort_keys=True)


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "tf.function"])
@pytest.mark.parametrize("mode", events.PACKABLE_MODES)
def test_unhealthy_multi_output_ops_pack_to_exactly_the_op_by_op_events(traced, mode):
    one_by_one = train_multi_output(pack=False, traced=traced, mode=mode)
    packed = train_multi_output(pack=True, traced=traced, mode=mode)
    assert any(e["kind"] == "ops" for e in packed) and not any(e["kind"] == "op" for e in packed)
    expanded = events.OpsExpander().expand_all(packed)
    assert [same_fields(e) for e in expanded] == [same_fields(e) for e in one_by_one]
    if mode == "SHAPE":
        return
    for log in (one_by_one, expanded):  # and both say which output went bad
        unpacks = [e for e in log if e["kind"] == "op" and e["op"] == "Unpack"
                   and e["shapes"] == [[2], [2]]]
        assert [[s["bad"] for s in e["summary"]] for e in unpacks] == [
            [False, False], [False, False],  # step 0
            [False, True], [True, False],  # step 1: row 1 holds the NaN, column 0 does
            [True, False], [True, False]]  # step 2: row 0 and column 0
        splits = [e for e in log if e["kind"] == "op" and e["op"] == "SplitV"
                  and e["shapes"] == [[2], [2]]]
        assert [[s["bad"] for s in e["summary"]] for e in splits] == [
            [False, False], [True, False], [False, True]]
        if mode != "CURT_HEALTH":
            nan_output = unpacks[2]["summary"][1]
            assert (nan_output["nan"], nan_output["neg_inf"], nan_output["pos_inf"]) == (1, 0, 0)
            inf_output = splits[2]["summary"][1]
            assert (inf_output["nan"], inf_output["neg_inf"], inf_output["pos_inf"]) == (0, 1, 0)


def test_a_compiled_run_packs_its_ops_against_its_graph_event():
    log, _ = train(pack=True, traced=True, steps=2)
    graph = next(e for e in log if e["kind"] == "graph")
    packs = [e for e in log if e["kind"] == "ops"]
    assert all(p["graph"] == graph["graph_id"] for p in packs)
    assert all("rows" not in p for p in packs)  # what runs share is in the graph event
    ops = events.OpsExpander().expand_all(log)
    graph_ops = [e for e in ops if e["kind"] == "op" and e["step"] == 1]
    names = [n["name"] for n in graph["nodes"] if n["op"] not in ("Placeholder", "Const",
             "ReadVariableOp", "ApplyGradients", "AssignVariableOp")]
    assert [e["name"] for e in graph_ops] == names
    assert all(0 <= e["duration"] < 1 for e in graph_ops) and any(e["duration"] for e in graph_ops)
    # variable reads carry the variable's id, as op by op; other values ids of their own
    variables = {e["id"] for e in log if e["kind"] == "variable_created"}
    matmul = next(e for e in graph_ops if e["name"] == "mlp/d1/MatMul")
    assert matmul["inputs"][1] in variables and matmul["outputs"][0] < 0


def test_a_compiled_runs_gradient_names_its_loss_as_that_runs_op_events_do():
    log, _ = train(pack=True, traced=True)
    expanded = events.OpsExpander().expand_all(log)
    gradients = [e for e in expanded if e["kind"] == "gradient"]
    assert len(gradients) == 3
    for gradient in gradients:
        made_by = {}  # tensor id -> the latest op event making it, before this gradient
        for event in expanded:
            if event["kind"] == "op" and event["seq"] < gradient["seq"]:
                made_by.update(dict.fromkeys(event["outputs"], event))
        loss = made_by[gradient["target"]]
        assert loss["exec"].startswith("graph:") and loss["shapes"] == [[]]
        for source in gradient["sources"]:  # the gradient tensors too (the step diff's)
            assert made_by[source["grad_id"]]["shapes"][0] == source["shape"]


def test_an_expander_without_the_graph_event_says_so():
    log, _ = train(pack=True, traced=True, steps=1)
    pack = next(e for e in log if e["kind"] == "ops" and "graph" in e)
    with pytest.raises(ValueError, match="graph event is missing"):
        events.OpsExpander().expand(pack)


def test_compiled_runs_keep_values_for_time_travel():
    log, probe = train(pack=True, traced=True, steps=2)
    ops = [e for e in events.OpsExpander().expand_all(log) if e["kind"] == "op"]
    relu = [e for e in ops if e["op"] == "Relu"][-1]
    value = probe.value(relu["seq"])
    assert value is not None and value.shape == (16, 8) and (value >= 0).all()
    for op in ("MatMul", "BiasAdd"):  # a preallocated buffer (copied), a fresh array (kept)
        first, second = [probe.value(e["seq"]) for e in ops if e["op"] == op
                         and e["name"] == f"mlp/d1/{op}"]
        assert first.shape == second.shape == (16, 8)
        assert not np.array_equal(first, second)  # step 0's value survived step 1
    _, headless = train(pack=True, traced=True, steps=1, ring_steps=0)
    assert len(headless._ring) == 0  # a recorder keeps no values in memory



def test_eager_packs_keep_each_output_of_recent_steps_for_time_travel():
    """The packing path writes the ring itself: every output (a split's too), only the last
    ``ring_steps`` steps, and what it keeps is what an op-by-op probe keeps."""
    w = tf.Variable([1.0, 2.0, 3.0, 4.0])
    kept = {}
    for pack in (True, False):
        log: list[dict] = []
        with Probe(log.append, mode="CONCISE_HEALTH", pack=pack, ring_steps=2) as probe:
            for step in range(3):
                tf.split(w * float(step + 1), 2)
                probe.optimizer_step(None, step)  # the step ends (as apply_gradients says)
            ops = [e for e in events.OpsExpander().expand_all(log) if e["kind"] == "op"]
        if pack:
            assert any(e["kind"] == "ops" for e in log)
        splits = [e for e in ops if e["op"] == "SplitV"]
        assert [e["step"] for e in splits] == [0, 1, 2]
        assert probe.value(splits[0]["seq"]) is None  # step 0 left the ring
        kept[pack] = [[probe.value(e["seq"], i) for i in (0, 1)] for e in splits[1:]]
    for packed, one_by_one in zip(kept[True], kept[False]):
        for a, b in zip(packed, one_by_one):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(kept[True][1][1], [9.0, 12.0])  # step 2: w * 3, 2nd half


NAN_GRAPH_SCRIPT = """\
import numpy as np
import engine as tf  # (in-process: `tensorflow` may be the real one here)

w = tf.Variable(np.array([1.0, 2.0, 0.5], np.float32), name="w")
optimizer = tf.keras.optimizers.SGD(0.0)  # w stays put


@tf.function
def train_step(x):
    with tf.GradientTape() as tape:
        logs = tf.math.log(w - x)  # LOG
        loss = tf.reduce_sum(logs)
    grads = tape.gradient(loss, [w])
    optimizer.apply_gradients(zip(grads, [w]))
    return loss


for x in (0.0, 1.0):
    train_step(tf.constant(x))
"""


def test_a_nan_in_a_compiled_run_is_found_at_its_op_and_line(tmp_path):
    script = tmp_path / "nan_graph.py"
    script.write_text(NAN_GRAPH_SCRIPT)
    trace = tmp_path / "nan.tsdb"
    assert record(script, [], trace) == 0
    line = next(i for i, text in enumerate(NAN_GRAPH_SCRIPT.splitlines(), 1) if "# LOG" in text)
    with sqlite3.connect(trace) as db:  # the recorder took the fast path: packs, not ops
        kinds = dict(db.execute("SELECT kind, count(*) FROM events GROUP BY kind"))
        packs = [jsoncodec.loads(body) for (body,) in db.execute(
            "SELECT body FROM events WHERE kind = 'ops'")]
    assert "op" not in kinds and kinds["ops"] == 2  # one per compiled run
    assert all("graph" in pack for pack in packs)
    with TraceReader(trace) as reader:
        bad = reader.first_bad_op()
        assert bad["op"] == "Log" and bad["step"] == 1 and bad["exec"].startswith("graph:")
        assert Path(bad["file"]).name == "nan_graph.py" and bad["line"] == line
        # step 1: log([1, 2, 0.5] - 1) = log([0, 1, -0.5]): one -inf, one NaN
        assert bad["summary"][0] | {"nan": 1, "neg_inf": 1, "pos_inf": 0, "bad": True} == \
            bad["summary"][0]
        before = list(reader.ops(step=1))
        assert [e["op"] for e in before][:2] == ["Sub", "Log"]
        assert not before[0]["summary"][0]["bad"]
        assert reader.count("op") == len(list(reader.ops()))
        gradient_line = NAN_GRAPH_SCRIPT.splitlines().index(
            "    grads = tape.gradient(loss, [w])") + 1
        assert [g["line"] for g in reader.gradients()] == [gradient_line] * 2  # as traced
        assert [s.value for s in reader.scalars("loss")][0] == pytest.approx(
            float(np.log(1.0) + np.log(2.0) + np.log(0.5)), rel=1e-5)


def test_huge_but_finite_values_are_healthy_in_packs():
    log: list[dict] = []
    with Probe(log.append, pack=True, ring_steps=0):
        tf.constant(np.float32(3e38)) * tf.constant(np.float32(1.0))  # its square overflows
    (op,) = events.OpsExpander().expand_all(log)
    assert op["summary"][0]["bad"] is False


def test_a_long_run_without_steps_is_sent_in_bounded_packs(monkeypatch):
    # the count bound alone: on a loaded machine 512 ops can outlast the time bound (0.1 s)
    monkeypatch.setattr(probe_module, "PACK_MAX_SECONDS", 3600.0)
    log: list[dict] = []
    x = tf.constant(1.0)
    with Probe(log.append, pack=True, ring_steps=0):
        for _ in range(PACK_MAX_OPS + 10):
            x = x + 1.0
    counts = [e["count"] for e in log]
    assert counts == [PACK_MAX_OPS, 10]
    assert [e["seq"] for e in log] == [1, PACK_MAX_OPS + 1]


def test_op_stepping_takes_over_from_packing_in_order():
    log: list[dict] = []
    x = tf.constant(1.0)
    with Probe(log.append, pack=True, ring_steps=0) as probe:
        x = x + 1.0
        x = x * 2.0
        probe.watch_ops(True)  # someone steps op by op now: the pending pack goes first
        x = x - 1.0
        probe.watch_ops(False)
        x = x / 2.0
    assert [e["kind"] for e in log] == ["ops", "op", "ops"]
    expanded = events.OpsExpander().expand_all(log)
    assert [e["op"] for e in expanded] == ["AddV2", "Mul", "Sub", "RealDiv"]
    assert [e["seq"] for e in expanded] == [1, 2, 3, 4]


def test_runtime_shapes_of_a_graph_traced_with_unknown_dimensions():
    log: list[dict] = []

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def double(x):
        return x * 2.0

    with Probe(log.append, pack=True, ring_steps=0):
        double(tf.ones((3, 2)))
        double(tf.ones((5, 2)))
    ops = [e for e in events.OpsExpander().expand_all(log) if e["kind"] == "op"
           and e["op"] == "Mul"]
    assert [e["shapes"] for e in ops] == [[[3, 2]], [[5, 2]]]
    assert [e["summary"][0]["size"] for e in ops] == [6, 10]


def test_backward_ops_point_at_tape_gradient_and_custom_gradients_at_their_own_code():
    @tf.custom_gradient
    def clip(x):
        def grad(dy):
            return dy * 0.5  # CUSTOM

        return tf.identity(x), grad

    log: list[dict] = []
    w = tf.Variable(3.0)
    with Probe(log.append, pack=True, ring_steps=0):
        with tf.GradientTape() as tape:
            y = clip(w * w)
        tape.gradient(y, [w])  # GRADIENT
    source = Path(__file__).read_text().splitlines()
    ops = [e for e in events.OpsExpander().expand_all(log) if e["kind"] == "op"]
    backward = [e for e in ops if e["scope"].startswith("gradient_tape")]
    assert backward, "the backward pass ran ops"
    lines = {source[e["line"] - 1].strip() for e in backward}
    assert lines == {"return dy * 0.5  # CUSTOM", "tape.gradient(y, [w])  # GRADIENT"}


def test_a_live_session_gets_op_events_from_packs_and_records_the_same(tmp_path):
    from debugger.client import DebugClient

    script = tmp_path / "nan_graph.py"
    script.write_text(NAN_GRAPH_SCRIPT)
    with DebugClient(script) as client:
        client.run()
        assert client.wait_finished(timeout=60)["status"] == "ok"
        live = client.ops()
    assert not any(e["kind"] == "ops" for e in client.events)
    assert record(script, [], tmp_path / "run.tsdb") == 0
    with TraceReader(tmp_path / "run.tsdb") as reader:
        recorded = list(reader.ops())
    assert len(live) == len(recorded) > 0
    assert [(e["op"], e["line"], e["step"], e["summary"]) for e in live] == \
        [(e["op"], e["line"], e["step"], e["summary"]) for e in recorded]
    assert any(e["summary"][0]["bad"] for e in live if e["op"] == "Log")


RAISING_GRAPH_SCRIPT = """\
import engine as tf

table = tf.constant([1.0, 2.0, 3.0])


@tf.function
def lookup(x, i):
    y = x * 2.0  # BEFORE
    return tf.gather(table, i) + y


lookup(tf.constant(1.0), tf.constant(1))
lookup(tf.constant(1.0), tf.constant(7))  # out of range: raises in the compiled run
"""


def test_an_op_raising_in_a_compiled_run_leaves_the_ops_before_it(tmp_path):
    script = tmp_path / "raising.py"
    script.write_text(RAISING_GRAPH_SCRIPT)
    trace = tmp_path / "raising.tsdb"
    assert record(script, [], trace) == 1
    with TraceReader(trace) as reader:
        ops = list(reader.ops())
        (error,) = reader.errors()
    first, second = ops[:4], ops[4:]
    assert [e["op"] for e in first] == ["Mul", "GatherV2", "AddV2", "Identity"]
    assert [e["op"] for e in second] == ["Mul"]  # the gather raised: nothing after it
    assert error["at_seq"] == second[0]["seq"]
    assert "raising.py" in error["file"]
    assert error["line"] == RAISING_GRAPH_SCRIPT.splitlines().index(
        "lookup(tf.constant(1.0), tf.constant(7))  # out of range: raises in the compiled run") + 1
    assert "in op GatherV2 (GatherV2)" in error["traceback"]
    assert "raising.py:9" in error["traceback"]  # where the failing op was traced


def test_ops_of_another_thread_are_packed_and_sent_in_order():
    import threading

    log: list[dict] = []
    with Probe(log.append, pack=True, ring_steps=0) as probe:
        def work() -> None:
            x = tf.constant(1.0)
            for _ in range(3):
                x = x + 1.0
            probe.emit("output", stream="stdout", text="done\n")

        worker = threading.Thread(target=work)
        worker.start()
        worker.join()
    assert [(e["kind"], e["seq"]) for e in log] == [("ops", 1), ("output", 4)]
    assert log[0]["count"] == 3


def test_shape_mode_packs_claim_no_health(tmp_path):
    from debugger.tracefile import TraceWriter

    @tf.function
    def log_of(x):
        return tf.math.log(x)

    with TraceWriter(tmp_path / "shape.tsdb") as writer:
        with Probe(writer.write, mode="SHAPE", pack=True, ring_steps=0):
            log_of(tf.constant([0.0, -1.0]))
    with TraceReader(tmp_path / "shape.tsdb") as reader:
        assert [op["op"] for op in reader.ops()] == ["Log", "Identity"]  # Identity: the output
        for op in reader.ops():
            assert op["summary"] == [{"shape": [2], "dtype": "float32"}]
        assert reader.first_bad_op() is None


def test_a_pack_the_controller_cannot_read_is_reported_not_fatal():
    from debugger.client import DebugClient

    client = DebugClient.__new__(DebugClient)  # only the event path: no child process
    client._expander = events.OpsExpander()
    client._changed, client.damaged, client.damage = threading.Condition(), 0, []
    broken = {"kind": "ops", "seq": 5, "step": 0, "epoch": 0, "mode": "CONCISE_HEALTH",
              "count": 2, "graph": 99, "first": 0, "times": [0.0, 1.0, 2.0]}
    later = events.make("step_end", 7, step=0, epoch=0)
    delivered = client._expand([broken, later])
    assert [e["kind"] for e in delivered] == ["output", "step_end"]
    assert "could not read 2 ops from #5" in delivered[0]["text"]
    assert "graph event is missing" in delivered[0]["text"]
    assert client.damaged == delivered[0]["damaged"] == 2  # counted, as a model adds it up


def test_full_health_recording_keeps_every_statistic_and_finds_the_nan(tmp_path):
    script = tmp_path / "nan_graph.py"
    script.write_text(NAN_GRAPH_SCRIPT)
    trace = tmp_path / "full.tsdb"
    assert record(script, [], trace, mode="FULL_HEALTH") == 0
    with sqlite3.connect(trace) as db:
        assert "op" not in dict(db.execute("SELECT kind, count(*) FROM events GROUP BY kind"))
    with TraceReader(trace) as reader:
        bad = reader.first_bad_op()
        sub = next(reader.ops(op="Sub"))
    assert bad["op"] == "Log" and bad["step"] == 1
    # log([0, 1, -0.5]): finite part [0.0]; one NaN, one -inf
    assert bad["summary"] == [{"shape": [3], "dtype": "float32", "size": 3, "nan": 1,
                               "neg_inf": 1, "pos_inf": 0, "bad": True, "min": 0.0,
                               "max": 0.0, "mean": 0.0, "std": 0.0, "zeros": 1}]
    # step 0: w - 0 = [1, 2, 0.5]
    assert sub["summary"][0] | {"min": 0.5, "max": 2.0, "zeros": 0, "bad": False} == \
        sub["summary"][0]
    assert sub["summary"][0]["mean"] == pytest.approx(3.5 / 3)
