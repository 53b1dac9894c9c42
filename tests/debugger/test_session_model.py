"""SessionModel / OpStore: ops held in columns must give back exactly the op events.

The same run reaches a model three ways — op events one by one (a probe that does not
pack), "ops" packs decoded straight into columns (the live stream), a trace read in bulk
(opening a file) — and each must rebuild the very events ``OpsExpander`` and
``TraceReader`` give, eager and compiled, CONCISE_HEALTH and FULL_HEALTH.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from test_packing import train

from debugger import events, jsoncodec
from debugger.opstore import MAX_RESERVE
from debugger.session_model import SessionModel, load_trace
from debugger.tracefile import TraceReader, TraceWriter

CASES = [pytest.param(traced, mode, id=f"{'traced' if traced else 'eager'}-{mode}")
         for traced in (False, True) for mode in ("CONCISE_HEALTH", "FULL_HEALTH")]


def delivered(log: list[dict]) -> list[dict]:
    """Events as a socket or a trace file hands them over: through JSON."""
    return [jsoncodec.loads(jsoncodec.dumps(event)) for event in log]


def write_trace(path: Path, log: list[dict]) -> Path:
    with TraceWriter(path, meta={"mode": "test"}) as writer:
        for event in log:
            writer.write(event)
    return path


@pytest.mark.parametrize(("traced", "mode"), CASES)
def test_packs_and_single_events_give_the_same_model(traced, mode):
    raw = delivered(train(pack=True, traced=traced, mode=mode)[0])
    assert any(e["kind"] == "ops" for e in raw)  # the fast path is what is tested
    expanded = events.OpsExpander().expand_all(raw)
    from_packs = SessionModel()
    others = from_packs.add(raw)
    one_by_one = SessionModel()
    for event in expanded:
        one_by_one.add([event])

    expected_ops = [e for e in expanded if e["kind"] == "op"]
    assert list(from_packs.op_list) == expected_ops
    assert list(one_by_one.op_list) == expected_ops
    assert others == one_by_one.events == [e for e in expanded if e["kind"] != "op"]
    for model in (from_packs, one_by_one):
        assert list(model.ops.seqs.data) == [e["seq"] for e in expected_ops]
        assert model.source_files == list(dict.fromkeys(e["file"] for e in expected_ops))
    assert np.array_equal(from_packs.ops.bad.data, one_by_one.ops.bad.data)
    assert (from_packs.step, from_packs.epoch) == (one_by_one.step, one_by_one.epoch)
    assert len(from_packs.graphs) == len(one_by_one.graphs) == (1 if traced else 0)


@pytest.mark.parametrize(("traced", "mode"), CASES)
def test_a_trace_loaded_in_bulk_equals_the_readers_events(tmp_path, traced, mode):
    trace = write_trace(tmp_path / "run.tsdb", train(pack=True, traced=traced, mode=mode)[0])
    progress = []
    with TraceReader(trace) as reader:
        model = load_trace(reader.raw_rows, reader.count(), graphs=reader.graphs,
                           progress=lambda done, total: progress.append((done, total)))
        expected = list(reader.events())
        total = reader.count()
    assert list(model.op_list) == [e for e in expected if e["kind"] == "op"]
    assert model.events == [e for e in expected if e["kind"] != "op"]
    assert model.damaged == 0
    assert progress[-1] == (total, total)
    event_by_event = SessionModel()
    event_by_event.add(expected)
    assert (model.step, model.epoch) == (event_by_event.step, event_by_event.epoch)
    assert model.variables == event_by_event.variables
    assert dict(model.scalars) == dict(event_by_event.scalars)


def test_unpacked_single_events_with_extra_fields_come_back_whole():
    log = delivered(train(pack=False, traced=False, steps=1)[0])
    ops = [e for e in log if e["kind"] == "op"]
    ops[0]["input_shapes"] = [[2, 3]]  # a field a newer probe might add
    del ops[1]["scope"]  # and one an older one might lack
    model = SessionModel()
    model.add(log)
    assert list(model.op_list) == ops
    assert model.op_list[-1] is model.op_list[len(ops) - 1]  # rebuilt once, then the same


def test_an_op_is_found_by_seq_and_its_inputs_producer_by_tensor_id():
    raw = delivered(train(pack=True, traced=False, steps=1)[0])
    model = SessionModel()
    model.add(raw)
    ops = list(model.op_list)
    made = {}  # tensor id -> the op that made it last
    for op in ops:
        if op["op"] == "MatMul" and op["inputs"][0] in made:
            consumer, made_by = op, made[op["inputs"][0]]
            break
        made.update((tensor_id, op) for tensor_id in op["outputs"])
    assert model.ops.producer(consumer["inputs"][0], consumer["seq"]) == (
        made_by["seq"], made_by["outputs"].index(consumer["inputs"][0]))
    assert model.ops.output_shape(consumer["inputs"][0], consumer["seq"]) == made_by["shapes"][0]
    assert model.ops.producer(consumer["inputs"][0], made_by["seq"]) is None  # not yet made
    assert model.ops.op_by_seq(consumer["seq"]) == consumer
    assert model.ops.op_by_seq(-1) is None


def _damage(trace: Path, sql: str, *params: object) -> None:
    db = sqlite3.connect(trace)
    with db:
        db.execute(sql, params)
    db.close()


def test_damaged_rows_are_skipped_and_counted_and_the_rest_loads(tmp_path):
    trace = write_trace(tmp_path / "run.tsdb", train(pack=True, traced=True, steps=3)[0])
    with TraceReader(trace) as reader:
        before = list(reader.events())
    graph_packs = [json for json in sqlite3.connect(trace).execute(
        "SELECT seq, body FROM events WHERE kind = 'ops' AND body LIKE '%\"graph\"%' "
        "ORDER BY seq")]
    pack_seq, pack_body = graph_packs[1]
    pack = jsoncodec.loads(pack_body)
    pack["times"] = pack["times"][:3]  # says count ops, holds two
    _damage(trace, "UPDATE events SET body = ? WHERE seq = ?",
            jsoncodec.dumps(pack).decode(), pack_seq)
    scalar_seq = next(e["seq"] for e in before if e["kind"] == "scalar")
    _damage(trace, "UPDATE events SET body = '[1, 2' WHERE seq = ?", scalar_seq)
    step_seq = next(e["seq"] for e in before if e["kind"] == "step_end")
    _damage(trace, "UPDATE events SET body = '\"step\"' WHERE seq = ?", step_seq)

    with TraceReader(trace) as reader:
        model = load_trace(reader.raw_rows, reader.count(), graphs=reader.graphs)
    lost = set(range(pack_seq, pack_seq + pack["count"]))
    assert model.damaged == pack["count"] + 2
    assert list(model.op_list) == [e for e in before if e["kind"] == "op"
                                   and e["seq"] not in lost]
    assert model.events == [e for e in before if e["kind"] != "op"
                            and e["seq"] not in (scalar_seq, step_seq)]


def test_a_live_pack_that_does_not_add_up_is_skipped_with_a_note():
    raw = delivered(train(pack=True, traced=False, steps=1)[0])
    packs = [e for e in raw if e["kind"] == "ops"]
    packs[0]["rows"] = packs[0]["rows"][:-1]
    model = SessionModel()
    others = model.add(raw)
    assert model.damaged == packs[0]["count"]
    assert len(model.ops) == sum(p["count"] for p in packs[1:])
    note = next(e for e in others if e["kind"] == "output")
    assert note["stream"] == "debugger" and f"#{packs[0]['seq']}" in note["text"]


def _same_models(parted: SessionModel, bulk: SessionModel) -> None:
    assert list(parted.op_list) == list(bulk.op_list)
    assert parted.events == bulk.events
    assert (parted.step, parted.epoch) == (bulk.step, bulk.epoch)
    assert (parted.damaged, parted.damage) == (bulk.damaged, bulk.damage)
    assert parted.source_files == bulk.source_files
    assert parted.variables == bulk.variables and len(parted.graphs) == len(bulk.graphs)
    for column in ("seqs", "steps", "statics", "healths", "bad", "inputs", "in_offsets",
                   "outputs", "out_offsets"):
        assert np.array_equal(getattr(parted.ops, column).data,
                              getattr(bulk.ops, column).data), column
    assert parted.ops.static_keys == bulk.ops.static_keys


def _load_in_parts(trace: Path, monkeypatch, page: int,
                   event_slice: int = 0) -> tuple[SessionModel, int]:
    """The trace read ``page`` rows at a time, every page handed over as a part (as the
    window's loader does) into a model that only ever sees parts; with ``event_slice``, a
    part's ops first and then its events that many at a time (as the window adds them)."""
    monkeypatch.setattr("debugger.session_model.LOAD_PAGE", page)
    parted = SessionModel()
    parts = []
    with TraceReader(trace) as reader:
        load_trace(reader.raw_rows, reader.count(), graphs=reader.graphs,
                   model=SessionModel(), on_part=parts.append)
    for part in parts:
        if not event_slice:
            parted.add_part(part)
            continue
        parted.add_part(part._replace(events=[]))
        for start in range(0, len(part.events), event_slice):
            chunk = part.events[start:start + event_slice]
            assert parted.add_part_events(chunk) is chunk
            assert (parted.step, parted.epoch) == (part.step, part.epoch)
    return parted, len(parts)


@pytest.mark.parametrize(("traced", "mode"), CASES)
def test_a_trace_handed_over_in_parts_gives_the_bulk_model(tmp_path, monkeypatch, traced, mode):
    trace = write_trace(tmp_path / "run.tsdb", train(pack=True, traced=traced, mode=mode)[0])
    with TraceReader(trace) as reader:
        bulk = load_trace(reader.raw_rows, reader.count(), graphs=reader.graphs)
    parted, count = _load_in_parts(trace, monkeypatch, page=3)
    assert count > 5  # many parts, some with ops only, some with none
    _same_models(parted, bulk)


def test_a_part_whose_events_come_a_slice_at_a_time_gives_the_bulk_model(tmp_path,
                                                                          monkeypatch):
    trace = write_trace(tmp_path / "run.tsdb", train(pack=True, traced=True, steps=4)[0])
    with TraceReader(trace) as reader:
        bulk = load_trace(reader.raw_rows, reader.count(), graphs=reader.graphs)
    parted, _ = _load_in_parts(trace, monkeypatch, page=7, event_slice=2)
    _same_models(parted, bulk)


def test_columns_reserved_for_a_traces_size_are_filled_without_growing(tmp_path):
    trace = write_trace(tmp_path / "run.tsdb", train(pack=True, traced=False, steps=3)[0])
    with TraceReader(trace) as reader:
        bulk = load_trace(reader.raw_rows, reader.count(), graphs=reader.graphs)
        model = SessionModel()
        model.ops.reserve(reader.count())
        buffers = [column._buffer for column in (model.ops.seqs, model.ops.inputs)]
        load_trace(reader.raw_rows, reader.count(), graphs=reader.graphs, model=model)
    assert all(column._buffer is buffer  # filled in place: no copy of the columns
               for column, buffer in zip((model.ops.seqs, model.ops.inputs), buffers))
    _same_models(model, bulk)
    damaged = SessionModel()
    damaged.ops.reserve(10**15)  # a damaged trace's count: capped, no MemoryError
    assert len(damaged.ops.seqs._buffer) == MAX_RESERVE and len(damaged.ops) == 0


def test_a_damaged_trace_handed_over_in_parts_counts_the_same_damage(tmp_path, monkeypatch):
    trace = write_trace(tmp_path / "run.tsdb", train(pack=True, traced=True, steps=3)[0])
    pack_seq, pack_body = [row for row in sqlite3.connect(trace).execute(
        "SELECT seq, body FROM events WHERE kind = 'ops' ORDER BY seq")][1]
    pack = jsoncodec.loads(pack_body)
    pack["times"] = pack["times"][:3]  # says count ops, holds two
    _damage(trace, "UPDATE events SET body = ? WHERE seq = ?",
            jsoncodec.dumps(pack).decode(), pack_seq)
    _damage(trace, "UPDATE events SET body = '[1, 2' WHERE seq = ?", pack_seq + pack["count"])
    with TraceReader(trace) as reader:
        bulk = load_trace(reader.raw_rows, reader.count(), graphs=reader.graphs)
    assert bulk.damaged > 1
    parted, _ = _load_in_parts(trace, monkeypatch, page=2)
    _same_models(parted, bulk)


def test_a_part_that_does_not_follow_is_refused_whole():
    raw = delivered(train(pack=True, traced=False, steps=2)[0])
    scratch = SessionModel()
    scratch.add(raw[: len(raw) // 2])
    first = scratch.take_part()
    scratch.add(raw[len(raw) // 2:])
    second = scratch.take_part()
    model = SessionModel()
    with pytest.raises(ValueError, match="starts at"):
        model.add_part(second)  # the first part is missing
    assert len(model.ops) == 0 and model.events == []
    model.add_part(first)
    model.add_part(second)
    whole = SessionModel()
    whole.add(raw)
    assert list(model.op_list) == list(whole.op_list)
