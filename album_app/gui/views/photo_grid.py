"""The photo grid: an icon-mode QListView with uniform cells, thumbnails painted as they arrive.

A burst stack is one cell: its cover on a pile of cards with a "×5" badge; double-click or Enter opens it
in place (its photos carry a "2/5" mark) and closes it again. On any other cell they open the photo
(``photoOpened``: the window shows it in the viewer).
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeySequence, QPainter, QPainterPath, QPalette, QPixmap, QWheelEvent
from PySide6.QtWidgets import QAbstractItemView, QListView, QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from album_app.gui import formatting
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
        stack_size = index.data(Roles.StackSize) or 1
        position = index.data(Roles.StackPosition)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        if position is not None:
            # A photo of an open stack: a quiet shared background ties the stack's cells together.
            tint = QColor(palette.color(QPalette.ColorRole.Highlight))
            tint.setAlpha(40)
            painter.fillRect(rect, tint)
        if state & QStyle.StateFlag.State_Selected:
            path = QPainterPath()
            path.addRoundedRect(QRectF(cell), 6, 6)
            painter.fillPath(path, palette.color(QPalette.ColorRole.Highlight))
        inner = cell.adjusted(5, 5, -5, -5)
        step = max(3, inner.width() // 40)
        if stack_size > 1:
            inner = inner.adjusted(0, 2 * step, -2 * step, 0)  # room for the pile behind the cover
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        has_pixmap = isinstance(pixmap, QPixmap) and not pixmap.isNull()
        if has_pixmap:
            size = pixmap.size().scaled(inner.size(), Qt.AspectRatioMode.KeepAspectRatio)
            target = QRect(0, 0, size.width(), size.height())
        else:
            target = QRect(0, 0, inner.width() * 3 // 4, inner.height() * 3 // 4)
        target.moveCenter(inner.center())
        if stack_size > 1:
            self._paint_pile(painter, palette, target, step)
        if has_pixmap:
            painter.drawPixmap(target, pixmap)
        else:
            # A quiet placeholder while the thumbnail loads (or where none can be made).
            painter.fillRect(target, palette.color(QPalette.ColorRole.Midlight))
            if index.data(Roles.ThumbnailFailed):
                painter.setPen(palette.color(QPalette.ColorRole.Mid))
                painter.drawText(target, Qt.AlignmentFlag.AlignCenter, "no preview")
        if stack_size > 1:
            self._paint_badge(painter, target, f"×{stack_size}", strong=True)
        elif position is not None:
            self._paint_badge(painter, target, f"{position[0]}/{position[1]}", strong=False)
        duration = index.data(Roles.Duration)
        if duration is not None:  # a video: its length where a phone's gallery shows it, bottom right
            self._paint_badge(painter, target, formatting.duration(float(duration)), strong=False, bottom=True)
        if index.data(Roles.SuggestedTurn):
            # The rotation model thinks this photo is sideways (the tooltip and the inspector say how).
            self._paint_badge(painter, target, "\u21bb", strong=True, left=True)
        if state & QStyle.StateFlag.State_HasFocus and self.view.hasFocus():
            painter.setPen(palette.color(QPalette.ColorRole.Highlight).darker(130))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRoundedRect(QRectF(cell).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)
        painter.restore()

    @staticmethod
    def _paint_pile(painter: QPainter, palette: QPalette, photo: QRect, step: int) -> None:
        """Two cards peeking out behind the cover (up and right): "more photos under this one"."""
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        for offset, role in ((2, QPalette.ColorRole.Midlight), (1, QPalette.ColorRole.Light)):
            painter.setBrush(palette.color(role))
            painter.drawRoundedRect(QRectF(photo.translated(offset * step, -offset * step)), 3, 3)

    @staticmethod
    def _paint_badge(
        painter: QPainter, inner: QRect, text: str, *, strong: bool, left: bool = False, bottom: bool = False
    ) -> None:
        """A short label in a rounded badge at a corner (top-right unless ``left``/``bottom``), legible on any
        photo."""
        font = QFont(painter.font())
        font.setBold(strong)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        width, height = metrics.horizontalAdvance(text) + 10, metrics.height() + 2
        x = inner.left() + 3 if left else inner.right() - width - 3
        y = inner.bottom() - height - 3 if bottom else inner.top() + 3
        badge = QRectF(x, y, width, height)
        path = QPainterPath()
        path.addRoundedRect(badge, height / 2, height / 2)
        painter.fillPath(path, QColor(0, 0, 0, 170 if strong else 120))
        painter.setPen(QColor(255, 255, 255))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, text)


class PhotoGridView(QListView):
    """Icon mode, static layout, uniform sizes, batched layout: cheap at 100k photos.

    Ctrl+wheel, Ctrl++ and Ctrl+- change the thumbnail size. Activating a stack's cell (double-click,
    Enter) opens or closes the stack; its cover stays the current, selected cell. Activating any other
    cell emits ``photoOpened(photo id)``.
    """

    thumbSizeChanged = Signal(int)
    photoOpened = Signal(int)  # the photo of a cell activated that is no stack

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
        self.setAccessibleDescription(
            "Photos of the selected album. Drag them onto an album to move them. "
            "A stack of look-alike shots opens and closes with Enter."
        )
        self.activated.connect(self._activated)
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

    def _activated(self, index: Index) -> None:
        if not self.toggle_stack(index) and index.isValid():
            photo = index.data(Roles.PhotoId)
            if photo is not None:
                self.photoOpened.emit(int(photo))

    def reveal(self, photo_id: int) -> bool:
        """Make a photo's cell the current, only selected one and scroll to it (opening a stack that hides
        it); False when the grid does not show it."""
        model = self.model()
        if not isinstance(model, PhotoGridModel):
            return False
        row = model.open_stack_of(photo_id)
        if row is None:
            return False
        index = model.index(row)
        self.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.scrollTo(index)
        return True

    def toggle_stack(self, index: Index) -> bool:
        """Open or close the stack of a cell; the cover becomes the current, only selected cell."""
        model = self.model()
        if not isinstance(model, PhotoGridModel) or not index.isValid():
            return False
        row = model.toggle_stack(index.row())
        if row is None:
            return False
        cover = model.index(row)
        flags = QItemSelectionModel.SelectionFlag
        self.selectionModel().setCurrentIndex(cover, flags.ClearAndSelect)
        self.scrollTo(cover)
        return True

    def selected_photo_ids(self) -> list[int]:
        """The photos the selected cells stand for: every member of a closed stack (its cover first)."""
        model = self.model()
        if model is None:
            return []
        ids: list[int] = []
        for row in sorted(i.row() for i in self.selectionModel().selectedIndexes()):
            index = model.index(row, 0)
            photos = index.data(Roles.StackPhotoIds)
            if photos is None:
                photos = [p] if (p := index.data(Roles.PhotoId)) is not None else []
            ids.extend(photos)
        return list(dict.fromkeys(ids))

    def current_photo_id(self) -> int | None:
        """The photo the current cell shows (a closed stack's cover)."""
        index = self.currentIndex()
        return index.data(Roles.PhotoId) if index.isValid() else None
