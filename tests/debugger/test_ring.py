"""The ring of recent op outputs that time travel (``get_value``) reads."""

from __future__ import annotations

import numpy as np
import pytest

from debugger.ring import ValueRing


def test_value_ring_keeps_the_last_n_steps():
    ring = ValueRing(steps=2)
    ring.keep(0, seq=1, values=[np.ones(2)])
    ring.keep(1, seq=2, values=[np.full(2, 2.0), np.full(2, 3.0)])
    assert ring.steps() == [0, 1] and len(ring) == 3
    ring.keep(2, seq=3, values=[np.zeros(2)])  # step 2 begins: step 0 goes
    assert ring.steps() == [1, 2] and len(ring) == 3
    assert ring.get(1, 0) is None
    assert ring.get(2, 1).tolist() == [3.0, 3.0] and ring.get(3).tolist() == [0.0, 0.0]
    assert ring.get(99) is None and ring.get(2, 5) is None


def test_a_step_seen_again_drops_nothing():
    ring = ValueRing(steps=1)
    ring.keep(5, 0, [np.ones(1)])
    ring.keep(5, 1, [np.ones(1)])
    assert len(ring) == 2 and ring.steps() == [5]


def test_it_holds_the_values_it_is_given_not_copies():
    value = np.arange(3.0)
    ring = ValueRing()
    ring.keep(0, 7, [value])
    assert ring.get(7) is value


def test_zero_steps_keep_nothing_and_fewer_are_refused():
    ring = ValueRing(steps=0)
    ring.keep(0, 1, [np.ones(1)])
    assert len(ring) == 0 and ring.get(1) is None and ring.steps() == []
    with pytest.raises(ValueError, match="zero or more steps"):
        ValueRing(steps=-1)


def test_step_values_is_the_dict_that_keep_fills_until_a_newer_step_pushes_it_out():
    ring = ValueRing(steps=1)
    kept = ring.step_values(0)
    assert ring.step_values(0) is kept
    kept[(4, 0)] = np.ones(2)  # how the probe's packing path stores an output
    ring.keep(0, 5, [np.zeros(2)])
    assert ring.get(4).tolist() == [1.0, 1.0] and len(ring) == 2
    assert ring.step_values(1) is not kept and ring.get(4) is None  # step 0 left
