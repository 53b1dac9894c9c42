"""A tf.data.Dataset passed to a tf.function is traced by its element spec, as in TF 2.21:
a new dataset of that spec reuses the graph, which then reads the new dataset; where the
trace read the dataset itself (its elements unrolled, its length), Tapescope traces again
for the new one without counting a retrace (parity: tests/engine/parity/cases_traced.py)."""

from __future__ import annotations

import numpy as np

import engine as tf


def _slices(n: int, scale: float) -> tf.data.Dataset:
    return tf.data.Dataset.from_tensor_slices(np.full((n, 2), scale, np.float32))


def test_datasets_of_one_spec_share_a_graph_that_reads_each_of_them():
    traces = []

    @tf.function
    def total(ds):
        traces.append(1)
        s = tf.constant(0.0)
        for x in ds:
            s += tf.reduce_sum(x)
        return s

    a, b = _slices(3, 1.0), _slices(5, 10.0)
    got = [float(total(ds)) for ds in (a, b, a, b)]
    assert got == [6.0, 100.0, 6.0, 100.0]
    assert len(traces) == 1 and total.experimental_get_tracing_count() == 1
    assert len(total._cache) == 1


def test_a_dataset_read_while_tracing_is_traced_again_for_a_new_one_uncounted():
    traces = []

    @tf.function(autograph=False)  # a Python loop: the elements are unrolled into the graph
    def total(ds):
        traces.append(1)
        s = tf.constant(0.0)
        for x in ds:
            s += tf.reduce_sum(x)
        return s

    a, b = _slices(2, 1.0), _slices(4, 3.0)
    got = [float(total(ds)) for ds in (a, b, a)]
    assert got == [4.0, 24.0, 4.0]
    assert len(traces) == 3 and total.experimental_get_tracing_count() == 1
    assert len(total._cache) == 1  # each new dataset replaces the last: no graph per object


def test_a_dataset_made_from_the_argument_inside_is_not_rebound():
    @tf.function
    def doubled(ds):
        s = tf.constant(0.0)
        for x in ds.map(lambda v: v * 2.0):
            s += tf.reduce_sum(x)
        return s

    assert float(doubled(_slices(2, 1.0))) == 8.0
    assert float(doubled(_slices(3, 5.0))) == 60.0
    assert doubled.experimental_get_tracing_count() == 1
