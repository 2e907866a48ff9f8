"""The grid's photos as a Qt list model; a burst stack (services.stacks) is one tile that opens in place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QObject,
    Qt,
    Slot,
)

from album_app.catalog.views import PhotoSummaries
from album_app.gui import formatting
from album_app.gui.thumbnails import ThumbnailLoader

if TYPE_CHECKING:  # the grid takes stacks computed in a worker; albums.stacks is imported there
    from album_app.albums.bursts import Stack
    from album_app.services.stacks import LibraryStacks

from album_app.gui.models.roles import PHOTO_MIME, Index, Roles, photo_mime, turn_text


class PhotoGridModel(QAbstractListModel):
    """The photos of one album. Rows arrive in chunks (fetchMore), so 100k photos cost nothing up front.

    A burst stack with two or more members in the album is one row (a tile) showing its cover, at the
    place of its first member; `toggle_stack` opens it (its members take its place, in time order) and
    closes it again. A row stands for the photos of ``Roles.StackPhotoIds``: a drag of a closed tile
    carries them all. ``Roles.PhotoId`` is the photo shown (the cover), which the details panel shows.
    """

    CHUNK = 2000

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thumbnails = thumbnails
        self.thumb_size = 160
        self.device_ratio = 1.0
        self.album_id: int | None = None
        self._ids: list[int] = []  # the album's photos
        self._display: list[int] = []  # the photo shown in each row: a closed stack shows its cover
        self._rows: dict[int, int] | None = None  # shown photo -> row, built when first asked
        self._loaded = 0
        self._photos = PhotoSummaries()
        self._library_stacks: LibraryStacks | None = None
        self._stacks: list[Stack] = []  # the stacks of this album (members in it only)
        self._stack_of: dict[int, Stack] = {}  # stacked photo -> its stack
        self._open: set[int] = set()  # covers of the open stacks
        self._turns: dict[int, Any] = {}  # photo id -> its rotation suggestion (catalog.extras.RotationRow)
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnails_ready)

    def set_rotations(self, suggestions: Mapping[int, Any]) -> None:
        """The photos the app thinks are turned (photo id -> catalog.extras.RotationRow): a marker and a
        tooltip line on their tiles (Roles.SuggestedTurn). Rows stay as they are."""
        self._turns = dict(suggestions)
        if self._loaded:
            roles = [Roles.SuggestedTurn, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole]
            self.dataChanged.emit(self.index(0), self.index(self._loaded - 1), roles)

    def set_photos(self, album_id: int | None, photo_ids: Sequence[int], photos: PhotoSummaries) -> bool:
        """Show these photos; returns False (and keeps rows) when nothing changed."""
        ids = list(photo_ids)
        self._photos = photos
        if album_id == self.album_id and ids == self._ids:
            return False
        self.beginResetModel()
        if album_id != self.album_id:
            self._open = set()
        self.album_id = album_id
        self._ids = ids
        self._layout(self._album_stacks(ids))
        self.endResetModel()
        return True

    def set_stacks(self, stacks: LibraryStacks | None) -> bool:
        """Take the library's burst stacks; returns False (and keeps rows) when this album's did not change."""
        if stacks is self._library_stacks:
            return False
        self._library_stacks = stacks
        shown = self._album_stacks(self._ids)
        if shown == self._stacks:
            return False
        self.beginResetModel()
        self._layout(shown)
        self.endResetModel()
        return True

    def clear(self) -> None:
        self.set_photos(None, [], PhotoSummaries())

    def _album_stacks(self, ids: Sequence[int]) -> list[Stack]:
        return self._library_stacks.in_album(ids) if self._library_stacks is not None else []

    def _layout(self, stacks: list[Stack]) -> None:
        """Rows from the album's photos and stacks (inside a reset). O(n) look-ups; none without stacks."""
        self._stacks = stacks
        self._stack_of = {photo: stack for stack in stacks for photo in stack.photo_ids}
        covers = {stack.cover_id for stack in stacks}
        self._open &= covers
        if not stacks:
            self._display = list(self._ids)
        else:
            display: list[int] = []
            placed: set[int] = set()
            for photo in self._ids:
                stack = self._stack_of.get(photo)
                if stack is None:
                    display.append(photo)
                elif stack.cover_id not in placed:  # the tile goes where its first member is
                    placed.add(stack.cover_id)
                    display.extend(stack.photo_ids if stack.cover_id in self._open else (stack.cover_id,))
            self._display = display
        self._rows = None
        self._loaded = min(len(self._display), self.CHUNK)

    @property
    def photo_ids(self) -> list[int]:
        return list(self._ids)

    def total(self) -> int:
        """Photos in the album (rows, when every stack is open and every row loaded)."""
        return len(self._ids)

    def tile_count(self) -> int:
        """Rows once all are loaded: photos, closed stacks counting one."""
        return len(self._display)

    def photo_at(self, row: int) -> int | None:
        return self._display[row] if 0 <= row < self._loaded else None

    def stack_at(self, row: int) -> Stack | None:
        """The stack a row is (closed) or belongs to (open); None for a photo of no stack."""
        photo = self.photo_at(row)
        return self._stack_of.get(photo) if photo is not None else None

    def photos_at(self, row: int) -> list[int]:
        """The photos a row stands for: a closed stack's members (its cover first), else the one shown."""
        photo = self.photo_at(row)
        if photo is None:
            return []
        stack = self._stack_of.get(photo)
        if stack is None or stack.cover_id in self._open:
            return [photo]
        return [stack.cover_id, *(p for p in stack.photo_ids if p != stack.cover_id)]

    def row_of(self, photo_id: int) -> int | None:
        """The row showing a photo (a closed stack's row for its members), loading rows up to it if needed."""
        if self._rows is None:
            self._rows = {p: r for r, p in enumerate(self._display)}
        row = self._rows.get(photo_id)
        if row is None and (stack := self._stack_of.get(photo_id)) is not None:
            row = self._rows.get(stack.cover_id)
        if row is not None:
            self._load_to(row)
        return row

    def _load_to(self, row: int) -> None:
        if row >= self._loaded:
            self.beginInsertRows(QModelIndex(), self._loaded, row)
            self._loaded = row + 1
            self.endInsertRows()

    # -- opening and closing stacks -------------------------------------------------------------------

    def toggle_stack(self, row: int) -> int | None:
        """Open a closed stack's row or close the open stack a row belongs to; returns the cover's row
        afterwards (None: the row is no stack). The cover keeps its row object, so selection follows it."""
        stack = self.stack_at(row)
        if stack is None:
            return None
        if stack.cover_id in self._open:
            return self._close(stack, row)
        return self._expand(stack, row)

    def open_stack_of(self, photo_id: int) -> int | None:
        """Open the closed stack that hides a photo, if any; returns the photo's row (as `row_of`)."""
        stack = self._stack_of.get(photo_id)
        if stack is not None and stack.cover_id not in self._open:
            row = self.row_of(stack.cover_id)
            if row is not None:
                self._expand(stack, row)
        return self.row_of(photo_id)

    def _expand(self, stack: Stack, row: int) -> int:
        members = list(stack.photo_ids)
        at = members.index(stack.cover_id)
        before, after = members[:at], members[at + 1 :]
        self._open.add(stack.cover_id)
        self._rows = None
        if before:
            self.beginInsertRows(QModelIndex(), row, row + len(before) - 1)
            self._display[row:row] = before
            self._loaded += len(before)
            self.endInsertRows()
        cover_row = row + len(before)
        if after:
            self.beginInsertRows(QModelIndex(), cover_row + 1, cover_row + len(after))
            self._display[cover_row + 1 : cover_row + 1] = after
            self._loaded += len(after)
            self.endInsertRows()
        self._changed(cover_row)
        return cover_row

    def _close(self, stack: Stack, row: int) -> int:
        members = list(stack.photo_ids)
        first = row - members.index(self._display[row])
        at = members.index(stack.cover_id)
        self._load_to(first + len(members) - 1)  # an open stack may end past the rows loaded so far
        self._open.discard(stack.cover_id)
        self._rows = None
        for start, stop in ((first + at + 1, first + len(members)), (first, first + at)):
            if start < stop:
                self.beginRemoveRows(QModelIndex(), start, stop - 1)
                del self._display[start:stop]
                self._loaded -= stop - start
                self.endRemoveRows()
        self._changed(first)
        return first

    def _changed(self, row: int) -> None:
        index = self.index(row)
        self.dataChanged.emit(index, index)

    # -- Qt model -----------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._loaded

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and self._loaded < len(self._display)

    def fetchMore(self, parent: Index) -> None:
        if parent.isValid():
            return
        more = min(self.CHUNK, len(self._display) - self._loaded)
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
        if role in (Roles.StackSize, Roles.StackPhotoIds, Roles.StackPosition):
            return self._stack_role(row, role)
        if role == Roles.SuggestedTurn:
            turn = self._turns.get(self.photo_at(row))  # type: ignore[arg-type]
            return turn.quarter_turns if turn is not None else 0
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
            text = f"{name}, {taken}" if taken else name
            stack = self.stack_at(row)
            if stack is not None:
                text = f"{text}; {self._stack_text(stack, row)}"
            turn = self._turns.get(self.photo_at(row))  # type: ignore[arg-type]
            return text if turn is None else f"{text}; {turn_text(turn.quarter_turns, turn.confidence).lower()}"
        if role == Roles.ContentHash:
            return photos.content_hashes[where]
        if role == Roles.Path:
            return photos.paths[where]
        if role == Roles.TakenAt:
            return photos.taken_at[where]
        if role == Roles.Duration:
            return photos.duration_s[where] if where < len(photos.duration_s) else None
        return None

    def _stack_role(self, row: int, role: int) -> object:
        photo = self.photo_at(row)
        if photo is None:
            return None
        stack = self._stack_of.get(photo)
        closed = stack is not None and stack.cover_id not in self._open
        if role == Roles.StackSize:
            return stack.size if closed else 1  # type: ignore[union-attr]
        if role == Roles.StackPhotoIds:
            return self.photos_at(row)
        if stack is None or closed:
            return None
        return (stack.photo_ids.index(photo) + 1, stack.size)

    def _stack_text(self, stack: Stack, row: int) -> str:
        from album_app.services.stacks import describe

        if stack.cover_id in self._open:
            k, n = self._stack_role(row, Roles.StackPosition)  # type: ignore[misc]
            return f"{k} of {n} in a stack ({describe(stack)}); double-click or Enter closes it"
        return f"a stack ({describe(stack)}); double-click or Enter opens it"

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def mimeTypes(self) -> list[str]:
        return [PHOTO_MIME, "text/uri-list"]

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeData(self, indexes: Sequence[Index]) -> QMimeData:
        """The photos of the dragged rows: every member of a closed stack, in row order."""
        rows = sorted({i.row() for i in indexes if i.isValid()})
        ids = list(dict.fromkeys(p for r in rows for p in self.photos_at(r)))
        paths = [self._photos.paths[w] for p in ids if (w := self._photos.position.get(p)) is not None]
        return photo_mime(self.album_id, ids, paths)

    @Slot(object)
    def _thumbnails_ready(self, hashes: set[str]) -> None:
        # One signal for the loaded range: the view repaints only what is on screen.
        if self._loaded:
            self.dataChanged.emit(self.index(0), self.index(self._loaded - 1), [Qt.ItemDataRole.DecorationRole])
