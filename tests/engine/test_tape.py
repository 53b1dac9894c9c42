"""GradientTape as the TensorFlow 2 guides use it ("Introduction to gradients and automatic
differentiation", "Advanced automatic differentiation"), checked against derivatives
worked out by hand."""

from __future__ import annotations

import math
import os
import sys
import warnings

import numpy as np
import pytest

import engine as tf


def _values(t):
    return np.asarray(t.numpy(), dtype=np.float64)


# -- recording and watching -------------------------------------------------------------------

def test_gradient_of_x_squared():
    x = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = x**2
    dy_dx = tape.gradient(y, x)
    assert dy_dx.dtype == tf.float32
    assert dy_dx.numpy() == 6.0


def test_gradients_for_a_list_of_variables_as_in_linear_regression():
    w = tf.Variable([[1.0], [2.0]])
    b = tf.Variable(0.5)
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        y = x @ w + b
        loss = tf.reduce_mean(y**2)
    dw, db = tape.gradient(loss, [w, b])
    # y = [5.5, 11.5]; dloss/dy = y (mean of 2 squares); dw = x^T y; db = sum(y)
    assert dw.shape == (2, 1)
    np.testing.assert_allclose(_values(dw), [[5.5 + 3 * 11.5], [2 * 5.5 + 4 * 11.5]])
    np.testing.assert_allclose(_values(db), 17.0)


def test_trainable_variables_are_watched_automatically_but_not_others():
    trainable = tf.Variable(2.0)
    frozen = tf.Variable(2.0, trainable=False)
    constant = tf.constant(2.0)
    with tf.GradientTape() as tape:
        y = trainable * frozen * constant
    grads = tape.gradient(y, [trainable, frozen, constant])
    assert grads[0].numpy() == 4.0
    assert grads[1] is None
    assert grads[2] is None
    assert tape.watched_variables() == (trainable,)


def test_watch_makes_a_constant_a_source():
    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    assert tape.gradient(y, x).numpy() == 6.0


def test_watch_accessed_variables_false_watches_only_what_is_asked():
    a, b = tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(a)
        y = a * b
    da, db = tape.gradient(y, [a, b])
    assert da.numpy() == 3.0
    assert db is None
    assert "watch_accessed_variables=False" in tape.none_gradient_reasons[1]


def test_watched_variables_lists_the_variables_read_in_creation_order():
    # TensorFlow's tape keeps them in a set ordered by variable id, not by first use
    first, second, unused = tf.Variable(1.0), tf.Variable(2.0), tf.Variable(3.0)
    with tf.GradientTape() as tape:
        _ = second * 2.0
        _ = first + second
    watched = tape.watched_variables()
    assert len(watched) == 2
    assert watched[0] is first and watched[1] is second
    assert not any(v is unused for v in watched)


def test_reset_also_forgets_the_watched_variables():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        tape.watch(a)
        tape.reset()
        tape.watch(b)
        assert tape.watched_variables() == (b,)


def test_watching_an_integer_tensor_warns_and_gives_no_gradient():
    x = tf.constant(3)
    with tf.GradientTape() as tape, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tape.watch(x)
        y = x * x
    assert any("must be floating" in str(w.message) for w in caught)
    assert tape.gradient(y, x) is None


def test_a_non_persistent_tape_gives_one_set_of_gradients():
    x = tf.Variable(1.0)
    with tf.GradientTape() as tape:
        y = x * x
    tape.gradient(y, x)
    with pytest.raises(RuntimeError, match="A non-persistent GradientTape can only be used to "
                       "compute one set of gradients"):
        tape.gradient(y, x)


def test_a_persistent_tape_gives_many():
    x = tf.constant(3.0)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    assert tape.gradient(z, x).numpy() == 108.0  # 4 x^3
    assert tape.gradient(y, x).numpy() == 6.0
    assert tape.gradient(z, y).numpy() == 18.0  # 2 y
    del tape


def test_stop_recording_leaves_ops_out_of_the_gradient():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = x * x
        with tape.stop_recording():
            z = x * x * x  # a constant as far as the tape knows
        total = y + z
    assert total.numpy() == 12.0
    assert tape.gradient(total, x).numpy() == 4.0  # d(x^2) only


def test_reset_forgets_what_was_recorded():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        loss = x * x
        tape.reset()
        loss += 5.0 * x
    assert tape.gradient(loss, x).numpy() == 5.0


def test_assigning_a_variable_after_the_forward_pass_does_not_change_its_gradient():
    w = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = w * w
    w.assign(100.0)
    assert tape.gradient(y, w).numpy() == 6.0  # 2 * the value the multiply read


def test_each_read_of_a_variable_keeps_the_value_it_read():
    w = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        before = w * w
        w.assign(5.0)
        after = w * w
        total = before + after
    assert total.numpy() == 34.0
    assert tape.gradient(total, w).numpy() == 16.0  # 2*3 + 2*5


# -- targets, sources and their structure ------------------------------------------------------

def test_sources_in_nested_lists_and_dicts_keep_their_structure():
    a = tf.Variable([1.0, 2.0])
    b = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(a * b)
    grads = tape.gradient(y, {"weights": a, "more": [b, (a,)]})
    assert set(grads) == {"weights", "more"}
    assert isinstance(grads["more"], list) and isinstance(grads["more"][1], tuple)
    np.testing.assert_allclose(_values(grads["weights"]), [3.0, 3.0])
    np.testing.assert_allclose(_values(grads["more"][0]), 3.0)
    np.testing.assert_allclose(_values(grads["more"][1][0]), [3.0, 3.0])


def test_a_list_of_targets_is_differentiated_as_their_sum():
    x = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y1 = x * x
        y2 = 3.0 * x
    assert tape.gradient([y1, y2], x).numpy() == 7.0


def test_a_non_scalar_target_is_summed():
    x = tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        y = x * x
    np.testing.assert_allclose(_values(tape.gradient(y, x)), [2.0, 4.0, 6.0])


def test_output_gradients_weight_the_target():
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = x * x
    g = tape.gradient(y, x, output_gradients=tf.constant([1.0, 10.0]))
    np.testing.assert_allclose(_values(g), [2.0, 40.0])


@pytest.mark.parametrize("mode", [tf.UnconnectedGradients.ZERO, "zero"])
def test_unconnected_gradients_zero_gives_zeros_of_the_source_shape(mode):
    used, unused = tf.Variable(2.0), tf.Variable([1.0, 2.0])
    with tf.GradientTape() as tape:
        y = used * 2.0
    g_used, g_unused = tape.gradient(y, [used, unused], unconnected_gradients=mode)
    assert g_used.numpy() == 2.0
    assert g_unused.dtype == tf.float32
    assert g_unused.numpy().tolist() == [0.0, 0.0]


# -- higher-order gradients --------------------------------------------------------------------

def test_nested_tapes_give_second_and_third_derivatives_of_x_cubed():
    x = tf.Variable(2.0)
    with tf.GradientTape() as t3:
        with tf.GradientTape() as t2:
            with tf.GradientTape() as t1:
                y = x**3
            dy = t1.gradient(y, x)
        d2y = t2.gradient(dy, x)
    d3y = t3.gradient(d2y, x)
    assert dy.numpy() == 12.0  # 3 x^2
    assert d2y.numpy() == 12.0  # 6 x
    assert d3y.numpy() == 6.0  # 6


def test_nested_tapes_on_exp_give_exp_at_every_order():
    x = tf.constant(0.7)
    with tf.GradientTape() as t2:
        t2.watch(x)
        with tf.GradientTape() as t1:
            t1.watch(x)
            y = tf.exp(x)
        dy = t1.gradient(y, x)
    d2y = t2.gradient(dy, x)
    np.testing.assert_allclose(_values(dy), math.exp(0.7), rtol=1e-6)
    np.testing.assert_allclose(_values(d2y), math.exp(0.7), rtol=1e-6)


def test_nested_tapes_on_tanh():
    x = tf.constant(0.5)
    with tf.GradientTape() as t3:
        t3.watch(x)
        with tf.GradientTape() as t2:
            t2.watch(x)
            with tf.GradientTape() as t1:
                t1.watch(x)
                y = tf.math.tanh(x)
            dy = t1.gradient(y, x)
        d2y = t2.gradient(dy, x)
    d3y = t3.gradient(d2y, x)
    t = math.tanh(0.5)
    np.testing.assert_allclose(_values(dy), 1 - t**2, rtol=1e-6)
    np.testing.assert_allclose(_values(d2y), -2 * t * (1 - t**2), rtol=1e-5)
    np.testing.assert_allclose(_values(d3y), (1 - t**2) * (6 * t**2 - 2), rtol=1e-5)


def test_a_persistent_outer_tape_differentiates_a_gradient_norm():
    # the gradient-penalty pattern: d/dx |d(x.x)/dx|^2 = d/dx 4|x|^2 = 8x
    x = tf.Variable([1.0, 2.0])
    with tf.GradientTape() as outer:
        with tf.GradientTape() as inner:
            y = tf.reduce_sum(x * x)
        g = inner.gradient(y, x)
        penalty = tf.reduce_sum(g * g)
    np.testing.assert_allclose(_values(outer.gradient(penalty, x)), [8.0, 16.0])


# -- jacobians -----------------------------------------------------------------------------------

def test_jacobian_of_a_matrix_vector_product_is_the_matrix():
    a = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    x = tf.constant([[1.0], [2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = a @ x
    jac = tape.jacobian(y, x)
    assert jac.shape == (3, 1, 2, 1)  # target shape + source shape
    np.testing.assert_allclose(_values(jac).reshape(3, 2), _values(a))


def test_jacobian_of_elementwise_square_is_diagonal():
    x = tf.constant([1.0, 2.0, 3.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x**2
    np.testing.assert_allclose(_values(tape.jacobian(y, x)), np.diag([2.0, 4.0, 6.0]))


def test_jacobian_for_several_sources_keeps_their_structure():
    w = tf.Variable([1.0, 2.0])
    b = tf.Variable(3.0)
    with tf.GradientTape() as tape:
        y = w * b
    jw, jb = tape.jacobian(y, [w, b])
    np.testing.assert_allclose(_values(jw), [[3.0, 0.0], [0.0, 3.0]])
    np.testing.assert_allclose(_values(jb), [1.0, 2.0])


def test_batch_jacobian_of_a_per_example_square():
    x = tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    jac = tape.batch_jacobian(y, x)
    assert jac.shape == (2, 3, 3)
    np.testing.assert_allclose(_values(jac[0]), np.diag([2.0, 4.0, 6.0]))
    np.testing.assert_allclose(_values(jac[1]), np.diag([8.0, 10.0, 12.0]))


def test_jacobian_of_an_unconnected_source_is_none_or_zeros():
    x, unused = tf.Variable([1.0, 2.0]), tf.Variable([1.0, 2.0, 3.0])
    with tf.GradientTape(persistent=True) as tape:
        y = x * 2.0
    assert tape.jacobian(y, unused) is None
    zeros = tape.jacobian(y, unused, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    assert zeros.shape == (2, 3)
    assert not zeros.numpy().any()


def test_batch_jacobian_needs_matching_batch_dimensions():
    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reshape(x, [4])
    with pytest.raises(ValueError, match="first dimension"):
        tape.batch_jacobian(y, x)


# -- why a gradient is None ---------------------------------------------------------------------

def _reason(tape, target, source):
    assert tape.gradient(target, [source]) == [None]
    return tape.none_gradient_reasons[0]


def test_reason_for_an_unwatched_constant():
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        y = x * x
    assert "tape.watch" in _reason(tape, y, x)


def test_reason_for_a_non_trainable_variable():
    v = tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = v * v
    assert "not trainable" in _reason(tape, y, v)


def test_reason_for_a_variable_the_tape_never_saw():
    used, unused = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = used * 3.0
    assert "not used while the tape was recording" in _reason(tape, y, unused)


def test_reason_for_an_integer_source():
    x = tf.constant(3)
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * tf.cast(x, tf.float32)
    reason = _reason(tape, y, x)
    assert "int32" in reason and "floating-point" in reason


def test_reason_for_stop_gradient():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = tf.stop_gradient(v * v) * 3.0
    assert "stop_gradient" in _reason(tape, y, v)


def test_reason_for_argmax_on_the_path():
    v = tf.Variable([1.0, 3.0, 2.0])
    with tf.GradientTape() as tape:
        y = tf.cast(tf.argmax(v * 2.0), tf.float32)
    reason = _reason(tape, y, v)
    assert "ArgMax" in reason and "no gradient" in reason


def test_reason_for_a_cast_to_int_on_the_path():
    v = tf.Variable(2.5)
    with tf.GradientTape() as tape:
        y = tf.cast(tf.cast(v, tf.int32), tf.float32) * 2.0
    reason = _reason(tape, y, v)
    assert "Cast" in reason and "integer" in reason


def test_reason_names_only_the_break_on_the_path_to_the_target():
    v = tf.Variable([1.0, 2.0])
    with tf.GradientTape(persistent=True) as tape:
        blocked = tf.stop_gradient(v) * 2.0
        through_argmax = tf.cast(tf.argmax(v), tf.float32)
    assert "ArgMax" not in _reason(tape, blocked, v)
    assert "stop_gradient" not in _reason(tape, through_argmax, v)


def test_reason_for_a_numpy_round_trip():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        h = v * 3.0
        y = tf.constant(h.numpy()) * 2.0
    assert ".numpy()" in _reason(tape, y, v)


def test_reason_for_a_genuinely_unconnected_source():
    a, b = tf.Variable(1.0), tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = a * 2.0
        _ = b * 3.0
    assert "not connected" in _reason(tape, y, b)


def test_reason_for_a_target_computed_after_the_tape_stopped():
    v = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = v * v
    outside = y + 1.0
    assert "not computed from any watched tensor" in _reason(tape, outside, v)


def test_connected_sources_have_no_reason():
    a, b = tf.Variable(1.0), tf.Variable(2.0, trainable=False)
    with tf.GradientTape() as tape:
        y = a * b
    grads = tape.gradient(y, [a, b])
    assert grads[0].numpy() == 2.0 and grads[1] is None
    assert set(tape.none_gradient_reasons) == {1}


# Where the path broke and what happened: the user's line of the .numpy() / float() / numpy call.
HERE = os.path.basename(__file__)
CONSTANT_AFTER = (": the tape cannot follow a value through numpy or Python numbers, so what "
                  "came back is a constant to it; keep the computation in tensor ops")


def _previous_line() -> int:
    return sys._getframe(1).f_lineno - 1


def test_reason_for_a_variable_taken_out_with_numpy_names_the_line():
    x = tf.constant([[1.0, 2.0]])
    w = tf.Variable([[3.0], [4.0]], name="dense/kernel")
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.matmul(x, w.numpy()))
    line = _previous_line()
    reason = _reason(tape, y, w)
    assert reason == (f"the value of dense/kernel left the engine through .numpy() at "
                      f"{HERE}:{line} (y = tf.reduce_sum(tf.matmul(x, w.numpy())))"
                      + CONSTANT_AFTER)
    assert (reason.file, reason.line) == (__file__, line)


def test_reason_for_float_of_a_tensor_computed_from_the_variable():
    x = tf.constant([1.0, 2.0])
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        t = w * 3.0
        y = tf.reduce_sum(x / float(t))
    line = _previous_line()
    reason = _reason(tape, y, w)
    assert reason == (f"a value computed from w left the engine through float() at {HERE}:{line} "
                      "(y = tf.reduce_sum(x / float(t)))" + CONSTANT_AFTER)
    assert reason.line == line


def test_reason_for_float_of_the_variable_itself():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        y = tf.constant(5.0) / float(w)
    line = _previous_line()
    assert _reason(tape, y, w) == (f"the value of w left the engine through float() at "
                                   f"{HERE}:{line} (y = tf.constant(5.0) / float(w))"
                                   + CONSTANT_AFTER)


def test_reason_for_a_numpy_function_applied_to_a_tensor():
    x = tf.constant([[1.0, -2.0]])
    w = tf.Variable([[3.0], [4.0]], name="dense/kernel")
    with tf.GradientTape() as tape:
        h = tf.matmul(x, w)
        relu = tf.constant(np.maximum(h, 0))
        line = _previous_line()
        loss = tf.reduce_sum(relu * 2.0)
    reason = _reason(tape, loss, w)
    assert reason == ("a value computed from dense/kernel left the engine through numpy "
                      f"(np.asarray or a numpy function) at {HERE}:{line} "
                      "(relu = tf.constant(np.maximum(h, 0)))" + CONSTANT_AFTER)
    assert reason.line == line


def test_reason_names_every_place_the_value_left():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        h = w * 3.0
        first = h.numpy()
        line = _previous_line()
        y = tf.constant(first) + float(h * 2.0)
        second = _previous_line()
    reason = _reason(tape, y, w)
    assert reason.line == line
    assert reason.endswith(f"{CONSTANT_AFTER} (it also left at {HERE}:{second})")


def test_printing_a_value_is_not_taken_for_the_break():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        h = w * 3.0
        print(f"{h:.3f}")
    y = h + 1.0
    assert _reason(tape, y, w) == ("the target was not computed from any watched tensor "
                                   "while the tape was recording")


def test_reason_for_a_truly_unused_variable_is_unchanged():
    used, unused = tf.Variable(1.0, name="used"), tf.Variable(2.0, name="unused")
    with tf.GradientTape() as tape:
        y = used * 3.0
    assert _reason(tape, y, unused) == "unused was not used while the tape was recording"


def test_reason_for_a_variable_used_under_a_different_tape():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as first:
        h = w * 3.0
    with tf.GradientTape() as second:
        y = h * 2.0
    assert first is not second
    assert _reason(second, y, w) == "w was not used while the tape was recording"


def test_reason_for_a_target_not_computed_from_any_watched_tensor():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        _ = w * 2.0
        y = tf.constant(3.0) * 2.0
    assert _reason(tape, y, w) == ("the target was not computed from any watched tensor "
                                   "while the tape was recording")


def test_reason_for_stop_gradient_names_the_variable():
    w = tf.Variable(2.0, name="w")
    with tf.GradientTape() as tape:
        y = tf.stop_gradient(w * w) * 3.0
    assert _reason(tape, y, w) == ("the target does not depend on w differentiably: "
                                   "tf.stop_gradient blocks the path")


def test_reason_for_an_integer_source_names_it_by_its_expression():
    counts = tf.constant(3)
    w = tf.Variable(2.0)
    with tf.GradientTape() as tape:
        y = w * tf.cast(counts, tf.float32)
    assert tape.gradient(y, [w, counts])[1] is None
    assert tape.none_gradient_reasons[1] == ("`counts` has dtype int32; gradients flow only "
                                             "to floating-point tensors")


def test_reason_for_a_non_trainable_variable_names_it():
    frozen = tf.Variable(2.0, trainable=False, name="frozen")
    with tf.GradientTape() as tape:
        y = frozen * frozen
    assert _reason(tape, y, frozen) == "frozen is not trainable, so the tape does not watch it"


def test_watched_tensors_are_named_by_their_text_in_the_gradient_call():
    x, other = tf.constant(1.0), tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        tape.watch(other)
        y = x * 2.0
    grads = tape.gradient(y, {"a": x, "b": other})
    assert grads["b"] is None
    assert tape.none_gradient_reasons[1] == ("the target does not depend on `other` (they "
                                             "are not connected)")
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        tape.watch(other)
        y = x * 2.0
    xs = [x, other]
    assert tape.gradient(y, xs)[1] is None
    assert tape.none_gradient_reasons[1] == ("the target does not depend on `xs[1]` (they are "
                                             "not connected)")
    with tf.GradientTape() as tape:
        y = x * 2.0
    assert tape.gradient(
        y,
        [x],
    ) == [None]
    assert tape.none_gradient_reasons[0] == (
        "the tape never watched `x`: call tape.watch on a constant, or compute it inside the "
        "tape's context")


# -- custom gradients --------------------------------------------------------------------------

@tf.custom_gradient
def clip_gradient(x):
    """Identity forward; the backward pass clips the incoming gradient to [-0.5, 0.5]."""

    def grad(dy):
        return tf.clip_by_value(dy, -0.5, 0.5)

    return tf.identity(x), grad


@tf.custom_gradient
def log1pexp(x):
    """log(1 + e^x) with the stable gradient from TensorFlow's custom_gradient docs."""
    e = tf.exp(x)

    def grad(dy):
        return dy * (1 - 1 / (1 + e))

    return tf.math.log(1 + e), grad


def test_custom_gradient_replaces_the_backward_pass():
    x = tf.constant([1.0, 2.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = clip_gradient(x) * 3.0
    assert y.numpy().tolist() == [3.0, 6.0]
    np.testing.assert_allclose(_values(tape.gradient(y, x)), [0.5, 0.5])


def test_log1pexp_custom_gradient_stays_finite_where_the_naive_one_is_nan():
    x = tf.constant([100.0, 0.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        naive = tf.math.log(1 + tf.exp(x))
    assert math.isnan(tape.gradient(naive, x).numpy()[0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = log1pexp(x)
    np.testing.assert_allclose(_values(tape.gradient(y, x)), [1.0, 0.5])


def test_custom_gradient_outside_a_tape_just_computes_the_value():
    np.testing.assert_allclose(_values(log1pexp(tf.constant(0.0))), math.log(2.0), rtol=1e-6)


def test_custom_gradient_with_variables_returns_their_gradients_too():
    scale = tf.Variable(2.0)

    @tf.custom_gradient
    def scaled(x):
        def grad(dy, variables=None):
            assert variables == [scale]
            return dy * scale, [dy * x * 10.0]  # the variable's gradient, deliberately x10

        return x * scale, grad

    x = tf.constant(3.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scaled(x)
    dx, dscale = tape.gradient(y, [x, scale])
    assert y.numpy() == 6.0
    assert dx.numpy() == 2.0
    assert dscale.numpy() == 30.0


def test_log1pexp_of_a_scaled_input_gives_the_scale_its_gradient_through_variables():
    scale = tf.Variable(2.0)

    @tf.custom_gradient
    def scaled_log1pexp(x):
        # f = log(1 + e^(s x)); df/dx = s sigmoid(s x); df/ds = x sigmoid(s x)
        e = tf.exp(x * scale)
        sigmoid = 1 - 1 / (1 + e)

        def grad(dy, variables=None):
            return dy * scale * sigmoid, [tf.reduce_sum(dy * x * sigmoid)]

        return tf.math.log(1 + e), grad

    x = tf.constant([100.0, 0.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = scaled_log1pexp(x)
    dx, dscale = tape.gradient(y, [x, scale])
    np.testing.assert_allclose(_values(dx), [2.0, 1.0])  # s * sigmoid: s * 1, s * 1/2
    np.testing.assert_allclose(_values(dscale), 100.0)  # 100 * 1 + 0 * 1/2


def test_custom_gradient_using_variables_needs_a_variables_keyword():
    scale = tf.Variable(2.0)

    @tf.custom_gradient
    def scaled(x):
        return x * scale, lambda dy: dy * scale

    x = tf.constant(3.0)
    with tf.GradientTape() as tape, pytest.raises(TypeError, match="variables"):
        tape.watch(x)
        scaled(x)


# -- the backward pass's own checks ------------------------------------------------------------

def test_a_gradient_rule_returning_the_wrong_number_of_gradients_is_named():
    from engine.ops.registry import OpDef, record_custom

    x = tf.constant([1.0, 2.0])
    y = tf.constant([3.0, 4.0])
    out = x * y  # computed here; the op below claims it
    op = OpDef("TwoInputs", lambda a, b: a * b)
    op.grad = lambda call, dy: (dy,)  # one gradient for two inputs
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        record_custom(op, (x, y), (out,))
    with pytest.raises(ValueError, match="rule of TwoInputs returned 1 gradients for its 2 "
                                         "inputs"):
        tape.gradient(out, [x, y])


def test_a_gradient_taken_inside_nested_tapes_leaves_them_in_their_order():
    from engine.context import STATE

    x = tf.constant(2.0)
    with tf.GradientTape(persistent=True) as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = x * x
        assert STATE.tapes == [outer]
        with tf.GradientTape() as innermost:
            outer.gradient(y, x)  # the outer tape steps aside for its backward pass only
            assert STATE.tapes == [outer, innermost]
    assert STATE.tapes == []


@pytest.mark.parametrize("call", ["gradient", "jacobian", "batch_jacobian"])
def test_a_non_persistent_tape_answers_one_call_of_any_kind(call):
    x = tf.constant([[1.0, 2.0]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
    getattr(tape, call)(y, x)
    with pytest.raises(RuntimeError, match="non-persistent GradientTape can only be used"):
        getattr(tape, call)(y, x)
