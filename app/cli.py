"""The `tapescope` command line (no Qt here: it must work on a machine without a display).

    tapescope [--backend tensorflow] [script.py [args...] | run.tsdb]   the GUI (default: the
                                                  built-in demo)
    tapescope --terminal script.py [args...]      run the script without the debugger
    tapescope record script.py [-o run.tsdb] [--mode MODE] [--max-size 2G] [--break-on-nan]
                     [--break CONDITION]... [-- args...]
    tapescope record --backend tensorflow script.py ...   the script on real TensorFlow
    tapescope import-tfdbg DUMP_DIR [-o run.tsdb]  a tfdbg2 dump as a trace
    tapescope inspect run.tsdb
    tapescope export-graph script.py|run.tsdb [-o out.svg] [--format svg] [--function NAME]
                           [--step N] [--collapse]

Exit codes: 0 ok, 1 the recorded script raised (its trace is still written) or Graphviz
failed, 2 usage errors (a missing script, a file that is not a trace) with one line on stderr,
3 a damaged trace (what could be read is still shown, the damage counted on stderr).
4 a headless breakpoint (--break-on-nan, --break) stopped the recording (trace written).
130/143 a recording ended by SIGINT/SIGTERM (its trace is complete up to there and says so).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from debugger.events import MODES
from debugger.health import summary_is_bad
from debugger.source_files import SourceFileError, check_regular

DEMO_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "spirals.py"
SUBCOMMANDS = ("record", "inspect", "export-graph", "import-tfdbg")
BACKENDS = ("engine", "tensorflow")  # what runs the script: the numpy engine or real TF
GRAPH_FORMATS = ("png", "svg", "pdf", "dot")
EXIT_OK, EXIT_SCRIPT_FAILED, EXIT_USAGE, EXIT_DAMAGED = 0, 1, 2, 3
EXIT_STOPPED = 4  # = debugger.headless_stop.EXIT_STOPPED (checked by the tests)
TERMINATED_CODES = (128 + 2, 128 + 15)  # the recording ended by SIGINT / SIGTERM


class UsageError(Exception):
    """Something the user gave us is wrong: reported as one line, exit code 2."""


class DamagedTraceError(Exception):
    """The trace's data is damaged: reported as one line, exit code 3."""


DEFAULT_MAX_SIZE = 2 << 30
_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(text: str) -> int:
    """``500M``, ``2G``, ``1.5G``, ``4096`` as bytes (powers of 1024)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?\s*", text)
    if match is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size (e.g. 500M, 2G)")
    size = int(float(match[1]) * _SIZE_UNITS[match[2].upper()])
    if size <= 0:
        raise argparse.ArgumentTypeError(f"the size must be above 0, not {text!r}")
    return size


# -- parsers ------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of `tapescope [script.py]` (running a script)."""
    parser = argparse.ArgumentParser(
        prog="tapescope",
        description="Visual debugger for eager autodiff scripts (`import engine as tf`).",
        epilog="subcommands: record, inspect, export-graph "
               "(see `tapescope SUBCOMMAND --help`)",
    )
    parser.add_argument(
        "--terminal",
        action="store_true",
        help="just run the script in this terminal, without the debugger window",
    )
    parser.add_argument(
        "--backend", choices=BACKENDS, default="engine",
        help="run the script on Tapescope's engine (default) or on real TensorFlow "
             "(needs `pip install tapescope[tensorflow]`)")
    parser.add_argument(
        "script",
        nargs="?",
        type=Path,
        help="script to debug live, or trace file to open post-mortem (default: the "
             "built-in demo, examples/spirals.py: a small Keras MLP learning two spirals "
             "from generated data, no download)",
    )
    parser.add_argument(
        "script_args", nargs=argparse.REMAINDER, help="arguments passed on to the script"
    )
    return parser


def build_subcommand_parsers() -> dict[str, argparse.ArgumentParser]:
    """The parsers of `tapescope record|inspect|export-graph ...` (options may come before or
    after the positional arguments)."""
    record = argparse.ArgumentParser(
        prog="tapescope record",
        description="Run a script headless under the probe, writing every event to a trace "
                    "file. Arguments for the script go after `--`.")
    record.add_argument("script", type=Path)
    record.add_argument("script_args", nargs="*", help="arguments for the script (after --)")
    record.add_argument("-o", "--output", type=Path,
                        help="trace file to write (default: SCRIPT_STEM.tsdb here)")
    record.add_argument("--mode", default="CONCISE_HEALTH", choices=MODES,
                        help="how much each op event says about its outputs")
    record.add_argument("--break-on-nan", action="store_true",
                        help="stop at the first op whose output holds NaN/Inf, keeping the "
                             f"full values of its outputs and inputs (exit code {EXIT_STOPPED})")
    record.add_argument("--break", dest="conditions", action="append", default=[],
                        metavar="CONDITION",
                        help="stop at the first op where CONDITION holds, a Python expression "
                             "over x (the op's first output) and np, as in the window's "
                             "breakpoints, e.g. 'abs(x).max() > 1e3' (records op by op: "
                             "slower)")
    record.add_argument("--backend", choices=BACKENDS, default="engine",
                        help="run the script on Tapescope's engine (default) or on real "
                             "TensorFlow (needs `pip install tapescope[tensorflow]`)")
    record.add_argument("--max-size", type=parse_size, default=DEFAULT_MAX_SIZE,
                        metavar="SIZE",
                        help="size budget of the trace, e.g. 500M or 2G (default 2G): past "
                             "it FULL_TENSOR values are no longer stored, events still are")

    inspect = argparse.ArgumentParser(prog="tapescope inspect",
                                      description="Summarize a trace file in the terminal.")
    inspect.add_argument("trace", type=Path)

    export = argparse.ArgumentParser(
        prog="tapescope export-graph",
        description="Export a traced tf.function graph (default: the last one traced) or the "
                    "ops one training step recorded (--step, default: the last complete "
                    "step) as PNG, SVG, PDF or DOT. A script is recorded first.")
    export.add_argument("source", type=Path, help="a script (.py) or a trace file")
    export.add_argument("-o", "--output", type=Path,
                        help="file to write (default: SOURCE_STEM.FORMAT here)")
    export.add_argument("--format", choices=GRAPH_FORMATS,
                        help="default: the output's suffix, else png")
    export.add_argument("--function", help="the traced function whose graph to draw")
    export.add_argument("--step", type=int, help="draw the ops this training step ran")
    export.add_argument("--collapse", action="store_true",
                        help="collapse layers / name scopes into single nodes")
    tfdbg = argparse.ArgumentParser(
        prog="tapescope import-tfdbg",
        description="Convert a tfdbg2 dump (tf.debugging.experimental.enable_dump_debug_info"
                    ", TensorBoard Debugger V2's format) into a trace the window opens. Needs "
                    "TensorFlow to read the dump.")
    tfdbg.add_argument("dump", type=Path, help="the dump_root directory")
    tfdbg.add_argument("-o", "--output", type=Path,
                       help="trace file to write (default: DUMP_NAME.tsdb here)")
    return {"record": record, "inspect": inspect, "export-graph": export,
            "import-tfdbg": tfdbg}


# -- running a script in the terminal -----------------------------------------------------------

def run_script(path: Path, argv: list[str] | None = None, backend: str = "engine") -> None:
    """Run `path` as `__main__` the way the debuggee does (`sys.argv` and `sys.path` as
    `python path` sets them, `import tensorflow` giving the engine for backend "engine"),
    but here, in the working directory; what the script raises (SystemExit too) is raised
    again."""
    from debugger import debuggee

    if backend == "engine":
        debuggee.alias_tensorflow()
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    debuggee.prepare_script(path.resolve(), argv or [], cwd=Path.cwd())
    try:
        _, exc = debuggee.run_script(path)
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
    if exc is not None:
        raise exc


def _has_display() -> bool:
    """Whether Qt can open a window here (without one it aborts the process, no exception)."""
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _open_gui(argv: list[str] | None) -> int:
    """`tapescope [script.py | run.tsdb]`: the GUI, live on a script or post-mortem on a
    trace; the built-in demo when nothing is given. Qt is imported only here."""
    args = build_parser().parse_args(argv)
    target: Path | None = args.script
    if target is not None:
        try:
            check_regular(target, "script" if target.suffix == ".py" else "trace file")
        except SourceFileError as exc:
            print(f"tapescope: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if target is not None and target.suffix != ".py" and args.script_args:
        print("tapescope: error: a trace file takes no script arguments", file=sys.stderr)
        return EXIT_USAGE
    if args.backend == "tensorflow":
        try:
            _require_tensorflow()
        except UsageError as exc:
            print(f"tapescope: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.terminal:
        if target is not None and target.suffix != ".py":
            print("tapescope: error: --terminal runs scripts; open a trace without it",
                  file=sys.stderr)
            return EXIT_USAGE
        run_script(target or DEMO_SCRIPT, args.script_args, args.backend)
        return EXIT_OK
    if not _has_display():
        print("tapescope: error: no display to open the window on (DISPLAY is not set); "
              "use `tapescope record SCRIPT` to record a trace headless, `tapescope "
              "--terminal SCRIPT` to just run it, or set QT_QPA_PLATFORM=offscreen",
              file=sys.stderr)
        return EXIT_USAGE
    from app.gui import open_gui

    # DebugClient starts its debuggee on the backend this names (debugger.client)
    os.environ["TAPESCOPE_BACKEND"] = args.backend
    return open_gui(str(target) if target is not None else None, args.script_args)


def _require_tensorflow() -> None:
    """One line (a UsageError) when the tensorflow backend cannot run here."""
    from tfdebug import TensorFlowMissing, require_tensorflow

    try:
        require_tensorflow()
    except TensorFlowMissing as exc:
        raise UsageError(str(exc)) from None


# -- record ---------------------------------------------------------------------------------------

def _check_script(script: Path) -> Path:
    """The script's full path, if it is a readable regular file (not a FIFO, a directory or
    /dev/zero, which would hang or exhaust the child reading it)."""
    try:
        return check_regular(script, "script").resolve()
    except SourceFileError as exc:
        raise UsageError(str(exc)) from None


def record_trace(script: Path, output: Path, script_args: list[str] | None = None,
                 mode: str = "CONCISE_HEALTH", progress: bool = True,
                 break_on_nan: bool = False, conditions: list[str] | None = None,
                 max_size: int = DEFAULT_MAX_SIZE, backend: str = "engine") -> int:
    """Record ``script`` into ``output`` in a child process; returns the child's exit code.

    A child keeps the script's crashes, ``os._exit`` and ``sys.modules`` out of this process;
    the trace file is crash-safe, so whatever ran before a crash is in it."""
    from debugger.child import debuggee_command, debuggee_env
    from debugger.lifecycle import run_supervised

    def command(parent_fd: int) -> list[str]:
        return debuggee_command(script, script_args or (), record=output, mode=mode,
                                max_size=max_size, parent_fd=parent_fd, progress=progress,
                                break_on_nan=break_on_nan, conditions=conditions or (),
                                backend=backend)

    # SIGINT/SIGTERM to us reach the child, which closes the trace with "terminated"; our
    # death (even SIGKILL) ends the child the same way, so no recording runs on orphaned.
    return run_supervised(command, cwd=str(script.parent), env=debuggee_env())


def _describe_failure(trace: Path, returncode: int) -> str:
    from debugger.tracefile import TraceFileError, TraceReader

    try:
        with TraceReader(trace) as reader:
            errors = reader.errors()
    except (TraceFileError, OSError):
        errors = []
    if errors:  # file:line: message, the way compilers and editors point at code
        error = errors[-1]
        return f"{_where(error)}: {error['message']}"
    return f"the script exited with code {returncode}"


def _describe_stop(trace: Path) -> str:
    from debugger.tracefile import TraceFileError, TraceReader

    try:
        with TraceReader(trace) as reader:
            finished = list(reader.events("finished"))
    except (TraceFileError, OSError):
        finished = []
    detail = finished[-1].get("detail") if finished else None
    return detail if isinstance(detail, str) else "a breakpoint ended the run"


def _check_replaceable(output: Path) -> None:
    """Refuse to overwrite anything but an old trace (``-o train.py`` is a typo, not a wish)."""
    from debugger.tracefile import TraceFileError, TraceReader

    if not output.exists():
        return
    try:
        TraceReader(output).close()
    except (TraceFileError, OSError):
        raise UsageError(f"refusing to overwrite {output}: it is not a trace file") from None


def _check_writable(output: Path) -> None:
    """Create the (empty) trace here, so that a folder that is missing or read-only is one
    line now rather than a traceback from the recording child."""
    from debugger.tracefile import TraceWriteError, TraceWriter

    try:
        TraceWriter(output, overwrite=True).close()
    except TraceWriteError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"cannot create the trace {output}: {exc.strerror or exc}") from None


def cmd_record(args: argparse.Namespace) -> int:
    script = _check_script(args.script)
    output = (args.output or Path(script.stem + ".tsdb")).resolve()
    _check_replaceable(output)
    if args.backend == "tensorflow":
        _require_tensorflow()
    from debugger.breakpoints import Breakpoint, ConditionError

    for condition in args.conditions:
        try:
            Breakpoint.when(condition)
        except ConditionError as exc:
            raise UsageError(str(exc)) from None
    _check_writable(output)
    returncode = record_trace(script, output, args.script_args, args.mode,
                              break_on_nan=args.break_on_nan, conditions=args.conditions,
                              max_size=args.max_size, backend=args.backend)
    if returncode == 0:
        return EXIT_OK
    if returncode == EXIT_STOPPED and output.exists():
        print(f"tapescope: stopped: {_describe_stop(output)}; trace written to {output}",
              file=sys.stderr)
        return EXIT_STOPPED
    if returncode in TERMINATED_CODES and output.exists():
        return returncode  # the child said so (and that the trace is complete) on stderr
    if not output.exists():
        raise UsageError(f"recording {script} failed (exit code {returncode})")
    print(f"tapescope: error: {_describe_failure(output, returncode)}; trace written to "
          f"{output}", file=sys.stderr)
    return EXIT_SCRIPT_FAILED


# -- inspect --------------------------------------------------------------------------------------

def _open_trace(path: Path) -> Any:
    from debugger.tracefile import TraceDamagedError, TraceFileError, TraceReader

    try:
        return TraceReader(path)
    except FileNotFoundError:
        raise UsageError(f"trace file not found: {path}") from None
    except TraceDamagedError as exc:
        raise DamagedTraceError(str(exc)) from None
    except TraceFileError as exc:
        raise UsageError(str(exc)) from None


def _damage_lines(reader: Any) -> list[str]:
    """What inspect reports of the events skipped as damaged (the first few, by seq)."""
    skipped = reader.damaged_events
    damage = reader.damage()
    if not damage:
        return []
    lines = [f"Damaged: {skipped} damaged event{'s' if skipped != 1 else ''} skipped"
             if skipped else "Damaged:"]
    lines += [f"  {what}" for what in damage[:5]]
    if len(damage) > 5:
        lines.append(f"  … and {len(damage) - 5} more")
    return lines


def _damage_summary(reader: Any) -> str:
    skipped = reader.damaged_events
    if skipped:
        return (f"{reader.path} is damaged: {skipped} damaged event"
                f"{'s' if skipped != 1 else ''} skipped")
    return f"{reader.path} is damaged: {reader.damage()[0]}"


def _where(event: dict) -> str:
    file, line = event.get("file") or "?", event.get("line") or 0
    return f"{file}:{line}" if line else file


def text_curve(values: list[float], width: int = 60, height: int = 8) -> list[str]:
    """A loss curve as lines of text: min/max on the axis, one column per bucket of values."""
    finite = [v for v in values if v == v and abs(v) != float("inf")]
    if not finite:
        return ["  (no finite values)"]
    columns = min(width, len(values))
    buckets = [values[i * len(values) // columns:(i + 1) * len(values) // columns]
               for i in range(columns)]
    means = []
    for bucket in buckets:
        good = [v for v in bucket if v == v and abs(v) != float("inf")]
        means.append(sum(good) / len(good) if good else None)
    low, high = min(finite), max(finite)
    span = (high - low) or 1.0
    rows = [[" "] * columns for _ in range(height)]
    for x, mean in enumerate(means):
        if mean is None:
            rows[0][x] = "!"  # NaN/Inf in this bucket
            continue
        level = round((mean - low) / span * (height - 1))
        rows[height - 1 - level][x] = "*"
    label_width = max(len(f"{high:.4g}"), len(f"{low:.4g}"))
    lines = []
    for i, row in enumerate(rows):
        label = f"{high:.4g}" if i == 0 else f"{low:.4g}" if i == height - 1 else ""
        lines.append(f"  {label:>{label_width}} |{''.join(row)}".rstrip())
    lines.append(f"  {'':>{label_width}} +{'-' * columns}")
    lines.append(f"  {'':>{label_width}}  step {0} … {len(values) - 1}"
                 f" ({len(values)} values)")
    return lines


def inspect_lines(reader: Any) -> list[str]:
    """The `tapescope inspect` report of an open trace."""
    meta = reader.meta
    lines = [f"Trace {reader.path}"]
    lines.append(f"  script: {meta.get('script', '?')}   mode: {meta.get('mode', '?')}   "
                 f"recorded: {meta.get('created', '?')}"
                 + ("" if "closed" in meta else "   (not closed: the run was cut short)"))
    finished = list(reader.events("finished"))
    errors = reader.errors()
    if finished:
        status = finished[-1]["status"]
        lines.append(f"  finished: {status}")
    else:
        lines.append("  finished: no (the recording ended before the script did)")
    for error in errors:
        lines.append(f"  error: {_where(error)}: {error['message']}")
    if finished and finished[-1].get("status") == "stopped" and "at_seq" in finished[-1]:
        from debugger.headless_stop import stop_lines

        lines += stop_lines(reader, finished[-1])

    counts = reader.kind_counts()
    lines.append("Events: " + ", ".join(f"{n} {k}" for k, n in counts.items()))

    steps = reader.steps()
    epochs = reader.count("epoch_end")
    completed = reader.count("step_end")
    lines.append(f"Steps: {completed} completed, {epochs} epochs")
    per_step = [s.ops for s in steps if s.ops]
    if per_step and not completed:
        lines.append(f"  ops: {sum(per_step)} (no training step)")
    elif per_step:
        if min(per_step) == max(per_step):
            lines.append(f"  ops per step: {per_step[0]}")
        else:
            lines.append(f"  ops per step: min {min(per_step)}, median "
                         f"{statistics.median(per_step):g}, max {max(per_step)}")

    scalars = reader.scalars()
    names = list(dict.fromkeys(s.name for s in scalars))
    if names:
        curve_name = "loss" if "loss" in names else names[0]
        values = [float(s.value) for s in scalars if s.name == curve_name]
        lines.append(f"{curve_name.capitalize()} curve: first {values[0]:.6g}, last "
                     f"{values[-1]:.6g}, min {min(values):.6g}")
        lines += text_curve(values)
        for name in names:
            if name != curve_name:
                last = [s.value for s in scalars if s.name == name][-1]
                lines.append(f"  {name}: last {float(last):.6g}")
    else:
        lines.append("Loss curve: no scalars recorded")

    bad = reader.first_bad_op()
    bad_gradient = next((g for g in reader.gradients() if any(
        summary_is_bad(s.get("summary")) for s in g.get("sources", ()))), None)
    if bad is not None:
        lines.append(f"First NaN/Inf: op {bad['op']} ({bad.get('name')}) seq {bad['seq']}, "
                     f"step {bad.get('step')}, at {_where(bad)}")
    if bad_gradient is not None and (bad is None or bad_gradient["seq"] < bad["seq"]):
        lines.append(f"First NaN/Inf gradient: seq {bad_gradient['seq']}, step "
                     f"{bad_gradient.get('step')}, at {_where(bad_gradient)}")
    if bad is None and bad_gradient is None:
        if meta.get("mode") in ("NO_TENSOR", "SHAPE"):
            lines.append(f"First NaN/Inf: not checked ({meta['mode']} mode records no "
                         "health; record with --mode CURT_HEALTH or above)")
        else:
            lines.append("First NaN/Inf: none")

    missing: dict[tuple[str, str], list[dict]] = {}
    for gradient in reader.gradients():
        for source in gradient.get("sources", ()):
            if "reason" in source:
                name = source.get("name") or f"tensor of shape {source.get('shape', [])}"
                key = (name, source["reason"])
                missing.setdefault(key, []).append(gradient)
    if missing:
        lines.append("None gradients:")
        for (name, reason), where in missing.items():
            lines.append(f"  {name}: {reason} ({len(where)}x, first at {_where(where[0])})")
    else:
        lines.append("None gradients: none")

    dropped = reader.dropped_values()
    if dropped is not None:
        step = "" if dropped.first_step is None else f" (step {dropped.first_step})"
        lines.append(f"Values not stored: {dropped.count} tensor value"
                     f"{'s' if dropped.count != 1 else ''} ({dropped.bytes / 2**20:.3g} MB), "
                     f"the first of op #{dropped.first_seq}{step}: {dropped.reason}")
    lines += finding_lines(reader)

    graphs = reader.graphs()
    if graphs:
        lines.append("Traced graphs: " + ", ".join(
            f"{g['function']} (trace {g['trace_count']}, {len(g['nodes'])} nodes)"
            for g in graphs))
    return lines


def finding_lines(reader: Any) -> list[str]:
    """The findings section of `tapescope inspect`: one line each, where to look next."""
    from debugger.findings import find_all
    from debugger.tracefile import TraceFileError

    try:
        found = find_all(reader)
    except TraceFileError as exc:  # a damaged op pack: the rest of the report still stands
        return [f"Findings: not computed ({exc})"]
    if not found:
        return ["Findings: none"]
    lines = ["Findings:"]
    for finding in found:
        where = f"step {finding.step}, " if finding.step is not None else ""
        lines.append(f"  {finding.title}: {finding.detail} ({where}seq {finding.seq})")
    return lines


def cmd_inspect(args: argparse.Namespace) -> int:
    from debugger.tracefile import TraceFileError

    reader = _open_trace(args.trace)
    try:
        lines = inspect_lines(reader)
        reader.check()  # every row once: damage the report's queries did not touch
        print("\n".join(lines + _damage_lines(reader)))
        if reader.damage():
            raise DamagedTraceError(_damage_summary(reader))
    except TraceFileError as exc:
        raise DamagedTraceError(str(exc)) from None
    finally:
        reader.close()
    return EXIT_OK


# -- export-graph ---------------------------------------------------------------------------------

def pick_graph(reader: Any, function: str | None, step: int | None) -> tuple[Any, str]:
    """What to draw from a trace: (ExportGraph, title)."""
    from debugger import graph_export

    graphs = reader.graphs()
    if function is not None:
        named = [g for g in graphs if g["function"] == function]
        if not named:
            traced = ", ".join(sorted({g["function"] for g in graphs})) or "none"
            raise UsageError(f"no traced graph of a function named {function!r} "
                             f"(traced: {traced})")
        chosen = named[-1]
        return _traced_graph(reader, chosen), f"{function} (trace {chosen['trace_count']})"
    if step is None and graphs:
        chosen = graphs[-1]
        return (_traced_graph(reader, chosen),
                f"{chosen['function']} (trace {chosen['trace_count']})")
    if step is None:
        ends = list(reader.events("step_end"))
        step = ends[-1]["step"] if ends else None
    ops = list(reader.ops(step=step)) if step is not None else list(reader.ops())
    if not ops:
        recorded = [s.step for s in reader.steps() if s.ops]
        span = f"steps {recorded[0]}–{recorded[-1]}" if recorded else "no ops at all"
        raise UsageError(f"step {step} has no recorded ops ({span} recorded)")
    variables = list(reader.events("variable_created"))
    title = "tape" if step is None else f"tape, step {step}"
    return graph_export.from_op_events(ops, variables, name=title), title


def _traced_graph(reader: Any, event: dict) -> Any:
    """A traced graph's ExportGraph, its nodes that made NaN/Inf in any run marked."""
    from debugger import graph_export

    ran_here = f"graph:{event['graph_id']}"
    summaries = {op["name"]: op["summary"] for op in reader.bad_ops()
                 if op.get("exec") == ran_here}
    return graph_export.from_graph_event(event, summaries)


def cmd_export_graph(args: argparse.Namespace) -> int:
    from debugger import graph_export
    from debugger.tracefile import TraceFileError

    source: Path = args.source
    try:
        check_regular(source, "script" if source.suffix == ".py" else "trace file")
    except SourceFileError as exc:
        raise UsageError(str(exc)) from None
    output_format = args.format or (args.output.suffix.lstrip(".") if args.output else "")
    output_format = output_format or "png"
    if output_format not in GRAPH_FORMATS:
        raise UsageError(f"cannot tell the format from {args.output}; pass --format "
                         f"{'|'.join(GRAPH_FORMATS)}")
    output = (args.output or Path(f"{source.stem}.{output_format}")).resolve()
    status = EXIT_OK
    with tempfile.TemporaryDirectory(prefix="tapescope-") as scratch:
        trace = source
        if source.suffix == ".py":
            trace = Path(scratch) / "run.tsdb"
            # Health, so that the ops that made NaN/Inf are drawn as such.
            returncode = record_trace(source.resolve(), trace, [], "CONCISE_HEALTH")
            if returncode != 0:
                if not trace.exists():
                    raise UsageError(f"recording {source} failed (exit code {returncode})")
                print(f"tapescope: warning: {_describe_failure(trace, returncode)}; "
                      "drawing what ran before", file=sys.stderr)
                status = EXIT_SCRIPT_FAILED
        reader = _open_trace(trace)
        try:
            graph, title = pick_graph(reader, args.function, args.step)
            if reader.damage():  # drawn from what could be read
                print(f"tapescope: warning: {_damage_summary(reader)}", file=sys.stderr)
                status = EXIT_DAMAGED
        except UsageError as exc:  # nothing to draw: perhaps because it was damaged
            if not reader.damage():
                raise
            raise DamagedTraceError(f"{exc}; {_damage_summary(reader)}") from None
        except TraceFileError as exc:
            raise DamagedTraceError(str(exc)) from None
        finally:
            reader.close()
    try:
        written = graph_export.export(graph, output, format=output_format,
                                      collapse=True if args.collapse else "auto", title=title)
    except graph_export.GraphExportError as exc:
        print(f"tapescope: error: {exc}", file=sys.stderr)
        return EXIT_SCRIPT_FAILED
    print(f"wrote {title} ({len(graph)} nodes) to {written}", file=sys.stderr)
    return status


# -- import-tfdbg ---------------------------------------------------------------------------------

def cmd_import_tfdbg(args: argparse.Namespace) -> int:
    _require_tensorflow()
    from tfdebug.tfdbg_import import DumpError, convert

    dump: Path = args.dump
    output = (args.output or Path(dump.resolve().name + ".tsdb")).resolve()
    _check_replaceable(output)
    _check_writable(output)
    try:
        counts = convert(dump, output)
    except DumpError as exc:
        output.unlink(missing_ok=True)
        raise UsageError(str(exc)) from None
    for warning in counts["warnings"]:
        print(f"tapescope: warning: {warning}", file=sys.stderr)
    print(f"wrote {counts['eager_ops']} eager ops, {counts['graph_ops']} graph ops and "
          f"{counts['graphs']} graphs to {output}", file=sys.stderr)
    return EXIT_OK


# -- entry point ----------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    """Entry point of `tapescope`; returns the process exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] not in SUBCOMMANDS:
        return _open_gui(argv)
    # Everything after "--" belongs to the script, whatever it looks like.
    passed_on: list[str] = []
    if "--" in argv:
        argv, passed_on = argv[:argv.index("--")], argv[argv.index("--") + 1:]
    command = argv[0]
    args = build_subcommand_parsers()[command].parse_intermixed_args(argv[1:])
    if command == "record":
        args.script_args = [*args.script_args, *passed_on]
    elif passed_on:
        print(f"tapescope: error: {command} takes no script arguments", file=sys.stderr)
        return EXIT_USAGE
    handler = {"record": cmd_record, "inspect": cmd_inspect,
               "export-graph": cmd_export_graph, "import-tfdbg": cmd_import_tfdbg}[command]
    try:
        return handler(args)
    except UsageError as exc:
        print(f"tapescope: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DamagedTraceError as exc:
        print(f"tapescope: error: {exc}", file=sys.stderr)
        return EXIT_DAMAGED
    except KeyboardInterrupt:
        print("tapescope: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
