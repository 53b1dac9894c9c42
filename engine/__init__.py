"""Tapescope's engine: TensorFlow 2's eager API on numpy (``import engine as tf``)."""

from engine import (  # noqa: F401
    autograph,
    compat,
    config,
    data,
    debugging,
    dtypes,
    errors,
    image,
    io,
    keras,
    linalg,
    math,
    nest,
    nn,
    ragged,
    random,
    saved_model,
    sparse,
    strings,
    summary,
    train,
)
from engine import ops as _ops  # registers every op and installs Tensor operators
from engine.compat import v1 as _v1  # noqa: F401
from engine.config import apply_environment as _apply_environment
from engine.context import device, executing_eagerly, name_scope  # noqa: F401
from engine.control_flow import cond, map_fn, while_loop  # noqa: F401
from engine.debugging import (  # noqa: F401
    assert_equal,
    assert_greater,
    assert_less,
    assert_rank,
)
from engine.dtypes import (  # noqa: F401
    DType,
    as_dtype,
    bool,
    complex64,
    complex128,
    double,
    float16,
    float32,
    float64,
    half,
    int8,
    int16,
    int32,
    int64,
    string,
    uint8,
    uint16,
    uint32,
    uint64,
)
from engine.framework_ops import (  # noqa: F401,E402
    ENGINE_BUILD,
    TAPESCOPE_VERSION,
    control_dependencies,
    ensure_shape,
    get_static_value,
    group,
    identity_n,
    init_scope,
    inside_function,
    no_op,
    version,
)
from engine.function import function  # noqa: F401
from engine.functional_ops import case, foldl, foldr, scan, switch_case  # noqa: F401,E402
from engine.indexed_slices import IndexedSlices, IndexedSlicesSpec  # noqa: F401
from engine.initializers import (  # noqa: F401,E402
    constant_initializer,
    ones_initializer,
    random_normal_initializer,
    random_uniform_initializer,
    zeros_initializer,
)
from engine.keras import initializers  # noqa: F401,E402 - tf.initializers is Keras 3's
from engine.linalg import norm  # noqa: F401,E402
from engine.module import Module  # noqa: F401
from engine.ops.array_ops import (  # noqa: F401
    broadcast_to,
    concat,
    expand_dims,
    eye,
    fill,
    gather,
    gather_nd,
    identity,
    one_hot,
    ones,
    ones_like,
    rank,
    reshape,
    scatter_nd,
    shape,
    size,
    split,
    squeeze,
    stack,
    stop_gradient,
    tile,
    transpose,
    unstack,
    zeros,
    zeros_like,
)
from engine.ops.array_ops import range_ as range  # noqa: F401
from engine.ops.array_ops import slice_ as slice  # noqa: F401
from engine.ops.clip_ops import clip_by_global_norm, clip_by_norm  # noqa: F401
from engine.ops.composed_array_ops import (  # noqa: F401
    boolean_mask,
    linspace,
    meshgrid,
    repeat,
    sequence_mask,
    strided_slice,
)
from engine.ops.logging_ops import print_v2 as print  # noqa: F401,A004
from engine.ops.math_ops import (  # noqa: F401  # noqa: F401
    abs,
    add,
    add_n,
    cast,
    clip_by_value,
    cos,
    divide,
    equal,
    exp,
    floor,
    greater,
    greater_equal,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    matmul,
    maximum,
    minimum,
    multiply,
    negative,
    not_equal,
    pow,
    reciprocal,
    round,
    rsqrt,
    saturate_cast,
    sign,
    sin,
    sqrt,
    square,
    subtract,
    tan,
    tensordot,
    truediv,
    where,
)
from engine.ops.nn_ops import sigmoid, tanh  # noqa: F401
from engine.ops.ordering_ops import argsort, reverse, roll, sort, unique  # noqa: F401
from engine.ops.pad_scatter_ops import (  # noqa: F401
    pad,
    tensor_scatter_nd_add,
    tensor_scatter_nd_update,
)
from engine.ops.reduction_ops import (  # noqa: F401
    argmax,
    argmin,
    cumsum,
    reduce_all,
    reduce_any,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_std,
    reduce_sum,
    reduce_variance,
)
from engine.ops.script_ops import numpy_function, py_function  # noqa: F401
from engine.ops.search_ops import (  # noqa: F401,E402
    reverse_sequence,
    searchsorted,
    tensor_scatter_nd_max,
    tensor_scatter_nd_min,
    tensor_scatter_nd_sub,
    unique_with_counts,
    unravel_index,
)
from engine.ops.special_math_ops import einsum  # noqa: F401
from engine.ops.trig_ops import scalar_mul, truncatediv, truncatemod  # noqa: F401,E402
from engine.ragged import RaggedTensor  # noqa: F401
from engine.shape import TensorShape  # noqa: F401
from engine.sparse import SparseTensor  # noqa: F401
from engine.tape import GradientTape, UnconnectedGradients, custom_gradient  # noqa: F401
from engine.tensor import (  # noqa: F401
    Tensor,
    Variable,
    constant,
    convert_to_tensor,
    is_tensor,
)
from engine.tensor_array import TensorArray  # noqa: F401
from engine.tensor_spec import TensorSpec  # noqa: F401

__version__ = version.VERSION  # what TensorFlow 2.21 prints; the build: ENGINE_BUILD
newaxis = None

_apply_environment()
