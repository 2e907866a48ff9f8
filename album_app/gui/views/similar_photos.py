"""More like this: the photos whose codes lie nearest to the chosen ones, with a slider for how alike.

``show_like(photo ids)`` scores the whole library (services.similar: one chunked matrix product, a few
milliseconds at 100k photos); the slider then only cuts the sorted list. Select some results and add
them to an album in one action (``addToAlbumRequested``) or make a new album of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from album_app.catalog.views import PhotoSummaries
from album_app.gui import formatting
from album_app.gui.models import PhotoGridModel
from album_app.gui.thumbnails import ThumbnailLoader
from album_app.gui.views.photo_grid import PhotoGridView
from album_app.services.similar import CodeIndex, Neighbours

FIRST_SHOWN = 48  # the slider starts where this many photos are shown (or all, when fewer are found)
SLIDER_STEPS = 1000


class SimilarPanel(QWidget):
    addToAlbumRequested = Signal(int, object)  # album id, photo ids
    createAlbumRequested = Signal(str, object)  # a name, photo ids
    photoActivated = Signal(object, int)  # the photos shown, the index opened

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("More like this")
        self.codes: CodeIndex | None = None
        self.photos = PhotoSummaries()
        self.sources: list[int] = []
        self.neighbours = Neighbours(np.zeros(0, np.int64), np.zeros(0, np.float32))
        self.shown: list[int] = []
        self.title = QLabel("Choose a photo and ask for more like it.")
        self.title.setAccessibleName("More like this: source")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setAccessibleName("How alike")
        self.slider.setToolTip("Left: more photos, less alike. Right: fewer, closer to the chosen ones.")
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setEnabled(False)
        self.slider.valueChanged.connect(self._cut)
        self.count = QLabel()
        self.count.setAccessibleName("More like this: count")
        self.albums = QComboBox()
        self._album_items: list[tuple[int, str]] = []
        self.albums.setAccessibleName("Album to add to")
        self.add = QPushButton("Add to album")
        self.add.setAccessibleName("Add the selected photos to the album")
        self.add.clicked.connect(self._add)
        self.new_album = QPushButton("New album")
        self.new_album.setAccessibleName("Make a new album of the selected photos")
        self.new_album.clicked.connect(self._new_album)
        self.model = PhotoGridModel(thumbnails, self)
        self.grid = PhotoGridView()
        self.grid.setModel(self.model)
        self.grid.setAccessibleName("Similar photos")
        # Always there: QListView wraps a column early when a bar might appear, so the grid stays justified.
        self.grid.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.grid.activated.disconnect()
        self.grid.activated.connect(self._activated)
        self.grid.selectionModel().selectionChanged.connect(self._update_buttons)
        slider_row = QHBoxLayout()
        slider_row.addWidget(QLabel("Less alike"))
        slider_row.addWidget(self.slider, 1)
        slider_row.addWidget(QLabel("More alike"))
        slider_row.addWidget(self.count)
        actions = QHBoxLayout()
        actions.addStretch(1)
        actions.addWidget(self.albums)
        actions.addWidget(self.add)
        actions.addWidget(self.new_album)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(slider_row)
        layout.addWidget(self.grid, 1)
        layout.addLayout(actions)
        self._update_buttons()

    def set_index(self, codes: CodeIndex | None, photos: PhotoSummaries, *, rerun: bool = True) -> None:
        """New codes (after a scan or a new model); the photos shown are looked for again unless ``rerun`` is
        False (the window looks for them in a worker and calls ``show_result``)."""
        self.codes, self.photos = codes, photos
        if self.sources and rerun:
            self.show_like(self.sources)

    def set_albums(self, albums: Sequence[tuple[int, str]]) -> None:
        """The albums photos can be added to: (id, name), in the sidebar's order (16 ms for 400 albums, so
        nothing is redone when they are the same)."""
        albums = list(albums)
        if albums == self._album_items:
            return
        self._album_items = albums
        current = self.albums.currentData()
        self.albums.blockSignals(True)
        self.albums.clear()
        for album_id, name in albums:
            self.albums.addItem(name, album_id)
        found = self.albums.findData(current)
        self.albums.setCurrentIndex(found if found >= 0 else 0)
        self.albums.blockSignals(False)
        self._update_buttons()

    def show_like(self, photo_ids: Sequence[int]) -> int:
        """Find the photos most like these here and now; returns how many were found (shown: as the slider
        says). The window runs ``CodeIndex.neighbours`` in a worker instead and calls ``show_result``."""
        sources = list(photo_ids)
        found = self.codes.neighbours(sources) if self.codes is not None else None
        return self.show_result(sources, found)

    def show_result(self, photo_ids: Sequence[int], neighbours: Neighbours | None) -> int:
        """Show the neighbours found for these photos (None or empty: they have no code to compare)."""
        self.sources = list(photo_ids)
        where = [self.photos.position.get(p) for p in self.sources]
        names = [Path(self.photos.paths[w]).name for w in where if w is not None]
        if neighbours is None or (len(neighbours) == 0 and not self._has_codes()):
            self.neighbours = Neighbours(np.zeros(0, np.int64), np.zeros(0, np.float32))
            self.title.setText("These photos have no code from the model in use yet: nothing to compare with.")
        else:
            self.neighbours = neighbours
            more = f" and {len(names) - 1} more" if len(names) > 1 else ""
            self.title.setText(f"Photos like {names[0] if names else 'the chosen ones'}{more}")
        self.slider.setEnabled(len(self.neighbours) > 1)
        start = min(FIRST_SHOWN, len(self.neighbours)) - 1
        value = self._slider_value(float(self.neighbours.similarity[start])) if start >= 0 else 0
        self.slider.blockSignals(True)
        self.slider.setValue(value)
        self.slider.blockSignals(False)
        self._cut(value)
        return len(self.neighbours)

    def _has_codes(self) -> bool:
        return self.codes is not None and bool(len(self.codes.rows(self.sources)))

    def threshold(self, value: int | None = None) -> float:
        """The least similarity the slider lets through, within the range of what was found."""
        sims = self.neighbours.similarity
        if len(sims) == 0:
            return 1.0
        low, high = float(sims[-1]), float(sims[0])
        position = (self.slider.value() if value is None else value) / SLIDER_STEPS
        return low + position * (high - low)

    def _slider_value(self, similarity: float) -> int:
        sims = self.neighbours.similarity
        low, high = float(sims[-1]), float(sims[0])
        return round((similarity - low) / (high - low) * SLIDER_STEPS) if high > low else 0

    def _cut(self, value: int) -> None:
        threshold = self.threshold(value)
        self.shown = self.neighbours.at_least(threshold - 1e-6) if len(self.neighbours) else []
        self.model.set_photos(None, self.shown, self.photos)
        self.count.setText(f"{formatting.count(len(self.shown))} · similarity ≥ {threshold:.2f}" if self.shown else "")
        self._update_buttons()

    def selected(self) -> list[int]:
        return self.grid.selected_photo_ids()

    def _update_buttons(self, *args: object) -> None:
        chosen = bool(self.selected())
        self.add.setEnabled(chosen and self.albums.count() > 0)
        self.new_album.setEnabled(chosen)

    def _add(self) -> None:
        album = self.albums.currentData()
        photos = self.selected()
        if album is not None and photos:
            self.addToAlbumRequested.emit(int(album), photos)

    def _new_album(self) -> None:
        photos = self.selected()
        if photos:
            self.createAlbumRequested.emit("Alike", photos)

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.photoActivated.emit(list(self.shown), index.row())
