"""A traced random op is one kernel with one stream, as in TensorFlow: its draws go on from
call to call whichever way the graph runs (compiled, op by op under a tape or the debugger)
and whichever shape of a ``None`` signature's family runs it."""

from __future__ import annotations

import numpy as np

import engine as tf


def _draws(calls: list) -> list[np.ndarray]:
    tf.random.set_seed(3)

    @tf.function
    def noisy(x):
        return x * tf.random.uniform([3])

    out = []
    for taped in calls:
        if taped:
            with tf.GradientTape():
                out.append(noisy(tf.ones([3])).numpy())
        else:
            out.append(noisy(tf.ones([3])).numpy())
    return out


def test_a_tape_around_a_call_does_not_restart_or_fork_the_stream():
    plain = _draws([False, False, False, False])
    mixed = _draws([False, True, False, True])
    assert len({a.tobytes() for a in plain}) == 4  # each call draws anew
    np.testing.assert_array_equal(np.array(mixed), np.array(plain))


# The shapes of a None signature's family: parity area random_streams (TF's values).


def test_a_random_op_in_a_branch_draws_on_from_one_stream_too():
    def draws(taped_calls: set) -> list[np.ndarray]:
        tf.random.set_seed(5)

        @tf.function
        def f(x, flag):
            if flag > 0:
                return x * tf.random.uniform([2])
            return x

        out = []
        for i in range(4):
            if i in taped_calls:
                with tf.GradientTape():
                    out.append(f(tf.ones([2]), tf.constant(1)).numpy())
            else:
                out.append(f(tf.ones([2]), tf.constant(1)).numpy())
        return out

    plain = draws(set())
    assert len({a.tobytes() for a in plain}) == 4
    np.testing.assert_array_equal(np.array(draws({1, 3})), np.array(plain))
