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

    @tf.function(autograph=False)  # with AutoGraph the `if` becomes a cond
    def f(x):
        texts.append(str(x))
        if x > 0:
            return x
        return -x

    with pytest.raises(OperatorNotAllowedInGraphError, match="Python `bool`"):
        f(tf.constant(1.0))
    assert texts[0] == 'Tensor("x:0", shape=(), dtype=float32)'  # named after the parameter


def test_placeholders_are_named_after_the_python_arguments_as_in_tensorflow():
    @tf.function
    def step(x, y, pair, *rest, scale=None):
        return x + y + pair[0] + pair[1] + rest[0] + scale

    one = tf.constant(1.0)
    concrete = step.get_concrete_function(one, one, (one, one), one, scale=one)
    names = [node.name for node in concrete.graph.nodes if node.type == "Placeholder"]
    assert names == ["x", "y", "pair", "pair_1", "rest_0", "scale"]  # TensorFlow 2.21's


def test_concrete_function_graph_lists_prints_and_exports_dot():
    w = tf.Variable(tf.ones([3, 2]))

    @tf.function
    def f(x):
        with tf.name_scope("dense"):
            return tf.nn.relu(tf.matmul(x, w))

    concrete = f.get_concrete_function(tf.TensorSpec([4, 3], tf.float32))
    graph = concrete.graph
    types = [node.type for node in graph.nodes]
    assert types == ["Placeholder", "ReadVariableOp", "MatMul", "Relu", "Identity"]
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


# -- TF 2.21 fidelity (issue 11): outputs, names, signatures, printouts -------------------------
# Expected texts are what TensorFlow 2.21 prints for the same code (addresses aside).

def test_results_are_always_tensors_and_python_bools_become_bool_tensors():
    @tf.function
    def square(x):
        return x ** 2

    @tf.function
    def eager():
        return tf.executing_eagerly(), None

    assert repr(square(2)) == "<tf.Tensor: shape=(), dtype=int32, numpy=4>"
    assert str(square(2)) == "tf.Tensor(4, shape=(), dtype=int32)"
    flag, nothing = eager()
    assert repr(flag) == "<tf.Tensor: shape=(), dtype=bool, numpy=False>" and nothing is None


def test_placeholders_are_named_after_the_python_arguments():
    texts = []

    @tf.function
    def f(a, xs, d):
        texts.extend([str(a), repr(xs), repr(d)])
        return a

    f(tf.constant(1), [tf.constant(1), tf.constant(2)], {"q": tf.constant(1.0)})
    assert texts == ['Tensor("a:0", shape=(), dtype=int32)',
                     "[<tf.Tensor 'xs:0' shape=() dtype=int32>, "
                     "<tf.Tensor 'xs_1:0' shape=() dtype=int32>]",
                     "{'q': <tf.Tensor 'd:0' shape=() dtype=float32>}"]


def test_graph_outputs_are_identity_nodes_placed_before_an_optimizer_update():
    w = tf.Variable(1.0)
    opt = tf.keras.optimizers.SGD(0.1)

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            loss = (w * x) ** 2
        opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
        return loss, 7

    loss, seven = step(tf.constant(2.0))
    assert float(loss) == 4.0 and repr(seven) == "<tf.Tensor: shape=(), dtype=int32, numpy=7>"
    graph = step.get_concrete_function(tf.constant(2.0)).graph
    types = [n.type for n in graph.nodes]
    assert types.count("Identity") == 2 and types[-1] == "ApplyGradients"
    assert [v.node.name for v in graph.outputs] == ["Identity", "Identity_1"]


def test_input_signature_with_none_traces_once_and_shows_none():
    texts = []

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def total(x):
        texts.append(str(x))
        return tf.reduce_sum(x, axis=1)

    for n in (1, 2, 5):
        assert total(tf.ones([n, 3])).shape == (n,)
    assert total.experimental_get_tracing_count() == 1
    assert texts[0] == 'Tensor("x:0", shape=(None, 3), dtype=float32)'
    assert total(x=tf.ones([2, 3])).shape == (2,)
    with pytest.raises(TypeError):
        total(tf.ones([2, 4]))


def test_reduce_retracing_relaxes_to_none_then_to_unknown_rank():
    texts = []

    @tf.function(reduce_retracing=True)
    def f(x):
        texts.append(str(x))
        return x

    counts = []
    for shape in ([2], [3], [4], [4, 1], [2, 2, 2]):
        f(tf.zeros(shape))
        counts.append(f.experimental_get_tracing_count())
    assert counts == [1, 2, 2, 3, 3]
    assert texts[:2] == ['Tensor("x:0", shape=(2,), dtype=float32)',
                         'Tensor("x:0", shape=(None,), dtype=float32)']
    assert 'Tensor("x:0", dtype=float32)' in texts


def test_concrete_function_from_the_signature_prints_like_tensorflow():
    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def s(x):
        return tf.reduce_sum(x, axis=1)

    c = s.get_concrete_function()
    assert str(c) == (
        "ConcreteFunction Input Parameters:\n"
        "  x (POSITIONAL_OR_KEYWORD): TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)\n"
        "Output Type:\n"
        "  TensorSpec(shape=(None,), dtype=tf.float32, name=None)\n"
        "Captures:\n"
        "  None")
    assert repr(c).startswith(
        "<ConcreteFunction (x: TensorSpec(shape=(None, 3), dtype=tf.float32, name=None)) -> "
        "TensorSpec(shape=(None,), dtype=tf.float32, name=None) at 0x")
    assert repr(c.structured_input_signature) == (
        "((TensorSpec(shape=(None, 3), dtype=tf.float32, name='x'),), {})")
    assert str(c.structured_outputs) == 'Tensor("Identity:0", shape=(None,), dtype=float32)'
    assert c(x=tf.zeros([2, 3])).shape == (2,)


def test_concrete_function_with_literals_keywords_and_captures_prints_like_tensorflow():
    v = tf.Variable(1.0)

    @tf.function
    def f(x, n=2, *args, key=None, **kw):
        return {"a": x * v, "b": (x, n)}

    c = f.get_concrete_function(tf.TensorSpec([2], tf.float32), 3)
    out = ("Dict[['a', TensorSpec(shape=(2,), dtype=tf.float32, name=None)], "
           "['b', Tuple[TensorSpec(shape=(2,), dtype=tf.float32, name=None), "
           "TensorSpec(shape=(), dtype=tf.int32, name=None)]]]")
    assert str(c) == (
        "ConcreteFunction Input Parameters:\n"
        "  x (POSITIONAL_ONLY): TensorSpec(shape=(2,), dtype=tf.float32, name=None)\n"
        "  n (POSITIONAL_ONLY): Literal[3]\n"
        "  key (KEYWORD_ONLY): Literal[None]\n"
        f"Output Type:\n  {out}\n"
        f"Captures:\n  {id(v)}: TensorSpec(shape=(), dtype=tf.resource, name=None)")
    assert repr(c).startswith(
        "<ConcreteFunction (x: TensorSpec(shape=(2,), dtype=tf.float32, name=None), "
        f"n: Literal[3], /, *, key: Literal[None]) -> {out} at 0x")
    assert repr(c.structured_outputs) == (
        "{'a': <tf.Tensor 'Identity:0' shape=(2,) dtype=float32>, 'b': "
        "(<tf.Tensor 'Identity_1:0' shape=(2,) dtype=float32>, "
        "<tf.Tensor 'Identity_2:0' shape=() dtype=int32>)}")


def test_concrete_function_of_nested_and_empty_arguments_prints_like_tensorflow():
    @tf.function
    def h(xs):
        return [xs[0], xs[1]]

    @tf.function
    def nothing():
        return None

    c = h.get_concrete_function([tf.constant(1), tf.constant(2.0)])
    specs = ("List[TensorSpec(shape=(), dtype=tf.int32, name=None), "
             "TensorSpec(shape=(), dtype=tf.float32, name=None)]")
    assert str(c) == (f"ConcreteFunction Input Parameters:\n  xs (POSITIONAL_OR_KEYWORD): "
                      f"{specs}\nOutput Type:\n  {specs}\nCaptures:\n  None")
    assert repr(c.structured_input_signature) == (
        "(([TensorSpec(shape=(), dtype=tf.int32, name='xs_0'), "
        "TensorSpec(shape=(), dtype=tf.float32, name='xs_1')],), {})")
    empty = nothing.get_concrete_function()
    assert str(empty) == ("ConcreteFunction Input Parameters:\nOutput Type:\n"
                          "  Literal[None]\nCaptures:\n  None")
    assert repr(empty).startswith("<ConcreteFunction () -> Literal[None] at 0x")


def test_a_shape_generic_signature_stops_running_the_python_body_after_two_shapes():
    # TF runs the body once; Tapescope traces concretely, so the second shape traces again
    # to prove no size was baked in, and every later one replays the first graph.
    texts = []

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def double_rows(x):
        texts.append(str(x))
        return tf.reduce_sum(x * 2.0, axis=1)

    for n in (2, 5, 7, 1):
        np.testing.assert_array_equal(double_rows(tf.ones([n, 3])).numpy(), [6.0] * n)
    assert texts == ['Tensor("x:0", shape=(None, 3), dtype=float32)'] * 2
    assert double_rows.experimental_get_tracing_count() == 1


def test_a_mean_gradient_follows_the_batch_size_in_replays():
    # the gradient of a mean multiplies by 1/batch_size: a constant the replay recomputes
    # for each batch size (engine.graph.sized), so the body runs for the check only
    w = tf.Variable(tf.ones([3, 1]))
    traces = []

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def grad_of_mean(x):
        traces.append(1)
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.matmul(x, w) ** 2)
        return tape.gradient(loss, w)

    for n in (2, 5, 7, 1):
        x = np.arange(3 * n, dtype=np.float32).reshape(n, 3)
        want = 2 * x.T @ (x @ np.ones((3, 1), np.float32)) / n
        np.testing.assert_allclose(grad_of_mean(tf.constant(x)).numpy(), want, rtol=1e-6)
    assert len(traces) == 2 and grad_of_mean.experimental_get_tracing_count() == 1


def test_a_size_baked_into_the_graph_keeps_tracing_per_shape_and_stays_right(capsys):
    # len() of a traced tensor gives the trace's size (TF raises for a None size): a
    # constant of the graph, so each batch size traces the body (which prints, as it
    # really ran), and every result is right
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def shifted(x):
        print("tracing")
        return x + float(len(x))

    for n in (2, 5, 7, 1):
        np.testing.assert_array_equal(shifted(tf.ones([n])).numpy(), [1.0 + n] * n)
    assert capsys.readouterr().out == "tracing\n" * 4
    assert shifted.experimental_get_tracing_count() == 1


def test_a_replayed_graph_updates_variables_as_the_traced_one_does():
    # (a training step's gradients of reductions bake the batch size into BroadcastTo's
    # shape today, so those keep tracing per batch size; this update has none)
    w = tf.Variable(tf.zeros([2]))
    traces = []

    @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
    def accumulate(x):
        traces.append(1)
        w.assign_add(tf.reduce_sum(x, axis=0))
        return tf.reduce_sum(x * w, axis=1)

    expected_w = np.zeros([2], np.float32)
    for n in (3, 5, 7, 9):
        x = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
        expected_w = expected_w + x.sum(axis=0)
        np.testing.assert_allclose(accumulate(tf.constant(x)).numpy(), (x * expected_w).sum(1),
                                   rtol=1e-6)
        np.testing.assert_allclose(w.numpy(), expected_w, rtol=1e-6)
    assert len(traces) == 2  # 7 and 9 replay the first graph
