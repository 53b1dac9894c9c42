"""tf.summary scalars under a default writer, eager and inside a compiled function.
tf.summary.scalar needs TensorBoard installed and ends in the same WriteSummary op as the
core tf.summary.write used here."""
import sys

import tensorflow as tf

writer = tf.summary.create_file_writer(sys.argv[1])


@tf.function
def halve(v, step):
    tf.summary.write("halved", v / 2.0, step=step)
    return v / 2.0


with writer.as_default():
    for step in range(3):
        tf.summary.write("lr", 0.1 * (step + 1), step=step)
        halve(tf.constant(float(step)), tf.constant(step, tf.int64))
tf.summary.write("no_writer", 1.0, step=0)  # no default writer: nothing is written
