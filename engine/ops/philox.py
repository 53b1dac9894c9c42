"""Philox-4x32-10, the counter-based generator behind TensorFlow's stateless random ops and
``tf.random.Generator``, and TensorFlow's maps from its 32-bit words to numbers.

A counter-based generator hashes (key, counter) into four 32-bit words; the n-th block of
a draw hashes counter + n, so any block can be computed without the ones before it — which
is why stateless ops and generators reproduce exactly. numpy's ``Philox`` is the 4x64
variant, so the 4x32 rounds are written out here, vectorized over blocks.
(Salmon et al., "Parallel Random Numbers: As Easy as 1, 2, 3", SC 2011; TensorFlow's
``lib/random/philox_random.h`` and ``random_distributions.h``.)
"""

from __future__ import annotations

import numpy as np

_MULTIPLIERS = (np.uint64(0xD2511F53), np.uint64(0xCD9E8D57))
_KEY_STEPS = (np.uint32(0x9E3779B9), np.uint32(0xBB67AE85))
_ROUNDS = 10
# StatelessRandomGetKeyCounter hashes the user's seed under this fixed key.
_SEED_SCRAMBLE_KEY = (0x3EC8F720, 0x02461E29)
_U32 = 0xFFFFFFFF
_U64 = 0xFFFFFFFFFFFFFFFF


def philox4x32(counters: np.ndarray, key: tuple[int, int]) -> np.ndarray:
    """Hash each row of ``counters`` ((n, 4) uint32) under ``key``: (n, 4) uint32 words."""
    c0, c1, c2, c3 = (counters[:, i].astype(np.uint32) for i in range(4))
    k0, k1 = np.uint32(key[0]), np.uint32(key[1])
    shift = np.uint64(32)
    with np.errstate(over="ignore"):  # the key schedule wraps around by design
        for round_ in range(_ROUNDS):
            p0 = c0.astype(np.uint64) * _MULTIPLIERS[0]
            p1 = c2.astype(np.uint64) * _MULTIPLIERS[1]
            c0, c1, c2, c3 = ((p1 >> shift).astype(np.uint32) ^ c1 ^ k0, p1.astype(np.uint32),
                              (p0 >> shift).astype(np.uint32) ^ c3 ^ k1, p0.astype(np.uint32))
            if round_ < _ROUNDS - 1:
                k0, k1 = k0 + _KEY_STEPS[0], k1 + _KEY_STEPS[1]
    return np.stack([c0, c1, c2, c3], axis=1)


def words(key: tuple[int, int], counter: tuple[int, int], blocks: int) -> np.ndarray:
    """The uint32 words of ``blocks`` consecutive blocks from the 128-bit ``counter`` (two
    uint64 halves, low first), flattened in order."""
    return words_at(key, counter, np.arange(blocks, dtype=np.uint64)).reshape(-1)


def words_at(key: tuple[int, int], counter: tuple[int, int], steps: np.ndarray) -> np.ndarray:
    """The four uint32 words of the block ``counter + step`` for each of ``steps`` (uint64
    offsets, any shape): shape ``steps.shape + (4,)``."""
    flat = np.asarray(steps, dtype=np.uint64).reshape(-1)
    with np.errstate(over="ignore"):
        low = np.uint64(counter[0]) + flat
    high = np.full(flat.shape, counter[1], dtype=np.uint64)
    high += (low < np.uint64(counter[0])).astype(np.uint64)  # carry out of the low half
    shift = np.uint64(32)
    rows = np.stack([low.astype(np.uint32), (low >> shift).astype(np.uint32),
                     high.astype(np.uint32), (high >> shift).astype(np.uint32)], axis=1)
    return philox4x32(rows, key).reshape(np.shape(steps) + (4,))


def key_counter_from_seed(seed: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """StatelessRandomGetKeyCounter: a two-int64 seed hashed into a key and a counter."""
    s0, s1 = (int(s) & _U64 for s in seed)
    block = np.array([[s0 & _U32, s0 >> 32, s1 & _U32, s1 >> 32]], dtype=np.uint32)
    mix = [int(w) for w in philox4x32(block, _SEED_SCRAMBLE_KEY)[0]]
    return (mix[0], mix[1]), (0, mix[2] | mix[3] << 32)


# -- words to numbers, as TensorFlow's distributions do ------------------------------------

def _unit_float32(w: np.ndarray) -> np.ndarray:
    """[0, 1) from the low 23 bits as a float32 mantissa (Uint32ToFloat)."""
    return ((w & np.uint32(0x7FFFFF)) | np.uint32(0x3F800000)).view(np.float32) - np.float32(1)


def _unit_float64(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """[0, 1) from 52 bits of two words as a float64 mantissa (Uint64ToDouble)."""
    man = (hi.astype(np.uint64) & np.uint64(0xFFFFF)) << np.uint64(32) | lo.astype(np.uint64)
    return (man | np.uint64(0x3FF0000000000000)).view(np.float64) - 1.0


def _unit_float16(w: np.ndarray) -> np.ndarray:
    """[0, 1) from the low 10 bits as a float16 mantissa (Uint16ToHalf)."""
    bits = ((w & np.uint32(0x3FF)) | np.uint32(0x3C00)).astype(np.uint16)
    return bits.view(np.float16) - np.float16(1)


def uniform(key: tuple[int, int], counter: tuple[int, int], size: int,
            dtype: np.dtype) -> np.ndarray:
    """``size`` values in [0, 1): four per block (float16/32), two per block (float64)."""
    dtype = np.dtype(dtype)
    if dtype == np.float64:
        w = words(key, counter, (size + 1) // 2)
        return _unit_float64(w[0::2], w[1::2])[:size]
    w = words(key, counter, (size + 3) // 4)[:size]
    return _unit_float16(w) if dtype == np.float16 else _unit_float32(w)


def normal(key: tuple[int, int], counter: tuple[int, int], size: int,
           dtype: np.dtype) -> np.ndarray:
    """``size`` standard normal values by Box-Muller, as TensorFlow pairs the words.

    float32 steps are computed in float64 and rounded, which is how glibc's correctly
    rounded logf/sinf/cosf behave: TensorFlow's values to within a few ulp."""
    dtype = np.dtype(dtype)
    if dtype == np.float64:
        w = words(key, counter, (size + 1) // 2).reshape(-1, 4)
        return box_muller_float64(w[:, 0], w[:, 1], w[:, 2], w[:, 3]).reshape(-1)[:size]
    w = words(key, counter, (size + 3) // 4).reshape(-1, 2)
    pairs = box_muller_float32(w[:, 0], w[:, 1]).reshape(-1)[:size]
    return pairs.astype(dtype)  # float16: TensorFlow rounds its float32 pairs too


def box_muller_float32(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """TensorFlow's BoxMullerFloat: two words -> two float32 normals, shape ``x0.shape +
    (2,)`` (sine one first)."""
    f32 = np.float32
    u1 = np.maximum(_unit_float32(x0), f32(1e-7)).astype(np.float64)
    v1 = (2.0 * np.pi * _unit_float32(x1).astype(np.float64)).astype(f32)
    log_u1 = np.log(u1).astype(f32)
    radius = np.sqrt((f32(-2.0) * log_u1).astype(np.float64)).astype(f32)
    sin = np.sin(v1.astype(np.float64)).astype(f32)
    cos = np.cos(v1.astype(np.float64)).astype(f32)
    return np.stack([sin * radius, cos * radius], axis=-1)


def box_muller_float64(x0: np.ndarray, x1: np.ndarray, x2: np.ndarray,
                       x3: np.ndarray) -> np.ndarray:
    """TensorFlow's BoxMullerDouble: four words -> two float64 normals (sine one first)."""
    u1 = np.maximum(_unit_float64(x0, x1), 1e-7)
    v1 = 2.0 * np.pi * _unit_float64(x2, x3)
    radius = np.sqrt(-2.0 * np.log(u1))
    return np.stack([np.sin(v1) * radius, np.cos(v1) * radius], axis=-1)


def unit_float64(x0: np.ndarray, x1: np.ndarray) -> np.ndarray:
    """[0, 1) doubles from word pairs (SimplePhilox::RandDouble's Uint64ToDouble)."""
    return _unit_float64(x0, x1)


def uniform_int(key: tuple[int, int], counter: tuple[int, int], size: int, lo: int, hi: int,
                dtype: np.dtype) -> np.ndarray:
    """``size`` integers in [lo, hi): lo + bits mod (hi - lo), one word per int32, two per
    int64 (TensorFlow's slightly biased but exact-to-reproduce mapping)."""
    dtype = np.dtype(dtype)
    span = (hi - lo) & (_U32 if dtype.itemsize == 4 else _U64)
    if dtype.itemsize == 4:
        bits = words(key, counter, (size + 3) // 4)[:size].astype(np.uint64)
        offset = (bits % np.uint64(span)).astype(np.int64)
        return (lo + offset).astype(dtype)
    w = words(key, counter, (size + 1) // 2)
    bits = w[0::2].astype(np.uint64) | w[1::2].astype(np.uint64) << np.uint64(32)
    offset = bits[:size] % np.uint64(span)
    return (np.uint64(lo & _U64) + offset).view(np.int64).astype(dtype)


def uniform_full_int(key: tuple[int, int], counter: tuple[int, int], size: int,
                     dtype: np.dtype) -> np.ndarray:
    """``size`` integers over the dtype's whole range: a word per 32-bit value, two (low
    first) per 64-bit value, reinterpreted as the dtype."""
    dtype = np.dtype(dtype)
    if dtype.itemsize == 4:
        return words(key, counter, (size + 3) // 4)[:size].view(dtype)
    w = words(key, counter, (size + 1) // 2)
    bits = w[0::2].astype(np.uint64) | w[1::2].astype(np.uint64) << np.uint64(32)
    return bits[:size].view(dtype)


def truncated_normal(key: tuple[int, int], counter: tuple[int, int], size: int,
                     dtype: np.dtype) -> np.ndarray:
    """TensorFlow's TruncatedNormal kernel: output group g (four values, two for float64)
    starts 256 (128) blocks past ``counter``, turns its consecutive words into Box-Muller
    pairs and keeps, in order, the values of magnitude below 2."""
    dtype = np.dtype(dtype)
    wide = dtype == np.float64
    group = 2 if wide else 4
    skip = np.uint64(group * 256 // 4)
    groups = -(-size // group)
    out = np.empty((groups, group), np.float64 if wide else np.float32)
    todo = np.arange(groups, dtype=np.uint64)
    blocks = 4  # enough for four values nearly always; doubled for the groups still short
    while todo.size:
        steps = todo[:, None] * skip + np.arange(blocks, dtype=np.uint64)
        w = words_at(key, counter, steps).reshape(len(todo), -1)
        if wide:
            q = w.reshape(len(todo), -1, 4)
            values = box_muller_float64(q[..., 0], q[..., 1], q[..., 2], q[..., 3])
        else:
            q = w.reshape(len(todo), -1, 2)
            values = box_muller_float32(q[..., 0], q[..., 1])
        values = values.reshape(len(todo), -1)
        keep = np.abs(values) < 2.0
        taken = keep & (np.cumsum(keep, axis=1) <= group)
        done = taken.sum(axis=1) == group
        out[todo[done].astype(np.intp)] = values[done][taken[done]].reshape(-1, group)
        todo = todo[~done]
        blocks *= 2
    return out.reshape(-1)[:size].astype(dtype)
