"""Dropping folders: the empty library's drop zone, and a filter that lets any view take folder drops."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


def dropped_folders(mime: QMimeData | None) -> list[Path]:
    """Local folders (and single files) among dropped URLs; nothing for photos dragged inside the app."""
    if mime is None or not mime.hasUrls():
        return []
    from album_app.gui.models import PHOTO_MIME

    if mime.hasFormat(PHOTO_MIME):  # our own photo drags also carry file URLs: those are moves, not imports
        return []
    paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
    return [path for path in paths if path.exists()]


class FolderDropFilter(QObject):
    """Installed on a widget (a view's viewport), accepts folder drags and emits the folders on drop.

    Other drags (photos moving between albums) pass through to the widget untouched.
    """

    foldersDropped = Signal(object)  # list[Path]
    hovering = Signal(bool)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDragMoveEvent)
            if dropped_folders(event.mimeData()):
                event.setDropAction(Qt.DropAction.CopyAction)
                event.accept()
                if kind == QEvent.Type.DragEnter:
                    self.hovering.emit(True)
                return True
        elif kind == QEvent.Type.DragLeave:
            self.hovering.emit(False)
        elif kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            folders = dropped_folders(event.mimeData())
            if folders:
                event.setDropAction(Qt.DropAction.CopyAction)
                event.accept()
                self.hovering.emit(False)
                self.foldersDropped.emit(folders)
                return True
        return False


class DropZone(QWidget):
    """What an empty library shows: a large dashed target and a button for those who prefer menus."""

    addFolderClicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setAccessibleName("Drop zone")
        self.setAccessibleDescription("Drag photo folders here to add them to the library.")
        self._hover = False
        title = QLabel("Drag photo folders here")
        font = QFont(title.font())
        font.setPointSizeF(font.pointSizeF() * 1.8)
        font.setBold(True)
        title.setFont(font)
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint = QLabel(
            "album_app reads them where they are, on this computer, and suggests albums.\n"
            "Nothing is uploaded, moved or changed."
        )
        hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        hint.setWordWrap(True)
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.button = QPushButton("Add folder…")
        self.button.setAccessibleName("Add folder")
        self.button.clicked.connect(self.addFolderClicked.emit)
        layout = QVBoxLayout(self)
        layout.addStretch(3)
        layout.addWidget(title)
        layout.addSpacing(8)
        layout.addWidget(hint)
        layout.addSpacing(16)
        layout.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(4)

    def set_hover(self, hover: bool) -> None:
        self._hover = hover
        self.update()

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        colour = palette.color(QPalette.ColorRole.Highlight if self._hover else QPalette.ColorRole.Mid)
        pen = QPen(colour, 2.5 if self._hover else 2.0, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        if self._hover:
            tint = palette.color(QPalette.ColorRole.Highlight)
            tint.setAlpha(24)
            painter.setBrush(tint)
        painter.drawRoundedRect(self.rect().adjusted(24, 24, -24, -24), 16, 16)
