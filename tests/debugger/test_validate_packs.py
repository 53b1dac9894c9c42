"""The fast check of "ops" packs (``validate._pack_is_sound``) beside the field-by-field one.

Live events and trace rows are untrusted; most of them are packs, which ``validate.problem``
first checks a column at a time and only hands to ``_pack_problem`` when that check does not
vouch for them. These tests hold the fast check to never passing what ``_pack_problem``
rejects (many damaged packs), to vouching for the sound packs a probe makes (else the speed
is gone and nobody notices), and ``problem`` to still naming what is wrong.
"""

from __future__ import annotations

import copy
import json
import random

import pytest
from test_trace_fuzz import replace_somewhere

from debugger import validate
from debugger.probe import Probe
from engine.keras import layers, models

# the edges of the checks: bools are not ints, 64 bits, 0.0/False are not a health of 0
EDGE_VALUES = [True, False, 0.0, 1.5, 2**63, 2**63 - 1, -(2**63), -(2**63) - 1, None, "0",
               [], [0], [[0]], {}, [0, 0, 0], [1.0, 0, 0, 0, 0, 0, 0, 0], [None] * 8]


def train_step(mode: str, log: list[dict]) -> None:
    """A small model's step eager, traced and compiled, then a NaN and a -Inf, packed."""
    import engine as tf

    tf.random.set_seed(0)
    model = models.Sequential([layers.Dense(4, activation="relu"), layers.Dense(2)])
    optimizer = tf.keras.optimizers.Adam(0.01)
    x = tf.constant([[1.0, 2.0, 3.0], [0.0, -1.0, 2.0]])

    def step():
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean(tf.square(model(x)))
            loss += tf.reduce_sum(tf.zeros([2, 1]) - tf.ones([1, 3]))  # broadcasts both
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))

    with Probe(log.append, mode=mode, pack=True):
        for run in (step, tf.function(step), tf.function(step)):
            run()
        tf.math.log(tf.constant([-1.0, 0.0]))  # health counts


def sound_packs() -> list[dict]:
    """Packs of eager and compiled runs in every packable mode, as JSON delivers them."""
    log: list[dict] = []
    for mode in ("SHAPE", "CURT_HEALTH", "CONCISE_HEALTH", "FULL_HEALTH"):
        train_step(mode, log)
    packs = [e for e in json.loads(json.dumps(log)) if e["kind"] == "ops"]
    assert any("rows" in p for p in packs) and any("graph" in p for p in packs)
    assert any(len(row) == 13 for p in packs for row in p.get("rows", ()))
    assert any(row[11] != 0 for p in packs for row in p.get("rows", ()))  # some health
    return packs


@pytest.fixture(scope="module")
def packs() -> list[dict]:
    return sound_packs()


def slow_problem(pack: dict) -> str | None:
    """What ``validate.problem`` says of a pack checked field by field only."""
    wrong = validate.record(*validate.KINDS["ops"])(pack)
    return wrong if wrong is not None else validate._pack_problem(pack)


def damaged(pack: dict, rng: random.Random) -> dict:
    """``pack`` with one value inside its rows (or its fields) replaced."""
    pack = copy.deepcopy(pack)
    if rng.random() < 0.5 and pack.get("rows"):
        row = rng.choice(pack["rows"])
        i = rng.randrange(len(row))
        if isinstance(row[i], list) and row[i] and rng.random() < 0.7:
            inner = row[i]
            j = rng.randrange(len(inner))
            if isinstance(inner[j], list) and inner[j] and rng.random() < 0.5:
                inner[j][rng.randrange(len(inner[j]))] = rng.choice(EDGE_VALUES)
            else:
                inner[j] = rng.choice(EDGE_VALUES)
        elif rng.random() < 0.1:
            row.append(rng.choice(EDGE_VALUES))  # a 13th (or 14th) field
        else:
            row[i] = rng.choice(EDGE_VALUES)
        return pack
    return replace_somewhere(pack, rng) if rng.random() < 0.5 else {
        **pack, rng.choice(["count", "first", "graph", "times", "mode", "rows", "health",
                            "shapes"]): rng.choice(EDGE_VALUES)}


def test_the_fast_check_vouches_for_every_sound_pack(packs):
    for pack in packs:
        assert validate._pack_is_sound(pack) == ("health" not in pack and "shapes" not in pack
                                                 and all(row[11] == 0 for row in
                                                         pack.get("rows", ())))
        assert validate.problem(pack) is None and slow_problem(pack) is None


def test_the_fast_check_never_passes_a_pack_the_full_check_rejects(packs):
    rng = random.Random(14)
    rejected = 0
    for _ in range(6_000):
        pack = damaged(rng.choice(packs), rng)
        if not isinstance(pack, dict):
            continue
        full = slow_problem(pack)
        if isinstance(pack.get("mode"), str) and type(pack.get("count")) is int \
                and validate.record(*validate.KINDS["ops"])(pack) is None:
            assert not (validate._pack_is_sound(pack) and full is not None), (full, pack)
        said = validate.problem({**pack, "kind": "ops", "seq": 1})
        assert said == (None if full is None else f"field {full}")
        rejected += full is not None
    assert rejected > 3_000  # most damage is damage (some only sets an optional field)


@pytest.mark.parametrize(("where", "value", "said"), [
    (3, [1, True], "'rows' [0] inputs [1] is True, not an integer"),
    (4, [2**63], "'rows' [0] outputs [0] is 9223372036854775808, not an integer"),
    (5, [[2, 1.0]], "'rows' [0] shapes [0] [1] is 1.0, not an integer"),
    (5, [None], "'rows' [0] shapes [0] is None, not a list"),
    (6, ["f32", None], "'rows' [0] dtypes [1] is None, not a string"),
    (8, True, "'rows' [0] line is True, not an integer"),
    (8, -(2**63) - 1, "'rows' [0] line is -9223372036854775809, not an integer"),
    (11, 0.0, "'rows' [0] health is 0.0, not a list"),
    (11, False, "'rows' [0] health is False, not a list"),
    (11, [[1, 0]], "'rows' [0] health [0] has 2 items, not 3"),
    (12, [[2], [1, 2.5]], "'rows' [0] input_shapes [1] [1] is 2.5, not an integer"),
    (12, [[2]], "'rows' [0] input_shapes has 1 items, not 2"),
])
def test_a_damaged_row_is_named(where, value, said):
    row = ["MatMul", "dense/MatMul", "dense", [1, 2], [3], [[2, 4]], ["f32"], "train.py", 9,
           0.001, "eager", 0]
    pack = {"kind": "ops", "seq": 1, "step": 0, "epoch": 0, "mode": "CONCISE_HEALTH",
            "count": 1, "rows": [row]}
    assert validate.problem(pack) is None
    if where == len(row):  # the optional 13th field: a broadcasting op's input shapes
        row.append(value)
    else:
        row[where] = value
    assert validate.problem(pack) == f"field {said}"
