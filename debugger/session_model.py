"""SessionModel: what a run or a trace produced, with the lookups every view needs (no Qt).

Ops live in an :class:`~debugger.opstore.OpStore` (columns); the few other events
(variables, gradients, scalars, graphs, steps, output…) stay dicts, indexed by kind. A live
session appends batches as they come (``add``); a trace is read in bulk by ``load_trace``,
packs decoded straight into columns, and gives the same model — at once, or part by part
(``on_part``: a worker thread decodes into a scratch model and hands each page's rows and
events over, ``add_part``, so a window shows a trace while it is still being read). The Qt
``Session`` is only a bridge that owns one of these and tells widgets what was added.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from debugger import jsoncodec, validate
from debugger.opstore import NONE, OpsPart, OpStore, OpsView

# Trace rows per query (a pack row holds up to hundreds of ops). Small: while SQLite's
# fetch builds its rows it lets go of the GIL and takes it back once per row, and a thread
# waiting for the GIL (the window's) only asks for it after a switch interval *without* a
# hand-over, so it waits out the whole fetch: 20-50 ms for 2,000 rows (measured), ~3 ms
# for 250. Queries by seq cost little more for being many.
LOAD_PAGE = 250


DAMAGE_SHOWN = 20  # reasons kept for the damaged-trace message


class ModelPart(NamedTuple):
    """What a scratch model read since its last ``take_part``, for another's ``add_part``."""

    ops: OpsPart
    events: list[dict]  # the other events, in order
    step: int
    epoch: int
    damaged: int
    damage: list[str]


class SessionModel:
    """Everything received so far: ops in columns, other events by kind."""

    def __init__(self) -> None:
        self.ops = OpStore()
        self.events: list[dict] = []  # every event that is not an op, in order
        self.variables: dict[int, dict] = {}  # variable id -> its variable_created event
        self.variable_updates: dict[int, list[dict]] = collections.defaultdict(list)
        self.scalars: dict[str, list[dict]] = collections.defaultdict(list)
        self.gradients: dict[int, list[dict]] = collections.defaultdict(list)  # by step
        self.graphs: list[dict] = []
        self.errors: list[dict] = []
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self.step = 0
        self.epoch = 0
        self.finished: dict | None = None
        self.damaged = 0  # events of a trace or stream that could not be read, skipped
        self.damage: list[str] = []  # why, for the first DAMAGE_SHOWN of them
        self._files: dict[str, None] = {}
        self._files_known = 0  # static keys already looked at for files
        self._parted_damage = 0  # damage already handed over by take_part
        self._parted_notes = 0

    # -- what views read ----------------------------------------------------------------------
    @property
    def op_list(self) -> OpsView:
        return OpsView(self.ops)

    @property
    def source_files(self) -> list[str]:
        """Files ops ran in, in the order they first did."""
        keys = self.ops.static_keys
        for key in keys[self._files_known:]:
            if key[5] and key[5] not in self._files:
                self._files[key[5]] = None
        self._files_known = len(keys)
        return list(self._files)

    def op_steps(self) -> Any:
        """Per op its step (0 where it had none), as the views count steps."""
        steps = self.ops.steps.data
        return steps.clip(0) if len(steps) and steps.min() == NONE else steps

    # -- handing over, part by part -----------------------------------------------------------
    def take_part(self) -> ModelPart:
        """What was added since the last call; this (scratch) model forgets it."""
        part = ModelPart(self.ops.take_part(), self.events, self.step, self.epoch,
                         self.damaged - self._parted_damage, self.damage[self._parted_notes:])
        self.events = []
        self._parted_damage, self._parted_notes = self.damaged, len(self.damage)
        return part

    def add_part(self, part: ModelPart) -> list[dict]:
        """Append a part a scratch model took (in order); returns its events that are not
        ops, as ``add`` does."""
        self.ops.add_part(part.ops)
        for event in part.events:
            self._add_other(event, graph_known=True)
        self.step, self.epoch = part.step, part.epoch
        self.damaged += part.damaged
        self.damage.extend(part.damage[:max(0, DAMAGE_SHOWN - len(self.damage))])
        return part.events

    def add_part_events(self, events: list[dict]) -> list[dict]:
        """Add some of the events of the part ``add_part`` added last without them (a window
        adds a part's thousands of events a tick's share at a time); the model's step and
        epoch stay the part's. Returns ``events``."""
        step, epoch = self.step, self.epoch
        for event in events:
            self._add_other(event, graph_known=True)
        self.step, self.epoch = step, epoch
        return events

    # -- filling ------------------------------------------------------------------------------
    def note_damage(self, seq: Any, kind: Any, why: str, count: int = 1) -> None:
        """Count ``count`` skipped events and keep why (for the first few)."""
        self.damaged += count
        if len(self.damage) < DAMAGE_SHOWN:
            self.damage.append(f"event #{seq}: ({kind}) {why}")

    def _add_damage_note(self, note: dict) -> None:
        """Add up what ``DebugClient`` dropped (its note says how many, and why)."""
        count, reasons = note.get("damaged"), note.get("damage")
        if type(count) is int and count > 0:
            self.damaged += count
            if isinstance(reasons, list):
                room = max(0, DAMAGE_SHOWN - len(self.damage))
                self.damage.extend(str(r) for r in reasons[:room])

    def add(self, batch: Iterable[dict]) -> list[dict]:
        """Add a batch of events (op events, "ops" packs, the rest) in seq order; returns
        the events that are not ops. A pack that cannot be read is skipped and counted, and
        an "output" event says so."""
        others: list[dict] = []
        ops: list[dict] = []
        store = self.ops
        for event in batch:
            kind = event.get("kind")
            if kind == "op":
                ops.append(event)
                continue
            if ops:
                self._add_ops(ops)
                ops = []
            if kind == "ops":
                try:
                    store.append_pack(event)
                except (KeyError, IndexError, TypeError, ValueError) as exc:
                    self.note_damage(event.get("seq"), kind, str(exc), _count_of(event))
                    note = {"kind": "output", "seq": event.get("seq", 0), "stream": "debugger",
                            "text": f"tapescope: could not read {event.get('count', '?')} ops "
                                    f"from #{event.get('seq', '?')} "
                                    f"({type(exc).__name__}: {exc})\n"}
                    self._add_other(note)
                    others.append(note)
                    continue
                self._note_last_op()
                continue
            self._add_other(event)
            others.append(event)
        if ops:
            self._add_ops(ops)
        return others

    def _add_ops(self, ops: list[dict]) -> None:
        try:
            self.ops.append_events(ops)
        except (KeyError, IndexError, TypeError, ValueError):
            for op in ops:  # find the bad ones, keep the rest
                try:
                    self.ops.append_events([op])
                except (KeyError, IndexError, TypeError, ValueError) as exc:
                    self.note_damage(op.get("seq"), "op", str(exc))
        self._note_last_op()

    def _note_last_op(self) -> None:
        last = self.ops.last_step_epoch()
        if last is not None:
            step, epoch = last
            self.step = 0 if step == NONE else step
            self.epoch = 0 if epoch == NONE else epoch

    def _add_other(self, event: dict, graph_known: bool = False) -> None:
        """``graph_known``: a graph's template came with the ops part (``add_part``)."""
        kind = event.get("kind")
        if kind == "variable_created":
            self.variables[event["id"]] = event
        elif kind == "variable_update":
            self.variable_updates[event["id"]].append(event)
        elif kind == "scalar":
            self.scalars[event["name"]].append(event)
        elif kind == "gradient":
            self.gradients[event.get("step") or 0].append(event)
        elif kind == "graph":
            if not graph_known:
                self.ops.add_graph(event)
            self.graphs.append(event)
        elif kind == "error":
            self.errors.append(event)
        elif kind == "finished":
            self.finished = event
        elif kind == "output":
            if event.get("stream") == "stderr":
                self.stderr_tail.append(event.get("text", ""))
            elif "damaged" in event:  # a live client's note of events it dropped
                self._add_damage_note(event)
        self.events.append(event)
        # (not "scalar": its step is whatever tf.summary was given, an epoch maybe)
        if kind in ("step_end", "epoch_end", "variable_update", "gradient"):
            # a step_end closes step N: the next ops run in step N + 1
            step = event.get("step")
            if step is not None:
                self.step = step + (kind == "step_end")
            epoch = event.get("epoch")
            if epoch is not None:
                self.epoch = epoch + (kind == "epoch_end")


def _count_of(event: Any) -> int:
    count = event.get("count") if isinstance(event, dict) else None
    return count if isinstance(count, int) and 0 < count < 1 << 31 else 1


def load_trace(rows: Callable[[int, int], list[tuple]], total: int = 0, *,
               graphs: Callable[[], Iterable[dict]] | None = None,
               progress: Callable[[int, int], None] | None = None,
               cancel: threading.Event | None = None,
               model: SessionModel | None = None,
               on_part: Callable[[ModelPart], None] | None = None,
               part_seconds: float = 0.0) -> SessionModel:
    """A trace's model in bulk: ``rows(start_seq, limit)`` gives its (seq, kind, body)
    rows in seq order (``TraceReader.raw_rows``); "ops" packs go straight into columns.

    A damaged row (not JSON, wrong fields, a pack that does not add up) is skipped and
    counted in ``model.damaged`` (a pack counts its ops); the rest loads. ``graphs`` gives
    every graph event, for a pack stored before its graph (read once, when needed). Fills
    ``model`` when given, so that a caller keeps what was read if ``rows`` raises. With
    ``on_part``, ``model`` is a scratch: what it read goes to ``on_part`` as a part
    (``model.take_part()``) after the first page, then after the page that ends each
    ``part_seconds`` (a viewer wants few, big parts), and after the last; a caller takes the
    last part itself if ``rows`` raises."""
    model = SessionModel() if model is None else model
    store = model.ops
    store.hold()  # packs are appended a page at a time (``OpStore.hold``)
    try:
        return _load_pages(rows, total, graphs, progress, cancel, model, on_part,
                           part_seconds)
    finally:
        store.release()  # what was read stays, if ``rows`` raised


def _load_pages(rows: Callable[[int, int], list[tuple]], total: int,
                graphs: Callable[[], Iterable[dict]] | None,
                progress: Callable[[int, int], None] | None, cancel: threading.Event | None,
                model: SessionModel, on_part: Callable[[ModelPart], None] | None,
                part_seconds: float) -> SessionModel:
    store = model.ops
    loaded = 0
    start = 0
    graphs_read = False
    parted_at: float | None = None  # when the last part was taken
    while True:
        page = rows(start, LOAD_PAGE)
        for seq, kind, body in page:
            try:
                event = jsoncodec.loads(body)
                if not isinstance(event, dict) or event.get("kind") != kind:
                    raise ValueError(f"row kind {kind!r} holds {type(event).__name__}")
            except (TypeError, ValueError) as exc:
                model.note_damage(seq, kind, str(exc))
                loaded += 1
                continue
            why = validate.problem(event)  # the trace reader's schema, as inspect checks it
            if why is not None:
                count = _count_of(event) if kind == "ops" else 1
                model.note_damage(seq, kind, why, count)
                loaded += count
                continue
            if kind == "ops":
                graph_id = event.get("graph")
                if (graph_id is not None and not store.knows_graph(graph_id)
                        and graphs is not None and not graphs_read):
                    graphs_read = True
                    for graph in graphs():
                        try:
                            store.add_graph(graph)
                        except (KeyError, IndexError, TypeError, ValueError):
                            pass  # its own row is counted when it comes
                try:
                    loaded += store.append_pack(event)
                    model._note_last_op()
                except (KeyError, IndexError, TypeError, ValueError, OverflowError) as exc:
                    count = _count_of(event)
                    model.note_damage(seq, kind, str(exc), count)
                    loaded += count
            elif kind == "op":
                model._add_ops([event])
                loaded += 1
            else:
                try:
                    model._add_other(event)
                except (KeyError, IndexError, TypeError, ValueError) as exc:
                    model.note_damage(seq, kind, str(exc))
                loaded += 1
        store.flush()
        last = len(page) < LOAD_PAGE or (cancel is not None and cancel.is_set())
        if on_part is not None and (last or parted_at is None
                                    or time.monotonic() - parted_at >= part_seconds):
            on_part(model.take_part())
            parted_at = time.monotonic()
        if progress is not None:
            progress(loaded, max(total, loaded))
        if last:
            break
        start = page[-1][0] + 1
    return model
