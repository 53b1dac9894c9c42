"""``tf.autograph.experimental``."""

from engine.autograph.conversion import do_not_convert

__all__ = ["do_not_convert"]
