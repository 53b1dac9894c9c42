"""``tf.image``: the image adjustments the guides use."""

from engine.ops.image_ops import adjust_contrast  # noqa: F401
