"""A recorded run shows what a ``None`` signature's body printed once, as TensorFlow prints
it (issue 11): the check re-trace's printing is held back in the debuggee too, and the
trace file's ``output`` events hold the first trace's line and every result."""

from __future__ import annotations

from pathlib import Path

from debugger.debuggee import record
from debugger.tracefile import TraceReader

SCRIPT = """\
import engine as tf
@tf.function(input_signature=[tf.TensorSpec([None], tf.float32)])
def f(x):
    print("Tracing with", x)
    return tf.reduce_mean(x * 2)
for n in (2, 3, 4):
    print("result", float(f(tf.ones([n]))))
"""


def test_the_recorded_output_has_the_body_s_print_once(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    trace = tmp_path / "script.tsdb"
    assert record(script, [], trace) == 0
    with TraceReader(trace) as reader:
        text = "".join(e["text"] for e in reader.events("output") if e["stream"] == "stdout")
        graphs = reader.graphs()
    assert text == ('Tracing with Tensor("x:0", shape=(None,), dtype=float32)\n'
                    + "result 2.0\n" * 3)
    assert len(graphs) == 3  # the first trace, the check's, the replay for 4
