"""Parity cases for Keras 3 layer state (area "keras_state"): the ``Embedding`` layer (its
``embeddings`` weight, config, mask, summary line, its gradient as ``IndexedSlices`` and
training with optimizers that apply it sparsely, eagerly, traced and in ``fit``), and a
``SeedGenerator``'s state (a Dropout's) in ``layer.variables`` but not in ``weights``.
Names that Keras numbers per process (``dense_1``) are made after ``clear_session``.
"""

from __future__ import annotations

_SEQUENCE_MODEL = """
tf.keras.utils.set_random_seed(7)
model = tf.keras.Sequential([tf.keras.layers.Input((4,), dtype="int32"),
                             tf.keras.layers.Embedding(12, 3), tf.keras.layers.Flatten(),
                             tf.keras.layers.Dense(2)])
x = tf.constant([[1, 2, 2, 0], [5, 11, 1, 3], [4, 4, 4, 4]])
y = tf.constant([[1.0, -1.0], [0.5, 0.0], [-0.5, 2.0]])
"""

CASES: list[tuple[str, str]] = [
    # -- Embedding ------------------------------------------------------------------------------
    ("embedding_config", """
e = tf.keras.layers.Embedding(10, 3, mask_zero=True, name="emb")
result = tf.constant(repr(e.get_config()))
"""),
    ("embedding_weight_name_path_and_initial_values", """
tf.keras.backend.clear_session()
tf.keras.utils.set_random_seed(0)
e = tf.keras.layers.Embedding(6, 4)
out = e(tf.constant([[0, 5], [2, 2]]))
w = e.embeddings
result = [tf.constant([w.name, w.path, tf.as_dtype(w.dtype).name, str(w.trainable),
                       str([v.name for v in e.weights])]), w, out]
"""),
    ("embedding_looks_up_rows_of_any_index_dtype", """
e = tf.keras.layers.Embedding(5, 2, embeddings_initializer="ones")
e.build()
e.embeddings.assign(tf.reshape(tf.range(10.0), [5, 2]))
result = [e(tf.constant([3, 0, 4])), e(tf.constant([[1], [-1]], tf.int64)),
          e(tf.constant([2.7, 1.0])), e(np.array([[4, 0]])), e.compute_mask(tf.constant([1]))]
"""),
    ("embedding_mask_zero", """
e = tf.keras.layers.Embedding(5, 2, mask_zero=True)
x = tf.constant([[1, 0, 3], [0, 0, 2]])
result = [e.compute_mask(x), e.compute_mask(x, mask=tf.constant(True)),
          tf.keras.layers.Embedding(5, 2).compute_mask(x)]
"""),
    ("embedding_output_shape_and_summary", """
lines = []
model = tf.keras.Sequential([tf.keras.layers.Input((4,), dtype="int32"),
                             tf.keras.layers.Embedding(20, 8, name="emb"),
                             tf.keras.layers.Flatten(name="flat"),
                             tf.keras.layers.Dense(1, name="out")], name="seq")
model.summary(print_fn=lambda text, line_break=False: lines.append(text))
result = [tf.constant(lines), tf.constant(str(model.layers[0].output.shape)),
          tf.constant(model.count_params(), tf.int64)]
"""),
    ("embedding_gradient_is_indexed_slices", _SEQUENCE_MODEL + """
with tf.GradientTape() as tape:
    loss = tf.reduce_mean(tf.square(model(x) - y))
g = tape.gradient(loss, model.trainable_variables)
result = [tf.constant(type(g[0]).__name__), g[0].values, g[0].indices, g[0].dense_shape,
          tf.convert_to_tensor(g[0]), g[1], g[2]]
"""),
    ("embedding_trains_with_adam_eagerly", _SEQUENCE_MODEL + """
opt = tf.keras.optimizers.Adam(0.05)
for _ in range(3):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
result = [loss, *model.weights]
"""),
    ("embedding_trains_with_adam_in_tf_function", _SEQUENCE_MODEL + """
opt = tf.keras.optimizers.Adam(0.05)
@tf.function
def step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss
losses = [step(x, y) for _ in range(3)]
result = [losses, *model.weights]
"""),
    ("embedding_trains_with_sgd_momentum_in_tf_function", _SEQUENCE_MODEL + """
opt = tf.keras.optimizers.SGD(0.1, momentum=0.9)
@tf.function
def step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x) - y))
    grads = tape.gradient(loss, model.trainable_variables)
    opt.apply_gradients(zip(grads, model.trainable_variables))
    return loss
losses = [step(x, y) for _ in range(3)]
result = [losses, *model.weights]
"""),
    ("embedding_in_fit_with_rmsprop", _SEQUENCE_MODEL + """
model.compile(tf.keras.optimizers.RMSprop(0.01), "mse")
history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
result = [tf.constant(history.history["loss"]), *model.weights]
"""),
    ("embedding_errors", """
result = []
for args in ((0, 3), (4, -1), (2.5, 3)):
    try:
        tf.keras.layers.Embedding(*args)
    except ValueError as e:
        result.append(tf.constant(str(e)))
"""),
    ("embedding_index_out_of_range_raises", """
e = tf.keras.layers.Embedding(3, 2)
result = e(tf.constant([0, 3]))
"""),
    # -- SeedGenerator state in variables --------------------------------------------------------
    ("seed_generator_state_is_listed_in_variables", """
tf.keras.backend.clear_session()
tf.keras.utils.set_random_seed(1)
model = tf.keras.Sequential([tf.keras.layers.Input((4,)), tf.keras.layers.Dense(3),
                             tf.keras.layers.BatchNormalization(),
                             tf.keras.layers.Dropout(0.3), tf.keras.layers.Dense(2)])
def paths(vs):
    return tf.constant([f"{v.name} {v.path} {tf.as_dtype(v.dtype).name} {v.trainable} "
                        f"{list(v.shape)}"
                        for v in vs])
result = [paths(model.variables), paths(model.weights), paths(model.trainable_variables),
          paths(model.non_trainable_variables), paths(model.non_trainable_weights),
          paths(model.layers[2].variables), tf.constant(len(model.layers[2].weights)),
          tf.constant(model.count_params())]
"""),
    ("seed_generator_state_moves_with_each_training_call", """
tf.keras.utils.set_random_seed(2)
d = tf.keras.layers.Dropout(0.5)
before = tf.constant(d.variables[0].numpy())
d(tf.ones([2, 3]), training=True)
d(tf.ones([2, 3]), training=False)
after_eager = tf.constant(d.variables[0].numpy())
@tf.function
def f(x):
    return d(x, training=True)
f(tf.ones([2, 3])); f(tf.ones([2, 3]))
result = [before, after_eager, d.variables[0], d.non_trainable_variables[0],
          tf.constant(len(d.trainable_variables)), tf.constant(len(tf.keras.layers.Dropout(0.0).variables))]
"""),
    ("seed_generators_of_a_subclassed_model", """
tf.keras.backend.clear_session()
class Net(tf.keras.Model):
    def __init__(self):
        super().__init__()
        self.dense = tf.keras.layers.Dense(2)
        self.drop = tf.keras.layers.Dropout(0.2, seed=5)
        self.gen = tf.keras.random.SeedGenerator(4)
    def call(self, x):
        return self.drop(self.dense(x))
net = Net()
net(tf.ones([1, 3]))
result = [tf.constant([v.path for v in net.variables]),
          tf.constant([v.path for v in net.weights]), *net.non_trainable_variables]
"""),
    ("frozen_dropout_lists_its_state_as_non_trainable", """
d = tf.keras.layers.Dropout(0.3, seed=1)
d.trainable = False
result = [tf.constant(len(d.variables)), tf.constant(len(d.non_trainable_variables)),
          tf.constant(len(d.trainable_variables)), d.non_trainable_variables[0]]
"""),
    ("freezing_a_layer_sets_its_variables_trainable_flags", """
tf.keras.backend.clear_session()
model = tf.keras.Sequential([tf.keras.layers.Input((2,)), tf.keras.layers.Dense(2),
                             tf.keras.layers.BatchNormalization(), tf.keras.layers.Dense(1)])
def flags():
    return tf.constant([f"{v.path} {v.trainable}" for v in model.variables]
                       + [v.path for v in model.trainable_variables])
model.layers[1].trainable = False
frozen = flags()
model.layers[1].trainable = True
thawed = flags()
model.layers[0].kernel.trainable = False
one_off = flags()
model.trainable = False
result = [frozen, thawed, one_off, flags(), tf.constant(len(model.trainable_weights)),
          tf.constant(len(model.non_trainable_weights))]
"""),
    ("embedding_then_global_average_pooling_1d_in_fit", """
tf.keras.backend.clear_session()
tf.keras.utils.set_random_seed(3)
model = tf.keras.Sequential([tf.keras.layers.Input((5,), dtype="int64"),
                             tf.keras.layers.Embedding(30, 4), tf.keras.layers.Dropout(0.2),
                             tf.keras.layers.GlobalAveragePooling1D(),
                             tf.keras.layers.Dense(1)], name="text")
model.compile(tf.keras.optimizers.Adam(0.01),
              tf.keras.losses.BinaryCrossentropy(from_logits=True), metrics=["accuracy"])
x = np.array([[1, 5, 9, 0, 0], [29, 3, 3, 3, 7], [2, 2, 0, 0, 0], [8, 11, 13, 17, 19]])
y = np.array([[1.0], [0.0], [1.0], [0.0]])
history = model.fit(x, y, batch_size=2, epochs=2, shuffle=False, verbose=0)
lines = []
model.summary(print_fn=lambda text, line_break=False: lines.append(text))
pool = model.layers[2]
result = [tf.constant(history.history["loss"]), tf.constant(history.history["accuracy"]),
          *model.weights, tf.constant(lines), tf.constant(repr(pool.get_config())),
          pool(tf.reshape(tf.range(12.0), [2, 3, 2]), mask=tf.constant([[True, False, True],
                                                                      [False, False, True]])),
          tf.keras.layers.GlobalAveragePooling1D(keepdims=True)(tf.ones([1, 3, 2]))]
"""),
    # -- masks (Embedding(mask_zero=True)) ride on the tensors -------------------------------------
    ("embedding_mask_rides_on_its_output_and_through_dense_and_dropout", """
tf.keras.utils.set_random_seed(4)
e = tf.keras.layers.Embedding(6, 3, mask_zero=True)
d = tf.keras.layers.Dense(2)
x = tf.constant([[1, 0, 5], [0, 0, 2]])
h = e(x)
y = tf.keras.layers.Dropout(0.5)(d(h), training=True)
flat = tf.keras.layers.Flatten()(h)
plain = tf.keras.layers.Embedding(6, 3)(x)
result = [h._keras_mask, d(h)._keras_mask, y._keras_mask,
          tf.constant(getattr(flat, "_keras_mask", None) is None),
          tf.constant(getattr(plain, "_keras_mask", None) is None)]
"""),
    ("masked_mean_after_an_embedding_in_sequential_and_functional_models", """
tf.keras.utils.set_random_seed(5)
seq = tf.keras.Sequential([tf.keras.layers.Input((4,), dtype="int32"),
                           tf.keras.layers.Embedding(10, 3, mask_zero=True),
                           tf.keras.layers.Dropout(0.3), tf.keras.layers.GlobalAveragePooling1D(),
                           tf.keras.layers.Dense(1)])
inp = tf.keras.Input((4,), dtype="int32")
out = tf.keras.layers.Dense(2)(tf.keras.layers.GlobalAveragePooling1D()(
    tf.keras.layers.Embedding(10, 3, mask_zero=True)(inp)))
fun = tf.keras.Model(inp, out)
x = tf.constant([[3, 1, 0, 0], [7, 0, 0, 0], [2, 4, 6, 8]])
@tf.function
def traced(x):
    return seq(x, training=True), fun(x)
result = [seq(x), seq(x, training=True), fun(x), *traced(x), *traced(x)]
"""),
    ("masked_sequence_model_trains_in_fit", """
tf.keras.utils.set_random_seed(6)
model = tf.keras.Sequential([tf.keras.layers.Input((4,), dtype="int32"),
                             tf.keras.layers.Embedding(12, 4, mask_zero=True),
                             tf.keras.layers.Dense(4, activation="relu"),
                             tf.keras.layers.GlobalAveragePooling1D(),
                             tf.keras.layers.Dense(1)])
model.compile(tf.keras.optimizers.Adam(0.02), "mse")
x = np.array([[3, 1, 0, 0], [7, 0, 0, 0], [2, 4, 6, 8], [11, 5, 0, 0]])
y = np.array([[1.0], [-1.0], [0.5], [2.0]])
history = model.fit(x, y, batch_size=2, epochs=3, shuffle=False, verbose=0)
result = [tf.constant(history.history["loss"]), *model.weights]
"""),
    ("softmax_layer_with_a_mask", """
s = tf.keras.layers.Softmax()
x = tf.constant([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]])
result = [s(x, mask=tf.constant([[True, False, True], [False, False, False]])),
          s(x, mask=tf.constant([[1.0, 0.2, 0.9], [1.0, 1.0, 0.0]])),
          s(tf.reshape(tf.range(12.0), [2, 2, 3]), mask=tf.constant([[True, False, True]]))]
"""),
    ("softmax_mask_that_does_not_broadcast_raises", """
result = tf.keras.layers.Softmax()(tf.ones([2, 3, 4]), mask=tf.ones([2, 3], tf.bool))
"""),
    ("a_custom_layer_gets_the_mask_and_may_make_one", """
class Seen(tf.keras.layers.Layer):
    def call(self, inputs, mask=None):
        return tf.zeros_like(inputs[..., 0]) if mask is None else tf.cast(mask, tf.float32)
class Halves(tf.keras.layers.Layer):
    def call(self, inputs):
        return inputs * 0.5
    def compute_mask(self, inputs, previous_mask=None):
        return tf.reduce_any(tf.not_equal(inputs, 0.0), axis=-1)
e = tf.keras.layers.Embedding(4, 2, mask_zero=True, embeddings_initializer="ones")
x = tf.constant([[2, 0, 3]])
h = Halves()(tf.constant([[[1.0, 0.0], [0.0, 0.0]]]))
result = [Seen()(e(x)), Seen()(e(x), mask=tf.constant([[False, True, True]])),
          Seen()(tf.ones([1, 3, 2])), h._keras_mask, tf.constant(Halves().supports_masking),
          tf.constant(Seen().supports_masking)]
"""),
]

_MATMUL_ROUNDING = ("the engine's float32 matmul (OpenBLAS) fuses multiply-adds where "
                    "TensorFlow's rounds each product: the embedding's gradient rows differ by "
                    "up to 3 ulp (measured: the same sum done product by product matches TF "
                    "to 0 ulp), and three training steps carry that on (16 ulp measured)")
FLOAT32_ULPS = {name: (24, _MATMUL_ROUNDING) for name in (
    "embedding_trains_with_adam_eagerly", "embedding_trains_with_adam_in_tf_function",
    "embedding_trains_with_sgd_momentum_in_tf_function", "embedding_in_fit_with_rmsprop",
    "embedding_then_global_average_pooling_1d_in_fit", "masked_sequence_model_trains_in_fit")}
