"""Full values for the step diff: the debuggee's per-step snapshots (a byte-bounded ring), the
values a FULL_TENSOR trace stores, and the debuggee command that fetches them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

import engine as tf
from debugger.client import DebugClient, DebuggeeError
from debugger.probe import Probe
from debugger.step_diff import NOT_TRAINABLE, step_diff
from debugger.step_values import (
    DEFAULT_BUDGET_BYTES,
    GRADIENT,
    WEIGHT,
    TraceStepValues,
    ValueMissing,
    VariableSnapshots,
    check_request,
)
from debugger.tracefile import TraceReader, TraceWriter

TIMEOUT = 60
X = np.array([[1.0, 2.0], [3.0, 4.0], [-1.0, 0.5]], np.float32)


def train(steps: int = 4):
    """A linear fit with a 2x2 weight and a bias; what the script itself saw each step."""
    w = tf.Variable([[1.0, -2.0], [0.5, 3.0]], name="w")
    b = tf.Variable([0.25, 0.0], name="b")
    opt = tf.keras.optimizers.SGD(0.05)
    weights, grads = [], []
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(tf.matmul(tf.constant(X), w) + b))
        g = tape.gradient(loss, [w, b])
        grads.append([t.numpy().copy() for t in g])
        opt.apply_gradients(zip(g, [w, b]))
        weights.append([w.numpy().copy(), b.numpy().copy()])
    return (w, b), weights, grads


def reference_gradients(w: np.ndarray, b: np.ndarray) -> list[np.ndarray]:
    """d/dW and d/db of Σ(XW + b)², by hand (not through the engine)."""
    residual = 2.0 * (X.astype(np.float64) @ w + b)
    return [X.T.astype(np.float64) @ residual, residual.sum(axis=0)]


# -- the debuggee's ring -----------------------------------------------------------------------

def test_a_weight_at_a_step_is_the_last_one_kept_at_or_before_it():
    ring = VariableSnapshots(budget_bytes=10_000)
    history = {0: np.full(3, 1.0), 2: np.full(3, 3.0)}  # variable 7 not updated at step 1
    for step, value in history.items():
        ring.keep(WEIGHT, step, 7, value)
    ring.keep(GRADIENT, 2, 7, np.full(3, -1.0))
    for step, expected in ((0, 1.0), (1, 1.0), (2, 3.0), (5, 3.0)):
        assert ring.value(WEIGHT, step, 7).tolist() == [expected] * 3
    assert ring.value(GRADIENT, 2, 7).tolist() == [-1.0] * 3
    with pytest.raises(ValueMissing, match="no tape.gradient .* at step 1"):
        ring.value(GRADIENT, 1, 7)  # gradients are of their step only
    with pytest.raises(ValueMissing, match="not updated at or before step 0"):
        ring.value(WEIGHT, 0, 8)


def test_the_ring_keeps_copies_not_the_engines_buffer():
    ring = VariableSnapshots()
    buffer = np.arange(4.0)
    ring.keep(WEIGHT, 0, 1, buffer)
    buffer += 100  # the optimizer updates variables in place
    assert ring.value(WEIGHT, 0, 1).tolist() == [0.0, 1.0, 2.0, 3.0]
    ring.value(WEIGHT, 0, 1)[:] = -1  # a copy for the caller, too
    assert ring.value(WEIGHT, 0, 1).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_over_budget_the_oldest_steps_go_and_the_reason_says_so():
    ring = VariableSnapshots(budget_bytes=3 * 80)  # three steps of one 10-float64 weight
    for step in range(6):
        ring.keep(WEIGHT, step, 1, np.full(10, float(step)))
        assert ring.nbytes <= ring.budget_bytes
    assert ring.held() == (3, 5)
    for step in (3, 4, 5):  # (their arrays are the dropped steps', reused)
        assert ring.value(WEIGHT, step, 1).tolist() == [float(step)] * 10
    # step 2's value survives as the variable's base: still the value "at step 2"
    assert ring.value(WEIGHT, 2, 1)[0] == 2.0
    with pytest.raises(ValueMissing, match=r"step 1 is no longer held.*steps 3–5"):
        ring.value(WEIGHT, 1, 1)


def test_a_step_bigger_than_the_budget_is_kept_alone():
    ring = VariableSnapshots(budget_bytes=8)
    ring.keep(WEIGHT, 0, 1, np.zeros(100))
    ring.keep(WEIGHT, 1, 1, np.ones(100))
    assert ring.held() == (1, 1) and ring.value(WEIGHT, 1, 1)[0] == 1.0


@pytest.mark.parametrize("fields, problem", [
    (("bias", 1, 2), "'what' must be one of"),
    (("weight", "1", 2), "'step' must be an integer, not str"),
    (("weight", 1.0, 2), "'step' must be an integer, not float"),
    (("weight", True, 2), "'step' must be an integer, not bool"),
    (("weight", -1, 2), "'step' must be >= 0"),
    (("gradient", 1, None), "'variable' must be an integer, not NoneType"),
    ((["weight"], 1, 2), "'what' must be one of"),
])
def test_bad_requests_are_named(fields, problem):
    with pytest.raises(ValueError, match=problem):
        check_request(*fields)


def test_the_probe_snapshots_trainable_variables_and_their_gradients_per_step():
    ring = VariableSnapshots()
    probe = Probe(lambda event: None, mode="NO_TENSOR", ring_steps=0)
    probe.snapshots = ring
    with probe:
        (w, b), weights, grads = train()
    for step in range(4):
        for i, var in enumerate((w, b)):
            np.testing.assert_array_equal(ring.value(WEIGHT, step, var._id), weights[step][i])
            np.testing.assert_array_equal(ring.value(GRADIENT, step, var._id), grads[step][i])
            before = weights[step - 1] if step else [np.array([[1, -2], [0.5, 3]]),
                                                     np.array([0.25, 0])]
            np.testing.assert_allclose(ring.value(GRADIENT, step, var._id),
                                       reference_gradients(*before)[i], rtol=1e-5)
    # only trainable variables: the optimizer's step counter is not copied
    assert ring.nbytes == 4 * 2 * (w.numpy().nbytes + b.numpy().nbytes)


# -- FULL_TENSOR traces ------------------------------------------------------------------------

def record(path: Path, mode: str):
    with TraceWriter(path, meta={"mode": mode}) as writer:
        with Probe(writer.write, mode=mode, value_sink=writer.write_value, ring_steps=0):
            result = train()
    return result


def trace_values(path: Path, mode: str) -> tuple[TraceStepValues, list[dict]]:
    """The trace's step values, read as the window does (values copied out first)."""
    with TraceReader(path) as reader:
        log = list(reader.events())
        stored = {(e["seq"], i): reader.value(e["seq"], i)
                  for e in log if e["kind"] in ("variable_update", "gradient")
                  for i in range(len(e.get("sources", [0])))}
    updates: dict[int, list[dict]] = {}
    for e in log:
        if e["kind"] == "variable_update":
            updates.setdefault(e["id"], []).append(e)
    gradients = [e for e in log if e["kind"] == "gradient"]
    return TraceStepValues(updates, gradients, lambda s, i: stored.get((s, i)), mode), log


def test_a_full_tensor_trace_stores_each_weight_after_its_update_and_each_gradient(tmp_path):
    (w, b), weights, grads = record(tmp_path / "t.tsdb", "FULL_TENSOR")
    values, log = trace_values(tmp_path / "t.tsdb", "FULL_TENSOR")
    for step in range(4):
        for i, var in enumerate((w, b)):
            np.testing.assert_array_equal(values.value(WEIGHT, step, var._id), weights[step][i])
            np.testing.assert_array_equal(values.value(GRADIENT, step, var._id), grads[step][i])
    rows = {r.name: r for r in step_diff(log, 1, 3, values)}
    expected = weights[3][0].astype(np.float64) - weights[1][0]
    np.testing.assert_allclose(rows["w:0"].difference, expected)
    assert rows["w:0"].max_abs_change == pytest.approx(np.abs(expected).max())
    assert rows["w:0"].relative_change == pytest.approx(
        np.sqrt((expected ** 2).sum()) / np.sqrt((weights[1][0].astype(np.float64) ** 2).sum()))
    grad_change = grads[3][1].astype(np.float64) - grads[1][1]
    assert rows["b:0"].max_abs_grad_change == pytest.approx(np.abs(grad_change).max())


def test_gradient_events_name_the_gradient_tensor_an_op_made(tmp_path):
    log: list[dict] = []
    with Probe(log.append, mode="FULL_HEALTH", ring_steps=0):
        train(steps=1)
    made = {out for e in log if e["kind"] == "op" for out in e["outputs"]}
    sources = [s for e in log if e["kind"] == "gradient" for s in e["sources"]]
    assert sources and all(s["grad_id"] in made for s in sources)


def test_a_trace_without_values_says_which_mode_it_was_recorded_in(tmp_path):
    (w, _), _, _ = record(tmp_path / "t.tsdb", "CONCISE_HEALTH")
    values, log = trace_values(tmp_path / "t.tsdb", "CONCISE_HEALTH")
    with pytest.raises(ValueMissing, match="CONCISE_HEALTH mode.*--mode FULL_TENSOR"):
        values.value(WEIGHT, 1, w._id)
    rows = {r.name: r for r in step_diff(log, 0, 1, values)}
    assert rows["w:0"].difference is None
    assert "step 0: recorded in CONCISE_HEALTH mode" in rows["w:0"].weight_missing
    # the optimizer's counter is a variable too, but not trainable: no values, said so
    assert any(r.weight_missing == NOT_TRAINABLE for r in rows.values())


# -- the debuggee command ----------------------------------------------------------------------

TRAIN = textwrap.dedent("""\
    import numpy as np
    import engine as tf

    w = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3), name="w")
    opt = tf.keras.optimizers.SGD(0.1)
    for step in range(5):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.square(w - float(step)))
        grads = tape.gradient(loss, [w])
        opt.apply_gradients(zip(grads, [w]))
""")


def expected_weights(steps: int) -> list[np.ndarray]:
    """TRAIN's w after each step: w - 0.1 * 2 (w - step), in float64."""
    w, out = np.arange(6.0).reshape(2, 3), []
    for step in range(steps):
        w = 0.8 * w + 0.2 * step
        out.append(w)
    return out


def paused_after(tmp_path: Path, batches: int, **kwargs) -> DebugClient:
    script = tmp_path / "train.py"
    script.write_text(TRAIN)
    client = DebugClient(script, start_paused=True, mode="NO_TENSOR", **kwargs)
    client.wait_paused(TIMEOUT)
    for _ in range(batches):
        client.step_batch()
        assert client.wait_paused(TIMEOUT) is not None
    return client


def variable_id(client: DebugClient, name: str) -> int:
    return next(e["id"] for e in client.events
                if e["kind"] == "variable_created" and e["name"] == name)


def test_step_values_are_fetched_from_a_paused_run(tmp_path):
    with paused_after(tmp_path, 3) as client:
        vid = variable_id(client, "w:0")
        expected = expected_weights(3)
        for step in range(3):
            np.testing.assert_allclose(client.get_step_value("weight", step, vid),
                                       expected[step], rtol=1e-5)
        np.testing.assert_allclose(client.get_step_value("gradient", 2, vid),
                                   2.0 * (expected[1] - 2.0), rtol=1e-5)
        with pytest.raises(DebuggeeError, match="step 3 has not run yet"):
            client.get_step_value("weight", 3, vid)
        client.continue_()
        client.wait_finished(TIMEOUT)
        with pytest.raises(DebuggeeError, match="run is over"):
            client.get_step_value("weight", 0, vid)


def test_a_bad_step_value_request_gets_an_error_reply_and_the_run_goes_on(tmp_path):
    with paused_after(tmp_path, 1) as client:
        vid = variable_id(client, "w:0")
        with pytest.raises(ValueError, match="'step' must be an integer"):
            client.get_step_value("weight", "0", vid)  # refused before it is sent
        # a peer that skips the client's checks: the debuggee names the field
        for bad, problem in (({"what": "bias", "step": 0, "variable": vid}, "'what'"),
                             ({"what": "weight", "step": [0], "variable": vid}, "'step'"),
                             ({"what": "weight", "step": 0}, "'variable'"),
                             ({"what": "weight", "step": -3, "variable": vid}, ">= 0")):
            with pytest.raises(DebuggeeError, match=problem):
                client._ask({"cmd": "get_step_value", **bad}, TIMEOUT, "a bad request")
        np.testing.assert_allclose(client.get_step_value("weight", 0, vid),
                                   expected_weights(1)[0], rtol=1e-5)
        client.continue_()
        assert client.wait_finished(TIMEOUT)["status"] == "ok"


def test_a_run_started_without_snapshots_says_so(tmp_path):
    with paused_after(tmp_path, 1, snapshot_bytes=0) as client:
        with pytest.raises(DebuggeeError, match="turned off for this run"):
            client.get_step_value("weight", 0, variable_id(client, "w:0"))


@pytest.mark.parametrize("reply, payload, problem", [
    ({"ok": True}, b"not an npy file", "cannot be read"),
    ({"ok": False, "error": {"nested": 1}}, b"", "the weight at step 0 is not available"),
    ({"ok": False}, b"", "the weight at step 0 is not available"),
])
def test_a_damaged_reply_is_a_clear_error(tmp_path, monkeypatch, reply, payload, problem):
    """Replies are untrusted too: a payload that is no array, an error that is no text."""
    with paused_after(tmp_path, 0) as client:
        def answer(command: dict) -> None:  # a debuggee that answers wrongly
            with client._changed:
                client._replies[command["id"]] = ({"type": "reply", **reply}, payload)
                client._changed.notify_all()

        monkeypatch.setattr(client, "_send", answer)
        with pytest.raises(DebuggeeError, match=problem):
            client.get_step_value("weight", 0, 1)
        monkeypatch.undo()
        client.continue_()
        client.wait_finished(TIMEOUT)


def test_numpy_integers_are_integers_too():
    assert check_request("gradient", np.int64(3), np.int32(7)) == ("gradient", 3, 7)
    assert type(check_request("weight", np.int64(3), 7)[1]) is int  # plain ints go out


def test_resizing_the_ring_drops_the_oldest_steps_now():
    ring = VariableSnapshots(budget_bytes=10 * 80)
    for step in range(5):
        ring.keep(WEIGHT, step, 1, np.full(10, float(step)))
    ring.resize(2 * 80)
    assert ring.held() == (3, 4) and ring.nbytes == 160


def test_keeping_step_values_can_be_turned_off_and_on_in_a_run(tmp_path):
    with paused_after(tmp_path, 1) as client:
        vid = variable_id(client, "w:0")
        client.set_step_values(0)
        with pytest.raises(DebuggeeError, match="turned off for this run"):
            client.get_step_value("weight", 0, vid)
        for _ in range(2):  # steps 1 and 2 run without copies
            client.step_batch()
            assert client.wait_paused(TIMEOUT) is not None
        client.set_step_values(DEFAULT_BUDGET_BYTES)
        client.step_batch()
        assert client.wait_paused(TIMEOUT) is not None
        np.testing.assert_allclose(client.get_step_value("weight", 3, vid),
                                   expected_weights(4)[3], rtol=1e-5)
        with pytest.raises(DebuggeeError, match="began at step 2; step 1 was not kept"):
            client.get_step_value("weight", 1, vid)
        with pytest.raises(ValueError, match="'bytes' must be between 0 and"):
            client.set_step_values(-1)
        client._send({"cmd": "set_step_values", "bytes": "lots"})  # a peer skipping checks
        client.continue_()
        assert client.wait_finished(TIMEOUT)["status"] == "ok"
        assert "set_step_values: 'bytes' must be an integer, not str" in client.output()


def test_a_damaged_op_value_is_a_clear_error(tmp_path, monkeypatch):
    """An op's value is an untrusted reply as well: garbage bytes say so, in one line."""
    with paused_after(tmp_path, 0) as client:
        def answer(command: dict) -> None:  # a debuggee that answers with no array
            with client._changed:
                client._replies[command["id"]] = ({"type": "reply", "ok": True}, b"\x93NUMPY")
                client._changed.notify_all()

        monkeypatch.setattr(client, "_send", answer)
        with pytest.raises(DebuggeeError, match="value of op #1 that cannot be read"):
            client.get_value(1)
        monkeypatch.undo()
        client.continue_()
        client.wait_finished(TIMEOUT)
