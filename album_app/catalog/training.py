"""What the trainer reads from a catalog: photos with their time and place, and the user's album edits.

Read-only by design: `read_training_snapshot` opens the catalog with ``writer=False`` (the app may be
running and holds the writer lock), reads everything in a few queries and closes it again, so a
long training run never keeps a connection (or a WAL read snapshot) open. No torch here: the catalog
package stays importable by the app alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from album_app.catalog.codes import active_model
from album_app.catalog.photos import PILLOW_ORIGINAL
from album_app.catalog.store import Catalog
from album_app.library import LibraryPaths


@dataclass(frozen=True)
class TrainingPhoto:
    """One indexed photo as the trainer needs it. Missing values are None (never zero)."""

    id: int
    path: str
    content_hash: str | None
    orientation: int
    taken_ts: float | None  # trusted EXIF time (seconds, see photo_meta.taken_ts)
    lat: float | None
    lon: float | None
    # A video or RAW file (not photos.PILLOW_ORIGINAL): its pixels come only from the scan's thumbnail
    # (a video's poster frame, a RAW's preview), never from the original.
    thumbnail_only: bool = False


@dataclass(frozen=True)
class AlbumEdits:
    """One album the user has spoken about: who is in it, who they kept, who they took out."""

    album_id: int
    locked: bool
    members: tuple[int, ...]  # photo ids placed in it now
    pinned: tuple[int, ...]  # members the user put there (moves, merges, splits, own albums)
    excluded: tuple[int, ...]  # photos the user removed from it

    @property
    def accepted(self) -> tuple[int, ...]:
        """Members the user vouched for: all of a locked (accepted) album, else only the pinned ones."""
        return self.members if self.locked else self.pinned


@dataclass
class TrainingSnapshot:
    """Everything a fit needs from the catalog, read in one short read-only visit."""

    photos: list[TrainingPhoto] = field(default_factory=list)
    albums: list[AlbumEdits] = field(default_factory=list)
    active_model_id: str | None = None
    active_model_path: str | None = None


def training_photos(catalog: Catalog) -> list[TrainingPhoto]:
    """Every indexed item (videos and RAW files too, marked ``thumbnail_only``) with its EXIF time, place
    and orientation, in id order."""
    rows = catalog.conn.execute(
        "SELECT p.id, p.path, p.content_hash, coalesce(m.orientation, 1), m.taken_ts, m.lat, m.lon,"
        f" NOT {PILLOW_ORIGINAL} FROM photos p LEFT JOIN photo_meta m ON m.photo_id = p.id"
        " WHERE p.status = 'indexed' ORDER BY p.id"
    ).fetchall()
    return [
        TrainingPhoto(
            int(row[0]),
            str(row[1]),
            row[2],
            int(row[3] or 1),
            None if row[4] is None else float(row[4]),
            None if row[5] is None or row[6] is None else float(row[5]),  # a place needs both coordinates
            None if row[5] is None or row[6] is None else float(row[6]),
            bool(row[7]),
        )
        for row in rows
    ]


def album_edits(catalog: Catalog) -> list[AlbumEdits]:
    """Albums that carry a user statement: locked, with pinned members, or with removed photos.

    Rejected albums are left out: rejecting a suggestion says "no album here", not "these photos look
    unlike each other" (their members are excluded from it and left Unsorted, so they would turn
    into negatives of nothing anyway).
    """
    albums: dict[int, dict[str, object]] = {
        int(row[0]): {"locked": bool(row[1]), "members": [], "pinned": [], "excluded": []}
        for row in catalog.conn.execute("SELECT id, locked FROM albums WHERE rejected = 0 ORDER BY id")
    }
    for photo_id, album_id, pinned in catalog.conn.execute(
        "SELECT pl.photo_id, pl.album_id, pl.pinned FROM placements pl JOIN photos p ON p.id = pl.photo_id"
        " WHERE pl.album_id IS NOT NULL AND p.status = 'indexed' ORDER BY pl.photo_id"
    ):
        entry = albums.get(int(album_id))
        if entry is not None:
            entry["members"].append(int(photo_id))  # type: ignore[attr-defined]
            if pinned:
                entry["pinned"].append(int(photo_id))  # type: ignore[attr-defined]
    for album_id, photo_id in catalog.conn.execute("SELECT album_id, photo_id FROM exclusions ORDER BY photo_id"):
        entry = albums.get(int(album_id))
        if entry is not None:
            entry["excluded"].append(int(photo_id))  # type: ignore[attr-defined]
    out = []
    for album_id, entry in albums.items():
        edit = AlbumEdits(
            album_id,
            bool(entry["locked"]),
            tuple(entry["members"]),  # type: ignore[arg-type]
            tuple(entry["pinned"]),  # type: ignore[arg-type]
            tuple(entry["excluded"]),  # type: ignore[arg-type]
        )
        if edit.locked or edit.pinned or edit.excluded:
            out.append(edit)
    return out


def read_training_snapshot(paths: LibraryPaths) -> TrainingSnapshot:
    """Open the catalog read-only, read photos, edits and the active model, close it (CatalogError if absent)."""
    with Catalog(paths, writer=False) as catalog:
        model = active_model(catalog)
        return TrainingSnapshot(
            photos=training_photos(catalog),
            albums=album_edits(catalog),
            active_model_id=model.id if model else None,
            active_model_path=model.path if model else None,
        )
