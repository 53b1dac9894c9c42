"""Parity cases for values crossing a ``tf.function`` boundary (issue 11, area "traced"): a
gather's gradient stays an ``IndexedSlices`` inside a traced function and when returned
from it, optimizers apply it as slices there too (Keras 3 squares each slice before
duplicate rows add up), and ``tf.data.Dataset`` arguments trace by their element spec (a new dataset of that spec
reuses the graph).
``make_fixtures.py traced`` stores TensorFlow's answers.

Printouts are compared as their UTF-8 bytes (the harness compares strings as tensors only).
"""

from __future__ import annotations

TEXT = "import numpy as np\ndef text(s):\n    return np.frombuffer(str(s).encode(), np.uint8)\n"

CASES: list[tuple[str, str]] = [
    # -- IndexedSlices out of tf.function -----------------------------------------------------
    ("gather_gradient_returned_is_indexed_slices", """
emb = tf.Variable(tf.reshape(tf.range(12, dtype=tf.float32), [4, 3]))
@tf.function
def f(ids):
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(emb, ids) ** 2)
    return tape.gradient(y, emb)
g = f(tf.constant([0, 2, 0]))
result = [isinstance(g, tf.IndexedSlices), g.values, g.indices, g.dense_shape,
          tf.convert_to_tensor(g), text(g)]
"""),
    ("gather_gradient_is_indexed_slices_inside_the_trace", """
seen = []
@tf.function
def f(p, ids):
    with tf.GradientTape() as tape:
        tape.watch(p)
        y = tf.reduce_sum(tf.gather(p, ids) * 3.0)
    g = tape.gradient(y, p)
    seen.append(isinstance(g, tf.IndexedSlices))
    return g
g = f(tf.ones([4, 2]), tf.constant([[1, 1], [3, 0]]))
result = [seen, isinstance(g, tf.IndexedSlices), g.values, g.indices, g.dense_shape]
"""),
    ("concrete_function_with_indexed_slices_output_describes_it", """
emb = tf.Variable(tf.ones([4, 3]))
@tf.function
def f(ids):
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(emb, ids))
    g = tape.gradient(y, emb)
    return g, [g]
c = f.get_concrete_function(tf.constant([0, 2, 0]))
out = f(tf.constant([1]))
result = [text(c.structured_outputs[0]), text(c.output_shapes), text(c.output_dtypes),
          text(str(c).split("Captures")[0]), out[1][0].values, out[1][0].indices,
          f.experimental_get_tracing_count()]
"""),
    ("indexed_slices_output_of_a_none_signature", """
emb = tf.Variable(tf.ones([5, 2]))
@tf.function(input_signature=[tf.TensorSpec([None], tf.int32)])
def f(ids):
    with tf.GradientTape(persistent=True) as tape:
        y = tf.gather(emb, ids) * 2.0
        loss = tf.reduce_sum(y ** 2)
    return tape.gradient(y, emb), tape.gradient(loss, emb)
c = f.get_concrete_function()
gs = [f(tf.constant(ids)) for ids in ([0], [4, 4, 1])]
result = [text(c.structured_outputs[0]), text(c.structured_outputs[1]), text(c.output_shapes)]
result += [[g.values, g.indices] for pair in gs for g in pair]
result += [f.experimental_get_tracing_count()]
"""),
    ("indexed_slices_densified_inside_the_trace_is_a_tensor", """
emb = tf.Variable(tf.ones([3, 2]))
@tf.function
def f(ids):
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(emb, ids))
    g = tape.gradient(y, emb)
    return tf.convert_to_tensor(g) * 2.0, g.values + 1.0
a, b = f(tf.constant([2, 2]))
result = [isinstance(a, tf.IndexedSlices), a, b]
"""),
    # -- sparse updates inside tf.function ------------------------------------------------------
    ("optimizers_apply_slices_inside_a_trace", """
out = []
for make in (lambda: tf.keras.optimizers.SGD(0.1),
             lambda: tf.keras.optimizers.SGD(0.1, momentum=0.9),
             lambda: tf.keras.optimizers.Adam(0.1), lambda: tf.keras.optimizers.RMSprop(0.1),
             lambda: tf.keras.optimizers.Adagrad(0.1)):
    v = tf.Variable(tf.reshape(tf.range(12, dtype=tf.float32), [4, 3]))
    opt = make()
    @tf.function
    def step(ids):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.gather(v, ids) ** 2)
        opt.apply_gradients([(tape.gradient(y, v), v)])
    for ids in ([0, 2, 0], [1, 2], [3, 3, 3]):
        step(tf.constant(ids))
    out.append(v.read_value())
result = out
"""),
    ("adagrad_eager_squares_each_slice", """
v = tf.Variable(tf.reshape(tf.range(12, dtype=tf.float32), [4, 3]))
opt = tf.keras.optimizers.Adagrad(0.1)
for ids in ([0, 2, 0], [3, 3, 3]):
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.gather(v, ids) ** 2)
    opt.apply_gradients([(tape.gradient(y, v), v)])
result = v.read_value()
"""),
    ("sparse_and_dense_gradients_in_one_traced_update", """
emb = tf.Variable(tf.ones([4, 2]))
w = tf.Variable([[1.0], [2.0]])
opt = tf.keras.optimizers.Adam(0.05)
@tf.function
def step(ids):
    with tf.GradientTape() as tape:
        y = tf.reduce_sum(tf.matmul(tf.gather(emb, ids), w) ** 2)
    grads = tape.gradient(y, [emb, w])
    opt.apply_gradients(zip(grads, [emb, w]))
    return [isinstance(g, tf.IndexedSlices) for g in grads]
kinds = [step(tf.constant([1, 1, 3])) for _ in range(3)]
result = [kinds[0], emb.read_value(), w.read_value()]
"""),
    # -- datasets as arguments: traced by element spec --------------------------------------
    ("dataset_argument_of_the_same_spec_does_not_retrace", """
@tf.function
def total(ds):
    s = tf.constant(0.0)
    for x in ds:
        s += tf.reduce_sum(x)
    return s
out = []
for n in (3, 4, 5):
    out.append(total(tf.data.Dataset.from_tensor_slices(tf.ones([n, 2]) * n)))
counts = [total.experimental_get_tracing_count()]
out.append(total(tf.data.Dataset.from_tensor_slices(tf.ones([4, 3]))))
counts.append(total.experimental_get_tracing_count())
out.append(total(tf.data.Dataset.range(4).map(lambda i: tf.cast(tf.fill([2], i), tf.float32))))
counts.append(total.experimental_get_tracing_count())
result = [out, counts]
"""),
    ("batched_dataset_arguments_trace_once_per_spec", """
@tf.function
def total(ds):
    s = tf.constant(0.0)
    for x in ds:
        s += tf.reduce_sum(x)
    return s
out = [total(tf.data.Dataset.from_tensor_slices(tf.ones([n, 2]) * n).batch(2))
       for n in (4, 5, 3)]
result = [out, total.experimental_get_tracing_count()]
"""),
    ("dataset_argument_transformed_or_measured_inside", """
@tf.function
def f(ds):
    s = tf.constant(0.0)
    for x in ds.map(lambda v: v * 2.0).take(2):
        s += tf.reduce_sum(x)
    return s, ds.cardinality()
out = [f(tf.data.Dataset.from_tensor_slices(tf.ones([n, 2]) * n)) for n in (3, 4, 5)]
result = [out, f.experimental_get_tracing_count()]
"""),
    ("dataset_argument_in_the_concrete_function", """
@tf.function
def total(ds):
    s = tf.constant(0)
    for x, y in ds:
        s += x * y
    return s
ds = tf.data.Dataset.from_tensor_slices(([1, 2, 3], [4, 5, 6]))
c = total.get_concrete_function(ds)
other = tf.data.Dataset.from_tensor_slices(([1, 1], [7, 8]))
result = [text(c.structured_input_signature), text(str(c)), c(other), c(ds), total(other),
          total.experimental_get_tracing_count()]
"""),
    ("dataset_argument_with_another_spec_is_refused_by_the_concrete_function", """
@tf.function
def total(ds):
    s = tf.constant(0.0)
    for x in ds:
        s += x
    return s
c = total.get_concrete_function(tf.data.Dataset.from_tensor_slices([1.0, 2.0]))
result = c(tf.data.Dataset.from_tensor_slices([1, 2]))
"""),
]

CASES = [(name, TEXT + code if "text(" in code else code) for name, code in CASES]
