"""The browsing views in the window: timeline, places, search, more like this, on this day, the viewer.

Wiring only; the views are built in layout.py and the data is read by workers (session.browse on a
reader queue of its own, 2 s at 100k photos; session.codes; session.similar, the neighbour search).
The GUI thread only takes in what they return. Signal → slot:

    snapshot (window)                → viewer.set_photos, place_photos.update_photos, similar.set_albums (when
                                       it shows); browse data marked stale, read again now if a browsing view shows
    session.browse done              → places.set_data, timeline.set_data, search.set_index,
                                       on_this_day.set_days, viewer.place_of
    album selected (sidebar)         → places.show_album / clear_album; timeline.view.go_to_photo(first)
    places.clusterClicked(ids)       → place_photos.set_photos (a grid beside the map)
    *.photoActivated(ids, index)     → open_viewer (timeline, search, similar, place photos, on this day)
    grid.photoOpened(photo)          → open_viewer on the album's photos (a stack's cell still opens the stack)
    *.currentPhotoChanged(photo)     → window.show_photo_details (the details panel)
    search.createAlbumRequested      → one edit: create(name, ids)
    similar.createAlbumRequested     → one edit: create(name, ids)
    similar.addToAlbumRequested      → one edit of a move per photo (one undo step)
    "More like this" (action)        → session.codes if stale → session.similar → similar.show_result
    viewer.detailsRequested(photo)   → session.details(photo, viewer.show_details, asker="viewer")
    viewer.closed(index)             → the view it came from reveals ids[index] and takes the focus back
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from album_app.gui import formatting
from album_app.gui.browse_tasks import BrowseData
from album_app.gui.snapshot import AlbumEntry, LibrarySnapshot
from album_app.gui.tasks import EditCall
from album_app.services.similar import CodeIndex, Neighbours

if TYPE_CHECKING:
    from album_app.gui.main_window.parts import WindowParts
    from album_app.gui.views.photo_grid import PhotoGridView


def codes_key(snapshot: LibrarySnapshot) -> tuple[object, ...]:
    """What the codes depend on: they change only when photos come or go or the model changes (a scan, a
    new model), not with each edit, so "more like this" reads them again only then."""
    ids = snapshot.photos.ids
    return (snapshot.model.id if snapshot.model else None, len(ids), ids[-1] if len(ids) else None)


class Browsing(QObject):
    """Feeds the browsing views from the session and routes their requests (module docstring: the map)."""

    def __init__(self, window: WindowParts) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.data: BrowseData | None = None
        self.codes: CodeIndex | None = None
        self.today: Callable[[], date] = date.today  # tests and screenshots pick the day
        self.full_screen = True  # the viewer's mode when it opens
        self._browse_stale = True
        self._codes_for: object = None  # the snapshot facts the codes were read for
        self._wanted: list[int] = []  # the photos "more like this" was last asked for
        self._route_stale = True
        self._albums_stale = True
        self._viewer_ids: list[int] = []
        self._viewer_return: Callable[[int], object] | None = None
        self._viewer_focus: QWidget | None = None
        self._connect()

    def _connect(self) -> None:
        w = self.window
        details = w.show_photo_details
        # The results grids show thumbnails at the album grid's size (Ctrl+wheel, Ctrl +/- change it).
        for grid in (w.search.grid, w.similar.grid):
            grid.set_thumb_size(w.grid.thumb_size)
            w.grid.thumbSizeChanged.connect(grid.set_thumb_size)
        w.grid.photoOpened.connect(self._open_from_album)
        view = w.timeline.view
        view.photoActivated.connect(partial(self.open_viewer, reveal=view.go_to_photo, focus=view))
        view.currentPhotoChanged.connect(details)
        w.on_this_day.photosActivated.connect(partial(self.open_viewer, reveal=view.go_to_photo, focus=view))
        w.places.clusterClicked.connect(self._show_place_photos)
        for source, grid in ((w.place_photos, w.place_photos.grid), (w.search, w.search.grid)):
            source.photoActivated.connect(partial(self.open_viewer, reveal=grid.reveal, focus=grid))
            source.currentPhotoChanged.connect(details)
        similar = w.similar
        similar.photoActivated.connect(partial(self.open_viewer, reveal=similar.grid.reveal, focus=similar.grid))
        similar.grid.selectionModel().currentChanged.connect(lambda *_: details(similar.grid.current_photo_id()))
        w.search.createAlbumRequested.connect(self._create_album)
        similar.createAlbumRequested.connect(self._create_album)
        similar.addToAlbumRequested.connect(self._add_to_album)
        w.viewer.detailsRequested.connect(
            lambda photo: self.session.details(photo, w.viewer.show_details, asker="viewer")
        )
        w.viewer.closed.connect(self._viewer_closed)
        # "More like this", "View", "Show in album" follow the selection of whichever view is in front.
        view.currentPhotoChanged.connect(lambda *_: w.update_actions())
        for grid in self._browse_grids():
            grid.selectionModel().selectionChanged.connect(lambda *_: w.update_actions())

    def _browse_grids(self) -> list[PhotoGridView]:
        w = self.window
        return [w.place_photos.grid, w.search.grid, w.similar.grid]

    # -- data ---------------------------------------------------------------------------------------

    def snapshot_changed(self, snapshot: LibrarySnapshot) -> None:
        w = self.window
        w.viewer.set_photos(snapshot.photos)
        self._albums_stale = True
        if w.tabs.currentWidget() is w.similar:
            self._fill_albums()
        w.place_photos.update_photos(snapshot.photos)
        self._browse_stale = True
        if self._browsing_shown():
            self.request_browse()
        if codes_key(snapshot) != self._codes_for:
            self.codes, self._codes_for = None, None
            if self._wanted and w.tabs.currentWidget() is w.similar:
                self.more_like(self._wanted)

    def _fill_albums(self) -> None:
        """The albums "Add to album" offers, filled when the view shows (400 albums: 16 ms)."""
        self._albums_stale = False
        self.window.similar.set_albums([(a.id, a.name) for a in self.window.snapshot.albums if a.id is not None])

    def _browsing_shown(self) -> bool:
        w = self.window
        return w.tabs.currentWidget() in (w.timeline_page, w.places_page, w.search) or w.viewer.isVisible()

    def request_browse(self) -> None:
        running = self.session.writes.running
        if self.window.snapshot.empty or (running is not None and running.cancellable):
            return  # no photos, or a scan is adding them (a snapshot every few seconds): the one after it asks
        self._browse_stale = False
        self.session.browse(self._browse_ready, today=self.today())

    def _browse_ready(self, data: BrowseData) -> None:
        w = self.window
        photos = w.snapshot.photos
        self.data = data
        w.places.set_data(data.places)
        self._route_stale = True
        w.timeline.set_data(data.timeline, photos)
        w.search.set_index(data.search, photos)
        w.on_this_day.set_days(data.on_this_day, photos, data.today or self.today())
        w.viewer.place_of = data.place_of
        if w.viewer.isVisible() and w.viewer.current_photo() is not None:
            w.viewer.detailsRequested.emit(w.viewer.current_photo())  # the info panel with the place's name
        self.tab_changed()

    def tab_changed(self) -> None:
        """A view came to the front: its data if stale, the selected album's route, its photo's details."""
        w = self.window
        page = w.tabs.currentWidget()
        if self._browse_stale and self._browsing_shown():
            self.request_browse()
        if page is w.similar and self._albums_stale:
            self._fill_albums()
        if page is w.places_page and self._route_stale and self.data is not None:
            self._route_stale = False
            self.album_changed(w.current_album())
        if page is w.tabs.widget(0):
            w.show_grid_details()
        else:
            w.show_photo_details(self.selection()[1])  # the front view's photo, or none

    def album_changed(self, album: AlbumEntry | None) -> None:
        """The sidebar's album: its places and route on the map, its first day on the timeline."""
        w = self.window
        page = w.tabs.currentWidget()
        if page is w.places_page and self.data is not None:
            self._route_stale = False
            if album is None or album.is_unsorted:
                w.places.clear_album()
            else:
                w.places.show_album(album.members, album.name)
                placed = w.places.data.photo_ids[w.places.route].tolist()
                title = f"{album.name}: {formatting.count(len(placed))} with a place"
                w.place_photos.set_photos(placed, w.snapshot.photos, title)
        else:
            self._route_stale = True
        if page is w.timeline_page and album is not None and album.members:
            w.timeline.view.go_to_photo(album.members[0])

    # -- the view in front ---------------------------------------------------------------------------

    def selection(self) -> tuple[list[int], int | None]:
        """The selected photos and the current one of the view in front (none for the look map)."""
        w = self.window
        page = w.tabs.currentWidget()
        if page is w.timeline_page or self._album_by_day():
            view = w.timeline.view if page is w.timeline_page else w.album_days
            return view.selected_photo_ids(), view.current_photo_id()
        grid = self._front_grid()
        return (grid.selected_photo_ids(), grid.current_photo_id()) if grid is not None else ([], None)

    def has_selection(self) -> bool:
        """Cheap (no list of ids): for the actions' enabled-when rules after each selection change."""
        w = self.window
        if w.tabs.currentWidget() is w.timeline_page:
            return bool(w.timeline.view.selected)
        if self._album_by_day():
            return bool(w.album_days.selected)
        grid = self._front_grid()
        return grid is not None and grid.selectionModel().hasSelection()

    def _album_by_day(self) -> bool:
        """The Photos tab is in front and shows its album by day (an everyday month, a trip)."""
        w = self.window
        return w.tabs.currentIndex() == 0 and w.album_pages.currentWidget() is w.album_days

    def _front_grid(self) -> PhotoGridView | None:
        w = self.window
        grids = {w.tabs.widget(0): w.grid, w.places_page: w.place_photos.grid, w.search: w.search.grid,
                 w.similar: w.similar.grid}
        return grids.get(w.tabs.currentWidget())

    def zoom(self, steps: int) -> None:
        """Larger or smaller thumbnails in the view in front (the results grids follow the album grid)."""
        w = self.window
        if w.tabs.currentWidget() is w.timeline_page:
            w.timeline.view.zoom(steps)
        elif self._album_by_day():
            w.album_days.zoom(steps)
        elif w.tabs.currentWidget() is w.places_page:
            w.place_photos.grid.zoom(steps)
        else:
            w.grid.zoom(steps)

    def view_current(self) -> None:
        """The viewer on the current photo of the view in front, among that view's photos."""
        w = self.window
        _, current = self.selection()
        page = w.tabs.currentWidget()
        if current is None:
            w.show_status("Choose a photo first.")
        elif self._album_by_day():
            ids = w.album_days.data.photo_ids.tolist()
            self.open_viewer(ids, ids.index(current), reveal=w.album_days.go_to_photo, focus=w.album_days)
        elif page is w.tabs.widget(0):
            self._open_from_album(current)
        elif page is w.timeline_page:
            ids = w.timeline.view.data.photo_ids.tolist()
            self.open_viewer(ids, ids.index(current), reveal=w.timeline.view.go_to_photo, focus=w.timeline.view)
        else:
            grid = self._front_grid()
            shown = {w.places_page: w.place_photos.photo_ids, w.search: w.search.results, w.similar: w.similar.shown}
            ids = list(shown.get(page, []))
            if grid is not None and current in ids:
                self.open_viewer(ids, ids.index(current), reveal=grid.reveal, focus=grid)

    def show_in_album(self) -> None:
        """The current photo of the view in front, in its album's grid."""
        w = self.window
        _, current = self.selection()
        if current is None:
            return
        w.show_view("photos")
        w.reveal_photo(current)
        w.grid.setFocus()

    # -- places ----------------------------------------------------------------------------------------

    def _show_place_photos(self, photo_ids: list[int]) -> None:
        """A marker's photos beside the map, titled with the towns they were taken in (most photos first)."""
        w = self.window
        towns = self._towns(photo_ids)
        title = f"{formatting.count(len(photo_ids))}" + (f" · {towns}" if towns else "")
        w.place_photos.set_photos(photo_ids, w.snapshot.photos, title)

    def _towns(self, photo_ids: Sequence[int], most: int = 3) -> str:
        """"Chamonix-Mont-Blanc 16, Gütenbach 10": numpy over the photos' town numbers, cheap at 100k."""
        if self.data is None:
            return ""
        places = self.data.places
        if not len(places.names.city):
            return ""
        cities = places.names.city[places.indices_of(photo_ids)]
        cities = cities[cities >= 0]
        values, counts = np.unique(cities, return_counts=True)
        order = np.argsort(-counts, kind="stable")[:most]
        parts = [f"{places.names.vocabulary[values[i]]} {counts[i]}" for i in order.tolist()]
        return ", ".join(parts) + (", …" if len(values) > most else "")

    # -- the viewer --------------------------------------------------------------------------------------

    def open_viewer(
        self, photo_ids: Sequence[int], index: int, *, reveal: Callable[[int], object], focus: QWidget
    ) -> None:
        """Show ``photo_ids`` from ``index``; when it closes, ``reveal(photo it ended on)`` and ``focus`` the
        view it was opened from, so Esc returns to the same spot."""
        w = self.window
        if not photo_ids:
            return
        self._viewer_ids = list(photo_ids)
        self._viewer_return, self._viewer_focus = reveal, focus
        w.viewer.set_photos(w.snapshot.photos)
        if self.data is None or self._browse_stale:
            self.request_browse()  # the info panel's place names
        w.viewer.open_at(self._viewer_ids, index, full_screen=self.full_screen)

    def _open_from_album(self, photo_id: int) -> None:
        """Every photo of the album in time order (a stack's too: stepping shows them all)."""
        ids = self.window.grid_model.photo_ids
        if photo_id in ids:
            self.open_viewer(ids, ids.index(photo_id), reveal=self.window.reveal_photo, focus=self.window.grid)

    def _viewer_closed(self, index: int) -> None:
        w = self.window
        if not self._viewer_ids or self._viewer_return is None:
            return
        photo = self._viewer_ids[max(0, min(index, len(self._viewer_ids) - 1))]
        w.activateWindow()
        self._viewer_return(photo)
        if self._viewer_focus is not None:
            self._viewer_focus.setFocus()
        self._viewer_return = None

    # -- more like this --------------------------------------------------------------------------------

    def more_like_this(self) -> None:
        """The action: photos like the ones selected in the view in front, in the More like this tab."""
        selected, current = self.selection()
        sources = selected or ([current] if current is not None else [])
        if not sources:
            self.window.show_status("Select photos first, then ask for more like them.")
            return
        self.window.show_view("like_this")
        self.more_like(sources)

    def more_like(self, photo_ids: Sequence[int]) -> None:
        self._wanted = list(photo_ids)
        self.window.similar.title.setText("Looking for photos like these…")
        if self.codes is None:
            self.session.codes(self._codes_ready)
        else:
            self.session.similar(self.codes, self._wanted, partial(self._similar_ready, list(self._wanted)))

    def _codes_ready(self, codes: CodeIndex | None) -> None:
        w = self.window
        self.codes = codes
        snapshot = w.snapshot
        self._codes_for = codes_key(snapshot)
        w.similar.set_index(codes, snapshot.photos, rerun=False)
        if not self._wanted:
            return
        if codes is None:
            w.similar.show_result(self._wanted, None)
        else:
            self.session.similar(codes, self._wanted, partial(self._similar_ready, list(self._wanted)))

    def _similar_ready(self, sources: list[int], neighbours: Neighbours) -> None:
        if sources == self._wanted:  # an older question answered late is not shown
            self.window.similar.show_result(sources, neighbours)

    # -- edits asked for by the views ----------------------------------------------------------------

    def _create_album(self, name: str, photo_ids: list[int]) -> None:
        label = f"Made the album “{name}” of {formatting.count(len(photo_ids))}."
        self.window.run_edits(label, [EditCall("create", (name, list(photo_ids)))], select_result=True)

    def _add_to_album(self, album_id: int, photo_ids: list[int]) -> None:
        entry = self.window.snapshot.album(album_id)
        name = entry.name if entry is not None else "the album"
        label = f"Added {formatting.count(len(photo_ids))} to “{name}”."
        self.window.run_edits(label, [EditCall("move", (p, album_id)) for p in photo_ids])
