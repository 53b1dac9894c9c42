"""The one NaN/Inf reading of summaries: every layout a summary comes in says the same.

Op events carry dicts from ``summarize`` (CURT_HEALTH: only ``bad``; CONCISE_HEALTH: the
counts; FULL_HEALTH: counts and statistics) or None; packs carry compact per-op health.
"""

from __future__ import annotations

import numpy as np
import pytest

import engine as tf
from debugger import events
from debugger.health import (
    is_checked,
    output_summaries,
    pack_is_bad,
    row_health_is_bad,
    summary_health,
    summary_is_bad,
)
from debugger.probe import Probe
from debugger.tensor_stats import bad_counts, full_stats, summarize

FINITE = np.array([1.0, -2.0, 0.0], dtype=np.float32)
NAN = np.array([1.0, np.nan, np.inf], dtype=np.float32)
NEG_INF = np.array([1.0, -np.inf], dtype=np.float32)
HEALTH_MODES = ("CURT_HEALTH", "CONCISE_HEALTH", "FULL_HEALTH", "FULL_TENSOR")


@pytest.mark.parametrize("mode", HEALTH_MODES)
def test_a_summary_of_each_health_mode_says_what_its_value_holds(mode):
    finite, nan, inf = (summarize(v, mode) for v in (FINITE, NAN, NEG_INF))
    assert all(is_checked(s) for s in (finite, nan, inf))
    assert not summary_is_bad(finite) and summary_health(finite) is None
    assert summary_is_bad(nan) and summary_health(nan) == "nan"
    assert summary_is_bad(inf)
    # CURT_HEALTH has no counts: a bad value is reported as "nan" (non-finite)
    assert summary_health(inf) == ("nan" if mode == "CURT_HEALTH" else "inf")


@pytest.mark.parametrize("mode", ["NO_TENSOR", "SHAPE"])
def test_modes_that_do_not_look_never_say_bad(mode):
    summary = summarize(NAN, mode)
    assert not summary_is_bad(summary) and summary_health(summary) is None
    assert not any(is_checked(s) for s in output_summaries(summary))


def test_per_output_summaries_report_the_worst_output():
    outputs = [summarize(FINITE, "CONCISE_HEALTH"), summarize(NEG_INF, "CONCISE_HEALTH")]
    assert summary_is_bad(outputs) and summary_health(outputs) == "inf"
    assert summary_health([*outputs, summarize(NAN, "CONCISE_HEALTH")]) == "nan"
    assert summary_health(tuple(outputs)) == "inf"
    assert not summary_is_bad([summarize(FINITE, "FULL_HEALTH")] * 2)


@pytest.mark.parametrize("summary", [None, [], "bad", 3, [None, "x"], {}])
def test_a_missing_or_malformed_summary_is_not_bad(summary):
    assert not summary_is_bad(summary) and summary_health(summary) is None


def test_compact_pack_health_of_each_layout():
    assert not row_health_is_bad(0, full=False)
    assert row_health_is_bad([bad_counts(NAN)], full=False)
    assert row_health_is_bad([0, bad_counts(NEG_INF)], full=False)  # second output bad
    # FULL_HEALTH: every output carries statistics, a finite one too
    assert not row_health_is_bad([full_stats(FINITE), full_stats(np.arange(3))], full=True)
    assert row_health_is_bad([full_stats(FINITE), full_stats(NEG_INF)], full=True)
    assert not row_health_is_bad([], full=True)


def record(mode: str, poisoned: bool) -> list[dict]:
    """Eager ops under a packing probe: a broadcasting add (whose row ends with its input
    shapes), then a log that is NaN when ``poisoned``."""
    log: list[dict] = []
    with Probe(log.append, mode=mode, pack=True) as probe:
        column = tf.constant([[1.0], [2.0]])
        row = tf.constant([3.0, 4.0])
        grown = column + row  # [2, 1] + [2] -> [2, 2]: both inputs broadcast
        tf.math.log(grown - (5.0 if poisoned else 0.0))
        probe.flush_ops()
    return log


@pytest.mark.parametrize("mode", events.PACKABLE_MODES)
@pytest.mark.parametrize("poisoned", [False, True])
def test_a_pack_is_bad_exactly_when_one_of_its_op_events_is(mode, poisoned):
    packs = [e for e in record(mode, poisoned) if e["kind"] == "ops"]
    assert packs and any(len(r) > len(events.OP_ROW) for p in packs for r in p["rows"])
    expander = events.OpsExpander()
    for pack in packs:
        expected = any(summary_is_bad(e["summary"]) for e in expander.expand(pack))
        assert pack_is_bad(pack) == expected
    assert any(pack_is_bad(p) for p in packs) == (poisoned and mode != "SHAPE")
