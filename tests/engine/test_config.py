"""Engine settings (BLAS threads) and the dispatch hook the debugger attaches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import threadpoolctl

import engine
import engine as tf
from engine import context

REPO = Path(__file__).resolve().parents[2]

_REPORT_BLAS = (
    "import json, threadpoolctl, engine\n"
    "pools = threadpoolctl.threadpool_info()\n"
    "blas = [p['num_threads'] for p in pools if p['user_api'] == 'blas']\n"
    "print(json.dumps({'engine': engine.config.get_blas_threads(), 'blas': blas}))\n"
)


def _python(code: str, **env_overrides: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=60)


# -- BLAS threads --------------------------------------------------------------------------------

def test_blas_runs_on_one_thread_by_default():
    done = _python(_REPORT_BLAS, TAPESCOPE_BLAS_THREADS=None)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["engine"] == 1
    assert report["blas"] and set(report["blas"]) == {1}


def test_tapescope_blas_threads_sets_the_thread_count():
    done = _python(_REPORT_BLAS, TAPESCOPE_BLAS_THREADS="2")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["engine"] == 2
    assert set(report["blas"]) == {2}


def test_an_invalid_thread_count_fails_import_with_a_clear_value_error():
    done = _python("import engine", TAPESCOPE_BLAS_THREADS="many")
    assert done.returncode != 0
    last_line = done.stderr.strip().splitlines()[-1]
    assert last_line == ("ValueError: TAPESCOPE_BLAS_THREADS must be a positive integer, "
                         "got 'many'")


@pytest.mark.parametrize("raw", ["0", "-3", "1.5"])
def test_apply_environment_rejects_non_positive_and_non_integer_counts(monkeypatch, raw):
    monkeypatch.setenv("TAPESCOPE_BLAS_THREADS", raw)
    with pytest.raises(ValueError, match="TAPESCOPE_BLAS_THREADS must be a positive integer"):
        engine.config.apply_environment()


def test_set_blas_threads_limits_blas_in_this_process():
    before = engine.config.get_blas_threads()
    try:
        engine.config.set_blas_threads(2)
        assert engine.config.get_blas_threads() == 2
        blas = [p["num_threads"] for p in threadpoolctl.threadpool_info()
                if p["user_api"] == "blas"]
        assert set(blas) == {2}
    finally:
        engine.config.set_blas_threads(before)
    assert engine.config.get_blas_threads() == before
    with pytest.raises(ValueError, match=">= 1"):
        engine.config.set_blas_threads(0)


# -- the dispatch hook ---------------------------------------------------------------------------

class RecordingHook(engine.context.Hook):
    """Stands in for the debugger's probe: remembers every call the engine makes."""

    def __init__(self) -> None:
        self.ops: list[tuple] = []
        self.variables: list[tuple] = []

    def op_executed(self, op, inputs, outputs, attrs, duration) -> None:
        self.ops.append((op.name, inputs, outputs, attrs, duration))

    def variable_created(self, variable) -> None:
        self.variables.append(("created", variable))

    def variable_updated(self, variable, action) -> None:
        self.variables.append((action, variable))


@pytest.fixture
def hook():
    recorder = RecordingHook()
    previous = context.set_hook(recorder)
    yield recorder
    context.set_hook(previous)


def test_nothing_observes_ops_without_a_hook_or_a_tape():
    assert context.STATE.hook is None
    assert context.STATE.observed is False


def test_the_hook_sees_each_op_once_in_execution_order(hook):
    assert context.STATE.observed is True
    a = tf.constant([1.0, 2.0])
    total = tf.reduce_sum(a * 2.0 + 1.0)
    assert [name for name, *_ in hook.ops] == ["Mul", "AddV2", "Sum"]
    assert total.numpy() == 8.0


def test_the_hook_gets_the_inputs_outputs_and_a_duration(hook):
    a, b = tf.constant([[1, 2]]), tf.constant([[3], [4]])
    product = tf.matmul(a, b)
    [(name, inputs, outputs, attrs, duration)] = hook.ops
    assert name == "MatMul"
    assert inputs[0] is a and inputs[1] is b
    assert len(outputs) == 1 and outputs[0] is product
    assert isinstance(attrs, dict)
    assert isinstance(duration, float) and duration >= 0.0


def test_the_hook_sees_operators_and_ops_recorded_by_a_tape(hook):
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    names = [name for name, *_ in hook.ops]
    assert names[0] == "Mul"  # the forward pass; the backward ops follow it
    assert len(names) > 1
    assert ("created", x) in hook.variables


def test_the_hook_is_told_about_variable_assignments(hook):
    v = tf.Variable(1.0)
    v.assign(2.0)
    v.assign_add(1.0)
    v.assign_sub(0.5)
    assert [(action, var is v) for action, var in hook.variables] == [
        ("created", True), ("assign", True), ("assign_add", True), ("assign_sub", True)]


def test_detaching_the_hook_stops_observation():
    recorder = RecordingHook()
    previous = context.set_hook(recorder)
    assert context.STATE.observed is True
    assert context.set_hook(previous) is recorder
    assert context.STATE.observed is False
    _ = tf.constant(1.0) + tf.constant(2.0)
    assert recorder.ops == []


def test_a_tape_observes_while_it_records_and_stops_when_it_exits():
    assert context.STATE.observed is False
    with tf.GradientTape():
        assert context.STATE.observed is True
    assert context.STATE.observed is False
