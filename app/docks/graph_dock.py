"""Graph dock: each traced function graph and the tape graph of a training step.

The graph is built, collapsed and laid out (``dot -Tjson0``) in one worker thread, never on
the UI thread; a layout is cached by the graph's structure, so following a training run
step by step re-runs ``dot`` only when the structure changes. Clicking a node selects its
op everywhere (``opSelected``) and selecting an op elsewhere highlights its node
(``select_op``), switching to the graph or step that holds it.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.graph_view import GraphView, Layout
from debugger import graph_export
from debugger.graph_export import ExportGraph
from debugger.health import summary_health
from debugger.nested_graphs import all_nodes
from debugger.opstore import NONE

FOLLOW_INTERVAL_MS = 1000  # a followed run is redrawn at most this often
LAYOUT_CACHE_SIZE = 32
HEALTH_SCAN_LIMIT = 50_000  # ops scanned back for a traced graph's latest node summaries
COLLAPSE_MODES = {"Auto": "auto", "By layer": "layer", "Everything": "none"}
EXPORT_COLLAPSE = {"As shown": "shown", "Auto (big graphs by layer)": "auto",
                   "By layer": "layer", "Everything (no collapsing)": "none"}
TAPE = -1  # source combo data of the tape graph; traced graphs use their index


@dataclass
class _Request:
    """What to draw: enough to rebuild it in the worker and to tell two requests apart."""

    source: int  # TAPE or an index into session.graphs
    step: int | None
    title: str
    build: Callable[[], ExportGraph]
    collapse: str
    expanded: frozenset[str]
    key: tuple = field(default=())


def _signature(graph: ExportGraph) -> tuple:
    """The structure a layout depends on, without ids that change every step."""
    index = {node.id: i for i, node in enumerate(graph.nodes)}
    return (tuple((n.op, n.kind, n.name if n.kind != "input" else "", n.scope, n.shapes,
                   n.dtypes, n.health, n.count) for n in graph.nodes),
            tuple((index[e.src], index[e.dst], e.label) for e in graph.edges))


def _collapsed(graph: ExportGraph, how: str, expanded: frozenset[str]) -> ExportGraph:
    if how == "layer" or expanded:
        return graph_export.collapse(graph, 1, expanded)
    if how == "auto":
        return graph_export.auto_collapse(graph)
    return graph


class _Relay(QObject):
    """Carries worker results to the UI thread (a queued signal). The worker emits through
    ``send`` only: the dock (the relay's parent) may be torn down while dot runs, and an
    emit racing the relay's deletion crashed the process (seen in _lay_out at teardown)."""

    laidOut = Signal(object, object, object, object)  # request, raw graph, graph, Layout | str
    exported = Signal(str, str)  # path, error ("" when it worked)

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gate = self._gate = _Gate()
        self.destroyed.connect(gate.close)  # (a plain callable: runs as the relay goes)

    def send(self, signal_name: str, *args: object) -> None:
        """Emit from a worker thread while the relay exists; nothing once it is going."""
        with self._gate.lock:
            if self._gate.open:
                getattr(self, signal_name).emit(*args)


class _Gate:
    """Whether the relay still exists; the lock keeps an emit and its deletion apart."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = True

    def close(self, *_: object) -> None:
        with self.lock:
            self.open = False


class ExportDialog(QDialog):
    """Where to, which format, how collapsed: the choices of an export."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export graph")
        self.format_combo = QComboBox()
        self.format_combo.addItems([f.upper() for f in graph_export.FORMATS])
        self.collapse_combo = QComboBox()
        self.collapse_combo.addItems(list(EXPORT_COLLAPSE))
        self.path_edit = QLineEdit(str(Path.cwd() / f"{_file_stem(title)}.png"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.format_combo.currentTextChanged.connect(self._format_changed)
        row = QHBoxLayout()
        row.addWidget(self.path_edit)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Graph", QLabel(title))
        form.addRow("Format", self.format_combo)
        form.addRow("Collapse", self.collapse_combo)
        form.addRow("File", row)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)

    @property
    def format(self) -> str:
        return self.format_combo.currentText().lower()

    @property
    def collapse(self) -> str:
        return EXPORT_COLLAPSE[self.collapse_combo.currentText()]

    @property
    def path(self) -> Path:
        return Path(self.path_edit.text()).expanduser()

    def _format_changed(self, text: str) -> None:
        self.path_edit.setText(str(self.path.with_suffix("." + text.lower())))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export graph", str(self.path),
                                              f"{self.format.upper()} (*.{self.format})")
        if path:
            self.path_edit.setText(path)


def _file_stem(title: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in title).strip("_") or "graph"


class GraphDock(QDockWidget):
    """The drawn graph with its source, step, collapse mode, search and export."""

    opSelected = Signal(int)
    layoutShown = Signal()  # a (new or cached) layout is on screen
    exportFinished = Signal(str, str)  # path, error ("" when the file was written)

    def __init__(self, session: QObject, parent: QWidget | None = None) -> None:
        super().__init__("Graph", parent)
        self.setObjectName("GraphDock")
        self._session = session
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="graph-layout")
        self._relay = _Relay(self)
        self._relay.laidOut.connect(self._on_laid_out)
        self._relay.exported.connect(self._on_exported)
        self._cache: collections.OrderedDict[tuple, Layout] = collections.OrderedDict()
        self._shown: _Request | None = None
        self._pending: _Request | None = None
        self._raw: ExportGraph | None = None
        self._expanded: set[str] = set()
        self._want_seq: int | None = None
        self._search_from = 0
        self._last_step_end: int | None = None  # the newest training step known complete
        self._follow_timer = QTimer(self)
        self._follow_timer.setSingleShot(True)
        self._follow_timer.setInterval(FOLLOW_INTERVAL_MS)
        self._follow_timer.timeout.connect(self.refresh)
        self._build()
        session.eventsArrived.connect(self.add_events)
        session.opsAdded.connect(self._ops_added)
        session.runPaused.connect(lambda _event: self.refresh())
        session.runFinished.connect(lambda _status: self.refresh())
        session.stateChanged.connect(lambda state: state == "trace" and self.refresh())
        self.clear()

    def _build(self) -> None:
        self.source_combo = QComboBox()
        self.source_combo.setToolTip("The tape of one training step, or a traced function")
        self.source_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.source_combo.currentIndexChanged.connect(self._source_changed)
        self.step_spin = QSpinBox()
        self.step_spin.setPrefix("step ")
        # Its maximum grows with every batch of a run, and a spin box whose size may change
        # re-lays out the whole window at each new maximum: its size is fixed, for steps up
        # to ten million.
        self.step_spin.setRange(0, 9_999_999)
        self.step_spin.setFixedSize(self.step_spin.sizeHint())
        self.step_spin.setRange(0, 0)
        self.step_spin.valueChanged.connect(self._step_chosen)
        self.follow_check = QCheckBox("Follow")
        self.follow_check.setToolTip("Show the newest training step as the run goes on")
        self.follow_check.setChecked(True)
        self.follow_check.toggled.connect(lambda on: on and self.refresh())
        self.collapse_combo = QComboBox()
        self.collapse_combo.addItems(list(COLLAPSE_MODES))
        self.collapse_combo.setToolTip("Auto collapses big graphs into one box per layer; "
                                       "double-click a box to open it")
        self.collapse_combo.currentTextChanged.connect(self._collapse_changed)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("Find node (Enter: next)")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.returnPressed.connect(self.find_next)
        buttons = []
        for text, tip, slot in (("Fit", "Fit the graph in view", self._fit),
                                ("+", "Zoom in", lambda: self.view.zoom(1.25)),
                                ("−", "Zoom out", lambda: self.view.zoom(0.8)),
                                ("Collapse all", "Close every opened layer", self.collapse_all),
                                ("Export…", "Export as PNG, SVG, PDF or DOT",
                                 self.export_dialog)):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            buttons.append(button)
        self.fit_button, self.zoom_in_button, self.zoom_out_button, self.collapse_all_button, \
            self.export_button = buttons
        self.view = GraphView()
        self.view.nodeClicked.connect(self._node_clicked)
        self.view.nodeActivated.connect(self._node_activated)
        self.status_label = QLabel()
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        top = QHBoxLayout()
        top.addWidget(self.source_combo, 1)
        top.addWidget(self.step_spin)
        top.addWidget(self.follow_check)
        top.addWidget(self.collapse_combo)
        second = QHBoxLayout()
        second.addWidget(self.search_edit, 1)
        for button in buttons:
            second.addWidget(button)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.status_label)
        self.setWidget(body)

    # -- state ------------------------------------------------------------------------------------
    @property
    def source(self) -> int:
        data = self.source_combo.currentData()
        return TAPE if data is None else int(data)

    @property
    def shown_graph(self) -> ExportGraph | None:
        return self.view.graph

    def clear(self) -> None:
        """A new run or trace: forget graphs, steps and the drawing."""
        self._shown = self._pending = self._raw = None
        self._want_seq = None
        self._last_step_end = None
        self._expanded.clear()
        with QSignalBlocker(self.source_combo):
            self.source_combo.clear()
            self.source_combo.addItem("Tape of a step", TAPE)
        self._set_step(0, maximum=0)
        self.follow_check.setChecked(True)
        self.view.show_message("No ops yet: run a script or open a trace.")
        self.status_label.setText("")

    def add_events(self, batch: list[dict]) -> None:
        """New graphs join the list; new ops redraw a followed step at most once a second."""
        graphs = self._session.graphs
        known = self.source_combo.count() - 1
        for index in range(known, len(graphs)):
            event = graphs[index]
            self.source_combo.addItem(
                f"{event['function']} — trace {event['trace_count']} "
                f"({len(event['nodes'])} nodes)", index)
        ends = [e["step"] for e in batch
                if e.get("kind") == "step_end" and e.get("step") is not None]
        if ends:
            self._last_step_end = max(ends + [self._last_step_end or 0])
        if any(e.get("kind") in ("op", "step_end", "graph") for e in batch):
            self._ops_added()

    def _ops_added(self, _start: int = 0, _stop: int = 0) -> None:
        """New ops (or steps, graphs): the step range grows, a followed step is redrawn."""
        latest = max(self._latest_step(), 0)
        if latest != self.step_spin.maximum():
            with QSignalBlocker(self.step_spin):
                self.step_spin.setMaximum(latest)
        # A loading trace is drawn once it is all in: building graphs on the way would
        # take the GIL from the UI thread for nothing.
        if self._session.state != "loading" and not self._follow_timer.isActive():
            self._follow_timer.start()

    def _latest_step(self) -> int:
        steps = self._session.model.ops.steps.data  # the last one only: no pass over all
        return int(steps[-1]) if len(steps) and steps[-1] != NONE else 0

    def _followed_step(self) -> int:
        """The newest training step whose ops are all in: the last one a ``step_end`` closed.

        Not the step after it: what runs there once training is over (Keras' validation
        pass and metric updates, a final evaluation) is no training step... A script that
        never says where its steps end: the newest step, or while it runs the one before.
        """
        latest = self._latest_step()
        if self._last_step_end is not None and self._last_step_end < latest:
            # ...unless a NaN/Inf turned up there: the one thing a debugger must show (the
            # model's bad flags: an evaluation "step" can hold thousands of ops)
            lo, hi = self._step_rows(latest)
            if not self._session.model.ops.bad.data[lo:hi].any():
                return self._last_step_end
            return latest
        if self._session.state != "running" or latest == 0:
            return latest
        steps = self._session.op_steps
        return latest - 1 if np.any(steps == latest - 1) else latest

    def _step_rows(self, step: int) -> tuple[int, int]:
        """The rows of the session's ops that ran in ``step`` (ops are in step order)."""
        steps = self._session.op_steps
        lo, hi = np.searchsorted(steps, step, "left"), np.searchsorted(steps, step, "right")
        return int(lo), int(hi)

    def _ops_of_step(self, step: int) -> list[dict]:
        lo, hi = self._step_rows(step)
        return self._session.ops[lo:hi]

    # -- requests ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Draw the chosen source again if anything it shows changed."""
        self._follow_timer.stop()
        request = self._make_request()
        if request is None:
            return
        current = self._pending or self._shown
        if current is not None and current.key == request.key:
            return
        self._pending = request
        self.status_label.setText("Laying out…")
        self._pool.submit(self._lay_out, request)

    def _make_request(self) -> _Request | None:
        session = self._session
        source = self.source
        collapse = COLLAPSE_MODES[self.collapse_combo.currentText()]
        expanded = frozenset(self._expanded)
        if source == TAPE:
            if self.follow_check.isChecked():
                self._set_step(self._followed_step())
            step = self.step_spin.value()
            ops = self._ops_of_step(step)
            if not ops:
                self._shown = self._pending = None
                what = ("No ops recorded yet." if not session.op_count else
                        f"Step {step} has no recorded ops"
                        + (" (its traced graph ran compiled: pick it above)."
                           if session.graphs else "."))
                self.view.show_message(what)
                self.status_label.setText("")
                return None
            variables = list(session.variables.values())
            title = f"tape, step {step}"
            key = (TAPE, step, len(ops), ops[-1]["seq"], collapse, expanded)

            def build(ops: list[dict] = ops, variables: list[dict] = variables) -> ExportGraph:
                return graph_export.from_op_events(ops, variables, name="tape")

            return _Request(TAPE, step, title, build, collapse, expanded, key)
        event = session.graphs[source]
        summaries = self._latest_summaries(event["graph_id"])
        title = f"{event['function']} (trace {event['trace_count']})"
        health = tuple(sorted((name, bad) for name, s in summaries.items()
                              if (bad := summary_health(s))))
        key = (source, None, health, collapse, expanded)

        def build_traced(event: dict = event, summaries: dict = summaries) -> ExportGraph:
            return graph_export.from_graph_event(event, summaries)

        return _Request(source, None, title, build_traced, collapse, expanded, key)

    def _latest_summaries(self, graph_id: int) -> dict[str, object]:
        """Node name -> summary of its latest run op by op (for health colors)."""
        tag = f"graph:{graph_id}"
        found: dict[str, object] = {}
        store = self._session.model.ops
        keys = store.static_keys
        ours = np.array([key[7] == tag for key in keys], dtype=np.bool_)
        if not ours.any():
            return found
        start = max(0, len(store) - HEALTH_SCAN_LIMIT)
        statics = store.statics.data[start:]
        for row in np.flatnonzero(ours[statics])[::-1]:  # only the latest run's ops are read
            name = keys[statics[row]][1]
            if name not in found:
                found[name] = store.op(start + int(row)).get("summary")
        return found

    def _lay_out(self, request: _Request) -> None:
        """Worker thread: build, collapse, lay out (or take the cached layout)."""
        try:
            raw = request.build()
            graph = _collapsed(raw, request.collapse, request.expanded)
            signature = _signature(graph)
            layout = self._cache.get(signature)
            if layout is None:
                started = time.perf_counter()
                data = graph_export.layout_json(graph)
                layout = Layout.from_json(graph, data, time.perf_counter() - started)
                self._cache[signature] = layout
                while len(self._cache) > LAYOUT_CACHE_SIZE:
                    self._cache.popitem(last=False)
            result: Layout | str = layout
        except Exception as exc:  # noqa: BLE001 - shown in the dock, the run goes on
            raw = graph = None
            result = f"Cannot draw this graph: {exc}"
        try:
            self._relay.send("laidOut", request, raw, graph, result)
        except RuntimeError:
            pass  # the dock was closed while dot ran

    def _on_laid_out(self, request: _Request, raw: ExportGraph | None,
                     graph: ExportGraph | None, result: Layout | str) -> None:
        if self._pending is not request:
            return  # superseded, or the session was cleared meanwhile
        self._pending = None
        shown = self._shown
        # The same picture, a step on, keeps a view the user zoomed or panned; anything else
        # (a step they picked, another source or collapse mode) is fitted whole.
        same = (shown is not None and self.view.graph is not None and not self.view.fitted
                and shown.source == request.source and shown.collapse == request.collapse
                and shown.expanded == request.expanded
                and (shown.step == request.step or self.follow_check.isChecked()))
        self._shown = request
        self._raw = raw
        if isinstance(result, str) or graph is None:
            self.view.show_message(str(result))
            self.status_label.setText(str(result))
            return
        self.view.show_graph(graph, result, keep_view=same)
        collapsed = len(graph) < len(raw) if raw is not None else False
        self.status_label.setText(
            f"{request.title}: {len(graph)} nodes, {len(graph.edges)} edges"
            + (f" ({len(raw)} before collapsing)" if collapsed else "")
            + f" · layout {result.seconds:.2f} s")
        if self._want_seq is not None:
            self._highlight(self._want_seq)
            if not same:
                self.view.zoom_to_selection()
        self.layoutShown.emit()

    # -- user choices -----------------------------------------------------------------------------
    def _source_changed(self) -> None:
        self.step_spin.setEnabled(self.source == TAPE)
        self.follow_check.setEnabled(self.source == TAPE)
        self._expanded.clear()
        self.refresh()

    def _set_step(self, step: int, maximum: int | None = None) -> None:
        """Show ``step`` in the step box without it counting as the user's choice."""
        with QSignalBlocker(self.step_spin):
            self.step_spin.setMaximum(max(self._latest_step(), step) if maximum is None
                                      else maximum)
            self.step_spin.setValue(step)

    def _stop_following(self) -> None:
        with QSignalBlocker(self.follow_check):
            self.follow_check.setChecked(False)

    def _step_chosen(self) -> None:
        self._stop_following()
        self.refresh()

    def _collapse_changed(self) -> None:
        if COLLAPSE_MODES[self.collapse_combo.currentText()] != "layer":
            self._expanded.clear()
        self.refresh()

    def collapse_all(self) -> None:
        """Every layer closed to one box, whatever was shown (opened layers, "Everything",
        or "Auto" on a graph too small to collapse by itself)."""
        self._expanded.clear()
        with QSignalBlocker(self.collapse_combo):
            self.collapse_combo.setCurrentText("By layer")
        self.refresh()

    def _fit(self) -> None:
        self.view.fit()

    def show_source(self, source: int, step: int | None = None) -> None:
        """Switch to the tape (of ``step``; None keeps following) or a traced graph."""
        if step is not None:
            self._set_step(step)
            self._stop_following()
        row = self.source_combo.findData(source)
        if row >= 0 and row != self.source_combo.currentIndex():
            self.source_combo.setCurrentIndex(row)  # refreshes
        else:
            self.refresh()

    # -- selection --------------------------------------------------------------------------------
    def select_op(self, seq: int) -> None:
        """Highlight op ``seq``'s node, switching to the graph or step that holds it."""
        op = self._session.op_by_seq(seq)
        if op is None:
            return
        self._want_seq = seq
        where = op.get("exec") or "eager"
        if where.startswith("graph:"):
            index = self._graph_index(int(where.split(":", 1)[1]))
            if index is not None:
                if self.source != index:
                    self.show_source(index)
                    return
                self._highlight(seq)
                return
        step = int(op.get("step") or 0)
        if self.source != TAPE or (self._shown is not None and self._shown.step != step):
            self.show_source(TAPE, step if step != self._followed_step() else None)
            return
        self._highlight(seq)

    def _graph_index(self, graph_id: int) -> int | None:
        graphs = self._session.graphs
        for index in range(len(graphs) - 1, -1, -1):
            if graphs[index]["graph_id"] == graph_id:
                return index
        return None

    def _node_id_of(self, seq: int) -> str | None:
        op = self._session.op_by_seq(seq)
        if op is None:
            return None
        if self.source == TAPE:
            return f"op{seq}"
        for node in all_nodes(self._session.graphs[self.source]["nodes"]):  # If/While's too
            if node["name"] == op["name"]:
                return f"op{node['id']}"
        return None

    def _highlight(self, seq: int) -> None:
        node_id = self._node_id_of(seq)
        graph = self.view.graph
        if node_id is None or graph is None:
            return
        if node_id not in self.view.node_items:  # collapsed: its layer's box
            node_id = next((n.id for n in graph.nodes if node_id in n.members), None)
        self.view.select_node(node_id)

    def _node_clicked(self, node_id: str) -> None:
        graph = self.view.graph
        if graph is None:
            return
        node = graph.node(node_id)
        if node.kind == "cluster":
            self.status_label.setText(f"{node.name}: {node.count} nodes — double-click to "
                                      f"open")
            return
        seq = self._seq_of_node(node_id)
        if seq is None:
            self.status_label.setText(f"{node.op} {node.name}: not run op by op "
                                      f"(no op event to show)")
            return
        self._want_seq = seq
        self.opSelected.emit(seq)

    def _seq_of_node(self, node_id: str) -> int | None:
        if not node_id.startswith("op") or not node_id[2:].isdigit():
            return None  # a variable or an outside tensor
        if self.source == TAPE:
            return int(node_id[2:])
        event = self._session.graphs[self.source]
        wanted = int(node_id[2:])
        name = next((n["name"] for n in all_nodes(event["nodes"]) if n["id"] == wanted), None)
        tag = f"graph:{event['graph_id']}"
        for op in reversed(self._session.ops):
            if op.get("exec") == tag and op["name"] == name:
                return int(op["seq"])
        return None

    def _node_activated(self, node_id: str) -> None:
        graph = self.view.graph
        if graph is None:
            return
        node = graph.node(node_id)
        if node.kind == "cluster" and node.scope and not node.scope.endswith("*"):
            self._expanded.add(node.scope)
            with QSignalBlocker(self.collapse_combo):
                self.collapse_combo.setCurrentText("By layer")
            self.refresh()
        elif node.kind != "cluster":
            self._node_clicked(node_id)

    def find_next(self) -> str | None:
        """Select the next node whose label contains the search text (Enter repeats)."""
        text = self.search_edit.text().strip().lower()
        graph = self.view.graph
        if not text or graph is None:
            return None
        nodes = [n for n in graph.nodes if text in n.label.lower() or text in n.scope.lower()]
        if not nodes:
            self.status_label.setText(f"No node matches “{self.search_edit.text()}”")
            return None
        node = nodes[self._search_from % len(nodes)]
        self._search_from += 1
        self.view.select_node(node.id)
        self.view.zoom_to_selection()  # a hit in a fitted big graph would be a speck
        self.status_label.setText(f"{node.op or node.name}: match "
                                  f"{(self._search_from - 1) % len(nodes) + 1} of {len(nodes)}")
        return node.id

    # -- export -----------------------------------------------------------------------------------
    def export_dialog(self) -> ExportDialog | None:
        """Ask where and how, then export in the worker (``exportFinished`` tells)."""
        if self._raw is None or self._shown is None:
            self.status_label.setText("Nothing to export yet: no graph is drawn.")
            return None
        dialog = ExportDialog(self._shown.title, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.export_to(dialog.path, dialog.format,
                                                       dialog.collapse))
        dialog.open()
        return dialog

    def export_to(self, path: str | Path, format: str | None = None,
                  collapse: str = "shown") -> bool:
        """Write the drawn graph (``collapse``: shown, auto, layer, none) in the worker."""
        if self._raw is None or self._shown is None or self.view.graph is None:
            return False
        if collapse == "shown":
            source, how = self.view.graph, False
        else:
            source, how = self._raw, {"auto": "auto", "layer": True, "none": False}[collapse]
        title = self._shown.title
        self.status_label.setText(f"Exporting to {path}…")
        self._pool.submit(self._export, source, Path(path), format, how, title)
        return True

    def _export(self, source: ExportGraph, path: Path, format: str | None, how: bool | str,
                title: str) -> None:
        try:
            written = graph_export.export(source, path, format, collapse=how, title=title)
            self._relay.send("exported", str(written), "")
        except (OSError, ValueError, graph_export.GraphExportError) as exc:
            self._relay.send("exported", str(path), str(exc))

    def _on_exported(self, path: str, error: str) -> None:
        if error:
            self.status_label.setText(f"Export failed: {error}")
            self._session.errorRaised.emit("Export failed", f"Could not export to {path}:\n"
                                                            f"{error}")
        else:
            self.status_label.setText(f"Exported {path}")
        self.exportFinished.emit(path, error)
