"""Random tensors, seeded the way ``tf.random.set_seed`` promises.

Stateful ops (normal, uniform, categorical …): with a global seed set, the sequence of
values a program draws is reproducible; an op seed picks a different but also reproducible
stream. Those numbers come from numpy's PCG64, so they differ from TensorFlow's.

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
from engine.ops import math_ops, philox
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, convert_to_tensor, wrap

_DEFAULT_GLOBAL_SEED = 87654321


class _Seeds:
    global_seed: int | None = None
    counters: dict[tuple, int] = {}


def set_seed(seed: int | None) -> None:
    """Set the global seed; draws after it repeat across runs."""
    _Seeds.global_seed = None if seed is None else int(seed)
    _Seeds.counters = {}


def get_global_seed() -> int | None:
    return _Seeds.global_seed


def generator(seed: int | None = None) -> np.random.Generator:
    """The numpy generator for the next draw of an op with this op seed."""
    g = _Seeds.global_seed
    if g is None and seed is None:
        return np.random.default_rng()
    key = (_DEFAULT_GLOBAL_SEED if g is None else g, seed)
    n = _Seeds.counters.get(key, 0)
    _Seeds.counters[key] = n + 1
    op_part = 0 if seed is None else (int(seed) & 0xFFFFFFFF) + 1  # 0 marks 'no op seed'
    return np.random.default_rng([key[0] & 0xFFFFFFFF, op_part, n])


def _dims(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, Tensor):
        shape = shape._value.tolist()
    if isinstance(shape, int | np.integer):
        shape = [shape]
    return tuple(int(d) for d in shape)


def _float_dtype(dtype: Any) -> np.dtype:
    d = _dt.as_dtype(dtype)
    if not d.is_floating:
        raise ValueError(f"Invalid dtype {d.name}: expected a floating-point dtype.")
    return d._np


# Random draws are ops (no gradient, never folded or merged by graph passes), so a traced
# function draws anew on every call, as TensorFlow's stateful random ops do.

@defop("RandomStandardNormal", differentiable=False)
def _normal(shape, mean, stddev, dtype, seed):
    """Normal values (numpy PCG64 stream chosen by the global and op seeds)."""
    return np.asarray(generator(seed).normal(mean, stddev, shape), dtype=dtype)


@defop("TruncatedNormal", differentiable=False)
def _truncated_normal(shape, mean, stddev, dtype, seed):
    """Normal values redrawn until within two standard deviations of the mean."""
    rng = generator(seed)
    values = rng.standard_normal(shape)
    bad = np.abs(values) > 2
    while bad.any():
        values[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(values) > 2
    return np.asarray(values * stddev + mean, dtype=dtype)


@defop("RandomUniform", differentiable=False)
def _uniform(shape, minval, maxval, dtype, seed):
    """Uniform values in [minval, maxval) (integers when dtype is an integer type)."""
    rng = generator(seed)
    if np.dtype(dtype).kind in "iu":
        return rng.integers(minval, maxval, shape).astype(dtype)
    return np.asarray(rng.uniform(minval, maxval, shape), dtype=dtype)


@defop("Multinomial", differentiable=False)
def _multinomial(logits, num_samples, seed, output_dtype):
    """Class indices drawn per row with probabilities softmax(logits); a row without any
    finite logit draws num_classes, as TensorFlow's kernel does."""
    rng = generator(seed)
    batch, classes = logits.shape
    with np.errstate(all="ignore"):
        top = logits.max(axis=1, keepdims=True)
        cdf = np.cumsum(np.exp(logits.astype(np.float64) - top), axis=1)
    draws = rng.random((batch, num_samples)) * cdf[:, -1:]
    out = np.stack([np.searchsorted(c, d, side="right") for c, d in zip(cdf, draws)]
                   ) if batch else np.zeros((0, num_samples), np.int64)
    out[~np.isfinite(top[:, 0])] = classes
    return np.minimum(out, classes).astype(output_dtype).reshape(batch, num_samples)


STATEFUL_RANDOM_OPS = frozenset({"RandomStandardNormal", "TruncatedNormal", "RandomUniform",
                                 "Multinomial"})


# -- counter-based (Philox) draws: the key and counter tensors decide every value ----------
# Key ([1]) and counter ([2]) are tensors of 64-bit words, as in TensorFlow, so a traced
# function draws from whatever seed or generator state it is given at run time.

def _words(t: np.ndarray) -> list[int]:
    return [int(w) & 0xFFFFFFFFFFFFFFFF for w in np.asarray(t).reshape(-1)]


def _philox_key_counter(key: np.ndarray, counter: np.ndarray) -> tuple[tuple, tuple]:
    (k,), (low, high) = _words(key), _words(counter)
    return (k & 0xFFFFFFFF, k >> 32), (low, high)


_SKIP_PER_VALUE = 256  # generator counter steps reserved per drawn value (TensorFlow's)


def as_int64(word: int) -> int:
    """A uint64 word as the int64 a generator's state variable stores."""
    word &= 0xFFFFFFFFFFFFFFFF
    return word - (1 << 64) if word >= 1 << 63 else word


@defop("RngSkip", differentiable=False)
def _rng_skip(state, delta):
    """The state with its 128-bit counter moved on by 256 per value (RngReadAndSkip's
    update, as an op so a traced function advances the generator on every run)."""
    low, high, key = (int(w) & 0xFFFFFFFFFFFFFFFF for w in state)
    counter = ((high << 64) | low) + _SKIP_PER_VALUE * delta
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


@defop("StatelessRandomUniformIntV2", differentiable=False)
def _stateless_uniform_int(key, counter, shape, minval, maxval, dtype):
    """Integers in [minval, maxval) (Philox words modulo the range, as TensorFlow)."""
    return philox.uniform_int(*_philox_key_counter(key, counter), math.prod(shape), minval,
                              maxval, dtype).reshape(shape)


def normal(shape: Any, mean: float = 0.0, stddev: float = 1.0, dtype: Any = _dt.float32,
           seed: int | None = None, name: str | None = None) -> Tensor:
    return execute(_normal, (), {"shape": _dims(shape), "mean": float(mean),
                                 "stddev": float(stddev), "dtype": _float_dtype(dtype),
                                 "seed": seed})


def truncated_normal(shape: Any, mean: float = 0.0, stddev: float = 1.0,
                     dtype: Any = _dt.float32, seed: int | None = None,
                     name: str | None = None) -> Tensor:
    """Normal values redrawn until within two standard deviations of the mean."""
    return execute(_truncated_normal, (), {"shape": _dims(shape), "mean": float(mean),
                                           "stddev": float(stddev),
                                           "dtype": _float_dtype(dtype), "seed": seed})


def uniform(shape: Any, minval: Any = 0, maxval: Any = None, dtype: Any = _dt.float32,
            seed: int | None = None, name: str | None = None) -> Tensor:
    """Uniform in [minval, maxval); integer dtypes need an explicit maxval."""
    d = _dt.as_dtype(dtype)
    if d.is_integer:
        if maxval is None:
            raise ValueError("Must specify maxval for integer dtype "
                             f"{d.name} in tf.random.uniform.")
        lo, hi = int(minval), int(maxval)
    else:
        lo, hi = float(minval), 1.0 if maxval is None else float(maxval)
    return execute(_uniform, (), {"shape": _dims(shape), "minval": lo, "maxval": hi,
                                  "dtype": d._np, "seed": seed})


def shuffle(value: Any, seed: int | None = None, name: str | None = None) -> Tensor:
    """A copy with the first axis randomly permuted."""
    x = convert_to_tensor(value)
    return wrap(generator(seed).permutation(x._value))


@defop("StatelessRandomUniformFullIntV2", differentiable=False)
def _stateless_uniform_full_int(key, counter, shape, dtype):
    """Integers over the dtype's whole range (Philox words reinterpreted, as TensorFlow)."""
    return philox.uniform_full_int(*_philox_key_counter(key, counter), math.prod(shape),
                                   dtype).reshape(shape)


def categorical(logits: Any, num_samples: Any, dtype: Any = None, seed: int | None = None,
                name: str | None = None) -> Tensor:
    """``tf.random.categorical``: ``num_samples`` class indices per row of 2-D ``logits``
    (int64 unless dtype says int32). Seeded like the other stateful ops: reproducible, but
    not TensorFlow's numbers."""
    d = _dt.int64 if dtype is None else _dt.as_dtype(dtype)
    if d not in (_dt.int32, _dt.int64):
        raise ValueError(f"Argument `dtype` got invalid value {d!r}. Accepted dtypes are "
                         "(tf.int32, tf.int64).")
    x = convert_to_tensor(logits)
    n = int(num_samples._value) if isinstance(num_samples, Tensor) else int(num_samples)
    if x._value.dtype.kind != "f":
        raise errors.NotFoundError(
            None, "Multinomial", "Could not find device for node: {{node Multinomial}} = "
            f"Multinomial[T=DT_{x.dtype.name.upper()}] [Op:Multinomial]")
    problem = (f"logits should be a matrix, got shape {list(x._value.shape)}"
               if x._value.ndim != 2 else
               f"num_samples should be non-negative, got {n}" if n < 0 else
               f"num_classes should be positive, got {x._value.shape[1]}"
               if x._value.shape[1] == 0 else None)
    if problem:
        raise errors.InvalidArgumentError(None, "Multinomial",
                                          f"{problem} [Op:Multinomial]")
    return execute(_multinomial, (x,), {"num_samples": n, "seed": seed,
                                        "output_dtype": d._np})


# -- stateless: TensorFlow's values for a seed [a, b] ------------------------------------

_STATELESS_FLOATS = ("float16", "float32", "float64")
_STATELESS_INTS = ("int32", "int64")
_FULL_RANGE_INTS = ("int32", "int64", "uint32", "uint64")


def key_counter(seed: Any) -> tuple[Tensor, Tensor]:
    """StatelessRandomGetKeyCounter's checks and hash of a shape-[2] int seed."""
    s = convert_to_tensor(seed)
    if s._value.dtype.name not in _STATELESS_INTS:
        raise errors.InvalidArgumentError(
            None, "StatelessRandomGetKeyCounter", f"Value for attr 'Tseed' of "
            f"{s.dtype.name} is not in the list of allowed values: int32, int64 "
            "[Op:StatelessRandomGetKeyCounter]")
    if s._value.shape != (2,):
        raise errors.InvalidArgumentError(
            None, "StatelessRandomGetKeyCounter", f"seed must have shape [2], not "
            f"{list(s._value.shape)} [Op:StatelessRandomGetKeyCounter]")
    return execute(_get_key_counter, (s,))


def _scaled(unit: Tensor, scale: Any, offset: Any) -> Tensor:
    """unit * scale + offset, as the Mul and Add ops TensorFlow records after the draw."""
    return math_ops.add(math_ops.multiply(unit, scale), offset)


def _plain_dtype(dtype: Any, allowed: tuple[str, ...]) -> Any:
    d = _dt.as_dtype(dtype)
    if d.name not in allowed:
        names = ", ".join(f"tf.{n}" for n in allowed)
        raise ValueError(f"Argument `dtype` got invalid value {d!r}. Accepted dtypes are "
                         f"({names}).")
    return d


def draw_uniform(shape: Any, key: Tensor, counter: Tensor, minval: Any, maxval: Any,
                 dtype: Any) -> Tensor:
    """Uniform values at a Philox (key, counter): floats in [minval, maxval) or integers."""
    d, dims = _dt.as_dtype(dtype), _dims(shape)
    if d.is_integer and minval is None and maxval is None:
        return execute(_stateless_uniform_full_int, (key, counter),
                       {"shape": dims, "dtype": d._np})
    if d.is_integer:
        lo, hi = int(minval), int(maxval)
        if lo >= hi:
            raise errors.InvalidArgumentError(
                None, "StatelessRandomUniformIntV2", f"Need minval < maxval, got {lo} >= "
                f"{hi} [Op:StatelessRandomUniformIntV2]")
        return execute(_stateless_uniform_int, (key, counter), {
            "shape": dims, "minval": lo, "maxval": hi, "dtype": d._np})
    unit = execute(_stateless_uniform, (key, counter), {"shape": dims, "dtype": d._np})
    lo, hi = convert_to_tensor(minval, dtype=d), convert_to_tensor(
        1 if maxval is None else maxval, dtype=d)
    return _scaled(unit, math_ops.subtract(hi, lo), lo)


def draw_normal(shape: Any, key: Tensor, counter: Tensor, mean: Any, stddev: Any,
                dtype: Any) -> Tensor:
    """Normal values at a Philox (key, counter), scaled and shifted as TensorFlow does."""
    d = _dt.as_dtype(dtype)
    mean, stddev = convert_to_tensor(mean, dtype=d), convert_to_tensor(stddev, dtype=d)
    unit = execute(_stateless_normal, (key, counter), {"shape": _dims(shape), "dtype": d._np})
    return _scaled(unit, stddev, mean)


def stateless_uniform(shape: Any, seed: Any, minval: Any = 0, maxval: Any = None,
                      dtype: Any = _dt.float32, name: str | None = None,
                      alg: str = "auto_select") -> Tensor:
    """``tf.random.stateless_uniform``: TensorFlow's exact values for ``seed`` (shape [2]);
    integer dtypes take both bounds, or neither for the whole range."""
    d = _plain_dtype(dtype, _STATELESS_FLOATS + _FULL_RANGE_INTS)
    if d.is_integer and (minval is None) != (maxval is None):
        raise ValueError(f"For integer `dtype` argument {d!r}, argument `minval` and `maxval` "
                         f"must be both None or not None. Got `minval`={minval} and "
                         f"`maxval`={maxval}.")
    if minval is not None and d.name in ("uint32", "uint64"):
        raise ValueError(f"Argument `dtype` got invalid value {d!r} when argument `minval` "
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
