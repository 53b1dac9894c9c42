"""The op registry and every op's public function; importing it installs Tensor operators."""

from engine.ops import (  # noqa: F401
    array_ops,
    conv_ops,
    logging_ops,
    math_ops,
    nn_ops,
    random_ops,
    reduction_ops,
)
from engine.ops.operators import install as _install_operators
from engine.ops.registry import REGISTRY, OpDef, execute  # noqa: F401

_install_operators()
