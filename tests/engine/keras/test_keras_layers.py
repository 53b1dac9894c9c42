"""Layers: gradients against finite differences (float64), building, naming, weights, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import engine as tf
from engine.keras import activations, initializers, layers
from engine.ops import conv_ops


def _x(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape)


# -- gradients ----------------------------------------------------------------------------------

@pytest.mark.parametrize("activation", [None, "relu", "tanh", "sigmoid", "softmax", "gelu"])
def test_dense_gradients(activation, check_layer_gradients):
    layer = layers.Dense(3, activation=activation, dtype="float64",
                         bias_initializer="random_normal")
    check_layer_gradients(layer, _x((4, 5)) + 0.05)


def test_dense_on_rank3_input_gradients(check_layer_gradients):
    check_layer_gradients(layers.Dense(2, dtype="float64"), _x((2, 3, 4)))


@pytest.mark.parametrize("strides, padding", [(1, "valid"), (2, "valid"), (1, "same"),
                                              (2, "same")])
def test_conv2d_layer_gradients(strides, padding, check_layer_gradients):
    layer = layers.Conv2D(3, (3, 2), strides=strides, padding=padding, activation="tanh",
                          dtype="float64", bias_initializer="random_normal")
    check_layer_gradients(layer, _x((2, 6, 5, 2)))


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pooling_gradients(padding, check_layer_gradients):
    x = np.random.default_rng(3).permutation(2 * 5 * 5 * 2).reshape(2, 5, 5, 2) / 7.0
    check_layer_gradients(layers.MaxPooling2D(2, padding=padding, dtype="float64"), x)


def test_batch_normalization_training_gradients(check_layer_gradients):
    layer = layers.BatchNormalization(dtype="float64", gamma_initializer="random_normal",
                                      beta_initializer="random_normal")
    check_layer_gradients(layer, _x((6, 3)) * 2 + 1, training=True, atol=1e-5)


def test_batch_normalization_conv_features_gradients(check_layer_gradients):
    layer = layers.BatchNormalization(dtype="float64", gamma_initializer="random_normal")
    check_layer_gradients(layer, _x((2, 3, 3, 2)), training=True, atol=1e-5)


def test_dropout_gradients_with_fixed_seed(check_layer_gradients):
    check_layer_gradients(layers.Dropout(0.4, dtype="float64"), _x((5, 6)), training=True,
                          seed=11)


def test_softmax_and_activation_layer_gradients(check_layer_gradients):
    check_layer_gradients(layers.Softmax(dtype="float64"), _x((3, 4)))
    check_layer_gradients(layers.Activation("elu", dtype="float64"), _x((3, 4)))
    check_layer_gradients(layers.ReLU(max_value=1.0, negative_slope=0.1, dtype="float64"),
                          _x((3, 4)) + 0.013)


def test_global_average_pooling_gradients(check_layer_gradients):
    check_layer_gradients(layers.GlobalAveragePooling2D(dtype="float64"), _x((2, 3, 3, 2)))


# -- forward behaviour --------------------------------------------------------------------------

def test_dense_builds_on_first_call_with_glorot_uniform_kernel():
    layer = layers.Dense(64)
    assert not layer.built and layer.weights == []
    y = layer(np.ones((2, 100), np.float32))
    assert layer.built and y.shape == (2, 64) and y.dtype == tf.float32
    kernel, bias = layer.weights
    assert (kernel.name, bias.name) == ("kernel", "bias")  # Keras 3: short names ...
    assert (kernel.path, bias.path) == ("dense/kernel", "dense/bias")  # ... unique paths
    limit = math.sqrt(6 / (100 + 64))
    assert np.abs(kernel.numpy()).max() <= limit
    assert np.abs(kernel.numpy()).max() > 0.9 * limit  # really spans the range
    assert np.all(bias.numpy() == 0)


def test_layer_names_are_uniquified_like_keras():
    names = [layers.Dense(1).name, layers.Dense(1).name, layers.Conv2D(1, 1).name,
             layers.MaxPooling2D().name, layers.BatchNormalization().name]
    assert names == ["dense", "dense_1", "conv2d", "max_pooling2d", "batch_normalization"]
    assert layers.Dense(1, name="head").name == "head"


def test_float64_input_is_cast_to_the_layer_dtype():
    y = layers.Dense(2)(np.ones((1, 3)))  # numpy float64, as x_train / 255.0 is
    assert y.dtype == tf.float32


def test_dropout_only_when_training_and_scaled():
    layer = layers.Dropout(0.5)
    x = np.ones((200, 50), np.float32)
    assert np.array_equal(layer(x).numpy(), x)
    assert np.array_equal(layer(x, training=False).numpy(), x)
    y = layer(x, training=True).numpy()
    assert set(np.unique(y)) <= {0.0, 2.0}
    assert 0.4 < np.mean(y == 0) < 0.6


def test_dropout_repeats_after_set_random_seed_and_moves_on_per_call():
    """Keras 3: the layer's seed generator is seeded when it is made (from Python's
    ``random``, which set_random_seed seeds) and moves on at each call."""
    ones = np.ones((10, 10), np.float32)
    tf.keras.utils.set_random_seed(5)
    layer = layers.Dropout(0.3)
    a, b = (layer(ones, training=True).numpy() for _ in range(2))
    tf.keras.utils.set_random_seed(5)
    again = layers.Dropout(0.3)
    assert np.array_equal(again(ones, training=True).numpy(), a)
    assert not np.array_equal(a, b)
    tf.random.set_seed(5)  # tf.random's seed alone does not seed Keras, as in Keras 3
    assert not np.array_equal(layers.Dropout(0.3)(ones, training=True).numpy(), a)


def test_batch_normalization_moving_statistics():
    layer = layers.BatchNormalization()
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(64, 4)).astype(np.float32)
    y = layer(x, training=True).numpy()
    np.testing.assert_allclose(y.mean(axis=0), 0, atol=1e-5)
    np.testing.assert_allclose(y.std(axis=0), np.sqrt(x.var(0) / (x.var(0) + 1e-3)), rtol=1e-4)
    np.testing.assert_allclose(layer.moving_mean.numpy(), 0.01 * x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(layer.moving_variance.numpy(), 0.99 + 0.01 * x.var(0), rtol=1e-5)
    inference = layer(x, training=False).numpy()
    expected = (x - layer.moving_mean.numpy()) / np.sqrt(layer.moving_variance.numpy() + 1e-3)
    np.testing.assert_allclose(inference, expected, rtol=1e-5)
    assert [w.path for w in layer.weights] == [
        "batch_normalization/gamma", "batch_normalization/beta",
        "batch_normalization/moving_mean", "batch_normalization/moving_variance"]
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 2


def test_frozen_batch_normalization_runs_in_inference_mode():
    layer = layers.BatchNormalization()
    layer(np.zeros((2, 3), np.float32))
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 4
    x = np.random.default_rng(1).normal(size=(8, 3)).astype(np.float32)
    np.testing.assert_allclose(layer(x, training=True).numpy(), x / np.sqrt(1 + 1e-3), rtol=1e-6)


def test_flatten_reshape_and_pooling_shapes():
    x = np.zeros((2, 6, 4, 3), np.float32)
    assert layers.Flatten()(x).shape == (2, 72)
    assert layers.Reshape((4, -1))(x).shape == (2, 4, 18)
    assert layers.MaxPooling2D()(x).shape == (2, 3, 2, 3)
    assert layers.MaxPooling2D(3, strides=1, padding="same")(x).shape == (2, 6, 4, 3)
    assert layers.Conv2D(5, 3, strides=2, padding="same")(x).shape == (2, 3, 2, 5)
    assert layers.GlobalAveragePooling2D()(x).shape == (2, 3)


def test_conv2d_layer_matches_the_op():
    layer = layers.Conv2D(2, 3, activation="relu", bias_initializer="ones")
    x = np.random.default_rng(2).normal(size=(1, 5, 5, 3)).astype(np.float32)
    y = layer(x).numpy()
    ref = tf.nn.relu(tf.nn.bias_add(conv_ops.conv2d(x, layer.kernel, 1, "VALID"), layer.bias))
    np.testing.assert_allclose(y, ref.numpy(), rtol=1e-6)
    assert layer.kernel.shape == (3, 3, 3, 2)


# -- errors ------------------------------------------------------------------------------------

def test_wrong_last_dimension_names_layer_and_both_shapes():
    layer = layers.Dense(10)
    layer(np.zeros((32, 784), np.float32))
    with pytest.raises(ValueError) as info:
        layer(np.zeros((32, 100), np.float32))
    assert str(info.value) == (
        "Input 0 with name 'None' of layer 'dense' is incompatible with the layer: expected "
        "axis -1 of input shape to have value 784, but received input with shape (32, 100)")


def test_wrong_rank_errors():
    with pytest.raises(ValueError, match=r"layer 'dense'.*min_ndim=2, found ndim=1"):
        layers.Dense(3)(np.zeros((784,), np.float32))
    with pytest.raises(ValueError, match=r"layer 'conv2d'.*ndim=3.*\(28, 28, 1\)"):
        layers.Conv2D(3, 3)(np.zeros((28, 28, 1), np.float32))


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="units"):
        layers.Dense(0)
    with pytest.raises(ValueError, match="rate"):
        layers.Dropout(1.5)
    with pytest.raises(ValueError, match="Unknown activation"):
        layers.Dense(2, activation="relux")
    with pytest.raises(TypeError, match="not understood"):
        layers.Dense(2, kernel_init="zeros")


# -- custom layers, config, initializers, activations ---------------------------------------------

class Scale(layers.Layer):
    def __init__(self, factor: float = 2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), initializer="ones")
        self.counter = self.add_weight("counter", (), initializer="zeros", trainable=False)

    def call(self, inputs):
        return inputs * self.w * self.factor

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


def test_custom_layer_weights_and_config_round_trip():
    layer = Scale(3.0)
    y = layer(np.ones((2, 4), np.float32))
    assert np.all(y.numpy() == 3.0)
    assert [w.name for w in layer.trainable_weights] == ["w"]
    assert [w.path for w in layer.non_trainable_weights] == ["scale/counter"]
    assert layer.trainable_variables == layer.trainable_weights
    assert layer.count_params() == 5
    clone = Scale.from_config(layer.get_config())
    assert clone.factor == 3.0 and clone.name == "scale"


def test_dense_config_round_trip():
    layer = layers.Dense(4, activation="relu", use_bias=False, kernel_initializer="he_normal",
                         kernel_regularizer="l2", name="d")
    clone = layers.Dense.from_config(layer.get_config())
    assert (clone.units, clone.use_bias, clone.name) == (4, False, "d")
    assert clone.activation is activations.relu
    assert isinstance(clone.kernel_initializer, initializers.HeNormal)


def test_regularizer_losses():
    layer = layers.Dense(2, kernel_regularizer=tf.keras.regularizers.L2(0.1),
                         kernel_initializer="ones")
    layer(np.ones((1, 3), np.float32))
    (penalty,) = layer.losses
    assert float(penalty) == pytest.approx(0.1 * 6)


def test_initializers_are_reproducible_and_follow_their_formulas():
    tf.keras.utils.set_random_seed(3)
    glorot = initializers.GlorotUniform()
    a = glorot((50, 40)).numpy()
    assert np.array_equal(glorot((50, 40)).numpy(), a)  # the same values on every call
    tf.keras.utils.set_random_seed(3)
    b = initializers.get("glorot_uniform")((50, 40)).numpy()
    assert np.array_equal(a, b)
    assert not np.array_equal(initializers.GlorotUniform()((50, 40)).numpy(), a)
    he = initializers.HeNormal()((400, 300)).numpy()
    assert np.abs(he).max() <= 2 * math.sqrt(2 / 400) / 0.87962566103423978 + 1e-6
    assert he.std() == pytest.approx(math.sqrt(2 / 400), rel=0.05)
    assert initializers.HeUniform()((100, 10)).numpy().max() <= math.sqrt(6 / 100)
    assert initializers.GlorotNormal()((200, 200)).numpy().std() == pytest.approx(
        math.sqrt(2 / 400), rel=0.05)
    assert np.all(initializers.Constant(0.5)((2, 2)).numpy() == 0.5)
    assert np.all(initializers.get("ones")((3,)).numpy() == 1)
    r = initializers.RandomUniform(-1, 1)((1000,)).numpy()
    assert r.min() >= -1 and r.max() < 1
    assert initializers.RandomNormal(stddev=2.0)((4000,)).numpy().std() == pytest.approx(
        2.0, rel=0.08)
    fans = initializers.compute_fans((3, 3, 16, 32))
    assert fans == (144, 288)


def test_model_init_is_reproducible_with_set_random_seed():
    def build():
        tf.keras.utils.set_random_seed(42)
        tf.keras.backend.clear_session()
        model = tf.keras.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(2)])
        return [w.numpy() for w in model.weights]

    for a, b in zip(build(), build()):
        assert np.array_equal(a, b)


@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh", "softmax", "linear", "gelu", "elu",
                                  "softplus", "leaky_relu", "relu6", "swish", "silu"])
def test_activations_by_name(name):
    x = np.array([[-2.0, -0.5, 0.0, 0.5, 7.0]], np.float32)
    reference = {
        "relu": np.maximum(x, 0), "sigmoid": 1 / (1 + np.exp(-x)), "tanh": np.tanh(x),
        "softmax": np.exp(x) / np.exp(x).sum(), "linear": x,
        "gelu": 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2))),
        "elu": np.where(x > 0, x, np.expm1(x)), "softplus": np.log1p(np.exp(x)),
        "leaky_relu": np.where(x > 0, x, 0.2 * x), "relu6": np.clip(x, 0, 6),
        "swish": x / (1 + np.exp(-x)), "silu": x / (1 + np.exp(-x)),
    }[name]
    got = activations.get(name)(tf.constant(x))
    np.testing.assert_allclose(np.asarray(got), reference, rtol=1e-5, atol=1e-6)
    assert activations.get(None) is activations.linear
