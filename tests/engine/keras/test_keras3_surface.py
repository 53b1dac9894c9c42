"""The Keras 3 surface TensorFlow 2.16+ ships: names and paths of weights, optimizer state as
variables, History.params, model shapes, dtype printouts. Values (Adagrad, Huber, per-sample
losses) are checked against TensorFlow in tests/engine/parity/cases_keras.py."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf
from engine.keras import layers, losses, metrics, models, optimizers


def mlp():
    return models.Sequential([tf.keras.Input((3,)), layers.Dense(4, activation="relu"),
                              layers.Dense(2)])


def test_print_of_a_dtype_is_tensorflows_while_repr_is_what_you_type(capsys):
    print(tf.float32)
    assert capsys.readouterr().out == "<dtype: 'float32'>\n"
    assert (str(tf.int64), repr(tf.float32)) == ("<dtype: 'int64'>", "tf.float32")


def test_weights_have_keras_3_names_and_paths():
    model = mlp()
    assert [v.name for v in model.weights] == ["kernel", "bias", "kernel", "bias"]
    assert [v.path for v in model.weights] == [
        "sequential/dense/kernel", "sequential/dense/bias",
        "sequential/dense_1/kernel", "sequential/dense_1/bias"]
    assert repr(model.weights[1]) == (
        "<Variable path=sequential/dense/bias, shape=(4,), dtype=float32, "
        "value=[0. 0. 0. 0.]>")
    assert isinstance(model.weights[0], tf.keras.Variable)
    assert isinstance(model.weights[0], tf.Variable)


def test_a_functional_models_weights_are_not_under_the_model():
    inp = tf.keras.Input((3,))
    model = models.Model(inp, layers.Dense(2)(inp))
    assert model.name == "functional" and model.layers[0].name == "input_layer"
    assert [v.path for v in model.weights] == ["dense/kernel", "dense/bias"]


def test_metric_variables_are_total_and_count():
    mean = metrics.Mean()
    mean.update_state([1.0, 3.0])
    assert [(v.name, v.path) for v in mean.variables] == [("total", "mean/total"),
                                                         ("count", "mean/count")]


def test_the_debugger_shows_a_weight_by_its_unique_path():
    from debugger.probe import _variable_name

    model = mlp()
    assert [_variable_name(v) for v in model.weights[:2]] == [
        "sequential/dense/kernel", "sequential/dense/bias"]
    assert _variable_name(tf.Variable(1.0, name="w")) == "w:0"


def test_optimizer_variables_is_a_list_property_in_keras_order():
    model = mlp()
    opt = optimizers.Adam(learning_rate=0.01)
    assert [v.path for v in opt.variables] == ["adam/iteration", "adam/learning_rate"]
    assert not opt.built
    opt.build(model.trainable_variables)
    assert opt.built and isinstance(opt.variables, list)
    assert [v.name for v in opt.variables[2:4]] == [
        "sequential_dense_kernel_momentum", "sequential_dense_kernel_velocity"]
    assert len(opt.variables) == 2 + 2 * 4
    # A slot variable shows the live state the update writes.
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(model(np.ones((2, 3), np.float32)))
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables),
                            model.trainable_variables))
    assert np.any(opt.variables[2].numpy() != 0)


def test_learning_rate_is_an_assignable_float32_variable():
    opt = optimizers.SGD(learning_rate=0.1)
    assert opt.learning_rate.dtype == tf.float32
    assert opt.learning_rate.numpy() == np.float32(0.1)
    opt.learning_rate = 0.5
    assert opt.learning_rate.numpy() == 0.5
    opt.learning_rate.assign(0.25)
    assert opt.get_config()["learning_rate"] == 0.25
    scheduled = optimizers.SGD(optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
    with pytest.raises(TypeError, match="not settable"):
        scheduled.learning_rate = 0.3


def test_optimizer_names_are_keras_3s():
    assert [optimizers.SGD().name, optimizers.Adam().name, optimizers.Adam().name,
            optimizers.RMSprop().name, optimizers.Adagrad().name] == [
        "sgd", "adam", "adam_1", "rm_sprop", "adagrad"]
    assert optimizers.get("adagrad").initial_accumulator_value == 0.1


def test_history_params_are_exactly_keras_keys():
    model = mlp()
    model.compile("sgd", "mse")
    history = model.fit(np.ones((8, 3)), np.ones((8, 2)), epochs=2, batch_size=4, verbose=0)
    assert history.params == {"verbose": 0, "epochs": 2, "steps": 2}


def test_model_input_and_output_shape():
    model = mlp()
    assert (model.input_shape, model.output_shape) == ((None, 3), (None, 2))
    a, b = tf.keras.Input((2,)), tf.keras.Input((5,))
    two = models.Model([a, b], [layers.Dense(1)(a), layers.Dense(3)(b)])
    assert two.input_shape == [(None, 2), (None, 5)]
    assert two.output_shape == [(None, 1), (None, 3)]
    with pytest.raises(AttributeError, match="no defined input shape"):
        _ = models.Sequential([layers.Dense(2)]).input_shape


def test_loss_reductions_are_keras_3s():
    assert losses.MeanSquaredError(reduction=None).reduction is None
    per_sample = losses.MeanSquaredError(reduction=None)([[0.0], [2.0]], [[1.0], [0.0]])
    assert per_sample.shape == (2,)
    with pytest.raises(ValueError, match="reduction"):
        losses.MeanSquaredError(reduction="auto")
    assert losses.Huber().get_config() == {"name": "huber_loss",
                                           "reduction": "sum_over_batch_size"}
    assert losses.get("huber") is not None and isinstance(losses.get("Huber"), losses.Huber)


# Keras 3 (TensorFlow 2.21) configs, from json.dumps(layer.get_config()).
GLOROT = {"module": "keras.initializers", "class_name": "GlorotUniform",
          "config": {"seed": None, "input_axes": None, "output_axes": None},
          "registered_name": None}
ZEROS = {"module": "keras.initializers", "class_name": "Zeros", "config": {},
         "registered_name": None}
FLOAT32_POLICY = {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                  "registered_name": None}
DENSE_CONFIG = {
    "name": "dense", "trainable": True, "dtype": FLOAT32_POLICY, "units": 3,
    "activation": "linear", "use_bias": True, "kernel_initializer": GLOROT,
    "bias_initializer": ZEROS, "kernel_regularizer": None, "bias_regularizer": None,
    "kernel_constraint": None, "bias_constraint": None, "quantization_config": None}
CONV2D_CONFIG = {
    "name": "conv2d", "trainable": True, "dtype": FLOAT32_POLICY, "filters": 4,
    "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
    "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1,
    "activation": "linear", "use_bias": True, "kernel_initializer": GLOROT,
    "bias_initializer": ZEROS, "kernel_regularizer": None, "bias_regularizer": None,
    "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}


def test_layer_configs_have_keras_3s_keys_and_values():
    from engine.keras import initializers

    assert layers.Dense(3).get_config() == DENSE_CONFIG
    assert list(layers.Dense(3).get_config()) == list(DENSE_CONFIG)
    assert layers.Conv2D(4, 3).get_config() == CONV2D_CONFIG
    assert initializers.serialize(initializers.GlorotUniform()) == GLOROT


def test_keras_3_configs_rebuild_the_layers():
    dense = layers.Dense.from_config(dict(DENSE_CONFIG, name="d", activation="relu"))
    assert (dense.name, dense.units, dense.dtype) == ("d", 3, "float32")
    assert dense(np.ones((1, 2), np.float32)).shape == (1, 3)
    conv = layers.Conv2D.from_config(dict(CONV2D_CONFIG, name="c"))
    assert conv(np.ones((1, 5, 5, 1), np.float32)).shape == (1, 3, 3, 4)
    with pytest.raises(ValueError, match="groups"):
        layers.Conv2D(4, 3, groups=2)


def test_optimizer_configs_are_keras_3s():
    # TensorFlow 2.21: keras.optimizers.Adagrad().get_config() (the rate read back from float32)
    base = {"learning_rate": 0.0010000000474974513, "weight_decay": None, "clipnorm": None,
            "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
            "ema_overwrite_frequency": None, "loss_scale_factor": None,
            "gradient_accumulation_steps": None}
    assert optimizers.Adagrad().get_config() == {
        "name": "adagrad", **base, "initial_accumulator_value": 0.1, "epsilon": 1e-07}
    sgd = optimizers.SGD().get_config()
    assert sgd == {"name": "sgd", **base, "learning_rate": 0.009999999776482582,
                   "momentum": 0.0, "nesterov": False}
    again = optimizers.Adagrad(**optimizers.Adagrad(0.5).get_config())  # round trip
    assert again.learning_rate.numpy() == 0.5 and again.initial_accumulator_value == 0.1
