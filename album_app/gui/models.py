"""Qt item models over a LibrarySnapshot: the sidebar's albums and the grid's photos.

Models hold plain values read off the GUI thread; data() is a list lookup (plus a thumbnail cache
lookup), so views stay fast at 100k photos. Edits requested through a model (rename by setData,
photos dropped on an album) are emitted as signals: the window turns them into core edits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from enum import IntEnum
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QUrl,
    Signal,
    Slot,
)

from album_app.catalog.views import PhotoSummaries
from album_app.gui import formatting
from album_app.gui.snapshot import AlbumEntry
from album_app.gui.thumbnails import ThumbnailLoader

PHOTO_MIME = "application/x-album-app-photos"

Index = QModelIndex | QPersistentModelIndex


class Roles(IntEnum):
    AlbumId = Qt.ItemDataRole.UserRole + 1
    DateRange = Qt.ItemDataRole.UserRole + 2
    Place = Qt.ItemDataRole.UserRole + 3
    Count = Qt.ItemDataRole.UserRole + 4
    Locked = Qt.ItemDataRole.UserRole + 5
    Suggested = Qt.ItemDataRole.UserRole + 6
    IsUnsorted = Qt.ItemDataRole.UserRole + 7
    CoverHash = Qt.ItemDataRole.UserRole + 8
    PhotoId = Qt.ItemDataRole.UserRole + 20
    ContentHash = Qt.ItemDataRole.UserRole + 21
    Path = Qt.ItemDataRole.UserRole + 22
    TakenAt = Qt.ItemDataRole.UserRole + 23
    ThumbnailFailed = Qt.ItemDataRole.UserRole + 24


def photo_mime(album_id: int | None, photo_ids: Sequence[int], paths: Iterable[str] = ()) -> QMimeData:
    """Photos being dragged: their ids and the album they come from (and file URLs for other apps)."""
    mime = QMimeData()
    payload = json.dumps({"album": album_id, "photos": [int(p) for p in photo_ids]})
    mime.setData(PHOTO_MIME, QByteArray(payload.encode()))
    urls = [QUrl.fromLocalFile(p) for p in paths]
    if urls:
        mime.setUrls(urls)
    return mime


def read_photo_mime(mime: QMimeData | None) -> tuple[int | None, list[int]] | None:
    if mime is None or not mime.hasFormat(PHOTO_MIME):
        return None
    try:
        payload = json.loads(bytes(mime.data(PHOTO_MIME).data()).decode())
        album = payload.get("album")
        return (int(album) if album is not None else None), [int(p) for p in payload["photos"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


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


class PhotoGridModel(QAbstractListModel):
    """The photos of one album. Rows arrive in chunks (fetchMore), so 100k photos cost nothing up front."""

    CHUNK = 2000

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.thumb_size = 160
        self.device_ratio = 1.0
        self.album_id: int | None = None
        self._ids: list[int] = []
        self._rows: dict[int, int] | None = None
        self._loaded = 0
        self._photos = PhotoSummaries()
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnails_ready)

    def set_photos(self, album_id: int | None, photo_ids: Sequence[int], photos: PhotoSummaries) -> bool:
        """Show these photos; returns False (and keeps rows) when nothing changed."""
        ids = list(photo_ids)
        self._photos = photos
        if album_id == self.album_id and ids == self._ids:
            return False
        self.beginResetModel()
        self.album_id = album_id
        self._ids = ids
        self._rows = None
        self._loaded = min(len(ids), self.CHUNK)
        self.endResetModel()
        return True

    def clear(self) -> None:
        self.set_photos(None, [], PhotoSummaries())

    @property
    def photo_ids(self) -> list[int]:
        return list(self._ids)

    def total(self) -> int:
        return len(self._ids)

    def photo_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < self._loaded else None

    def row_of(self, photo_id: int) -> int | None:
        """The row of a photo, loading rows up to it if needed."""
        if self._rows is None:
            self._rows = {p: r for r, p in enumerate(self._ids)}
        row = self._rows.get(photo_id)
        if row is not None and row >= self._loaded:
            self.beginInsertRows(QModelIndex(), self._loaded, row)
            self._loaded = row + 1
            self.endInsertRows()
        return row

    # -- Qt model -----------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._loaded

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._loaded < len(self._ids)

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid():
            return
        more = min(self.CHUNK, len(self._ids) - self._loaded)
        if more <= 0:
            return
        self.beginInsertRows(QModelIndex(), self._loaded, self._loaded + more - 1)
        self._loaded += more
        self.endInsertRows()

    def _where(self, row: int) -> int | None:
        photo = self.photo_at(row)
        return self._photos.position.get(photo) if photo is not None else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        row = index.row()
        if role == Roles.PhotoId:
            return self.photo_at(row)
        where = self._where(row)
        if where is None:
            return None
        photos = self._photos
        if role == Qt.ItemDataRole.DecorationRole:
            if self.thumbnails is None:
                return None
            return self.thumbnails.pixmap(
                photos.content_hashes[where], self.thumb_size, self.device_ratio, photos.paths[where]
            )
        if role == Roles.ThumbnailFailed:
            return self.thumbnails is not None and self.thumbnails.failed(
                photos.content_hashes[where], self.thumb_size, self.device_ratio
            )
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            name = Path(photos.paths[where]).name
            taken = formatting.when(photos.taken_at[where])
            return f"{name}, {taken}" if taken else name
        if role == Roles.ContentHash:
            return photos.content_hashes[where]
        if role == Roles.Path:
            return photos.paths[where]
        if role == Roles.TakenAt:
            return photos.taken_at[where]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return [PHOTO_MIME, "text/uri-list"]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeData(self, indexes: Sequence[Index]) -> QMimeData:
        rows = sorted({i.row() for i in indexes if i.isValid()})
        ids = [p for r in rows if (p := self.photo_at(r)) is not None]
        paths = [self._photos.paths[w] for p in ids if (w := self._photos.position.get(p)) is not None]
        return photo_mime(self.album_id, ids, paths)

    @Slot(object)
    def _thumbnails_ready(self, hashes: set[str]) -> None:
        # One signal for the loaded range: the view repaints only what is on screen.
        if self._loaded:
            self.dataChanged.emit(self.index(0), self.index(self._loaded - 1), [Qt.ItemDataRole.DecorationRole])
