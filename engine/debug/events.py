"""The one event schema: the live stream and the trace file carry exactly these records.

An event is a plain dict with ``"kind"`` and the fields listed for that kind below, all
JSON-serializable (tensor values travel separately as ``.npy`` bytes, keyed by tensor id).
``SCHEMA_VERSION`` changes whenever a field changes meaning; readers refuse newer versions.
"""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1

# kind -> the fields every event of that kind carries (beyond "kind" and "seq").
FIELDS: dict[str, tuple[str, ...]] = {
    # one executed op; ``exec`` is "eager" or "graph:<graph id>"
    "op": ("step", "epoch", "op", "name", "scope", "inputs", "outputs", "shapes", "dtypes",
           "file", "line", "duration", "exec", "summary"),
    # a tape.gradient call: target id, per source its name/id, gradient summary or None reason
    "gradient": ("step", "epoch", "target", "sources", "file", "line"),
    "variable_created": ("id", "name", "shape", "dtype", "trainable"),
    "variable_update": ("step", "epoch", "id", "name", "action", "summary"),
    # a traced function graph (nodes as dicts) and why it was (re)traced
    "graph": ("graph_id", "function", "trace_count", "reason", "nodes", "outputs"),
    "step_end": ("step", "epoch"),  # a training step (optimizer update or fit batch) ended
    "epoch_end": ("step", "epoch"),  # a pass over a dataset or a fit epoch ended
    "scalar": ("step", "epoch", "name", "value"),  # loss, metrics, tf.summary.scalar
    "output": ("stream", "text"),  # the script's stdout / stderr
    # the debuggee stopped (step, breakpoint…) at the op event ``at_seq``
    "paused": ("reason", "at_seq", "file", "line"),
    "error": ("message", "traceback", "at_seq", "file", "line"),  # the script raised
    "finished": ("status",),  # the script ended: "ok", "error", "stopped"
}

# Tensor debug modes (as tfdbg2's): how much of each op output an "op" event summarizes.
MODES = ("NO_TENSOR", "SHAPE", "CURT_HEALTH", "CONCISE_HEALTH", "FULL_HEALTH", "FULL_TENSOR")


def make(kind: str, seq: int, **fields: Any) -> dict:
    """Build an event, refusing unknown kinds and missing fields (schema drift is a bug)."""
    expected = FIELDS.get(kind)
    if expected is None:
        raise ValueError(f"unknown event kind {kind!r}")
    missing = [f for f in expected if f not in fields]
    if missing:
        raise ValueError(f"{kind} event lacks {missing}")
    event = {"kind": kind, "seq": seq}
    event.update(fields)
    return event
