"""Read queries for the window: compact photo tables, one photo's details, the state of the edit log.

The GUI never speaks SQL; it calls these from its worker threads (on a reader Catalog) and hands
plain Python values to its Qt models.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from album_app.catalog.store import Catalog
from album_app.ingest.meta import PhotoMeta


@dataclass
class PhotoSummaries:
    """What a photo grid needs for every indexed photo, as parallel lists (light for 100k photos)."""

    ids: list[int] = field(default_factory=list)
    content_hashes: list[str | None] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    taken_at: list[str | None] = field(default_factory=list)
    position: dict[int, int] = field(default_factory=dict)  # photo id -> index in the lists
    duration_s: list[float | None] = field(default_factory=list)  # a video's length; None for a photo

    def __len__(self) -> int:
        return len(self.ids)


def photo_summaries(catalog: Catalog) -> PhotoSummaries:
    """Indexed photos in time order (undated ones last, then by path)."""
    rows = catalog.conn.execute(
        "SELECT p.id, p.content_hash, p.path, coalesce(m.taken_at, m.time_hint),"
        " CASE WHEN p.media_kind = 'video' THEN coalesce(m.duration_s, 0) END FROM photos p"
        " LEFT JOIN photo_meta m ON m.photo_id = p.id WHERE p.status = 'indexed'"
        " ORDER BY coalesce(m.taken_ts, m.time_hint_ts) IS NULL, coalesce(m.taken_ts, m.time_hint_ts), p.path"
    ).fetchall()
    summaries = PhotoSummaries(
        ids=[int(row[0]) for row in rows],
        content_hashes=[row[1] for row in rows],
        paths=[str(row[2]) for row in rows],
        taken_at=[row[3] for row in rows],
        duration_s=[row[4] for row in rows],
    )
    summaries.position = {photo_id: index for index, photo_id in enumerate(summaries.ids)}
    return summaries


@dataclass(frozen=True)
class PhotoDetails:
    """One photo as the details panel shows it: when, where, with what, and why it is in its album."""

    id: int
    path: str
    status: str
    content_hash: str | None
    size: int
    format: str | None
    width: int | None
    height: int | None
    taken_at: str | None
    time_source: str | None
    rejected_time: str | None
    time_hint: str | None
    time_hint_source: str | None
    lat: float | None
    lon: float | None
    alt: float | None
    camera: str | None
    album_id: int | None
    album_name: str | None
    pinned: bool
    confidence: float | None
    reason: str | None
    clustered: bool  # False: no placement row yet (never clustered)
    # Accepted albums' own models, when trained: [(album name, probability)], best first.
    by_look: tuple[tuple[str, float], ...] = ()


def photo_details(catalog: Catalog, photo_id: int) -> PhotoDetails | None:
    row = catalog.conn.execute(
        "SELECT p.id, p.path, p.status, p.content_hash, p.size, p.format, m.width, m.height, m.taken_at,"
        " m.time_source, m.rejected_time, m.time_hint, m.time_hint_source, m.lat, m.lon, m.alt, m.make, m.model,"
        " pl.photo_id IS NOT NULL AS clustered, pl.album_id, pl.pinned, pl.confidence, pl.reason,"
        " a.name AS album_user_name, a.auto_name AS album_auto_name"
        " FROM photos p LEFT JOIN photo_meta m ON m.photo_id = p.id"
        " LEFT JOIN placements pl ON pl.photo_id = p.id"
        " LEFT JOIN albums a ON a.id = pl.album_id"
        " WHERE p.id = ?",
        (photo_id,),
    ).fetchone()
    if row is None:
        return None
    album_id = row["album_id"]
    album_name = (row["album_user_name"] or row["album_auto_name"] or f"Album {album_id}") if album_id else None
    return PhotoDetails(
        id=int(row["id"]),
        path=str(row["path"]),
        status=str(row["status"]),
        content_hash=row["content_hash"],
        size=int(row["size"]),
        format=row["format"],
        width=row["width"],
        height=row["height"],
        taken_at=row["taken_at"],
        time_source=row["time_source"],
        rejected_time=row["rejected_time"],
        time_hint=row["time_hint"],
        time_hint_source=row["time_hint_source"],
        lat=row["lat"],
        lon=row["lon"],
        alt=row["alt"],
        camera=PhotoMeta(make=row["make"], model=row["model"]).camera,
        album_id=album_id,
        album_name=album_name,
        pinned=bool(row["pinned"]),
        confidence=row["confidence"],
        reason=row["reason"],
        clustered=bool(row["clustered"]),
    )


@dataclass(frozen=True)
class EditState:
    """What Undo and Redo would act on (the kinds of edit), None when there is nothing."""

    undo_kind: str | None
    redo_kind: str | None


def edit_state(catalog: Catalog) -> EditState:
    """Mirrors albums.edits.undo/redo: the latest edit not undone, the earliest undone one."""
    undo = catalog.conn.execute("SELECT kind FROM edits WHERE undone = 0 ORDER BY id DESC LIMIT 1").fetchone()
    redo = catalog.conn.execute("SELECT kind FROM edits WHERE undone = 1 ORDER BY id LIMIT 1").fetchone()
    return EditState(undo[0] if undo else None, redo[0] if redo else None)


def placed_count(catalog: Catalog) -> int:
    """How many photos clustering has seen (0: the library was never clustered)."""
    return int(catalog.conn.execute("SELECT count(*) FROM placements").fetchone()[0])


def codes_fingerprint(catalog: Catalog, model_id: str) -> tuple[object, ...]:
    """A cheap summary of what burst stacks are computed from: which indexed photos have a code from
    ``model_id`` and their EXIF times. Equal fingerprints: the stacks computed before still hold
    (albums.stacks caches them on it). One aggregate over the codes' primary-key index, no code read."""
    row = catalog.conn.execute(
        "SELECT count(*), max(p.id), total(p.id), count(m.taken_ts), total(m.taken_ts), max(p.updated_at)"
        " FROM photos p JOIN codes c ON c.photo_id = p.id AND c.model_id = ?"
        " LEFT JOIN photo_meta m ON m.photo_id = p.id WHERE p.status = 'indexed'",
        (model_id,),
    ).fetchone()
    return (model_id, *tuple(row))
