"""The fast check of gradients and variable updates (``validate._SOUND``) beside the record
check of their fields.

Opening a trace checks every event read back; after packs, most are gradients and variable
updates, which ``validate.problem`` first checks with straight-line code and only hands to
the field-by-field record check when that code does not vouch for them. As for packs
(test_validate_packs), the fast check must never pass what the record check rejects, must
vouch for what a probe makes (else the speed is gone unnoticed), and ``problem`` must still
name what is wrong.
"""

from __future__ import annotations

import copy
import json
import random

import pytest
from test_trace_fuzz import replace_somewhere
from test_validate_packs import EDGE_VALUES, train_step

from debugger import validate

KINDS = ("gradient", "variable_update")
SUMMARY_KEYS = ("shape", "dtype", "size", "nan", "neg_inf", "pos_inf", "bad", "min", "max",
                "mean", "std", "zeros", "other")


@pytest.fixture(scope="module")
def sound_events() -> list[dict]:
    """Gradients and updates of eager and compiled steps in every mode, through JSON."""
    log: list[dict] = []
    for mode in ("NO_TENSOR", "SHAPE", "CURT_HEALTH", "CONCISE_HEALTH", "FULL_HEALTH"):
        train_step(mode, log)
    found = [e for e in json.loads(json.dumps(log)) if e["kind"] in KINDS]
    assert {e["kind"] for e in found} == set(KINDS)
    summaries = [s.get("summary") for e in found for s in e.get("sources", [e])]
    assert any(s and "mean" in s and "zeros" in s for s in summaries)  # FULL_HEALTH's
    return found


def slow_problem(event: dict) -> str | None:
    return validate.record(*validate.KINDS[event["kind"]])(event)


def damaged(event: dict, rng: random.Random) -> dict:
    """``event`` with one value replaced: often in a summary, or a field set to an edge."""
    event = copy.deepcopy(event)
    summaries = [s["summary"] for s in event.get("sources", [event])
                 if isinstance(s.get("summary"), dict)]
    roll = rng.random()
    if summaries and roll < 0.4:
        summary = rng.choice(summaries)
        key = rng.choice(SUMMARY_KEYS)
        if key == "shape" and summary.get("shape") and rng.random() < 0.5:
            summary["shape"][rng.randrange(len(summary["shape"]))] = rng.choice(EDGE_VALUES)
        else:
            summary[key] = rng.choice(EDGE_VALUES)
    elif event.get("sources") and roll < 0.6:
        source = rng.choice(event["sources"])
        source[rng.choice(["id", "name", "shape", "reason", "summary", "norm", "grad_id"])] = \
            rng.choice(EDGE_VALUES)
    elif roll < 0.8:
        key = rng.choice(list(event))
        if rng.random() < 0.2 and key not in ("kind", "seq"):
            del event[key]
        else:
            event[key] = rng.choice(EDGE_VALUES) if key not in ("kind", "seq") else event[key]
    else:
        event = replace_somewhere(event, rng)
        if isinstance(event, dict):
            event.update(kind=event.get("kind") if event.get("kind") in KINDS else "gradient",
                         seq=1)
    return event


def test_the_fast_check_vouches_for_every_sound_event(sound_events):
    for event in sound_events:
        assert validate._SOUND[event["kind"]](event), event
        assert slow_problem(event) is None and validate.problem(event) is None


def test_the_fast_check_never_passes_an_event_the_record_check_rejects(sound_events):
    rng = random.Random(12)
    rejected = vouched = 0
    for _ in range(8_000):
        event = damaged(rng.choice(sound_events), rng)
        if not isinstance(event, dict):
            continue
        full = slow_problem(event)
        fast = validate._SOUND[event["kind"]](event)
        assert not (fast and full is not None), (full, event)
        assert validate.problem(event) == (None if full is None else f"field {full}")
        rejected += full is not None
        vouched += fast
    assert rejected > 3_000 and vouched > 1_000  # both ways taken, often


@pytest.mark.parametrize(("change", "said"), [
    (lambda e: e["summary"].update(size=True), "'summary' 'size' is True, not an integer"),
    (lambda e: e["summary"].update(shape=[4, 2**63]),
     "'summary' 'shape' [1] is 9223372036854775808, not an integer"),
    (lambda e: e["summary"].update(mean="0"), "'summary' 'mean' is '0', not a number"),
    (lambda e: e["summary"].update(bad=0), "'summary' 'bad' is 0, not true/false"),
    (lambda e: e.update(update_norm=False), "'update_norm' is False, not a number"),
    (lambda e: e.pop("epoch"), "lacks 'epoch'"),
    (lambda e: e.update(id=None), "'id' is None, not an integer"),
])
def test_a_damaged_update_is_named(change, said):
    event = {"kind": "variable_update", "seq": 5, "step": 1, "epoch": 0, "id": 3,
             "name": "dense/kernel", "action": "Adam", "weight_norm": 1.5, "update_norm": 0.1,
             "summary": {"shape": [4, 2], "dtype": "float32", "size": 8, "nan": 0,
                         "neg_inf": 0, "pos_inf": 0, "bad": False}}
    assert validate.problem(event) is None
    change(event)
    assert validate.problem(event) == f"field {said}"
