"""`tapescope record --break-on-nan / --break`: the run stops at the op, its values are kept,
and `tapescope inspect` tells where and why, input by input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from app.cli import EXIT_STOPPED, main
from debugger import headless_stop
from debugger.tracefile import TraceReader

ROOT = Path(__file__).resolve().parents[2]

# step 1 divides by sqrt(0) for one element: RealDiv at line 10 is the origin
EAGER = """\
import numpy as np
import engine as tf

data = [[4.0, 1.0, 1.0, 9.0, 16.0], [4.0, 1.0, 0.0, 9.0, 16.0]]
w = tf.Variable(2.0, name="w")
for step in range(2):
    x = tf.constant(data[step])
    with tf.GradientTape() as tape:
        s = tf.sqrt(x)
        y = (x - 1.0) / s
        loss = tf.reduce_sum(y * w)
    g = tape.gradient(loss, [w])
print("the end")
"""

COMPILED = """\
import numpy as np
import engine as tf

w = tf.Variable(2.0, name="w")
opt = tf.keras.optimizers.SGD(0.1)

@tf.function
def train(x, k):
    with tf.GradientTape() as tape:
        y = (x - 1.0) / tf.sqrt(x * k)
        loss = tf.reduce_sum(y * w)
    g = tape.gradient(loss, [w])
    opt.apply_gradients(zip(g, [w]))
    return loss

x = np.array([4.0, 1.0, 0.0, 9.0, 16.0], dtype=np.float32)
for k in (1.0, 1.0, 0.5):
    try:
        train(x + np.float32(k == 0.5), tf.constant(k))
    except Exception:
        print("caught")  # the stop is no Exception: the script cannot swallow it
print("the end")
"""

SWALLOWING = """\
import engine as tf
x = tf.constant([1.0, 0.0])
for i in range(3):
    try:
        y = tf.math.log(x)
    except Exception:
        pass
print("the end")
"""


def record(tmp_path: Path, source: str, *options: str) -> tuple[int, Path]:
    script = tmp_path / "script.py"
    script.write_text(source)
    trace = tmp_path / "script.tsdb"
    return main(["record", str(script), "-o", str(trace), *options]), trace


def finished_event(trace: Path) -> dict:
    with TraceReader(trace) as reader:
        [finished] = reader.events("finished")
    return finished


def test_the_exit_code_is_the_documented_one():
    assert EXIT_STOPPED == headless_stop.EXIT_STOPPED == 4
    assert "4 a headless breakpoint" in (ROOT / "app" / "cli.py").read_text()


@pytest.mark.parametrize("mode", ["NO_TENSOR", "CONCISE_HEALTH", "FULL_HEALTH", "FULL_TENSOR"])
def test_break_on_nan_stops_at_the_eager_origin_and_keeps_its_values(tmp_path, capfd, mode):
    code, trace = record(tmp_path, EAGER, "--break-on-nan", "--mode", mode)
    assert code == EXIT_STOPPED
    out, err = capfd.readouterr()
    assert "the end" not in out
    assert "stopped: first NaN/Inf at RealDiv" in err and "script.py:10" in err
    finished = finished_event(trace)
    assert finished["status"] == "stopped" and finished["reason"] == "nan"
    assert finished["op"] == "RealDiv" and finished["line"] == 10 and finished["origin"]
    seq = finished["at_seq"]
    with TraceReader(trace) as reader:
        assert reader.last_seq() == finished["seq"]  # nothing ran after the stop
        op = next(reader.ops(start_seq=seq, limit=1))
        assert op["seq"] == seq and op["exec"] == "eager" and op["step"] == 0
        numerator, denominator = (reader.value(seq, headless_stop.input_index(j))
                                  for j in (0, 1))
        quotient = reader.value(seq, 0)
    np.testing.assert_array_equal(numerator, [3.0, 0.0, -1.0, 8.0, 15.0])
    np.testing.assert_array_equal(denominator, [2.0, 1.0, 0.0, 3.0, 4.0])
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(quotient, numerator / denominator)


def test_inspect_shows_where_it_stopped_and_each_input_with_its_producer(tmp_path, capsys):
    code, trace = record(tmp_path, EAGER, "--break-on-nan")
    assert code == EXIT_STOPPED
    capsys.readouterr()
    assert main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    assert "  finished: stopped\n" in out
    assert "Stopped at: op RealDiv (RealDiv) seq" in out and "script.py:10" in out
    assert "this op made the NaN/Inf (the origin)" in out
    assert "RealDiv output 0: float32[5]: 1 of 5 elements is -Inf, 1 of 5 elements is 0" in out
    assert ("RealDiv input 0 = Sub (line 10, #" in out
            and "1 of 5 elements is 0, 1 of 5 elements is negative" in out)
    assert "RealDiv input 1 = Sqrt (line 9, #" in out
    assert "): float32[5]: 1 of 5 elements is 0\n" in out


def test_break_on_nan_inside_a_compiled_function_keeps_the_op_and_its_inputs(tmp_path, capfd):
    code, trace = record(tmp_path, COMPILED, "--break-on-nan")
    assert code == EXIT_STOPPED
    out, _ = capfd.readouterr()
    assert "caught" not in out and "the end" not in out
    finished = finished_event(trace)
    assert finished["op"] == "RealDiv" and finished["line"] == 10 and finished["origin"]
    seq = finished["at_seq"]
    with TraceReader(trace) as reader:
        op = next(reader.ops(start_seq=seq, limit=1))
        assert op["seq"] == seq and op["exec"].startswith("graph:")
        assert reader.count("step_end") == 0  # the first call's update never happened
        numerator = reader.value(seq, headless_stop.input_index(0))
        denominator = reader.value(seq, headless_stop.input_index(1))
        quotient = reader.value(seq, 0)
    np.testing.assert_array_equal(numerator, [3.0, 0.0, -1.0, 8.0, 15.0])
    np.testing.assert_array_equal(denominator, [2.0, 1.0, 0.0, 3.0, 4.0])
    with np.errstate(divide="ignore"):
        np.testing.assert_array_equal(quotient, numerator / denominator)
    assert main(["inspect", str(trace)]) == 0
    report = capfd.readouterr().out
    assert "RealDiv input 0 = Sub (line 10, #" in report
    assert "RealDiv input 1 = Sqrt (line 10, #" in report


def test_a_compiled_op_whose_input_is_the_functions_argument(tmp_path, capsys):
    source = COMPILED.replace("(x - 1.0) / tf.sqrt(x * k)", "tf.math.log(x) * k")
    code, trace = record(tmp_path, source, "--break-on-nan")
    assert code == EXIT_STOPPED
    finished = finished_event(trace)
    assert finished["op"] == "Log"
    with TraceReader(trace) as reader:
        argument = reader.value(finished["at_seq"], headless_stop.input_index(0))
    np.testing.assert_array_equal(argument, [4.0, 1.0, 0.0, 9.0, 16.0])
    capsys.readouterr()
    main(["inspect", str(trace)])
    assert "Log input 0 = Placeholder x of train: float32[5]: 1 of 5 elements is 0" in (
        capsys.readouterr().out)


def test_inspect_names_an_input_no_op_made_by_its_argument(tmp_path, capsys):
    source = ("import numpy as np\nimport engine as tf\n"
              "x = np.array([4.0, -1.0], dtype=np.float32)\ny = tf.math.log(x)\n")
    code, trace = record(tmp_path, source, "--break-on-nan")
    assert code == EXIT_STOPPED
    capsys.readouterr()
    main(["inspect", str(trace)])
    assert ("Log input 0 = x (not made by a recorded op): float32[2]: 1 of 2 elements is "
            "negative\n") in capsys.readouterr().out


def test_the_scripts_except_exception_cannot_swallow_the_stop(tmp_path, capfd):
    code, trace = record(tmp_path, SWALLOWING, "--break-on-nan")
    assert code == EXIT_STOPPED
    assert "the end" not in capfd.readouterr().out
    assert finished_event(trace)["op"] == "Log"


def test_bad_input_data_is_not_called_the_origin(tmp_path, capsys):
    source = ("import numpy as np\nimport engine as tf\n"
              "x = np.array([1.0, np.nan])\ny = tf.square(x)\n")
    code, trace = record(tmp_path, source, "--break-on-nan")
    assert code == EXIT_STOPPED
    finished = finished_event(trace)
    assert finished["op"] == "Square" and not finished["origin"]
    assert "input 0 already held NaN/Inf" in finished["detail"]


def test_break_on_a_condition_stops_at_the_first_op_where_it_holds(tmp_path, capfd):
    code, trace = record(tmp_path, EAGER, "--break", "x.min() < 0", "--mode", "SHAPE")
    assert code == EXIT_STOPPED
    finished = finished_event(trace)
    assert finished["reason"] == "condition" and finished["condition"] == "x.min() < 0"
    assert finished["op"] == "Sub" and finished["line"] == 10  # x - 1.0: -1 for x = 0
    with TraceReader(trace) as reader:
        np.testing.assert_array_equal(reader.value(finished["at_seq"], 0),
                                      [3.0, 0.0, -1.0, 8.0, 15.0])
        np.testing.assert_array_equal(
            reader.value(finished["at_seq"], headless_stop.input_index(0)),
            [4.0, 1.0, 0.0, 9.0, 16.0])
    assert "condition 'x.min() < 0' held at Sub" in capfd.readouterr().err


def test_a_condition_inside_a_compiled_function(tmp_path):
    code, trace = record(tmp_path, COMPILED, "--break", "np.any(x == 0)")
    assert code == EXIT_STOPPED
    finished = finished_event(trace)
    assert finished["op"] == "Sub" and finished["exec"].startswith("graph:")


def test_a_bad_condition_is_a_usage_error(tmp_path, capsys):
    code, trace = record(tmp_path, EAGER, "--break", "x.min( <")
    assert code == 2 and not trace.exists()
    assert "is not a Python expression" in capsys.readouterr().err


def test_a_healthy_run_with_break_on_nan_records_to_the_end(tmp_path):
    script = tmp_path / "linear_regression.py"
    script.write_text((ROOT / "examples" / "linear_regression.py").read_text()
                      .replace("range(100)", "range(3)"))
    trace = tmp_path / "lr.tsdb"
    assert main(["record", str(script), "-o", str(trace), "--break-on-nan"]) == 0
    assert finished_event(trace)["status"] == "ok"


def test_the_debuggee_alone_exits_with_the_stopped_code(tmp_path):
    script = tmp_path / "script.py"
    script.write_text(SWALLOWING)
    done = subprocess.run([sys.executable, "-m", "debugger.debuggee", "--record",
                           str(tmp_path / "t.tsdb"), "--break-on-nan", str(script)],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == headless_stop.EXIT_STOPPED, done.stderr


@pytest.mark.parametrize("at_seq, expected", [
    ("7", "Stopped: the trace does not say at which op"),
    (99, "(the op's event is missing from the trace)"),
])
def test_inspect_of_a_stop_event_pointing_nowhere_says_so(tmp_path, capsys, at_seq, expected):
    from debugger.events import make
    from debugger.tracefile import TraceWriter

    trace = tmp_path / "odd.tsdb"
    with TraceWriter(trace) as writer:  # trace files are untrusted: a hand-made one
        writer.write(make("finished", 1, status="stopped", at_seq=at_seq, op="?"))
    assert main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    assert expected in out and "Traceback" not in out


def test_health_text_counts_what_explains_a_nan():
    assert headless_stop.health_text(np.float32([0.0, -1.0, np.nan, np.inf, 2.0])) == (
        "float32[5]: 1 of 5 elements is NaN, 1 of 5 elements is +Inf, 1 of 5 elements is 0, "
        "1 of 5 elements is negative")
    assert headless_stop.health_text(np.int32([[1, 2]])) == (
        "int32[1, 2]: all 2 elements finite, none 0 or negative")
    assert headless_stop.health_text(np.array(["a", "b"])) == "str32[2]"
