"""The library map: every photo as a dot at the 2-D PCA of its code, coloured by album.

Painting 100k anti-aliased dots with QPainter takes over a second, so large maps are rasterised
with numpy into an image (tens of milliseconds) and only re-rasterised when the view changes;
small maps (the common case, and screenshots) are drawn with QPainter for smooth dots.
Hover shows the photo's thumbnail; click selects the photo (and its album); wheel zooms; drag pans.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QColor,
    QImage,
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

from album_app.gui.tasks import MapData
from album_app.gui.thumbnails import ThumbnailLoader

SMOOTH_LIMIT = 4000  # up to this many dots, QPainter; above, the numpy rasteriser
DOT_RADIUS = 3.0
HOVER_PX = 10
MARGIN = 24
HOVER_THUMB = 128


def album_colour(index: int) -> QColor:
    """Distinct, stable hues (golden-ratio steps); the only hard-coded colours in the window."""
    return QColor.fromHsvF((0.08 + index * 0.618034) % 1.0, 0.62, 0.86)


def rasterise(points: np.ndarray, colours: np.ndarray, size: tuple[int, int], radius: float) -> np.ndarray:
    """Solid discs at pixel ``points`` (n, 2) in ARGB ``colours`` (n,) uint32 → (h, w) uint32 image, 0 elsewhere."""
    width, height = size
    image = np.zeros((height, width), dtype=np.uint32)
    if len(points) == 0:
        return image
    centre = np.rint(points).astype(np.int64)
    r = int(np.ceil(radius))
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dx * dx + dy * dy > radius * radius:
                continue
            x, y = centre[:, 0] + dx, centre[:, 1] + dy
            inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
            image[y[inside], x[inside]] = colours[inside]
    return image


class LibraryMap(QWidget):
    photoClicked = Signal(int)  # photo id

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Library map")
        self.setAccessibleDescription(
            "Each dot is a photo, placed by what it shows and coloured by album. Click a dot to open its album."
        )
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAcceptDrops(True)
        self.thumbnails = thumbnails
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnails_ready)
        self.data: MapData | None = None
        self.album_names: dict[int, str] = {}
        self.highlight_album: int | None = None
        self.message = "The map appears once photos have been read."
        self._colours = np.zeros(0, dtype=np.uint32)
        self._polygons: list[tuple[QColor, QPolygonF]] = []
        self._zoom = 1.0
        self._centre = np.array([0.5, 0.5])
        self._pixels = np.zeros((0, 2))  # dot positions in widget pixels for the current view
        self._raster: tuple[tuple[object, ...], QImage, np.ndarray] | None = None
        self._hover: int | None = None
        self._press: QPointF | None = None
        self._dragged = False

    def sizeHint(self) -> QSize:
        return QSize(640, 480)

    # -- data ---------------------------------------------------------------------------------------

    def set_data(self, data: MapData | None, album_names: dict[int, str] | None = None) -> None:
        self.data = data
        self.album_names = dict(album_names or {})
        self._raster = None
        self._hover = None
        if data is None or len(data.photo_ids) == 0:
            self._colours = np.zeros(0, dtype=np.uint32)
            self._polygons = []
            self.update()
            return
        unsorted = self.palette().color(QPalette.ColorRole.Mid)
        table = [album_colour(i) for i in range(len(data.album_ids))]
        # Index -1 (Unsorted) picks the last entry: one vectorised lookup, fine at 100k dots.
        lookup = np.array([c.rgba() for c in table] + [unsorted.rgba()], dtype=np.uint32)
        self._colours = lookup[data.labels]
        self._polygons = []
        if len(data.photo_ids) <= SMOOTH_LIMIT:
            # Unsorted first, so album dots sit on top of the grey ones.
            for label in [-1, *range(len(data.album_ids))]:
                chosen = data.xy[data.labels == label]
                if len(chosen):
                    colour = unsorted if label < 0 else table[label]
                    self._polygons.append((colour, QPolygonF([QPointF(x, y) for x, y in chosen.tolist()])))
        self.update()

    def set_highlight_album(self, album_id: int | None) -> None:
        self.highlight_album = album_id
        self.update()

    def reset_view(self) -> None:
        self._zoom, self._centre = 1.0, np.array([0.5, 0.5])
        self._raster = None
        self.update()

    # -- geometry -----------------------------------------------------------------------------------

    def _plot(self) -> QRectF:
        """Where dots go: inside margins, above the caption line."""
        return QRectF(MARGIN, MARGIN, max(self.width() - 2 * MARGIN, 10), max(self.height() - 2 * MARGIN - 20, 10))

    def _scale(self) -> float:
        plot = self._plot()
        return min(plot.width(), plot.height()) * self._zoom

    def _offset(self) -> np.ndarray:
        centre = self._plot().center()
        return np.array([centre.x(), centre.y()]) - self._centre * self._scale()

    def _to_pixels(self, xy: np.ndarray) -> np.ndarray:
        return xy * self._scale() + self._offset()

    def _to_data(self, point: QPointF) -> np.ndarray:
        return (np.array([point.x(), point.y()]) - self._offset()) / self._scale()

    def _nearest(self, point: QPointF) -> int | None:
        if self.data is None or len(self._pixels) == 0:
            return None
        distances = ((self._pixels - np.array([point.x(), point.y()])) ** 2).sum(axis=1)
        best = int(distances.argmin())
        return best if distances[best] <= HOVER_PX**2 else None

    # -- painting -----------------------------------------------------------------------------------

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        data = self.data
        if data is None or len(data.photo_ids) == 0:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        self._pixels = self._to_pixels(data.xy)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self._polygons:
            scale, offset = self._scale(), self._offset()
            # Map the points to pixels (in C++) and draw them untransformed: a round-capped pen
            # under a scaling transform draws dashes, not dots.
            to_pixels = QTransform(scale, 0, 0, scale, offset[0], offset[1])
            for colour, polygon in self._polygons:
                pen = QPen(colour, DOT_RADIUS * 2)
                pen.setCapStyle(Qt.PenCapStyle.RoundCap)
                painter.setPen(pen)
                painter.drawPoints(to_pixels.map(polygon))
        else:
            painter.drawImage(0, 0, self._raster_image())
        self._paint_highlight(painter)
        self._paint_legend(painter)
        self._paint_hover(painter)
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        painter.drawText(
            QRect(8, self.height() - 24, self.width() - 16, 20),
            Qt.AlignmentFlag.AlignLeft,
            f"{len(data.photo_ids):,} photos · closer dots look more alike · wheel zooms, drag pans",
        )

    def _raster_image(self) -> QImage:
        key = (self.width(), self.height(), self._zoom, tuple(self._centre), id(self.data), self.highlight_album)
        if self._raster is None or self._raster[0] != key:
            size = (self.width(), self.height())
            # Dense maps get smaller dots: less overdraw, and a third of the work at 100k.
            radius = DOT_RADIUS if len(self._pixels) < 20_000 else DOT_RADIUS - 1
            pixels = rasterise(self._pixels, self._colours, size, radius)
            chosen = self._highlighted()
            if chosen is not None and chosen.any():
                # The selected album on top, outlined: numpy too (QPainter would take ~100 ms for 5k dots).
                points, colours = self._pixels[chosen], self._colours[chosen]
                outline = np.full(len(points), self.palette().color(QPalette.ColorRole.Text).rgba(), dtype=np.uint32)
                for layer, extra in ((outline, 2.5), (colours, 1.5)):
                    drawn = rasterise(points, layer, size, radius + extra)
                    pixels = np.where(drawn != 0, drawn, pixels)
            image = QImage(pixels.data, self.width(), self.height(), self.width() * 4, QImage.Format.Format_ARGB32)
            self._raster = (key, image, pixels)  # the array backs the image: keep both
        return self._raster[1]

    def _highlighted(self) -> np.ndarray | None:
        """A mask of the selected album's dots, None when no album of the map is selected."""
        data = self.data
        if data is None or self.highlight_album is None or self.highlight_album not in data.album_ids:
            return None
        return data.labels == data.album_ids.index(self.highlight_album)

    def _paint_highlight(self, painter: QPainter) -> None:
        """The selected album's dots, larger and outlined, on top (the rasteriser does this for big maps)."""
        chosen = self._highlighted()
        if chosen is None or not self._polygons or not chosen.any():
            return
        assert self.data is not None
        label = self.data.album_ids.index(self.highlight_album)
        polygon = QPolygonF([QPointF(x, y) for x, y in self._pixels[chosen].tolist()])
        for colour, width in (
            (self.palette().color(QPalette.ColorRole.Text), DOT_RADIUS * 2 + 5),
            (album_colour(label), DOT_RADIUS * 2 + 2),
        ):
            pen = QPen(colour, width)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(pen)
            painter.drawPoints(polygon)

    def _paint_legend(self, painter: QPainter) -> None:
        """Which colour is which album (the first dozen; hovering names any dot)."""
        data = self.data
        if data is None or not data.album_ids:
            return
        palette = self.palette()
        metrics = painter.fontMetrics()
        entries = [(album_colour(i), self.album_names.get(a, f"Album {a}")) for i, a in enumerate(data.album_ids)]
        if (data.labels < 0).any():
            entries.append((palette.color(QPalette.ColorRole.Mid), "Unsorted"))
        shown = entries[:12]
        width = min(max(metrics.horizontalAdvance(name) for _, name in shown) + 30, 260)
        line = metrics.height() + 2
        box = QRectF(self.width() - width - 10, 10, width, line * len(shown) + 10)
        background = palette.color(QPalette.ColorRole.Base)
        background.setAlpha(225)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(background)
        painter.drawRoundedRect(box, 6, 6)
        for row, (colour, name) in enumerate(shown):
            y = box.top() + 5 + row * line
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            painter.drawEllipse(QPointF(box.left() + 12, y + line / 2), DOT_RADIUS + 1, DOT_RADIUS + 1)
            painter.setPen(palette.color(QPalette.ColorRole.Text))
            painter.drawText(
                QRectF(box.left() + 24, y, width - 30, line),
                Qt.AlignmentFlag.AlignVCenter,
                metrics.elidedText(name, Qt.TextElideMode.ElideRight, int(width - 30)),
            )

    def _paint_hover(self, painter: QPainter) -> None:
        data = self.data
        if data is None or self._hover is None or self._hover >= len(data.photo_ids):
            return
        x, y = self._pixels[self._hover].tolist()
        palette = self.palette()
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(QPointF(x, y), DOT_RADIUS + 4, DOT_RADIUS + 4)
        pixmap = None
        if self.thumbnails is not None:
            pixmap = self.thumbnails.pixmap(data.content_hashes[self._hover], HOVER_THUMB, self.devicePixelRatioF())
        label = int(data.labels[self._hover])
        album = self.album_names.get(data.album_ids[label], "") if label >= 0 else "Unsorted"
        text_height = painter.fontMetrics().height()
        card = QRectF(0, 0, HOVER_THUMB + 12, HOVER_THUMB + text_height + 16)
        card.moveTopLeft(QPointF(x + 14, y + 14))
        if card.right() > self.width():
            card.moveRight(x - 14)
        if card.bottom() > self.height():
            card.moveBottom(y - 14)
        painter.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1))
        painter.setBrush(palette.color(QPalette.ColorRole.ToolTipBase))
        painter.drawRoundedRect(card, 6, 6)
        image_rect = QRectF(card.left() + 6, card.top() + 6, HOVER_THUMB, HOVER_THUMB)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            size = pixmap.size().scaled(HOVER_THUMB, HOVER_THUMB, Qt.AspectRatioMode.KeepAspectRatio)
            target = QRectF(0, 0, size.width(), size.height())
            target.moveCenter(image_rect.center())
            painter.drawPixmap(target.toRect(), pixmap)
        else:
            painter.fillRect(image_rect, palette.color(QPalette.ColorRole.Midlight))
        painter.setPen(palette.color(QPalette.ColorRole.ToolTipText))
        text_rect = QRectF(card.left() + 6, image_rect.bottom() + 4, HOVER_THUMB, text_height)
        painter.drawText(
            text_rect,
            Qt.AlignmentFlag.AlignLeft,
            painter.fontMetrics().elidedText(album, Qt.TextElideMode.ElideRight, HOVER_THUMB),
        )

    # -- interaction --------------------------------------------------------------------------------

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        position = event.position()
        if self._press is not None and event.buttons() & Qt.MouseButton.LeftButton:
            delta = position - self._press
            if self._dragged or abs(delta.x()) + abs(delta.y()) > 4:
                self._dragged = True
                self._centre = self._centre - np.array([delta.x(), delta.y()]) / self._scale()
                self._press = position
                self._raster = None
                self.update()
                return
        hover = self._nearest(position)
        if hover != self._hover:
            self._hover = hover
            self.update()

    def leaveEvent(self, event: object) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._press, self._dragged = event.position(), False

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and not self._dragged:
            index = self._nearest(event.position())
            if index is not None and self.data is not None:
                self.photoClicked.emit(int(self.data.photo_ids[index]))
        self._press, self._dragged = None, False

    def wheelEvent(self, event: QWheelEvent) -> None:
        factor = 1.25 if event.angleDelta().y() > 0 else 0.8
        anchor = self._to_data(event.position())
        self._zoom = float(np.clip(self._zoom * factor, 0.5, 200.0))
        # Keep the point under the cursor where it is.
        after = self._to_data(event.position())
        self._centre = self._centre + (anchor - after)
        self._raster = None
        self.update()
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_0, Qt.Key.Key_Home):
            self.reset_view()
        elif event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self._zoom = min(self._zoom * 1.25, 200.0)
            self._raster = None
            self.update()
        elif event.key() == Qt.Key.Key_Minus:
            self._zoom = max(self._zoom * 0.8, 0.5)
            self._raster = None
            self.update()
        else:
            super().keyPressEvent(event)

    def resizeEvent(self, event: object) -> None:
        self._raster = None
        super().resizeEvent(event)  # type: ignore[arg-type]

    @Slot(object)
    def _thumbnails_ready(self, hashes: set[str]) -> None:
        if self.data is not None and self._hover is not None and self.data.content_hashes[self._hover] in hashes:
            self.update()
