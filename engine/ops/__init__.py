"""The op registry and every op's public function; importing it installs Tensor operators."""

from engine.ops import (  # noqa: F401
    array_ops,
    clip_ops,
    composed_array_ops,
    conv1d_ops,
    conv_ops,
    counting_ops,
    dataset_ops,
    debug_ops,
    depthwise_conv_ops,
    gamma_ops,
    image_ops,
    image_transform_ops,
    linalg_ops,
    list_ops,
    logging_ops,
    loop_check_ops,
    math_ops,
    matrix_decomp_ops,
    nn_impl,
    nn_losses,
    nn_ops,
    ordering_ops,
    pad_scatter_ops,
    pool_ops,
    random_ops,
    reduction_ops,
    script_ops,
    search_ops,
    segment_ops,
    segment_reduce_ops,
    series_ops,
    special_math_ops,
    string_ops,
    trig_ops,
    unicode_ops,
)
from engine.ops.operators import install as _install_operators
from engine.ops.registry import REGISTRY, OpDef, execute  # noqa: F401

_install_operators()
