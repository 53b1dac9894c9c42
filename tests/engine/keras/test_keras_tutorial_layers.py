"""The layers, losses, metrics and optimizers added for the tutorials (issue 11): gradients
against finite differences (float64), traced runs, summary, save/load, clear errors.
Values against Keras 3 are in tests/engine/parity/cases_keraslayers.py."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf
from engine.context import Hook, set_hook
from engine.keras import layers
from engine.ops import image_transform_ops


def _x(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


_RNN_INIT = {"dtype": "float64", "bias_initializer": "random_normal"}


# -- gradients ----------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: layers.SimpleRNN(3, **_RNN_INIT),
    lambda: layers.SimpleRNN(3, return_sequences=True, go_backwards=True, **_RNN_INIT),
    lambda: layers.LSTM(3, **_RNN_INIT),
    lambda: layers.LSTM(2, return_sequences=True, **_RNN_INIT),
    lambda: layers.GRU(3, **_RNN_INIT),
    lambda: layers.GRU(2, reset_after=False, return_sequences=True, **_RNN_INIT),
    lambda: layers.Bidirectional(layers.LSTM(2, **_RNN_INIT), dtype="float64"),
    lambda: layers.TimeDistributed(layers.Dense(2, dtype="float64"), dtype="float64"),
], ids=["simple_rnn", "simple_rnn_backwards_sequences", "lstm", "lstm_sequences", "gru",
        "gru_reset_before", "bidirectional_lstm", "time_distributed_dense"])
def test_recurrent_layer_gradients(make, check_layer_gradients):
    check_layer_gradients(make(), _x((2, 4, 3)) * 0.7)


@pytest.mark.parametrize("make, shape", [
    (lambda: layers.Conv1D(3, 2, padding="causal", dilation_rate=2, dtype="float64"),
     (2, 6, 2)),
    (lambda: layers.Conv1D(2, 3, strides=2, padding="same", dtype="float64"), (2, 7, 2)),
    (lambda: layers.Conv2DTranspose(2, 3, strides=2, padding="same", dtype="float64"),
     (1, 3, 3, 2)),
    (lambda: layers.Conv2DTranspose(2, (2, 3), dtype="float64"), (1, 3, 2, 2)),
    (lambda: layers.LayerNormalization(axis=[1, 2], dtype="float64",
                                       gamma_initializer="random_normal"), (2, 3, 4)),
    (lambda: layers.PReLU(alpha_initializer="random_normal", dtype="float64"), (2, 5)),
    (lambda: layers.AveragePooling1D(2, padding="same", dtype="float64"), (2, 5, 2)),
    (lambda: layers.MaxPooling1D(dtype="float64"), (2, 6, 2)),
    (lambda: layers.GlobalMaxPooling2D(dtype="float64"), (2, 3, 3, 2)),
    (lambda: layers.UpSampling2D((2, 1), dtype="float64"), (1, 2, 2, 1)),
    (lambda: layers.Cropping2D(((1, 0), (0, 1)), dtype="float64"), (1, 3, 3, 2)),
], ids=["conv1d_causal_dilated", "conv1d_same_strided", "conv2d_transpose_same",
        "conv2d_transpose_valid", "layer_norm_two_axes", "prelu", "avg_pool1d", "max_pool1d",
        "global_max_pool2d", "upsampling2d", "cropping2d"])
def test_layer_gradients(make, shape, check_layer_gradients):
    check_layer_gradients(make(), _x(shape))


def test_masked_lstm_gradient_skips_masked_steps(check_layer_gradients):
    """A masked step neither changes the state nor receives a gradient."""
    lstm = layers.LSTM(2, dtype="float64", bias_initializer="random_normal")
    x = tf.constant(_x((2, 4, 3)))
    mask = tf.constant([[True, True, False, False], [True, True, True, True]])
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = lstm(x, mask=mask)
        total = tf.reduce_sum(y)
    grad = tape.gradient(total, x).numpy()
    assert np.all(grad[0, 2:] == 0) and np.all(grad[0, :2] != 0) and np.all(grad[1] != 0)
    np.testing.assert_allclose(y.numpy()[0], lstm(x[:, :2]).numpy()[0], rtol=1e-12)


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge", "categorical_hinge", "kld",
                                  "poisson", "logcosh", "cosine_similarity", "mape", "msle"])
def test_new_loss_gradients(loss):
    fn = getattr(tf.keras.losses, loss)  # the function form keeps float64
    y_true = tf.constant(np.abs(_x((3, 4), 1)) * 0.3)
    pred = np.abs(_x((3, 4), 2)) * 0.5 + 0.1
    x = tf.Variable(pred)
    with tf.GradientTape() as tape:
        value = tf.reduce_sum(fn(y_true, x))
    grad = tape.gradient(value, x).numpy()
    numeric = np.zeros_like(pred)
    for idx in np.ndindex(pred.shape):
        up, down = pred.copy(), pred.copy()
        up[idx] += 1e-6
        down[idx] -= 1e-6
        numeric[idx] = (float(tf.reduce_sum(fn(y_true, tf.constant(up)))) -
                        float(tf.reduce_sum(fn(y_true, tf.constant(down))))) / 2e-6
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7)


# -- traced runs and the graph the debugger draws --------------------------------------------------

class _OpNames(Hook):
    """The debugger's view, reduced to the names of the ops that ran."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def op_executed(self, op, inputs, outputs, attrs, seconds) -> None:
        self.names.add(op.name)


def test_rnn_model_traced_equals_eager_and_its_ops_are_recorded():
    model = tf.keras.Sequential([tf.keras.Input((5, 3)), layers.Conv1D(4, 2, padding="causal"),
                                 layers.LayerNormalization(),
                                 layers.Bidirectional(layers.GRU(3, return_sequences=True)),
                                 layers.LSTM(2), layers.Dense(1)])
    x = tf.constant(_x((2, 5, 3)).astype(np.float32))
    eager = model(x)
    traced = tf.function(lambda t: model(t))
    log = _OpNames()
    previous = set_hook(log)
    try:
        np.testing.assert_allclose(traced(x).numpy(), eager.numpy(), rtol=1e-6, atol=1e-7)
    finally:
        set_hook(previous)
    assert {"MatMul", "Sigmoid", "Tanh", "Conv2D"} <= log.names


def test_lstm_trains_in_fit_inside_tf_function_like_eagerly():
    x = _x((6, 4, 2)).astype(np.float32)
    y = _x((6, 1), 3).astype(np.float32)

    def trained(run_eagerly):
        tf.keras.utils.set_random_seed(5)
        model = tf.keras.Sequential([tf.keras.Input((4, 2)), layers.LSTM(3), layers.Dense(1)])
        model.compile(tf.keras.optimizers.Nadam(0.05), "mse", run_eagerly=run_eagerly)
        history = model.fit(x, y, epochs=2, batch_size=3, shuffle=False, verbose=0)
        return history.history["loss"], model.get_weights()

    (loss_e, w_e), (loss_t, w_t) = trained(True), trained(False)
    np.testing.assert_allclose(loss_t, loss_e, rtol=1e-6)
    for a, b in zip(w_t, w_e):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert loss_e[1] < loss_e[0]


# -- summary, save and load ----------------------------------------------------------------------

KERAS_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ normalization (Normalization)   │ (None, 5, 3)           │             7 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ conv1d (Conv1D)                 │ (None, 5, 4)           │            28 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ layer_normalization             │ (None, 5, 4)           │             8 │
│ (LayerNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ bidirectional (Bidirectional)   │ (None, 5, 6)           │           192 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ time_distributed                │ (None, 5, 2)           │            14 │
│ (TimeDistributed)               │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ gru (GRU)                       │ (None, 2)              │            36 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ p_re_lu (PReLU)                 │ (None, 2)              │             2 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 1)              │             3 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 290 (1.14 KB)
 Trainable params: 283 (1.11 KB)
 Non-trainable params: 7 (32.00 B)
"""


def _tutorial_mix() -> tf.keras.Model:
    norm = layers.Normalization()
    norm.adapt(np.random.RandomState(0).rand(10, 5, 3).astype("float32"))
    return tf.keras.Sequential([
        tf.keras.Input((5, 3)), norm, layers.Conv1D(4, 2, padding="causal"),
        layers.LayerNormalization(), layers.Bidirectional(layers.LSTM(3, return_sequences=True)),
        layers.TimeDistributed(layers.Dense(2)), layers.GRU(2), layers.PReLU(), layers.Dense(1)])


def test_summary_prints_what_keras_prints(capsys):
    """The text Keras 3.15 prints for the same model (TF 2.21's tf.keras)."""
    _tutorial_mix().summary()
    assert capsys.readouterr().out == KERAS_SUMMARY


def test_model_of_new_layers_saves_and_loads(tmp_path):
    model = _tutorial_mix()
    x = np.random.RandomState(1).rand(2, 5, 3).astype("float32")
    path = str(tmp_path / "mix.keras")
    model.save(path)
    loaded = tf.keras.models.load_model(path)
    np.testing.assert_array_equal(loaded(x).numpy(), model(x).numpy())
    assert [type(layer).__name__ for layer in loaded.layers] == [
        type(layer).__name__ for layer in model.layers]


# -- errors a user meets ---------------------------------------------------------------------------

def test_lstm_on_a_matrix_names_the_layer_and_the_rank():
    with pytest.raises(ValueError, match=r"layer 'lstm'.*expected ndim=3, found ndim=2"):
        layers.LSTM(2)(tf.zeros((4, 3)))


@pytest.mark.parametrize("make, message", [
    (lambda: layers.LSTM(2, stateful=True), "stateful=True is not supported"),
    (lambda: layers.GRU(2, use_cudnn=True), "cuDNN is not supported"),
    (lambda: layers.Conv2DTranspose(2, 3, output_padding=1), "output_padding"),
    (lambda: layers.UpSampling2D(interpolation="bilinear"), "interpolation='nearest' only"),
    (lambda: tf.keras.metrics.AUC(multi_label=True), "multi_label"),
    (lambda: tf.keras.optimizers.Ftrl(learning_rate_power=0.5), "learning_rate_power"),
    (lambda: layers.Bidirectional(layers.Dense(2)), "wraps its own RNN layers"),
    (lambda: layers.Normalization(mean=[1.0]), "both `mean` and `variance`"),
])
def test_unsupported_or_bad_arguments_say_which(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_normalization_without_statistics_says_build_first():
    norm = layers.Normalization()
    with pytest.raises(ValueError, match="must call `.build"):
        norm.call(tf.ones((2, 3)))


def test_dot_of_rank_four_inputs_is_refused_by_name():
    with pytest.raises(ValueError, match='"dot".*rank 2 or 3'):
        layers.Dot(axes=1)([tf.ones((2, 2, 2, 2)), tf.ones((2, 2, 2, 2))])


def test_lambda_is_not_rebuilt_from_a_config():
    """Keras 3 refuses to deserialize a Lambda in safe mode: it would run stored code."""
    config = layers.Lambda(lambda t: t * 2).get_config()
    with pytest.raises(ValueError, match="does not rebuild a Lambda"):
        layers.Lambda.from_config(config)


def test_rnn_initial_state_count_is_checked():
    with pytest.raises(ValueError, match="expects 2 initial state"):
        layers.LSTM(2)(tf.ones((1, 3, 2)), initial_state=[tf.zeros((1, 2))])


def test_cropping_more_than_the_image_says_so():
    with pytest.raises(ValueError, match=r"`cropping` argument should be smaller.*\(2, 5, 5, 3\)"):
        layers.Cropping2D(3)(tf.zeros((2, 5, 5, 3)))


def test_a_column_of_numbers_feeds_a_one_feature_sequential():
    """The regression tutorial feeds a 1-D array to a model built for Input((1,))."""
    model = tf.keras.Sequential([tf.keras.Input((1,)), layers.Dense(1, kernel_initializer="ones")])
    np.testing.assert_array_equal(model.predict(np.array([1.0, 2.0, 3.0]), verbose=0),
                                  [[1.0], [2.0], [3.0]])
    np.testing.assert_array_equal(model(tf.constant([[[4.0]]])).numpy(), [[4.0]])


# -- data augmentation ----------------------------------------------------------------------------

def test_projective_transform_gradient_is_exact_for_a_whole_pixel_shift():
    """TensorFlow's rule resamples the gradient through the inverse map: for a shift by
    whole pixels with zero fill that is the true adjoint, so finite differences agree."""
    x0 = _x((1, 4, 5, 2))
    shift = np.array([[1, 0, 2, 0, 1, -1, 0, 0]], np.float32)  # read x + 2, y - 1
    r = _x((1, 4, 5, 2), 9)

    def scalar(a):
        a = a if isinstance(a, tf.Tensor) else tf.constant(a)
        out = image_transform_ops.image_projective_transform_v3(
            a, shift, (4, 5), 0.0, "bilinear", "constant")
        return tf.reduce_sum(out * tf.constant(r))

    x = tf.constant(x0)
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = scalar(x)
    grad = tape.gradient(total, x).numpy()
    numeric = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):  # resampling is linear in the image: a wide step is
        up, down = x0.copy(), x0.copy()  # exact, and beats the kernel's float32 rounding
        up[idx] += 0.5
        down[idx] -= 0.5
        numeric[idx] = float(scalar(up)) - float(scalar(down))
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-5)
    assert np.count_nonzero(grad) > 0


def test_augmentation_passes_images_through_in_predict():
    model = tf.keras.Sequential([tf.keras.Input((4, 4, 1)), layers.RandomFlip(seed=1),
                                 layers.RandomRotation(0.5, seed=2),
                                 layers.RandomZoom(0.5, seed=3)])
    x = _x((3, 4, 4, 1)).astype(np.float32)
    np.testing.assert_array_equal(model.predict(x, verbose=0), x)
    assert not np.allclose(model(x).numpy(), x)  # called without training: they transform


def test_rotation_op_is_recorded_for_the_debugger():
    log = _OpNames()
    previous = set_hook(log)
    try:
        layers.RandomRotation(0.1, seed=4)(tf.zeros((1, 3, 3, 1)))
    finally:
        set_hook(previous)
    assert "ImageProjectiveTransformV3" in log.names


@pytest.mark.parametrize("make, message", [
    (lambda: layers.RandomRotation(0.1, fill_mode="mirror"), "Unknown `fill_mode`"),
    (lambda: layers.RandomZoom(1.5), "range \\[-1.0, 1.0\\]"),
    (lambda: layers.RandomFlip("diagonal"), "unknown mode"),
])
def test_augmentation_arguments_are_checked(make, message):
    with pytest.raises((ValueError, NotImplementedError), match=message):
        make()
