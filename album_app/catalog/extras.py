"""SQL for album models, rotation suggestions and stacks (the catalog stays the only package with SQL).

Album models keep their state in files (``LIBRARY/models/albums/``), stacks are recomputed from the codes
and times, so the only new table is the rotation suggestions (migration 3 in schema.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from album_app.catalog.photos import PILLOW_ORIGINAL
from album_app.catalog.store import Catalog
from album_app.ingest.decode import thumbnail_path


def has_rotation_table(catalog: Catalog) -> bool:
    row = catalog.conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'rotation_suggestions'"
    ).fetchone()
    return row is not None


# -- codes ------------------------------------------------------------------------------------------


def photo_code(catalog: Catalog, photo_id: int, model_id: str) -> np.ndarray | None:
    """One photo's code from one encoder (for the inspector's "why"), None when it has none."""
    row = catalog.conn.execute(
        "SELECT code FROM codes WHERE photo_id = ? AND model_id = ?", (photo_id, model_id)
    ).fetchone()
    return None if row is None else np.frombuffer(row[0], dtype=np.float32).copy()


def accepted_album_members(catalog: Catalog) -> dict[int, list[int]]:
    """{album id: member photo ids} of the accepted (locked, not rejected) albums: what album models learn."""
    albums: dict[int, list[int]] = {}
    for album_id, photo_id in catalog.conn.execute(
        "SELECT a.id, pl.photo_id FROM albums a JOIN placements pl ON pl.album_id = a.id"
        " JOIN photos p ON p.id = pl.photo_id"
        " WHERE a.locked = 1 AND a.rejected = 0 AND p.status = 'indexed' ORDER BY a.id, pl.photo_id"
    ):
        albums.setdefault(int(album_id), []).append(int(photo_id))
    return albums


# -- rotation suggestions (migration 3) --------------------------------------------------------------


@dataclass(frozen=True)
class RotationRow:
    photo_id: int
    quarter_turns: int  # clockwise quarter turns that make the displayed photo upright
    confidence: float
    dismissed: bool


@dataclass(frozen=True)
class PendingRotation:
    """An indexed photo the rotation model has not looked at yet. ``thumbnail``: the scan's upright
    thumbnail to judge instead of the original (a HEIF/AVIF, whose full decode costs ~350 ms), else None."""

    photo_id: int
    path: str
    orientation: int
    thumbnail: str | None = None


#: Stills judged from their thumbnail: pillow-heif decodes the whole picture (10× a JPEG's reduced decode).
_JUDGED_BY_THUMBNAIL = ("HEIF", "AVIF")


def photos_without_rotation(
    catalog: Catalog, model_id: str, limit: int | None = None, after: int = 0
) -> list[PendingRotation]:
    """Indexed photos with no answer from this model, by id; ``after``: only ids above it (to go on from
    where an earlier chunk stopped, past photos that could not be read). Only stills an export can turn
    (photos.PILLOW_ORIGINAL): a video's turn is in its container and a RAW file is never rewritten, so
    neither is judged."""
    sql = (
        "SELECT p.id, p.path, coalesce(m.orientation, 1), p.format, p.content_hash FROM photos p"
        f" LEFT JOIN photo_meta m ON m.photo_id = p.id WHERE p.status = 'indexed' AND {PILLOW_ORIGINAL}"
        " AND p.id > ? AND NOT EXISTS"
        " (SELECT 1 FROM rotation_suggestions r WHERE r.photo_id = p.id AND r.model_id = ?) ORDER BY p.id"
    )
    params: tuple[object, ...] = (after, model_id)
    if limit is not None:
        sql += " LIMIT ?"
        params += (limit,)
    pending = []
    for photo_id, path, orientation, file_format, content_hash in catalog.conn.execute(sql, params):
        thumbnail = None
        if file_format in _JUDGED_BY_THUMBNAIL and content_hash:
            thumbnail = str(thumbnail_path(catalog.paths.thumbnails, str(content_hash)))
        pending.append(PendingRotation(int(photo_id), str(path), int(orientation), thumbnail))
    return pending


def store_rotations(conn: sqlite3.Connection, model_id: str, rows: Iterable[tuple[int, int, float]]) -> None:
    """(photo id, quarter turns, confidence) per photo; a new answer keeps an earlier dismissal. Callers
    hold a transaction."""
    conn.executemany(
        "INSERT INTO rotation_suggestions (photo_id, model_id, quarter_turns, confidence) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (photo_id, model_id) DO UPDATE SET quarter_turns = excluded.quarter_turns,"
        " confidence = excluded.confidence",
        [(int(p), model_id, int(t), float(c)) for p, t, c in rows],
    )


def rotation_for(catalog: Catalog, photo_id: int, model_id: str) -> RotationRow | None:
    row = catalog.conn.execute(
        "SELECT photo_id, quarter_turns, confidence, dismissed FROM rotation_suggestions"
        " WHERE photo_id = ? AND model_id = ?",
        (photo_id, model_id),
    ).fetchone()
    return None if row is None else RotationRow(int(row[0]), int(row[1]), float(row[2]), bool(row[3]))


def suggested_rotations(catalog: Catalog, model_id: str, min_confidence: float = 0.0) -> list[RotationRow]:
    """Photos the model says are turned (not dismissed), at least ``min_confidence`` sure, most confident first."""
    rows = catalog.conn.execute(
        "SELECT photo_id, quarter_turns, confidence, dismissed FROM rotation_suggestions"
        " WHERE model_id = ? AND quarter_turns != 0 AND dismissed = 0 AND confidence >= ?"
        " ORDER BY confidence DESC, photo_id",
        (model_id, float(min_confidence)),
    )
    return [RotationRow(int(p), int(t), float(c), bool(d)) for p, t, c, d in rows]


def dismiss_rotation(conn: sqlite3.Connection, photo_id: int, model_id: str, dismissed: bool = True) -> None:
    conn.execute(
        "UPDATE rotation_suggestions SET dismissed = ? WHERE photo_id = ? AND model_id = ?",
        (int(dismissed), photo_id, model_id),
    )
