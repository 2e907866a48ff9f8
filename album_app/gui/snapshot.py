"""What the window shows of a library, read in one go off the GUI thread: plain values, no Qt."""

from __future__ import annotations

from dataclasses import dataclass, field

from album_app.albums.kinds import EVERYDAY, TRIP
from album_app.catalog.views import EditState, PhotoSummaries


@dataclass
class AlbumEntry:
    """One sidebar row. ``id`` None is Unsorted (always last)."""

    id: int | None
    name: str
    place: str | None = None
    start_at: str | None = None
    end_at: str | None = None
    locked: bool = False
    suggested: bool = True  # the user has not touched it (no rename, lock, move…)
    cover_hash: str | None = None
    cover_path: str | None = None
    members: list[int] = field(default_factory=list)  # in time order
    kind: str = "event"  # album_app.albums.kinds
    period: str | None = None  # an everyday album's month ("2024-03")
    sections: list[dict[str, object]] = field(default_factory=list)  # a trip's days: {"day", "label", "count"}

    @property
    def is_unsorted(self) -> bool:
        return self.id is None

    @property
    def shown_as_timeline(self) -> bool:
        """Everyday months and trips open as days with headers (a trip's with "Split here"), not a grid."""
        return self.kind in (EVERYDAY, TRIP) and bool(self.members)


UNSORTED_NAME = "Unsorted"


@dataclass
class ModelInfo:
    id: str
    path: str
    source: str
    added_at: str
    summary: dict[str, object] = field(default_factory=dict)


@dataclass
class LibrarySnapshot:
    albums: list[AlbumEntry] = field(default_factory=list)  # suggested/accepted albums, then Unsorted
    photos: PhotoSummaries = field(default_factory=PhotoSummaries)
    edits: EditState = field(default_factory=lambda: EditState(None, None))
    model: ModelInfo | None = None
    clustered: int = 0  # photos clustering has seen
    _album_of: dict[int, int | None] | None = field(default=None, repr=False)

    @property
    def empty(self) -> bool:
        return len(self.photos) == 0

    def album(self, album_id: int | None) -> AlbumEntry | None:
        return next((a for a in self.albums if a.id == album_id), None)

    def album_of_photo(self) -> dict[int, int | None]:
        """Photo id → album id (None: Unsorted); built once, in the worker that read the snapshot."""
        if self._album_of is None:
            self._album_of = {photo: album.id for album in self.albums for photo in album.members}
        return self._album_of
