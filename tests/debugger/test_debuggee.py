"""A script under the debugger, driven through DebugClient the way the GUI drives it:
stepping, breakpoints, values, post-mortem, output, death, stop and restart."""

from __future__ import annotations

import os
import runpy
import socket
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from debugger import protocol
from debugger.breakpoints import Breakpoint
from debugger.child import debuggee_command, debuggee_env
from debugger.client import DebugClient, DebuggeeError
from debugger.probe import Probe

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60

NAN_SCRIPT = """\
import tensorflow as tf

x = tf.constant([1.0, 2.0, 4.0])
y = tf.exp(x)
z = tf.math.log(tf.constant(0.0))  # LOG
w = z * 2.0
print("done", float(w))
"""

OPS_SCRIPT = """\
import tensorflow as tf

a = tf.constant([1.0, 2.0, 3.0])
b = tf.square(a)  # SQUARE
with tf.name_scope("block"):
    c = tf.matmul(tf.reshape(b, (1, 3)), tf.ones((3, 1)))  # MATMUL
d = tf.exp(c / 2.0)  # EXP
print("result", d.numpy())
"""

RAISING_SCRIPT = """\
import engine as tf

a = tf.constant([[1.0, 2.0]])
b = tf.matmul(a, tf.constant([[3.0], [4.0]]))
print("before", b.numpy().tolist())
c = tf.matmul(a, a)  # RAISES
print("never")
"""

PRINTING_SCRIPT = """\
import sys
print("hello from", sys.argv[1:])
print("to stderr", file=sys.stderr)
sys.stdout.write("no newline at the end")
"""

DYING_SCRIPT = """\
import os
import signal
print("about to die", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

EXITING_SCRIPT = """\
import os
import engine as tf

x = tf.constant(1.0)
for _ in range(50):
    x = x + 1.0
print("last words")
os._exit(3)
"""

ENDLESS_SCRIPT = """\
import engine as tf

x = tf.constant(1.0)
while True:
    x = x * 1.0  # LOOP
"""


def line_of(source: str, marker: str) -> int:
    return line_containing(source, f"# {marker}")


def line_containing(source: str, text: str) -> int:
    return next(i for i, line in enumerate(source.splitlines(), 1) if text in line)


def write(tmp_path: Path, name: str, source: str) -> Path:
    path = tmp_path / name
    path.write_text(source)
    return path


def linear_regression(tmp_path: Path, steps: int = 3) -> Path:
    source = (ROOT / "examples" / "linear_regression.py").read_text()
    return write(tmp_path, "linear_regression.py", source.replace("range(100)",
                                                                  f"range({steps})"))


def short_mnist(tmp_path: Path) -> Path:
    """The MNIST tutorial on 640 training images: an epoch is 20 batches of 32."""
    source = (ROOT / "examples" / "mnist.py").read_text()
    source = source.replace(
        "x_train, x_test = x_train / 255.0, x_test / 255.0",
        "x_train, y_train, x_test, y_test = x_train[:640], y_train[:640], x_test[:320], "
        "y_test[:320]\nx_train, x_test = x_train / 255.0, x_test / 255.0")
    assert "x_train[:640]" in source
    return write(tmp_path, "mnist.py", source)


def free_run_ops(script: Path, mode: str = "CONCISE_HEALTH") -> list[tuple]:
    """(op, line) of every op event of the script run in this process, no debugger."""
    log: list[dict] = []
    saved = os.getcwd(), sys.argv[:]
    os.chdir(script.parent)
    try:
        with Probe(log.append, mode=mode):
            runpy.run_path(str(script), run_name="__main__")
    finally:
        os.chdir(saved[0])
        sys.argv = saved[1]
    return [(e["op"], e["line"]) for e in log if e["kind"] == "op"]


def session(script: Path, **kwargs) -> DebugClient:
    return DebugClient(script, **kwargs)


def event_at(client: DebugClient, seq: int) -> dict:
    return next(e for e in client.events if e["seq"] == seq)


# -- stepping ---------------------------------------------------------------------------------

def test_stepping_op_by_op_yields_exactly_the_recorded_ops_in_order(tmp_path, capsys):
    script = linear_regression(tmp_path, steps=3)
    expected = free_run_ops(script)
    stepped = []
    with session(script, start_paused=True) as client:
        start = client.wait_paused(TIMEOUT)
        assert start["reason"] == "start"
        while True:
            client.step_op()
            paused = client.wait_paused(TIMEOUT)
            if paused is None:
                break
            assert paused["reason"] == "step"
            op = event_at(client, paused["at_seq"])
            assert op["kind"] == "op" and (paused["file"], paused["line"]) == (op["file"],
                                                                                 op["line"])
            stepped.append((op["op"], op["line"]))
        assert client.finished_event["status"] == "ok"
        # exactly one op ran between two stops: nothing was skipped
        assert [(e["op"], e["line"]) for e in client.ops()] == stepped
    assert stepped == expected
    assert [op for op, _ in stepped[:5]] == ["Mul", "AddV2", "Sub", "Square", "Mean"]
    per_step = len(stepped) // 3  # forward and backward ops, the same in every step
    assert stepped == stepped[:per_step] * 3


def test_step_batch_and_step_epoch_stop_at_their_boundaries(tmp_path):
    script = short_mnist(tmp_path)
    with session(script, start_paused=True, mode="NO_TENSOR") as client:
        client.wait_paused(TIMEOUT)
        stops = []
        for command in ("step_batch", "step_batch", "step_epoch", "step_batch",
                        "step_epoch", "step_epoch"):
            getattr(client, command)()
            paused = client.wait_paused(TIMEOUT)
            before = [e for e in client.events if e["seq"] < paused["seq"]
                      and e["kind"] != "output"]
            stops.append((paused["reason"], before[-1]["kind"], before[-1]["step"],
                          before[-1]["epoch"]))
            assert paused["at_seq"] == before[-1]["seq"]  # right after the boundary
        client.stop()
    # step_end carries the step that ended; epoch_end the epoch that ended (and the next
    # step's number): 20 batches of 32 per epoch
    assert stops == [("step_batch", "step_end", 0, 0), ("step_batch", "step_end", 1, 0),
                     ("step_epoch", "epoch_end", 20, 0), ("step_batch", "step_end", 20, 1),
                     ("step_epoch", "epoch_end", 40, 1), ("step_epoch", "epoch_end", 60, 2)]
    epoch_output = client.output("stdout").splitlines()
    assert [line.split(",")[0] for line in epoch_output] == ["Epoch 1", "Epoch 2"]


# -- breakpoints ------------------------------------------------------------------------------

def stops_of(client: DebugClient) -> list[tuple]:
    """Continue through every stop; (reason, op type, line) of each."""
    stops = []
    while (paused := client.wait_paused(TIMEOUT)) is not None:
        event = event_at(client, paused["at_seq"])
        stops.append((paused["reason"], event.get("op"), paused["line"]))
        client.continue_()
    return stops


def test_nan_breakpoint_stops_at_the_op_that_made_it_with_its_line(tmp_path):
    script = write(tmp_path, "nan.py", NAN_SCRIPT)
    with session(script, mode="NO_TENSOR", breakpoints=[Breakpoint.on_nan()]) as client:
        stops = stops_of(client)
        assert client.finished_event["status"] == "ok"
        assert client.breakpoints[0].hits == 1
    # the Mul after it inherits -inf and does not stop again
    assert stops == [("breakpoint", "Log", line_of(NAN_SCRIPT, "LOG"))]
    assert "done -inf" in client.output()


# tf.debugging.enable_check_numerics() would make the Log raise; under Tapescope it pauses.
CHECKED_SCRIPT = """\
import tensorflow as tf

tf.debugging.enable_check_numerics()
x = tf.constant([1.0, 2.0])
s = tf.square(x)  # SQUARE
y = tf.math.log(s - 1.0)  # LOG
z = y * 2.0
print("done", z.numpy().tolist())
"""


def test_enable_check_numerics_under_tapescope_pauses_at_the_nan_instead_of_raising(tmp_path):
    script = write(tmp_path, "checked.py", CHECKED_SCRIPT)
    with session(script, mode="NO_TENSOR") as client:
        stops = stops_of(client)
        assert client.finished_event["status"] == "ok"
    assert stops == [("breakpoint", "Log", line_of(CHECKED_SCRIPT, "LOG"))]
    assert "done [-inf, " in client.output("stdout")
    assert "enable_check_numerics" in client.output("debugger")


def test_the_scripts_nan_breakpoint_outlives_the_controllers_breakpoint_edits(tmp_path):
    script = write(tmp_path, "checked.py", CHECKED_SCRIPT)
    with session(script, mode="NO_TENSOR", start_paused=True) as client:
        client.wait_paused(TIMEOUT)
        client.set_breakpoints([Breakpoint.on_op_type("Square")])
        client.run()
        first = client.wait_paused(TIMEOUT)
        assert event_at(client, first["at_seq"])["op"] == "Square"
        client.set_breakpoints([])  # the user clears theirs; the script's own stays
        client.continue_()
        stops = stops_of(client)
        assert client.finished_event["status"] == "ok"
    assert stops == [("breakpoint", "Log", line_of(CHECKED_SCRIPT, "LOG"))]


# The weight goes NaN in the first step (sqrt of a negative number in the loss) and stays
# NaN: every later step's ops inherit it through the variable.
POISONED_SCRIPT = """\
import tensorflow as tf

w = tf.Variable([1.0, -1.0], name="w")
optimizer = tf.keras.optimizers.SGD(learning_rate=0.1)
for step in range(5):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.sqrt(w))  # SQRT
    grads = tape.gradient(loss, [w])
    optimizer.apply_gradients(zip(grads, [w]))
print("w", w.numpy().tolist())
"""


@pytest.mark.parametrize("kind", ["nan", "nan_origin"])
def test_a_nan_that_lives_on_in_a_variable_stops_once_where_it_was_born(tmp_path, kind):
    script = write(tmp_path, "poisoned.py", POISONED_SCRIPT)
    with session(script, mode="NO_TENSOR", breakpoints=[Breakpoint(kind)]) as client:
        stops = stops_of(client)
        assert client.finished_event["status"] == "ok"
        assert client.breakpoints[0].hits == 1
    assert stops == [("breakpoint", "Sqrt", line_of(POISONED_SCRIPT, "SQRT"))]
    assert "w [" in client.output() and "nan]" in client.output()


@pytest.mark.parametrize("breakpoint, op_type, marker", [
    (Breakpoint.on_op_type("MatMul"), "MatMul", "MATMUL"),
    (Breakpoint.on_op_name("block/Mat*"), "MatMul", "MATMUL"),
    (Breakpoint.at_line("ops.py", line_of(OPS_SCRIPT, "EXP")), "RealDiv", "EXP"),
    (Breakpoint.when("abs(x).max() > 1e3"), "Exp", "EXP"),
])
def test_each_breakpoint_kind_fires_at_its_op(tmp_path, breakpoint, op_type, marker):
    script = write(tmp_path, "ops.py", OPS_SCRIPT)
    with session(script, mode="NO_TENSOR", start_paused=True) as client:
        client.wait_paused(TIMEOUT)
        client.set_breakpoints([breakpoint])
        client.run()
        stops = stops_of(client)
    assert stops == [("breakpoint", op_type, line_of(OPS_SCRIPT, marker))]
    assert breakpoint.hits == 1


def test_line_breakpoint_stops_once_per_step_and_clearing_lets_it_run(tmp_path):
    script = linear_regression(tmp_path, steps=3)
    loss_line = line_containing(script.read_text(), "return tf.reduce_mean(")
    with session(script, breakpoints=[Breakpoint.at_line(str(script), loss_line)]) as client:
        first = client.wait_paused(TIMEOUT)
        assert event_at(client, first["at_seq"])["op"] == "Sub"  # first op of the line
        client.continue_()
        second = client.wait_paused(TIMEOUT)
        assert second["step"] == 1 and client.breakpoints[0].hits == 2
        client.set_breakpoints([])
        client.continue_()
        assert client.wait_paused(TIMEOUT) is None
        assert client.finished_event["status"] == "ok"


def test_a_failing_condition_is_reported_once_and_disabled(tmp_path):
    script = write(tmp_path, "ops.py", OPS_SCRIPT)
    with session(script, breakpoints=[Breakpoint.when("x.no_such_thing > 0")]) as client:
        assert client.wait_paused(TIMEOUT) is None
        notes = [e["text"] for e in client.events
                 if e["kind"] == "output" and e["stream"] == "debugger"]
    assert len(notes) == 1 and "AttributeError" in notes[0] and "disabled" in notes[0]
    assert not client.breakpoints[0].enabled
    assert client.breakpoints[0].error == notes[0].strip()  # the why stays with it


# -- values, output, errors ---------------------------------------------------------------------

def test_values_are_fetched_while_paused(tmp_path):
    script = linear_regression(tmp_path, steps=2)
    with session(script, breakpoints=[Breakpoint.on_op_type("Square")]) as client:
        paused = client.wait_paused(TIMEOUT)
        square = event_at(client, paused["at_seq"])
        sub = [e for e in client.ops() if e["op"] == "Sub"][-1]
        np.testing.assert_allclose(client.get_value(sub["seq"]), [-2, -4, -6, -8, -10])
        np.testing.assert_allclose(client.get_value(square["seq"]), [4, 16, 36, 64, 100])
        with pytest.raises(DebuggeeError, match="not available"):
            client.get_value(square["seq"], index=5)
        client.set_breakpoints([])
        client.continue_()
        client.wait_finished(TIMEOUT)
        with pytest.raises(DebuggeeError, match="over"):
            client.get_value(square["seq"])


def test_an_exception_pauses_post_mortem_with_its_traceback(tmp_path):
    script = write(tmp_path, "raises.py", RAISING_SCRIPT)
    with session(script) as client:
        paused = client.wait_paused(TIMEOUT)
        assert paused["reason"] == "exception"
        assert (paused["file"], paused["line"]) == (str(script), line_of(RAISING_SCRIPT,
                                                                         "RAISES"))
        (error,) = [e for e in client.events if e["kind"] == "error"]
        assert "Matrix size-incompatible" in error["message"]
        assert "InvalidArgumentError" in error["traceback"] and "raises.py" in error[
            "traceback"]
        assert error["line"] == paused["line"]
        last_op = event_at(client, error["at_seq"])
        assert last_op["op"] == "MatMul"  # the last op that ran: its value is still there
        np.testing.assert_allclose(client.get_value(last_op["seq"]), [[11.0]])
        client.continue_()
        finished = client.wait_finished(TIMEOUT)
        assert finished["status"] == "error" and client.returncode == 1
    assert client.output() == "before [[11.0]]\n"


def test_prints_are_forwarded_as_output_events(tmp_path):
    script = write(tmp_path, "printing.py", PRINTING_SCRIPT)
    with session(script, args=["--flag", "7"]) as client:
        client.wait_finished(TIMEOUT)
    assert client.output("stdout") == "hello from ['--flag', '7']\nno newline at the end"
    assert client.output("stderr") == "to stderr\n"
    assert client.finished_event["status"] == "ok" and client.returncode == 0


def test_a_dying_child_is_reported_not_waited_for(tmp_path):
    script = write(tmp_path, "dying.py", DYING_SCRIPT)
    with session(script) as client:
        finished = client.wait_finished(TIMEOUT)
    assert finished["status"] == "died" and finished["returncode"] == -9
    assert client.returncode == -9 and "about to die" in client.output()


def test_os_exit_in_the_script_still_delivers_every_event(tmp_path):
    script = write(tmp_path, "exiting.py", EXITING_SCRIPT)
    with session(script) as client:
        finished = client.wait_finished(TIMEOUT)
    assert finished["status"] == "exited" and finished["returncode"] == 3
    assert [e["op"] for e in client.ops()] == ["AddV2"] * 50
    assert client.output("stdout") == "last words\n"
    assert client.returncode == 3


def test_the_script_runs_in_its_directory_with_tensorflow_as_the_engine(tmp_path):
    (tmp_path / "helper.py").write_text("VALUE = 42\n")
    script = write(tmp_path, "where.py", (
        "import os, sys\nimport helper\nimport tensorflow as tf\n"
        "from tensorflow.keras import layers\nimport tensorflow.keras.datasets\n"
        "print(os.getcwd(), helper.VALUE, tf.__name__, layers.Dense.__module__)\n"
        "print(any(name.startswith('TAPESCOPE_DEBUG') for name in os.environ))\n"))
    with session(script, cwd=None) as client:
        client.wait_finished(TIMEOUT)
    first, second = client.output("stdout").splitlines()
    assert first.split() == [str(tmp_path), "42", "engine", "engine.keras.layers.core"]
    assert second == "False"  # the session token is not left for the script to read


# -- control --------------------------------------------------------------------------------------

def test_pause_stops_a_running_script_and_stop_ends_it(tmp_path):
    script = write(tmp_path, "endless.py", ENDLESS_SCRIPT)
    with session(script, mode="NO_TENSOR") as client:
        client.wait_for(lambda: client.state == "running", TIMEOUT)
        client.pause()
        paused = client.wait_paused(TIMEOUT)
        assert paused["reason"] == "pause"
        assert paused["line"] == line_of(ENDLESS_SCRIPT, "LOOP")
        client.continue_()
        client.wait_for(lambda: client.state == "running", TIMEOUT)
        client.stop()
        assert client.finished_event["status"] == "stopped"
        assert client.state == "finished"


def test_restart_runs_the_script_again_from_the_top(tmp_path):
    script = linear_regression(tmp_path, steps=2)
    states = []
    with session(script, start_paused=True, on_state=states.append) as client:
        client.wait_paused(TIMEOUT)
        client.step_batch()
        assert client.wait_paused(TIMEOUT)["reason"] == "step_batch"
        client.restart()
        paused = client.wait_paused(TIMEOUT)
        assert paused["reason"] == "start" and client.events[0]["seq"] == 1
        client.run()
        assert client.wait_finished(TIMEOUT)["status"] == "ok"
        assert len([e for e in client.events if e["kind"] == "step_end"]) == 2
    assert states[:3] == ["running", "paused", "running"] and states[-1] == "finished"


def test_the_mode_can_change_while_paused(tmp_path):
    script = write(tmp_path, "ops.py", OPS_SCRIPT)
    with session(script, mode="NO_TENSOR", start_paused=True) as client:
        client.wait_paused(TIMEOUT)
        client.set_mode("FULL_HEALTH")
        client.run()
        client.wait_finished(TIMEOUT)
    exp = next(e for e in client.ops() if e["op"] == "Exp")
    assert exp["summary"][0]["max"] == pytest.approx(np.exp(7.0), rel=1e-6)


def test_a_fake_debuggee_with_a_wrong_token_is_refused_and_the_real_one_runs(tmp_path):
    script = write(tmp_path, "printing.py", PRINTING_SCRIPT)
    with session(script, start_paused=True) as client:
        with pytest.raises(protocol.AuthenticationError, match="wrong session token"):
            protocol.connect(client.address, "guessed-token")
        client.wait_paused(TIMEOUT)
        client.run()
        client.wait_finished(TIMEOUT)
        assert client.refused >= 1 and client.finished_event["status"] == "ok"


def test_hostile_local_clients_do_not_end_or_block_the_session(tmp_path):
    """A nested-bracket hello (RecursionError in json) and idle connections are refused;
    the session thread lives on and the real debuggee runs the script."""
    script = write(tmp_path, "printing.py", PRINTING_SCRIPT)
    with session(script, start_paused=True) as client:
        host, port = client.address.split(":")
        idle = [socket.create_connection((host, int(port))) for _ in range(8)]
        nested = socket.create_connection((host, int(port)))
        nested.sendall(struct.pack("!IQ", 60_000, 0) + b"[" * 60_000)
        try:
            assert client.wait_paused(TIMEOUT)["reason"] == "start"
            client.run()
            assert client.wait_finished(TIMEOUT)["status"] == "ok"
            client.wait_for(lambda: client.refused >= 1, TIMEOUT)
        finally:
            for sock in [nested, *idle]:
                sock.close()


def start_debuggee_by_hand(script: Path, listener: protocol.Listener,
                           token: str) -> subprocess.Popen:
    """The debuggee started as DebugClient starts it (debugger.child's recipe), with the
    controller's side of the socket left to the test."""
    env = debuggee_env({protocol.ENV_ADDRESS: listener.address, protocol.ENV_TOKEN: token})
    return subprocess.Popen(debuggee_command(script, mode="CONCISE_HEALTH"), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def test_the_debuggee_does_not_outlive_its_controller(tmp_path):
    script = write(tmp_path, "endless.py", ENDLESS_SCRIPT)
    listener = protocol.Listener()
    token = protocol.new_token()
    child = start_debuggee_by_hand(script, listener, token)
    try:
        conn = listener.accept(token, timeout=TIMEOUT)
        assert conn.recv()[0]["type"] == "events"  # it runs (and reports)
        conn.close()  # the controller crashed
        assert child.wait(TIMEOUT) == 3
    finally:
        child.kill()
        listener.close()


def test_a_missing_script_is_refused_before_anything_starts(tmp_path):
    with pytest.raises(FileNotFoundError):
        DebugClient(tmp_path / "nope.py")


def test_a_malformed_command_is_ignored_with_a_line_and_the_run_goes_on(tmp_path):
    script = write(tmp_path, "endless.py", ENDLESS_SCRIPT)
    listener = protocol.Listener()
    token = protocol.new_token()
    child = start_debuggee_by_hand(script, listener, token)
    try:
        conn = listener.accept(token, timeout=TIMEOUT)
        conn.send({"type": "command", "cmd": "get_value", "id": 1, "seq": "x"})
        conn.send({"type": "command", "cmd": "set_breakpoints", "breakpoints": [7]})
        conn.send({"type": "command", "cmd": "stop"})
        seen = []
        while not any(e.get("kind") == "finished" for e in seen):
            seen.extend(conn.recv()[0].get("events", []))
        lines = [e["text"] for e in seen if e.get("stream") == "debugger"]
        assert any("get_value needs integer seq" in t for t in lines)
        assert any("bad breakpoints" in t for t in lines)
        assert seen[-1]["status"] == "stopped" and child.wait(TIMEOUT) == 0
        conn.close()
    finally:
        child.kill()
        child.wait()
        listener.close()
