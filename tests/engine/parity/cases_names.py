"""Parity cases for the names of a traced function's tensors (``Tensor("mul:0", ...)`` in a
printout, the nodes of the graph dock and export): Python operators name their node as
TensorFlow's Python API does (``mul``, ``add``, ``truediv``, ``matmul``, ``strided_slice``),
``name=`` names it, name scopes prefix it, and names are unique regardless of case (``mul``
then ``tf.multiply`` gives ``Mul_1``). Each case prints its tensors while tracing and
returns what they printed as a string tensor.

A composite op called with ``name=`` (several nodes): cases_composite_names.py.
"""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    ("operators_name_their_nodes_like_the_python_api", """
names = []
@tf.function
def f(x, y):
    for t in (x * y, x + y, x - y, x / y, -x, x @ y, x ** 2, x // y, x % y, x > y, x[0],
              abs(x), x * 2.0, 3.0 - x):
        names.append(str(t))
    return x
f(tf.ones([2, 2]), tf.ones([2, 2]))
result = tf.constant(names)
"""),
    ("api_functions_name_their_nodes", """
names = []
@tf.function
def f(x, y):
    for t in (tf.add(x, y), tf.subtract(x, y), tf.multiply(x, y), tf.divide(x, y),
              tf.math.truediv(x, y), tf.matmul(x, y), tf.transpose(x), tf.zeros_like(x),
              tf.ones_like(x), tf.clip_by_value(x, 0.0, 1.0), tf.math.floordiv(x, y),
              tf.reduce_sum(x), tf.reduce_mean(x, axis=0), tf.nn.relu(x), tf.reshape(x, [4]),
              tf.cast(x, tf.int32), tf.maximum(x, y), tf.exp(x), tf.nn.softmax(x),
              tf.one_hot(tf.cast(x, tf.int32), 3), tf.concat([x, y], 0), tf.stack([x, y])):
        names.append(str(t))
    return x
f(tf.ones([2, 2]), tf.ones([2, 2]))
result = tf.constant(names)
"""),
    ("names_are_unique_regardless_of_case", """
names = []
@tf.function
def f(x, y):
    for t in (x * y, tf.multiply(x, y), x * y, x + y, tf.add(x, y), tf.add(x, y),
              tf.math.add(x, y)):
        names.append(str(t))
    return x
f(tf.ones([2]), tf.ones([2]))
result = tf.constant(names)
"""),
    ("name_argument_names_the_node", """
names = []
@tf.function
def f(x, y):
    for t in (tf.add(x, y, name="total"), tf.matmul(x, y, name="mm"),
              tf.nn.relu(x, name="act"), tf.add(x, y, name="total"),
              tf.reduce_sum(x, name="s"), tf.identity(x, name="out")):
        names.append(str(t))
    return x
f(tf.ones([2, 2]), tf.ones([2, 2]))
result = tf.constant(names)
"""),
    ("name_scopes_prefix_the_names", """
names = []
@tf.function
def f(x, y):
    with tf.name_scope("block"):
        names.extend([str(x * y), str(tf.add(x, y)), str(x + y)])
        with tf.name_scope("inner"):
            names.append(str(tf.nn.relu(x, name="act")))
    names.append(str(x * y))
    return x
f(tf.ones([2]), tf.ones([2]))
result = tf.constant(names)
"""),
]
