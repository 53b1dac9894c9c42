"""The Tensor dock: an op's inputs and outputs, and one tensor's values, heatmap and stats."""

import numpy as np
import pytest
from fake_session import FakeSession
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication

import engine as tf
from app.docks.tensor_dock import NOT_KEPT, PAGE_SIZE, TensorDock
from debugger.probe import Probe

DISPLAY = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def session():
    return FakeSession()


@pytest.fixture
def dock(qtbot, session):
    dock = TensorDock(session)
    qtbot.addWidget(dock)
    dock.resize(900, 600)
    dock.show()
    qtbot.waitExposed(dock)
    return dock


def cell(dock, row, col, role=DISPLAY):
    model = dock.table_model
    return model.data(model.index(row, col), role)


def click_item(qtbot, dock, row, double=False):
    listing = dock.tensor_list
    rect = listing.visualItemRect(listing.item(row))
    qtbot.mouseClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    if double:
        qtbot.mouseDClick(listing.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def matmul_run(session):
    """x @ w = y as three op events; x and w have ids 11 and 22."""
    x = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    w = np.array([[1, 0], [0, 1], [1, 1]], dtype=np.float32)
    make_x = session.op("Const", [x], output_ids=(11,), name="x")
    make_w = session.op("Const", [w], output_ids=(22,), name="w")
    matmul = session.op("MatMul", [x @ w], inputs=(11, 22), output_ids=(33,), name="y")
    session.feed([make_x, make_w])
    session.feed([matmul])  # inputs were indexed in an earlier batch
    return x, w, matmul


def test_op_lists_its_output_and_inputs_with_their_producers(dock, session):
    x, w, matmul = matmul_run(session)
    dock.show_op(matmul["seq"])
    texts = [dock.tensor_list.item(i).text() for i in range(dock.tensor_list.count())]
    assert texts == ["output 0: float32[2, 2]",
                     "input 0: float32[2, 3] ← x #1",
                     "input 1: float32[3, 2] ← w #2"]
    # The first output is shown straight away.
    assert dock.table_model.rowCount() == 2 and dock.table_model.columnCount() == 2
    assert cell(dock, 1, 1) == str((x @ w)[1, 1])


def test_clicking_an_input_shows_its_values(qtbot, dock, session):
    x, w, matmul = matmul_run(session)
    dock.show_op(matmul["seq"])
    click_item(qtbot, dock, 1)
    assert dock.table_model.rowCount() == 2 and dock.table_model.columnCount() == 3
    assert cell(dock, 0, 1) == "0.25"
    assert cell(dock, 1, 2, Qt.ItemDataRole.UserRole) == pytest.approx(1.25)
    assert dock.table_model.headerData(2, Qt.Orientation.Horizontal) == "2"
    np.testing.assert_array_equal(dock.current_value, x)


def test_double_clicking_an_input_follows_it_to_its_producer(qtbot, dock, session):
    _, _, matmul = matmul_run(session)
    dock.show_op(matmul["seq"])
    with qtbot.waitSignal(dock.opSelected) as selected:
        click_item(qtbot, dock, 2, double=True)
    assert selected.args == [2]
    assert dock.tensor_list.item(0).text() == "output 0: float32[3, 2]"


def test_a_reused_tensor_id_resolves_to_the_producer_before_the_consumer(dock, session):
    first = session.op("Const", [np.ones(2, np.float32)], output_ids=(7,), name="first")
    consumer = session.op("Neg", [-np.ones(2, np.float32)], inputs=(7,), name="neg")
    later = session.op("Const", [np.zeros(2, np.float32)], output_ids=(7,), name="later")
    session.feed([first, consumer, later])
    assert dock.producer_of(7, consumer["seq"]) == (first["seq"], 0)
    assert dock.producer_of(7, later["seq"] + 1) == (later["seq"], 0)
    assert dock.producer_of(7, first["seq"]) is None


def test_a_recorded_input_is_labelled_with_its_own_producer(qtbot, dock, session):
    # Real probe events: x / std converts x to a new tensor just after reduce_std's Mean
    # output died, at that tensor's address; the dock must not call x "<- Mean".
    log: list[dict] = []
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    with Probe(log.append, mode="CONCISE_HEALTH"):
        for _ in range(5):
            std = tf.math.reduce_std(x, axis=0)
            x / std
    session.feed(log)
    divisions = [e for e in log if e["kind"] == "op" and e["op"] == "RealDiv"]
    assert len(divisions) == 5
    for division in divisions:
        dock.show_op(division["seq"])
        numerator, denominator = (dock.tensor_list.item(i).text() for i in (1, 2))
        assert numerator == "input 0: x (not made by a recorded op)"  # x of RealDiv(x, y)
        assert denominator == f"input 1: float32[3] ← Sqrt #{division['seq'] - 1}"
    click_item(qtbot, dock, 1)
    assert dock.status_label.text().startswith("No recorded op produced this input")


def test_nan_and_inf_are_highlighted_in_table_and_stats(dock, session):
    value = np.array([[1.0, np.nan], [np.inf, -np.inf]], dtype=np.float32)
    event = session.op("Log", [value])
    session.feed([event])
    dock.show_op(event["seq"])
    assert cell(dock, 0, 1) == "nan"
    assert cell(dock, 0, 0, Qt.ItemDataRole.ForegroundRole) is None
    for row, col in ((0, 1), (1, 0), (1, 1)):
        brush = cell(dock, row, col, Qt.ItemDataRole.ForegroundRole)
        assert brush.color().name() == "#d32f2f"
    stats = dock.stats_label.text()
    red = '<span style="color:#d32f2f; font-weight:bold">1</span>'
    assert f"<b>NaN</b> {red}" in stats
    assert f"<b>-Inf</b> {red}" in stats and f"<b>+Inf</b> {red}" in stats
    assert "(from the value)" in stats


def test_heatmap_of_a_matrix_and_of_a_chosen_slice(dock, session):
    matrix = np.random.default_rng(0).normal(size=(5, 7)).astype(np.float32)
    cube = np.arange(4 * 5 * 6, dtype=np.float32).reshape(4, 5, 6)
    event = session.op("Split", [matrix, cube])
    session.feed([event])
    dock.show_op(event["seq"])
    assert dock.image_item.image.shape == (5, 7)
    assert dock.colorbar.levels() == pytest.approx((matrix.min(), matrix.max()))

    dock.tensor_list.setCurrentRow(1)
    assert len(dock.slice_spins) == 1 and dock.slice_spins[0].maximum() == 3
    assert dock.image_item.image.shape == (5, 6)
    dock.slice_spins[0].setValue(2)
    np.testing.assert_array_equal(dock.image_item.image, cube[2])
    assert cell(dock, 4, 5) == str(cube[2, 4, 5])


def test_large_tensors_are_paged(dock, session):
    value = np.arange(2_500 * 3, dtype=np.int32).reshape(2_500, 3)
    event = session.op("Range", [value])
    session.feed([event])
    dock.show_op(event["seq"])
    assert dock.table_model.rowCount() == PAGE_SIZE
    assert dock.page_bar.isVisible()
    dock.row_page_spin.setValue(2)
    assert dock.table_model.rowCount() == 500
    assert dock.table_model.headerData(0, Qt.Orientation.Vertical) == "2000"
    assert cell(dock, 0, 1) == str(value[2000, 1])
    assert not dock.col_page_spin.maximum()


def test_histogram_counts_the_finite_values(dock, session):
    value = np.concatenate([np.random.default_rng(1).normal(size=1_000),
                            [np.nan, np.inf]]).astype(np.float32)
    event = session.op("RandomNormal", [value])
    session.feed([event])
    dock.show_op(event["seq"])
    expected, edges = np.histogram(value[np.isfinite(value)].astype(np.float64), bins=50)
    np.testing.assert_array_equal(dock.histogram_counts, expected)
    np.testing.assert_allclose(dock.histogram_edges, edges)
    assert dock.histogram_counts.sum() == 1_000
    np.testing.assert_array_equal(dock.histogram_bars.opts["height"], expected)


def test_copy_as_numpy_text_reads_back_exactly(qtbot, dock, session):
    value = np.array([[1 / 3, 0.1], [2.5e-8, np.nan]], dtype=np.float32)
    big = np.linspace(0, 1, 2_000, dtype=np.float32)
    event = session.op("Div", [value, big])
    session.feed([event])
    dock.show_op(event["seq"])
    qtbot.mouseClick(dock.copy_button, Qt.MouseButton.LeftButton)
    text = QGuiApplication.clipboard().text()
    assert text == ("array([[3.3333334e-01, 1.0000000e-01],\n"
                    "       [2.5000000e-08,           nan]], dtype=float32)")
    names = {"array": np.array, "float32": np.float32, "nan": np.nan, "inf": np.inf}
    np.testing.assert_array_equal(eval(text, names), value)

    dock.tensor_list.setCurrentRow(1)
    dock.copy_as_text()
    text = QGuiApplication.clipboard().text()
    assert "..." not in text  # never numpy's summarized form
    np.testing.assert_array_equal(eval(text, names), big)


def test_save_npy_round_trips(dock, session, tmp_path):
    value = np.random.default_rng(2).normal(size=(3, 4, 5)).astype(np.float32)
    event = session.op("Conv", [value])
    session.feed([event])
    dock.show_op(event["seq"])
    path = tmp_path / "t.npy"
    dock.save_npy(str(path))
    loaded = np.load(path)
    assert loaded.dtype == np.float32
    np.testing.assert_array_equal(loaded, value)


def test_without_a_value_the_summary_is_shown_and_a_pause_fetches_it(dock, session):
    value = np.array([[-2.0, 4.0]], dtype=np.float32)
    event = session.op("Relu", [value], keep=False)
    session.feed([event])
    dock.show_op(event["seq"])
    assert dock.status_label.text() == NOT_KEPT
    assert dock.current_value is None
    assert not dock.copy_button.isEnabled() and not dock.save_button.isEnabled()
    assert dock.table_model.rowCount() == 0
    stats = dock.stats_label.text()
    assert "<b>min</b> -2" in stats and "<b>max</b> 4" in stats
    assert "(from the summary)" in stats

    session.values[(event["seq"], 0)] = value  # the paused child still has it
    session.runPaused.emit({"reason": "step"})
    np.testing.assert_array_equal(dock.current_value, value)
    assert dock.status_label.text() == ""
    assert cell(dock, 0, 1) == "4.0"


def test_an_op_selected_before_it_arrives_is_shown_when_it_does(dock, session):
    event = session.op("Add", [np.ones(3, np.float32)])
    dock.show_op(event["seq"])
    assert "not arrived" in dock.op_label.text()
    session.feed([event])
    assert dock.tensor_list.count() == 1
    assert cell(dock, 2, 0) == "1.0"


def test_inputs_no_op_produced_say_why_they_have_no_value(dock, session):
    created = session.variable_created(42, "w:0", np.zeros((3, 2), np.float32))
    matmul = session.op("MatMul", [np.zeros((1, 2), np.float32)], inputs=(42, 999))
    session.feed([created, matmul])
    dock.show_op(matmul["seq"])
    assert dock.tensor_list.item(1).text() == "input 0: variable w:0 float32[3, 2]"
    assert dock.tensor_list.item(2).text() == "input 1: b (not made by a recorded op)"
    dock.tensor_list.setCurrentRow(1)
    assert dock.status_label.text().startswith("w:0 is a variable, read in place")
    assert dock.current_value is None
    dock.tensor_list.setCurrentRow(2)
    assert dock.status_label.text().startswith("No recorded op produced this input")


@pytest.mark.parametrize("rows, bad_output", [
    ([[1.0, 2.0], [np.nan, 3.0]], 1),  # [good, bad]
    ([[np.nan, 2.0], [1.0, 3.0]], 0),  # [bad, good]
])
def test_each_output_of_a_multi_output_op_shows_its_own_health(qtbot, dock, session, rows,
                                                                 bad_output):
    value = np.array(rows, dtype=np.float32)
    event = session.op("Unpack", list(value), mode="CONCISE_HEALTH", keep=False)
    session.feed([event])
    dock.show_op(event["seq"])
    red_nan = '<b>NaN</b> <span style="color:#d32f2f; font-weight:bold">1</span>'
    for output in (0, 1):
        item = dock.tensor_list.item(output)
        if output == bad_output:
            assert item.foreground().color() == QColor("#d32f2f")
            assert item.toolTip() == f"output {output} holds NaN or Inf"
        else:
            assert item.foreground().style() == Qt.BrushStyle.NoBrush  # the list's own colour
        click_item(qtbot, dock, output)
        stats = dock.stats_label.text()
        assert "(from the summary)" in stats
        if output == bad_output:
            assert red_nan in stats
        else:
            assert "<b>NaN</b> 0" in stats and "color:" not in stats
