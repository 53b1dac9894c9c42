"""TensorFlow's seeds for stateful random ops, and the Philox stream each kernel keeps.

``tf.random.set_seed(s)`` makes TensorFlow 2 derive every eager op's seed pair as
(s, ``random.Random(s).randint(0, 2**31 - 1)`` drawn in call order) and a traced op's as
(s, 0, 1, 2 … per function graph); an op seed alone pairs with 87654321. A kernel's
generator is Philox-4x32 keyed by the first seed with the second as the counter's high
half; each run reserves 256 counter steps per value it draws. Eager kernels are cached by
op and attributes (the same seeds continue one stream; ``set_seed`` clears the cache), a
traced node keeps its own. (TensorFlow's ``random_seed.get_seed``, ``GuardedPhiloxRandom``.)
"""

from __future__ import annotations

import random
import secrets
import weakref
from typing import Any

import numpy as np

from engine.context import STATE

MAXINT32 = 2**31 - 1
DEFAULT_GRAPH_SEED = 87654321
SKIP_PER_VALUE = 256  # counter steps a kernel reserves per value it draws
_U32 = 0xFFFFFFFF
_U64 = 0xFFFFFFFFFFFFFFFF


class PhiloxStream:
    """One kernel's generator: a Philox key and a 128-bit counter that each run moves on."""

    __slots__ = ("key", "counter", "_start")

    def __init__(self, seed: int, seed2: int) -> None:
        if seed == 0 and seed2 == 0:  # TensorFlow's "nondeterministic" pair
            seed, seed2 = secrets.randbits(64), secrets.randbits(64)
        seed, seed2 = seed & _U64, seed2 & _U64
        self.key = (seed & _U32, seed >> 32)
        self._start = seed2 << 64  # PhiloxRandom(seed, seed2): seed2 is the counter's top
        self.counter = self._start

    def reserve(self, blocks: int) -> tuple[tuple[int, int], tuple[int, int]]:
        """(key, counter as low and high uint64 halves) for this run; the next run starts
        ``blocks`` 128-bit steps on."""
        counter = self.counter
        self.counter = (counter + blocks) & ((1 << 128) - 1)
        return self.key, (counter & _U64, counter >> 64)

    def __repr__(self) -> str:  # (graph printouts list a node's attributes)
        return f"PhiloxStream(key={self.key[1] << 32 | self.key[0]}, start={self._start >> 64})"

    def seeded_alike(self, other: PhiloxStream) -> bool:
        """The same key and first counter: the same op of two traces of one program."""
        return self.key == other.key and self._start == other._start

    def restart(self) -> None:
        """Back to the first run (a trace-time draw is not one of the function's runs)."""
        self.counter = self._start


class _Seeds:
    global_seed: int | None = None
    rng = random.Random()
    kernels: dict[tuple, PhiloxStream] = {}
    numpy_draws: dict[tuple, int] = {}  # generator(): draws so far per (global, op) seed
    # per traced function graph: [its global seed, how many op seeds it handed out]
    graphs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def set_seed(seed: Any) -> None:
    """``tf.random.set_seed``: the global seed; eager kernels start their streams anew."""
    _Seeds.global_seed = None if seed is None else int(seed)
    _Seeds.rng = random.Random(_Seeds.global_seed)
    _Seeds.kernels = {}
    _Seeds.numpy_draws = {}


def get_global_seed() -> int | None:
    return _Seeds.global_seed


def generator(seed: int | None = None) -> np.random.Generator:
    """A numpy generator for the engine's own shuffles outside tf.random (Keras ``fit``'s
    batch order, a dataset's default seed): reproducible after ``set_seed``, each draw of
    the same seeds a new one."""
    g = _Seeds.global_seed
    if g is None and seed is None:
        return np.random.default_rng()
    key = (DEFAULT_GRAPH_SEED if g is None else g, seed)
    n = _Seeds.numpy_draws.get(key, 0)
    _Seeds.numpy_draws[key] = n + 1
    op_part = 0 if seed is None else (int(seed) & _U32) + 1  # 0 marks 'no op seed'
    return np.random.default_rng([key[0] & _U32, op_part, n])


def get_seed(op_seed: Any) -> tuple[int, int]:
    """The (seed, seed2) attributes of a stateful random op, as TensorFlow picks them;
    (0, 0) when neither a global nor an op seed is set (a nondeterministic stream)."""
    graph = STATE.graph
    if graph is None:
        global_seed = _Seeds.global_seed
    else:
        state = _Seeds.graphs.get(graph)
        if state is None:
            state = _Seeds.graphs[graph] = [_Seeds.global_seed, 0]
        global_seed = state[0]
    if global_seed is not None:
        if op_seed is None:
            if graph is None:
                op_seed = _Seeds.rng.randint(0, MAXINT32)
            else:
                op_seed, state[1] = state[1], state[1] + 1
        seeds = (int(global_seed) % MAXINT32, int(op_seed) % MAXINT32)
    elif op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED, int(op_seed) % MAXINT32)
    else:
        return (0, 0)
    return (0, MAXINT32) if seeds == (0, 0) else seeds


def kernel_stream(op_name: str, attrs: tuple, seeds: tuple[int, int]) -> PhiloxStream:
    """The stream of the kernel that runs this op: eagerly, the one cached for the op and
    its attributes (so repeated draws with the same seeds go on where the last stopped);
    while tracing, a new one for the node."""
    if STATE.graph is not None:
        return PhiloxStream(*seeds)
    key = (op_name, attrs, seeds)
    stream = _Seeds.kernels.get(key)
    if stream is None:
        stream = _Seeds.kernels[key] = PhiloxStream(*seeds)
    return stream
