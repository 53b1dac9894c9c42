"""OpsModel: half a million ops appended in batches, filtered with numpy, read on demand."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from app.models.ops_model import (
    COLUMNS,
    HEALTH,
    NAME,
    OP,
    OUTPUTS,
    SEQ,
    SOURCE,
    OpsModel,
    SeqRole,
    format_health,
    format_outputs,
)

OP_TYPES = ("MatMul", "Add", "Relu", "Softmax", "Mean", "Square", "Sub", "Mul")
SCOPES = ("dense", "dense_1", "")
TOTAL = 500_000
BATCH = 10_000
BAD_SEQS = {123_457, 400_001, 499_999}


HEALTHY = [{"shape": [32, 10], "dtype": "float32", "size": 320, "nan": 0, "neg_inf": 0,
            "pos_inf": 0, "bad": False}]
BROKEN = [{"shape": [32, 10], "dtype": "float32", "size": 320, "nan": 2, "neg_inf": 0,
           "pos_inf": 1, "bad": True}]
TEMPLATE = {"kind": "op", "epoch": 0, "inputs": [1], "outputs": [2], "shapes": [[32, 10]],
            "dtypes": ["float32"], "file": "/project/train.py", "duration": 2.5e-5,
            "exec": "eager"}


def synthetic_op(seq: int) -> dict:
    op = OP_TYPES[seq % len(OP_TYPES)]
    return {**TEMPLATE, "seq": seq, "step": seq // 50, "op": op, "name": op,
            "scope": SCOPES[seq % len(SCOPES)], "line": 10 + seq % 7,
            "summary": BROKEN if seq in BAD_SEQS else HEALTHY}


@pytest.fixture(scope="module")
def half_a_million_ops() -> list[dict]:
    return [synthetic_op(seq) for seq in range(1, TOTAL + 1)]


@pytest.fixture(scope="module")
def full_model(half_a_million_ops, qapp) -> OpsModel:
    """Built once for the module; ``inserted`` lists its insert notices."""
    model = OpsModel()
    model.inserted = []
    model.rowsInserted.connect(lambda _parent, first, last: model.inserted.append((first, last)))
    for start in range(0, TOTAL, BATCH):
        model.append_ops(half_a_million_ops[start:start + BATCH])
    return model


def expected_rows(ops: list[dict], words: tuple[str, ...] = (), only_bad: bool = False
                  ) -> list[int]:
    """The filter, written plainly in Python: the model must agree with it."""
    rows = []
    for op in ops:
        text = f"{op['op']}\t{op['scope']}/{op['name']}".lower()
        if all(w in text for w in words) and (not only_bad or op["seq"] in BAD_SEQS):
            rows.append(op["seq"])
    return rows


def shown_seqs(model: OpsModel) -> list[int]:
    return [model.seq_at(row) for row in range(model.rowCount())]


def test_batches_append_with_one_insert_notice_each(full_model):
    model = full_model
    assert model.rowCount() == TOTAL
    assert len(model.inserted) == TOTAL // BATCH
    assert model.inserted[0] == (0, BATCH - 1)
    assert model.inserted[-1] == (TOTAL - BATCH, TOTAL - 1)
    last = model.index(TOTAL - 1, SEQ)
    assert model.data(last) == str(TOTAL)
    assert model.data(model.index(0, OP)) == "Add"
    assert model.data(model.index(0, NAME)) == "dense_1/Add"
    assert model.data(model.index(0, OUTPUTS)) == "f32[32,10]"
    assert model.data(model.index(0, SOURCE)) == "train.py:11"
    assert model.data(model.index(5, SEQ), SeqRole) == 6


def test_text_filter_matches_op_type_scope_and_name(full_model, half_a_million_ops):
    full_model.set_filter("matmul")
    assert full_model.rowCount() == TOTAL // len(OP_TYPES)
    expected = expected_rows(half_a_million_ops, ("relu", "dense_1"))
    full_model.set_filter("relu dense_1")  # every word must match, in any order
    assert shown_seqs(full_model) == expected
    full_model.set_filter("DENSE_1/relu")  # any case, scope and name together
    assert shown_seqs(full_model) == expected
    full_model.set_filter("no such op")
    assert full_model.rowCount() == 0
    full_model.set_filter("")
    assert full_model.rowCount() == TOTAL


def test_nan_filter_and_jump_to_the_first_nan(full_model, half_a_million_ops):
    full_model.set_filter("", only_bad=True)
    assert shown_seqs(full_model) == sorted(BAD_SEQS)
    assert full_model.data(full_model.index(0, HEALTH)) == "NaN×2 +Inf×1"
    full_model.set_filter("", only_bad=False)
    row = full_model.first_bad_row()
    assert row == min(BAD_SEQS) - 1  # seqs start at 1 in row 0
    assert full_model.seq_at(row) == min(BAD_SEQS)
    assert full_model.first_bad_seq() == min(BAD_SEQS)
    full_model.set_filter("relu")  # no bad op is a Relu: none to jump to
    assert full_model.rowCount() > 0
    assert full_model.first_bad_row() == -1
    assert full_model.first_bad_seq() == min(BAD_SEQS)  # still known, only filtered out
    # "mul dense_1" shows MatMul and Mul ops of dense_1: the Add at 123,457 is hidden, so
    # the first bad row shown is the Mul at 499,999, counted in filtered rows
    full_model.set_filter("mul dense_1")
    expected = expected_rows(half_a_million_ops, ("mul", "dense_1"))
    row = full_model.first_bad_row()
    assert row == expected.index(499_999)
    assert full_model.seq_at(row) == 499_999
    full_model.set_filter("")


@pytest.mark.parametrize("column", range(len(COLUMNS)))
def test_bad_rows_are_red_and_good_rows_keep_the_default_colours(qapp, column):
    model = OpsModel()
    model.append_ops([synthetic_op(seq) for seq in range(1, 6)]
                     + [{**synthetic_op(123_457), "seq": 6}])
    good, bad = model.index(0, column), model.index(5, column)
    foreground, background = Qt.ItemDataRole.ForegroundRole, Qt.ItemDataRole.BackgroundRole
    assert model.data(good, foreground) is None and model.data(good, background) is None
    assert model.data(bad, foreground).color() == QColor(178, 24, 24)  # dark red text
    assert model.data(bad, background).color() == QColor(255, 226, 226)  # on light red


def test_row_of_seq_follows_the_filter(full_model):
    assert full_model.row_of_seq(1) == 0
    assert full_model.row_of_seq(TOTAL) == TOTAL - 1
    assert full_model.row_of_seq(TOTAL + 1) == -1
    full_model.set_filter("matmul")
    seq = next(s for s in range(1, 100) if OP_TYPES[s % len(OP_TYPES)] == "MatMul")
    assert full_model.seq_at(full_model.row_of_seq(seq)) == seq
    assert full_model.row_of_seq(seq + 1) == -1  # an Add, filtered out
    full_model.set_filter("")


def test_rows_appended_while_filtered_are_filtered_too(qapp):
    model = OpsModel()
    model.append_ops([synthetic_op(seq) for seq in range(1, 1001)])
    model.set_filter("softmax")
    before = model.rowCount()
    inserted = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    model.append_ops([synthetic_op(seq) for seq in range(1001, 2001)])
    assert model.rowCount() == before + 125
    assert inserted == [(before, before + 124)]
    assert all(model.op_at(row)["op"] == "Softmax" for row in range(model.rowCount()))
    model.append_ops([synthetic_op(seq) for seq in range(2001, 2002)])  # an Add: not shown
    assert len(inserted) == 1
    model.set_filter("")
    assert model.rowCount() == 2001


def test_clear_forgets_every_row(qapp):
    model = OpsModel()
    model.append_ops([synthetic_op(seq) for seq in range(1, 11)])
    model.clear()
    assert model.rowCount() == 0 and model.total_count == 0
    assert model.first_bad_row() == -1 and model.first_bad_seq() is None


def test_the_model_keeps_qts_model_contract(qtmodeltester):
    model = OpsModel()
    model.append_ops([synthetic_op(seq) for seq in range(1, 200)])
    model.set_filter("dense")
    qtmodeltester.check(model, force_py=True)


@pytest.mark.parametrize(("summary", "shown"), [
    (None, ""),  # NO_TENSOR: nothing checked
    ([{"shape": [2], "dtype": "float32"}], ""),  # SHAPE
    ([{"shape": [2], "dtype": "float32", "bad": False}], "ok"),  # CURT_HEALTH
    ([{"shape": [2], "dtype": "float32", "bad": True}], "NaN/Inf"),
    ([{"bad": True, "nan": 0, "neg_inf": 3, "pos_inf": 0, "size": 4}], "-Inf×3"),
    ([{"bad": False}, {"bad": True, "nan": 1, "neg_inf": 0, "pos_inf": 0}], "NaN×1"),
])
def test_health_says_what_the_mode_checked(summary, shown):
    assert format_health(summary) == shown


def test_name_column_shows_the_scope_once():
    from app.models.ops_model import format_name

    assert format_name({"scope": "sequential/dense", "name": "MatMul"}) == (
        "sequential/dense/MatMul")
    # ops of a traced graph are named as its nodes, scope included
    assert format_name({"scope": "sequential/dense", "name": "sequential/dense/MatMul"}) == (
        "sequential/dense/MatMul")
    assert format_name({"scope": "", "name": "Add"}) == "Add"


def two_outputs(seq: int, nan: tuple[int, int] = (0, 0), pos_inf: tuple[int, int] = (0, 0)
                ) -> dict:
    """An Unpack op with two outputs and their own CONCISE_HEALTH summaries."""
    summaries = [{"shape": [2], "dtype": "float32", "size": 2, "nan": n, "neg_inf": 0,
                  "pos_inf": p, "bad": bool(n or p)} for n, p in zip(nan, pos_inf)]
    return {**TEMPLATE, "seq": seq, "step": 0, "op": "Unpack", "name": "unstack", "scope": "",
            "line": 3, "outputs": [2, 3], "shapes": [[2], [2]],
            "dtypes": ["float32", "float32"], "summary": summaries}


def test_a_multi_output_op_is_bad_when_any_output_is_and_says_which(qapp):
    model = OpsModel()
    model.append_ops([two_outputs(1), two_outputs(2, nan=(0, 1)), two_outputs(3, pos_inf=(1, 0))])
    red = QColor(178, 24, 24)
    foreground = Qt.ItemDataRole.ForegroundRole
    assert model.data(model.index(0, OP), foreground) is None
    assert model.data(model.index(1, OP), foreground).color() == red  # [good, bad]
    assert model.data(model.index(2, OP), foreground).color() == red  # [bad, good]
    assert [model.data(model.index(row, HEALTH)) for row in range(3)] == [
        "ok", "NaN×1", "+Inf×1"]
    tips = [model.data(model.index(row, HEALTH), Qt.ItemDataRole.ToolTipRole)
            for row in range(3)]
    assert tips == ["output 0: ok\noutput 1: ok",
                    "output 0: ok\noutput 1: NaN×1",
                    "output 0: +Inf×1\noutput 1: ok"]
    assert model.first_bad_row() == 1 and model.bad_count == 2
    model.set_filter("", only_bad=True)
    assert shown_seqs(model) == [2, 3]


def test_outputs_name_every_dtype_as_the_graph_ir_does():
    event = {"shapes": [[2], [], [3, 1]], "dtypes": ["uint16", "string", "complex64"]}
    assert format_outputs(event) == "u16[2], str[], c64[3,1]"
