"""OpStore: every op event of a run in columns, not one dict per op (no Qt here).

A 5-epoch MNIST trace holds 445,000 ops; as dicts of lists they cost ~1.5 KB each. Here an
op is a row of numpy columns (seq, step, epoch, duration, health…) plus an id into a table
of what many ops share (op type, name, scope, shapes, dtypes, file, line, exec), and its
input/output tensor ids in one flat array: ~80 bytes. ``op(row)`` rebuilds the op event
exactly as the probe sent it, when a widget asks for it (recent ones are cached, so asking
twice gives the same dict).

Ops come in three ways, all giving the same rows: one "op" event at a time
(``append_events``), an "ops" pack decoded straight into columns (``append_pack``; a
compiled graph's pack is a slice of its graph's template), or a whole trace in bulk.
A trace is decoded by a worker thread into a scratch store that hands what it decoded over
in parts (``take_part``); the window's store appends each part (``add_part``) with a few
numpy concatenations, so the UI thread never decodes and never shares a growing array.
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, NamedTuple

import numpy as np

from debugger import events as event_schema
from debugger.events import OP_ROW, _summary, graph_op_rows
from debugger.health import row_health_is_bad, summary_is_bad

NONE = np.iinfo(np.int64).min  # an int column's None
RAW = -1  # mode code: the summary is kept as it came (a single "op" event)
_MODE_CODES = {mode: i for i, mode in enumerate(event_schema.MODES)}
_BASE_FIELDS = frozenset(("kind", "seq", "step", "epoch", "op", "name", "scope", "inputs",
                          "outputs", "shapes", "dtypes", "file", "line", "duration", "exec",
                          "summary"))
SCANS_BEFORE_INDEX = 16  # producer questions answered by a linear scan before sorting
CACHE_SIZE = 4096  # rebuilt op dicts kept, so a widget asking twice gets the same one


class GrowingArray:
    """A numpy array appended to in batches (amortized doubling), viewed as ``.data``."""

    def __init__(self, dtype: Any, capacity: int = 1024) -> None:
        self._buffer = np.empty(capacity, dtype=dtype)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    @property
    def data(self) -> np.ndarray:
        return self._buffer[:self._size]

    def extend(self, values: Any) -> None:
        self.put(np.asarray(values, dtype=self._buffer.dtype))

    def put(self, values: np.ndarray) -> None:
        """``extend`` by an array of this dtype already."""
        needed = self._size + len(values)
        if needed > len(self._buffer):
            grown = np.empty(max(needed, 2 * len(self._buffer)), dtype=self._buffer.dtype)
            grown[:self._size] = self._buffer[:self._size]
            self._buffer = grown
        self._buffer[self._size:needed] = values
        self._size = needed

    def clear(self) -> None:
        self._size = 0

    def adopt(self, buffer: np.ndarray) -> None:
        """Continue in ``buffer`` (bigger, same dtype: ``reserved_columns``) from now on."""
        if buffer.dtype == self._buffer.dtype and len(buffer) > len(self._buffer):
            buffer[:self._size] = self._buffer[:self._size]
            self._buffer = buffer


def _int(value: Any) -> int:
    return NONE if value is None else int(value)


def _opt(value: int) -> int | None:
    return None if value == NONE else int(value)


class _GraphTemplate:
    """A traced graph's op nodes as columns: a compiled run's pack is a slice of them."""

    def __init__(self, store: OpStore, graph: dict) -> None:
        rows = graph_op_rows(graph)
        exec_kind = f"graph:{graph['graph_id']}"
        self.rows = rows
        self.exec_kind = exec_kind
        self.statics = np.array([store.intern(row[:3] + (row[5], row[6]) + row[7:9]
                                              + (exec_kind,)) for row in rows], dtype=np.int32)
        self.lines = [row[8] for row in rows]
        self.inputs, self.in_offsets = _flatten([row[3] for row in rows])
        self.outputs, self.out_offsets = _flatten([row[4] for row in rows])


def _flatten(lists: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    offsets = np.zeros(len(lists) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(x) for x in lists])
    flat = np.fromiter((i for x in lists for i in x), dtype=np.int64, count=int(offsets[-1]))
    return flat, offsets


MAX_RESERVE = 10_000_000  # rows a trace's stated size may reserve (address space, ~1 GB)


class OpStore:
    """The op events of one run or trace, in seq order, as columns."""

    def __init__(self) -> None:
        self.seqs = GrowingArray(np.int64)
        self.steps = GrowingArray(np.int64)  # NONE where the event had no step
        self.epochs = GrowingArray(np.int64)
        self.statics = GrowingArray(np.int32)  # id into static_keys
        self.durations = GrowingArray(np.float64)  # NaN: None
        self.modes = GrowingArray(np.int8)  # index into MODES, or RAW
        self.healths = GrowingArray(np.int32)  # 0: all finite / none; else 1 + index in _health
        self.bad = GrowingArray(np.bool_)
        self.inputs = GrowingArray(np.int64)
        self.in_offsets = GrowingArray(np.int64)
        self.outputs = GrowingArray(np.int64)
        self.out_offsets = GrowingArray(np.int64)
        self.in_offsets.extend([0])
        self.out_offsets.extend([0])
        # (op, name, scope, shapes, dtypes, file, line, exec) as tuples, interned
        self.static_keys: list[tuple] = []
        self._static_ids: dict[tuple, int] = {}
        self.static_labels = GrowingArray(np.int32)  # per static: its (op, scope, name) label
        self.label_keys: list[tuple] = []  # (op, scope, name)
        self._label_ids: dict[tuple, int] = {}
        self.op_types: list[str] = []  # per static: the op type, for quick filters
        self._health: list[Any] = []  # pack health entries, or raw summaries (mode RAW)
        self._extras: dict[int, dict] = {}  # row -> fields beyond the schema's
        self._graphs: dict[Any, _GraphTemplate] = {}
        self._cache: collections.OrderedDict[int, dict] = collections.OrderedDict()
        self._producers: tuple[int, np.ndarray, np.ndarray] | None = None
        self._scans = 0  # producer questions answered by a scan since the index was built
        self._last_seq: int | None = None  # of rows handed over by take_part (order check)
        self._parted = _TableMarks(0, 0, 0, 0)  # table entries handed over by take_part
        self._parted_graphs: set[Any] = set()
        # Pack rows kept aside (``hold``): their columns in _extend's order, and where the
        # columns would stand with them (rows, input and output ends, last seq/step/epoch)
        self._held: list[list[np.ndarray]] | None = None
        self._held_tail: tuple[int, int, int, int, int, int] = (0, 0, 0, 0, 0, 0)

    def __len__(self) -> int:
        return len(self.seqs)

    def reserve(self, ops: int) -> None:
        """Room for ``ops`` rows (inputs: two per row) before they come: growing by doubling
        copies every column, and at 250k+ rows one such copy held the window for up to
        200 ms while a trace opened (measured). ``ops`` beyond ``MAX_RESERVE`` (a damaged
        count) reserves nothing more than that."""
        self.adopt(reserved_columns(ops))

    def adopt(self, columns: dict[str, np.ndarray]) -> None:
        """Continue in the buffers ``reserved_columns`` made (a trace's loader makes them
        and writes their pages before the rows come: see there)."""
        for name, buffer in columns.items():
            getattr(self, name).adopt(buffer)

    def hold(self) -> None:
        """Keep the rows of packs aside until ``flush`` (a trace's bulk reader): appending
        one pack's dozen small arrays column by column was most of a pack's cost (~20 µs of
        ~30, measured), appending a page's packs in one concatenation per column is not.
        Until then the store reads as if they were not there, except to the appends."""
        if self._held is None:
            self._held = []

    def flush(self) -> None:
        """Append the rows kept aside (``hold``), and keep holding."""
        held = self._held
        if not held:
            return
        columns = self._columns()
        for i, column in enumerate(columns):  # seqs last: len(self) is what readers trust
            column.put(np.concatenate([arrays[i] for arrays in held]))
        held.clear()

    def release(self) -> None:
        """Append the rows kept aside and stop keeping them (``hold``)."""
        self.flush()
        self._held = None

    def _columns(self) -> tuple[GrowingArray, ...]:
        return (self.steps, self.epochs, self.statics, self.durations, self.modes,
                self.healths, self.bad, self.inputs, self.in_offsets, self.outputs,
                self.out_offsets, self.seqs)

    def _tail(self) -> tuple[int, int, int]:
        """(rows, input end, output end) with the rows kept aside."""
        if self._held:
            return self._held_tail[:3]
        return len(self), int(self.in_offsets.data[-1]), int(self.out_offsets.data[-1])

    def last_step_epoch(self) -> tuple[int, int] | None:
        """The last op's step and epoch as stored (``NONE``: none), or None without ops."""
        if self._held:
            return self._held_tail[4], self._held_tail[5]
        if not len(self):
            return None
        return int(self.steps.data[-1]), int(self.epochs.data[-1])

    # -- filling ------------------------------------------------------------------------------
    def intern(self, key: tuple) -> int:
        """The id of a static key (op, name, scope, shapes, dtypes, file, line, exec)."""
        shapes, dtypes = key[3], key[4]
        key = key[:3] + (tuple(tuple(s) for s in shapes), tuple(dtypes)) + key[5:]
        found = self._static_ids.get(key)
        if found is not None:
            return found
        found = self._static_ids.get(key)
        if found is None:
            found = self._static_ids[key] = len(self.static_keys)
            self.static_keys.append(key)
            label = (key[0], key[2], key[1])
            code = self._label_ids.get(label)
            if code is None:
                code = self._label_ids[label] = len(self.label_keys)
                self.label_keys.append(label)
            self.static_labels.extend([code])
            self.op_types.append(key[0])
        return found

    def add_graph(self, graph: dict) -> None:
        """Remember a "graph" event: packs of its compiled runs refer to it."""
        self._graphs[graph["graph_id"]] = _GraphTemplate(self, graph)

    def knows_graph(self, graph_id: Any) -> bool:
        return graph_id in self._graphs

    def append_events(self, ops: Iterable[dict]) -> None:
        """Add "op" events (in seq order), one row each."""
        seqs, steps, epochs, statics, durations, modes, healths, bad = ([] for _ in range(8))
        inputs: list[int] = []
        outputs: list[int] = []
        in_ends: list[int] = []
        out_ends: list[int] = []
        self.flush()
        n_in, n_out = int(self.in_offsets.data[-1]), int(self.out_offsets.data[-1])
        row = len(self)
        intern, health = self.intern, self._health
        for event in ops:
            seqs.append(event["seq"])
            steps.append(_int(event.get("step")))
            epochs.append(_int(event.get("epoch")))
            shapes = event.get("shapes") or ()
            statics.append(intern((event.get("op"), event.get("name"), event.get("scope"),
                                   shapes, event.get("dtypes") or (), event.get("file"),
                                   event.get("line"), event.get("exec"))))
            duration = event.get("duration")
            durations.append(np.nan if duration is None else duration)
            summary = event.get("summary")
            modes.append(RAW)
            health.append(summary)
            healths.append(len(health))
            bad.append(summary_is_bad(summary))
            ins, outs = event.get("inputs") or (), event.get("outputs") or ()
            inputs.extend(ins)
            outputs.extend(outs)
            n_in += len(ins)
            n_out += len(outs)
            in_ends.append(n_in)
            out_ends.append(n_out)
            if len(event) != len(_BASE_FIELDS) or not _BASE_FIELDS.issuperset(event):
                extra = {k: v for k, v in event.items() if k not in _BASE_FIELDS}
                extra["__missing__"] = [k for k in _BASE_FIELDS if k not in event]
                self._extras[row] = extra
            row += 1
        self._extend(seqs, steps, epochs, statics, durations, modes, healths, bad,
                     inputs, in_ends, outputs, out_ends)

    def append_pack(self, pack: dict) -> int:
        """Add the ops of an "ops" pack straight into the columns; returns how many."""
        seq, count, mode = int(pack["seq"]), int(pack["count"]), pack["mode"]
        mode_code = _MODE_CODES[mode]
        if "rows" in pack:
            return self._append_rows(pack, mode_code)
        template = self._graphs.get(pack["graph"])
        if template is None:
            raise ValueError(f"ops pack seq {seq} belongs to graph {pack['graph']}, whose "
                             "graph event is missing")
        first = int(pack["first"])
        times = np.asarray(pack["times"], dtype=np.float64)
        n = len(times) - 1
        if n != count or first < 0 or first + n > len(template.rows):
            raise ValueError(f"ops pack seq {seq} says {count} ops but holds {n} from "
                             f"{first} of a graph of {len(template.rows)}")
        statics = template.statics[first:first + n].copy()
        for k, shapes in pack.get("shapes", ()):
            if not first <= k < first + n:
                raise ValueError(f"ops pack seq {seq} has shapes for op {k}, outside it")
            row = template.rows[k]
            statics[k - first] = self.intern(row[:3] + (shapes, row[6], row[7], row[8],
                                                        template.exec_kind))
        healths = np.zeros(n, dtype=np.int32)
        bad = np.zeros(n, dtype=np.bool_)
        for k, entry in pack.get("health", ()):
            if not first <= k < first + n:
                raise ValueError(f"ops pack seq {seq} has health for op {k}, outside it")
            if entry:
                self._health.append(entry)
                healths[k - first] = len(self._health)
                bad[k - first] = row_health_is_bad(entry, mode == "FULL_HEALTH")
        _, n_in, n_out = self._tail()
        lo, hi = template.in_offsets[first], template.in_offsets[first + n]
        in_ends = template.in_offsets[first + 1:first + n + 1] - lo + n_in
        olo, ohi = template.out_offsets[first], template.out_offsets[first + n]
        out_ends = template.out_offsets[first + 1:first + n + 1] - olo + n_out
        self._extend(np.arange(seq, seq + n), np.full(n, _int(pack["step"])),
                     np.full(n, _int(pack["epoch"])), statics, np.diff(times),
                     np.full(n, mode_code), healths, bad, template.inputs[lo:hi], in_ends,
                     template.outputs[olo:ohi], out_ends)
        return n

    def _append_rows(self, pack: dict, mode_code: int) -> int:
        rows = pack["rows"]
        if len(rows) != int(pack["count"]):
            raise ValueError(f"ops pack seq {pack['seq']} says {pack['count']} ops but holds "
                             f"{len(rows)}")
        mode = pack["mode"]
        statics, durations, healths, bad = [], [], [], []
        inputs: list[int] = []
        outputs: list[int] = []
        in_ends: list[int] = []
        out_ends: list[int] = []
        first, n_in, n_out = self._tail()
        intern, health = self.intern, self._health
        given_shapes: dict[int, list] = {}  # k -> the optional input_shapes field of row k
        for k, row in enumerate(rows):
            if len(row) == len(OP_ROW) + 1:
                given_shapes[k] = [list(s) for s in row[-1]]
                row = row[:-1]
            if len(row) != len(OP_ROW):
                raise ValueError(f"an op row of pack seq {pack['seq']} has {len(row)} fields, "
                                 f"not {len(OP_ROW)}")
            op, name, scope, ins, outs, shapes, dtypes, file, line, duration, exec_, h = row
            statics.append(intern((op, name, scope, shapes, dtypes, file, line, exec_)))
            durations.append(np.nan if duration is None else duration)
            if h:
                health.append(h)
                healths.append(len(health))
                bad.append(row_health_is_bad(h, mode == "FULL_HEALTH"))
            else:
                healths.append(0)
                bad.append(False)
            inputs.extend(ins)
            outputs.extend(outs)
            n_in += len(ins)
            n_out += len(outs)
            in_ends.append(n_in)
            out_ends.append(n_out)
        n = len(rows)
        seq = int(pack["seq"])
        self._extend(np.arange(seq, seq + n), np.full(n, _int(pack["step"])),
                     np.full(n, _int(pack["epoch"])), statics, durations,
                     np.full(n, mode_code), healths, bad, inputs, in_ends, outputs, out_ends)
        for k, input_shapes in given_shapes.items():  # rare: a binary op that broadcast both
            self._extras[first + k] = {"input_shapes": input_shapes}
        return n

    def _extend(self, seqs: Any, steps: Any, epochs: Any, statics: Any, durations: Any,
                modes: Any, healths: Any, bad: Any, inputs: Any, in_ends: Any,
                outputs: Any, out_ends: Any) -> None:
        # Converted first: a damaged pack raises here, before any column grew.
        columns = [(self.steps, steps), (self.epochs, epochs), (self.statics, statics),
                   (self.durations, durations), (self.modes, modes),
                   (self.healths, healths), (self.bad, bad), (self.inputs, inputs),
                   (self.in_offsets, in_ends), (self.outputs, outputs),
                   (self.out_offsets, out_ends), (self.seqs, seqs)]
        arrays = [np.asarray(values, dtype=column.data.dtype) for column, values in columns]
        n = len(arrays[-1])
        if any(len(a) != n for a in arrays[:7]) or len(arrays[8]) != n or len(arrays[10]) != n:
            raise ValueError("op columns of different lengths")
        if self._held:
            last: int | None = self._held_tail[3]
        else:
            last = int(self.seqs.data[-1]) if len(self) else self._last_seq
        if n and last is not None and arrays[-1][0] <= last:
            raise ValueError(f"op seq {int(arrays[-1][0])} does not follow {last}")
        if self._held is not None:  # kept aside (``hold``): appended by ``flush``
            if n:
                rows = self._tail()[0]
                self._held_tail = (rows + n, int(arrays[8][-1]), int(arrays[10][-1]),
                                   int(arrays[-1][-1]), int(arrays[0][-1]), int(arrays[1][-1]))
                self._held.append(arrays)
            return
        # seqs last: len(self) (the seqs) is what readers trust.
        for (column, _), array in zip(columns, arrays):
            column.extend(array)

    # -- handing over, part by part -----------------------------------------------------------
    def take_part(self) -> OpsPart:
        """The rows and table entries added since the last call, as an immutable part for
        another store's ``add_part``; this store then forgets those rows (not its tables,
        which later rows still index), so a decoding thread holds one part at a time."""
        self.flush()
        marks = _TableMarks(len(self.static_keys), len(self.label_keys), len(self._health),
                            int(self.in_offsets.data[-1]), int(self.out_offsets.data[-1]))
        done = self._parted
        columns = {name: getattr(self, name).data.copy() for name in _ROW_COLUMNS}
        columns["in_offsets"] = self.in_offsets.data[1:].copy()
        columns["out_offsets"] = self.out_offsets.data[1:].copy()
        graphs = {k: v for k, v in self._graphs.items() if k not in self._parted_graphs}
        part = OpsPart(done, marks, columns, self.static_keys[done.statics:],
                       self.label_keys[done.labels:],
                       self.static_labels.data[done.statics:].copy(),
                       self._health[done.health:], dict(self._extras), graphs)
        self._parted_graphs.update(graphs)
        self._parted = marks
        if len(self):
            self._last_seq = int(self.seqs.data[-1])
        for name in _ROW_COLUMNS:
            getattr(self, name).clear()
        for column, end in ((self.in_offsets, marks.inputs), (self.out_offsets, marks.outputs)):
            column.clear()
            column.extend([end])
        self._extras = {}
        self._cache.clear()
        return part

    def add_part(self, part: OpsPart) -> None:
        """Append a part another store took (``take_part``). Parts must come in the order
        they were taken and be this store's only source: row ids into the tables and
        input/output offsets are kept as they are, not remapped."""
        have = _TableMarks(len(self.static_keys), len(self.label_keys), len(self._health),
                           int(self.in_offsets.data[-1]), int(self.out_offsets.data[-1]))
        if have != part.start:
            raise ValueError(f"ops part starts at {part.start}, this store is at {have}")
        c = part.columns
        row = len(self)
        # the rows first (they check themselves), then the tables they point into
        self._extend(c["seqs"], c["steps"], c["epochs"], c["statics"], c["durations"],
                     c["modes"], c["healths"], c["bad"], c["inputs"], c["in_offsets"],
                     c["outputs"], c["out_offsets"])
        for key in part.static_keys:
            self._static_ids[key] = len(self.static_keys)
            self.static_keys.append(key)
            self.op_types.append(key[0])
        self.static_labels.extend(part.static_labels)
        for label in part.label_keys:
            self._label_ids[label] = len(self.label_keys)
            self.label_keys.append(label)
        self._health.extend(part.health)
        self._extras.update((row + k, v) for k, v in part.extras.items())
        self._graphs.update(part.graphs)

    # -- reading ------------------------------------------------------------------------------
    def op(self, row: int) -> dict:
        """Op event ``row`` (0-based, in seq order) as the probe sent it."""
        cache = self._cache
        event = cache.get(row)
        if event is not None:
            cache.move_to_end(row)
            return event
        if not 0 <= row < len(self):
            raise IndexError(f"op row {row} out of range ({len(self)} ops)")
        op, name, scope, shapes, dtypes, file, line, exec_ = self.static_keys[
            self.statics.data[row]]
        shapes = [list(s) for s in shapes]
        dtypes = list(dtypes)
        ins = self.in_offsets.data
        outs = self.out_offsets.data
        duration = float(self.durations.data[row])
        mode, health = int(self.modes.data[row]), int(self.healths.data[row])
        if mode == RAW:
            summary = self._health[health - 1]
        else:
            entry = self._health[health - 1] if health else None
            mode_name = event_schema.MODES[mode]
            summary = [_summary(mode_name, shape, dtype, entry[i] if entry else None)
                       for i, (shape, dtype) in enumerate(zip(shapes, dtypes))]
        event = {"kind": "op", "seq": int(self.seqs.data[row]),
                 "step": _opt(self.steps.data[row]), "epoch": _opt(self.epochs.data[row]),
                 "op": op, "name": name, "scope": scope,
                 "inputs": self.inputs.data[ins[row]:ins[row + 1]].tolist(),
                 "outputs": self.outputs.data[outs[row]:outs[row + 1]].tolist(),
                 "shapes": shapes, "dtypes": dtypes, "file": file, "line": line,
                 "duration": None if duration != duration else duration, "exec": exec_,
                 "summary": summary}
        extra = self._extras.get(row)
        if extra is not None:
            for key in extra.get("__missing__", ()):
                event.pop(key, None)
            event.update((k, v) for k, v in extra.items() if k != "__missing__")
        cache[row] = event
        if len(cache) > CACHE_SIZE:
            cache.popitem(last=False)
        return event

    def row_of_seq(self, seq: int) -> int:
        """The row of op ``seq``, or -1."""
        seqs = self.seqs.data
        row = int(np.searchsorted(seqs, seq))
        return row if row < len(seqs) and seqs[row] == seq else -1

    def op_by_seq(self, seq: int) -> dict | None:
        row = self.row_of_seq(seq)
        return None if row < 0 else self.op(row)

    def labels(self) -> np.ndarray:
        """Per row, its (op, scope, name) label code (an index into ``label_keys``)."""
        return self.static_labels.data[self.statics.data]

    def rows_of_types(self, start: int, stop: int, types: Iterable[str]) -> np.ndarray:
        """Rows in ``start:stop`` whose op type is one of ``types``."""
        wanted = set(types)
        hits = np.array([t in wanted for t in self.op_types], dtype=np.bool_)
        if not hits.any():
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(hits[self.statics.data[start:stop]]) + start

    def producer(self, tensor_id: int, before_seq: int) -> tuple[int, int] | None:
        """(seq, output index) of the last op before ``before_seq`` that made ``tensor_id``.

        Output positions sorted by id, rebuilt only when the unsorted tail of newer outputs
        (searched directly) outgrows a quarter of them: a live session asks after every
        batch, and sorting a million ids each time would stall it."""
        total = int(self.out_offsets.data[len(self)])
        flat = self.outputs.data
        index = self._producers
        stale = index is None or total - index[0] > max(50_000, index[0] // 4)
        if stale and self._scans < SCANS_BEFORE_INDEX:
            # a few questions (a click, a finding's first check): one scan each is cheaper
            # than sorting a million ids, and blocks the window for a millisecond, not 150
            self._scans += 1
            positions = np.flatnonzero(flat[:total] == tensor_id)
        else:
            if stale:
                order = np.argsort(flat[:total], kind="stable")  # by id, then position
                index = self._producers = (total, flat[:total][order], order)
                self._scans = 0
            sorted_upto, ids, order = index
            lo = np.searchsorted(ids, tensor_id, "left")
            hi = np.searchsorted(ids, tensor_id, "right")
            positions = np.concatenate([order[lo:hi], np.flatnonzero(
                flat[sorted_upto:total] == tensor_id) + sorted_upto])
        if not positions.size:
            return None
        offsets = self.out_offsets.data
        rows = np.searchsorted(offsets, positions, "right") - 1
        seqs = self.seqs.data[rows]
        earlier = np.flatnonzero(seqs < before_seq)
        if not earlier.size:
            return None
        last = earlier[-1]
        row = int(rows[last])
        return int(seqs[last]), int(positions[last] - offsets[row])

    def output_shape(self, tensor_id: int, before_seq: int) -> list[int] | None:
        """The shape of ``tensor_id`` as the last op before ``before_seq`` made it, or None."""
        found = self.producer(tensor_id, before_seq)
        if found is None:
            return None
        row = self.row_of_seq(found[0])
        shapes = self.static_keys[self.statics.data[row]][3]
        return list(shapes[found[1]]) if found[1] < len(shapes) else None


_ROW_COLUMNS = ("seqs", "steps", "epochs", "statics", "durations", "modes", "healths", "bad",
                "inputs", "outputs")
_DTYPES = {"seqs": np.int64, "steps": np.int64, "epochs": np.int64, "statics": np.int32,
           "durations": np.float64, "modes": np.int8, "healths": np.int32, "bad": np.bool_,
           "inputs": np.int64, "outputs": np.int64, "in_offsets": np.int64,
           "out_offsets": np.int64}
TOUCH_AHEAD = 100_000  # rows whose pages a loader writes ahead of the window, at least


def reserved_columns(ops: int) -> dict[str, np.ndarray]:
    """Empty column buffers with room for ``ops`` rows (inputs: two per row; at most
    ``MAX_RESERVE``, a damaged count reserves no more), for ``OpStore.adopt``; {} when
    the memory is not there or ``ops`` is no count (the columns then grow as they need)."""
    try:
        ops = max(0, min(int(ops), MAX_RESERVE))
    except (TypeError, ValueError, OverflowError):  # a damaged trace's sum: NaN, inf, text
        return {}
    sizes = {name: ops for name in _DTYPES}
    sizes.update(inputs=2 * ops, in_offsets=ops + 1, out_offsets=ops + 1)
    try:
        return {name: np.empty(size, dtype=_DTYPES[name]) for name, size in sizes.items()}
    except MemoryError:
        return {}


def touch_ahead(columns: dict[str, np.ndarray], end: OpsPart | None, rows: int) -> None:
    """Write the pages of ``columns`` (``reserved_columns``) that the rows after ``rows``
    rows, the last ending with part ``end``, will fill: about twice that part's rows, at
    least ``TOUCH_AHEAD``. A loader thread does it while the window shows the part (numpy
    lets go of the GIL as it writes): a page's first write costs the kernel a fault and a
    zeroing, and writing 50-100 ms worth of fresh pages is what held the window longest
    while a 480,000-op trace opened (``add_part``, measured). Never below ``rows`` (the
    window's) and never beyond the reservation: the window writes there only with the
    next part, handed over after this returns."""
    if not columns:
        return
    ahead = max(TOUCH_AHEAD, 2 * (end.count if end is not None else 0))
    n_in = end.end.inputs if end is not None else 0
    n_out = end.end.outputs if end is not None else 0
    starts = {name: rows for name in _DTYPES}
    starts.update(in_offsets=rows + 1, out_offsets=rows + 1, inputs=n_in, outputs=n_out)
    per_row = {"inputs": max(2, -(-n_in // max(rows, 1))),
               "outputs": max(1, -(-n_out // max(rows, 1)))}
    for name, buffer in columns.items():
        start = starts[name]
        buffer[start:min(len(buffer), start + ahead * per_row.get(name, 1))] = 0


class _TableMarks(NamedTuple):
    """How far a store's shared tables and flat input/output arrays reach."""

    statics: int
    labels: int
    health: int
    inputs: int = 0
    outputs: int = 0


class OpsPart(NamedTuple):
    """Rows one store decoded, for another store to append (``take_part``/``add_part``)."""

    start: _TableMarks  # where the receiving store must stand
    end: _TableMarks
    columns: dict[str, np.ndarray]  # the row columns; in/out_offsets without the leading 0
    static_keys: list[tuple]
    label_keys: list[tuple]
    static_labels: np.ndarray
    health: list[Any]
    extras: dict[int, dict]  # part row -> fields beyond the schema's
    graphs: dict[Any, _GraphTemplate]

    @property
    def count(self) -> int:
        """How many ops (rows) the part holds."""
        return len(self.columns["seqs"])


class OpsView(Sequence):
    """A store's ops as a read-only list of op events (rebuilt when read)."""

    def __init__(self, store: OpStore) -> None:
        self._store = store

    def __len__(self) -> int:
        return len(self._store)

    def __getitem__(self, index: Any) -> Any:
        store = self._store
        if isinstance(index, slice):
            return [store.op(row) for row in range(*index.indices(len(store)))]
        row = int(index)
        if row < 0:
            row += len(store)
        return store.op(row)

    def __iter__(self) -> Iterator[dict]:
        store = self._store
        return (store.op(row) for row in range(len(store)))

    def __reversed__(self) -> Iterator[dict]:
        store = self._store
        return (store.op(row) for row in range(len(store) - 1, -1, -1))

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """The row of an op event (found by its seq, not by a scan)."""
        row = self._store.row_of_seq(value.get("seq", -1)) if isinstance(value, dict) else -1
        if row < 0 or self._store.op(row) != value:
            raise ValueError("op event not in the session")
        return row
