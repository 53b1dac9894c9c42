"""Step diff on real recordings: per-variable norms and gradient norms of two steps, and the
element-wise difference only where full values are known."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf
from debugger.probe import Probe
from debugger.step_diff import recorded_steps, step_diff
from debugger.step_values import ValueMissing


class Kept:
    """Step values from a dict: (what, step, variable id) -> value."""

    description = "test values"

    def __init__(self, kept: dict) -> None:
        self.kept = kept

    def value(self, what: str, step: int, variable: int) -> np.ndarray:
        found = self.kept.get((what, step, variable))
        if found is None:
            raise ValueMissing(f"no {what} kept")
        return found


def train(mode: str, steps: int = 4):
    """A two-variable linear fit, recorded; the values after each step kept aside."""
    log: list[dict] = []
    kept: dict[tuple[int, int], np.ndarray] = {}
    with Probe(log.append, mode=mode, ring_steps=0):
        w = tf.Variable([[1.0, -2.0], [0.5, 3.0]], name="w")
        b = tf.Variable([0.0, 0.0], name="b")
        x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        opt = tf.keras.optimizers.SGD(0.05)
        grads_seen = []
        for step in range(steps):
            with tf.GradientTape() as tape:
                loss = tf.reduce_sum(tf.square(tf.matmul(x, w) + b))
            grads = tape.gradient(loss, [w, b])
            grads_seen.append([g.numpy() for g in grads])
            opt.apply_gradients(zip(grads, [w, b]))
            for var, grad in ((w, grads[0]), (b, grads[1])):
                kept["weight", step, var._id] = var.numpy().copy()
                kept["gradient", step, var._id] = grad.numpy().copy()
    return log, kept, grads_seen, (w, b)


def test_norms_and_gradient_norms_of_two_steps_come_from_events():
    log, kept, grads, (w, b) = train("CONCISE_HEALTH")
    assert recorded_steps(log) == [0, 1, 2, 3]
    rows = {r.name: r for r in step_diff(log, 0, 3)}
    assert {"w:0", "b:0"} <= set(rows)  # and the optimizer's own variables
    rw = rows["w:0"]
    assert rw.shape == (2, 2)
    assert rw.weight_norm_a == pytest.approx(np.linalg.norm(kept["weight", 0, w._id]), rel=1e-5)
    assert rw.weight_norm_b == pytest.approx(np.linalg.norm(kept["weight", 3, w._id]), rel=1e-5)
    assert rw.norm_change == pytest.approx(rw.weight_norm_b - rw.weight_norm_a)
    assert rw.grad_norm_a == pytest.approx(np.linalg.norm(grads[0][0]), rel=1e-5)
    assert rw.grad_norm_b == pytest.approx(np.linalg.norm(grads[3][0]), rel=1e-5)
    assert rows["b:0"].grad_norm_b == pytest.approx(np.linalg.norm(grads[3][1]), rel=1e-5)
    # without values, nothing pretends to be an element-wise change
    assert rw.max_abs_change is None and rw.difference is None
    assert rw.mean_a is None  # CONCISE_HEALTH has no means; FULL_HEALTH below does


def test_full_values_give_the_difference_and_its_max_abs():
    log, kept, _, (w, b) = train("FULL_HEALTH")
    rows = {r.name: r for r in step_diff(log, 1, 2, values=Kept(kept))}
    rw = rows["w:0"]
    expected = kept["weight", 2, w._id].astype(np.float64) - kept["weight", 1, w._id]
    np.testing.assert_allclose(rw.difference, expected)
    assert rw.max_abs_change == pytest.approx(np.abs(expected).max())
    assert rw.mean_b == pytest.approx(kept["weight", 2, w._id].mean(), rel=1e-5)


def test_a_value_missing_for_one_step_gives_no_difference():
    log, kept, _, (w, b) = train("CONCISE_HEALTH")
    one_step = Kept({key: v for key, v in kept.items() if key[1] == 1})
    rows = step_diff(log, 0, 1, values=one_step)
    assert all(r.difference is None and r.max_abs_change is None for r in rows)
    assert {r.weight_missing for r in rows if r.name == "w:0"} == {"step 0: no weight kept"}


def test_a_step_before_any_update_is_unknown_not_zero():
    log, _, _, _ = train("CONCISE_HEALTH", steps=2)
    ours = ("w:0", "b:0")
    rows = [r for r in step_diff(log, 0, 7) if r.name in ours]  # step 7 never ran:
    assert all(r.grad_norm_b is None and r.weight_norm_b is not None for r in rows)  # step 1's
    later = [e for e in log if e.get("kind") != "variable_update" or e["step"] >= 1]
    rows_b = [r for r in step_diff(later, 0, 1) if r.name in ours]
    assert len(rows_b) == 2
    assert all(r.weight_norm_a is None and r.norm_change is None for r in rows_b)


def test_negative_steps_are_refused():
    with pytest.raises(ValueError, match="steps must be >= 0"):
        step_diff([], -1, 0)
