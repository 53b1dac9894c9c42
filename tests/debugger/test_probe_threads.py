"""The probe watched by several threads at once: a script's worker threads running ops side
by side, and the debuggee's own threads (command reader, pause timer) emitting beside them.
Every event must get its own seq, and the sink must see them in increasing order."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import engine as tf
from debugger.probe import Probe
from debugger.tracefile import TraceReader, TraceWriter

THREADS = 4
STEPS = 150  # per thread; each is four ops and a scalar the thread logs

# (No GradientTape here: the engine's name-scope and tape stacks are one per process, so
# tapes in several threads at once would tangle them: the engine is not thread-safe.)


def train(steps: int, start: threading.Barrier) -> None:
    x = tf.constant(np.ones((4, 4), np.float32))
    w = tf.Variable(np.ones((4, 4), np.float32))
    start.wait()
    for step in range(steps):
        y = tf.reduce_sum(tf.matmul(x, w) * 2.0 + 1.0)
        tf.summary.scalar("y", float(y), step=step)


def run_threads(probe: Probe, chatter: int = 0) -> None:
    """``THREADS`` training threads, and one more emitting ``chatter`` output events as the
    debuggee's reader thread does, all started together."""
    start = threading.Barrier(THREADS + (chatter > 0))

    def talk() -> None:
        start.wait()
        for i in range(chatter):
            probe.emit("output", stream="debugger", text=f"line {i}\n")

    workers = [threading.Thread(target=train, args=(STEPS, start)) for _ in range(THREADS)]
    if chatter:
        workers.append(threading.Thread(target=talk))
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert not worker.is_alive()


def seqs_in_sink_order(log: list[dict]) -> list[int]:
    seqs: list[int] = []
    for event in log:
        count = event["count"] if event["kind"] == "ops" else 1
        seqs.extend(range(event["seq"], event["seq"] + count))
    return seqs


@pytest.mark.parametrize("pack", [False, True], ids=["op events", "packs"])
def test_threads_running_ops_get_unique_increasing_seqs(pack):
    log: list[dict] = []
    with Probe(log.append, pack=pack, ring_steps=2) as probe:
        run_threads(probe, chatter=300)
    seqs = seqs_in_sink_order(log)
    assert seqs == list(range(1, probe.seq + 1))  # unique, increasing, none skipped
    ops = sum(e["count"] if e["kind"] == "ops" else e["kind"] == "op" for e in log)
    assert ops >= THREADS * STEPS * 4  # every thread's ops all came through
    assert sum(e["kind"] == "output" for e in log) == 300


def test_threads_recorded_to_a_trace_give_one_that_validates(tmp_path):
    path = tmp_path / "threads.tsdb"
    log: list[dict] = []

    def sink(event: dict) -> None:
        log.append(event)
        writer.write(event)

    with TraceWriter(path) as writer, Probe(sink, pack=True, ring_steps=0) as probe:
        run_threads(probe)
    with TraceReader(path) as reader:
        assert reader.check() == 0, reader.damage()  # nothing damaged
        seqs = [event["seq"] for event in reader.events()]
    assert seqs == list(range(1, probe.seq + 1)) == seqs_in_sink_order(log)
