"""The one event schema: the live stream and the trace file carry exactly these records.

An event is a plain dict with ``"kind"`` and the fields listed for that kind below, all
JSON-serializable (tensor values travel separately as ``.npy`` bytes, keyed by the op
event's seq and output index). ``SCHEMA_VERSION`` changes whenever a field changes meaning;
readers refuse newer versions.

Tensor ids (an op's ``inputs``/``outputs``, a gradient's ``target`` and sources' ``id``, a
variable's ``id``) are the engine's ``Tensor._id``: a process-wide counter, never reused,
so an input id names the one tensor that op received and links it to its producer. Values
of a compiled graph run get negative ids instead (``graph_value_id``).
"""

from __future__ import annotations

from typing import Any

from engine.graph.ir import GRAPH_ONLY, READ_VARIABLE

SCHEMA_VERSION = 2  # 2: "ops" packs

# kind -> the fields every event of that kind carries (beyond "kind" and "seq").
FIELDS: dict[str, tuple[str, ...]] = {
    # one executed op; ``exec`` is "eager" or "graph:<graph id>"; optional ``input_shapes``
    # where a binary op broadcast both inputs to a bigger shape (``probe``)
    "op": ("step", "epoch", "op", "name", "scope", "inputs", "outputs", "shapes", "dtypes",
           "file", "line", "duration", "exec", "summary"),
    # a tape.gradient call: target id, per source its name/id, gradient summary or None reason,
    # and ``grad_id``: the gradient tensor's id (an op's output id when an op made it). In
    # FULL_TENSOR traces source i's gradient is stored as the event's output i, and a trainable
    # variable_update's value as its output 0 (``step_values``).
    "gradient": ("step", "epoch", "target", "sources", "file", "line"),
    "variable_created": ("id", "name", "shape", "dtype", "trainable"),
    "variable_update": ("step", "epoch", "id", "name", "action", "summary"),
    # a traced function graph (nodes as dicts) and why it was (re)traced
    "graph": ("graph_id", "function", "trace_count", "reason", "nodes", "outputs"),
    # ``count`` consecutive op events seq, seq + 1, … packed into one (a recorder's fast
    # path; ``OpsExpander`` gives back the "op" events). Eager ops: ``rows`` of OP_ROW
    # fields. Ops of a compiled graph run: ``graph`` (its graph_id), ``first`` (index of the
    # first among the graph's op nodes), ``times`` (count + 1 clock readings: op ``first + i``
    # ran from ``times[i]`` to ``times[i + 1]``), and only where needed ``health``
    # ([op index, per-output health] pairs) and ``shapes`` ([op index, runtime shapes]).
    "ops": ("step", "epoch", "mode", "count"),
    "step_end": ("step", "epoch"),  # a training step (optimizer update or fit batch) ended
    "epoch_end": ("step", "epoch"),  # a pass over a dataset or a fit epoch ended
    # loss, metrics, tf.summary.scalar; ``axis`` is "step" or "epoch": what ``step`` counts
    # (traces written before it existed lack it: "epoch_"/"val_" names were per epoch)
    "scalar": ("step", "epoch", "name", "value", "axis"),
    "output": ("stream", "text"),  # the script's stdout / stderr
    # the debuggee stopped (step, breakpoint…) at the op event ``at_seq``
    "paused": ("reason", "at_seq", "file", "line"),
    "error": ("message", "traceback", "at_seq", "file", "line"),  # the script raised
    "finished": ("status",),  # ok, error, stopped, exited, terminated, died (lifecycle.py)
}

# Tensor debug modes (as tfdbg2's): how much of each op output an "op" event summarizes.
MODES = ("NO_TENSOR", "SHAPE", "CURT_HEALTH", "CONCISE_HEALTH", "FULL_HEALTH", "FULL_TENSOR")


# The per-op fields of an "ops" pack's rows, in order; ``health`` is 0 when every output is
# finite, else per output 0 (finite) or its [nan, neg_inf, pos_inf] counts. (0, not None:
# a pack without ``null`` is encoded by orjson without a look for NaN; see jsoncodec.) In
# FULL_HEALTH packs it is, per output, ``tensor_stats.full_stats``: [nan, neg_inf, pos_inf,
# min, max, mean, std, zeros]. A row may end with one more field, the op event's optional
# ``input_shapes`` (a binary op that broadcast both inputs to a bigger shape).
OP_ROW = ("op", "name", "scope", "inputs", "outputs", "shapes", "dtypes", "file", "line",
          "duration", "exec", "health")
# Modes whose op summaries a pack can rebuild from shapes, dtypes and health counts.
PACKABLE_MODES = ("SHAPE", "CURT_HEALTH", "CONCISE_HEALTH", "FULL_HEALTH")


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


def _summary(mode: str, shape: list, dtype: str, counts: list | None) -> dict:
    """The summary ``tensor_stats.summarize`` gives for an output, from a pack row's parts."""
    out: dict[str, Any] = {"shape": shape, "dtype": dtype}
    if mode == "SHAPE":
        return out
    bad = bool(counts)
    if mode == "CURT_HEALTH":
        out["bad"] = bad
        return out
    size = 1
    for dim in shape:
        size *= dim
    if mode == "FULL_HEALTH":  # counts are full_stats here
        nan, neg_inf, pos_inf, low, high, mean, std, zeros = counts
        out.update(size=size, nan=nan, neg_inf=neg_inf, pos_inf=pos_inf,
                   bad=bool(nan or neg_inf or pos_inf), min=low, max=high, mean=mean,
                   std=std, zeros=zeros)
        return out
    nan, neg_inf, pos_inf = counts if bad else (0, 0, 0)
    out.update(size=size, nan=nan, neg_inf=neg_inf, pos_inf=pos_inf, bad=bad)
    return out


def graph_value_id(graph_id: int, value_id: int) -> int:
    """The tensor id op events give a graph value of a compiled run: negative, so never a
    tensor's ``_id`` (positive); the same every run (variable reads get the variable's id
    instead)."""
    return -(graph_id * 1_000_000 + value_id)


def graph_op_rows(graph: dict) -> list[tuple]:
    """For a "graph" event, per op node in order the OP_ROW fields its runs share (up to
    ``dtypes``, then file and line)."""
    graph_id = graph["graph_id"]
    variables = {out: node["variable"] for node in graph["nodes"]
                 if node["op"] == READ_VARIABLE and "variable" in node
                 for out in node["outputs"]}

    def tensor_id(vid: int) -> int:
        found = variables.get(vid)
        return graph_value_id(graph_id, vid) if found is None else found

    return [(node["op"], node["name"], node["scope"], [tensor_id(v) for v in node["inputs"]],
             [tensor_id(v) for v in node["outputs"]], node["shapes"], node["dtypes"],
             node["file"], node["line"])
            for node in graph["nodes"] if node["op"] not in GRAPH_ONLY]


class OpsExpander:
    """Turns "ops" packs back into op events; remembers the "graph" events it is shown,
    which packs of compiled runs refer to (a stream shows them before their runs)."""

    def __init__(self) -> None:
        self._graphs: dict[Any, list[tuple]] = {}

    def add_graph(self, graph: dict) -> None:
        self._graphs[graph["graph_id"]] = graph_op_rows(graph)

    def knows(self, graph_id: Any) -> bool:
        return graph_id in self._graphs

    def expand(self, pack: dict) -> list[dict]:
        """The "op" events ``pack`` stands for, exactly as the probe sends them one by one."""
        seq, step, epoch, mode = pack["seq"], pack["step"], pack["epoch"], pack["mode"]
        out = []
        for row in self._rows(pack):
            event = {"kind": "op", "seq": seq, "step": step, "epoch": epoch}
            event.update(zip(OP_ROW, row))
            health = event.pop("health")
            if len(row) > len(OP_ROW):
                event["input_shapes"] = [list(s) for s in row[len(OP_ROW)]]
            if type(row[3]) is tuple:  # a pack not yet through JSON: lists, as op events have
                event.update(inputs=list(row[3]), outputs=list(row[4]),
                             shapes=[list(s) for s in row[5]], dtypes=list(row[6]))
            event["summary"] = [
                _summary(mode, list(shape), dtype, health[i] if health else None)
                for i, (shape, dtype) in enumerate(zip(event["shapes"], event["dtypes"]))]
            out.append(event)
            seq += 1
        return out

    def _rows(self, pack: dict) -> list:
        if "rows" in pack:
            return pack["rows"]
        graph_id = pack["graph"]
        template = self._graphs.get(graph_id)
        if template is None:
            raise ValueError(f"ops pack seq {pack['seq']} belongs to graph {graph_id}, whose "
                             "graph event is missing")
        first = pack["first"]
        health = dict(pack.get("health", ()))
        shapes = dict(pack.get("shapes", ()))
        exec_kind = f"graph:{graph_id}"
        rows = []
        times = pack["times"]
        for i in range(len(times) - 1):
            k, duration = first + i, times[i + 1] - times[i]
            static = template[k]
            if k in shapes:
                static = static[:5] + (shapes[k],) + static[6:]
            rows.append(static + (duration, exec_kind, health.get(k, 0)))
        return rows

    def expand_all(self, batch: list[dict]) -> list[dict]:
        """``batch`` with every pack replaced by its op events (the others passed through)."""
        out: list[dict] = []
        for event in batch:
            kind = event.get("kind")
            if kind == "ops":
                out.extend(self.expand(event))
                continue
            if kind == "graph":
                self.add_graph(event)
            out.append(event)
        return out

