"""The full-screen viewer: one photo at a time from a list, with zoom, pan and an info panel.

Opened from any grid with the photo ids it shows and the index chosen (``open_at``); ← and → step, Home
and End jump, F or 0 fits, 1 shows 100 %, + and - or the wheel zoom at the cursor, dragging pans, I
shows or hides the info, Esc closes and says where it ended (``closed(index)``) so the grid can return
to that photo. The original is only ever read (QImageReader, in a worker thread): never written.

The thumbnail shows at once; the full image replaces it when decoded (the neighbours are decoded ahead).
Videos (a photo whose summary has a duration, or a video format) play in the widget ``video_backend`` makes
(the window sets views/video_player.py's); it takes the canvas's place until the viewer moves on or closes,
and Space plays and pauses it instead of stepping.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QPointF, QRectF, QRunnable, QSize, Qt, QThreadPool, Signal, Slot
from PySide6.QtGui import QColor, QImage, QImageReader, QKeyEvent, QMouseEvent, QPainter, QPixmap, QWheelEvent
from PySide6.QtWidgets import QApplication, QFormLayout, QFrame, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from album_app.catalog.views import PhotoDetails, PhotoSummaries
from album_app.gui import formatting
from album_app.gui.thumbnails import ThumbnailLoader
from album_app.gui.views.inspector import why_text

MAX_SIDE = 16384  # larger originals are decoded scaled to this (a 16k-pixel side is 1 GB as RGBA)
CACHE = 3  # decoded images kept: the current photo and its neighbours
ZOOM_RANGE = (0.02, 16.0)
WHEEL_FACTOR = 1.25
VIDEO_FORMATS = frozenset({"MP4", "MOV", "M4V", "3GP", "WEBM", "MKV", "AVI"})
THUMB = 256


def is_video(file_format: str | None) -> bool:
    """A format the formats work will index as video (the catalog holds only photos today)."""
    return (file_format or "").upper() in VIDEO_FORMATS


def read_original(path: str) -> QImage | None:
    """The original, turned upright by its EXIF orientation; None when it cannot be read. Read-only."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)
    size = reader.size()
    if size.isValid() and max(size.width(), size.height()) > MAX_SIDE:
        reader.setScaledSize(size.scaled(QSize(MAX_SIDE, MAX_SIDE), Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


class _Signals(QObject):
    loaded = Signal(str, object)  # path, QImage | None


class _Decode(QRunnable):
    def __init__(self, path: str, signals: _Signals) -> None:
        super().__init__()
        self.path, self.signals = path, signals

    def run(self) -> None:
        self.signals.loaded.emit(self.path, read_original(self.path))


class ImageCanvas(QWidget):
    """Paints one image fitted, at 100 % or any zoom, centred on a point of the image that drags move."""

    zoomChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        self.pixmap: QPixmap | None = None
        self.full_size = QSize()  # the original's size (a thumbnail stands in until it is decoded)
        self.fit = True
        self.zoom = 1.0  # on-screen pixels per original pixel, when not fitting
        self.centre = QPointF(0.5, 0.5)  # the point of the image at the middle of the canvas, in 0..1
        self.message = ""
        self._drag: QPointF | None = None

    def set_image(self, pixmap: QPixmap | None, full_size: QSize | None = None, *, keep_view: bool = False) -> None:
        self.pixmap = pixmap
        self.full_size = full_size if full_size is not None and full_size.isValid() else (
            pixmap.size() if pixmap is not None else QSize()
        )
        if not keep_view:
            self.fit, self.centre = True, QPointF(0.5, 0.5)
        self.update()

    def fit_zoom(self) -> float:
        if not self.full_size.isValid() or self.full_size.isEmpty():
            return 1.0
        return min(self.width() / self.full_size.width(), self.height() / self.full_size.height(), 1.0)

    def shown_zoom(self) -> float:
        return self.fit_zoom() if self.fit else self.zoom

    def set_zoom(self, zoom: float | None, anchor: QPointF | None = None) -> None:
        """``None`` fits the window; a number is screen pixels per original pixel (1.0 = 100 %)."""
        if zoom is None:
            self.fit, self.centre = True, QPointF(0.5, 0.5)
        else:
            zoom = min(max(zoom, ZOOM_RANGE[0]), ZOOM_RANGE[1])
            if anchor is not None and self.full_size.isValid():
                before = self._image_point(anchor)
                self.fit, self.zoom = False, zoom
                after = self._image_point(anchor)
                self.centre = QPointF(
                    self.centre.x() + before.x() - after.x(), self.centre.y() + before.y() - after.y()
                )
            else:
                self.fit, self.zoom = False, zoom
        self._clamp()
        self.update()
        self.zoomChanged.emit(self.shown_zoom())

    def _image_point(self, point: QPointF) -> QPointF:
        """Where a canvas pixel falls on the image, in 0..1."""
        zoom = self.shown_zoom()
        width, height = self.full_size.width() * zoom, self.full_size.height() * zoom
        return QPointF(
            self.centre.x() + (point.x() - self.width() / 2) / max(width, 1e-9),
            self.centre.y() + (point.y() - self.height() / 2) / max(height, 1e-9),
        )

    def _clamp(self) -> None:
        """Keep the image on screen: centred along a side it does not fill."""
        zoom = self.shown_zoom()
        x, y = self.centre.x(), self.centre.y()
        for axis, (length, room) in enumerate(
            ((self.full_size.width() * zoom, self.width()), (self.full_size.height() * zoom, self.height()))
        ):
            half = room / 2 / max(length, 1e-9)
            value = 0.5 if length <= room else min(max(x if axis == 0 else y, half), 1 - half)
            x, y = (value, y) if axis == 0 else (x, value)
        self.centre = QPointF(x, y)

    def image_rect(self) -> QRectF:
        zoom = self.shown_zoom()
        width, height = self.full_size.width() * zoom, self.full_size.height() * zoom
        return QRectF(self.width() / 2 - self.centre.x() * width, self.height() / 2 - self.centre.y() * height,
                      width, height)

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor(16, 16, 16))
        if self.pixmap is None or self.pixmap.isNull():
            painter.setPen(QColor(200, 200, 200))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.message)
            return
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.shown_zoom() < 1.0)
        painter.drawPixmap(self.image_rect(), self.pixmap, QRectF(self.pixmap.rect()))

    def resizeEvent(self, event: object) -> None:
        self._clamp()
        super().resizeEvent(event)  # type: ignore[arg-type]

    def wheelEvent(self, event: QWheelEvent) -> None:
        notches = event.angleDelta().y() / 120.0
        if notches:
            self.set_zoom(self.shown_zoom() * WHEEL_FACTOR**notches, event.position())
        event.accept()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag = event.position()
            self.setCursor(Qt.CursorShape.ClosedHandCursor)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None or not self.full_size.isValid():
            return
        delta = event.position() - self._drag
        self._drag = event.position()
        rect = self.image_rect()
        self.centre = QPointF(
            self.centre.x() - delta.x() / max(rect.width(), 1e-9),
            self.centre.y() - delta.y() / max(rect.height(), 1e-9),
        )
        self._clamp()
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._drag = None
        self.unsetCursor()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.set_zoom(1.0 if self.fit else None, event.position())


class InfoPanel(QFrame):
    """Time and where it came from, place and coordinates, camera, size, album and why it is there."""

    FIELDS = (
        ("file", "File"),
        ("taken", "Taken"),
        ("source", "Time from"),
        ("place", "Place"),
        ("coordinates", "Coordinates"),
        ("camera", "Camera"),
        ("size", "Size"),
        ("album", "Album"),
        ("why", "Why here"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Photo information")
        self.setFixedWidth(300)
        # Dark like the canvas beside it, so the photo stays what the eye goes to.
        self.setStyleSheet("InfoPanel { background: #1c1c1c; } QLabel { color: #e6e6e6; } QLabel[name=true] "
                           "{ color: #9a9a9a; font-weight: bold; }")
        self.fields: dict[str, QLabel] = {}
        form = QFormLayout(self)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        for key, label in self.FIELDS:
            name = QLabel(label)
            name.setProperty("name", True)
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setAccessibleName(label)
            self.fields[key] = value
            form.addRow(name, value)

    def show_details(self, details: PhotoDetails | None, place: str = "", position: str = "") -> None:
        if details is None:
            for value in self.fields.values():
                value.setText("")
            self.fields["file"].setText(position)
            return
        if details.taken_at:
            taken = formatting.when(details.taken_at)
        else:
            taken = formatting.day(details.time_hint) if details.time_hint else "unknown"
        dims = f"{details.width} × {details.height} px, " if details.width and details.height else ""
        values = {
            "file": f"{Path(details.path).name}  ({position})" if position else Path(details.path).name,
            "taken": taken,
            "source": formatting.time_source_text(details.time_source, details.time_hint_source, details.rejected_time),
            "place": place or ("no location in the file" if details.lat is None else "no name known offline"),
            "coordinates": formatting.coordinates(details.lat, details.lon),
            "camera": details.camera or "unknown",
            "size": f"{dims}{formatting.file_size(details.size)}",
            "album": details.album_name or "Unsorted",
            "why": why_text(details),
        }
        for key, text in values.items():
            self.fields[key].setText(text)
        self.fields["file"].setToolTip(details.path)


class PhotoViewer(QWidget):
    """One photo at a time from a list. ``detailsRequested(photo id)`` asks the window for the info panel's
    PhotoDetails (read in a worker); it answers with ``show_details``."""

    closed = Signal(int)  # the index it ended on
    currentChanged = Signal(int, int)  # index, photo id
    detailsRequested = Signal(int)  # photo id

    def __init__(
        self,
        thumbnails: ThumbnailLoader | None = None,
        parent: QWidget | None = None,
        *,
        pool: QThreadPool | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Album App — Viewer")
        self.setAccessibleName("Photo viewer")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.thumbnails = thumbnails
        self.photos = PhotoSummaries()
        self.formats: dict[int, str | None] = {}
        self.place_of: Callable[[int], str] = lambda photo_id: ""
        #: (path, parent) -> a widget that plays the video, or None; closing the widget stops it.
        self.video_backend: Callable[[str, QWidget], QWidget | None] | None = None
        self.video: QWidget | None = None  # the player shown for the current item
        self.photo_ids: list[int] = []
        self.index = 0
        self._details: PhotoDetails | None = None
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._pending: set[str] = set()
        self._pool = pool if pool is not None else QThreadPool(self)
        if pool is None:
            self._pool.setMaxThreadCount(2)
        self._signals = _Signals()
        self._signals.loaded.connect(self._loaded)
        self.canvas = ImageCanvas()
        self.info = InfoPanel()
        self._column = QVBoxLayout()
        self.zoom_label = QLabel()
        self.zoom_label.setAccessibleName("Zoom")
        self.zoom_label.setStyleSheet("color: #ddd; padding: 4px;")
        self.canvas.zoomChanged.connect(self._show_zoom)
        column = self._column
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.canvas, 1)
        column.addWidget(self.zoom_label)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(column, 1)
        layout.addWidget(self.info)
        self.setStyleSheet("PhotoViewer { background: #101010; }")
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnails_ready)

    # -- opening and stepping -----------------------------------------------------------------------

    def set_photos(self, photos: PhotoSummaries, formats: dict[int, str | None] | None = None) -> None:
        """Where each photo lies (paths, content hashes for thumbnails); ``formats`` tells videos apart."""
        self.photos = photos
        self.formats = dict(formats or {})

    def open_at(self, photo_ids: Sequence[int], index: int, *, full_screen: bool = True) -> None:
        self.photo_ids = list(photo_ids)
        if not self.photo_ids:
            return
        if full_screen:
            # The screen of the window it was opened from; the geometry also serves where no window manager
            # honours "full screen" (a bare X server).
            owner = self.parentWidget() or self
            screen = owner.screen()
            if screen is not None:
                self.setGeometry(screen.geometry())
            self.showFullScreen()
        else:
            self.show()
        self.raise_()
        self.activateWindow()
        self.setFocus()
        self.go_to(index)

    def current_photo(self) -> int | None:
        return self.photo_ids[self.index] if self.photo_ids else None

    def go_to(self, index: int) -> None:
        if not self.photo_ids:
            return
        self.index = max(0, min(len(self.photo_ids) - 1, index))
        photo = self.photo_ids[self.index]
        self._drop_video()
        self._details = None
        self.info.show_details(None, position=self._position())
        self._show_current()
        for neighbour in (self.index + 1, self.index - 1):  # decoded ahead: stepping shows them at once
            if 0 <= neighbour < len(self.photo_ids):
                self._request(self._path(self.photo_ids[neighbour]))
        self._show_zoom(self.canvas.shown_zoom())
        self.currentChanged.emit(self.index, photo)
        self.detailsRequested.emit(photo)

    def step(self, delta: int) -> None:
        self.go_to(self.index + delta)

    def close_viewer(self) -> None:
        self._drop_video()
        self.hide()
        self.closed.emit(self.index)

    def _position(self) -> str:
        return f"{self.index + 1:,} of {len(self.photo_ids):,}"

    def _path(self, photo_id: int) -> str | None:
        where = self.photos.position.get(photo_id)
        return self.photos.paths[where] if where is not None else None

    def _show_current(self) -> None:
        photo = self.photo_ids[self.index]
        path = self._path(photo)
        if path is None:
            self.canvas.message = "This photo is no longer in the library."
            self.canvas.set_image(None)
            return
        where = self.photos.position.get(photo)
        has_duration = where is not None and where < len(self.photos.duration_s) and (
            self.photos.duration_s[where] is not None)
        if has_duration or is_video(self.formats.get(photo)):
            self._show_video(path)
            return
        image = self._images.get(path)
        if image is not None:
            self._images.move_to_end(path)
            self.canvas.set_image(QPixmap.fromImage(image), image.size())
            return
        self.canvas.message = "Loading…"
        self.canvas.set_image(self._thumbnail(photo), QImageReader(path).size())
        self._request(path)

    def _show_video(self, path: str) -> None:
        """The player ``video_backend`` makes, in the canvas's place; without one the viewer says so."""
        widget = self.video_backend(path, self) if self.video_backend is not None else None
        if widget is None:
            self.canvas.message = "Videos play here once video support is installed."
            self.canvas.set_image(None)
            return
        self.video = widget
        self.canvas.hide()
        self._column.insertWidget(0, widget, 1)
        widget.show()
        widget.setFocus()
        self._show_zoom(1.0)

    def _drop_video(self) -> None:
        """Close the player (which stops and joins its worker) and give the canvas its place back."""
        widget, self.video = self.video, None
        if widget is None:
            return
        widget.close()
        self._column.removeWidget(widget)
        widget.deleteLater()
        self.canvas.show()

    def _thumbnail(self, photo_id: int) -> QPixmap | None:
        where = self.photos.position.get(photo_id)
        if self.thumbnails is None or where is None:
            return None
        pixmap = self.thumbnails.pixmap(self.photos.content_hashes[where], THUMB, 1.0, self.photos.paths[where])
        return pixmap if isinstance(pixmap, QPixmap) else None

    def _request(self, path: str | None) -> None:
        if path is None or path in self._images or path in self._pending:
            return
        self._pending.add(path)
        self._pool.start(_Decode(path, self._signals))

    @Slot(str, object)
    def _loaded(self, path: str, image: QImage | None) -> None:
        self._pending.discard(path)
        current = self._path(self.photo_ids[self.index]) if self.photo_ids else None
        if image is None:
            if path == current and self.canvas.pixmap is None:
                self.canvas.message = "This photo cannot be shown (the file is missing or unreadable)."
                self.canvas.update()
            return
        self._images[path] = image
        while len(self._images) > CACHE:
            self._images.popitem(last=False)
        if path == current:
            self.canvas.set_image(QPixmap.fromImage(image), image.size(), keep_view=True)

    @Slot(object)
    def _thumbnails_ready(self, hashes: set[str]) -> None:
        if self.photo_ids and self.canvas.pixmap is None:
            self._show_current()

    # -- the info panel -----------------------------------------------------------------------------

    def show_details(self, details: PhotoDetails | None) -> None:
        """The window's answer to detailsRequested; ignored when the viewer has moved on."""
        if details is None or details.id != self.current_photo():
            return
        self._details = details
        self.info.show_details(details, self.place_of(details.id), self._position())

    def _show_zoom(self, zoom: float) -> None:
        if self.video is not None:
            self.zoom_label.setText(f"{self._position()} · Space play/pause · ←/→ step · I info · Esc")
            return
        fit = " (fit)" if self.canvas.fit else ""
        self.zoom_label.setText(f"{zoom:.0%}{fit} · {self._position()} · ←/→ step · F fit · 1 100 % · I info · Esc")

    # -- keys ---------------------------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        actions: dict[int, Callable[[], None]] = {
            Qt.Key.Key_Right: lambda: self.step(1),
            Qt.Key.Key_Left: lambda: self.step(-1),
            Qt.Key.Key_Space: lambda: self.step(1),
            Qt.Key.Key_Backspace: lambda: self.step(-1),
            Qt.Key.Key_Home: lambda: self.go_to(0),
            Qt.Key.Key_End: lambda: self.go_to(len(self.photo_ids) - 1),
            Qt.Key.Key_Escape: self.close_viewer,
            Qt.Key.Key_F: lambda: self.canvas.set_zoom(None),
            Qt.Key.Key_0: lambda: self.canvas.set_zoom(None),
            Qt.Key.Key_1: lambda: self.canvas.set_zoom(1.0),
            Qt.Key.Key_Plus: lambda: self.canvas.set_zoom(self.canvas.shown_zoom() * WHEEL_FACTOR),
            Qt.Key.Key_Equal: lambda: self.canvas.set_zoom(self.canvas.shown_zoom() * WHEEL_FACTOR),
            Qt.Key.Key_Minus: lambda: self.canvas.set_zoom(self.canvas.shown_zoom() / WHEEL_FACTOR),
            Qt.Key.Key_I: lambda: self.info.setVisible(not self.info.isVisible()),
        }
        if key == Qt.Key.Key_Space and self.video is not None:
            QApplication.sendEvent(self.video, event)  # Space plays and pauses a video
            if event.isAccepted():
                return
        action = actions.get(key)
        if action is None:
            super().keyPressEvent(event)
        else:
            action()

    def closeEvent(self, event: object) -> None:
        self._drop_video()
        if self.isVisible():
            self.closed.emit(self.index)
        super().closeEvent(event)  # type: ignore[arg-type]

    def shutdown(self, timeout_ms: int = 5000) -> None:
        self._drop_video()
        self._pool.waitForDone(timeout_ms)
