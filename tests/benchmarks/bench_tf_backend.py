"""What watching a real TensorFlow run costs: `tapescope record --backend tensorflow` with
CONCISE_HEALTH (and FULL_HEALTH) against a plain run, with tfdbg2's own
``enable_dump_debug_info`` (CONCISE_HEALTH) measured beside it, on the tutorial's MNIST MLP
training loop.

Each variant runs in its own process (TensorFlow's import is not timed: the program times
its compiled and its eager training loop, each after one warm-up step); variants alternate
over rounds and the best of each is kept, so the ratios come from one run side by side.
Without TensorFlow it says so and measures nothing.
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


def _run(command: list[str]) -> dict[str, float]:
    """Seconds of the program's compiled and eager training loops, run by ``command``."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2",
               OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=3600)
    found = dict(re.findall(r"^(compiled|eager) seconds (\d+\.\d+)$", done.stdout,
                            flags=re.MULTILINE))
    if done.returncode != 0 or len(found) != 2:
        raise SystemExit(f"bench_tf_backend: {' '.join(command)} failed:\n{done.stdout}\n"
                         f"{done.stderr[-2000:]}")
    return {kind: float(seconds) for kind, seconds in found.items()}


def measure(steps: dict[str, int], rounds: int, scratch: Path) -> dict[str, dict[str, float]]:
    """variant -> kind -> best seconds; the variants alternate within each round."""
    args = [str(PROGRAM), str(steps["compiled"]), str(steps["eager"])]
    variants = {
        "plain": lambda i: [sys.executable, *args],
        "tapescope CONCISE_HEALTH → trace": lambda i: [
            sys.executable, "-m", "tfdebug.debuggee", "--record", str(scratch / f"{i}.tsdb"),
            "--mode", "CONCISE_HEALTH", *args],
        "tapescope FULL_HEALTH → trace": lambda i: [
            sys.executable, "-m", "tfdebug.debuggee", "--record",
            str(scratch / f"{i}full.tsdb"), "--mode", "FULL_HEALTH", *args],
        "tfdbg2 CONCISE_HEALTH → dump": lambda i: [
            sys.executable, *args, str(scratch / f"dump{i}")],
    }
    best: dict[str, dict[str, float]] = {name: {} for name in variants}
    for i in range(rounds):
        for name, command in variants.items():
            for kind, seconds in _run(command(i)).items():
                best[name][kind] = min(best[name].get(kind, seconds), seconds)
    return best


def main(smoke: bool = False) -> None:
    if importlib.util.find_spec("tensorflow") is None:
        print("TensorFlow is not installed here: nothing measured "
              "(pip install 'tapescope[tensorflow]')")
        return
    steps = {"compiled": 3, "eager": 3} if smoke else {"compiled": 600, "eager": 100}
    rounds = 1 if smoke else 2
    print(f"tutorial MNIST MLP on real TensorFlow, batch 32, 1 thread, best of {rounds}")
    with tempfile.TemporaryDirectory(prefix="bench-tf-") as scratch:
        best = measure(steps, rounds, Path(scratch))
    for kind, label in (("compiled", "@tf.function"), ("eager", "eager")):
        plain = best["plain"][kind]
        print(f"{label}: plain {plain:.3f} s for {steps[kind] - 1} steps")
        for name, seconds in best.items():
            if name != "plain":
                print(f"  {name:34} {seconds[kind]:.3f} s  ratio {seconds[kind] / plain:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="3 steps: checks it runs")
    main(parser.parse_args().smoke)
