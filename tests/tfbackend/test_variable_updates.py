"""Optimizer updates on real TensorFlow, eager and inside a compiled step, reported as the
engine reports them: variable_created / variable_update events with norms, and the step
diff's values (a FULL_TENSOR trace's, a live debuggee's snapshots)."""

from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("tensorflow")

from app import cli  # noqa: E402
from debugger.client import DebugClient  # noqa: E402
from debugger.step_diff import step_diff  # noqa: E402
from debugger.step_values import GRADIENT, WEIGHT, TraceStepValues  # noqa: E402
from debugger.tracefile import TraceReader  # noqa: E402
from tests.tfbackend.helpers import PROGRAMS, read_events  # noqa: E402

SCRIPT = PROGRAMS / "updates.py"
UPDATE_NORM = 0.5 * math.sqrt(5)  # SGD(0.5) on a gradient of [1, -2]
# w after eager steps 0 and 1, v after compiled steps 2 and 3
WEIGHTS = {("w:0", 0): [0.5, 3.0], ("w:0", 1): [0.0, 4.0],
           ("v:0", 2): [2.5, 5.0], ("v:0", 3): [2.0, 6.0]}


def _record(tmp_path, mode):
    trace = tmp_path / f"updates_{mode}.tsdb"
    assert cli.main(["record", "--backend", "tensorflow", "--mode", mode, str(SCRIPT),
                     "-o", str(trace)]) == 0
    return trace, read_events(trace)


def test_updates_eager_and_compiled_are_variable_events_with_norms(tmp_path):
    _, events = _record(tmp_path, "CONCISE_HEALTH")
    created = {e["name"]: e for e in events if e["kind"] == "variable_created"}
    assert set(created) == {"w:0", "v:0"}  # idle got no gradient: not updated, not shown
    assert created["w:0"]["shape"] == [2] and created["w:0"]["trainable"] is True
    updates = [e for e in events if e["kind"] == "variable_update"]
    assert [(e["name"], e["step"]) for e in updates] == list(WEIGHTS)
    for event in updates:
        assert event["action"] == "SGD"
        assert event["weight_norm"] == pytest.approx(np.linalg.norm(WEIGHTS[event["name"],
                                                                            event["step"]]))
        assert event["update_norm"] == pytest.approx(UPDATE_NORM)
        assert event["summary"]["size"] == 2 and event["summary"]["bad"] is False
        assert event["id"] == created[event["name"]]["id"]
        seq = event["seq"]  # before its step's end, after its creation
        assert created[event["name"]]["seq"] < seq
        assert next(e for e in events if e["seq"] > seq)["kind"] == "step_end"
    # the gradient events name each variable by the same id: the Gradients dock and the
    # step diff put norms and updates of one variable together
    for event in (e for e in events if e["kind"] == "gradient"):
        ids = {s["name"]: s["id"] for s in event["sources"]}
        for name in set(ids) & set(created):
            assert ids[name] == created[name]["id"]
    diff = {d.name: d for d in step_diff(events, 2, 3)}
    assert diff["v:0"].weight_norm_a == pytest.approx(np.linalg.norm([2.5, 5.0]))
    assert diff["v:0"].grad_norm_b == pytest.approx(math.sqrt(5))


def test_a_full_tensor_trace_holds_each_steps_weights_and_gradients(tmp_path):
    trace, events = _record(tmp_path, "FULL_TENSOR")
    ids = {e["name"]: e["id"] for e in events if e["kind"] == "variable_created"}
    updates: dict[int, list[dict]] = {}
    for e in events:
        if e["kind"] == "variable_update":
            updates.setdefault(e["id"], []).append(e)
    gradients = [e for e in events if e["kind"] == "gradient"]
    with TraceReader(trace) as reader:
        values = TraceStepValues(updates, gradients, reader.value, "FULL_TENSOR")
        for (name, step), weight in WEIGHTS.items():
            assert values.value(WEIGHT, step, ids[name]).tolist() == weight
            assert values.value(GRADIENT, step, ids[name]).tolist() == [1.0, -2.0]
        update = next(e for e in events if e["kind"] == "variable_update")
        assert update["summary"]["mean"] == pytest.approx(1.75)  # FULL_HEALTH's numbers
        diff = {d.name: d for d in step_diff(events, 2, 3, values)}
    assert diff["v:0"].max_abs_change == pytest.approx(1.0)
    assert diff["v:0"].difference.tolist() == [-0.5, 1.0]


def test_a_live_debuggee_keeps_step_values_of_eager_and_compiled_updates():
    with DebugClient(SCRIPT, backend="tensorflow", start_paused=True,
                     connect_timeout=120) as client:
        assert client.wait_paused(timeout=120)["reason"] == "start"
        for _ in range(4):
            client.step_batch()
            assert client.wait_paused(timeout=120)["reason"] == "step_batch"
        created = {e["name"]: e["id"] for e in client.events
                   if e["kind"] == "variable_created"}
        for (name, step), weight in WEIGHTS.items():
            got = client.get_step_value(WEIGHT, step, created[name])
            assert got.tolist() == weight
            assert client.get_step_value(GRADIENT, step, created[name]).tolist() == [1.0,
                                                                                    -2.0]
        client.continue_()
        assert client.wait_finished(timeout=120)["status"] == "ok"
