"""``tf.compat``: the TensorFlow 1.x switches that TF 2 code still calls."""

import types


def _enable_eager_execution(*args: object, **kwargs: object) -> None:
    """Accepted for TF 1.x scripts; eager execution is always on."""


v1 = types.SimpleNamespace(enable_eager_execution=_enable_eager_execution,
                           executing_eagerly=lambda: __import__("engine").executing_eagerly())
