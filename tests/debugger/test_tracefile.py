"""The trace file: what a recorded run leaves on disk, and what a debugger can read back."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import engine as tf
from debugger import events
from debugger.probe import Probe
from debugger.tracefile import (
    FORMAT,
    TraceFileError,
    TraceReader,
    TraceWriteError,
    TraceWriter,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

# A plausible value for every field name in events.FIELDS.
SAMPLE_FIELDS = {
    "step": 7, "epoch": 1, "op": "MatMul", "name": "dense/MatMul", "scope": "dense",
    "inputs": [3, 4], "outputs": [5], "shapes": [[32, 10]], "dtypes": ["float32"],
    "at_seq": 3, "file": "train.py", "line": 42, "duration": 1.5e-5, "exec": "eager",
    "summary": [{"shape": [32, 10], "dtype": "float32", "bad": False}],
    "target": 5, "sources": [{"name": "w", "id": 1, "summary": None, "none_reason": "unused"}],
    "id": 1, "shape": [784, 10], "dtype": "float32", "trainable": True, "action": "assign_sub",
    "graph_id": 1, "function": "train_step", "trace_count": 2, "reason": "new shape",
    "nodes": [{"id": 2, "op": "MatMul", "name": "MatMul", "inputs": [0, 1], "outputs": [2]}],
    "value": 0.25, "axis": "step",
    "stream": "stdout", "text": "Epoch 1/5\n", "message": "boom",
    "traceback": "Traceback ...", "status": "ok",
}


def make_event(kind: str, seq: int, **overrides) -> dict:
    fields = {f: SAMPLE_FIELDS[f] for f in events.FIELDS[kind]}
    fields.update(overrides)
    return events.make(kind, seq, **fields)


def op_event(seq: int, step: int = 0, op: str = "Add", bad: bool = False, **extra) -> dict:
    extra.setdefault("summary", [{"shape": [2], "dtype": "float32", "bad": bad}])
    return make_event("op", seq, step=step, op=op, name=f"{op.lower()}_{seq}", **extra)


@pytest.fixture
def trace_path(tmp_path: Path) -> Path:
    return tmp_path / "run.trace"


def write_trace(path: Path, evts: list[dict], values: tuple = ()) -> None:
    with TraceWriter(path) as writer:
        for event in evts:
            writer.write(event)
        for seq, idx, array in values:
            writer.write_value(seq, idx, array)


def pack(seq: int, ops: list[str], step: int = 0, bad_at: int | None = None) -> dict:
    """An "ops" pack of ``ops`` from ``seq`` on, as a packing probe sends it."""
    rows = [(op, f"{op.lower()}_{seq + i}", "dense", [1], [2], [[2, 3]], ["float32"],
             "train.py", 40 + i, 1e-5, "eager", [[1, 0, 0]] if i == bad_at else 0)
            for i, op in enumerate(ops)]
    return events.make("ops", seq, step=step, epoch=0, mode="CONCISE_HEALTH",
                       count=len(rows), rows=rows)


# -- round trips ---------------------------------------------------------------------------


def test_ops_packs_are_read_back_as_the_op_events_they_stand_for(trace_path):
    first = op_event(1, op="MatMul")
    packed = pack(2, ["MatMul", "Relu", "Softmax"], bad_at=1)
    later = pack(6, ["MatMul", "AddV2"], step=1)
    scalar = make_event("scalar", 5, step=0, name="loss", value=0.5)
    write_trace(trace_path, [first, packed, scalar, later])
    expander = events.OpsExpander()
    expanded = expander.expand(packed) + expander.expand(later)
    with TraceReader(trace_path) as reader:
        assert [e["seq"] for e in reader.events()] == [1, 2, 3, 4, 5, 6, 7]
        assert list(reader.ops())[1:] == expanded
        assert expanded[1]["summary"] == [{"shape": [2, 3], "dtype": "float32", "size": 6,
                                           "nan": 1, "neg_inf": 0, "pos_inf": 0, "bad": True}]
        assert reader.count() == 7 and reader.count("op") == 6 and reader.last_seq() == 7
        assert reader.kind_counts() == {"op": 6, "scalar": 1}
        assert [e["seq"] for e in reader.events(start_seq=3)] == [3, 4, 5, 6, 7]  # mid-pack
        assert [e["seq"] for e in reader.ops(start_seq=3, limit=2)] == [3, 4]
        assert [e["seq"] for e in reader.ops(op="MatMul")] == [1, 2, 6]
        assert [e["seq"] for e in reader.ops(step=1)] == [6, 7]
        assert reader.steps() == [(0, 4), (1, 2)]
        assert reader.first_bad_op() == expanded[1]


def test_a_version_1_trace_without_packs_still_opens(trace_path):
    write_trace(trace_path, [op_event(1), op_event(2, step=1, bad=True)])
    db = sqlite3.connect(trace_path)
    db.execute("ALTER TABLE events DROP COLUMN n")
    db.execute("UPDATE meta SET value = '1' WHERE key IN ('tracefile_version', 'schema_version')")
    db.commit()
    db.close()
    with TraceReader(trace_path) as reader:
        assert reader.count() == 2 and reader.count("op") == 2 and reader.last_seq() == 2
        assert reader.steps() == [(0, 1), (1, 1)]
        assert [e["seq"] for e in reader.events(start_seq=2)] == [2]
        assert reader.first_bad_op()["seq"] == 2


@pytest.mark.parametrize("kind", sorted(set(events.FIELDS) - {"ops"}))  # packs: below
def test_every_event_kind_round_trips(trace_path, kind):
    # An op has a summary per output, a variable update one for its value.
    event = make_event(kind, 0, **({"summary": {"shape": [2], "dtype": "float32"}}
                                   if kind == "variable_update" else {}))
    write_trace(trace_path, [event])
    with TraceReader(trace_path) as reader:
        assert list(reader.events()) == [event]
        assert list(reader.events(kind)) == [event]
        assert reader.count(kind) == 1


def test_meta_records_format_version_and_run(trace_path):
    with TraceWriter(trace_path, meta={"script": "train.py", "argv": ["train.py", "--fast"]}):
        pass
    with TraceReader(trace_path) as reader:
        meta = reader.meta
    assert meta["format"] == FORMAT == "tapescope-trace"
    assert meta["schema_version"] == events.SCHEMA_VERSION
    assert meta["script"] == "train.py" and meta["argv"] == ["train.py", "--fast"]
    assert meta["engine_version"] and meta["created"] and meta["closed"]


def test_numpy_scalars_and_non_finite_floats_survive(trace_path):
    events_in = [
        make_event("scalar", 0, step=np.int64(3), name="loss", value=np.float32(0.5)),
        make_event("scalar", 1, step=4, name="loss", value=float("nan")),
        make_event("scalar", 2, step=5, name="loss", value=float("-inf")),
    ]
    write_trace(trace_path, events_in)
    with TraceReader(trace_path) as reader:
        scalars = reader.scalars("loss")
    assert [s.step for s in scalars] == [3, 4, 5]
    assert scalars[0].value == 0.5 and type(scalars[0].value) is float
    assert np.isnan(scalars[1].value) and scalars[2].value == float("-inf")


VALUES = {
    "float32 with nan, inf and -0.0": np.array([[1.5, np.nan], [np.inf, -0.0]], np.float32),
    "int64": np.array([-(2**62), 0, 2**62], np.int64),
    "bool": np.array([True, False, True]),
    "0-d": np.array(3.25, np.float64),
    "empty": np.zeros((0, 3), np.float32),
    "uint8 image": np.arange(784, dtype=np.uint8).reshape(28, 28),
    "non-contiguous": np.arange(12.0).reshape(3, 4)[:, ::2],
}


@pytest.mark.parametrize("name", list(VALUES))
def test_values_round_trip_bit_exact(trace_path, name):
    array = VALUES[name]
    write_trace(trace_path, [op_event(0)], values=[(0, 1, array)])
    with TraceReader(trace_path) as reader:
        back = reader.value(0, 1)
        assert reader.value(0, 0) is None and reader.value(99) is None
    assert back.dtype == array.dtype and back.shape == array.shape
    assert back.tobytes() == np.ascontiguousarray(array).tobytes()


def test_values_are_stored_without_pickle(trace_path):
    with TraceWriter(trace_path) as writer:
        with pytest.raises(TypeError, match="object arrays need pickle"):
            writer.write_value(0, 0, np.array([{"a": 1}, None], dtype=object))
    with sqlite3.connect(trace_path) as db:
        db.execute("INSERT INTO tensor_values VALUES (0, 0, ?)", (_pickled_npy(),))
    with TraceReader(trace_path) as reader, pytest.raises(TraceFileError, match="allow_pickle"):
        reader.value(0, 0)


def _pickled_npy() -> bytes:
    import io

    buffer = io.BytesIO()
    np.save(buffer, np.array([object()], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def test_write_value_copies_the_array(trace_path):
    buffer = np.zeros(3, np.float32)
    with TraceWriter(trace_path) as writer:
        writer.write_value(0, 0, buffer)
        buffer[:] = 7  # the engine reuses its buffers
    with TraceReader(trace_path) as reader:
        assert reader.value(0).tolist() == [0, 0, 0]


# -- batching and live reading -------------------------------------------------------------


def test_many_events_in_batches_are_all_committed_by_flush(trace_path):
    writer = TraceWriter(trace_path, batch_events=500, flush_interval=10.0)
    for seq in range(20_000):
        writer.write(op_event(seq, step=seq // 1000))
    writer.flush()
    with TraceReader(trace_path) as reader:
        assert reader.count() == reader.count("op") == 20_000
        assert reader.last_seq() == 19_999
        assert reader.steps()[-1] == (19, 1000)
    writer.close()


def test_a_batch_is_committed_after_flush_interval_without_flush(trace_path):
    writer = TraceWriter(trace_path, batch_events=10_000, flush_interval=0.05)
    for seq in range(10):
        writer.write(op_event(seq))
    with TraceReader(trace_path) as reader:
        deadline = time.monotonic() + 5
        while reader.count() < 10 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert reader.count() == 10
    writer.close()


def test_reader_follows_a_live_writer(trace_path):
    writer = TraceWriter(trace_path)
    with TraceReader(trace_path) as reader:
        assert reader.last_seq() is None and reader.count() == 0
        for step in range(3):
            first = step * 101
            for seq in range(first, first + 100):
                writer.write(op_event(seq, step=step))
            writer.write(make_event("step_end", first + 100, step=step))
            writer.flush()
            assert len(list(reader.events(start_seq=first))) == 101
            assert reader.steps()[-1] == (step, 100)
            assert reader.last_seq() == first + 100
        writer.close()
        assert reader.count() == 303  # still readable after the writer finished


def test_closed_trace_is_one_self_contained_file(trace_path, tmp_path):
    write_trace(trace_path, [op_event(seq) for seq in range(1000)])
    copy = tmp_path / "copy.trace"
    copy.write_bytes(trace_path.read_bytes())
    with TraceReader(copy) as reader:
        assert reader.count() == 1000


def copy_main_file_alone_until(path: Path, copy: Path, count: int, seconds: float) -> int:
    """Copy the trace's main file (not its -wal) until the copy holds ``count`` events or
    ``seconds`` passed (a guard, not a measure); the events the last copy held."""
    deadline = time.monotonic() + seconds
    held = -1
    while held < count and time.monotonic() < deadline:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{copy}{suffix}").unlink(missing_ok=True)
        copy.write_bytes(path.read_bytes())
        try:
            with TraceReader(copy) as reader:
                held = reader.count()
        except TraceFileError:
            held = -1  # copied mid-checkpoint: try again
        time.sleep(0.05)
    return held


def test_a_copy_of_the_main_file_alone_holds_what_was_written_seconds_ago(trace_path,
                                                                          tmp_path):
    # The writer checkpoints its write-ahead log now and then while the run goes on (SQLite
    # alone would wait for ~4 MB of log): a slow run's file copied without its -wal still
    # holds all but the last seconds.
    writer = TraceWriter(trace_path, checkpoint_interval=0.2)
    try:
        for seq in range(300):
            writer.write(op_event(seq))
        writer.flush()
        assert Path(f"{trace_path}-wal").exists()  # the run goes on: the log is in use
        copy = tmp_path / "copy.trace"
        assert copy_main_file_alone_until(trace_path, copy, 300, 20.0) == 300
        for seq in range(300, 400):  # and later events reach it too
            writer.write(op_event(seq))
        writer.flush()
        assert copy_main_file_alone_until(trace_path, copy, 400, 20.0) == 400
    finally:
        writer.close()


def test_the_writer_checkpoints_every_few_seconds_by_default():
    assert 0 < TraceWriter.__init__.__kwdefaults__["checkpoint_interval"] <= 5


CHILD = """
import sys
from debugger import events
from debugger.tracefile import TraceWriter
import numpy as np

writer = TraceWriter(sys.argv[1], flush_interval=0.01)
seq = 0
for step in range(1_000_000):
    for i in range(100):
        writer.write(events.make("op", seq, step=step, epoch=0, op="Add", name="add",
                     scope="", inputs=[], outputs=[seq], shapes=[[2]], dtypes=["float32"],
                     file="train.py", line=1, duration=0.0, exec="eager", summary=None))
        writer.write_value(seq, 0, np.full(2, seq, np.float32))
        seq += 1
    writer.flush()
    print(step, flush=True)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_run_killed_with_sigkill_leaves_every_flushed_step(trace_path):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(trace_path)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        last_step = -1
        while last_step < 3:
            line = child.stdout.readline()
            assert line, f"child ended early: {child.stderr.read()}"
            last_step = int(line)
        child.send_signal(signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    with TraceReader(trace_path) as reader:
        assert "closed" not in reader.meta
        per_step = dict(reader.steps())
        for step in range(last_step + 1):
            assert per_step[step] == 100, f"step {step} has {per_step.get(step)} of 100 ops"
        seqs = [event["seq"] for event in reader.events(limit=(last_step + 1) * 100)]
        assert seqs == list(range((last_step + 1) * 100))
        last = (last_step + 1) * 100 - 1
        assert reader.value(last).tolist() == [last, last]


# -- reader queries ------------------------------------------------------------------------


def test_reader_answers_the_debuggers_questions(trace_path):
    evts = [
        make_event("graph", 0, graph_id=1, reason="first call"),
        op_event(1, step=0, op="MatMul"),
        op_event(2, step=0, op="Add"),
        make_event("gradient", 3, step=0),
        make_event("scalar", 4, step=0, name="loss", value=2.5),
        make_event("scalar", 5, step=0, name="accuracy", value=0.1),
        make_event("step_end", 6, step=0),
        op_event(7, step=1, op="MatMul"),
        op_event(8, step=1, op="Log", bad=True),
        op_event(9, step=1, op="Add", bad=True),
        make_event("gradient", 10, step=1),
        make_event("scalar", 11, step=1, name="loss", value=float("nan")),
        make_event("step_end", 12, step=1),
        make_event("step_end", 13, step=2),  # a step without ops
        make_event("error", 14, message="loss is NaN"),
    ]
    write_trace(trace_path, evts)
    with TraceReader(trace_path) as reader:
        assert reader.count() == len(evts) and reader.count("op") == 5
        assert reader.steps() == [(0, 2), (1, 3), (2, 0)]
        assert [e["seq"] for e in reader.ops()] == [1, 2, 7, 8, 9]
        assert [e["seq"] for e in reader.ops(op="MatMul")] == [1, 7]
        assert [e["seq"] for e in reader.ops(step=1)] == [7, 8, 9]
        assert [e["seq"] for e in reader.events(start_seq=8, limit=3)] == [8, 9, 10]
        assert reader.scalar_names() == ["accuracy", "loss"]
        loss = reader.scalars("loss")
        assert [(s.step, s.name) for s in loss] == [(0, "loss"), (1, "loss")]
        assert loss[0].value == 2.5 and np.isnan(loss[1].value)
        assert len(reader.scalars()) == 3
        assert [g["graph_id"] for g in reader.graphs()] == [1]
        assert [g["seq"] for g in reader.gradients()] == [3, 10]
        assert [g["seq"] for g in reader.gradients(step=1)] == [10]
        assert [e["message"] for e in reader.errors()] == ["loss is NaN"]
        assert reader.first_bad_op()["name"] == "log_8"
        assert reader.last_seq() == 14


def test_first_bad_op_reads_single_and_per_output_summaries(trace_path):
    write_trace(trace_path, [
        op_event(0, summary=None),
        op_event(1, summary={"bad": False, "nan": 0}),
        op_event(2, summary=[None, {"bad": False}]),
        make_event("variable_update", 3, summary={"bad": True}),  # not an op
        op_event(4, summary={"bad": True, "nan": 3}),
    ])
    with TraceReader(trace_path) as reader:
        assert reader.first_bad_op()["seq"] == 4
    write_trace(trace_path.with_suffix(".ok"), [op_event(0)])
    with TraceReader(trace_path.with_suffix(".ok")) as reader:
        assert reader.first_bad_op() is None



def test_per_output_summaries_of_a_recorded_multi_output_op_round_trip(trace_path):
    """Unpack ops recorded op by op: [good, bad] and [bad, good] come back in their order,
    and both are indexed as bad (the first output alone must not speak for the op)."""
    with TraceWriter(trace_path) as writer, Probe(writer.write, mode="CONCISE_HEALTH"):
        tf.unstack(tf.constant([[1.0, 2.0], [3.0, 4.0]]))  # [good, good]
        tf.unstack(tf.constant([[1.0, 2.0], [np.nan, 3.0]]))  # [good, bad]
        tf.unstack(tf.constant([[np.inf, 2.0], [1.0, 3.0]]))  # [bad, good]
    with TraceReader(trace_path) as reader:
        ops = list(reader.ops())
        assert [op["op"] for op in ops] == ["Unpack"] * 3
        health = [[(s["bad"], s["nan"], s["pos_inf"]) for s in op["summary"]] for op in ops]
        assert health == [[(False, 0, 0), (False, 0, 0)],
                          [(False, 0, 0), (True, 1, 0)],
                          [(True, 0, 1), (False, 0, 0)]]
        assert reader.first_bad_op()["seq"] == ops[1]["seq"]
    with sqlite3.connect(trace_path) as db:
        flagged = [seq for (seq,) in db.execute("SELECT seq FROM events WHERE bad ORDER BY seq")]
    assert flagged == [ops[1]["seq"], ops[2]["seq"]]

def test_events_pages_through_a_long_trace(trace_path):
    write_trace(trace_path, [op_event(seq, step=seq % 3) for seq in range(2500)])
    with TraceReader(trace_path) as reader:
        assert [e["seq"] for e in reader.events()] == list(range(2500))
        assert len(list(reader.events(limit=1500))) == 1500
        assert [e["seq"] for e in reader.ops(step=2, start_seq=2000)] == list(
            range(2000, 2500, 3))
        assert all(e["step"] == 2 for e in reader.ops(step=2))
        assert len(list(reader.ops(step=2))) == 833


# -- files that are not (readable) traces --------------------------------------------------


def test_refuses_to_overwrite_an_existing_file(trace_path):
    trace_path.write_text("precious")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        TraceWriter(trace_path)
    assert trace_path.read_text() == "precious"
    write_trace(trace_path.with_suffix(".x"), [op_event(0)])
    with TraceWriter(trace_path, overwrite=True) as writer:
        writer.write(op_event(5))
    with TraceReader(trace_path) as reader:
        assert [e["seq"] for e in reader.events()] == [5]


def test_garbage_bytes_are_not_a_trace(trace_path):
    trace_path.write_bytes(os.urandom(4096))
    with pytest.raises(TraceFileError, match="is not a Tapescope trace file: not an SQLite"):
        TraceReader(trace_path)


def test_an_empty_file_is_not_a_trace(trace_path):
    trace_path.touch()
    with pytest.raises(TraceFileError, match="is not a Tapescope trace file: the file is empty"):
        TraceReader(trace_path)


def test_another_sqlite_database_is_not_a_trace(trace_path):
    with sqlite3.connect(trace_path) as db:
        db.execute("CREATE TABLE songs (title TEXT)")
    with pytest.raises(TraceFileError, match="not a Tapescope trace file: it has no meta, "
                                             "events, tensor_values tables") as info:
        TraceReader(trace_path)
    assert str(trace_path) in str(info.value)


def _set_meta(path: Path, key: str, value) -> None:
    db = sqlite3.connect(path)
    with db:
        db.execute("UPDATE meta SET value = ? WHERE key = ?", (json.dumps(value), key))
    db.close()


def test_a_trace_from_a_newer_tapescope_is_refused_clearly(trace_path):
    write_trace(trace_path, [op_event(0)])
    newer = events.SCHEMA_VERSION + 1
    _set_meta(trace_path, "schema_version", newer)
    with pytest.raises(TraceFileError) as info:
        TraceReader(trace_path)
    message = str(info.value)
    assert str(trace_path) in message and "newer Tapescope" in message
    assert f"schema_version {newer}" in message
    assert f"reads up to version {events.SCHEMA_VERSION}" in message


def test_a_foreign_format_is_refused(trace_path):
    write_trace(trace_path, [op_event(0)])
    _set_meta(trace_path, "format", "someone-elses-trace")
    with pytest.raises(TraceFileError, match="format is 'someone-elses-trace'"):
        TraceReader(trace_path)


def test_a_missing_file_says_so(trace_path):
    with pytest.raises(FileNotFoundError, match="no trace file at"):
        TraceReader(trace_path)


# -- errors on the writer thread surface on the caller's thread ----------------------------


def test_an_unserializable_event_raises_on_flush_naming_it(trace_path):
    writer = TraceWriter(trace_path)
    writer.write(op_event(0))
    writer.write(make_event("scalar", 1, name="loss", value=object()))
    writer.write(op_event(2))
    with pytest.raises(TraceWriteError, match=r"seq 1 \(kind 'scalar'\).*not JSON serializable"):
        writer.flush()
    writer.write(op_event(3))  # reported once; the writer goes on
    writer.close()
    with TraceReader(trace_path) as reader:
        assert [e["seq"] for e in reader.events()] == [0, 2, 3]


def test_later_problems_are_counted_not_lost(trace_path):
    writer = TraceWriter(trace_path)
    for seq in range(3):
        writer.write(make_event("scalar", seq, name="loss", value={1, 2}))
    with pytest.raises(TraceWriteError, match=r"seq 0 .*\(and 2 more problems since\)"):
        writer.flush()
    writer.close()


def test_a_pending_error_is_raised_by_the_next_write(trace_path):
    writer = TraceWriter(trace_path, flush_interval=0.01)
    writer.write({"seq": 0})  # no kind
    deadline = time.monotonic() + 5
    with pytest.raises(TraceWriteError, match="could not store event seq 0"):
        while time.monotonic() < deadline:
            writer.write(op_event(1))
            time.sleep(0.01)
    writer.close()


def test_close_raises_a_pending_error_and_is_idempotent(trace_path):
    writer = TraceWriter(trace_path)
    writer.write(make_event("output", 0, text=b"bytes are not JSON"))
    with pytest.raises(TraceWriteError, match="kind 'output'"):
        writer.close()
    writer.close()
    with pytest.raises(ValueError, match="closed"):
        writer.write(op_event(1))


def test_a_duplicate_seq_is_reported_without_losing_the_batch(trace_path):
    """A seq written twice (a bug upstream) keeps what was written FIRST, event and value
    alike, says so, and costs nothing else of its batch: the other events and values stay."""
    writer = TraceWriter(trace_path)
    writer.write(op_event(0, op="Exp"))
    writer.write(op_event(1, op="Log"))
    writer.write(op_event(1, op="Mul"))  # the duplicate
    writer.write(op_event(2, op="Sqrt"))
    writer.write_value(0, 0, np.array([0.0, 0.5]))
    writer.write_value(1, 0, np.array([1.0, 1.5]))
    writer.write_value(1, 0, np.array([-1.0, -1.5]))  # the duplicate value
    writer.write_value(1, 1, np.array([10.0]))
    writer.write_value(2, 0, np.array([2.0, 2.5]))
    with pytest.raises(TraceWriteError, match=r"event seq 1 .*UNIQUE.*\(and 1 more problem"):
        writer.flush()
    writer.write(op_event(3, op="Add"))  # the writer goes on after the report
    writer.close()
    with TraceReader(trace_path) as reader:
        assert [(e["seq"], e["op"]) for e in reader.events()] == [
            (0, "Exp"), (1, "Log"), (2, "Sqrt"), (3, "Add")]
        assert reader.value(0).tolist() == [0.0, 0.5]
        assert reader.value(1).tolist() == [1.0, 1.5]
        assert reader.value(1, 1).tolist() == [10.0]
        assert reader.value(2).tolist() == [2.0, 2.5]


def test_a_damaged_pack_is_a_clear_error(trace_path):
    orphan = {"kind": "ops", "seq": 1, "step": 0, "epoch": 0, "mode": "CONCISE_HEALTH",
              "count": 1, "graph": 7, "first": 0, "times": [0.0, 1e-6],
              "health": [[0, [[1, 0, 0]]]]}  # bad, and graph 7 was never seen
    write_trace(trace_path, [orphan])
    with TraceReader(trace_path) as reader:
        assert list(reader.ops()) == [] and reader.first_bad_op() is None
        assert reader.damaged_events == 1  # counted once, however often it is read
        assert reader.damage() == ["event #1: (ops) cannot be expanded: ops pack seq 1 "
                                   "belongs to graph 7, whose graph event is missing"]


def test_a_damaged_value_is_a_clear_error(trace_path):
    write_trace(trace_path, [op_event(1)], values=[(1, 0, np.ones(3))])
    db = sqlite3.connect(trace_path)
    db.execute("UPDATE tensor_values SET npy = ? WHERE seq = 1", (b"\x93NUMPY garbage",))
    db.commit()
    db.close()
    with TraceReader(trace_path) as reader:
        with pytest.raises(TraceFileError, match=r"damaged: the value of #1 output 0"):
            reader.value(1)
