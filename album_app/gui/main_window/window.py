"""The main window: sidebar of albums, photo grid and map, photo details, progress strip.

Widgets only: what to do is asked of the LibrarySession (jobs on worker threads), and what to show
comes back as LibrarySnapshots that the Qt models take in. The widgets are built in layout.py, the
actions (menus, shortcuts, when each is enabled) are declared in actions.py, and what the actions do
(edits, import, export, dialogs) is in commands.py.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QItemSelection, QItemSelectionModel, QSettings, Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QMessageBox, QWidget

from album_app.catalog.views import PhotoDetails
from album_app.gui import formatting
from album_app.gui.main_window.actions import ActionState, WindowActions
from album_app.gui.main_window.album_page import AlbumPage
from album_app.gui.main_window.browsing import Browsing
from album_app.gui.main_window.commands import WindowCommands
from album_app.gui.main_window.layout import setup_actions, setup_ui
from album_app.gui.models import AlbumListModel, PhotoGridModel
from album_app.gui.session import LibrarySession
from album_app.gui.snapshot import AlbumEntry, LibrarySnapshot
from album_app.gui.tasks import MapData
from album_app.gui.thumbnails import ThumbnailLoader
from album_app.gui.training import TrainerProcess
from album_app.gui.views.inspector import PREVIEW
from album_app.gui.workers import Job
from album_app.progress import Progress

if TYPE_CHECKING:
    from album_app.catalog.extras import RotationRow
    from album_app.services.stacks import LibraryStacks

log = logging.getLogger("album_app.gui.window")

MAX_RECENT = 8


def settings_list(settings: QSettings, key: str) -> list[str]:
    value = settings.value(key, [])
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value or []]


class MainWindow(WindowCommands, QMainWindow):
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
        setup_ui(self)
        self.browsing = Browsing(self)
        self.album_page = AlbumPage(self, self.browsing, self.settings)
        self.action_registry = WindowActions(self)
        setup_actions(self)
        self.act_details.setChecked(True)
        self._connect()
        self._restore_settings()
        self.update_actions()
        session.refresh()

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
    # -- progress -----------------------------------------------------------------------------------------

    @Slot(object)
    def _on_job_started(self, job: Job) -> None:
        if self.session.is_quiet(job):
            return  # storing rotation suggestions: milliseconds, not a task to show
        self._progress_job = job
        self.progress.start(job.label, job.cancellable)
        self.update_actions()

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
        self.update_actions()

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
        grid_selected = self.album_page.selected_photo_ids()
        grid_current = self.album_page.current_photo_id()
        scroll = self.grid.verticalScrollBar().value()
        self.album_model.set_albums(snapshot.albums)
        self.album_model.reveal(self._select_after_refresh)  # an album an edit made, in a hidden section
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
        self.update_actions()
        if not self._loaded_once:
            self._loaded_once = True
            self.album_list.setFocus()
        if not snapshot.empty and not self._rotations_asked:
            self._rotations_asked = True
            self.session.suggest_rotations()  # stored suggestions shown, photos not looked at yet judged
        self._request_stacks()
        self.browsing.snapshot_changed(snapshot)

    def _request_stacks(self) -> None:
        """Burst stacks for the grid, computed off this thread and off the reader queue (seconds at 100k
        photos, once per change: cached in the core while the codes and times stay the same)."""
        running = self.session.writes.running
        if self.snapshot.empty or (running is not None and running.cancellable):
            return  # no photos, or a scan is adding them: the snapshot after it asks again
        self.session.stacks(self._stacks_ready)

    def _stacks_ready(self, stacks: LibraryStacks) -> None:
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
        self.album_page.show(album)
        if album is None:
            self.grid_model.clear()
            self.album_title.setText("")
            self.album_subtitle.setText("")
            self.map.set_highlight_album(None)
            return
        changed = self.grid_model.set_photos(album.id, album.members, self.snapshot.photos)
        self.album_title.setText(album.name)
        state = formatting.album_state(album.is_unsorted, album.locked, album.suggested, album.kind)
        # Automatic names already say place and dates: the subtitle adds only what the name does not.
        details = [formatting.count(len(album.members)), formatting.kind_text(album.kind), state]
        details += [
            d for d in (album.place, formatting.date_range(album.start_at, album.end_at)) if d and d not in album.name
        ]
        self.album_subtitle.setText(" · ".join(d for d in details if d))
        self.map.set_highlight_album(album.id)
        if changed and keep_selected:
            self._select_photos(keep_selected, keep_current)
            if scroll is not None:
                QTimer.singleShot(0, lambda: self.grid.verticalScrollBar().setValue(scroll))
        self.update_actions()

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
        self.browsing.album_changed(album)
        self.update_actions()

    @Slot(QItemSelection, QItemSelection)
    def _on_photo_selection(self, selected: QItemSelection, deselected: QItemSelection) -> None:
        self.update_actions()
        if self.tabs.currentIndex() == 0:  # another view in front shows its own photo's details
            self.show_grid_details()

    def show_grid_details(self) -> None:
        """The details of the album grid's photo: the current one if selected, else the first selected."""
        photo = self.album_page.current_photo_id()
        if not self.album_page.by_day and (photo is None or not self.grid.selectionModel().isSelected(
                self.grid.currentIndex())):
            ids = self.grid.selected_photo_ids()
            photo = ids[0] if ids else None
        self.show_photo_details(photo)

    def show_photo_details(self, photo: int | None) -> None:
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
    def _rotations_ready(self, suggestions: dict[int, RotationRow]) -> None:
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
        self.browsing.tab_changed()
        self.update_actions()

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
        self.album_model.reveal(album_id)
        self._select_albums([album_id], album_id)
        self._show_album(self.album_model.album_at(self.album_model.row_of(album_id) or 0))
        self.grid_model.open_stack_of(photo_id)  # a photo hidden in a closed stack: open it
        self._select_photos([photo_id], photo_id)
        if self.album_page.by_day:
            self.album_days.go_to_photo(photo_id)

    # -- edits ------------------------------------------------------------------------------------------

    # -- state of actions -------------------------------------------------------------------------------

    def update_actions(self) -> None:
        job = self._progress_job
        state = ActionState(
            albums=[a for a in self._selected_albums() if not a.is_unsorted],
            current=self.current_album(),
            photos_selected=self.album_page.has_selection(),
            library_empty=self.snapshot.empty,
            edits=self.snapshot.edits,
            cancellable_job=job is not None and job.cancellable,
            view_selection=self.browsing.has_selection(),
            view_current=self.browsing.selection()[1] is not None,
            album_view=self.tabs.currentIndex() == 0,
        )
        self.action_registry.update(state)

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
        self.viewer.close()
        self.viewer.shutdown()
        self.thumbnails.shutdown()
        if not self.session.close():
            log.error("closing while a worker still runs; the catalog stays consistent (one transaction a batch)")
        event.accept()
