"""Parity cases for ``tf.function`` (issue 11, area "function"): what a traced function
returns (always tensors), how often it traces (``input_signature`` with ``None`` dimensions,
``reduce_retracing``), ConcreteFunction calls, and the errors a user meets. The printouts
(placeholder names, ConcreteFunction text) are compared in tests/engine/test_function.py,
since Tapescope has no string tensors to hold them here.
"""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    # -- outputs are always tensors -------------------------------------------------------------
    ("python_int_argument_result_is_int32_tensor", """
@tf.function
def f(x):
    return x ** 2
result = f(2)
"""),
    ("python_float_and_bool_results_become_tensors", """
@tf.function
def f():
    return 2.5, True, [1, 2.0]
result = list(f())
"""),
    ("executing_eagerly_inside_is_a_false_bool_tensor", """
@tf.function
def f():
    return tf.executing_eagerly()
result = [f(), tf.constant(tf.executing_eagerly())]
"""),
    ("python_bool_argument_returned_is_bool_tensor", """
@tf.function
def f(x):
    return x
result = [f(True), f(2.5)]
"""),
    ("variable_returned_is_read_as_a_tensor", """
v = tf.Variable([1.0, 2.0])
@tf.function
def f():
    return v
result = f()
"""),
    # -- tracing counts -----------------------------------------------------------------------
    ("input_signature_none_dimension_traces_once", """
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    return tf.reduce_sum(x, axis=1)
a = f(tf.ones([2, 3]))
b = f(tf.ones([5, 3]))
result = [a, b, f.experimental_get_tracing_count()]
"""),
    ("input_signature_called_by_keyword", """
@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def f(x):
    return x * 2.0
result = [f(x=tf.constant([1.0, 2.0])), f.experimental_get_tracing_count()]
"""),
    ("input_signature_rejects_an_incompatible_shape", """
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    return x
result = f(tf.zeros([2, 4]))
"""),
    ("reduce_retracing_relaxes_once_then_to_unknown_rank", """
@tf.function(reduce_retracing=True)
def f(x):
    return tf.reduce_sum(x)
counts = []
for shape in ([2], [3], [4], [5], [4, 1], [2, 2]):
    f(tf.ones(shape))
    counts.append(f.experimental_get_tracing_count())
result = counts
"""),
    ("new_shapes_retrace_without_reduce_retracing", """
@tf.function
def f(x):
    return x + 1
for n in (1, 2, 3):
    f(tf.ones([n]))
result = f.experimental_get_tracing_count()
"""),
    # -- concrete functions ---------------------------------------------------------------------
    ("concrete_function_from_input_signature", """
@tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
def f(x):
    return tf.reduce_sum(x, axis=1)
c = f.get_concrete_function()
result = [c(tf.ones([3, 2])), c(x=tf.ones([1, 2])), f.experimental_get_tracing_count()]
"""),
    ("concrete_function_from_input_signature_takes_every_batch_size", """
@tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32)])
def f(x):
    return x * 2.0 + 1.0
c = f.get_concrete_function()
result = [c(tf.ones([1, 2])), c(tf.ones([3, 2])), c(x=tf.ones([2, 2]))]
"""),
    ("concrete_function_literal_argument_may_be_left_out", """
def add(a, b):
    return a + b
c = tf.function(add).get_concrete_function(tf.constant(1), 2)
result = [c(tf.constant(5)), c(tf.constant(5), 2), c(a=tf.constant(7))]
"""),
    ("concrete_function_rejects_another_dtype", """
def add(a, b):
    return a + b
c = tf.function(add).get_concrete_function(tf.constant(1), 2)
result = c(tf.constant(5.0))
"""),
    ("concrete_function_structured_outputs_shapes", """
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    return {"sum": tf.reduce_sum(x, axis=1), "total": tf.reduce_sum(x)}
out = f.get_concrete_function().structured_outputs
result = [tf.constant([d is None for d in out["sum"].shape.as_list()]),
          tf.constant(out["total"].shape.rank)]
"""),
    ("input_signature_converts_python_lists_to_its_dtype", """
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    return tf.reduce_sum(x, axis=1)
result = [f([[1, 2, 3]]), f.get_concrete_function()([[1.0, 2.0, 4.0]])]
"""),
    ("input_signature_rejects_another_dtype", """
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    return x
result = f(tf.constant([[1, 2, 3]]))
"""),
    ("concrete_function_rejects_another_python_literal", """
def add(a, b):
    return a + b
c = tf.function(add).get_concrete_function(tf.constant(1), 2)
result = c(tf.constant(5), 3)
"""),
    # -- gradients through a traced function ---------------------------------------------------
    ("gradient_through_a_traced_function", """
@tf.function
def f(x):
    return tf.reduce_sum(x ** 3)
x = tf.constant([1.0, 2.0])
with tf.GradientTape() as tape:
    tape.watch(x)
    y = f(x)
result = [y, tape.gradient(y, x)]
"""),
]
