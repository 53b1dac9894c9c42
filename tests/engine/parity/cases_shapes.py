"""Parity cases for static shapes inside ``tf.function`` (issue 11, area "shapes"): a
signature with ``None`` dimensions (``input_signature``, ``reduce_retracing``) shows ``None``
in every traced tensor computed from it, in ``structured_outputs`` and ``output_shapes``,
while ``tf.shape`` gives each call's sizes. ``make_fixtures.py shapes`` stores TensorFlow's
answers.

Tapescope runs the Python body of a ``None`` signature a second time, for the second
shape it meets (``engine.function.TraceFamily``), so a case keeps what the first trace saw.
Printouts are compared as their UTF-8 bytes (the harness compares strings as tensors only).
Where Tapescope names a node other than TF (``AddV2`` for TF's ``add``, ``Pack`` for
``stack``), a case compares the static shape's text rather than the whole printout.
"""

from __future__ import annotations

TEXT = "import numpy as np\ndef text(s):\n    return np.frombuffer(str(s).encode(), np.uint8)\n"

CASES: list[tuple[str, str]] = [
    ("placeholder_and_intermediates_print_none", """
seen = []
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    seen.extend([x, tf.shape(x), tf.matmul(x, tf.ones([3, 4])), tf.reduce_sum(x, axis=1),
                 tf.reduce_sum(x, axis=1, keepdims=True), tf.reshape(x, [-1]),
                 tf.reshape(x, [-1, 1, 3]), tf.expand_dims(x, 1),
                 tf.squeeze(tf.expand_dims(x, 1), 1), tf.nn.softmax(x),
                 tf.argmax(x, axis=1), tf.cast(x, tf.int32)])
    return tf.reduce_mean(x)
f(tf.ones([2, 3]))
result = [text(t) for t in seen] + [text(repr(seen[2]))]
"""),
    ("static_shapes_of_ops_with_other_names", """
shapes = []
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    for t in [x * 2.0 + 1.0, x + tf.ones([1, 3]), tf.ones([4, 1, 3]) + x,
              tf.reduce_sum(x, axis=0), tf.concat([x, x], axis=0), tf.concat([x, x], axis=1),
              tf.transpose(x), x[1:], x[:, 0], x[0], x[:, tf.newaxis, 1:],
              tf.stack([x, x]), tf.unstack(x, axis=1)[0], tf.gather(x, [0, 1], axis=1),
              tf.one_hot(tf.argmax(x, axis=1), 4), tf.tile(x, [2, 1]), tf.abs(x) > 1.0,
              tf.nn.sparse_softmax_cross_entropy_with_logits(tf.argmax(x, axis=1), x),
              tf.nn.softmax_cross_entropy_with_logits(tf.nn.softmax(x), x)]:
        shapes.append(str(t.shape))
    return x
f(tf.ones([2, 3]))
result = [text(s) for s in shapes]
"""),
    ("shape_attribute_inside_has_none_and_tf_shape_the_sizes", """
seen = []
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    seen.append([x.shape[0] is None, x.shape[1], x.shape.as_list()])
    return tf.shape(x), tf.size(x), tf.rank(x)
out = [f(tf.ones([n, 3])) for n in (2, 5)]
result = [text(seen[:1]), out, f.experimental_get_tracing_count()]
"""),
    ("dense_layer_output_has_none_batch", """
layer = tf.keras.layers.Dense(5, activation="relu")
layer.build((None, 3))
shapes = []
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    y = layer(x)
    shapes.append(str(y.shape))
    return tf.reduce_sum(y, axis=1)
c = f.get_concrete_function()
result = [text(shapes), text(c.structured_outputs), text(c.output_shapes)]
"""),
    ("concrete_function_of_a_none_signature_serves_every_batch_size", """
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    return {"rows": tf.reduce_sum(x * 2.0, axis=1), "total": tf.reduce_sum(x),
            "t": tf.transpose(x)}
c = f.get_concrete_function()
xs = [np.arange(3 * n, dtype=np.float32).reshape(n, 3) for n in (1, 2, 5, 7)]
outs = [c(tf.constant(x)) for x in xs]
result = [text(c.structured_outputs), text(c.output_shapes),
          text(c.structured_input_signature)]
result += [[o["rows"], o["total"], o["t"]] for o in outs]
result += [f.experimental_get_tracing_count()]
"""),
    ("reduce_retracing_relaxed_trace_prints_none", """
seen = []
@tf.function(reduce_retracing=True)
def f(x):
    y = tf.matmul(x, tf.ones([2, 2])) + 1.0
    seen.append(str(y.shape))
    return y
for n in (1, 3, 4):
    f(tf.ones([n, 2]))
c = f.get_concrete_function(tf.TensorSpec([None, 2], tf.float32))
result = [text(seen[:2]), text(c.output_shapes), f.experimental_get_tracing_count()]
"""),
    ("shapes_given_by_tf_shape_keep_unknown_sizes", """
shapes = []
w = tf.ones([3, 4])
@tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
def f(x):
    n = tf.shape(x)[0]
    for t in [tf.reshape(x, [tf.shape(x)[0], -1]), tf.reshape(x, [3, -1]),
              tf.zeros(tf.shape(x)), tf.ones([n, 2]), tf.fill([2, n], 1.0),
              tf.reshape(x, tf.shape(x)), tf.zeros(tf.shape(w)),
              tf.broadcast_to(tf.ones([1, 3]), tf.shape(x)),
              tf.reshape(x, tf.concat([tf.shape(x)[:1], [3, 1]], 0)),
              tf.zeros([tf.shape(x)[1], n]), tf.reshape(x, [n * 3])]:
        shapes.append(str(t.shape))
    return tf.reduce_sum(tf.reshape(x, [n, -1]) + tf.zeros(tf.shape(x)), axis=1)
out = [f(tf.ones([k, 3])) for k in (2, 4)]
result = [text(shapes[:11]), out]
"""),
    ("keras_model_traced_for_a_none_batch", """
model = tf.keras.Sequential([
    tf.keras.layers.Conv2D(2, 3, activation="relu"), tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Flatten(), tf.keras.layers.Dropout(0.5), tf.keras.layers.Dense(2)])
model.build((None, 6, 6, 1))
shapes = []
@tf.function(input_signature=[tf.TensorSpec([None, 6, 6, 1], tf.float32)])
def f(x):
    h = x
    for layer in model.layers:
        h = layer(h, training=True) if isinstance(layer, tf.keras.layers.Dropout) else layer(h)
        shapes.append(str(h.shape))
    return h
out = [f(tf.ones([n, 6, 6, 1])).shape[0] for n in (2, 3)]
c = f.get_concrete_function()
result = [text(shapes[:5]), out, text(c.output_shapes)]
"""),
    ("unknown_rank_signature_prints_unknown_shape", """
seen = []
@tf.function(input_signature=[tf.TensorSpec(None, tf.float32)])
def f(x):
    y = x * 2.0
    seen.append([str(x.shape), str(y.shape), str(tf.shape(x).shape), x.shape.rank is None])
    return y
out = [f(tf.ones([2])), f(tf.ones([2, 2]))]
result = [text(seen[:1]), out, f.experimental_get_tracing_count()]
"""),
]

CASES = [(name, TEXT + code if "text(" in code else code) for name, code in CASES]
