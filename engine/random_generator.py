"""``tf.random.Generator``: a Philox key and counter kept in an int64 variable.

Each draw reads (key, counter) from the state, hands them to the same counter-based ops the
stateless functions use, and moves the counter on by 256 per value drawn (``RngSkip``), as
TensorFlow's RngReadAndSkip does: a generator made with the same seed yields TensorFlow's
numbers, eagerly and in a traced function alike.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from engine import dtypes as _dt
from engine.ops import random_ops
from engine.ops.registry import execute
from engine.tensor import Tensor, Variable

PHILOX = 1  # TensorFlow's Algorithm.PHILOX.value; the only algorithm here
_STATE_SIZE = 3  # counter (two uint64 halves) then key
_U64 = (1 << 64) - 1
_as_int64 = random_ops.as_int64


def _algorithm(alg: Any) -> int:
    if alg in (None, PHILOX, "philox", "auto_select", 3):
        return PHILOX
    raise ValueError(f"Tapescope's tf.random.Generator supports only the Philox algorithm, "
                     f"got {alg!r}.")


def create_rng_state(seed: Any, alg: Any) -> np.ndarray:
    """``tf.random.create_rng_state``: an int seed cut into 64-bit words, low first
    (a list is used as given, zero-padded on the left)."""
    _algorithm(alg)
    if isinstance(seed, int | np.integer):
        seed, words = int(seed), []
        for _ in range(_STATE_SIZE):
            words.append(_as_int64(seed))
            seed >>= 64
    else:
        words = [_as_int64(int(w)) for w in np.asarray(seed).reshape(-1)][:_STATE_SIZE]
        words = [0] * (_STATE_SIZE - len(words)) + words
    return np.array(words, dtype=np.int64)


class Generator:
    """A reproducible random stream whose state is a variable (``state``)."""

    def __init__(self, copy_from: Generator | None = None, state: Any = None,
                 alg: Any = None) -> None:
        if copy_from is not None:
            state, alg = copy_from.state.numpy(), copy_from.algorithm
        if state is None:
            raise ValueError("Tapescope's Generator needs a state (use from_seed).")
        self._alg = _algorithm(alg)
        value = np.asarray(state.numpy() if isinstance(state, Tensor) else state, np.int64)
        if value.shape != (_STATE_SIZE,):
            raise ValueError(f"The state of a Philox generator must have shape [3], got "
                             f"{list(value.shape)}.")
        self._state_var = Variable(value, trainable=False, name="StateVar")

    @classmethod
    def from_seed(cls, seed: Any, alg: Any = None) -> Generator:
        """A generator whose state is made from ``seed`` (TensorFlow's create_rng_state)."""
        return cls(state=create_rng_state(seed, alg), alg=alg)

    @classmethod
    def from_non_deterministic_state(cls, alg: Any = None) -> Generator:
        return cls.from_seed(int.from_bytes(os.urandom(24), "little"), alg)

    @classmethod
    def from_key_counter(cls, key: Any, counter: Any, alg: Any) -> Generator:
        words = [int(w) for w in np.asarray(counter).reshape(-1)] + [int(key)]
        return cls(state=np.array([_as_int64(w) for w in words], np.int64), alg=alg)

    @property
    def state(self) -> Variable:
        return self._state_var

    @property
    def algorithm(self) -> int:
        return self._alg

    @property
    def key(self) -> Tensor:
        return self._state_var[-1]

    def skip(self, delta: int) -> Tensor:
        """Move the counter on as ``delta`` drawn values would; returns the old state."""
        old = self._state_var.read_value()
        self._state_var.assign(execute(random_ops.RNG_SKIP, (old,), {"delta": int(delta)}))
        return old

    def _key_counter(self, shape: Any) -> tuple[Tensor, Tensor]:
        """The (key, counter) of this draw, the state already moved past it."""
        old = self.skip(math.prod(random_ops._dims(shape)))
        return old[2:], old[:2]

    def uniform_full_int(self, shape: Any, dtype: Any = _dt.uint64,
                         name: str | None = None) -> Tensor:
        """Integers over the dtype's whole range."""
        return self.uniform(shape, None, None, dtype)

    def normal(self, shape: Any, mean: Any = 0.0, stddev: Any = 1.0,
               dtype: Any = _dt.float32, name: str | None = None) -> Tensor:
        """Normal values (TensorFlow's, for the same seed and the same draws before)."""
        d = _dt.as_dtype(dtype)
        if not d.is_floating:
            raise TypeError(f"Cannot convert {float(mean)!r} to EagerTensor of dtype {d.name}")
        return random_ops.draw_normal(shape, *self._key_counter(shape), mean, stddev, d)

    def uniform(self, shape: Any, minval: Any = 0, maxval: Any = None,
                dtype: Any = _dt.float32, name: str | None = None) -> Tensor:
        """Uniform values in [minval, maxval); integer dtypes take both bounds, or neither
        for the whole range."""
        d = _dt.as_dtype(dtype)
        if d.is_integer and (minval is None) != (maxval is None):
            raise ValueError(f"For integer dtype {d}, minval and maxval must be both "
                             f"`None` or both non-`None`; got minval={minval} and "
                             f"maxval={maxval}")
        return random_ops.draw_uniform(shape, *self._key_counter(shape), minval, maxval, d)
