"""TraceLoader (no Qt): a trace decoded on a worker thread and handed over part by part."""

from __future__ import annotations

import threading
from pathlib import Path

from test_session_model import delivered, write_trace

from debugger import events
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
        if what == "part":
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
    assert progress[0] == (7, 500)  # the first page's, at once (the window reserves room)
    assert progress[-1] == (500, 500)
    assert len(progress) == 2  # not one per page: 500 / 7 = 72 pages
    assert [what for what, _ in said][-2:] == ["progress", "loaded"]
    assert list(model.op_list) == log


def test_progress_that_was_said_last_is_not_said_twice(tmp_path, monkeypatch):
    monkeypatch.setattr("debugger.session_model.LOAD_PAGE", 1000)  # one page
    log = delivered(_op_log(50))
    said, _ = _load(write_trace(tmp_path / "t.tsdb", log))
    assert [what for what, _ in said] == ["part", "progress", "loaded"]
    assert said[1] == ("progress", (50, 50))
