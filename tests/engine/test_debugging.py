"""tf.debugging: the messages a user reads when an assertion or a NaN check fails (the
parity cases check the exception classes against TensorFlow; these check the text)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import engine as tf
from engine import context, errors
from engine.context import STATE


@pytest.fixture(autouse=True)
def _check_numerics_off():
    yield
    tf.debugging.disable_check_numerics()


def test_check_numerics_message_names_the_callers_text_and_what_was_bad():
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.debugging.check_numerics(tf.constant([1.0, np.nan]), "my msg")
    assert str(info.value) == (
        "{{function_node __wrapped__CheckNumerics_device_/job:localhost/replica:0/task:0/"
        "device:CPU:0}} my msg : Tensor had NaN values [Op:CheckNumerics] name: ")
    with pytest.raises(errors.InvalidArgumentError, match="Tensor had Inf and NaN values"):
        tf.debugging.check_numerics(tf.constant([np.inf, np.nan]), "m")
    with pytest.raises(errors.InvalidArgumentError, match="attr 'T' of int32 is not in the list"):
        tf.debugging.check_numerics(tf.constant([1, 2]), "m")


def test_check_numerics_in_the_backward_pass_names_the_gradient():
    x = tf.constant([0.0])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.sqrt(tf.debugging.check_numerics(x, "input of sqrt"))
    with pytest.raises(errors.InvalidArgumentError,
                       match="detected in gradient. b'input of sqrt' : Tensor had Inf values"):
        tape.gradient(y, x)


def test_assert_equal_lists_the_differing_entries_like_tensorflow():
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.debugging.assert_equal(tf.constant([1, 2]), tf.constant([1, 3]), message="hello")
    assert str(info.value) == (
        "hello\nCondition x == y did not hold.\nIndices of first 1 different values:\n[[1]]\n"
        "Corresponding x values:\n[2]\nCorresponding y values:\n[3]\n"
        "First 2 elements of x:\n[1 2]\nFirst 2 elements of y:\n[1 3]")


def test_assert_less_with_a_broadcast_scalar_shows_only_the_first_elements():
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.debugging.assert_less(tf.constant([1.0, 5.0, 2.0, 7.0]), 4.0, summarize=2)
    assert str(info.value) == ("Condition x < y did not hold.\nFirst 2 elements of x:\n"
                               "[1. 5.]\nFirst 1 elements of y:\n[4.]")
    assert tf.debugging.assert_greater(tf.constant([3]), tf.constant([2])) is None


def test_assert_near_message():
    with pytest.raises(errors.InvalidArgumentError) as info:
        tf.debugging.assert_near(tf.constant([1.0, 2.0]), tf.constant([1.0, 2.1]))
    assert str(info.value) == (
        "Expected 'tf.Tensor(False, shape=(), dtype=bool)' to be true. Summarized data: b''\n"
        "b'x and y not equal to tolerance rtol = tf.Tensor(1.1920929e-06, shape=(), "
        "dtype=float32), atol = tf.Tensor(1.1920929e-06, shape=(), dtype=float32)'\n"
        "b'x (shape=(2,) dtype=float32) = '\n1.0, 2.0\nb'y (shape=(2,) dtype=float32) = '\n"
        "1.0, 2.1")


def test_rank_and_shape_assertions_raise_value_errors_with_tensorflows_text():
    with pytest.raises(ValueError) as info:
        tf.debugging.assert_rank(tf.constant([1, 2]), 2, message="boo")
    assert str(info.value) == "boo.  Tensor  must have rank 2.  Received rank 1, shape (2,)"
    with pytest.raises(ValueError) as info:
        tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("N", "D")), (tf.zeros([3]), ("N",))])
    assert str(info.value) == (
        "Specified by tensor shape=(2, 3) dtype=float32 dimension 0.  Tensor shape=(3,) "
        "dtype=float32 dimension 0 must have size 2.  Received size 3, shape (3,)")
    with pytest.raises(ValueError, match=r"must have rank in \(0, 1\).  Received rank 2"):
        tf.debugging.assert_shapes({"x": (tf.zeros([2, 3]), ("N",))}.values())
    with pytest.raises(ValueError, match="must have rank at least 3"):
        tf.debugging.assert_shapes([(tf.zeros([2, 3]), (..., "A", "B", "C"))])
    with pytest.raises(ValueError, match="only allowed as the first entry"):
        tf.debugging.assert_shapes([(tf.zeros([2, 3]), ("A", ...))])
    tf.debugging.assert_shapes([(tf.zeros([7, 2, 3]), ("*", 2, "D")), (tf.zeros([3]), ("D",))])


def test_enable_check_numerics_raises_at_the_op_that_made_the_nan():
    x = tf.constant([1.0, 0.0])
    tf.debugging.enable_check_numerics()
    with pytest.raises(errors.InvalidArgumentError) as info:
        x / tf.constant(0.0)
    assert str(info.value) == (
        "{{function_node __wrapped__CheckNumericsV2_device_/job:localhost/replica:0/task:0/"
        "device:CPU:0}} "
        '\n\n!!! Detected Infinity or NaN in output 0 of eagerly-executing op "RealDiv" '
        "(# of outputs: 1) !!!\n  dtype: <dtype: 'float32'>\n  shape: (2,)\n"
        "  # of +Inf elements: 1\n  # of +NaN elements: 1\n\n  Input tensors (2):\n"
        "         0: tf.Tensor([1. 0.], shape=(2,), dtype=float32)\n"
        "         1: tf.Tensor(0.0, shape=(), dtype=float32)\n\n"
        " : Tensor had +Inf and NaN values [Op:CheckNumericsV2] name: ")
    assert tf.reshape(tf.constant([np.nan]), [1, 1]).shape == (1, 1)  # moves values only


def test_check_numerics_catches_nans_inside_a_tf_function():
    @tf.function
    def f(a):
        return tf.math.log(a) * 2.0

    assert f(tf.constant([1.0])).numpy()[0] == 0.0
    tf.debugging.enable_check_numerics()
    with pytest.raises(errors.InvalidArgumentError, match='op "Log"'):
        f(tf.constant([0.0]))
    tf.debugging.disable_check_numerics()
    assert np.isneginf(f(tf.constant([0.0])).numpy()[0])
    assert not STATE.observed  # off again: ops are back on the unobserved fast path


def test_check_numerics_inside_a_tf_function_tells_it_as_tensorflow_does():
    """TensorFlow 2.21's text for an op of a function's graph (checked by hand against
    tensorflow-cpu 2.21 on the same function): the graph op, its symbolic input, the graph's
    name, the user's frames; the frames inside TensorFlow's own code it also lists are not
    there to show, and the function's number is the engine's."""
    w = tf.Variable([1.0, 1.0, 2.0])

    @tf.function
    def step(x):
        return tf.reduce_sum(tf.math.log(tf.multiply(x, w)))  # OP LINE

    tf.debugging.enable_check_numerics()
    try:
        with pytest.raises(errors.InvalidArgumentError) as info:
            step(tf.constant([1.0, -2.0, 3.0]))  # CALL LINE
    finally:
        tf.debugging.disable_check_numerics()
    source = Path(__file__).read_text().splitlines()
    op_line, call_line = (next(i + 1 for i, text in enumerate(source) if text.endswith(tag))
                          for tag in ("# OP LINE", "# CALL LINE"))
    text = str(info.value)
    assert text.startswith("Graph execution error:\n\nDetected at node Log/CheckNumericsV2 "
                           "defined at (most recent call last):\n")
    assert (f'  File "{__file__}", line {call_line}, in '
            "test_check_numerics_inside_a_tf_function_tells_it_as_tensorflow_does\n\n"
            f'  File "{__file__}", line {op_line}, in step\n\n'
            '!!! Detected Infinity or NaN in output 0 of graph op "Log" (# of outputs: 1) !!!\n'
            "  dtype: <dtype: 'float32'>\n  shape: (3,)\n\n"
            '  Input tensor: Tensor("Mul:0", shape=(3,), dtype=float32)\n'
            '  Graph name: "step"\n\n'
            '  Stack trace of op\'s creation ("->": inferred user code):\n') in text
    assert " -> |   \n" in text
    assert re.search(r"\n\n : Tensor had NaN values\n\t \[\[\{\{node Log/CheckNumericsV2\}\}\]\] "
                     r"\[Op:__inference_step_\d+\]\Z", text), text[-200:]


class DebuggerHook(context.Hook):
    wants_ops = False

    def __init__(self, stops: bool) -> None:
        self.stops = stops
        self.calls: list[bool] = []

    def check_numerics(self, enabled: bool) -> bool:
        self.calls.append(enabled)
        return self.stops


@pytest.mark.parametrize("stops", [True, False])
def test_an_attached_debugger_may_take_over_the_nan_check(stops):
    hook = DebuggerHook(stops)
    previous = context.set_hook(hook)
    try:
        tf.debugging.enable_check_numerics()
        if stops:  # the debugger pauses at the NaN itself: the op returns it
            assert np.isnan(tf.math.log(tf.constant(-1.0)).numpy())
        else:  # e.g. a headless recording: the script raises as it would without it
            with pytest.raises(errors.InvalidArgumentError):
                tf.math.log(tf.constant(-1.0))
        tf.debugging.disable_check_numerics()
    finally:
        context.set_hook(previous)
    assert hook.calls == [True, False]
