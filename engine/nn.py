"""``tf.nn``: activations, softmax and cross-entropies."""

import types

from engine.linalg import l2_normalize  # noqa: F401,E402
from engine.ops.conv1d_ops import (  # noqa: F401,E402
    avg_pool1d,
    conv1d,
    convolution,
    max_pool,
    max_pool1d,
)
from engine.ops.conv_ops import conv2d, conv2d_transpose, max_pool2d  # noqa: F401
from engine.ops.depthwise_conv_ops import depthwise_conv2d  # noqa: F401
from engine.ops.nn_impl import (  # noqa: F401
    batch_normalization,
    dropout,
    embedding_lookup,
    moments,
    sigmoid_cross_entropy_with_logits,
    stateless_dropout,
)
from engine.ops.nn_losses import (  # noqa: F401,E402
    compute_average_loss,
    depth_to_space,
    local_response_normalization,
    log_poisson_loss,
    lrn,
    normalize_moments,
    scale_regularization_loss,
    space_to_depth,
    weighted_cross_entropy_with_logits,
)
from engine.ops.nn_ops import (  # noqa: F401
    bias_add,
    elu,
    gelu,
    l2_loss,
    leaky_relu,
    log_softmax,
    relu,
    relu6,
    selu,
    sigmoid,
    silu,
    softmax,
    softmax_cross_entropy_with_logits,
    softplus,
    softsign,
    sparse_softmax_cross_entropy_with_logits,
    swish,
    tanh,
)
from engine.ops.ordering_ops import top_k  # noqa: F401
from engine.ops.pool_ops import avg_pool, avg_pool2d  # noqa: F401

# ``tf.nn.experimental``: the stateless dropout Keras 3's Dropout layer draws with.
experimental = types.SimpleNamespace(stateless_dropout=stateless_dropout)
