"""``tf.random``: seeded stateful draws, TensorFlow-exact stateless draws and Generator."""

from engine.ops.random_ops import (  # noqa: F401
    categorical,
    get_global_seed,
    normal,
    set_seed,
    shuffle,
    stateless_normal,
    stateless_truncated_normal,
    stateless_uniform,
    truncated_normal,
    uniform,
)
from engine.random_generator import Generator, create_rng_state  # noqa: F401
