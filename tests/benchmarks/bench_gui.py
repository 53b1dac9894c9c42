"""UI benchmark (plain script, offscreen): is the Ops table smooth at 500,000 rows, and does the
window stay responsive while a real training run streams events into it?

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_gui.py [--seconds 20]

Targets: every OpsModel action (append a batch, filter, scroll) < 100 ms; event-loop
lateness p99 < 50 ms while examples/mnist.py streams op events in CONCISE_HEALTH mode (and
while a 500k-op trace loads).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
_SHARED_DATA = ROOT.parent / "shared" / "data"
if "TAPESCOPE_DATA" not in os.environ and _SHARED_DATA.is_dir():
    os.environ["TAPESCOPE_DATA"] = str(_SHARED_DATA)

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QEvent, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

ROWS = 500_000
BATCH = 10_000
TARGET_MS = 100.0
LATENCY_TARGET_MS = 50.0
OP_TYPES = ("MatMul", "BiasAdd", "Relu", "Softmax", "Mean", "Square", "Sub", "Mul")
SCOPES = ("sequential/dense", "sequential/dense_1", "")


class LatenessMeter:
    """How late a 10 ms timer fires: the event loop's responsiveness, as a person feels it.

    Beside it, ``busy``: the UI thread's own CPU time between two ticks (``time.thread_time``).
    Lateness on a shared machine is mostly other processes holding the cores; the CPU the
    window itself spent in one stretch without returning to the loop is not, so it says
    whether a change made the window's own work smaller, whatever the load."""

    INTERVAL_MS = 10

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self.busy: list[float] = []
        self._clock = QElapsedTimer()
        self._last = 0
        self._last_cpu = 0.0
        self._timer = QTimer()
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = self._clock.elapsed()
        cpu = time.thread_time()
        self.lateness.append(max(0.0, now - self._last - self.INTERVAL_MS))
        self.busy.append((cpu - self._last_cpu) * 1000)
        self._last, self._last_cpu = now, cpu

    def start(self) -> None:
        self._clock.start()
        self._last_cpu = time.thread_time()
        self._timer.start()

    def stop(self) -> list[float]:
        """Stop; the lateness of every tick in ms, sorted (``busy`` is sorted too)."""
        self._timer.stop()
        self.busy.sort()
        return sorted(self.lateness)


def percentile(ordered: list[float], q: float) -> float:
    """The q-quantile of sorted values (0 when there are none)."""
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] if ordered else 0.0


def synthetic_ops(count: int) -> list[dict]:
    healthy = [{"shape": [32, 128], "dtype": "float32", "size": 4096, "nan": 0, "neg_inf": 0,
                "pos_inf": 0, "bad": False}]
    broken = [{**healthy[0], "nan": 7, "bad": True}]
    template = {"kind": "op", "epoch": 0, "inputs": [1, 2], "outputs": [3],
                "shapes": [[32, 128]], "dtypes": ["float32"], "file": str(ROOT / "train.py"),
                "duration": 2.5e-5, "exec": "eager"}
    return [{**template, "seq": seq, "step": seq // 60, "op": OP_TYPES[seq % 8],
             "name": OP_TYPES[seq % 8], "scope": SCOPES[seq % 3], "line": 20 + seq % 9,
             "summary": broken if seq == count * 3 // 4 else healthy}
            for seq in range(1, count + 1)]


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1e3


def verdict(ms: float, target: float = TARGET_MS) -> str:
    return "ok" if ms < target else f"OVER the {target:.0f} ms target"


def bench_ops_table(app: QApplication, rows: int = ROWS, batch: int = BATCH) -> None:
    from app.docks.ops_dock import OpsDock
    from app.session import Session

    print(f"== OpsModel / OpsDock with {rows:,} ops")
    start = time.perf_counter()
    ops = synthetic_ops(rows)
    print(f"   (building {rows:,} synthetic op events: {ms_since(start):.0f} ms, not counted)")
    session = Session()
    dock = OpsDock(session)
    dock.resize(1200, 800)
    dock.show()
    app.processEvents()
    model = dock.model

    batch_ms = []
    for first in range(0, rows, batch):
        start = time.perf_counter()
        model.append_ops(ops[first:first + batch])
        app.processEvents()  # the view follows the newest row and repaints
        batch_ms.append(ms_since(start))
    print(f"append {batch:,} ops (+ repaint): median {statistics.median(batch_ms):.1f} ms, "
          f"max {max(batch_ms):.1f} ms, all {rows:,}: {sum(batch_ms):.0f} ms  "
          f"[{verdict(max(batch_ms))}]")
    assert model.rowCount() == rows

    for label, kwargs in (("filter 'matmul'", {"text": "matmul"}),
                          ("filter 'dense_1 relu'", {"text": "dense_1 relu"}),
                          ("filter NaN/Inf only", {"text": "", "only_bad": True}),
                          ("clear the filter", {"text": "", "only_bad": False})):
        start = time.perf_counter()
        model.set_filter(**kwargs)
        app.processEvents()
        elapsed = ms_since(start)
        print(f"{label:<22} -> {model.rowCount():>7,} rows: {elapsed:6.1f} ms  "
              f"[{verdict(elapsed)}]")

    start = time.perf_counter()
    dock.filter_edit.setText("softmax")  # what typing does, through the dock
    app.processEvents()
    elapsed = ms_since(start)
    print(f"{'type in the filter box':<22} -> {model.rowCount():>7,} rows: {elapsed:6.1f} ms  "
          f"[{verdict(elapsed)}]")
    dock.filter_edit.clear()
    app.processEvents()

    bar = dock.view.verticalScrollBar()
    scroll_ms = []
    for fraction in (0.0, 0.25, 0.5, 0.75, 1.0, 0.1, 0.9, 0.33):
        start = time.perf_counter()
        bar.setValue(int(bar.maximum() * fraction))
        dock.view.viewport().repaint()  # paint now: the offscreen platform paints lazily
        app.processEvents()
        scroll_ms.append(ms_since(start))
    print(f"scroll to 8 places (+ repaint): median {statistics.median(scroll_ms):.1f} ms, max "
          f"{max(scroll_ms):.1f} ms  [{verdict(max(scroll_ms))}]")

    start = time.perf_counter()
    dock.jump_to_first_bad()
    app.processEvents()
    elapsed = ms_since(start)
    print(f"jump to first NaN/Inf: {elapsed:.1f} ms  [{verdict(elapsed)}]")
    dock.close()
    dock.deleteLater()
    session.shutdown()




def bench_latency(app: QApplication, seconds: float, script_name: str = "mnist.py",
                  min_ticks: int = 10) -> None:
    """``min_ticks``: fewer timer ticks than this make no percentile worth printing."""
    from app.main_window import MainWindow
    from app.session import FINISHED, PAUSED

    window = MainWindow()
    window.show()
    session = window.session
    script = ROOT / "examples" / script_name
    print(f"== event-loop latency while {script.name} streams (CONCISE_HEALTH), {seconds:g} s")
    if not session.launch(script, mode="CONCISE_HEALTH"):
        print("   could not launch the script")
        return
    deadline = time.monotonic() + 60
    while session.state != PAUSED and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    if session.state != PAUSED:
        print(f"   the debuggee did not start (state {session.state})")
        return

    meter = LatenessMeter()
    events_before = len(session.events)
    # Measured in a real event loop, as the application runs (a hand-made processEvents
    # loop services timers differently).
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    session.runFinished.connect(loop.quit)
    session.run()
    meter.start()
    started = time.monotonic()
    loop.exec()
    lateness = meter.stop()
    elapsed = time.monotonic() - started
    received = len(session.events) - events_before  # events other than ops
    ops = session.op_count
    session.stop()
    deadline = time.monotonic() + 15
    while session.state != FINISHED and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    if len(lateness) < max(min_ticks, 1):
        print("   too few timer ticks to measure")
        return
    p50, p99 = percentile(lateness, 0.5), percentile(lateness, 0.99)
    print(f"received {ops:,} ops ({ops / elapsed:,.0f} ops/s) and {received:,} other events in "
          f"{elapsed:.1f} s, {len(lateness):,} timer ticks")
    print(f"10 ms timer lateness: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {lateness[-1]:.1f} ms  "
          f"[{verdict(p99, LATENCY_TARGET_MS)}]")
    window.close()
    window.deleteLater()


def bench_open_trace(app: QApplication, rows: int = ROWS) -> None:
    """A post-mortem session: how long until a 500k-op trace is in the table, and how
    responsive the window stays meanwhile."""
    import tempfile

    from app.main_window import MainWindow
    from debugger.tracefile import TraceWriter

    print(f"== opening a trace of {rows:,} ops in the window")
    with tempfile.TemporaryDirectory(prefix="tapescope-bench-") as folder:
        trace = Path(folder) / "big.tsdb"
        start = time.perf_counter()
        with TraceWriter(trace) as writer:
            for event in synthetic_ops(rows):
                writer.write(event)
        print(f"   (writing it: {ms_since(start) / 1e3:.1f} s, not counted)")
        window = MainWindow()
        window.show()
        meter = LatenessMeter()
        loop = QEventLoop()
        window.session.stateChanged.connect(lambda state: loop.quit() if state == "trace"
                                            else None)
        start = time.perf_counter()
        meter.start()
        window.open_path(trace)
        loop.exec()
        lateness = meter.stop()
        elapsed = ms_since(start) / 1e3
        shown = window.ops_dock.model.rowCount()
        p99 = percentile(lateness, 0.99)
        print(f"all {shown:,} rows shown after {elapsed:.1f} s ({shown / elapsed:,.0f} ops/s); "
              f"10 ms timer lateness meanwhile: p50 {percentile(lateness, 0.5):.1f} ms, "
              f"p99 {p99:.1f} ms  [{verdict(p99, LATENCY_TARGET_MS)}]")
        window.close()
        window.deleteLater()
        app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0,
                        help="how long to measure latency while MNIST streams")
    parser.add_argument("--skip-latency", action="store_true",
                        help="skip the live MNIST run")
    parser.add_argument("--skip-trace", action="store_true",
                        help="skip opening a 500k-op trace")
    parser.add_argument("--smoke", action="store_true",
                        help="5,000 ops and a second of the built-in demo (no download), "
                             "to check the script runs (the test suite does)")
    args = parser.parse_args()
    rows, batch = (5_000, 1_000) if args.smoke else (ROWS, BATCH)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    bench_ops_table(app, rows, batch)
    if not args.skip_trace:
        bench_open_trace(app, rows)
    if not args.skip_latency:
        if args.smoke:
            bench_latency(app, min(args.seconds, 1.0), "spirals.py", min_ticks=1)
        else:
            bench_latency(app, args.seconds)
    # The closed windows are deleted (deleteLater) before the interpreter tears Qt down, as
    # the application's own event loop would: a run once ended in SIGSEGV at exit.
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    app.processEvents()


if __name__ == "__main__":
    main()
