"""Parity cases for the node names of composite ops called with ``name=`` inside
``tf.function`` (area "composite_names"): where TensorFlow's Python function ends in one
kernel called with ``name=name`` (``clip_by_norm``, ``log_sigmoid``, ``l2_normalize`` …)
that last node is named ``name`` and the ones before it ``name/...``; where it does not
(``reduce_variance``, ``moments``), the last node stays ``name/Type``.
"""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    # -- name= of a composite op inside tf.function names its last node ------------------------------
    ("composite_ops_name_their_last_node", """
names = []
@tf.function
def f(x, y):
    for t in (tf.clip_by_norm(x, 1.0, name="cn"), tf.clip_by_norm(x, 1.0, axes=[1], name="cn"),
              tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x, name="sce"),
              tf.math.l2_normalize(x, axis=1, name="l2"), tf.math.log_sigmoid(x, name="ls"),
              tf.math.reduce_logsumexp(x, name="lse"),
              tf.math.reduce_logsumexp(x, axis=1, name="lse"), tf.linalg.trace(x, name="tr"),
              tf.math.squared_difference(x, y, name="sqd"),
              tf.math.reduce_variance(x, name="v"), tf.math.reduce_std(x, name="sd"),
              tf.nn.moments(x, [0], name="mo")[1], tf.math.count_nonzero(x, name="cnz"),
              tf.reduce_sum(x, name="s"), tf.add(x, y, name="s")):
        names.append(str(t))
    return x
f(tf.ones([2, 2]), tf.ones([2, 2]))
result = tf.constant(names)
"""),
    ("composite_op_names_inside_a_name_scope", """
names = []
@tf.function
def f(x):
    with tf.name_scope("block"):
        names.append(str(tf.clip_by_norm(x, 1.0, name="cn")))
        names.append(str(tf.math.log_sigmoid(x, name="ls")))
    names.append(str(tf.math.log_sigmoid(x, name="ls")))
    names.append(str(tf.math.log_sigmoid(x)))
    return x
f(tf.ones([2, 2]))
result = tf.constant(names)
"""),
    ("composite_ops_without_a_name_use_tensorflows_default", """
names = []
@tf.function
def f(x, y):
    for t in (tf.clip_by_norm(x, 1.0), tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=x),
              tf.math.l2_normalize(x, axis=1), tf.math.log_sigmoid(x), tf.math.reduce_logsumexp(x),
              tf.linalg.trace(x), tf.math.squared_difference(x, y), tf.clip_by_norm(x, 1.0)):
        names.append(str(t))
    return x
f(tf.ones([2, 2]), tf.ones([2, 2]))
result = tf.constant(names)
"""),
    ("einsum_nodes_sit_under_a_scope_of_their_own", """
names = []
@tf.function
def f(x, y):
    names.append(str(tf.einsum("ij,jk->ik", x, y)))
    names.append(str(tf.einsum("ij,jk->ik", x, y, name="es")))
    names.append(str(tf.einsum("ij->ji", x)))
    with tf.name_scope("block"):
        names.append(str(tf.einsum("ij->j", x, name="es")))
    names.append(str(tf.einsum("ij,jk->ik", x, y, name="es")))
    return x
f(tf.ones([2, 2]), tf.ones([2, 2]))
result = tf.constant(names)
"""),
]
