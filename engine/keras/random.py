"""``keras.random``'s seeding, as Keras 3 on TensorFlow does it.

Keras 3 draws with stateless ops only. An unseeded initializer or ``SeedGenerator`` takes
its seed from Python's global ``random`` when it is made (``make_default_seed``), so
``keras.utils.set_random_seed`` (which seeds ``random``) fixes every later layer's draws.
A ``SeedGenerator`` keeps the pair ``[seed, n]`` in an int64 variable and moves ``n`` on
at each draw, inside traced functions too. That variable is layer state: a layer holding a
generator lists it in ``variables`` (not in ``weights``), as Keras 3 does.
"""

from __future__ import annotations

import random as python_random
from typing import Any

import numpy as np

from engine.keras import backend
from engine.keras.variables import KerasVariable
from engine.ops import math_ops
from engine.tensor import Tensor

_INT32_MAX = 2**31 - 1


def make_default_seed() -> int:
    """Keras 3's seed for something made without one (Python's global ``random``)."""
    return python_random.randint(1, int(1e9))


class SeedGenerator:
    """``keras.random.SeedGenerator``: a stateful source of stateless seeds."""

    def __init__(self, seed: int | None = None, name: str | None = None) -> None:
        self._initial_seed = seed
        if seed is None:
            seed = make_default_seed()
        if not isinstance(seed, int | np.integer):
            raise ValueError(f"Argument `seed` must be an integer. Received: seed={seed}")
        self.name = name or backend.unique_object_name("seed_generator")
        self.state = KerasVariable(np.array([int(seed), 0], np.int64), trainable=False,
                                   path=f"{self.name}/seed_generator_state")

    def next(self) -> Tensor:
        """The current pair; the state moves to ``[seed, n + 1]``."""
        value = math_ops.multiply(self.state, np.int64(1))
        self.state.assign(math_ops.add(self.state, np.array([0, 1], np.int64)))
        return value

    def get_config(self) -> dict:
        return {"seed": self._initial_seed, "name": self.name}


def draw_seed(seed: Any) -> Tensor:
    """The int32 stateless seed Keras' TensorFlow backend draws with (``_cast_seed`` of
    ``draw_seed``): a generator's next pair, or ``[seed, 0]``, modulo 2**31 - 2."""
    pair = seed.next() if isinstance(seed, SeedGenerator) else np.array([int(seed), 0],
                                                                         np.int64)
    return math_ops.cast(math_ops.floormod(pair, np.int64(_INT32_MAX - 1)), "int32")
