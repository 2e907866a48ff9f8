"""Albums, placements, exclusions and the edit log: the SQL side of the albums package."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from album_app.catalog.photos import db_path
from album_app.catalog.store import Catalog, utc_now
from album_app.ingest.meta import INSTANT_ONLY_SOURCES, PhotoMeta


@dataclass
class AlbumRow:
    id: int
    name: str | None
    auto_name: str
    place: str | None
    start_at: str | None
    end_at: str | None
    locked: bool
    rejected: bool
    origin: str
    cover_id: int | None
    members: list[int] = field(default_factory=list)
    pinned: set[int] = field(default_factory=set)
    excluded: set[int] = field(default_factory=set)
    kind: str = "event"  # album_app.albums.kinds
    period: str | None = None  # an everyday album's month, "2024-03"
    sections: list[dict[str, object]] = field(default_factory=list)  # a trip's days: {"day", "label", "count"}

    @property
    def display_name(self) -> str:
        return self.name or self.auto_name or f"Album {self.id}"

    @property
    def touched(self) -> bool:
        """The user did something to it: it keeps its identity and whatever they pinned."""
        return bool(self.name or self.locked or self.origin == "user" or self.pinned)


def load_albums(catalog: Catalog, *, include_rejected: bool = True) -> list[AlbumRow]:
    conn = catalog.conn
    where = "" if include_rejected else "WHERE rejected = 0"
    albums = {
        row["id"]: AlbumRow(
            id=row["id"], name=row["name"], auto_name=row["auto_name"], place=row["place"],
            start_at=row["start_at"], end_at=row["end_at"], locked=bool(row["locked"]),
            rejected=bool(row["rejected"]), origin=row["origin"], cover_id=row["cover_id"],
            kind=row["kind"], period=row["period"], sections=json.loads(row["sections"]) if row["sections"] else [],
        )
        for row in conn.execute(f"SELECT * FROM albums {where} ORDER BY coalesce(start_at, '9999'), id")
    }
    for photo_id, album_id, pinned in conn.execute(
        "SELECT photo_id, album_id, pinned FROM placements WHERE album_id IS NOT NULL ORDER BY photo_id"
    ):
        if album_id in albums:
            albums[album_id].members.append(photo_id)
            if pinned:
                albums[album_id].pinned.add(photo_id)
    for album_id, photo_id in conn.execute("SELECT album_id, photo_id FROM exclusions"):
        if album_id in albums:
            albums[album_id].excluded.add(photo_id)
    return list(albums.values())


def album(catalog: Catalog, album_id: int) -> AlbumRow | None:
    return next((a for a in load_albums(catalog) if a.id == album_id), None)


def placed_photo_ids(catalog: Catalog) -> set[int]:
    return {row[0] for row in catalog.conn.execute("SELECT photo_id FROM placements")}


def photo_id_for_path(catalog: Catalog, path: str) -> int | None:
    row = catalog.conn.execute("SELECT id FROM photos WHERE path = CAST(? AS TEXT)", (db_path(path),)).fetchone()
    return int(row[0]) if row else None


def photo_paths(catalog: Catalog, photo_ids: Iterable[int] | None = None) -> dict[int, str]:
    rows = catalog.conn.execute("SELECT id, path FROM photos")
    wanted = set(photo_ids) if photo_ids is not None else None
    return {int(i): str(p) for i, p in rows if wanted is None or i in wanted}


def unsorted_photo_ids(catalog: Catalog) -> list[int]:
    """Indexed photos in no album: clustered into Unsorted, or not clustered yet."""
    rows = catalog.conn.execute(
        "SELECT p.id FROM photos p LEFT JOIN placements pl ON pl.photo_id = p.id"
        " WHERE p.status = 'indexed' AND pl.album_id IS NULL ORDER BY p.id"
    )
    return [int(row[0]) for row in rows]


@dataclass
class PhotoFacts:
    """The arrays clustering needs, for indexed photos that have a code from ``model_id``.

    ``taken_ts`` is what the scan stored (true UTC where the file recorded an offset, else the wall clock
    read as UTC); ``local_ts`` the wall clock where the photo was taken (read as UTC) and ``offset_s`` its
    offset from UTC (NaN: unknown, so the instant is unknown to within a time zone); ``cameras`` the make
    and model ('' without camera EXIF); ``formats`` the detected format. Videos are rows like photos.
    """

    photo_ids: np.ndarray
    codes: np.ndarray
    taken_ts: np.ndarray
    hint_ts: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    local_ts: np.ndarray
    offset_s: np.ndarray
    width: np.ndarray
    height: np.ndarray
    formats: list[str | None]
    cameras: list[str]
    paths: list[str] = field(default_factory=list)  # each photo's path (clustering names photos by it)


def photo_facts(catalog: Catalog, model_id: str) -> PhotoFacts:
    rows = catalog.conn.execute(
        "SELECT p.id, c.code, m.taken_ts, m.time_hint_ts, m.lat, m.lon, m.taken_at, m.time_source, m.width,"
        " m.height, p.format, m.make, m.model, p.path FROM photos p"
        " JOIN codes c ON c.photo_id = p.id AND c.model_id = ?"
        " LEFT JOIN photo_meta m ON m.photo_id = p.id"
        " WHERE p.status = 'indexed' ORDER BY p.id",
        (model_id,),
    ).fetchall()

    if not rows:
        empty = np.zeros(0, np.float64)
        return PhotoFacts(np.zeros(0, np.int64), np.zeros((0, 0), np.float32), empty, empty.copy(), empty.copy(),
                          empty.copy(), empty.copy(), empty.copy(), empty.copy(), empty.copy(), [], [])
    # Column-wise (a --new-only update reads the whole catalog: 100k rows took 3 s row by row): numpy reads
    # None as NaN in a float array, the codes are one buffer, and a camera is worked out once per make/model.
    columns = list(zip(*rows, strict=True))

    def column(index: int) -> np.ndarray:
        return np.array(columns[index], dtype=np.float64)

    blobs = columns[1]
    width = len(blobs[0])
    if all(len(blob) == width for blob in blobs):
        codes = np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(rows), width // 4).copy()
    else:  # as np.stack would: codes of different lengths cannot form one matrix
        codes = np.stack([np.frombuffer(blob, dtype=np.float32) for blob in blobs])
    clocks = [wall_clock(taken_at, source) for taken_at, source in zip(columns[6], columns[7], strict=True)]
    camera_of: dict[tuple[str | None, str | None], str] = {}
    for pair in set(zip(columns[11], columns[12], strict=True)):
        camera_of[pair] = PhotoMeta(make=pair[0], model=pair[1]).camera or ""
    return PhotoFacts(
        photo_ids=np.array(columns[0], dtype=np.int64),
        codes=codes, taken_ts=column(2), hint_ts=column(3), lat=column(4), lon=column(5),
        local_ts=np.array([c[0] for c in clocks], np.float64), offset_s=np.array([c[1] for c in clocks], np.float64),
        width=column(8), height=column(9), formats=list(columns[10]),
        cameras=[camera_of[pair] for pair in zip(columns[11], columns[12], strict=True)],
        paths=[str(path) for path in columns[13]],
    )


def wall_clock(taken_at: str | None, time_source: str | None) -> tuple[float, float]:
    """(local wall clock read as UTC, offset from UTC in seconds) of a stored capture time, NaN where unknown:
    a time without an offset is a wall clock (offset NaN); an instant-only stamp (a video's UTC container
    time) has no known wall clock (both NaN; the stored taken_ts is its instant)."""
    if not taken_at:
        return float("nan"), float("nan")
    try:
        moment = datetime.fromisoformat(taken_at)
    except ValueError:
        return float("nan"), float("nan")
    offset = moment.utcoffset()
    if time_source in INSTANT_ONLY_SOURCES and offset is not None:
        return float("nan"), float("nan")
    local = moment.replace(tzinfo=UTC).timestamp()
    return local, (offset.total_seconds() if offset is not None else float("nan"))


# -- reads inside a transaction (edits and clustering check and describe what they change) -------------


def album_record(conn: sqlite3.Connection, album_id: int) -> sqlite3.Row | None:
    return conn.execute("SELECT * FROM albums WHERE id = ?", (album_id,)).fetchone()


def album_member_ids(conn: sqlite3.Connection, album_id: int) -> list[int]:
    return [int(r[0]) for r in conn.execute("SELECT photo_id FROM placements WHERE album_id = ?", (album_id,))]


def photo_exists(conn: sqlite3.Connection, photo_id: int) -> bool:
    return conn.execute("SELECT 1 FROM photos WHERE id = ?", (photo_id,)).fetchone() is not None


def album_of_photo(conn: sqlite3.Connection, photo_id: int) -> int | None:
    """The album a photo is placed in (None: Unsorted or not clustered yet)."""
    row = conn.execute("SELECT album_id FROM placements WHERE photo_id = ?", (photo_id,)).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def live_album_ids(conn: sqlite3.Connection) -> list[int]:
    """Albums not rejected, in id order."""
    return [int(r[0]) for r in conn.execute("SELECT id FROM albums WHERE rejected = 0 ORDER BY id")]


#: (photo id, local wall-clock time read as UTC, lat, lon); None where the photo has no such fact.
MemberFact = tuple[int, float | None, float | None, float | None]


def member_facts(conn: sqlite3.Connection, album_id: int) -> list[MemberFact]:
    """(photo id, local time, lat, lon) of an album's members, in time order (untimed last by id). The local
    time is the wall clock where the photo was taken (names and days are the photographer's); for a stamp
    that only gives the instant, the instant."""
    out: list[MemberFact] = []
    for r in conn.execute(
        "SELECT p.id, m.taken_ts, m.lat, m.lon, m.taken_at, m.time_source FROM placements pl"
        " JOIN photos p ON p.id = pl.photo_id LEFT JOIN photo_meta m ON m.photo_id = p.id"
        " WHERE pl.album_id = ? ORDER BY m.taken_ts IS NULL, m.taken_ts, p.id",
        (album_id,),
    ):
        local, _ = wall_clock(r[4], r[5])
        out.append((int(r[0]), r[1] if math.isnan(local) else local, r[2], r[3]))
    return out


def albums_with_photos_near(conn: sqlite3.Connection, lat: float, lon: float,
                            box_deg: tuple[float, float]) -> list[int]:
    """Live albums with a member inside the box lat ± box_deg[0], lon ± box_deg[1] (a place name's reach)."""
    rows = conn.execute(
        "SELECT DISTINCT pl.album_id FROM placements pl JOIN photo_meta m ON m.photo_id = pl.photo_id"
        " JOIN albums a ON a.id = pl.album_id WHERE a.rejected = 0 AND m.lat BETWEEN ? AND ? AND m.lon BETWEEN ? AND ?",
        (lat - box_deg[0], lat + box_deg[0], lon - box_deg[1], lon + box_deg[1]),
    )
    return sorted(int(r[0]) for r in rows)


# -- writes (callers hold a transaction) -------------------------------------------------------------


def insert_album(conn: sqlite3.Connection, *, auto_name: str = "", origin: str = "suggested",
                 name: str | None = None, kind: str = "event", period: str | None = None) -> int:
    now = utc_now()
    cursor = conn.execute(
        "INSERT INTO albums (name, auto_name, origin, kind, period, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (name, auto_name, origin, kind, period, now, now),
    )
    return int(cursor.lastrowid or 0)


def update_album(conn: sqlite3.Connection, album_id: int, **values: object) -> None:
    allowed = {"name", "auto_name", "place", "start_at", "end_at", "locked", "rejected", "origin", "cover_id",
               "kind", "period", "sections"}
    unknown = set(values) - allowed
    if unknown:
        raise ValueError(f"unknown album fields: {sorted(unknown)}")
    if not values:
        return
    assignments = ", ".join(f"{key} = ?" for key in values)
    conn.execute(
        f"UPDATE albums SET {assignments}, updated_at = ? WHERE id = ?", (*values.values(), utc_now(), album_id)
    )


def delete_album(conn: sqlite3.Connection, album_id: int) -> None:
    conn.execute("UPDATE placements SET album_id = NULL, pinned = 0 WHERE album_id = ?", (album_id,))
    conn.execute("DELETE FROM albums WHERE id = ?", (album_id,))


def place(conn: sqlite3.Connection, photo_id: int, album_id: int | None, *, pinned: bool = False,
          confidence: float | None = None, reason: str | None = None) -> None:
    conn.execute(
        "INSERT INTO placements (photo_id, album_id, pinned, confidence, reason) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT (photo_id) DO UPDATE SET album_id = excluded.album_id, pinned = excluded.pinned,"
        " confidence = excluded.confidence, reason = excluded.reason",
        (photo_id, album_id, int(pinned), confidence, reason),
    )


def placements(conn: sqlite3.Connection) -> dict[int, tuple[int | None, bool, float | None, str | None]]:
    """Every placement: photo id -> (album id or None, pinned, confidence, reason)."""
    return {int(r[0]): (r[1], bool(r[2]), r[3], r[4])
            for r in conn.execute("SELECT photo_id, album_id, pinned, confidence, reason FROM placements")}


def place_many(conn: sqlite3.Connection, items: Iterable[tuple[int, int | None, float | None, str | None]]) -> None:
    """`place` (not pinned) for many (photo id, album id, confidence, reason) in one statement."""
    conn.executemany(
        "INSERT INTO placements (photo_id, album_id, pinned, confidence, reason) VALUES (?, ?, 0, ?, ?)"
        " ON CONFLICT (photo_id) DO UPDATE SET album_id = excluded.album_id, pinned = excluded.pinned,"
        " confidence = excluded.confidence, reason = excluded.reason",
        list(items),
    )


def exclude(conn: sqlite3.Connection, album_id: int, photo_ids: Iterable[int]) -> None:
    conn.executemany(
        "INSERT OR IGNORE INTO exclusions (album_id, photo_id) VALUES (?, ?)", [(album_id, p) for p in photo_ids]
    )


def include(conn: sqlite3.Connection, album_id: int, photo_id: int) -> None:
    """Undo an exclusion: the photo may be in this album again (the user moved it there)."""
    conn.execute("DELETE FROM exclusions WHERE album_id = ? AND photo_id = ?", (album_id, photo_id))


def delete_empty_albums(conn: sqlite3.Connection, among: Iterable[int] | None = None) -> list[int]:
    """Delete live albums (all, or those ``among``) that have no member and are not locked: an album an
    edit, an undo or a re-clustering emptied is gone (a locked album stays, even empty)."""
    empty = [
        int(r[0])
        for r in conn.execute(
            "SELECT a.id FROM albums a WHERE a.rejected = 0 AND a.locked = 0"
            " AND NOT EXISTS (SELECT 1 FROM placements pl WHERE pl.album_id = a.id)"
        )
    ]
    if among is not None:
        wanted = set(among)
        empty = [album_id for album_id in empty if album_id in wanted]
    for album_id in empty:
        delete_album(conn, album_id)
    return empty


# -- snapshots for undo/redo ------------------------------------------------------------------------


def snapshot(conn: sqlite3.Connection, album_ids: Sequence[int], photo_ids: Sequence[int],
             place_ids: Sequence[int] = ()) -> dict[str, object]:
    """The rows an edit may change: those albums (with exclusions), those photos' placements and those
    named places."""
    albums = [dict(row) for row in conn.execute(
        f"SELECT * FROM albums WHERE id IN ({_marks(album_ids)})", tuple(album_ids))]
    exclusions = [tuple(row) for row in conn.execute(
        f"SELECT album_id, photo_id FROM exclusions WHERE album_id IN ({_marks(album_ids)})", tuple(album_ids))]
    placements = [dict(row) for row in conn.execute(
        f"SELECT * FROM placements WHERE photo_id IN ({_marks(photo_ids)})", tuple(photo_ids))]
    state: dict[str, object] = {"album_ids": list(album_ids), "photo_ids": list(photo_ids), "albums": albums,
                                "exclusions": exclusions, "placements": placements}
    if place_ids:
        state["place_ids"] = list(place_ids)
        state["place_names"] = [dict(row) for row in conn.execute(
            f"SELECT * FROM place_names WHERE id IN ({_marks(place_ids)})", tuple(place_ids))]
    return state


def restore(conn: sqlite3.Connection, state: dict[str, object]) -> None:
    """Put back exactly the rows a snapshot holds, and remove the albums it says did not exist.

    Albums are upserted, never deleted and re-inserted: a delete would empty the placements of
    every photo in them (ON DELETE SET NULL), not only of the photos the snapshot covers.
    """
    album_ids = [int(a) for a in state["album_ids"]]  # type: ignore[attr-defined]
    photo_ids = [int(p) for p in state["photo_ids"]]  # type: ignore[attr-defined]
    saved_albums: list[dict[str, object]] = list(state["albums"])  # type: ignore[call-overload]
    for row in saved_albums:
        columns = ", ".join(row)
        updates = ", ".join(f"{key} = excluded.{key}" for key in row if key != "id")
        conn.execute(
            f"INSERT INTO albums ({columns}) VALUES ({_marks(row)}) ON CONFLICT (id) DO UPDATE SET {updates}",
            tuple(row.values()),
        )
    conn.execute(f"DELETE FROM placements WHERE photo_id IN ({_marks(photo_ids)})", tuple(photo_ids))
    for row in state["placements"]:  # type: ignore[attr-defined]
        conn.execute(f"INSERT INTO placements ({', '.join(row)}) VALUES ({_marks(row)})", tuple(row.values()))
    conn.execute(f"DELETE FROM exclusions WHERE album_id IN ({_marks(album_ids)})", tuple(album_ids))
    conn.executemany("INSERT INTO exclusions (album_id, photo_id) VALUES (?, ?)", state["exclusions"])  # type: ignore[arg-type]
    kept = {int(row["id"]) for row in saved_albums}  # type: ignore[call-overload]
    for album_id in album_ids:
        if album_id not in kept:
            delete_album(conn, album_id)
    place_ids = [int(p) for p in state.get("place_ids", [])]  # type: ignore[attr-defined]
    if place_ids:
        conn.execute(f"DELETE FROM place_names WHERE id IN ({_marks(place_ids)})", tuple(place_ids))
        for row in state["place_names"]:  # type: ignore[attr-defined]
            conn.execute(f"INSERT INTO place_names ({', '.join(row)}) VALUES ({_marks(row)})", tuple(row.values()))


def _marks(items: Sequence[object] | dict[str, object]) -> str:
    return ", ".join("?" for _ in items)


def log_edit(conn: sqlite3.Connection, kind: str, payload: dict[str, object], before: dict[str, object],
             after: dict[str, object]) -> int:
    conn.execute("DELETE FROM edits WHERE undone = 1")  # a new edit ends the redo history
    cursor = conn.execute(
        "INSERT INTO edits (at, kind, payload, before, after) VALUES (?, ?, ?, ?, ?)",
        (utc_now(), kind, json.dumps(payload), json.dumps(before), json.dumps(after)),
    )
    return int(cursor.lastrowid or 0)


@dataclass(frozen=True)
class EditRecord:
    id: int
    at: str
    kind: str
    payload: dict[str, object]
    before: dict[str, object]
    after: dict[str, object]
    undone: bool


def edit_history(catalog: Catalog) -> list[EditRecord]:
    return [
        EditRecord(row["id"], row["at"], row["kind"], json.loads(row["payload"]), json.loads(row["before"]),
                   json.loads(row["after"]), bool(row["undone"]))
        for row in catalog.conn.execute("SELECT * FROM edits ORDER BY id")
    ]


def mark_undone(conn: sqlite3.Connection, edit_id: int, undone: bool) -> None:
    conn.execute("UPDATE edits SET undone = ? WHERE id = ?", (int(undone), edit_id))
