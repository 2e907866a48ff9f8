"""The sidebar's albums as a Qt list model (rename through setData, photos dropped on an album)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    Qt,
    Signal,
    Slot,
)

from album_app.gui import formatting
from album_app.gui.snapshot import AlbumEntry
from album_app.gui.thumbnails import ThumbnailLoader

if TYPE_CHECKING:  # the grid takes stacks computed in a worker; albums.stacks is imported there
    pass

from album_app.gui.models.roles import PHOTO_MIME, Index, Roles, read_photo_mime


class AlbumListModel(QAbstractListModel):
    """Albums in the order the core gives (by date), Unsorted last."""

    renameRequested = Signal(int, str)  # album id, new name
    photosDropped = Signal(object, object, object)  # target album id (None: Unsorted), source, ids

    COVER_SIZE = 56

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._albums: list[AlbumEntry] = []
        self._row_of: dict[int | None, int] = {}
        self.thumbnails = thumbnails
        self.device_ratio = 1.0
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnails_ready)

    # -- contents -----------------------------------------------------------------------------------

    def set_albums(self, albums: Sequence[AlbumEntry]) -> None:
        """Keep rows (and so selection and an open editor) when the same albums come back in the same order."""
        albums = list(albums)
        if [a.id for a in albums] == [a.id for a in self._albums]:
            self._albums = albums
            if albums:
                self.dataChanged.emit(self.index(0), self.index(len(albums) - 1))
            return
        self.beginResetModel()
        self._albums = albums
        self._row_of = {a.id: row for row, a in enumerate(albums)}
        self.endResetModel()

    def albums(self) -> list[AlbumEntry]:
        return list(self._albums)

    def album_at(self, row: int) -> AlbumEntry | None:
        return self._albums[row] if 0 <= row < len(self._albums) else None

    def row_of(self, album_id: int | None) -> int | None:
        return self._row_of.get(album_id)

    def index_of(self, album_id: int | None) -> QModelIndex:
        row = self.row_of(album_id)
        return self.index(row) if row is not None else QModelIndex()

    # -- Qt model -----------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._albums)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        album = self.album_at(index.row()) if index.isValid() else None
        if album is None:
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return album.name
        if role == Qt.ItemDataRole.DecorationRole:
            if self.thumbnails is None:
                return None
            return self.thumbnails.pixmap(album.cover_hash, self.COVER_SIZE, self.device_ratio, album.cover_path)
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._describe(album)
        return self._role(album, role)

    def _role(self, album: AlbumEntry, role: int) -> object:
        values = {
            Roles.AlbumId: album.id,
            Roles.DateRange: formatting.date_range(album.start_at, album.end_at),
            Roles.Place: album.place or "",
            Roles.Count: len(album.members),
            Roles.Locked: album.locked,
            Roles.Suggested: album.suggested,
            Roles.IsUnsorted: album.is_unsorted,
            Roles.CoverHash: album.cover_hash,
        }
        return values.get(role)  # type: ignore[call-overload]

    @staticmethod
    def _describe(album: AlbumEntry) -> str:
        parts = [
            album.name,
            formatting.date_range(album.start_at, album.end_at),
            album.place or "",
            formatting.count(len(album.members)),
        ]
        if not album.is_unsorted:
            parts.append("accepted" if album.locked else ("suggested" if album.suggested else "edited"))
        return ", ".join(p for p in parts if p)

    def roleNames(self) -> dict[int, QByteArray]:
        names = super().roleNames()
        for role in Roles:
            names[int(role)] = QByteArray(role.name[0].lower() + role.name[1:])
        return names

    def flags(self, index: Index) -> Qt.ItemFlag:
        album = self.album_at(index.row()) if index.isValid() else None
        if album is None:
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDropEnabled
        if not album.is_unsorted:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:
        album = self.album_at(index.row()) if index.isValid() else None
        if album is None or album.is_unsorted or role != Qt.ItemDataRole.EditRole:
            return False
        name = " ".join(str(value or "").split())
        if not name or name == album.name:
            return False
        assert album.id is not None
        # Shown at once; the catalog is written by a worker and the next snapshot confirms it.
        album.name = name
        album.suggested = False
        self.dataChanged.emit(index, index)
        self.renameRequested.emit(album.id, name)
        return True

    # -- drops: photos dragged from the grid onto an album ------------------------------------------

    def mimeTypes(self) -> list[str]:
        return [PHOTO_MIME]

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        decoded = read_photo_mime(data)
        if decoded is None or not parent.isValid():
            return False
        target = self.album_at(parent.row())
        source, photos = decoded
        if target is None or not photos or target.id == source:
            return False
        return not (target.is_unsorted and source is None)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        decoded = read_photo_mime(data)
        assert decoded is not None
        target = self.album_at(parent.row())
        assert target is not None
        self.photosDropped.emit(target.id, decoded[0], decoded[1])
        # Accepted. The grid model has no removeRows, so the drag's source keeps its rows until the
        # next snapshot shows the move as the catalog has it.
        return True

    @Slot(object)
    def _thumbnails_ready(self, hashes: set[str]) -> None:
        for row, album in enumerate(self._albums):
            if album.cover_hash in hashes:
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
