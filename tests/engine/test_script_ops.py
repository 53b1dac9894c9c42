"""tf.py_function / tf.numpy_function inside traced functions: the Python function is a graph
node that runs at every run of the graph, never a value baked in at trace time."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf
from engine.context import Hook, set_hook


def test_a_function_of_constants_runs_at_every_call_not_folded() -> None:
    draws = iter(range(100))

    @tf.function
    def next_draw() -> tf.Tensor:  # every input a constant: constant folding must not bake it
        return tf.py_function(lambda a: a + float(next(draws)), [tf.constant(0.5)],
                              tf.float32) * 2.0

    assert [float(next_draw()) for _ in range(3)] == [1.0, 3.0, 5.0]
    types = [n.type for n in next_draw.get_concrete_function().graph.nodes]
    assert "EagerPyFunc" in types


def test_an_unused_numpy_function_still_runs_each_call() -> None:
    seen = []

    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        tf.numpy_function(lambda a: seen.append(a.copy()) or a, [x], tf.float32)
        return x + 1.0

    f(tf.constant([1.0]))
    f(tf.constant([2.0]))
    assert [a.tolist() for a in seen] == [[1.0], [2.0]]


def test_the_function_sees_each_calls_values_not_the_traced_ones() -> None:
    @tf.function
    def f(x: tf.Tensor) -> tf.Tensor:
        return tf.py_function(lambda a: tf.reduce_sum(a), [x], tf.float32)

    assert float(f(tf.constant([1.0, 2.0]))) == 3.0
    assert float(f(tf.constant([5.0, 2.0]))) == 7.0
    assert f.experimental_get_tracing_count() == 1


class _Ops(Hook):
    def __init__(self) -> None:
        self.names: list[str] = []

    def op_executed(self, op, inputs, outputs, attrs, seconds) -> None:  # noqa: ANN001
        self.names.append(op.name)

    def variable_created(self, variable) -> None:  # noqa: ANN001
        pass

    def variable_updated(self, variable, action) -> None:  # noqa: ANN001
        pass


def test_a_debugger_hook_sees_the_op_and_the_ops_of_the_function() -> None:
    log = _Ops()
    previous = set_hook(log)
    try:
        tf.py_function(lambda a: tf.exp(a), [tf.constant([1.0])], tf.float32)
    finally:
        set_hook(previous)
    assert log.names == ["Exp", "EagerPyFunc"]


def test_a_python_error_inside_a_dataset_map_comes_out_as_tensorflows() -> None:
    ds = tf.data.Dataset.from_tensor_slices([1.0, 2.0]).map(
        lambda v: tf.py_function(lambda a: a / 0.0 if a > 1.5 else a, [v], tf.float32))
    assert [float(v) for v in ds] == [1.0, np.inf]
    bad = tf.data.Dataset.from_tensor_slices([1.0]).map(
        lambda v: tf.py_function(lambda a: undefined_name, [v], tf.float32))  # noqa: F821
    with pytest.raises(tf.errors.UnknownError, match="NameError: name 'undefined_name'"):
        list(bad)
