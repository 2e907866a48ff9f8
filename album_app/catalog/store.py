"""The Catalog: one SQLite file (WAL), migrations on open, one writer, transactions everywhere."""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from album_app.catalog.schema import LATEST_VERSION, MIGRATIONS
from album_app.library import LibraryPaths


class CatalogError(Exception):
    """A catalog that cannot be used; the message is meant for a person."""


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class WriterLock:
    """An advisory lock file: one process at a time writes to a library.

    The kernel drops an flock when its holder dies, so a killed process never leaves a stale lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise CatalogError(
                f"This library is open in another album_app process (pid {holder}); "
                "close it first, or use another --library."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


class Catalog:
    """A connection to a library's catalog.

    ``writer=True`` takes the library's writer lock and migrates an older catalog (after a backup
    copy); readers open the file read-only and never block the writer (WAL).
    """

    def __init__(self, paths: LibraryPaths, *, writer: bool = True, shared: bool = False) -> None:
        self.paths = paths
        self.writer = writer
        # shared=True lets worker threads use this connection one at a time (the GUI's job queue
        # runs one catalog job at a time); SQLite itself is built thread-safe.
        self.shared = shared
        self._lock = WriterLock(paths.lock) if writer else None
        if self._lock:
            self._lock.acquire()
        try:
            self.conn = self._connect()
            if writer:
                self._migrate()
            else:
                self._check_version()
        except BaseException:
            if self._lock:
                self._lock.release()
            raise

    # -- connection -------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        path = self.paths.catalog
        try:
            if self.writer:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=not self.shared)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
            else:
                if not path.exists():
                    raise CatalogError(f"No catalog at {path}: scan a folder first (album-app scan FOLDER).")
                conn = sqlite3.connect(
                    f"{path.as_uri()}?mode=ro", uri=True, isolation_level=None, timeout=30,
                    check_same_thread=not self.shared,
                )
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.row_factory = sqlite3.Row
            # Paths that are not valid UTF-8 are stored as their bytes (catalog.photos.db_path): read them
            # back as the str the file system gave (lone surrogates), not as an error.
            conn.text_factory = _decode_text
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as error:
            raise CatalogError(f"Cannot use the catalog {path}: {error}") from error
        except OSError as error:
            raise CatalogError(f"Cannot open the catalog {path}: {error.strerror or error}") from error
        return conn

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self.writer:
                self.conn.execute("PRAGMA optimize")
            self.conn.close()
        if self._lock:
            self._lock.release()

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (KeyboardInterrupt too)."""
        if not self.writer:
            raise CatalogError("This catalog was opened read-only.")
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    # -- migrations ---------------------------------------------------------------------------

    def schema_version(self) -> int:
        has_table = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
        ).fetchone()
        if not has_table:
            return 0
        row = self.conn.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def _check_version(self) -> None:
        version = self.schema_version()
        if version > LATEST_VERSION:
            raise CatalogError(
                f"The catalog {self.paths.catalog} was written by a newer album_app "
                f"(schema {version}, this one knows {LATEST_VERSION}); update album_app."
            )
        if version < LATEST_VERSION:
            raise CatalogError(
                f"The catalog {self.paths.catalog} is from an older album_app (schema {version}); "
                "open it once with album-app to upgrade it."
            )

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > LATEST_VERSION:
            self._check_version()
        pending = [m for m in MIGRATIONS if m.version > version]
        if not pending:
            return
        if version > 0:
            self.backup(self.paths.catalog.with_name(f"{self.paths.catalog.name}.v{version}.bak"))
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
        )
        for migration in pending:
            # executescript would COMMIT on its own; run statement by statement inside our transaction.
            with self.transaction() as conn:
                for statement in _statements(migration.sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, utc_now()),
                )

    def backup(self, destination: Path) -> Path:
        """A consistent copy of the catalog (SQLite's online backup), written then renamed into place."""
        partial = destination.with_name(destination.name + ".partial")
        target = sqlite3.connect(partial)
        try:
            self.conn.backup(target)
        finally:
            target.close()
        shutil.move(partial, destination)
        return destination

    # -- settings -----------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_setting(self, key: str, value: str) -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )


def _decode_text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _statements(script: str) -> list[str]:
    """Split a script into statements; SQLite's own parser decides where one ends (comments, literals)."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    return statements
