"""Graph export: traced graphs and tape graphs to DOT/SVG/PNG/PDF, collapsing by scope, the
Graphviz errors, and the json0 layout the GUI draws natively. Files are parsed back, not just
checked to exist."""

from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from synthetic_graphs import OPS, tape_like_graph

import engine as tf
from debugger import events
from debugger import graph_export as ge
from debugger.graph_export import ExportEdge, ExportGraph, ExportNode, GraphExportError
from engine.graph import ir

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NS = "{http://www.w3.org/2000/svg}"


# -- sources ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def mlp_graph():
    """The traced graph of a Keras MLP training step, each layer under its name scope."""
    # Named: automatic names depend on how many layers earlier tests made in this process.
    model = tf.keras.Sequential([tf.keras.layers.Dense(16, activation="relu", name="dense"),
                                 tf.keras.layers.Dense(10, name="dense_1")], name="sequential")
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.Adam()
    x = tf.constant(np.random.default_rng(0).random((8, 4), dtype=np.float32))
    y = tf.constant(np.arange(8) % 10)
    model(x)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))  # the model and layers push scopes
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    return train_step.get_concrete_function(x, y).graph


def op_event(seq, op, inputs, outputs, shapes, scope="", step=0, summary=None, dtype="float32"):
    return events.make("op", seq, step=step, epoch=0, op=op, name=op, scope=scope,
                       inputs=list(inputs), outputs=list(outputs), shapes=shapes,
                       dtypes=[dtype] * len(outputs), file="train.py", line=seq,
                       duration=1e-5, exec="eager", summary=summary)


def variable_event(seq, var_id, name, shape):
    return events.make("variable_created", seq, id=var_id, name=name, shape=shape,
                       dtype="float32", trainable=True)


def tape_events(step=0, first_seq=10, summary_of=None):
    """One eager step of a dense layer: forward ops, the loss, backward ops. Tensor ids 1
    (the batch) and 2 (a constant) come from no op; 100/101 are variables. Id 5 is reused
    for a backward tensor after the forward one died, as Python ids are."""
    summary_of = summary_of or {}
    s = first_seq
    ops = [
        ("MatMul", [1, 100], [3], [[4, 3]], "dense"),
        ("BiasAdd", [3, 101], [4], [[4, 3]], "dense"),
        ("Relu", [4], [5], [[4, 3]], "dense"),
        ("Mean", [5], [6], [[]], "loss"),
        ("OnesLike", [6], [7], [[]], ""),
        ("BroadcastTo", [7], [8], [[4, 3]], ""),
        ("Greater", [4, 2], [9], [[4, 3]], ""),
        ("SelectV2", [9, 8], [5], [[4, 3]], ""),  # id 5 reused
        ("MatMul", [5, 100], [11], [[4, 5]], ""),
        ("MatMul", [1, 5], [12], [[5, 3]], ""),
        ("Sum", [5], [13], [[3]], ""),
    ]
    return [op_event(s + i, op, ins, outs, shapes, scope=scope, step=step,
                     summary=summary_of.get(op))
            for i, (op, ins, outs, shapes, scope) in enumerate(ops)]


VARIABLES = [variable_event(1, 100, "dense/kernel:0", [5, 3]),
             variable_event(2, 101, "dense/bias:0", [3])]

def layered_graph(n_nodes: int, n_scopes: int) -> ExportGraph:
    return tape_like_graph(n_nodes, n_scopes, name="synthetic")


# -- validating files ---------------------------------------------------------------------------
def check_dot(path: Path, graph: ExportGraph) -> str:
    text = path.read_text()
    assert text.startswith("digraph")
    assert text.count("{") == text.count("}")
    ids = set(re.findall(r'^\s*("(?:[^"\\]|\\.)*"|\w+) \[', text, flags=re.M))
    ids = {i.strip('"') for i in ids} - {"graph", "node", "edge"}
    assert ids == graph.node_ids()
    assert "rankdir=TB" in text
    return text


def check_svg(path: Path, graph: ExportGraph) -> ET.Element:
    root = ET.parse(path).getroot()
    assert root.tag == SVG_NS + "svg"
    node_groups = [g for g in root.iter(SVG_NS + "g") if g.get("class") == "node"]
    titles = {g.find(SVG_NS + "title").text for g in node_groups}
    assert len(node_groups) == len(graph)
    assert titles == graph.node_ids()
    return root


def check_png(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    length, chunk = struct.unpack(">I4s", data[8:16])
    assert chunk == b"IHDR" and length == 13
    width, height = struct.unpack(">II", data[16:24])
    assert width > 0 and height > 0
    return width, height


def check_pdf(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"%%EOF" in data[-64:]


# -- builders -------------------------------------------------------------------------------------
def test_traced_graph_nodes_kinds_edges_and_labels(mlp_graph):
    graph = ge.from_traced_graph(mlp_graph, name="train_step")
    assert graph.name == "train_step"
    assert len(graph) == len(mlp_graph.nodes)
    assert len(graph.edges) == sum(len(n.inputs) for n in mlp_graph.nodes)
    kinds = {node.op: node.kind for node in graph.nodes}
    assert kinds["Placeholder"] == "input"
    assert kinds["ReadVariableOp"] == "variable"
    assert kinds["Const"] == "constant"
    assert kinds["MatMul"] == "op" and kinds["ApplyGradients"] == "op"
    first_matmul = next(n for n in graph.nodes if n.op == "MatMul")
    assert first_matmul.scope == "sequential/dense"
    assert first_matmul.label.splitlines()[0] == "MatMul"
    assert "f32[8,16]" in first_matmul.label
    assert first_matmul.shapes == "[8,16]" and first_matmul.dtypes == "float32"
    kernel = next(n for n in graph.nodes if n.kind == "variable")
    # The weight's path, sequential/dense/kernel, less the layer box it is drawn in.
    assert (kernel.scope, kernel.label.splitlines()[1]) == ("sequential/dense", "kernel")
    edge_into_matmul = [e for e in graph.edges if e.dst == first_matmul.id]
    assert sorted(e.label for e in edge_into_matmul) == ["[4,16]", "[8,4]"]


@pytest.mark.parametrize("dtype, short", [("float32", "f32"), ("uint16", "u16"),
                                          ("complex128", "c128"), ("bool", "bool")])
def test_traced_and_recorded_graphs_write_a_type_alike(dtype, short):
    assert ir.Value(0, None, 0, (2, 3), np.dtype(dtype)).type_text() == f"{short}[2,3]"
    recorded = ge.from_op_events([{"kind": "op", "seq": 1, "op": "Foo", "name": "foo",
                                   "inputs": [], "outputs": [7], "shapes": [[2, 3]],
                                   "dtypes": [dtype]}])
    assert recorded.node("op1").label.splitlines()[-1] == f"{short}[2,3]"


def test_op_events_give_ops_variables_inputs_and_the_gradient_path():
    graph = ge.from_op_events(tape_events(), VARIABLES)
    ops = [n for n in graph.nodes if n.kind == "op"]
    assert len(ops) == 11  # backward ops are just ops
    assert {n.id for n in graph.nodes if n.kind == "variable"} == {"var100", "var101"}
    assert {n.id for n in graph.nodes if n.kind == "input"} == {"t1", "t2"}
    kernel = graph.node("var100")
    assert kernel.scope == "dense"  # the layer that first reads it
    assert "dense/kernel:0" in kernel.label and "f32[5,3]" in kernel.label
    edges = {(e.src, e.dst) for e in graph.edges}
    assert ("var100", "op10") in edges and ("var100", "op18") in edges  # forward and backward
    assert ("t1", "op10") in edges and ("t2", "op16") in edges
    # id 5 first named Relu's output (op12), later SelectV2's (op17): links follow seq order
    assert ("op12", "op13") in edges
    assert ("op17", "op18") in edges and ("op12", "op18") not in edges
    assert next(e for e in graph.edges if e.dst == "op13").label == "[4,3]"


def test_op_events_take_variables_from_the_stream_and_filter_by_step():
    stream = VARIABLES + tape_events(step=0) + tape_events(step=1, first_seq=40)
    both = ge.from_op_events(stream)
    assert sum(n.kind == "op" for n in both.nodes) == 22
    one = ge.from_op_events(stream, step=1)
    assert sum(n.kind == "op" for n in one.nodes) == 11
    assert {n.id for n in one.nodes if n.kind == "op"} == {f"op{s}" for s in range(40, 51)}
    assert {n.id for n in one.nodes if n.kind == "variable"} == {"var100", "var101"}
    assert "step 1" in one.name


def test_op_events_with_read_variable_ops():
    stream = VARIABLES + [
        op_event(1, "ReadVariableOp", [100], [7], [[5, 3]]),
        op_event(2, "MatMul", [1, 7], [8], [[4, 3]]),
    ]
    graph = ge.from_op_events(stream)
    edges = {(e.src, e.dst) for e in graph.edges}
    assert edges == {("var100", "op1"), ("op1", "op2"), ("t1", "op2")}
    assert graph.node("var100").kind == "variable"
    assert graph.node("op1").kind == "op"  # an eager read of a known variable


def test_op_events_replaying_a_traced_graph_keep_node_kinds(mlp_graph):
    stream = [op_event(node.id, node.type, [v.id for v in node.inputs],
                       [v.id for v in node.outputs], [list(v.shape) for v in node.outputs])
              for node in mlp_graph.nodes]
    graph = ge.from_op_events(stream)
    kinds = {node.op: node.kind for node in graph.nodes}
    assert kinds["Placeholder"] == "input" and kinds["Const"] == "constant"
    assert kinds["ReadVariableOp"] == "variable" and kinds["MatMul"] == "op"
    assert len(graph) == len(mlp_graph.nodes)


def test_op_events_recorded_by_the_probe_from_a_keras_step():
    from debugger.probe import Probe

    log: list[dict] = []
    with Probe(log.append, mode="CONCISE_HEALTH"):
        model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu"),
                                     tf.keras.layers.Dense(3)])
        loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        optimizer = tf.keras.optimizers.SGD(0.1)
        x = tf.constant(np.random.default_rng(1).random((4, 5), dtype=np.float32))
        y = tf.constant(np.array([0, 1, 2, 1]))
        for _ in range(2):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, model(x, training=True))
            grads = tape.gradient(loss, model.trainable_variables)
            optimizer.apply_gradients(zip(grads, model.trainable_variables))
    graph = ge.from_op_events(log, step=1)
    ops = [n.op for n in graph.nodes if n.kind == "op"]
    assert ops.count("MatMul") >= 2 + 3  # forward, then the gradients' MatMuls
    assert "Softmax" in ops  # the backward pass of the cross-entropy
    assert sum(n.kind == "variable" for n in graph.nodes) == 4
    matmul_inputs = {e.src for e in graph.edges
                     if graph.node(e.dst).op == "MatMul" and e.src.startswith("var")}
    assert len(matmul_inputs) == 2  # both kernels feed a MatMul


# -- formats --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["dot", "svg", "png", "pdf"])
def test_traced_graph_exports_to_every_format(mlp_graph, tmp_path, fmt):
    path = ge.export(mlp_graph, tmp_path / f"step.{fmt}", collapse=False, title="train step")
    assert path == tmp_path / f"step.{fmt}"
    graph = ge.from_traced_graph(mlp_graph)
    if fmt == "dot":
        text = check_dot(path, graph)
        assert "subgraph cluster_" in text and 'label="train step"' in text
        assert 'label="[8,16]"' in text
    elif fmt == "svg":
        root = check_svg(path, graph)
        cluster_titles = {g.find(SVG_NS + "title").text for g in root.iter(SVG_NS + "g")
                          if g.get("class") == "cluster"}
        # sequential, dense, dense_1, Adam, and gradient_tape/ over the same three
        assert len(cluster_titles) == 8
    elif fmt == "png":
        check_png(path)
    else:
        check_pdf(path)


@pytest.mark.parametrize("fmt", ["dot", "svg", "png"])
def test_op_events_export(tmp_path, fmt):
    stream = VARIABLES + tape_events()
    path = ge.export(stream, tmp_path / "tape", format=fmt)
    assert path.suffix == "." + fmt
    graph = ge.from_op_events(stream)
    {"dot": lambda: check_dot(path, graph), "svg": lambda: check_svg(path, graph),
     "png": lambda: check_png(path)}[fmt]()


def test_export_infers_the_format_and_refuses_unknown_ones(mlp_graph, tmp_path):
    assert ge.export(mlp_graph, tmp_path / "a.svg").read_bytes().lstrip().startswith(b"<?xml")
    assert ge.export(mlp_graph, tmp_path / "b").suffix == ".png"
    with pytest.raises(ValueError, match="format"):
        ge.export(mlp_graph, tmp_path / "c.jpg")
    with pytest.raises(ValueError, match="collapse"):
        ge.export(mlp_graph, tmp_path / "d.dot", collapse="sometimes")
    with pytest.raises(TypeError):
        ge.export(42, tmp_path / "e.dot")


def test_render_returns_bytes_for_a_viewer(mlp_graph):
    svg = ge.render(mlp_graph, "svg")
    assert ET.fromstring(svg).tag == SVG_NS + "svg"


# -- collapsing -----------------------------------------------------------------------------------
def small_scoped_graph() -> ExportGraph:
    graph = ExportGraph("g")
    for node_id, scope in [("x", ""), ("a1", "enc/a"), ("a2", "enc/a"), ("b1", "enc/b"),
                           ("c1", "dec"), ("c2", "dec"), ("out", "")]:
        graph.nodes.append(ExportNode(node_id, node_id, f"Op{node_id}", "op", scope=scope))
    for src, dst in [("x", "a1"), ("a1", "a2"), ("a2", "b1"), ("a1", "b1"), ("b1", "c1"),
                     ("a2", "c1"), ("a2", "c2"), ("c1", "c2"), ("c2", "out")]:
        graph.edges.append(ExportEdge(src, dst, "[2]", (f"{src}:0",)))
    return graph


def test_collapse_merges_scopes_with_counts_and_counted_edges():
    collapsed = ge.collapse(small_scoped_graph(), depth=1)
    assert [n.id for n in collapsed.nodes] == ["x", "scope|enc", "scope|dec", "out"]
    enc = collapsed.node("scope|enc")
    assert enc.kind == "cluster" and enc.scope == "enc"
    assert enc.members == ("a1", "a2", "b1") and enc.count == 3
    assert "enc" in enc.label and "3 nodes" in enc.label
    edges = {(e.src, e.dst): e for e in collapsed.edges}
    assert set(edges) == {("x", "scope|enc"), ("scope|enc", "scope|dec"), ("scope|dec", "out")}
    # b1->c1 and a2->c1/a2->c2 carry two distinct tensors (a2's output counted once)
    assert edges[("scope|enc", "scope|dec")].count == 2
    assert edges[("scope|enc", "scope|dec")].label == "2 tensors"
    assert edges[("x", "scope|enc")].label == "[2]"  # one tensor keeps its shape


def test_collapse_depth_and_expanded_scopes():
    graph = small_scoped_graph()
    deeper = ge.collapse(graph, depth=2)
    assert {n.id for n in deeper.nodes} == {"x", "scope|enc/a", "scope|enc/b", "scope|dec",
                                            "out"}
    assert deeper.node("scope|enc/a").count == 2
    opened = ge.collapse(graph, depth=1, expanded=["enc"])
    assert {n.id for n in opened.nodes} == {"x", "scope|enc/a", "scope|enc/b", "scope|dec",
                                            "out"}
    fully_open = ge.collapse(graph, depth=1, expanded=["enc", "enc/a", "enc/b"])
    assert {"a1", "a2", "b1", "scope|dec"} <= fully_open.node_ids()


def test_collapse_a_traced_keras_step_by_layer(mlp_graph, tmp_path):
    graph = ge.from_traced_graph(mlp_graph)
    by_layer = ge.collapse(graph, depth=2)
    in_dense = [n for n in mlp_graph.nodes if n.scope == "sequential/dense"]
    dense = by_layer.node("scope|sequential/dense")
    assert dense.count == len(in_dense) and dense.count >= 4  # reads, MatMul, BiasAdd, Relu
    unscoped = [n for n in mlp_graph.nodes if not n.scope]
    # + dense, dense_1, Adam, and the backward pass: the loss's gradient ops (scope
    # gradient_tape) and the layers' (gradient_tape/sequential, two levels deep)
    assert len(by_layer) == len(unscoped) + 5
    in_layer_grads = [n for n in mlp_graph.nodes if n.scope.startswith("gradient_tape/sequential")]
    assert by_layer.node("scope|gradient_tape/sequential").count == len(in_layer_grads) >= 6
    assert ("scope|sequential/dense", "scope|sequential/dense_1") in {
        (e.src, e.dst) for e in by_layer.edges}
    text = check_dot(ge.export(by_layer, tmp_path / "layers.dot"), by_layer)
    assert "box3d" in text
    check_svg(ge.export(by_layer, tmp_path / "layers.svg"), by_layer)


def test_group_by_op_merges_repeated_unscoped_ops_only():
    grouped = ge.group_by_op(ge.collapse(small_scoped_graph()))
    assert grouped.node_ids() == {"x", "scope|enc", "scope|dec", "out"}  # lone ops stay
    graph = layered_graph(400, 4)
    grouped = ge.group_by_op(ge.collapse(graph, depth=2))
    assert {n.op for n in grouped.nodes if n.id.startswith("ops|")} == {
        op + "Grad" for op in OPS}
    assert sum(n.count for n in grouped.nodes) == len(graph)


def test_auto_collapse_leaves_small_graphs_alone(mlp_graph):
    graph = ge.from_traced_graph(mlp_graph)
    assert ge.auto_collapse(graph) is graph
    assert ge.AUTO_COLLAPSE_NODES == 500


def test_auto_collapse_of_20000_nodes_fits_and_exports_to_png(tmp_path):
    graph = layered_graph(20_000, 50)
    assert len(graph) == 20_000
    small = ge.auto_collapse(graph)
    assert len(small) <= ge.AUTO_COLLAPSE_NODES
    assert sum(n.count for n in small.nodes) == len(graph)  # every node is accounted for
    layers = [n for n in small.nodes if n.scope.startswith("model/layer_")]
    assert len(layers) == 50  # the most detailed level that fits: one box per layer
    check_png(ge.export(graph, tmp_path / "big.png", collapse="auto"))


def test_auto_collapse_bounds_graphs_with_thousands_of_scopes():
    graph = ExportGraph("wide")
    for i in range(3_000):
        graph.nodes.append(ExportNode(f"n{i}", "Op", "Op", "op", scope=f"block_{i}/inner"))
        if i:
            graph.edges.append(ExportEdge(f"n{i - 1}", f"n{i}", "[1]", (f"n{i - 1}",)))
    small = ge.auto_collapse(graph)
    assert len(small) <= ge.AUTO_COLLAPSE_NODES
    assert sum(n.count for n in small.nodes) == len(graph)


def test_uncollapsed_huge_graph_is_refused_before_dot_runs(tmp_path):
    graph = layered_graph(3_000, 10)  # dot would need minutes and gigabytes
    with pytest.raises(GraphExportError, match="too large.*collapse='auto'"):
        ge.export(graph, tmp_path / "huge.png", collapse=False)
    assert not (tmp_path / "huge.png").exists()
    assert ge.export(graph, tmp_path / "huge.dot", collapse=False).stat().st_size > 0


# -- health ----------------------------------------------------------------------------------------
def test_nan_health_colors_the_node(tmp_path):
    bad = {"size": 12, "nan": 3, "neg_inf": 0, "pos_inf": 0, "bad": True}
    inf = {"size": 12, "nan": 0, "neg_inf": 0, "pos_inf": 1, "bad": True}
    stream = VARIABLES + tape_events(summary_of={"Relu": [bad], "Mean": [inf]})
    graph = ge.from_op_events(stream)
    relu = next(n for n in graph.nodes if n.op == "Relu")
    assert relu.health == "nan" and "NaN!" in relu.label
    assert next(n for n in graph.nodes if n.op == "Mean").health == "inf"
    assert {n.health for n in graph.nodes if n.op not in ("Relu", "Mean")} == {None}

    text = ge.export(graph, tmp_path / "nan.dot").read_text()
    relu_line = next(line for line in text.splitlines() if line.strip().startswith(relu.id))
    assert ge._BAD_FILL in relu_line and ge._BAD_BORDER in relu_line
    root = ET.parse(ge.export(graph, tmp_path / "nan.svg")).getroot()
    relu_group = next(g for g in root.iter(SVG_NS + "g")
                      if g.get("class") == "node" and g.find(SVG_NS + "title").text == relu.id)
    assert relu_group.find(SVG_NS + "path").get("fill") == ge._BAD_FILL
    # a collapsed layer holding the NaN is red too
    collapsed = ge.collapse(graph)
    assert collapsed.node("scope|dense").health == "nan"


# -- Graphviz errors -------------------------------------------------------------------------------
def test_missing_dot_binary_gives_a_clear_error(mlp_graph, tmp_path, monkeypatch):
    from graphviz.backend import dot_command

    monkeypatch.setattr(dot_command, "DOT_BINARY", Path("/nonexistent/graphviz/dot"))
    message = "Graphviz 'dot' was not found; install the Debian package graphviz"
    for fmt in ("png", "svg", "pdf"):
        with pytest.raises(GraphExportError, match=re.escape(message)):
            ge.export(mlp_graph, tmp_path / f"x.{fmt}")
    with pytest.raises(GraphExportError, match=re.escape(message)):
        ge.layout_json(ge.from_traced_graph(mlp_graph))
    assert ge.export(mlp_graph, tmp_path / "x.dot").read_text().startswith("digraph")


def test_dot_missing_from_path_gives_the_same_error(mlp_graph, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphExportError, match="install the Debian package graphviz"):
        ge.export(mlp_graph, tmp_path / "x.svg")


def test_dot_timeout_is_reported(mlp_graph, tmp_path):
    with pytest.raises(GraphExportError, match="took longer than"):
        ge.export(mlp_graph, tmp_path / "x.svg", timeout=1e-4)


# -- layout for native drawing ---------------------------------------------------------------
def test_layout_json_positions_nodes_edges_and_clusters(mlp_graph):
    graph = ge.from_traced_graph(mlp_graph)
    layout = ge.layout_json(graph)
    assert set(layout["nodes"]) == graph.node_ids()
    x0, y0, width, height = layout["bbox"]
    assert (x0, y0) == (0.0, 0.0) and width > 0 and height > 0
    for x, y, w, h in layout["nodes"].values():
        assert 0 <= x <= width and 0 <= y <= height and w > 0 and h > 0
    assert len(layout["edges"]) == len(graph.edges)
    for src, dst, points in layout["edges"]:
        assert src in layout["nodes"] and dst in layout["nodes"]
        assert len(points) >= 4 and (len(points) - 1) % 3 == 0
    assert all(tip is not None for tip in layout["arrowheads"])
    assert {label[2] for label in layout["edge_labels"] if label} >= {"[8,16]"}
    forward = {"sequential", "sequential/dense", "sequential/dense_1"}
    assert set(layout["clusters"]) == {*forward, "Adam", "gradient_tape",
                                       *(f"gradient_tape/{scope}" for scope in forward)}
    # y grows downwards: the inputs (top, rankdir=TB) sit above the optimizer update
    placeholder = next(n.id for n in graph.nodes if n.op == "Placeholder")
    apply = next(n.id for n in graph.nodes if n.op == "ApplyGradients")
    assert layout["nodes"][placeholder][1] < layout["nodes"][apply][1]
    cx0, cy0, cx1, cy1 = layout["clusters"]["sequential/dense"]
    kernel_x, kernel_y = layout["nodes"][next(
        n.id for n in graph.nodes if n.scope == "sequential/dense")][:2]
    assert cx0 < kernel_x < cx1 and cy0 < kernel_y < cy1


def test_layout_json_of_a_collapsed_big_graph():
    graph = ge.auto_collapse(layered_graph(5_000, 20))
    layout = ge.layout_json(graph)
    assert set(layout["nodes"]) == graph.node_ids()
    assert len(layout["edges"]) == len(graph.edges)


def test_layout_cost_grows_with_long_edges():
    chain = ExportGraph("chain", [ExportNode(f"n{i}", "", "Op", "op") for i in range(10)],
                        [ExportEdge(f"n{i}", f"n{i + 1}") for i in range(9)])
    assert ge.estimated_layout_cost(chain) == 0
    chain.edges.append(ExportEdge("n1", "n9"))
    assert ge.estimated_layout_cost(chain) == 7


def test_labels_leave_the_scope_to_the_layer_box():
    event = op_event(1, "MatMul", [1, 2], [3], [[2, 2]], scope="sequential/dense")
    event["name"] = "sequential/dense/MatMul_1"
    (node,) = [n for n in ge.from_op_events([event]).nodes if n.kind == "op"]
    assert node.label.splitlines()[:2] == ["MatMul", "MatMul_1"]
    event["name"] = "sequential/dense/MatMul"
    (node,) = [n for n in ge.from_op_events([event]).nodes if n.kind == "op"]
    assert node.label.splitlines()[0] == "MatMul" and "dense" not in node.label


def test_outside_tensors_are_named_for_the_argument_they_are_to_their_consumer():
    ops = [{"kind": "op", "seq": 1, "op": "MatMul", "name": "dense/MatMul", "scope": "dense",
            "inputs": [7, 100], "outputs": [8], "shapes": [[4, 3]], "dtypes": ["float32"]},
           {"kind": "op", "seq": 2, "op": "SparseSoftmaxCrossEntropyWithLogits",
            "name": "xent", "inputs": [8, 9], "outputs": [10, 11], "shapes": [[4], [4, 3]],
            "dtypes": ["float32", "float32"]},
           {"kind": "op", "seq": 3, "op": "RealDiv", "name": "RealDiv", "inputs": [10, 12],
            "outputs": [13], "shapes": [[4]], "dtypes": ["float32"]},
           {"kind": "op", "seq": 4, "op": "AddV2", "name": "AddV2", "inputs": [14, 13],
            "outputs": [15], "shapes": [[4]], "dtypes": ["float32"]}]
    variables = [{"id": 100, "name": "dense/kernel:0", "shape": [5, 3], "dtype": "float32"}]
    graph = ge.from_op_events(ops, variables)
    names = {n.id: n.name for n in graph.nodes if n.kind in ("input", "variable")}
    assert names == {"t7": "a of dense/MatMul", "var100": "dense/kernel:0",
                     "t9": "labels of xent", "t12": "y of RealDiv", "t14": "x of AddV2"}
    labels = [n.label for n in graph.nodes]
    assert not any("from outside" in label or re.search(r"tensor \d", label)
                   for label in labels)
    assert graph.node("t9").label == "Tensor\nlabels of SparseSoftmaxCrossEntropyWithLogits"


# -- names from an untrusted trace stay text -----------------------------------------------

HOSTILE_NAMES = [
    '<x> ]; evil [image="/etc/hostname"',  # break out of an HTML-like label
    'a"; evil [image="/etc/hostname"]; b="',  # break out of a quoted string
    'a\\"; evil [image="/etc/hostname"]; b=\\"',  # ... past an escaping backslash
    '<<img src="/etc/hostname"/>>',  # an HTML label with an image
    "a\\",  # a trailing backslash would swallow the closing quote
]


def dot_objects(source: str) -> list[dict]:
    """What Graphviz itself reads from ``source`` (``dot -Tjson0``): nodes and clusters."""
    import json
    import subprocess

    done = subprocess.run(["dot", "-Tjson0"], input=source, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout).get("objects", [])


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_a_hostile_name_is_drawn_as_text_and_adds_nothing(hostile):
    graph = ExportGraph(hostile, [
        ExportNode("n1", f"{hostile}\n{hostile}", hostile, "op", hostile, hostile),
        ExportNode("n2", "ok", "ok", "op")], [ExportEdge("n1", "n2", hostile)])
    objects = dot_objects(ge.to_dot(graph, title=hostile))
    nodes = {o["name"]: o for o in objects if not o["name"].startswith("cluster")}
    assert set(nodes) == {"n1", "n2"}  # no node smuggled in
    assert not any("image" in o or "imagepath" in o for o in objects)
    assert hostile.replace("\\", "\\\\") in nodes["n1"]["label"]  # the name, as text


@pytest.mark.parametrize("hostile", [*HOSTILE_NAMES, "two\nlines"])
def test_a_collapsed_hostile_scope_is_laid_out_under_its_own_id(hostile):
    """A collapsed layer's node id holds its scope's name: valid DOT, nothing smuggled in,
    and the layout names each node by its id, for the GUI to find it."""
    graph = ExportGraph("g", [ExportNode("n1", "a", "Op", "op", "a", hostile),
                              ExportNode("n2", "b", "Op", "op", "b", hostile),
                              ExportNode("n3", "c", "Op", "op")],
                        [ExportEdge("n1", "n2", "e"), ExportEdge("n2", "n3", "e")])
    collapsed = ge.collapse(graph)
    assert any(node.kind == "cluster" for node in collapsed.nodes)
    assert not any("image" in o for o in dot_objects(ge.to_dot(collapsed)))
    layout = ge.layout_json(collapsed)
    assert set(layout["nodes"]) == collapsed.node_ids()
    assert {(src, dst) for src, dst, _ in layout["edges"]} == {
        (e.src, e.dst) for e in collapsed.edges}


@pytest.mark.parametrize("hostile", HOSTILE_NAMES)
def test_a_traced_graph_with_a_hostile_scope_writes_safe_dot(hostile):
    @tf.function
    def f(x):
        with tf.name_scope(hostile):
            return tf.identity(x * 2.0, name=hostile)

    graph = f.get_concrete_function(tf.constant(1.0)).graph
    objects = dot_objects(graph.to_dot())
    assert not any("image" in o for o in objects)
    assert len([o for o in objects if not o["name"].startswith("cluster")]) == len(graph.nodes)
