"""Search: a field that reads places, dates, cameras, album kinds and flags, and the photos that match.

The query language is services.search's. A keystroke only restarts a short timer; the search itself is
a few numpy masks over the SearchIndex built in a worker (milliseconds at 100k photos), and the results
fill an ordinary photo grid. "Make album" turns the results (or the ones selected) into an album:
``createAlbumRequested(name, photo ids)``; the window runs the edit (services.edits.create).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from album_app.catalog.views import PhotoSummaries
from album_app.gui import formatting
from album_app.gui.models import PhotoGridModel, Roles
from album_app.gui.thumbnails import ThumbnailLoader
from album_app.gui.views.photo_grid import PhotoGridView
from album_app.services.search import Query, SearchIndex, describe, parse_query

DEBOUNCE_MS = 150
PLACEHOLDER = "Search: a place (Lisbon), a date (Apr 2024, 12–15 Apr 2024), camera:iPhone, accepted, unsorted…"


class SearchField(QLineEdit):
    """The search line; Down moves into the results, Esc clears."""

    toResults = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down:
            self.toResults.emit()
        elif event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
        else:
            super().keyPressEvent(event)


class SearchPanel(QWidget):
    """The search field, what it understood, the matching photos, and "Make album"."""

    resultsChanged = Signal(object)  # list[int]: the matching photo ids, in time order
    createAlbumRequested = Signal(str, object)  # a name for the album, the photo ids
    photoActivated = Signal(object, int)  # the results (photo ids), the index opened (Enter, double-click)
    currentPhotoChanged = Signal(object)  # photo id or None

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Search")
        self.index: SearchIndex | None = None
        self.photos = PhotoSummaries()
        self.query = Query()
        self.results: list[int] = []
        self.field = SearchField()
        self.field.setPlaceholderText(PLACEHOLDER)
        self.field.setAccessibleName("Search photos")
        self.field.setClearButtonEnabled(True)
        self.summary = QLabel()
        self.summary.setAccessibleName("Search summary")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.make_album = QPushButton("Make album")
        self.make_album.setAccessibleName("Make album of the results")
        self.make_album.setEnabled(False)
        self.make_album.clicked.connect(self.request_album)
        self.model = PhotoGridModel(thumbnails, self)
        self.grid = PhotoGridView()
        self.grid.setModel(self.model)
        self.grid.setAccessibleName("Search results")
        # Always there: QListView wraps a column early when a bar might appear, so the grid stays justified.
        self.grid.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.grid.activated.disconnect()  # results have no stacks to open: Enter opens the viewer
        self.grid.activated.connect(self._activated)
        self.grid.selectionModel().selectionChanged.connect(self._update_button)
        self.grid.selectionModel().currentChanged.connect(self._current_changed)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.run)
        self.field.textChanged.connect(self._timer.start)
        self.field.returnPressed.connect(self.run)
        self.field.toResults.connect(self._focus_results)
        top = QHBoxLayout()
        top.addWidget(self.field, 1)
        top.addWidget(self.make_album)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.grid, 1)
        self._show_summary()

    def set_index(self, index: SearchIndex | None, photos: PhotoSummaries) -> None:
        """A new index (after each snapshot): the current query runs again on it."""
        self.index, self.photos = index, photos
        self.run()

    def set_text(self, text: str) -> None:
        """Search for ``text`` now (what typing does, without waiting for the pause)."""
        self.field.setText(text)
        self.run()

    def run(self) -> list[int]:
        self._timer.stop()
        self.query = parse_query(self.field.text())
        if self.index is None or self.query.empty:
            self.results = []
        else:
            self.results = self.index.search(self.query)
        self.model.set_photos(None, self.results, self.photos)
        self._show_summary()
        self._update_button()
        self.resultsChanged.emit(self.results)
        return self.results

    def chosen(self) -> list[int]:
        """The photos "Make album" takes: the selected results, else all of them."""
        return self.grid.selected_photo_ids() or list(self.results)

    def request_album(self) -> None:
        photos = self.chosen()
        if photos:
            self.createAlbumRequested.emit(describe(self.query) or "Search results", photos)

    def _show_summary(self) -> None:
        palette = self.summary.palette()
        problems = self.query.problems
        if self.index is None:
            text = "Search is ready once the library has been read."
        elif self.query.empty and not problems:
            text = "Type a place, a date, a camera, an album kind, “unsorted” or “screenshots”; they combine."
        else:
            text = f"{describe(self.query) or 'Nothing to search for'} — {formatting.count(len(self.results))}"
        if problems:
            text += f" · not understood: {', '.join(problems)}"
        role = QPalette.ColorRole.PlaceholderText if not self.results else QPalette.ColorRole.WindowText
        palette.setColor(QPalette.ColorRole.WindowText, self.palette().color(role))
        self.summary.setPalette(palette)
        self.summary.setText(text)

    def _update_button(self, *args: object) -> None:
        selected = len(self.grid.selected_photo_ids())
        self.make_album.setEnabled(bool(self.results))
        count = selected or len(self.results)
        self.make_album.setText(f"Make album of {formatting.count(count)}" if count else "Make album")

    def _focus_results(self) -> None:
        if self.model.rowCount():
            self.grid.setFocus()
            if not self.grid.currentIndex().isValid():
                self.grid.setCurrentIndex(self.model.index(0))

    def _activated(self, index: QModelIndex) -> None:
        if index.isValid():
            self.photoActivated.emit(list(self.results), index.row())

    def _current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self.currentPhotoChanged.emit(current.data(Roles.PhotoId) if current.isValid() else None)
