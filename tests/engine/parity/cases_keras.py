"""Parity cases for the Keras 3 surface (issue 11, area keras): optimizer steps as Keras 3
rounds them (Adagrad, the float32 learning-rate variable), Huber and per-sample losses
(``reduction=None``), and the errors a user meets there. Run by real TensorFlow 2.21 /
Keras 3 (``make_fixtures.py keras``) and by the engine in the suite.

Printouts (``model.summary()``, ``print(tf.float32)``) are text, hard-coded in
tests/engine/keras/test_keras3_surface.py instead.
"""

from __future__ import annotations

# (name, code). Names are stable: they key the fixtures.
CASES: list[tuple[str, str]] = [
    # -- Adagrad: a += g²; w -= lr·g / √(a + ε), float32 throughout ----------------------------
    ("adagrad_three_steps_float32", """
w = tf.Variable([1.0, -2.0, 0.5, 3.0])
opt = tf.keras.optimizers.Adagrad(learning_rate=0.1)
for g in ([0.5, -1.0, 2.0, 0.0], [0.1, 0.3, -0.4, 1e-4], [-2.0, 0.25, 0.0, 3.0]):
    opt.apply_gradients([(tf.constant(g), w)])
result = [w, opt.variables[2], opt.iterations]
"""),
    ("adagrad_float64_variable_uses_the_float32_rate", """
w = tf.Variable(np.array([1.0, -2.0], np.float64))
opt = tf.keras.optimizers.Adagrad(learning_rate=0.01, initial_accumulator_value=0.5, epsilon=1e-3)
for _ in range(2):
    opt.apply_gradients([(tf.constant([0.3, -0.7], tf.float64), w)])
result = w
"""),
    ("adagrad_minimizes_a_tape_loss", """
w = tf.Variable([[0.5, -0.25], [1.5, 2.0]])
x = tf.constant([[1.0, 2.0], [3.0, -1.0]])
opt = tf.keras.optimizers.Adagrad(learning_rate=0.05)
for _ in range(3):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(tf.matmul(x, w)))
    opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
result = [w, loss]
"""),
    ("adagrad_in_fit", """
model = tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1, kernel_initializer="ones")])
model.compile(tf.keras.optimizers.Adagrad(0.2), "mse")
history = model.fit(np.array([[1., 2.], [3., 4.]], np.float32), np.array([[1.], [2.]], np.float32), epochs=3, batch_size=2, shuffle=False, verbose=0)
result = [model.layers[0].kernel, model.layers[0].bias, tf.constant(history.history["loss"], tf.float32)]
"""),
    # -- the learning rate is a float32 variable ----------------------------------------------
    ("learning_rate_is_a_float32_variable", """
opt = tf.keras.optimizers.SGD(learning_rate=0.1)
before = opt.learning_rate.numpy()
opt.learning_rate = 0.25
w = tf.Variable([1.0, 2.0])
opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
opt.learning_rate.assign(0.5)
opt.apply_gradients([(tf.constant([1.0, 1.0]), w)])
result = [tf.constant(before), opt.learning_rate, w, tf.constant(len(opt.variables))]
"""),
    ("adam_variables_are_iteration_rate_and_slots", """
w = tf.Variable([1.0, 2.0])
opt = tf.keras.optimizers.Adam(learning_rate=0.1)
opt.apply_gradients([(tf.constant([0.5, -1.0]), w)])
result = [tf.constant(len(opt.variables)), opt.variables[0], opt.variables[2], opt.variables[3]]
"""),
    ("adagrad_schedule_rate_is_not_settable", """
opt = tf.keras.optimizers.Adagrad(tf.keras.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5))
opt.learning_rate = 0.3
"""),
    # -- Huber ----------------------------------------------------------------------------------
    ("huber_default_delta", """
y_true = tf.constant([[0.0, 1.0, 2.0], [3.0, -1.0, 0.5]])
y_pred = tf.constant([[0.3, 2.5, 2.0], [0.0, -1.2, 4.0]])
result = tf.keras.losses.Huber()(y_true, y_pred)
"""),
    ("huber_delta_per_sample_and_gradient", """
y_true = tf.constant([[0.0, 1.0, 2.0], [3.0, -1.0, 0.5]])
y_pred = tf.constant([[0.3, 2.5, 2.0], [0.0, -1.2, 4.0]])
with tf.GradientTape() as tape:
    tape.watch(y_pred)
    per_sample = tf.keras.losses.Huber(delta=0.5, reduction=None)(y_true, y_pred)
result = [per_sample, tape.gradient(per_sample, y_pred)]
"""),
    ("huber_sum_and_sample_weight", """
y_true = tf.constant([[0.0, 1.0], [3.0, -1.0], [1.0, 1.0]])
y_pred = tf.constant([[0.3, 2.5], [0.0, -1.2], [1.0, 0.0]])
result = [tf.keras.losses.Huber(reduction="sum")(y_true, y_pred),
          tf.keras.losses.Huber()(y_true, y_pred, sample_weight=tf.constant([1.0, 0.0, 2.0]))]
"""),
    ("huber_float64", """
result = tf.keras.losses.Huber(delta=2.0)(tf.constant([[1.0, 5.0]], tf.float64), tf.constant([[0.1, -1.0]], tf.float64))
"""),
    # -- per-sample losses: reduction=None / "none" --------------------------------------------
    ("mse_reduction_none_per_sample", """
result = tf.keras.losses.MeanSquaredError(reduction=None)(tf.constant([[0., 1.], [2., 3.], [1., 1.]]), tf.constant([[1., 1.], [0., 3.], [0.5, 2.]]))
"""),
    ("mae_reduction_none_string", """
result = tf.keras.losses.MeanAbsoluteError(reduction="none")(tf.constant([[0., 1.], [2., 3.]]), tf.constant([[1., 1.], [0., 3.5]]))
"""),
    ("sparse_categorical_crossentropy_per_sample_and_gradient", """
logits = tf.constant([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [0.0, 0.0, 3.0]])
with tf.GradientTape() as tape:
    tape.watch(logits)
    per_sample = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True, reduction=None)(tf.constant([0, 1, 1]), logits)
result = [per_sample, tape.gradient(per_sample, logits)]
"""),
    ("binary_crossentropy_per_sample", """
result = tf.keras.losses.BinaryCrossentropy(reduction=None)(tf.constant([[1., 0.], [0., 1.]]), tf.constant([[0.9, 0.2], [0.3, 0.6]]))
"""),
    ("categorical_crossentropy_sum", """
result = tf.keras.losses.CategoricalCrossentropy(reduction="sum")(tf.constant([[1., 0., 0.], [0., 0., 1.]]), tf.constant([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]))
"""),
    ("mean_reduction_alias", """
result = tf.keras.losses.MeanSquaredError(reduction="mean")(tf.constant([[0., 1.], [2., 3.]]), tf.constant([[1., 1.], [0., 3.]]))
"""),
    ("mean_with_sample_weight_reduction", """
loss = tf.keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")
result = loss(tf.constant([[0., 1.], [2., 3.], [1., 1.]]), tf.constant([[1., 1.], [0., 3.], [0.5, 2.]]), sample_weight=tf.constant([0.5, 2.0, 1.5]))
"""),
    ("reduction_auto_is_gone_in_keras_3", """
tf.keras.losses.MeanSquaredError(reduction="auto")
"""),
    ("reduction_unknown_raises", """
tf.keras.losses.Huber(reduction="average")
"""),
    # -- tf.train.Checkpoint ----------------------------------------------------------------
    ("checkpoint_save_restore_variables_and_counter", """
import os, tempfile
directory = tempfile.mkdtemp()
v = tf.Variable([1.0, 2.0])
step = tf.Variable(7, dtype=tf.int64)
ckpt = tf.train.Checkpoint(v=v, step=step)
first = ckpt.save(os.path.join(directory, "ckpt"))
v.assign([3.0, 4.0])
second = ckpt.save(os.path.join(directory, "ckpt"))
v.assign([9.0, 9.0]); step.assign(0)
ckpt.restore(first).assert_consumed()
restored_first = tf.identity(v)
ckpt.restore(tf.train.latest_checkpoint(directory))
result = [restored_first, v, step, ckpt.save_counter, tf.constant(os.path.basename(second) == "ckpt-2"),
          tf.constant(tf.train.latest_checkpoint(directory) == second)]
"""),
    ("checkpoint_restores_model_and_optimizer_slots_when_built", """
import os, tempfile
directory = tempfile.mkdtemp()
def make():
    return tf.keras.Sequential([tf.keras.Input((2,)), tf.keras.layers.Dense(1, kernel_initializer="ones")])
def step(model, opt):
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(tf.square(model(tf.constant([[1.0, 2.0]])) - 1.0))
    opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
model, opt = make(), tf.keras.optimizers.Adam(0.1)
step(model, opt); step(model, opt)
path = tf.train.Checkpoint(model=model, optimizer=opt).save(os.path.join(directory, "ckpt"))
step(model, opt)
model2, opt2 = make(), tf.keras.optimizers.Adam(0.5)
tf.train.Checkpoint(model=model2, optimizer=opt2).restore(path)
step(model2, opt2)
result = [model2.weights[0], model2.weights[1], opt2.iterations, opt2.learning_rate, model.weights[0], opt2.variables[2]]
"""),
    ("checkpoint_shape_mismatch_raises", """
import os, tempfile
path = tf.train.Checkpoint(v=tf.Variable([1.0, 2.0])).save(os.path.join(tempfile.mkdtemp(), "c"))
tf.train.Checkpoint(v=tf.Variable([1.0, 2.0, 3.0])).restore(path)
"""),
    ("checkpoint_missing_path_raises", """
import os, tempfile
tf.train.Checkpoint(v=tf.Variable(1.0)).restore(os.path.join(tempfile.mkdtemp(), "nothing-1"))
"""),
    ("checkpoint_of_a_number_raises", """
tf.train.Checkpoint(v=3)
"""),
]
