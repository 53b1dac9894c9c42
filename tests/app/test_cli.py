"""`tapescope record | inspect | export-graph`: the happy paths and each way to get it wrong."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main, text_curve
from debugger.debuggee import RunProgress
from debugger.events import make
from debugger.tracefile import TraceReader, TraceWriter

ROOT = Path(__file__).resolve().parents[2]

NAN_SCRIPT = """\
import tensorflow as tf

w = tf.Variable(1.0, name="w")
unused = tf.Variable(2.0, name="unused")
with tf.GradientTape() as tape:
    loss = tf.math.log(w - 1.0)  # LOG
grads = tape.gradient(loss, [w, unused])
"""

RAISING_SCRIPT = """\
import engine as tf

x = tf.constant(1.0)
y = x * 2.0
raise RuntimeError("the data ran out")  # RAISES
"""


# x is converted to a new tensor for the division just after the Mean output inside
# reduce_std died: a fresh process gives it that tensor's address.
STD_SCRIPT = """\
import numpy as np
import engine as tf

x = np.arange(12, dtype=np.float32).reshape(4, 3)
std = tf.math.reduce_std(x, axis=0)
z = x / std
"""


def linear_regression(tmp_path: Path, steps: int = 3) -> Path:
    source = (ROOT / "examples" / "linear_regression.py").read_text()
    script = tmp_path / "linear_regression.py"
    script.write_text(source.replace("range(100)", f"range({steps})"))
    return script


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    """The linear regression (3 steps) recorded once for the tests that read a trace."""
    tmp_path = tmp_path_factory.mktemp("recorded")
    trace = tmp_path / "lr.tsdb"
    assert main(["record", str(linear_regression(tmp_path)), "-o", str(trace)]) == 0
    return trace


def test_record_writes_a_trace_with_every_step(recorded, tmp_path):
    with TraceReader(recorded) as reader:
        assert [s.step for s in reader.steps()] == [0, 1, 2]
        assert [e["status"] for e in reader.events("finished")] == ["ok"]
        assert reader.meta["mode"] == "CONCISE_HEALTH"
        assert len(reader.scalars("loss")) == 3
        assert "Learned w" in "".join(e["text"] for e in reader.events("output"))


def test_record_defaults_to_the_script_stem_here_and_shows_progress(tmp_path, monkeypatch,
                                                                    capfd):
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    script = linear_regression(scripts)
    monkeypatch.chdir(tmp_path)  # the trace lands here, not beside the script
    assert main(["record", str(script), "--mode", "NO_TENSOR"]) == 0
    out, err = capfd.readouterr()
    assert "Learned w" in out  # the script's prints still reach the terminal
    assert "recorded — 3 steps" in err and "linear_regression.tsdb" in err
    with TraceReader(tmp_path / "linear_regression.tsdb") as reader:
        assert reader.meta["mode"] == "NO_TENSOR"


def test_record_of_a_raising_script_exits_1_and_keeps_the_trace(tmp_path, capfd):
    script = tmp_path / "raises.py"
    script.write_text(RAISING_SCRIPT)
    trace = tmp_path / "raises.tsdb"
    assert main(["record", str(script), "-o", str(trace)]) == 1
    err = capfd.readouterr().err
    assert "RuntimeError: the data ran out" in err and "raises.py:5" in err
    assert f"trace written to {trace}" in err
    with TraceReader(trace) as reader:
        (error,) = reader.errors()
        assert error["line"] == 5 and [e["op"] for e in reader.ops()] == ["Mul"]
        assert [e["status"] for e in reader.events("finished")] == ["error"]


def test_record_passes_arguments_after_the_double_dash(tmp_path, capfd):
    script = tmp_path / "args.py"
    script.write_text("import sys\nprint(sys.argv[1:])\n")
    assert main(["record", str(script), "first", "-o", str(tmp_path / "a.tsdb"), "--",
                 "--lr", "3"]) == 0
    assert "['first', '--lr', '3']" in capfd.readouterr().out


def test_record_will_not_overwrite_what_is_not_a_trace(tmp_path, capsys):
    script = linear_regression(tmp_path)
    assert main(["record", str(script), "-o", str(script)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    assert "GradientTape" in script.read_text()


def test_progress_reports_counts_on_a_plain_stream():
    stream = io.StringIO()
    progress = RunProgress(stream, after=0.0)
    for seq in range(1, 129):
        progress.count({"kind": "op" if seq % 2 else "step_end", "seq": seq})
    assert stream.getvalue() == "tapescope: recording — 32 steps, 0 epochs, 32 ops, 0 s\n"


def test_inspect_summarizes_steps_loss_and_health(recorded, capsys):
    with TraceReader(recorded) as reader:
        (ops_per_step,) = {s.ops for s in reader.steps()}
    assert main(["inspect", str(recorded)]) == 0
    out = capsys.readouterr().out
    assert "finished: ok" in out
    assert "Steps: 3 completed, 0 epochs" in out and f"ops per step: {ops_per_step}\n" in out
    assert "Loss curve: first 44, last" in out and "step 0 … 2 (3 values)" in out
    assert "First NaN/Inf: none" in out and "None gradients: none" in out


def test_inspect_names_the_first_nan_and_the_none_gradients(tmp_path, capsys):
    script = tmp_path / "nan.py"
    script.write_text(NAN_SCRIPT)
    trace = tmp_path / "nan.tsdb"
    assert main(["record", str(script), "-o", str(trace)]) == 0
    capsys.readouterr()
    assert main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    assert "First NaN/Inf: op Log (Log)" in out and "nan.py:6" in out
    assert "None gradients:\n  unused:0:" in out


NAN_GRADIENT_SCRIPT = """\
import numpy as np
import engine as tf

w = tf.Variable(np.array([1.0, 2.0], np.float32), name="w")
optimizer = tf.keras.optimizers.SGD(0.1)


def train_step(fed):
    @tf.custom_gradient
    def through(x):
        def grad(dy):
            return fed  # the caller's gradient: NaN at step 1, and no op makes it

        return tf.identity(x), grad

    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(through(w))
    grads = tape.gradient(loss, [w])  # GRADIENT
    optimizer.apply_gradients(zip(grads, [w]))
    return loss


if TRACED:
    train_step = tf.function(train_step)
for fed in ([1.0, 1.0], [float("nan"), 1.0], [1.0, 1.0]):
    train_step(tf.constant(fed))
"""


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "tf.function"])
def test_inspect_names_the_step_of_the_first_nan_gradient(tmp_path, capsys, traced):
    script = tmp_path / "nan_gradient.py"
    script.write_text(NAN_GRADIENT_SCRIPT.replace("if TRACED:", f"if {traced}:"))
    trace = tmp_path / "nan_gradient.tsdb"
    assert main(["record", str(script), "-o", str(trace)]) == 0
    capsys.readouterr()
    assert main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    line = NAN_GRADIENT_SCRIPT.splitlines().index(
        "    grads = tape.gradient(loss, [w])  # GRADIENT") + 1
    # step 1's gradient is NaN; the update spreads it into w, and step 2's first op shows it
    assert re.search(rf"First NaN/Inf gradient: seq \d+, step 1, at \S*nan_gradient.py:{line}",
                     out), out
    assert re.search(r"First NaN/Inf: op Identity \(Identity\) seq \d+, step 2,", out), out
    with TraceReader(trace) as reader:
        (bad_gradient,) = [g for g in reader.gradients() if g["sources"][0]["summary"]["bad"]]
        step_ops = [e["seq"] for e in reader.ops(step=1)]
    assert step_ops and max(step_ops) < bad_gradient["seq"]  # the ops of its step ran first


BROKEN_PATH_SCRIPT = """\
import numpy as np
import tensorflow as tf

w = tf.Variable([[1.0], [2.0]], name="dense/kernel")
x = tf.constant([[1.0, -1.0]])
with tf.GradientTape() as tape:
    tape.watch(x)
    h = tf.matmul(x, w)
    loss = tf.reduce_sum(tf.constant(np.maximum(h, 0)))
grads = tape.gradient(loss, [w, x])
"""


def test_inspect_explains_a_path_broken_by_numpy_at_its_line(tmp_path, capsys):
    script = tmp_path / "broken.py"
    script.write_text(BROKEN_PATH_SCRIPT)
    trace = tmp_path / "broken.tsdb"
    assert main(["record", str(script), "-o", str(trace)]) == 0
    with TraceReader(trace) as reader:
        (gradient,) = list(reader.gradients())
    kernel, x = gradient["sources"]
    assert (kernel["name"], x["name"]) == ("dense/kernel:0", "x")
    assert (kernel["reason_file"], kernel["reason_line"]) == (str(script), 9)
    capsys.readouterr()
    assert main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    assert ("  dense/kernel:0: a value computed from dense/kernel left the engine through numpy "
            "(np.asarray or a numpy function) at broken.py:9 (loss = tf.reduce_sum(tf.constant("
            "np.maximum(h, 0))))") in out
    assert "  x: a value computed from `x` left the engine through numpy" in out


def test_inspect_names_an_unnamed_source_by_its_shape_not_its_id(tmp_path, capsys):
    trace = tmp_path / "unnamed.tsdb"
    source = {"id": 140211, "name": None, "shape": [2, 3], "reason": "the tape never watched it",
              "summary": None}
    with TraceWriter(trace) as writer:
        writer.write(make("gradient", 1, step=0, epoch=0, target=7, sources=[source],
                          file="train.py", line=4))
    assert main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    assert "  tensor of shape [2, 3]: the tape never watched it (1x" in out
    assert "140211" not in out


def test_text_curve_marks_nan_buckets_and_scales_to_min_max():
    lines = text_curve([4.0, 3.0, float("nan"), 1.0], width=4, height=3)
    assert lines[0].startswith("  4 |*") and lines[0].endswith("!")
    assert lines[2].startswith("  1 |") and lines[2].endswith("*")


@pytest.mark.parametrize("content", [b"", b"not a database at all", b"SQLite format 3\0junk"])
def test_inspect_of_a_corrupt_trace_is_one_clear_line(tmp_path, capsys, content):
    trace = tmp_path / "broken.tsdb"
    trace.write_bytes(content)
    assert main(["inspect", str(trace)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a Tapescope trace file" in err


@pytest.mark.parametrize("argv", [["record", "missing.py"], ["inspect", "missing.tsdb"],
                                  ["export-graph", "missing.py", "-o", "x.svg"]])
def test_missing_inputs_exit_2_with_one_line(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("tapescope: error: ") and "not found: missing." in err
    assert err.count("\n") == 1


def test_export_graph_of_a_script_draws_its_last_traced_function(tmp_path, capfd):
    out = tmp_path / "sum.svg"
    assert main(["export-graph", str(ROOT / "examples" / "tf_function.py"), "-o",
                 str(out)]) == 0
    svg = out.read_text()
    assert svg.lstrip().startswith("<?xml") and "compute_sum" in svg and "AddV2" in svg
    assert "wrote compute_sum" in capfd.readouterr().err


def test_export_graph_of_a_trace_step_as_dot(recorded, tmp_path):
    out = tmp_path / "step1.dot"
    assert main(["export-graph", str(recorded), "--step", "1", "-o", str(out)]) == 0
    dot = out.read_text()
    assert dot.startswith("digraph") and "step 1" in dot
    for op in ("Mul", "AddV2", "Sub", "Square", "Mean"):
        assert f'label="{op}' in dot


def test_record_and_export_graph_link_an_input_to_its_own_producer(tmp_path):
    script = tmp_path / "std.py"
    script.write_text(STD_SCRIPT)
    trace = tmp_path / "std.tsdb"
    assert main(["record", str(script), "-o", str(trace)]) == 0
    with TraceReader(trace) as reader:
        ops = list(reader.ops())
    assert [e["op"] for e in ops] == ["Mean", "Sub", "Square", "Mean", "Sqrt", "RealDiv"]
    made_by = {t: e["op"] for e in ops for t in e["outputs"]}
    division = ops[-1]
    assert division["inputs"][0] not in made_by  # the converted x: no op made it
    assert made_by[division["inputs"][1]] == "Sqrt"

    out = tmp_path / "std.dot"
    assert main(["export-graph", str(trace), "-o", str(out)]) == 0
    dot = out.read_text()
    labels = dict(re.findall(r'^\s*(\w+) \[label="(\w+)', dot, re.MULTILINE))
    edges = {(labels.get(a, a), labels.get(b, b))
             for a, b in re.findall(r"^\s*(\w+) -> (\w+)", dot, re.MULTILINE)}
    assert ("Sqrt", "RealDiv") in edges and ("Mean", "RealDiv") not in edges
    assert ("Tensor", "RealDiv") in edges  # x, from outside the recorded ops


def test_export_graph_defaults_to_the_last_complete_step_and_collapses(recorded, tmp_path):
    out = tmp_path / "graph"
    assert main(["export-graph", str(recorded), "--format", "png", "--collapse", "-o",
                 str(out)]) == 0
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG")


@pytest.mark.parametrize("argv, message", [
    (["--function", "train_step"], "no traced graph of a function named 'train_step'"),
    (["--step", "99"], "step 99 has no recorded ops (steps 0–2 recorded)"),
])
def test_export_graph_asks_for_something_the_trace_lacks(recorded, tmp_path, capsys, argv,
                                                         message):
    assert main(["export-graph", str(recorded), "-o", str(tmp_path / "x.svg"), *argv]) == 2
    assert message in capsys.readouterr().err


def test_export_graph_needs_a_known_format(recorded, tmp_path, capsys):
    assert main(["export-graph", str(recorded), "-o", str(tmp_path / "x.jpg")]) == 2
    assert "--format png|svg|pdf|dot" in capsys.readouterr().err


def test_export_graph_of_a_corrupt_trace_exits_2(tmp_path, capsys):
    trace = tmp_path / "broken.tsdb"
    trace.write_bytes(b"garbage")
    assert main(["export-graph", str(trace), "-o", str(tmp_path / "x.svg")]) == 2
    assert "is not a Tapescope trace file" in capsys.readouterr().err


def test_running_a_script_in_the_terminal_still_works(tmp_path, capsys):
    script = tmp_path / "hello.py"
    script.write_text("import sys\nprint('hi', sys.argv[1:])\n")
    assert main(["--terminal", str(script), "a"]) == 0
    assert capsys.readouterr().out == "hi ['a']\n"
    assert main(["--terminal", str(tmp_path / "missing.py")]) == 2


def test_the_terminal_runs_a_script_as_python_would_and_restores_this_process(tmp_path,
                                                                         capsys):
    script = tmp_path / "where.py"
    script.write_text("import os, sys\nprint(sys.path[0], os.getcwd(), __name__)\n"
                      "if sys.argv[1:] == ['fail']:\n    raise KeyError('lost')\n"
                      "if sys.argv[1:] == ['quit']:\n    sys.exit(5)\n")
    argv, path, cwd = sys.argv[:], sys.path[:], os.getcwd()
    assert main(["--terminal", str(script)]) == 0
    assert capsys.readouterr().out == f"{tmp_path} {cwd} __main__\n"
    with pytest.raises(KeyError, match="lost"):
        main(["--terminal", str(script), "fail"])
    with pytest.raises(SystemExit) as exited:
        main(["--terminal", str(script), "quit"])
    assert exited.value.code == 5
    assert (sys.argv, sys.path, os.getcwd()) == (argv, path, cwd)


def test_a_damaged_pack_is_one_clear_line_when_it_is_read(tmp_path, capsys):
    from debugger.tracefile import TraceWriter

    trace = tmp_path / "damaged.tsdb"
    with TraceWriter(trace) as writer:  # a compiled run's pack whose graph event is lost
        writer.write({"kind": "ops", "seq": 1, "step": 0, "epoch": 0, "mode": "SHAPE",
                      "count": 1, "graph": 3, "first": 0, "times": [0.0, 1e-6]})
    assert main(["inspect", str(trace)]) == 3  # counts come from the index: still a report
    out, err = capsys.readouterr()
    assert "Events: 1 op" in out and "Damaged: 1 damaged event skipped" in out
    assert "event #1: (ops) cannot be expanded: ops pack seq 1 belongs to graph 3" in out
    assert err == f"tapescope: error: {trace} is damaged: 1 damaged event skipped\n"
    assert main(["export-graph", str(trace), "--step", "0", "-o", str(tmp_path / "g.dot")]) == 3
    err = capsys.readouterr().err
    assert "step 0 has no recorded ops" in err and "1 damaged event skipped" in err
    assert err.count("\n") == 1


# -- errors point at the user's code; what the help and export-graph promise -------------------

BROKEN_SCRIPT = "import engine as tf\n\nx = tf.constant(1.0\nprint(x)\n"  # line 3: never closed

FUNCTION_NAN_SCRIPT = """\
import tensorflow as tf

w = tf.Variable(1.0, name="w")


@tf.function
def log_gap(x):
    return tf.math.log(w - x)


y = log_gap(tf.constant(1.0))
"""


def test_record_and_inspect_name_a_syntax_errors_file_and_line(tmp_path, capfd):
    script = tmp_path / "broken.py"
    script.write_text(BROKEN_SCRIPT)
    trace = tmp_path / "broken.tsdb"
    assert main(["record", str(script), "-o", str(trace)]) == 1
    err = capfd.readouterr().err
    assert f"tapescope: error: {script}:3: SyntaxError: '(' was never closed" in err
    assert "runpy" not in err
    assert main(["inspect", str(trace)]) == 0
    out = capfd.readouterr().out
    assert f"error: {script}:3: SyntaxError: '(' was never closed" in out
    assert "runpy" not in out


def test_a_runtime_error_is_reported_as_file_line_message(tmp_path, capfd):
    script = tmp_path / "raises.py"
    script.write_text(RAISING_SCRIPT)
    trace = tmp_path / "raises.tsdb"
    assert main(["record", str(script), "-o", str(trace)]) == 1
    assert f"{script}:5: RuntimeError: the data ran out" in capfd.readouterr().err
    assert main(["inspect", str(trace)]) == 0
    assert f"error: {script}:5: RuntimeError: the data ran out" in capfd.readouterr().out


def test_running_in_the_terminal_gives_the_engine_for_import_tensorflow(tmp_path):
    script = tmp_path / "tutorial.py"
    script.write_text("import tensorflow as tf\nfrom tensorflow.keras import layers\n\n"
                      "print(tf.add(tf.constant([1, 2]), 3), tf.__name__, layers.__name__)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "app.cli", "--terminal", str(script)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ("tf.Tensor([4 5], shape=(2,), dtype=int32) engine "
                           "engine.keras.layers\n")


def test_help_names_the_real_default_demo():
    from app.cli import DEMO_SCRIPT, build_parser

    text = " ".join(build_parser().format_help().split())
    assert DEMO_SCRIPT.name == "spirals.py" and DEMO_SCRIPT.is_file()
    assert "default: the built-in demo, examples/spirals.py: a small Keras MLP" in text
    assert "linear-regression" not in text


def test_export_graph_of_a_script_marks_the_op_that_made_nan_or_inf(tmp_path):
    script = tmp_path / "nan.py"
    script.write_text(NAN_SCRIPT)
    out = tmp_path / "nan.dot"
    assert main(["export-graph", str(script), "-o", str(out)]) == 0
    marked = [line for line in out.read_text().splitlines() if "Inf!" in line]
    assert any('label="Log' in line for line in marked)


def test_export_graph_of_a_traced_function_marks_its_nan_node(tmp_path):
    script = tmp_path / "fnan.py"
    script.write_text(FUNCTION_NAN_SCRIPT)
    out = tmp_path / "fnan.dot"
    assert main(["export-graph", str(script), "--function", "log_gap", "-o", str(out)]) == 0
    marked = [line for line in out.read_text().splitlines() if "Inf!" in line]
    # the Log, and the Identity that returns its value (TF's output node)
    assert len(marked) == 2 and 'label="Log' in marked[0] and 'label="Identity' in marked[1]
