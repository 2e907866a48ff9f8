"""What the window's parts see of it: the widgets layout.py sets up and the few methods the others call.

A Protocol, so that layout.py, browsing.py and actions.py name the window's shape without importing
window.py (which imports them: the architecture test allows no import cycle, annotations included).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtWidgets import QHBoxLayout, QLabel, QMenu, QSplitter, QStackedWidget, QTabWidget, QWidget

from album_app.gui.models import AlbumListModel, PhotoGridModel
from album_app.gui.session import LibrarySession
from album_app.gui.snapshot import AlbumEntry, LibrarySnapshot
from album_app.gui.tasks import EditCall
from album_app.gui.thumbnails import ThumbnailLoader
from album_app.gui.views.album_days import AlbumDaysView
from album_app.gui.views.album_list import AlbumListView
from album_app.gui.views.drop_zone import DropZone, FolderDropFilter
from album_app.gui.views.inspector import PhotoInspector
from album_app.gui.views.library_map import LibraryMap
from album_app.gui.views.on_this_day import OnThisDay
from album_app.gui.views.photo_grid import PhotoGridView
from album_app.gui.views.photo_results import PhotoResults
from album_app.gui.views.places_map import PlacesMap
from album_app.gui.views.progress_panel import ProgressPanel
from album_app.gui.views.search_bar import SearchPanel
from album_app.gui.views.similar_photos import SimilarPanel
from album_app.gui.views.timeline import TimelinePanel
from album_app.gui.views.viewer import PhotoViewer
from album_app.gui.workers import Job


class WindowParts(Protocol):
    # made by MainWindow before setup_ui
    session: LibrarySession
    snapshot: LibrarySnapshot
    thumbnails: ThumbnailLoader
    album_model: AlbumListModel
    grid_model: PhotoGridModel
    # set by layout.setup_ui
    drop_filter: FolderDropFilter
    drop_zone: DropZone
    album_list: AlbumListView
    grid: PhotoGridView
    album_days: AlbumDaysView
    album_pages: QStackedWidget  # the grid, or the album by day
    map: LibraryMap
    inspector: PhotoInspector
    progress: ProgressPanel
    library_stats: QLabel
    album_title: QLabel
    album_subtitle: QLabel
    header_buttons: QHBoxLayout
    timeline: TimelinePanel
    on_this_day: OnThisDay
    timeline_page: QWidget
    places: PlacesMap
    place_photos: PhotoResults
    places_page: QSplitter
    search: SearchPanel
    similar: SimilarPanel
    viewer: PhotoViewer
    tabs: QTabWidget
    splitter: QSplitter
    stack: QStackedWidget
    status: QLabel
    recent_menu: QMenu

    def show_status(self, text: str) -> None: ...
    def show_photo_details(self, photo: int | None) -> None: ...
    def show_grid_details(self) -> None: ...
    def show_view(self, name: str) -> None: ...
    def current_album(self) -> AlbumEntry | None: ...
    def reveal_photo(self, photo_id: int) -> None: ...
    def update_actions(self) -> None: ...
    def run_edits(
        self, label: str, calls: Sequence[EditCall], *, select_result: bool = False, rename_result: bool = False
    ) -> Job | None: ...
