"""IndexedSlices inside tf.function: a gather's gradient taken in a traced function is the
same sparse value as eagerly (checked against finite differences), leaves the function as
an IndexedSlices, and a traced optimizer step applies it as slices, as eagerly and as
TensorFlow does (parity: tests/engine/parity/cases_traced.py)."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf
from tests.engine.gradcheck import assert_close, numeric_gradient

RNG = np.random.default_rng(11)


@pytest.mark.parametrize("ids", [[2, 0, 2], [[1, 1], [3, 0]], 3])
def test_traced_gather_gradient_matches_finite_differences(ids):
    params = RNG.normal(size=(4, 3))
    weights = RNG.normal(size=np.shape(np.take(params, ids, axis=0)))

    def loss(p: tf.Tensor) -> tf.Tensor:
        return tf.reduce_sum(tf.sin(tf.gather(p, ids)) * weights)

    @tf.function
    def traced_gradient(p):
        with tf.GradientTape() as tape:
            tape.watch(p)
            y = loss(p)
        return tape.gradient(y, p)

    got = traced_gradient(tf.constant(params))
    assert isinstance(got, tf.IndexedSlices)
    expected = numeric_gradient(lambda a: float(loss(tf.constant(a[0])).numpy()), [params],
                                1e-6)[0]
    assert_close("params", got, expected, params, 1e-6)


def _train(traced: bool, make_optimizer, batches) -> np.ndarray:
    table = tf.Variable(np.arange(12, dtype=np.float32).reshape(4, 3))
    opt = make_optimizer()

    def step(ids):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.gather(table, ids) ** 2)
        opt.apply_gradients([(tape.gradient(y, table), table)])

    run = tf.function(step) if traced else step
    for ids in batches:
        run(tf.constant(ids))
    return table.numpy()


@pytest.mark.parametrize("make_optimizer", [
    lambda: tf.keras.optimizers.Adam(0.1), lambda: tf.keras.optimizers.RMSprop(0.1),
    lambda: tf.keras.optimizers.Adagrad(0.1), lambda: tf.keras.optimizers.SGD(0.1, 0.9)],
    ids=["Adam", "RMSprop", "Adagrad", "SGD-momentum"])
def test_a_traced_step_applies_slices_as_the_eager_step_does(make_optimizer):
    # duplicate rows: Keras squares each slice before they add up, so a dense update of the
    # summed gradient would differ for Adam, RMSprop and Adagrad
    batches = [[0, 2, 0], [1, 2], [3, 3, 3]]
    eager = _train(False, make_optimizer, batches)
    np.testing.assert_array_equal(_train(True, make_optimizer, batches), eager)


def test_a_replayed_none_signature_step_applies_slices_for_each_batch_size():
    table = tf.Variable(np.ones((5, 2), np.float32))
    opt = tf.keras.optimizers.Adam(0.1)
    eager_table = tf.Variable(np.ones((5, 2), np.float32))
    eager_opt = tf.keras.optimizers.Adam(0.1)

    def step(ids, table, opt):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.gather(table, ids) * 2.0)
        opt.apply_gradients([(tape.gradient(y, table), table)])

    traced = tf.function(lambda ids: step(ids, table, opt),
                         input_signature=[tf.TensorSpec([None], tf.int32)])
    for ids in ([0, 0], [1, 4, 4], [2], [3, 3, 3, 0]):
        traced(tf.constant(ids))
        step(tf.constant(ids), eager_table, eager_opt)
    np.testing.assert_array_equal(table.numpy(), eager_table.numpy())
    assert traced.experimental_get_tracing_count() == 1


def test_a_sparse_update_node_keeps_values_and_indices_as_its_inputs():
    table = tf.Variable(np.ones((4, 2), np.float32))
    opt = tf.keras.optimizers.SGD(0.5)

    @tf.function
    def step(ids):
        with tf.GradientTape() as tape:
            y = tf.reduce_sum(tf.gather(table, ids))
        opt.apply_gradients([(tape.gradient(y, table), table)])

    graph = step.get_concrete_function(tf.constant([1, 1])).graph
    (update,) = [n for n in graph.nodes if n.type == "ApplyGradients"]
    assert update.attrs["sparse"] == (True,)
    assert [v.shape for v in update.inputs] == [(2, 2), (2,)]
    step(tf.constant([1, 1]))
    np.testing.assert_array_equal(table.numpy(), [[1, 1], [0, 0], [1, 1], [1, 1]])
