"""``tf.autograph``: Python control flow on tensors inside ``tf.function`` becomes graph
control flow (see ``transformer`` for the rewrite, ``operators`` for what runs, and
``conversion`` for how a function gets its converted twin)."""

from typing import Any

from engine.autograph import experimental
from engine.autograph.conversion import convert, do_not_convert, to_code

__all__ = ["convert", "do_not_convert", "experimental", "to_code", "to_graph"]


def to_graph(func: Any, recursive: bool = True,
             experimental_optional_features: Any = None) -> Any:
    """``tf.autograph.to_graph``: the converted function (to run inside a tf.function)."""
    return convert(func)
