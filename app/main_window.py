"""MainWindow: the Session, every dock, the debugger's toolbar, menus and status bar."""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStyle,
    QToolBar,
    QWidget,
)

from app.docks.breakpoints_dock import BreakpointsDock
from app.docks.busy_bar import BusyBar
from app.docks.console_dock import ConsoleDock
from app.docks.findings_dock import FindingsDock
from app.docks.gradients_dock import GradientsDock
from app.docks.graph_dock import GraphDock
from app.docks.live_text import LiveText
from app.docks.ops_dock import OpsDock
from app.docks.plots_dock import PlotsDock
from app.docks.redraw_throttle import RedrawThrottle
from app.docks.source_dock import SourceDock
from app.docks.tensor_dock import TensorDock
from app.docks.variables_dock import VariablesDock
from app.session import (
    FINISHED,
    IDLE,
    LIVE_STATES,
    LOADING,
    PAUSED,
    RUNNING,
    STARTING,
    TRACE,
    Session,
)
from debugger.debuggee import syntax_error_line, syntax_error_of
from debugger.events import MODES

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "examples"
ICON_PATH = ROOT / "assets" / "tapescope.svg"
MAX_RECENT_FILES = 8
# Bump when the set of docks or the default layout changes: an old saved layout is then
# ignored, not half-applied (2: Tensor and Plots the window's full height on the right).
LAYOUT_VERSION = 2
SCRIPT_FILTER = "Python scripts (*.py)"
TRACE_FILTER = "Tapescope traces (*.tsdb *.trace *.sqlite);;All files (*)"
RATE_INTERVAL_MS = 500
PROGRESS_INTERVAL_MS = 250
DEFAULT_SIZE = QSize(1400, 900)

STATE_TEXT = {
    IDLE: "No script", LOADING: "Loading trace…", TRACE: "Trace (post-mortem)",
    STARTING: "Starting…", RUNNING: "Running", PAUSED: "Paused", FINISHED: "Finished",
}


def app_settings() -> QSettings:
    """The one place settings live (an INI file, so tests can point it at a tmp dir)."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                     "Tapescope", "Tapescope")


class MainWindow(QMainWindow):
    """Tapescope's window: docks a user can move, run controls, recent files, errors."""

    def __init__(self, session: Session | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Tapescope")
        if ICON_PATH.is_file():
            self.setWindowIcon(QIcon(str(ICON_PATH)))
        self.session = session if session is not None else Session(self)
        self.error_dialogs: list[QMessageBox] = []
        self._syncing_selection = False
        self._run_finished_status = ""
        self._rate_ops = 0
        self._rate_time = time.monotonic()
        self._ops_per_second = 0.0

        # Sized before the docks are placed: laid out at Qt's default size first, a second
        # tab group keeps a stray tab bar at its old place (seen with Qt 6.11).
        self.resize(DEFAULT_SIZE)
        self._build_docks()
        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._wire()
        self.restore_settings()
        self._on_state(self.session.state)

    # -- construction ---------------------------------------------------------------------------
    def _build_docks(self) -> None:
        session = self.session
        self.setDockNestingEnabled(True)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowNestedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)
        self.ops_dock = OpsDock(session, self)
        self.graph_dock = GraphDock(session, self)
        self.tensor_dock = TensorDock(session, self)
        self.plots_dock = PlotsDock(session, self)
        self.gradients_dock = GradientsDock(session, self)
        self.variables_dock = VariablesDock(session, self)
        self.source_dock = SourceDock(session, self)
        self.console_dock = ConsoleDock(session, self)
        self.breakpoints_dock = BreakpointsDock(session, self, settings=app_settings)
        self.findings_dock = FindingsDock(session, self)
        self.docks: dict[str, QDockWidget] = {
            "ops": self.ops_dock, "graph": self.graph_dock, "tensor": self.tensor_dock,
            "plots": self.plots_dock, "gradients": self.gradients_dock,
            "variables": self.variables_dock, "source": self.source_dock,
            "console": self.console_dock, "breakpoints": self.breakpoints_dock,
            "findings": self.findings_dock,
        }
        for name, dock in self.docks.items():
            # saveState/restoreState find docks by object name.
            dock.setObjectName(f"{name}Dock")
            dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                             | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                             | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self._lay_out_docks()

    def _lay_out_docks(self) -> None:
        """Ops and Graph side by side with Source and Console below them; Tensor over the
        Plots/Gradients/Variables tabs on the right, the window's full height (its charts
        need it more than Source needs the width). The tabs are made once the window shows
        (``_tab_default_groups``)."""
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        self.setCorner(Qt.Corner.TopRightCorner, right)
        self.setCorner(Qt.Corner.BottomRightCorner, right)
        for dock in self.docks.values():
            dock.setFloating(False)
        for dock in (self.ops_dock, self.graph_dock):
            self.addDockWidget(left, dock)
        for dock in (self.tensor_dock, self.plots_dock, self.gradients_dock,
                     self.variables_dock):
            self.addDockWidget(right, dock)
        for dock in (self.source_dock, self.console_dock, self.breakpoints_dock,
                     self.findings_dock):
            self.addDockWidget(bottom, dock)
        self.splitDockWidget(self.ops_dock, self.graph_dock, horizontal)
        self.splitDockWidget(self.tensor_dock, self.plots_dock, vertical)
        self.splitDockWidget(self.source_dock, self.console_dock, horizontal)
        # The docks that become tabs wait hidden: stacked in the meantime, their minimum
        # heights added up would stretch the window past a laptop's screen.
        for dock in self.docks.values():
            dock.setVisible(dock not in self._tabbed_later())
        self._tabs_pending = True  # sized then too: sizes asked of a hidden window grow it

    def _tabbed_later(self) -> tuple[QDockWidget, ...]:
        return (self.gradients_dock, self.variables_dock, self.breakpoints_dock,
                self.findings_dock)

    def _size_default_docks(self) -> None:
        """Share the window out in proportions, so the default layout suits a 1366x768
        laptop as well as a 1920x1200 monitor (each dock's minimum size is the floor)."""
        horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        self._share([self.ops_dock, self.graph_dock, self.tensor_dock], [31, 33, 36], horizontal)
        self._share([self.source_dock, self.console_dock], [53, 47], horizontal)
        self._share([self.graph_dock, self.source_dock], [72, 28], vertical)
        self._share([self.tensor_dock, self.plots_dock], [42, 58], vertical)

    def _share(self, docks: list[QDockWidget], weights: list[int],
               orientation: Qt.Orientation) -> None:
        """Resize ``docks`` in proportion to ``weights`` within the room they fill now: asking
        for more than that would make Qt grow the window past the screen."""
        def length(dock: QDockWidget) -> int:
            return dock.width() if orientation == Qt.Orientation.Horizontal else dock.height()

        room = sum(length(dock) for dock in docks)
        total = sum(weights)
        self.resizeDocks(docks, [room * weight // total for weight in weights], orientation)

    def _tab_default_groups(self) -> None:
        """Plots/Gradients/Variables and Console/Breakpoints/Findings as tabs.

        Deferred until the window is shown (or its layout saved): with Qt 6.11, tabbing docks
        of a window that was never shown leaves a stray tab bar at the old place."""
        if not self._tabs_pending:
            return
        self._tabs_pending = False
        self.tabifyDockWidget(self.plots_dock, self.gradients_dock)
        self.tabifyDockWidget(self.plots_dock, self.variables_dock)
        self.tabifyDockWidget(self.console_dock, self.breakpoints_dock)
        self.tabifyDockWidget(self.console_dock, self.findings_dock)
        for dock in self._tabbed_later():
            dock.show()
        self.plots_dock.raise_()
        self.console_dock.raise_()
        self._size_default_docks()

    def _action(self, text: str, slot: object, shortcut: QKeySequence | str | None = None,
                icon: QStyle.StandardPixmap | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        tip = tip or text.replace("&", "")
        if shortcut is not None:
            tip += f" ({action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work wherever the focus is
        return action

    def _build_actions(self) -> None:
        pixmap = QStyle.StandardPixmap
        session = self.session
        self.run_action = self._action("&Run", self._run_or_continue, "F5",
                                       pixmap.SP_MediaPlay, "Run / continue")
        self.pause_action = self._action("&Pause", session.pause, "F6", pixmap.SP_MediaPause)
        self.step_op_action = self._action("Step &op", session.step_op, "F10",
                                           pixmap.SP_ArrowRight, "Run one op")
        self.step_batch_action = self._action("Step &batch", session.step_batch, "F11",
                                              pixmap.SP_MediaSeekForward,
                                              "Run to the end of this training step")
        self.step_epoch_action = self._action("Step &epoch", session.step_epoch, "Shift+F11",
                                              pixmap.SP_MediaSkipForward,
                                              "Run to the end of this epoch")
        self.stop_action = self._action("&Stop", session.stop, "Shift+F5",
                                        pixmap.SP_MediaStop)
        self.restart_action = self._action("Res&tart", session.restart, "Ctrl+Shift+F5",
                                           pixmap.SP_BrowserReload)
        self.run_actions = (self.run_action, self.pause_action, self.step_op_action,
                            self.step_batch_action, self.step_epoch_action, self.stop_action,
                            self.restart_action)

        self.open_script_action = self._action("Open &script…", self.open_script_dialog,
                                               QKeySequence.StandardKey.Open,
                                               pixmap.SP_DialogOpenButton)
        self.open_trace_action = self._action("Open &trace…", self.open_trace_dialog,
                                              "Ctrl+Shift+O")
        self.export_graph_action = self._action("&Export graph…", self.export_graph, "Ctrl+E")
        self.export_graph_action.setEnabled(hasattr(self.graph_dock, "export_dialog"))
        self.quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.reset_layout_action = self._action("&Reset layout", self.reset_layout)
        self.jump_bad_action = self._action("Jump to first &NaN/Inf",
                                            self.ops_dock.jump_to_first_bad, "Ctrl+J")

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.open_script_action)
        file_menu.addAction(self.open_trace_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.examples_menu = file_menu.addMenu("E&xamples")
        for script in sorted(EXAMPLES_DIR.glob("*.py")):
            action = self.examples_menu.addAction(script.stem.replace("_", " "))
            action.setToolTip(str(script))
            action.triggered.connect(lambda _=False, path=script: self.open_path(path))
        self.examples_menu.setEnabled(not self.examples_menu.isEmpty())
        file_menu.addSeparator()
        file_menu.addAction(self.export_graph_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self._rebuild_recent_menu()

        debug_menu = bar.addMenu("&Debug")
        for action in self.run_actions:
            debug_menu.addAction(action)
        debug_menu.addSeparator()
        debug_menu.addAction(self.jump_bad_action)

        view_menu = bar.addMenu("&View")
        for dock in self.docks.values():
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(self.reset_layout_action)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction("&About Tapescope", self._about)

    def _build_toolbar(self) -> None:
        self.toolbar = QToolBar("Debug", self)
        self.toolbar.setObjectName("debugToolBar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in self.run_actions:
            self.toolbar.addAction(action)
        self.toolbar.addSeparator()
        self.toolbar.addWidget(QLabel(" Tensor mode "))
        self.mode_combo = QComboBox()
        self.mode_combo.addItems(MODES)
        self.mode_combo.setCurrentText(self.session.mode)
        self.mode_combo.setToolTip("How much each op event says about its outputs (as "
                                   "tfdbg2's tensor debug modes)")
        self.toolbar.addWidget(self.mode_combo)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.toolbar)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.state_label = QLabel()
        # Counters change while a run streams: LiveText repaints, a QLabel would re-lay out
        # the whole window on each change.
        self.step_label = LiveText()
        self.epoch_label = LiveText()
        self.ops_label = LiveText()
        self.rate_label = LiveText()
        self.progress = BusyBar()  # a busy run animates it at 4 frames a second, not 60
        self.progress.setMaximumWidth(140)
        self.progress.setTextVisible(False)
        self.progress.hide()
        self._trace_progress = (0, 0)  # (events loaded, in the trace), shown a few times a second
        self._progress_redraw = RedrawThrottle(self._show_trace_progress, self,
                                               PROGRESS_INTERVAL_MS)
        for widget in (self.state_label, self.step_label, self.epoch_label, self.ops_label,
                       self.rate_label, self.progress):
            status.addPermanentWidget(widget)
        self._counter_timer = QTimer(self)
        self._counter_timer.setInterval(RATE_INTERVAL_MS)
        self._counter_timer.timeout.connect(self._update_counters)
        self._counter_timer.start()
        self._update_counters()

    def _wire(self) -> None:
        session = self.session
        session.stateChanged.connect(self._on_state)
        session.runPaused.connect(self._on_paused)
        session.runFinished.connect(self._on_finished)
        session.errorRaised.connect(self.show_error)
        session.traceProgress.connect(self._on_trace_progress)
        session.modeChanged.connect(self._on_mode_changed)
        self.mode_combo.currentTextChanged.connect(self._on_mode_chosen)
        self.ops_dock.opSelected.connect(lambda seq: self.select_op(seq, self.ops_dock))
        self.variables_dock.variableSelected.connect(self.show_variable)
        for dock in (self.graph_dock, self.tensor_dock, self.findings_dock):
            signal = getattr(dock, "opSelected", None)
            if signal is not None:
                signal.connect(lambda seq, origin=dock: self.select_op(seq, origin))
        for dock in self.docks.values():
            clear = getattr(dock, "clear", None)
            if callable(clear) and dock is not self.ops_dock:
                session.eventsCleared.connect(clear)
        session.eventsCleared.connect(self.statusBar().clearMessage)  # "Paused at" the old run

    # -- opening things -------------------------------------------------------------------------
    def open_path(self, path: str | os.PathLike, args: Sequence[str] = ()) -> bool:
        """Open a script (live, paused before its first line) or a trace (post-mortem)."""
        path = Path(path)
        if path.suffix == ".py":
            if path.is_file() and not self._compiles(path):
                return False
            self.breakpoints_dock.open_script(path if path.is_file() else None)
            opened = self.session.launch(path, args, self.mode_combo.currentText())
        else:
            opened = self.session.open_trace(path)
        if opened:
            self._remember_recent(path)
            self.setWindowTitle(f"{path.name} — Tapescope")
        return opened

    def _compiles(self, script: Path) -> bool:
        """Whether the script compiles; if not, say where, before anything runs."""
        error = syntax_error_of(script)
        if error is None:
            return True
        context = "".join(traceback.format_exception_only(type(error), error))
        self.show_error(f"Syntax error in {script.name}, line {error.lineno}",
                        f"{syntax_error_line(error)}\n\n{context.rstrip()}")
        self.statusBar().showMessage(syntax_error_line(error), 8000)
        return False

    def open_script_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open script", self._last_directory(),
                                              SCRIPT_FILTER)
        if path:
            self.open_path(path)

    def open_trace_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open trace", self._last_directory(),
                                              TRACE_FILTER)
        if path:
            self.open_path(path)

    def export_graph(self) -> None:
        export = getattr(self.graph_dock, "export_dialog", None)
        if callable(export):
            export()

    def _last_directory(self) -> str:
        recent = self.recent_files()
        return str(Path(recent[0]).parent) if recent else str(Path.cwd())

    def recent_files(self) -> list[str]:
        value = app_settings().value("recentFiles", [])
        if isinstance(value, str):  # QSettings returns a lone string for a 1-item list
            value = [value]
        return [str(v) for v in value or []]

    def _remember_recent(self, path: Path) -> None:
        resolved = str(path.resolve())
        recent = [resolved] + [p for p in self.recent_files() if p != resolved]
        app_settings().setValue("recentFiles", recent[:MAX_RECENT_FILES])
        self._rebuild_recent_menu()

    def _rebuild_recent_menu(self) -> None:
        self.recent_menu.clear()
        for recent in self.recent_files():
            action = self.recent_menu.addAction(recent)
            action.triggered.connect(lambda _=False, path=recent: self.open_path(path))
        if self.recent_menu.isEmpty():
            placeholder = self.recent_menu.addAction("No recent files")
            placeholder.setEnabled(False)
        else:
            self.recent_menu.addSeparator()
            self.recent_menu.addAction("Clear list", self._clear_recent)

    def _clear_recent(self) -> None:
        app_settings().remove("recentFiles")
        self._rebuild_recent_menu()

    # -- selection shared by the docks ----------------------------------------------------------
    def select_op(self, seq: int, origin: object = None) -> None:
        """Show op ``seq`` everywhere: Ops row, graph node, tensor values, source line."""
        if self._syncing_selection:
            return
        self._syncing_selection = True
        try:
            if origin is not self.ops_dock:
                self.ops_dock.select_op(seq)
            if origin is not self.graph_dock:
                self.graph_dock.select_op(seq)
            self.tensor_dock.show_op(seq)
            self.source_dock.show_op(seq)
        finally:
            self._syncing_selection = False

    def show_variable(self, var_id: int) -> None:
        """A variable picked in the Variables dock: its statistics and history in Tensor."""
        self.tensor_dock.show_variable(var_id)
        self.tensor_dock.show()
        self.tensor_dock.raise_()

    # -- run state ------------------------------------------------------------------------------
    def _run_or_continue(self) -> None:
        paused = self.session.paused_event
        if self.session.state == PAUSED and paused and paused.get("reason") != "start":
            self.session.continue_()
        else:
            self.session.run()

    def _on_state(self, state: str) -> None:
        # A loading trace shows in the Ops table and the progress bar as its parts land; the
        # charts are painted once it is in (a chart's repaint costs more than its part).
        for dock in (self.plots_dock, self.gradients_dock, self.variables_dock):
            dock.widget().setUpdatesEnabled(state != LOADING)
        live = state in LIVE_STATES
        paused = state == PAUSED
        reason = (self.session.paused_event or {}).get("reason") if paused else None
        at_start = reason == "start"
        # Stopped on a fatal error (post-mortem): there is nothing left to run, only to see.
        can_go_on = paused and reason != "exception"
        self.run_action.setEnabled(can_go_on or state == FINISHED)
        self.run_action.setText("&Continue" if paused and not at_start else "&Run")
        self.pause_action.setEnabled(state == RUNNING)
        for action in (self.step_op_action, self.step_batch_action, self.step_epoch_action):
            action.setEnabled(can_go_on)
        self.stop_action.setEnabled(state in (STARTING, RUNNING, PAUSED))
        self.restart_action.setEnabled(live)
        self.mode_combo.setEnabled(state not in (LOADING, TRACE))
        busy = state in (STARTING, RUNNING, LOADING)
        self.progress.setVisible(busy)
        self.progress.setRange(0, 0)  # busy; a loading trace reports real progress
        if state == FINISHED and self._run_finished_status:
            text = f"Finished ({self._run_finished_status})"
        elif state == PAUSED and self.session.paused_event:
            text = self.session.describe_pause()
        else:
            text = STATE_TEXT.get(state, state)
        stop = self._headless_stop() if state == TRACE else None
        if stop is not None:  # `record --break-on-nan / --break` ended the run here
            text = f"{text}: stopped at {stop.get('op')}, line {stop.get('line')}"
        self.state_label.setText(text)
        if stop is not None:
            self.statusBar().showMessage(str(stop.get("detail") or ""))
            self.select_op(int(stop["at_seq"]))
        if state in (STARTING, LOADING):
            self._run_finished_status = ""
            self._rate_ops, self._rate_time = 0, time.monotonic()
            self._ops_per_second = 0.0
        if state == PAUSED:
            self.ops_dock.set_follow(False)
        elif state == RUNNING:
            self.ops_dock.set_follow(True)
            self.statusBar().clearMessage()  # a note about where it stood is stale now
        self._update_counters()

    def _headless_stop(self) -> dict | None:
        """The trace's ``finished`` event when a headless breakpoint stopped the run."""
        finished = getattr(self.session.model, "finished", None)
        if isinstance(finished, dict) and finished.get("status") == "stopped" and \
                isinstance(finished.get("at_seq"), int):
            return finished
        return None

    def _on_paused(self, _paused: dict) -> None:
        """Status bar, Source and Ops name the same op and line (``Session.paused_op``)."""
        self._on_state(self.session.state)  # Run vs Continue and the words depend on why
        op = self.session.paused_op
        if op is not None:
            self.select_op(int(op["seq"]))

    def _on_finished(self, status: str) -> None:
        self._run_finished_status = status
        self._on_state(self.session.state)

    def _on_trace_progress(self, loaded: int, total: int) -> None:
        # A progress bar repaints the status bar at once on each new value: a few times a
        # second is plenty, not once per page of the trace.
        self._trace_progress = (loaded, total)
        self._progress_redraw.request()

    def _show_trace_progress(self) -> None:
        loaded, total = self._trace_progress
        if self.session.state == LOADING and total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(loaded)

    def _on_mode_chosen(self, mode: str) -> None:
        if self.session.state not in (LOADING, TRACE) and mode in MODES:
            self.session.set_mode(mode)

    def _on_mode_changed(self, mode: str) -> None:
        blocked = self.mode_combo.blockSignals(True)
        self.mode_combo.setCurrentText(mode)
        self.mode_combo.blockSignals(blocked)

    def _update_counters(self) -> None:
        session = self.session
        ops = session.op_count
        now = time.monotonic()
        elapsed = now - self._rate_time
        if elapsed >= RATE_INTERVAL_MS / 1000 * 0.8:
            fresh = (ops - self._rate_ops) / elapsed
            # smoothed, and dropped to 0 at once when nothing runs
            self._ops_per_second = fresh if session.state != RUNNING else (
                0.5 * self._ops_per_second + 0.5 * fresh)
            self._rate_ops, self._rate_time = ops, now
        self.step_label.setText(f"Step {session.step}")
        self.epoch_label.setText(f"Epoch {session.epoch}")
        self.ops_label.setText(f"{ops:,} ops")
        self.rate_label.setText(f"{self._ops_per_second:,.0f} ops/s")

    # -- errors ---------------------------------------------------------------------------------
    def show_error(self, title: str, text: str) -> QMessageBox:
        """A non-blocking dialog (the run and the UI go on); long details fold away."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, "", QMessageBox.StandardButton.Ok,
                          self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        cut = text.find("Traceback (most recent call last)")
        if cut < 0 and text.count("\n") > 15:
            cut = text.find("\n\n")
        if cut > 0:  # the gist up front, the long part behind "Show Details…"
            box.setText(text[:cut].strip())
            box.setDetailedText(text[cut:].strip())
        else:
            box.setText(text)
        box.setWindowModality(Qt.WindowModality.NonModal)
        self.error_dialogs.append(box)
        box.destroyed.connect(lambda _=None, b=box: self._forget_dialog(b))
        box.show()
        return box

    def _forget_dialog(self, box: QMessageBox) -> None:
        if box in self.error_dialogs:
            self.error_dialogs.remove(box)

    def _about(self) -> None:
        QMessageBox.about(self, "About Tapescope",
                          "Tapescope — a visual debugger for eager autodiff.\n\n"
                          "Every op, tensor, gradient and traced graph of a training script, "
                          "live or from a recorded trace.")

    # -- layout and settings --------------------------------------------------------------------
    def reset_layout(self) -> None:
        """Every dock back where a new window puts it."""
        self._lay_out_docks()
        if self.isVisible():
            self._tab_default_groups()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._tab_default_groups()

    def restore_settings(self) -> None:
        settings = app_settings()
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(DEFAULT_SIZE)
        state = settings.value("window/state")
        if isinstance(state, QByteArray) and not state.isEmpty():
            if self.restoreState(state, LAYOUT_VERSION):
                self._tabs_pending = False
        mode = settings.value("session/mode")
        if mode in MODES and not self.session.is_live:
            self.mode_combo.setCurrentText(mode)

    def save_settings(self) -> None:
        self._tab_default_groups()
        settings = app_settings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        settings.setValue("session/mode", self.mode_combo.currentText())
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.save_settings()
        self._counter_timer.stop()
        for box in list(self.error_dialogs):
            box.close()
        self.session.shutdown()
        super().closeEvent(event)
