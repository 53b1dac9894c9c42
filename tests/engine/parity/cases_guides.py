"""Parity cases from TensorFlow's guides as users paste them: snippets of the "Introduction to
gradients and automatic differentiation" guide whose printouts differed (a source that is also
the target; the class names the guide prints with ``type(x).__name__``)."""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    ("a_source_that_is_the_target_gets_its_seed", """
x = tf.constant(1.0)
v0 = tf.Variable(2.0)
v1 = tf.Variable(2.0)
with tf.GradientTape(persistent=True) as tape:
    tape.watch(x)
    if x > 0.0:
        result = v0
    else:
        result = v1**2
dv0, dv1 = tape.gradient(result, [v0, v1])
c = tf.constant([3.0, 4.0])
with tf.GradientTape() as t2:
    pass
w = tf.Variable([1.0, 2.0])
with tf.GradientTape() as t3:
    y = w * 3.0
result = [dv0, dv1, tape.gradient(result, x), t2.gradient(c, c),
          t3.gradient([w, y], w), tape.gradient(v0, v0, output_gradients=tf.constant(5.0))]
"""),
    ("a_source_that_is_the_target_inside_tf_function", """
v = tf.Variable(2.0)
@tf.function
def f():
    with tf.GradientTape() as tape:
        y = v * 3.0
    return tape.gradient([v, y], v)
result = f()
"""),
    ("class_names_as_the_guide_prints_them", """
x = tf.Variable(2.0)
names = []
for epoch in range(2):
    names.append(type(x).__name__)
    x = x + 1
names.append(type(tf.constant(1.0) * 2.0).__name__)
names.append(type(tf.Variable([1.0]) + 1.0).__name__)
result = tf.constant(names)
"""),
]
