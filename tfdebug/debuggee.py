"""The debuggee on real TensorFlow: ``python -m tfdebug.debuggee script.py args...``.

The same command line, socket protocol and trace file as ``debugger.debuggee``; the
difference is what runs the script — real TensorFlow, ``import tensorflow`` left alone —
and what watches it: ``tfdebug.probe.TFProbe`` in place of the engine's probe. The live
session is the engine debuggee's ``DebugSession`` with that probe, so pause, step op and
breakpoints work on eager ops the same way (the script's thread blocks in the op
callback). Ops of compiled functions report from TensorFlow's runtime: they are shown and
NaN/Inf in them is found with its op and line, but a live run does not stop inside one.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

from debugger import lifecycle, protocol
from debugger.debuggee import (
    DebugSession,
    build_parser,
    serve,
)
from debugger.debuggee import (
    record as engine_record,
)
from tfdebug import TensorFlowMissing, require_tensorflow


class TFDebugSession(DebugSession):
    """``DebugSession`` watching real TensorFlow through ``TFProbe``."""

    def __init__(self, conn: protocol.Connection, script: Path, settings: dict) -> None:
        super().__init__(conn, script, settings)
        from tfdebug.probe import TFProbe

        snapshots = self.probe.snapshots  # the step diff's budget, as the settings asked
        self.probe = TFProbe(self._queue_event, mode=self.user_mode,  # type: ignore[assignment]
                             ring_steps=int(settings.get("ring_steps", 3)))
        self.probe.snapshots = snapshots
        self.probe.on_check_numerics = self._check_numerics
        self.probe.graph_run_listener = self._compiled_run_ended
        self.probe.after_sink = self._on_event  # where the script may pause: outside the lock
        self._told_unjudged: set[str] = set()  # functions a condition could not judge

    def _apply_settings(self) -> None:
        """As the engine's, and: a condition breakpoint needs compiled ops' values, so
        functions traced while one is set feed them to their reports."""
        super()._apply_settings()
        self.probe.values_in_graphs = any(  # type: ignore[attr-defined]
            bp.enabled and bp.kind == "condition" for bp in self.breakpoints.items)

    def _script_location(self) -> tuple[str, int]:
        """The user's line now: frames of TensorFlow, Keras and Tapescope skipped."""
        from tfdebug.source import stack_site

        return stack_site(2)

    def _queue_event(self, event: dict) -> None:
        """TFProbe's sink, under its lock: queue the event (pausing is ``after_sink``'s)."""
        self._buffer_event(event)

    def _compiled_run_ended(self, run: list[dict]) -> None:
        """A compiled function returned: a step batch stops after the step it ended, else
        its ops meet the breakpoints now, in order, and the first that fires pauses the run
        there — after the function, since TensorFlow runs it to the end (its updates are
        done)."""
        if (self._paused or self._finishing
                or threading.get_ident() != self._script_thread):
            return
        if self._stepping == "batch":  # a compiled train step ended its step: stop after it
            step_end = next((e for e in run if e["kind"] == "step_end"), None)
            if step_end is not None:
                self.pause("step_batch", step_end)
                return
        conditions = any(bp.enabled and bp.kind == "condition"
                         for bp in self.breakpoints.items)
        for event in run if self.breakpoints else ():
            if event["kind"] != "op":
                continue
            if conditions:
                self._tell_unjudged(event)
            hit = self.breakpoints.check(event, lambda e: self.probe.value(e["seq"], 0))
            if hit is not None:
                self.emit("output", stream="debugger", text=(
                    f"tapescope: breakpoint at {event['op']} ({event['name']}), line "
                    f"{event['line']}, inside a compiled function: paused when it returned "
                    "(TensorFlow runs a compiled function to its end)\n"))
                self._last_op = event
                self.pause("breakpoint", event, hit)
                return


    def _tell_unjudged(self, event: dict) -> None:
        """A condition meets an op of a function traced before any was set: its reports
        carry no values, so the condition passes it. Said once per function, not silently."""
        function = self.probe.unjudged_function(event["exec"])  # type: ignore[attr-defined]
        if function is None or function in self._told_unjudged:
            return
        self._told_unjudged.add(function)
        self.emit("output", stream="debugger", text=(
            f"tapescope: condition breakpoints cannot judge the ops of tf.function "
            f"{function}: it was traced before a condition was set, so its ops hand no "
            "values (restart the run to judge them)\n"))


def record(script: Path, args: list[str], output: Path, mode: str = "CONCISE_HEALTH",
           progress: bool = False, cwd: Path | None = None, break_on_nan: bool = False,
           max_size: int | None = None, conditions: tuple[str, ...] | list[str] = ()) -> int:
    """Run the script headless on TensorFlow, every event into a trace file: the engine
    debuggee's recorder with ``TFProbe`` in place of the engine's probe; the exit code
    (``EXIT_STOPPED`` when ``break_on_nan`` or a condition ended the run). A condition
    judges eager ops and, inside compiled functions, each op's first output (fed to its
    report for this); a compiled op's inputs are not kept."""
    from tfdebug.probe import TFProbe

    def make_probe(sink: Any, probe_mode: str, value_sink: Any) -> TFProbe:
        probe = TFProbe(sink, mode=probe_mode, ring_steps=0, value_sink=value_sink)
        probe.values_in_graphs = bool(conditions)
        return probe

    return engine_record(script, args, output, mode, progress, cwd, break_on_nan, conditions,
                         max_size, make_probe=make_probe, meta_extra={"backend": "tensorflow"})


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parser.prog = "python -m tfdebug.debuggee"
    options = parser.parse_args(argv)
    script = options.script.resolve()
    if not script.is_file():
        print(f"tapescope debuggee: no script at {options.script}", file=sys.stderr)
        return 2
    try:
        require_tensorflow()
    except TensorFlowMissing as exc:
        print(f"tapescope: error: {exc}", file=sys.stderr)
        return 2
    if options.parent_fd is not None:
        lifecycle.watch_parent(options.parent_fd)
    if options.record is not None:
        return record(script, options.args, options.record.resolve(), options.mode,
                      options.progress, options.cwd, options.break_on_nan, options.max_size,
                      options.conditions)
    return serve(script, options, TFDebugSession)


if __name__ == "__main__":
    sys.exit(main())
