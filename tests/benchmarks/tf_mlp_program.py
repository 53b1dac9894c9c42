"""The benchmark's program on real TensorFlow: the tutorial's MNIST MLP (784-128-10, Adam,
batch 32) trained on MNIST-shaped generated data (the cost of watching does not depend on
the values), one intra/inter-op thread. argv: compiled steps, eager steps, [tfdbg2 dump
dir]. Prints ``compiled seconds S`` and ``eager seconds S`` (the training loops only, each
after one warm-up step, not TensorFlow's import), and their CPU seconds."""
import sys
import time

import numpy as np
import tensorflow as tf

plan = {"compiled": int(sys.argv[1]), "eager": int(sys.argv[2])}
tf.config.threading.set_intra_op_parallelism_threads(1)
tf.config.threading.set_inter_op_parallelism_threads(1)
if len(sys.argv) > 3:  # tfdbg2's own instrumentation, for comparison
    tf.debugging.experimental.enable_dump_debug_info(
        sys.argv[3], tensor_debug_mode="CONCISE_HEALTH", circular_buffer_size=-1)
rng = np.random.default_rng(0)


def train(kind: str, steps: int) -> tuple[float, float]:
    images = rng.random((steps * 32, 784), dtype=np.float32)
    labels = rng.integers(0, 10, steps * 32).astype(np.int64)
    model = tf.keras.Sequential([tf.keras.Input((784,)), tf.keras.layers.Dense(128, "relu"),
                                 tf.keras.layers.Dense(10)])
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam()

    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    step = tf.function(train_step) if kind == "compiled" else train_step
    step(images[:32], labels[:32])  # trace (and build the optimizer) outside the timing
    start, cpu = time.perf_counter(), time.process_time()
    for i in range(1, steps):
        step(images[i * 32:(i + 1) * 32], labels[i * 32:(i + 1) * 32])
    return time.perf_counter() - start, time.process_time() - cpu


for kind, steps in plan.items():
    seconds, cpu = train(kind, steps)
    print(f"{kind} seconds {seconds:.6f}")
    print(f"{kind} cpu seconds {cpu:.6f}")  # all threads: steadier than wall time under load
