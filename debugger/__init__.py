"""The debugger without Qt: probe (hooks → events), trace file, debuggee and client,
graph export. Nothing here imports Qt; ``engine`` imports nothing from here at start-up."""

import os as _os

from engine.context import add_internal_dir as _add_internal_dir

# The debugger's frames (probe, debuggee) are never "the user's line".
_add_internal_dir(_os.path.dirname(_os.path.abspath(__file__)))
