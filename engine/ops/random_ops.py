"""Random tensors, with TensorFlow's own numbers.

Stateful ops (normal, uniform, truncated_normal, categorical, shuffle) seed and count their
Philox streams as TensorFlow's kernels do (``random_seed.py``): after ``tf.random.set_seed``
a program draws TensorFlow's values, in eager code and in traced functions.

Stateless ops (``stateless_uniform``/``stateless_normal``) and ``tf.random.Generator`` use
Philox-4x32-10 keyed and counted exactly as TensorFlow does (``philox.py``): the same seed
gives TensorFlow's own numbers.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine import errors
from engine.context import STATE
from engine.ops import array_ops, math_ops, philox
from engine.ops._args import kernel_dtype_name
from engine.ops.op_defs import attr_not_allowed, dtype_enum, no_kernel
from engine.ops.random_seed import (  # noqa: F401 - tf.random's seed functions live there
    SKIP_PER_VALUE,
    generator,
    get_global_seed,
    get_seed,
    kernel_stream,
    set_seed,
)
from engine.ops.registry import OpDef, defop, execute
from engine.tensor import Tensor, convert_to_tensor


def _dims(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, Tensor):
        shape = shape._value.tolist()
    if isinstance(shape, int | np.integer):
        shape = [shape]
    return tuple(int(d) for d in shape)


def _follow(result: Tensor, shape: Any) -> Tensor:
    """A draw whose shape was given by traced tensors (``tf.shape(x)``): None sizes stay
    None in its static shape, and a replay draws each run's sizes (``engine.graph.sized``)."""
    return result if STATE.graph is None else array_ops.shaped_by(result, shape)


def _float_dtype(dtype: Any) -> np.dtype:
    d = _dt.as_dtype(dtype)
    if not d.is_floating:
        raise ValueError(f"Invalid dtype {d.name}: expected a floating-point dtype.")
    return d._np


# Random draws are ops (no gradient, never folded or merged by graph passes), so a traced
# function draws anew on every call, as TensorFlow's stateful random ops do. Each gets its
# kernel's stream as the ``stream`` attribute.

@defop("RandomStandardNormal", differentiable=False)
def _normal(shape, dtype, seed, seed2, stream):
    """Standard normal values (Box-Muller on the kernel's Philox words)."""
    size = math.prod(shape)
    key, counter = stream.reserve(size * SKIP_PER_VALUE)
    return philox.normal(key, counter, size, dtype).reshape(shape)


@defop("TruncatedNormal", differentiable=False)
def _truncated_normal(shape, dtype, seed, seed2, stream):
    """Standard normal values within two standard deviations (redrawn, as TensorFlow)."""
    size = math.prod(shape)
    key, counter = stream.reserve(size * SKIP_PER_VALUE)
    return philox.truncated_normal(key, counter, size, dtype).reshape(shape)


@defop("RandomUniform", differentiable=False)
def _uniform(shape, dtype, seed, seed2, stream):
    """Uniform values in [0, 1)."""
    size = math.prod(shape)
    key, counter = stream.reserve(size * SKIP_PER_VALUE)
    return philox.uniform(key, counter, size, dtype).reshape(shape)


@defop("RandomUniformInt", differentiable=False)
def _uniform_int(shape, minval, maxval, dtype, seed, seed2, stream):
    """Integers in [minval, maxval) (the words modulo the range, as TensorFlow)."""
    size = math.prod(shape)
    key, counter = stream.reserve(size * SKIP_PER_VALUE)
    return philox.uniform_int(key, counter, size, minval, maxval, dtype).reshape(shape)


@defop("Multinomial", differentiable=False)
def _multinomial(logits, num_samples, output_dtype, seed, seed2, stream):
    """Class indices drawn per row with probabilities softmax(logits): TensorFlow's CPU
    kernel (a double from two words per sample, searched in the unnormalized CDF of the
    finite logits; a row without any finite logit draws num_classes). Rows follow one
    stream, as TensorFlow runs a batch small enough for one thread."""
    batch, classes = logits.shape
    if batch == 0 or num_samples == 0:
        return np.zeros((batch, num_samples), output_dtype)
    ceil4 = (num_samples + 3) // 4 * 4 * 2  # doubles: two words a sample
    key, counter = stream.reserve(batch * ceil4 * SKIP_PER_VALUE)
    w = philox.words(key, counter, (batch * num_samples * 2 + 3) // 4)
    pairs = w[:batch * num_samples * 2].reshape(batch, num_samples, 2)
    draws = philox.unit_float64(pairs[..., 0], pairs[..., 1])
    finite = np.isfinite(logits)
    with np.errstate(all="ignore"):
        top = np.where(finite, logits, -np.inf).max(axis=1, keepdims=True).astype(np.float64)
        cdf = np.cumsum(np.where(finite, np.exp(logits.astype(np.float64) - top), 0.0),
                        axis=1)
    out = np.stack([np.searchsorted(c, d * c[-1], side="right") for c, d in zip(cdf, draws)])
    return np.minimum(out, classes).astype(output_dtype)


@defop("RandomShuffle", differentiable=False)
def _shuffle(value, seed, seed2, stream):
    """The first axis permuted: TensorFlow's Fisher-Yates, one word per swap (i with
    i + word mod (n - i))."""
    n = value.shape[0] if value.ndim else 0
    if value.size <= 1 or n <= 1:
        return value.copy()
    key, counter = stream.reserve((n - 1 + 3) // 4)
    w = philox.words(key, counter, (n - 1 + 3) // 4)[:n - 1].tolist()
    order = list(range(n))
    for i, word in enumerate(w):
        j = i + word % (n - i)
        order[i], order[j] = order[j], order[i]
    return value[np.asarray(order)]


STATEFUL_RANDOM_OPS = frozenset({"RandomStandardNormal", "TruncatedNormal", "RandomUniform",
                                 "RandomUniformInt", "Multinomial", "RandomShuffle"})


def _draw(op: OpDef, inputs: tuple, attrs: dict, seed: Any) -> Tensor:
    """Run a stateful random op with TensorFlow's seed pair and its kernel's stream (a
    traced node gets its own, restarted when the trace ends: the trace's draws are not
    runs)."""
    seeds = get_seed(seed)
    kernel_attrs = tuple(sorted((k, repr(v)) for k, v in attrs.items() if k != "shape"))
    stream = kernel_stream(op.name, kernel_attrs, seeds)
    return execute(op, inputs, {**attrs, "seed": seeds[0], "seed2": seeds[1],
                                "stream": stream})


# -- counter-based (Philox) draws: the key and counter tensors decide every value ----------
# Key ([1]) and counter ([2]) are tensors of 64-bit words, as in TensorFlow, so a traced
# function draws from whatever seed or generator state it is given at run time.

def _words(t: np.ndarray) -> list[int]:
    return [int(w) & 0xFFFFFFFFFFFFFFFF for w in np.asarray(t).reshape(-1)]


def _philox_key_counter(key: np.ndarray, counter: np.ndarray) -> tuple[tuple, tuple]:
    (k,), (low, high) = _words(key), _words(counter)
    return (k & 0xFFFFFFFF, k >> 32), (low, high)




def as_int64(word: int) -> int:
    """A uint64 word as the int64 a generator's state variable stores."""
    word &= 0xFFFFFFFFFFFFFFFF
    return word - (1 << 64) if word >= 1 << 63 else word


@defop("RngSkip", differentiable=False)
def _rng_skip(state, delta):
    """The state with its 128-bit counter moved on by 256 per value (RngReadAndSkip's
    update, as an op so a traced function advances the generator on every run)."""
    low, high, key = (int(w) & 0xFFFFFFFFFFFFFFFF for w in state)
    counter = ((high << 64) | low) + SKIP_PER_VALUE * delta
    return np.array([as_int64(counter), as_int64(counter >> 64), as_int64(key)], np.int64)


RNG_SKIP = _rng_skip


@defop("StatelessRandomGetKeyCounter", num_outputs=2, differentiable=False)
def _get_key_counter(seed):
    """A shape-[2] seed hashed into a Philox key and counter (TensorFlow's scramble)."""
    (k0, k1), (low, high) = philox.key_counter_from_seed(tuple(int(v) for v in seed))
    return (np.array([k0 | k1 << 32], np.uint64), np.array([low, high], np.uint64))


@defop("StatelessRandomUniformV2", differentiable=False)
def _stateless_uniform(key, counter, shape, dtype):
    """Uniform [0, 1) values, TensorFlow's exactly, from Philox at (key, counter)."""
    return philox.uniform(*_philox_key_counter(key, counter), math.prod(shape),
                          dtype).reshape(shape)


@defop("StatelessRandomNormalV2", differentiable=False)
def _stateless_normal(key, counter, shape, dtype):
    """Standard normal values (Box-Muller on Philox words at (key, counter))."""
    return philox.normal(*_philox_key_counter(key, counter), math.prod(shape),
                         dtype).reshape(shape)


@defop("StatelessTruncatedNormalV2", differentiable=False)
def _stateless_truncated_normal(key, counter, shape, dtype):
    """Standard normal values within two standard deviations, at (key, counter)."""
    return philox.truncated_normal(*_philox_key_counter(key, counter), math.prod(shape),
                                   dtype).reshape(shape)


@defop("StatelessRandomUniformIntV2", differentiable=False)
def _stateless_uniform_int(key, counter, shape, minval, maxval, dtype):
    """Integers in [minval, maxval) (Philox words modulo the range, as TensorFlow)."""
    return philox.uniform_int(*_philox_key_counter(key, counter), math.prod(shape), minval,
                              maxval, dtype).reshape(shape)


@errors.lists_converted_first
def normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0, dtype: Any = _dt.float32,
           seed: int | None = None, name: str | None = None) -> Tensor:
    """Normal values: a standard draw times stddev plus mean (TensorFlow's three ops)."""
    d = _dt.as_dtype(_float_dtype(dtype))
    mean, stddev = convert_to_tensor(mean, dtype=d), convert_to_tensor(stddev, dtype=d)
    unit = _follow(_draw(_normal, (), {"shape": _dims(shape), "dtype": d._np}, seed),
                   shape)
    return _scaled(unit, stddev, mean)


@errors.lists_converted_first
def truncated_normal(shape: Any, mean: Any = 0.0, stddev: Any = 1.0,
                     dtype: Any = _dt.float32, seed: int | None = None,
                     name: str | None = None) -> Tensor:
    """Normal values redrawn until within two standard deviations of the mean."""
    d = _dt.as_dtype(_float_dtype(dtype))
    mean, stddev = convert_to_tensor(mean, dtype=d), convert_to_tensor(stddev, dtype=d)
    unit = _follow(_draw(_truncated_normal, (), {"shape": _dims(shape), "dtype": d._np},
                         seed), shape)
    return _scaled(unit, stddev, mean)


@errors.lists_converted_first
def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = _dt.float32,
            seed: int | None = None, name: str | None = None) -> Tensor:
    """Uniform in [minval, maxval); integer dtypes need an explicit maxval. Floats are
    scaled as TensorFlow does: not at all for [0, 1), times maxval from 0, else
    ``unit * (maxval - minval) + minval``."""
    d = _dt.as_dtype(dtype)
    if d.is_integer:
        if maxval is None:
            raise ValueError("Must specify maxval for integer dtype "
                             f"{d.name} in tf.random.uniform.")
        lo, hi = convert_to_tensor(minval, dtype=d), convert_to_tensor(maxval, dtype=d)
        low, high = int(lo._value), int(hi._value)
        if low >= high:
            raise errors.InvalidArgumentError(
                None, "RandomUniformInt", f"Need minval < maxval, got {low} >= {high} "
                "[Op:RandomUniformInt]")
        return _follow(_draw(_uniform_int, (), {"shape": _dims(shape), "minval": low,
                                                "maxval": high, "dtype": d._np}, seed), shape)
    if not d.is_floating:
        raise ValueError(f"Invalid dtype {d.name}: expected a floating-point dtype.")
    maxval = 1 if maxval is None else maxval
    minval_is_zero = isinstance(minval, int) and minval == 0
    maxval_is_one = isinstance(maxval, int) and maxval == 1
    if not (minval_is_zero and maxval_is_one):
        minval, maxval = convert_to_tensor(minval, dtype=d), convert_to_tensor(maxval, dtype=d)
    unit = _follow(_draw(_uniform, (), {"shape": _dims(shape), "dtype": d._np}, seed),
                   shape)
    if minval_is_zero:
        return unit if maxval_is_one else math_ops.multiply(unit, maxval)
    return _scaled(unit, math_ops.subtract(maxval, minval), minval)


def shuffle(value: Any, seed: int | None = None, name: str | None = None) -> Tensor:
    """A copy with the first axis randomly permuted (TensorFlow's permutation for a seed)."""
    x = convert_to_tensor(value)
    return _draw(_shuffle, (x,), {}, seed)


@defop("StatelessRandomUniformFullIntV2", differentiable=False)
def _stateless_uniform_full_int(key, counter, shape, dtype):
    """Integers over the dtype's whole range (Philox words reinterpreted, as TensorFlow)."""
    return philox.uniform_full_int(*_philox_key_counter(key, counter), math.prod(shape),
                                   dtype).reshape(shape)


@errors.lists_converted_first
def categorical(logits: Any, num_samples: Any, dtype: Any = None, seed: int | None = None,
                name: str | None = None) -> Tensor:
    """``tf.random.categorical``: ``num_samples`` class indices per row of 2-D ``logits``
    (int64 unless dtype says int32), TensorFlow's draws for the seeds."""
    d = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    if d not in (_dt.int32, _dt.int64):
        raise ValueError(f"Argument `dtype` got invalid value {d}. Accepted dtypes are "
                         "(tf.int32, tf.int64).")
    x = convert_to_tensor(logits)
    n = int(num_samples._value) if isinstance(num_samples, Tensor) else int(num_samples)
    if x._value.dtype.kind != "f":
        seed1, seed2 = get_seed(seed)  # drawn before the kernel is looked for, as in TF
        raise no_kernel("Multinomial", {"T": dtype_enum(x.dtype.name),
                                        "output_dtype": dtype_enum(d.name),
                                        "seed": seed1, "seed2": seed2})
    problem = (f"logits should be a matrix, got shape {list(x._value.shape)}"
               if x._value.ndim != 2 else
               f"num_samples should be non-negative, got {n}" if n < 0 else
               f"num_classes should be positive, got {x._value.shape[1]}"
               if x._value.shape[1] == 0 else None)
    if problem:
        raise errors.InvalidArgumentError(None, "Multinomial",
                                          f"{problem} [Op:Multinomial]")
    return _draw(_multinomial, (x,), {"num_samples": n, "output_dtype": d._np}, seed)


# -- stateless: TensorFlow's values for a seed [a, b] ------------------------------------

_STATELESS_FLOATS = ("float16", "float32", "float64")
_STATELESS_INTS = ("int32", "int64")
_FULL_RANGE_INTS = ("int32", "int64", "uint32", "uint64")


def key_counter(seed: Any) -> tuple[Tensor, Tensor]:
    """StatelessRandomGetKeyCounter's checks and hash of a shape-[2] int seed."""
    s = convert_to_tensor(seed)
    if s._value.dtype.name not in _STATELESS_INTS:
        raise attr_not_allowed("StatelessRandomGetKeyCounter", "Tseed",
                               kernel_dtype_name(s._value.dtype), fallback=": int32, int64")
    if s._value.shape != (2,):
        error = errors.InvalidArgumentError(
            None, "StatelessRandomGetKeyCounter", f"seed must have shape [2], not "
            f"{list(s._value.shape)} [Op:StatelessRandomGetKeyCounter]")
        error.eager_fallback = isinstance(seed, list | tuple)  # the seed reaches it as given
        raise error
    return execute(_get_key_counter, (s,))


def _scaled(unit: Tensor, scale: Any, offset: Any) -> Tensor:
    """unit * scale + offset, as the Mul and Add ops TensorFlow records after the draw."""
    return math_ops.add(math_ops.multiply(unit, scale), offset)


def _plain_dtype(dtype: Any, allowed: tuple[str, ...]) -> Any:
    d = _dt.as_dtype(dtype)
    if d.name not in allowed:
        names = ", ".join(f"tf.{n}" for n in allowed)
        raise ValueError(f"Argument `dtype` got invalid value {d}. Accepted dtypes are "
                         f"({names}).")
    return d


def draw_uniform(shape: Any, key: Tensor, counter: Tensor, minval: Any, maxval: Any,
                 dtype: Any) -> Tensor:
    """Uniform values at a Philox (key, counter): floats in [minval, maxval) or integers."""
    d, dims = _dt.as_dtype(dtype), _dims(shape)
    if d.is_integer and minval is None and maxval is None:
        return _follow(execute(_stateless_uniform_full_int, (key, counter),
                               {"shape": dims, "dtype": d._np}), shape)
    if d.is_integer:
        lo, hi = int(minval), int(maxval)
        if lo >= hi:
            raise errors.InvalidArgumentError(
                None, "StatelessRandomUniformIntV2", f"Need minval < maxval, got {lo} >= "
                f"{hi} [Op:StatelessRandomUniformIntV2]")
        return _follow(execute(_stateless_uniform_int, (key, counter), {
            "shape": dims, "minval": lo, "maxval": hi, "dtype": d._np}), shape)
    unit = _follow(execute(_stateless_uniform, (key, counter),
                           {"shape": dims, "dtype": d._np}), shape)
    lo, hi = convert_to_tensor(minval, dtype=d), convert_to_tensor(
        1 if maxval is None else maxval, dtype=d)
    return _scaled(unit, math_ops.subtract(hi, lo), lo)


def draw_normal(shape: Any, key: Tensor, counter: Tensor, mean: Any, stddev: Any,
                dtype: Any) -> Tensor:
    """Normal values at a Philox (key, counter), scaled and shifted as TensorFlow does."""
    d = _dt.as_dtype(dtype)
    mean, stddev = convert_to_tensor(mean, dtype=d), convert_to_tensor(stddev, dtype=d)
    unit = _follow(execute(_stateless_normal, (key, counter),
                           {"shape": _dims(shape), "dtype": d._np}), shape)
    return _scaled(unit, stddev, mean)


@errors.lists_converted_first
def stateless_uniform(shape: Any, seed: Any, minval: Any = 0, maxval: Any = None,
                      dtype: Any = _dt.float32, name: str | None = None,
                      alg: str = "auto_select") -> Tensor:
    """``tf.random.stateless_uniform``: TensorFlow's exact values for ``seed`` (shape [2]);
    integer dtypes take both bounds, or neither for the whole range."""
    d = _plain_dtype(dtype, _STATELESS_FLOATS + _FULL_RANGE_INTS)
    if d.is_integer and (minval is None) != (maxval is None):
        raise ValueError(f"For integer `dtype` argument {d}, argument `minval` and `maxval` "
                         f"must be both None or not None. Got `minval`={minval} and "
                         f"`maxval`={maxval}.")
    if minval is not None and d.name in ("uint32", "uint64"):
        raise ValueError(f"Argument `dtype` got invalid value {d} when argument `minval` "
                         "is not None. Please don't use unsigned integers in this case.")
    key, counter = key_counter(seed)
    return draw_uniform(shape, key, counter, minval, maxval, d)


def stateless_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0,
                     dtype: Any = _dt.float32, name: str | None = None,
                     alg: str = "auto_select") -> Tensor:
    """``tf.random.stateless_normal``: TensorFlow's values for ``seed`` (shape [2]), float32
    within a few ulp (its sin/cos/log are glibc's)."""
    d = _dt.as_dtype(dtype)
    if not d.is_floating:
        raise TypeError(f"Cannot convert {float(mean)!r} to EagerTensor of dtype {d.name}")
    key, counter = key_counter(seed)
    return draw_normal(shape, key, counter, mean, stddev, d)


def stateless_truncated_normal(shape: Any, seed: Any, mean: Any = 0.0, stddev: Any = 1.0,
                               dtype: Any = _dt.float32, name: str | None = None,
                               alg: str = "auto_select") -> Tensor:
    """``tf.random.stateless_truncated_normal``: TensorFlow's values for ``seed`` (shape
    [2]): normal values redrawn until within two standard deviations of the mean."""
    d = _dt.as_dtype(dtype)
    if not d.is_floating:
        raise TypeError(f"Cannot convert {float(mean)!r} to EagerTensor of dtype {d.name}")
    key, counter = key_counter(seed)
    mean, stddev = convert_to_tensor(mean, dtype=d), convert_to_tensor(stddev, dtype=d)
    unit = _follow(execute(_stateless_truncated_normal, (key, counter),
                           {"shape": _dims(shape), "dtype": d._np}), shape)
    return _scaled(unit, stddev, mean)
