"""TraceLoader (no Qt): a trace decoded on a worker thread and handed over part by part."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from test_session_model import delivered, write_trace

from debugger import events
from debugger.opstore import MAX_RESERVE, TOUCH_AHEAD, reserved_columns, touch_ahead
from debugger.session_model import SessionModel
from debugger.trace_parts import TraceLoader


def _op_log(count: int) -> list[dict]:
    return [events.make("op", seq, step=seq // 10, epoch=0, op="Add", name="add", scope="",
                        inputs=[1], outputs=[2], shapes=[[2]], dtypes=["float32"],
                        file="t.py", line=1, duration=1e-6, exec="eager", summary=None)
            for seq in range(1, count + 1)]


def _load(trace: Path) -> tuple[list[tuple[str, object]], SessionModel]:
    """Open ``trace`` with a loader whose window shows each part at once; what it
    delivered, in order, and the model its parts built."""
    said: list[tuple[str, object]] = []
    model = SessionModel()
    done = threading.Event()
    loader: list[TraceLoader] = []
    ready = threading.Event()

    def deliver(what: str, payload: object) -> None:
        said.append((what, payload))
        if what == "reserve":
            model.ops.adopt(payload)
        elif what == "part":
            model.add_part(payload)
            ready.wait()
            loader[0].part_shown()
        elif what in ("loaded", "failed"):
            done.set()

    loader.append(TraceLoader(trace, deliver))
    ready.set()
    assert done.wait(30)
    loader[0].close()
    return said, model


def test_progress_comes_a_few_times_a_second_and_last_says_everything(tmp_path, monkeypatch):
    """Pages are small (the GIL's sake), so progress is not said per page: the first at
    once, then at most every PROGRESS_SECONDS, and the last before "loaded"."""
    monkeypatch.setattr("debugger.session_model.LOAD_PAGE", 7)
    monkeypatch.setattr("debugger.trace_parts.PROGRESS_SECONDS", 3600.0)
    log = delivered(_op_log(500))
    said, model = _load(write_trace(tmp_path / "t.tsdb", log))
    progress = [payload for what, payload in said if what == "progress"]
    assert progress[0] == (7, 500)  # the first page's, at once
    assert progress[-1] == (500, 500)
    assert len(progress) == 2  # not one per page: 500 / 7 = 72 pages
    assert [what for what, _ in said][-2:] == ["progress", "loaded"]
    assert list(model.op_list) == log


def test_progress_that_was_said_last_is_not_said_twice(tmp_path, monkeypatch):
    monkeypatch.setattr("debugger.session_model.LOAD_PAGE", 1000)  # one page
    log = delivered(_op_log(50))
    said, _ = _load(write_trace(tmp_path / "t.tsdb", log))
    assert [what for what, _ in said] == ["reserve", "part", "progress", "loaded"]
    assert said[2] == ("progress", (50, 50))


def test_the_window_store_fills_the_columns_its_loader_reserved(tmp_path, monkeypatch):
    """The loader reserves the op columns for the trace's size and the window's store
    continues in them (``adopt``): every part lands there, none of them grows a column."""
    monkeypatch.setattr("debugger.session_model.LOAD_PAGE", 90)
    monkeypatch.setattr("debugger.trace_parts.PART_SECONDS", 0.0)  # a part per page
    log = delivered(_op_log(3000))  # (a store starts with room for 1,024 rows)
    said, model = _load(write_trace(tmp_path / "t.tsdb", log))
    reserved = said[0][1]
    assert said[0][0] == "reserve" and len(reserved["seqs"]) == 3000
    assert len([what for what, _ in said if what == "part"]) > 30
    for name in ("seqs", "statics", "inputs", "in_offsets", "bad"):
        assert getattr(model.ops, name)._buffer is reserved[name]
    assert list(model.op_list) == log


def test_pages_are_written_ahead_only_where_the_next_rows_go():
    """``touch_ahead`` runs on the loader's thread while the window appends a part: it
    must leave every row the window has (or is adding) alone, and stay in the buffers."""
    store = SessionModel().ops
    store.append_events(delivered(_op_log(40)))  # 40 rows, 40 inputs, 40 outputs
    part = store.take_part()
    columns = reserved_columns(1_000_000)
    for buffer in columns.values():
        buffer[:] = 7
    touch_ahead(columns, part, 40)
    ahead = max(TOUCH_AHEAD, 80)
    seqs, inputs, offsets = columns["seqs"], columns["inputs"], columns["in_offsets"]
    assert (seqs[:40] == 7).all() and (seqs[40:40 + ahead] == 0).all()
    assert (seqs[40 + ahead:] == 7).all()
    assert (offsets[:41] == 7).all() and (offsets[41:41 + ahead] == 0).all()
    assert (inputs[:40] == 7).all() and (inputs[40:40 + 2 * ahead] == 0).all()
    assert (inputs[40 + 2 * ahead:] == 7).all()
    assert columns["bad"][40] == 0 and columns["bad"][39]  # bool: 7 reads True
    small = reserved_columns(50)  # near the end of the reservation: up to its end only
    touch_ahead(small, part, 40)
    assert len(small["seqs"]) == 50 and len(small["inputs"]) == 100


def test_a_damaged_count_reserves_no_more_than_the_cap():
    columns = reserved_columns(10**15)
    assert len(columns["seqs"]) == MAX_RESERVE and len(columns["inputs"]) == 2 * MAX_RESERVE
    assert reserved_columns(-5)["seqs"].shape == (0,)
    assert reserved_columns(float("nan")) == reserved_columns(float("inf")) == {}
    assert np.dtype(columns["bad"].dtype) == np.bool_


def test_what_was_read_stays_when_the_trace_fails_midway(tmp_path, monkeypatch):
    """Packs are appended a page at a time (``OpStore.hold``): a read that fails inside a
    page (here: adding its third step_end) still leaves the model with every op read
    before, none kept aside."""
    from test_packing import train

    from debugger.session_model import load_trace
    from debugger.tracefile import TraceReader

    monkeypatch.setattr("debugger.session_model.LOAD_PAGE", 10_000)  # one page
    log = delivered(train(pack=True, traced=False, steps=4)[0])
    failing = [e["seq"] for e in log if e["kind"] == "step_end"][2]
    before = [e for e in log if e["seq"] < failing]
    expected = [e for e in events.OpsExpander().expand_all(before) if e["kind"] == "op"]
    add_other = SessionModel._add_other

    def fail_there(model: SessionModel, event: dict, graph_known: bool = False) -> None:
        if event["seq"] == failing:
            raise OSError("the disk went away")
        add_other(model, event, graph_known)

    monkeypatch.setattr(SessionModel, "_add_other", fail_there)
    model = SessionModel()
    with TraceReader(write_trace(tmp_path / "t.tsdb", log)) as reader, \
            pytest.raises(OSError):
        load_trace(reader.raw_rows, reader.count(), graphs=reader.graphs, model=model)
    assert len(expected) > 20 and list(model.op_list) == expected
