"""``tf.autograph``: Python control flow on tensors inside ``tf.function`` becomes graph
control flow (see ``transformer`` for the rewrite, ``operators`` for what runs, and
``conversion`` for how a function gets its converted twin)."""

from engine.autograph import experimental
from engine.autograph.conversion import convert, do_not_convert, to_code

__all__ = ["convert", "do_not_convert", "experimental", "to_code", "to_graph"]


def to_graph(func, recursive=True, experimental_optional_features=None):  # noqa: ANN001, ANN201
    """``tf.autograph.to_graph``: the converted function (to run inside a tf.function)."""
    return convert(func)
