"""Activations, softmax and the losses built on it (``tf.nn``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import errors
from engine.ops import math_ops as m
from engine.ops._args import binary_args, require_kinds
from engine.ops.array_ops import expand_dims, one_hot
from engine.ops.reduction_ops import reduce_sum
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _float(x: Any, op_name: str) -> Tensor:
    x = _t(x)
    require_kinds(x, "f", op_name)
    return x


# -- activations -------------------------------------------------------------------------

RELU = defop("Relu")(lambda x: np.maximum(x, 0).astype(x.dtype, copy=False))
RELU.doc = "max(x, 0)."


@RELU.gradient
def _(op, dy):
    """dy where x > 0, else 0."""
    return (m.where(m.greater(op.inputs[0], 0), dy, m.zeros_like(dy)),)


RELU6 = defop("Relu6")(lambda x: np.clip(x, 0, 6).astype(x.dtype, copy=False))
RELU6.doc = "min(max(x, 0), 6)."


@RELU6.gradient
def _(op, dy):
    """dy where 0 < x < 6, else 0."""
    x = op.inputs[0]
    inside = m.logical_and(m.greater(x, 0), m.less(x, 6))
    return (m.where(inside, dy, m.zeros_like(dy)),)


@defop("LeakyRelu")
def _leaky_relu(x, alpha=0.2):
    """x where x > 0, alpha·x elsewhere."""
    return np.where(x > 0, x, x * np.asarray(alpha, dtype=x.dtype))


LEAKY_RELU = _leaky_relu


@LEAKY_RELU.gradient
def _(op, dy):
    """dy where x > 0, alpha·dy elsewhere."""
    alpha = op.attrs.get("alpha", 0.2)
    return (m.where(m.greater(op.inputs[0], 0), dy, m.multiply(dy, alpha)),)


@defop("Elu")
def _elu(x):
    """x where x > 0, exp(x) - 1 elsewhere."""
    with np.errstate(over="ignore"):
        return np.where(x > 0, x, np.expm1(np.minimum(x, 0)))


ELU = _elu


@ELU.gradient
def _(op, dy):
    """dy where x > 0, dy·(y + 1) elsewhere."""
    x, y = op.inputs[0], op.outputs[0]
    return (m.where(m.greater(x, 0), dy, m.multiply(dy, m.add(y, 1))),)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@defop("Selu")
def _selu(x):
    """scale · x where x >= 0, scale · alpha · (eˣ - 1) elsewhere (self-normalizing); in
    the input's dtype and with exp - 1 (not expm1), as TensorFlow's kernel rounds."""
    scale = np.asarray(_SELU_SCALE, dtype=x.dtype)
    scale_alpha = np.asarray(_SELU_SCALE * _SELU_ALPHA, dtype=x.dtype)
    neg = scale_alpha * (np.exp(np.minimum(x, 0)) - np.asarray(1, dtype=x.dtype))
    return np.where(x < 0, neg, scale * x).astype(x.dtype, copy=False)


SELU = _selu


@SELU.gradient
def _(op, dy):
    """dy · (y + scale · alpha) where y < 0, dy · scale elsewhere (TensorFlow's SeluGrad,
    which reads the output: the slope at 0 is scale)."""
    y = op.outputs[0]
    return (m.where(m.less(y, 0), m.multiply(dy, m.add(y, _SELU_SCALE * _SELU_ALPHA)),
                    m.multiply(dy, _SELU_SCALE)),)


@defop("Softsign")
def _softsign(x):
    """x / (1 + |x|)."""
    return x / (1 + np.abs(x))


SOFTSIGN = _softsign


@SOFTSIGN.gradient
def _(op, dy):
    """dy / (1 + |x|)²."""
    return (m.divide(dy, m.square(m.add(m.abs(op.inputs[0]), 1))),)


_erf = np.frompyfunc(math.erf, 1, 1)


@defop("Erf")
def _erf_fwd(x):
    """The error function, 2/√π ∫₀ˣ e^(-t²) dt."""
    return np.asarray(_erf(x)).astype(np.asarray(x).dtype)  # a 0-d input gives a bare float


ERF = _erf_fwd


@ERF.gradient
def _(op, dy):
    """d erf(x) = 2/√π · exp(-x²) · dy."""
    x = op.inputs[0]
    return (m.multiply(dy, m.multiply(m.exp(m.negative(m.square(x))), 2 / math.sqrt(math.pi))),)


_erfc = np.frompyfunc(math.erfc, 1, 1)


@defop("Erfc")
def _erfc_fwd(x):
    """1 - erf(x), computed directly: no cancellation where erf(x) is near 1."""
    return np.asarray(_erfc(x)).astype(np.asarray(x).dtype)


ERFC = _erfc_fwd


@ERFC.gradient
def _(op, dy):
    """d erfc(x) = -2/√π · exp(-x²) · dy."""
    x = op.inputs[0]
    return (m.multiply(dy, m.multiply(m.exp(m.negative(m.square(x))), -2 / math.sqrt(math.pi))),)


@defop("Sigmoid")
def _sigmoid(x):
    """1 / (1 + e^-x), from e^-|x| so it never overflows and keeps its tails to the last
    digit (sigmoid(-20) = 2.06e-9, not 0); e^-|x| below the smallest normal is flushed to 0
    as TensorFlow's CPU kernels flush denormals (float32 sigmoid(-100) is 0 there too)."""
    x = np.asarray(x)
    e = np.exp(-np.abs(x), dtype=np.promote_types(x.dtype, np.float64))  # then rounded once
    e = np.where(e < np.finfo(x.dtype).tiny, 0, e)
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


SIGMOID = _sigmoid


@SIGMOID.gradient
def _(op, dy):
    """dy · y · (1 - y)."""
    y = op.outputs[0]
    return (m.multiply(dy, m.multiply(y, m.subtract(1, y))),)


TANH = defop("Tanh")(np.tanh)
TANH.doc = "Hyperbolic tangent."


@TANH.gradient
def _(op, dy):
    """dy · (1 - y²)."""
    y = op.outputs[0]
    return (m.multiply(dy, m.subtract(1, m.square(y))),)


@defop("Softplus")
def _softplus(x):
    """log(1 + eˣ), stably: max(x, 0) + log1p(e^-|x|)."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


SOFTPLUS = _softplus


@SOFTPLUS.gradient
def _(op, dy):
    """dy · sigmoid(x)."""
    return (m.multiply(dy, sigmoid(op.inputs[0])),)


# TensorFlow's x86 build runs float32 Softmax on oneDNN, whose exp builds 2^n·p(r) as
# 2·(2^(n-1)·p(r)): under flush-to-zero the middle product is already 0 where exp(x) is below
# 2^-125 (x < -86.64), so those terms are 0 there, not ~1.2e-38..2.4e-38 (Eigen's exp,
# float64 and tf.exp keep them). Measured on TF 2.21: softmax([0, -86.9]) = [1, 0].
ONEDNN_EXP_FLOOR32 = np.float32(2.0 ** -125)


def onednn_exp_floor(e: np.ndarray) -> np.ndarray:
    """Zero the float32 terms of a softmax's exp that TensorFlow's oneDNN kernel flushes."""
    if e.dtype == np.float32:
        np.copyto(e, 0, where=e < ONEDNN_EXP_FLOOR32)
    return e


def _softmax_np(x: np.ndarray, axis: int) -> np.ndarray:
    # the ufuncs' reduce, which np.max/np.sum call through a Python wrapper (every step)
    shifted = x - np.maximum.reduce(x, axis=axis, keepdims=True, initial=-np.inf)
    e = onednn_exp_floor(np.exp(shifted))
    return e / np.add.reduce(e, axis=axis, keepdims=True)


@defop("Softmax")
def _softmax(x, axis=-1):
    """exp(x) / sum(exp(x)) along ``axis``, with the max subtracted first."""
    with np.errstate(invalid="ignore"):
        return _softmax_np(x, axis)


SOFTMAX = _softmax


@SOFTMAX.gradient
def _(op, dy):
    """y · (dy - sum(dy · y)) along the axis."""
    y = op.outputs[0]
    axis = op.attrs.get("axis", -1)
    inner = reduce_sum(m.multiply(dy, y), axis=axis, keepdims=True)
    return (m.multiply(y, m.subtract(dy, inner)),)


@defop("LogSoftmax")
def _log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``."""
    shifted = x - np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


LOG_SOFTMAX = _log_softmax


@LOG_SOFTMAX.gradient
def _(op, dy):
    """dy - softmax · sum(dy) along the axis."""
    y = op.outputs[0]
    axis = op.attrs.get("axis", -1)
    return (m.subtract(dy, m.multiply(m.exp(y), reduce_sum(dy, axis=axis, keepdims=True))),)


@defop("BiasAdd")
def _bias_add(value, bias, channels_first=False):
    """value + bias along the channels: the last axis, or axis 1 (``NC...`` formats)."""
    if channels_first:
        return value + bias.reshape((-1,) + (1,) * (value.ndim - 2))
    return value + bias


BIAS_ADD = _bias_add


@BIAS_ADD.gradient
def _(op, dy):
    """dy, and dy summed over all but the channel axis for the bias."""
    nd = dy._value.ndim
    channel = 1 if op.attrs.get("channels_first") else nd - 1
    return dy, reduce_sum(dy, axis=[a for a in range(nd) if a != channel])


@defop("L2Loss")
def _l2_loss(x):
    """sum(x²) / 2."""
    return np.asarray(np.sum(np.square(x)) / 2, dtype=np.asarray(x).dtype)


L2_LOSS = _l2_loss


@L2_LOSS.gradient
def _(op, dy):
    """x · dy."""
    return (m.multiply(op.inputs[0], dy),)


@defop("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_xent(logits, labels):
    """-log softmax(logits)[label] per row, fused and stable."""
    shifted = logits - np.maximum.reduce(logits, axis=-1, keepdims=True)
    lse = np.log(np.add.reduce(np.exp(shifted), axis=-1))
    rows = shifted.reshape(-1, shifted.shape[-1])  # fancy indexing: take_along_axis's
    picked = rows[np.arange(rows.shape[0]), labels.reshape(-1)].reshape(labels.shape)  # 10 µs
    return (lse - picked).astype(logits.dtype, copy=False)


SPARSE_XENT = _sparse_xent


@SPARSE_XENT.gradient
def _(op, dy):
    """(softmax(logits) - one_hot(labels)) · dy per row; labels get none."""
    logits, labels = op.inputs
    depth = logits._value.shape[-1]
    probs = softmax(logits)
    diff = m.subtract(probs, one_hot(labels, depth, dtype=logits._value.dtype))
    return m.multiply(diff, expand_dims(dy, -1)), None


@defop("SoftmaxCrossEntropyWithLogits")
def _xent(logits, labels, axis=-1):
    """-sum(labels · log softmax(logits)) along ``axis``."""
    shifted = logits - np.max(logits, axis=axis, keepdims=True, initial=-np.inf)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return -np.sum(labels * log_probs, axis=axis)


XENT = _xent


@XENT.gradient
def _(op, dy):
    """Logits: (softmax - labels) · dy; labels: -log softmax · dy. TensorFlow's fused kernel
    returns softmax - labels, which is the derivative only when each row of labels sums to
    1 (the exact one is softmax · sum(labels) - labels): the engine gives what TF gives."""
    logits, labels = op.inputs
    axis = op.attrs.get("axis", -1)
    dyx = expand_dims(dy, axis)
    probs = softmax(logits, axis=axis)
    g_logits = m.multiply(m.subtract(probs, labels), dyx)
    g_labels = m.multiply(m.negative(log_softmax(logits, axis=axis)), dyx)
    return g_logits, g_labels


# -- public functions ----------------------------------------------------------------------

def relu(features: Any, name: str | None = None) -> Tensor:
    x = _t(features)
    require_kinds(x, "fi", "Relu")
    return execute(RELU, (x,))


def relu6(features: Any, name: str | None = None) -> Tensor:
    return execute(RELU6, (_float(features, "Relu6"),))


def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    return execute(LEAKY_RELU, (_float(features, "LeakyRelu"),), {"alpha": float(alpha)})


def elu(features: Any, name: str | None = None) -> Tensor:
    return execute(ELU, (_float(features, "Elu"),))


def erf(x: Any, name: str | None = None) -> Tensor:
    return execute(ERF, (_float(x, "Erf"),))


def erfc(x: Any, name: str | None = None) -> Tensor:
    """``tf.math.erfc``: the complementary error function."""
    return execute(ERFC, (_float(x, "Erfc"),))


def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Tensor:
    """x·Φ(x); with ``approximate`` the tanh form, as ``tf.nn.gelu``."""
    x = _float(features, "Gelu")
    if approximate:
        inner = m.multiply(m.add(x, m.multiply(m.pow(x, 3), 0.044715)), math.sqrt(2 / math.pi))
        return m.multiply(m.multiply(x, 0.5), m.add(tanh(inner), 1))
    # As TensorFlow: ½·x·erfc(-x/√2), whose left tail does not cancel to 0 as 1 + erf does.
    return m.multiply(m.multiply(x, 0.5), erfc(m.multiply(x, -1 / math.sqrt(2))))


def sigmoid(x: Any, name: str | None = None) -> Tensor:
    return execute(SIGMOID, (_float(x, "Sigmoid"),))


def tanh(x: Any, name: str | None = None) -> Tensor:
    return execute(TANH, (_float(x, "Tanh"),))


def softplus(features: Any, name: str | None = None) -> Tensor:
    return execute(SOFTPLUS, (_float(features, "Softplus"),))


def selu(features: Any, name: str | None = None) -> Tensor:
    """``tf.nn.selu``: the scaled ELU of Klambauer et al. (fixed alpha and scale)."""
    return execute(SELU, (_float(features, "Selu"),))


def softsign(features: Any, name: str | None = None) -> Tensor:
    """``tf.nn.softsign``: x / (1 + |x|), a tanh-like curve with polynomial tails."""
    return execute(SOFTSIGN, (_float(features, "Softsign"),))


def silu(features: Any, beta: float = 1.0, name: str | None = None) -> Tensor:
    x = _float(features, "Silu")
    return m.multiply(x, sigmoid(m.multiply(x, beta)))


swish = silu


def _axis(x: Tensor, axis: int | None) -> int:
    nd = x._value.ndim
    a = -1 if axis is None else int(axis)
    if nd == 0 or not -nd <= a < nd:
        raise errors.InvalidArgumentError(None, "Softmax", f"axis {a} is out of range for a "
                                          f"tensor of rank {nd} [Op:Softmax]")
    return a % nd


def softmax(logits: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    x = _float(logits, "Softmax")
    return execute(SOFTMAX, (x,), {"axis": _axis(x, axis)})


def log_softmax(logits: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    x = _float(logits, "LogSoftmax")
    return execute(LOG_SOFTMAX, (x,), {"axis": _axis(x, axis)})


def bias_add(value: Any, bias: Any, data_format: str | None = None,
             name: str | None = None) -> Tensor:
    """value + bias along the channels: the last axis, or axis 1 for ``NC...`` formats."""
    value, bias = binary_args(value, bias, "BiasAdd")
    if bias._value.ndim != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {bias._value.ndim} for bias "
                         "(tf.nn.bias_add)")
    channels_first = data_format is not None and str(data_format).startswith("NC")
    if data_format is not None and not channels_first and not str(data_format).startswith("N"):
        raise ValueError(f"data_format must be of the form `N...C` or `NC...`, got "
                         f"{data_format!r}")
    ndim = value._value.ndim
    if ndim < 2:
        raise errors.InvalidArgumentError(
            None, "BiasAdd", f"Input tensor must be at least 2D: {list(value._value.shape)} "
            "[Op:BiasAdd]")
    axis = 1 if channels_first else ndim - 1
    if value._value.shape[axis] != bias._value.shape[0]:
        where = "channel" if channels_first else "last"
        raise errors.InvalidArgumentError(
            None, "BiasAdd", f"Must provide as many biases as the {where} dimension of the "
            f"input tensor: {list(bias._value.shape)} vs. {list(value._value.shape)} "
            "[Op:BiasAdd]")
    if channels_first:
        return execute(BIAS_ADD, (value, bias), {"channels_first": True})
    return execute(BIAS_ADD, (value, bias))


def l2_loss(t: Any, name: str | None = None) -> Tensor:
    return execute(L2_LOSS, (_float(t, "L2Loss"),))


def sparse_softmax_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                             name: str | None = None) -> Tensor:
    """Per-example cross-entropy of integer labels against unnormalized logits."""
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be provided.")
    logits = _float(logits, "SparseSoftmaxCrossEntropyWithLogits")
    labels = _t(labels)
    if labels._value.dtype.kind not in "iu":
        raise TypeError(f"labels must be int32 or int64, got {labels.dtype.name}.")
    if labels._value.shape != logits._value.shape[:-1]:
        raise ValueError(f"`labels.shape` must equal `logits.shape` except for the last "
                         f"dimension. Received: labels.shape={labels.shape} and "
                         f"logits.shape={logits.shape}")
    depth = logits._value.shape[-1]
    lv = labels._value
    if lv.size and (lv.min() < 0 or lv.max() >= depth):
        bad = lv[(lv < 0) | (lv >= depth)].reshape(-1)[0]
        raise errors.InvalidArgumentError(
            None, "SparseSoftmaxCrossEntropyWithLogits",
            f"Received a label value of {bad} which is outside the valid range of [0, {depth}). "
            f"Label values: {' '.join(str(v) for v in lv.reshape(-1)[:20])}")
    return execute(SPARSE_XENT, (logits, labels))


def softmax_cross_entropy_with_logits(labels: Any = None, logits: Any = None, axis: int = -1,
                                      name: str | None = None) -> Tensor:
    """Per-example cross-entropy of label distributions against unnormalized logits."""
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be provided.")
    logits, labels = binary_args(_float(logits, "SoftmaxCrossEntropyWithLogits"), labels,
                                 "SoftmaxCrossEntropyWithLogits")
    if labels._value.shape != logits._value.shape:
        raise errors.InvalidArgumentError(
            None, "SoftmaxCrossEntropyWithLogits", f"logits and labels must be broadcastable: "
            f"logits_size={list(logits._value.shape)} labels_size={list(labels._value.shape)}")
    return execute(XENT, (logits, labels), {"axis": _axis(logits, axis)})
