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

import signal
import sys
import threading
from pathlib import Path
from typing import Any

from debugger import lifecycle, protocol
from debugger.debuggee import (
    EXIT_ERROR,
    EXIT_OK,
    DebugSession,
    ForwardedStream,
    RunProgress,
    build_parser,
    error_fields,
    prepare_script,
    run_script,
    serve,
)
from tfdebug import TensorFlowMissing, require_tensorflow


class TFDebugSession(DebugSession):
    """``DebugSession`` watching real TensorFlow through ``TFProbe``."""

    def __init__(self, conn: protocol.Connection, script: Path, settings: dict) -> None:
        super().__init__(conn, script, settings)
        from tfdebug.probe import TFProbe

        self.probe = TFProbe(self._queue_and_check, mode=self.user_mode,  # type: ignore[assignment]
                             ring_steps=int(settings.get("ring_steps", 3)))
        self.probe.on_check_numerics = self._check_numerics
        self.probe.graph_run_listener = self._compiled_run_ended

    def _queue_and_check(self, event: dict) -> None:
        """TFProbe's sink: queue the event, then let the session pause on it (TFProbe has no
        ``after_sink``: it calls this under its own lock, which only its threads take)."""
        self._buffer_event(event)
        if event["kind"] != "ops":
            self._on_event(event)

    def _compiled_run_ended(self, run: list[dict]) -> None:
        """A compiled function returned: its ops meet the breakpoints now, in order, and the
        first that fires pauses the run there — after the function, since TensorFlow runs
        it to the end (its updates are done)."""
        if (not self.breakpoints or self._paused or self._finishing
                or threading.get_ident() != self._script_thread):
            return
        for event in run:
            hit = self.breakpoints.check(event, lambda e: self.probe.value(e["seq"], 0))
            if hit is not None:
                self.emit("output", stream="debugger", text=(
                    f"tapescope: breakpoint at {event['op']} ({event['name']}), line "
                    f"{event['line']}, inside a compiled function: paused when it returned "
                    "(TensorFlow runs a compiled function to its end)\n"))
                self._last_op = event
                self.pause("breakpoint", event, hit)
                return


def record(script: Path, args: list[str], output: Path, mode: str = "CONCISE_HEALTH",
           progress: bool = False, cwd: Path | None = None, break_on_nan: bool = False,
           max_size: int | None = None) -> int:
    """Run the script headless on TensorFlow, every event into a trace file; the exit code
    (``EXIT_STOPPED`` when ``break_on_nan`` ended the run at the first NaN/Inf)."""
    from debugger.headless_stop import EXIT_STOPPED, HeadlessStop, RunStopped
    from debugger.tracefile import TraceWriter
    from tfdebug.probe import TFProbe

    if break_on_nan and mode in ("NO_TENSOR", "SHAPE"):
        mode = "CURT_HEALTH"  # a NaN breakpoint needs health summaries
    meta: dict[str, Any] = {"script": str(script), "argv": [str(script), *args], "mode": mode,
                            "backend": "tensorflow"}
    if break_on_nan:
        meta["breaks"] = ["first NaN/Inf"]
    writer = TraceWriter(output, overwrite=True, max_bytes=max_size, meta=meta)
    real_out, real_err = sys.stdout, sys.stderr
    shown = RunProgress(real_err) if progress else None
    last_op_seq = 0

    def sink(event: dict) -> None:
        nonlocal last_op_seq
        if event["kind"] == "op":
            last_op_seq = event["seq"]
        writer.write(event)
        if shown is not None:
            shown.count(event)

    probe = TFProbe(sink, mode=mode, ring_steps=0, value_sink=writer.write_value)
    if break_on_nan:
        HeadlessStop(probe, writer.write_value, break_on_nan=True)

    def forward_output(stream: str, text: str) -> None:
        probe.emit("output", stream=stream, text=text)
        if shown is not None:
            shown.clear()
        real = real_out if stream == "stdout" else real_err
        real.write(text)
        real.flush()

    streams = [ForwardedStream("stdout", forward_output, real_out),
               ForwardedStream("stderr", forward_output, real_err)]

    def close_run(status: str, **fields: Any) -> None:
        lifecycle.ignore_termination()
        probe.detach()
        for stream in streams:
            stream.flush()
        sys.stdout, sys.stderr = real_out, real_err
        probe.emit("finished", status=status, **fields)
        writer.close()

    exit_guard = lifecycle.ExitGuard(lambda code: close_run("exited", returncode=code))
    lifecycle.raise_on_sigterm()
    lifecycle.one_sigint_per_keypress()
    prepare_script(script, args, cwd)
    sys.stdout, sys.stderr = streams
    exit_guard.install()
    probe.attach()
    try:
        status, exc = run_script(script)
    finally:
        exit_guard.uninstall()
        lifecycle.ignore_termination()
        probe.detach()
        for stream in streams:
            stream.flush()
        sys.stdout, sys.stderr = real_out, real_err
    if isinstance(exc, lifecycle.Terminated | KeyboardInterrupt):
        signum = getattr(exc, "signum", signal.SIGINT)
        name = signal.Signals(signum).name
        real_err.write(f"tapescope: recording terminated by {name}; the trace holds the run "
                       "up to here\n")
        close_run("terminated", signal=name)
        return lifecycle.exit_code_of(signum)
    # a stop inside a compiled function reaches the script as TensorFlow's error
    stopped = exc if isinstance(exc, RunStopped) else probe.stopped
    if isinstance(stopped, RunStopped):
        close_run("stopped", **stopped.fields)
    else:
        if exc is not None:
            error = error_fields(exc, script)
            probe.emit("error", at_seq=last_op_seq, **error)
            real_err.write(error["traceback"] or error["message"] + "\n")
        close_run(status)
    if shown is not None:
        shown.clear()
        real_err.write(shown.line().replace("recording", "recorded") + f" → {output}\n")
    if isinstance(stopped, RunStopped):
        return EXIT_STOPPED
    return EXIT_OK if status == "ok" else EXIT_ERROR


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
    if options.conditions:
        print("tapescope: error: --break conditions are not supported on the tensorflow "
              "backend yet (--break-on-nan is)", file=sys.stderr)
        return 2
    if options.parent_fd is not None:
        lifecycle.watch_parent(options.parent_fd)
    if options.record is not None:
        return record(script, options.args, options.record.resolve(), options.mode,
                      options.progress, options.cwd, options.break_on_nan, options.max_size)
    return serve(script, options, TFDebugSession)


if __name__ == "__main__":
    sys.exit(main())
