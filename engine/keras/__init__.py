"""``tf.keras``: optimizers now; layers, models, losses and metrics arrive with issue 4."""

from engine.keras import optimizers  # noqa: F401
