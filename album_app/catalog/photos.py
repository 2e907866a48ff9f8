"""Photo rows and their metadata: what the scan writes and what commands read."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from album_app.catalog.store import Catalog, utc_now
from album_app.ingest.meta import PhotoMeta


@dataclass(frozen=True)
class KnownFile:
    """What the catalog remembers of a file, enough to decide whether to read it again."""

    id: int
    path: str
    size: int
    mtime_ns: int
    status: str
    content_hash: str | None
    has_code: bool


@dataclass(frozen=True)
class IndexedFile:
    """One file's outcome, ready to write: indexed with metadata (and maybe a code), or skipped."""

    path: str
    size: int
    mtime_ns: int
    content_hash: str | None
    format: str | None
    skip_reason: str | None = None
    meta: PhotoMeta | None = None
    width: int | None = None
    height: int | None = None
    code: np.ndarray | None = None


def timestamp(moment: datetime | None) -> float | None:
    """Seconds since the epoch; a naive (local wall-clock) time is read as if it were UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def known_files(catalog: Catalog, model_id: str | None) -> dict[str, KnownFile]:
    rows = catalog.conn.execute(
        """
        SELECT p.id, p.path, p.size, p.mtime_ns, p.status, p.content_hash,
               EXISTS (SELECT 1 FROM codes c WHERE c.photo_id = p.id AND c.model_id = ?) AS has_code
        FROM photos p
        """,
        (model_id or "",),
    )
    return {row["path"]: KnownFile(**dict(row)) for row in rows}


def _find_moved(conn: sqlite3.Connection, content_hash: str, path: str) -> int | None:
    """A photo with this content whose old path no longer exists: the same photo, moved or renamed."""
    rows = conn.execute(
        "SELECT id, path FROM photos WHERE content_hash = ? AND path != ? ORDER BY status = 'missing' DESC",
        (content_hash, path),
    ).fetchall()
    for row in rows:
        if not os.path.lexists(row["path"]):
            return int(row["id"])
    return None


def write_files(catalog: Catalog, files: Sequence[IndexedFile], model_id: str | None) -> None:
    """Record a batch of scan outcomes in one transaction (a kill leaves all of it or none)."""
    now = utc_now()
    with catalog.transaction() as conn:
        for item in files:
            status = "skipped" if item.skip_reason else "indexed"
            row = conn.execute("SELECT id FROM photos WHERE path = ?", (item.path,)).fetchone()
            photo_id = int(row["id"]) if row else None
            if photo_id is None and item.content_hash and not item.skip_reason:
                photo_id = _find_moved(conn, item.content_hash, item.path)
            values = (item.path, item.size, item.mtime_ns, item.content_hash, item.format, status,
                      item.skip_reason, now)
            if photo_id is None:
                photo_id = conn.execute(
                    "INSERT INTO photos (path, size, mtime_ns, content_hash, format, status, skip_reason,"
                    " updated_at, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, now),
                ).lastrowid
            else:
                old = conn.execute("SELECT content_hash FROM photos WHERE id = ?", (photo_id,)).fetchone()
                if old["content_hash"] != item.content_hash:
                    # Same path, new pixels (an edited photo): its old codes describe other pixels.
                    conn.execute("DELETE FROM codes WHERE photo_id = ?", (photo_id,))
                conn.execute(
                    "UPDATE photos SET path = ?, size = ?, mtime_ns = ?, content_hash = ?, format = ?,"
                    " status = ?, skip_reason = ?, updated_at = ? WHERE id = ?",
                    (*values, photo_id),
                )
            if item.skip_reason:
                conn.execute("DELETE FROM photo_meta WHERE photo_id = ?", (photo_id,))
                continue
            _write_meta(conn, photo_id, item)
            if item.code is not None and model_id:
                _write_code(conn, photo_id, model_id, item.code)


def _write_meta(conn: sqlite3.Connection, photo_id: int, item: IndexedFile) -> None:
    meta = item.meta or PhotoMeta()
    conn.execute(
        """
        INSERT OR REPLACE INTO photo_meta (photo_id, taken_at, taken_ts, time_source, rejected_time,
            time_hint, time_hint_ts, time_hint_source, lat, lon, alt, orientation, make, model, width, height)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        (
            photo_id,
            meta.taken_at.isoformat() if meta.taken_at else None,
            timestamp(meta.taken_at),
            meta.time_source,
            meta.rejected_time,
            meta.time_hint.isoformat() if meta.time_hint else None,
            timestamp(meta.time_hint),
            meta.time_hint_source,
            meta.lat,
            meta.lon,
            meta.alt,
            meta.orientation,
            meta.make,
            meta.model,
            item.width,
            item.height,
        ),
    )


def _write_code(conn: sqlite3.Connection, photo_id: int, model_id: str, code: np.ndarray) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO codes (photo_id, model_id, code) VALUES (?, ?, ?)",
        (photo_id, model_id, np.ascontiguousarray(code, dtype=np.float32).tobytes()),
    )


def mark_present(catalog: Catalog, photo_ids: Iterable[int]) -> int:
    """Files that were missing and are back, unchanged."""
    ids = [(i,) for i in photo_ids]
    if not ids:
        return 0
    with catalog.transaction() as conn:
        conn.executemany(
            "UPDATE photos SET status = CASE WHEN skip_reason IS NULL THEN 'indexed' ELSE 'skipped' END,"
            f" updated_at = '{utc_now()}' WHERE id = ? AND status = 'missing'",
            ids,
        )
    return len(ids)


def mark_missing(catalog: Catalog, roots: Sequence[Path], seen: set[str]) -> int:
    """Photos under the scanned roots that the walk did not find: kept, marked missing."""
    missing = []
    for row in catalog.conn.execute("SELECT id, path FROM photos WHERE status != 'missing'"):
        path = row["path"]
        if path in seen or not _under_any(path, roots):
            continue
        if not os.path.lexists(path):
            missing.append((row["id"],))
    if missing:
        with catalog.transaction() as conn:
            conn.executemany(
                f"UPDATE photos SET status = 'missing', updated_at = '{utc_now()}' WHERE id = ?", missing
            )
    return len(missing)


def _under_any(path: str, roots: Sequence[Path]) -> bool:
    return any(path == str(root) or path.startswith(str(root).rstrip(os.sep) + os.sep) for root in roots)


PHOTO_COLUMNS = """
    p.id, p.path, p.status, p.skip_reason, p.size, p.content_hash, p.format,
    m.taken_at, m.taken_ts, m.time_source, m.rejected_time, m.time_hint, m.time_hint_ts, m.time_hint_source,
    m.lat, m.lon, m.alt, m.orientation, m.make, m.model, m.width, m.height
"""


def photo_records(catalog: Catalog, status: str | None = None) -> list[dict[str, object]]:
    """Every photo with its metadata, as plain dicts (the `photos` command's records)."""
    where = "WHERE p.status = ?" if status else ""
    params = (status,) if status else ()
    rows = catalog.conn.execute(
        f"SELECT {PHOTO_COLUMNS} FROM photos p LEFT JOIN photo_meta m ON m.photo_id = p.id {where}"
        " ORDER BY p.path",
        params,
    )
    records = []
    for row in rows:
        record = dict(row)
        record["camera"] = PhotoMeta(make=record.pop("make"), model=record.pop("model")).camera
        record["orientation"] = record["orientation"] or 1
        records.append(record)
    return records


def status_counts(catalog: Catalog) -> dict[str, int]:
    rows = catalog.conn.execute("SELECT status, count(*) FROM photos GROUP BY status")
    return {status: int(count) for status, count in rows}


def read_photo_paths(catalog_path: str | os.PathLike[str]) -> list[tuple[str, int]]:
    """(absolute path, EXIF orientation) of every indexed photo, read-only: for the trainer."""
    from album_app.library import resolve_library

    with Catalog(resolve_library(catalog_path), writer=False) as catalog:
        rows = catalog.conn.execute(
            "SELECT p.path, coalesce(m.orientation, 1) FROM photos p"
            " LEFT JOIN photo_meta m ON m.photo_id = p.id WHERE p.status = 'indexed' ORDER BY p.id"
        )
        return [(str(path), int(orientation)) for path, orientation in rows]
