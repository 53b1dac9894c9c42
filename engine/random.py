"""``tf.random``: seeded normal/uniform tensors."""

from engine.ops.random_ops import (  # noqa: F401
    get_global_seed,
    normal,
    set_seed,
    shuffle,
    truncated_normal,
    uniform,
)
