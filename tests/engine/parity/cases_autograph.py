"""Parity cases for AutoGraph (issue 11): Python ``if``/``while``/``for``, ``break``/
``continue``/``return`` and ``and``/``or``/``not`` on tensors inside ``tf.function`` become
graph control flow as TensorFlow converts them — values, dtypes, what ``tf.print`` printed
(read back from a file both print to), how often the function traced, the errors TensorFlow
raises, and gradients through converted ``if``/``while``.

The runners compile each case under a file name linecache knows, so TensorFlow's AutoGraph
and the engine's read its source as they read a script's.
"""

from __future__ import annotations

# ``printed(fn, *args)``: what tf.print wrote while ``fn`` ran, as a string tensor
PRINTED = """
import os, tempfile
def printed(fn, *args):
    path = os.path.join(tempfile.mkdtemp(), "printed.txt")
    open(path, "w").close()
    stream = "file://" + path
    fn(stream, *args)
    with open(path) as file:
        return tf.constant(file.read())
"""

CASES: list[tuple[str, str]] = [
    # -- if ----------------------------------------------------------------------------------
    ("if_on_a_tensor_follows_each_calls_value", """
@tf.function
def f(x):
    if x > 0:
        y = x * 2.0
    else:
        y = -x
    return y
result = [f(tf.constant(3.0)), f(tf.constant(-2.0)), f.experimental_get_tracing_count()]
"""),
    ("if_elif_else_chain_on_tensors", """
@tf.function
def sign(x):
    if x > 0:
        s = 1
    elif x < 0:
        s = -1
    else:
        s = 0
    return s
result = [sign(tf.constant(2.5)), sign(tf.constant(-1.0)), sign(tf.constant(0.0)),
          sign.experimental_get_tracing_count()]
"""),
    ("if_on_a_python_value_stays_python_and_retraces", """
@tf.function
def f(x, flag):
    if flag:
        x = x + 1.0
    return x
result = [f(tf.constant(1.0), True), f(tf.constant(1.0), False), f(tf.constant(5.0), True),
          f.experimental_get_tracing_count()]
"""),
    ("if_prints_only_in_the_branch_taken", PRINTED + """
@tf.function
def f(stream, x):
    if x > 0:
        tf.print("positive", x, output_stream=stream)
    else:
        tf.print("not positive", x, output_stream=stream)
    return x
result = [printed(f, tf.constant(2.0)), printed(f, tf.constant(-1.0))]
"""),
    ("if_assigns_a_variable_only_in_the_branch_taken", """
v = tf.Variable(0.0)
@tf.function
def f(x):
    if x > 0:
        v.assign_add(x)
    else:
        v.assign_sub(10.0)
    return v.read_value()
result = [f(tf.constant(2.0)), f(tf.constant(3.0)), f(tf.constant(-1.0)), v]
"""),
    ("if_python_numbers_become_tensors", """
@tf.function
def f(x):
    n = 0
    if x > 0:
        n = 5
    return n
result = [f(tf.constant(1.0)), f(tf.constant(-1.0))]
"""),
    ("if_nested_in_if", """
@tf.function
def f(x, y):
    z = x
    if x > 0:
        if y > 0:
            z = x + y
        else:
            z = x - y
    return z
result = [f(tf.constant(1.0), tf.constant(2.0)), f(tf.constant(1.0), tf.constant(-2.0)),
          f(tf.constant(-1.0), tf.constant(2.0))]
"""),
    ("if_variable_defined_in_one_branch_and_used_raises", """
@tf.function
def f(x):
    if x > 0:
        y = x + 1.0
    return y
result = f(tf.constant(1.0))
"""),
    ("if_variable_defined_in_one_branch_unused_is_fine", """
@tf.function
def f(x):
    if x > 0:
        y = x + 1.0
    return x
result = f(tf.constant(1.0))
"""),
    ("if_branches_of_different_dtypes_raise", """
@tf.function
def f(x):
    if x > 0:
        y = tf.constant(1)
    else:
        y = tf.constant(1.0)
    return y
result = f(tf.constant(1.0))
"""),
    ("if_branch_leaving_none_raises", """
@tf.function
def f(x):
    if x > 0:
        y = None
    else:
        y = tf.constant(1.0)
    return y
result = f(tf.constant(1.0))
"""),
    # -- return inside an if ----------------------------------------------------------------
    ("return_inside_a_tensor_if", """
@tf.function
def f(x):
    if x > 0:
        return x * 2.0
    return -x
result = [f(tf.constant(1.5)), f(tf.constant(-3.0)), f.experimental_get_tracing_count()]
"""),
    ("return_in_one_branch_only_raises", """
@tf.function
def f(x):
    if x > 0:
        return x * 2.0
result = f(tf.constant(1.0))
"""),
    ("return_in_both_branches_of_nested_ifs", """
@tf.function
def f(x):
    if x > 0:
        if x > 10:
            return x - 10.0
        return x
    else:
        return 0.0
result = [f(tf.constant(12.0)), f(tf.constant(3.0)), f(tf.constant(-3.0))]
"""),
    # -- while -------------------------------------------------------------------------------
    ("while_on_a_tensor_runs_per_call_iterations", """
@tf.function
def f(n):
    s = 0
    i = 0
    while i < n:
        s += i
        i += 1
    return s, i
result = [f(tf.constant(5)), f(tf.constant(0)), f(tf.constant(3)),
          f.experimental_get_tracing_count()]
"""),
    ("while_with_tf_print_prints_every_iteration", PRINTED + """
@tf.function
def f(stream, n):
    i = tf.constant(0)
    while i < n:
        tf.print("step", i, output_stream=stream)
        i += 1
    return i
result = [printed(f, tf.constant(3)), printed(f, tf.constant(1))]
"""),
    ("while_loop_variable_changing_dtype_raises", """
@tf.function
def f(x):
    i = tf.constant(0)
    while x > 0:
        x = x - 1
        i = tf.cast(i, tf.float32)
    return i
result = f(tf.constant(3.0))
"""),
    ("while_loop_variable_changing_shape_raises", """
@tf.function
def f(x):
    y = tf.constant([1.0])
    while x > 0:
        x = x - 1
        y = tf.concat([y, y], 0)
    return y
result = f(tf.constant(3.0))
"""),
    ("while_variable_first_defined_in_the_loop_starts_as_zeros", """
@tf.function
def f(x):
    while x > 0:
        x = x - 1
        z = x * 2.0
    return z
result = f(tf.constant(3.5))
"""),
    ("while_with_break_on_a_tensor", """
@tf.function
def f(n):
    i = tf.constant(0)
    while i < 100:
        if i * i > n:
            break
        i += 1
    return i
result = [f(tf.constant(10)), f(tf.constant(50))]
"""),
    ("while_python_condition_is_unrolled", """
@tf.function
def f(x):
    k = 0
    while k < 3:
        x = x * 2.0
        k += 1
    return x
result = [f(tf.constant(1.0)), f(tf.constant(2.0)), f.experimental_get_tracing_count()]
"""),
    # -- for -----------------------------------------------------------------------------------
    ("for_over_tf_range_with_break_and_continue", """
@tf.function
def f(x):
    s = tf.constant(0)
    for i in tf.range(10):
        if i > x:
            break
        if i % 2 == 0:
            continue
        s += i
    return s
result = [f(tf.constant(6)), f(tf.constant(2)), f(tf.constant(20))]
"""),
    ("for_over_tf_range_of_an_argument", """
@tf.function
def f(n):
    total = tf.constant(0.0)
    for i in tf.range(n):
        total += tf.cast(i, tf.float32) ** 2
    return total
result = [f(tf.constant(4)), f(tf.constant(0)), f.experimental_get_tracing_count()]
"""),
    ("for_over_the_rows_of_a_tensor", """
@tf.function
def f(m):
    acc = tf.zeros([3])
    for row in m:
        acc = acc + row * row
    return acc
result = f(tf.constant([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
"""),
    ("for_over_a_python_range_is_unrolled", """
@tf.function
def f(x):
    for i in range(3):
        x = x * 2.0 + i
    return x
result = [f(tf.constant(1.0)), f.experimental_get_tracing_count()]
"""),
    ("for_loops_nested_on_tensors", """
@tf.function
def f(n):
    count = tf.constant(0)
    for i in tf.range(n):
        for j in tf.range(i):
            count += i * j
    return count
result = [f(tf.constant(4)), f(tf.constant(1))]
"""),
    ("for_with_tf_print_prints_each_element", PRINTED + """
@tf.function
def f(stream, m):
    for row in m:
        tf.print("row", row, output_stream=stream)
    return m
result = printed(f, tf.constant([[1, 2], [3, 4], [5, 6]]))
"""),
    ("for_with_return_inside_a_tensor_loop_raises", """
@tf.function
def first_negative(v):
    for x in v:
        if x < 0:
            return x
    return 0.0
result = [first_negative(tf.constant([1.0, -2.0, -3.0])),
          first_negative(tf.constant([1.0, 2.0]))]
"""),
    # -- and / or / not ----------------------------------------------------------------------
    ("and_or_not_on_tensors", """
@tf.function
def f(x, y):
    a = x > 0 and y > 0
    b = x > 0 or y > 0
    c = not x > 0
    return a, b, c
result = [f(tf.constant(1.0), tf.constant(-1.0)), f(tf.constant(-1.0), tf.constant(-1.0))]
"""),
    ("and_short_circuits_the_second_operand", PRINTED + """
@tf.function
def f(stream, x):
    def checked(v):
        tf.print("checked", v, output_stream=stream)
        return v > 1.0
    if x > 0 and checked(x):
        y = x
    else:
        y = -x
    return y
result = [printed(f, tf.constant(2.0)), printed(f, tf.constant(-2.0))]
"""),
    # -- calls and options --------------------------------------------------------------------
    ("called_user_function_is_converted_too", """
def relu_like(v):
    if v > 0:
        return v
    return 0.0 * v
@tf.function
def f(x):
    return relu_like(x) + 1.0
result = [f(tf.constant(2.0)), f(tf.constant(-2.0))]
"""),
    ("autograph_false_refuses_python_if_on_a_tensor", """
@tf.function(autograph=False)
def f(x):
    if x > 0:
        return x
    return -x
result = f(tf.constant(1.0))
"""),
    ("method_with_tensor_if", """
class Scaler(tf.Module):
    def __init__(self):
        self.w = tf.Variable(2.0)
    @tf.function
    def __call__(self, x):
        if x > 0:
            return self.w * x
        return x
m = Scaler()
result = [m(tf.constant(3.0)), m(tf.constant(-3.0))]
"""),
    # -- gradients ---------------------------------------------------------------------------
    ("gradient_through_converted_if_taken_outside", """
@tf.function
def f(x):
    if x > 0:
        y = x * x
    else:
        y = tf.sin(x)
    return y
grads = []
for v in (3.0, -1.0):
    x = tf.constant(v)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x)
    grads.append(tape.gradient(y, x))
result = grads
"""),
    ("gradient_through_converted_if_taken_inside", """
@tf.function
def f(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        if x > 0:
            y = x * x * x
        else:
            y = tf.exp(x)
    return tape.gradient(y, x)
result = [f(tf.constant(2.0)), f(tf.constant(-1.0))]
"""),
    ("gradient_through_converted_while_taken_outside", """
@tf.function
def f(x, n):
    i = tf.constant(0)
    while i < n:
        x = x * 1.5 + 0.5
        i += 1
    return x
grads = []
for steps in (0, 3):
    x = tf.constant(2.0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = f(x, tf.constant(steps))
    grads.append(tape.gradient(y, x))
result = grads
"""),
    ("gradient_of_variable_through_converted_if_and_for", """
w = tf.Variable(0.5)
@tf.function
def loss(xs):
    total = tf.constant(0.0)
    for x in xs:
        if x > 0:
            total += w * x
        else:
            total += w * w
    return total
with tf.GradientTape() as tape:
    value = loss(tf.constant([1.0, -2.0, 3.0]))
result = [value, tape.gradient(value, w)]
"""),
    # -- indexing and sliced assignment inside tf.function --------------------------------------
    ("sliced_assign_inside_tf_function", """
v = tf.Variable([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
@tf.function
def f():
    v[0, 1].assign(10.0)
    v[1:3].assign(tf.zeros([2, 3]))
    return v.read_value()
result = [f(), v]
"""),
    ("sliced_assign_returns_the_variable", """
v = tf.Variable([[1.0, 2.0], [3.0, 4.0]])
@tf.function
def f(x):
    return v[:, 0].assign(x)
result = [f(tf.constant([8.0, 9.0])), f(tf.constant(0.5)), v]
"""),
    ("sliced_assign_of_a_wrong_shape_raises", """
w = tf.Variable([1.0, 2.0, 3.0])
@tf.function
def f(x):
    w[1:].assign(x)
    return w.read_value()
result = f(tf.constant([1.0, 2.0, 3.0]))
"""),
    ("sliced_assign_at_a_tensor_index_follows_each_call", """
w = tf.Variable([1.0, 7.0, 7.0])
@tf.function
def f(i):
    w[i].assign(0.0)
    return w.read_value()
result = [f(tf.constant(0)), f(tf.constant(2)), f.experimental_get_tracing_count()]
"""),
    ("sliced_assign_in_a_tensor_loop", """
v = tf.Variable(tf.zeros([4]))
@tf.function
def f(n):
    for i in tf.range(n):
        v[i].assign(tf.cast(i * i, tf.float32))
    return v.read_value()
result = [f(tf.constant(3)), f(tf.constant(4))]
"""),
    ("indexing_with_the_loop_counter_reads_each_element", """
@tf.function
def f(x):
    n = tf.shape(x)[0]
    total = tf.constant(0.0)
    for i in tf.range(n):
        total += x[i] * x[n - 1 - i] + x[-1]
    return total
result = [f(tf.constant([1.0, 2.0, 3.0])), f(tf.constant([4.0, 5.0, 6.0]))]
"""),
    ("gradient_through_indexing_in_a_tensor_loop", """
@tf.function
def f(x):
    total = tf.constant(0.0)
    for i in tf.range(3):
        total += x[i] * x[i] * tf.cast(i + 1, tf.float32)
    return total
x = tf.constant([1.0, 2.0, 3.0])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = f(x)
result = [y, tape.gradient(y, x)]
"""),
    # -- object attributes and conditional expressions ------------------------------------------
    ("attribute_assigned_in_a_tensor_if", """
class Acc:
    def __init__(self):
        self.v = tf.constant(0)
    def add(self, y):
        if y > 0:
            self.v = self.v + y
@tf.function
def f(x):
    acc = Acc()
    acc.add(x)
    acc.add(x * 3)
    return acc.v
result = [f(tf.constant(2)), f(tf.constant(-2))]
"""),
    ("attribute_updated_in_a_tensor_loop", """
class Counter:
    def __init__(self):
        self.count = tf.constant(0)
        self.total = tf.constant(0.0)
counter = Counter()
@tf.function
def f(n):
    i = tf.constant(0)
    while i < n:
        counter.count += 1
        counter.total += tf.cast(i, tf.float32)
        i += 1
    return counter.count, counter.total
result = [f(tf.constant(4)), f(tf.constant(2))]
"""),
    ("conditional_expression_on_a_tensor", """
@tf.function
def f(x):
    y = x * 2.0 if x > 0 else -x
    return y
result = [f(tf.constant(3.0)), f(tf.constant(-3.0)), f.experimental_get_tracing_count()]
"""),
    ("gradient_through_converted_while_taken_inside", """
@tf.function
def f(x, n):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = x
        i = tf.constant(0)
        while i < n:
            y = y * x + tf.sin(y)
            i += 1
    return y, tape.gradient(y, x)
result = [f(tf.constant(1.5), tf.constant(3)), f(tf.constant(0.5), tf.constant(0)),
          f.experimental_get_tracing_count()]
"""),
    # -- tf.TensorArray written in loops over tensors ------------------------------------------
    ("tensor_array_dynamic_size_written_in_a_tf_range_loop", """
@tf.function
def f(x):
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    for i in tf.range(tf.shape(x)[0]):
        ta = ta.write(i, x[i] * tf.cast(i, tf.float32))
    return ta.stack(), ta.size()
result = [f(tf.constant([1.0, 2.0, 3.0])), f(tf.constant([4.0, 5.0, 6.0])),
          f(tf.constant([[1.0, 2.0], [3.0, 4.0]])), f.experimental_get_tracing_count()]
"""),
    ("tensor_array_of_a_fixed_size_left_partly_unwritten", """
@tf.function
def f(n):
    ta = tf.TensorArray(tf.int32, size=5)
    i = tf.constant(0)
    while i < n:
        ta = ta.write(i, i * 10 + 1)
        i += 1
    return ta.stack()
result = [f(tf.constant(2)), f(tf.constant(5))]
"""),
    ("tensor_array_read_back_in_the_loop", """
@tf.function
def fib(n):
    ta = tf.TensorArray(tf.int32, size=n, clear_after_read=False)
    ta = ta.write(0, 0)
    ta = ta.write(1, 1)
    for i in tf.range(2, n):
        ta = ta.write(i, ta.read(i - 1) + ta.read(i - 2))
    return ta.stack(), ta.read(n - 1)
result = fib(tf.constant(10))
"""),
    ("tensor_array_rows_of_a_matrix_in_a_for_over_a_tensor", """
@tf.function
def f(m):
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=[2])
    k = 0
    for row in m:
        ta = ta.write(k, row * 2.0)
        k += 1
    return tf.transpose(ta.stack()), ta.concat()
result = f(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
"""),
    ("tensor_array_write_past_a_fixed_size_raises", """
@tf.function
def f(n):
    ta = tf.TensorArray(tf.float32, size=2)
    for i in tf.range(n):
        ta = ta.write(i, 1.0)
    return ta.stack()
result = f(tf.constant(3))
"""),
    ("tensor_array_as_a_tf_while_loop_variable", """
@tf.function
def f(x):
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    _, ta = tf.while_loop(lambda i, ta: i < 4,
                          lambda i, ta: (i + 1, ta.write(i, x * tf.cast(i, tf.float32))),
                          [0, ta])
    return ta.stack(), ta.read(3)
result = f(tf.constant([1.0, -1.0]))
"""),
    ("tensor_array_gradient_taken_outside", """
@tf.function
def f(x):
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    h = tf.constant(0.5)
    for i in tf.range(tf.shape(x)[0]):
        h = tf.tanh(x[i] * h + 1.0)
        ta = ta.write(i, h * x[i])
    return tf.reduce_sum(ta.stack() * tf.constant([1.0, -2.0, 3.0]))
x = tf.constant([0.3, -1.2, 0.7])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = f(x)
result = [y, tape.gradient(y, x)]
"""),
    ("tensor_array_gradient_taken_inside", """
@tf.function
def f(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        ta = tf.TensorArray(tf.float32, size=3)
        for i in tf.range(3):
            ta = ta.write(i, tf.sin(x) * tf.cast(i + 1, tf.float32))
        y = tf.reduce_sum(ta.stack() ** 2)
    return y, tape.gradient(y, x)
result = f(tf.constant([0.5, 1.5]))
"""),
    # -- for x in dataset: read when the graph runs ---------------------------------------------
    ("dataset_loop_prints_each_element_on_each_call", PRINTED + """
@tf.function
def f(stream, ds):
    total = tf.constant(0.0)
    for x in ds:
        tf.print("element", x, output_stream=stream)
        total += x
    tf.print("total", total, output_stream=stream)
    return total
ds = tf.data.Dataset.from_tensor_slices([1.0, 2.0, 3.0])
result = [printed(f, ds), printed(f, ds)]
"""),
    ("dataset_loop_body_python_runs_once_when_traced", """
seen = []
@tf.function
def f(ds):
    total = tf.constant(0)
    for x in ds:
        seen.append(1)
        total += x * x
    return total
ds = tf.data.Dataset.range(5).map(lambda v: tf.cast(v, tf.int32))
result = [f(ds), f(ds), len(seen), f.experimental_get_tracing_count()]
"""),
    ("dataset_loop_over_tuples_with_a_tensor_break", """
@tf.function
def f(ds):
    n = tf.constant(0)
    for x, y in ds:
        if x > 1:
            break
        n += y
    return n
result = f(tf.data.Dataset.from_tensor_slices(([0, 1, 2, 3], [5, 6, 7, 8])))
"""),
    ("dataset_loop_over_dicts_of_batches", """
@tf.function
def f(ds):
    acc = tf.zeros([2])
    for batch in ds:
        acc += tf.reduce_sum(batch["a"], axis=0) * batch["w"][0]
    return acc
ds = tf.data.Dataset.from_tensor_slices(
    {"a": tf.reshape(tf.range(12.0), [6, 2]), "w": tf.constant([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])}
).batch(3, drop_remainder=True)
result = f(ds)
"""),
    ("dataset_made_inside_the_function_with_continue", """
@tf.function
def f(n):
    total = tf.constant(0, tf.int64)
    for v in tf.data.Dataset.range(10):
        if v % 2 == 0:
            continue
        total += v * n
    return total
result = [f(tf.constant(1, tf.int64)), f(tf.constant(3, tf.int64))]
"""),
    ("dataset_loop_over_a_repeated_dataset_until_a_break", """
@tf.function
def f(ds):
    total = tf.constant(0, tf.int64)
    steps = tf.constant(0)
    for v in ds:
        total += v
        steps += 1
        if total > 20:
            break
    return total, steps
result = f(tf.data.Dataset.range(4).repeat())
"""),
    ("dataset_loop_fills_a_tensor_array", """
@tf.function
def f(ds):
    ta = tf.TensorArray(tf.float32, size=0, dynamic_size=True)
    i = 0
    for x in ds:
        ta = ta.write(i, x * 10.0)
        i += 1
    return ta.stack()
ds = tf.data.Dataset.from_tensor_slices([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
result = [f(ds), f(ds)]
"""),
    ("dataset_loop_reshuffles_on_each_call", """
@tf.function
def f(ds):
    ta = tf.TensorArray(tf.int64, size=0, dynamic_size=True)
    i = 0
    for x in ds:
        ta = ta.write(i, x)
        i += 1
    return ta.stack()
ds = tf.data.Dataset.range(8).shuffle(8, seed=3)
a, b = f(ds), f(ds)
result = [tf.sort(a), tf.sort(b), tf.reduce_all(a == b)]
"""),
    ("dataset_loop_gradient_taken_outside", """
w = tf.Variable([0.5, -1.0])
@tf.function
def loss(ds):
    total = tf.constant(0.0)
    for x, y in ds:
        total += (tf.reduce_sum(w * x) - y) ** 2
    return total
ds = tf.data.Dataset.from_tensor_slices(([[1.0, 2.0], [3.0, 4.0], [0.5, 0.5]], [1.0, 0.0, 2.0]))
with tf.GradientTape() as tape:
    value = loss(ds)
result = [value, tape.gradient(value, w)]
"""),
    ("dataset_loop_gradient_taken_inside", """
w = tf.Variable([0.5, -1.0])
@tf.function
def step(ds):
    with tf.GradientTape() as tape:
        total = tf.constant(0.0)
        for x, y in ds:
            total += (tf.reduce_sum(w * tf.sin(x)) - y) ** 2
    return total, tape.gradient(total, w)
ds = tf.data.Dataset.from_tensor_slices(([[1.0, 2.0], [3.0, 4.0], [0.5, 0.5]], [1.0, 0.0, 2.0]))
result = [step(ds), step(ds)]
"""),
    ("dataset_loop_training_steps_inside_the_function", """
w = tf.Variable([0.0, 0.0])
opt = tf.keras.optimizers.SGD(0.1)
@tf.function
def train(ds):
    for x, y in ds:
        with tf.GradientTape() as tape:
            loss = (tf.reduce_sum(w * x) - y) ** 2
        opt.apply_gradients([(tape.gradient(loss, w), w)])
    return w.read_value()
ds = tf.data.Dataset.from_tensor_slices(([[1.0, 2.0], [3.0, 1.0], [0.5, 0.5]], [1.0, 0.0, 2.0]))
result = [train(ds), train(ds)]
"""),
    ("for_over_a_tensor_of_a_traced_length", """
@tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
def f(m):
    acc = tf.zeros([2])
    k = tf.constant(0)
    for row in m:
        acc += row * tf.cast(k + 1, tf.float32)
        k += 1
    return acc, k
result = [f(tf.constant([[1.0, 2.0], [3.0, 4.0]])), f(tf.constant([[1.0, 1.0]] * 5)),
          f(tf.zeros([0, 2]))]
"""),
    # -- indexing with a traced index, unbound loop names, loop options ------------------------
    ("indexing_with_a_traced_index_and_slices", """
@tf.function
def f(m, i):
    return m[i, :] * 2.0, m[:, i], m[i], m[..., i], m[1:, i, tf.newaxis], m[-1, i]
m = tf.reshape(tf.range(12.0), [3, 4])
result = [f(m, tf.constant(1)), f(m, tf.constant(-2))]
"""),
    ("gradient_through_indexing_with_a_traced_index_and_slices", """
@tf.function
def f(m):
    total = tf.constant(0.0)
    for i in tf.range(3):
        total += tf.reduce_sum(m[i, :] * m[:, i])
    return total
m = tf.reshape(tf.range(9.0), [3, 3]) / 4.0
with tf.GradientTape() as tape:
    tape.watch(m)
    y = f(m)
result = [y, tape.gradient(y, m)]
"""),
    ("name_first_bound_in_a_while_that_never_runs_raises", """
@tf.function
def f(n):
    i = 0
    while i < n:
        z = i * 2
        i += 1
    return z
result = [f(tf.constant(3)), f(tf.constant(0))]
"""),
    ("name_first_bound_in_a_tf_range_loop_that_never_runs_raises", """
@tf.function
def f(n):
    for i in tf.range(n):
        y = i
    return y
result = [f(tf.constant(4)), f(tf.constant(0))]
"""),
    ("name_first_bound_in_a_loop_over_an_empty_tensor_raises", """
@tf.function
def f(x):
    for row in x:
        y = row
    return y
result = [f(tf.ones([2, 2])), f(tf.zeros([0, 2]))]
"""),
    ("name_first_bound_in_an_empty_python_loop_raises", """
@tf.function
def f(x):
    for i in range(0):
        y = x
    return y
result = f(tf.constant(0))
"""),
    ("set_loop_options_maximum_iterations", """
@tf.function
def f(x):
    s = x
    for i in tf.range(10):
        tf.autograph.experimental.set_loop_options(maximum_iterations=3)
        s = s * 2.0
    return s
result = [f(tf.constant(1.0)), f(tf.constant(0.5))]
"""),
    ("set_loop_options_parallel_iterations_and_swap_memory", """
@tf.function
def f(n):
    s = tf.constant(1.0)
    i = tf.constant(0)
    while i < n:
        tf.autograph.experimental.set_loop_options(parallel_iterations=2, swap_memory=True)
        s = s * 2.0
        i += 1
    return s
tf.autograph.experimental.set_loop_options(maximum_iterations=1)
result = f(tf.constant(10))
"""),
    # -- functions handed to map_fn / while_loop / cond, lambdas --------------------------------
    ("map_fn_lambda_with_a_conditional_expression", """
@tf.function
def f(x):
    return tf.map_fn(lambda v: v * 2.0 if v > 0 else -v, x)
result = [f(tf.constant([1.0, -2.0, 3.0])), f(tf.constant([-1.0, 5.0, 0.0]))]
"""),
    ("map_fn_of_a_module_function_with_a_tensor_if", """
def absdouble(v):
    if v > 0:
        return v * 2.0
    return -v
@tf.function
def f(x):
    return tf.map_fn(absdouble, x)
result = f(tf.constant([1.0, -2.0, 3.0]))
"""),
    ("map_fn_lambda_with_and_and_a_signature", """
@tf.function
def f(x):
    return tf.map_fn(lambda v: (v, v > 0 and v < 2), x,
                     fn_output_signature=(tf.float32, tf.bool))
result = f(tf.constant([1.0, 3.0, -1.0]))
"""),
    ("map_fn_function_with_a_tensor_while", """
def steps(v):
    n = tf.constant(0)
    while v > 1.0:
        v = v / 2.0
        n += 1
    return n
@tf.function
def f(x):
    return tf.map_fn(steps, x, fn_output_signature=tf.int32)
result = f(tf.constant([1.0, 5.0, 100.0]))
"""),
    ("map_fn_with_autograph_off_refuses_a_tensor_if", """
def absdouble(v):
    if v > 0:
        return v * 2.0
    return -v
@tf.function(autograph=False)
def f(x):
    return tf.map_fn(absdouble, x)
result = f(tf.constant([1.0]))
"""),
    ("while_loop_body_of_a_module_function_is_not_converted", """
def body(i, s):
    if i % 2 == 0:
        s += i
    return i + 1, s
@tf.function
def f(n):
    return tf.while_loop(lambda i, s: i < n, body, [0, 0])
result = f(tf.constant(5))
"""),
    ("while_loop_body_nested_in_the_function_is_converted", """
@tf.function
def f(n):
    def body(i, s):
        if i % 2 == 0:
            s += i
        return i + 1, s
    return tf.while_loop(lambda i, s: i < n, body, [0, 0])
result = [f(tf.constant(5)), f(tf.constant(8))]
"""),
    ("cond_branches_nested_def_and_lambda_are_converted", """
@tf.function
def f(x):
    def big():
        if x > 5:
            return x * 10.0
        return x
    return tf.cond(x > 0, big, lambda: -x if x < -5 else x * 0.0)
result = [f(tf.constant(7.0)), f(tf.constant(3.0)), f(tf.constant(-7.0)),
          f(tf.constant(-3.0))]
"""),
    ("lambdas_called_while_tracing_are_converted", """
@tf.function
def f(x):
    h = lambda v: v + 1.0 if v > 0 else v - 1.0
    return h(x), (lambda v: not v > 0)(x), h(h(x) * -1.0)
result = [f(tf.constant(2.0)), f(tf.constant(-2.0))]
"""),
    ("gradient_through_map_fn_with_a_tensor_if", """
@tf.function
def f(x):
    return tf.reduce_sum(tf.map_fn(lambda v: v * v if v > 0 else tf.sin(v), x))
x = tf.constant([1.5, -0.5, 2.0])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = f(x)
result = [y, tape.gradient(y, x)]
"""),
    # -- a break or return on a tensor inside a loop over Python values -------------------------
    ("break_on_a_tensor_in_a_python_range_loop_raises", """
@tf.function
def f(x):
    s = tf.constant(0.0)
    for i in range(4):
        if x[i] > 0:
            break
        s += x[i]
    return s
result = f(tf.constant([-1.0, -2.0, 3.0, -4.0]))
"""),
    ("return_on_a_tensor_in_a_python_range_loop_raises", """
@tf.function
def f(x):
    for i in range(4):
        if x[i] > 0:
            return x[i]
    return -1.0
result = f(tf.constant([-1.0, -2.0, 3.0, -4.0]))
"""),
    ("continue_on_a_tensor_in_a_python_range_loop_is_fine", """
@tf.function
def f(x):
    s = tf.constant(0.0)
    for i in range(4):
        if x[i] < 0:
            continue
        s += x[i]
    return s
result = [f(tf.constant([-1.0, 2.0, 3.0, -4.0])), f(tf.constant([1.0, 2.0, -3.0, 4.0]))]
"""),
    ("break_on_a_tensor_in_a_python_while_raises", """
@tf.function
def f(x):
    i = 0
    s = x
    while i < 5:
        if s > 10:
            break
        s = s * 2
        i += 1
    return s, i
result = f(tf.constant(1.0))
"""),
    ("break_on_a_python_value_in_a_python_range_loop_stays_unrolled", """
@tf.function
def f(x, limit):
    for i in range(10):
        if i >= limit:
            break
        x = x * 2.0
    return x
result = [f(tf.constant(1.0), 3), f(tf.constant(1.0), 5), f.experimental_get_tracing_count()]
"""),
    # -- variables read or written inside converted loops and branches ---------------------------
    ("gradient_of_variables_through_converted_if_taken_inside", """
w = tf.Variable(2.0)
@tf.function
def f(x):
    with tf.GradientTape() as tape:
        if x > 0:
            y = w * w * x
        else:
            y = tf.sin(w)
    return y, tape.gradient(y, w)
result = [f(tf.constant(3.0)), f(tf.constant(-1.0))]
"""),
    ("gradient_of_variables_through_converted_loops_taken_inside", """
w = tf.Variable(2.0)
v = tf.Variable([1.0, 2.0, 3.0])
@tf.function
def f(n):
    with tf.GradientTape() as tape:
        y = tf.constant(1.0)
        i = 0
        while i < n:
            y = y * w
            i += 1
        s = tf.constant(0.0)
        for k in tf.range(n):
            s += v[k] * w
    return y, s, tape.gradient([y, s], [w, v])
result = [f(tf.constant(3)), f(tf.constant(2))]
"""),
    ("variable_read_before_and_after_a_loop_assigning_it", """
w = tf.Variable(1.0)
@tf.function
def f(n):
    before = w.read_value()
    for i in tf.range(n):
        w.assign_add(1.0)
    return before, w.read_value()
result = [f(tf.constant(3)), f(tf.constant(2))]
"""),
    # -- branches giving a value different shapes (TensorFlow relaxes the shape) ----------------
    ("if_branches_of_different_shapes_give_the_taken_ones", """
@tf.function
def f(x):
    if x > 0:
        y = tf.fill([2], x)
    else:
        y = tf.zeros([3])
    return y, tf.reduce_sum(y + 1.0), tf.shape(y)
result = f(tf.constant(1.5))
"""),
    ("tf_cond_branches_of_different_shapes_give_the_taken_ones", """
@tf.function
def f(x):
    return tf.cond(x > 0, lambda: tf.zeros([2, 3]), lambda: tf.ones([2, 4]) * x)
result = f(tf.constant(-2.0))
"""),
    ("tf_range_of_tensor_bounds_follows_each_calls_values", """
@tf.function
def f(start, limit):
    return tf.range(start, limit) * 2 + 1, tf.range(limit - start, 0, -1)
result = [f(tf.constant(0), tf.constant(3)), f(tf.constant(1), tf.constant(4)),
          f(tf.constant(-5), tf.constant(-2)), f.experimental_get_tracing_count()]
"""),
    ("dataset_loop_nested_in_a_tensor_loop_reads_a_pass_per_iteration", """
@tf.function
def f(ds, n):
    total = tf.constant(0, tf.int64)
    for i in tf.range(n):
        for v in ds:
            total += v * tf.cast(i + 1, tf.int64)
    return total
ds = tf.data.Dataset.range(4)
result = [f(ds, tf.constant(3)), f(ds, tf.constant(0))]
"""),
]
