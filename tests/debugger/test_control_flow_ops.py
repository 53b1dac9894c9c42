"""What the debugger shows of an If/While inside a tf.function: the ops that ran inside
(each iteration's), by their path in the node and their own line, compiled (packed) as op
by op; the branches and the loop's cond and body as clusters of the exported graph."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from control_flow_script import LOOPY_SCRIPT, line_of, traced_shrink

import engine as tf
from app.cli import EXIT_STOPPED, main
from debugger import graph_export, headless_stop, validate
from debugger.events import OpsExpander
from debugger.probe import Probe
from debugger.tracefile import TraceReader

SQRT_LINE = line_of("x = tf.sqrt(x)")


def record(tmp_path: Path, *options: str) -> tuple[int, Path]:
    script = tmp_path / "loopy.py"
    script.write_text(LOOPY_SCRIPT)
    trace = tmp_path / "loopy.tsdb"
    return main(["record", str(script), "-o", str(trace), *options]), trace


def test_a_compiled_recording_reports_the_ops_of_the_branch_taken_and_of_every_iteration(
        tmp_path):
    code, trace = record(tmp_path)  # packed CONCISE_HEALTH: the graph runs compiled
    assert code == 0
    with TraceReader(trace) as reader:
        ops = list(reader.ops())
    names = [op["name"] for op in ops]
    assert "If" not in names and "While" not in names  # the ops inside are reported instead
    assert names.count("If/then/mul") == 2 and "If/else/Neg" not in names  # not taken
    assert names.count("While/cond/Less") == 3 + 1 + 4 + 1  # each test, the failing one too
    sqrts = [op for op in ops if op["name"] == "While/body/Sqrt"]
    assert len(sqrts) == 3 + 4 and {op["line"] for op in sqrts} == {SQRT_LINE}
    assert all(op["exec"].startswith("graph:") and op["scope"] == "While/body" for op in sqrts)
    nans = [op["summary"][0]["nan"] for op in sqrts]
    assert nans == [0, 0, 0, 0, 0, 1, 2]  # born on the third iteration of the second call
    first_bad = next(op for op in ops if op["summary"][0].get("bad"))
    assert first_bad["seq"] == sqrts[5]["seq"]


def test_break_on_nan_names_the_op_inside_the_loop_and_its_line(tmp_path, capfd):
    code, trace = record(tmp_path, "--break-on-nan")
    assert code == EXIT_STOPPED
    out, err = capfd.readouterr()
    assert "stopped: first NaN/Inf at Sqrt (While/body/Sqrt)" in err
    assert f"loopy.py:{SQRT_LINE}" in err
    with TraceReader(trace) as reader:
        [finished] = reader.events("finished")
        seq = finished["at_seq"]
        op = next(reader.ops(start_seq=seq, limit=1))
        argument = reader.value(seq, headless_stop.input_index(0))
        result = reader.value(seq, 0)
    assert finished["op"] == "Sqrt" and finished["line"] == SQRT_LINE and finished["origin"]
    assert op["name"] == "While/body/Sqrt"
    x = np.float32([4.0, 6.0])  # what the loop computes before its third Sqrt
    for _ in range(2):
        x = np.sqrt(x - np.float32(1.0))
    np.testing.assert_array_equal(argument, x - np.float32(1.0))
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(result, np.sqrt(x - np.float32(1.0)))
    assert main(["inspect", str(trace)]) == 0
    report = capfd.readouterr().out
    assert f"Stopped at: op Sqrt (While/body/Sqrt) seq {seq}" in report
    assert f"Sqrt input 0 = Sub (line {line_of('x = x - 1.0')}, #" in report


def loop_with_an_if() -> Any:
    """A fresh traced function (each probe must see its trace): an If inside a While."""
    @tf.function
    def nested(x, n):
        i = tf.constant(0)
        while i < n:
            if tf.reduce_max(x) > 3.0:
                x = tf.math.log(x - 3.0)
            else:
                x = x * 3.0
            i += 1
        return x

    return nested


INPUTS = ([2.0, 1.0], [4.0, 3.5], [1.0, -1.0])


def _run(pack: bool, mode: str) -> tuple[list, list[dict]]:
    events: list[dict] = []
    nested = loop_with_an_if()
    with Probe(events.append, mode=mode, pack=pack):
        values = [nested(tf.constant(v), tf.constant(5)).numpy() for v in INPUTS]
    return values, [e for e in OpsExpander().expand_all(events) if e["kind"] == "op"]


@pytest.mark.parametrize("mode", ["SHAPE", "CURT_HEALTH", "CONCISE_HEALTH", "FULL_HEALTH"])
def test_compiled_and_op_by_op_runs_compute_the_same_and_report_the_same_ops(mode):
    nested = loop_with_an_if()
    plain = [nested(tf.constant(v), tf.constant(5)).numpy() for v in INPUTS]
    packed_values, packed = _run(True, mode)
    observed_values, observed = _run(False, mode)
    for a, b, c in zip(plain, packed_values, observed_values):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)

    def seen(ops: list[dict]) -> list[tuple]:
        return [(op["op"], op["name"], op["scope"], op["line"], op["shapes"], op["dtypes"],
                 op["summary"]) for op in ops]

    assert seen(packed) == seen(observed)
    names = {op["name"] for op in packed}
    # an If inside the loop's body: its ops by their path through both holders
    assert {"While/body/If/then/Log", "While/body/If/else/mul", "While/body/add"} <= names
    assert any(op["summary"][0].get("bad") for op in packed) == (mode != "SHAPE")


def _graph_event(tmp_path: Path) -> dict:
    code, trace = record(tmp_path)
    assert code == 0
    with TraceReader(trace) as reader:
        [graph] = reader.graphs()
    return graph


def test_the_graph_event_holds_the_branches_and_the_loop_by_role(tmp_path):
    graph = _graph_event(tmp_path)
    holders = {n["op"]: n for n in graph["nodes"] if "graphs" in n}
    assert [g["role"] for g in holders["If"]["graphs"]] == ["then", "else"]
    assert [g["role"] for g in holders["While"]["graphs"]] == ["cond", "body"]
    body = holders["While"]["graphs"][1]
    sqrt = next(n for n in body["nodes"] if n["op"] == "Sqrt")
    assert sqrt["name"] == "While/body/Sqrt" and sqrt["line"] == SQRT_LINE
    ids = [n["id"] for n in graph["nodes"]] + [n["id"] for h in holders.values()
                                               for g in h["graphs"] for n in g["nodes"]]
    assert len(ids) == len(set(ids))  # one id space: the export and the dock need it
    # the loop variables come from the While's own inputs
    assert body["sources"][:2] == holders["While"]["inputs"][:2]


def _dot_objects(dot_source: str) -> dict:
    """Graphviz's own reading of DOT text (clusters, their nodes, edges), as JSON."""
    done = subprocess.run(["dot", "-Tjson0"], input=dot_source.encode(), capture_output=True,
                          check=True, timeout=60)
    return json.loads(done.stdout)


def test_the_export_draws_branches_and_loop_as_clusters_with_the_nan_inside(tmp_path):
    graph = _graph_event(tmp_path)
    with TraceReader(tmp_path / "loopy.tsdb") as reader:
        bad = {op["name"]: op["summary"] for op in reader.bad_ops()}
    drawn = _dot_objects(graph_export.to_dot(graph_export.from_graph_event(graph, bad)))
    objects = drawn["objects"]
    clusters = {o["label"]: o for o in objects if o.get("name", "").startswith("cluster")}
    assert {"If", "then", "else", "While", "cond", "body"} <= set(clusters)

    def members(label: str) -> set[str]:
        return {objects[i]["label"].split("\\n")[0] for i in clusters[label]["nodes"]}

    assert {"Mul"} <= members("then") and {"Neg"} <= members("else")
    assert {"Less"} <= members("cond") and {"Sub", "Sqrt", "AddV2"} <= members("body")
    assert members("body") <= members("While")
    by_gvid = {o["_gvid"]: o for o in objects}
    sqrt = next(o for i, o in by_gvid.items() if i in clusters["body"]["nodes"]
                and o["label"].startswith("Sqrt"))
    assert "NaN!" in sqrt["label"] and sqrt["fillcolor"] == graph_export.node_style(
        graph_export.ExportNode("x", "", "Sqrt", "op", health="nan"))[0]
    edges = [(by_gvid[e["tail"]]["label"].split("\\n")[0],
              by_gvid[e["head"]]["label"].split("\\n")[0]) for e in drawn["edges"]]
    # into the clusters from the holders' inputs, out of them into the holders
    assert ("Placeholder", "Mul") in edges and ("If", "Sub") in edges
    assert ("Mul", "If") in edges and ("Neg", "If") in edges and ("Sqrt", "While") in edges


def test_export_graph_writes_the_clusters_in_every_format(tmp_path):
    code, trace = record(tmp_path)
    assert code == 0
    for suffix in ("dot", "svg", "pdf", "png"):
        out = tmp_path / f"loopy.{suffix}"
        assert main(["export-graph", str(trace), "-o", str(out)]) == 0
        assert out.stat().st_size > 0
    svg = (tmp_path / "loopy.svg").read_text()
    assert ">body</text>" in svg and ">then</text>" in svg
    dot = (tmp_path / "loopy.dot").read_text()
    assert "label=body" in dot and "label=cond" in dot and "label=else" in dot


def test_a_damaged_nested_graph_in_a_graph_event_is_refused(tmp_path):
    graph = _graph_event(tmp_path)
    holder = next(n for n in graph["nodes"] if "graphs" in n)
    assert validate.problem(graph) is None
    holder["graphs"][0]["nodes"][0]["inputs"] = "x"
    wrong = validate.problem(graph)
    assert wrong is not None and "graphs" in wrong and "inputs" in wrong
    with pytest.raises(ValueError, match="not a usable graph event"):
        graph_export.from_graph_event(graph)


def test_a_live_traced_graph_exports_the_same_clusters_as_its_graph_event():
    shrink = traced_shrink()
    graph = shrink.get_concrete_function(tf.constant([1.0, 2.0]), tf.constant(3)).graph
    drawn = graph_export.from_traced_graph(graph)
    scopes = {n.name: n.scope for n in drawn.nodes}
    assert scopes["If/then/mul"] == "If/then" and scopes["If/else/Neg"] == "If/else"
    assert scopes["While/body/Sqrt"] == "While/body" and scopes["While/cond/Less"] == "While/cond"
    ids = {n.name: n.id for n in drawn.nodes}
    edges = {(e.src, e.dst) for e in drawn.edges}
    assert (ids["x"], ids["If/then/mul"]) in edges  # the If's input, into its branch
    assert (ids["While/body/Sqrt"], ids["While"]) in edges  # the body's result, out of it
    collapsed = {n.name for n in graph_export.collapse(drawn).nodes if n.kind == "cluster"}
    assert collapsed == {"If", "While"}


def test_the_loop_a_gradient_runs_again_is_reported_alike_compiled_and_op_by_op():
    def make() -> Any:
        w = tf.Variable([1.5, 2.0])

        @tf.function
        def step(x):
            with tf.GradientTape() as tape:
                y = x * w
                i = tf.constant(0)
                while i < 2:
                    y = y * 0.5 + 1.0
                    i += 1
                loss = tf.reduce_sum(y)
            return tape.gradient(loss, w)  # a WhileGrad node: the loop run again, taped

        return step

    seen = {}
    for pack in (True, False):
        events: list[dict] = []
        step = make()
        with Probe(events.append, mode="CONCISE_HEALTH", pack=pack):
            gradient = step(tf.constant([1.0, 2.0])).numpy()
        np.testing.assert_array_equal(gradient, [0.25, 0.5])
        ops = [e for e in OpsExpander().expand_all(events) if e["kind"] == "op"]
        seen[pack] = [(op["op"], op["name"], op["line"], op["exec"].split(":")[0])
                      for op in ops if op["exec"] != "eager"]
    assert seen[True] == seen[False]
    again = [name for _, name, _, _ in seen[True] if name.startswith("gradient_tape/WhileGrad/")]
    assert again.count("gradient_tape/WhileGrad/body/mul") == 2


def _producers(ops: list[dict]) -> list[list]:
    """Per op, per input: the index of the op that made it (its latest producer) or None."""
    made: dict[int, int] = {}
    out = []
    for i, op in enumerate(ops):
        out.append([made.get(t) for t in op["inputs"]])
        made.update((t, i) for t in op["outputs"])
    return out


def test_an_inner_ops_input_links_to_the_op_that_made_it_as_op_by_op():
    def make() -> Any:
        @tf.function
        def shrink(x, n):
            if tf.reduce_sum(x) > 0:
                x = x * 2.0
            else:
                x = -x
            i = tf.constant(0)
            while i < n:
                x = tf.sqrt(x - 1.0)
                i += 1
            return x + 1.0

        return shrink

    linked = {}
    for pack in (True, False):
        events: list[dict] = []
        shrink = make()
        with Probe(events.append, mode="CONCISE_HEALTH", pack=pack):
            for v in ([10.0, 20.0], [-3.0, -4.0]):
                shrink(tf.constant(v), tf.constant(3))
        ops = [e for e in OpsExpander().expand_all(events) if e["kind"] == "op"]
        linked[pack] = (ops, _producers(ops))
    ops, packed = linked[True]
    assert [op["name"] for op in ops] == [op["name"] for op in linked[False][0]]
    unlinked = []
    for op, mine, theirs in zip(ops, packed, linked[False][1]):
        for k, (a, b) in enumerate(zip(mine, theirs)):
            if a != b:
                unlinked.append((op["name"], k, a, ops[b]["name"] if b is not None else None))
    # compiled, an If's or While's results are the node's own values, which no op event
    # makes (op by op they are its inner ops' tensors): the loop's first read of x, and
    # the read of the loop's result, per call
    assert unlinked == [("While/body/sub", 0, None, "If/then/mul"), ("add", 0, None,
                                                                      "While/body/Sqrt"),
                        ("While/body/sub", 0, None, "If/else/Neg"), ("add", 0, None,
                                                                      "While/body/Sqrt")]
    # the loop's later iterations read the body's results of the iteration before
    subs = [i for i, op in enumerate(ops) if op["name"] == "While/body/sub"]
    assert [ops[packed[i][0]]["name"] for i in subs if i not in (subs[0], subs[3])] == [
        "While/body/Sqrt"] * 4
    tests = [i for i, op in enumerate(ops) if op["name"] == "While/cond/Less"]
    assert {ops[packed[i][0]]["name"] for i in tests[1:4]} == {"While/body/add"}


def test_graphs_nested_beyond_any_real_program_are_refused_not_a_recursion_error():
    def event(levels: int) -> dict:
        node = {"id": 0, "op": "Sqrt", "name": "x", "inputs": [], "outputs": []}
        for _ in range(levels):
            node = {"id": 0, "op": "If", "name": "If", "inputs": [], "outputs": [],
                    "graphs": [{"role": "then", "scope": "If/then", "params": [],
                                "sources": [], "outputs": [], "nodes": [node]}]}
        return {"kind": "graph", "seq": 1, "graph_id": 1, "function": "f", "trace_count": 1,
                "reason": None, "nodes": [node], "outputs": []}

    assert validate.problem(event(validate.MAX_NESTING)) is None
    for levels in (validate.MAX_NESTING + 1, 5_000):  # (recursion: 1,000 frames)
        wrong = validate.problem(event(levels))
        assert wrong is not None and "nests graphs more than 32 levels deep" in wrong
        with pytest.raises(ValueError, match="more than 32 levels"):
            graph_export.from_graph_event(event(levels))
