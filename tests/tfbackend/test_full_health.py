"""FULL_HEALTH inside a compiled function on real TensorFlow: computed in the graph (the
report gets 16 numbers per float output, not the output), with the engine's fields and
numbers (``debugger.tensor_stats.summarize`` of the same values)."""

from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from debugger.tensor_stats import summarize  # noqa: E402
from tfdebug.probe import TFProbe  # noqa: E402

X = np.array([1.0, 2.0, 3.0, 1.5, 1.0], np.float32)


@pytest.fixture
def probe():
    seen: list[dict] = []
    watching = TFProbe(seen.append, mode="FULL_HEALTH").attach()
    watching.seen = seen
    yield watching
    watching.detach()


def test_compiled_ops_full_health_is_the_engines_computed_in_the_graph(probe):
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

    # the report is handed float64 summaries of the float outputs, never the outputs
    graph = f.get_concrete_function(tf.constant(X)).graph
    reports = [op for op in graph.get_operations() if op.type in ("PyFunc", "EagerPyFunc")]
    assert len(reports) == 1
    fed = [t.dtype.name for t in reports[0].inputs]
    assert fed.count("float64") >= 4  # Sub, Mul, the two Logs (and the sums)
    assert "float32" not in fed and "int32" in fed  # (the Cast's own value)


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
