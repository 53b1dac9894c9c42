"""Philox-4x32-10 against the Random123 known-answer vectors (kat_vectors), and the
counter arithmetic the stateless ops and tf.random.Generator rely on."""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf
from engine.ops import philox

KNOWN_ANSWERS = [  # (counter words, key words, output words) from Random123's kat_vectors
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize(("counter", "key", "expected"), KNOWN_ANSWERS)
def test_philox4x32_matches_the_reference_vectors(counter, key, expected):
    out = philox.philox4x32(np.array([counter], dtype=np.uint32), key)
    assert tuple(int(w) for w in out[0]) == expected


def test_consecutive_blocks_carry_into_the_high_half_of_the_counter():
    low = (1 << 64) - 1
    words = philox.words((5, 6), (low, 7), 2).reshape(2, 4)
    after_carry = philox.philox4x32(np.array([[0, 0, 8, 0]], dtype=np.uint32), (5, 6))
    np.testing.assert_array_equal(words[1], after_carry[0])


def test_stateless_draws_depend_only_on_the_seed():
    a = tf.random.stateless_normal([3, 4], seed=[9, 10])
    b = tf.random.stateless_normal([3, 4], seed=[9, 10])
    c = tf.random.stateless_normal([3, 4], seed=[10, 9])
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())


def test_generator_moves_its_counter_256_per_value():
    g = tf.random.Generator.from_seed(5)
    g.uniform([2, 3])
    np.testing.assert_array_equal(g.state.numpy(), [5 + 6 * 256, 0, 0])
    assert not g.state.trainable


def test_a_traced_function_draws_what_eager_code_draws():
    """Seeds and generator states flow into the graph as tensors: each run of a traced
    function takes its own seed and moves the generator on."""
    eager = tf.random.Generator.from_seed(1)
    expected = [eager.normal([2]), eager.uniform([3]), eager.normal([2]), eager.uniform([3])]
    traced = tf.random.Generator.from_seed(1)
    draw = tf.function(lambda: [traced.normal([2]), traced.uniform([3])])
    got = draw() + draw()
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g.numpy(), e.numpy())
    np.testing.assert_array_equal(traced.state.numpy(), eager.state.numpy())

    stateless = tf.function(lambda seed: tf.random.stateless_uniform([3], seed=seed))
    for seed in ([1, 2], [3, 4]):
        np.testing.assert_array_equal(stateless(tf.constant(seed)).numpy(),
                                      tf.random.stateless_uniform([3], seed=seed).numpy())
