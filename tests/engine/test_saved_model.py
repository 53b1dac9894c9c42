"""tf.saved_model round trips: what a loaded object computes, holds and lets a tape train."""

from __future__ import annotations

import json

import numpy as np
import pytest

import engine as tf
from engine.keras import layers


class Dense(tf.Module):
    def __init__(self, n_in, n_out, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(np.linspace(-1, 1, n_in * n_out, dtype=np.float32)
                             .reshape(n_in, n_out), name="w")
        self.b = tf.Variable(tf.zeros([n_out]) + 0.1, name="b")

    def __call__(self, x):
        return tf.nn.relu(tf.matmul(x, self.w) + self.b)


class Stack(tf.Module):
    """Nested modules, a list and a dict of them, a non-trainable variable."""

    def __init__(self):
        super().__init__()
        self.layers = [Dense(3, 4), Dense(4, 2)]
        self.by_name = {"extra": Dense(2, 2)}
        self.steps = tf.Variable(0, trainable=False, name="steps")

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32)])
    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.by_name["extra"](x) * 2.0

    @tf.function
    def scaled(self, x, factor=2.0):
        return x * factor + self.layers[0].b[0]

    @tf.function(input_signature=[])
    def tick(self):
        self.steps.assign_add(1)
        return self.steps.read_value()


def _save_load(obj, tmp_path, **kwargs):
    path = tmp_path / "model"
    tf.saved_model.save(obj, str(path), **kwargs)
    return tf.saved_model.load(str(path))


def test_nested_modules_round_trip_with_any_batch_size(tmp_path):
    m = Stack()
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3) / 5)
    expected = m(x)
    loaded = _save_load(m, tmp_path)
    assert not isinstance(loaded, Stack)
    np.testing.assert_array_equal(loaded(x).numpy(), expected.numpy())
    # a None batch size: the saved graph was found generic, so other sizes replay it
    x5 = tf.constant(np.ones((5, 3), np.float32))
    np.testing.assert_allclose(loaded(x5).numpy(), m(x5).numpy(), rtol=1e-6)
    assert [v.name for v in (loaded.layers[0].w, loaded.layers[1].b,
                             loaded.by_name["extra"].w)] == ["w:0", "b:0", "w:0"]
    assert loaded.steps.trainable is False and loaded.layers[0].w.trainable is True
    assert loaded.steps.dtype == tf.int32


def test_literal_arguments_and_defaults_pick_their_trace(tmp_path):
    m = Stack()
    x = tf.constant([1.0, 2.0])
    a, b = m.scaled(x), m.scaled(x, 3.0)
    loaded = _save_load(m, tmp_path)
    np.testing.assert_array_equal(loaded.scaled(x).numpy(), a.numpy())
    np.testing.assert_array_equal(loaded.scaled(x, 3.0).numpy(), b.numpy())
    np.testing.assert_array_equal(loaded.scaled(x, factor=3.0).numpy(), b.numpy())
    with pytest.raises(ValueError, match="Could not find matching concrete function"):
        loaded.scaled(x, 4.0)


def test_variable_updates_of_a_loaded_function_persist(tmp_path):
    m = Stack()
    loaded = _save_load(m, tmp_path)
    assert int(loaded.tick()) == 1
    assert int(loaded.tick()) == 2
    assert int(loaded.steps.numpy()) == 2 and int(m.steps.numpy()) == 0


def test_a_saved_variable_value_is_the_one_at_save_time(tmp_path):
    m = Stack()
    m.layers[0].b.assign([5.0, 6.0, 7.0, 8.0])
    loaded = _save_load(m, tmp_path)
    m.layers[0].b.assign([0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(loaded.layers[0].b.numpy(), [5.0, 6.0, 7.0, 8.0])


def test_gradients_flow_through_a_loaded_function_to_its_variables(tmp_path):
    m = Stack()
    x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3) / 5)
    with tf.GradientTape() as tape:
        want_loss = tf.reduce_sum(m(x) ** 2)
    want = tape.gradient(want_loss, m.layers[0].w)
    loaded = _save_load(m, tmp_path)
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(loaded(x) ** 2)
    assert {v.name for v in tape.watched_variables()} == {"w:0", "b:0"}
    grad = tape.gradient(loss, loaded.layers[0].w)
    np.testing.assert_allclose(grad.numpy(), want.numpy(), rtol=1e-6)
    np.testing.assert_allclose(loss.numpy(), want_loss.numpy(), rtol=1e-6)


def test_fine_tuning_a_loaded_module_lowers_its_loss(tmp_path):
    m = Stack()
    loaded = _save_load(m, tmp_path)
    x = tf.constant(np.random.default_rng(0).normal(size=(8, 3)).astype(np.float32))
    target = tf.ones([8, 2])
    opt = tf.keras.optimizers.SGD(0.01)
    params = [loaded.layers[0].w, loaded.layers[0].b, loaded.layers[1].w]
    losses = []
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((loaded(x) - target) ** 2)
        opt.apply_gradients(zip(tape.gradient(loss, params), params))
        losses.append(float(loss))
    assert losses[-1] < losses[0]
    assert not np.array_equal(loaded.layers[0].w.numpy(), m.layers[0].w.numpy())


def test_a_shape_specific_trace_refuses_other_shapes_clearly(tmp_path):
    m = Stack()
    path = tmp_path / "m"
    tf.saved_model.save(m, str(path))
    manifest = path / "tapescope_saved_model.json"
    document = json.loads(manifest.read_text())
    for concrete in document["concretes"]:  # as saving finds a graph that bakes sizes in
        concrete["generic"] = False
    manifest.write_text(json.dumps(document))
    loaded = tf.saved_model.load(str(path))
    x = tf.constant(np.ones((2, 3), np.float32))
    np.testing.assert_array_equal(loaded(x).numpy(), m(x).numpy())
    with pytest.raises(ValueError, match=r"saved by Tapescope for argument shapes \[\(2, 3\)\]:"
                                         r" its graph bakes in input sizes"):
        loaded(tf.ones([3, 3]))


def test_saving_finds_whether_a_none_size_trace_is_generic(tmp_path):
    class Fixed(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, x):
            return tf.reshape(x, [2, 1])  # right for size 2 only

    class Any(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
        def __call__(self, x):
            return tf.reshape(x, [-1, 1])

    for module, generic in ((Fixed(), False), (Any(), True)):
        path = tmp_path / type(module).__name__
        tf.saved_model.save(module, str(path))
        document = json.loads((path / "tapescope_saved_model.json").read_text())
        assert [c["generic"] for c in document["concretes"]] == [generic]


def test_signatures_take_keywords_and_return_dicts(tmp_path):
    m = Stack()
    loaded = _save_load(m, tmp_path, signatures={
        "serving_default": m.__call__,
        "pair": m.scaled.get_concrete_function(tf.TensorSpec([2], tf.float32))})
    assert sorted(loaded.signatures) == ["pair", "serving_default"]
    x = tf.constant(np.ones((4, 3), np.float32))
    out = loaded.signatures["serving_default"](x=x)
    assert list(out) == ["output_0"]
    np.testing.assert_allclose(out["output_0"].numpy(), m(x).numpy(), rtol=1e-6)
    pair = loaded.signatures["pair"](x=tf.constant([1.0, 2.0]))
    np.testing.assert_allclose(pair["output_0"].numpy(), m.scaled(tf.constant([1.0, 2.0])))
    with pytest.raises(TypeError, match="unexpected or repeated argument 'y'"):
        loaded.signatures["pair"](y=tf.constant([1.0, 2.0]))


def test_a_function_without_traces_cannot_be_called_after_load(tmp_path):
    class Adder(tf.Module):
        @tf.function
        def add(self, x):
            return x + x

    loaded = _save_load(Adder(), tmp_path)
    with pytest.raises(ValueError, match="Found zero restored functions for caller function."):
        loaded.add(1.0)


def test_keras_sequential_round_trip(tmp_path):
    model = tf.keras.Sequential([tf.keras.Input((4,)), layers.Dense(5, activation="tanh"),
                                 layers.Dropout(0.5), layers.Dense(3, activation="softmax")])
    x = tf.constant(np.random.default_rng(1).normal(size=(6, 4)).astype(np.float32))
    loaded = _save_load(model, tmp_path)
    out = loaded.signatures["serving_default"](inputs=x)["output_0"]
    np.testing.assert_allclose(out.numpy(), model(x).numpy(), rtol=1e-6)
    model.export(str(tmp_path / "exported"), verbose=False)
    exported = tf.saved_model.load(str(tmp_path / "exported"))
    np.testing.assert_allclose(exported.serve(x[:2]).numpy(), model(x[:2]).numpy(), rtol=1e-6)
    assert [v.name for v in exported.variables] == [v.path + ":0" for v in model.weights]
    assert len(exported.trainable_variables) == 4 and exported.non_trainable_variables == []


def test_export_prints_its_endpoint(tmp_path, capsys):
    model = tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(2)])
    model.export(str(tmp_path / "e"))
    printed = capsys.readouterr().out
    assert printed.startswith(f"Saved artifact at '{tmp_path / 'e'}'. The following endpoints")
    assert ("  args_0 (POSITIONAL_ONLY): TensorSpec(shape=(None, 3), dtype=tf.float32, "
            "name='keras_tensor')\nOutput Type:\n  TensorSpec(shape=(None, 2), "
            "dtype=tf.float32, name=None)\nCaptures:\n") in printed


def test_what_cannot_be_saved_says_so(tmp_path):
    class Loop(tf.Module):
        @tf.function
        def f(self, x):
            while x < 3.0:
                x = x + 1.0
            return x

    m = Loop()
    m.f(tf.constant(0.0))
    with pytest.raises(NotImplementedError, match=r"control flow \(If/While nodes\)"):
        tf.saved_model.save(m, str(tmp_path / "loop"))
    with pytest.raises(ValueError, match="Expected an object of type `Trackable`"):
        tf.saved_model.save(object(), str(tmp_path / "x"))
    with pytest.raises(NotImplementedError, match="format='tf_saved_model'"):
        tf.keras.Sequential([tf.keras.Input((3,)), layers.Dense(2)]).export(
            str(tmp_path / "y"), format="onnx")


def test_loaded_functions_are_announced_to_the_debugger(tmp_path, monkeypatch):
    from engine.context import STATE

    m = Stack()
    path = str(tmp_path / "m")
    tf.saved_model.save(m, path)
    told = []

    class Hook:
        def graph_traced(self, concrete, function, count, reason):
            told.append((function, reason, len(concrete.graph.nodes)))

        def __getattr__(self, name):  # every other hook: nothing to do
            return lambda *a, **k: None

    monkeypatch.setattr(STATE, "hook", Hook())
    tf.saved_model.load(path)
    assert ("__call__", "loaded from a SavedModel") in {(f, r) for f, r, _ in told}
    assert all(n > 0 for _, _, n in told)


def test_a_spec_with_none_sizes_is_a_trace_of_its_own():
    """The guide's signature: ``get_concrete_function(tf.TensorSpec(None))`` after a scalar
    call traces for any shape (not the scalar trace), and a ``[None]`` spec reuses it."""
    class M(tf.Module):
        @tf.function
        def __call__(self, x):
            return x * 2.0

    m = M()
    scalar = m.__call__.get_concrete_function(tf.constant(1.0))
    anything = m.__call__.get_concrete_function(tf.TensorSpec(None, tf.float32))
    assert anything is not scalar
    assert str(anything.structured_input_signature) == (
        "((TensorSpec(shape=<unknown>, dtype=tf.float32, name='x'),), {})")
    assert m.__call__.get_concrete_function(tf.TensorSpec([None], tf.float32)) is anything
    assert m.__call__.experimental_get_tracing_count() == 2


def test_a_subclassed_keras_model_built_by_a_call(tmp_path, capsys):
    class Sub(tf.keras.Model):
        def __init__(self):
            super().__init__()
            self.d = layers.Dense(2)

        def call(self, x):
            return self.d(x)

    model = Sub()
    x = np.ones((1, 5), np.float32)
    model(x)
    loaded = _save_load(model, tmp_path)
    serving = loaded.signatures["serving_default"]
    assert str(serving.structured_input_signature) == (  # TF: the shape it was built for
        "((), {'inputs': TensorSpec(shape=(1, 5), dtype=tf.float32, name='inputs')})")
    np.testing.assert_allclose(serving(inputs=x)["output_0"].numpy(), model(x).numpy())
    model.export(str(tmp_path / "e"))
    assert ("args_0 (POSITIONAL_ONLY): TensorSpec(shape=(None, 5), dtype=tf.float32, "
            "name=None)") in capsys.readouterr().out
    exported = tf.saved_model.load(str(tmp_path / "e"))
    x3 = np.ones((3, 5), np.float32)
    np.testing.assert_allclose(exported.serve(x3).numpy(), model(x3).numpy(), rtol=1e-6)
