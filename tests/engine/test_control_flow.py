# ruff: noqa: E501
"""tf.print prints what TensorFlow prints, every time it runs; control flow inside a traced
tf.function becomes graph structure (a While node, a SelectV2), not trace-time Python.

Values and gradients of tf.cond / tf.while_loop / tf.map_fn / tf.TensorArray / tf.Module are
compared with TensorFlow in parity/cases_control.py; this file holds what parity cannot
see: printed text, when it is printed, and the shape of the traced graph.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
from gradcheck import check_gradient

import engine as tf

# TensorFlow 2.21's output for each call, made in a tensorflow-cpu==2.21 environment
# (TensorFlow's kernel writes to the process's stdout, so each call runs between flushed
# markers):
#
#     for call in CALLS:
#         print("@@@" + call, flush=True); eval(call); sys.stdout.flush()
#
# and the text between markers pasted here.
PRINTED = [  # the calls as written, one per line: long lines kept whole
    ('tf.print(tf.constant([1, 2, 3]), output_stream=sys.stdout)',
     '[1 2 3]\n'),
    ('tf.print("x:", tf.constant([1.5, 2.0, -3.25]), 7, 2.5, True, None, [1, tf.constant(2)], {"a": tf.constant(1.)}, output_stream=sys.stdout)',
     "x: [1.5 2 -3.25] 7 2.5 True None [1, 2] {'a': 1}\n"),
    ('tf.print(tf.constant([[1, 2], [3, 4]]), output_stream=sys.stdout)',
     '[[1 2]\n [3 4]]\n'),
    ('tf.print(tf.range(10), output_stream=sys.stdout)',
     '[0 1 2 ... 7 8 9]\n'),
    ('tf.print(tf.reshape(tf.range(24), [2, 3, 4]), output_stream=sys.stdout)',
     '[[[0 1 2 3]\n  [4 5 6 7]\n  [8 9 10 11]]\n\n [[12 13 14 15]\n  [16 17 18 19]\n  [20 21 22 23]]]\n'),
    ('tf.print(tf.range(10), summarize=2, output_stream=sys.stdout)',
     '[0 1 ... 8 9]\n'),
    ('tf.print(tf.range(10), summarize=-1, output_stream=sys.stdout)',
     '[0 1 2 3 4 5 6 7 8 9]\n'),
    ('tf.print(tf.reshape(tf.range(30), [3, 10]), summarize=2, output_stream=sys.stdout)',
     '[[0 1 ... 8 9]\n [10 11 ... 18 19]\n [20 21 ... 28 29]]\n'),
    ('tf.print(tf.reshape(tf.range(64), [8, 8]), output_stream=sys.stdout)',
     '[[0 1 2 ... 5 6 7]\n [8 9 10 ... 13 14 15]\n [16 17 18 ... 21 22 23]\n ...\n [40 41 42 ... 45 46 47]\n [48 49 50 ... 53 54 55]\n [56 57 58 ... 61 62 63]]\n'),
    ('tf.print(tf.constant(3.0), tf.constant(True), tf.constant([True, False]), output_stream=sys.stdout)',
     '3 1 [1 0]\n'),
    ('tf.print(tf.constant([0.1, 1e-8, 123456789.0]), output_stream=sys.stdout)',
     '[0.1 1e-08 123456792]\n'),
    ('tf.print(tf.constant([1.0, 2.0], tf.float64), tf.constant(np.nan), tf.constant([np.inf, -np.inf]), output_stream=sys.stdout)',
     '[1 2] nan [inf -inf]\n'),
    ('tf.print("a", "b", sep="-", end="!\\n", output_stream=sys.stdout)',
     'a-b!\n'),
    ('tf.print(tf.constant([[1.5]]), tf.zeros([0]), output_stream=sys.stdout)',
     '[[1.5]] []\n'),
    ('tf.print(tf.constant(0.1), tf.constant(1/3), tf.constant(1e10), tf.constant(1e-5), tf.constant(100.0), output_stream=sys.stdout)',
     '0.1 0.333333343 1e+10 1e-05 100\n'),
    ('tf.print(tf.constant(1/3, tf.float64), tf.constant(2.0, tf.float16), tf.constant([0, 255], tf.uint8), output_stream=sys.stdout)',
     '0.33333333333333331 2 [0 255]\n'),
    ('tf.print(tf.Variable([1., 2.]), output_stream=sys.stdout)',
     '[1 2]\n'),
    ("tf.print((tf.constant(1), 'text', tf.constant([2.5])), output_stream=sys.stdout)",
     "(1, 'text', [2.5])\n"),
]


@pytest.mark.parametrize(("code", "expected"), PRINTED, ids=[c for c, _ in PRINTED])
def test_print_writes_what_tensorflow_writes(capsys, code, expected):
    eval(code, {"tf": tf, "np": np, "sys": sys})  # noqa: S307 - the cases above
    assert capsys.readouterr().out == expected


def test_print_goes_to_stderr_by_default(capsys):
    tf.print("loss", tf.constant(0.25))
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "loss 0.25\n")


def test_print_in_function_prints_at_every_call_not_at_trace(capsys):
    @tf.function
    def step(x):
        tf.print("step", x, output_stream=sys.stdout)
        return x + 1

    concrete = step.get_concrete_function(tf.constant(1))
    assert capsys.readouterr().out == ""  # tracing printed nothing
    step(tf.constant(1))
    step(tf.constant(2))
    assert capsys.readouterr().out == "step 1\nstep 2\n"
    # the node outlives the optimizer although nothing consumes its (absent) output
    assert "PrintV2" in concrete.optimized_graph.op_counts()


def test_print_in_function_under_a_tape_prints_once_per_call(capsys):
    @tf.function
    def f(x):
        tf.print(x, output_stream=sys.stdout)
        return x * x

    x = tf.constant(3.)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    assert float(tape.gradient(y, x)) == 6.0
    assert capsys.readouterr().out == "3\n"


def test_print_to_a_file(tmp_path):
    target = tmp_path / "log.txt"
    tf.print("a", tf.constant([1, 2]), output_stream=f"file://{target}")
    tf.print("b", output_stream=f"file://{target}")
    assert target.read_text() == "a [1 2]\nb\n"


def test_print_refuses_an_unknown_stream_and_keyword():
    with pytest.raises(ValueError, match="Unsupported output stream"):
        tf.print("x", output_stream=object())
    with pytest.raises(ValueError, match="Unrecognized keyword arguments for tf.print"):
        tf.print("x", color="red")


def test_cond_in_function_is_one_if_node_holding_both_traced_branches():
    @tf.function
    def f(x):
        return tf.cond(x > 0., lambda: tf.sqrt(x), lambda: tf.exp(x))

    graph = f.get_concrete_function(tf.constant(1.)).graph
    assert graph.op_counts()["If"] == 1 and "SelectV2" not in graph.op_counts()
    node = next(n for n in graph.nodes if n.type == "If")
    assert node.attrs["then_graph"].op_counts()["Sqrt"] == 1
    assert node.attrs["else_graph"].op_counts()["Exp"] == 1
    assert float(f(tf.constant(4.))) == 2.0
    assert float(f(tf.constant(0.))) == 1.0


def test_cond_in_function_runs_only_the_taken_branch(capfd):
    v = tf.Variable(0.0)

    @tf.function
    def f(x):
        def positive():
            v.assign_add(1.0)
            tf.print("taken: positive")
            return x * 2.0

        def negative():
            v.assign_add(10.0)
            tf.print("taken: negative")
            return tf.math.log(x - 100.0)  # NaN, were it computed for a positive x

        return tf.cond(x > 0, positive, negative)

    assert float(f(tf.constant(3.0))) == 6.0
    assert float(v) == 1.0  # neither the trace nor the untaken branch assigned
    assert capfd.readouterr().err == "taken: positive\n"
    assert np.isnan(float(f(tf.constant(-3.0))))
    assert float(v) == 11.0
    assert capfd.readouterr().err == "taken: negative\n"
    assert f.experimental_get_tracing_count() == 1


def test_cond_in_function_differentiates_the_taken_branch_inside_and_outside():
    @tf.function
    def inside(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = tf.cond(x > 0, lambda: x * x, lambda: tf.sin(x))
        return tape.gradient(y, x)

    @tf.function
    def f(x):
        return tf.cond(x > 0, lambda: x * x, lambda: tf.sin(x))

    for x0, want in ((3.0, 6.0), (-1.0, np.cos(-1.0))):
        assert float(inside(tf.constant(x0))) == pytest.approx(want, rel=1e-6)
        x = tf.constant(x0)
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        assert float(tape.gradient(y, x)) == pytest.approx(want, rel=1e-6)
        eps = 1e-3  # and finite differences of the compiled function agree
        numeric = (float(f(tf.constant(x0 + eps))) - float(f(tf.constant(x0 - eps)))) / (2 * eps)
        assert numeric == pytest.approx(want, rel=1e-2)


def test_while_loop_trace_does_not_assign_or_print(capfd):
    v = tf.Variable(0.0)

    @tf.function
    def f(n):
        def body(i):
            v.assign_add(1.0)
            tf.print("step", i)
            return (i + 1,)

        return tf.while_loop(lambda i: i < n, body, (tf.constant(0),))

    assert int(f(tf.constant(2))[0]) == 2
    assert float(v) == 2.0  # twice per call, never while tracing
    assert capfd.readouterr().err == "step 0\nstep 1\n"


def test_while_loop_in_function_is_one_node_that_runs_per_call_values():
    @tf.function
    def f(n):
        return tf.while_loop(lambda i, s: i < n, lambda i, s: (i + 1, s + i), (0, 0))

    graph = f.get_concrete_function(tf.constant(3)).graph
    assert graph.op_counts()["While"] == 1
    assert [int(v) for v in f(tf.constant(3))] == [3, 3]
    assert [int(v) for v in f(tf.constant(5))] == [5, 10]  # same trace, more iterations
    assert f.experimental_get_tracing_count() == 1


def test_while_loop_in_function_keeps_shape_and_dtype_of_its_vars():
    @tf.function
    def f(x):
        return tf.while_loop(lambda v: tf.reduce_sum(v) < 100., lambda v: [v * 2.], [x])

    (out,) = f(tf.constant([1., 2.]))
    assert out.dtype == tf.float32 and out.shape == (2,)
    np.testing.assert_array_equal(out.numpy(), [64., 128.])


def test_tensor_array_write_returns_a_new_array_sharing_storage():
    ta = tf.TensorArray(tf.float32, size=2)
    written = ta.write(0, 1.)
    assert written is not ta
    assert float(ta.read(0)) == 1.0


def test_module_with_name_scope_names_ops():
    class Block(tf.Module):
        @tf.Module.with_name_scope
        def __call__(self, x):
            return x * 2.

    block = Block(name="blk")

    @tf.function
    def f(x):
        return block(x)

    graph = f.get_concrete_function(tf.constant(1.)).graph
    assert any(node.scope == "blk" for node in graph.nodes)


# -- tf.IndexedSlices: where the sparse gradient meets the rest of Tapescope ---------------

def test_sparse_gradient_reaches_the_debugger_as_its_dense_value():
    from debugger.probe import Probe

    log: list[dict] = []
    probe = Probe(log.append, mode="CONCISE_HEALTH").attach()
    try:
        table = tf.Variable([[3., 4.], [1., 1.]], name="table")
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(table, [0, 0]))
        grad = tape.gradient(loss, table)
    finally:
        probe.detach()
    assert isinstance(grad, tf.IndexedSlices)
    (event,) = [e for e in log if e["kind"] == "gradient"]
    assert event["sources"][0]["norm"] == pytest.approx(np.sqrt(2 * 2 ** 2))  # rows summed


def test_sparse_gradient_leaves_a_tf_function_as_indexed_slices():
    # as TensorFlow 2.21 returns it (tests/engine/parity/cases_traced.py)
    @tf.function
    def grad_of_lookup(table):
        with tf.GradientTape() as tape:
            tape.watch(table)
            loss = tf.reduce_sum(tf.gather(table, [1, 1]) * 2.)
        return tape.gradient(loss, table)

    got = grad_of_lookup(tf.constant([[1., 2.], [3., 4.]]))
    assert isinstance(got, tf.IndexedSlices)
    np.testing.assert_array_equal(got.indices.numpy(), [1, 1])
    np.testing.assert_array_equal(tf.convert_to_tensor(got).numpy(), [[0., 0.], [4., 4.]])


def test_traced_training_step_applies_a_sparse_gradient():
    table = tf.Variable([[1., 2.], [3., 4.]])
    opt = tf.keras.optimizers.SGD(0.5)

    @tf.function
    def step(ids):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(tf.gather(table, ids))
        opt.apply_gradients([(tape.gradient(loss, table), table)])

    step(tf.constant([1, 1]))
    step(tf.constant([0, 1]))
    np.testing.assert_array_equal(table.numpy(), [[0.5, 1.5], [1.5, 2.5]])


def test_sparse_gradients_sum_through_a_second_order_tape():
    x = tf.constant([1., 2., 3.])
    with tf.GradientTape() as outer:
        outer.watch(x)
        with tf.GradientTape() as inner:
            inner.watch(x)
            y = tf.reduce_sum(tf.gather(x, [2, 2]) ** 3)
        g = inner.gradient(y, x)
        dense = tf.convert_to_tensor(g)
    np.testing.assert_allclose(dense.numpy(), [0., 0., 54.])
    second = outer.gradient(dense, x)  # through the gather again: sparse once more
    np.testing.assert_allclose(tf.convert_to_tensor(second).numpy(), [0., 0., 36.])


def test_tensor_array_loop_variable_of_a_traced_while_loop():
    @tf.function
    def f(n, x):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        _, ta = tf.while_loop(lambda i, ta: i < n,
                              lambda i, ta: (i + 1, ta.write(i, x * tf.cast(i, tf.float32))),
                              (0, ta))
        return ta.stack(), ta.size()

    values, size = f(tf.constant(3), tf.constant(2.0))
    np.testing.assert_array_equal(values.numpy(), [0.0, 2.0, 4.0])
    assert int(size) == 3


def test_gradient_of_a_tensor_array_loop_variable_of_a_traced_while_loop():
    @tf.function
    def f(x):
        ta = tf.TensorArray(tf.float64, size=3, element_shape=[2])
        _, ta = tf.while_loop(lambda i, ta: i < 3,
                              lambda i, ta: (i + 1, ta.write(i, tf.sin(x) * tf.cast(
                                  i + 1, tf.float64))), (0, ta))
        return ta.stack()

    check_gradient(f, [np.array([0.4, -0.9])])


def test_nested_traced_loops_capture_the_functions_arguments():
    @tf.function
    def f(n, step):
        def outer_body(i, total):
            _, inner = tf.while_loop(lambda j, s: j < n, lambda j, s: (j + 1, s + step),
                                     (0, tf.constant(0.)))
            return i + 1, total + inner

        return tf.while_loop(lambda i, t: i < n, outer_body, (0, tf.constant(0.)))[1]

    assert float(f(tf.constant(2), tf.constant(1.))) == 4.0
    assert float(f(tf.constant(3), tf.constant(0.5))) == 4.5  # n * n * step, per call


def test_tape_around_a_function_differentiates_its_loop_iterations():
    @tf.function
    def power(x, n):
        return tf.while_loop(lambda i, y: i < n, lambda i, y: (i + 1, y * x),
                             (0, tf.ones_like(x)))[1]

    x = tf.constant([2., 3.])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = power(x, tf.constant(3))
    np.testing.assert_array_equal(y.numpy(), [8., 27.])
    np.testing.assert_array_equal(tape.gradient(y, x).numpy(), [12., 27.])  # 3x²
    assert power.experimental_get_tracing_count() == 1
