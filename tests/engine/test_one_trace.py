"""A ``None`` signature runs the Python body once, as in TensorFlow (issue 11): the check
re-trace of ``TraceFamily`` prints nothing when the family is generic, and every replayed
graph computes what a fresh trace computes (engine.graph.sized keeps sizes out of them)."""

from __future__ import annotations

import sys
import threading
import warnings

import numpy as np
import pytest

import engine as tf
from engine.function import RetracingWarning
from engine.keras import layers


def test_the_body_prints_once_for_every_batch_size(capsys):
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        print("Tracing with", x)
        return x * 2

    for n in (2, 3, 4):
        np.testing.assert_array_equal(f(tf.ones([n])).numpy(), [2.0] * n)
    assert capsys.readouterr().out == 'Tracing with Tensor("x:0", shape=(None,), dtype=float32)\n'


def test_reduce_retracing_prints_for_the_first_shape_and_the_relaxed_one_only(capsys):
    @tf.function(reduce_retracing=True)
    def g(x):
        print("shape", x.shape)
        return tf.reduce_sum(x)

    for n in (1, 2, 3, 4, 5):
        assert g(tf.ones([n])).numpy() == n
    assert capsys.readouterr().out == "shape (1,)\nshape (None,)\n"
    assert g.experimental_get_tracing_count() == 2


def _mnist_like(seed: int) -> tuple:
    tf.keras.utils.set_random_seed(seed)
    model = tf.keras.Sequential([layers.Flatten(), layers.Dense(8, activation="relu"),
                                 layers.Dropout(0.3), layers.Dense(4)])
    model(tf.ones([1, 3, 3]))
    optimizer = tf.keras.optimizers.Adam(0.01)
    optimizer.build(model.trainable_variables)
    loss_object = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    mean = tf.keras.metrics.Mean()
    accuracy = tf.keras.metrics.SparseCategoricalAccuracy()

    def step(images, labels):
        with tf.GradientTape() as tape:
            predictions = model(images, training=True)
            loss = loss_object(labels, predictions)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        mean(loss)
        accuracy(labels, predictions)
        return loss

    return model, step, mean, accuracy


def test_a_training_step_replayed_for_each_batch_size_computes_what_fresh_traces_do(capsys):
    # the same model, seeds and data: one step traced once for a None signature (replayed
    # per batch size), the other traced afresh per shape (no signature)
    model_a, step_a, mean_a, acc_a = _mnist_like(3)
    model_b, step_b, mean_b, acc_b = _mnist_like(3)

    def printing(step):
        def body(images, labels):
            print("traced")
            return step(images, labels)
        return body

    signature = [tf.TensorSpec([None, 3, 3], tf.float32), tf.TensorSpec([None], tf.int64)]
    replayed = tf.function(printing(step_a), input_signature=signature)
    fresh = tf.function(step_b)
    rng = np.random.default_rng(0)
    for n in (6, 6, 4, 6, 1, 5, 4):
        images = tf.constant(rng.normal(size=(n, 3, 3)).astype(np.float32))
        labels = tf.constant(rng.integers(0, 4, size=n))
        np.testing.assert_array_equal(replayed(images, labels).numpy(),
                                      fresh(images, labels).numpy())
    for a, b in zip(model_a.weights, model_b.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert mean_a.result().numpy() == mean_b.result().numpy()
    assert acc_a.result().numpy() == acc_b.result().numpy()
    assert capsys.readouterr().out == "traced\n"  # the check at 4 held and dropped its print
    family = next(iter(replayed._families.values()))
    assert family.generic is True


def test_a_nested_signature_prints_once(capsys):
    signature = [{"a": tf.TensorSpec([None, 2], tf.float32),
                  "b": (tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int32))}]

    @tf.function(input_signature=signature)
    def f(d):
        print("traced", d["a"].shape, d["b"][0].shape)
        return tf.reduce_mean(d["a"], axis=1) * d["b"][0] + tf.cast(d["b"][1], tf.float32)

    for n in (3, 1, 4):
        got = f({"a": tf.ones([n, 2]), "b": (tf.fill([n], 2.0), tf.constant(n))})
        np.testing.assert_array_equal(got.numpy(), [2.0 + n] * n)
    assert capsys.readouterr().out == "traced (None, 2) (None,)\n"


def test_an_argument_not_of_the_nested_signature_s_structure_is_refused_clearly():
    @tf.function(input_signature=[{"a": tf.TensorSpec([None], tf.float32),
                                   "b": tf.TensorSpec([], tf.int32)}])
    def f(d):
        return d["a"]

    with pytest.raises(TypeError, match="does not have the structure of input_signature"):
        f({"a": tf.ones([2])})
    with pytest.raises(TypeError, match=r"argument 0 \(shape \(2, 2\) dtype float32\)"):
        f({"a": tf.ones([2, 2]), "b": tf.constant(1)})


def test_a_check_that_fails_writes_the_held_output_in_order(capsys):
    # the re-trace is the graph of its shape then: it really ran, nothing is lost
    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
    def f(x):
        print("out", x.shape)
        print("err", file=sys.stderr)
        return x * len(x)  # the traced size, a constant of the graph

    for n in (2, 3):
        np.testing.assert_array_equal(f(tf.ones([n])).numpy(), [float(n)] * n)
    captured = capsys.readouterr()
    assert captured.out == "out (None,)\n" * 2 and captured.err == "err\n" * 2


def test_held_output_lets_other_threads_write_and_releases_on_an_error(capsys):
    from engine.held_output import HeldOutput

    def other():
        print("from a thread")

    try:
        with HeldOutput() as held:
            print("held")
            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
            assert capsys.readouterr().out == "from a thread\n"
            raise KeyError("boom")
    except KeyError:
        pass
    assert capsys.readouterr().out == "held\n"
    with HeldOutput() as held:
        print("dropped")
    held.drop()
    assert capsys.readouterr().out == ""


def _grad(fn):
    def body(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = fn(x)
        return tape.gradient(y, x)
    return body


# functions whose sizes follow the batch in replays (engine.graph.sized): one Python run
# for the check, none after; the inputs are (n, 3) float32
GENERIC = {
    "zeros_of_tf_shape": lambda x: x + tf.zeros([tf.shape(x)[0], 1]),
    "fill_of_tf_shape": lambda x: tf.fill(tf.shape(x), 2.0) * x,
    "reshape_to_tf_shape": lambda x: tf.reshape(x, [tf.shape(x)[0], -1, 1]),
    "broadcast_to_tf_shape": lambda x: tf.broadcast_to(
        tf.reduce_sum(x, 1, keepdims=True), tf.shape(x)),
    "grad_of_mean": _grad(lambda x: tf.reduce_mean(x * x)),
    "grad_of_mean_axis0": _grad(lambda x: tf.reduce_sum(tf.reduce_mean(x, axis=0) ** 2)),
    "grad_of_softmax_xent": _grad(lambda x: tf.reduce_mean(
        tf.nn.softmax_cross_entropy_with_logits(tf.nn.softmax(x), x))),
    "grad_of_sparse_xent": _grad(lambda x: tf.reduce_mean(
        tf.nn.sparse_softmax_cross_entropy_with_logits(tf.zeros([tf.shape(x)[0]], tf.int64),
                                                       x))),
    "grad_of_bias_add": _grad(lambda x: tf.reduce_sum((x + tf.ones([1, 3])) ** 2)),
    "grad_of_reshape": _grad(lambda x: tf.reduce_sum(tf.reshape(x, [-1]) ** 2)),
    "grad_of_max": _grad(lambda x: tf.reduce_sum(tf.reduce_max(x, axis=1))),
    "grad_of_logsumexp": _grad(lambda x: tf.reduce_sum(tf.reduce_logsumexp(x, axis=1))),
    "grad_of_concat": _grad(lambda x: tf.reduce_sum(tf.concat([x, x * 2], 0) ** 2)),
    "grad_of_slice": _grad(lambda x: tf.reduce_sum(x[:, 1:] ** 2)),
    "grad_of_tile": _grad(lambda x: tf.reduce_sum(tf.tile(x, [2, 3]) ** 2)),
    "grad_of_expand_squeeze": _grad(
        lambda x: tf.reduce_sum(tf.squeeze(tf.expand_dims(x, 1) ** 2, 1))),
    "grad_of_gather_nd": _grad(lambda x: tf.reduce_sum(tf.gather_nd(x, [[0, 1], [0, 2]]))),
    "grad_of_matmul": _grad(lambda x: tf.reduce_sum(tf.matmul(x, x, transpose_b=True))),
    "grad_of_tensordot": _grad(lambda x: tf.reduce_sum(
        tf.tensordot(tf.reshape(x, [-1, 1, 3]), tf.ones([3, 2]), [[2], [0]]) ** 2)),
    "stateless_normal_of_tf_shape": lambda x: x + tf.random.stateless_normal(
        tf.shape(x), seed=[1, 2]),
    "range_of_tf_shape": lambda x: tf.cast(tf.range(tf.shape(x)[0]), tf.float32),
}


@pytest.mark.parametrize("name", sorted(GENERIC))
def test_common_paths_replay_for_every_batch_size_as_fresh_traces_compute(name):
    body = GENERIC[name]
    replayed = tf.function(body, input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    fresh = tf.function(body)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetracingWarning)  # fresh: one trace per shape
        for n in (4, 3, 2, 5, 1):
            x = tf.constant(np.arange(3 * n, dtype=np.float32).reshape(n, 3) / 7.0)
            got = replayed(x).numpy()
            np.testing.assert_array_equal(got, fresh(x).numpy())
            # and what eager computes (the graph's fused kernels may round differently)
            np.testing.assert_allclose(got, body(x).numpy(), rtol=1e-6, atol=1e-7)
    (family,) = replayed._families.values()
    assert family.generic is True


def _functional_model() -> tuple:
    """Dense on a sequence (a tensordot), Add and Concatenate, as (model, input shape)."""
    inputs = tf.keras.Input((4, 3))
    mixed = layers.Concatenate()([layers.Add()([layers.Dense(3)(inputs), inputs]), inputs])
    return tf.keras.Model(inputs, layers.Dense(2)(layers.Flatten()(mixed))), [4, 3]


def _convolutional_model() -> tuple:
    return tf.keras.Sequential([
        layers.Conv2D(2, 3, activation="relu", padding="same"), layers.MaxPooling2D(),
        layers.Conv2D(3, 3, activation="relu"), layers.Flatten(), layers.Dense(4)]), [8, 8, 1]


@pytest.mark.parametrize("make", [_convolutional_model, _functional_model])
def test_a_keras_model_s_gradients_replay_for_every_batch_size(make):
    tf.keras.utils.set_random_seed(1)
    model, shape = make()
    size = int(np.prod(shape))
    model(tf.ones([1, *shape]))

    def gradients(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(model(x) ** 2)
        return tape.gradient(loss, model.trainable_variables)

    replayed = tf.function(gradients,
                           input_signature=[tf.TensorSpec([None, *shape], tf.float32)])
    fresh = tf.function(gradients)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetracingWarning)
        for n in (4, 3, 2, 5, 1):
            x = tf.reshape(tf.range(size * n, dtype=tf.float32) / 100.0, [n, *shape])
            for a, b in zip(replayed(x), fresh(x)):
                np.testing.assert_array_equal(a.numpy(), b.numpy())
    (family,) = replayed._families.values()
    assert family.generic is True


def test_a_warning_of_the_check_run_is_dropped_without_hiding_later_ones():
    import warnings as w

    from engine.held_output import HeldOutput

    def warn():
        w.warn("size-dependent", UserWarning, stacklevel=1)

    with w.catch_warnings(record=True) as seen:
        w.simplefilter("default")
        with HeldOutput() as held:
            warn()
        held.drop()
        assert seen == []
        warn()  # the same line again: shown, the dropped one was not counted as shown
        with HeldOutput() as held:
            warn()
        held.release()
    assert [str(x.message) for x in seen] == ["size-dependent"] * 2
