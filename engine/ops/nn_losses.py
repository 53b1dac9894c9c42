"""``tf.nn`` losses and helpers TensorFlow writes in Python over other ops (so they
differentiate through them): ``log_poisson_loss``, ``weighted_cross_entropy_with_logits``,
``compute_average_loss``, ``scale_regularization_loss``, ``normalize_moments``,
``local_response_normalization``, ``space_to_depth``/``depth_to_space``."""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import errors
from engine.ops import math_ops as m
from engine.ops import reduction_ops as r
from engine.ops.array_ops import reshape, transpose
from engine.ops.nn_ops import relu
from engine.ops.pad_scatter_ops import pad
from engine.tensor import Tensor, convert_to_tensor


def _sum(terms: list[Tensor]) -> Tensor:
    return terms[0] if len(terms) == 1 else m.add_n(terms)


def _t(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else convert_to_tensor(x)


def _pair(labels: Any, logits: Any, what: str) -> tuple[Tensor, Tensor]:
    y = _t(logits)
    t = convert_to_tensor(labels, dtype=y.dtype) if not isinstance(labels, Tensor) else labels
    if t._value.shape != y._value.shape:
        raise ValueError(f"{what} must have the same shape ({tuple(t._value.shape)} vs "
                         f"{tuple(y._value.shape)})")
    return t, y


def log_poisson_loss(targets: Any, log_input: Any, compute_full_loss: bool = False,
                     name: str | None = None) -> Tensor:
    """exp(log_input) - log_input · targets, plus Stirling's approximation of
    log(targets!) where targets > 1 when ``compute_full_loss``."""
    t, c = _pair(targets, log_input, "log_input and targets")
    loss = m.subtract(m.exp(c), m.multiply(c, t))
    if not compute_full_loss:
        return loss
    ones, zeros = m.ones_like(t), m.zeros_like(t)
    keep = m.logical_and(m.greater_equal(t, zeros), m.less_equal(t, ones))
    # the approximation is computed on targets > 1 only (1 where masked): TF computes it at
    # 0 too, a NaN it then masks, which here would warn at the user's line for nothing
    safe = m.where(keep, ones, t)
    stirling = m.add(m.subtract(m.multiply(safe, m.log(safe)), safe),
                     m.multiply(0.5, m.log(m.multiply(2.0 * np.pi, safe))))
    return m.add(loss, m.where(keep, zeros, stirling))


def weighted_cross_entropy_with_logits(labels: Any, logits: Any, pos_weight: Any,
                                       name: str | None = None) -> Tensor:
    """Sigmoid cross-entropy whose positive term is scaled by ``pos_weight``, in TF's stable
    form (1 - z)·x + (1 + (q - 1)·z)·(log1p(exp(-|x|)) + max(-x, 0))."""
    z, x = _pair(labels, logits, "logits and labels")
    q = pos_weight - 1 if not isinstance(pos_weight, Tensor) else m.subtract(pos_weight, 1)
    log_weight = m.add(1.0, m.multiply(q, z))
    soft = m.add(m.log1p(m.exp(m.negative(m.abs(x)))), relu(m.negative(x)))
    return m.add(m.multiply(m.subtract(1.0, z), x), m.multiply(log_weight, soft))


def compute_average_loss(per_example_loss: Any, sample_weight: Any = None,
                         global_batch_size: Any = None) -> Tensor:
    """The sum of the (weighted) per-example losses over the global batch size (here one
    replica: the batch's own size unless given)."""
    loss = _t(per_example_loss)
    if loss._value.dtype.kind != "f":
        raise ValueError(f"per_example_loss must be a floating-point tensor; got "
                         f"{loss.dtype.name}")
    if sample_weight is not None:
        loss = m.multiply(loss, m.cast(_t(sample_weight), loss.dtype))
    if global_batch_size is None:
        size = loss._value.shape[0] if loss._value.ndim else 1
        total = m.cast(convert_to_tensor(size), loss.dtype)
    else:
        total = m.cast(_t(global_batch_size), loss.dtype)
    return m.divide_no_nan(r.reduce_sum(loss), total)


def scale_regularization_loss(regularization_loss: Any) -> Tensor:
    """The regularization losses summed, over the number of replicas (one here)."""
    if isinstance(regularization_loss, list | tuple):
        return _sum([_t(v) for v in regularization_loss])
    return r.reduce_sum(_t(regularization_loss))


def normalize_moments(counts: Any, mean_ss: Any, variance_ss: Any, shift: Any,
                      name: str | None = None) -> tuple[Tensor, Tensor]:
    """Mean and variance from sufficient statistics: mean_ss/counts (+ shift) and
    variance_ss/counts - (mean_ss/counts)²."""
    divisor = m.reciprocal(_t(counts))
    shifted_mean = m.multiply(_t(mean_ss), divisor)
    mean = m.add(shifted_mean, shift) if shift is not None else shifted_mean
    variance = m.subtract(m.multiply(_t(variance_ss), divisor), m.square(shifted_mean))
    return mean, variance


def local_response_normalization(input: Any, depth_radius: int = 5, bias: float = 1.0,  # noqa: A002
                                 alpha: float = 1.0, beta: float = 0.5,
                                 name: str | None = None) -> Tensor:
    """x / (bias + alpha · Σ x² over the 2r + 1 channels around each one) ** beta (NHWC)."""
    x = _t(input)
    if x._value.ndim != 4:
        raise errors.InvalidArgumentError(None, "LRN", "input must be 4-dimensional "
                                          "[Op:LRN]")
    if x._value.dtype not in (np.float16, np.float32):
        kind = {"float64": "double"}.get(x.dtype.name, x.dtype.name)
        raise errors.InvalidArgumentError(  # TF's kernel-registry text
            None, "LRN", f"Value for attr 'T' of {kind} is not in the list of allowed values: "
            "half, bfloat16, float\n\t; NodeDef: {{node LRN}}; Op<name=LRN; signature=input:T "
            "-> output:T; attr=depth_radius:int,default=5; attr=bias:float,default=1; "
            "attr=alpha:float,default=1; attr=beta:float,default=0.5; attr=T:type,"
            "default=DT_FLOAT,allowed=[DT_HALF, DT_BFLOAT16, DT_FLOAT]> [Op:LRN]")
    radius = int(depth_radius)
    depth = x._value.shape[3]
    padded = pad(m.square(x), [[0, 0], [0, 0], [0, 0], [radius, radius]])
    windows = [padded[:, :, :, k:k + depth] for k in range(2 * radius + 1)]
    sqr_sum = _sum(windows)
    return m.multiply(x, m.pow(m.add(bias, m.multiply(alpha, sqr_sum)), -beta))


lrn = local_response_normalization


def _block(block_size: Any, op: str) -> int:
    b = int(block_size)
    if b < 2:
        raise errors.InvalidArgumentError(  # TF's kernel-registry text
            None, op, f"Value for attr 'block_size' of {b} must be at least minimum 2\n\t; "
            f"NodeDef: {{{{node {op}}}}}; Op<name={op}; signature=input:T -> output:T; "
            'attr=T:type; attr=block_size:int,min=2; attr=data_format:string,default="NHWC",'
            f'allowed=["NHWC", "NCHW", "NCHW_VECT_C"]> [Op:{op}]')
    return b


def space_to_depth(input: Any, block_size: int, data_format: str = "NHWC",  # noqa: A002
                   name: str | None = None) -> Tensor:
    """Each block_size×block_size patch of an NHWC tensor moved into the channels."""
    x = _t(input)
    b = _block(block_size, "SpaceToDepth")
    if data_format != "NHWC":
        raise ValueError(f"space_to_depth supports data_format 'NHWC'; got {data_format!r}")
    if x._value.ndim != 4:
        raise errors.InvalidArgumentError(None, "SpaceToDepth", f"Input rank should be: 4 "
                                          f"instead of: {x._value.ndim} [Op:SpaceToDepth]")
    n, h, w, c = x._value.shape
    if h % b or w % b:
        raise errors.InvalidArgumentError(
            None, "SpaceToDepth", f"Image width {w} and height {h} should be divisible by "
            f"block_size: {b} [Op:SpaceToDepth]")
    y = reshape(x, [n, h // b, b, w // b, b, c])
    return reshape(transpose(y, [0, 1, 3, 2, 4, 5]), [n, h // b, w // b, b * b * c])


def depth_to_space(input: Any, block_size: int, data_format: str = "NHWC",  # noqa: A002
                   name: str | None = None) -> Tensor:
    """The inverse of space_to_depth: channels spread into block_size×block_size patches."""
    x = _t(input)
    b = _block(block_size, "DepthToSpace")
    if data_format != "NHWC":
        raise ValueError(f"depth_to_space supports data_format 'NHWC'; got {data_format!r}")
    if x._value.ndim != 4:
        raise errors.InvalidArgumentError(None, "DepthToSpace", f"Input rank should be: 4 "
                                          f"instead of: {x._value.ndim} [Op:DepthToSpace]")
    n, h, w, c = x._value.shape
    if c % (b * b):
        raise errors.InvalidArgumentError(
            None, "DepthToSpace", f"Input depth dimension {c} should be divisible by: "
            f"{b * b} [Op:DepthToSpace]")
    y = reshape(x, [n, h, w, b, b, c // (b * b)])
    return reshape(transpose(y, [0, 1, 3, 2, 4, 5]), [n, h * b, w * b, c // (b * b)])

