"""The main window: sidebar of albums, photo grid and map, photo details, progress strip.

Widgets only: what to do is asked of the LibrarySession (jobs on worker threads), and what to show
comes back as LibrarySnapshots that the Qt models take in.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QByteArray, QItemSelection, QItemSelectionModel, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QFont, QKeySequence, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QStyle,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from album_app.catalog.views import PhotoDetails
from album_app.gui import formatting
from album_app.gui.dialogs.export import ExportDialog
from album_app.gui.dialogs.model_info import ModelDialog
from album_app.gui.dialogs.recluster import ReclusterDialog
from album_app.gui.models import AlbumListModel, PhotoGridModel
from album_app.gui.session import LibrarySession
from album_app.gui.snapshot import AlbumEntry, LibrarySnapshot
from album_app.gui.tasks import EditCall, ImportResult, MapData
from album_app.gui.thumbnails import ThumbnailLoader
from album_app.gui.training import TrainerProcess
from album_app.gui.views.album_list import AlbumListView
from album_app.gui.views.drop_zone import DropZone, FolderDropFilter
from album_app.gui.views.inspector import PREVIEW, PhotoInspector
from album_app.gui.views.library_map import LibraryMap
from album_app.gui.views.photo_grid import PhotoGridView
from album_app.gui.views.progress_panel import ProgressPanel
from album_app.gui.workers import Job
from album_app.progress import Progress

log = logging.getLogger("album_app.gui.window")

MAX_RECENT = 8
EDIT_KIND_NAMES = {
    "rename": "rename",
    "merge": "merge",
    "split": "new album",
    "move": "move",
    "remove": "removal",
    "reject": "rejection",
    "lock": "acceptance",
    "unlock": "un-acceptance",
    "create": "new album",
}


def settings_list(settings: QSettings, key: str) -> list[str]:
    value = settings.value(key, [])
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value or []]


class MainWindow(QMainWindow):
    PAGE_DROP, PAGE_LIBRARY = 0, 1

    def __init__(
        self,
        session: LibrarySession,
        settings: QSettings | None = None,
        *,
        thumbnails: ThumbnailLoader | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.trainer_process: TrainerProcess | None = None
        self.settings = settings if settings is not None else QSettings("album_app", "album_app")
        self.thumbnails = thumbnails or ThumbnailLoader(session.paths.thumbnails, parent=self)
        self.album_model = AlbumListModel(self.thumbnails, self)
        self.grid_model = PhotoGridModel(self.thumbnails, self)
        self.snapshot = LibrarySnapshot()
        self.messages: list[str] = []  # every message shown in a box, newest last
        # Optimistic until the warm-up job (which imports scikit-learn off this thread) says otherwise.
        self.clustering_problem: str | None = None
        self._progress_job: Job | None = None
        self._select_after_refresh: int | None = None
        self._rename_after_refresh = False
        self._map_stale = True
        self._detail_photo: int | None = None
        self._detail_hash: str | None = None
        self._closing = False
        self._loaded_once = False
        self._rotations_asked = False
        self.setWindowTitle("Album App")
        self.setAccessibleName("album_app main window")
        self._build_widgets()
        self._build_actions()
        self._connect()
        self._restore_settings()
        self._update_actions()
        session.refresh()
        session.warm_up(self._clustering_ready)

    # -- construction ---------------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.drop_filter = FolderDropFilter(self)
        self.drop_zone = DropZone()
        self.album_list = AlbumListView()
        self.album_list.setModel(self.album_model)
        self.grid = PhotoGridView()
        self.grid.setModel(self.grid_model)
        self.map = LibraryMap(self.thumbnails)
        self.inspector = PhotoInspector()
        self.progress = ProgressPanel()

        sidebar = QWidget()
        sidebar.setAccessibleName("Sidebar")
        side_layout = QVBoxLayout(sidebar)
        side_layout.setContentsMargins(6, 6, 0, 6)
        heading = QLabel("Albums")
        heading_font = QFont(heading.font())
        heading_font.setBold(True)
        heading.setFont(heading_font)
        heading.setBuddy(self.album_list)
        self.library_stats = QLabel()
        self.library_stats.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.library_stats.setAccessibleName("Library summary")
        side_layout.addWidget(heading)
        side_layout.addWidget(self.album_list, 1)
        side_layout.addWidget(self.library_stats)

        photos_page = QWidget()
        photos_layout = QVBoxLayout(photos_page)
        photos_layout.setContentsMargins(0, 0, 0, 0)
        header = QWidget()
        header_layout = QHBoxLayout(header)
        header_layout.setContentsMargins(8, 6, 8, 2)
        titles = QVBoxLayout()
        self.album_title = QLabel()
        title_font = QFont(self.album_title.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.35)
        title_font.setBold(True)
        self.album_title.setFont(title_font)
        self.album_title.setAccessibleName("Album name")
        self.album_subtitle = QLabel()
        self.album_subtitle.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        titles.addWidget(self.album_title)
        titles.addWidget(self.album_subtitle)
        header_layout.addLayout(titles, 1)
        self.header_buttons = QHBoxLayout()
        header_layout.addLayout(self.header_buttons)
        photos_layout.addWidget(header)
        photos_layout.addWidget(self.grid, 1)

        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Views")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(photos_page, "&Photos")
        self.tabs.addTab(self.map, "&Map")

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(sidebar)
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(self.inspector)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.splitter.setSizes([280, 720, 280])
        self.splitter.setChildrenCollapsible(False)
        self.inspector.setMinimumWidth(240)

        self.stack = QStackedWidget()
        self.stack.addWidget(self.drop_zone)
        self.stack.addWidget(self.splitter)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.stack, 1)
        layout.addWidget(self.progress)
        self.setCentralWidget(central)
        self.status = QLabel()
        self.statusBar().addWidget(self.status, 1)

        # Folder drops work anywhere: the window, the empty drop zone, the views' viewports.
        self.setAcceptDrops(True)
        self.grid.setAcceptDrops(True)  # DragOnly turned drops off; the filter takes folder drops only
        for widget in (self, self.drop_zone, self.grid, self.grid.viewport(), self.album_list.viewport(), self.map):
            widget.installEventFilter(self.drop_filter)
        self.setTabOrder(self.album_list, self.grid)
        self.setTabOrder(self.grid, self.inspector)

    def _action(
        self,
        text: str,
        slot: Any,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
        tip: str = "",
        icon: QStyle.StandardPixmap | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        pix = QStyle.StandardPixmap
        self.act_add = self._action(
            "&Add folder…",
            self.choose_folder,
            QKeySequence.StandardKey.Open,
            "Add a folder of photos to the library",
            pix.SP_DirOpenIcon,
        )
        self.act_export = self._action(
            "&Export albums…",
            self.export_albums,
            "Ctrl+E",
            "Write albums to folders as links or copies",
            pix.SP_DialogSaveButton,
        )
        self.act_quit = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        self.act_undo = self._action(
            "&Undo", self.undo, QKeySequence.StandardKey.Undo, "Undo the last edit", pix.SP_ArrowBack
        )
        self.act_redo = self._action(
            "&Redo", self.redo, "Ctrl+Shift+Z", "Redo the last undone edit", pix.SP_ArrowForward
        )
        self.act_rename = self._action("Re&name album", self.rename_current, "F2", "Rename the selected album")
        self.act_merge = self._action(
            "&Merge albums", self.merge_selected, "Ctrl+M", "Merge the selected albums into the current one"
        )
        self.act_split = self._action(
            "New album from &selection",
            self.split_selected,
            "Ctrl+N",
            "Put the selected photos in a new album of their own",
        )
        self.act_remove = self._action(
            "Remove from a&lbum",
            self.remove_selected,
            QKeySequence.StandardKey.Delete,
            "Take the selected photos out of this album; they will not come back to it",
        )
        self.act_accept = self._action(
            "&Accept album",
            self.toggle_accept,
            "Ctrl+Return",
            "Accept the suggestion: its photos stay in it",
            pix.SP_DialogApplyButton,
        )
        self.act_reject = self._action(
            "Re&ject suggestion",
            self.reject_selected,
            "Ctrl+Shift+Delete",
            "Dissolve the suggestion; it will not be suggested again",
            pix.SP_DialogDiscardButton,
        )
        self.act_recluster = self._action(
            "Re-&cluster…",
            self.recluster,
            "Ctrl+R",
            "Suggest albums again with another method or weights; edits are kept",
            pix.SP_BrowserReload,
        )
        self.act_model = self._action("&Model…", self.show_models, None, "The model that describes your photos")
        self.act_photos = self._action("&Photos", lambda: self.tabs.setCurrentIndex(0), "Ctrl+1")
        self.act_map = self._action("&Map", lambda: self.tabs.setCurrentIndex(1), "Ctrl+2")
        self.act_details = self._action("Photo &details", self._toggle_details, "Ctrl+I")
        self.act_details.setCheckable(True)
        self.act_details.setChecked(True)
        self.act_zoom_in = self._action(
            "&Larger thumbnails", lambda: self.grid.zoom(1), QKeySequence.StandardKey.ZoomIn
        )
        self.act_zoom_out = self._action(
            "&Smaller thumbnails", lambda: self.grid.zoom(-1), QKeySequence.StandardKey.ZoomOut
        )
        self.act_cancel = self._action("&Cancel task", self.cancel_task, "Esc")
        self.act_shortcuts = self._action(
            "&Keyboard shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents
        )
        self.act_about = self._action("&About album_app", self.show_about)

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addAction(self.act_add)
        self.recent_menu = QMenu("Scan &again", self)
        file_menu.addMenu(self.recent_menu)
        file_menu.addAction(self.act_export)
        file_menu.addSeparator()
        file_menu.addAction(self.act_quit)
        edit_menu = menu.addMenu("&Edit")
        for action in (
            self.act_undo,
            self.act_redo,
            None,
            self.act_rename,
            self.act_merge,
            self.act_split,
            self.act_remove,
            None,
            self.act_accept,
            self.act_reject,
        ):
            edit_menu.addSeparator() if action is None else edit_menu.addAction(action)
        albums_menu = menu.addMenu("&Albums")
        albums_menu.addAction(self.act_recluster)
        albums_menu.addAction(self.act_model)
        view_menu = menu.addMenu("&View")
        for action in (
            self.act_photos,
            self.act_map,
            None,
            self.act_details,
            None,
            self.act_zoom_in,
            self.act_zoom_out,
        ):
            view_menu.addSeparator() if action is None else view_menu.addAction(action)
        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self.act_shortcuts)
        help_menu.addAction(self.act_about)

        toolbar = QToolBar("Main")
        toolbar.setObjectName("main-toolbar")
        toolbar.setAccessibleName("Main toolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for action in (self.act_add, self.act_recluster, self.act_export, None, self.act_undo, self.act_redo):
            toolbar.addSeparator() if action is None else toolbar.addAction(action)
        self.addToolBar(toolbar)
        for action in (self.act_accept, self.act_reject):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            self.header_buttons.addWidget(button)

        # Delete removes photos only when the grid has the focus, never from the sidebar by surprise.
        self.act_remove.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        for widget, actions in (
            (self.album_list, (self.act_rename, self.act_merge, self.act_accept, self.act_reject)),
            (self.grid, (self.act_split, self.act_remove)),
        ):
            widget.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
            widget.addActions(list(actions))

    def _connect(self) -> None:
        session = self.session
        session.snapshotChanged.connect(self._on_snapshot)
        session.errorOccurred.connect(self.show_message)
        session.statusMessage.connect(self.show_status)
        session.importFinished.connect(self._on_imported)
        session.rotationsChanged.connect(self._rotations_ready)
        for queue in (session.writes, session.files):
            queue.jobStarted.connect(self._on_job_started)
            queue.jobProgress.connect(self._on_job_progress)
            queue.jobFinished.connect(self._on_job_finished)
        self.progress.cancelClicked.connect(self.cancel_task)
        self.drop_filter.foldersDropped.connect(self.add_folders)
        self.drop_filter.hovering.connect(self.drop_zone.set_hover)
        self.drop_zone.addFolderClicked.connect(self.choose_folder)
        self.album_model.renameRequested.connect(self._rename)
        self.album_model.photosDropped.connect(self._photos_dropped)
        self.album_list.selectionModel().selectionChanged.connect(self._on_album_selection)
        self.grid.selectionModel().selectionChanged.connect(self._on_photo_selection)
        self.grid_model.modelReset.connect(lambda: self._on_photo_selection(QItemSelection(), QItemSelection()))
        self.thumbnails.ready.connect(self._thumbnails_ready)
        self.map.photoClicked.connect(self.reveal_photo)
        self.tabs.currentChanged.connect(self._on_tab)
        self.inspector.openRequested.connect(lambda path: self.show_status(f"Opening {path}"))

    def _clustering_ready(self, problem: str | None) -> None:
        self.clustering_problem = problem
        if problem:
            self.show_status(problem)
        self._update_actions()

    # -- settings ---------------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        geometry = self.settings.value("window/geometry")
        if isinstance(geometry, QByteArray | bytes) and not self.restoreGeometry(QByteArray(geometry)):
            log.info("saved window geometry did not apply")
        if geometry is None:
            self.resize(1280, 800)
        splitter = self.settings.value("window/splitter")
        if isinstance(splitter, QByteArray | bytes):
            self.splitter.restoreState(QByteArray(splitter))
        thumb = self.settings.value("grid/thumb_size")
        if thumb is not None:
            with contextlib.suppress(TypeError, ValueError):
                self.grid.set_thumb_size(int(thumb))  # type: ignore[call-overload]
        details = self.settings.value("window/details", True)
        self.act_details.setChecked(details not in (False, "false", "0"))
        self.inspector.setVisible(self.act_details.isChecked())
        self._fill_recent()

    def save_settings(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/splitter", self.splitter.saveState())
        self.settings.setValue("grid/thumb_size", self.grid.thumb_size)
        self.settings.setValue("window/details", self.act_details.isChecked())
        self.settings.sync()

    def _remember_folders(self, folders: Sequence[Path]) -> None:
        recent = [str(f) for f in folders]
        recent += [f for f in settings_list(self.settings, "folders/recent") if f not in recent]
        self.settings.setValue("folders/recent", recent[:MAX_RECENT])
        self.settings.setValue("folders/last", str(folders[-1]))
        self._fill_recent()

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        recent = settings_list(self.settings, "folders/recent")
        for folder in recent:
            action = self.recent_menu.addAction(folder)
            action.triggered.connect(lambda _=False, f=folder: self.add_folders([Path(f)]))
        self.recent_menu.setEnabled(bool(recent))

    # -- messages ---------------------------------------------------------------------------------------

    @Slot(str)
    def show_message(self, text: str, title: str = "Album App") -> None:
        """A readable message in a box that does not block (the event loop and the workers go on)."""
        self.messages.append(text)
        log.warning("%s", text)
        if self._closing:
            return
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    @Slot(str)
    def show_status(self, text: str) -> None:
        self.status.setText(text)

    # -- importing --------------------------------------------------------------------------------------

    def choose_folder(self) -> None:
        start = str(self.settings.value("folders/last", str(Path.home())))
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of photos", start)
        if folder:
            self.add_folders([Path(folder)])

    @Slot(object)
    def add_folders(self, folders: Sequence[Path]) -> Job | None:
        folders = list(dict.fromkeys(Path(f).absolute() for f in folders))
        if not folders:
            return None
        self._remember_folders(folders)
        names = ", ".join(f.name or str(f) for f in folders[:3]) + ("…" if len(folders) > 3 else "")
        self.show_status(f"Adding {names}")
        return self.session.import_folders(folders)

    @Slot(object)
    def _on_imported(self, result: ImportResult) -> None:
        summary = result.summary
        self.thumbnails.forget_failures()
        if result.cancelled:
            self.show_status(
                f"Stopped: {formatting.count(summary.indexed)} added before you cancelled; "
                "adding the folder again resumes."
            )
            return
        if summary.found == 0:
            self.show_message("No files were found in the dropped folders.")
            return
        parts = [f"Added {formatting.count(summary.indexed)}"]
        if summary.unchanged:
            parts.append(f"{summary.unchanged:,} already known")
        if summary.skipped:
            parts.append(f"{summary.skipped:,} skipped (not photos or unreadable)")
        if result.report is not None:
            parts.append(f"{result.report.albums} albums suggested")
        self.show_status(", ".join(parts) + ".")
        self.session.suggest_rotations()  # the new photos: are any sideways? (in the background)

    # -- progress -----------------------------------------------------------------------------------------

    @Slot(object)
    def _on_job_started(self, job: Job) -> None:
        if self.session.is_quiet(job):
            return  # storing rotation suggestions: milliseconds, not a task to show
        self._progress_job = job
        self.progress.start(job.label, job.cancellable)
        self._update_actions()

    @Slot(object, object)
    def _on_job_progress(self, job: Job, progress: Progress) -> None:
        if job is self._progress_job:
            self.progress.update_progress(progress)

    @Slot(object)
    def _on_job_finished(self, job: Job) -> None:
        if job is self._progress_job:
            self._progress_job = None
        if not self.session.busy:
            self.progress.finish()
        self._update_actions()

    def cancel_task(self) -> None:
        job = self._progress_job
        if job is not None and job.cancellable:
            job.cancel.cancel()
            self.progress.stopping()
            self.show_status("Stopping after the photos in hand…")

    # -- snapshot → models ------------------------------------------------------------------------------

    def _selected_albums(self) -> list[AlbumEntry]:
        rows = sorted({i.row() for i in self.album_list.selectionModel().selectedIndexes()})
        return [a for r in rows if (a := self.album_model.album_at(r)) is not None]

    def current_album(self) -> AlbumEntry | None:
        index = self.album_list.currentIndex()
        return self.album_model.album_at(index.row()) if index.isValid() else None

    @Slot(object)
    def _on_snapshot(self, snapshot: LibrarySnapshot) -> None:
        # A library getting its first albums shows the first one, not the Unsorted it showed while empty.
        had_no_albums = all(a.is_unsorted for a in self.snapshot.albums)
        self.snapshot = snapshot
        selected = [a.id for a in self._selected_albums()]
        current = self.current_album()
        grid_selected = self.grid.selected_photo_ids()
        grid_current = self.grid.current_photo_id()
        scroll = self.grid.verticalScrollBar().value()
        self.album_model.set_albums(snapshot.albums)
        if self._select_after_refresh is not None and self.album_model.row_of(self._select_after_refresh) is not None:
            selected, current_id = [self._select_after_refresh], self._select_after_refresh
        elif (
            current is not None
            and self.album_model.row_of(current.id) is not None
            and not (current.is_unsorted and had_no_albums)
        ):
            current_id = current.id
        else:
            current_id = self._first_album_id(snapshot)
            selected = [current_id]
        self._select_albums([s for s in selected if self.album_model.row_of(s) is not None] or [current_id], current_id)
        self._show_album(
            self.album_model.album_at(self.album_model.row_of(current_id) or 0), grid_selected, grid_current, scroll
        )
        if self._select_after_refresh is not None and self._rename_after_refresh:
            self.album_list.edit(self.album_model.index_of(self._select_after_refresh))
        self._select_after_refresh, self._rename_after_refresh = None, False
        self.stack.setCurrentIndex(self.PAGE_DROP if snapshot.empty else self.PAGE_LIBRARY)
        albums = sum(1 for a in snapshot.albums if not a.is_unsorted)
        self.library_stats.setText(f"{formatting.count(len(snapshot.photos))} · {formatting.count(albums, 'album')}")
        self._map_stale = True
        if self.tabs.currentWidget() is self.map:
            self._request_map()
        self._update_actions()
        if not self._loaded_once:
            self._loaded_once = True
            self.album_list.setFocus()
        if not snapshot.empty and not self._rotations_asked:
            self._rotations_asked = True
            self.session.suggest_rotations()  # stored suggestions shown, photos not looked at yet judged
        self._request_stacks()

    def _request_stacks(self) -> None:
        """Burst stacks for the grid, computed off this thread and off the reader queue (seconds at 100k
        photos, once per change: cached in the core while the codes and times stay the same)."""
        running = self.session.writes.running
        if self.snapshot.empty or (running is not None and running.cancellable):
            return  # no photos, or a scan is adding them: the snapshot after it asks again
        self.session.stacks(self._stacks_ready)

    def _stacks_ready(self, stacks: Any) -> None:
        selected = self.grid.selected_photo_ids()
        current = self.grid.current_photo_id()
        scroll = self.grid.verticalScrollBar().value()
        if self.grid_model.set_stacks(stacks) and selected:
            self._select_photos(selected, current)
            QTimer.singleShot(0, lambda: self.grid.verticalScrollBar().setValue(scroll))

    @staticmethod
    def _first_album_id(snapshot: LibrarySnapshot) -> int | None:
        real = [a for a in snapshot.albums if not a.is_unsorted]
        return real[0].id if real else None

    def _select_albums(self, album_ids: Sequence[int | None], current: int | None) -> None:
        selection = QItemSelection()
        for album_id in album_ids:
            index = self.album_model.index_of(album_id)
            if index.isValid():
                selection.select(index, index)
        model = self.album_list.selectionModel()
        model.blockSignals(True)  # one update below, not one per row
        model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        current_index = self.album_model.index_of(current)
        if current_index.isValid():
            model.setCurrentIndex(current_index, QItemSelectionModel.SelectionFlag.NoUpdate)
        model.blockSignals(False)
        self.album_list.viewport().update()

    def _show_album(
        self,
        album: AlbumEntry | None,
        keep_selected: Sequence[int] = (),
        keep_current: int | None = None,
        scroll: int | None = None,
    ) -> None:
        if album is None:
            self.grid_model.clear()
            self.album_title.setText("")
            self.album_subtitle.setText("")
            self.map.set_highlight_album(None)
            return
        changed = self.grid_model.set_photos(album.id, album.members, self.snapshot.photos)
        self.album_title.setText(album.name)
        state = (
            "" if album.is_unsorted else ("accepted" if album.locked else "suggested" if album.suggested else "edited")
        )
        # Automatic names already say place and dates: the subtitle adds only what the name does not.
        details = [formatting.count(len(album.members)), state]
        details += [
            d for d in (album.place, formatting.date_range(album.start_at, album.end_at)) if d and d not in album.name
        ]
        self.album_subtitle.setText(" · ".join(d for d in details if d))
        self.map.set_highlight_album(album.id)
        if changed and keep_selected:
            self._select_photos(keep_selected, keep_current)
            if scroll is not None:
                QTimer.singleShot(0, lambda: self.grid.verticalScrollBar().setValue(scroll))
        self._update_actions()

    def _select_photos(self, photo_ids: Sequence[int], current: int | None = None) -> None:
        selection = QItemSelection()
        for photo_id in photo_ids:
            row = self.grid_model.row_of(photo_id)
            if row is not None:
                index = self.grid_model.index(row)
                selection.select(index, index)
        model = self.grid.selectionModel()
        model.select(selection, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        row = self.grid_model.row_of(current) if current is not None else None
        if row is not None:
            model.setCurrentIndex(self.grid_model.index(row), QItemSelectionModel.SelectionFlag.NoUpdate)
            self.grid.scrollTo(self.grid_model.index(row))

    @Slot(QItemSelection, QItemSelection)
    def _on_album_selection(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        album = self.current_album()
        if album is None:
            albums = self._selected_albums()
            album = albums[0] if albums else None
        self._show_album(album)  # cheap when it is the album already shown
        self._update_actions()

    @Slot(QItemSelection, QItemSelection)
    def _on_photo_selection(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        photo = self.grid.current_photo_id()
        if photo is None or not self.grid.selectionModel().isSelected(self.grid.currentIndex()):
            ids = self.grid.selected_photo_ids()
            photo = ids[0] if ids else None
        self._update_actions()
        self._show_details(photo)

    def _show_details(self, photo: int | None) -> None:
        if photo == self._detail_photo:
            return
        self._detail_photo = photo
        if photo is None:
            self.inspector.show_details(None)
            return
        where = self.snapshot.photos.position.get(photo)
        self._detail_hash = self.snapshot.photos.content_hashes[where] if where is not None else None
        self.inspector.set_preview(self.thumbnails.pixmap(self._detail_hash, PREVIEW, self.devicePixelRatioF()))
        self._show_rotation()
        self.session.details(photo, self._details_ready)

    def _show_rotation(self) -> None:
        turn = self.session.rotations.get(self._detail_photo) if self._detail_photo is not None else None
        self.inspector.set_rotation(turn.quarter_turns if turn else 0, turn.confidence if turn else 0.0)

    @Slot(object)
    def _rotations_ready(self, suggestions: dict[int, Any]) -> None:
        self.grid_model.set_rotations(suggestions)
        self._show_rotation()

    def _details_ready(self, details: PhotoDetails | None) -> None:
        if details is None or details.id != self._detail_photo:
            return
        album = self.snapshot.album(details.album_id) if details.album_id else None
        self.inspector.show_details(details, album.place if album else None)

    @Slot(object)
    def _thumbnails_ready(self, hashes: set[str]) -> None:
        if self._detail_hash in hashes:
            self.inspector.set_preview(self.thumbnails.pixmap(self._detail_hash, PREVIEW, self.devicePixelRatioF()))

    # -- map --------------------------------------------------------------------------------------------

    def _on_tab(self, index: int) -> None:
        if self.tabs.widget(index) is self.map and self._map_stale:
            self._request_map()

    def _request_map(self) -> None:
        self._map_stale = False
        if self.snapshot.empty:
            self.map.set_data(None)
            return
        self.map.message = "Drawing the map…"
        self.session.map_data(self._map_ready)

    def _map_ready(self, data: MapData) -> None:
        names = {a.id: a.name for a in self.snapshot.albums if a.id is not None}
        self.map.message = "No photo has been read by the model yet."
        self.map.set_data(data, names)
        current = self.current_album()
        self.map.set_highlight_album(current.id if current else None)

    @Slot(int)
    def reveal_photo(self, photo_id: int) -> None:
        """Select a photo's album in the sidebar and the photo in the grid (the map's click)."""
        album_id = self.snapshot.album_of_photo().get(photo_id)
        self._select_albums([album_id], album_id)
        self._show_album(self.album_model.album_at(self.album_model.row_of(album_id) or 0))
        self.grid_model.open_stack_of(photo_id)  # a photo hidden in a closed stack: open it
        self._select_photos([photo_id], photo_id)

    # -- edits ------------------------------------------------------------------------------------------

    def _edit(
        self, label: str, calls: Sequence[EditCall], *, select_result: bool = False, rename_result: bool = False
    ) -> Job | None:
        if self.clustering_problem:
            self.show_message(self.clustering_problem)
            return None

        def done(results: list[object]) -> None:
            if select_result and results and isinstance(results[0], int):
                self._select_after_refresh = results[0]
                self._rename_after_refresh = rename_result

        return self.session.edit(label, calls, on_done=done)

    @Slot(int, str)
    def _rename(self, album_id: int, name: str) -> None:
        self._edit(f"Renamed the album to “{name}”.", [EditCall("rename", (album_id, name))])

    def rename_current(self) -> None:
        index = self.album_list.currentIndex()
        if index.isValid() and self.album_model.flags(index) & Qt.ItemFlag.ItemIsEditable:
            self.album_list.setFocus()
            self.album_list.edit(index)

    def merge_selected(self) -> Job | None:
        albums = [a for a in self._selected_albums() if not a.is_unsorted]
        current = self.current_album()
        ids = [a.id for a in albums if a.id is not None]
        if current is not None and current.id in ids:
            ids.remove(current.id)
            ids.insert(0, current.id)  # the album in view keeps its id and name
        if len(ids) < 2:
            self.show_status("Select two or more albums to merge (Ctrl+click).")
            return None
        return self._edit(f"Merged {len(ids)} albums.", [EditCall("merge", (ids,))], select_result=True)

    def split_selected(self) -> Job | None:
        album = self.current_album()
        photos = self.grid.selected_photo_ids()
        if album is None or not photos:
            self.show_status("Select photos first.")
            return None
        label = f"Made a new album of {formatting.count(len(photos))}."
        if album.is_unsorted:
            return self._edit(
                label, [EditCall("create", ("New album", photos))], select_result=True, rename_result=True
            )
        return self._edit(label, [EditCall("split", (album.id, photos))], select_result=True, rename_result=True)

    def remove_selected(self) -> Job | None:
        album = self.current_album()
        photos = self.grid.selected_photo_ids()
        if album is None or album.is_unsorted or not photos:
            return None
        return self._edit(
            f"Removed {formatting.count(len(photos))} from “{album.name}”.",
            [EditCall("remove", (p, album.id)) for p in photos],
        )

    def toggle_accept(self) -> Job | None:
        albums = [a for a in self._selected_albums() if not a.is_unsorted]
        if not albums:
            return None
        lock = not all(a.locked for a in albums)
        verb = "Accepted" if lock else "Took back the acceptance of"
        return self._edit(
            f"{verb} {formatting.count(len(albums), 'album')}.", [EditCall("lock", (a.id, lock)) for a in albums]
        )

    def reject_selected(self) -> Job | None:
        albums = [a for a in self._selected_albums() if not a.is_unsorted]
        if not albums:
            return None
        return self._edit(
            f"Rejected {formatting.count(len(albums), 'suggestion')}; the photos are in Unsorted.",
            [EditCall("reject", (a.id,)) for a in albums],
        )

    @Slot(object, object, object)
    def _photos_dropped(self, target: int | None, source: int | None, photos: list[int]) -> Job | None:
        if target is None:
            if source is None:
                return None
            return self._edit(
                f"Removed {formatting.count(len(photos))} from the album.",
                [EditCall("remove", (p, source)) for p in photos],
            )
        entry = self.snapshot.album(target)
        name = entry.name if entry else "the album"
        return self._edit(
            f"Moved {formatting.count(len(photos))} to “{name}”.", [EditCall("move", (p, target)) for p in photos]
        )

    def undo(self) -> Job | None:
        if self.clustering_problem:
            return None
        return self.session.undo()

    def redo(self) -> Job | None:
        if self.clustering_problem:
            return None
        return self.session.redo()

    # -- dialogs ----------------------------------------------------------------------------------------

    def recluster(self) -> None:
        if self.clustering_problem:
            self.show_message(self.clustering_problem)
            return
        dialog = ReclusterDialog(None, len(self.snapshot.photos), self)

        def weights_read(weights: object | None) -> None:
            if shiboken6.isValid(dialog):  # the person may have closed it already
                dialog.set_weights(weights, saved=True)

        self.session.weights(weights_read)
        if dialog.exec() == ReclusterDialog.DialogCode.Accepted:
            self.start_recluster(dialog.chosen_method(), dialog.chosen_k(), dialog.chosen_weights())
        dialog.deleteLater()

    def start_recluster(self, method: str, k: int | None, weights: object | None) -> Job:
        return self.session.recluster(method, k, weights)

    def export_albums(self) -> None:
        turn = str(self.settings.value("export/turn", "false")).lower() == "true"
        raw = str(self.settings.value("export/raw", "false")).lower() == "true"
        dialog = ExportDialog(str(self.settings.value("export/last", "")), self, turn_suggested=turn, with_raw=raw)
        if dialog.exec() != ExportDialog.DialogCode.Accepted:
            return
        destination, mode, unsorted = dialog.chosen()
        self.settings.setValue("export/last", str(destination))
        self.settings.setValue("export/turn", "true" if dialog.turn_suggested() else "false")
        self.settings.setValue("export/raw", "true" if dialog.with_raw() else "false")
        self.start_export(
            destination, mode, unsorted, turn_suggested=dialog.turn_suggested(), with_raw=dialog.with_raw()
        )

    def start_export(
        self, destination: Path, mode: str, include_unsorted: bool, *, turn_suggested: bool = False,
        with_raw: bool = False,
    ) -> Job:
        def done(report: Any) -> None:
            text = (
                f"Exported to {report.destination}: {report.written:,} written, {report.kept:,} already there, "
                f"{report.moved:,} moved, {report.removed:,} removed."
            )
            if turn_suggested:
                text += f" {report.turned:,} turned upright (copies; the originals are unchanged)."
            problems = report.problem_lines(more="see the export's log")
            if problems:
                self.show_message("\n\n".join([text, "\n".join(problems)]))
            self.show_status(text)

        return self.session.export(
            destination, mode, include_unsorted, on_done=done, turn_suggested=turn_suggested, with_raw=with_raw
        )

    def show_models(self) -> ModelDialog:
        if self.trainer_process is None:
            self.trainer_process = TrainerProcess(self)
        dialog = ModelDialog(self, library=self.session.paths.root, trainer=self.trainer_process)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.session.models(dialog.set_data)
        dialog.open()
        return dialog

    def show_shortcuts(self) -> None:
        rows = [
            (a.text().replace("&", ""), a.shortcut().toString(QKeySequence.SequenceFormat.NativeText))
            for a in self.actions()
            if not a.shortcut().isEmpty()
        ]
        text = "\n".join(f"{keys:>18}   {name}" for name, keys in rows)
        box = QMessageBox(QMessageBox.Icon.Information, "Keyboard shortcuts", text, QMessageBox.StandardButton.Ok, self)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    def show_about(self) -> None:
        from album_app import __version__

        QMessageBox.about(
            self,
            "About album_app",
            f"album_app {__version__}\n\nTurns photo folders into suggested albums, on this computer. "
            f"Nothing is uploaded.\n\nLibrary: {self.session.paths.root}",
        )

    def _toggle_details(self) -> None:
        self.inspector.setVisible(self.act_details.isChecked())

    # -- state of actions -------------------------------------------------------------------------------

    def _update_actions(self) -> None:
        albums = [a for a in self._selected_albums() if not a.is_unsorted]
        current = self.current_album()
        photos = bool(self.grid.selectionModel().selectedIndexes())
        can_edit = self.clustering_problem is None
        self.act_rename.setEnabled(can_edit and current is not None and not current.is_unsorted)
        self.act_merge.setEnabled(can_edit and len(albums) >= 2)
        self.act_split.setEnabled(can_edit and photos and current is not None)
        self.act_remove.setEnabled(can_edit and photos and current is not None and not current.is_unsorted)
        self.act_accept.setEnabled(can_edit and bool(albums))
        self.act_accept.setText("Un-&accept album" if albums and all(a.locked for a in albums) else "&Accept album")
        self.act_reject.setEnabled(can_edit and bool(albums))
        self.act_recluster.setEnabled(can_edit and not self.snapshot.empty)
        self.act_export.setEnabled(not self.snapshot.empty)
        edits = self.snapshot.edits
        self.act_undo.setEnabled(can_edit and edits.undo_kind is not None)
        self.act_redo.setEnabled(can_edit and edits.redo_kind is not None)
        self.act_undo.setText(
            f"&Undo {EDIT_KIND_NAMES.get(edits.undo_kind, edits.undo_kind)}" if edits.undo_kind else "&Undo"
        )
        self.act_redo.setText(
            f"&Redo {EDIT_KIND_NAMES.get(edits.redo_kind, edits.redo_kind)}" if edits.redo_kind else "&Redo"
        )
        job = self._progress_job
        self.act_cancel.setEnabled(job is not None and job.cancellable)
        if self.clustering_problem:
            for action in (self.act_recluster, self.act_merge, self.act_split, self.act_accept, self.act_reject):
                action.setToolTip(self.clustering_problem)

    # -- closing ----------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        """Safe at any moment: cancel, wait for the worker to finish its batch, close the catalog."""
        if self._closing:
            event.accept()
            return
        self._closing = True
        self.save_settings()
        if self.session.busy:
            self.progress.stopping()
            self.show_status("Stopping the running task before closing…")
            QApplication.processEvents()
        self.hide()
        if self.trainer_process is not None and self.trainer_process.running:
            # The trainer checkpoints on SIGINT; the next "Train tonight" resumes from there.
            self.trainer_process.cancel()
            self.trainer_process.process.waitForFinished(15_000)
        self.thumbnails.shutdown()
        if not self.session.close():
            log.error("closing while a worker still runs; the catalog stays consistent (one transaction a batch)")
        event.accept()
