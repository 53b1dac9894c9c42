"""Qt drawing of a graph Graphviz laid out: nodes, edges and layer boxes as scene items.

Graphviz only computes positions (``graph_export.layout_json``, in a worker); drawing them
as items rather than showing a rendered SVG is what lets a person click a node, search,
zoom without blur, and recolor a node when a NaN reaches it without another layout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from debugger.graph_export import ExportGraph, ExportNode, node_style

SELECTED_PEN = QColor("#1565c0")
EDGE_COLOR = QColor("#666666")
CLUSTER_PEN = QColor("#9aa8c0")
CLUSTER_TEXT = QColor("#4a5878")
MAX_EDGE_LABELS = 400  # beyond this, edge labels are noise and cost more than the graph
ZOOM_STEP = 1.25
MIN_SCALE, MAX_SCALE = 0.02, 8.0
READABLE_SCALE = 0.9  # node labels are legible from about here
CLICK_SLOP = 4  # pixels a press may move and still count as a click, not a pan


@dataclass
class Layout:
    """Positions for one graph in node-index space, so a graph of the same structure (the
    next training step's tape) reuses it: nodes[i] = (x, y, w, h) of ``graph.nodes[i]``;
    edges = (src index, dst index, spline points, arrow tip, label); clusters by scope."""

    nodes: list[tuple[float, float, float, float] | None]
    edges: list[tuple[int, int, list[tuple[float, float]], tuple[float, float] | None,
                      tuple[float, float, str] | None]]
    clusters: dict[str, tuple[float, float, float, float]]
    bbox: tuple[float, float, float, float]
    seconds: float = 0.0

    @classmethod
    def from_json(cls, graph: ExportGraph, data: dict, seconds: float = 0.0) -> Layout:
        """From ``graph_export.layout_json`` output (keyed by node id)."""
        index = {node.id: i for i, node in enumerate(graph.nodes)}
        nodes = [data["nodes"].get(node.id) for node in graph.nodes]
        edges = [(index[src], index[dst], points, tip, label)
                 for (src, dst, points), tip, label
                 in zip(data["edges"], data["arrowheads"], data["edge_labels"])
                 if src in index and dst in index]
        return cls(nodes, edges, dict(data["clusters"]), tuple(data["bbox"]), seconds)


class NodeItem(QGraphicsPathItem):
    """One box: a rounded rectangle (ellipse for inputs and constants) with its label."""

    def __init__(self, node: ExportNode, box: tuple[float, float, float, float]) -> None:
        super().__init__()
        self.node = node
        x, y, w, h = box
        rect = QRectF(x - w / 2, y - h / 2, w, h)
        path = QPainterPath()
        if node.kind in ("input", "constant"):
            path.addEllipse(rect)
        else:
            path.addRoundedRect(rect, 6, 6)
        self.setPath(path)
        self.setZValue(2)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        tip = node.label if not node.scope else f"{node.label}\nscope: {node.scope}"
        if node.kind == "cluster":
            tip += "\n(double-click to expand)"
        self.setToolTip(tip)
        self._text = QGraphicsSimpleTextItem(node.label, self)
        font = QFont("Helvetica")
        font.setPointSizeF(7.5)
        self._text.setFont(font)
        text_rect = self._text.boundingRect()
        scale = min(1.0, (w - 4) / max(text_rect.width(), 1.0),
                    (h - 2) / max(text_rect.height(), 1.0))
        self._text.setScale(scale)
        self._text.setPos(x - text_rect.width() * scale / 2, y - text_rect.height() * scale / 2)
        self.highlighted = False
        self.restyle()

    def restyle(self) -> None:
        fill, border, width = node_style(self.node)
        self.setBrush(QBrush(QColor(fill)))
        if self.highlighted:
            self.setPen(QPen(SELECTED_PEN, 3.5))
        else:
            self.setPen(QPen(QColor(border), width))

    def set_highlighted(self, on: bool) -> None:
        self.highlighted = on
        self.restyle()


def _edge_path(points: list[tuple[float, float]]) -> QPainterPath:
    """A Graphviz B-spline (1 + 3n points) as cubic segments; straight lines otherwise."""
    path = QPainterPath(QPointF(*points[0]))
    rest = points[1:]
    if len(rest) % 3 == 0:
        for i in range(0, len(rest), 3):
            path.cubicTo(QPointF(*rest[i]), QPointF(*rest[i + 1]), QPointF(*rest[i + 2]))
    else:
        for point in rest:
            path.lineTo(QPointF(*point))
    return path


def _arrowhead(tail: tuple[float, float], tip: tuple[float, float]) -> QPainterPath:
    angle = math.atan2(tip[1] - tail[1], tip[0] - tail[0])
    size = 7.0
    left = (tip[0] - size * math.cos(angle - 0.4), tip[1] - size * math.sin(angle - 0.4))
    right = (tip[0] - size * math.cos(angle + 0.4), tip[1] - size * math.sin(angle + 0.4))
    path = QPainterPath()
    path.addPolygon(QPolygonF([QPointF(*tip), QPointF(*left), QPointF(*right)]))
    path.closeSubpath()
    return path


class GraphView(QGraphicsView):
    """Zoom with the wheel, pan by dragging, click a node to pick it, double-click a
    collapsed layer to open it."""

    nodeClicked = Signal(str)  # node id
    nodeActivated = Signal(str)  # node id, double-clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.RenderHint.Antialiasing
                            | QPainter.RenderHint.TextAntialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setBackgroundBrush(QBrush(QColor("#ffffff")))
        self.graph: ExportGraph | None = None
        self.drawn_layout: Layout | None = None  # (None: a message, or nothing)
        self.node_items: dict[str, NodeItem] = {}
        self.selected: str | None = None
        self._press: QPointF | None = None
        self.message = ""
        # The whole graph is in view and stays so (a resize fits it again) until the user
        # zooms or pans: then a redraw keeps their view.
        self.fitted = False

    # -- content ----------------------------------------------------------------------------------
    def show_graph(self, graph: ExportGraph, layout: Layout, keep_view: bool = False) -> None:
        """Draw ``graph`` at ``layout``; ``keep_view`` keeps zoom and scroll (same graph,
        next step) instead of fitting the whole graph in view."""
        if self._same_drawing(graph, layout):
            self._renew_nodes(graph)  # a followed run's next step: same boxes, new ops
            if not keep_view and not self.fitted:
                self.fit()
            return
        scene = self.scene()
        transform, center = self.transform(), self.mapToScene(self.viewport().rect().center())
        scene.clear()
        self.node_items = {}
        self.graph, self.drawn_layout, self.message = graph, layout, ""
        cluster_font = QFont("Helvetica")
        cluster_font.setPointSizeF(9)
        for scope, (x0, y0, x1, y1) in layout.clusters.items():
            box = scene.addRect(QRectF(x0, y0, x1 - x0, y1 - y0), QPen(CLUSTER_PEN, 1))
            box.setZValue(0)
            title = QGraphicsSimpleTextItem(scope.rsplit("/", 1)[-1], box)
            title.setFont(cluster_font)
            title.setBrush(QBrush(CLUSTER_TEXT))
            title.setPos(x0 + 4, y0 + 2)
        edge_pen = QPen(EDGE_COLOR, 1)
        label_font = QFont("Helvetica")
        label_font.setPointSizeF(6.5)
        labels = len(layout.edges) <= MAX_EDGE_LABELS
        for _src, _dst, points, tip, label in layout.edges:
            if len(points) < 2:
                continue
            scene.addPath(_edge_path(points), edge_pen).setZValue(1)
            if tip is not None:
                head = scene.addPath(_arrowhead(points[-1], tip), edge_pen, QBrush(EDGE_COLOR))
                head.setZValue(1)
            if labels and label is not None and label[2]:
                text = scene.addSimpleText(label[2], label_font)
                text.setBrush(QBrush(EDGE_COLOR))
                rect = text.boundingRect()
                text.setPos(label[0] - rect.width() / 2, label[1] - rect.height() / 2)
        for node, box in zip(graph.nodes, layout.nodes):
            if box is None:
                continue
            item = NodeItem(node, box)
            scene.addItem(item)
            self.node_items[node.id] = item
        x0, y0, x1, y1 = layout.bbox
        scene.setSceneRect(QRectF(x0 - 20, y0 - 20, x1 - x0 + 40, y1 - y0 + 40))
        if self.selected in self.node_items:
            self.node_items[self.selected].set_highlighted(True)
        else:
            self.selected = None
        if keep_view:
            self.setTransform(transform)
            self.centerOn(center)
        else:
            self.fit()

    def _same_drawing(self, graph: ExportGraph, layout: Layout) -> bool:
        """Whether ``graph`` at ``layout`` looks exactly like what is drawn: the same cached
        layout (the graph's structure, labels and health are its key) of as many nodes."""
        shown = self.graph
        return (layout is self.drawn_layout and shown is not None
                and len(shown.nodes) == len(graph.nodes)
                and all(a.label == b.label and a.kind == b.kind and a.scope == b.scope
                        for a, b in zip(shown.nodes, graph.nodes)))

    def _renew_nodes(self, graph: ExportGraph) -> None:
        """Point the drawn boxes at ``graph``'s nodes (their ids and ops change every
        step): following a run, rebuilding every item once a second cost ~25 ms of the UI
        thread each time (measured), for the same picture."""
        old = self.graph
        assert old is not None
        items = {new.id: self.node_items[before.id] for before, new in zip(old.nodes, graph.nodes)
                 if before.id in self.node_items}
        if self.selected in self.node_items:
            self.node_items[self.selected].set_highlighted(False)
        self.selected = None
        for node in graph.nodes:
            item = items.get(node.id)
            if item is not None:
                item.node = node
        self.node_items, self.graph = items, graph

    def show_message(self, text: str) -> None:
        """Replace the drawing with a line of text (nothing to show, layout failed…)."""
        scene = self.scene()
        scene.clear()
        self.node_items, self.graph, self.selected, self.message = {}, None, None, text
        self.drawn_layout = None
        item = scene.addSimpleText(text)
        item.setBrush(QBrush(QColor("#555555")))
        scene.setSceneRect(item.boundingRect().adjusted(-20, -20, 20, 20))
        self.resetTransform()

    # -- selection --------------------------------------------------------------------------------
    def select_node(self, node_id: str | None, center: bool = True) -> bool:
        """Highlight ``node_id`` (None clears); False if the drawing has no such node."""
        if self.selected in self.node_items:
            self.node_items[self.selected].set_highlighted(False)
        self.selected = None
        item = self.node_items.get(node_id or "")
        if item is None:
            return False
        self.selected = node_id
        item.set_highlighted(True)
        if center:
            self.ensureVisible(item, 40, 40)
        return True

    def node_at(self, pos: QPointF) -> str | None:
        for item in self.items(pos.toPoint()):
            while item is not None and not isinstance(item, NodeItem):
                item = item.parentItem()
            if isinstance(item, NodeItem):
                return item.node.id
        return None

    # -- zoom and pan -----------------------------------------------------------------------------
    def fit(self) -> None:
        rect = self.scene().sceneRect()
        if rect.isEmpty():
            return
        self.fitted = True
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.transform().m11() > 1.5:  # a tiny graph is not blown up to fill the dock
            self.resetTransform()
            self.scale(1.5, 1.5)
            self.centerOn(rect.center())

    def zoom_to_selection(self) -> None:
        """A big graph fitted in view is unreadable: show the selected node at a readable
        scale instead (the rest is a drag or Fit away)."""
        item = self.node_items.get(self.selected or "")
        if item is None:
            return
        self.fitted = False
        if self.transform().m11() < READABLE_SCALE:
            self.resetTransform()
            self.scale(READABLE_SCALE, READABLE_SCALE)
        self.centerOn(item)

    def zoom(self, factor: float) -> None:
        current = self.transform().m11()
        factor = max(MIN_SCALE / current, min(MAX_SCALE / current, factor))
        self.scale(factor, factor)
        self.fitted = False

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        if self.fitted and self.graph is not None:
            self.fit()  # the dock grew or shrank (a layout change): still the whole graph

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 (Qt override)
        delta = event.angleDelta().y()
        if delta:
            self.zoom(ZOOM_STEP ** (delta / 120))
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._press = event.position()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        press, self._press = self._press, None
        super().mouseReleaseEvent(event)
        if press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        moved = event.position() - press
        if abs(moved.x()) + abs(moved.y()) > CLICK_SLOP:
            self.fitted = False  # dragged: the user looks somewhere on purpose
        else:
            node_id = self.node_at(event.position())
            if node_id is not None:
                self.select_node(node_id, center=False)
                self.nodeClicked.emit(node_id)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        node_id = self.node_at(event.position())
        if node_id is not None:
            self.nodeActivated.emit(node_id)
        event.accept()

    def item_center(self, node_id: str) -> QPointF:
        """Where a node is on screen (viewport coordinates): what a test clicks."""
        item = self.node_items[node_id]
        return QPointF(self.mapFromScene(item.path().boundingRect().center()))
