"""The debugger without Qt: probe (hooks → events), trace file, debuggee and client,
graph export. Nothing here imports Qt; ``engine`` imports nothing from here at start-up."""
