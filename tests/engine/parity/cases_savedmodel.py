"""Parity cases from TensorFlow's "Introduction to modules" (saving functions, creating a
SavedModel) and "Using the SavedModel format" guides: a saved tf.Module loaded back computes
what the original does, its variables restored and trainable after load (the guide's
fine-tuning loop), signatures as dicts, the error text of a call no saved trace accepts, and
a Keras model saved with tf.saved_model.save and with Keras 3's model.export. Each case
saves into a temporary directory of its own (TensorFlow's format there, Tapescope's here:
neither reads the other's)."""

from __future__ import annotations

CASES: list[tuple[str, str]] = [
    ("intro_to_modules_saved_sequential_module", """
import tempfile, os
class Dense(tf.Module):
    def __init__(self, in_features, out_features, name=None):
        super().__init__(name=name)
        self.w = tf.Variable(tf.reshape(tf.range(in_features * out_features, dtype=tf.float32),
                                        [in_features, out_features]) / 10.0 - 0.4, name='w')
        self.b = tf.Variable(tf.zeros([out_features]), name='b')
    def __call__(self, x):
        y = tf.matmul(x, self.w) + self.b
        return tf.nn.relu(y)
class MySequentialModule(tf.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.dense_1 = Dense(in_features=3, out_features=3)
        self.dense_2 = Dense(in_features=3, out_features=2)
    @tf.function
    def __call__(self, x):
        x = self.dense_1(x)
        return self.dense_2(x)
my_model = MySequentialModule(name="the_model")
before = [my_model([[2.0, 2.0, 2.0]]), my_model([[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]])]
with tempfile.TemporaryDirectory() as d:
    path = os.path.join(d, "the_saved_model")
    tf.saved_model.save(my_model, path)
    found = tf.saved_model.contains_saved_model(path)
    new_model = tf.saved_model.load(path)
result = before + [new_model([[2.0, 2.0, 2.0]]), new_model([[[2.0, 2.0, 2.0], [2.0, 2.0, 2.0]]]),
                   tf.constant([isinstance(new_model, MySequentialModule), found]),
                   new_model.dense_1.w, new_model.dense_2.b,
                   tf.constant([new_model.dense_1.w.name, str(new_model.signatures)])]
"""),
    ("a_loaded_function_refuses_untraced_arguments", """
import tempfile, os
class Scale(tf.Module):
    def __init__(self):
        super().__init__()
        self.v = tf.Variable(2.0)
    @tf.function
    def __call__(self, x):
        return x * self.v
m = Scale()
m(tf.constant(1.0))
m([[2.0, 2.0, 2.0]])
with tempfile.TemporaryDirectory() as d:
    tf.saved_model.save(m, d)
    loaded = tf.saved_model.load(d)
messages = []
for bad in (tf.constant([1.0]), [[2.0, 2.0]], tf.constant(1)):
    try:
        loaded(bad)
    except ValueError as e:
        messages.append(str(e))
result = [loaded(tf.constant(3.0)), loaded([[2.0, 2.0, 2.0]]), tf.constant(messages)]
"""),
    ("saved_model_guide_fine_tuning_after_load", """
import tempfile, os, contextlib, io
printed = io.StringIO()
redirect = contextlib.redirect_stdout(printed)
redirect.__enter__()
class CustomModule(tf.Module):
    def __init__(self):
        super(CustomModule, self).__init__()
        self.v = tf.Variable(1.)
    @tf.function
    def __call__(self, x):
        print('Tracing with', x)
        return x * self.v
    @tf.function(input_signature=[tf.TensorSpec([], tf.float32)])
    def mutate(self, new_v):
        self.v.assign(new_v)
module = CustomModule()
module(tf.constant(0.))
print('Saving model...')
with tempfile.TemporaryDirectory() as d:
    tf.saved_model.save(module, d)
    imported = tf.saved_model.load(d)
    loaded = tf.saved_model.load(d)
first = imported(tf.constant(3.))
imported.mutate(tf.constant(2.))
second = imported(tf.constant(3.))
optimizer = tf.keras.optimizers.SGD(0.05)
def train_step():
    with tf.GradientTape() as tape:
        loss = (10. - imported(tf.constant(2.))) ** 2
    variables = tape.watched_variables()
    grads = tape.gradient(loss, variables)
    optimizer.apply_gradients(zip(grads, variables))
    return loss
losses, vs = [], []
for _ in range(10):
    losses.append(train_step())
    vs.append(imported.v.numpy())
    print("loss={:.2f} v={:.2f}".format(losses[-1], vs[-1]))
redirect.__exit__(None, None, None)
result = [first, second, tf.stack(losses), tf.constant(vs), module.v,
          tf.constant([loaded.v.trainable, hasattr(loaded, "variables")]),
          tf.constant(printed.getvalue().splitlines())]
"""),
    ("saved_model_guide_signatures", """
import tempfile, os, contextlib, io
printed = io.StringIO()
redirect = contextlib.redirect_stdout(printed)
redirect.__enter__()
class CustomModule(tf.Module):
    def __init__(self):
        super(CustomModule, self).__init__()
        self.v = tf.Variable(1.)
    @tf.function
    def __call__(self, x):
        print('Tracing with', x)
        return x * self.v
module = CustomModule()
module(tf.constant(0.))
call = module.__call__.get_concrete_function(tf.TensorSpec(None, tf.float32))
signatures = {"serving_default": call,
              "array_input": module.__call__.get_concrete_function(tf.TensorSpec([None], tf.float32))}
class CustomModuleWithOutputName(tf.Module):
    def __init__(self):
        super(CustomModuleWithOutputName, self).__init__()
        self.v = tf.Variable(1.)
    @tf.function(input_signature=[tf.TensorSpec(None, tf.float32)])
    def __call__(self, x):
        return {'custom_output_name': x * self.v}
module_output = CustomModuleWithOutputName()
call_output = module_output.__call__.get_concrete_function(tf.TensorSpec(None, tf.float32))
with tempfile.TemporaryDirectory() as d:
    tf.saved_model.save(module, os.path.join(d, "one"), signatures=call)
    tf.saved_model.save(module, os.path.join(d, "two"), signatures=signatures)
    tf.saved_model.save(module_output, os.path.join(d, "out"),
                        signatures={'serving_default': call_output})
    one = tf.saved_model.load(os.path.join(d, "one"))
    two = tf.saved_model.load(os.path.join(d, "two"))
    out = tf.saved_model.load(os.path.join(d, "out"))
redirect.__exit__(None, None, None)
served = one.signatures["serving_default"](x=tf.constant([3., 4.]))
array = two.signatures["array_input"](tf.constant([1., 2.]))
named = out.signatures["serving_default"](x=tf.constant(2.))
result = [tf.constant(list(one.signatures.keys()) + list(two.signatures.keys())),
          served["output_0"], array["output_0"], named["custom_output_name"],
          one(tf.constant([[3., 4.]])), out(tf.constant([[1., 2.], [3., 4.]]))["custom_output_name"],
          tf.constant([str(out.signatures["serving_default"].structured_outputs),
                       str(one.signatures["serving_default"].structured_input_signature),
                       str(sorted(served)), str(sorted(named))]),
          tf.constant(printed.getvalue().splitlines())]
"""),
    ("keras_model_saved_and_exported", """
import tempfile, os, contextlib, io
model = tf.keras.Sequential([tf.keras.Input((3,)), tf.keras.layers.Dense(4, activation="relu"),
                             tf.keras.layers.Dense(2)])
model.set_weights([np.arange(12, dtype=np.float32).reshape(3, 4) / 10 - 0.5,
                   np.array([0.1, -0.2, 0.3, 0.0], np.float32),
                   np.arange(8, dtype=np.float32).reshape(4, 2) / 8 - 0.3,
                   np.array([0.05, -0.05], np.float32)])
x = tf.constant([[1., 2., 3.], [-1., 0.5, 2.]])
with tempfile.TemporaryDirectory() as d:
    tf.saved_model.save(model, os.path.join(d, "saved"))
    with contextlib.redirect_stdout(io.StringIO()):
        model.export(os.path.join(d, "exported"))
    saved = tf.saved_model.load(os.path.join(d, "saved"))
    exported = tf.saved_model.load(os.path.join(d, "exported"))
serving = saved.signatures["serving_default"]
result = [model(x), serving(inputs=x)["output_0"], exported.serve(x),
          exported.signatures["serving_default"](x)["output_0"],
          tf.constant([str(serving.structured_input_signature), str(serving.structured_outputs),
                       str(sorted(exported.signatures.keys())),
                       str(hasattr(saved, "variables")), str(callable(saved))]),
          tf.constant([len(exported.variables), len(exported.trainable_variables),
                       len(exported.non_trainable_variables)])]
"""),
]
