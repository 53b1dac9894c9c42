"""Trace files and script paths are untrusted input: wrong shapes, damage, odd files.

Each case is one a user could meet (a trace from someone else, a disk that cut a file
short, a script path that is a FIFO): the answer is one clear line and what can still be
read, never a traceback, a hang or a run that reads until memory runs out.
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from train_step_script import TRAIN_STEP_HEAD

from app.cli import main
from debugger import validate
from debugger.source_files import SourceFileError, read_source
from debugger.tracefile import TraceDamagedError, TraceFileError, TraceReader

ROOT = Path(__file__).resolve().parents[2]

# A traced train step (graph event, packs of a compiled run), eager ops, gradients,
# scalars, output: every kind a recorded run usually holds.
SCRIPT = TRAIN_STEP_HEAD + """\
    loss = train_step(x, y)
    with tf.GradientTape() as tape:
        eager = tf.reduce_sum(w * 2.0)
    tape.gradient(eager, [w])
    print("step", step, float(loss))
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("untrusted")
    script = folder / "train.py"
    script.write_text(SCRIPT)
    trace = folder / "train.tsdb"
    assert main(["record", str(script), "-o", str(trace)]) == 0
    return trace


def copy_of(recorded: Path, tmp_path: Path) -> Path:
    trace = tmp_path / "copy.tsdb"
    shutil.copy(recorded, trace)
    return trace


def edit_first(trace: Path, kind: str, change) -> int:
    """Rewrite the body of the first ``kind`` event with ``change(event)``; its seq.
    ("rows": the first pack of eager ops.)"""
    db = sqlite3.connect(trace)
    where = "kind = 'ops' AND body LIKE '%\"rows\":%'" if kind == "rows" else "kind = ?"
    seq, body = db.execute(f"SELECT seq, body FROM events WHERE {where} ORDER BY seq LIMIT 1",
                           () if kind == "rows" else (kind,)).fetchone()
    event = json.loads(body)
    new = change(event)
    db.execute("UPDATE events SET body = ? WHERE seq = ?",
               (new if new is not None else json.dumps(event), seq))
    db.commit()
    db.close()
    return seq


def drop_keys(event: dict) -> None:
    for key in [k for k in event if k not in ("kind", "seq")]:
        del event[key]


DEEP = "[" * 100_000 + "]" * 100_000

# name -> (kind of the event damaged, the damage, what the message names)
WRONG_SHAPES = {
    "graph without keys": ("graph", drop_keys, "lacks 'graph_id'"),
    "nodes: 5": ("graph", lambda e: e.update(nodes=5), "'nodes' is 5, not a list"),
    "gradient sources null": ("gradient", lambda e: e.update(sources=None),
                              "'sources' is None, not a list"),
    "a gradient source null": ("gradient", lambda e: e["sources"].__setitem__(0, None),
                               "'sources' [0] is None, not an object"),
    "scalar value 'abc'": ("scalar", lambda e: e.update(value="abc"),
                           "'value' is 'abc', not a number"),
    "finished status 5": ("finished", lambda e: e.update(status=5), "'status' is 5"),
    "pack row of the wrong width": ("rows", lambda e: e["rows"][0].__delitem__(-1),
                                    "not a row of 12 fields"),
    "pack shapes not a list": ("rows", lambda e: e["rows"][0].__setitem__(5, 7),
                               "shapes is 7, not a list"),
    "100k-deep nesting": ("scalar", lambda e: DEEP, "nested too deeply"),
    "not JSON": ("scalar", lambda e: "{not json", "is not JSON"),
    "a list, not an object": ("output", lambda e: "[1, 2]", "not an object"),
    "body of another event": ("scalar", lambda e: e.update(seq=e["seq"] + 10_000),
                              "its body says scalar #"),
}


@pytest.mark.parametrize("case", WRONG_SHAPES)
def test_a_wrongly_shaped_event_is_skipped_counted_and_named(recorded, tmp_path, capsys, case):
    kind, change, named = WRONG_SHAPES[case]
    trace = copy_of(recorded, tmp_path)
    seq = edit_first(trace, kind, change)
    assert main(["inspect", str(trace)]) == 3
    out, err = capsys.readouterr()
    assert err.startswith(f"tapescope: error: {trace} is damaged: ") and err.count("\n") == 1
    assert "damaged event" in err and "Traceback" not in out + err
    assert "Events: " in out and "Steps: 3 completed" in out  # the rest still shows
    assert f"event #{seq}: ({'ops' if kind == 'rows' else kind})" in out and named in out
    for argv in (["export-graph", str(trace), "-o", str(tmp_path / "g.dot")],
                 ["export-graph", str(trace), "--step", "1", "-o", str(tmp_path / "s.dot")]):
        assert main(argv) in (0, 3)
        err = capsys.readouterr().err
        assert "Traceback" not in err and err.count("\n") <= 2


def test_a_damaged_graph_costs_its_runs_not_the_rest(recorded, tmp_path, capsys):
    trace = copy_of(recorded, tmp_path)
    edit_first(trace, "graph", lambda e: e.update(nodes=5))
    with TraceReader(trace) as reader:
        packs = reader._rows("SELECT sum(n) FROM events WHERE body LIKE '%\"graph\":%' "
                             "AND kind = 'ops'")[0][0]
        assert reader.graphs() == []
        eager = list(reader.ops())
        assert eager and all(op["exec"] == "eager" for op in eager)
        assert reader.damaged_events == packs + 1  # the graph event and its runs' ops
        assert len(reader.scalars()) == reader.count("scalar") > 0


def test_damaged_meta_values_are_dropped_and_named(recorded, tmp_path, capsys):
    trace = copy_of(recorded, tmp_path)
    db = sqlite3.connect(trace)
    db.execute("UPDATE meta SET value = '[1, 2]' WHERE key = 'script'")
    db.execute("UPDATE meta SET value = '{\"a\": 1}' WHERE key = 'mode'")
    db.commit()
    db.close()
    assert main(["inspect", str(trace)]) == 3
    out, err = capsys.readouterr()
    assert "script: ?   mode: ?" in out and "meta 'script' is list, not str" in out
    assert err.count("\n") == 1


def test_an_events_table_without_its_columns_is_damaged(recorded, tmp_path, capsys):
    trace = copy_of(recorded, tmp_path)
    db = sqlite3.connect(trace)
    db.executescript("CREATE TABLE e2 AS SELECT seq, kind, body FROM events; "
                     "DROP TABLE events; ALTER TABLE e2 RENAME TO events;")
    db.close()
    with pytest.raises(TraceDamagedError, match="events table lacks the columns step, epoch"):
        TraceReader(trace)
    assert main(["inspect", str(trace)]) == 3
    assert capsys.readouterr().err.count("\n") == 1


def test_a_damaged_pack_count_is_counted_as_one(recorded, tmp_path):
    trace = copy_of(recorded, tmp_path)
    db = sqlite3.connect(trace)
    db.execute("UPDATE events SET n = 'abc' WHERE seq = (SELECT min(seq) FROM events "
               "WHERE kind = 'ops')")
    db.commit()
    db.close()
    with TraceReader(trace) as reader:
        counts = reader.kind_counts()
        assert all(type(n) is int for n in counts.values())
        assert reader.check() == 1 and "is filed as 1" in reader.damage()[0]


def test_a_truncated_trace_says_so(recorded, tmp_path, capsys):
    trace = tmp_path / "cut.tsdb"
    data = recorded.read_bytes()
    trace.write_bytes(data[:len(data) // 2])
    with pytest.raises(TraceDamagedError, match="is a truncated trace: it has"):
        TraceReader(trace)
    assert main(["inspect", str(trace)]) == 3
    err = capsys.readouterr().err
    assert "is a truncated trace" in err and err.count("\n") == 1


def test_a_directory_a_fifo_and_a_device_are_not_traces(tmp_path, capsys):
    fifo = tmp_path / "pipe.tsdb"
    os.mkfifo(fifo)
    for path, what in ((tmp_path, "is a directory"), (fifo, "is a FIFO"),
                       (Path("/dev/zero"), "is a character device")):
        with pytest.raises(TraceFileError, match=what):
            TraceReader(path)
        for argv in (["inspect", str(path)], ["export-graph", str(path), "-o", "x.svg"]):
            assert main(argv) == 2
            err = capsys.readouterr().err
            assert what in err and err.count("\n") == 1, err


def _drop_file_capabilities() -> None:
    """In the child before exec: give up root's right to read any file (CAP_DAC_OVERRIDE,
    CAP_DAC_READ_SEARCH), so that chmod 000 means to it what it means to a user."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def run_unprivileged(argv: list[str]) -> subprocess.CompletedProcess:
    """``tapescope ARGV`` in a child process that cannot override file permissions."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    drop = _drop_file_capabilities if os.geteuid() == 0 else None
    return subprocess.run([sys.executable, "-m", "app.cli", *argv], capture_output=True,
                          text=True, env=env, preexec_fn=drop, cwd="/", timeout=60)


def test_a_trace_nobody_may_read_is_one_line(recorded, tmp_path):
    folder = tmp_path / "open"
    folder.mkdir()
    folder.chmod(0o755)
    tmp_path.chmod(0o755)
    trace = folder / "secret.tsdb"
    shutil.copy(recorded, trace)
    trace.chmod(0)
    done = run_unprivileged(["inspect", str(trace)])
    assert done.returncode == 2, done.stderr
    assert done.stderr == f"tapescope: error: cannot read {trace}: permission denied\n"


# -- script paths and source files --------------------------------------------------------------

def test_a_script_that_is_no_regular_file_is_one_line(tmp_path, capsys):
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    folder = tmp_path / "folder.py"
    folder.mkdir()
    for path, what in ((fifo, "is a FIFO"), (folder, "is a directory"),
                       (Path("/dev/zero"), "is a character device")):
        for argv in (["record", str(path), "-o", str(tmp_path / "t.tsdb")],
                     ["export-graph", str(path), "-o", str(tmp_path / "g.svg")],
                     ["--terminal", str(path)], [str(path)]):
            if argv[0] != "record" and path.suffix != ".py":
                continue  # export-graph and the window take it for a trace file
            assert main(argv) == 2
            err = capsys.readouterr().err
            assert err == f"tapescope: error: script {path} {what}, not a regular file\n"


def test_a_script_nobody_may_read_is_one_line(tmp_path):
    tmp_path.chmod(0o755)
    script = tmp_path / "secret.py"
    script.write_text("print('hi')\n")
    script.chmod(0)
    done = run_unprivileged(["record", str(script), "-o", str(tmp_path / "t.tsdb")])
    assert done.returncode == 2
    assert done.stderr == f"tapescope: error: cannot read script {script}: permission denied\n"


def test_source_reading_refuses_devices_fifos_and_huge_files(tmp_path):
    fifo = tmp_path / "fifo.py"
    os.mkfifo(fifo)
    big = tmp_path / "big.py"
    big.write_bytes(b"#" * 101)
    result: list = []

    def read_all() -> None:  # in a thread: a FIFO read would block for ever
        for path in ("/dev/zero", fifo, tmp_path):
            with pytest.raises(SourceFileError) as info:
                read_source(path)
            result.append(str(info.value))

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    reader.join(10)
    assert not reader.is_alive(), "reading a source file hung"
    assert result == [
        "source file /dev/zero is a character device, not a regular file",
        f"source file {fifo} is a FIFO, not a regular file",
        f"source file {tmp_path} is a directory, not a regular file"]
    with pytest.raises(SourceFileError, match="too large to show"):
        read_source(big, limit=100)
    assert read_source(big, limit=101) == "#" * 101


def test_the_validator_names_what_is_wrong():
    assert validate.problem({"kind": "step_end", "seq": 1, "step": 2, "epoch": 0}) is None
    assert validate.problem({"kind": "step_end", "seq": True, "step": 2,
                             "epoch": 0}) == "its seq is True"
    assert validate.problem({"kind": "nonsense", "seq": 1}) == "its kind 'nonsense' is unknown"
    assert validate.problem({"kind": "scalar", "seq": 1, "step": 0, "epoch": 0, "name": "loss",
                             "value": float("nan")}) is None  # a NaN loss is data, not damage
    pack = {"kind": "ops", "seq": 1, "step": 0, "epoch": 0, "mode": "CONCISE_HEALTH",
            "count": 2, "graph": 1, "first": 0, "times": [0.0, 1.0]}
    assert validate.problem(pack) == "field 'times' has 2 items, not 3"


def test_graph_export_refuses_a_graph_event_of_the_wrong_shape():
    from debugger import graph_export

    good = {"kind": "graph", "seq": 1, "graph_id": 1, "function": "f", "trace_count": 1,
            "reason": None, "outputs": [1],
            "nodes": [{"id": 0, "op": "Placeholder", "name": "x", "inputs": [], "outputs": [0]},
                      {"id": 1, "op": "Neg", "name": "Neg", "inputs": [0], "outputs": [1]}]}
    assert len(graph_export.from_graph_event(good)) == 2
    with pytest.raises(ValueError, match=r"not a usable graph event: field 'nodes' \[1\] "
                                         r"'inputs' \[0\] is 'x', not an integer"):
        graph_export.from_graph_event({**good, "nodes": [good["nodes"][0], {
            **good["nodes"][1], "inputs": ["x"]}]})
    with pytest.raises(ValueError, match="its kind is scalar"):
        graph_export.from_graph_event({"kind": "scalar", "seq": 1, "step": 0, "epoch": 0,
                                       "name": "loss", "value": 1.0})


def test_a_trace_that_cannot_be_created_is_one_line(tmp_path, capsys):
    script = tmp_path / "s.py"
    script.write_text("print('hi')\n")
    for output, why in ((tmp_path / "missing" / "t.tsdb",
                         f"the folder {tmp_path / 'missing'} does not exist"),
                        (script / "t.tsdb", "Not a directory")):
        assert main(["record", str(script), "-o", str(output)]) == 2
        assert capsys.readouterr().err == (f"tapescope: error: cannot create the trace "
                                           f"{output}: {why}\n")
    tmp_path.chmod(0o755)
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    done = run_unprivileged(["record", str(script), "-o", str(locked / "t.tsdb")])
    assert done.returncode == 2
    assert done.stderr == (f"tapescope: error: cannot create the trace {locked / 't.tsdb'}: "
                           f"permission denied in {locked}\n")
