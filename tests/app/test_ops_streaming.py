"""The Ops table while a run streams: rows come in coalesced inserts (~10 a second, not one
per batch of the session), and every row is there the moment the run pauses or ends, or a
lookup asks for one."""

from __future__ import annotations

import pytest
from fake_session import FakeSession
from PySide6.QtCore import Qt, Signal

from app.docks.ops_dock import OpsDock
from app.models import ops_model


class StreamingSession(FakeSession):
    """A fake session with the state the real one reports ("running" while it streams)."""

    eventsCleared = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.state = "running"

    def set_state(self, state: str) -> None:
        self.state = state
        self.stateChanged.emit(state)


@pytest.fixture
def streaming(qtbot, monkeypatch):
    """(session, dock, insert notices); rows wait for the next state change or lookup."""
    monkeypatch.setattr(ops_model, "ROWS_INTERVAL_MS", 600_000)  # no timer in the test's way
    session = StreamingSession()
    dock = OpsDock(session)
    qtbot.addWidget(dock)
    dock.resize(600, 400)
    dock.show()
    inserts: list[tuple[int, int]] = []
    dock.model.rowsInserted.connect(lambda _parent, first, last: inserts.append((first, last)))
    return session, dock, inserts


def feed_ops(session: StreamingSession, count: int) -> list[int]:
    ops = [session.op("MatMul", [[1.0, 2.0]], step=1) for _ in range(count)]
    session.feed(ops)
    return [op["seq"] for op in ops]


def test_batches_of_a_running_session_are_announced_together(streaming):
    session, dock, inserts = streaming
    feed_ops(session, 3)  # the first batch after a quiet interval shows at once
    assert dock.model.rowCount() == 3 and inserts == [(0, 2)]
    for _ in range(4):
        feed_ops(session, 5)
    assert dock.model.rowCount() == 3 and dock.model.waiting_rows == 20
    assert inserts == [(0, 2)]
    assert dock.count_label.text() == "3 ops"
    session.set_state("paused")  # a pause shows the table complete, in one insert
    assert dock.model.rowCount() == 23 and inserts == [(0, 2), (3, 22)]
    assert dock.count_label.text() == "23 ops"
    assert dock.view.verticalScrollBar().value() == dock.view.verticalScrollBar().maximum()


def test_an_op_still_waiting_can_be_selected(streaming):
    session, dock, _ = streaming
    feed_ops(session, 2)
    seqs = feed_ops(session, 4)
    assert dock.model.waiting_rows == 4
    assert dock.select_op(seqs[-1])  # a lookup announces what waits first
    assert dock.model.rowCount() == 6
    assert dock.view.currentIndex().row() == 5 and dock.selected_seq == seqs[-1]


def test_a_filter_typed_while_rows_wait_covers_them(qtbot, streaming):
    session, dock, _ = streaming
    feed_ops(session, 2)
    session.feed([session.op("Relu", [[1.0]], step=1), session.op("MatMul", [[1.0]], step=1)])
    qtbot.keyClicks(dock.filter_edit, "relu")
    assert dock.model.rowCount() == 1 and dock.model.op_at(0)["op"] == "Relu"
    qtbot.keyClick(dock.filter_edit, "a", modifier=Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dock.filter_edit, Qt.Key.Key_Delete)
    assert dock.model.rowCount() == 4 and dock.model.waiting_rows == 0


def test_rows_that_wait_are_shown_by_the_timer(qtbot, monkeypatch):
    monkeypatch.setattr(ops_model, "ROWS_INTERVAL_MS", 50)
    session = StreamingSession()
    dock = OpsDock(session)
    qtbot.addWidget(dock)
    feed_ops(session, 1)
    feed_ops(session, 2)  # (unless the machine stalled 50 ms in between: then at once)
    qtbot.waitUntil(lambda: dock.model.rowCount() == 3, timeout=2_000)
    assert dock.model.waiting_rows == 0


def test_a_session_that_is_not_streaming_shows_each_batch_at_once(streaming):
    session, dock, inserts = streaming
    session.set_state("finished")
    feed_ops(session, 2)
    feed_ops(session, 3)
    assert dock.model.rowCount() == 5 and inserts == [(0, 1), (2, 4)]
