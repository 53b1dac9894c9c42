"""Static shapes of traced tensors: the shape TensorFlow knows while tracing, ``None`` where a
size is only known when the graph runs.

Tracing is concrete (``engine.graph.trace``): every traced tensor holds a real value, so its
concrete shape is known. Only when an argument is traced for a signature with ``None``
dimensions (``input_signature``, a shape ``reduce_retracing`` relaxed) do shapes need
inferring, as TF's per-op shape functions do: ``infer`` maps the inputs' static shapes to
the outputs'. It runs at trace time only, never when the graph executes.

Per op, in this order: a rule of ``RULES`` (keyed by op name); an op whose output has the
broadcast shape of its inputs (elementwise ops, casts, activations) broadcasts the static
shapes; any other op keeps its concrete dimensions except those equal to a trace-time size
of an unknown input dimension (a batch dimension passed through, the usual case).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from engine.shape import TensorShape

Dims = list  # a static shape as a list of int | None
Rule = Callable[[list[Dims | None], dict, list[tuple]], list[Dims | None] | None]
RULES: dict[str, Rule] = {}
_REDUCTIONS = ("Sum", "Mean", "Max", "Min", "Prod", "Any", "All", "EuclideanNorm")


def rule(*names: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        for name in names:
            RULES[name] = fn
        return fn
    return register


def _merge(a: int | None, b: int | None) -> int | None:
    return a if b is None else b


def broadcast(*shapes: Dims) -> Dims:
    """Numpy/TF broadcasting of static shapes: a 1 takes the other size, a known size
    beats ``None`` (the other must be 1 or that size), two ``None`` stay ``None``."""
    rank = max(len(s) for s in shapes)
    out: Dims = []
    for i in range(rank):
        dims = [s[len(s) - rank + i] for s in shapes if len(s) - rank + i >= 0]
        known = [d for d in dims if d is not None and d != 1]
        if known:
            out.append(known[0])
        elif any(d is None for d in dims):
            out.append(None)
        else:
            out.append(1)
    return out


def _axes(axis: Any, rank: int) -> set[int]:
    if axis is None:
        return set(range(rank))
    axes = np.atleast_1d(np.asarray(axis)).tolist()
    return {int(a) % rank for a in axes} if rank else set()


@rule(*_REDUCTIONS)
def _reduce(ins: list, attrs: dict, outs: list) -> list:
    (x,) = ins[:1]
    axes = _axes(attrs.get("axis"), len(x))
    if attrs.get("keepdims"):
        return [[1 if i in axes else d for i, d in enumerate(x)]]
    return [[d for i, d in enumerate(x) if i not in axes]]


@rule("ArgMax", "ArgMin")
def _arg_reduce(ins: list, attrs: dict, outs: list) -> list:
    x = ins[0]
    axis = int(attrs.get("axis", 0)) % len(x)
    return [[d for i, d in enumerate(x) if i != axis]]


@rule("MatMul", "BatchMatMulV2")
def _matmul(ins: list, attrs: dict, outs: list) -> list:
    a, b = ins[:2]
    rows = a[-1] if attrs.get("transpose_a") else a[-2]
    cols = b[-2] if attrs.get("transpose_b") else b[-1]
    return [broadcast(a[:-2], b[:-2]) + [rows, cols]]


@rule("Reshape")
def _reshape(ins: list, attrs: dict, outs: list) -> list:
    """The requested shape; its -1 is unknown when the input's size is."""
    x, shape = ins[0], list(attrs["shape"])
    size_known = all(d is not None for d in x)
    return [[outs[0][i] if d == -1 and size_known else (None if d == -1 else int(d))
             for i, d in enumerate(shape)]]


@rule("Transpose")
def _transpose(ins: list, attrs: dict, outs: list) -> list:
    return [[ins[0][int(p)] for p in attrs["perm"]]]


@rule("ExpandDims")
def _expand_dims(ins: list, attrs: dict, outs: list) -> list:
    x = list(ins[0])
    axis = int(attrs["axis"])
    x.insert(axis % (len(x) + 1), 1)
    return [x]


@rule("Squeeze")
def _squeeze(ins: list, attrs: dict, outs: list) -> list | None:
    x, axis = ins[0], attrs.get("axis")
    if axis is None:  # TF: every size-1 axis, so an unknown size leaves the rank unknown
        return [None] if any(d is None for d in x) else [[d for d in x if d != 1]]
    axes = _axes(axis, len(x))
    return [[d for i, d in enumerate(x) if i not in axes]]


@rule("StridedSlice")
def _strided_slice(ins: list, attrs: dict, outs: list) -> list | None:
    """Python indexing: an int drops its axis, ``newaxis`` adds one, a slice of an unknown
    axis is unknown; known axes keep their sliced size."""
    x, out = ins[0], outs[0]
    key = attrs["key"] if isinstance(attrs["key"], tuple) else (attrs["key"],)
    if not all(k is None or k is Ellipsis or isinstance(k, int | np.integer | slice)
               for k in key):
        return None  # fancy indexing: the fallback
    if Ellipsis in key:
        at = key.index(Ellipsis)
        fill = len(x) - sum(1 for k in key if k is not None and k is not Ellipsis)
        key = key[:at] + (slice(None),) * fill + key[at + 1:]
    key = key + (slice(None),) * (len(x) - sum(1 for k in key if k is not None))
    dims: Dims = []
    axis = 0
    for k in key:
        if k is None:
            dims.append(1)
            continue
        if isinstance(k, slice):
            dims.append(None if x[axis] is None else out[len(dims)])
        axis += 1
    return [dims]


@rule("ConcatV2")
def _concat(ins: list, attrs: dict, outs: list) -> list:
    axis = int(attrs.get("axis", 0)) % len(ins[0])
    dims: Dims = []
    for i in range(len(ins[0])):
        column = [s[i] for s in ins]
        if i == axis:
            dims.append(None if None in column else sum(column))
        else:
            dims.append(next((d for d in column if d is not None), None))
    return [dims]


@rule("Pack")
def _pack(ins: list, attrs: dict, outs: list) -> list:
    merged = [next((d for d in column if d is not None), None) for column in zip(*ins)]
    merged.insert(int(attrs.get("axis", 0)) % (len(merged) + 1), len(ins))
    return [merged]


@rule("Unpack")
def _unpack(ins: list, attrs: dict, outs: list) -> list:
    x = ins[0]
    axis = int(attrs.get("axis", 0)) % len(x)
    return [[d for i, d in enumerate(x) if i != axis]] * len(outs)


@rule("Shape")
def _shape(ins: list, attrs: dict, outs: list) -> list:
    return [[len(ins[0])]]


@rule("Size", "Rank")
def _scalar(ins: list, attrs: dict, outs: list) -> list:
    return [[]]


@rule("Tile")
def _tile(ins: list, attrs: dict, outs: list) -> list:
    return [[None if d is None else d * int(m) for d, m in zip(ins[0], attrs["multiples"])]]


@rule("GatherV2")
def _gather(ins: list, attrs: dict, outs: list) -> list:
    params, indices = ins[:2]
    axis = int(attrs.get("axis", 0)) % len(params)
    return [params[:axis] + indices + params[axis + 1:]]


@rule("OneHot")
def _one_hot(ins: list, attrs: dict, outs: list) -> list:
    dims = list(ins[0])
    axis = int(attrs.get("axis", -1))
    dims.insert(len(dims) if axis == -1 else axis, int(attrs["depth"]))
    return [dims]


@rule("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_xent(ins: list, attrs: dict, outs: list) -> list:
    logits, labels = ins[:2]
    return [[_merge(a, b) for a, b in zip(logits[:-1], labels)]]


@rule("SoftmaxCrossEntropyWithLogits")
def _xent(ins: list, attrs: dict, outs: list) -> list:
    merged = broadcast(*ins[:2])
    axis = int(attrs.get("axis", -1)) % len(merged)
    return [[d for i, d in enumerate(merged) if i != axis]]


@rule("Conv2D", "DepthwiseConv2dNative", "MaxPool", "AvgPool")
def _batched_image(ins: list, attrs: dict, outs: list) -> list:
    """NHWC image ops: the batch is the input's; the rest follows from known sizes."""
    return [[ins[0][0]] + list(outs[0][1:])]


def _of_unknown_rank(op_name: str, attrs: dict, out: tuple) -> TensorShape:
    """An input of unknown rank: a shape vector of unknown length, scalars stay scalars."""
    if op_name == "Shape":
        return TensorShape([None])
    if op_name in ("Size", "Rank") or (op_name in _REDUCTIONS and attrs.get("axis") is None
                                        and not attrs.get("keepdims")):
        return TensorShape([])
    return TensorShape(None)


def _fallback(ins: list, concrete_ins: list, outs: list) -> list:
    """Elementwise ops broadcast; any other op: its concrete sizes, those equal to a
    trace-time size of an unknown input dimension counted unknown."""
    try:
        elementwise = len(outs) == 1 and bool(concrete_ins) and outs[0] == tuple(
            np.broadcast_shapes(*concrete_ins))
    except ValueError:  # inputs that do not broadcast: not an elementwise op
        elementwise = False
    if elementwise:
        return [broadcast(*ins)]
    unknown = {c for s, cs in zip(ins, concrete_ins) for d, c in zip(s, cs)
               if d is None and c != 1}
    return [[None if d in unknown else d for d in out] for out in outs]


def infer(op_name: str, in_shapes: list[TensorShape], concrete_ins: list[tuple], attrs: dict,
          outs: list[tuple]) -> list[TensorShape]:
    """Static shapes of an op's outputs from its inputs' (``outs``: the concrete ones)."""
    if any(s.rank is None for s in in_shapes):
        return [_of_unknown_rank(op_name, attrs, o) for o in outs]
    ins = [s.as_list() for s in in_shapes]
    found = None
    fn = RULES.get(op_name)
    if fn is not None:
        try:
            found = fn(ins, attrs, outs)
            if found is not None and len(found) != len(outs):
                found = None
        except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
            found = None  # an attribute spelled another way: the fallback's answer
    if found is None:
        try:
            found = _fallback(ins, concrete_ins, outs)
        except ValueError:  # inputs that do not broadcast
            found = [list(o) for o in outs]
    return [TensorShape(s) if _fits(s, o) else TensorShape(o) for s, o in zip(found, outs)]


def _fits(static: Dims | None, concrete: tuple) -> bool:
    """A rule's answer must agree with what the op computed (else the concrete shape)."""
    return static is None or (len(static) == len(concrete) and all(
        d is None or d == c for d, c in zip(static, concrete)))
