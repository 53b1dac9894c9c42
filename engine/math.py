"""``tf.math``: the elementwise, reduction and comparison ops under their TF names."""

from engine.linalg import l2_normalize  # noqa: F401
from engine.ops.array_ops import unsorted_segment_sum  # noqa: F401,E402
from engine.ops.counting_ops import (  # noqa: F401,E402
    bincount,
    confusion_matrix,
    in_top_k,
    invert_permutation,
    is_non_decreasing,
    is_strictly_increasing,
    zero_fraction,
)
from engine.ops.gamma_ops import digamma, erfinv, lgamma, ndtri, polygamma  # noqa: F401,E402
from engine.ops.math_ops import (  # noqa: F401
    abs,
    add,
    add_n,
    cast,
    ceil,
    cos,
    divide,
    divide_no_nan,
    equal,
    exp,
    expm1,
    floor,
    floordiv,
    floormod,
    greater,
    greater_equal,
    is_finite,
    is_inf,
    is_nan,
    less,
    less_equal,
    log,
    log1p,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    mod,
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
    truediv,
    xlogy,
)
from engine.ops.nn_impl import log_sigmoid  # noqa: F401
from engine.ops.nn_ops import (  # noqa: F401
    erf,
    erfc,
    log_softmax,
    sigmoid,
    softmax,
    softplus,
    softsign,
    tanh,
)
from engine.ops.ordering_ops import top_k  # noqa: F401
from engine.ops.reduction_ops import (  # noqa: F401
    argmax,
    argmin,
    count_nonzero,
    cumprod,
    cumsum,
    reduce_all,
    reduce_any,
    reduce_euclidean_norm,
    reduce_logsumexp,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_std,
    reduce_sum,
    reduce_variance,
)
from engine.ops.search_ops import unravel_index  # noqa: F401,E402
from engine.ops.segment_ops import (  # noqa: F401
    segment_sum,
    unsorted_segment_max,
    unsorted_segment_mean,
)
from engine.ops.segment_reduce_ops import (  # noqa: F401,E402
    segment_max,
    segment_mean,
    segment_min,
    segment_prod,
    unsorted_segment_min,
    unsorted_segment_prod,
    unsorted_segment_sqrt_n,
)
from engine.ops.series_ops import cumulative_logsumexp, polyval  # noqa: F401,E402
from engine.ops.trig_ops import (  # noqa: F401,E402
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cosh,
    multiply_no_nan,
    reciprocal_no_nan,
    rint,
    scalar_mul,
    sinh,
    truncatediv,
    truncatemod,
    xdivy,
    xlog1py,
)


def squared_difference(x, y, name=None):  # noqa: ANN001, ANN201
    return square(subtract(x, y))
