"""Window speed (issue 12): open the tutorial's 5-epoch MNIST trace, and run it live.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_open_trace.py \
        [--repeat 3] [--before ../main] [--smoke]

1. Records tests/tutorial/03_mnist.py (5 epochs, ~480,000 ops; MNIST from $TAPESCOPE_DATA,
   else ../shared/data) with ``tapescope record`` in CONCISE_HEALTH.
2. Opens that trace in the main window, in a fresh process per try, until the Ops table
   shows every row and the graph is drawn: seconds, when the first rows showed, memory
   added (RSS after minus RSS of the empty window) and the 10 ms timer's lateness meanwhile
   (p50/p99/max). ``--before TREE`` runs the same measurement on another checkout (the code
   before the change) side by side, alternated.
3. Live: the same program for one epoch under ``tapescope record`` and in a live window
   session (CONCISE_HEALTH), alternated: the ratio of their wall times, and the lateness.

On a machine shared with other work, absolute figures swing 2-3x between runs: compare the
trees of one run (they alternate, so the load hits both). Beside each lateness, "UI busy per
tick" is the UI thread's own CPU time between two ticks of the timer (p99, max): the window's
longest stretches of work, which the load average (printed at the start and the end) does not
stretch as it does the wall-clock lateness.

Targets: open < 3 s with < 300 MB added; live <= 1.2x record; lateness p99 < 50 ms.
``--smoke``: one epoch on the small MNIST of tests/data, one try (the suite runs it).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TUTORIAL = ROOT / "tests" / "tutorial" / "03_mnist.py"
OPEN_TARGET_S = 3.0
MEMORY_TARGET_MB = 300.0
LIVE_TARGET_RATIO = 1.2
LATENESS_TARGET_MS = 50.0


def rss_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def child_env(tree: Path, data: str) -> dict[str, str]:
    return dict(os.environ, PYTHONPATH=str(tree), TAPESCOPE_DATA=data, OPENBLAS_NUM_THREADS="1",
                QT_QPA_PLATFORM="offscreen")


def program(epochs: int, folder: Path) -> Path:
    """The tutorial's MNIST program, training ``epochs`` epochs."""
    script = folder / f"mnist_{epochs}.py"
    script.write_text(TUTORIAL.read_text().replace("range(5)", f"range({epochs})"))
    return script


def record(script: Path, trace: Path, tree: Path, data: str) -> float:
    trace.unlink(missing_ok=True)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "app.cli", "record", "-o", str(trace), "--mode",
                    "CONCISE_HEALTH", str(script)], env=child_env(tree, data),
                   cwd=script.parent, check=True, capture_output=True)
    return time.perf_counter() - start


def measure(what: str, path: Path, tree: Path, data: str) -> dict:
    """Run ``--measure-open``/``--measure-live`` in a fresh process on ``tree``'s code."""
    done = subprocess.run([sys.executable, str(Path(__file__)), f"--measure-{what}", str(path),
                           "--tree", str(tree)], env=child_env(tree, data), cwd=path.parent,
                          capture_output=True, text=True)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"measuring {what} on {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(lines[-1])


# -- in the measuring process ------------------------------------------------------------------
def _window():
    from PySide6.QtWidgets import QApplication

    from app.main_window import MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    return app, window


def measure_open(trace: Path) -> dict:
    from bench_gui import LatenessMeter, percentile
    from PySide6.QtCore import QEventLoop, QTimer

    app, window = _window()
    gc.collect()
    before = rss_mb()
    session = window.session
    meter = LatenessMeter()
    loop = QEventLoop()
    marks: dict[str, float] = {}
    model = window.ops_dock.model
    model.rowsInserted.connect(lambda *_: marks.setdefault("first rows", time.perf_counter()))
    session.stateChanged.connect(lambda state: marks.setdefault(state, time.perf_counter()))
    start = time.perf_counter()
    cpu = time.thread_time()
    meter.start()
    window.open_path(trace)
    deadline = time.monotonic() + 600

    def check() -> None:
        graph = window.graph_dock
        drawn = graph.view.graph is not None or time.monotonic() > deadline
        if session.state == "trace" and not session._inbox and drawn:
            loop.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(5)
    loop.exec()
    seconds = time.perf_counter() - start
    lateness = meter.stop()
    rows = window.ops_dock.model.rowCount()
    gc.collect()
    after = rss_mb()
    return {"seconds": seconds, "rows": rows, "added_mb": after - before,
            "p50": percentile(lateness, 0.5), "p99": percentile(lateness, 0.99),
            "max": lateness[-1] if lateness else 0.0, "ops": session.op_count,
            "ui_cpu": time.thread_time() - cpu, **busy_figures(meter),
            "marks": {k: round(v - start, 2) for k, v in marks.items()}}


def measure_live(script: Path) -> dict:
    from bench_gui import LatenessMeter, percentile
    from PySide6.QtCore import QEventLoop, QTimer

    app, window = _window()
    session = window.session
    meter = LatenessMeter()
    loop = QEventLoop()
    start = time.perf_counter()
    cpu = time.thread_time()
    meter.start()
    session.launch(script, mode="CONCISE_HEALTH", run=True)

    def check() -> None:
        if session.state == "finished" and not session._inbox:
            loop.quit()

    poll = QTimer()
    poll.timeout.connect(check)
    poll.start(5)
    QTimer.singleShot(900_000, loop.quit)
    loop.exec()
    seconds = time.perf_counter() - start
    lateness = meter.stop()
    result = {"seconds": seconds, "ops": session.op_count, "p50": percentile(lateness, 0.5),
              "p99": percentile(lateness, 0.99), "max": lateness[-1] if lateness else 0.0,
              "ui_cpu": time.thread_time() - cpu, **busy_figures(meter)}
    session.shutdown()
    return result


def busy_figures(meter) -> dict:
    """The UI thread's CPU ms between two timer ticks (p99, max): its own longest stretches of
    work, which the machine's load does not lengthen as it does the lateness."""
    from bench_gui import percentile

    return {"busy_p99": percentile(meter.busy, 0.99),
            "busy_max": meter.busy[-1] if meter.busy else 0.0}


def spread(values: list[float], unit: str = "", digits: int = 2) -> str:
    low, high = min(values), max(values)
    return (f"{low:.{digits}f}{unit}" if len(values) == 1 or high - low < 10**-digits
            else f"{low:.{digits}f}-{high:.{digits}f}{unit}")


def lateness_text(runs: list[dict]) -> str:
    """The timer's lateness over tries, "p50 a, p99 b, max c", then the UI thread's own CPU
    between ticks, "(UI busy per tick p99 d, max e)" (each a spread)."""
    late = ", ".join(f"{key} {spread([r.get(key, 0.0) for r in runs], ' ms', 1)}"
                     for key in ("p50", "p99", "max"))
    busy = ", max ".join(spread([r.get(key, 0.0) for r in runs], " ms", 1)
                         for key in ("busy_p99", "busy_max"))
    return f"{late} (UI busy per tick p99 {busy})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--before", type=Path, help="another checkout to measure beside")
    parser.add_argument("--skip-live", action="store_true")
    parser.add_argument("--skip-open", action="store_true")
    parser.add_argument("--measure-open", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure-live", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure_open or args.measure_live:
        sys.path.insert(0, str(HERE))
        import bench_gui  # noqa: F401  (it puts this tree first on the path: --tree goes before)

        sys.path.insert(0, str(args.tree or ROOT))
        import app

        result = (measure_open(args.measure_open) if args.measure_open
                  else measure_live(args.measure_live))
        result["code"] = str(Path(app.__file__).parents[1])
        print(json.dumps(result))
        return

    if args.smoke:
        data, epochs, repeat = str(ROOT / "tests" / "data"), 1, 1
    else:
        data = os.environ.get("TAPESCOPE_DATA", str(ROOT.parent / "shared" / "data"))
        epochs, repeat = 5, max(1, args.repeat)
    print("load average at the start: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    trees = [("after", ROOT)] + ([("before", args.before.resolve())] if args.before else [])
    with tempfile.TemporaryDirectory(prefix="tapescope-bench-") as scratch:
        folder = Path(scratch)
        trace = folder / "mnist.tsdb"
        if args.skip_open:
            repeat_open = 0
        else:
            repeat_open = repeat
            seconds = record(program(epochs, folder), trace, ROOT, data)
            print(f"recorded the tutorial MNIST, {epochs} epoch(s): {seconds:.1f} s, "
                  f"{trace.stat().st_size / 2**20:.1f} MB")
        results: dict[str, list[dict]] = {name: [] for name, _ in trees}
        for _ in range(repeat_open):  # alternated, so that the machine's noise hits both
            for name, tree in trees:
                result = measure("open", trace, tree, data)
                assert Path(result["code"]) == tree, f"measured {result['code']}, not {tree}"
                results[name].append(result)
        for name, _ in trees if repeat_open else ():
            runs = results[name]
            worst_s = max(r["seconds"] for r in runs)
            worst_mb = max(r["added_mb"] for r in runs)
            verdict = ("ok" if worst_s < OPEN_TARGET_S and worst_mb < MEMORY_TARGET_MB
                       else "OVER target")
            first = [r["marks"].get("first rows", r["seconds"]) for r in runs]
            print(f"open trace ({name}): {runs[0]['rows']:,} rows in "
                  f"{spread([r['seconds'] for r in runs], ' s')} (first rows after "
                  f"{spread(first, ' s')}), {runs[0]['rows'] / worst_s:,.0f} ops/s, memory "
                  f"added {spread([r['added_mb'] for r in runs], ' MB', 0)}, UI thread CPU "
                  f"{spread([r['ui_cpu'] for r in runs], ' s', 1)}, lateness "
                  f"{lateness_text(runs)}  [{verdict}]")
        if len(trees) == 2 and repeat_open:
            ratios = [b["seconds"] / a["seconds"]
                      for a, b in zip(results["after"], results["before"])]
            print(f"open trace speed-up after/before: {spread(ratios, 'x', 1)}")

        if args.skip_live:
            print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
            return
        script = program(1, folder)
        live_trace = folder / "live.tsdb"
        records: list[float] = []
        lives: dict[str, list[dict]] = {name: [] for name, _ in trees}
        for _ in range(repeat):  # record and each tree's live run, one after the other
            records.append(record(script, live_trace, ROOT, data))
            for name, tree in trees:
                lives[name].append(measure("live", script, tree, data))
        for name, _ in trees:
            runs = lives[name]
            ratios = [run["seconds"] / recorded for run, recorded in zip(runs, records)]
            p99s = [run["p99"] for run in runs]
            verdict = ("ok" if max(ratios) <= LIVE_TARGET_RATIO
                       and max(p99s) < LATENESS_TARGET_MS else "OVER target")
            print(f"live window vs record ({name}), 1 epoch CONCISE_HEALTH "
                  f"({runs[0]['ops']:,} ops): record {spread(records, ' s')}, live "
                  f"{spread([run['seconds'] for run in runs], ' s')}, ratio "
                  f"{spread(ratios, 'x')}, UI thread CPU "
                  f"{spread([run.get('ui_cpu', 0.0) for run in runs], ' s', 1)}, lateness "
                  f"{lateness_text(runs)}  [{verdict}]")
    print("load average at the end: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
