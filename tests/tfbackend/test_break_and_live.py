"""NaN/Inf on real TensorFlow: headless stops (eager and compiled) and a live session that
pauses at the first bad eager op."""

from __future__ import annotations

import pytest

pytest.importorskip("tensorflow")

from app import cli  # noqa: E402
from debugger.breakpoints import Breakpoint  # noqa: E402
from debugger.client import DebugClient  # noqa: E402
from tests.tfbackend.helpers import PROGRAMS, read_events  # noqa: E402


def _stopped(trace):
    events = read_events(trace)
    finished = [e for e in events if e["kind"] == "finished"]
    assert len(finished) == 1
    return finished[0], events


def test_break_on_nan_stops_at_the_first_bad_eager_op(tmp_path, capsys):
    trace = tmp_path / "eager.tsdb"
    script = PROGRAMS / "nan_eager.py"
    code = cli.main(["record", "--backend", "tensorflow", "--break-on-nan", str(script),
                     "-o", str(trace)])
    assert code == cli.EXIT_STOPPED
    finished, events = _stopped(trace)
    assert finished["status"] == "stopped"
    assert (finished["op"], finished["line"], finished["exec"]) == ("Log", 5, "eager")
    assert finished["origin"] is True  # sqrt(0) is finite: log made the -inf
    assert not any(e["kind"] == "output" and e["text"].startswith("after") for e in events)
    assert cli.main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    assert "Log output 0: float32[3]: 1 of 3 elements is -Inf" in out


def test_break_on_nan_inside_a_compiled_function_names_op_and_line(tmp_path):
    trace = tmp_path / "graph.tsdb"
    code = cli.main(["record", "--backend", "tensorflow", "--break-on-nan",
                     str(PROGRAMS / "nan_graph.py"), "-o", str(trace)])
    assert code == cli.EXIT_STOPPED
    finished, events = _stopped(trace)
    assert finished["status"] == "stopped"
    assert finished["op"] == "Log" and finished["line"] == 7
    assert finished["exec"].startswith("graph:")
    assert not any(e["kind"] == "output" and e["text"].startswith("not reached")
                   for e in events)


def test_live_session_pauses_at_the_first_nan_and_serves_its_value():
    script = PROGRAMS / "nan_eager.py"
    with DebugClient(script, backend="tensorflow", breakpoints=[Breakpoint.on_nan()],
                     connect_timeout=120) as client:
        paused = client.wait_paused(timeout=120)
        assert paused is not None and paused["reason"] == "breakpoint"
        assert paused["line"] == 5
        op = next(e for e in client.events if e["kind"] == "op" and e["seq"] ==
                  paused["at_seq"])
        assert op["op"] == "Log"
        value = client.get_value(op["seq"], 0)
        assert value.tolist()[1] == float("-inf")
        client.continue_()
        finished = client.wait_finished(timeout=120)
    assert finished["status"] == "ok"
    assert any(e["kind"] == "output" and e["text"].startswith("after")
               for e in client.events)


def test_live_session_steps_op_by_op():
    script = PROGRAMS / "nan_eager.py"
    with DebugClient(script, backend="tensorflow", start_paused=True,
                     connect_timeout=120) as client:
        assert client.wait_paused(timeout=120)["reason"] == "start"
        client.step_op()
        first = client.wait_paused(timeout=120)
        assert first["reason"] == "step"
        client.step_op()
        second = client.wait_paused(timeout=120)
        assert second["reason"] == "step" and second["at_seq"] > first["at_seq"]
        ops = [e["op"] for e in client.events if e["kind"] == "op"]
        assert ops[:2] == ["Sub", "Sqrt"]
        client.continue_()
        assert client.wait_finished(timeout=120)["status"] == "ok"


def test_live_session_steps_batch_by_batch_and_epoch_by_epoch():
    """Keras fit on real TensorFlow (2 epochs of 2 batches): step batch stops right after a
    step ends, step epoch right after an epoch ends, as on the engine."""
    script = PROGRAMS / "train_smoke.py"
    with DebugClient(script, backend="tensorflow", start_paused=True,
                     connect_timeout=120) as client:
        assert client.wait_paused(timeout=120)["reason"] == "start"
        stops = []
        for command in ("step_batch", "step_batch", "step_epoch", "step_batch"):
            getattr(client, command)()
            paused = client.wait_paused(timeout=120)
            at = next(e for e in client.events if e["seq"] == paused["at_seq"])
            stops.append((paused["reason"], at["kind"], at["step"], at["epoch"],
                          paused["line"]))
        client.continue_()
        assert client.wait_finished(timeout=120)["status"] == "ok"
    # fit's steps end inside its compiled train function: the stop comes when it returns,
    # on the script's own line (model.fit, line 28), not inside TensorFlow or Tapescope
    assert stops == [("step_batch", "step_end", 0, 0, 28), ("step_batch", "step_end", 1, 0, 28),
                     ("step_epoch", "epoch_end", 2, 0, 28), ("step_batch", "step_end", 2, 1, 28)]


def test_live_nan_breakpoint_in_a_compiled_function_pauses_at_its_op_after_the_run():
    script = PROGRAMS / "nan_graph.py"
    with DebugClient(script, backend="tensorflow", breakpoints=[Breakpoint.on_nan()],
                     connect_timeout=120) as client:
        paused = client.wait_paused(timeout=120)
        assert paused is not None and paused["reason"] == "breakpoint"
        assert paused["line"] == 7
        op = next(e for e in client.events if e["kind"] == "op" and e["seq"] ==
                  paused["at_seq"])
        assert op["op"] == "Log" and op["exec"].startswith("graph:")
        assert not any(e["kind"] == "output" and e["text"].startswith("result")
                       for e in client.events)  # stopped before the script went on
        client.continue_()
        assert client.wait_finished(timeout=120)["status"] == "ok"


# -- --break CONDITION -----------------------------------------------------------------------

def test_a_condition_stops_at_the_eager_op_where_it_first_holds(tmp_path, capsys):
    trace = tmp_path / "eager.tsdb"
    code = cli.main(["record", "--backend", "tensorflow", "--break", "x.max() > 5",
                     str(PROGRAMS / "conditions.py"), "-o", str(trace)])
    assert code == cli.EXIT_STOPPED
    finished, events = _stopped(trace)
    assert (finished["reason"], finished["condition"]) == ("condition", "x.max() > 5")
    assert (finished["op"], finished["line"], finished["exec"]) == ("Mul", 4, "eager")
    assert not any(e["kind"] == "output" and e["text"].startswith("result") for e in events)
    assert cli.main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out
    assert "Mul output 0: float32[3]" in out and "Mul input 0 = x" in out


def test_a_condition_judges_the_ops_of_a_compiled_function_by_value(tmp_path, capsys):
    trace = tmp_path / "graph.tsdb"
    code = cli.main(["record", "--backend", "tensorflow", "--break", "x.max() > 30",
                     str(PROGRAMS / "conditions.py"), "-o", str(trace)])
    assert code == cli.EXIT_STOPPED
    finished, events = _stopped(trace)
    assert finished["reason"] == "condition"
    assert (finished["op"], finished["line"]) == ("Mul", 10)
    assert finished["exec"].startswith("graph:")
    assert "result" not in "".join(e["text"] for e in events if e["kind"] == "output")
    assert cli.main(["inspect", str(trace)]) == 0
    out = capsys.readouterr().out  # the compiled op's output kept: [2, 3, 4] * 10
    assert "Stopped at: op Mul (mul)" in out and "Mul output 0: float32[3]" in out


def test_a_live_condition_breakpoint_pauses_at_the_compiled_op_where_it_first_holds():
    """The window's condition breakpoint on a live run: the compiled function's ops are
    judged by value (their first output), the run pauses when the function returns, at the
    op where the condition first held, and that op's value is served."""
    script = PROGRAMS / "conditions.py"
    with DebugClient(script, backend="tensorflow", breakpoints=[Breakpoint.when("x.max() > 30")],
                     connect_timeout=120) as client:
        paused = client.wait_paused(timeout=120)
        assert paused is not None and paused["reason"] == "breakpoint"
        op = next(e for e in client.events if e["kind"] == "op" and e["seq"] ==
                  paused["at_seq"])
        assert (op["op"], op["line"]) == ("Mul", 10) and op["exec"].startswith("graph:")
        assert client.get_value(op["seq"], 0).tolist() == [20.0, 30.0, 40.0]
        assert not any(e["kind"] == "output" and e["text"].startswith("result")
                       for e in client.events)  # stopped before the script went on
        client.continue_()
        assert client.wait_finished(timeout=120)["status"] == "ok"
    assert any(e["kind"] == "output" and e["text"].startswith("result 90.0")
               for e in client.events)


def test_a_condition_set_after_a_function_was_traced_says_it_cannot_judge_its_ops():
    """A compiled function's reports are fixed when it is traced: one traced before a
    condition breakpoint was set hands no values to judge. The run says so, once, naming
    the function, rather than pass its ops silently."""
    script = PROGRAMS / "condition_late.py"
    with DebugClient(script, backend="tensorflow", breakpoints=[Breakpoint.at_line(script, 11)],
                     connect_timeout=120) as client:
        assert client.wait_paused(timeout=120)["reason"] == "breakpoint"
        client.set_breakpoints([Breakpoint.when("x.max() > 50")])
        client.continue_()
        assert client.wait_finished(timeout=120)["status"] == "ok"
    said = [e["text"] for e in client.events
            if e["kind"] == "output" and e["stream"] == "debugger"]
    assert len(said) == 1 and "scale" in said[0] and "traced before" in said[0], said
    assert "second 120.0" in client.output()


def test_a_condition_that_never_holds_records_the_whole_run(tmp_path):
    trace = tmp_path / "all.tsdb"
    code = cli.main(["record", "--backend", "tensorflow", "--break", "x.max() > 1000",
                     str(PROGRAMS / "conditions.py"), "-o", str(trace)])
    assert code == 0
    finished, events = _stopped(trace)
    assert finished["status"] == "ok"
    printed = "".join(e["text"] for e in events if e["kind"] == "output")
    assert "result 90.0" in printed and "not reached" in printed


def test_stop_while_paused_at_an_eager_breakpoint_ends_the_debuggee_itself():
    """Paused inside TensorFlow's op callback, the script thread must not hold the probe's
    lock: the reader thread's "finished" needs it (it waited for the kill 10 s later)."""
    script = PROGRAMS / "nan_eager.py"
    with DebugClient(script, backend="tensorflow", breakpoints=[Breakpoint.on_nan()],
                     connect_timeout=120) as client:
        assert client.wait_paused(timeout=120)["reason"] == "breakpoint"
        assert client.stop() == 0  # its own exit, not the kill's -9
        finished = client.wait_finished(timeout=120)
    assert finished["status"] == "stopped"
