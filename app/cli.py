"""The `tapescope` command line."""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

DEMO_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "linear_regression.py"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the `tapescope` command."""
    parser = argparse.ArgumentParser(
        prog="tapescope",
        description="Visual debugger for eager autodiff scripts (`import engine as tf`).",
    )
    parser.add_argument(
        "script",
        nargs="?",
        type=Path,
        help="training script to run (default: the built-in linear-regression demo)",
    )
    parser.add_argument(
        "script_args", nargs=argparse.REMAINDER, help="arguments passed on to the script"
    )
    return parser


def run_script(path: Path, argv: list[str] | None = None) -> None:
    """Run `path` as `__main__`, with `sys.argv` and `sys.path` set as `python path` would."""
    saved_argv, saved_path = sys.argv[:], sys.path[:]
    sys.argv = [str(path), *(argv or [])]
    sys.path.insert(0, str(path.resolve().parent))
    try:
        runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path


def main(argv: list[str] | None = None) -> int:
    """Entry point of `tapescope`; returns the process exit code."""
    args = build_parser().parse_args(argv)
    if args.script is None:
        print(
            f"Tapescope's GUI is not built yet; running the terminal demo ({DEMO_SCRIPT.name}).",
            flush=True,
        )
        script = DEMO_SCRIPT
    else:
        script = args.script
    if not script.is_file():
        print(f"tapescope: error: script not found: {script}", file=sys.stderr)
        return 2
    run_script(script, args.script_args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
