"""Trace file speed: how many op events per second reach the disk, and what ``write()`` costs.

``write()`` runs on the training thread, so it must cost about what appending the event to a
list costs; JSON encoding and SQLite run on the writer thread (which still competes for the
GIL, so the loop's time includes that). The events are op events as the probe builds them,
with a CONCISE_HEALTH summary.

Run: ``PYTHONPATH=. python tests/benchmarks/bench_tracefile.py``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from debugger import events
from debugger.tracefile import TraceReader, TraceWriter

N_EVENTS = 100_000


def op_events(n: int) -> list[dict]:
    summary = {"shape": [32, 128], "dtype": "float32", "size": 4096, "nan": 0, "neg_inf": 0,
               "pos_inf": 0, "bad": False}
    return [events.make("op", seq, step=seq // 200, epoch=0, op="MatMul",
                        name=f"dense_{seq % 3}/MatMul", scope=f"dense_{seq % 3}",
                        inputs=[seq * 3, seq * 3 + 1], outputs=[seq * 3 + 2],
                        shapes=[[32, 128]], dtypes=["float32"], file="train.py",
                        line=40 + seq % 7, duration=1.2e-5, exec="eager", summary=[summary])
            for seq in range(n)]


def main(n_events: int = N_EVENTS) -> None:
    evts = op_events(n_events)

    best_append = float("inf")
    for _ in range(5):
        kept: list[dict] = []
        start = time.perf_counter()
        for event in evts:
            kept.append(event)
        best_append = min(best_append, time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.trace"
        writer = TraceWriter(path)
        start = time.perf_counter()
        for event in evts:
            writer.write(event)
        calls = time.perf_counter() - start
        writer.flush()
        total = time.perf_counter() - start
        writer.close()
        size = path.stat().st_size
        # The same calls while the writer thread sleeps: write()'s own cost, without the
        # GIL time the thread takes for encoding and SQLite.
        idle = TraceWriter(Path(tmp) / "idle.trace", batch_events=n_events + 1,
                           flush_interval=60.0, max_pending=n_events + 1)
        start = time.perf_counter()
        for event in evts:
            idle.write(event)
        idle_calls = time.perf_counter() - start
        idle.close()
        with TraceReader(path) as reader:
            assert reader.count() == n_events
            start = time.perf_counter()
            read = sum(1 for _ in reader.events())
            reading = time.perf_counter() - start

    print(f"{n_events:,} op events, {size / n_events:.0f} bytes each on disk")
    print(f"written and committed: {n_events / total:,.0f} events/s ({total:.3f} s)")
    print(f"write() calls:         {calls / n_events * 1e9:,.0f} ns each "
          f"({n_events / calls:,.0f} calls/s)")
    print(f"list.append:           {best_append / n_events * 1e9:,.0f} ns each")
    print(f"write() calls, writer thread idle: {idle_calls / n_events * 1e9:,.0f} ns each")
    print(f"overhead ratio write()/append: {calls / best_append:.1f}x while committing, "
          f"{idle_calls / best_append:.1f}x with the writer thread idle")
    print(f"read back:             {read / reading:,.0f} events/s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true",
                        help="2,000 events, to check the script runs (the test suite does)")
    main(2_000 if parser.parse_args().smoke else N_EVENTS)
