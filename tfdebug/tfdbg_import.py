"""``tapescope import-tfdbg DUMP -o run.tsdb``: a tfdbg2 dump as a Tapescope trace.

A dump written by ``tf.debugging.experimental.enable_dump_debug_info(dump_root,
tensor_debug_mode=...)`` (TensorBoard Debugger V2's format) is read with TensorFlow's own
``DebugDataReader``: every graph TensorFlow built becomes a "graph" event (nodes from the
op creation records, lines from their stack traces), every eager execution and every
instrumented op run inside a graph an "op" event with the health tfdbg2 computed, in the
order of their wall times. Steps, gradients and scalars are not in such dumps.

Summaries per tfdbg2 mode (``debug_event.proto``): CURT_HEALTH [id, any NaN/Inf];
CONCISE_HEALTH [id, size, -Inf, +Inf, NaN]; FULL_HEALTH [id, device, dtype, rank, size,
-Inf, +Inf, NaN, negative, zero, positive]; SHAPE [id, dtype, rank, size, 6 dims]. Other
modes give op events without summaries. The dumps hold no shapes except in SHAPE mode:
op events then say ``[]`` and the summary's ``size`` has the element count.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from tfdebug.source import user_file

TFDBG_MODES = {1: "NO_TENSOR", 2: "CURT_HEALTH", 3: "CONCISE_HEALTH", 4: "FULL_HEALTH",
               5: "SHAPE", 6: "FULL_NUMERICS", 7: "FULL_TENSOR"}
OUR_MODES = {"NO_TENSOR": "NO_TENSOR", "CURT_HEALTH": "CURT_HEALTH",
             "CONCISE_HEALTH": "CONCISE_HEALTH", "FULL_HEALTH": "CONCISE_HEALTH",
             "SHAPE": "SHAPE"}
UNKNOWN_DTYPE = "unknown"


# The six files of a dump (tfdbg_events.<stamp>.<host>.<kind>); the last two are the
# streams of what ran, which a killed process leaves cut at the end: read as far as intact.
DUMP_FILES = ("metadata", "source_files", "stack_frames", "graphs", "execution",
              "graph_execution_traces")
STREAMS = ("execution", "graph_execution_traces")


class DumpError(Exception):
    """The directory is not a readable tfdbg2 dump (said in one line)."""


def intact_records(path: Path) -> tuple[int, int | None]:
    """(records, None) when ``path`` is whole TFRecord framing (8-byte length, 4-byte CRC,
    data, 4-byte CRC, repeated to the last byte); (intact records, byte offset where the
    damage starts) otherwise. TensorFlow's reader stops quietly at a bad record (the file may
    still be being written), so this is how a cut or overwritten file is told apart."""
    data = path.read_bytes()
    offset = records = 0
    while offset < len(data):
        if offset + 12 > len(data):
            return records, offset
        (length,) = struct.unpack_from("<Q", data, offset)
        end = offset + 12 + length + 4
        if end > len(data):
            return records, offset
        offset = end
        records += 1
    return records, None


def check_files(dump: Path) -> list[str]:
    """Refuse a dump missing a file, or whose records of sources, stack frames or graphs
    are damaged (every op names them); return a warning per damaged stream of ops, whose
    intact beginning is still worth importing."""
    warnings = []
    for kind in DUMP_FILES:
        found = sorted(dump.glob(f"tfdbg_events.*.{kind}"))
        if not found:
            raise DumpError(f"the tfdbg2 dump in {dump} has no .{kind} file "
                            f"(tfdbg_events.*.{kind}): it is incomplete")
        for path in found:
            records, damaged_at = intact_records(path)
            if damaged_at is None:
                continue
            where = (f"{path.name} is damaged at byte {damaged_at} of {path.stat().st_size}, "
                     f"after {records} intact records")
            if kind not in STREAMS:
                raise DumpError(f"the tfdbg2 dump in {dump} cannot be read: {where}")
            warnings.append(f"{where}: imported the ops recorded before that")
    return warnings


def _site(frames: Any) -> tuple[str, int]:
    """(file, line) of the innermost user frame of a tfdbg2 stack trace (outermost first)."""
    for entry in reversed(list(frames or ())):
        file, line = entry[0], entry[1]
        if user_file(str(file)):
            return str(file), int(line)
    return "", 0


def summary_of(mode: str, values: Any) -> dict | None:
    """One output's summary from tfdbg2's debug tensor values (None when they say nothing)."""
    if values is None:
        return None
    v = [float(x) for x in values]
    try:
        if mode == "CURT_HEALTH":
            return {"shape": [], "dtype": UNKNOWN_DTYPE, "bad": bool(v[1])}
        if mode == "CONCISE_HEALTH":
            size, neg_inf, pos_inf, nan = (int(x) for x in v[1:5])
        elif mode == "FULL_HEALTH":
            size, neg_inf, pos_inf, nan = (int(x) for x in v[4:8])
        elif mode == "SHAPE":
            rank, size = int(v[2]), int(v[3])
            return {"shape": [int(d) for d in v[4:4 + min(rank, 6)]],
                    "dtype": UNKNOWN_DTYPE, "size": size}
        else:
            return None
    except (IndexError, ValueError, OverflowError):
        return None
    return {"shape": [], "dtype": UNKNOWN_DTYPE, "size": size, "nan": nan,
            "neg_inf": neg_inf, "pos_inf": pos_inf, "bad": bool(nan or neg_inf or pos_inf)}


def _open_reader(dump: Path) -> Any:
    from tensorflow.python.debug.lib import debug_events_reader

    if not dump.is_dir():
        raise DumpError(f"{dump} is not a directory (a tfdbg2 dump is the dump_root folder)")
    if not any(p.name.endswith(".metadata") for p in dump.iterdir()):
        raise DumpError(f"{dump} holds no tfdbg2 dump (no tfdbg_events.*.metadata file)")
    check_files(dump)
    try:
        reader = debug_events_reader.DebugDataReader(str(dump))
        reader.update()
    except Exception as exc:  # protobuf/IO errors of a damaged dump: one line, no traceback
        raise DumpError(f"cannot read the tfdbg2 dump in {dump}: "
                        f"{type(exc).__name__}: {exc}") from None
    return reader


def convert(dump: Path, output: Path) -> dict[str, Any]:
    """Write the trace of dump ``dump`` to ``output``; returns counts of what went in and
    ``warnings``: the damaged streams whose intact beginning was imported."""
    from debugger import events
    from debugger.tracefile import TraceWriter

    reader = _open_reader(dump)
    warnings = check_files(dump)
    writer = None
    try:
        executions = reader.executions()
        traces = reader.graph_execution_traces()
        modes = {e.tensor_debug_mode for e in executions} | {
            t.tensor_debug_mode for t in traces}
        tfdbg_mode = TFDBG_MODES.get(min(modes), "NO_TENSOR") if modes else "NO_TENSOR"
        mode = OUR_MODES.get(tfdbg_mode, "NO_TENSOR")
        writer = TraceWriter(output, overwrite=True, meta={
            "script": str(dump), "argv": [], "mode": mode, "backend": "tensorflow",
            "imported_from": "tfdbg2", "tfdbg_mode": tfdbg_mode,
            **({"damaged": warnings} if warnings else {})})
        seq = 0
        graph_numbers: dict[str, int] = {}
        graph_values: dict[str, dict[str, int]] = {}
        counts: dict[str, Any] = {"graphs": 0, "eager_ops": 0, "graph_ops": 0,
                                  "warnings": warnings}

        def emit(kind: str, **fields: Any) -> None:
            nonlocal seq
            seq += 1
            writer.write({"kind": kind, "seq": seq, **fields})

        def graph_number(graph_id: str) -> int:
            number = graph_numbers.get(graph_id)
            if number is None:
                number = graph_numbers[graph_id] = len(graph_numbers) + 1
                send_graph(graph_id, number)
            return number

        def value_id(graph_id: str, name: str) -> int:
            ids = graph_values.setdefault(graph_id, {})
            return ids.setdefault(name, len(ids) + 1)

        def send_graph(graph_id: str, number: int) -> None:
            graph = reader.graph_by_id(graph_id)
            nodes = []
            for digest in graph._op_by_name.values():  # creation order
                file, line = _site(reader.read_graph_op_creation_stack_trace(digest)[1])
                name = digest.op_name
                nodes.append({
                    "id": len(nodes) + 1, "op": digest.op_type, "name": name,
                    "scope": name.rpartition("/")[0],
                    "inputs": [value_id(graph_id, n) for n in digest.input_names or ()],
                    "outputs": [value_id(graph_id, f"{name}:{i}")
                                for i in range(digest.num_outputs)],
                    "shapes": [None] * digest.num_outputs,
                    "dtypes": [None] * digest.num_outputs, "file": file, "line": line})
            emit("graph", graph_id=number, function=graph.name or f"graph {number}",
                 trace_count=1, reason="imported from tfdbg2", nodes=nodes,
                 outputs=nodes[-1]["outputs"] if nodes else [])
            counts["graphs"] += 1

        # op events in time order; a function's inner ops ran before its execution record
        timeline = [(t.wall_time, 0, i, t) for i, t in enumerate(traces)]
        timeline += [(e.wall_time, 1, i, e) for i, e in enumerate(executions)]
        timeline.sort(key=lambda item: item[:3])
        for _, is_execution, _, record in timeline:
            if is_execution:
                if record.op_type.startswith(("__inference_", "__forward_", "__backward_")):
                    continue  # a compiled function's run: its ops are its graph traces
                file, line = _site(reader.read_execution_stack_trace(record)[1])
                values = record.debug_tensor_values or ()
                outputs = list(record.output_tensor_ids or ())
                summaries = [summary_of(tfdbg_mode, values[i] if i < len(values) else None)
                             for i in range(len(outputs))]
                emit("op", step=0, epoch=0, op=record.op_type, name=record.op_type, scope="",
                     inputs=[int(i) for i in record.input_tensor_ids or ()],
                     outputs=[int(i) for i in outputs],
                     shapes=[s.get("shape", []) if s else [] for s in summaries],
                     dtypes=[UNKNOWN_DTYPE] * len(outputs), file=file, line=line,
                     duration=0.0, exec="eager",
                     summary=None if mode == "NO_TENSOR" else summaries)
                counts["eager_ops"] += 1
                continue
            graph_id = record.graph_id
            number = graph_number(graph_id)
            digest = reader.graph_by_id(graph_id).get_op_creation_digest(record.op_name)
            file, line = _site(reader.read_graph_op_creation_stack_trace(digest)[1])
            slot = int(record.output_slot)
            summary = summary_of(tfdbg_mode, record.debug_tensor_value)
            emit("op", step=0, epoch=0, op=record.op_type, name=record.op_name,
                 scope=record.op_name.rpartition("/")[0],
                 inputs=[events.graph_value_id(number, value_id(graph_id, n))
                         for n in digest.input_names or ()],
                 outputs=[events.graph_value_id(number,
                                                value_id(graph_id, f"{record.op_name}:{slot}"))],
                 shapes=[summary.get("shape", []) if summary else []],
                 dtypes=[UNKNOWN_DTYPE], file=file, line=line, duration=0.0,
                 exec=f"graph:{number}",
                 summary=None if mode == "NO_TENSOR" else [summary])
            counts["graph_ops"] += 1
        emit("finished", status="ok")
        writer.close()
    except (ValueError, KeyError, IndexError, OSError, AttributeError) as exc:
        raise DumpError(f"the tfdbg2 dump in {dump} is damaged: {type(exc).__name__}: "
                        f"{exc}") from None
    finally:
        if writer is not None:
            writer.close()  # (a second close does nothing)
        reader.__exit__(None, None, None)  # DebugDataReader closes as a context manager
    return counts
