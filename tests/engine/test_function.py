"""tf.function: tracing, retracing, side effects, gradients and updates inside a trace."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import engine as tf
from engine.function import RetracingWarning
from engine.graph.trace import OperatorNotAllowedInGraphError
from engine.keras.optimizers import SGD, Adam


def test_tutorial_sum_prints_like_tensorflow(capsys):
    @tf.function
    def compute_sum(a, b):
        return a + b

    print(compute_sum(tf.constant([1, 2, 3]), tf.constant([4, 5, 6])))
    assert capsys.readouterr().out == "tf.Tensor([5 7 9], shape=(3,), dtype=int32)\n"


def test_python_side_effects_run_at_trace_time_only():
    calls = []

    @tf.function
    def f(x):
        calls.append("traced")
        return x * 2

    for _ in range(3):
        f(tf.constant([1.0, 2.0]))
    assert calls == ["traced"]
    assert f.experimental_get_tracing_count() == 1


def test_executing_eagerly_is_false_inside_a_trace():
    seen = []

    @tf.function
    def f(x):
        seen.append(tf.executing_eagerly())
        return x

    f(tf.constant(1.0))
    assert seen == [False]
    assert tf.executing_eagerly()


def test_new_shape_or_python_value_retraces_with_reason():
    @tf.function
    def f(x, scale):
        return x * scale

    f(tf.constant([1.0, 2.0]), 2.0)
    f(tf.constant([1.0, 2.0]), 2.0)
    assert f.experimental_get_tracing_count() == 1
    f(tf.constant([1.0, 2.0, 3.0]), 2.0)
    assert f.experimental_get_tracing_count() == 2
    assert "'x'" in f.last_retrace_reason and "(3,)" in f.last_retrace_reason
    f(tf.constant([1.0, 2.0, 3.0]), 3.0)
    assert f.experimental_get_tracing_count() == 3
    assert "'scale'" in f.last_retrace_reason and "3.0" in f.last_retrace_reason


def test_frequent_retracing_warns_naming_the_argument():
    @tf.function
    def f(x):
        return x + 1

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for n in range(1, 7):
            f(tf.zeros([n]))
    messages = [str(w.message) for w in caught if issubclass(w.category, RetracingWarning)]
    assert messages, "expected a retracing warning"
    assert "triggered tf.function retracing" in messages[0] and "'x'" in messages[0]


def test_input_signature_accepts_matching_shapes_and_rejects_others():
    @tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.float32)])
    def double(x):
        return x * 2

    np.testing.assert_array_equal(double(tf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
    np.testing.assert_array_equal(double(tf.constant([1.0, 2.0, 3.0])).numpy(), [2, 4, 6])
    assert double.experimental_get_tracing_count() == 1
    with pytest.raises(TypeError, match="input_signature"):
        double(tf.constant([[1.0]]))
    with pytest.raises(TypeError, match="input_signature"):
        double(tf.constant([1, 2]))


def test_reduce_retracing_counts_one_trace_for_a_relaxed_shape():
    @tf.function(reduce_retracing=True)
    def f(x):
        return tf.reduce_sum(x)

    for n in (2, 3, 4, 5):
        assert float(f(tf.ones([n]))) == n
    assert f.experimental_get_tracing_count() == 2


def test_a_new_variable_is_not_taken_for_a_dead_one_that_had_its_address():
    # Each variable dies after its call, and CPython hands its address to the next one: a
    # trace cached under id() served the first variable's shape to all of them.
    @tf.function
    def zeros_like_variable(v):
        return tf.zeros(v.shape)

    for n in (2, 3, 4):
        assert zeros_like_variable(tf.Variable(tf.ones([n]))).shape == (n,)


def test_variables_are_captured_by_reference():
    v = tf.Variable(1.0)

    @tf.function
    def f():
        return v * 3

    assert float(f()) == 3.0
    v.assign(2.0)
    assert float(f()) == 6.0
    assert f.experimental_get_tracing_count() == 1


def test_assign_inside_a_trace_runs_on_every_call():
    counter = tf.Variable(0)

    @tf.function
    def bump():
        counter.assign_add(1)
        return counter.read_value()

    bump()
    bump()
    assert int(counter.numpy()) == 2


def test_gradients_inside_a_trace_equal_eager_gradients():
    rng = np.random.default_rng(0)
    w = tf.Variable(rng.normal(size=(4, 3)).astype(np.float32))
    b = tf.Variable(np.zeros(3, np.float32))
    x = tf.constant(rng.normal(size=(5, 4)).astype(np.float32))

    def loss_and_grads(x):
        with tf.GradientTape() as tape:
            y = tf.nn.softmax(tf.matmul(x, w) + b)
            loss = tf.reduce_mean(tf.square(y - 0.25))
        return loss, tape.gradient(loss, [w, b])

    eager_loss, eager_grads = loss_and_grads(x)
    traced_loss, traced_grads = tf.function(loss_and_grads)(x)
    np.testing.assert_allclose(traced_loss.numpy(), eager_loss.numpy(), rtol=1e-6)
    for g_t, g_e in zip(traced_grads, eager_grads):
        np.testing.assert_allclose(g_t.numpy(), g_e.numpy(), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("make_optimizer", [lambda: SGD(0.1, momentum=0.9), lambda: Adam(0.01)])
def test_apply_gradients_inside_a_trace_matches_eager_training(make_optimizer):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5], np.float32))[:, None]

    def train(traced: bool) -> np.ndarray:
        w = tf.Variable(np.zeros((3, 1), np.float32))
        opt = make_optimizer()

        def step(x, y):
            with tf.GradientTape() as tape:
                loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
            grads = tape.gradient(loss, [w])
            opt.apply_gradients(zip(grads, [w]))
            return loss

        fn = tf.function(step) if traced else step
        for _ in range(20):
            fn(tf.constant(x), tf.constant(y))
        assert int(opt.iterations.numpy()) == 20
        return w.numpy()

    np.testing.assert_allclose(train(True), train(False), rtol=1e-5, atol=1e-6)


def test_traced_function_is_differentiable_from_an_outer_tape():
    @tf.function
    def cube(x):
        return x * x * x

    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = cube(x)
    assert float(tape.gradient(y, x)) == pytest.approx(12.0)


def test_symbolic_tensors_print_like_graph_tensors_and_refuse_python_control_flow():
    texts = []

    @tf.function
    def f(x):
        texts.append(str(x))
        if x > 0:
            return x
        return -x

    with pytest.raises(OperatorNotAllowedInGraphError, match="Python `bool`"):
        f(tf.constant(1.0))
    assert texts[0].startswith('Tensor("x:0", shape=(), dtype=float32')  # as TensorFlow names it


def test_placeholders_are_named_after_the_python_arguments_as_in_tensorflow():
    @tf.function
    def step(x, y, pair, *rest, scale=None):
        return x + y + pair[0] + pair[1] + rest[0] + scale

    one = tf.constant(1.0)
    concrete = step.get_concrete_function(one, one, (one, one), one, scale=one)
    names = [node.name for node in concrete.graph.nodes if node.type == "Placeholder"]
    assert names == ["x", "y", "pair", "pair_1", "rest_3", "scale"]


def test_concrete_function_graph_lists_prints_and_exports_dot():
    w = tf.Variable(tf.ones([3, 2]))

    @tf.function
    def f(x):
        with tf.name_scope("dense"):
            return tf.nn.relu(tf.matmul(x, w))

    concrete = f.get_concrete_function(tf.TensorSpec([4, 3], tf.float32))
    graph = concrete.graph
    types = [node.type for node in graph.nodes]
    assert types == ["Placeholder", "ReadVariableOp", "MatMul", "Relu"]
    assert [n.scope for n in graph.nodes if n.type == "MatMul"] == ["dense"]
    text = str(graph)
    assert "MatMul" in text and "f32[4,2]" in text and "var=Variable:0" in text
    dot = graph.to_dot()
    assert dot.startswith('digraph "f"') and "cluster" in dot and 'label="f32[4,2]"' in dot


def test_returning_python_values_and_structures():
    @tf.function
    def f(x):
        return {"double": x * 2, "label": "ok", "pair": (x, x + 1)}

    out = f(tf.constant(1.0))
    assert out["label"] == "ok"
    assert float(out["double"]) == 2.0
    assert [float(t) for t in out["pair"]] == [1.0, 2.0]


def test_methods_can_be_decorated():
    class Scaler:
        def __init__(self, k):
            self.k = tf.Variable(k)

        @tf.function
        def __call__(self, x):
            return x * self.k

    a, b = Scaler(2.0), Scaler(3.0)
    assert float(a(tf.constant(1.0))) == 2.0
    assert float(b(tf.constant(1.0))) == 3.0


def test_random_draws_inside_a_trace_differ_on_every_call():
    """Dropout masks and noise must not be frozen into the graph as constants."""
    tf.random.set_seed(5)

    @tf.function
    def noise():
        return tf.random.uniform([4]) + tf.random.normal([4]) * 0.0

    first, second = noise().numpy(), noise().numpy()
    assert not np.array_equal(first, second)
    assert noise.experimental_get_tracing_count() == 1


def test_dropout_in_a_traced_step_draws_a_new_mask_each_call():
    from engine.keras import layers

    drop = layers.Dropout(0.5)

    @tf.function
    def step(x):
        return drop(x, training=True)

    x = tf.ones([64])
    assert not np.array_equal(step(x).numpy(), step(x).numpy())


def test_ops_returning_a_list_of_one_tensor_compile_like_eager():
    def pieces(x):
        (whole,) = tf.split(x, 1)
        (row,) = tf.unstack(x[:1])
        (folded,) = tf.split(tf.constant([[1.0, 2.0]]), 1)  # constant input: folded
        return whole * 2.0, row + 1.0, folded * 3.0

    x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    for eager, traced in zip(pieces(x), tf.function(pieces)(x)):
        assert traced.shape == eager.shape
        np.testing.assert_array_equal(traced.numpy(), eager.numpy())
