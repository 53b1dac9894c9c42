"""Parity cases for optimizer slot variables' names (area "optimizer_slots"): Keras 3 names
a slot after its variable's path (``dense_kernel_momentum``) or, for a raw ``tf.Variable``,
after its full name with ':' and '/' made '_' (``w_0_momentum``, ``Variable_0_momentum``)."""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    ("raw_variables_slots_are_named_after_their_full_names", """
w = tf.Variable([1.0, 2.0], name="w")
b = tf.Variable(0.5)
s = tf.Variable([3.0], name="scope/s")
names = []
for opt in (tf.keras.optimizers.SGD(0.1, momentum=0.9, name="o1"),
            tf.keras.optimizers.Adam(0.1, name="o2"),
            tf.keras.optimizers.RMSprop(0.1, momentum=0.5, name="o3"),
            tf.keras.optimizers.Adagrad(0.1, name="o4")):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(w * w) + b * b + tf.reduce_sum(s)
    opt.apply_gradients(zip(tape.gradient(loss, [w, b, s]), [w, b, s]))
    names += [v.name for v in opt.variables] + [v.path for v in opt.variables]
result = tf.constant(names)
"""),
    ("keras_layer_slots_are_named_after_their_paths", """
model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(2, name="d")], name="m")
opt = tf.keras.optimizers.Adam(0.1, name="o")
with tf.GradientTape() as tape:
    loss = tf.reduce_sum(model(tf.ones([1, 3])))
opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
result = tf.constant([v.name for v in opt.variables] + [v.path for v in opt.variables])
"""),
]
