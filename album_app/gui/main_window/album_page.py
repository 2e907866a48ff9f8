"""The Photos tab's album and the sidebar's sections: a grid, or the album by day (everyday months, trips).

    album shown (window._show_album)  → the grid, or album_days.show_album for an everyday month or a trip
    album_days.currentPhotoChanged     → window.show_photo_details, the actions' enabled state
    album_days.photoActivated          → the viewer on the album's photos
    album_days.splitRequested(day)     → one edit: split_at_day(album, day) (the new trip is selected)
    album_model.sectionsChanged        → the hidden sections are kept in the settings ("sidebar/hidden")
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings

from album_app.gui.snapshot import AlbumEntry
from album_app.gui.tasks import EditCall

if TYPE_CHECKING:
    from album_app.gui.main_window.browsing import Browsing
    from album_app.gui.main_window.parts import WindowParts

HIDDEN_KEY = "sidebar/hidden"


class AlbumPage(QObject):
    def __init__(self, window: WindowParts, browsing: Browsing, settings: QSettings) -> None:
        super().__init__(window)  # type: ignore[arg-type]
        self.window = window
        days = window.album_days
        days.currentPhotoChanged.connect(window.show_photo_details)
        days.currentPhotoChanged.connect(lambda *_: window.update_actions())
        days.photoActivated.connect(lambda ids, index: browsing.open_viewer(ids, index, reveal=days.go_to_photo,
                                                                            focus=days))
        days.splitRequested.connect(self._split)
        hidden = settings.value(HIDDEN_KEY, [])
        window.album_model.set_hidden_sections({hidden} if isinstance(hidden, str) and hidden else
                                               {str(t) for t in hidden or [] if not isinstance(hidden, str)})
        window.album_model.sectionsChanged.connect(lambda titles: settings.setValue(HIDDEN_KEY, sorted(titles)))

    @property
    def by_day(self) -> bool:
        return self.window.album_pages.currentWidget() is self.window.album_days

    def show(self, album: AlbumEntry | None) -> None:
        w = self.window
        if album is not None and album.shown_as_timeline:
            w.album_days.show_album(album, w.snapshot.photos)
            w.album_pages.setCurrentWidget(w.album_days)
        else:
            w.album_pages.setCurrentWidget(w.grid)

    def selected_photo_ids(self) -> list[int]:
        return self.window.album_days.selected_photo_ids() if self.by_day else self.window.grid.selected_photo_ids()

    def current_photo_id(self) -> int | None:
        return self.window.album_days.current_photo_id() if self.by_day else self.window.grid.current_photo_id()

    def has_selection(self) -> bool:
        if self.by_day:
            return bool(self.window.album_days.selected)
        return self.window.grid.selectionModel().hasSelection()

    def _split(self, day: date) -> None:
        album = self.window.current_album()
        if album is None or album.id is None:
            return
        self.window.run_edits(f"Split “{album.name}” where {day.day} {day:%b} starts.",
                              [EditCall("split_at_day", (album.id, day))], select_result=True)
