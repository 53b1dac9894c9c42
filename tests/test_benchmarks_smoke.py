"""Every benchmark still runs: each tests/benchmarks/bench_*.py in its ``--smoke`` size.

The benchmarks are scripts the default run ignores (``make bench`` runs them in full), so
nothing else would notice one breaking. A smoke run uses tiny sizes and generated data; it
measures nothing (no timing is asserted), it only shows that the script gets to print every
figure and ratio it reports. It may not read ../shared or the network: ``TAPESCOPE_DATA`` is
an empty folder and any download would go to a dead proxy.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = ROOT / "tests" / "benchmarks"
NUMBER = r"\d[\d,]*\.\d+"  # 1.05, 12,345.6
VERDICT = r"\[(ok|OVER the \d+ ms target)\]"


def _row(name: str, *fields: str) -> str:
    """A table row: ``name`` then the fields, separated by spaces."""
    return r"^" + re.escape(name) + "".join(r"\s+" + f for f in fields) + r"\s*$"


EAGER_CASES = ("a + b, int32[3]", "matmul 2x2 f32", "matmul 100x100 f32")
PROBE_VARIANTS = ("idle (NO_TENSOR)", "CONCISE_HEALTH per op", "FULL_HEALTH per op",
                  "CONCISE_HEALTH live", "  + step values", "CONCISE_HEALTH → trace",
                  "FULL_HEALTH → trace", "CONCISE → trace, break")

# bench file: (lines its smoke run must print (regexes, each matched as often as said))
EXPECTED_LINES: dict[str, list[tuple[str, int]]] = {
    "bench_eager.py": [
        *[(_row(case, NUMBER, NUMBER, NUMBER, "-", "-"), 1) for case in EAGER_CASES],
        *[(_row(f"{case} (in a tape)", NUMBER, NUMBER, NUMBER, "-", "-"), 1)
          for case in EAGER_CASES],
        (_row("linreg tape.gradient", NUMBER, NUMBER, NUMBER, "-", "-"), 1),
        (_row("linreg training step", "nan", NUMBER, "nan", "-", "-"), 1),
    ],
    "bench_data.py": [
        (r"^batch\(32\)\.shuffle\(10000\), one epoch of 63 batches: .* ratio "
         + NUMBER + r"x$", 1),
        (r"^shuffle\(10000\)\.batch\(32\), one epoch of 63 batches: .* ratio "
         + NUMBER + r"x$", 1),
    ],
    "bench_tracefile.py": [
        (r"^2,000 op events, \d+ bytes each on disk$", 1),
        (r"^overhead ratio write\(\)/append: " + NUMBER + r"x while committing, " + NUMBER
         + r"x with the writer thread idle$", 1),
        (r"^read back: +[\d,]+ events/s$", 1),
    ],
    "bench_graph_export.py": [
        (_row("50-node layered graph, full", "50", "50", r"\d+", NUMBER, "1.5", NUMBER), 1),
        (_row("1,000-node tape, auto-collapsed", "1000", r"\d+", r"\d+", NUMBER, "3.0",
              NUMBER), 1),
        (r"^Keras step \(\d+ nodes\), full\s+\d+\s+\d+\s+\d+\s+" + NUMBER + r"\s+-\s+-$", 1),
        (r"^Keras step \(\d+ nodes\), auto\s+\d+\s+\d+\s+\d+\s+" + NUMBER + r"\s+-\s+-$", 1),
    ],
    "bench_probe.py": [
        (r"^@tf\.function: no probe " + NUMBER + r" s \(CPU " + NUMBER + r" s\) for 3 steps$",
         1),
        (r"^eager: no probe " + NUMBER + r" s \(CPU " + NUMBER + r" s\) for 3 steps$", 1),
        *[(r"^  " + re.escape(name) + r"\s+" + NUMBER + r" s  ratio\s+" + NUMBER
           + r"  CPU\s+" + NUMBER + r" s  ratio\s+" + NUMBER + r"  events (\d+|-)$", 2)
          for name in PROBE_VARIANTS],
        (r"^    the client reads it  CPU\s+" + NUMBER + r" s  ratio\s+" + NUMBER
         + r"  \(the window's process\)$", 2),
    ],
    "bench_mnist.py": [
        (r"^BLAS threads: 1 in every variant; one epoch = 10 steps of batch 32$", 1),
        *[(_row(variant, NUMBER, NUMBER, r"\d\.\d{4}", r"\d+"), 1)
          for variant in ("numpy floor", "engine tf.function", "engine eager")],
    ],
    "bench_step_cost.py": [
        (r"^per train step of batch 32, 2 steps after 3 warm-up steps$", 1),
        *[(_row(variant, r"[\d,]+"), 1) for variant in (
            "numpy floor", "engine tf.function", "engine eager", "tf.function → trace",
            "eager → trace")],
    ],
    "bench_tutorial_mnist.py": [  # (its smoke run uses the MNIST sample in tests/data)
        (r"^Epoch 1, Loss: \d+\.\d{4}$", 1),
        (r"^examples/mnist\.py: " + NUMBER + r" s, test accuracy \d\.\d{4}$", 1),
    ],
    "bench_none_signature.py": [
        (r"^load average at the start: " + NUMBER + " " + NUMBER + " " + NUMBER + "$", 1),
        (r"^input_signature \[None\] +first call at a new size +" + NUMBER + r" ms +steady "
         r"step +" + NUMBER + r" ms +Python body ran 2x$", 1),
        (r"^no signature +first call at a new size +" + NUMBER + r" ms +steady step +"
         + NUMBER + r" ms +Python body ran 3x$", 1),
        (r"^ratio signature/none: first call " + NUMBER + ", steady step " + NUMBER + "$", 1),
    ],
    "bench_open_trace.py": [  # (its smoke run uses the MNIST sample in tests/data)
        (r"^load average at the (start|end): " + NUMBER + " " + NUMBER + " " + NUMBER + "$", 2),
        (r"^recorded the tutorial MNIST, 1 epoch\(s\): " + NUMBER + r" s, " + NUMBER
         + r" MB$", 1),
        (r"^open trace \(after\): [\d,]+ rows in " + NUMBER + r" s \(first rows after "
         + NUMBER + r" s\), [\d,]+ ops/s, memory added -?\d+ MB, UI thread CPU " + NUMBER
         + r" s, lateness p50 " + NUMBER + r" ms, p99 " + NUMBER + r" ms, max " + NUMBER
         + r" ms \(UI busy per tick p99 " + NUMBER + r" ms, max " + NUMBER
         + r" ms\)  \[(ok|OVER target)\]$", 1),
        (r"^live window vs record \(after\), 1 epoch CONCISE_HEALTH \([\d,]+ ops\): "
         r"record " + NUMBER
         + r" s, live " + NUMBER + r" s, ratio " + NUMBER + r"x, UI thread CPU " + NUMBER
         + r" s, lateness p50 " + NUMBER + r" ms, p99 " + NUMBER + r" ms, max " + NUMBER
         + r" ms \(UI busy per tick p99 " + NUMBER + r" ms, max " + NUMBER
         + r" ms\)  \[(ok|OVER target)\]$", 1),
    ],
    "bench_gui.py": [
        (r"^append 1,000 ops \(\+ repaint\): median " + NUMBER + " ms, max " + NUMBER
         + r" ms, all 5,000: \d+ ms  " + VERDICT + "$", 1),
        (r"^(filter 'matmul'|filter 'dense_1 relu'|filter NaN/Inf only|clear the filter"
         r"|type in the filter box) +-> +[\d,]+ rows: +" + NUMBER + " ms  " + VERDICT + "$",
         5),
        (r"^scroll to 8 places \(\+ repaint\): median " + NUMBER + " ms, max " + NUMBER
         + " ms  " + VERDICT + "$", 1),
        (r"^jump to first NaN/Inf: " + NUMBER + " ms  " + VERDICT + "$", 1),
        (r"^all 5,000 rows shown after " + NUMBER + r" s .* p99 " + NUMBER + " ms  "
         + VERDICT + "$", 1),
        (r"^10 ms timer lateness: p50 " + NUMBER + " ms, p99 " + NUMBER + " ms, max "
         + NUMBER + " ms  " + VERDICT + "$", 1),
    ],
    # real TensorFlow where it is installed (the [tensorflow] extra), else one line saying so
    "bench_tf_backend.py": [
        (r"^@tf\.function: plain " + NUMBER + r" s for 2 steps$", 1),
        (r"^eager: plain " + NUMBER + r" s for 2 steps$", 1),
        (r"^  (tapescope|tfdbg2) CONCISE_HEALTH → (trace|dump)\s+" + NUMBER + r" s  ratio "
         + NUMBER + "$", 4),
        (r"^  tapescope FULL_HEALTH → trace\s+" + NUMBER + r" s  ratio " + NUMBER + "$", 2),
    ] if importlib.util.find_spec("tensorflow") is not None else [
        (r"^TensorFlow is not installed here: nothing measured", 1)],
}


def test_every_benchmark_has_a_smoke_run():
    assert sorted(p.name for p in BENCHMARKS.glob("bench_*.py")) == sorted(EXPECTED_LINES)


@pytest.mark.parametrize("bench", sorted(EXPECTED_LINES))
def test_benchmark_runs_in_smoke_size_and_prints_its_figures(bench, tmp_path):
    no_data = tmp_path / "no-data"
    no_data.mkdir()
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    dead_proxy = "http://127.0.0.1:9"  # the discard port: a download fails at once
    env = dict(os.environ, PYTHONPATH=str(ROOT), TAPESCOPE_DATA=str(no_data),
               QT_QPA_PLATFORM="offscreen", XDG_RUNTIME_DIR=str(runtime),
               http_proxy=dead_proxy, https_proxy=dead_proxy, HTTP_PROXY=dead_proxy,
               HTTPS_PROXY=dead_proxy, no_proxy="", NO_PROXY="")
    # a guard against a hang, not a speed limit
    # -X faulthandler: a crash (bench_gui once ended in SIGSEGV at exit) prints its stacks
    run = subprocess.run([sys.executable, "-X", "faulthandler", str(BENCHMARKS / bench),
                          "--smoke"], env=env,
                         cwd=str(ROOT), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"{bench} --smoke failed:\n{run.stdout}\n{run.stderr}"
    for pattern, times in EXPECTED_LINES[bench]:
        found = re.findall(pattern, run.stdout, flags=re.MULTILINE)
        assert len(found) == times, (f"{bench} printed {len(found)} lines like {pattern!r}, "
                                     f"not {times}:\n{run.stdout}")
    assert "skipped" not in run.stdout and "Traceback" not in run.stderr
