"""Session: a trace or a live run turned into batched Qt signals and indexes."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import numpy as np
import pytest
from app_helpers import LINEAR_REGRESSION, SPIRALS, line_of, record_script
from PySide6.QtCore import QTimer

from app.session import FINISHED, IDLE, PAUSED, TRACE, Session
from debugger.breakpoints import Breakpoint
from debugger.tracefile import TraceReader

LIVE_TIMEOUT = 30_000  # ms; starting a child and importing numpy can be slow on a busy box


@pytest.fixture
def session(qtbot):
    created = Session()
    yield created
    created.shutdown()
    created.deleteLater()


def test_a_trace_arrives_in_batches_and_is_indexed(qtbot, session, train_trace, train_script):
    batches = []
    session.eventsArrived.connect(batches.append)
    added = []
    session.opsAdded.connect(lambda start, stop: added.append((start, stop)))
    states = []
    session.stateChanged.connect(states.append)
    assert session.open_trace(train_trace)
    qtbot.waitUntil(lambda: session.state == TRACE)

    with TraceReader(train_trace) as reader:
        expected = list(reader.events())
    # ops go into the session's model (the widgets read rows there), the rest as events
    assert [e["seq"] for batch in batches for e in batch] == [
        e["seq"] for e in expected if e["kind"] != "op"]
    assert added == [(0, session.op_count)]
    assert list(session.ops) == [e for e in expected if e["kind"] == "op"]
    assert states == ["loading", "trace"]
    assert not session.is_live
    assert session.script_path == train_script
    assert session.op_count == sum(e["kind"] == "op" for e in expected)
    assert list(session.op_seqs) == [e["seq"] for e in expected if e["kind"] == "op"]
    assert [e["name"] for e in session.variables.values()][0] == "w:0"
    assert len(session.scalars["loss"]) == 3
    assert sorted(session.gradients) == [0, 1, 2]
    assert str(train_script) in session.source_files
    first_op = session.ops[0]
    assert session.op_by_seq(first_op["seq"]) is first_op
    assert session.op_by_seq(-5) is None


def test_a_trace_shows_part_by_part_while_the_window_keeps_answering(
        qtbot, session, train_trace, monkeypatch):
    """A trace is decoded off the UI thread and handed over in parts: the Ops rows grow
    while it still loads, timers keep firing meanwhile, and what ends up shown is what the
    trace holds, in order."""
    monkeypatch.setattr("debugger.session_model.LOAD_PAGE", 4)  # many small parts
    monkeypatch.setattr("debugger.trace_parts.PART_SECONDS", 0.0)
    read_page = TraceReader.raw_rows

    def slow_page(reader, start, limit):  # a big trace: each page takes a while to decode
        time.sleep(0.05)
        return read_page(reader, start, limit)

    monkeypatch.setattr(TraceReader, "raw_rows", slow_page)
    added, batches, ticks = [], [], []
    timeline = []  # what happened, in order: "part" (rows added), "tick", "loaded"
    session.opsAdded.connect(lambda start, stop: (added.append((start, stop)),
                                                   timeline.append("part")))
    session.eventsArrived.connect(batches.append)
    session.stateChanged.connect(lambda state: state == TRACE and timeline.append("loaded"))
    ticker = QTimer()
    ticker.timeout.connect(lambda: (ticks.append(1), timeline.append("tick")))
    ticker.start(1)
    assert session.open_trace(train_trace)
    qtbot.waitUntil(lambda: session.state == TRACE, timeout=20_000)
    ticker.stop()

    with TraceReader(train_trace) as reader:
        expected = list(reader.events())
    ops = [e for e in expected if e["kind"] == "op"]
    assert len(added) > 2  # rows came in several inserts, not all at once at the end
    assert [start for start, _ in added] == [0] + [stop for _, stop in added[:-1]]
    assert added[-1][1] == len(ops)
    first, last = timeline.index("part"), len(timeline) - 1 - timeline[::-1].index("part")
    assert "tick" in timeline[first:last]  # the event loop ran between two parts
    assert timeline.index("loaded") > last
    assert list(session.ops) == ops
    assert [e["seq"] for batch in batches for e in batch] == [
        e["seq"] for e in expected if e["kind"] != "op"]
    assert gc.isenabled()  # paused while the trace decoded, and back on


def test_closing_a_trace_while_it_loads_stops_the_loader(qtbot, session, train_trace,
                                                         monkeypatch):
    monkeypatch.setattr("debugger.session_model.LOAD_PAGE", 4)
    monkeypatch.setattr("debugger.trace_parts.PART_SECONDS", 0.0)
    read_page = TraceReader.raw_rows

    def slow_page(reader, start, limit):
        time.sleep(0.05)
        return read_page(reader, start, limit)

    monkeypatch.setattr(TraceReader, "raw_rows", slow_page)
    assert session.open_trace(train_trace)
    qtbot.waitUntil(lambda: session.op_count > 0, timeout=20_000)  # partly shown
    assert session.state == "loading"
    session.close()
    assert session.state == IDLE and session.op_count == 0
    assert gc.isenabled()
    qtbot.wait(300)  # nothing of the closed trace arrives afterwards
    assert session.op_count == 0 and session.events == []


def test_a_big_trace_is_handed_over_in_few_batches(qtbot, session, tmp_path, monkeypatch):
    from debugger import events
    from debugger.tracefile import TraceWriter

    trace = tmp_path / "big.tsdb"
    with TraceWriter(trace) as writer:
        for seq in range(1, 30_001):
            writer.write(events.make(
                "op", seq, step=seq // 100, epoch=0, op="Add", name="add", scope="",
                inputs=[1], outputs=[2], shapes=[[2]], dtypes=["float32"], file="t.py",
                line=1, duration=1e-6, exec="eager", summary=None))
    batches = []
    session.eventsArrived.connect(batches.append)
    progress = []
    session.traceProgress.connect(lambda loaded, total: progress.append((loaded, total)))
    session.open_trace(trace)
    qtbot.waitUntil(lambda: session.state == TRACE, timeout=20_000)
    assert session.op_count == 30_000
    # one batch per timer tick, each holding many events, never one signal per event
    assert len(batches) <= 30_000 // 500
    assert progress[-1] == (30_000, 30_000)


def test_a_trace_whose_op_count_is_no_number_still_opens(qtbot, session, tmp_path):
    """The trace's size (the sum of its rows' op counts, read by the loader to reserve
    the window's op columns) comes from an untrusted column: a crafted count of infinity
    must not stop the trace from opening, and every op still shows."""
    import sqlite3

    from debugger import events
    from debugger.tracefile import TraceWriter

    trace = tmp_path / "inf.tsdb"
    with TraceWriter(trace) as writer:
        for seq in range(1, 6):
            writer.write(events.make(
                "op", seq, step=0, epoch=0, op="Add", name="add", scope="", inputs=[1],
                outputs=[2], shapes=[[2]], dtypes=["float32"], file="t.py", line=1,
                duration=1e-6, exec="eager", summary=None))
    with sqlite3.connect(trace) as db:
        db.execute("UPDATE events SET n = 9e999 WHERE seq = 3")
    errors = []
    session.errorRaised.connect(lambda title, text: errors.append(title))
    assert session.open_trace(trace)
    qtbot.waitUntil(lambda: session.state == TRACE, timeout=20_000)
    assert session.op_count == 5 and errors == []


def test_opening_something_that_is_not_a_trace_says_why(qtbot, session, tmp_path):
    garbage = tmp_path / "notes.tsdb"
    garbage.write_bytes(b"these are not the bytes of an SQLite database" * 20)
    with qtbot.waitSignal(session.errorRaised) as raised:
        assert not session.open_trace(garbage)
    title, text = raised.args
    assert title == "Cannot open the trace"
    assert "not a Tapescope trace file" in text
    assert session.state == IDLE


def test_launching_a_missing_script_says_so(qtbot, session, tmp_path):
    with qtbot.waitSignal(session.errorRaised) as raised:
        assert not session.launch(tmp_path / "nope.py")
    assert raised.args[0] == "Script not found"
    assert "nope.py" in raised.args[1]


def test_values_come_from_a_full_tensor_trace(qtbot, session, train_script, tmp_path):
    trace = record_script(train_script, tmp_path / "full.tsdb", mode="FULL_TENSOR")
    session.open_trace(trace)
    qtbot.waitUntil(lambda: session.state == TRACE)
    log_op = next(op for op in session.ops if op["op"] == "Log")
    value = session.fetch_value(log_op["seq"], 0)
    assert np.isnan(value[0]) and value[1] == 0.0


def test_a_damaged_value_is_explained_not_raised(qtbot, session, train_script, tmp_path):
    import sqlite3

    trace = record_script(train_script, tmp_path / "full.tsdb", mode="FULL_TENSOR")
    with sqlite3.connect(trace) as db:
        db.execute("UPDATE tensor_values SET npy = ?", (b"not an npy file",))
    session.open_trace(trace)
    qtbot.waitUntil(lambda: session.state == TRACE)
    assert session.fetch_value(session.ops[0]["seq"], 0) is None
    assert "damaged" in session.last_fetch_error


def test_a_health_only_trace_explains_missing_values(qtbot, session, train_trace):
    session.open_trace(train_trace)
    qtbot.waitUntil(lambda: session.state == TRACE)
    assert session.fetch_value(session.ops[0]["seq"]) is None
    assert "FULL_TENSOR" in session.last_fetch_error


def test_breakpoints_get_ids_and_are_announced(qtbot, session):
    with qtbot.waitSignal(session.breakpointsChanged) as changed:
        session.set_breakpoints([Breakpoint.on_op_type("MatMul"), Breakpoint.on_nan()])
    listed = changed.args[0]
    assert [bp.kind for bp in listed] == ["op_type", "nan"]
    assert len({bp.id for bp in listed}) == 2 and all(bp.id for bp in listed)


def test_a_live_run_stops_at_a_line_breakpoint_and_answers_values(qtbot, session,
                                                                  train_script):
    line = line_of(train_script.read_text(), "LOSS")
    session.set_breakpoints([Breakpoint.at_line(str(train_script), line)])
    paused = []
    session.runPaused.connect(paused.append)
    assert session.launch(train_script, run=True)
    assert session.is_live
    qtbot.waitUntil(lambda: session.state == PAUSED, timeout=LIVE_TIMEOUT)
    assert paused[-1]["reason"] == "breakpoint"
    assert paused[-1]["line"] == line
    op_seq = paused[-1]["op_seq"]
    value = session.fetch_value(op_seq, 0)
    assert value is not None and value.shape == (3,)

    session.set_breakpoints([])
    with qtbot.waitSignal(session.runFinished, timeout=LIVE_TIMEOUT) as finished:
        session.continue_()
    assert finished.args == ["ok"]
    assert session.state == FINISHED
    assert session.op_count > 30
    assert session.fetch_value(op_seq, 0) is not None  # fetched once, kept
    assert session.fetch_value(op_seq + 1, 0) is None
    assert "over" in session.last_fetch_error


def test_a_syntax_error_names_the_file_and_line(qtbot, session, tmp_path):
    script = tmp_path / "broken.py"
    script.write_text("import engine as tf\n\nx = tf.constant(1.0\nprint(x)\n")
    errors = []
    session.errorRaised.connect(lambda title, text: errors.append((title, text)))
    session.launch(script, run=True)
    qtbot.waitUntil(lambda: bool(errors), timeout=LIVE_TIMEOUT)
    title, text = errors[0]
    assert title == "Syntax error in broken.py, line 3"
    assert "SyntaxError" in text


def test_the_demo_runs_to_the_end_with_its_output(qtbot, session):
    outputs = []
    session.eventsArrived.connect(
        lambda batch: outputs.extend(e["text"] for e in batch if e["kind"] == "output"))
    session.launch(LINEAR_REGRESSION)
    qtbot.waitUntil(lambda: session.state == PAUSED, timeout=LIVE_TIMEOUT)
    assert session.paused_event["reason"] == "start"
    with qtbot.waitSignal(session.runFinished, timeout=LIVE_TIMEOUT):
        session.run()
    assert "Learned w" in "".join(outputs)
    assert session.op_count > 100
    assert session.step == 100  # 100 optimizer steps ran: the next one would be step 100
    assert Path(session.script_path) == LINEAR_REGRESSION


@pytest.mark.parametrize("death, status, title, says", [
    ("os.kill(os.getpid(), 9)", "died", "The debuggee died", "exit code -9"),
    ("os._exit(3)", "exited", "The script exited", "called os._exit(3)")])
def test_a_debuggee_that_dies_is_reported_with_its_last_words(qtbot, session, tmp_path, death,
                                                               status, title, says):
    script = tmp_path / "dies.py"
    script.write_text("import os, sys\nprint('out of cheese', file=sys.stderr, flush=True)\n"
                      f"{death}\n")
    errors = []
    session.errorRaised.connect(lambda title, text: errors.append((title, text)))
    with qtbot.waitSignal(session.runFinished, timeout=LIVE_TIMEOUT) as finished:
        session.launch(script, run=True)
    assert finished.args == [status]
    qtbot.waitUntil(lambda: bool(errors))
    assert errors[-1][0] == title
    assert says in errors[-1][1] and "out of cheese" in errors[-1][1]


def test_the_built_in_demo_trains_with_epochs_scalars_and_a_traced_graph(qtbot, session):
    outputs = []
    session.eventsArrived.connect(
        lambda batch: outputs.extend(e["text"] for e in batch if e["kind"] == "output"))
    with qtbot.waitSignal(session.runFinished, timeout=LIVE_TIMEOUT * 4) as finished:
        assert session.launch(SPIRALS, run=True)
    assert finished.args == ["ok"]
    text = "".join(outputs)
    assert "Epoch 30: loss" in text
    final_accuracy = float(text.rsplit("accuracy ", 1)[1].split()[0])
    assert final_accuracy > 0.9  # the spirals are learned, not just run
    assert session.epoch == 30
    assert session.step == 750  # 25 batches an epoch; not the step given to tf.summary
    assert [g["function"] for g in session.graphs] == ["train_step"]
    assert {"loss", "accuracy"} <= set(session.scalars)
    assert len(session.scalars["accuracy"]) == 30
