"""AutoGraph's transform itself: the user's line numbers survive it, Python loops stay
unrolled, closures/defaults/decorators keep working, nested loops, ``to_code`` and
``do_not_convert``; and what the debugger sees of converted control flow (the ops that ran,
the graph export). TensorFlow parity of the results is in parity/cases_autograph.py."""

from __future__ import annotations

import functools
import inspect
import traceback

import numpy as np
import pytest
from gradcheck import OpLog, check_gradient

import engine as tf
from engine.context import set_hook
from engine.graph.trace import OperatorNotAllowedInGraphError


def _line_of(fn, text: str) -> int:
    """The file line of the first source line of ``fn`` containing ``text``."""
    lines, first = inspect.getsourcelines(fn)
    return first + next(i for i, line in enumerate(lines) if text in line)


def _nodes(graph):
    """Every node of a traced graph and of the graphs its If/While nodes hold."""
    for node in graph.nodes:
        yield node
        for key in ("then_graph", "else_graph", "cond_graph", "body_graph"):
            if key in node.attrs:
                yield from _nodes(node.attrs[key])


# -- line numbers ----------------------------------------------------------------------------

def test_an_error_inside_a_converted_branch_names_the_users_line():
    @tf.function
    def f(x):
        if x > 0:
            y = x + 1.0
        else:
            y = tf.reshape(x, [5])  # fails while the else branch is traced
        return y

    with pytest.raises(Exception) as info:  # noqa: PT011 - the traceback is what is checked
        f(tf.constant(1.0))
    frames = [(fr.filename, fr.lineno) for fr in traceback.extract_tb(info.tb)]
    assert (__file__, _line_of(f.python_function, "tf.reshape(x, [5])")) in frames


def test_traced_nodes_keep_the_users_source_lines():
    @tf.function
    def f(x):
        total = tf.constant(0.0)
        for i in tf.range(3):
            total += tf.cast(i, tf.float32) * x
        if total > 1.0:
            total = tf.sqrt(total)
        return total

    graph = f.get_concrete_function(tf.constant(2.0)).graph
    lines = {n.type: n.source for n in _nodes(graph)}
    fn = f.python_function
    assert lines["Sqrt"] == (__file__, _line_of(fn, "tf.sqrt(total)"))
    assert lines["Cast"] == (__file__, _line_of(fn, "tf.cast(i, tf.float32)"))
    assert lines["If"] == (__file__, _line_of(fn, "if total > 1.0"))
    assert lines["While"] == (__file__, _line_of(fn, "for i in tf.range(3)"))


# -- what is converted and what stays Python -----------------------------------------------------

def test_loops_over_python_values_stay_unrolled():
    @tf.function
    def f(x):
        for _ in range(3):
            x = x * 2.0
        k = 0
        while k < 2:
            x = x + 1.0
            k += 1
        return x

    graph = f.get_concrete_function(tf.constant(1.0)).graph
    counts = graph.op_counts()
    assert "While" not in counts and "If" not in counts
    assert counts["Mul"] == 3 and counts["AddV2"] == 2
    assert float(f(tf.constant(1.0))) == 10.0


def test_a_python_if_is_decided_once_per_trace():
    traced = []

    @tf.function
    def f(x, training):
        traced.append(training)
        if training:
            x = x * 0.5
        return x

    assert float(f(tf.constant(4.0), True)) == 2.0
    assert float(f(tf.constant(6.0), True)) == 3.0
    assert float(f(tf.constant(4.0), False)) == 4.0
    assert traced == [True, False]
    assert "If" not in f.get_concrete_function(tf.constant(1.0), True).graph.op_counts()


def test_nested_tensor_loops_are_nested_while_nodes():
    @tf.function
    def f(n):
        count = tf.constant(0)
        for i in tf.range(n):
            j = tf.constant(0)
            while j < i:
                count += 1
                j += 1
        return count

    graph = f.get_concrete_function(tf.constant(4)).graph
    outer = next(node for node in graph.nodes if node.type == "While")
    assert outer.attrs["body_graph"].op_counts()["While"] == 1
    assert int(f(tf.constant(4))) == 6 and int(f(tf.constant(6))) == 15


def test_closures_defaults_and_decorators_survive_conversion():
    scale = tf.constant(3.0)

    def logged(fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs)
        return wrapper

    @tf.function
    @logged
    def f(x, offset=1.0, *, power=2):
        if x > 0:
            y = scale * x ** power + offset
        else:
            y = offset - x
        return y

    assert float(f(tf.constant(2.0))) == 13.0
    assert float(f(tf.constant(-2.0), offset=5.0)) == 7.0
    assert float(f(tf.constant(2.0), power=1)) == 7.0
    scale = tf.constant(10.0)  # the closure cell is the function's own, not a copy
    assert float(f(tf.constant(1.0), 0.5)) == 10.5


def test_called_user_functions_are_converted_recursively():
    def clip(v):
        if v > 1.0:
            v = tf.constant(1.0)
        return v

    def helper(v):
        return clip(v) * 2.0

    @tf.function
    def f(x):
        return helper(x)

    assert float(f(tf.constant(5.0))) == 2.0
    assert float(f(tf.constant(0.25))) == 0.5
    assert f.experimental_get_tracing_count() == 1


def test_do_not_convert_leaves_python_control_flow_as_written():
    @tf.autograph.experimental.do_not_convert
    def raw(v):
        if v > 0:
            return v
        return -v

    @tf.function
    def f(x):
        return raw(x)

    with pytest.raises(OperatorNotAllowedInGraphError, match="Python `bool`"):
        f(tf.constant(1.0))


def test_to_code_shows_the_converted_operators():
    def f(x):
        while x > 0:
            x -= 1
        return x

    code = tf.autograph.to_code(f)
    assert "ag__.while_stmt(" in code and "def loop_body_" in code
    assert "while x > 0" not in code


def test_a_function_without_source_runs_unconverted_with_a_warning():
    namespace = {"tf": tf}
    exec(compile("def g(x):\n    if x > 0:\n        return x\n    return -x\n",  # noqa: S102
                 "<no source>", "exec"), namespace)
    f = tf.function(namespace["g"])
    with pytest.warns(UserWarning, match="AutoGraph could not transform g"), \
            pytest.raises(OperatorNotAllowedInGraphError):
        f(tf.constant(1.0))


# -- gradients: finite differences ------------------------------------------------------------

@pytest.mark.parametrize("x0", [-1.3, 0.7, 2.2])
def test_gradient_through_converted_if_and_while_matches_finite_differences(x0):
    @tf.function
    def f(x):
        y = x
        i = tf.constant(0)
        while i < 3:
            if y > 1.0:
                y = tf.sqrt(y) * x
            else:
                y = y * y + tf.sin(x)
            i += 1
        return y

    x = tf.constant(x0, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    grad = float(tape.gradient(y, x))
    eps = 1e-6
    numeric = (float(f(tf.constant(x0 + eps, tf.float64)))
               - float(f(tf.constant(x0 - eps, tf.float64)))) / (2 * eps)
    assert grad == pytest.approx(numeric, rel=1e-5, abs=1e-8)


# -- what the debugger sees ------------------------------------------------------------------

def test_the_debugger_sees_only_the_ops_of_the_branch_that_ran():
    @tf.function
    def f(x):
        if tf.reduce_sum(x) > 0:
            y = tf.sqrt(x)
        else:
            y = tf.math.log(x - 100.0)
        return y

    class WhereLog(OpLog):
        def __init__(self) -> None:
            super().__init__()
            self.where: dict = {}

        def op_executed(self, op, inputs, outputs, attrs, seconds) -> None:
            super().op_executed(op, inputs, outputs, attrs, seconds)
            node = self.graph_node
            self.where[op.name] = (node.name, node.source) if node is not None else None

    f(tf.constant([4.0]))  # traced without a debugger attached
    log = WhereLog()
    previous = set_hook(log)
    try:
        value = f(tf.constant([4.0, 9.0]))
    finally:
        set_hook(previous)
    np.testing.assert_array_equal(value.numpy(), [2.0, 3.0])
    assert "Sqrt" in log.names and "Log" not in log.names and "Sub" not in log.names
    # each op of the branch is told by its path in the If node (the graph event holds the
    # branches by role), at the user's own line of that op in the branch
    assert log.where["Sqrt"] == ("If/then/Sqrt",
                                 (__file__, _line_of(f.python_function, "tf.sqrt(x)")))


def test_recording_a_converted_if_reports_no_nan_from_the_branch_not_taken(tmp_path):
    from app.cli import main
    from debugger.tracefile import TraceReader

    script = tmp_path / "branchy.py"
    script.write_text(
        "import engine as tf\n\n"
        "@tf.function\n"
        "def f(x):\n"
        "    if tf.reduce_sum(x) > 0:\n"
        "        y = tf.sqrt(x)\n"
        "    else:\n"
        "        y = tf.math.log(x - 100.0)  # NaN for these inputs, were it run\n"
        "    return y\n\n"
        "for v in (4.0, 9.0):\n"
        "    print(f(tf.constant([v, v])).numpy())\n")
    trace = tmp_path / "branchy.tsdb"
    assert main(["record", str(script), "-o", str(trace)]) == 0
    with TraceReader(trace) as reader:
        ops = list(reader.ops())
    # the compiled run reports the ops of the branch taken, not the If holding them
    assert [e["name"] for e in ops if "If" in e["name"]] == ["If/then/Sqrt"] * 2
    assert not any(s.get("nan") or s.get("bad") for e in ops for s in e.get("summary") or [])
    out = tmp_path / "f.dot"
    assert main(["export-graph", str(script), "-o", str(out)]) == 0
    assert 'label="If' in out.read_text()


def test_autograph_false_keeps_tensorflows_error_text():
    @tf.function(autograph=False)
    def f(x):
        while x > 0:
            x -= 1
        return x

    with pytest.raises(OperatorNotAllowedInGraphError,
                       match="Using a symbolic `tf.Tensor` as a Python `bool` is not allowed"):
        f(tf.constant(2))


def test_calls_after_the_trace_do_not_run_the_converted_python_body():
    """A converted function's graph is compiled like any other: one trace serves both
    branches' calls."""
    runs = []

    @tf.function
    def f(x):
        runs.append(1)
        if x > 0:
            x = x * 2.0
        return x

    for v in (1.0, -1.0, 2.0):
        f(tf.constant(v))
    assert len(runs) == 1



def test_a_tensor_array_filled_in_a_tensor_loop_says_when_its_length_changes():
    """Tapescope's graphs have static shapes: a dynamic_size array whose length follows an
    argument's value works for the traced length and stops with a clear error for another
    (never a wrong result or a numpy traceback)."""
    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
        for i in tf.range(n):
            ta = ta.write(i, tf.cast(i, tf.float32))
        return ta.stack() * 2.0

    np.testing.assert_array_equal(f(tf.constant(3)).numpy(), [0.0, 2.0, 4.0])
    np.testing.assert_array_equal(f(tf.constant(3)).numpy(), [0.0, 2.0, 4.0])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="'ta' filled in a loop is 5 in this call but was 3"):
        f(tf.constant(5))


def test_a_tensor_array_of_a_size_given_by_a_value_says_when_it_changes():
    @tf.function
    def f(n):
        ta = tf.TensorArray(tf.int32, size=n)
        for i in tf.range(n):
            ta = ta.write(i, i * i)
        return ta.stack()

    np.testing.assert_array_equal(f(tf.constant(4)).numpy(), [0, 1, 4, 9])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="A tf.TensorArray's size is 2 in this call but was 4"):
        f(tf.constant(2))


def test_gradient_through_a_tensor_array_written_in_a_tensor_loop_matches_differences():
    @tf.function
    def f(x, w):
        ta = tf.TensorArray(tf.float64, size=0, dynamic_size=True)
        h = w
        for i in tf.range(tf.shape(x)[0]):
            h = tf.tanh(x[i] * h + w)
            ta = ta.write(i, h * x[i])
        return ta.stack()

    names = check_gradient(f, [np.array([0.3, -1.2, 0.7, 2.0]), np.array([0.5, -0.25])])
    assert "TensorListSetItem" in names  # the array's dense form, written by the loop


def test_gradient_through_a_tensor_array_read_back_in_the_loop_matches_differences():
    """Reads of elements written by earlier iterations (a recurrence kept in the array)."""
    @tf.function
    def f(x):
        ta = tf.TensorArray(tf.float64, size=5, clear_after_read=False)
        ta = ta.write(0, x[0])
        ta = ta.write(1, x[1])
        for i in tf.range(2, 5):
            ta = ta.write(i, ta.read(i - 1) * ta.read(i - 2) + x[2])
        return ta.stack()

    check_gradient(f, [np.array([0.5, -1.5, 0.25])])


def test_gradient_through_a_tensor_array_loop_taken_inside_the_function():
    @tf.function
    def f(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            ta = tf.TensorArray(tf.float32, size=3)
            for i in tf.range(3):
                ta = ta.write(i, x ** tf.cast(i + 1, tf.float32))
            y = tf.reduce_sum(ta.stack() * tf.constant([1.0, 2.0, 3.0]))
        return y, tape.gradient(y, x)

    y, g = f(tf.constant(2.0))
    assert float(y) == 2.0 + 2 * 4.0 + 3 * 8.0
    assert float(g) == 1.0 + 2 * 2 * 2.0 + 3 * 3 * 4.0


def test_a_tensor_array_in_a_python_loop_and_a_dataset_loop_are_unrolled():
    @tf.function
    def f(ds):
        ta = tf.TensorArray(tf.float32, size=2)
        for k, x in enumerate(ds):
            ta = ta.write(k, tf.reduce_sum(x))
        return ta.stack()

    ds = tf.data.Dataset.from_tensor_slices([1.0, 2.0, 3.0]).batch(2)
    np.testing.assert_array_equal(f(ds).numpy(), [3.0, 3.0])


def test_generator_functions_called_while_tracing_are_left_as_written():
    def pairs(x):
        for k in range(2):
            yield x * k

    @tf.function
    def f(x):
        total = x
        for v in pairs(x):
            if v > 0:
                total += v
        return total

    assert float(f(tf.constant(2.0))) == 4.0
    assert float(f(tf.constant(-2.0))) == -2.0


def test_a_converted_loop_under_an_input_signature_prints_only_when_called(capfd):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        total = tf.constant(0.0)
        for v in x:
            tf.print("v", v)
            total += v
        return total

    assert float(f(tf.constant([1.0, 2.0]))) == 3.0
    assert float(f(tf.constant([1.0, 2.0, 3.0]))) == 6.0  # a new size: traced again
    assert float(f(tf.constant([4.0]))) == 4.0
    assert capfd.readouterr().err == "v 1\nv 2\nv 1\nv 2\nv 3\nv 4\n"
    assert f.experimental_get_tracing_count() == 1


def test_a_nested_def_keeps_its_decorators():
    @tf.function
    def f(x):
        @tf.custom_gradient
        def doubled_gradient(v):
            def grad(dy):
                return 2.0 * dy
            return tf.identity(v), grad

        with tf.GradientTape() as tape:
            tape.watch(x)
            y = doubled_gradient(x)
            if y > 0:
                y = y * 3.0
        return tape.gradient(y, x)

    assert float(f(tf.constant(1.0))) == 6.0
    assert float(f(tf.constant(-1.0))) == 2.0


@pytest.mark.parametrize("x0", [-0.8, 0.3, 1.1])
def test_gradient_taken_inside_the_function_through_a_converted_while_matches_finite_differences(
        x0):
    @tf.function
    def grad(x, n):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = x
            i = tf.constant(0)
            while i < n:
                y = y * x + tf.sin(y)
                i += 1
        return y, tape.gradient(y, x)

    n = tf.constant(3)
    y, g = grad(tf.constant(x0, tf.float64), n)
    eps = 1e-6
    numeric = (float(grad(tf.constant(x0 + eps, tf.float64), n)[0])
               - float(grad(tf.constant(x0 - eps, tf.float64), n)[0])) / (2 * eps)
    assert float(g) == pytest.approx(numeric, rel=1e-5, abs=1e-8)
    assert grad.experimental_get_tracing_count() == 1


# -- for x in dataset: a loop the graph runs ---------------------------------------------------

def test_a_dataset_loop_reads_the_dataset_when_the_graph_runs_not_while_tracing():
    """The pipeline runs once per call (its map function's Python side effect counts the
    elements read), never at trace time; the loop is one While node, not unrolled."""
    read = []

    def note(v):
        read.append(int(v))
        return v * 2

    ds = tf.data.Dataset.range(3).map(note)

    @tf.function
    def f(ds):
        total = tf.constant(0, tf.int64)
        for x in ds:
            total += x
        return total

    graph = f.get_concrete_function(ds).graph
    assert read == [0]  # the element spec: map's function ran once on the first element
    assert "While" in graph.op_counts() and "MakeIterator" in graph.op_counts()
    assert int(f(ds)) == 6 and int(f(ds)) == 6
    assert read == [0, 0, 1, 2, 0, 1, 2]


def test_a_dataset_loop_reshuffles_on_each_call():
    ds = tf.data.Dataset.range(10).shuffle(10, seed=5)

    @tf.function
    def f(ds):
        ta = tf.TensorArray(tf.int64, size=0, dynamic_size=True)
        i = 0
        for x in ds:
            ta = ta.write(i, x)
            i += 1
        return ta.stack()

    orders = [f(ds).numpy().tolist() for _ in range(3)]
    assert all(sorted(order) == list(range(10)) for order in orders)
    assert len({tuple(order) for order in orders}) == 3  # not baked in at trace time


def test_a_dataset_loop_stops_an_endless_dataset_at_a_tensor_break():
    @tf.function
    def f(ds, limit):
        total = tf.constant(0, tf.int64)
        for v in ds:
            if total > limit:
                break
            total += v
        return total

    ds = tf.data.Dataset.range(5).repeat()
    assert int(f(ds, tf.constant(20, tf.int64))) == 21
    assert int(f(ds, tf.constant(100, tf.int64))) == 101


def test_a_dataset_of_elements_of_varying_shape_is_still_unrolled():
    """A last partial batch has another shape: Tapescope's graph values have static shapes,
    so that loop is unrolled over the elements seen while tracing (as before)."""
    @tf.function
    def f(ds):
        total = tf.constant(0, tf.int64)
        for batch in ds:
            total += tf.reduce_sum(batch)
        return total

    ds = tf.data.Dataset.range(5).batch(2)
    assert int(f(ds)) == 10
    assert "While" not in f.get_concrete_function(ds).graph.op_counts()


# -- loops that never run, loop options ----------------------------------------------------------

def test_a_name_first_bound_in_a_loop_that_never_ran_gives_tensorflows_error():
    @tf.function
    def f(n):
        for i in tf.range(n):
            y = i * 2
        return y

    assert int(f(tf.constant(3))) == 4
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"assertion failed: \[loop must iterate at least once to "
                             r"initialize y\]"):
        f(tf.constant(0))


def test_a_name_left_unbound_by_a_python_loop_gives_tensorflows_error():
    @tf.function
    def f(x):
        for _ in range(0):
            y = x
        return y

    # TF's AutoGraph reports it "in user code:" with the function's frame, as the engine does
    with pytest.raises(UnboundLocalError, match="(?s)^in user code:.*, in f  \\*\n.*"
                                                "    UnboundLocalError: 'y' is used before "
                                                "assignment\n$"):
        f(tf.constant(1.0))


def test_set_loop_options_limits_a_tensor_loop_and_is_a_no_op_elsewhere():
    @tf.function
    def f(x, n):
        for _ in tf.range(n):
            tf.autograph.experimental.set_loop_options(maximum_iterations=3,
                                                       parallel_iterations=1)
            x = x * 2.0
        for _ in range(2):  # a Python loop: unrolled, the option changes nothing
            tf.autograph.experimental.set_loop_options(maximum_iterations=1)
            x = x + 1.0
        return x

    assert float(f(tf.constant(1.0), tf.constant(10))) == 10.0
    assert float(f(tf.constant(1.0), tf.constant(2))) == 6.0
    tf.autograph.experimental.set_loop_options(maximum_iterations=1)  # eagerly: nothing


def test_shape_invariants_that_relax_a_shape_are_refused_clearly():
    """TensorFlow accepts a loop value growing under a relaxed shape invariant; Tapescope's
    graphs have static shapes, and its error says so (not TensorFlow's own shape error)."""
    @tf.function
    def f(x):
        v = tf.constant([1.0])
        for _ in tf.range(3):
            tf.autograph.experimental.set_loop_options(
                shape_invariants=[(v, tf.TensorShape([None]))])
            v = tf.concat([v, x], 0)
        return v

    with pytest.raises(NotImplementedError, match="'v' changes shape in a loop over a tensor"):
        f(tf.constant([2.0]))


def test_gradient_through_slices_at_a_traced_index_matches_differences():
    @tf.function
    def f(m, w):
        total = tf.zeros([3], tf.float64)
        for i in tf.range(3):
            total += m[i, :] * w[..., i] + m[:, i]
        return total

    check_gradient(f, [np.arange(9.0).reshape(3, 3) / 7.0, np.array([0.5, -1.0, 2.0])])


# -- functions handed to map_fn, lambdas ------------------------------------------------------

_square_above_one = lambda v: v * v if v > 1 else v  # noqa: E731 - a module-level lambda


def test_a_module_level_lambda_called_while_tracing_is_converted():
    @tf.function
    def f(x):
        return _square_above_one(x)

    assert float(f(tf.constant(3.0))) == 9.0
    assert float(f(tf.constant(0.5))) == 0.5
    assert f.experimental_get_tracing_count() == 1


def test_lambdas_sharing_a_line_are_each_converted():
    pair = (lambda v: v + 1.0 if v > 0 else v, lambda v: v - 1.0 if v > 0 else -v)

    @tf.function
    def f(x):
        return pair[0](x), pair[1](x)

    assert [float(t) for t in f(tf.constant(3.0))] == [4.0, 2.0]
    assert [float(t) for t in f(tf.constant(-3.0))] == [-3.0, 3.0]


def test_a_lambda_without_source_runs_as_written_with_a_warning():
    made = eval("lambda v: v * 2.0")  # noqa: S307 - a lambda whose source nobody can read

    @tf.function
    def f(x):
        return made(x)

    with pytest.warns(UserWarning, match="AutoGraph could not transform <lambda>"):
        assert float(f(tf.constant(3.0))) == 6.0


def test_gradient_through_map_fn_of_a_converted_function_matches_differences():
    def piecewise(v):
        if v > 0:
            return v * v * 0.5
        return tf.sin(v)

    @tf.function
    def f(x):
        return tf.map_fn(piecewise, x)

    check_gradient(f, [np.array([1.5, -0.5, 2.0, -1.25])])


# -- a break on a tensor inside a loop over Python values -----------------------------------------

def test_a_break_on_a_tensor_in_a_python_range_loop_gives_tensorflows_error():
    @tf.function
    def f(x):
        for i in range(3):
            if x[i] > 0:
                break
            x = x * 2.0
        return x

    with pytest.raises(NotImplementedError, match="(?s)^in user code:.*NotImplementedError: "
                                                  "break and return statements which depend "
                                                  "on a TF condition are not supported in "
                                                  "Python for loops"):
        f(tf.constant([-1.0, 2.0, 3.0]))


def test_a_python_while_whose_condition_becomes_a_tensor_gives_tensorflows_error():
    @tf.function
    def f(x):
        i = 0
        while i < 5:
            if x > 10:
                break
            x = x * 2
            i += 1
        return x

    with pytest.raises(NotImplementedError, match="(?s)^in user code:.*NotImplementedError: "
                                                  "The condition of while loop started as "
                                                  "non-Tensor, then changed to Tensor"):
        f(tf.constant(1.0))


# -- variables inside converted loops and branches ------------------------------------------------

def test_gradient_of_a_variable_read_in_a_loop_taken_inside_matches_differences():
    """A tape inside the function differentiates a While node (WhileGrad) and an If node:
    variables their graphs read are inputs of the node, so the tape reaches them."""
    w = tf.Variable(np.array([0.7, -0.4]))

    @tf.function
    def f(x, n):
        with tf.GradientTape() as tape:
            y = x
            i = tf.constant(0)
            while i < n:
                y = tf.tanh(y * w + w[0])
                i += 1
            if tf.reduce_sum(y) > -10.0:
                y = y * w[1]
            loss = tf.reduce_sum(y)
        return loss, tape.gradient(loss, w)

    x = tf.constant(np.array([0.3, -1.1]))
    _, grad = f(x, tf.constant(3))
    eps, numeric = 1e-6, np.zeros(2)
    start = w.numpy()
    for k in range(2):
        for sign in (1, -1):
            w.assign(start + sign * eps * np.eye(2)[k])
            numeric[k] += sign * float(f(x, tf.constant(3))[0]) / (2 * eps)
    w.assign(start)
    np.testing.assert_allclose(grad.numpy(), numeric, rtol=1e-6, atol=1e-8)


def test_a_variable_read_before_and_after_a_loop_that_assigns_it_is_read_twice():
    """The optimizer must not merge the two reads: the loop writes in between."""
    w = tf.Variable(1.0)

    @tf.function
    def f(n):
        before = w.read_value()
        for _ in tf.range(n):
            w.assign_add(1.0)
        return before, w.read_value()

    assert [float(t) for t in f(tf.constant(3))] == [1.0, 4.0]


def test_branches_of_different_shapes_follow_the_traced_branch_and_say_so_otherwise():
    """TensorFlow relaxes the shape; Tapescope's graph follows the branch taken while
    tracing (TF's values for it) and a call taking the other one stops with a clear error."""
    @tf.function
    def f(x):
        if x > 0:
            y = tf.fill([2], x)
        else:
            y = tf.zeros([3])
        return y * 2.0

    np.testing.assert_array_equal(f(tf.constant(1.5)).numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(f(tf.constant(2.0)).numpy(), [4.0, 4.0])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Output 0 of the if/tf.cond has shape \[3\] in this call but "
                             r"\[2\] when the tf.function was traced"):
        f(tf.constant(-1.0))


def test_tf_range_of_an_arguments_value_follows_each_call_or_says_why_not():
    """Its values come from each call's bounds; a length other than the traced one stops
    with a clear error (it used to repeat the traced values silently)."""
    @tf.function
    def f(start, limit):
        return tf.range(start, limit) * 2

    assert f(tf.constant(0), tf.constant(3)).numpy().tolist() == [0, 2, 4]
    assert f(tf.constant(5), tf.constant(8)).numpy().tolist() == [10, 12, 14]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="tf.range gives 5 elements in this call but gave 3"):
        f(tf.constant(0), tf.constant(5))


def test_a_tensor_array_of_a_size_given_by_a_value_and_written_at_python_indices():
    """Writes at Python indices into an array whose size is a traced value: the size is
    checked at each call too (the stacked length used to stay the traced one silently)."""
    @tf.function
    def f(n, x):
        ta = tf.TensorArray(tf.float32, size=n)
        ta = ta.write(0, x)
        return ta.stack(), ta.size()

    values, size = f(tf.constant(3), tf.constant(1.5))
    assert values.numpy().tolist() == [1.5, 0.0, 0.0] and int(size) == 3
    assert f(tf.constant(3), tf.constant(2.0))[0].numpy().tolist() == [2.0, 0.0, 0.0]
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="A tf.TensorArray's size is 4 in this call but was 3"):
        f(tf.constant(4), tf.constant(1.0))


def _wrapping(f):
    @functools.wraps(f)
    def wrapper(*args):
        return f(*args)

    return wrapper


class _WithMethod:
    def method(self, x):
        for i in tf.range(3):
            x += i
        return x


def test_source_is_read_as_inspect_finds_it_for_decorated_wrapped_nested_and_methods():
    from engine.autograph import conversion

    @_wrapping
    def wrapped(x):
        while x < 10:
            x += 1
        return x

    @tf.function(reduce_retracing=True)
    def decorated(x, y=2):
        if x > 0:
            return x * y
        return -x

    for fn in (wrapped, wrapped.__wrapped__, decorated.python_function, _WithMethod.method):
        assert conversion._source_lines(fn.__code__) == inspect.getsourcelines(fn.__code__)
    assert conversion._source_lines(compile("x = 1", "<nowhere>", "exec")) == ([], 0)
