"""Building the window's widgets: the sidebar, the views in tabs, the details panel, the progress strip.

``setup_ui(window)`` makes the widgets and sets them as the window's attributes (as Qt Designer's
``setupUi`` does), so the rest of the window reads ``window.grid``, ``window.album_list`` and so on.
Nothing here decides what happens: signals are connected in window.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

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
from album_app.gui.views.video_player import open_player
from album_app.gui.views.viewer import PhotoViewer

if TYPE_CHECKING:
    from album_app.gui.main_window.parts import WindowParts

SPLITTER_SIZES = (280, 720, 280)  # sidebar, views, details
PLACES_SIZES = (520, 260)  # the map, the photos of the marker clicked


def _bold(label: QLabel, scale: float = 1.0) -> QLabel:
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setBold(True)
    label.setFont(font)
    return label


def _quiet(label: QLabel) -> QLabel:
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label


def build_sidebar(window: WindowParts) -> QWidget:
    sidebar = QWidget()
    sidebar.setAccessibleName("Sidebar")
    layout = QVBoxLayout(sidebar)
    layout.setContentsMargins(6, 6, 0, 6)
    heading = _bold(QLabel("Albums"))
    heading.setBuddy(window.album_list)
    window.library_stats = _quiet(QLabel())
    window.library_stats.setAccessibleName("Library summary")
    layout.addWidget(heading)
    layout.addWidget(window.album_list, 1)
    layout.addWidget(window.library_stats)
    return sidebar


def build_photos_page(window: WindowParts) -> QWidget:
    """The album's name and state above its photos; the Accept/Reject buttons go in ``header_buttons``."""
    page = QWidget()
    layout = QVBoxLayout(page)
    layout.setContentsMargins(0, 0, 0, 0)
    header = QWidget()
    header_layout = QHBoxLayout(header)
    header_layout.setContentsMargins(8, 6, 8, 2)
    titles = QVBoxLayout()
    window.album_title = _bold(QLabel(), 1.35)
    window.album_title.setAccessibleName("Album name")
    window.album_subtitle = _quiet(QLabel())
    titles.addWidget(window.album_title)
    titles.addWidget(window.album_subtitle)
    header_layout.addLayout(titles, 1)
    window.header_buttons = QHBoxLayout()
    header_layout.addLayout(window.header_buttons)
    layout.addWidget(header)
    window.album_pages = QStackedWidget()
    window.album_pages.setAccessibleName("Album photos")
    window.album_pages.addWidget(window.grid)
    window.album_pages.addWidget(window.album_days)
    layout.addWidget(window.album_pages, 1)
    return page


def build_browsing(window: WindowParts) -> None:
    """The browsing views (views/places_map, timeline, search_bar, similar_photos, on_this_day, viewer)."""
    thumbnails = window.thumbnails
    window.timeline = TimelinePanel(thumbnails)
    window.on_this_day = OnThisDay(thumbnails)
    window.timeline_page = QWidget()
    window.timeline_page.setAccessibleName("Timeline page")
    layout = QVBoxLayout(window.timeline_page)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(window.on_this_day)
    layout.addWidget(window.timeline, 1)
    window.places = PlacesMap()
    window.place_photos = PhotoResults(thumbnails, "Click a marker to see its photos here.")
    window.place_photos.grid.setAccessibleName("Photos of the place")
    window.places_page = QSplitter(Qt.Orientation.Horizontal)
    window.places_page.addWidget(window.places)
    window.places_page.addWidget(window.place_photos)
    window.places_page.setStretchFactor(0, 1)
    window.places_page.setSizes(list(PLACES_SIZES))
    window.places_page.setChildrenCollapsible(False)
    window.search = SearchPanel(thumbnails)
    window.similar = SimilarPanel(thumbnails)
    # A window of its own (full screen), owned by the main window: the window's shortcuts stay out of it.
    window.viewer = PhotoViewer(thumbnails, window)
    window.viewer.setWindowFlag(Qt.WindowType.Window)
    window.viewer.video_backend = open_player  # PyAV frames painted: QtMultimedia is not in the bundle


def build_tabs(window: WindowParts, photos_page: QWidget) -> QTabWidget:
    """The views, in the order of their Ctrl+number shortcuts (actions.py)."""
    tabs = QTabWidget()
    tabs.setAccessibleName("Views")
    tabs.setDocumentMode(True)
    for page, title in (
        (photos_page, "&Photos"),
        (window.timeline_page, "&Timeline"),
        (window.places_page, "P&laces"),
        (window.search, "&Search"),
        (window.similar, "More li&ke this"),
        (window.map, "Look &map"),
    ):
        tabs.addTab(page, title)
    tabs.setTabToolTip(tabs.indexOf(window.map), "Photos by how they look: the model's map of the library")
    return tabs


def setup_ui(window: WindowParts) -> None:
    """Make the widgets (the models exist already: ``window.album_model``, ``window.grid_model``)."""
    window.drop_filter = FolderDropFilter(window)
    window.drop_zone = DropZone()
    window.album_list = AlbumListView()
    window.album_list.setModel(window.album_model)
    window.grid = PhotoGridView()
    window.grid.setModel(window.grid_model)
    window.album_days = AlbumDaysView(window.thumbnails)
    window.map = LibraryMap(window.thumbnails)
    window.inspector = PhotoInspector()
    window.progress = ProgressPanel()
    build_browsing(window)
    sidebar = build_sidebar(window)
    window.tabs = build_tabs(window, build_photos_page(window))

    window.splitter = QSplitter(Qt.Orientation.Horizontal)
    for widget in (sidebar, window.tabs, window.inspector):
        window.splitter.addWidget(widget)
    for index, stretch in enumerate((0, 1, 0)):
        window.splitter.setStretchFactor(index, stretch)
    window.splitter.setSizes(list(SPLITTER_SIZES))
    window.splitter.setChildrenCollapsible(False)
    window.inspector.setMinimumWidth(240)

    window.stack = QStackedWidget()
    window.stack.addWidget(window.drop_zone)  # PAGE_DROP
    window.stack.addWidget(window.splitter)  # PAGE_LIBRARY
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    layout.addWidget(window.stack, 1)
    layout.addWidget(window.progress)
    window.setCentralWidget(central)
    window.status = QLabel()
    window.statusBar().addWidget(window.status, 1)

    # Folder drops work anywhere: the window, the empty drop zone, the views' viewports.
    window.setAcceptDrops(True)
    window.grid.setAcceptDrops(True)  # DragOnly turned drops off; the filter takes folder drops only
    for widget in (window, window.drop_zone, window.grid, window.grid.viewport(), window.album_list.viewport(),
                   window.map, window.places, window.timeline.view.viewport(), window.album_days.viewport()):
        widget.installEventFilter(window.drop_filter)
    window.setTabOrder(window.album_list, window.grid)
    window.setTabOrder(window.grid, window.inspector)


def setup_actions(window: WindowParts) -> None:
    """Menus, the toolbar, the album header's buttons and the context menus, from the actions registry."""
    from album_app.gui.main_window.actions import ALBUM_LIST_MENU, BROWSE_MENU, GRID_MENU

    actions = window.action_registry
    window.recent_menu = QMenu("Scan &again", window)
    actions.fill_menus(window.recent_menu)
    toolbar = QToolBar("Main")
    toolbar.setObjectName("main-toolbar")
    toolbar.setAccessibleName("Main toolbar")
    toolbar.setMovable(False)
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    actions.fill_toolbar(toolbar)
    window.addToolBar(toolbar)
    for button in actions.header_buttons():
        window.header_buttons.addWidget(button)
    actions.add_context_menu(window.album_list, ALBUM_LIST_MENU)
    actions.add_context_menu(window.grid, GRID_MENU)
    for widget in (window.timeline.view, window.album_days, window.place_photos.grid, window.search.grid,
                   window.similar.grid):
        actions.add_context_menu(widget, BROWSE_MENU)
