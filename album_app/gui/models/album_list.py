"""The sidebar's albums as a Qt list model (rename through setData, photos dropped on an album).

When the library holds albums of more than one section (albums.kinds.SECTIONS: Trips, Events, Everyday,
Screenshots, Albums), each section gets a header row (its title and count; not selectable; a click hides or
shows its albums) and lists its albums newest first; Unsorted is the last row. A library of one section (an
event library) is a plain list in the core's order (by date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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

from album_app.albums.kinds import SECTIONS, section_of
from album_app.gui import formatting
from album_app.gui.snapshot import AlbumEntry
from album_app.gui.thumbnails import ThumbnailLoader

if TYPE_CHECKING:  # the grid takes stacks computed in a worker; albums.stacks is imported there
    pass

from album_app.gui.models.roles import PHOTO_MIME, Index, Roles, read_photo_mime


@dataclass
class SectionRow:
    """A section's header row in the sidebar."""

    title: str
    count: int  # albums in the section
    collapsed: bool


Row = AlbumEntry | SectionRow


class AlbumListModel(QAbstractListModel):
    """Albums by section (module docstring), Unsorted last."""

    renameRequested = Signal(int, str)  # album id, new name
    photosDropped = Signal(object, object, object)  # target album id (None: Unsorted), source, ids
    sectionsChanged = Signal(object)  # the titles of the hidden sections (a set)

    COVER_SIZE = 56

    def __init__(self, thumbnails: ThumbnailLoader | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._albums: list[AlbumEntry] = []
        self._rows: list[Row] = []
        self._row_of: dict[int | None, int] = {}
        self.hidden_sections: set[str] = set()
        self.thumbnails = thumbnails
        self.device_ratio = 1.0
        if thumbnails is not None:
            thumbnails.ready.connect(self._thumbnails_ready)

    # -- contents -----------------------------------------------------------------------------------

    def set_albums(self, albums: Sequence[AlbumEntry]) -> None:
        """Keep rows (and so selection and an open editor) when the same albums come back in the same order."""
        self._albums = list(albums)
        self._arrange()

    def _arrange(self) -> None:
        rows = self._rows_of(self._albums)
        if [_key(r) for r in rows] == [_key(r) for r in self._rows]:
            self._rows = rows
            if rows:
                self.dataChanged.emit(self.index(0), self.index(len(rows) - 1))
            return
        self.beginResetModel()
        self._rows = rows
        self._row_of = {r.id: row for row, r in enumerate(rows) if isinstance(r, AlbumEntry)}
        self.endResetModel()

    def _rows_of(self, albums: list[AlbumEntry]) -> list[Row]:
        by_section: dict[str, list[AlbumEntry]] = {title: [] for title, _ in SECTIONS}
        for album in albums:
            if not album.is_unsorted:
                by_section[section_of(album.kind)].append(album)
        unsorted = [a for a in albums if a.is_unsorted]
        present = [title for title, members in by_section.items() if members]
        if len(present) <= 1:
            return [a for a in albums if not a.is_unsorted] + unsorted
        rows: list[Row] = []
        for title in present:
            members = sorted(by_section[title], key=lambda a: a.start_at or "", reverse=True)  # newest first
            hidden = title in self.hidden_sections
            rows.append(SectionRow(title, len(members), hidden))
            if not hidden:
                rows.extend(members)
        return rows + unsorted

    def toggle_section(self, title: str) -> None:
        """Hide a section's albums, or show them again."""
        self.set_hidden_sections(self.hidden_sections ^ {title})

    def set_hidden_sections(self, titles: set[str]) -> None:
        """Hide these sections' albums (and show the others'). Rows are removed and inserted, not reset, so
        the selection of the albums that stay in view stays."""
        titles = set(titles)
        if titles == self.hidden_sections:
            return
        for title in sorted(titles ^ self.hidden_sections):
            self._show_section(title, hidden=title in titles)
        self.sectionsChanged.emit(set(self.hidden_sections))

    def _show_section(self, title: str, *, hidden: bool) -> None:
        (self.hidden_sections.add if hidden else self.hidden_sections.discard)(title)
        header = next((row for row, r in enumerate(self._rows) if isinstance(r, SectionRow) and r.title == title), None)
        if header is None:  # not listed now (no album of it, or no sections): only remembered
            return
        section = self._rows[header]
        assert isinstance(section, SectionRow)
        members = [r for r in self._rows_of(self._albums) if isinstance(r, AlbumEntry)
                   and not r.is_unsorted and section_of(r.kind) == title] if not hidden else []
        first = header + 1
        if hidden:
            self.beginRemoveRows(QModelIndex(), first, first + section.count - 1)
            del self._rows[first: first + section.count]
            self.endRemoveRows()
        else:
            self.beginInsertRows(QModelIndex(), first, first + len(members) - 1)
            self._rows[first:first] = members
            self.endInsertRows()
        section.collapsed = hidden
        self._row_of = {r.id: row for row, r in enumerate(self._rows) if isinstance(r, AlbumEntry)}
        self.dataChanged.emit(self.index(header), self.index(header))

    def reveal(self, album_id: int | None) -> None:
        """Show the section of this album if it is hidden (a photo revealed, an album made by an edit)."""
        album = next((a for a in self._albums if a.id == album_id), None)
        if album is not None and not album.is_unsorted and section_of(album.kind) in self.hidden_sections:
            self.toggle_section(section_of(album.kind))

    def albums(self) -> list[AlbumEntry]:
        return list(self._albums)

    def section_at(self, row: int) -> SectionRow | None:
        item = self._rows[row] if 0 <= row < len(self._rows) else None
        return item if isinstance(item, SectionRow) else None

    def album_at(self, row: int) -> AlbumEntry | None:
        item = self._rows[row] if 0 <= row < len(self._rows) else None
        return item if isinstance(item, AlbumEntry) else None

    def row_of(self, album_id: int | None) -> int | None:
        return self._row_of.get(album_id)

    def index_of(self, album_id: int | None) -> QModelIndex:
        row = self.row_of(album_id)
        return self.index(row) if row is not None else QModelIndex()

    # -- Qt model -----------------------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        section = self.section_at(index.row()) if index.isValid() else None
        if section is not None:
            return self._section_data(section, role)
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

    @staticmethod
    def _section_data(section: SectionRow, role: int) -> object:
        if role == Qt.ItemDataRole.DisplayRole:
            return section.title
        if role in (Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            what = "shown" if not section.collapsed else "hidden"
            return f"{section.title}: {formatting.count(section.count, 'album')}, {what} (click to show or hide)"
        return {Roles.Section: section.title, Roles.Count: section.count, Roles.Collapsed: section.collapsed}.get(
            role)  # type: ignore[call-overload]

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
            Roles.Kind: album.kind,
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
        if index.isValid() and self.section_at(index.row()) is not None:
            return Qt.ItemFlag.ItemIsEnabled  # a header: clicked to hide or show, never selected
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
        for row, album in enumerate(self._rows):
            if isinstance(album, AlbumEntry) and album.cover_hash in hashes:
                index = self.index(row)
                self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])


def _key(row: Row) -> tuple[str, object]:
    return ("section", row.title, row.collapsed) if isinstance(row, SectionRow) else ("album", row.id)  # type: ignore[return-value]
