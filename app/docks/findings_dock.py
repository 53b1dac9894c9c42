"""FindingsDock: the problems the run shows so far (dead layers, a learning rate too large,
suspicious broadcasts, retracing), listed as they complete; a click shows where."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QDockWidget, QListWidget, QListWidgetItem, QWidget

from app.session import Session
from engine.debug.findings import Finding, Findings

FINDING_ROLE = Qt.ItemDataRole.UserRole


class FindingsDock(QDockWidget):
    """One row per finding, fed each batch of events the window is shown (the checks keep
    their own running state, so a long run costs nothing extra per batch)."""

    opSelected = Signal(int)  # seq of the op a clicked finding points at

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__("Findings", parent)
        self.setObjectName("findingsDock")
        self.session = session
        self.findings = Findings()
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setToolTip("Problems the run shows; click one to see its op and step")
        self.list.itemClicked.connect(self._clicked)
        self.setWidget(self.list)
        session.eventsArrived.connect(self.add_events)

    def add_events(self, batch: list[dict]) -> None:
        for finding in self.findings.add(batch):
            self._show(finding)

    def clear(self) -> None:
        """A new run or trace: forget the findings and the checks' state."""
        self.findings = Findings()
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
