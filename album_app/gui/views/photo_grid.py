"""The photo grid: an icon-mode QListView with uniform cells, thumbnails painted as they arrive."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QPainter, QPainterPath, QPalette, QPixmap, QWheelEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from album_app.gui.models import PhotoGridModel, Roles

Index = QModelIndex | QPersistentModelIndex
SIZES = (96, 128, 160, 208, 256)


class PhotoDelegate(QStyledItemDelegate):
    """A thumbnail fit into its square cell; a rounded highlight when selected, a focus ring for the keyboard."""

    def __init__(self, view: PhotoGridView) -> None:
        super().__init__(view)
        self.view = view

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return self.view.gridSize()

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        rect: QRect = option.rect  # type: ignore[attr-defined]
        palette: QPalette = option.palette  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        side = min(rect.width(), rect.height()) - 6  # a square in the (justified, wider) cell
        cell = QRect(0, 0, side, side)
        cell.moveCenter(rect.center())
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if state & QStyle.StateFlag.State_Selected:
            path = QPainterPath()
            path.addRoundedRect(QRectF(cell), 6, 6)
            painter.fillPath(path, palette.color(QPalette.ColorRole.Highlight))
        inner = cell.adjusted(5, 5, -5, -5)
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if isinstance(pixmap, QPixmap) and not pixmap.isNull():
            size = pixmap.size().scaled(inner.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(inner.center())
            painter.drawPixmap(target, pixmap)
        else:
            # A quiet placeholder while the thumbnail loads (or where none can be made).
            placeholder = QRect(0, 0, inner.width() * 3 // 4, inner.height() * 3 // 4)
            placeholder.moveCenter(inner.center())
            painter.fillRect(placeholder, palette.color(QPalette.ColorRole.Midlight))
            if index.data(Roles.ThumbnailFailed):
                painter.setPen(palette.color(QPalette.ColorRole.Mid))
                painter.drawText(placeholder, Qt.AlignmentFlag.AlignCenter, "no preview")
        if state & QStyle.StateFlag.State_HasFocus and self.view.hasFocus():
            painter.setPen(palette.color(QPalette.ColorRole.Highlight).darker(130))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(cell).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        painter.restore()


class PhotoGridView(QListView):
    """Icon mode, static layout, uniform sizes, batched layout: cheap at 100k photos.

    Ctrl+wheel, Ctrl++ and Ctrl+- change the thumbnail size.
    """

    thumbSizeChanged = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setMovement(QListView.Movement.Static)  # no free-form moving of icons: drags carry photos out
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setUniformItemSizes(True)
        self.setLayoutMode(QListView.LayoutMode.Batched)
        self.setBatchSize(500)
        self.setWrapping(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.setDragEnabled(True)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.setItemDelegate(PhotoDelegate(self))
        self.setAccessibleName("Photos")
        self.setAccessibleDescription("Photos of the selected album. Drag them onto an album to move them.")
        self._thumb = 160
        self.set_thumb_size(160)

    def event(self, event: QEvent) -> bool:
        # Moved to a screen of another scale: ask for thumbnails at the new pixel size.
        if event.type() == QEvent.Type.DevicePixelRatioChange:
            model = self.model()
            if isinstance(model, PhotoGridModel):
                model.device_ratio = self.devicePixelRatioF()
                self.viewport().update()
        return super().event(event)

    def setModel(self, model: object) -> None:
        super().setModel(model)  # type: ignore[arg-type]
        if isinstance(model, PhotoGridModel):
            model.device_ratio = self.devicePixelRatioF()
            self._justify()

    @property
    def thumb_size(self) -> int:
        return self._thumb

    def set_thumb_size(self, size: int) -> None:
        self._thumb = size
        self.setIconSize(QSize(size, size))
        self._justify()
        self.viewport().update()
        self.thumbSizeChanged.emit(size)

    def _justify(self) -> None:
        """Square cells that share the row's width, so the grid fills the view edge to edge.

        The thumbnail size chosen is the smallest a cell may have; the model asks for pixmaps of
        the cell's real size (rounded up to 32 px, so a resize does not reload every thumbnail).
        """
        cell = self._thumb + 16
        width = self.viewport().width() - 2  # a pixel of slack, or the last column wraps to the next row
        columns = max(1, width // cell)
        side = max(cell, width // columns)
        if QSize(side, side) != self.gridSize():
            self.setGridSize(QSize(side, side))
        model = self.model()
        if isinstance(model, PhotoGridModel):
            model.thumb_size = -(-(side - 16) // 32) * 32

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._justify()

    def zoom(self, steps: int) -> None:
        current = min(range(len(SIZES)), key=lambda i: abs(SIZES[i] - self._thumb))
        self.set_thumb_size(SIZES[max(0, min(len(SIZES) - 1, current + steps))])

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(1 if event.angleDelta().y() > 0 else -1)
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: object) -> None:
        if event.matches(QKeySequence.StandardKey.ZoomIn):  # type: ignore[attr-defined]
            self.zoom(1)
        elif event.matches(QKeySequence.StandardKey.ZoomOut):  # type: ignore[attr-defined]
            self.zoom(-1)
        else:
            super().keyPressEvent(event)  # type: ignore[arg-type]

    def selected_photo_ids(self) -> list[int]:
        model = self.model()
        if model is None:
            return []
        rows = sorted(i.row() for i in self.selectionModel().selectedIndexes())
        return [p for r in rows if (p := model.index(r, 0).data(Roles.PhotoId)) is not None]

    def current_photo_id(self) -> int | None:
        index = self.currentIndex()
        return index.data(Roles.PhotoId) if index.isValid() else None
