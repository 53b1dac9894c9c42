"""OpsModel: every recorded op as a table row, fully virtual and filtered with numpy.

Half a million rows must scroll and filter at once, so nothing is stored here per row: the
ops live in the session's ``OpStore`` (columns), and ``data`` formats the op event the
store rebuilds when the view asks for a visible cell. Filtering never walks the rows in
Python: the store gives each row a categorical code for its (op type, scope, name) label
and a NaN/Inf flag; a filter tests the few distinct labels and then selects rows with one
numpy indexing step. Appending a batch is one ``beginInsertRows``.

While a run streams or a trace loads, the session adds ops ~30-200 times a second; each
insert scrolls the followed table and repaints every visible cell. Rows are announced at
most ``ROWS_INTERVAL_MS`` apart then (all that came meanwhile in one insert), and at once
in any other state: a pause, the end of a run or a test's batch shows without delay.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from app.docks.redraw_throttle import RedrawThrottle
from app.session import LOADING, RUNNING, Session
from debugger.health import is_checked, output_health, output_summaries
from debugger.opstore import OpStore
from engine.graph.ir import short_dtype

COLUMNS = ("Seq", "Step", "Op", "Name / scope", "Outputs", "Health", "µs", "Source")
(SEQ, STEP, OP, NAME, OUTPUTS, HEALTH, DURATION, SOURCE) = range(len(COLUMNS))
NUMERIC_COLUMNS = (SEQ, STEP, DURATION)
SeqRole = Qt.ItemDataRole.UserRole + 1  # the op event's seq, for any column

_BAD_FOREGROUND = QBrush(QColor(178, 24, 24))
_BAD_BACKGROUND = QBrush(QColor(255, 226, 226))
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
(_DISPLAY, _ALIGNMENT, _BACKGROUND, _FOREGROUND, _TOOLTIP, _SEQ) = range(6)
_ROLE_KINDS = {int(Qt.ItemDataRole.DisplayRole): _DISPLAY,
               int(Qt.ItemDataRole.TextAlignmentRole): _ALIGNMENT,
               int(Qt.ItemDataRole.BackgroundRole): _BACKGROUND,
               int(Qt.ItemDataRole.ForegroundRole): _FOREGROUND,
               int(Qt.ItemDataRole.ToolTipRole): _TOOLTIP, int(SeqRole): _SEQ}
TEXT_CACHE_SIZE = 2_048  # rows whose cell texts are kept: a few screens' worth
ROWS_INTERVAL_MS = 100  # new rows of a streaming source appear about 10 times a second
STREAMING_STATES = (RUNNING, LOADING)

ModelIndex = QModelIndex | QPersistentModelIndex


def format_outputs(event: dict) -> str:
    """``f32[32,10], i32[]``: each output's dtype and shape."""
    shapes = event.get("shapes") or ()
    dtypes = event.get("dtypes") or ()
    parts = []
    for i, shape in enumerate(shapes):
        dtype = dtypes[i] if i < len(dtypes) else "?"
        parts.append(f"{short_dtype(dtype)}[{','.join(map(str, shape))}]")
    return ", ".join(parts)


def format_health(summary: Any) -> str:
    """``NaN×3 +Inf×1`` for a bad output, ``ok`` when checked and healthy, ``""`` when the
    mode did not check (NO_TENSOR, SHAPE)."""
    checked = False
    problems = []
    for s in output_summaries(summary):
        if not is_checked(s):
            continue
        checked = True
        if output_health(s) is None:
            continue
        counts = [(s.get("nan"), "NaN"), (s.get("neg_inf"), "-Inf"), (s.get("pos_inf"), "+Inf")]
        if any(n is not None for n, _ in counts):
            problems.append(" ".join(f"{label}×{n}" for n, label in counts if n))
        else:
            problems.append("NaN/Inf")  # CURT_HEALTH says only that something is bad
    if problems:
        return "; ".join(problems)
    return "ok" if checked else ""


def format_name(event: dict) -> str:
    scope, name = event.get("scope") or "", event.get("name") or ""
    if not scope or name.startswith(scope + "/"):  # graph node names carry their scope
        return name
    return f"{scope}/{name}"


def label_text(op: Any, scope: Any, name: Any) -> str:
    """What the text filter searches: op type, scope and name, lowercase."""
    return f"{op or ''}\t{scope or ''}/{name or ''}".lower()


class OpsModel(QAbstractTableModel):
    """The op events of a Session (or of ``append_ops`` calls) as a filterable table."""

    def __init__(self, session: Session | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._session = session
        self._own_store = OpStore() if session is None else None
        self._count = 0  # store rows this model has announced
        self._label_texts: list[str] = []  # per label code of the store, lowercase
        self._label_matches = np.zeros(0, dtype=np.bool_)  # per label, for the current text
        self._words: tuple[str, ...] = ()
        self._only_bad = False
        self._visible: np.ndarray | None = None  # source rows shown; None: all of them
        self._texts: dict[int, tuple] = {}  # store row -> its formatted cells (oldest first)
        self._arrived = 0  # store rows the session has added (announced up to ``_count``)
        self._announce = RedrawThrottle(self.show_arrived, self, ROWS_INTERVAL_MS)
        if session is not None:
            session.opsAdded.connect(self._on_ops)
            session.eventsCleared.connect(self.clear)
            session.stateChanged.connect(self._on_state)

    @property
    def store(self) -> OpStore:
        """The ops shown: the session's (a new one per run or trace), or this model's own."""
        if self._own_store is not None:
            return self._own_store
        assert self._session is not None
        return self._session.model.ops

    # -- Qt model interface ---------------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's API
        if parent.isValid():
            return 0
        return self._count if self._visible is None else len(self._visible)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return COLUMNS[section]
            if role == Qt.ItemDataRole.ToolTipRole and section == DURATION:
                return "Wall time of the op in microseconds"
        return None

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A repaint asks every visible cell for about seven roles, ~10 times a second while a
        # run streams: the role is looked up once (ints, not Qt enum attributes), and texts
        # and the row's NaN/Inf flag come from the row's cache (formatted once).
        kind = _ROLE_KINDS.get(role)
        if kind is None or not index.isValid():
            return None
        row = index.row()
        source = row if self._visible is None else int(self._visible[row])
        if kind == _ALIGNMENT:
            return _RIGHT if index.column() in NUMERIC_COLUMNS else None
        texts = self._row_texts(source)
        if kind == _DISPLAY:
            return texts[index.column()]
        if kind == _BACKGROUND:
            return _BAD_BACKGROUND if texts[-1] else None
        if kind == _FOREGROUND:
            return _BAD_FOREGROUND if texts[-1] else None
        event = self.store.op(source)
        if kind == _SEQ:
            return event["seq"]
        return self._tooltip(event, index.column())  # ToolTipRole

    def _row_texts(self, source: int) -> tuple:
        """The shown texts of store row ``source`` and, last, whether its outputs hold
        NaN/Inf: formatted once (recent rows kept)."""
        texts = self._texts.get(source)
        if texts is None:
            event = self.store.op(source)
            texts = self._texts[source] = (
                *(self._display(event, column) for column in range(len(COLUMNS))),
                bool(self.store.bad.data[source]))
            if len(self._texts) > TEXT_CACHE_SIZE:
                self._texts.pop(next(iter(self._texts)))
        return texts

    @staticmethod
    def _display(event: dict, column: int) -> Any:
        if column == SEQ:
            return str(event["seq"])
        if column == STEP:
            step = event.get("step")
            return "" if step is None else str(step)
        if column == OP:
            return event.get("op", "")
        if column == NAME:
            return format_name(event)
        if column == OUTPUTS:
            return format_outputs(event)
        if column == HEALTH:
            return format_health(event.get("summary"))
        if column == DURATION:
            duration = event.get("duration")
            return "" if duration is None else f"{duration * 1e6:.1f}"
        if column == SOURCE:
            file, line = event.get("file") or "", event.get("line") or 0
            return f"{os.path.basename(file)}:{line}" if file else ""
        return None

    @staticmethod
    def _tooltip(event: dict, column: int) -> str | None:
        if column == SOURCE:
            return f"{event.get('file')}:{event.get('line')}" if event.get("file") else None
        if column == OP:
            executed = event.get("exec", "eager")
            return f"{event.get('op')} — {'eager' if executed == 'eager' else 'in ' + executed}"
        if column == HEALTH:
            summary = event.get("summary")
            if isinstance(summary, list):  # the column sums up; this says which output
                return "\n".join(f"output {i}: {format_health([s]) or 'not checked'}"
                                 for i, s in enumerate(summary))
        return None

    # -- rows -----------------------------------------------------------------------------------
    @property
    def total_count(self) -> int:
        """Ops held, whether the filter shows them or not."""
        return self._count

    @property
    def bad_count(self) -> int:
        return int(self._bad().sum())

    def _bad(self) -> np.ndarray:
        return self.store.bad.data[:self._count]

    def op_at(self, row: int) -> dict:
        """The op event shown in ``row``."""
        return self.store.op(row if self._visible is None else int(self._visible[row]))

    def seq_at(self, row: int) -> int:
        source = row if self._visible is None else int(self._visible[row])
        return int(self.store.seqs.data[source])

    def row_of_seq(self, seq: int) -> int:
        """The row showing op ``seq``, or -1 (unknown or filtered out)."""
        self.show_arrived()
        source = self.store.row_of_seq(seq)
        if source < 0 or source >= self._count:
            return -1
        if self._visible is None:
            return source
        row = int(np.searchsorted(self._visible, source))
        return row if row < len(self._visible) and self._visible[row] == source else -1

    def first_bad_row(self) -> int:
        """The first shown row whose op output holds NaN or Inf, or -1."""
        self.show_arrived()
        bad = self._bad()
        shown = bad if self._visible is None else bad[self._visible]
        if not shown.size:
            return -1
        row = int(np.argmax(shown))
        return row if shown[row] else -1

    def first_bad_seq(self) -> int | None:
        """Seq of the first op with NaN/Inf, shown or filtered out."""
        self.show_arrived()
        bad = self._bad()
        if not bad.size or not bad.any():
            return None
        return int(self.store.seqs.data[int(np.argmax(bad))])

    def append_ops(self, ops: list[dict]) -> None:
        """Add op events (in seq order) to the store shown, at the end: one insert
        notification per call (a session's ops come through ``opsAdded`` instead)."""
        if not ops:
            return
        store = self.store
        start = len(store)
        store.append_events(ops)
        self._on_ops(start, len(store))

    def _on_ops(self, start: int, stop: int) -> None:
        """Rows ``start:stop`` of the store arrived: shown now, or with the next ones while
        the session streams."""
        self._arrived = max(self._arrived, stop)
        if getattr(self._session, "state", None) in STREAMING_STATES:
            self._announce.request()  # at once if the last insert is an interval ago
        else:
            self.show_arrived()

    def _on_state(self, _state: str) -> None:
        self.show_arrived()  # paused, finished, loaded: the table is complete at once

    @property
    def waiting_rows(self) -> int:
        """Ops the store holds that the table does not show yet (a streaming source's)."""
        return self._arrived - self._count

    def show_arrived(self) -> None:
        """Announce every row that arrived (one insert notice)."""
        start, stop = self._count, self._arrived
        if stop <= start:
            return
        if self._visible is None:
            self.beginInsertRows(QModelIndex(), start, stop - 1)
            self._count = stop
            self.endInsertRows()
            return
        self._count = stop
        added = np.flatnonzero(self._row_mask(start, stop)) + start
        if added.size:
            shown = len(self._visible)
            self.beginInsertRows(QModelIndex(), shown, shown + len(added) - 1)
            self._visible = np.concatenate([self._visible, added])
            self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self._texts.clear()
        if self._own_store is not None:
            self._own_store = OpStore()
        self._count = self._arrived = 0
        self._label_texts.clear()
        self._label_matches = np.zeros(0, dtype=np.bool_)
        self._visible = None if self._is_unfiltered() else np.zeros(0, dtype=np.int64)
        self.endResetModel()

    # -- filtering ------------------------------------------------------------------------------
    @property
    def filter_text(self) -> str:
        return " ".join(self._words)

    @property
    def only_bad(self) -> bool:
        return self._only_bad

    def set_filter(self, text: str | None = None, only_bad: bool | None = None) -> None:
        """Show ops whose type, scope or name contain every word of ``text`` (any case),
        and, with ``only_bad``, only those whose outputs hold NaN or Inf."""
        words = self._words if text is None else tuple(text.lower().split())
        only_bad = self._only_bad if only_bad is None else bool(only_bad)
        if words == self._words and only_bad == self._only_bad:
            return
        self.beginResetModel()
        self._count = max(self._count, self._arrived)  # the new rows come with the reset
        if words != self._words:
            self._words = words
            self._label_matches = np.zeros(0, dtype=np.bool_)
        self._only_bad = only_bad
        if self._is_unfiltered():
            self._visible = None
        else:
            self._visible = np.flatnonzero(self._row_mask(0, self._count))
        self.endResetModel()

    def _is_unfiltered(self) -> bool:
        return not self._words and not self._only_bad

    def _row_mask(self, start: int, stop: int) -> np.ndarray:
        """Which of the rows ``start:stop`` pass the filter (a bool array)."""
        mask = np.ones(stop - start, dtype=np.bool_)
        store = self.store
        if self._words:
            keys = store.label_keys
            texts = self._label_texts
            if len(texts) < len(keys):
                texts.extend(label_text(*key) for key in keys[len(texts):])
            known = len(self._label_matches)
            if known < len(texts):  # labels seen since the text was set
                words = self._words
                fresh = [all(w in t for w in words) for t in texts[known:]]
                self._label_matches = np.concatenate(
                    [self._label_matches, np.array(fresh, dtype=np.bool_)])
            labels = store.static_labels.data[store.statics.data[start:stop]]
            mask &= self._label_matches[labels]
        if self._only_bad:
            mask &= store.bad.data[start:stop]
        return mask
