"""tf.train.Checkpoint: TensorFlow's file names, a format numpy reads without pickle, and
restores that find their objects by place, not by automatic names. Values are checked
against TensorFlow in tests/engine/parity/cases_keras.py (checkpoint_*)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import engine as tf


def test_files_are_json_and_npz_that_need_no_pickle(tmp_path):
    v = tf.Variable([[1.0, 2.0]])
    path = tf.train.Checkpoint(weights=v).save(tmp_path / "ckpt")
    assert path == str(tmp_path / "ckpt-1")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checkpoint", "ckpt-1.data-00000-of-00001", "ckpt-1.index"]
    index = json.loads((tmp_path / "ckpt-1.index").read_text())["values"]
    assert index["weights"]["shape"] == [1, 2] and index["weights"]["dtype"] == "float32"
    with np.load(tmp_path / "ckpt-1.data-00000-of-00001", allow_pickle=False) as data:
        np.testing.assert_array_equal(data[index["weights"]["entry"]], [[1.0, 2.0]])


def test_restore_of_none_starts_fresh_and_latest_checkpoint_resumes(tmp_path):
    v = tf.Variable(1.0)
    ckpt = tf.train.Checkpoint(v=v)
    ckpt.restore(tf.train.latest_checkpoint(tmp_path)).assert_consumed()  # nothing saved yet
    ckpt.save(tmp_path / "ckpt")
    v.assign(5.0)
    ckpt.restore(tf.train.latest_checkpoint(tmp_path))
    assert v.numpy() == 1.0


def test_optimizer_slots_wait_for_the_optimizer_to_build(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1)])
    opt = tf.keras.optimizers.Adam(0.1)
    opt.build(model.trainable_variables)
    opt.variables[2].assign(np.full((2, 1), 0.5, np.float32))
    path = tf.train.Checkpoint(model=model, optimizer=opt).save(tmp_path / "ckpt")
    fresh = tf.keras.optimizers.Adam(0.1)
    status = tf.train.Checkpoint(model=model, optimizer=fresh).restore(path)
    with pytest.raises(AssertionError, match="slots"):
        status.assert_consumed()  # as in TensorFlow: the slots are not there yet
    status.expect_partial()
    fresh.build(model.trainable_variables)
    np.testing.assert_array_equal(fresh.variables[2].numpy(), np.full((2, 1), 0.5))


def test_a_scheduled_rate_is_not_saved_and_restores_the_rest(tmp_path):
    schedule = tf.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    opt = tf.keras.optimizers.SGD(schedule, momentum=0.9)
    w = tf.Variable([1.0])
    opt.apply_gradients([(tf.constant([1.0]), w)])
    path = tf.train.Checkpoint(opt=opt, w=w).write(str(tmp_path / "plain"))
    again = tf.keras.optimizers.SGD(schedule, momentum=0.9)
    again.build([w])
    tf.train.Checkpoint(opt=again, w=w).read(path).assert_consumed()
    assert again.iterations.numpy() == 1
    np.testing.assert_array_equal(again.variables[1].numpy(), opt.variables[1].numpy())
