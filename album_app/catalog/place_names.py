"""The names a user gives places ("Home", "Grandma's"): rows of the place_names table (migration 5)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from album_app.catalog.store import Catalog, utc_now


@dataclass(frozen=True)
class PlaceNameRow:
    id: int
    name: str
    lat: float
    lon: float
    radius_km: float


def place_names(source: Catalog | sqlite3.Connection) -> list[PlaceNameRow]:
    """Every named place, the newest first (a newer name for an overlapping place wins)."""
    conn = source.conn if isinstance(source, Catalog) else source
    return [PlaceNameRow(int(r[0]), str(r[1]), float(r[2]), float(r[3]), float(r[4]))
            for r in conn.execute("SELECT id, name, lat, lon, radius_km FROM place_names ORDER BY id DESC")]


def insert_place_name(conn: sqlite3.Connection, name: str, lat: float, lon: float, radius_km: float) -> int:
    cursor = conn.execute(
        "INSERT INTO place_names (name, lat, lon, radius_km, created_at) VALUES (?, ?, ?, ?, ?)",
        (name, lat, lon, radius_km, utc_now()),
    )
    return int(cursor.lastrowid or 0)


def next_place_name_id(conn: sqlite3.Connection) -> int:
    """The id the next named place will get (so that an edit's before-image can say it did not exist)."""
    row = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM place_names").fetchone()
    return int(row[0])
