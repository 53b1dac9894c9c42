"""Parity cases for variables a Keras 3 layer holds in attributes (area "keras_rawvars"):
a raw ``tf.Variable`` is not tracked (not in ``weights`` / ``variables``, not counted, not
updated by ``fit``) yet a ``GradientTape`` still differentiates through it; a
``keras.Variable`` in an attribute, alone or in a list, is tracked.
"""

from __future__ import annotations

_LAYER = """
class Raw(tf.keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.v = tf.Variable([1.0, 2.0], name="raw")
        self.c = tf.Variable(3.0, trainable=False, name="frozen")
        self.items = [tf.Variable(1.0, name="listed")]
    def build(self, input_shape):
        self.w = self.add_weight(shape=(2,), initializer="ones", name="w")
        self.u = tf.Variable(tf.ones([2]), name="in_build")
    def call(self, x):
        return x * self.v * self.w * self.u + self.c
"""

CASES: list[tuple[str, str]] = [
    ("raw_variables_are_not_weights", _LAYER + """
layer = Raw()
layer(tf.ones([2]))
result = tf.constant([str([w.name for w in layer.weights]),
                      str([w.name for w in layer.trainable_weights]),
                      str([w.name for w in layer.non_trainable_weights]),
                      str([w.name for w in layer.variables]),
                      str([w.name for w in layer.trainable_variables]),
                      str(layer.count_params())])
"""),
    ("a_tape_still_differentiates_through_raw_variables", _LAYER + """
layer = Raw()
layer(tf.ones([2]))
with tf.GradientTape() as tape:
    y = tf.reduce_sum(layer(tf.constant([1.0, 3.0])))
result = tape.gradient(y, [layer.v, layer.w, layer.u, layer.c])
"""),
    ("fit_leaves_raw_variables_alone", _LAYER + """
tf.keras.utils.set_random_seed(0)
model = tf.keras.Sequential([tf.keras.layers.Input((2,)), Raw()])
model.compile("sgd", "mse")
model.fit(np.ones([4, 2], np.float32), np.ones([4, 2], np.float32), verbose=0)
raw = model.layers[0]
result = [raw.v, raw.w, raw.u, tf.constant(len(model.trainable_variables)),
          tf.constant(model.count_params())]
"""),
    ("keras_variables_in_attributes_are_tracked", """
class Kept(tf.keras.layers.Layer):
    def __init__(self):
        super().__init__()
        self.kv = tf.keras.Variable([1.0, 2.0], name="kv")
        self.kl = [tf.keras.Variable(1.0, name="kl")]
        self.tv = tf.Variable(5.0)
    def call(self, x):
        return x * self.kv + self.kl[0] + self.tv
layer = Kept()
layer(tf.ones([2]))
result = tf.constant([str([w.name for w in layer.weights]), str(layer.count_params())])
"""),
    ("a_models_raw_variable_is_not_counted", """
class M(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.v = tf.Variable([1.0, 2.0])
        self.d = tf.keras.layers.Dense(1)
    def call(self, x):
        return self.d(x * self.v)
model = M()
model(tf.ones([1, 2]))
result = tf.constant([str([w.name for w in model.weights]),
                      str([w.name for w in model.trainable_variables]),
                      str(model.count_params())])
"""),
]
