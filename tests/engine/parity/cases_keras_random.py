"""Parity cases for Keras 3's seeding on TensorFlow (area "keras_random"): after
``tf.keras.utils.set_random_seed(s)`` a model starts from Keras 3's own initial weights
(each unseeded initializer and Dropout takes its seed from Python's ``random`` when made,
and draws stateless values), Dropout's masks follow its seed generator (eager and traced),
seeded initializers repeat their values, and ``tf.random.stateless_truncated_normal``
gives TensorFlow's values.
"""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    ("set_random_seed_fixes_the_initial_weights", """
tf.keras.utils.set_random_seed(0)
model = tf.keras.Sequential([tf.keras.layers.Input((4,)),
                             tf.keras.layers.Dense(3, activation="relu"),
                             tf.keras.layers.Dense(2, kernel_initializer="he_normal"),
                             tf.keras.layers.Dense(2, kernel_initializer="lecun_uniform",
                                                   bias_initializer="random_normal")])
result = [w for w in model.weights]
tf.random.set_seed(None)
"""),
    ("seeded_initializers_repeat_their_values", """
init = [tf.keras.initializers.GlorotUniform(seed=3), tf.keras.initializers.GlorotNormal(seed=3),
        tf.keras.initializers.TruncatedNormal(seed=4), tf.keras.initializers.RandomNormal(
            mean=1.0, stddev=2.0, seed=4), tf.keras.initializers.RandomUniform(-1.0, 2.0, 5),
        tf.keras.initializers.HeUniform(seed=6), tf.keras.initializers.VarianceScaling(
            2.0, "fan_out", "untruncated_normal", seed=7)]
result = [i((3, 4)) for i in init] + [init[0]((3, 4))]
"""),
    ("dropout_masks_follow_the_seed_generator", """
tf.keras.utils.set_random_seed(3)
d = tf.keras.layers.Dropout(0.5)
model = tf.keras.Sequential([tf.keras.layers.Input((6,)), tf.keras.layers.Dense(4), d,
                             tf.keras.layers.Dense(2)])
x = tf.ones([2, 6])
first, second = d(x, training=True), d(x, training=True)
@tf.function
def f(x):
    return model(x, training=True)
result = [first, second, f(x), f(x), d(x, training=False), tf.random.uniform([2])]
tf.random.set_seed(None)
"""),
    ("dropout_with_a_seed_and_a_noise_shape", """
d = tf.keras.layers.Dropout(0.25, noise_shape=(1, 5), seed=9)
x = tf.reshape(tf.range(15.0), [3, 5])
result = [d(x, training=True), d(x, training=True)]
"""),
    ("stateless_truncated_normal", """
result = [tf.random.stateless_truncated_normal([9], seed=[1, 2]),
          tf.random.stateless_truncated_normal([2, 3], seed=[5, 6], mean=1.0, stddev=0.5,
                                               dtype=tf.float64)]
"""),
    ("nn_experimental_stateless_dropout", """
result = tf.nn.experimental.stateless_dropout(tf.ones([3, 4]), 0.4, seed=[7, 8])
"""),
]
