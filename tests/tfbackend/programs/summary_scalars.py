"""summaries.py with TensorBoard's tf.summary.scalar (needs `tensorboard` installed): the
same scalars, eager and inside a compiled function, at the same steps."""
import sys

import tensorflow as tf

writer = tf.summary.create_file_writer(sys.argv[1])


@tf.function
def halve(v, step):
    tf.summary.scalar("halved", v / 2.0, step=step)
    return v / 2.0


with writer.as_default():
    for step in range(3):
        tf.summary.scalar("lr", 0.1 * (step + 1), step=step)
        halve(tf.constant(float(step)), tf.constant(step, tf.int64))
