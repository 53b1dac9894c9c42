"""``tf.keras``: layers, models, optimizers, losses, metrics, callbacks, initializers."""

from engine.keras import (  # noqa: F401
    activations,
    backend,
    callbacks,
    config,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    random,
    regularizers,
    schedules,
    utils,
)
from engine.keras.layers import Input  # noqa: F401
from engine.keras.models import Model, Sequential  # noqa: F401
from engine.keras.variables import KerasVariable as Variable  # noqa: F401
