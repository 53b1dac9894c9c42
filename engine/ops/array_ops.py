"""Shape and layout ops: identity, reshape, transpose, slicing, stacking, gather, one_hot…"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.context import STATE
from engine.graph.sized import derive_attr, dims_from, shape_of
from engine.ops._args import kernel_dtype_name, tensors
from engine.ops.op_defs import attr_not_allowed
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, Variable, VariableSlice, convert_to_tensor, wrap


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _ints(value: Any) -> list[int]:
    if isinstance(value, Tensor):
        value = value._value
    elif isinstance(value, list | tuple):  # [tf.shape(x)[0], -1]: a traced tensor's value
        value = [v._value if isinstance(v, Tensor) else v for v in value]
    return [int(v) for v in np.asarray(value).reshape(-1)]


def shaped_by(result: Tensor, shape: Any, key: str = "shape") -> Tensor:
    """Inside a trace with unknown sizes: sizes given by ``tf.shape(x)`` (or ``None``) stay
    unknown in the result's static shape; and a size given as a traced tensor is its
    node's attribute ``key`` for each replay's sizes too (``engine.graph.sized``)."""
    graph = STATE.graph
    if graph is not None:
        if graph.static_shapes:
            graph.note_shape_argument(result, shape)
        if isinstance(shape, Tensor):
            derive_attr(result, key, dims_from, (None,), shape)
        elif isinstance(shape, list | tuple) and any(isinstance(d, Tensor) for d in shape):
            derive_attr(result, key, dims_from, (tuple(
                None if isinstance(d, Tensor) else int(d) for d in shape),),
                *[d for d in shape if isinstance(d, Tensor)])
    return result


def _math():  # late import: math_ops and array_ops use each other in gradient rules
    from engine.ops import math_ops

    return math_ops


# -- identity-like -----------------------------------------------------------------------------

IDENTITY = defop("Identity")(lambda x: x)
IDENTITY.doc = "The same value (a new tensor; reading a Variable through it records a read)."


@IDENTITY.gradient
def _(op, dy):
    """dy unchanged."""
    return (dy,)


READ = defop("ReadVariableOp")(lambda v: v)
READ.doc = "The value of a variable at the moment an op read it (recorded by tapes)."


@READ.gradient
def _(op, dy):
    """dy flows to the variable."""
    return (dy,)


STOP_GRADIENT = defop("StopGradient", differentiable=False)(lambda x: x)
STOP_GRADIENT.doc = "The same value, as a constant for every tape: no gradient passes."


# -- reshaping ---------------------------------------------------------------------------------

@defop("Reshape")
def _reshape(x, shape):
    """The same elements in a new shape (one dimension may be -1)."""
    return np.reshape(x, shape)


RESHAPE = _reshape


@RESHAPE.gradient
def _(op, dy):
    """dy reshaped back to the input's shape."""
    return (_reshaped_back(op, dy),)


def _reshaped_back(op: Any, dy: Tensor) -> Tensor:
    """dy in the shape of the op's input (traced: following the input's sizes)."""
    out = reshape(dy, op.inputs[0]._value.shape)
    if STATE.graph is not None:
        derive_attr(out, "shape", shape_of, (), op.inputs[0])
    return out


_FILL_BELOW = 4096  # elements: filling a small new array costs less than numpy's view machinery


@defop("BroadcastTo")
def _broadcast_to(x, shape):
    """x repeated along broadcast dimensions to ``shape``."""
    if math.prod(shape) > _FILL_BELOW:
        return np.broadcast_to(x, shape)  # a read-only view: no copy of a big result
    out = np.empty(shape, x.dtype)
    out[...] = x
    return out


BROADCAST_TO = _broadcast_to


@BROADCAST_TO.gradient
def _(op, dy):
    """dy summed over the broadcast dimensions."""
    return (_math().unbroadcast(dy, op.inputs[0]),)


@defop("Transpose")
def _transpose(x, perm):
    """Axes permuted by ``perm``."""
    return np.transpose(x, perm)


TRANSPOSE = _transpose


@TRANSPOSE.gradient
def _(op, dy):
    """dy transposed by the inverse permutation."""
    return (transpose(dy, [int(i) for i in np.argsort(op.attrs["perm"])]),)


@defop("ExpandDims")
def _expand_dims(x, axis):
    """A new axis of length 1 at ``axis``."""
    return np.expand_dims(x, axis)


EXPAND_DIMS = _expand_dims
EXPAND_DIMS.gradient(lambda op, dy: (_reshaped_back(op, dy),))


@defop("Squeeze")
def _squeeze(x, axis=None):
    """Length-1 axes removed (all of them, or those in ``axis``)."""
    return np.squeeze(x, axis=axis)


SQUEEZE = _squeeze
SQUEEZE.gradient(lambda op, dy: (_reshaped_back(op, dy),))


# -- slicing -----------------------------------------------------------------------------------

@defop("StridedSlice")
def _strided_slice(x, key):
    """Python-style indexing: ints, slices, ``...`` and ``newaxis``."""
    out = x[key]
    if x.dtype == object and not isinstance(out, np.ndarray):  # one string: a 0-d array
        out = np.asarray(out, dtype=object)
    return out


STRIDED_SLICE = _strided_slice


@STRIDED_SLICE.gradient
def _(op, dy):
    """dy written into zeros of the input's shape at the sliced positions."""
    x = op.inputs[0]
    out = execute(STRIDED_SLICE_GRAD, (dy,), {"shape": x._value.shape, "key": op.attrs["key"]})
    derive_attr(out, "shape", shape_of, (), x)  # traced: follows the input's sizes
    return (out,)


@defop("StridedSliceGrad")
def _strided_slice_grad(dy, shape, key):
    """Zeros of ``shape`` with dy placed at ``key`` (the scatter that undoes a slice)."""
    out = np.zeros(shape, dtype=np.asarray(dy).dtype)
    out[key] = dy
    return out


STRIDED_SLICE_GRAD = _strided_slice_grad


@STRIDED_SLICE_GRAD.gradient
def _(op, ddy):
    """Slicing again picks the gradient of the placed values."""
    return (execute(STRIDED_SLICE, (ddy,), {"key": op.attrs["key"]}),)


# ``tf.slice``: the same indexing under TensorFlow's own op name for it (graphs, Ops table).
SLICE = defop("Slice")(STRIDED_SLICE.forward)
SLICE.gradient(STRIDED_SLICE.grad)


_INDEX_ERROR = ("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and scalar "
                "tf.int32/tf.int64 tensors are valid indices, got {!r}")


def _normalize_index(item: Any) -> Any:
    if isinstance(item, Tensor):
        v = item._value
        if v.ndim == 0 and v.dtype.kind in "iu":
            return int(v)
        raise TypeError(_INDEX_ERROR.format(item))
    if item is None or item is Ellipsis or isinstance(item, int | np.integer):
        return item if not isinstance(item, np.integer) else int(item)
    if isinstance(item, slice):
        return slice(*(None if p is None else _normalize_index(p) for p in
                       (item.start, item.stop, item.step)))
    raise TypeError(_INDEX_ERROR.format(item))


def getitem(x: Tensor, key: Any) -> Tensor:
    """``tensor[key]`` as TensorFlow allows it: also a boolean mask (``tf.boolean_mask``), and
    a Python list read as a tuple (``x[[0, 1]]`` is ``x[0, 1]``, as in TensorFlow). A slice of
    a Variable can be assigned to (``v[0, 1].assign(...)``)."""
    if type(key) is list:
        if any(isinstance(k, bool | np.bool_) for k in key):
            raise attr_not_allowed("StridedSlice", "Index", "bool",
                                   fallback=": int16, int32, int64")
        key = tuple(key)
    elif isinstance(key, bool | np.bool_) or (
            isinstance(key, Tensor | np.ndarray) and _is_bool_mask(key)):
        from engine.ops.composed_array_ops import boolean_mask

        return boolean_mask(x, key)
    graph_index = STATE.graph is not None and _has_graph_index(key)
    sliced = _gathered(x, key) if graph_index else _getitem(x, key)
    if isinstance(x, Variable):
        if STATE.graph is None:
            return VariableSlice(sliced, x, key)
        from engine.graph.trace import SymbolicVariableSlice

        return SymbolicVariableSlice(sliced, x, key)
    return sliced


def _key_items(key: Any) -> tuple:
    return key if isinstance(key, tuple) else (key,)


def _has_graph_index(key: Any) -> bool:
    """Whether an index is a traced tensor: its value differs per call of the graph, so it
    must be an input of the slicing op, not baked into the trace."""
    from engine.graph.trace import SymbolicTensor

    return any(isinstance(k, SymbolicTensor) for k in _key_items(key))


def _graph_positions(x: Tensor, key: Any) -> Tensor:
    """An all-integer index with traced tensors among it, as a gather_nd index vector
    (negative positions count from the end, as in slicing)."""
    from engine.ops.math_ops import add, cast, less, where

    items = _key_items(key)
    if not all(isinstance(k, int | np.integer) or (isinstance(k, Tensor) and k._value.ndim == 0
                                                  and k._value.dtype.kind in "iu")
               for k in items) or len(items) > x._value.ndim:
        raise NotImplementedError(
            f"Indexing with {key!r} inside a tf.function: a tensor index is supported in "
            "Tapescope only as integers (x[i] or x[i, j]), not together with slices, "
            "`...` or tf.newaxis.")
    positions = []
    for k, dim in zip(items, x._value.shape):
        k = cast(k, "int32") if isinstance(k, Tensor) else convert_to_tensor(int(k))
        positions.append(where(less(k, 0), add(k, dim), k))
    return stack(positions)


def _gathered(x: Tensor, key: Any) -> Tensor:
    items = _key_items(key)
    if all(isinstance(k, int | np.integer | Tensor) for k in items):
        return gather_nd(x, _graph_positions(x, key))
    return _sliced_then_gathered(x, items)


def _sliced_then_gathered(x: Tensor, items: tuple) -> Tensor:
    """``x[i, :]``, ``x[..., i]``, ``x[1:, i, None]``: the static parts of the index as one
    strided slice (a traced index keeps its axis there), then one gather per traced index
    along its axis, last axis first so the earlier positions stay valid."""
    from engine.graph.trace import SymbolicTensor
    from engine.ops.math_ops import add, cast, less, where

    static: list[Any] = []
    traced: list[tuple[int, Tensor]] = []  # (axis in the sliced result, the index)
    consumed = sum(1 for k in items if k is not None and k is not Ellipsis)
    out_axis = 0
    for k in items:
        if isinstance(k, SymbolicTensor):
            if k._value.ndim != 0 or k._value.dtype.kind not in "iu":
                raise TypeError(_INDEX_ERROR.format(k))
            traced.append((out_axis, k))
            static.append(slice(None))
            out_axis += 1
        elif k is Ellipsis:
            static.append(k)
            out_axis += x._value.ndim - consumed
        else:
            static.append(k)
            if not isinstance(k, int | np.integer) and not (
                    isinstance(k, Tensor) and k._value.ndim == 0):
                out_axis += 1  # a slice or tf.newaxis keeps (or adds) an axis
    y = _getitem(x, tuple(static))
    for axis, k in reversed(traced):
        k = cast(k, "int32")
        y = gather(y, where(less(k, 0), add(k, y._value.shape[axis]), k), axis=axis)
    return y


def traced_slice_assign(variable: Variable, key: Any, value: Any) -> Variable:
    """``v[key].assign(value)`` inside a trace: the variable's new value is a
    TensorScatterUpdate of its current one (so the assignment node reads the value of each
    run, and an index that is a traced tensor follows each run's value too)."""
    from engine.ops.pad_scatter_ops import tensor_scatter_nd_update

    part = convert_to_tensor(value, dtype=variable.dtype)
    shape = variable._value.shape
    if _has_graph_index(key):
        index = _graph_positions(variable, key)
        target = shape[len(_key_items(key)):]
        indices = reshape(index, [1, -1])
        updates_shape = (1, *target)
    else:
        flat = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[
            normalized_key(key)]
        target = np.shape(flat)
        indices = convert_to_tensor(np.stack(np.unravel_index(flat, shape), axis=-1)
                                    .astype(np.int32).reshape(*target, len(shape)))
        updates_shape = target
    try:
        np.broadcast_shapes(part._value.shape, tuple(target))
        if len(part._value.shape) > len(target):
            raise ValueError
    except ValueError:
        raise errors.InvalidArgumentError(
            None, "ResourceStridedSliceAssign", f"Cannot broadcast input shape "
            f"[{','.join(map(str, part._value.shape))}] into final shape "
            f"[{','.join(map(str, target))}] [Op:ResourceStridedSliceAssign]") from None
    updates = broadcast_to(part, list(updates_shape))
    return variable.assign(tensor_scatter_nd_update(variable, indices, updates))


def _is_bool_mask(key: Any) -> bool:
    return (key._value if isinstance(key, Tensor) else key).dtype == np.bool_


def normalized_key(key: Any) -> tuple:
    """An index as a tuple of Python ints, slices, ``...`` and ``None`` (TypeError otherwise)."""
    items = key if isinstance(key, tuple) else (key,)
    return tuple(_normalize_index(k) for k in items)


def _getitem(x: Tensor, key: Any) -> Tensor:
    norm = normalized_key(key)
    try:
        return execute(STRIDED_SLICE, (x,), {"key": norm})
    except errors.InvalidArgumentError as exc:
        raise errors.InvalidArgumentError(
            None, "StridedSlice", f"Index {key!r} out of bounds for shape "
            f"{list(x._value.shape)}: {exc.text}") from None


def slice_(input_: Any, begin: Any, size: Any, name: str | None = None) -> Tensor:
    """``tf.slice``: ``size[i]`` elements from ``begin[i]`` (-1 = to the end)."""
    x = _t(input_)
    b, s = _ints(begin), _ints(size)
    if len(b) != x._value.ndim or len(s) != x._value.ndim:
        raise errors.InvalidArgumentError(
            None, "Slice", f"Expected begin and size arguments to be 1-D tensors of size "
            f"{x._value.ndim}, but got shapes [{len(b)}] and [{len(s)}] instead. [Op:Slice]")
    for i, (bi, si, dim) in enumerate(zip(b, s, x._value.shape)):
        if not 0 <= bi <= dim:
            raise errors.InvalidArgumentError(
                None, "Slice", f"Expected begin[{i}] in [0, {dim}], but got {bi} [Op:Slice]")
        if si != -1 and not 0 <= si <= dim - bi:
            raise errors.InvalidArgumentError(
                None, "Slice", f"Expected size[{i}] in [0, {dim - bi}], but got {si} [Op:Slice]")
    key = tuple(slice(bi, None if si == -1 else bi + si) for bi, si in zip(b, s))
    return execute(SLICE, (x,), {"key": key})


# -- joining and splitting -----------------------------------------------------------------------

@defop("Pack")
def _pack(*xs, axis=0):
    """Tensors of one shape stacked along a new axis."""
    return np.stack(xs, axis=axis)


PACK = _pack


@PACK.gradient
def _(op, dy):
    """dy unstacked along the same axis."""
    return tuple(unstack(dy, axis=op.attrs.get("axis", 0)))


@defop("Unpack", num_outputs=0)
def _unpack(x, num, axis=0):
    """x split into its slices along ``axis`` (that axis removed)."""
    return tuple(np.squeeze(p, axis=axis) for p in np.split(x, num, axis=axis))


UNPACK = _unpack


def _fill_missing(op: Any, dys: tuple) -> list:
    return [_math().zeros_like(o) if g is None else g for g, o in zip(dys, op.outputs)]


@UNPACK.gradient
def _(op, *dys):
    """The slices' gradients stacked back (zeros for unused slices)."""
    return (stack(_fill_missing(op, dys), axis=op.attrs.get("axis", 0)),)


@defop("ConcatV2")
def _concat(*xs, axis=0):
    """Tensors joined along an existing axis."""
    return np.concatenate(xs, axis=axis)


CONCAT = _concat


@CONCAT.gradient
def _(op, dy):
    """dy cut into the inputs' extents along the axis."""
    axis = op.attrs.get("axis", 0)
    sizes = [t._value.shape[axis] for t in op.inputs]
    pieces = tuple(split(dy, sizes, axis=axis))
    if STATE.graph is not None and pieces:  # traced: the extents follow the inputs' sizes
        derive_attr(pieces[0], "sizes", _extents, (axis,), *op.inputs)
    return pieces


def _extents(arrays: list, axis: int) -> tuple:
    return tuple(np.shape(a)[axis] for a in arrays)


@defop("SplitV", num_outputs=0)
def _split(x, sizes, axis=0):
    """x cut into pieces of the given sizes along ``axis``."""
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


SPLIT = _split


@SPLIT.gradient
def _(op, *dys):
    """The pieces' gradients joined back (zeros for unused pieces)."""
    return (concat(_fill_missing(op, dys), axis=op.attrs.get("axis", 0)),)


@defop("Tile")
def _tile(x, multiples):
    """x repeated ``multiples[i]`` times along axis i."""
    return np.tile(x, multiples)


TILE = _tile


@TILE.gradient
def _(op, dy):
    """dy folded into (multiple, size) pairs per axis and summed over the multiples."""
    from engine.ops.reduction_ops import reduce_sum

    shape = op.inputs[0]._value.shape
    mult = op.attrs["multiples"]
    folded = reshape(dy, [v for pair in zip(mult, shape) for v in pair])
    if STATE.graph is not None:  # traced: follows the input's sizes
        derive_attr(folded, "shape", _folded_shape, (tuple(mult),), op.inputs[0])
    return (reduce_sum(folded, axis=list(range(0, 2 * len(shape), 2))),)


def _folded_shape(arrays: list, mult: tuple) -> tuple:
    return tuple(v for pair in zip(mult, np.shape(arrays[0])) for v in pair)


# -- gathering and scattering --------------------------------------------------------------------

@defop("GatherV2")
def _gather(params, indices, axis=0):
    """Slices of params along ``axis`` picked by indices."""
    n = params.shape[axis]
    if np.any(indices < 0) or np.any(indices >= n):
        where = np.argwhere((indices < 0) | (indices >= n))[0]
        position = "[" + ",".join(map(str, where)) + "]" if indices.ndim else ""
        raise errors.InvalidArgumentError(
            None, "GatherV2", f"indices{position} = {indices[tuple(where)]} is not in "
            f"[0, {n}) [Op:GatherV2]")
    return np.take(params, indices, axis=axis)


GATHER = _gather


@GATHER.gradient
def _(op, dy):
    """dy summed into the rows it was gathered from, none to indices. Along axis 0 it stays
    sparse, as in TensorFlow: IndexedSlices(dy's rows, the indices, params' shape)."""
    params, indices = op.inputs
    axis = op.attrs.get("axis", 0)
    pshape = params._value.shape
    ishape = indices._value.shape
    k = len(ishape)
    if axis == 0:
        from engine.indexed_slices import IndexedSlices

        # one row per index: -1, not the count, so that a traced gradient keeps an unknown
        # number of indices unknown (None) as TensorFlow's does (explicit when a 0 in the
        # row shape leaves -1 undefined)
        rows = -1 if all(pshape[1:]) else int(np.prod(ishape, dtype=np.int64))
        values = dy if len(ishape) == 1 else reshape(dy, [rows] + list(pshape[1:]))
        flat = indices if len(ishape) == 1 else reshape(indices, [-1])
        return IndexedSlices(values, flat, wrap(np.asarray(pshape, np.int32))), None
    # Bring the gathered axes to the front: dy is params[:axis] + indices + params[axis+1:].
    perm = list(range(axis, axis + k)) + list(range(axis)) + list(
        range(axis + k, dy._value.ndim))
    moved = transpose(dy, perm) if perm != list(range(dy._value.ndim)) else dy
    flat = reshape(moved, [int(np.prod(ishape, dtype=np.int64))] + list(moved._value.shape[k:]))
    seg = unsorted_segment_sum(flat, reshape(indices, [-1]), pshape[axis])
    back = [int(i) for i in np.argsort([axis] + list(range(axis)) + list(
        range(axis + 1, len(pshape))))]
    return (transpose(seg, back) if back != list(range(len(pshape))) else seg), None


@defop("UnsortedSegmentSum")
def _segment_sum(data, segment_ids, num_segments):
    """Sum of the rows of data that share a segment id; rows with a negative id are dropped
    (TensorFlow's rule)."""
    out = np.zeros((num_segments,) + data.shape[segment_ids.ndim:], dtype=data.dtype)
    kept = segment_ids >= 0
    if kept.all():
        np.add.at(out, segment_ids, data)
    else:
        np.add.at(out, segment_ids[kept], data[kept])
    return out


SEGMENT_SUM = _segment_sum


@SEGMENT_SUM.gradient
def _(op, dy):
    """Each row receives the gradient of its segment; dropped rows (negative ids) get 0."""
    ids = op.inputs[1]._value
    kept = ids >= 0
    if kept.all():
        return gather(dy, op.inputs[1]), None
    rows = gather(dy, wrap(np.maximum(ids, 0)))
    mask = wrap(kept.reshape(kept.shape + (1,) * (rows._value.ndim - kept.ndim)))
    return _math().where(mask, rows, zeros_like(rows)), None


@defop("GatherNd")
def _gather_nd(params, indices):
    """Elements or slices of params addressed by the last axis of indices."""
    idx = tuple(np.moveaxis(indices, -1, 0))
    return params[idx]


GATHER_ND = _gather_nd


@GATHER_ND.gradient
def _(op, dy):
    """dy scattered (added) back to the addressed positions."""
    params, indices = op.inputs
    out = scatter_nd(indices, dy, params._value.shape)
    derive_attr(out, "shape", shape_of, (), params)  # traced: follows params' sizes
    return out, None


@defop("ScatterNd")
def _scatter_nd(indices, updates, shape):
    """Zeros of ``shape`` with updates added at indices."""
    out = np.zeros(shape, dtype=updates.dtype)
    np.add.at(out, tuple(np.moveaxis(indices, -1, 0)), updates)
    return out


SCATTER_ND = _scatter_nd


@SCATTER_ND.gradient
def _(op, dy):
    """The updates' gradient is dy gathered at their indices."""
    indices = op.inputs[0]
    return None, gather_nd(dy, indices)


@defop("Where", differentiable=False)
def _where_true(condition):
    """The int64 coordinates of the True elements, one row each, in row-major order."""
    return np.argwhere(condition).astype(np.int64)


WHERE = _where_true


@defop("OneHot", differentiable=False)
def _one_hot(indices, depth, on_value, off_value, axis=-1):
    """on_value at each index's position along a new axis of length depth, off_value elsewhere."""
    eye = np.arange(depth) == np.asarray(indices)[..., None]  # np.expand_dims, minus its Python
    out = np.where(eye, on_value, off_value)
    return np.moveaxis(out, -1, axis) if axis != -1 else out


ONE_HOT = _one_hot


# -- constants from shapes (no gradient to a shape) ---------------------------------------------

@defop("Fill")
def _fill(value, dims):
    """A tensor of shape ``dims`` filled with the scalar value."""
    return np.full(dims, value, dtype=np.asarray(value).dtype)


FILL = _fill


@FILL.gradient
def _(op, dy):
    """The scalar receives the sum of dy."""
    from engine.ops.reduction_ops import reduce_sum

    return (reduce_sum(dy),)


ZEROS_LIKE = defop("ZerosLike", differentiable=False)(np.zeros_like)
ONES_LIKE = defop("OnesLike", differentiable=False)(np.ones_like)


@defop("Range", differentiable=False)
def _range(start, limit, delta, dtype):
    """Evenly spaced values in [start, limit)."""
    return np.arange(start, limit, delta, dtype=dtype)


RANGE = _range


@defop("RangeOfTensors", differentiable=False)
def _range_of_tensors(start, limit, delta, *, dtype, traced_length):
    """``tf.range`` of tensors inside a ``tf.function``: the values from each run's bounds,
    in as many elements as when traced (graph values have static shapes; another length is
    an error that says so rather than a result of the wrong size)."""
    out = np.arange(start, limit, delta, dtype=dtype) if delta != 0 else np.zeros(0, dtype)
    if out.shape[0] != traced_length:
        raise errors.InvalidArgumentError(
            None, "Range", f"tf.range gives {out.shape[0]} elements in this call but gave "
            f"{traced_length} when the tf.function was traced: Tapescope traces a graph per "
            "input shape, with static shapes, and these bounds depend on an input's value. "
            "Make them follow an input's shape (e.g. tf.shape(x)[0]), pass them as Python "
            "numbers (which retraces per value), or loop with `for i in tf.range(n)` (a graph "
            "loop, which any n suits).")
    return out


RANGE_OF_TENSORS = _range_of_tensors


def _range_length(arrays: list, dtype: np.dtype) -> int:
    """How many elements ``tf.range`` of these bounds gives (a replay's traced_length)."""
    start, limit, delta = (np.asarray(a).item() for a in arrays)
    return int(np.arange(start, limit, delta, dtype=dtype).shape[0]) if delta != 0 else 0


@defop("Shape", differentiable=False)
def _shape(x, out_type=np.int32):
    """The shape of x as a 1-D integer tensor."""
    return np.array(np.shape(x), dtype=out_type)


SHAPE = _shape
RANK = defop("Rank", differentiable=False)(lambda x: np.array(np.ndim(x), dtype=np.int32))
SIZE = defop("Size", differentiable=False)(lambda x, out_type=np.int32: np.array(
    np.size(x), dtype=out_type))


# -- public functions ----------------------------------------------------------------------------

def identity(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    return execute(IDENTITY, (_t(input),))


def stop_gradient(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    return execute(STOP_GRADIENT, (_t(input),))


def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    x = _t(tensor)
    dims = tuple(_ints(shape)) if not isinstance(shape, tuple | list) or any(
        isinstance(d, Tensor) for d in shape) else tuple(int(d) for d in shape)
    if dims == x._value.shape:
        return execute(IDENTITY, (x,)) if isinstance(x, Variable) else x
    known = int(np.prod([d for d in dims if d != -1], dtype=np.int64))
    size = x._value.size
    if dims.count(-1) == 1 and known == 0 and size == 0:
        dims = _infer_beside_zero(x._value.shape, dims)
    elif dims.count(-1) > 1:
        first, second = [i for i, d in enumerate(dims) if d == -1][:2]
        raise _reshape_error(f"Only one input size may be -1, not both {first} and {second}")
    elif (-1 not in dims and known != size) or (-1 in dims and (known == 0 or size % known)):
        raise _reshape_error(
            f"Input to reshape is a tensor with {size} values, but the requested shape "
            + (f"requires a multiple of {known}" if -1 in dims and known else f"has {known}"))
    return shaped_by(execute(RESHAPE, (x,), {"shape": dims}), shape)


def _reshape_error(text: str) -> errors.InvalidArgumentError:
    return errors.InvalidArgumentError(None, "Reshape", f"{text} [Op:Reshape]")


def _infer_beside_zero(shape: tuple, dims: tuple) -> tuple:
    """The -1 of a shape that also holds a 0, for an empty input, as TensorFlow infers it:
    the input's non-zero dimensions over the requested non-zero ones ([0, 6] -> [0, -1] is
    [0, 6], where "any size" would be numpy's error)."""
    inside = int(np.prod([d for d in shape if d > 0], dtype=np.int64))
    requested = int(np.prod([d for d in dims if d > 0], dtype=np.int64))
    return tuple(inside // requested if d == -1 else d for d in dims)


def broadcast_to(input: Any, shape: Any, name: str | None = None) -> Tensor:  # noqa: A002
    x = _t(input)
    dims = tuple(_ints(shape))
    if dims == x._value.shape:
        return x
    try:
        np.broadcast_shapes(x._value.shape, dims)
    except ValueError:
        raise errors.InvalidArgumentError(
            None, "BroadcastTo", f"Unable to broadcast tensor of shape {list(x._value.shape)} "
            f"to tensor of shape {list(dims)} [Op:BroadcastTo]") from None
    return shaped_by(execute(BROADCAST_TO, (x,), {"shape": dims}), shape)


def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: str | None = None) -> Tensor:
    x = _t(a)
    nd = x._value.ndim
    p = list(range(nd))[::-1] if perm is None else [int(i) % max(nd, 1) for i in _ints(perm)]
    if sorted(p) != list(range(nd)):
        raise errors.InvalidArgumentError(
            None, "Transpose", f"transpose expects a permutation of [0..{nd}), got {p} "
            "[Op:Transpose]")
    return execute(TRANSPOSE, (x,), {"perm": tuple(p)})


def expand_dims(input: Any, axis: int, name: str | None = None) -> Tensor:  # noqa: A002
    x = _t(input)
    nd = x._value.ndim
    axis = int(axis._value if isinstance(axis, Tensor) else axis)
    if not -nd - 1 <= axis <= nd:
        raise errors.InvalidArgumentError(
            None, "ExpandDims", f"Tried to expand dim index {axis} for tensor with {nd} "
            "dimensions. [Op:ExpandDims]")
    return execute(EXPAND_DIMS, (x,), {"axis": axis})


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    x = _t(input)
    if axis is None:
        return execute(SQUEEZE, (x,))
    axes = tuple(a % x._value.ndim for a in _ints(axis))
    for a in axes:
        if x._value.shape[a] != 1:
            raise errors.InvalidArgumentError(
                None, "Squeeze", f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                f"{x._value.shape[a]} [Op:Squeeze]")
    return execute(SQUEEZE, (x,), {"axis": axes})


def _dims(shape: tuple) -> str:
    return "[" + ",".join(map(str, shape)) + "]"


def _check_same_shapes(xs: tuple, op_name: str, axis: int | None, name: str = "") -> None:
    """Pack's check (every shape equal) or, with ``axis``, ConcatV2's (equal ranks, equal
    sizes off the axis), in the kernels' words."""
    shapes = [t._value.shape for t in xs]
    first = shapes[0]
    for i, s in enumerate(shapes[1:], 1):
        if axis is None:
            text = (f"Shapes of all inputs must match: values[0].shape = {_dims(first)} != "
                    f"values[{i}].shape = {_dims(s)}") if s != first else ""
        elif len(s) != len(first):
            text = (f"ConcatOp : Ranks of all input tensors should match: shape[0] = "
                    f"{_dims(first)} vs. shape[{i}] = {_dims(s)}")
        else:
            bad = next((j for j in range(len(s)) if j != axis and s[j] != first[j]), None)
            text = "" if bad is None else (
                f"ConcatOp : Dimension {bad} in both shapes must be equal: shape[0] = "
                f"{_dims(first)} vs. shape[{i}] = {_dims(s)}")
        if text:
            raise errors.wrapped_kernel(errors.InvalidArgumentError(
                None, op_name, f"{text} [Op:{op_name}] name: {name}"), N=len(xs))


def stack(values: Any, axis: int = 0, name: str = "stack") -> Tensor:
    xs = tensors(list(values), "Pack")
    _check_same_shapes(xs, "Pack", None, name)
    nd = xs[0]._value.ndim
    if not -nd - 1 <= axis <= nd:
        raise ValueError(f"Argument `axis` = {axis} not in range [{-nd - 1}, {nd + 1})")
    return execute(PACK, xs, {"axis": axis % (nd + 1)})


def unstack(value: Any, num: int | None = None, axis: int = 0, name: str = "unstack") -> list:
    x = _t(value)
    if x._value.ndim == 0:
        raise ValueError("Input shape axis 0 must have rank at least 1.")
    axis = axis % x._value.ndim
    n = x._value.shape[axis]
    if n == 0:
        return []
    return list(execute(UNPACK, (x,), {"num": n, "axis": axis}))


def concat(values: Any, axis: int, name: str = "concat") -> Tensor:
    xs = tensors(list(values), "ConcatV2")
    nd = xs[0]._value.ndim
    if nd == 0:
        raise errors.wrapped_kernel(errors.InvalidArgumentError(
            None, "ConcatV2", "Can't concatenate scalars (use tf.stack instead) [Op:ConcatV2]"),
            N=len(xs))
    axis = int(axis)
    if not -nd <= axis < nd:
        raise errors.wrapped_kernel(errors.InvalidArgumentError(
            None, "ConcatV2", f"ConcatOp : Expected concatenating dimensions in the range "
            f"[{-nd}, {nd}), but got {axis} [Op:ConcatV2] name: {name}"), N=len(xs))
    axis %= nd
    _check_same_shapes(xs, "ConcatV2", axis, name)
    if len(xs) == 1:
        return xs[0]
    return execute(CONCAT, xs, {"axis": axis})


def split(value: Any, num_or_size_splits: Any, axis: int = 0, num: int | None = None,
          name: str = "split") -> list:
    x = _t(value)
    axis = int(axis) % x._value.ndim
    n = x._value.shape[axis]
    if isinstance(num_or_size_splits, int | np.integer):
        k = int(num_or_size_splits)
        if k <= 0 or n % k:
            raise errors.wrapped_kernel(errors.InvalidArgumentError(
                None, "Split", f"Number of ways to split should evenly divide the split "
                f"dimension, but got split_dim {axis} (size = {n}) and num_split {k} [Op:Split] "
                f"name: {name}"),
                num_split=k)
        sizes = [n // k] * k
    else:
        sizes = _ints(num_or_size_splits)
        if sizes.count(-1) == 1:
            sizes[sizes.index(-1)] = n - (sum(sizes) + 1)
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise errors.wrapped_kernel(errors.InvalidArgumentError(
                None, "SplitV", f"Determined shape must either match input shape along "
                f"split_dim exactly if fully specified, or be less than the size of the input "
                f"along split_dim if not fully specified.  Got: {sum(sizes)} [Op:SplitV] "
                f"name: {name}"),
                num_split=len(sizes))
    return list(execute(SPLIT, (x,), {"sizes": tuple(sizes), "axis": axis}))


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:  # noqa: A002
    x = _t(input)
    mult = tuple(_ints(multiples))
    if len(mult) != x._value.ndim:
        raise errors.InvalidArgumentError(
            None, "Tile", f"Expected multiples argument to be a vector of length "
            f"{x._value.ndim} but got length {len(mult)} [Op:Tile]")
    return execute(TILE, (x,), {"multiples": mult})


def _index_tensor(indices: Any, op_name: str) -> Tensor:
    idx = _t(indices)
    if idx._value.dtype.kind not in "iu":  # TensorFlow: no kernel for float indices
        raise attr_not_allowed(op_name, "TI" if op_name == "OneHot" else "Tindices",
                               kernel_dtype_name(idx._value.dtype), fallback=": int32, int64")
    return idx


def gather(params: Any, indices: Any, validate_indices: Any = None, axis: int | None = None,
           batch_dims: int = 0, name: str | None = None) -> Tensor:
    p = _t(params)
    idx = _index_tensor(indices, "GatherV2")
    if batch_dims:
        raise NotImplementedError("tf.gather with batch_dims != 0 is not supported yet.")
    ax = 0 if axis is None else int(axis) % p._value.ndim
    try:
        return execute(GATHER, (p, idx), {"axis": ax})
    except errors.InvalidArgumentError as error:
        from engine.keras.variables import KerasVariable  # engine.keras imports this module
        # TF's tf.gather hands a Keras 3 variable (it has no sparse_read) to GatherV2
        # unconverted; the fast path cannot take it and the eager fallback adds no " name: "
        if isinstance(params, KerasVariable):
            error.eager_fallback = True
        raise


def unsorted_segment_sum(data: Any, segment_ids: Any, num_segments: Any,
                         name: str | None = None) -> Tensor:
    d = _t(data)
    ids = _index_tensor(segment_ids, "UnsortedSegmentSum")
    n = int(num_segments._value if isinstance(num_segments, Tensor) else num_segments)
    if ids._value.size and ids._value.max() >= n:
        raise errors.InvalidArgumentError(
            None, "UnsortedSegmentSum", f"segment_ids must be < num_segments = {n} (negative "
            "ids drop their rows) [Op:UnsortedSegmentSum]")
    return execute(SEGMENT_SUM, (d, ids), {"num_segments": n})


def gather_nd(params: Any, indices: Any, batch_dims: int = 0, name: str | None = None) -> Tensor:
    p = _t(params)
    idx = _index_tensor(indices, "GatherNd")
    if batch_dims:
        return _batched_gather_nd(p, idx, int(batch_dims))
    depth = idx._value.shape[-1] if idx._value.ndim else 0
    if idx._value.ndim == 0 or depth > p._value.ndim:
        raise errors.InvalidArgumentError(
            None, "GatherNd", f"index innermost dimension length must be <= params rank; saw: "
            f"{depth} vs. {p._value.ndim} [Op:GatherNd]")
    _check_gather_nd_indices(idx._value, p._value.shape)
    return execute(GATHER_ND, (p, idx))


def _check_gather_nd_indices(indices: np.ndarray, shape: tuple) -> None:
    """TF's GatherNd kernel's error: the first index (in order) with a component outside
    ``shape``, named by its position among the indices, all its components quoted."""
    depth = indices.shape[-1]
    rows = indices.reshape(-1, depth)
    bad = np.flatnonzero(((rows < 0) | (rows >= np.asarray(shape[:depth]))).any(axis=1))
    if not bad.size:
        return
    where = np.unravel_index(int(bad[0]), indices.shape[:-1])
    position = f"[{','.join(str(int(i)) for i in where)}]" if where else ""
    row = ", ".join(str(int(i)) for i in rows[bad[0]])
    raise errors.InvalidArgumentError(
        None, "GatherNd", f"indices{position} = [{row}] does not index into param shape "
        f"[{','.join(str(d) for d in shape)}], node name: GatherNd [Op:GatherNd]")


def _batched_gather_nd(p: Tensor, idx: Tensor, batch_dims: int) -> Tensor:
    """gather_nd with leading batch dimensions: each batch's indices index that batch's
    params. Done as one plain gather_nd over the batch-flattened params, each index prefixed
    with its batch's position (so the tape and graph see ordinary ops)."""
    if batch_dims < 0:
        batch_dims += idx._value.ndim
    batch = p._value.shape[:batch_dims]
    if not 0 <= batch_dims < idx._value.ndim or idx._value.shape[:batch_dims] != batch:
        raise errors.InvalidArgumentError(
            None, "GatherNd", f"batch_dims {batch_dims} must be less than the rank of indices "
            f"and the leading dimensions of params {list(p._value.shape)} and indices "
            f"{list(idx._value.shape)} must match [Op:GatherNd]")
    count = int(np.prod(batch, dtype=np.int64))
    inner = idx._value.reshape((count,) + idx._value.shape[batch_dims:])
    position = np.arange(count, dtype=inner.dtype).reshape((count,) + (1,) * (inner.ndim - 1))
    prefixed = np.concatenate([np.broadcast_to(position, inner.shape[:-1] + (1,)), inner], -1)
    flat = reshape(p, (count,) + p._value.shape[batch_dims:])
    out = gather_nd(flat, wrap(prefixed))
    return reshape(out, batch + out._value.shape[1:])


def scatter_nd(indices: Any, updates: Any, shape: Any, name: str | None = None) -> Tensor:
    idx = _index_tensor(indices, "ScatterNd")
    return execute(SCATTER_ND, (idx, _t(updates)), {"shape": tuple(_ints(shape))})


def one_hot(indices: Any, depth: int, on_value: Any = None, off_value: Any = None,
            axis: int | None = None, dtype: Any = None, name: str | None = None) -> Tensor:
    """``tf.one_hot``: float32 by default; out-of-range indices give an all-off row."""
    idx = _index_tensor(indices, "OneHot")
    # Without dtype: on_value's (else off_value's) dtype as a tensor (Python int: int32).
    given = on_value if on_value is not None else off_value
    d = _dt.as_dtype(dtype)._np if dtype is not None else (
        _t(given)._value.dtype if given is not None else np.dtype(np.float32))
    on = np.asarray(1 if on_value is None else on_value).astype(d)
    off = np.asarray(0 if off_value is None else off_value).astype(d)
    return execute(ONE_HOT, (idx,), {"depth": int(depth), "on_value": on, "off_value": off,
                                      "axis": -1 if axis is None else int(axis)})


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    v = _t(value)
    return shaped_by(execute(FILL, (v,), {"dims": tuple(_ints(dims))}), dims, "dims")


def _traced_shape(shape: Any) -> bool:
    """A shape argument computed inside a trace (``tf.shape(x)``), not a constant."""
    if STATE.graph is None:
        return False
    from engine.graph.trace import SymbolicTensor

    items = shape if isinstance(shape, list | tuple) else [shape]
    return any(isinstance(d, SymbolicTensor) for d in items)


def zeros(shape: Any, dtype: Any = _dt.float32, name: str | None = None) -> Tensor:
    if _traced_shape(shape):  # a graph op, as TF's, whose static shape can hold None
        return fill(shape, np.zeros((), _dt.as_dtype(dtype)._np))
    return wrap(np.zeros(tuple(_ints(shape)), dtype=_dt.as_dtype(dtype)._np))


def ones(shape: Any, dtype: Any = _dt.float32, name: str | None = None) -> Tensor:
    if _traced_shape(shape):
        return fill(shape, np.ones((), _dt.as_dtype(dtype)._np))
    return wrap(np.ones(tuple(_ints(shape)), dtype=_dt.as_dtype(dtype)._np))


def zeros_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    x = _t(input)
    out = execute(ZEROS_LIKE, (x,))
    return out if dtype is None else _math().cast(out, dtype)


def ones_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    x = _t(input)
    out = execute(ONES_LIKE, (x,))
    return out if dtype is None else _math().cast(out, dtype)


def eye(num_rows: int, num_columns: int | None = None, batch_shape: Any = None,
        dtype: Any = _dt.float32, name: str | None = None) -> Tensor:
    m = np.eye(int(num_rows), None if num_columns is None else int(num_columns),
               dtype=_dt.as_dtype(dtype)._np)
    if batch_shape is not None:
        m = np.broadcast_to(m, tuple(_ints(batch_shape)) + m.shape).copy()
    return wrap(m)


_RANGE_DTYPES = [np.dtype(t) for t in (np.int32, np.int64, np.float16, np.float32, np.float64)]


def range_(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,
          name: str = "range") -> Tensor:
    """``tf.range``: without ``dtype``, the widest of its arguments' dtypes as tensors
    (Python ints int32, floats float32; a float64 tensor makes it float64)."""
    if limit is None:
        start, limit = 0, start
    given = (start, limit, delta)
    vals = [v._value.item() if isinstance(v, Tensor) else v for v in (start, limit, delta)]
    if dtype is not None:
        d = _dt.as_dtype(dtype)._np
    else:
        d = max((_t(v)._value.dtype for v in (start, limit, delta)), key=_RANGE_DTYPES.index)
    start, limit, delta = vals
    if delta == 0:
        raise errors.InvalidArgumentError(None, "Range", "Requires delta != 0: 0 [Op:Range]")
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):
        way = ("start <= limit when delta > 0" if delta > 0
               else "start >= limit when delta < 0")
        raise errors.InvalidArgumentError(
            None, "Range", f"Requires {way}: {start}/{limit} [Op:Range]")
    if STATE.graph is not None and _has_graph_index(given):  # values only a run knows
        traced = np.arange(*vals, dtype=d)
        bounds = tuple(_t(b) for b in given)
        out = execute(RANGE_OF_TENSORS, bounds, {"dtype": d, "traced_length": traced.shape[0]})
        derive_attr(out, "traced_length", _range_length, (d,), *bounds)  # tf.shape(x)[0]
        return out
    return execute(RANGE, (), {"start": vals[0], "limit": vals[1], "delta": vals[2], "dtype": d})


def shape(input: Any, out_type: Any = _dt.int32, name: str | None = None) -> Tensor:  # noqa: A002
    return execute(SHAPE, (_t(input),), {"out_type": _dt.as_dtype(out_type)._np})


def rank(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    return execute(RANK, (_t(input),))


def size(input: Any, out_type: Any = _dt.int32, name: str | None = None) -> Tensor:  # noqa: A002
    return execute(SIZE, (_t(input),), {"out_type": _dt.as_dtype(out_type)._np})
