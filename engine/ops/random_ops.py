"""Random tensors, seeded the way ``tf.random.set_seed`` promises.

TensorFlow's semantics: with a global seed set, the sequence of values a program draws is
reproducible; an op seed picks a different but also reproducible stream. The numbers
themselves come from numpy's PCG64, so they differ from TensorFlow's Philox.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine.ops.registry import defop, execute
from engine.tensor import Tensor, wrap

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


STATEFUL_RANDOM_OPS = frozenset({"RandomStandardNormal", "TruncatedNormal", "RandomUniform"})


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
    from engine.tensor import convert_to_tensor

    x = convert_to_tensor(value)
    return wrap(generator(seed).permutation(x._value))
