"""Photo rows and their metadata: what the scan writes and what commands read.

Paths are stored exactly as the file system names them. A name that is not valid UTF-8 (a Latin-1 name
from an old USB stick) arrives with lone surrogates (PEP 383), which SQLite's UTF-8 binding refuses; it is
stored as its raw bytes in the TEXT column (``db_path`` + ``CAST(? AS TEXT)``) and read back by the
catalog's surrogate-escaping text factory (store.py), so it round-trips to the same str and opens the file.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from album_app.catalog.store import Catalog, utc_now
from album_app.ingest.identify import RAW_FORMATS
from album_app.ingest.meta import PhotoMeta
from album_app.ingest.names import is_utf8, readable_path
from album_app.ingest.pairing import COPY, PART_REASONS, Candidate

#: Counts by status that `status` shows; "parts" are files shown as part of another item.
STATUSES = ("indexed", "skipped", "missing", "parts")


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
    retry: bool = False
    sidecar_mtime_ns: int | None = None
    part_of: int | None = None
    skip_reason: str | None = None


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
    transient: bool = False  # skipped for a reason that may pass: read again on the next scan
    vanished: bool = False  # gone when read: a known photo is marked missing, nothing else changes
    media_kind: str = "photo"
    sidecar: str | None = None
    sidecar_mtime_ns: int | None = None


def db_path(path: str) -> str | bytes:
    """A path as SQLite must be given it: the str itself, or its raw bytes when it is not valid UTF-8.
    Always bind it as ``CAST(? AS TEXT)`` so both forms land in the TEXT column alike."""
    return path if is_utf8(path) else os.fsencode(path)


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
               EXISTS (SELECT 1 FROM codes c WHERE c.photo_id = p.id AND c.model_id = ?) AS has_code,
               p.retry, p.sidecar_mtime_ns, p.part_of, p.skip_reason
        FROM photos p
        """,
        (model_id or "",),
    )
    return {row["path"]: KnownFile(**{**dict(row), "retry": bool(row["retry"])}) for row in rows}


def write_files(catalog: Catalog, files: Sequence[IndexedFile], model_id: str | None) -> list[str]:
    """Record a batch of scan outcomes in one transaction (a kill leaves all of it or none).

    Returns each file's outcome: "indexed", "skipped", "copy" (an exact copy of a photo already indexed:
    a part of it, never a photo of its own), "missing" (a known photo that vanished while read) or "kept"
    (a known file that could not be read now: its row is left as it was, and it is read again next scan).
    """
    now = utc_now()
    outcomes = []
    with catalog.transaction() as conn:
        for item in files:
            row = conn.execute("SELECT id FROM photos WHERE path = CAST(? AS TEXT)", (db_path(item.path),)).fetchone()
            photo_id = int(row["id"]) if row else None
            if item.transient and photo_id is not None:
                outcomes.append(_keep_known(conn, photo_id, item, now))
                continue
            original = None
            if photo_id is None and item.content_hash and not item.skip_reason:
                photo_id, original = _same_content(conn, item.content_hash, item.path)
            if original is not None:
                _insert(conn, item, now, status="skipped", reason=PART_REASONS[COPY], part=(original, COPY))
                outcomes.append("copy")
                continue
            if photo_id is None:
                photo_id = _insert(conn, item, now)
            else:
                _update(conn, photo_id, item, now)
            outcomes.append("skipped" if item.skip_reason else "indexed")
            if item.skip_reason:
                conn.execute("DELETE FROM photo_meta WHERE photo_id = ?", (photo_id,))
                continue
            _write_meta(conn, photo_id, item)
            if item.code is not None and model_id:
                _write_code(conn, photo_id, model_id, item.code)
    return outcomes


def _keep_known(conn: sqlite3.Connection, photo_id: int, item: IndexedFile, now: str) -> str:
    """A known file that could not be read now keeps its row (metadata, albums, edits); one that vanished
    is marked missing. Its size and mtime stay the old ones, so the next scan reads it again."""
    if item.vanished:
        conn.execute("UPDATE photos SET status = 'missing', updated_at = ? WHERE id = ?", (now, photo_id))
        return "missing"
    cursor = conn.execute(
        "UPDATE photos SET retry = 1, skip_reason = ?, updated_at = ? WHERE id = ? AND status = 'skipped'",
        (item.skip_reason, now, photo_id),
    )
    return "skipped" if cursor.rowcount else "kept"


def _row_values(item: IndexedFile, status: str, reason: str | None) -> tuple[object, ...]:
    return (db_path(item.path), item.size, item.mtime_ns, item.content_hash, item.format, status, reason,
            int(item.transient), item.media_kind, None if item.sidecar is None else db_path(item.sidecar),
            item.sidecar_mtime_ns)




def _insert(
    conn: sqlite3.Connection, item: IndexedFile, now: str, *, status: str | None = None, reason: str | None = None,
    part: tuple[int, str] | None = None,
) -> int:
    status = status or ("skipped" if item.skip_reason else "indexed")
    values = _row_values(item, status, reason if reason is not None else item.skip_reason)
    part_of, part_kind = part or (None, None)
    cursor = conn.execute(
        "INSERT INTO photos (path, size, mtime_ns, content_hash, format, status, skip_reason, retry, media_kind,"
        " sidecar, sidecar_mtime_ns, part_of, part_kind, updated_at, added_at)"
        " VALUES (CAST(? AS TEXT), ?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS TEXT), ?, ?, ?, ?, ?)",
        (*values, part_of, part_kind, now, now),
    )
    return int(cursor.lastrowid or 0)


def _update(conn: sqlite3.Connection, photo_id: int, item: IndexedFile, now: str) -> None:
    old = conn.execute("SELECT content_hash, part_kind FROM photos WHERE id = ?", (photo_id,)).fetchone()
    if old["content_hash"] != item.content_hash:
        # Same path, new pixels (an edited photo): its old codes describe other pixels.
        conn.execute("DELETE FROM codes WHERE photo_id = ?", (photo_id,))
    status = "skipped" if item.skip_reason else "indexed"
    # A re-read file is its own item again; the pairing pass at the end of the scan decides anew.
    conn.execute(
        "UPDATE photos SET path = CAST(? AS TEXT), size = ?, mtime_ns = ?, content_hash = ?, format = ?,"
        " status = ?, skip_reason = ?, retry = ?, media_kind = ?, sidecar = CAST(? AS TEXT), sidecar_mtime_ns = ?,"
        " part_of = NULL, part_kind = NULL, updated_at = ? WHERE id = ?",
        (*_row_values(item, status, item.skip_reason), now, photo_id),
    )


def _same_content(conn: sqlite3.Connection, content_hash: str, path: str) -> tuple[int | None, int | None]:
    """(row to reuse, photo this is a copy of). A photo with this content whose file is gone is the same
    photo, moved or renamed: its row is reused. One whose file is still there is the original, and this
    file an exact copy of it (an export, a second copy in another folder)."""
    rows = conn.execute(
        "SELECT id, path, status, part_of, part_kind FROM photos WHERE content_hash = ? AND path != CAST(? AS TEXT)"
        " ORDER BY status = 'missing' DESC, part_of IS NOT NULL, id",
        (content_hash, db_path(path)),
    ).fetchall()
    for row in rows:
        if row["part_of"] is None and not os.path.lexists(row["path"]):
            return int(row["id"]), None
    for row in rows:
        if row["status"] == "indexed" and row["part_of"] is None:
            return None, int(row["id"])
        if row["part_kind"] == COPY and row["part_of"] is not None:
            return None, int(row["part_of"])
    return None, None


def _write_meta(conn: sqlite3.Connection, photo_id: int, item: IndexedFile) -> None:
    meta = item.meta or PhotoMeta()
    conn.execute(
        """
        INSERT OR REPLACE INTO photo_meta (photo_id, taken_at, taken_ts, time_source, rejected_time,
            time_hint, time_hint_ts, time_hint_source, lat, lon, alt, orientation, make, model, width, height,
            duration_s, rating, keywords, content_id, motion_offset, motion_length)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
            meta.duration_s,
            meta.rating,
            json.dumps(list(meta.keywords), ensure_ascii=False) if meta.keywords else None,
            meta.content_id,
            meta.motion_offset,
            meta.motion_length,
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
    """Photos under the scanned roots that the walk did not find: kept, marked missing. A missing photo
    with an exact copy still on disk moves to that copy (it keeps its albums and edits)."""
    missing = []
    for row in catalog.conn.execute("SELECT id, path FROM photos WHERE status != 'missing'"):
        path = row["path"]
        if path in seen or not under_any(path, roots):
            continue
        if not os.path.lexists(path):
            missing.append((row["id"],))
    with catalog.transaction() as conn:
        if missing:
            conn.executemany(
                f"UPDATE photos SET status = 'missing', updated_at = '{utc_now()}' WHERE id = ?", missing
            )
        moved = _move_to_copies(conn)
    return len({photo_id for (photo_id,) in missing} - moved)


def _move_to_copies(conn: sqlite3.Connection) -> set[int]:
    """Missing photos whose exact copy is present take over the copy's path; the copy row goes. Returns
    the ids of the photos moved."""
    rows = conn.execute(
        "SELECT p.id, c.id AS copy_id, c.path, c.size, c.mtime_ns FROM photos p"
        " JOIN photos c ON c.part_of = p.id AND c.part_kind = ? AND c.status != 'missing'"
        " WHERE p.status = 'missing' GROUP BY p.id",
        (COPY,),
    ).fetchall()
    now = utc_now()
    moved = set()
    for row in rows:
        if not os.path.lexists(row["path"]):
            continue
        moved.add(int(row["id"]))
        conn.execute("DELETE FROM photos WHERE id = ?", (row["copy_id"],))
        conn.execute(
            "UPDATE photos SET path = CAST(? AS TEXT), size = ?, mtime_ns = ?, status = 'indexed',"
            " skip_reason = NULL, updated_at = ? WHERE id = ?",
            (db_path(row["path"]), row["size"], row["mtime_ns"], now, row["id"]),
        )
    return moved


def mark_excluded(catalog: Catalog, folders: Sequence[tuple[str, str]]) -> int:
    """Rows under folders the app wrote (an export, a library), indexed by an older version: skipped with
    the folder's reason, to be read again (retry) should the folder stop being one."""
    if not folders:
        return 0
    changed = []
    for row in catalog.conn.execute("SELECT id, path FROM photos WHERE status = 'indexed' OR part_of IS NOT NULL"):
        for folder, why in folders:
            if under_any(row["path"], [Path(folder)]):
                changed.append((f"inside {why}", row["id"]))
                break
    if changed:
        with catalog.transaction() as conn:
            conn.executemany(
                "UPDATE photos SET status = 'skipped', skip_reason = ?, retry = 1, part_of = NULL, part_kind = NULL,"
                f" updated_at = '{utc_now()}' WHERE id = ?",
                changed,
            )
    return len(changed)


def under_any(path: str, roots: Sequence[Path]) -> bool:
    return any(path == str(root) or path.startswith(str(root).rstrip(os.sep) + os.sep) for root in roots)


def pair_candidates(catalog: Catalog, roots: Sequence[Path]) -> list[Candidate]:
    """Items under the roots that could be parts of one another (see ingest.pairing)."""
    rows = catalog.conn.execute(
        "SELECT p.id, p.path, p.format, p.media_kind, p.part_of, p.part_kind, m.taken_at, m.taken_ts,"
        " m.duration_s, m.content_id FROM photos p JOIN photo_meta m ON m.photo_id = p.id"
        " WHERE p.status = 'indexed' OR (p.status = 'skipped' AND p.part_kind IN ('live', 'raw'))"
    )
    return [
        Candidate(int(r["id"]), r["path"], r["format"], r["media_kind"], r["taken_at"], r["taken_ts"],
                  r["duration_s"], r["content_id"], r["part_of"], r["part_kind"])
        for r in rows if under_any(r["path"], roots)
    ]


def apply_pairs(catalog: Catalog, candidates: Sequence[Candidate], wanted: dict[int, tuple[int, str]]) -> int:
    """Make the parts ``wanted`` says (part id -> (item id, kind)) and undo those it no longer says."""
    now = utc_now()
    changes = []
    for candidate in candidates:
        want = wanted.get(candidate.id)
        have = (candidate.part_of, candidate.part_kind) if candidate.part_kind else None
        if want == have:
            continue
        if want is None:
            changes.append(("indexed", None, None, None, candidate.id))
        else:
            changes.append(("skipped", PART_REASONS[want[1]], want[0], want[1], candidate.id))
    if changes:
        with catalog.transaction() as conn:
            conn.executemany(
                f"UPDATE photos SET status = ?, skip_reason = ?, part_of = ?, part_kind = ?, updated_at = '{now}'"
                " WHERE id = ?",
                changes,
            )
    return len(changes)


PHOTO_COLUMNS = """
    p.id, p.path, p.status, p.skip_reason, p.size, p.content_hash, p.format, p.media_kind, p.part_kind,
    (SELECT o.path FROM photos o WHERE o.id = p.part_of) AS part_of, p.sidecar,
    m.taken_at, m.taken_ts, m.time_source, m.rejected_time, m.time_hint, m.time_hint_ts, m.time_hint_source,
    m.lat, m.lon, m.alt, m.orientation, m.make, m.model, m.width, m.height, m.duration_s, m.rating, m.keywords,
    m.content_id, m.motion_offset, m.motion_length
"""


def photo_records(catalog: Catalog, status: str | None = None) -> list[dict[str, object]]:
    """Every photo with its metadata, as plain dicts (the `photos` command's records).

    ``parts`` lists each item's part files (a Live Photo's video, the RAW beside a JPEG, exact copies) as
    {"path", "kind"}; ``display_path`` is the path as a person reads it (see ingest.names).
    """
    where = "WHERE p.status = ?" if status else ""
    params = (status,) if status else ()
    rows = catalog.conn.execute(
        f"SELECT {PHOTO_COLUMNS} FROM photos p LEFT JOIN photo_meta m ON m.photo_id = p.id {where}"
        " ORDER BY p.path",
        params,
    )
    parts = _parts_by_item(catalog)
    records = []
    for row in rows:
        record = dict(row)
        record["camera"] = PhotoMeta(make=record.pop("make"), model=record.pop("model")).camera
        record["orientation"] = record["orientation"] or 1
        record["keywords"] = json.loads(record["keywords"]) if record["keywords"] else []
        record["display_path"] = readable_path(str(record["path"]))
        record["parts"] = parts.get(int(record["id"]), [])
        records.append(record)
    return records


def _parts_by_item(catalog: Catalog) -> dict[int, list[dict[str, str]]]:
    found: dict[int, list[dict[str, str]]] = {}
    for row in catalog.conn.execute(
        "SELECT part_of, path, part_kind FROM photos WHERE part_of IS NOT NULL AND status != 'missing' ORDER BY path"
    ):
        found.setdefault(int(row["part_of"]), []).append({"path": row["path"], "kind": row["part_kind"]})
    return found


def item_parts(catalog: Catalog, photo_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """Part files of the given items, (path, kind) each: what a viewer plays beside a Live Photo and what an
    export copies with an item."""
    wanted = set(photo_ids)
    return {item: [(part["path"], part["kind"]) for part in parts]
            for item, parts in _parts_by_item(catalog).items() if item in wanted}


def sidecars(catalog: Catalog) -> dict[str, str]:
    """File path -> the XMP sidecar the scan read with it (present files only): what an export takes along."""
    rows = catalog.conn.execute("SELECT path, sidecar FROM photos WHERE sidecar IS NOT NULL AND status != 'missing'")
    return {str(row["path"]): str(row["sidecar"]) for row in rows}


def count_parts(catalog: Catalog, paths: set[str]) -> int:
    """How many of these files are parts of other items (the scan summary's "parts")."""
    rows = catalog.conn.execute("SELECT path FROM photos WHERE part_of IS NOT NULL AND status != 'missing'")
    return sum(1 for row in rows if row["path"] in paths)


def status_counts(catalog: Catalog) -> dict[str, int]:
    """Counts by status; parts of other items (Live Photo videos, paired RAWs, copies) count as "parts"."""
    rows = catalog.conn.execute(
        "SELECT CASE WHEN part_of IS NOT NULL AND status != 'missing' THEN 'parts' ELSE status END AS kind,"
        " count(*) FROM photos GROUP BY kind"
    )
    return {status: int(count) for status, count in rows}


#: SQL over ``photos p``: the original is a still that Pillow opens (HEIF through pillow-heif's opener), not a
#: video (FFmpeg) nor a RAW file (LibRaw). Code outside the scan (the trainer, the rotation model) opens only
#: such originals; for the others it reads the scan's upright thumbnail (a video's poster, a RAW's preview).
PILLOW_ORIGINAL = (
    f"(p.media_kind = 'photo' AND coalesce(p.format, '') NOT IN ({', '.join(repr(f) for f in sorted(RAW_FORMATS))}))"
)


def read_photo_paths(catalog_path: str | os.PathLike[str]) -> list[tuple[str, int]]:
    """(absolute path, EXIF orientation) of every indexed photo, read-only: for the trainer, which decodes
    the originals with Pillow: videos and RAW files (PILLOW_ORIGINAL) are left out."""
    from album_app.library import resolve_library

    with Catalog(resolve_library(catalog_path), writer=False) as catalog:
        rows = catalog.conn.execute(
            "SELECT p.path, coalesce(m.orientation, 1) FROM photos p"
            f" LEFT JOIN photo_meta m ON m.photo_id = p.id WHERE p.status = 'indexed' AND {PILLOW_ORIGINAL}"
            " ORDER BY p.id"
        )
        return [(str(path), int(orientation)) for path, orientation in rows]
