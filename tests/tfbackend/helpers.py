"""What the tensorflow backend's tests share: the smoke programs and reading a trace."""

from __future__ import annotations

from pathlib import Path

from debugger.tracefile import TraceReader

PROGRAMS = Path(__file__).resolve().parent / "programs"


def read_events(trace: Path) -> list[dict]:
    """Every event of a trace, packs expanded, as the window reads them."""
    with TraceReader(trace) as reader:
        return [dict(e) for e in reader.events()]


def ops_of(events: list[dict], **match: object) -> list[dict]:
    return [e for e in events if e["kind"] == "op"
            and all(e.get(k) == v for k, v in match.items())]
