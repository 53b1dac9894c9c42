"""What a recorded summary says of NaN/Inf: one reading for each layout it comes in.

An op event's ``summary`` is one dict or one per output (``tensor_stats.summarize``), or None
(NO_TENSOR). CURT_HEALTH dicts only say ``bad``; CONCISE_HEALTH and FULL_HEALTH add the
``nan``, ``neg_inf`` and ``pos_inf`` counts. An "ops" pack keeps, per op, a compact health
instead (``events.OP_ROW``): 0 when every output is finite, else per output 0 or its
[nan, neg_inf, pos_inf] counts; in FULL_HEALTH packs every output's ``tensor_stats.full_stats``,
whose first three numbers are those counts. Every reader (trace file, op store, probe, graph
export, the window, the CLI) asks here, so they cannot disagree.
"""

from __future__ import annotations

from typing import Any, Literal

from debugger.events import OP_ROW

Health = Literal["nan", "inf"] | None  # the worst of an op's outputs: NaN beats Inf


def output_summaries(summary: Any) -> list[dict]:
    """The per-output summary dicts of an op event's ``summary`` (anything else skipped)."""
    items = summary if isinstance(summary, (list, tuple)) else [summary]
    return [item for item in items if isinstance(item, dict)]


def is_checked(item: dict) -> bool:
    """Whether one output's summary looked for NaN/Inf (not NO_TENSOR, not SHAPE)."""
    return "bad" in item


def output_health(item: dict) -> Health:
    """One output summary's NaN/Inf; CURT_HEALTH gives no counts: "bad" alone is "nan"."""
    if item.get("nan"):
        return "nan"
    if item.get("neg_inf") or item.get("pos_inf"):
        return "inf"
    return "nan" if item.get("bad") else None


def worst_health(healths: Any) -> Health:
    """The worst of several healths (NaN over Inf over finite)."""
    found = set(healths)
    return "nan" if "nan" in found else "inf" if "inf" in found else None


def summary_health(summary: Any) -> Health:
    """The worst NaN/Inf an op event's summary reports (None when finite or unchecked)."""
    return worst_health(output_health(item) for item in output_summaries(summary))


def summary_is_bad(summary: Any) -> bool:
    """Whether an op event's summary (one dict, one per output, or None) saw NaN or Inf."""
    return summary_health(summary) is not None


def row_health_is_bad(health: Any, full: bool) -> bool:
    """Whether one op's compact pack health says NaN or Inf; ``full``: a FULL_HEALTH pack,
    whose every output carries its statistics even when finite (the counts come first)."""
    if not health:
        return False
    if full:
        return any(stats and any(stats[:3]) for stats in health)
    return any(health) if isinstance(health, (list, tuple)) else True


_HEALTH = OP_ROW.index("health")  # (not the last field: a row may end with input_shapes)


def pack_is_bad(pack: dict) -> bool:
    """Whether any op of an "ops" pack saw NaN or Inf (eager ``rows`` or a graph run's
    ``health`` pairs)."""
    healths = ([row[_HEALTH] for row in pack["rows"]] if "rows" in pack
               else [h for _, h in pack.get("health", ())])
    full = pack.get("mode") == "FULL_HEALTH"
    return any(row_health_is_bad(h, full) for h in healths)
