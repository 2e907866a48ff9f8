"""A titled grid of some photos from across the library (a map marker's photos), opened in the viewer.

The same PhotoGridView and PhotoGridModel as an album's grid, without stacks: Enter or a double-click
emits ``photoActivated(the photos shown, the index opened)``.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from album_app.catalog.views import PhotoSummaries
from album_app.gui.models import PhotoGridModel, Roles
from album_app.gui.thumbnails import ThumbnailLoader
from album_app.gui.views.photo_grid import PhotoGridView


class PhotoResults(QWidget):
    photoActivated = Signal(object, int)  # the photo ids shown, the index opened
    currentPhotoChanged = Signal(object)  # photo id or None

    def __init__(
        self, thumbnails: ThumbnailLoader | None = None, placeholder: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.photo_ids: list[int] = []
        self.title = QLabel(placeholder)
        self.title.setWordWrap(True)
        self.title.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.placeholder = placeholder
        self.model = PhotoGridModel(thumbnails, self)
        self.grid = PhotoGridView()
        self.grid.setModel(self.model)
        self.grid.set_thumb_size(96)
        self.grid.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.grid.photoOpened.connect(self._opened)
        self.grid.selectionModel().currentChanged.connect(self._current_changed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.grid, 1)

    def set_photos(self, photo_ids: Sequence[int], photos: PhotoSummaries, title: str) -> None:
        self.photo_ids = list(photo_ids)
        self.model.set_photos(None, self.photo_ids, photos)
        role = QPalette.ColorRole.WindowText if self.photo_ids else QPalette.ColorRole.PlaceholderText
        self.title.setForegroundRole(role)
        self.title.setText(title if self.photo_ids else self.placeholder)

    def update_photos(self, photos: PhotoSummaries) -> None:
        """A new snapshot: the same photos, those still in the library."""
        kept = [p for p in self.photo_ids if p in photos.position]
        self.photo_ids = kept
        self.model.set_photos(None, kept, photos)
        if not kept:
            self.title.setText(self.placeholder)

    def _opened(self, photo_id: int) -> None:
        if photo_id in self.photo_ids:
            self.photoActivated.emit(list(self.photo_ids), self.photo_ids.index(photo_id))

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self.currentPhotoChanged.emit(current.data(Roles.PhotoId) if current.isValid() else None)
