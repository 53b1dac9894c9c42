"""``tf.io``: decoding raw bytes into numbers."""

from engine.ops.unicode_ops import decode_raw  # noqa: F401
