"""The head of a small recorded run that tests of damaged and fuzzed traces share: a traced
train step (graph event, packs of a compiled run), a variable, an optimizer. Each test adds
its own loop body after ``for step in range(3):``."""

TRAIN_STEP_HEAD = """\
import engine as tf

w = tf.Variable([[0.5], [-0.5]], name="w")
x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
y = tf.constant([[1.0], [2.0]])
opt = tf.keras.optimizers.SGD(0.01)

@tf.function
def train_step(x, y):
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(tf.matmul(x, w) - y))
    opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
    return loss

for step in range(3):
"""
