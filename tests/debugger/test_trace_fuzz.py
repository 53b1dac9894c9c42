"""Fuzzing the trace reader and the commands that read traces: a few hundred seeded
mutations of real traces (flipped bytes, cut files, deleted and duplicated rows, JSON values
of the wrong type or shape, deep nesting, damaged index columns and meta). Each must give a
result or a clear message: never a traceback, never a hang."""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from train_step_script import TRAIN_STEP_HEAD

from app.cli import main
from debugger.probe import Probe
from debugger.tracefile import TraceFileError, TraceReader, TraceWriter

ROOT = Path(__file__).resolve().parents[2]
CASES = 240
HANG_SECONDS = 20  # per case: a guard against hangs, far above what a case takes

SCRIPT = TRAIN_STEP_HEAD + """\
    train_step(x, y)
    with tf.GradientTape() as tape:
        eager = tf.reduce_sum(tf.math.log(w))  # NaN: log of a negative weight
    tape.gradient(eager, [w])
    print("step", step)
"""


def record(script: Path, trace: Path, mode: str) -> Path:
    """In this process: the probe writing ``script``'s run into ``trace``."""
    import runpy

    with TraceWriter(trace, meta={"script": str(script), "mode": mode}) as writer:
        with Probe(writer.write, mode=mode, value_sink=writer.write_value):
            runpy.run_path(str(script), run_name="__main__")
    return trace


@pytest.fixture(scope="module")
def originals(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    script = folder / "train.py"
    script.write_text(SCRIPT)
    return [record(script, folder / f"{mode}.tsdb", mode)
            for mode in ("CONCISE_HEALTH", "FULL_TENSOR")]


DEEP = "__deep__"  # stands for 100,000 nested lists, spliced in by dumps()
WRONG_VALUES = [None, "abc", -1, 5, 1e308, float("nan"), [], {}, [1, "x"], {"a": None}, True,
                DEEP, 2**70]


def wrong_value(rng: random.Random):
    return rng.choice(WRONG_VALUES)


def replace_somewhere(node, rng: random.Random):
    """``node`` with one value somewhere inside replaced by a wrong one."""
    if isinstance(node, dict) and node and rng.random() < 0.8:
        key = rng.choice(list(node))
        if rng.random() < 0.2:
            del node[key]
        else:
            node[key] = replace_somewhere(node[key], rng)
        return node
    if isinstance(node, list) and node and rng.random() < 0.8:
        i = rng.randrange(len(node))
        node[i] = replace_somewhere(node[i], rng)
        return node
    return wrong_value(rng)


def dumps(value) -> str:
    return json.dumps(value).replace(f'"{DEEP}"', "[" * 100_000 + "]" * 100_000)


def mutate(path: Path, rng: random.Random) -> str:
    """Damage the trace at ``path`` one way; what was done."""
    how = rng.choice(["flip", "truncate", "delete", "duplicate", "json", "json", "json",
                      "column", "meta"])
    if how in ("flip", "truncate"):
        data = bytearray(path.read_bytes())
        if how == "flip":
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        else:
            data = data[:rng.randrange(len(data))]
        path.write_bytes(bytes(data))
        return how
    db = sqlite3.connect(path)
    seqs = [seq for (seq,) in db.execute("SELECT seq FROM events")]
    seq = rng.choice(seqs)
    if how == "delete":
        doomed = rng.sample(seqs, rng.randint(1, 5))
        db.executemany("DELETE FROM events WHERE seq = ?", [(s,) for s in doomed])
    elif how == "duplicate":
        top = max(seqs)
        for i in range(rng.randint(1, 3)):
            db.execute("INSERT INTO events SELECT ? + seq, kind, step, epoch, op, name, bad, "
                       "body, n FROM events WHERE seq = ?", (top + i + 1 - seq, seq))
    elif how == "json":
        (body,) = db.execute("SELECT body FROM events WHERE seq = ?", (seq,)).fetchone()
        event = replace_somewhere(json.loads(body), rng)
        db.execute("UPDATE events SET body = ? WHERE seq = ?", (dumps(event), seq))
    elif how == "column":
        column = rng.choice(["kind", "step", "epoch", "op", "name", "bad", "n", "body"])
        value = rng.choice(["x", -5, 0, 10**12, None, 3.5, b"\x00\xff", "ops", "graph"])
        if column in ("kind", "body", "bad", "n") and value is None:
            value = "x"  # NOT NULL columns
        db.execute(f"UPDATE events SET {column} = ? WHERE seq = ?", (value, seq))
    else:
        key = rng.choice([k for (k,) in db.execute("SELECT key FROM meta")])
        db.execute("UPDATE meta SET value = ? WHERE key = ?",
                   (dumps(wrong_value(rng)) if rng.random() < 0.8 else "{bad json", key))
    db.commit()
    db.close()
    return f"{how} at #{seq}"


class Hang(Exception):
    pass


def _hang(*_args) -> None:
    raise Hang(f"a case ran over {HANG_SECONDS} s")


def run_cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, err.getvalue()


def read_everything(path: Path) -> None:
    """The Qt-free reading the window does: opening, every event, the queries, values."""
    try:
        reader = TraceReader(path)
    except (TraceFileError, FileNotFoundError):
        return
    with reader:
        try:
            for event in reader.events():
                if event["kind"] == "op":
                    reader.value(event["seq"])
            reader.kind_counts(), reader.steps(), reader.scalars(), reader.graphs()
            reader.first_bad_op(), reader.bad_ops(), reader.dropped_values(), reader.last_seq()
        except TraceFileError:
            pass  # a clear message: damaged past the point of reading on


def test_mutated_traces_give_a_result_or_a_clear_message(originals, tmp_path):
    rng = random.Random(13)
    previous = signal.signal(signal.SIGALRM, _hang)
    seen: dict[int, int] = {}
    try:
        for case in range(CASES):
            original = originals[case % len(originals)]
            path = tmp_path / f"case{case}.tsdb"
            shutil.copy(original, path)
            what = mutate(path, rng)
            signal.alarm(HANG_SECONDS)
            try:
                read_everything(path)
                for argv in (["inspect", str(path)],
                             ["export-graph", str(path), "-o", str(tmp_path / "g.dot")],
                             ["export-graph", str(path), "--step", "1", "-o",
                              str(tmp_path / "s.dot")]):
                    code, err = run_cli(argv)
                    assert code in (0, 2, 3), (what, argv, code, err)
                    lines = err.splitlines()
                    assert all(line.startswith(("tapescope: ", "wrote ")) for line in lines) \
                        and len(lines) <= 2, (what, argv, err)
                    seen[code] = seen.get(code, 0) + 1
            except Exception as exc:
                raise AssertionError(f"case {case} ({what}) raised {exc!r}") from exc
            finally:
                signal.alarm(0)
            path.unlink()
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert seen.get(3, 0) > CASES // 4 and seen.get(0, 0) > 0  # damage found and reported


def test_mutated_traces_through_the_command_in_a_process(originals, tmp_path):
    rng = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for case in range(3):
        path = tmp_path / f"case{case}.tsdb"
        shutil.copy(originals[case % 2], path)
        what = mutate(path, rng)
        done = subprocess.run([sys.executable, "-m", "app.cli", "inspect", str(path)],
                              capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode in (0, 2, 3) and "Traceback" not in done.stderr, (what, done)
