"""Every op's gradient against central finite differences, in float64, over drawn shapes.

``OP_CASES`` maps each differentiable op in the registry to inputs drawn by hypothesis and
a call of the public API that runs it; ``NOT_DIFFERENTIABLE_CASES`` does the same for the
ops declared without a gradient. The meta test reads the registry, so an op added without
a gradient rule, or without a case here, fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from gradcheck import check_gradient, check_second_derivative, ops_run
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import engine as tf
from engine.ops import REGISTRY, conv_ops

SETTINGS = settings(max_examples=15, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


class Example(NamedTuple):
    """Drawn inputs: float64 arrays to differentiate, plus the call's other arguments."""

    arrays: tuple[np.ndarray, ...]
    kwargs: dict[str, Any]


@dataclass(frozen=True)
class Case:
    """How to exercise an op: the inputs to draw and the public call that runs it."""

    inputs: st.SearchStrategy[Example]
    call: Callable[..., Any]
    variables: bool = False  # differentiate with respect to tf.Variables
    eps: float = 1e-6
    tol: float = 1e-5


# -- strategies ----------------------------------------------------------------------------

def floats(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def signed(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Values with lo <= |v| <= hi, either sign (away from zero)."""
    return floats(lo, hi) | floats(-hi, -lo)


SMOOTH = floats(-2, 2)
POSITIVE = floats(0.2, 3)
NONZERO = signed(0.1, 2)
# Two interleaved lattices: an element of LOW never equals or nears one of HIGH.
LOW = st.integers(-4, 4).map(lambda k: 0.5 * k + 0.125)
HIGH = st.integers(-4, 4).map(lambda k: 0.5 * k - 0.125)
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)
NONSCALAR = hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3)


def arrays(shape: tuple, elements: st.SearchStrategy[float] = SMOOTH,
           unique: bool = False) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.float64, shape, elements=elements, unique=unique)


def distinct(shape: tuple) -> st.SearchStrategy[np.ndarray]:
    """Pairwise distinct values at least 0.05 apart (no ties for max, min, sort)."""
    return arrays(shape, st.integers(-99, 99).map(lambda k: k / 20), unique=True)


def indices(shape: tuple, high: int) -> st.SearchStrategy[np.ndarray]:
    return hnp.arrays(np.int32, shape, elements=st.integers(0, high - 1))


@st.composite
def axes(draw: st.DrawFn, ndim: int) -> int | list[int] | None:
    """A reduction axis argument: None, one axis, or several (negative ones too)."""
    if ndim == 0:
        return None
    kind = draw(st.sampled_from(["all", "one", "some"]))
    if kind == "all":
        return None
    if kind == "one":
        return draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return [a - ndim if draw(st.booleans()) else a for a in chosen]


def unary(call: Callable[..., Any], elements: st.SearchStrategy[float] = SMOOTH,
          shapes: st.SearchStrategy[tuple] = SHAPES, **case: Any) -> Case:
    """A one-input elementwise case."""
    inputs = shapes.flatmap(lambda s: arrays(s, elements)).map(lambda x: Example((x,), {}))
    return Case(inputs, call, **case)


def binary(call: Callable[..., Any], x: st.SearchStrategy[float] = SMOOTH,
           y: st.SearchStrategy[float] = SMOOTH) -> Case:
    """A two-input case on mutually broadcastable shapes."""

    @st.composite
    def inputs(draw: st.DrawFn) -> Example:
        a, b = draw(PAIRS).input_shapes
        return Example((draw(arrays(a, x)), draw(arrays(b, y))), {})

    return Case(inputs(), call)


@st.composite
def stretchable(draw: st.DrawFn, target: tuple) -> tuple:
    """A shape that broadcasts to exactly ``target`` (fewer axes, some of length 1)."""
    kept = target[draw(st.integers(0, len(target))):]
    return tuple(d if draw(st.booleans()) else 1 for d in kept)


@st.composite
def with_axis(draw: st.DrawFn, elements: st.SearchStrategy[float] = SMOOTH) -> Example:
    """One non-scalar array and a valid (possibly negative) axis of it."""
    x = draw(NONSCALAR.flatmap(lambda s: arrays(s, elements)))
    return Example((x,), {"axis": draw(st.integers(-x.ndim, x.ndim - 1))})


@st.composite
def reduction(draw: st.DrawFn, values: Callable[[tuple], st.SearchStrategy[np.ndarray]]
              ) -> Example:
    x = draw(SHAPES.flatmap(values))
    return Example((x,), {"axis": draw(axes(x.ndim)), "keepdims": draw(st.booleans())})


@st.composite
def cumulative(draw: st.DrawFn, elements: st.SearchStrategy[float]) -> Example:
    (x,), kw = draw(with_axis(elements))
    return Example((x,), {**kw, "exclusive": draw(st.booleans()),
                          "reverse": draw(st.booleans())})


# -- array ops -----------------------------------------------------------------------------

@st.composite
def reshape_inputs(draw: st.DrawFn) -> Example:
    x = draw(SHAPES.flatmap(arrays))
    candidates = [(-1,), x.shape[::-1] + (1,), (1, -1), (x.size, 1)]
    target = draw(st.sampled_from([c for c in candidates
                                   if np.empty(x.shape).reshape(c).shape != x.shape]))
    return Example((x,), {"shape": list(target)})


@st.composite
def broadcast_to_inputs(draw: st.DrawFn) -> Example:
    target = draw(NONSCALAR)
    shape = draw(stretchable(target))
    if shape == target:
        target = (2,) + target
    return Example((draw(arrays(shape)),), {"shape": list(target)})


@st.composite
def transpose_inputs(draw: st.DrawFn) -> Example:
    x = draw(SHAPES.flatmap(arrays))
    return Example((x,), {"perm": draw(st.permutations(range(x.ndim)))})


@st.composite
def expand_dims_inputs(draw: st.DrawFn) -> Example:
    x = draw(SHAPES.flatmap(arrays))
    return Example((x,), {"axis": draw(st.integers(-x.ndim - 1, x.ndim))})


@st.composite
def squeeze_inputs(draw: st.DrawFn) -> Example:
    shape = list(draw(SHAPES))
    for _ in range(draw(st.integers(1, 2))):
        shape.insert(draw(st.integers(0, len(shape))), 1)
    ones = [i for i, d in enumerate(shape) if d == 1]
    axis = draw(st.none() | st.lists(st.sampled_from(ones), min_size=1, unique=True))
    return Example((draw(arrays(tuple(shape))),), {"axis": axis})


@st.composite
def slice_inputs(draw: st.DrawFn) -> Example:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    key = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    return Example((draw(arrays(shape)),), {"key": key})


@st.composite
def slice_grad_inputs(draw: st.DrawFn) -> Example:
    (x,), kw = draw(slice_inputs())
    u = draw(arrays(np.shape(x[kw["key"]])))
    return Example((u,), {"x": x, **kw})


def slice_gradient(u: tf.Tensor, *, x: np.ndarray, key: Any) -> tf.Tensor:
    """d/dx sum(x[key] * u), which is StridedSliceGrad applied to u."""
    x = tf.constant(x)
    with tf.GradientTape() as inner:
        inner.watch(x)
        y = x[key] * u
    return inner.gradient(y, x)


@st.composite
def stack_inputs(draw: st.DrawFn) -> Example:
    shape = draw(SHAPES)
    xs = tuple(draw(arrays(shape)) for _ in range(draw(st.integers(1, 3))))
    return Example(xs, {"axis": draw(st.integers(-len(shape) - 1, len(shape)))})


@st.composite
def concat_inputs(draw: st.DrawFn) -> Example:
    shape = list(draw(NONSCALAR))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    xs = []
    for _ in range(draw(st.integers(2, 3))):
        shape[axis] = draw(st.integers(1, 3))
        xs.append(draw(arrays(tuple(shape))))
    return Example(tuple(xs), {"axis": axis})


@st.composite
def split_inputs(draw: st.DrawFn) -> Example:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    n = shape[axis]
    cuts = sorted(draw(st.sets(st.integers(1, n - 1)))) if n > 1 else []
    sizes = list(np.diff([0, *cuts, n]))
    return Example((draw(arrays(shape)),), {"sizes": [int(s) for s in sizes], "axis": axis})


@st.composite
def tile_inputs(draw: st.DrawFn) -> Example:
    x = draw(SHAPES.flatmap(arrays))
    return Example((x,), {"multiples": draw(st.lists(st.integers(1, 3), min_size=x.ndim,
                                                     max_size=x.ndim))})


@st.composite
def gather_inputs(draw: st.DrawFn) -> Example:
    p = draw(NONSCALAR.flatmap(arrays))
    axis = draw(st.integers(-p.ndim, p.ndim - 1))
    ishape = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=4))
    return Example((p,), {"indices": draw(indices(ishape, p.shape[axis])), "axis": axis})


@st.composite
def segment_sum_inputs(draw: st.DrawFn) -> Example:
    data = draw(NONSCALAR.flatmap(arrays))
    n = draw(st.integers(1, 4))
    ids = draw(indices(data.shape[:draw(st.integers(1, data.ndim))], n))
    return Example((data,), {"segment_ids": ids, "num_segments": n})


@st.composite
def gather_nd_inputs(draw: st.DrawFn) -> Example:
    p = draw(NONSCALAR.flatmap(arrays))
    depth = draw(st.integers(1, p.ndim))
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    cols = [draw(indices(batch + (1,), p.shape[i])) for i in range(depth)]
    return Example((p,), {"indices": np.concatenate(cols, axis=-1)})


@st.composite
def sparse_to_dense_inputs(draw: st.DrawFn) -> Example:
    """A sparse tensor's values at some sorted, distinct positions of a shape, and the
    default value filling the others."""
    shape = draw(NONSCALAR)
    positions = sorted(draw(st.sets(st.integers(0, int(np.prod(shape)) - 1), max_size=6)))
    rows = np.array([np.unravel_index(p, shape) for p in positions], dtype=np.int64)
    return Example((draw(arrays((len(positions),))), draw(arrays(()))),
                   {"indices": rows.reshape(len(positions), len(shape)), "shape": list(shape)})


@st.composite
def scatter_nd_inputs(draw: st.DrawFn) -> Example:
    shape = draw(NONSCALAR)
    depth = draw(st.integers(1, len(shape)))
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    cols = [draw(indices(batch + (1,), shape[i])) for i in range(depth)]
    updates = draw(arrays(batch + shape[depth:]))
    return Example((updates,), {"indices": np.concatenate(cols, axis=-1), "shape": list(shape)})


@st.composite
def fill_inputs(draw: st.DrawFn) -> Example:
    value = draw(arrays((), SMOOTH))
    return Example((value,), {"dims": list(draw(SHAPES))})


@st.composite
def reverse_inputs(draw: st.DrawFn) -> Example:
    x = draw(NONSCALAR.flatmap(arrays))
    axes = draw(st.lists(st.integers(0, x.ndim - 1), min_size=1, max_size=x.ndim, unique=True))
    return Example((x,), {"axis": [a - x.ndim if draw(st.booleans()) else a for a in axes]})


@st.composite
def roll_inputs(draw: st.DrawFn) -> Example:
    x = draw(NONSCALAR.flatmap(arrays))
    axes = draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=3))
    return Example((x,), {"shift": draw(st.lists(st.integers(-4, 4), min_size=len(axes),
                                                 max_size=len(axes))), "axis": axes})


@st.composite
def top_k_inputs(draw: st.DrawFn) -> Example:
    x = draw(NONSCALAR.flatmap(distinct))
    return Example((x,), {"k": draw(st.integers(0, x.shape[-1]))})


@st.composite
def pad_inputs(draw: st.DrawFn, mode: str) -> Example:
    """Paddings a mode allows: REFLECT needs each side shorter than the axis, SYMMETRIC no
    longer."""
    x = draw(NONSCALAR.flatmap(arrays))
    most = {"CONSTANT": lambda d: 3, "REFLECT": lambda d: d - 1, "SYMMETRIC": lambda d: d}[mode]
    paddings = [[draw(st.integers(0, most(d))) for _ in range(2)] for d in x.shape]
    return Example((x,), {"paddings": paddings, "mode": mode})


def mirror_pad_gradient(u: tf.Tensor, *, x: np.ndarray, paddings: list, mode: str) -> tf.Tensor:
    """d/dx sum(pad(x) * u), which is MirrorPadGrad applied to u."""
    x = tf.constant(x)
    with tf.GradientTape() as inner:
        inner.watch(x)
        y = tf.pad(x, paddings, mode) * u
    return inner.gradient(y, x)


@st.composite
def mirror_pad_grad_inputs(draw: st.DrawFn) -> Example:
    (x,), kw = draw(pad_inputs(draw(st.sampled_from(["REFLECT", "SYMMETRIC"]))))
    u = draw(arrays(np.shape(np.pad(x, kw["paddings"]))))
    return Example((u,), {"x": x, **kw})


@st.composite
def tensor_scatter_inputs(draw: st.DrawFn, unique_places: bool) -> Example:
    """A tensor, indices into it, and updates; with ``unique_places`` no place is written
    twice (which update wins a repeated place is not differentiable)."""
    (u,), kw = draw(scatter_nd_inputs())
    idx = kw["indices"]
    if unique_places:
        flat = idx.reshape(-1, idx.shape[-1])
        keep = np.unique(flat, axis=0, return_index=True)[1]
        idx = flat[np.sort(keep)]
        u = draw(arrays((idx.shape[0],) + tuple(kw["shape"][idx.shape[-1]:])))
    return Example((draw(arrays(tuple(kw["shape"]))), u), {"indices": idx})


# -- math ops ------------------------------------------------------------------------------

@st.composite
def floormod_inputs(draw: st.DrawFn) -> Example:
    a, b = draw(PAIRS).input_shapes
    x, y = draw(arrays(a, floats(-3, 3))), draw(arrays(b, signed(0.5, 2)))
    ratio = np.broadcast_arrays(x, y)[0] / np.broadcast_arrays(x, y)[1]
    assume(np.all(np.abs(ratio - np.round(ratio)) > 1e-3))  # floor(x / y) must not jump
    return Example((x, y), {})


@st.composite
def select_inputs(draw: st.DrawFn) -> Example:
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    c, a, b = shapes.input_shapes
    cond = draw(hnp.arrays(np.bool_, c))
    return Example((draw(arrays(a)), draw(arrays(b))), {"condition": cond})


@st.composite
def clip_inputs(draw: st.DrawFn) -> Example:
    shape = draw(SHAPES)
    lo_shape, hi_shape = draw(stretchable(shape)), draw(stretchable(shape))
    t = draw(arrays(shape, st.integers(-3, 2).map(lambda k: 0.5 * k + 0.25)))
    lo = draw(arrays(lo_shape, st.sampled_from([-1.375, -0.875, -0.375])))
    hi = draw(arrays(hi_shape, st.sampled_from([0.375, 0.875, 1.375])))
    return Example((t, lo, hi), {})


@st.composite
def add_n_inputs(draw: st.DrawFn) -> Example:
    shape = draw(SHAPES)
    return Example((draw(arrays(shape)), draw(arrays(shape))), {})


@st.composite
def matmul_inputs(draw: st.DrawFn, transpose_a: bool | None = None,
                  transpose_b: bool | None = None) -> Example:
    """Batched operands whose batch axes broadcast against each other."""
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2,
                                                   max_side=3))
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    ta = draw(st.booleans()) if transpose_a is None else transpose_a
    tb = draw(st.booleans()) if transpose_b is None else transpose_b
    a = draw(arrays(batch.input_shapes[0] + ((k, m) if ta else (m, k))))
    b = draw(arrays(batch.input_shapes[1] + ((n, k) if tb else (k, n))))
    return Example((a, b), {"transpose_a": ta, "transpose_b": tb})


# -- nn ops --------------------------------------------------------------------------------

@st.composite
def leaky_relu_inputs(draw: st.DrawFn) -> Example:
    x = draw(SHAPES.flatmap(lambda s: arrays(s, NONZERO)))
    return Example((x,), {"alpha": draw(floats(0.01, 0.5))})


@st.composite
def bias_add_inputs(draw: st.DrawFn) -> Example:
    """A value of rank 2 or more (TensorFlow's BiasAdd refuses 1-D) and a bias for either
    data format (channels last, or channels first: axis 1)."""
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=4, min_side=1, max_side=3))
    data_format = draw(st.sampled_from(["NHWC", "NCHW"]))
    channels = shape[1] if data_format == "NCHW" else shape[-1]
    return Example((draw(arrays(shape)), draw(arrays((channels,)))),
                   {"data_format": data_format})


@st.composite
def sparse_xent_inputs(draw: st.DrawFn) -> Example:
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    classes = draw(st.integers(1, 4))
    logits = draw(arrays(batch + (classes,), floats(-3, 3)))
    return Example((logits,), {"labels": draw(indices(batch, classes))})


@st.composite
def xent_inputs(draw: st.DrawFn) -> Example:
    """Labels that are distributions along the axis: TensorFlow's (and the engine's) logits
    gradient softmax - labels is the derivative only then."""
    shape = draw(NONSCALAR)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    logits, weights = draw(arrays(shape, floats(-3, 3))), draw(arrays(shape, floats(0.1, 1)))
    labels = weights / weights.sum(axis=axis, keepdims=True)
    return Example((logits, labels), {"axis": axis})


def _sparse_xent(logits: tf.Tensor, labels: np.ndarray) -> tf.Tensor:
    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def _xent(logits: tf.Tensor, labels: tf.Tensor, axis: int) -> tf.Tensor:
    return tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits, axis=axis)


# -- convolution and pooling (NHWC) ---------------------------------------------------------

@st.composite
def conv_geometry(draw: st.DrawFn) -> dict[str, Any]:
    """Sizes, strides, dilations and padding of a small valid 2-D convolution."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dilations = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    # TensorFlow allows strides > 1 only without dilation.
    strides = (1, 1) if dilations != (1, 1) else (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.sampled_from(["VALID", "SAME"]))
    low = [(k - 1) * d + 1 if padding == "VALID" else 1 for k, d in zip((kh, kw), dilations)]
    h, w = draw(st.integers(low[0], 5)), draw(st.integers(low[1], 5))
    n, c, f = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    oh = conv_ops.output_size(h, kh, strides[0], dilations[0], padding)[0]
    ow = conv_ops.output_size(w, kw, strides[1], dilations[1], padding)[0]
    return {"x": (n, h, w, c), "w": (kh, kw, c, f), "y": (n, oh, ow, f), "strides": strides,
            "padding": padding, "dilations": dilations}


def _conv_attrs(g: dict[str, Any]) -> dict[str, Any]:
    return {"strides": g["strides"], "padding": g["padding"], "dilations": g["dilations"]}


@st.composite
def conv2d_inputs(draw: st.DrawFn) -> Example:
    g = draw(conv_geometry())
    return Example((draw(arrays(g["x"])), draw(arrays(g["w"]))), _conv_attrs(g))


@st.composite
def conv2d_transpose_inputs(draw: st.DrawFn) -> Example:
    g = draw(conv_geometry())
    return Example((draw(arrays(g["y"])), draw(arrays(g["w"]))),
                   {"output_shape": list(g["x"]), **_conv_attrs(g)})


@st.composite
def conv2d_filter_inputs(draw: st.DrawFn) -> Example:
    g = draw(conv_geometry())
    return Example((draw(arrays(g["x"])), draw(arrays(g["y"]))),
                   {"filter_sizes": list(g["w"]), **_conv_attrs(g)})


@st.composite
def pool_inputs(draw: st.DrawFn, extra: str | None = None) -> Example:
    """Distinct values (no ties inside a window) and a pooling geometry; ``extra`` adds a
    second array shaped like the pooled output ("y") or like the input ("x")."""
    ksize = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = draw(st.sampled_from(["VALID", "SAME"]))
    low = ksize if padding == "VALID" else (1, 1)
    shape = (draw(st.integers(1, 2)), draw(st.integers(low[0], 4)),
             draw(st.integers(low[1], 4)), draw(st.integers(1, 2)))
    x = draw(distinct(shape))
    pool = {"ksize": ksize, "strides": strides, "padding": padding}
    if extra is None:
        return Example((x,), pool)
    out = np.shape(conv_ops.max_pool2d(tf.constant(x), **pool)) if extra == "y" else shape
    return Example((x, draw(arrays(out))), pool)


def max_pool_gradient(x: tf.Tensor, u: tf.Tensor, **pool: Any) -> tf.Tensor:
    """d/dx sum(max_pool2d(x) * u): MaxPoolGrad(x, y, u)."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = conv_ops.max_pool2d(x, **pool)
    return tape.gradient(y, x, output_gradients=u)


def max_pool_gradient_adjoint(x: tf.Tensor, g: tf.Tensor, **pool: Any) -> tf.Tensor:
    """d/du sum(MaxPoolGrad(x, y, u) * g), which is MaxPoolGradGrad(x, y, g)."""
    with tf.GradientTape() as first:
        first.watch(x)
        y = conv_ops.max_pool2d(x, **pool)
    u = tf.zeros_like(y)  # MaxPoolGrad is linear in u: the point does not matter
    with tf.GradientTape() as second:
        second.watch(u)
        dx = first.gradient(y, x, output_gradients=u)
    return second.gradient(dx, u, output_gradients=g)


# -- linear algebra -------------------------------------------------------------------------

@st.composite
def square_matrices(draw: st.DrawFn, with_rhs: bool = False) -> Example:
    """A batch of well-conditioned square matrices: entries within ±1 plus n + 1 on the
    diagonal, so each diagonal entry exceeds its row's others by at least 1 (3 alone let
    [[2, -1, -1], [-1, 2, -1], [-1, -1, 2]], singular, through); ``with_rhs`` adds
    right-hand sides."""
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=1, min_side=1, max_side=2))
    n = draw(st.integers(1, 3))
    a = draw(arrays(batch + (n, n), floats(-1, 1))) + (n + 1) * np.eye(n)
    if not with_rhs:
        return Example((a,), {})
    rhs = draw(arrays(batch + (n, draw(st.integers(1, 2)))))
    return Example((a, rhs), {"adjoint": draw(st.booleans())})


def _cholesky_of_gram(x: tf.Tensor) -> tf.Tensor:
    """Cholesky reads one triangle; differentiate it through a symmetric positive-definite
    function of x, as finite differences see it."""
    n = x.shape[-2]
    return tf.linalg.cholesky(tf.matmul(x, x, transpose_b=True) + n * tf.eye(n, dtype=tf.float64))


@st.composite
def matrices(draw: st.DrawFn, elements: st.SearchStrategy[float] = SMOOTH) -> Example:
    """A batch (maybe none) of matrices of 1 to 3 rows and columns."""
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=1, min_side=1, max_side=2))
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return Example((draw(arrays(batch + (m, n), elements)),), {})


@st.composite
def diagonal_inputs(draw: st.DrawFn, part: bool) -> Example:
    """Matrices and one of their diagonals k (``part``), or diagonals to place at k."""
    (x,), _ = draw(matrices())
    m, n = x.shape[-2:]
    k = draw(st.integers(-m + 1, n - 1)) if part else draw(st.integers(-2, 2))
    return Example((x,), {"k": k})


@st.composite
def band_inputs(draw: st.DrawFn) -> Example:
    (x,), _ = draw(matrices())
    m, n = x.shape[-2:]
    return Example((x,), {"num_lower": draw(st.integers(-1, m)),
                          "num_upper": draw(st.integers(-1, n))})


@st.composite
def diagonally_dominant(draw: st.DrawFn) -> Example:
    """Rectangular matrices with 3 on the diagonal, other entries 0.1 to 1 either way:
    Householder QR keeps the signs it chooses (they flip where a pivot crosses zero, and
    a column already zero below the diagonal is not reflected at all) and R is
    invertible."""
    (x,), _ = draw(matrices(elements=signed(0.1, 1)))
    return Example((x + 3 * np.eye(*x.shape[-2:]),), {})


@st.composite
def full_rank_matrices(draw: st.DrawFn) -> Example:
    """Matrices whose SVD is a smooth function of them: singular values distinct and apart
    from zero, no zero entries (where LAPACK's choice of the vectors' signs can flip)."""
    (x,), _ = draw(matrices(elements=NONZERO))
    s = np.linalg.svd(x, compute_uv=False)
    gaps = -np.diff(s, axis=-1)
    assume(s.min() > 0.2 and (gaps.size == 0 or gaps.min() > 0.2))
    return Example((x,), {"compute_uv": draw(st.booleans())})


# -- the table -----------------------------------------------------------------------------

def _round_trip_float32(x: tf.Tensor) -> tf.Tensor:
    return tf.cast(tf.cast(x, tf.float32), tf.float64)


@st.composite
def slice_fn_inputs(draw: st.DrawFn) -> Example:
    x = draw(NONSCALAR.flatmap(arrays))
    begin = [draw(st.integers(0, d - 1)) for d in x.shape]
    size = [draw(st.integers(1, d - b) | st.just(-1)) for b, d in zip(begin, x.shape)]
    return Example((x,), {"begin": begin, "size": size})


OP_CASES: dict[str, Case] = {
    # array ops
    "Identity": unary(tf.identity),
    "CheckNumerics": unary(lambda x: tf.debugging.check_numerics(x, "finite")),
    "ReadVariableOp": unary(lambda v: tf.square(v) + v * 3.0, variables=True),
    "Reshape": Case(reshape_inputs(), lambda x, shape: tf.reshape(x, shape)),
    "BroadcastTo": Case(broadcast_to_inputs(), lambda x, shape: tf.broadcast_to(x, shape)),
    "Transpose": Case(transpose_inputs(), lambda x, perm: tf.transpose(x, perm)),
    "ExpandDims": Case(expand_dims_inputs(), lambda x, axis: tf.expand_dims(x, axis)),
    "Squeeze": Case(squeeze_inputs(), lambda x, axis: tf.squeeze(x, axis)),
    "StridedSlice": Case(slice_inputs(), lambda x, key: x[key]),
    "Slice": Case(slice_fn_inputs(), tf.slice),
    "StridedSliceGrad": Case(slice_grad_inputs(), slice_gradient),
    "Pack": Case(stack_inputs(), lambda *xs, axis: tf.stack(list(xs), axis=axis)),
    "Unpack": Case(with_axis(), lambda x, axis: tf.unstack(x, axis=axis)[::2]),
    "ConcatV2": Case(concat_inputs(), lambda *xs, axis: tf.concat(list(xs), axis)),
    "SplitV": Case(split_inputs(), lambda x, sizes, axis: tf.split(x, sizes, axis)[::2]),
    "Tile": Case(tile_inputs(), lambda x, multiples: tf.tile(x, multiples)),
    "GatherV2": Case(gather_inputs(), lambda p, indices, axis: tf.gather(p, indices, axis=axis)),
    "UnsortedSegmentSum": Case(segment_sum_inputs(), tf.math.unsorted_segment_sum),
    "GatherNd": Case(gather_nd_inputs(), lambda p, indices: tf.gather_nd(p, indices)),
    "SparseToDense": Case(sparse_to_dense_inputs(), lambda values, default, indices, shape:
                          tf.sparse.to_dense(tf.sparse.SparseTensor(indices, values, shape),
                                             default_value=default)),
    "ScatterNd": Case(scatter_nd_inputs(), lambda u, indices, shape: tf.scatter_nd(
        indices, u, shape)),
    "Fill": Case(fill_inputs(), lambda v, dims: tf.fill(dims, v)),
    "ReverseV2": Case(reverse_inputs(), lambda x, axis: tf.reverse(x, axis)),
    "Roll": Case(roll_inputs(), lambda x, shift, axis: tf.roll(x, shift, axis)),
    "TopKV2": Case(top_k_inputs(), lambda x, k: tf.math.top_k(x, k).values),
    "Pad": Case(pad_inputs("CONSTANT"), lambda x, paddings, mode: tf.pad(x, paddings, mode, 2.)),
    "MirrorPad": Case(st.sampled_from(["REFLECT", "SYMMETRIC"]).flatmap(pad_inputs),
                      lambda x, paddings, mode: tf.pad(x, paddings, mode)),
    "MirrorPadGrad": Case(mirror_pad_grad_inputs(), mirror_pad_gradient),
    "TensorScatterUpdate": Case(tensor_scatter_inputs(True), lambda t, u, indices:
                                tf.tensor_scatter_nd_update(t, indices, u)),
    "TensorScatterAdd": Case(tensor_scatter_inputs(False), lambda t, u, indices:
                             tf.tensor_scatter_nd_add(t, indices, u)),
    # binary arithmetic, broadcasting
    "AddV2": binary(lambda x, y: x + y),
    "Sub": binary(tf.subtract),
    "Mul": binary(lambda x, y: x * y),
    "RealDiv": binary(lambda x, y: x / y, y=signed(0.5, 2)),
    "DivNoNan": binary(tf.math.divide_no_nan, y=signed(0.5, 2)),
    "Pow": binary(tf.pow, x=floats(0.5, 2)),
    "Maximum": binary(tf.maximum, x=LOW, y=HIGH),
    "Minimum": binary(tf.minimum, x=LOW, y=HIGH),
    "FloorMod": Case(floormod_inputs(), lambda x, y: x % y),
    "SelectV2": Case(select_inputs(), lambda x, y, condition: tf.where(condition, x, y)),
    "ClipByValue": Case(clip_inputs(), tf.clip_by_value),
    # unary math
    "Neg": unary(lambda x: -x),
    "Square": unary(tf.square),
    "Sqrt": unary(tf.sqrt, POSITIVE),
    "Rsqrt": unary(tf.math.rsqrt, POSITIVE),
    "Exp": unary(tf.exp),
    "Log": unary(tf.math.log, POSITIVE),
    "Log1p": unary(tf.math.log1p, floats(-0.8, 3)),
    "Abs": unary(tf.abs, NONZERO),
    "Sign": unary(tf.sign, NONZERO),
    "Cast": unary(_round_trip_float32, eps=1e-2, tol=1e-4),  # linear; float32 needs a big eps
    "AddN": Case(add_n_inputs(), lambda a, b: tf.add_n([a, b, a])),
    "MatMul": Case(matmul_inputs(), tf.matmul),
    # reductions
    "Sum": Case(reduction(arrays), tf.reduce_sum),
    "Mean": Case(reduction(arrays), tf.reduce_mean),
    "Max": Case(reduction(distinct), tf.reduce_max),
    "Min": Case(reduction(distinct), tf.reduce_min),
    "Prod": Case(reduction(lambda s: arrays(s, st.just(0.0) | floats(-1.5, 1.5))),
                 tf.reduce_prod),
    "Cumsum": Case(cumulative(SMOOTH), tf.cumsum),
    "Cumprod": Case(cumulative(signed(0.5, 1.5)), tf.math.cumprod),
    # nn
    "Relu": unary(tf.nn.relu, NONZERO),
    "Relu6": unary(tf.nn.relu6, floats(-2, -0.1) | floats(0.1, 5.9) | floats(6.1, 8)),
    "LeakyRelu": Case(leaky_relu_inputs(), tf.nn.leaky_relu),
    "Elu": unary(tf.nn.elu, floats(-3, 3)),
    "Erf": unary(tf.math.erf, floats(-2.5, 2.5)),
    "Erfc": unary(tf.math.erfc, floats(-2.5, 2.5)),
    "Reciprocal": unary(tf.math.reciprocal, NONZERO),
    "Sigmoid": unary(tf.sigmoid, floats(-4, 4)),
    "Tanh": unary(tf.tanh, floats(-3, 3)),
    "Softplus": unary(tf.nn.softplus, floats(-4, 4)),
    "Softmax": Case(with_axis(), tf.nn.softmax),
    "LogSoftmax": Case(with_axis(), tf.nn.log_softmax),
    "BiasAdd": Case(bias_add_inputs(), tf.nn.bias_add),
    "L2Loss": unary(tf.nn.l2_loss),
    "SparseSoftmaxCrossEntropyWithLogits": Case(sparse_xent_inputs(), _sparse_xent),
    "SoftmaxCrossEntropyWithLogits": Case(xent_inputs(), _xent),
    # convolution and pooling
    "Conv2D": Case(conv2d_inputs(), conv_ops.conv2d),
    "Conv2DBackpropInput": Case(conv2d_transpose_inputs(), conv_ops.conv2d_transpose),
    "Conv2DBackpropFilter": Case(conv2d_filter_inputs(), lambda x, dy, **kw: conv_ops.
                                 conv2d_backprop_filter(x, out_backprop=dy, **kw)),
    "MaxPool": Case(pool_inputs(), conv_ops.max_pool2d),
    "MaxPoolGrad": Case(pool_inputs("y"), max_pool_gradient),
    "MaxPoolGradGrad": Case(pool_inputs("x"), max_pool_gradient_adjoint),
    # linear algebra
    "MatrixInverse": Case(square_matrices(), tf.linalg.inv),
    "MatrixDeterminant": Case(square_matrices(), tf.linalg.det),
    "MatrixSolve": Case(square_matrices(with_rhs=True), tf.linalg.solve),
    "Cholesky": Case(matrices(), _cholesky_of_gram),
    "MatrixDiagV3": Case(diagonal_inputs(part=False), tf.linalg.diag),
    "MatrixDiagPartV3": Case(diagonal_inputs(part=True), tf.linalg.diag_part),
    "MatrixBandPart": Case(band_inputs(), tf.linalg.band_part),
    "Qr": Case(diagonally_dominant(), tf.linalg.qr),
    "Svd": Case(full_rank_matrices(), tf.linalg.svd),
}


# -- issue 11 math/nn ops: trigonometry, xlogy, segments, einsum, pooling, depthwise -------

@st.composite
def sorted_segment_inputs(draw: st.DrawFn) -> Example:
    data = draw(NONSCALAR.flatmap(arrays))
    ids = np.sort(draw(indices(data.shape[:1], 4)))
    return Example((data,), {"segment_ids": ids})


@st.composite
def segment_max_inputs(draw: st.DrawFn) -> Example:
    """Distinct values (no ties for a maximum) and ids that may leave segments empty."""
    data = draw(NONSCALAR.flatmap(distinct))
    n = draw(st.integers(1, 4))
    ids = draw(hnp.arrays(np.int32, data.shape[:draw(st.integers(1, data.ndim))],
                          elements=st.integers(-1, n - 1)))
    return Example((data,), {"segment_ids": ids, "num_segments": n})


EINSUM_EQUATIONS = [  # (equation, operand shapes)
    ("ij,jk->ik", [(2, 3), (3, 2)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 1)]),
    ("ij->ji", [(2, 3)]),
    ("ijk->k", [(2, 3, 2)]),
    ("ijk->", [(2, 1, 3)]),
    ("i,j->ij", [(3,), (2,)]),
    ("i,i->", [(3,), (3,)]),
    ("ij,k->i", [(2, 3), (2,)]),
    ("ij,jk", [(2, 3), (3, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),
    ("ij,jk,kl->il", [(2, 2), (2, 3), (3, 2)]),
    ("ii->", [(3, 3)]),
    ("ii->i", [(2, 2)]),
    ("iij,jk->ik", [(2, 2, 3), (3, 2)]),
]


@st.composite
def einsum_inputs(draw: st.DrawFn) -> Example:
    equation, shapes = draw(st.sampled_from(EINSUM_EQUATIONS))
    return Example(tuple(draw(arrays(s)) for s in shapes), {"equation": equation})


@st.composite
def depthwise_geometry(draw: st.DrawFn) -> dict[str, Any]:
    """A small depthwise convolution: equal strides, or dilation with stride 1 (TF's rule)."""
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dilations = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    stride = 1 if dilations != (1, 1) else draw(st.integers(1, 2))
    padding = draw(st.sampled_from(["VALID", "SAME"]))
    low = [(k - 1) * d + 1 if padding == "VALID" else 1 for k, d in zip((kh, kw), dilations)]
    h, w = draw(st.integers(low[0], 5)), draw(st.integers(low[1], 5))
    n, c, m = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    oh = conv_ops.output_size(h, kh, stride, dilations[0], padding)[0]
    ow = conv_ops.output_size(w, kw, stride, dilations[1], padding)[0]
    return {"x": (n, h, w, c), "w": (kh, kw, c, m), "y": (n, oh, ow, c * m),
            "strides": [1, stride, stride, 1], "padding": padding, "dilations": dilations}


@st.composite
def depthwise_inputs(draw: st.DrawFn, first: str, second: str) -> Example:
    g = draw(depthwise_geometry())
    return Example((draw(arrays(g[first])), draw(arrays(g[second]))),
                   {"strides": g["strides"], "padding": g["padding"],
                    "dilations": g["dilations"], "shapes": {k: g[k] for k in "xwy"}})


def _depthwise(x: tf.Tensor, w: tf.Tensor, shapes: dict, **conv: Any) -> tf.Tensor:
    return tf.nn.depthwise_conv2d(x, w, **conv)


def depthwise_input_gradient(w: tf.Tensor, u: tf.Tensor, shapes: dict, **conv: Any
                             ) -> tf.Tensor:
    """d/dx sum(depthwise(x, w) * u): DepthwiseConv2dNativeBackpropInput(w, u)."""
    x = tf.zeros(shapes["x"], tf.float64)  # linear in x: the point does not matter
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.depthwise_conv2d(x, w, **conv)
    return tape.gradient(y, x, output_gradients=u)


def depthwise_filter_gradient(x: tf.Tensor, u: tf.Tensor, shapes: dict, **conv: Any
                              ) -> tf.Tensor:
    """d/dw sum(depthwise(x, w) * u): DepthwiseConv2dNativeBackpropFilter(x, u)."""
    w = tf.zeros(shapes["w"], tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(w)
        y = tf.nn.depthwise_conv2d(x, w, **conv)
    return tape.gradient(y, w, output_gradients=u)


@st.composite
def avg_pool_grad_inputs(draw: st.DrawFn) -> Example:
    """An upstream gradient u shaped like the pooled output (AvgPoolGrad reads only u)."""
    (x, u), pool = draw(pool_inputs("y"))
    return Example((u,), {**pool, "x_shape": x.shape})


def avg_pool_gradient(u: tf.Tensor, x_shape: tuple, **pool: Any) -> tf.Tensor:
    """d/dx sum(avg_pool2d(x) * u): AvgPoolGrad(u), the same at every x."""
    x = tf.zeros(x_shape, tf.float64)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.nn.avg_pool2d(x, **pool)
    return tape.gradient(y, x, output_gradients=u)


OP_CASES.update({
    "Sin": unary(tf.sin),
    "Cos": unary(tf.cos),
    "Tan": unary(tf.tan, floats(-1.2, 1.2)),
    "Expm1": unary(tf.math.expm1),
    "Xlogy": binary(tf.math.xlogy, x=NONZERO, y=POSITIVE),
    "EuclideanNorm": Case(reduction(lambda s: arrays(s, NONZERO)), tf.math.reduce_euclidean_norm),
    "SegmentSum": Case(sorted_segment_inputs(), tf.math.segment_sum),
    # An empty segment holds float64's lowest value, which would swamp the finite
    # differences of the weighted sum: floor the result far below the data.
    "UnsortedSegmentMax": Case(segment_max_inputs(), lambda x, **kw: tf.maximum(
        tf.math.unsorted_segment_max(x, **kw), -10.0)),
    "Einsum": Case(einsum_inputs(), lambda *xs, equation: tf.einsum(equation, *xs)),
    "Selu": unary(tf.nn.selu, NONZERO),
    "Softsign": unary(tf.nn.softsign, NONZERO),
    "AvgPool": Case(pool_inputs(), tf.nn.avg_pool2d),
    "AvgPoolGrad": Case(avg_pool_grad_inputs(), avg_pool_gradient),
    "DepthwiseConv2dNative": Case(depthwise_inputs("x", "w"), _depthwise),
    "DepthwiseConv2dNativeBackpropInput": Case(depthwise_inputs("w", "y"),
                                               depthwise_input_gradient),
    "DepthwiseConv2dNativeBackpropFilter": Case(depthwise_inputs("x", "y"),
                                                depthwise_filter_gradient),
})


def _if_node(x: tf.Tensor) -> tf.Tensor:
    """A traced cond's If node run eagerly on ``x``: its gradient rule (used by a tape inside
    a tf.function) differentiates the branch the predicate takes. The predicate depends on
    the shape only, so finite differences never cross from one branch to the other."""
    from engine.ops.registry import execute

    def f(x: tf.Tensor) -> tf.Tensor:
        return tf.cond(tf.size(x) % 2 == 0, lambda: x * x, lambda: tf.sin(x) * 3.0)

    graph = tf.function(f).get_concrete_function(x).graph
    node = next(n for n in graph.nodes if n.type == "If")
    return execute(node.op, (tf.size(x) % 2 == 0, x, x), node.attrs)[0]


OP_CASES["If"] = unary(_if_node)


def _while_node(x: tf.Tensor, gradient: bool = False) -> tf.Tensor:
    """A traced while loop's While node run eagerly on ``x`` (its gradient rule is what a
    tape inside a tf.function uses), or, with ``gradient``, its WhileGrad node."""
    from engine.control_flow import WHILE_GRAD
    from engine.graph import ir
    from engine.ops.registry import execute

    def f(x: tf.Tensor) -> tf.Tensor:
        return tf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * tf.sin(y) + x),
                             (0, x))[1]

    graph = tf.function(f).get_concrete_function(x).graph
    node = next(n for n in graph.nodes if n.type == "While")
    inputs = tuple(x if v.node.type == ir.PLACEHOLDER else tf.constant(v.node.attrs["value"])
                   for v in node.inputs)
    if not gradient:
        return execute(node.op, inputs, node.attrs)[1]
    keys = ("cond_graph", "body_graph", "num_vars", "num_cond_captures", "maximum_iterations")
    seeds = (tf.constant(0), tf.ones_like(x))
    return execute(WHILE_GRAD, inputs + seeds, {"num_inputs": len(inputs),
                                                **{k: node.attrs[k] for k in keys}})[1]


OP_CASES["While"] = unary(_while_node, floats(-1, 1))


# -- issue 11 tf / tf.math additions: py_function, trigonometry, searches, scatters ----------

@st.composite
def reverse_sequence_inputs(draw: st.DrawFn) -> Example:
    """A [batch, time, ...] array and a length per batch entry (0 to time)."""
    shape = draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=4))
    lengths = draw(hnp.arrays(np.int32, shape[:1], elements=st.integers(0, shape[1])))
    return Example((draw(arrays(shape)),), {"seq_lengths": lengths})


@st.composite
def scatter_min_max_inputs(draw: st.DrawFn) -> Example:
    """Tensor values on one lattice, updates on the other (never tied), places unique."""
    example = draw(tensor_scatter_inputs(True))
    t, u = example.arrays
    return Example((draw(arrays(t.shape, LOW)), draw(arrays(u.shape, HIGH))), example.kwargs)


def _py_function(x: tf.Tensor) -> tf.Tensor:
    return tf.py_function(lambda a: tf.sin(a) * a + tf.square(a), [x], tf.float64)


OP_CASES.update({
    "EagerPyFunc": unary(_py_function),
    "EnsureShape": unary(lambda x: tf.ensure_shape(x * x, x.shape)),
    "Acos": unary(tf.math.acos, floats(-0.9, 0.9)),
    "Asin": unary(tf.math.asin, floats(-0.9, 0.9)),
    "Atan": unary(tf.math.atan),
    "Sinh": unary(tf.math.sinh),
    "Cosh": unary(tf.math.cosh),
    "Acosh": unary(tf.math.acosh, floats(1.2, 3)),
    "Asinh": unary(tf.math.asinh),
    "Atanh": unary(tf.math.atanh, floats(-0.9, 0.9)),
    "Atan2": binary(tf.math.atan2, x=SMOOTH, y=POSITIVE),
    "MulNoNan": binary(tf.math.multiply_no_nan, y=NONZERO),
    "Xdivy": binary(tf.math.xdivy, x=NONZERO, y=signed(0.5, 2)),
    "Xlog1py": binary(tf.math.xlog1py, x=NONZERO, y=POSITIVE),
    "ReverseSequence": Case(reverse_sequence_inputs(), lambda x, seq_lengths: tf.reverse_sequence(
        x, seq_lengths, seq_axis=1, batch_axis=0)),
    "TensorScatterSub": Case(tensor_scatter_inputs(False), lambda t, u, indices:
                             tf.tensor_scatter_nd_sub(t, indices, u)),
    "TensorScatterMin": Case(scatter_min_max_inputs(), lambda t, u, indices:
                             tf.tensor_scatter_nd_min(t, indices, u)),
    "TensorScatterMax": Case(scatter_min_max_inputs(), lambda t, u, indices:
                             tf.tensor_scatter_nd_max(t, indices, u)),
})


@st.composite
def segment_min_inputs(draw: st.DrawFn) -> Example:
    """Distinct values (no ties for a minimum) and ids that may leave segments empty."""
    example = draw(segment_max_inputs())
    return Example((-example.arrays[0],), example.kwargs)


@st.composite
def segment_prod_inputs(draw: st.DrawFn) -> Example:
    """Values with zeros among them (one or several in a segment), ids that may drop rows."""
    data = draw(NONSCALAR.flatmap(lambda s: arrays(s, st.just(0.0) | floats(-1.5, 1.5))))
    n = draw(st.integers(1, 4))
    ids = draw(hnp.arrays(np.int32, data.shape[:draw(st.integers(1, data.ndim))],
                          elements=st.integers(-1, n - 1)))
    return Example((data,), {"segment_ids": ids, "num_segments": n})


OP_CASES.update({
    # an empty segment holds float64's highest value: capped far above the data
    "UnsortedSegmentMin": Case(segment_min_inputs(), lambda x, **kw: tf.minimum(
        tf.math.unsorted_segment_min(x, **kw), 10.0)),
    "UnsortedSegmentProd": Case(segment_prod_inputs(), tf.math.unsorted_segment_prod),
})


@st.composite
def symmetric_spread(draw: st.DrawFn) -> Example:
    """Matrices whose symmetric part x + xᵀ has eigenvalues at least 0.2 apart (eigenvectors
    are then smooth functions of x)."""
    (x,), _ = draw(square_matrices())
    e = np.linalg.eigvalsh(x + np.swapaxes(x, -1, -2))
    assume(e.shape[-1] < 2 or np.diff(e, axis=-1).min() > 0.2)
    return Example((x,), {})


def _eigh_sign_free(x: tf.Tensor) -> list[tf.Tensor]:
    """Eigenvalues and the squared eigenvectors (their signs are a convention) of x + xᵀ."""
    e, v = tf.linalg.eigh(x + tf.linalg.matrix_transpose(x))
    return [e, v * v]


@st.composite
def triangular_inputs(draw: st.DrawFn) -> Example:
    (t, rhs), kw = draw(square_matrices(with_rhs=True))
    return Example((t, rhs), {**kw, "lower": draw(st.booleans())})


@st.composite
def set_diag_inputs(draw: st.DrawFn) -> Example:
    (x,), _ = draw(matrices())
    return Example((x, draw(arrays(x.shape[:-2] + (min(x.shape[-2:]),)))), {})


@st.composite
def cross_inputs(draw: st.DrawFn) -> Example:
    batch = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=2))
    return Example((draw(arrays(batch + (3,))), draw(arrays(batch + (3,)))), {})


OP_CASES.update({
    "SelfAdjointEigV2": Case(symmetric_spread(), _eigh_sign_free),
    "LogMatrixDeterminant": Case(square_matrices(), lambda x: tf.linalg.slogdet(x)[1]),
    "MatrixTriangularSolve": Case(triangular_inputs(), tf.linalg.triangular_solve),
    "MatrixSetDiagV3": Case(set_diag_inputs(), tf.linalg.set_diag),
    "Cross": Case(cross_inputs(), tf.linalg.cross),
    "Lgamma": unary(tf.math.lgamma, floats(0.2, 5) | floats(-2.8, -2.2)),
    "Digamma": unary(tf.math.digamma, floats(0.2, 5) | floats(-0.8, -0.2)),
    "Polygamma": unary(lambda x: tf.math.polygamma(tf.constant(2.0, tf.float64), x),
                       floats(0.3, 5)),
    "Erfinv": unary(tf.math.erfinv, floats(-0.95, 0.95)),
    "Ndtri": unary(tf.math.ndtri, floats(0.02, 0.98)),
})


def _tensor_list_writes(x: tf.Tensor) -> tf.Tensor:
    """A TensorArray's dense form (rows of ``x``) overwritten at its last row, then grown
    past its end, as a dynamic_size array in a traced loop is; both through the length
    check a loop leaves after it."""
    from engine.ops.list_ops import LENGTH_CHECK, SET_ITEM
    from engine.ops.registry import execute

    n = x.shape[0]
    fixed = execute(SET_ITEM, (x, tf.constant(n - 1), tf.sin(x[0])), {"resizable": False})
    grown = execute(SET_ITEM, (fixed, tf.constant(n + 1), x[-1] * x[0]), {"resizable": True})
    return execute(LENGTH_CHECK, (grown,), {"traced_length": n + 2, "what": "the test's"})


def _tensor_list_reserve(x: tf.Tensor) -> tf.Tensor:
    from engine.ops.list_ops import RESERVE
    from engine.ops.registry import execute

    return execute(RESERVE, (tf.size(x),), {"element_shape": (2,), "dtype": np.float64,
                                            "traced_length": int(tf.size(x))})


def _dataset_element(x: tf.Tensor) -> tf.Tensor:
    """Element 1 (``2 * x``) of a pass over a dataset made from ``x``: data the dataset
    holds, not connected to ``x`` on any tape."""
    from engine.ops.dataset_ops import GET_NEXT, MAKE_ITERATOR, DatasetPasses
    from engine.ops.registry import execute

    source = DatasetPasses(tf.data.Dataset.from_tensor_slices(tf.stack([x, x * 2.0])))
    token = execute(MAKE_ITERATOR, (), {"source": source})
    for k in range(2):  # read in order, as a loop does
        _, element = execute(GET_NEXT, (token, tf.constant(k, tf.int64)), {"source": source})
    return element


def _assert_loop_iterated(x: tf.Tensor) -> tf.Tensor:
    from engine.ops.loop_check_ops import ASSERT_LOOP_ITERATED
    from engine.ops.registry import execute

    return execute(ASSERT_LOOP_ITERATED, (tf.constant(True), tf.sin(x)), {"name": "x"})


OP_CASES["AssertLoopIterated"] = unary(_assert_loop_iterated)


def _assert_branch_shape(x: tf.Tensor) -> tf.Tensor:
    from engine.ops.loop_check_ops import ASSERT_BRANCH_SHAPE
    from engine.ops.registry import execute

    return execute(ASSERT_BRANCH_SHAPE, (tf.exp(x),), {
        "traced_shape": tuple(x._value.shape), "other_shape": (), "name": "x"})


OP_CASES["AssertBranchShape"] = unary(_assert_branch_shape)
OP_CASES["TensorListSetItem"] = unary(_tensor_list_writes, shapes=NONSCALAR)
OP_CASES["TensorListLengthCheck"] = unary(_tensor_list_writes, shapes=NONSCALAR)


def _whole_pixel_shift(x: tf.Tensor) -> tf.Tensor:
    """ImageProjectiveTransformV3 on a column image made of ``x``, read one row down (zero
    fill): for whole-pixel shifts TensorFlow's rule (the gradient resampled through the
    inverse map) is the exact adjoint. The kernel samples in float32 for any dtype, as
    TensorFlow's does, so the case takes a wide step (resampling is linear in the image)."""
    from engine.ops.image_transform_ops import image_projective_transform_v3

    n = int(np.prod(x.shape))
    shift = np.array([[1, 0, 0, 0, 1, 1, 0, 0]], np.float32)
    out = image_projective_transform_v3(tf.reshape(x, [1, n, 1, 1]), shift, (n, 1), 0.0,
                                        "bilinear", "constant")
    return tf.reshape(out, [-1])


OP_CASES["ImageProjectiveTransformV3"] = unary(_whole_pixel_shift, shapes=NONSCALAR, eps=0.25,
                                               tol=1e-5)


def run_case(case: Case, example: Example) -> set[str]:
    return check_gradient(case.call, example.arrays, example.kwargs, variables=case.variables,
                          eps=case.eps, tol=case.tol)


@pytest.mark.parametrize("name", sorted(OP_CASES))
@SETTINGS
@given(data=st.data())
def test_op_gradient_matches_finite_differences(name: str, data: st.DataObject) -> None:
    case = OP_CASES[name]
    ran = run_case(case, data.draw(case.inputs, label="inputs"))
    assert name in ran, f"the case for {name} ran only {sorted(ran)}"


@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
@SETTINGS
@given(data=st.data())
def test_batched_matmul_gradient_each_transpose(transpose_a: bool, transpose_b: bool,
                                                data: st.DataObject) -> None:
    a, b = data.draw(matmul_inputs(transpose_a, transpose_b)).arrays
    check_gradient(tf.matmul, (a, b), {"transpose_a": transpose_a, "transpose_b": transpose_b})


# -- the registry is the list -------------------------------------------------------------

def test_every_registered_op_has_a_gradient_rule_and_a_case() -> None:
    problems = []
    for name, op in REGISTRY.items():
        if op.differentiable and op.grad is None:
            problems.append(f"{name} has no gradient rule and is not declared "
                            "differentiable=False")
        if op.differentiable and name not in OP_CASES | NO_REGISTERED_GRADIENT_CASES:
            problems.append(f"{name} has no case in OP_CASES")
        if not op.differentiable and name not in NOT_DIFFERENTIABLE_CASES:
            problems.append(f"{name} has no case in NOT_DIFFERENTIABLE_CASES")
        if not op.differentiable and op.grad is not None:
            problems.append(f"{name} is declared not differentiable but has a gradient rule")
    stale = (set(OP_CASES) | set(NOT_DIFFERENTIABLE_CASES)
             | set(NO_REGISTERED_GRADIENT_CASES)) - set(REGISTRY)
    problems += [f"{name} has a case but is not registered" for name in sorted(stale)]
    assert not problems, "\n".join(problems)


# -- ops without a gradient -------------------------------------------------------------------

F64 = tf.float64


def _as_float(t: tf.Tensor) -> tf.Tensor:
    return tf.cast(t, F64)


NOT_DIFFERENTIABLE_CASES: dict[str, Callable[[tf.Tensor], tf.Tensor]] = {
    "StopGradient": tf.stop_gradient,
    "OneHot": lambda x: tf.one_hot(tf.argmax(x, axis=-1), 4, on_value=tf.reduce_sum(x),
                                   off_value=-tf.reduce_sum(x)),
    "ZerosLike": tf.zeros_like,
    "OnesLike": tf.ones_like,
    "Range": lambda x: tf.range(0.0, 3.0, 1.0, dtype=F64),
    "RandomStandardNormal": lambda x: tf.random.normal(tf.shape(x), dtype=F64),
    "TruncatedNormal": lambda x: tf.random.truncated_normal(tf.shape(x), dtype=F64),
    "RandomUniform": lambda x: tf.random.uniform(tf.shape(x), dtype=F64),
    "Multinomial": lambda x: _as_float(tf.random.categorical(tf.reshape(x, (1, -1)), 3)),
    "RandomUniformInt": lambda x: _as_float(tf.random.uniform(tf.shape(x), 0, 9, tf.int32)),
    "RandomShuffle": tf.random.shuffle,
    "StatelessRandomUniformV2": lambda x: tf.random.stateless_uniform(
        tf.shape(x), seed=[1, 2], dtype=F64),
    "StatelessRandomNormalV2": lambda x: tf.random.stateless_normal(
        tf.shape(x), seed=[1, 2], dtype=F64),
    "StatelessTruncatedNormalV2": lambda x: tf.random.stateless_truncated_normal(
        tf.shape(x), seed=[1, 2], dtype=F64),
    "StatelessRandomUniformIntV2": lambda x: _as_float(tf.random.stateless_uniform(
        tf.shape(x), seed=[1, 2], minval=0, maxval=5, dtype=tf.int32)),
    "StatelessRandomGetKeyCounter": lambda x: tf.random.stateless_normal(
        tf.shape(x), seed=[3, 4], dtype=F64),
    "StatelessRandomUniformFullIntV2": lambda x: _as_float(tf.random.stateless_uniform(
        tf.shape(x), seed=[1, 2], minval=None, maxval=None, dtype=tf.int32)),
    "RngSkip": lambda x: tf.random.Generator.from_seed(3).normal(tf.shape(x), dtype=F64),
    "Shape": lambda x: _as_float(tf.shape(x)),
    "Rank": lambda x: _as_float(tf.rank(x)),
    "Size": lambda x: _as_float(tf.size(x)),
    "FloorDiv": lambda x: tf.math.floordiv(x, 0.7),
    "Round": tf.round,
    "Floor": tf.math.floor,
    "Equal": lambda x: _as_float(tf.equal(x, x[0])),
    "NotEqual": lambda x: _as_float(x != x[0]),
    "Less": lambda x: _as_float(x < 0.5),
    "LessEqual": lambda x: _as_float(x <= 0.5),
    "Greater": lambda x: _as_float(tf.greater(x, 0.5)),
    "GreaterEqual": lambda x: _as_float(x >= 0.5),
    "LogicalAnd": lambda x: _as_float(tf.logical_and(x > 0, x < 1)),
    "LogicalOr": lambda x: _as_float(tf.logical_or(x > 1, x < 0)),
    "LogicalXor": lambda x: _as_float(tf.math.logical_xor(x > 0, x < 1)),
    "LogicalNot": lambda x: _as_float(tf.logical_not(x > 0)),
    "IsNan": lambda x: _as_float(tf.math.is_nan(x)),
    "IsInf": lambda x: _as_float(tf.math.is_inf(x)),
    "IsFinite": lambda x: _as_float(tf.math.is_finite(x)),
    "Any": lambda x: _as_float(tf.reduce_any(x > 0, axis=-1)),
    "All": lambda x: _as_float(tf.reduce_all(x > 0)),
    "ArgMax": lambda x: _as_float(tf.argmax(x, axis=-1)),
    "ArgMin": lambda x: _as_float(tf.math.argmin(x)),
    "Unique": lambda x: tf.unique(tf.reshape(x, [-1])).y,
    "Where": lambda x: _as_float(tf.where(x > 0.5)),
    "AsString": lambda x: tf.strings.to_number(tf.strings.as_string(x), tf.float64),
    "StringToNumber": lambda x: tf.strings.to_number(tf.strings.as_string(x), tf.float64),
    "StringLength": lambda x: _as_float(tf.strings.length(tf.strings.as_string(x))),
    "StringUpper": lambda x: tf.strings.to_number(tf.strings.upper(tf.strings.as_string(x)),
                                                  tf.float64),
    "StringLower": lambda x: tf.strings.to_number(tf.strings.lower(tf.strings.as_string(x)),
                                                  tf.float64),
    "StringJoin": lambda x: tf.strings.to_number(tf.strings.join([tf.strings.as_string(x), "1"]),
                                                 tf.float64),
    "StringSplitV2": lambda x: _as_float(tf.size(tf.strings.split(
        tf.strings.as_string(tf.reshape(x, [-1])[0]), "."))),
    "StringFormat": lambda x: _as_float(tf.strings.length(tf.strings.format("x={}", x))),
    "StringBytesSplit": lambda x: _as_float(tf.size(tf.strings.bytes_split(
        tf.strings.as_string(tf.reshape(x, [-1])[0])))),
    "UnicodeSplit": lambda x: _as_float(tf.size(tf.strings.unicode_split(
        tf.strings.as_string(tf.reshape(x, [-1])[0]), "UTF-8"))),
    "UnicodeDecode": lambda x: _as_float(tf.strings.unicode_decode(
        tf.strings.as_string(tf.reshape(x, [-1])[0]), "UTF-8")),
    "DecodeRaw": lambda x: tf.io.decode_raw(tf.strings.as_string(tf.reshape(x, [-1])[0],
                                                                 width=16), F64),
    "Ceil": tf.math.ceil,
    # tf.print gives nothing to differentiate; the zeros stand for the program going on
    "PrintV2": lambda x: (tf.print(x), tf.zeros_like(x))[1],
    # the gradient of a While node: a loop recomputed under a tape of its own, not
    # differentiated again
    "WhileGrad": lambda x: _while_node(x, gradient=True),
    # a TensorArray's zero elements of a size given as a tensor
    "TensorListReserve": lambda x: _tensor_list_reserve(x),
    # a dataset read by a graph loop: its elements are data, not functions of the loop's
    # inputs (TensorFlow's dataset reduction has no gradient either)
    "RangeOfTensors": lambda x: tf.function(lambda n: tf.range(n, dtype=F64) * tf.reduce_sum(
        tf.zeros_like(x)))(tf.size(x)),
    "MakeIterator": lambda x: _dataset_element(x),
    "IteratorGetNext": lambda x: _dataset_element(x),
}


def _py_function_gradient(x: tf.Tensor) -> tf.Tensor:
    """The gradient py_function's rule computes (an EagerPyFuncGrad op): TensorFlow does not
    differentiate it again."""
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.py_function(lambda a: a * a * a, [x], tf.float64)
    return tape.gradient(y, x)


def _flat_sorted(x: tf.Tensor) -> tf.Tensor:
    return tf.sort(tf.reshape(x, [-1]))


NOT_DIFFERENTIABLE_CASES.update({
    "EagerPyFuncGrad": _py_function_gradient,
    "PyFunc": lambda x: tf.numpy_function(lambda a: a * 2.0, [x], tf.float64),
    "PyFuncStateless": lambda x: tf.numpy_function(lambda a: a * 2.0, [x], tf.float64,
                                                   stateful=False),
    "Rint": tf.math.rint,
    "TruncateDiv": lambda x: tf.truncatediv(x, tf.constant(0.7, F64)),
    "TruncateMod": lambda x: tf.truncatemod(x, tf.constant(0.7, F64)),
    "LowerBound": lambda x: _as_float(tf.searchsorted(_flat_sorted(x), tf.reshape(x, [-1]))),
    "UpperBound": lambda x: _as_float(tf.searchsorted(_flat_sorted(x), tf.reshape(x, [-1]),
                                                      side="right")),
    "UnravelIndex": lambda x: _as_float(tf.unravel_index(tf.range(tf.size(x)), tf.shape(x))),
})
NOT_DIFFERENTIABLE_CASES.update({
    "DenseBincount": lambda x: _as_float(tf.math.bincount(tf.cast(tf.abs(x) * 3.0, tf.int32))),
    "InTopKV2": lambda x: _as_float(tf.math.in_top_k(tf.zeros([1], tf.int32),
                                                     tf.reshape(x, [1, -1]), 1)),
    "InvertPermutation": lambda x: _as_float(tf.math.invert_permutation(
        tf.argsort(tf.reshape(x, [-1])))),
})


@pytest.mark.parametrize("name", sorted(NOT_DIFFERENTIABLE_CASES))
@settings(SETTINGS, max_examples=5)
@given(x=NONSCALAR.flatmap(arrays))
def test_op_without_gradient_gives_none(name: str, x: np.ndarray) -> None:
    source = tf.constant(x)
    with ops_run() as ran, tf.GradientTape(persistent=True) as tape:
        tape.watch(source)
        target = NOT_DIFFERENTIABLE_CASES[name](source)
    assert name in ran, f"the case for {name} ran only {sorted(ran)}"
    assert target.dtype == F64
    assert tape.gradient(target, source) is None
    zeros = tape.gradient(target, source, unconnected_gradients="zero")
    np.testing.assert_array_equal(np.asarray(zeros), np.zeros_like(x))


# Ops TensorFlow's gradient registry has no entry for (not NotDifferentiable: asking for a
# gradient through them is a LookupError, which the autodiff guide shows).
NO_REGISTERED_GRADIENT_CASES: dict[str, Callable[[tf.Tensor], tf.Tensor]] = {
    "AdjustContrastv2": lambda x: tf.image.adjust_contrast(tf.reshape(x, [1, 1, -1]), 2.0),
    "Lu": lambda x: tf.linalg.lu(tf.matmul(x, x, transpose_a=True) + tf.eye(3)).lu,
}


@pytest.mark.parametrize("name", sorted(NO_REGISTERED_GRADIENT_CASES))
def test_op_without_a_registered_gradient_raises_lookup_error(name: str) -> None:
    source = tf.constant(np.array([[0.5, 0.25, 1.0]], np.float32))
    with ops_run() as ran, tf.GradientTape() as tape:
        tape.watch(source)
        target = NO_REGISTERED_GRADIENT_CASES[name](source)
    assert name in ran, f"the case for {name} ran only {sorted(ran)}"
    with pytest.raises(LookupError, match=f"^gradient registry has no entry for: {name}$"):
        tape.gradient(target, source)


def test_clip_by_value_bounds_never_broadcast_t() -> None:
    """The gradient rule returns dy in t's shape: bounds may not make the output bigger."""
    t = tf.constant(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"Shapes \(2,\) and \(2, 2\) are incompatible"):
        tf.clip_by_value(t, np.array([[0.0], [1.5]]), 5.0)


def test_integer_paths_carry_no_gradient() -> None:
    x = tf.constant(np.array([0.3, 1.7, -2.2]))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        through_int = tf.cast(tf.cast(x, tf.int32), F64)
        blocked = x * tf.stop_gradient(x)
    assert tape.gradient(through_int, x) is None
    np.testing.assert_allclose(np.asarray(tape.gradient(blocked, x)), np.asarray(x))


# -- public functions built from several ops ---------------------------------------------------

@st.composite
def tensordot_inputs(draw: st.DrawFn) -> Example:
    shared = list(draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)))
    a_free = list(draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)))
    b_free = list(draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3)))
    if draw(st.booleans()):  # contract the last axes of a with the first of b
        a_shape, b_shape, spec = a_free + shared, shared + b_free, len(shared)
    else:  # contract axes in scrambled positions
        a_perm = draw(st.permutations(range(len(a_free) + len(shared))))
        b_perm = draw(st.permutations(range(len(shared) + len(b_free))))
        a_dims, b_dims = a_free + shared, shared + b_free
        a_shape = [a_dims[i] for i in a_perm]
        b_shape = [b_dims[i] for i in b_perm]
        a_axes = [a_perm.index(len(a_free) + j) for j in range(len(shared))]
        b_axes = [b_perm.index(j) for j in range(len(shared))]
        spec = [a_axes, b_axes]
    return Example((draw(arrays(tuple(a_shape))), draw(arrays(tuple(b_shape)))),
                   {"axes": spec})


@st.composite
def spread(draw: st.DrawFn) -> Example:
    """Distinct values, at least two per reduced group (std has no gradient at zero spread)."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=2, max_side=3))
    x = draw(distinct(shape))
    return Example((x,), {"axis": draw(axes(x.ndim)), "keepdims": draw(st.booleans())})


@st.composite
def norm_inputs(draw: st.DrawFn, ord: Any) -> Example:  # noqa: A002
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    magnitudes = draw(arrays(shape, st.integers(1, 60).map(lambda k: k / 20), unique=True))
    x = magnitudes * draw(hnp.arrays(np.int8, shape, elements=st.sampled_from([-1, 1])))
    axis: Any = draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    if ord == "euclidean" and x.ndim >= 2 and draw(st.booleans()):
        axis = [0, -1]  # the Frobenius norm of matrices
    return Example((x,), {"ord": ord, "axis": axis, "keepdims": draw(st.booleans())})


@st.composite
def silu_inputs(draw: st.DrawFn) -> Example:
    x = draw(SHAPES.flatmap(arrays))
    return Example((x,), {"beta": draw(floats(0.5, 2))})


COMPOSITE_CASES: dict[str, Case] = {
    "reduce_logsumexp": Case(reduction(arrays), tf.reduce_logsumexp),
    "tensordot": Case(tensordot_inputs(), tf.tensordot),
    "gelu exact": unary(tf.nn.gelu),
    "gelu approximate": unary(lambda x: tf.nn.gelu(x, approximate=True)),
    "norm euclidean": Case(norm_inputs("euclidean"), tf.linalg.norm),
    "norm 1": Case(norm_inputs(1), tf.linalg.norm),
    "norm inf": Case(norm_inputs(np.inf), tf.norm),
    "norm 3": Case(norm_inputs(3), tf.norm),
    "reduce_std": Case(spread(), tf.math.reduce_std),
    "reduce_variance": Case(spread(), tf.math.reduce_variance),
    "silu": unary(tf.nn.silu),
    "swish beta": Case(silu_inputs(), tf.nn.swish),
    "softmax_cross_entropy_with_logits": Case(xent_inputs(), _xent),
    "squared_difference": binary(tf.math.squared_difference),
    "reciprocal": unary(tf.math.reciprocal, NONZERO),
    "l2_normalize": Case(with_axis(NONZERO), tf.math.l2_normalize),
    "slice": Case(slice_fn_inputs(), tf.slice),
    "matmul operator": Case(matmul_inputs(False, False),
                            lambda a, b, transpose_a, transpose_b: a @ b),
    "scalar operators": unary(lambda x: (2.0 - x) * 3.0 / (x ** 2.0 + 1.0) + 1.0 / (x * x + 2.0)),
    "iteration unstacks": Case(with_axis(), lambda x, axis: [r * r for r in x]),
    "variable read in a matmul": Case(matmul_inputs(False, False), tf.matmul, variables=True),
}


@st.composite
def conv1d_inputs(draw: st.DrawFn) -> Example:
    n, w, c, m = (draw(st.integers(1, 2)), draw(st.integers(3, 5)), draw(st.integers(1, 2)),
                  draw(st.integers(1, 2)))
    k = draw(st.integers(1, 3))
    return Example((draw(arrays((n, w, c))), draw(arrays((k, c, m)))),
                   {"stride": draw(st.integers(1, 2)),
                    "padding": draw(st.sampled_from(["SAME", "VALID"]))})


@st.composite
def lrn_inputs(draw: st.DrawFn) -> Example:
    """NHWC values (LRN runs in float32: the call casts there and back)."""
    return Example((draw(arrays((1, 2, 1, draw(st.integers(1, 5))))),),
                   {"depth_radius": draw(st.integers(0, 2))})


def _lrn(x: tf.Tensor, depth_radius: int) -> tf.Tensor:
    y = tf.nn.local_response_normalization(tf.cast(x, tf.float32), depth_radius, alpha=0.5)
    return tf.cast(y, tf.float64)


@st.composite
def space_to_depth_inputs(draw: st.DrawFn) -> Example:
    b = draw(st.integers(2, 3))
    shape = (1, b * draw(st.integers(1, 2)), b * draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    return Example((draw(arrays(shape)),), {"block_size": b})


COMPOSITE_CASES.update({
    "segment_mean": Case(sorted_segment_inputs(), tf.math.segment_mean),
    "segment_max": Case(sorted_segment_inputs().map(
        lambda e: Example((e.arrays[0] + 0.001 * np.arange(e.arrays[0].size).reshape(
            e.arrays[0].shape),), e.kwargs)), tf.math.segment_max),
    "unsorted_segment_sqrt_n": Case(segment_max_inputs(), tf.math.unsorted_segment_sqrt_n),
    # (exclusive: the first element is log 0 = -inf, whose differences are NaN)
    "cumulative_logsumexp": Case(cumulative(SMOOTH), lambda x, exclusive, **kw:
                                 tf.math.cumulative_logsumexp(x, **kw)),
    "polyval": unary(lambda x: tf.math.polyval([tf.constant(0.5, tf.float64), x, tf.sin(x)],
                                               x)),
    "conv1d": Case(conv1d_inputs(), tf.nn.conv1d),
    "local_response_normalization": Case(lrn_inputs(), _lrn, eps=1e-3, tol=1e-2),
    "space_to_depth": Case(space_to_depth_inputs(), tf.nn.space_to_depth),
    "depth_to_space": Case(space_to_depth_inputs(), lambda x, block_size: tf.nn.depth_to_space(
        tf.nn.space_to_depth(x, block_size) * 2.0, block_size)),
    "weighted_cross_entropy_with_logits": unary(lambda x: tf.nn.weighted_cross_entropy_with_logits(
        tf.ones_like(x) * 0.3, x, 2.5), NONZERO),  # |x| and relu(-x) kink at 0, as in TF
    "log_poisson_loss": unary(lambda x: tf.nn.log_poisson_loss(tf.ones_like(x) * 3.0, x,
                                                               compute_full_loss=True)),
    "expm": Case(matrices().filter(lambda e: e.arrays[0].shape[-1] == e.arrays[0].shape[-2]),
                 tf.linalg.expm),
    "lstsq": Case(square_matrices(with_rhs=True), lambda a, rhs, adjoint: tf.linalg.lstsq(
        tf.concat([a, a * 0.5], axis=-2), tf.concat([rhs, rhs - 1.0], axis=-2))),
    "logdet": Case(matrices(), lambda x: tf.linalg.logdet(
        tf.matmul(x, x, transpose_b=True) + tf.eye(x.shape[-2], dtype=tf.float64))),
    "pinv": Case(full_rank_matrices(), lambda x, compute_uv: tf.linalg.pinv(x)),
    "cholesky_solve": Case(square_matrices(with_rhs=True), lambda a, rhs, adjoint:
                           tf.linalg.cholesky_solve(tf.linalg.cholesky(
                               tf.matmul(a, a, transpose_b=True)), rhs)),
})


@pytest.mark.parametrize("name", sorted(COMPOSITE_CASES))
@SETTINGS
@given(data=st.data())
def test_composite_gradient_matches_finite_differences(name: str, data: st.DataObject) -> None:
    case = COMPOSITE_CASES[name]
    run_case(case, data.draw(case.inputs, label="inputs"))


def test_divide_no_nan_gradient_is_zero_where_the_divisor_is() -> None:
    x = tf.constant(np.array([1.5, -2.0, 3.0]))
    y = tf.constant(np.array([0.0, 4.0, 0.0]))
    with tf.GradientTape() as tape:
        tape.watch([x, y])
        z = tf.math.divide_no_nan(x, y)
    gx, gy = tape.gradient(z, [x, y])
    np.testing.assert_array_equal(np.asarray(z), [0.0, -0.5, 0.0])
    np.testing.assert_allclose(np.asarray(gx), [0.0, 0.25, 0.0])
    np.testing.assert_allclose(np.asarray(gy), [0.0, 2.0 / 16.0, 0.0])


def test_reduce_max_splits_the_gradient_among_ties() -> None:
    x = tf.constant(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_max(x, axis=1)
    np.testing.assert_allclose(np.asarray(tape.gradient(y, x)), [[0, 0.5, 0.5], [0.5, 0, 0.5]])



TIE_X = [1.0, 2.0, 3.0, 2.0]
TIE_Y = [2.0, 2.0, 1.0, 5.0]  # ties with x at index 1
TIE_WEIGHTS = [1.0, 10.0, 100.0, 1000.0]  # dy of each element, so each lands visibly
# TensorFlow's math_grad._MaximumMinimumGrad: dy goes to x where greater_equal(x, y) for
# Maximum (less_equal for Minimum), else to y; a tie gives the whole dy to the FIRST input.
TIE_CASES = {  # name: (op, y, expected dx, expected dy)
    "maximum": (tf.maximum, TIE_Y, [0.0, 10.0, 100.0, 0.0], [1.0, 0.0, 0.0, 1000.0]),
    "minimum": (tf.minimum, TIE_Y, [1.0, 10.0, 0.0, 1000.0], [0.0, 0.0, 100.0, 0.0]),
    # a broadcast scalar y ties at x == 2 twice; its gradient sums what x did not get
    "maximum scalar": (tf.maximum, 2.0, [0.0, 10.0, 100.0, 1000.0], 1.0),
    "minimum scalar": (tf.minimum, 2.0, [1.0, 10.0, 0.0, 1000.0], 100.0),
}


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "tf.function"])
@pytest.mark.parametrize("name", sorted(TIE_CASES))
def test_maximum_and_minimum_give_a_tie_to_the_first_input(name: str, traced: bool) -> None:
    op, y_value, want_dx, want_dy = TIE_CASES[name]
    x, y = tf.constant(TIE_X), tf.constant(y_value)
    weights = tf.constant(TIE_WEIGHTS)

    def grads(x: tf.Tensor, y: tf.Tensor) -> list:
        with tf.GradientTape() as tape:
            tape.watch([x, y])
            z = tf.reduce_sum(op(x, y) * weights)
        return tape.gradient(z, [x, y])

    dx, dy = (tf.function(grads) if traced else grads)(x, y)
    np.testing.assert_array_equal(np.asarray(dx), want_dx)
    np.testing.assert_array_equal(np.asarray(dy), want_dy)

EMPTY_CASES: dict[str, tuple[Callable[[tf.Tensor], tf.Tensor], tuple, list]] = {
    # name: (call, input shape, TensorFlow's result)
    "reduce_max": (lambda x: tf.reduce_max(x, axis=0), (0, 2), [-np.inf, -np.inf]),
    "reduce_min": (lambda x: tf.reduce_min(x, axis=0), (0, 2), [np.inf, np.inf]),
    "reduce_prod": (tf.reduce_prod, (0,), 1.0),
    "reduce_sum": (lambda x: tf.reduce_sum(x, axis=1), (2, 0), [0.0, 0.0]),
    "cumsum exclusive": (lambda x: tf.cumsum(x, exclusive=True), (0, 2), np.zeros((0, 2))),
    "cumprod exclusive": (lambda x: tf.math.cumprod(x, axis=1, exclusive=True, reverse=True),
                          (2, 0), np.zeros((2, 0))),
    "softmax": (tf.nn.softmax, (2, 0), np.zeros((2, 0))),
    "log_softmax": (tf.nn.log_softmax, (2, 0), np.zeros((2, 0))),
    "slice": (lambda x: x[1:1], (3, 2), np.zeros((0, 2))),
}


@pytest.mark.parametrize("name", sorted(EMPTY_CASES))
def test_empty_tensors_reduce_and_differentiate_like_tensorflow(name: str) -> None:
    call, shape, expected = EMPTY_CASES[name]
    x = tf.constant(np.ones(shape))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = call(x)
    np.testing.assert_array_equal(np.asarray(y), expected)
    np.testing.assert_array_equal(np.asarray(tape.gradient(y, x)), np.zeros(shape))


# -- second derivatives through nested tapes -------------------------------------------------------

SECOND_ORDER_CASES: dict[str, Case] = {
    "Mul": binary(lambda x, y: x * y),
    "Exp": unary(tf.exp),
    "Log": unary(tf.math.log, POSITIVE),
    "Tanh": unary(tf.tanh),
    "Sigmoid": unary(tf.sigmoid, floats(-4, 4)),
    "Softmax": Case(with_axis(), tf.nn.softmax),
    "MatMul": Case(matmul_inputs(), tf.matmul),
    "Pow": binary(tf.pow, x=floats(0.5, 2)),
    "Sqrt": unary(tf.sqrt, POSITIVE),
    "StridedSlice": Case(slice_inputs(), lambda x, key: tf.square(x[key])),
    "SparseSoftmaxCrossEntropyWithLogits": Case(sparse_xent_inputs(), _sparse_xent),
    "Relu": unary(lambda x: tf.nn.relu(x) * x, NONZERO),
    # tf.math / tf.nn additions
    "Sin": unary(tf.sin),
    "Cos": unary(tf.cos),
    "Tan": unary(tf.tan, floats(-1.2, 1.2)),
    "Expm1": unary(tf.math.expm1),
    "Xlogy": binary(tf.math.xlogy, x=NONZERO, y=POSITIVE),
    "Selu": unary(tf.nn.selu, NONZERO),
    "Softsign": unary(tf.nn.softsign, NONZERO),
    "Einsum": Case(einsum_inputs(), lambda *xs, equation: tf.square(tf.einsum(equation, *xs))),
    "AvgPool": Case(pool_inputs(), lambda x, **pool: tf.square(tf.nn.avg_pool2d(x, **pool))),
}


SECOND_ORDER_CASES.update({  # issue 11's tf.math additions: their rules differentiate again
    "Asin": unary(tf.math.asin, floats(-0.8, 0.8)),
    "Atan2": binary(tf.math.atan2, x=SMOOTH, y=POSITIVE),
    "Sinh": unary(tf.math.sinh),
    "Acosh": unary(tf.math.acosh, floats(1.2, 3)),
    "Lgamma": unary(tf.math.lgamma, floats(0.3, 4)),
    "Erfinv": unary(tf.math.erfinv, floats(-0.9, 0.9)),
    "MatrixTriangularSolve": Case(triangular_inputs(), tf.linalg.triangular_solve),
    "Cross": Case(cross_inputs(), lambda u, v: tf.linalg.cross(u, v) * u),
})


@pytest.mark.parametrize("name", sorted(SECOND_ORDER_CASES))
@settings(SETTINGS, max_examples=10)
@given(data=st.data())
def test_second_derivative_matches_finite_differences(name: str, data: st.DataObject) -> None:
    case = SECOND_ORDER_CASES[name]
    example = data.draw(case.inputs, label="inputs")
    ran = check_second_derivative(case.call, example.arrays, example.kwargs, eps=case.eps,
                                  tol=case.tol)
    assert name in ran, f"the case for {name} ran only {sorted(ran)}"
