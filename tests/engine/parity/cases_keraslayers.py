"""Parity cases for the Keras 3 layers, losses, metrics and optimizers added for issue 11
(area keraslayers): forward values, gradients, weight names/shapes, config keys, and a few
seeded training steps. Run by real TensorFlow 2.21 / Keras 3 (``make_fixtures.py
keraslayers``) and by the engine in the suite.
"""

from __future__ import annotations

# Inputs every layer case starts from: a sequence batch and an image batch.
_DATA = """
rng = np.random.RandomState(7)
seq = tf.constant(rng.randn(2, 5, 3).astype(np.float32))
img = tf.constant(rng.randn(2, 5, 5, 3).astype(np.float32))
def weights_of(layer):
    # paths below the layer's own name: that name counts the layers made before it
    paths = ["/".join(v.path.split("/")[1:]) for v in layer.weights]
    return [tf.constant(paths), *[v for v in layer.weights]]
def config_keys(layer):
    return tf.constant(sorted(layer.get_config()))
def forward_and_grads(layer, x, training=None):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=training) if training is not None else layer(x)
        loss = tf.reduce_sum(y * tf.cos(y))  # a nonlinear weighting of every output
    grads = tape.gradient(loss, [x, *layer.trainable_weights])
    return [y, *grads]
"""


def _case(name: str, body: str) -> tuple[str, str]:
    return name, _DATA + body


_GLOROT = "kernel_initializer=tf.keras.initializers.GlorotUniform(seed=3)"

CASES: list[tuple[str, str]] = [
    # -- activation layers ----------------------------------------------------------------------
    _case("leaky_relu_default_slope", """
layer = tf.keras.layers.LeakyReLU()
result = [*forward_and_grads(layer, seq), config_keys(layer)]
"""),
    _case("elu_alpha", """
layer = tf.keras.layers.ELU(alpha=0.5)
result = [*forward_and_grads(layer, seq), config_keys(layer)]
"""),
    _case("prelu_shared_axes_weights_and_grads", """
layer = tf.keras.layers.PReLU(alpha_initializer=tf.keras.initializers.Constant(0.25), shared_axes=[1])
result = [*forward_and_grads(layer, seq), *weights_of(layer), config_keys(layer)]
"""),
    # -- normalization ----------------------------------------------------------------------------
    _case("layer_normalization_last_axis", """
layer = tf.keras.layers.LayerNormalization(gamma_initializer=tf.keras.initializers.RandomNormal(seed=2), beta_initializer=tf.keras.initializers.RandomNormal(seed=5))
result = [*forward_and_grads(layer, seq), *weights_of(layer), config_keys(layer), tf.constant(layer.get_config()["axis"])]
"""),
    _case("layer_normalization_two_axes", """
layer = tf.keras.layers.LayerNormalization(axis=[1, 2], epsilon=1e-5)
result = [*forward_and_grads(layer, seq), *weights_of(layer)]
"""),
    _case("rescaling_uint8_images", """
layer = tf.keras.layers.Rescaling(1. / 255, offset=-0.5)
result = [layer(tf.constant([[0, 128, 255]], tf.uint8)), config_keys(layer)]
"""),
    _case("normalization_adapt_array", """
data = rng.rand(10, 3).astype(np.float32) * [1., 10., 100.]
layer = tf.keras.layers.Normalization()
layer.adapt(data)
result = [layer(data[:4]), *weights_of(layer), config_keys(layer)]
"""),
    _case("normalization_adapt_dataset_batches", """
data = (rng.rand(10, 2).astype(np.float32) * [3., 7.]).astype(np.float32)
layer = tf.keras.layers.Normalization(axis=-1)
layer.adapt(tf.data.Dataset.from_tensor_slices(data).batch(4))
result = [layer(data[:3]), layer.weights[0], layer.weights[1]]
"""),
    _case("normalization_adapt_tensor_axis_none", """
layer = tf.keras.layers.Normalization(axis=None)
layer.adapt(tf.constant([[1., 2.], [3., 10.]]))
result = [layer(tf.constant([[1., 2.]])), layer.weights[0], layer.weights[1]]
"""),
    _case("normalization_given_mean_variance_invert", """
layer = tf.keras.layers.Normalization(mean=[1., 2.], variance=[4., 9.], invert=True)
result = [layer(tf.constant([[1., 1.], [0., -1.]])), tf.constant(len(layer.weights))]
"""),
    _case("normalization_in_regression_model_summary_counts", """
norm = tf.keras.layers.Normalization(axis=-1)
norm.adapt(rng.rand(8, 4).astype(np.float32))
model = tf.keras.Sequential([tf.keras.Input((4,)), norm, tf.keras.layers.Dense(1, kernel_initializer="ones")])
result = [model(np.ones((2, 4), np.float32)), tf.constant(model.count_params()), tf.constant(len(model.trainable_weights)), tf.constant(len(model.non_trainable_weights))]
"""),
    # -- convolutions and pooling -------------------------------------------------------------
    _case("conv1d_valid_weights_and_grads", f"""
layer = tf.keras.layers.Conv1D(4, 3, {_GLOROT}, bias_initializer="ones")
result = [*forward_and_grads(layer, seq), *weights_of(layer), config_keys(layer)]
"""),
    _case("conv1d_same_strided_dilated_causal", f"""
same = tf.keras.layers.Conv1D(2, 2, strides=2, padding="same", {_GLOROT})
dilated = tf.keras.layers.Conv1D(2, 2, dilation_rate=2, {_GLOROT})
causal = tf.keras.layers.Conv1D(2, 3, padding="causal", activation="relu", {_GLOROT})
result = [*forward_and_grads(same, seq), *forward_and_grads(dilated, seq), *forward_and_grads(causal, seq)]
"""),
    _case("conv2d_transpose_valid_and_same", f"""
valid = tf.keras.layers.Conv2DTranspose(2, 3, {_GLOROT})
same = tf.keras.layers.Conv2DTranspose(2, (3, 2), strides=2, padding="same", {_GLOROT})
result = [*forward_and_grads(valid, img), *weights_of(valid), *forward_and_grads(same, img), config_keys(valid)]
"""),
    _case("max_and_average_pooling_1d", """
result = [*forward_and_grads(tf.keras.layers.MaxPooling1D(), seq),
          *forward_and_grads(tf.keras.layers.MaxPool1D(pool_size=3, strides=1, padding="same"), seq),
          *forward_and_grads(tf.keras.layers.AveragePooling1D(pool_size=2, padding="same"), seq),
          config_keys(tf.keras.layers.MaxPooling1D())]
"""),
    _case("average_pooling_2d_needs_pool_size", """
tf.keras.layers.AveragePooling2D()
"""),
    _case("average_pooling_2d", """
result = [*forward_and_grads(tf.keras.layers.AveragePooling2D(2), img),
          *forward_and_grads(tf.keras.layers.AvgPool2D((3, 3), strides=2, padding="same"), img)]
"""),
    _case("global_max_pooling", """
result = [*forward_and_grads(tf.keras.layers.GlobalMaxPooling1D(), seq),
          *forward_and_grads(tf.keras.layers.GlobalMaxPool2D(keepdims=True), img),
          config_keys(tf.keras.layers.GlobalMaxPooling2D())]
"""),
    # -- reshaping ------------------------------------------------------------------------------
    _case("repeat_vector_and_permute", """
result = [*forward_and_grads(tf.keras.layers.RepeatVector(3), seq[:, 0]),
          *forward_and_grads(tf.keras.layers.Permute((2, 1)), seq),
          config_keys(tf.keras.layers.Permute((2, 1)))]
"""),
    _case("zero_padding_cropping_upsampling_2d", """
result = [*forward_and_grads(tf.keras.layers.ZeroPadding2D(((1, 0), (2, 1))), img),
          *forward_and_grads(tf.keras.layers.Cropping2D(((1, 2), (0, 1))), img),
          *forward_and_grads(tf.keras.layers.UpSampling2D((2, 3)), img),
          tf.constant(str(tf.keras.layers.ZeroPadding2D(1).get_config()["padding"]))]
"""),
    _case("cropping_too_much_raises", """
tf.keras.layers.Cropping2D(3)(img)
"""),
    # -- lambda, identity, masking ---------------------------------------------------------------
    _case("lambda_and_identity", """
result = [tf.keras.layers.Lambda(lambda t: tf.square(t) + 1.0)(seq), tf.keras.layers.Identity()(seq)]
"""),
    _case("masking_zeroes_and_masks_steps", """
x = np.ones((2, 4, 2), np.float32); x[0, 1] = 0.0; x[1, 3] = 0.0; x[1, 0, 0] = 0.0
y = tf.keras.layers.Masking(mask_value=0.0)(tf.constant(x))
result = [y, y._keras_mask]
"""),
    # -- noise ----------------------------------------------------------------------------------
    _case("gaussian_noise_and_dropout_seeded", """
noise = tf.keras.layers.GaussianNoise(0.3, seed=11)
drop = tf.keras.layers.GaussianDropout(0.4, seed=12)
result = [noise(seq, training=True), noise(seq, training=True), noise(seq), drop(seq, training=True), drop(seq)]
"""),
    _case("spatial_dropout_seeded", """
d1 = tf.keras.layers.SpatialDropout1D(0.5, seed=3)
d2 = tf.keras.layers.SpatialDropout2D(0.5, seed=4)
result = [d1(seq, training=True), d2(img, training=True), d1(seq), config_keys(d1)]
"""),
    # -- merging --------------------------------------------------------------------------------
    _case("merge_layers_and_functional_forms", """
a, b, c = seq, seq * 0.5 - 1.0, tf.reverse(seq, [1])
L = tf.keras.layers
result = [L.Subtract()([a, b]), L.Multiply()([a, b, c]), L.Average()([a, b, c]), L.Maximum()([a, b, c]),
          L.Minimum()([a, b]), L.add([a, b]), L.subtract([a, b]), L.multiply([a, b]), L.average([a, b]),
          L.maximum([a, b]), L.minimum([a, b]), L.concatenate([a, b], axis=1)]
"""),
    _case("dot_layer_axes_and_normalize", """
L = tf.keras.layers
x2, y2 = seq[:, 0], seq[:, 1]
result = [L.Dot(axes=1)([x2, y2]), L.Dot(axes=(2, 2))([seq, seq]), L.Dot(axes=1)([seq, seq]),
          L.Dot(axes=(1, 2))([x2, seq]), L.dot([x2, y2], axes=-1, normalize=True),
          L.Dot(axes=2, normalize=True)([seq, seq])]
"""),
    _case("subtract_needs_two_inputs", """
tf.keras.layers.Subtract()([seq, seq, seq])
"""),
    _case("functional_model_with_merges_summary_shapes", """
inp = tf.keras.Input((5, 3))
a = tf.keras.layers.Conv1D(4, 2, padding="same", kernel_initializer="ones")(inp)
b = tf.keras.layers.Conv1D(4, 2, padding="same", kernel_initializer="zeros")(inp)
m = tf.keras.layers.average([a, b])
out = tf.keras.layers.GlobalMaxPooling1D()(tf.keras.layers.multiply([m, a]))
model = tf.keras.Model(inp, out)
result = [model(seq), tf.constant([str(l.output.shape) for l in model.layers])]
"""),
]

CASES += [
    # -- recurrent layers -------------------------------------------------------------------------
    _case("orthogonal_initializer_seeded", """
result = [tf.keras.initializers.Orthogonal(seed=4)((3, 5)), tf.keras.initializers.Orthogonal(gain=2.0, seed=9)((6, 2)),
          tf.keras.initializers.get("orthogonal").__class__.__name__ == "Orthogonal" and tf.constant(1)]
"""),
    _case("simple_rnn_default_init_after_set_random_seed", """
tf.keras.utils.set_random_seed(5)
layer = tf.keras.layers.SimpleRNN(4)
result = [*forward_and_grads(layer, seq), *weights_of(layer), config_keys(layer)]
"""),
    _case("lstm_default_init_sequences_and_grads", """
tf.keras.utils.set_random_seed(6)
layer = tf.keras.layers.LSTM(3, return_sequences=True)
result = [*forward_and_grads(layer, seq), *weights_of(layer), config_keys(layer), tf.constant(len(layer.variables))]
"""),
    _case("lstm_return_state_go_backwards_initial_state", """
tf.keras.utils.set_random_seed(7)
layer = tf.keras.layers.LSTM(2, return_state=True, go_backwards=True, unit_forget_bias=False, bias_initializer="ones")
h0 = tf.constant([[0.5, -0.5], [1.0, 0.0]])
result = [*layer(seq), *layer(seq, initial_state=[h0, -h0])]
"""),
    _case("gru_reset_after_default_and_grads", """
tf.keras.utils.set_random_seed(8)
layer = tf.keras.layers.GRU(3, return_sequences=True)
result = [*forward_and_grads(layer, seq), *weights_of(layer), config_keys(layer)]
"""),
    _case("gru_reset_before_return_state", """
tf.keras.utils.set_random_seed(9)
layer = tf.keras.layers.GRU(3, reset_after=False, return_state=True, activation="relu")
result = [*forward_and_grads(layer, seq)[:1], *layer(seq), *weights_of(layer)]
"""),
    _case("rnn_masks_from_embedding", """
tf.keras.utils.set_random_seed(10)
ids = tf.constant([[3, 1, 4, 0, 0], [0, 2, 7, 1, 0]])
emb = tf.keras.layers.Embedding(8, 3, mask_zero=True)
x = emb(ids)
seq_out = tf.keras.layers.LSTM(2, return_sequences=True)(x)
result = [seq_out, seq_out._keras_mask, tf.keras.layers.GRU(2)(x), tf.keras.layers.SimpleRNN(2, go_backwards=True)(x),
          tf.keras.layers.LSTM(2, return_state=True)(x)]
"""),
    _case("rnn_masking_layer_then_lstm", """
tf.keras.utils.set_random_seed(11)
x = np.ones((2, 4, 2), np.float32) * np.arange(1, 5, dtype=np.float32)[None, :, None]; x[0, 2:] = -1.0
model = tf.keras.Sequential([tf.keras.Input((4, 2)), tf.keras.layers.Masking(-1.0), tf.keras.layers.LSTM(3, return_sequences=True), tf.keras.layers.GRU(2)])
result = model(x)
"""),
    _case("rnn_dropout_seeded_training", """
layer = tf.keras.layers.LSTM(2, dropout=0.5, kernel_initializer=tf.keras.initializers.GlorotUniform(seed=1), recurrent_initializer=tf.keras.initializers.Orthogonal(seed=2), seed=3)
g = tf.keras.layers.GRU(2, dropout=0.3, recurrent_dropout=0.4, kernel_initializer=tf.keras.initializers.GlorotUniform(seed=1), recurrent_initializer=tf.keras.initializers.Orthogonal(seed=2), seed=4)
s = tf.keras.layers.SimpleRNN(2, recurrent_dropout=0.5, kernel_initializer=tf.keras.initializers.GlorotUniform(seed=1), recurrent_initializer=tf.keras.initializers.Orthogonal(seed=2), seed=5)
result = [layer(seq, training=True), layer(seq, training=True), layer(seq), g(seq, training=True), g(seq), s(seq, training=True)]
"""),
    _case("bidirectional_lstm_merge_modes", f"""
init = dict({_GLOROT}, recurrent_initializer=tf.keras.initializers.Orthogonal(seed=4))
bi = tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(2, name="enc", **init))
bi_seq = tf.keras.layers.Bidirectional(tf.keras.layers.GRU(2, return_sequences=True, **init), merge_mode="sum")
bi_state = tf.keras.layers.Bidirectional(tf.keras.layers.SimpleRNN(2, return_state=True, **init), merge_mode="ave")
result = [*forward_and_grads(bi, seq), *weights_of(bi), bi_seq(seq), *bi_state(seq), config_keys(bi)]
"""),
    _case("bidirectional_with_mask", f"""
init = dict({_GLOROT}, recurrent_initializer=tf.keras.initializers.Orthogonal(seed=4))
x = tf.keras.layers.Embedding(6, 3, embeddings_initializer=tf.keras.initializers.RandomUniform(seed=2), mask_zero=True)(tf.constant([[1, 2, 3, 0], [4, 0, 0, 0]]))
result = [tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(2, return_sequences=True, **init))(x),
          tf.keras.layers.Bidirectional(tf.keras.layers.GRU(2, **init))(x)]
"""),
    _case("time_distributed_dense_and_conv", f"""
td = tf.keras.layers.TimeDistributed(tf.keras.layers.Dense(2, {_GLOROT}, name="proj"), name="per_step")
video = tf.constant(rng.randn(2, 3, 4, 4, 1).astype(np.float32))
tc = tf.keras.layers.TimeDistributed(tf.keras.layers.Conv2D(2, 3, {_GLOROT}))
result = [*forward_and_grads(td, seq), *weights_of(td), tc(video), config_keys(td)]
"""),
    _case("text_rnn_tutorial_model_trains_in_fit", """
tf.keras.utils.set_random_seed(12)
ids = np.array([[1, 5, 3, 0, 0], [2, 2, 9, 4, 0], [7, 0, 0, 0, 0], [3, 8, 1, 6, 2]], np.int32)
labels = np.array([[1.], [0.], [1.], [0.]], np.float32)
model = tf.keras.Sequential([
    tf.keras.Input((5,), dtype="int32"),
    tf.keras.layers.Embedding(10, 4, mask_zero=True),
    tf.keras.layers.Bidirectional(tf.keras.layers.LSTM(3)),
    tf.keras.layers.Dense(3, activation="relu"),
    tf.keras.layers.Dense(1)])
model.compile(loss=tf.keras.losses.BinaryCrossentropy(from_logits=True), optimizer=tf.keras.optimizers.Adam(1e-2), metrics=["accuracy"])
history = model.fit(ids, labels, epochs=3, batch_size=2, shuffle=False, verbose=0)
result = [tf.constant(history.history["loss"], tf.float32), *model.weights]
"""),
    _case("time_series_lstm_and_gru_train_with_sgd", """
tf.keras.utils.set_random_seed(13)
x = np.sin(np.arange(24, dtype=np.float32) / 3.0).reshape(4, 6, 1)
y = np.cos(np.arange(4, dtype=np.float32)).reshape(4, 1)
model = tf.keras.Sequential([tf.keras.Input((6, 1)), tf.keras.layers.LSTM(4, return_sequences=True), tf.keras.layers.GRU(3), tf.keras.layers.Dense(1)])
model.compile(loss="mse", optimizer=tf.keras.optimizers.SGD(0.1))
history = model.fit(x, y, epochs=4, batch_size=2, shuffle=False, verbose=0)
result = [tf.constant(history.history["loss"], tf.float32), *model.weights]
"""),
]

# Sums whose terms cancel to near zero carry the absolute rounding error of their larger
# terms (≤ 3e-7 here, on values of order 1): ulps of the small result count it many times.
_SUM_ORDER = "a different summation order (im2col/col2im, moments, gather gradients)"
_QR = "the orthogonal initializer's QR (Eigen vs LAPACK), carried through the steps"
FLOAT32_ULPS = {
    # TensorFlow's Elu kernel takes exp(x) - 1 (Eigen), the engine expm1: near 0 the
    # subtraction cancels (differences of 3e-8 on values of 1e-5).
    "elu_alpha": (1024, "TF's Elu computes exp(x) - 1, the engine expm1"),
    "layer_normalization_last_axis": (128, _SUM_ORDER),
    "layer_normalization_two_axes": (128, _SUM_ORDER),
    "conv1d_valid_weights_and_grads": (8, _SUM_ORDER),
    "conv1d_same_strided_dilated_causal": (16, _SUM_ORDER),
    "conv2d_transpose_valid_and_same": (65536, _SUM_ORDER),
    "zero_padding_cropping_upsampling_2d": (64, _SUM_ORDER),
    "dot_layer_axes_and_normalize": (8, _SUM_ORDER),
    # Eigen's Householder QR vs LAPACK's (as in cases_linalg's qr_square): the orthogonal
    # recurrent kernels differ by a few ulp, and the steps of a sequence carry it on.
    "orthogonal_initializer_seeded": (16, _QR),
    "simple_rnn_default_init_after_set_random_seed": (512, _QR),
    "lstm_default_init_sequences_and_grads": (512, _QR),
    "gru_reset_after_default_and_grads": (64, _QR),
    "gru_reset_before_return_state": (8, _QR),
    "rnn_masks_from_embedding": (8, _QR),
    "rnn_dropout_seeded_training": (128, _QR),
    "bidirectional_lstm_merge_modes": (256, _QR),
    "bidirectional_with_mask": (32, _QR),
    "text_rnn_tutorial_model_trains_in_fit": (16, _QR),
    "time_series_lstm_and_gru_train_with_sgd": (256, _QR),
}
