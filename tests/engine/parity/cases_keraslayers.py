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

_LOSS_DATA = """
y_bin = tf.constant([[0., 1., 1.], [1., 0., 0.], [1., 1., 0.]])
y_pm = tf.constant([[-1., 1., 1.], [1., -1., -1.], [1., 1., -1.]])
scores = tf.constant([[0.3, 1.2, -0.4], [0.9, 0.2, -1.5], [2.0, -0.3, 0.1]])
probs = tf.constant([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])
onehot = tf.constant([[0., 1., 0.], [1., 0., 0.], [0., 0., 1.]])
counts = tf.constant([[0., 2., 5.], [1., 0., 3.], [4., 1., 0.]])
weights = tf.constant([0.5, 2.0, 1.0])
"""


def _loss_case(name: str, body: str) -> tuple[str, str]:
    return name, _LOSS_DATA + body


CASES += [
    # -- losses -----------------------------------------------------------------------------------
    _loss_case("hinge_losses_binary_and_signed_labels", """
L = tf.keras.losses
result = [L.Hinge()(y_bin, scores), L.Hinge()(y_pm, scores), L.Hinge(reduction=None)(y_bin, scores),
          L.SquaredHinge()(y_bin, scores), L.SquaredHinge(reduction="sum")(y_pm, scores, sample_weight=weights),
          L.CategoricalHinge()(onehot, scores), L.hinge(y_bin, scores), L.squared_hinge(y_pm, scores),
          L.categorical_hinge(onehot, scores)]
"""),
    _loss_case("kld_poisson_logcosh_cosine", """
L = tf.keras.losses
result = [L.KLDivergence()(onehot, probs), L.kld(probs, onehot), L.KLD(onehot, probs), L.kullback_leibler_divergence(onehot, probs),
          L.Poisson()(counts, tf.exp(scores)), L.poisson(counts, tf.exp(scores)),
          L.LogCosh()(counts, scores * 3.0), L.logcosh(counts, scores * 30.0),
          L.CosineSimilarity()(counts, scores), L.CosineSimilarity(axis=0, reduction=None)(counts, scores),
          L.cosine_similarity(counts, scores)]
"""),
    _loss_case("mape_and_msle", """
L = tf.keras.losses
result = [L.MeanAbsolutePercentageError()(counts, scores), L.mape(counts, scores), L.MAPE(counts + 1.0, scores),
          L.MeanSquaredLogarithmicError()(counts, probs * 4.0), L.msle(counts, scores), L.MSLE(counts, probs),
          L.MeanSquaredLogarithmicError(reduction=None)(counts, probs), L.MeanAbsolutePercentageError()(counts, scores, sample_weight=weights)]
"""),
    _loss_case("loss_gradients_by_tape", """
L = tf.keras.losses
out = []
for loss in (L.Hinge(), L.SquaredHinge(), L.CategoricalHinge(), L.KLDivergence(), L.Poisson(), L.LogCosh(),
             L.CosineSimilarity(), L.MeanAbsolutePercentageError(), L.MeanSquaredLogarithmicError()):
    x = tf.Variable(probs * 2.0 + 0.05)
    with tf.GradientTape() as tape:
        value = loss(counts / 5.0, x)
    out += [value, tape.gradient(value, x)]
result = out
"""),
    _loss_case("loss_configs_and_get_by_name", """
L = tf.keras.losses
objs = [L.Hinge(), L.SquaredHinge(), L.CategoricalHinge(), L.KLDivergence(), L.Poisson(), L.LogCosh(),
        L.CosineSimilarity(), L.MeanAbsolutePercentageError(), L.MeanSquaredLogarithmicError()]
result = [tf.constant([o.name for o in objs]), tf.constant([",".join(sorted(o.get_config())) for o in objs])]
"""),
    _loss_case("rank_one_labels_against_column_predictions", """
L = tf.keras.losses
y = tf.constant([1., 2., 3.])
p = tf.constant([[1.], [0.], [3.5]])
result = [L.MeanSquaredError(reduction=None)(y, p), L.mse(y, p), L.mae(y, p), L.MeanAbsoluteError()(y, p, sample_weight=[1., 0., 2.]),
          L.LogCosh(reduction=None)(y, p), L.Huber(reduction=None)(y, p), L.MeanSquaredError(reduction=None)(p, y)]
"""),
    _loss_case("model_fit_with_new_losses", """
tf.keras.utils.set_random_seed(21)
x = np.linspace(-1, 1, 12, dtype=np.float32).reshape(6, 2)
y = (x[:, :1] > 0).astype(np.float32)
out = []
for loss in ("hinge", "squared_hinge", "poisson", "log_cosh", "msle"):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1, activation="softplus", kernel_initializer=tf.keras.initializers.GlorotUniform(seed=1))])
    model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss=loss)
    out.append(tf.constant(model.fit(x, y, epochs=2, batch_size=3, shuffle=False, verbose=0).history["loss"], tf.float32))
result = out
"""),
    # -- metrics ----------------------------------------------------------------------------------
    _loss_case("precision_recall_counts", """
M = tf.keras.metrics
out = []
for m in (M.Precision(), M.Recall(), M.Precision(thresholds=[0.25, 0.55, 0.9]), M.Recall(top_k=1),
          M.Precision(class_id=1), M.TruePositives(), M.FalsePositives(thresholds=[0.15, 0.45]),
          M.TrueNegatives(), M.FalseNegatives()):
    m.update_state(y_bin, probs)
    m.update_state(y_bin[:2], probs[1:], sample_weight=[2.0, 0.5])
    out += [m.result(), *m.variables]
    m.reset_state()
    out.append(m.result())
result = out
"""),
    _loss_case("auc_roc_and_pr", """
M = tf.keras.metrics
labels = tf.constant([0., 1., 1., 0., 1., 0., 1., 1.])
preds = tf.constant([0.12, 0.83, 0.41, 0.57, 0.94, 0.03, 0.66, 0.29])
out = []
for m in (M.AUC(), M.AUC(curve="PR"), M.AUC(num_thresholds=7, summation_method="minoring"),
          M.AUC(num_thresholds=5, curve="PR", summation_method="majoring"), M.AUC(thresholds=[0.3, 0.5, 0.7]),
          M.AUC(from_logits=True)):
    m.update_state(labels, preds)
    m.update_state(labels[:4], preds[4:], sample_weight=[1.0, 0.5, 2.0, 1.0])
    out += [m.result(), m.true_positives, m.false_negatives]
result = out
"""),
    _loss_case("auc_config_and_thresholds", """
m = tf.keras.metrics.AUC(num_thresholds=5)
result = [tf.constant(m.thresholds, tf.float32), tf.constant(sorted(m.get_config())), tf.constant(len(m.variables))]
"""),
    _loss_case("f1_fbeta_r2_rmse", """
M = tf.keras.metrics
out = []
for m in (M.F1Score(), M.F1Score(average="macro"), M.F1Score(average="micro", threshold=0.4),
          M.F1Score(average="weighted"), M.FBetaScore(beta=2.0, threshold=0.3)):
    m.update_state(y_bin, probs)
    m.update_state(onehot, probs, sample_weight=[1.0, 2.0, 0.5])
    out.append(m.result())
for m in (M.R2Score(), M.R2Score(class_aggregation=None), M.R2Score(class_aggregation="variance_weighted_average"),
          M.R2Score(num_regressors=1), M.RootMeanSquaredError()):
    m.update_state(counts, scores * 2.0)
    m.update_state(counts[:2], probs[:2] * 3.0, sample_weight=[0.5, 2.0])
    out.append(m.result())
result = out
"""),
    _loss_case("top_k_accuracies", """
M = tf.keras.metrics
m1, m2, m3 = M.TopKCategoricalAccuracy(k=2), M.SparseTopKCategoricalAccuracy(k=1), M.SparseTopKCategoricalAccuracy(k=2)
ties = tf.constant([[0.5, 0.5, 0.0], [0.2, 0.2, 0.6], [0.1, 0.3, 0.3]])
m1.update_state(onehot, ties); m1.update_state(onehot, scores, sample_weight=[1., 0., 2.])
m2.update_state([1, 2, 1], ties); m3.update_state([[1], [0], [0]], scores)
result = [m1.result(), m2.result(), m3.result(), M.top_k_categorical_accuracy(onehot, scores, k=1),
          M.sparse_top_k_categorical_accuracy(tf.constant([0, 1, 2]), ties, k=1)]
"""),
    _loss_case("crossentropy_and_loss_metrics", """
M = tf.keras.metrics
out = []
pairs = [(M.CategoricalCrossentropy(), onehot, probs), (M.CategoricalCrossentropy(from_logits=True, label_smoothing=0.1), onehot, scores),
         (M.SparseCategoricalCrossentropy(), tf.constant([1, 0, 2]), probs), (M.SparseCategoricalCrossentropy(from_logits=True), tf.constant([[1], [0], [2]]), scores),
         (M.BinaryCrossentropy(), y_bin, probs), (M.BinaryCrossentropy(from_logits=True), y_bin, scores),
         (M.Hinge(), y_bin, scores), (M.SquaredHinge(), y_pm, scores), (M.CategoricalHinge(), onehot, scores),
         (M.KLDivergence(), onehot, probs), (M.Poisson(), counts, probs), (M.LogCoshError(), counts, scores),
         (M.CosineSimilarity(), counts, scores), (M.MeanAbsolutePercentageError(), counts, scores),
         (M.MeanSquaredLogarithmicError(), counts, probs)]
for m, a, b in pairs:
    m.update_state(a, b); m.update_state(a, b, sample_weight=weights)
    out.append(m.result())
result = [*out, tf.constant([m.name for m, _, _ in pairs])]
"""),
    _loss_case("metrics_in_compile_and_evaluate", """
tf.keras.utils.set_random_seed(22)
x = np.linspace(-1, 1, 16, dtype=np.float32).reshape(8, 2)
y = (x[:, :1] + 0.3 * x[:, 1:] > 0).astype(np.float32)
model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1, activation="sigmoid", kernel_initializer=tf.keras.initializers.GlorotUniform(seed=3))])
model.compile(optimizer=tf.keras.optimizers.Adam(0.05), loss="binary_crossentropy",
              metrics=[tf.keras.metrics.Precision(name="p"), tf.keras.metrics.Recall(name="r"), tf.keras.metrics.AUC(name="auc"), tf.keras.metrics.BinaryCrossentropy(), tf.keras.metrics.RootMeanSquaredError()])
history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
values = model.evaluate(x, y, verbose=0)
result = [tf.constant([history.history[k] for k in sorted(history.history)], tf.float32), tf.constant(sorted(history.history)), tf.constant(values, tf.float32)]
"""),
    # -- optimizers -------------------------------------------------------------------------------
    ("new_optimizers_three_steps", """
out = []
for make in (lambda: tf.keras.optimizers.Adamax(learning_rate=0.1), lambda: tf.keras.optimizers.Nadam(learning_rate=0.1),
             lambda: tf.keras.optimizers.Adadelta(learning_rate=1.0), lambda: tf.keras.optimizers.Ftrl(learning_rate=0.1),
             lambda: tf.keras.optimizers.Ftrl(learning_rate=0.05, learning_rate_power=-0.3, l1_regularization_strength=0.01, l2_regularization_strength=0.1, l2_shrinkage_regularization_strength=0.02, beta=0.5, initial_accumulator_value=0.2),
             lambda: tf.keras.optimizers.Adamax(0.01, beta_1=0.8, beta_2=0.9, epsilon=1e-3),
             lambda: tf.keras.optimizers.Nadam(0.02, beta_1=0.85, beta_2=0.99)):
    opt = make()
    w = tf.Variable([1.0, -2.0, 0.5, 3.0], name="w")
    b = tf.Variable([[0.25], [-0.75]], name="b")
    for g, h in (([0.5, -1.0, 2.0, 0.0], [[0.1], [-0.2]]), ([0.1, 0.3, -0.4, 1e-4], [[0.0], [0.4]]), ([-2.0, 0.25, 0.0, 3.0], [[1.0], [1.0]])):
        opt.apply_gradients([(tf.constant(g), w), (tf.constant(h), b)])
    # (slot names of a raw tf.Variable: parity area optimizer_slots)
    out += [w, b, *opt.variables[2:], tf.constant([v.name for v in opt.variables[:2]]),
            tf.constant(len(opt.variables)), tf.constant(sorted(opt.get_config()))]
result = out
"""),
    ("new_optimizers_in_fit", """
tf.keras.utils.set_random_seed(23)
x = np.linspace(-1, 1, 16, dtype=np.float32).reshape(8, 2)
y = (x[:, :1] * 2.0 - x[:, 1:] * 0.5).astype(np.float32)
out = []
for name in ("adamax", "nadam", "adadelta", "ftrl"):
    model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(3, activation="tanh", kernel_initializer=tf.keras.initializers.GlorotUniform(seed=5)), tf.keras.layers.Dense(1, kernel_initializer=tf.keras.initializers.GlorotUniform(seed=6))])
    model.compile(optimizer=name, loss="mse")
    history = model.fit(x, y, epochs=3, batch_size=4, shuffle=False, verbose=0)
    out += [tf.constant(history.history["loss"], tf.float32), *model.weights, tf.constant(type(model.optimizer).__name__)]
result = out
"""),
]

CASES += [
    # -- the regression tutorial: a 1-D feature normalized by an adapted layer -------------------
    ("regression_tutorial_horsepower_model", """
rng = np.random.RandomState(0)
hp = (rng.rand(40) * 200 + 50).astype(np.float32)
feat = (rng.rand(40, 3) * [1, 10, 100]).astype(np.float32)
mpg = (50 - hp * 0.15 + rng.randn(40)).astype(np.float32)
normalizer = tf.keras.layers.Normalization(axis=-1)
normalizer.adapt(np.array(feat))
horsepower_normalizer = tf.keras.layers.Normalization(input_shape=[1,], axis=None)
horsepower_normalizer.adapt(hp)
tf.keras.utils.set_random_seed(1)
model = tf.keras.Sequential([horsepower_normalizer, tf.keras.layers.Dense(units=1)])
before = model.predict(hp[:10], verbose=0)
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.1), loss="mean_absolute_error")
history = model.fit(hp, mpg, epochs=5, verbose=0, validation_split=0.2)
result = [normalizer.mean, normalizer(feat[:2]), horsepower_normalizer.mean, before,
          tf.constant(history.history["loss"], tf.float32), tf.constant(history.history["val_loss"], tf.float32),
          model.predict(np.linspace(0.0, 250, 5), verbose=0)]
"""),
]

CASES += [
    # -- the time series tutorial: an autoregressive LSTMCell model and the multi-step baselines --
    ("time_series_tutorial_feedback_and_multi_step_models", """
OUT_STEPS, num_features = 3, 2
class FeedBack(tf.keras.Model):
    def __init__(self, units, out_steps):
        super().__init__()
        self.out_steps = out_steps
        self.units = units
        self.lstm_cell = tf.keras.layers.LSTMCell(units)
        self.lstm_rnn = tf.keras.layers.RNN(self.lstm_cell, return_state=True)
        self.dense = tf.keras.layers.Dense(num_features)
    def warmup(self, inputs):
        x, *state = self.lstm_rnn(inputs)
        prediction = self.dense(x)
        return prediction, state
    def call(self, inputs, training=None):
        predictions = []
        prediction, state = self.warmup(inputs)
        predictions.append(prediction)
        for n in range(1, self.out_steps):
            x = prediction
            x, state = self.lstm_cell(x, states=state, training=training)
            prediction = self.dense(x)
            predictions.append(prediction)
        predictions = tf.stack(predictions)
        return tf.transpose(predictions, [1, 0, 2])
tf.keras.utils.set_random_seed(3)
model = FeedBack(units=4, out_steps=OUT_STEPS)
x = np.sin(np.arange(48, dtype=np.float32)).reshape(4, 6, 2)
y = np.cos(np.arange(24, dtype=np.float32)).reshape(4, 3, 2)
model.compile(loss=tf.keras.losses.MeanSquaredError(), optimizer=tf.keras.optimizers.Adam(), metrics=[tf.keras.metrics.MeanAbsoluteError()])
history = model.fit(x, y, epochs=3, verbose=0)
conv = tf.keras.Sequential([tf.keras.layers.Lambda(lambda t: t[:, -3:, :]),
                            tf.keras.layers.Conv1D(8, activation="relu", kernel_size=(3,)),
                            tf.keras.layers.Dense(OUT_STEPS * num_features, kernel_initializer=tf.initializers.zeros()),
                            tf.keras.layers.Reshape([OUT_STEPS, num_features])])
conv.compile(loss="mse", optimizer="adam")
conv_history = conv.fit(x, y, epochs=2, verbose=0)
result = [model(x), tf.constant(history.history["loss"], tf.float32),
          tf.constant(history.history["mean_absolute_error"], tf.float32), *model.weights,
          tf.constant(conv_history.history["loss"], tf.float32), conv(x)]
"""),
]

CASES += [
    # -- data augmentation: RandomFlip draws as Keras 3 draws ------------------------------------
    _case("random_flip_modes_seeded", """
images = tf.constant(np.arange(2 * 3 * 4 * 2, dtype=np.float32).reshape(2, 3, 4, 2))
many = tf.constant(rng.rand(6, 2, 3, 1).astype(np.float32))
both = tf.keras.layers.RandomFlip(seed=4)
h = tf.keras.layers.RandomFlip("horizontal", seed=5)
v = tf.keras.layers.RandomFlip("vertical", seed=6)
result = [both(many), both(many), h(many, training=True), v(many), h(images, training=False),
          h(images[0]), tf.keras.layers.RandomFlip(seed=7)(tf.constant(np.arange(12, dtype=np.uint8).reshape(1, 2, 3, 2))),
          both.variables[0], config_keys(both)]
"""),
    _case("random_flip_in_a_model_trains_and_predicts_unflipped", """
model = tf.keras.Sequential([tf.keras.Input((2, 3, 1)), tf.keras.layers.RandomFlip("horizontal", seed=8),
                             tf.keras.layers.Flatten(), tf.keras.layers.Dense(1, kernel_initializer=tf.keras.initializers.GlorotUniform(seed=2))])
x = rng.rand(8, 2, 3, 1).astype(np.float32)
y = rng.rand(8, 1).astype(np.float32)
called = model(x)
model.compile(optimizer=tf.keras.optimizers.SGD(0.1), loss="mse")
history = model.fit(x, y, epochs=2, batch_size=4, shuffle=False, verbose=0)
result = [called, tf.constant(history.history["loss"], tf.float32), model.predict(x, verbose=0), *model.weights]
"""),
]

CASES += [
    # -- RandomRotation / RandomZoom: seeded draws, then TF's ImageProjectiveTransformV3 ------------
    _case("random_rotation_fill_modes_seeded", """
x = tf.constant(np.arange(2 * 5 * 6 * 2, dtype=np.float32).reshape(2, 5, 6, 2))
out = []
for mode in ("reflect", "wrap", "constant", "nearest"):
    for interp in ("bilinear", "nearest"):
        layer = tf.keras.layers.RandomRotation(0.3, fill_mode=mode, interpolation=interp, seed=11, fill_value=-1.0)
        out.append(layer(x))
r = tf.keras.layers.RandomRotation((-0.1, 0.25), seed=12)
result = [*out, r(x), r(x), r(x[0]), r(x, training=False), config_keys(r)]
"""),
    _case("random_zoom_seeded", """
x = tf.constant(rng.rand(3, 6, 5, 1).astype(np.float32))
out = []
for mode in ("reflect", "wrap", "constant", "nearest"):
    out.append(tf.keras.layers.RandomZoom(0.4, fill_mode=mode, seed=13)(x))
z = tf.keras.layers.RandomZoom((-0.3, -0.1), width_factor=(0.1, 0.5), interpolation="nearest", seed=14)
result = [*out, z(x), z(x), z(x[1]), config_keys(z)]
"""),
    _case("image_projective_transform_gradient", """
x = tf.constant(rng.rand(2, 4, 5, 1).astype(np.float32))
out = []
for layer in (tf.keras.layers.RandomRotation(0.2, seed=15), tf.keras.layers.RandomZoom(0.3, fill_mode="constant", seed=16)):
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(y * tf.cos(y))
    out += [y, tape.gradient(loss, x)]
result = out
"""),
    ("image_tutorial_augmentation_model_trains", """
tf.keras.utils.set_random_seed(31)
rng = np.random.RandomState(31)
x = rng.randint(0, 256, size=(6, 8, 8, 3)).astype(np.uint8)
y = rng.randint(0, 2, size=(6,))
data_augmentation = tf.keras.Sequential([
    tf.keras.layers.RandomFlip("horizontal", input_shape=(8, 8, 3)),
    tf.keras.layers.RandomRotation(0.1),
    tf.keras.layers.RandomZoom(0.1)])
model = tf.keras.Sequential([
    data_augmentation,
    tf.keras.layers.Rescaling(1. / 255),
    tf.keras.layers.Conv2D(4, 3, padding="same", activation="relu"),
    tf.keras.layers.MaxPooling2D(),
    tf.keras.layers.Dropout(0.2),
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(2)])
model.compile(optimizer="adam", loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
history = model.fit(x, y, epochs=2, batch_size=3, shuffle=False, verbose=0)
result = [tf.constant(history.history["loss"], tf.float32), model.predict(x, verbose=0), data_augmentation(x[:2])]
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
    # log_cosh is x + softplus(-2x) - log 2: TensorFlow's softplus and the engine's round
    # differently, and the subtraction of log 2 leaves small results
    "loss_gradients_by_tape": (16, "softplus rounding in log_cosh and its gradient"),
    "rank_one_labels_against_column_predictions": (8, "softplus rounding in log_cosh"),
    "model_fit_with_new_losses": (8, "softplus rounding in log_cosh"),
    "regression_tutorial_horsepower_model": (64, "the mean absolute error's sum of 32 terms"),
    "time_series_tutorial_feedback_and_multi_step_models": (128, _QR),
    # float32 sin/cos of the drawn angle and the kernel's compiled (FMA) coordinate
    # arithmetic: the sampling positions differ in the last bit
    "random_rotation_fill_modes_seeded": (32, "sin/cos and the kernel's coordinate rounding"),
    "image_projective_transform_gradient": (16, "sin/cos and the kernel's coordinate rounding"),
    "image_tutorial_augmentation_model_trains": (32, "sin/cos, then the convolution's sums"),
}
