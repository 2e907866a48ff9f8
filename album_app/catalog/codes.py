"""Models the library has used, and the codes each produced."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from album_app.catalog.store import Catalog, utc_now

ACTIVE_MODEL_KEY = "active_model_id"


@dataclass(frozen=True)
class ModelRecord:
    id: str
    path: str
    added_at: str
    source: str
    summary: dict[str, object]


def register_model(
    catalog: Catalog, model_id: str, path: str, source: str, summary: dict[str, object] | None = None
) -> None:
    """Remember a model (idempotent) without making it the active one."""
    with catalog.transaction() as conn:
        conn.execute(
            "INSERT INTO models (id, path, added_at, source, summary) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (id) DO UPDATE SET path = excluded.path",
            (model_id, path, utc_now(), source, json.dumps(summary or {})),
        )


def set_active_model(catalog: Catalog, model_id: str) -> None:
    catalog.set_setting(ACTIVE_MODEL_KEY, model_id)


def active_model(catalog: Catalog) -> ModelRecord | None:
    model_id = catalog.setting(ACTIVE_MODEL_KEY)
    return model_record(catalog, model_id) if model_id else None


def model_record(catalog: Catalog, model_id: str) -> ModelRecord | None:
    row = catalog.conn.execute("SELECT * FROM models WHERE id = ?", (model_id,)).fetchone()
    if row is None:
        return None
    return ModelRecord(row["id"], row["path"], row["added_at"], row["source"], json.loads(row["summary"] or "{}"))


def model_history(catalog: Catalog) -> list[ModelRecord]:
    rows = catalog.conn.execute("SELECT id FROM models ORDER BY added_at, rowid").fetchall()
    return [record for row in rows if (record := model_record(catalog, row["id"])) is not None]


@dataclass(frozen=True)
class PendingEmbed:
    """An indexed photo that has no code from the model in use yet."""

    photo_id: int
    path: str
    content_hash: str | None
    orientation: int


def photos_without_code(catalog: Catalog, model_id: str, limit: int | None = None) -> list[PendingEmbed]:
    sql = (
        "SELECT p.id, p.path, p.content_hash, coalesce(m.orientation, 1) FROM photos p"
        " LEFT JOIN photo_meta m ON m.photo_id = p.id"
        " WHERE p.status = 'indexed'"
        " AND NOT EXISTS (SELECT 1 FROM codes c WHERE c.photo_id = p.id AND c.model_id = ?)"
        " ORDER BY p.id"
    )
    params: tuple[object, ...] = (model_id,)
    if limit is not None:
        sql += " LIMIT ?"
        params += (limit,)
    return [PendingEmbed(int(i), str(p), h, int(o)) for i, p, h, o in catalog.conn.execute(sql, params)]


def probe_hashes(catalog: Catalog, limit: int) -> list[str]:
    """Content hashes of up to ``limit`` indexed photos spread over the library (to try a model on)."""
    rows = catalog.conn.execute(
        "SELECT content_hash FROM photos WHERE status = 'indexed' AND content_hash IS NOT NULL"
        " ORDER BY (id * 2654435761) % 4294967296 LIMIT ?",  # a fixed shuffle: not only the first folder
        (limit,),
    )
    return [str(row[0]) for row in rows]


def store_codes(catalog: Catalog, model_id: str, codes: Sequence[tuple[int, np.ndarray]]) -> None:
    with catalog.transaction() as conn:
        conn.executemany(
            "INSERT OR REPLACE INTO codes (photo_id, model_id, code) VALUES (?, ?, ?)",
            [(pid, model_id, np.ascontiguousarray(code, dtype=np.float32).tobytes()) for pid, code in codes],
        )


def load_codes(catalog: Catalog, model_id: str, status: str = "indexed") -> tuple[list[int], np.ndarray]:
    """Photo ids and their codes (float32, one row each) from one model."""
    rows = catalog.conn.execute(
        "SELECT c.photo_id, c.code FROM codes c JOIN photos p ON p.id = c.photo_id"
        " WHERE c.model_id = ? AND p.status = ? ORDER BY c.photo_id",
        (model_id, status),
    ).fetchall()
    if not rows:
        return [], np.zeros((0, 0), dtype=np.float32)
    ids = [int(row[0]) for row in rows]
    matrix = np.stack([np.frombuffer(row[1], dtype=np.float32) for row in rows])
    return ids, matrix
