"""The trace writer degrades instead of failing the run: a value over SQLite's length limit,
a full disk and the size budget drop tensor values (said once, counted in the trace), and
the events go on being written."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from app.cli import main, parse_size
from debugger.tracefile import DroppedValues, TraceReader, TraceWriter


def step_end(seq: int) -> dict:
    return {"kind": "step_end", "seq": seq, "step": seq, "epoch": 0}


def op(seq: int) -> dict:
    return {"kind": "op", "seq": seq, "step": seq, "epoch": 0, "op": "Mul", "name": "Mul",
            "scope": "", "inputs": [1], "outputs": [2], "shapes": [[125]],
            "dtypes": ["float64"], "file": "t.py", "line": 1, "duration": 0.0,
            "exec": "eager", "summary": None}


def test_a_value_over_sqlites_limit_is_dropped_and_the_rest_kept(tmp_path):
    said: list[str] = []
    trace = tmp_path / "t.tsdb"
    with TraceWriter(trace, value_limit=10_000, warn=said.append) as writer:
        for seq, size in ((1, 100), (2, 10_000), (3, 5), (4, 20_000)):
            writer.write_value(seq, 0, np.ones(size))  # 8 bytes each: 2 and 4 are too big
            writer.write(op(seq))
    with TraceReader(trace) as reader:
        assert [e["seq"] for e in reader.events()] == [1, 2, 3, 4]
        assert reader.value(1).size == 100 and reader.value(3).size == 5
        assert reader.value(2) is None and reader.value(4) is None
        dropped = reader.dropped_values()
        assert dropped == DroppedValues(2, 80_128 + 160_128, 2, 2,
                                        "a value is over SQLite's limit of 9.77 kB")
    assert said == [f"tapescope: warning: a value is over SQLite's limit of 9.77 kB: the "
                    f"value of op #2 (78.2 kB) is not stored in {trace}"]  # once


def test_a_full_disk_drops_values_then_ends_the_trace_without_raising(tmp_path):
    said: list[str] = []
    trace = tmp_path / "t.tsdb"
    writer = TraceWriter(trace, warn=said.append)
    # A full disk, simulated: SQLite refuses to grow the file past a few more pages.
    pages = writer._db.execute("PRAGMA page_count").fetchone()[0]
    writer._db.execute(f"PRAGMA max_page_count={pages + 30}")
    for seq in range(1, 300):  # the calls the probe makes: none of them may raise
        writer.write_value(seq, 0, np.random.default_rng(seq).random(1000))
        writer.write(step_end(seq))
        writer.flush()
    writer.close()
    with TraceReader(trace) as reader:
        seqs = [e["seq"] for e in reader.events()]
        dropped = reader.dropped_values()
        stored = [seq for seq in seqs if reader.value(seq) is not None]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > len(stored) > 0
    assert dropped.reason == "the disk is full" and dropped.first_seq == len(stored) + 1
    assert said[0] == (f"tapescope: warning: the disk is full: tensor values from op "
                       f"#{len(stored) + 1} on are not stored in {trace} (events and health "
                       "still are)")
    assert said[1].startswith(f"tapescope: warning: {trace} is full (database or disk is "
                              f"full): the trace ends before event #{len(seqs) + 1}")
    assert len(said) == 2


FULL_TENSOR_SCRIPT = textwrap.dedent("""\
    import engine as tf

    x = tf.constant([[1.0] * 1000] * 100)  # 400 kB a value
    for step in range(12):
        y = x * 2.0
        z = y + 1.0
        tf.summary.scalar("loss", float(z[0, 0]) - step, step=step)
    print("done")
""")


def test_the_size_budget_stops_values_not_events_and_inspect_says_from_where(tmp_path,
                                                                            capfd):
    script = tmp_path / "big.py"
    script.write_text(FULL_TENSOR_SCRIPT)
    whole, budget = tmp_path / "whole.tsdb", tmp_path / "budget.tsdb"
    assert main(["record", str(script), "-o", str(whole), "--mode", "FULL_TENSOR"]) == 0
    assert main(["record", str(script), "-o", str(budget), "--mode", "FULL_TENSOR",
                 "--max-size", "3M"]) == 0
    err = capfd.readouterr().err
    assert err.count("the size budget of 3 MB was reached: tensor values from op #") == 1
    assert budget.stat().st_size < 3 << 20 < whole.stat().st_size
    with TraceReader(whole) as reader:
        events = list(reader.events())
        assert reader.dropped_values() is None
    with TraceReader(budget) as reader:
        assert [(e["kind"], e["seq"]) for e in reader.events()] == [
            (e["kind"], e["seq"]) for e in events]  # health and scalars all still there
        dropped = reader.dropped_values()
        assert reader.value(dropped.first_seq - 1) is not None
        assert reader.value(dropped.first_seq) is None
    assert main(["inspect", str(budget)]) == 0
    out = capfd.readouterr().out
    assert (f"Values not stored: {dropped.count} tensor values ({dropped.bytes / 2**20:.3g} "
            f"MB), the first of op #{dropped.first_seq} (step {dropped.first_step}): the size "
            "budget of 3 MB was reached") in out
    assert "Values not stored" not in main_out(whole, capfd)


def main_out(trace: Path, capfd) -> str:
    assert main(["inspect", str(trace)]) == 0
    return capfd.readouterr().out


@pytest.mark.parametrize("text, size", [("500M", 500 << 20), ("2G", 2 << 30), ("1.5g", 3 << 29),
                                        ("4096", 4096), ("64KiB", 64 << 10), ("10MB", 10 << 20)])
def test_sizes_read_as_people_write_them(text, size):
    assert parse_size(text) == size


@pytest.mark.parametrize("text", ["", "2X", "-1G", "0", "G"])
def test_a_size_that_is_none_is_refused_in_one_line(tmp_path, capsys, text):
    script = tmp_path / "s.py"
    script.write_text("pass\n")
    with pytest.raises(SystemExit) as exit_info:
        main(["record", str(script), "--max-size", text])
    assert exit_info.value.code == 2
    assert "argument --max-size: " in capsys.readouterr().err


def test_printing_line_by_line_costs_about_what_was_printed(tmp_path):
    """50 MB printed in 50-byte lines made a 190 MB trace: a row and four index entries per
    line. Consecutive lines of a stream are stored as one output event now."""
    trace = tmp_path / "t.tsdb"
    lines = [f"line {i:06d} " + "a" * 36 + "\n" for i in range(40_000)]  # 2 MB
    with TraceWriter(trace) as writer:
        seq = 0
        for i, line in enumerate(lines):
            seq += 1
            writer.write({"kind": "output", "seq": seq, "stream": "stdout", "text": line})
            if i == 20_000:  # another stream in between: it keeps its place
                seq += 1
                writer.write({"kind": "output", "seq": seq, "stream": "stderr", "text": "!\n"})
    with TraceReader(trace) as reader:
        events = list(reader.events())
    text = "".join(lines)
    assert "".join(e["text"] for e in events if e["stream"] == "stdout") == text
    stderr = next(i for i, e in enumerate(events) if e["stream"] == "stderr")
    assert "".join(e["text"] for e in events[:stderr]) == "".join(lines[:20_001])
    assert len(events) < 100 and trace.stat().st_size < 1.2 * len(text)
