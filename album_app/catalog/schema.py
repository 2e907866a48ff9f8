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
    Migration(
        2,
        "albums, placements, exclusions and the edit log",
        """
        -- An album: suggested by clustering or made by the user. name is the user's (NULL: use
        -- auto_name, which re-clustering refreshes). A rejected suggestion stays, hidden, so that
        -- the same group is not suggested again.
        CREATE TABLE albums (
            id         INTEGER PRIMARY KEY,
            name       TEXT,
            auto_name  TEXT    NOT NULL DEFAULT '',
            place      TEXT,
            start_at   TEXT,
            end_at     TEXT,
            locked     INTEGER NOT NULL DEFAULT 0,
            rejected   INTEGER NOT NULL DEFAULT 0,
            origin     TEXT    NOT NULL DEFAULT 'suggested' CHECK (origin IN ('suggested', 'user')),
            cover_id   INTEGER REFERENCES photos (id) ON DELETE SET NULL,
            created_at TEXT    NOT NULL,
            updated_at TEXT    NOT NULL
        );

        -- Where each clustered photo went. album_id NULL is Unsorted; pinned means the user put
        -- it there, and re-clustering never moves it. A photo with no row has not been clustered yet.
        CREATE TABLE placements (
            photo_id   INTEGER PRIMARY KEY REFERENCES photos (id) ON DELETE CASCADE,
            album_id   INTEGER REFERENCES albums (id) ON DELETE SET NULL,
            pinned     INTEGER NOT NULL DEFAULT 0,
            confidence REAL,
            reason     TEXT
        );
        CREATE INDEX placements_by_album ON placements (album_id);

        -- Photos the user took out of an album (or a rejected album's members): they never return to it.
        CREATE TABLE exclusions (
            album_id INTEGER NOT NULL REFERENCES albums (id) ON DELETE CASCADE,
            photo_id INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
            PRIMARY KEY (album_id, photo_id)
        );

        -- Every edit the user made, with the rows it changed before and after (for undo/redo).
        CREATE TABLE edits (
            id      INTEGER PRIMARY KEY,
            at      TEXT    NOT NULL,
            kind    TEXT    NOT NULL,
            payload TEXT    NOT NULL,
            before  TEXT    NOT NULL,
            after   TEXT    NOT NULL,
            undone  INTEGER NOT NULL DEFAULT 0
        );
        """,
    ),
    Migration(
        3,
        "rotation suggestions",
        """
        CREATE TABLE rotation_suggestions (
            photo_id      INTEGER NOT NULL REFERENCES photos (id) ON DELETE CASCADE,
            model_id      TEXT    NOT NULL,
            quarter_turns INTEGER NOT NULL CHECK (quarter_turns BETWEEN 0 AND 3),
            confidence    REAL    NOT NULL,
            dismissed     INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (photo_id, model_id)
        );
        CREATE INDEX rotation_suggestions_turned ON rotation_suggestions (model_id, quarter_turns);
        """,
    ),
    Migration(
        4,
        "media kind, retries, items made of several files, video and sidecar metadata",
        """
        -- 'photo' or 'video' (RAW files are photos).
        ALTER TABLE photos ADD COLUMN media_kind TEXT NOT NULL DEFAULT 'photo';
        -- 1: skipped for a reason that may pass (unreadable, vanished while read): read again next scan.
        ALTER TABLE photos ADD COLUMN retry INTEGER NOT NULL DEFAULT 0;
        -- A file that is part of another item, never an item of its own: the video of a Live Photo
        -- ('live'), a RAW file beside its JPEG ('raw'), an exact copy of a photo already indexed ('copy').
        -- Its status is 'skipped' (so albums never count it) and skip_reason says whose part it is.
        ALTER TABLE photos ADD COLUMN part_of INTEGER REFERENCES photos (id) ON DELETE SET NULL;
        ALTER TABLE photos ADD COLUMN part_kind TEXT;
        -- The XMP sidecar read with the file, and its mtime: an edited sidecar is read again.
        ALTER TABLE photos ADD COLUMN sidecar TEXT;
        ALTER TABLE photos ADD COLUMN sidecar_mtime_ns INTEGER;
        CREATE INDEX photos_by_part ON photos (part_of);

        ALTER TABLE photo_meta ADD COLUMN duration_s REAL;
        ALTER TABLE photo_meta ADD COLUMN rating INTEGER;
        ALTER TABLE photo_meta ADD COLUMN keywords TEXT;  -- JSON list
        -- An Apple content identifier (pairs a Live Photo's still and video).
        ALTER TABLE photo_meta ADD COLUMN content_id TEXT;
        -- The video inside a Samsung/Pixel motion photo: its byte range in the file.
        ALTER TABLE photo_meta ADD COLUMN motion_offset INTEGER;
        ALTER TABLE photo_meta ADD COLUMN motion_length INTEGER;

        -- Skips of schema 3 that were transient: retried on the next scan.
        UPDATE photos SET retry = 1 WHERE status = 'skipped' AND (skip_reason LIKE 'cannot read the file%'
            OR skip_reason LIKE 'the file vanished%' OR skip_reason LIKE 'internal error%');
        -- Videos were not indexed before: they were skipped as 'a video, not a photo'. Read them now.
        UPDATE photos SET retry = 1 WHERE status = 'skipped' AND skip_reason = 'a video, not a photo';
        -- RAW and AVIF files were 'not a photo'; read them again with the decoders this version has.
        UPDATE photos SET retry = 1 WHERE status = 'skipped' AND skip_reason LIKE 'not a photo%';
        """,
    ),
    Migration(
        5,
        "album kinds, everyday periods, trip day sections and the user's place names",
        """
        -- What an album is: a trip, a day outing, a gathering near home, a month of everyday life, the
        -- screenshots, an album the user made, or an event (the event-library clustering's albums).
        ALTER TABLE albums ADD COLUMN kind TEXT NOT NULL DEFAULT 'event'
            CHECK (kind IN ('trip', 'outing', 'gathering', 'everyday', 'screenshots', 'user', 'event'));
        -- An everyday album's calendar month ('2024-03'), NULL for other kinds.
        ALTER TABLE albums ADD COLUMN period TEXT;
        -- A trip's days as JSON [{"day": "2024-04-12", "label": "Fri 12 Apr · Lisbon", "count": 31}],
        -- refreshed with the album's name whenever its members change.
        ALTER TABLE albums ADD COLUMN sections TEXT;
        UPDATE albums SET kind = 'user' WHERE origin = 'user';

        -- A name the user gave a place ("Home", "Grandma's"): albums whose photos lie within it use it.
        CREATE TABLE place_names (
            id         INTEGER PRIMARY KEY,
            name       TEXT    NOT NULL,
            lat        REAL    NOT NULL CHECK (lat BETWEEN -90 AND 90),
            lon        REAL    NOT NULL CHECK (lon BETWEEN -180 AND 180),
            radius_km  REAL    NOT NULL CHECK (radius_km > 0),
            created_at TEXT    NOT NULL
        );
        """,
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version
