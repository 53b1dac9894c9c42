"""Models: Sequential / functional / subclassed, summary, fit/evaluate/predict, callbacks, save."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

import engine as tf
from engine import context, errors
from engine.context import set_hook
from engine.keras import callbacks, layers, losses, metrics, models


def blobs(n=400, seed=0):
    """Three well-separated Gaussian blobs in 4-D: a linearly separable classification set."""
    rng = np.random.default_rng(seed)
    centers = np.array([[3, 0, 0, 0], [0, 3, 0, 0], [0, 0, 3, 0]], np.float32)
    y = rng.integers(0, 3, n)
    x = centers[y] + rng.normal(scale=0.5, size=(n, 4)).astype(np.float32)
    return x.astype(np.float32), y.astype(np.int64)


def mlp(hidden=16):
    return models.Sequential([layers.Dense(hidden, activation="relu", input_shape=(4,)),
                              layers.Dense(3, activation="softmax")])


class Batches:
    """A minimal Dataset stand-in: re-iterable (x, y) batches with a length."""

    def __init__(self, x, y, batch_size=32):
        self.x, self.y, self.batch_size = x, y, batch_size

    def __iter__(self):
        for i in range(0, len(self.x), self.batch_size):
            yield tf.constant(self.x[i:i + self.batch_size]), tf.constant(
                self.y[i:i + self.batch_size])

    def __len__(self):
        return -(-len(self.x) // self.batch_size)


# -- summary --------------------------------------------------------------------------------

# Keras 3 (TensorFlow 2.21) printouts, copied from print_fn: the whole table is one string,
# 76 columns wide when there is no terminal (80 - 4), as Keras fits it.
MNIST_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ flatten (Flatten)               │ (None, 784)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 128)            │       100,480 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 10)             │         1,290 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 101,770 (397.54 KB)
 Trainable params: 101,770 (397.54 KB)
 Non-trainable params: 0 (0.00 B)
"""

CONV_BN_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ conv2d (Conv2D)                 │ (None, 6, 6, 4)        │            40 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_normalization             │ (None, 6, 6, 4)        │            16 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d (MaxPooling2D)    │ (None, 3, 3, 4)        │             0 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 56 (224.00 B)
 Trainable params: 48 (192.00 B)
 Non-trainable params: 8 (32.00 B)
"""

BRANCHING_SUMMARY = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ input_layer         │ (None, 8)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense (Dense)       │ (None, 4)         │         36 │ input_layer[0][0] │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_1 (Dense)     │ (None, 4)         │         36 │ input_layer[0][0] │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ concatenate         │ (None, 8)         │          0 │ dense[0][0],      │
│ (Concatenate)       │                   │            │ dense_1[0][0]     │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_2 (Dense)     │ (None, 2)         │         18 │ concatenate[0][0] │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 90 (360.00 B)
 Trainable params: 90 (360.00 B)
 Non-trainable params: 0 (0.00 B)
"""

UNBUILT_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ ?                      │   0 (unbuilt) │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 0 (0.00 B)
 Trainable params: 0 (0.00 B)
 Non-trainable params: 0 (0.00 B)
"""

FITTED_SUMMARY = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (None, 2)              │             8 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 26 (108.00 B)
 Trainable params: 8 (32.00 B)
 Non-trainable params: 0 (0.00 B)
 Optimizer params: 18 (76.00 B)
"""

SUBCLASSED_SUMMARY = """\
Model: "tower"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense (Dense)                   │ (4, 2)                 │             8 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (4, 3)                 │             9 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 17 (68.00 B)
 Trainable params: 17 (68.00 B)
 Non-trainable params: 0 (0.00 B)
"""

TWO_INPUTS_SUMMARY = """\
Model: "functional"
┏━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━┓
┃ Layer (type)        ┃ Output Shape      ┃    Param # ┃ Connected to      ┃
┡━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━┩
│ input_layer         │ (None, 2)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ input_layer_1       │ (None, 3)         │          0 │ -                 │
│ (InputLayer)        │                   │            │                   │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_2 (Dense)     │ (None, 1)         │          3 │ input_layer[0][0] │
├─────────────────────┼───────────────────┼────────────┼───────────────────┤
│ dense_3 (Dense)     │ (None, 2)         │          8 │ input_layer_1[0]… │
└─────────────────────┴───────────────────┴────────────┴───────────────────┘
 Total params: 11 (44.00 B)
 Trainable params: 11 (44.00 B)
 Non-trainable params: 0 (0.00 B)
"""


@pytest.fixture
def no_terminal(monkeypatch):
    """The width Keras falls back to without a terminal, whatever runs the tests."""
    monkeypatch.setenv("COLUMNS", "80")


def _summary(model) -> str:
    out: list[str] = []
    model.summary(print_fn=out.append)
    assert len(out) == 1  # Keras 3 hands print_fn the whole table at once
    return out[0]


def test_sequential_summary_matches_keras(no_terminal, capsys):
    model = models.Sequential([tf.keras.Input((28, 28)), layers.Flatten(),
                               layers.Dense(128, activation="relu"),
                               layers.Dense(10, activation="softmax")])
    assert _summary(model) == MNIST_SUMMARY
    model.summary()
    assert capsys.readouterr().out == MNIST_SUMMARY


def test_summary_counts_non_trainable_params_and_wraps_long_names(no_terminal):
    model = models.Sequential([tf.keras.Input((8, 8, 1)), layers.Conv2D(4, 3),
                               layers.BatchNormalization(), layers.MaxPooling2D()])
    assert _summary(model) == CONV_BN_SUMMARY


def test_functional_branching_summary_has_connections(no_terminal):
    inp = tf.keras.Input(shape=(8,))
    a = layers.Dense(4)(inp)
    b = layers.Dense(4)(inp)
    out = layers.Dense(2)(layers.Concatenate()([a, b]))
    assert _summary(models.Model(inp, out)) == BRANCHING_SUMMARY


def test_summary_of_unbuilt_model_marks_its_layers_then_counts_the_optimizer(no_terminal):
    # Keras 3 prints an unbuilt model (tf.keras 2 raised), and once fit has built the
    # optimizer's slots it adds their count.
    model = models.Sequential([layers.Dense(2)])
    assert _summary(model) == UNBUILT_SUMMARY
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3)), np.ones((4, 2)), verbose=0)
    assert _summary(model) == FITTED_SUMMARY


def test_subclassed_summary_shows_the_shapes_layers_were_built_for(no_terminal):
    class Tower(models.Model):
        def __init__(self):
            super().__init__()
            self.d, self.e = layers.Dense(2), layers.Dense(3)

        def call(self, x):
            return self.e(self.d(x))

    model = Tower()
    model(np.ones((4, 3), np.float32))
    assert _summary(model) == SUBCLASSED_SUMMARY


def test_functional_layers_are_listed_by_depth_as_keras_3_lists_them(no_terminal):
    layers.Dense(1), layers.Dense(1)  # TensorFlow's session had made dense and dense_1
    a, b = tf.keras.Input((2,)), tf.keras.Input((3,))
    model = models.Model([a, b], [layers.Dense(1)(a), layers.Dense(2)(b)])
    assert [lay.name for lay in model.layers] == ["input_layer", "input_layer_1", "dense_2",
                                                  "dense_3"]
    assert _summary(model) == TWO_INPUTS_SUMMARY


# -- building and calling -------------------------------------------------------------------------

def test_sequential_builds_on_first_call_and_tracks_variables():
    model = models.Sequential()
    model.add(layers.Dense(5, activation="relu"))
    model.add(layers.Dense(2))
    assert not model.built
    y = model(np.ones((3, 7)))
    assert y.shape == (3, 2) and model.built
    assert [v.path for v in model.trainable_variables] == [
        "sequential/dense/kernel", "sequential/dense/bias", "sequential/dense_1/kernel",
        "sequential/dense_1/bias"]
    assert [v.name for v in model.trainable_variables] == ["kernel", "bias"] * 2
    assert model.variables == model.weights
    lines: list[str] = []
    model.summary(print_fn=lines.append)
    assert any("(None, 5)" in line for line in lines)


def test_sequential_rejects_duplicate_names_and_non_layers():
    model = models.Sequential([layers.Dense(2, name="a")])
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(2, name="a"))
    with pytest.raises(TypeError, match="instance of class Layer"):
        model.add("dense")


def test_model_input_shape_is_checked():
    model = models.Sequential([layers.Flatten(input_shape=(28, 28)), layers.Dense(10)])
    with pytest.raises(ValueError, match=r"'sequential'.*expected shape=\(None, 28, 28\), "
                                         r"found shape=\(32, 784\)"):
        model(np.zeros((32, 784), np.float32))


def test_functional_model_replays_the_graph():
    inp = tf.keras.Input(shape=(4,))
    hidden = layers.Dense(8, activation="relu")(inp)
    skip = layers.Dense(8)(inp)
    out = layers.Dense(3, activation="softmax")(layers.Add()([hidden, skip]))
    model = models.Model(inputs=inp, outputs=out)
    x = np.random.default_rng(0).normal(size=(5, 4)).astype(np.float32)
    dense0, dense1, dense2 = (model.get_layer(n) for n in ("dense", "dense_1", "dense_2"))
    manual = dense2(layers.Add()([dense0(x), dense1(x)]))
    np.testing.assert_allclose(model(x).numpy(), manual.numpy(), rtol=1e-6)
    assert len(model.trainable_variables) == 6
    assert [lay.name for lay in model.layers][0] == "input_layer"  # Keras 3's name


def test_functional_multi_input_and_disconnected_graph():
    a, b = tf.keras.Input(shape=(2,)), tf.keras.Input(shape=(3,))
    out = layers.Dense(1)(layers.Concatenate()([a, b]))
    model = models.Model([a, b], out)
    assert model([np.ones((4, 2)), np.ones((4, 3))]).shape == (4, 1)
    with pytest.raises(ValueError, match="Graph disconnected"):
        models.Model(a, out)


def test_subclassed_model_tracks_layers_and_training_flag():
    class Net(models.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(8, activation="relu")
            self.blocks = [layers.Dense(8), layers.Dropout(0.5)]
            self.out = layers.Dense(2)

        def call(self, x, training=False):
            x = self.hidden(x)
            for block in self.blocks:
                x = block(x, training=training)
            return self.out(x)

    net = Net()
    x = np.ones((4, 3), np.float32)
    assert np.array_equal(net(x).numpy(), net(x).numpy())
    assert not np.array_equal(net(x, training=True).numpy(), net(x).numpy())
    assert len(net.trainable_variables) == 6
    assert net.name == "net"
    assert [lay.name for lay in net.layers] == ["dense", "dense_1", "dropout", "dense_2"]


def test_training_flag_reaches_nested_layers():
    seen = []

    class Probe(layers.Layer):
        def call(self, x, training=None):
            seen.append(training)
            return x

    model = models.Sequential([models.Sequential([Probe()])])
    model.build((None, 2))  # shape inference runs call() once in inference mode
    seen.clear()
    model(np.ones((1, 2)), training=True)
    model(np.ones((1, 2)))
    assert seen == [True, None]


# -- fit / evaluate / predict ---------------------------------------------------------------------

def test_fit_reaches_high_accuracy_on_separable_data():
    x, y = blobs()
    model = mlp()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.05),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    history = model.fit(x, y, batch_size=32, epochs=5, verbose=0)
    assert set(history.history) == {"loss", "accuracy"}
    assert len(history.history["loss"]) == 5
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["accuracy"][-1] > 0.95
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.95 and loss < 0.3
    assert model.predict(x, batch_size=64, verbose=0).shape == (400, 3)


def test_fit_with_validation_data_and_split():
    x, y = blobs()
    model = mlp()
    model.compile("adam", losses.SparseCategoricalCrossentropy(),
                  metrics=[metrics.SparseCategoricalAccuracy()])
    h = model.fit(x, y, epochs=2, validation_data=(x[:50], y[:50]), verbose=0)
    assert list(h.history) == ["loss", "sparse_categorical_accuracy", "val_loss",
                               "val_sparse_categorical_accuracy"]
    assert all(len(v) == 2 for v in h.history.values())
    h = model.fit(x, y, epochs=1, validation_split=0.2, verbose=0)
    assert "val_loss" in h.history and model.history is h


def test_fit_accepts_a_dataset_like_iterable():
    x, y = blobs(200)
    model = mlp()
    model.compile(tf.keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    h = model.fit(Batches(x, y), epochs=3, validation_data=Batches(x, y, 50), verbose=0)
    assert h.history["accuracy"][-1] > 0.9 and len(h.history["val_loss"]) == 3
    assert model.evaluate(Batches(x, y), verbose=0, return_dict=True)["accuracy"] > 0.9
    with pytest.raises(ValueError, match="batch_size"):
        model.fit(Batches(x, y), batch_size=8, verbose=0)


def test_fit_reports_label_errors():
    x, y = blobs(64)
    model = mlp()
    model.compile("sgd", "sparse_categorical_crossentropy")
    with pytest.raises(errors.InvalidArgumentError, match=r"label value of 7.*\[0, 3\)"):
        model.fit(x, np.full(64, 7), verbose=0)
    with pytest.raises(RuntimeError, match="compile"):
        mlp().fit(x, y, verbose=0)


def test_progress_bar_output(capsys):
    x, y = blobs(64)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=32, epochs=2, verbose=1)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Epoch 1/2" and out[2] == "Epoch 2/2"
    assert out[1].startswith("2/2 [==============================] - ")
    assert "/step - loss: " in out[1] and " - accuracy: " in out[1]
    model.fit(x, y, epochs=1, verbose=2, validation_data=(x, y))
    line = capsys.readouterr().out.strip()
    assert line.startswith("2/2 - ") and "val_accuracy" in line and "/step" in line
    model.fit(x, y, epochs=1, verbose=0)
    assert capsys.readouterr().out == ""


def test_early_stopping_stops_and_restores_best_weights():
    x, y = blobs(64)
    model = mlp()
    model.compile(tf.keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    stop = callbacks.EarlyStopping(monitor="loss", patience=2, min_delta=1e-4,
                                   restore_best_weights=True)
    h = model.fit(x, y, epochs=20, callbacks=[stop], verbose=0)
    assert len(h.history["loss"]) == 3 and stop.stopped_epoch == 2
    assert model.stop_training


def test_early_stopping_waits_for_improvement():
    stop = callbacks.EarlyStopping(monitor="val_accuracy", patience=1, min_delta=0.01)
    stop.set_model(mlp())
    stop.on_train_begin()
    for epoch, acc in enumerate([0.5, 0.6, 0.605, 0.7]):
        stop.on_epoch_end(epoch, {"val_accuracy": acc})
        if stop.model.stop_training:
            break
    assert stop.stopped_epoch == 2 and stop.best == 0.6


def test_callback_hooks_and_lambda_callback():
    x, y = blobs(96)
    events = []

    class Recorder(callbacks.Callback):
        def on_train_begin(self, logs=None):
            events.append("train_begin")

        def on_epoch_begin(self, epoch, logs=None):
            events.append(f"epoch_begin {epoch}")

        def on_train_batch_end(self, batch, logs=None):
            events.append(f"batch_end {batch} {sorted(logs)}")

        def on_epoch_end(self, epoch, logs=None):
            events.append(f"epoch_end {epoch} {sorted(logs)}")

        def on_train_end(self, logs=None):
            events.append("train_end")

    ends = []
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, batch_size=48, epochs=2, verbose=0, callbacks=[
        Recorder(), callbacks.LambdaCallback(on_epoch_end=lambda e, logs: ends.append(e))])
    assert events == ["train_begin", "epoch_begin 0", "batch_end 0 ['accuracy', 'loss']",
                      "batch_end 1 ['accuracy', 'loss']", "epoch_end 0 ['accuracy', 'loss']",
                      "epoch_begin 1", "batch_end 0 ['accuracy', 'loss']",
                      "batch_end 1 ['accuracy', 'loss']", "epoch_end 1 ['accuracy', 'loss']",
                      "train_end"]
    assert ends == [0, 1]


def test_fit_reports_to_the_debugger_hook():
    class FitLog(context.Hook):
        def __init__(self):
            self.events = []

        def fit_event(self, kind, **info):
            self.events.append((kind, info))

    hook = FitLog()
    x, y = blobs(64)
    model = mlp()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    previous = set_hook(hook)
    try:
        model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    finally:
        set_hook(previous)
    kinds = [k for k, _ in hook.events]
    assert kinds == ["train_begin", "epoch_begin", "batch_end", "batch_end", "epoch_end",
                     "epoch_begin", "batch_end", "batch_end", "epoch_end", "train_end"]
    batch = hook.events[2][1]
    assert batch["epoch"] == 0 and batch["batch"] == 0
    assert set(batch["logs"]) == {"loss", "accuracy"}
    assert isinstance(batch["logs"]["loss"], float)


def test_custom_train_step_is_used_by_fit():
    calls = []

    class Custom(models.Sequential):
        def train_step(self, data):
            calls.append(len(data))
            return super().train_step(data)

    x, y = blobs(64)
    model = Custom([layers.Dense(3, input_shape=(4,))])
    model.compile("sgd", losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert calls == [2, 2, 2, 2]
    model.train_function = lambda data: {"loss": 1.5}  # swappable, e.g. for a traced step
    assert model.fit(x, y, epochs=1, verbose=0).history["loss"] == [1.5]


def test_mse_regression_and_evaluate_scalar():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(128, 3)).astype(np.float32)
    y = x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.3
    model = models.Sequential([layers.Dense(1, input_shape=(3,))])
    model.compile(tf.keras.optimizers.SGD(0.1), "mse", metrics=["mae"])
    model.fit(x, y, epochs=30, batch_size=32, verbose=0)
    loss, mae = model.evaluate(x, y, verbose=0)
    assert loss < 1e-3 and mae < 0.03
    model.compile("sgd", "mse")
    assert isinstance(model.evaluate(x, y, verbose=0), float)


# -- save / load -------------------------------------------------------------------------------

def _trained_model():
    x, y = blobs(128)
    model = models.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)),
                               layers.BatchNormalization(), layers.Dropout(0.1),
                               layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=1, verbose=0)
    return model, x, y


def test_save_and_load_round_trip(tmp_path):
    model, x, y = _trained_model()
    model.save(tmp_path / "mnist_model")
    assert sorted(p.name for p in (tmp_path / "mnist_model").iterdir()) == [
        "model.json", "weights.npz"]
    loaded = models.load_model(tmp_path / "mnist_model")
    for a, b in zip(model.weights, loaded.weights):
        assert a.name == b.name and np.array_equal(a.numpy(), b.numpy())
        assert a.dtype == b.dtype
    assert np.array_equal(model.predict(x, verbose=0), loaded.predict(x, verbose=0))
    assert loaded.evaluate(x, y, verbose=0) == pytest.approx(model.evaluate(x, y, verbose=0))
    document = json.loads((tmp_path / "mnist_model" / "model.json").read_text())
    assert document["format"] == "tapescope-keras-model" and document["format_version"] == 1
    loaded.fit(x, y, epochs=1, verbose=0)  # recompiled from the saved settings


def test_save_and_load_functional_and_subclassed(tmp_path):
    inp = tf.keras.Input(shape=(4,))
    out = layers.Dense(2)(layers.Concatenate()([layers.Dense(3)(inp), inp]))
    functional = models.Model(inp, out)
    x = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    functional.save(tmp_path / "f")
    np.testing.assert_array_equal(models.load_model(tmp_path / "f")(x).numpy(),
                                  functional(x).numpy())

    class Tiny(models.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = layers.Dense(units)

        def call(self, inputs):
            return self.dense(inputs)

        def get_config(self):
            return {"units": self.units, "name": self.name}

    tiny = Tiny(5)
    tiny(x)
    tiny.save(tmp_path / "t")
    again = models.load_model(tmp_path / "t", custom_objects={"Tiny": Tiny})
    np.testing.assert_array_equal(again(x).numpy(), tiny(x).numpy())


def test_corrupt_saved_model_errors_name_the_file(tmp_path):
    model, _, _ = _trained_model()
    folder = tmp_path / "m"
    model.save(folder)
    weights = folder / "weights.npz"
    data = weights.read_bytes()
    weights.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match=r"weights\.npz.*truncated or corrupt"):
        models.load_model(folder)
    weights.write_bytes(data)
    (folder / "model.json").write_text('{"format": "tapescope-keras-model", "cla')
    with pytest.raises(ValueError, match=r"model\.json.*truncated or corrupt"):
        models.load_model(folder)
    with pytest.raises(OSError, match="No file or directory"):
        models.load_model(tmp_path / "missing")


def test_save_and_load_weights(tmp_path):
    model, x, _ = _trained_model()
    model.save_weights(tmp_path / "w.npz")
    other = models.Sequential.from_config(model.get_config())
    other.load_weights(tmp_path / "w.npz")
    assert np.array_equal(other.predict(x, verbose=0), model.predict(x, verbose=0))


def test_summary_is_written_to_stdout_by_default():
    model = mlp()
    buffer = io.StringIO()
    model.summary(print_fn=lambda line: buffer.write(line + "\n"))
    assert "Total params: 131" in buffer.getvalue()


def test_fit_on_an_engine_dataset_and_predict_from_it():
    x, y = blobs(256)
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(256, seed=1).batch(32)
    model = mlp()
    model.compile(tf.keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(dataset, epochs=3, verbose=0)
    assert history.history["accuracy"][-1] > 0.9
    test = tf.data.Dataset.from_tensor_slices((x, y)).batch(100)
    assert model.predict(test, verbose=0).shape == (256, 3)


def test_added_losses_and_regularizers_join_the_training_loss():
    class Penalized(layers.Layer):
        def call(self, x):
            self.add_loss(tf.reduce_sum(x) * 0.0 + 2.0)
            return x

    x, y = blobs(32)
    model = models.Sequential([layers.Dense(3, input_shape=(4,), kernel_initializer="ones",
                                            kernel_regularizer=tf.keras.regularizers.L2(0.5)),
                               Penalized()])
    model(x)
    model(x)
    assert len(model.losses) == 2  # one added term (the latest call's) + one weight penalty
    assert sorted(float(t) for t in model.losses) == pytest.approx([2.0, 0.5 * 12])
    model.compile(tf.keras.optimizers.SGD(0.0),
                  losses.SparseCategoricalCrossentropy(from_logits=True))
    plain = float(losses.SparseCategoricalCrossentropy(from_logits=True)(y, model(x)))
    logged = model.fit(x, y, batch_size=32, epochs=1, verbose=0).history["loss"][0]
    assert logged == pytest.approx(plain + 2.0 + 6.0, rel=1e-5)


def test_class_weight_scales_the_loss():
    x, y = blobs(32)
    model = mlp()
    model.compile(tf.keras.optimizers.SGD(0.0), "sparse_categorical_crossentropy")
    base = model.fit(x, y, batch_size=32, verbose=0).history["loss"][0]
    doubled = model.fit(x, y, batch_size=32, verbose=0,
                        class_weight={0: 2.0, 1: 2.0, 2: 2.0}).history["loss"][0]
    assert doubled == pytest.approx(2 * base, rel=1e-5)
