"""FULL_HEALTH inside a compiled function on real TensorFlow, with the engine's fields and
numbers (``debugger.tensor_stats.summarize`` of the same values): reduced in the graph (15
numbers per float output reach the report, not the output; the probe's choice where there
is a GPU) or summarized from the fed outputs (its choice on a CPU)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from debugger.tensor_stats import summarize  # noqa: E402
from tfdebug.probe import TFProbe  # noqa: E402

X = np.array([1.0, 2.0, 3.0, 1.5, 1.0], np.float32)


@pytest.fixture(params=[True, False], ids=["in-graph", "fed"])
def probe(request, monkeypatch):
    # the probe runs in this process: `import tensorflow` must give TensorFlow, not the
    # engine an earlier in-process recording aliased in its place (alias_tensorflow)
    monkeypatch.setitem(sys.modules, "tensorflow", tf)
    seen: list[dict] = []
    watching = TFProbe(seen.append, mode="FULL_HEALTH")
    watching.full_health_in_graph = request.param
    watching.attach()
    watching.seen = seen
    yield watching
    watching.detach()


def test_compiled_ops_full_health_is_the_engines(probe):
    @tf.function
    def f(v):
        shifted = v - 1.0  # two zeros
        logs = tf.math.log(shifted)  # -inf twice, then finite
        gone = tf.math.log(shifted * 0.0)  # no finite element at all
        steps = tf.cast(v > 1.5, tf.int32)  # not a float: summarized from its value
        return tf.reduce_sum(logs) + tf.reduce_sum(gone), steps

    f(tf.constant(X))
    ops: dict[str, dict] = {}  # op type -> its first event
    for event in probe.seen:
        if event["kind"] == "op" and event["exec"].startswith("graph:"):
            ops.setdefault(event["op"], event)
    shifted = X - 1.0
    with np.errstate(divide="ignore"):
        expected = {"Sub": shifted, "Log": np.log(shifted), "Cast": (X > 1.5).astype(np.int32)}
    for op, value in expected.items():
        got = ops[op]["summary"][0]
        want = summarize(value, "FULL_HEALTH")
        assert got.keys() == want.keys(), op
        for key, number in want.items():
            assert got[key] == (pytest.approx(number) if isinstance(number, float)
                                else number), (op, key)
    assert ops["Log"]["summary"][0]["neg_inf"] == 2 and ops["Log"]["summary"][0]["zeros"] == 1
    logs = [e for e in probe.seen if e["kind"] == "op" and e["op"] == "Log"]
    gone = logs[1]["summary"][0]  # all -inf: no statistics, as the engine says it
    assert (gone["neg_inf"], gone["min"], gone["mean"], gone["std"]) == (5, None, None, None)

    # in the graph, the report is handed float64 summaries of the float outputs, never
    # the outputs; else the outputs themselves
    graph = f.get_concrete_function(tf.constant(X)).graph
    reports = [op for op in graph.get_operations() if op.type in ("PyFunc", "EagerPyFunc")]
    assert len(reports) == 1
    fed = [t.dtype.name for t in reports[0].inputs]
    assert "int32" in fed  # (the Cast's own value)
    if probe.full_health_in_graph:
        assert fed.count("float64") >= 4 and "float32" not in fed  # Sub, Mul, the Logs…
    else:
        assert fed.count("float32") >= 4 and "float64" not in fed


def test_full_health_is_reduced_in_the_graph_only_where_there_is_a_gpu(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow", tf)
    watching = TFProbe(lambda event: None, mode="FULL_HEALTH")
    assert watching._health_in_graph(tf, "FULL_HEALTH") == bool(
        tf.config.list_logical_devices("GPU"))
    assert watching._health_in_graph(tf, "CONCISE_HEALTH") is True


def test_a_compiled_tape_gradients_full_health_is_computed_in_the_graph_too(probe):
    w = tf.Variable([0.5, -1.0, 0.0], name="w")

    @tf.function
    def f(v):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(w * v)
        return tape.gradient(loss, w)

    f(tf.constant(X[:3]))
    gradient = next(e for e in probe.seen if e["kind"] == "gradient")
    got = gradient["sources"][0]["summary"]
    want = summarize(X[:3], "FULL_HEALTH")  # d(w·v)/dw = v
    assert got.keys() == want.keys()
    assert all(got[k] == pytest.approx(v) for k, v in want.items() if k != "shape")
