"""The tutorial's MNIST program on the full data: what TensorFlow reaches, and how fast.

The suite runs ``examples/mnist.py`` on the 2,000-image sample the repository ships; the
full-data claims live here: the loader returns the original files exactly (60,000 + 10,000
images, the published md5 of the uncompressed training images), and the tutorial's 5 epochs
reach TensorFlow's test accuracy (0.97-0.98). Data: ``$TAPESCOPE_DATA`` (``make bench`` points
it at ../shared/data when that exists) or the download. ``--smoke`` runs one epoch on the
sample instead (the suite does that so this file cannot rot).
"""

from __future__ import annotations

import hashlib
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TRAIN_IMAGES_MD5 = "6bbc9ace898e44ae57da46a324031adb"  # MNIST's own SOURCE: uncompressed file
TARGET_ACCURACY = 0.97  # TensorFlow 2 after the tutorial's 5 epochs: 0.97-0.98


def check_full_files() -> str:
    from engine.keras import datasets

    (x_train, y_train), (x_test, y_test) = datasets.mnist.load_data()
    digest = hashlib.md5(struct.pack(">IIII", 2051, *x_train.shape) + x_train.tobytes())
    ok = (x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
          and digest.hexdigest() == TRAIN_IMAGES_MD5)
    return "ok" if ok else f"WRONG: shapes {x_train.shape} {x_test.shape}, md5 {digest.hexdigest()}"


def main() -> None:
    smoke = "--smoke" in sys.argv
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    source = (ROOT / "examples" / "mnist.py").read_text()
    if smoke:
        env["TAPESCOPE_DATA"] = str(ROOT / "tests" / "data")
        source = source.replace("range(5)", "range(1)")
    else:
        env.setdefault("TAPESCOPE_DATA", str(ROOT.parent / "shared" / "data"))
        os.environ["TAPESCOPE_DATA"] = env["TAPESCOPE_DATA"]
        print(f"full MNIST files (60,000 + 10,000, published md5): {check_full_files()}")
    with tempfile.TemporaryDirectory() as scratch:  # the program saves its model here
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                              env=env, cwd=scratch)
        seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"examples/mnist.py failed:\n{proc.stderr}")
    lines = proc.stdout.splitlines()
    print("\n".join(lines[:-1]))
    accuracy = float(lines[-1].split(": ")[1])
    verdict = "" if smoke else ("  (TensorFlow: 0.97-0.98) ok" if accuracy >= TARGET_ACCURACY
                                else f"  BELOW TensorFlow's {TARGET_ACCURACY}")
    print(f"examples/mnist.py: {seconds:.1f} s, test accuracy {accuracy:.4f}{verdict}")


if __name__ == "__main__":
    main()
