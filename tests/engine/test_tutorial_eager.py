"""The eager-execution tutorial's programs print what TensorFlow 2 prints.

``examples/`` holds the tutorial's programs with ``import tensorflow as tf`` replaced by
``import engine as tf``; each is run as a user runs it, in its own Python process.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TUTORIAL = REPO / "tests" / "tutorial"  # a copy of the tutorial's programs


def run_example(name: str) -> list[str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, str(EXAMPLES / name)], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout.splitlines()


@pytest.fixture(scope="module")
def basics_output() -> list[str]:
    return run_example("basics.py")


@pytest.fixture(scope="module")
def linear_regression_output() -> list[str]:
    return run_example("linear_regression.py")


@pytest.mark.parametrize(("example", "tutorial"), [
    ("basics.py", "01_basics.py"),
    ("linear_regression.py", "02_linear_regression.py"),
    ("mnist.py", "03_mnist.py"),
    ("tf_function.py", "04_tf_function.py"),
])
def test_examples_are_the_tutorial_programs_with_only_the_import_changed(example, tutorial):
    original = TUTORIAL / tutorial
    expected = (original.read_text().replace("import tensorflow as tf", "import engine as tf")
                .replace("from tensorflow.keras import", "from engine.keras import"))
    assert (EXAMPLES / example).read_text() == expected


# -- 01: basics ----------------------------------------------------------------------------

def test_basics_prints_the_version_first_as_tensorflow_2_21_prints_it(basics_output):
    made_by = json.loads((Path(__file__).parent / "parity" / "fixtures_arrays.json").read_text())
    assert basics_output[0] == made_by["tensorflow"] == engine.version.VERSION


def test_the_engines_own_build_is_named_apart():
    assert engine.ENGINE_BUILD == f"tapescope {engine.TAPESCOPE_VERSION} (TensorFlow 2.21.0 API)"
    assert engine.version.GIT_VERSION == f"tapescope-{engine.TAPESCOPE_VERSION}"
    pyproject = (REPO / "pyproject.toml").read_text()  # Python 3.10 has no tomllib
    assert re.search(r'^version = "(.*)"$', pyproject, re.M).group(1) == engine.TAPESCOPE_VERSION


def test_basics_prints_that_eager_execution_is_on(basics_output):
    assert basics_output[1] == "True"


def test_basics_prints_the_sum_as_tensorflow_does(basics_output):
    assert basics_output[2] == "tf.Tensor([5 7 9], shape=(3,), dtype=int32)"


def test_basics_prints_the_matrix_product_over_several_lines(basics_output):
    assert basics_output[3:6] == [
        "tf.Tensor(",
        "[[19 22]",
        " [43 50]], shape=(2, 2), dtype=int32)",
    ]


def test_basics_prints_the_sum_as_a_numpy_array_last(basics_output):
    assert basics_output[6:] == ["[5 7 9]"]


# -- 02: linear regression -------------------------------------------------------------------

def _plain_sgd_reference(epochs: int = 100) -> tuple[list[str], float, float, float]:
    """The tutorial's training loop derived by hand in float32 numpy.

    loss = mean((w x + b - y)^2), so dloss/dw = mean(2 (w x + b - y) x) and
    dloss/db = mean(2 (w x + b - y)); SGD subtracts 0.01 times each.
    """
    x = np.array([1, 2, 3, 4, 5], dtype=np.float32)
    y = 2 * x
    w, b, lr = np.float32(0), np.float32(0), np.float32(0.01)
    lines = []
    loss = np.float32(0)
    for epoch in range(epochs):
        error = w * x + b - y
        loss = np.mean(np.square(error))
        grad_w = np.mean(np.float32(2) * error * x)
        grad_b = np.mean(np.float32(2) * error)
        w, b = w - lr * grad_w, b - lr * grad_b
        if epoch % 10 == 0:
            lines.append(f"Epoch {epoch}, Loss: {loss:.4f}, w: {w:.4f}, b: {b:.4f}")
    return lines, float(loss), float(w), float(b)


def test_linear_regression_reference_reaches_the_values_tensorflow_reaches():
    # README of the tutorial: after 100 epochs w = 1.8984, b = 0.3667, loss = 0.0246
    _, loss, w, b = _plain_sgd_reference()
    assert (f"{w:.4f}", f"{b:.4f}", f"{loss:.4f}") == ("1.8984", "0.3667", "0.0246")


def test_linear_regression_first_epoch_matches_the_hand_computed_step(linear_regression_output):
    # w = b = 0: loss = mean(4 x^2) = 44; dw = -4 mean(x^2) = -44; db = -4 mean(x) = -12
    assert linear_regression_output[0] == "Epoch 0, Loss: 44.0000, w: 0.4400, b: 0.1200"


def test_linear_regression_prints_every_tenth_epoch(linear_regression_output):
    expected, _, _, _ = _plain_sgd_reference()
    assert linear_regression_output[:-1] == expected


def test_linear_regression_prints_the_learned_parameters_last(linear_regression_output):
    assert linear_regression_output[-1] == "Learned w: 1.8984, b: 0.3667"
    assert len(linear_regression_output) == 11
