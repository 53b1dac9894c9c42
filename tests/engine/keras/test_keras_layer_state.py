"""Embedding and seed-generator state: what the parity cases (keras_state) cannot show —
types inside a traced function, saving, errors and the weights a user gets and sets."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf
from engine.keras import layers


def _model() -> tf.keras.Sequential:
    return tf.keras.Sequential([layers.Input((3,), dtype="int32"), layers.Embedding(6, 2),
                                layers.Dropout(0.5), layers.Flatten(), layers.Dense(1)])


def test_embedding_gradient_stays_indexed_slices_inside_tf_function():
    model, seen = _model(), []

    @tf.function
    def grads(x):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(model(x, training=True))
        g = tape.gradient(loss, model.trainable_variables)
        seen.append(type(g[0]).__name__)
        return g[0].values, g[0].indices

    values, indices = grads(tf.constant([[1, 2, 1]]))
    assert seen == ["IndexedSlices"]
    assert list(indices.numpy()) == [1, 2, 1] and values.shape == (3, 2)


def test_embedding_and_dropout_survive_save_and_load(tmp_path):
    model = _model()
    model.compile("adam", "mse")
    x = np.array([[1, 2, 5]])
    model.fit(x, np.array([[1.0]]), verbose=0)
    model.save(tmp_path / "m.keras")
    loaded = tf.keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.layers[0].get_config() == model.layers[0].get_config()


def test_seed_state_is_a_variable_but_not_a_weight():
    model = _model()
    state = model.layers[1].seed_generator.state
    assert any(v is state for v in model.variables)
    assert not any(v is state for v in model.weights)
    assert len(model.get_weights()) == 3  # embeddings, kernel, bias
    model.set_weights([np.ones((6, 2)), np.ones((2 * 3, 1)), np.zeros(1)])
    assert model(tf.constant([[0, 1, 2]])).numpy().tolist() == [[6.0]]


def test_embedding_errors_name_the_problem():
    with pytest.raises(ValueError, match="embeddings_constraint"):
        layers.Embedding(4, 2, embeddings_constraint="non_neg")
    with pytest.raises(AttributeError, match="build the layer"):
        layers.Embedding(4, 2).embeddings  # noqa: B018
    with pytest.raises(ValueError, match="weight shape"):
        layers.Embedding(4, 2, weights=np.ones((3, 2)))
    with pytest.raises(tf.errors.InvalidArgumentError):
        layers.Embedding(4, 2)(tf.constant([4]))


def test_embedding_takes_initial_weights():
    table = np.arange(8.0).reshape(4, 2)
    e = layers.Embedding(4, 2, weights=[table])
    np.testing.assert_array_equal(e(tf.constant([3, -4])).numpy(), table[[3, 0]])


# -- masks --------------------------------------------------------------------------------------

def _masked(ids=((1, 0, 2),)):
    return layers.Embedding(4, 3, mask_zero=True)(tf.constant(list(ids)))


def test_a_mask_is_kept_beside_its_tensor_and_freed_with_it():
    import gc

    from engine.tensor import KERAS_MASKS

    before = len(KERAS_MASKS)
    h = _masked()
    assert h._keras_mask.numpy().tolist() == [[True, False, True]]
    assert tf.ones([2])._keras_mask is None
    del h
    gc.collect()
    assert len(KERAS_MASKS) == before


def test_a_loss_or_metric_on_a_masked_prediction_is_refused():
    pred = layers.Dense(1)(_masked())  # Keras 3 would weight these by the mask
    with pytest.raises(NotImplementedError, match="mean_squared_error.*mask"):
        tf.keras.losses.MeanSquaredError()(tf.zeros([1, 3, 1]), pred)
    with pytest.raises(NotImplementedError, match="metric mae.*mask"):
        tf.keras.metrics.MeanAbsoluteError(name="mae").update_state(tf.zeros([1, 3, 1]), pred)


def test_batch_normalization_refuses_a_mask_while_training():
    bn = layers.BatchNormalization()
    with pytest.raises(NotImplementedError, match="moments over the unmasked steps"):
        bn(_masked(), training=True)
    assert bn(_masked(), training=False)._keras_mask is not None  # inference passes it on


def test_masks_of_several_inputs_are_not_merged_and_say_so():
    with pytest.warns(UserWarning, match="does not merge masks"):
        out = layers.Add()([_masked(), _masked()])
    assert out._keras_mask is None
