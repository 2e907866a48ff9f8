"""What the item models share: their roles, the drag-and-drop payload of photos, the turn text."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from enum import IntEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QUrl,
)

if TYPE_CHECKING:  # the grid takes stacks computed in a worker; albums.stacks is imported there
    pass

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
    Kind = Qt.ItemDataRole.UserRole + 9
    Section = Qt.ItemDataRole.UserRole + 10  # a sidebar section's header row: its title (None on album rows)
    Collapsed = Qt.ItemDataRole.UserRole + 11
    PhotoId = Qt.ItemDataRole.UserRole + 20
    ContentHash = Qt.ItemDataRole.UserRole + 21
    Path = Qt.ItemDataRole.UserRole + 22
    TakenAt = Qt.ItemDataRole.UserRole + 23
    ThumbnailFailed = Qt.ItemDataRole.UserRole + 24
    StackSize = Qt.ItemDataRole.UserRole + 25  # photos a grid tile stands for: n for a closed stack, else 1
    StackPhotoIds = Qt.ItemDataRole.UserRole + 26  # those photos' ids, the shown one (the cover) first
    StackPosition = Qt.ItemDataRole.UserRole + 27  # (k, n): k-th of n photos of an open stack, else None
    SuggestedTurn = Qt.ItemDataRole.UserRole + 28  # clockwise quarter turns the app suggests (0: none), see turn_text
    Duration = Qt.ItemDataRole.UserRole + 29  # a video's length in seconds; None for a photo


def turn_text(quarter_turns: int, confidence: float) -> str:
    """A rotation suggestion in words: "Looks turned: rotate 90° clockwise (87 %)"; "" for no turn."""
    how = {1: "rotate 90° clockwise", 2: "rotate 180°", 3: "rotate 90° counter-clockwise"}.get(quarter_turns % 4)
    return f"Looks turned: {how} ({round(100 * confidence)} %)" if how else ""


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
