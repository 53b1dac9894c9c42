"""`tapescope record --backend tensorflow`: the smoke program on real TensorFlow, recorded
once for the module (importing TensorFlow costs seconds)."""

from __future__ import annotations

import pytest

pytest.importorskip("tensorflow")

from app import cli  # noqa: E402
from tests.tfbackend.helpers import PROGRAMS, ops_of, read_events  # noqa: E402

SCRIPT = PROGRAMS / "train_smoke.py"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    trace = tmp_path_factory.mktemp("tf") / "smoke.tsdb"
    code = cli.main(["record", "--backend", "tensorflow", str(SCRIPT), "-o", str(trace)])
    assert code == 0
    return trace, read_events(trace)


def test_eager_ops_have_type_shape_health_and_line(recorded):
    _, events = recorded
    muls = ops_of(events, op="Mul", exec="eager", line=9)
    assert muls, "the eager w * x on line 9"
    mul = muls[0]
    assert mul["file"] == str(SCRIPT)
    assert mul["shapes"] == [[3]] and mul["dtypes"] == ["float32"]
    assert mul["summary"][0]["size"] == 3 and mul["summary"][0]["bad"] is False


def test_compiled_function_becomes_a_graph_and_its_ops_report_health(recorded):
    _, events = recorded
    graphs = [e for e in events if e["kind"] == "graph" and e["function"] == "log_shift"]
    assert len(graphs) == 1
    graph = graphs[0]
    log_nodes = [n for n in graph["nodes"] if n["op"] == "Log"]
    assert log_nodes and log_nodes[0]["line"] == 15
    logs = ops_of(events, op="Log", exec=f"graph:{graph['graph_id']}")
    assert len(logs) == 1
    summary = logs[0]["summary"][0]
    # computed by TensorFlow's DebugNumericSummaryV2: one -inf of three elements
    assert (summary["size"], summary["neg_inf"], summary["nan"], summary["bad"]) == (3, 1, 0,
                                                                                     True)
    assert logs[0]["line"] == 15 and logs[0]["shapes"] == [[3]]
    # the op's input is the graph value Sub made in the same run
    sub = ops_of(events, op="Sub", exec=f"graph:{graph['graph_id']}")[0]
    assert logs[0]["inputs"] == sub["outputs"]


def test_tape_gradient_is_reported_with_the_loss(recorded):
    _, events = recorded
    gradients = [e for e in events if e["kind"] == "gradient" and e["line"] == 10]
    assert len(gradients) == 1
    source = gradients[0]["sources"][0]
    assert source["name"].startswith("w") and source["shape"] == [3]
    assert source["norm"] == pytest.approx((1 + 4 + 9) ** 0.5)  # d(w·x)/dw = x
    losses = [e for e in events if e["kind"] == "scalar" and e["name"] == "loss"]
    assert losses and losses[0]["value"] == pytest.approx(0.5 - 1.0 + 0.75)


def test_keras_fit_steps_epochs_and_scalars(recorded):
    _, events = recorded
    ends = [e["step"] for e in events if e["kind"] == "epoch_end"]
    assert ends[:2] == [2, 4]  # fit: 2 epochs x 2 batches
    names = {e["name"] for e in events if e["kind"] == "scalar"}
    assert {"loss", "epoch_loss"} <= names
    # the compiled train step's ops ran once per batch, in the step they belong to
    matmul_steps = sorted({e["step"] for e in events if e["kind"] == "op"
                           and e["op"] == "MatMul" and e["exec"].startswith("graph:")})
    assert matmul_steps == [0, 1, 2, 3]


def test_keras_updates_in_fit_and_a_custom_loop_are_variable_events(recorded):
    """fit's compiled train step (Adam) and the eager loop (SGD) update the model's four
    weights each step: one variable_update per weight and step, named by Keras path."""
    _, events = recorded
    created = {e["id"]: e for e in events if e["kind"] == "variable_created"}
    assert sorted(e["name"] for e in created.values()) == [
        "sequential/dense/bias", "sequential/dense/kernel", "sequential/dense_1/bias",
        "sequential/dense_1/kernel"]
    updates = [e for e in events if e["kind"] == "variable_update"]
    assert sorted({e["step"] for e in updates}) == list(range(8))
    for step in range(8):
        at = [e for e in updates if e["step"] == step]
        assert sorted(e["id"] for e in at) == sorted(created)
        assert {e["action"] for e in at} == {"Adam" if step < 4 else "SGD"}
        assert all(e["update_norm"] > 0 and e["weight_norm"] > 0 for e in at)


def test_custom_loop_over_a_dataset_counts_steps_and_epochs(recorded):
    _, events = recorded
    assert sum(e["kind"] == "step_end" for e in events) == 8  # fit's 4, then the loop's 4
    assert [e["step"] for e in events if e["kind"] == "epoch_end"] == [2, 4, 6, 8]
    losses = [e for e in events if e["kind"] == "scalar" and e["name"] == "loss"
              and e["step"] >= 4]
    assert [e["step"] for e in losses] == [4, 5, 6, 7]  # the loop's tape targets


def test_inspect_reads_the_trace(recorded, capsys):
    trace, _ = recorded
    assert cli.main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    assert "First NaN/Inf: op Log (Log)" in out and "train_smoke.py:15" in out
    assert "log_shift" in out and "Steps: 8 completed, 4 epochs" in out


def test_export_graph_draws_the_traced_function(recorded, tmp_path):
    trace, _ = recorded
    out = tmp_path / "g.dot"
    assert cli.main(["export-graph", str(trace), "--function", "log_shift", "-o",
                     str(out)]) == 0
    text = out.read_text()
    assert "Log" in text and "Sub" in text


def test_tf_summary_scalars_are_plotted_at_their_steps_eager_and_compiled(tmp_path):
    trace = tmp_path / "summaries.tsdb"
    code = cli.main(["record", "--backend", "tensorflow", str(PROGRAMS / "summaries.py"),
                     "-o", str(trace), str(tmp_path / "logs")])
    assert code == 0
    scalars = [(e["name"], e["step"], round(e["value"], 6), e["axis"])
               for e in read_events(trace) if e["kind"] == "scalar"]
    assert scalars == [("lr", 0, 0.1, "step"), ("halved", 0, 0.0, "step"),
                       ("lr", 1, 0.2, "step"), ("halved", 1, 0.5, "step"),
                       ("lr", 2, 0.3, "step"), ("halved", 2, 1.0, "step")]


def test_a_tape_gradient_inside_a_compiled_function_reports_norms_each_run(tmp_path):
    trace = tmp_path / "traced_gradient.tsdb"
    script = PROGRAMS / "traced_gradient.py"
    assert cli.main(["record", "--backend", "tensorflow", str(script), "-o", str(trace)]) == 0
    events = read_events(trace)
    gradients = [e for e in events if e["kind"] == "gradient"]
    assert len(gradients) == 2  # one per run of the compiled step
    for event in gradients:
        assert (event["file"], event["line"]) == (str(script), 13)
        w, b, unused = event["sources"]
        assert (w["name"], w["shape"], w["norm"]) == ("w:0", [2], pytest.approx(5.0))  # x
        assert (b["name"], b["norm"]) == ("b:0", pytest.approx(1.0))
        assert w["summary"]["size"] == 2 and w["summary"]["bad"] is False
        assert unused["reason"].startswith("no gradient") and "norm" not in unused
    ids = [s["id"] for s in gradients[0]["sources"]]
    assert len(set(ids)) == 3 and ids == [s["id"] for s in gradients[1]["sources"]]
    losses = [e["value"] for e in events if e["kind"] == "scalar" and e["name"] == "loss"]
    assert losses == [pytest.approx(3.0 + 8.0 + 3.0)] * 2


def test_jit_compile_is_turned_off_while_watched_and_the_run_says_so(tmp_path):
    """XLA fails on the reports (tf2xla: EagerPyFunc): the function runs uncompiled, its
    ops shown, and the console says why."""
    trace = tmp_path / "jit.tsdb"
    script = PROGRAMS / "jit_compiled.py"
    assert cli.main(["record", "--backend", "tensorflow", str(script), "-o", str(trace)]) == 0
    events = read_events(trace)
    said = [e["text"] for e in events if e["kind"] == "output" and e["stream"] == "debugger"]
    assert said == ["tapescope: tf.function f runs without jit_compile while watched: XLA "
                    "would fuse away the ops the debugger shows\n"]
    log = ops_of(events, op="Log")
    assert len(log) == 1 and log[0]["line"] == 7 and log[0]["exec"].startswith("graph:")
    assert any(e["kind"] == "output" and "value 0.693" in e["text"] for e in events)
