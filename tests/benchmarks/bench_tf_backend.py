"""What watching a real TensorFlow run costs: `tapescope record --backend tensorflow` with
CONCISE_HEALTH against a plain run, with tfdbg2's own ``enable_dump_debug_info``
(CONCISE_HEALTH) measured beside it, on the tutorial's MNIST MLP training loop.

Each variant runs in its own process (TensorFlow's import is not timed: the program times
its training loop, after one warm-up step); variants alternate over rounds and the best of
each is kept, so the ratios come from one run side by side. Without TensorFlow it says so
and measures nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = Path(__file__).resolve().parent / "tf_mlp_program.py"


def _run(command: list[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    found = re.search(r"train seconds (\d+\.\d+)", done.stdout)
    if done.returncode != 0 or found is None:
        raise SystemExit(f"bench_tf_backend: {' '.join(command)} failed:\n{done.stdout}\n"
                         f"{done.stderr[-2000:]}")
    return float(found[1])


def measure(kind: str, steps: int, rounds: int, scratch: Path) -> dict[str, float]:
    args = [str(PROGRAM), str(steps), kind]
    variants = {
        "plain": lambda i: [sys.executable, *args],
        "tapescope CONCISE_HEALTH → trace": lambda i: [
            sys.executable, "-m", "tfdebug.debuggee", "--record",
            str(scratch / f"{kind}{i}.tsdb"), "--mode", "CONCISE_HEALTH", *args],
        "tfdbg2 CONCISE_HEALTH → dump": lambda i: [
            sys.executable, *args, str(scratch / f"dump-{kind}{i}")],
    }
    best: dict[str, float] = {}
    for i in range(rounds):
        for name, command in variants.items():
            seconds = _run(command(i))
            best[name] = min(best.get(name, seconds), seconds)
    return best


def main(smoke: bool = False) -> None:
    if importlib.util.find_spec("tensorflow") is None:
        print("TensorFlow is not installed here: nothing measured "
              "(pip install 'tapescope[tensorflow]')")
        return
    plan = {"compiled": 3 if smoke else 600, "eager": 3 if smoke else 100}
    rounds = 1 if smoke else 2
    print(f"tutorial MNIST MLP on real TensorFlow, batch 32, 1 thread, best of {rounds}")
    with tempfile.TemporaryDirectory(prefix="bench-tf-") as scratch:
        for kind, steps in plan.items():
            best = measure(kind, steps, rounds, Path(scratch))
            plain = best["plain"]
            label = "@tf.function" if kind == "compiled" else "eager"
            print(f"{label}: plain {plain:.3f} s for {steps - 1} steps")
            for name, seconds in best.items():
                if name != "plain":
                    print(f"  {name:34} {seconds:.3f} s  ratio {seconds / plain:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="3 steps: checks it runs")
    main(parser.parse_args().smoke)
