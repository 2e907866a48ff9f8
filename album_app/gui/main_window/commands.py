"""What the window's actions do: add folders, edit albums (each edit one undo step), undo, dialogs.

A mixin of MainWindow (window.py), kept apart so that the window itself is only widgets, snapshots and
selection. Every edit goes through the LibrarySession (a job on the writer queue); nothing here blocks.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QFileDialog, QMessageBox, QTabWidget, QWidget

from album_app.gui import formatting
from album_app.gui.dialogs.export import ExportDialog
from album_app.gui.dialogs.model_info import ModelDialog
from album_app.gui.dialogs.recluster import ReclusterDialog
from album_app.gui.snapshot import AlbumEntry, LibrarySnapshot
from album_app.gui.tasks import EditCall, ImportResult
from album_app.gui.training import TrainerProcess
from album_app.gui.workers import Job

if TYPE_CHECKING:
    from album_app.albums.features import FusionWeights
    from album_app.gui.main_window.actions import WindowActions
    from album_app.gui.main_window.album_page import AlbumPage
    from album_app.gui.main_window.browsing import Browsing
    from album_app.gui.session import LibrarySession
    from album_app.gui.thumbnails import ThumbnailLoader
    from album_app.gui.views.album_list import AlbumListView
    from album_app.gui.views.inspector import PhotoInspector
    from album_app.gui.views.library_map import LibraryMap
    from album_app.gui.views.photo_grid import PhotoGridView
    from album_app.gui.views.search_bar import SearchPanel
    from album_app.gui.views.similar_photos import SimilarPanel
    from album_app.services.export import ExportReport


class WindowCommands:
    """The handlers the actions registry names (actions.py); MainWindow provides the attributes below."""

    session: LibrarySession
    settings: QSettings
    snapshot: LibrarySnapshot
    thumbnails: ThumbnailLoader
    action_registry: WindowActions
    album_list: AlbumListView
    grid: PhotoGridView
    tabs: QTabWidget
    timeline_page: QWidget
    places_page: QWidget
    search: SearchPanel
    similar: SimilarPanel
    map: LibraryMap
    inspector: PhotoInspector
    browsing: Browsing
    album_page: AlbumPage
    act_details: QAction
    trainer_process: TrainerProcess | None
    _select_after_refresh: int | None
    _rename_after_refresh: bool

    if TYPE_CHECKING:  # MainWindow's own (window.py)

        def show_status(self, text: str) -> None: ...
        def show_message(self, text: str, title: str = "Album App") -> None: ...
        def current_album(self) -> AlbumEntry | None: ...
        def _selected_albums(self) -> list[AlbumEntry]: ...
        def _remember_folders(self, folders: Sequence[Path]) -> None: ...

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


    # -- edits ------------------------------------------------------------------------------------------

    def run_edits(
        self, label: str, calls: Sequence[EditCall], *, select_result: bool = False, rename_result: bool = False
    ) -> Job | None:
        def done(results: list[object]) -> None:
            if select_result and results and isinstance(results[0], int):
                self._select_after_refresh = results[0]
                self._rename_after_refresh = rename_result

        return self.session.edit(label, calls, on_done=done)

    @Slot(int, str)
    def _rename(self, album_id: int, name: str) -> None:
        self.run_edits(f"Renamed the album to “{name}”.", [EditCall("rename", (album_id, name))])

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
        return self.run_edits(f"Merged {len(ids)} albums.", [EditCall("merge", (ids,))], select_result=True)

    def split_selected(self) -> Job | None:
        album = self.current_album()
        photos = self.album_page.selected_photo_ids()
        if album is None or not photos:
            self.show_status("Select photos first.")
            return None
        label = f"Made a new album of {formatting.count(len(photos))}."
        if album.is_unsorted:
            return self.run_edits(
                label, [EditCall("create", ("New album", photos))], select_result=True, rename_result=True
            )
        return self.run_edits(label, [EditCall("split", (album.id, photos))], select_result=True, rename_result=True)

    def remove_selected(self) -> Job | None:
        album = self.current_album()
        photos = self.album_page.selected_photo_ids()
        if album is None or album.is_unsorted or not photos:
            return None
        return self.run_edits(
            f"Removed {formatting.count(len(photos))} from “{album.name}”.",
            [EditCall("remove", (p, album.id)) for p in photos],
        )

    def toggle_accept(self) -> Job | None:
        albums = [a for a in self._selected_albums() if not a.is_unsorted]
        if not albums:
            return None
        lock = not all(a.locked for a in albums)
        verb = "Accepted" if lock else "Took back the acceptance of"
        return self.run_edits(
            f"{verb} {formatting.count(len(albums), 'album')}.", [EditCall("lock", (a.id, lock)) for a in albums]
        )

    def reject_selected(self) -> Job | None:
        albums = [a for a in self._selected_albums() if not a.is_unsorted]
        if not albums:
            return None
        return self.run_edits(
            f"Rejected {formatting.count(len(albums), 'suggestion')}; the photos are in Unsorted.",
            [EditCall("reject", (a.id,)) for a in albums],
        )

    @Slot(object, object, object)
    def _photos_dropped(self, target: int | None, source: int | None, photos: list[int]) -> Job | None:
        if target is None:
            if source is None:
                return None
            return self.run_edits(
                f"Removed {formatting.count(len(photos))} from the album.",
                [EditCall("remove", (p, source)) for p in photos],
            )
        entry = self.snapshot.album(target)
        name = entry.name if entry else "the album"
        return self.run_edits(
            f"Moved {formatting.count(len(photos))} to “{name}”.", [EditCall("move", (p, target)) for p in photos]
        )

    def undo(self) -> Job:
        return self.session.undo()

    def redo(self) -> Job:
        return self.session.redo()

    # -- dialogs ----------------------------------------------------------------------------------------

    def recluster(self) -> None:
        dialog = ReclusterDialog(None, len(self.snapshot.photos), self)

        def weights_read(weights: FusionWeights) -> None:
            if shiboken6.isValid(dialog):  # the person may have closed it already
                dialog.set_weights(weights, saved=True)

        self.session.weights(weights_read)
        if dialog.exec() == ReclusterDialog.DialogCode.Accepted:
            self.start_recluster(dialog.chosen_method(), dialog.chosen_k(), dialog.chosen_weights())
        dialog.deleteLater()

    def start_recluster(self, method: str, k: int | None, weights: FusionWeights | None) -> Job:
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
        def done(report: ExportReport) -> None:
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
        rows = self.action_registry.shortcut_rows()
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

    # -- views ------------------------------------------------------------------------------------------

    def show_view(self, name: str) -> None:
        pages = {
            "photos": self.tabs.widget(0),
            "timeline": self.timeline_page,
            "places": self.places_page,
            "search": self.search,
            "like_this": self.similar,
            "map": self.map,
        }
        self.tabs.setCurrentWidget(pages[name])

    def find_photos(self) -> None:
        self.show_view("search")
        self.search.field.setFocus()
        self.search.field.selectAll()

    def view_photo(self) -> None:
        self.browsing.view_current()

    def more_like_this(self) -> None:
        self.browsing.more_like_this()

    def show_in_album(self) -> None:
        self.browsing.show_in_album()

    def zoom_grid(self, steps: int) -> None:
        self.browsing.zoom(steps)

    def toggle_details(self) -> None:
        self.inspector.setVisible(self.act_details.isChecked())
