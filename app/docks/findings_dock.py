"""FindingsDock: the problems the run shows so far (dead layers, a learning rate too large,
suspicious broadcasts, retracing), listed as they complete; a click shows where."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDockWidget, QListWidget, QListWidgetItem, QWidget

from app.session import Session
from debugger.events import MODES
from debugger.findings import BROADCASTING, Finding, Findings
from debugger.opstore import RAW

FINDING_ROLE = Qt.ItemDataRole.UserRole
CHECKED_OPS = frozenset({"Relu", *BROADCASTING})  # the op types a check looks at
# modes whose op summaries can count zeros (RAW: a single event's summary, kept as it came)
ZERO_COUNTING_MODES = (MODES.index("FULL_HEALTH"), MODES.index("FULL_TENSOR"), RAW)


class FindingsDock(QDockWidget):
    """One row per finding, fed each batch of events the window is shown (the checks keep
    their own running state, so a long run costs nothing extra per batch)."""

    opSelected = Signal(int)  # seq of the op a clicked finding points at

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Findings", parent)
        self.setObjectName("findingsDock")
        self.session = session
        self.findings = self._new_findings()
        self._checked: set[int] = set()  # static ids whose broadcast was checked
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setToolTip("Problems the run shows; click one to see its op and step")
        self.list.itemClicked.connect(self._clicked)
        self.setWidget(self.list)
        session.eventsArrived.connect(self.add_events)
        session.opsAdded.connect(self._ops_added)

    def _new_findings(self) -> Findings:
        return Findings(shape_of=lambda tensor_id, seq: self.session.model.ops.output_shape(
            tensor_id, seq))

    def _ops_added(self, start: int, stop: int) -> None:
        """Only the ops a check looks at are read from the model. A broadcast is checked at
        the first run of each op line and shape (its static id in the store): a compiled
        graph's node or a loop's line broadcasts the same way every time, and looking up
        input producers for every one of half a million ops would stall the window. The
        rows are picked with numpy: a trace's part adds 50,000+ rows in one range, and a
        Python loop over its Relus and Adds held the window for 10-20 ms (measured)."""
        store = self.session.model.ops
        rows = store.rows_of_types(start, stop, CHECKED_OPS)
        if not rows.size:
            return
        statics = store.statics.data[rows]
        keys = store.static_keys
        keep = np.zeros(len(rows), dtype=np.bool_)
        relus = []
        uniques, firsts = np.unique(statics, return_index=True)
        for static, first in zip(uniques.tolist(), firsts.tolist()):
            if keys[static][0] == "Relu":
                relus.append(static)
            elif static not in self._checked:
                self._checked.add(static)
                keep[first] = True
        if relus:  # the dead-layer check needs zero counts: FULL_HEALTH only
            keep |= (np.isin(statics, relus)
                     & np.isin(store.modes.data[rows], ZERO_COUNTING_MODES))
        ops = [store.op(row) for row in rows[keep].tolist()]
        if ops:
            self.add_events(ops)

    def add_events(self, batch: list[dict]) -> None:
        for finding in self.findings.add(batch):
            self._show(finding)

    def clear(self) -> None:
        """A new run or trace: forget the findings and the checks' state."""
        self.findings = self._new_findings()
        self._checked = set()
        self.list.clear()

    def titles(self) -> list[str]:
        return [self.list.item(i).text().split("\n")[0] for i in range(self.list.count())]

    def op_of(self, finding: Finding) -> int | None:
        """The op a finding points at: its own event when that is an op, else the last op
        before it (a gradient or update event follows the ops of its step)."""
        if finding.seq is None:
            return None
        seqs = self.session.op_seqs
        row = int(np.searchsorted(seqs, finding.seq, side="right")) - 1
        return int(seqs[row]) if row >= 0 else None

    def _show(self, finding: Finding) -> None:
        text = f"{finding.title}\n{finding.detail}"
        for i in range(self.list.count()):  # a retracing finding is updated in place
            item = self.list.item(i)
            old = item.data(FINDING_ROLE)
            if old.kind == finding.kind == "retracing" and old.seq == finding.seq:
                item.setText(text)
                item.setData(FINDING_ROLE, finding)
                return
        item = QListWidgetItem(text)
        item.setData(FINDING_ROLE, finding)
        item.setToolTip(finding.detail)
        self.list.addItem(item)

    def _clicked(self, item: QListWidgetItem) -> None:
        seq = self.op_of(item.data(FINDING_ROLE))
        if seq is not None:
            self.opSelected.emit(seq)
