"""The Graph dock over real recorded traces: draw, follow, click, select, collapse, export."""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from app_helpers import record_script
from control_flow_script import LOOPY_SCRIPT, line_of
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QGraphicsSimpleTextItem

from app import graph_view as graph_view_module
from app.cli import main as cli_main
from app.docks import graph_dock as graph_dock_module
from app.docks.graph_dock import TAPE, GraphDock
from app.session import Session
from debugger import graph_export

TIMEOUT = 20_000

KERAS_SCRIPT = textwrap.dedent("""\
    import numpy as np
    import engine as tf

    rng = np.random.default_rng(0)
    x = tf.constant(rng.random((16, 6), dtype=np.float32))
    y = tf.constant(rng.integers(0, 3, 16))
    # Named: recorded in the test process, where automatic names count earlier layers.
    model = tf.keras.Sequential([tf.keras.layers.Dense(8, activation="relu", name="dense"),
                                 tf.keras.layers.Dense(3, name="dense_1")], name="sequential")
    loss_fn = tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = tf.keras.optimizers.SGD(0.1)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        grads = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    for step in range(2):
        train_step(x, y)
""")


@pytest.fixture
def session(qtbot):
    session = Session()
    yield session
    session.shutdown()
    session.deleteLater()


@pytest.fixture
def dock(qtbot, session):
    dock = GraphDock(session)
    qtbot.addWidget(dock)
    dock.resize(900, 700)
    dock.show()
    qtbot.waitExposed(dock)
    return dock


@pytest.fixture(scope="module")
def keras_trace(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("keras")
    script = folder / "keras_train.py"
    script.write_text(KERAS_SCRIPT)
    return record_script(script, folder / "keras.tsdb")


def open_and_draw(qtbot, session, dock, trace: Path) -> None:
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        assert session.open_trace(trace)
    qtbot.waitUntil(lambda: session.state == "trace", timeout=TIMEOUT)
    dock.refresh()  # the whole trace is in: redraw now instead of within a second
    qtbot.waitUntil(lambda: dock._pending is None, timeout=TIMEOUT)


def click_node(qtbot, dock, node_id: str, double: bool = False) -> None:
    point = dock.view.item_center(node_id).toPoint()
    if double:
        qtbot.mouseDClick(dock.view.viewport(), Qt.MouseButton.LeftButton, pos=point)
    else:
        qtbot.mouseClick(dock.view.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_a_trace_draws_the_tape_of_its_last_step_with_the_nan_in_red(qtbot, session, dock,
                                                                   train_trace):
    open_and_draw(qtbot, session, dock, train_trace)
    last_step = int(session.op_steps[-1])
    assert dock.source == TAPE and dock.step_spin.value() == last_step
    graph = dock.shown_graph
    step_ops = [op for op in session.ops if op["step"] == last_step]
    assert {n.id for n in graph.nodes if n.kind == "op"} == {f"op{op['seq']}" for op in step_ops}
    log = next(op for op in step_ops if op["op"] == "Log")
    item = dock.view.node_items[f"op{log['seq']}"]
    assert item.node.health == "nan"
    assert item.brush().color() == QColor(graph_export.node_style(item.node)[0])
    assert item.brush().color() != QColor(graph_export.node_style(
        graph_export.ExportNode("x", "", "Add", "op"))[0])
    assert "nodes" in dock.status_label.text()


def test_clicking_a_node_selects_its_op_and_selecting_an_op_highlights_its_node(
        qtbot, session, dock, train_trace):
    open_and_draw(qtbot, session, dock, train_trace)
    log = next(op for op in session.ops if op["op"] == "Log")
    with qtbot.waitSignal(dock.opSelected, timeout=TIMEOUT) as picked:
        click_node(qtbot, dock, f"op{log['seq']}")
    assert picked.args == [log["seq"]]
    assert dock.view.selected == f"op{log['seq']}"

    first = session.ops[0]  # step 0: the dock switches to that step's tape
    assert first["step"] != log["step"]
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.select_op(first["seq"])
    assert dock.step_spin.value() == first["step"] and not dock.follow_check.isChecked()
    assert dock.view.selected == f"op{first['seq']}"


def test_a_traced_graph_is_listed_drawn_and_mapped_to_its_ops(qtbot, session, dock,
                                                              keras_trace):
    open_and_draw(qtbot, session, dock, keras_trace)
    graph_event = session.graphs[0]
    names = [dock.source_combo.itemText(i) for i in range(dock.source_combo.count())]
    assert any(name.startswith("train_step — trace 1") for name in names)
    # An op that ran inside the graph selects the graph and its node.
    matmul = next(op for op in session.ops if op["op"] == "MatMul"
                  and op["exec"] == f"graph:{graph_event['graph_id']}")
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.select_op(matmul["seq"])
    assert dock.source == 0
    node = next(n for n in graph_event["nodes"] if n["name"] == matmul["name"])
    shown = dock.shown_graph
    assert len(shown.nodes) == len(graph_event["nodes"])  # small: nothing collapsed
    assert dock.view.selected == f"op{node['id']}"
    # The reverse: clicking that node selects the latest op event it ran as.
    latest = max(op["seq"] for op in session.ops if op["name"] == matmul["name"]
                 and op["exec"] == matmul["exec"])
    with qtbot.waitSignal(dock.opSelected, timeout=TIMEOUT) as picked:
        click_node(qtbot, dock, f"op{node['id']}")
    assert picked.args == [latest]


def test_layers_collapse_and_a_double_click_opens_one(qtbot, session, dock, keras_trace):
    open_and_draw(qtbot, session, dock, keras_trace)
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.source_combo.setCurrentIndex(1)  # the traced train_step
    full = len(dock.shown_graph)
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.collapse_combo.setCurrentText("By layer")
    boxes = {n.name: n for n in dock.shown_graph.nodes if n.kind == "cluster"}
    assert "sequential" in boxes and len(dock.shown_graph) < full
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        click_node(qtbot, dock, boxes["sequential"].id, double=True)
    opened = {n.name for n in dock.shown_graph.nodes if n.kind == "cluster"}
    assert {"sequential/dense", "sequential/dense_1"} <= opened
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.collapse_all_button.click()
    assert {n.name for n in dock.shown_graph.nodes if n.kind == "cluster"} == set(boxes)


def test_search_finds_nodes_in_turn(qtbot, session, dock, keras_trace):
    open_and_draw(qtbot, session, dock, keras_trace)
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.source_combo.setCurrentIndex(1)
    matmuls = [n.id for n in dock.shown_graph.nodes if n.op == "MatMul"]
    assert len(matmuls) >= 2
    qtbot.keyClicks(dock.search_edit, "matmul")
    found = []
    for _ in matmuls:
        qtbot.keyClick(dock.search_edit, Qt.Key.Key_Return)
        found.append(dock.view.selected)
    assert found == matmuls
    dock.search_edit.clear()
    qtbot.keyClicks(dock.search_edit, "no such op")
    qtbot.keyClick(dock.search_edit, Qt.Key.Key_Return)
    assert "No node matches" in dock.status_label.text()


def test_following_a_run_reuses_the_layout_of_a_step_with_the_same_structure(
        qtbot, session, dock, train_trace, monkeypatch):
    calls = []
    real = graph_export.layout_json
    monkeypatch.setattr(graph_dock_module.graph_export, "layout_json",
                        lambda graph, *a, **k: calls.append(len(graph)) or real(graph, *a, **k))
    open_and_draw(qtbot, session, dock, train_trace)
    for step in (0, 1):  # two training steps: same ops, other tensor ids
        with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
            dock.step_spin.setValue(step)
        assert dock.shown_graph.nodes[-1].id.startswith("op")
    step_0_and_1 = calls[-2:] if len(calls) >= 2 else calls
    assert len(calls) == 2, f"dot ran for {calls}"  # the last step, then step 0; step 1 cached
    assert step_0_and_1


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf", "dot"])
def test_export_dialog_writes_each_format(qtbot, session, dock, train_trace, tmp_path, fmt):
    open_and_draw(qtbot, session, dock, train_trace)
    dialog = dock.export_dialog()
    assert dialog is not None and dialog.isVisible()
    dialog.format_combo.setCurrentText(fmt.upper())
    target = tmp_path / f"graph.{fmt}"
    dialog.path_edit.setText(str(target))
    with qtbot.waitSignal(dock.exportFinished, timeout=TIMEOUT) as done:
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)
    assert done.args == [str(target), ""]
    data = target.read_bytes()
    if fmt == "png":
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
    elif fmt == "pdf":
        assert data.startswith(b"%PDF")
    elif fmt == "svg":
        root = ET.fromstring(data)
        assert root.tag.endswith("svg")
        assert b"Log" in data
    else:
        assert data.startswith(b"digraph") and b"Log" in data


def test_an_export_that_cannot_be_written_says_why(qtbot, session, dock, train_trace,
                                                   tmp_path):
    open_and_draw(qtbot, session, dock, train_trace)
    blocker = tmp_path / "file"
    blocker.write_text("")
    with qtbot.waitSignal(session.errorRaised, timeout=TIMEOUT) as raised:
        assert dock.export_to(blocker / "graph.svg", "svg")
    assert raised.args[0] == "Export failed" and str(blocker) in raised.args[1]
    assert "Export failed" in dock.status_label.text()


def test_nothing_open_shows_a_hint_and_export_explains(qtbot, dock):
    assert "No ops yet" in dock.view.message
    assert dock.export_dialog() is None
    assert "Nothing to export" in dock.status_label.text()


FIT_SCRIPT = textwrap.dedent("""\
    import numpy as np
    import engine as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype(np.float32)
    y = (x.sum(1) > 0).astype(np.int64)
    model = tf.keras.Sequential([tf.keras.layers.Dense(3, name="dense")], name="sequential")
    model.compile(optimizer="sgd", metrics=["accuracy"],
                  loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(x, y, epochs=2, batch_size=24, validation_split=0.25, verbose=0)
""")


def view_shows_all(view) -> bool:
    """Every node and edge is inside the viewport (a fitted graph)."""
    drawn = view.mapFromScene(view.scene().itemsBoundingRect()).boundingRect()
    return view.viewport().rect().adjusted(-2, -2, 2, 2).contains(drawn)


def test_follow_lands_on_the_last_training_step_not_the_validation_pass_after_it(
        qtbot, session, dock, tmp_path):
    script = tmp_path / "fit.py"
    script.write_text(FIT_SCRIPT)
    open_and_draw(qtbot, session, dock, record_script(script, tmp_path / "fit.tsdb"))
    last_train_step = max(e["step"] for e in session.events if e["kind"] == "step_end")
    assert int(session.op_steps[-1]) == last_train_step + 1  # validation and metrics only
    assert dock.follow_check.isChecked()
    assert dock.step_spin.value() == last_train_step
    assert any(n.op == "Variable" and n.name.endswith("kernel")
               for n in dock.shown_graph.nodes)


def test_the_graph_fits_itself_after_a_step_source_or_collapse_change(qtbot, session, dock,
                                                                     keras_trace):
    open_and_draw(qtbot, session, dock, keras_trace)
    view = dock.view
    changes = [lambda: dock.source_combo.setCurrentIndex(1),
               lambda: dock.collapse_combo.setCurrentText("By layer"),
               lambda: dock.source_combo.setCurrentIndex(0),
               lambda: dock.step_spin.setValue(0)]
    for change in changes:
        qtbot.mouseClick(dock.zoom_in_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dock.zoom_in_button, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dock.zoom_in_button, Qt.MouseButton.LeftButton)
        assert not view_shows_all(view)
        with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
            change()
        assert view.fitted and view_shows_all(view), (
            view.mapFromScene(view.scene().itemsBoundingRect()).boundingRect(),
            view.viewport().rect())


def test_a_fitted_graph_fits_again_when_the_dock_is_resized(qtbot, session, dock, keras_trace):
    open_and_draw(qtbot, session, dock, keras_trace)
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.source_combo.setCurrentIndex(1)
    dock.resize(400, 300)
    qtbot.waitUntil(lambda: view_shows_all(dock.view))


def test_a_search_hit_is_zoomed_to(qtbot, session, dock, keras_trace):
    open_and_draw(qtbot, session, dock, keras_trace)
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.source_combo.setCurrentIndex(1)
    for _ in range(6):
        qtbot.mouseClick(dock.zoom_out_button, Qt.MouseButton.LeftButton)
    assert dock.view.transform().m11() < graph_view_module.READABLE_SCALE
    qtbot.keyClicks(dock.search_edit, "matmul")
    qtbot.keyClick(dock.search_edit, Qt.Key.Key_Return)
    found = dock.view.selected
    assert found is not None and dock.view.transform().m11() >= graph_view_module.READABLE_SCALE
    assert dock.view.viewport().rect().contains(dock.view.item_center(found).toPoint())


@pytest.mark.parametrize("mode", ["Everything", "Auto", "By layer"])
def test_collapse_all_closes_every_layer_from_any_mode(qtbot, session, dock, keras_trace, mode):
    open_and_draw(qtbot, session, dock, keras_trace)
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.source_combo.setCurrentIndex(1)  # small: "Auto" leaves it open
    if dock.collapse_combo.currentText() != mode:
        with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
            dock.collapse_combo.setCurrentText(mode)
    if mode == "By layer":
        box = next(n for n in dock.shown_graph.nodes if n.name == "sequential")
        with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
            click_node(qtbot, dock, box.id, double=True)
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        qtbot.mouseClick(dock.collapse_all_button, Qt.MouseButton.LeftButton)
    boxes = {n.name for n in dock.shown_graph.nodes if n.kind == "cluster"}
    assert "sequential" in boxes and not any(name.startswith("sequential/") for name in boxes)


def test_inputs_are_named_never_tensor_from_outside(qtbot, session, dock, keras_trace):
    open_and_draw(qtbot, session, dock, keras_trace)
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.collapse_combo.setCurrentText("Everything")
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.source_combo.setCurrentIndex(1)  # train_step(x, y), traced
    arguments = [n for n in dock.shown_graph.nodes if n.op == "Placeholder"]
    assert sorted(n.name for n in arguments) == ["x", "y"]
    assert all(n.name in dock.view.node_items[n.id].node.label for n in arguments)


def test_the_tape_names_its_outside_inputs_by_their_consumer(qtbot, session, dock,
                                                             train_trace):
    open_and_draw(qtbot, session, dock, train_trace)
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.step_spin.setValue(0)
    inputs = {n.name for n in dock.shown_graph.nodes if n.kind == "input"}
    # w * x - y: x and y are constants made before the tape, so no op produced them.
    assert {"y of Mul", "y of Sub"} <= inputs, inputs
    for node in dock.shown_graph.nodes:
        assert "from outside" not in node.label and not node.name.startswith("tensor ")


BRANCHY_SCRIPT = textwrap.dedent("""\
    import engine as tf

    @tf.function
    def branchy(x):
        if tf.reduce_sum(x) > 0:  # AutoGraph: one If node running the branch taken
            y = tf.sqrt(x)
        else:
            y = tf.math.log(x - 100.0)
        return y

    for v in (4.0, 9.0):
        branchy(tf.constant([v, v]))
""")


def test_a_converted_if_is_drawn_with_its_branches_and_clicking_selects_its_op(
        qtbot, session, dock, tmp_path):
    script = tmp_path / "branchy.py"
    script.write_text(BRANCHY_SCRIPT)
    open_and_draw(qtbot, session, dock, record_script(script, tmp_path / "branchy.tsdb"))
    # the branch's ops ran one by one, by their path in the If node
    sqrt = next(op for op in session.ops if op["op"] == "Sqrt")
    assert not any(op["op"] == "Log" for op in session.ops)  # the branch not taken never ran
    assert sqrt["line"] == BRANCHY_SCRIPT.splitlines().index("        y = tf.sqrt(x)") + 1
    assert sqrt["name"] == "If/then/Sqrt"
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.select_op(sqrt["seq"])
    shown = {n.name: n for n in dock.shown_graph.nodes}
    assert shown["If/then/Sqrt"].scope == "If/then" and shown["If/else/Log"].scope == "If/else"
    assert dock.view.selected == shown["If/then/Sqrt"].id
    latest = max(op["seq"] for op in session.ops if op["name"] == sqrt["name"]
                 and op["exec"] == sqrt["exec"])
    with qtbot.waitSignal(dock.opSelected, timeout=TIMEOUT) as picked:
        click_node(qtbot, dock, shown["If/then/Sqrt"].id)
    assert picked.args == [latest]
    click_node(qtbot, dock, shown["If/else/Log"].id)  # drawn, never ran
    assert "not run op by op" in dock.status_label.text()


def test_a_while_loop_is_drawn_as_clusters_that_collapse_and_its_nan_op_is_red(
        qtbot, session, dock, tmp_path):
    script = tmp_path / "loopy.py"
    script.write_text(LOOPY_SCRIPT)
    trace = tmp_path / "loopy.tsdb"
    assert cli_main(["record", str(script), "-o", str(trace)]) == 0  # compiled, packed
    open_and_draw(qtbot, session, dock, trace)
    nan_op = next(op for op in session.ops if op["summary"][0].get("bad"))
    assert nan_op["name"] == "While/body/Sqrt" and nan_op["line"] == line_of("tf.sqrt(x)")
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.select_op(nan_op["seq"])
    shown = {n.name: n for n in dock.shown_graph.nodes}
    assert {"If/then/mul", "If/else/Neg", "While/cond/Less", "While/body/sub"} <= set(shown)
    sqrt = shown["While/body/Sqrt"]
    assert dock.view.selected == sqrt.id and sqrt.health == "nan"
    item = dock.view.node_items[sqrt.id]
    assert item.brush().color() == QColor(graph_export.node_style(sqrt)[0])
    titles = {item.text() for item in dock.view.scene().items()
              if isinstance(item, QGraphicsSimpleTextItem)}  # the clusters' titles
    assert {"If", "then", "else", "While", "cond", "body"} <= titles
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.collapse_combo.setCurrentText("By layer")
    boxes = {n.name: n for n in dock.shown_graph.nodes if n.kind == "cluster"}
    assert {"If", "While"} <= set(boxes) and boxes["While"].health == "nan"
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        click_node(qtbot, dock, boxes["While"].id, double=True)
    opened = {n.name for n in dock.shown_graph.nodes if n.kind == "cluster"}
    assert {"While/cond", "While/body"} <= opened and "While" not in opened


def test_a_layout_finishing_after_the_dock_is_gone_sends_nothing(qtbot, session):
    """The worker's emit and the dock's teardown could race and crash the process: once
    the dock (and its relay) is deleted the worker's send is a no-op, not an emit on a
    deleted object."""
    dock = GraphDock(session)
    relay = dock._relay
    received: list = []
    relay.laidOut.connect(lambda *args: received.append(args))
    relay.send("laidOut", None, None, None, "before")
    qtbot.waitUntil(lambda: len(received) == 1)
    dock.deleteLater()
    qtbot.waitUntil(lambda: not relay._gate.open)
    relay.send("laidOut", None, None, None, "after")  # the worker, too late: no RuntimeError
    qtbot.wait(50)
    assert [args[3] for args in received] == ["before"]


def test_the_next_step_of_the_same_graph_keeps_the_drawing_and_clicks_its_own_ops(
        qtbot, session, dock, train_trace):
    """Steps 1 and 2 of the training loop run the same ops: the boxes drawn for step 1 are
    kept (rebuilding every item each second cost a followed run ~25 ms of the UI thread),
    and now stand for step 2's ops."""
    open_and_draw(qtbot, session, dock, train_trace)
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.step_spin.setValue(1)
    drawn = list(dock.view.node_items.values())
    with qtbot.waitSignal(dock.layoutShown, timeout=TIMEOUT):
        dock.step_spin.setValue(2)
    step_ops = [op for op in session.ops if op["step"] == 2]
    assert {n.id for n in dock.shown_graph.nodes if n.kind == "op"} == {
        f"op{op['seq']}" for op in step_ops}
    assert sorted(map(id, dock.view.node_items.values())) == sorted(map(id, drawn))
    assert all(item.node.id == node_id for node_id, item in dock.view.node_items.items())
    square = next(op for op in step_ops if op["op"] == "Square")
    with qtbot.waitSignal(dock.opSelected, timeout=TIMEOUT) as picked:
        click_node(qtbot, dock, f"op{square['seq']}")
    assert picked.args == [square["seq"]]
    assert dock.view.selected == f"op{square['seq']}"
