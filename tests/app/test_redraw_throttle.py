"""RedrawThrottle: a burst of changes is drawn at once, then at most once per interval."""

from app.docks.redraw_throttle import RedrawThrottle


def test_the_first_change_draws_at_once_and_a_burst_after_it_draws_once_more(qtbot):
    drawn = []
    throttle = RedrawThrottle(lambda: drawn.append(len(drawn)), interval_ms=200)
    throttle.request()
    assert drawn == [0]  # nothing was drawn lately: no delay
    for _ in range(50):  # a loading trace: many batches within one interval
        throttle.request()
    assert drawn == [0] and throttle.pending
    qtbot.waitUntil(lambda: len(drawn) == 2)  # the burst, drawn once at the interval's end
    qtbot.wait(300)
    assert drawn == [0, 1] and not throttle.pending


def test_flush_draws_now_and_forgets_the_pending_redraw(qtbot):
    drawn = []
    throttle = RedrawThrottle(lambda: drawn.append(1), interval_ms=10_000)
    throttle.request()
    throttle.request()
    assert len(drawn) == 1 and throttle.pending
    throttle.flush()
    assert len(drawn) == 2 and not throttle.pending
