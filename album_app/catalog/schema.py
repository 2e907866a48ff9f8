"""Numbered migrations. Each runs once, in a transaction, and is recorded in schema_migrations.

Never edit a migration that has shipped: add the next one.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "photos, metadata, models and codes",
        """
        CREATE TABLE photos (
            id           INTEGER PRIMARY KEY,
            path         TEXT    NOT NULL UNIQUE,
            size         INTEGER NOT NULL,
            mtime_ns     INTEGER NOT NULL,
            content_hash TEXT,
            format       TEXT,
            status       TEXT    NOT NULL CHECK (status IN ('indexed', 'skipped', 'missing')),
            skip_reason  TEXT,
            added_at     TEXT    NOT NULL,
            updated_at   TEXT    NOT NULL
        );
        CREATE INDEX photos_by_hash ON photos (content_hash);
        CREATE INDEX photos_by_status ON photos (status);

        -- What the file says about itself. taken_ts is seconds since the epoch: true UTC when
        -- the file recorded an offset, the local wall clock read as UTC otherwise.
        CREATE TABLE photo_meta (
            photo_id         INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
            taken_at         TEXT,
            taken_ts         REAL,
            time_source      TEXT,
            rejected_time    TEXT,
            time_hint        TEXT,
            time_hint_ts     REAL,
            time_hint_source TEXT,
            lat              REAL,
            lon              REAL,
            alt              REAL,
            orientation      INTEGER NOT NULL DEFAULT 1,
            make             TEXT,
            model            TEXT,
            width            INTEGER,
            height           INTEGER
        );

        CREATE TABLE models (
            id       TEXT PRIMARY KEY,
            path     TEXT NOT NULL,
            added_at TEXT NOT NULL,
            source   TEXT NOT NULL,
            summary  TEXT
        );

        CREATE TABLE codes (
            photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
            model_id TEXT    NOT NULL,
            code     BLOB    NOT NULL,
            PRIMARY KEY (photo_id, model_id)
        );

        CREATE TABLE settings (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
