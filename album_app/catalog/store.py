"""The Catalog: one SQLite file (WAL), migrations on open, one writer, transactions everywhere."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from album_app.catalog.schema import LATEST_VERSION, MIGRATIONS
from album_app.library import CATALOG_NAME, LibraryPaths


class CatalogError(Exception):
    """A catalog that cannot be used; the message is meant for a person."""


def catalog_error(error: sqlite3.Error | OSError, path: Path | None = None) -> CatalogError:
    """A SQLite or file-system failure as one sentence that says what happened and what to do."""
    text = str(error).strip() or type(error).__name__
    lowered = text.lower()
    catalog = f"the catalog {path}" if path else "the library's catalog"
    folder = f"the library {path.parent}" if path else "the library"
    if "disk is full" in lowered or getattr(error, "errno", None) == errno.ENOSPC:
        message = f"The disk holding {folder} is full: free some space and try again (nothing was changed)."
    elif "malformed" in lowered or "not a database" in lowered:
        backups = f"the {path.name}.v*.bak files beside it" if path else "a catalog.db.v*.bak file"
        message = (f"{catalog[0].upper()}{catalog[1:]} is damaged ({text}). Your photos are untouched: restore "
                   f"a backup ({backups}), or move it aside and scan your folders again.")
    elif "readonly" in lowered or "read-only" in lowered or isinstance(error, PermissionError):
        message = (f"{folder[0].upper()}{folder[1:]} is read-only for you: viewing works, but changing it needs "
                   "write access to that folder.")
    else:
        message = f"Cannot use {catalog}: {text}"
    return CatalogError(message)


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
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as error:
            raise catalog_error(error, self.path.with_name(CATALOG_NAME)) from error
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise CatalogError(
                f"This library is open in another album_app process (pid {holder}); "
                "close it first, or use another --library."
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        except OSError as error:  # a full disk: the lock is held all the same, the pid is only a courtesy
            if error.errno != errno.ENOSPC:
                os.close(fd)
                raise catalog_error(error, self.path.with_name(CATALOG_NAME)) from error
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
        _refuse_a_foreign_file(paths.catalog)
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
                conn = self._connect_reader(path)
            conn.execute("PRAGMA foreign_keys=ON")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.row_factory = sqlite3.Row
            # Paths that are not valid UTF-8 are stored as their bytes (catalog.photos.db_path): read them
            # back as the str the file system gave (lone surrogates), not as an error.
            conn.text_factory = _decode_text
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except (sqlite3.DatabaseError, OSError) as error:
            raise catalog_error(error, path) from error
        return conn

    def _connect_reader(self, path: Path) -> sqlite3.Connection:
        """Read-only; where the library folder or files cannot be written (a read-only share, a library
        copied off a camera card, permissions), SQLite cannot make the WAL's shared-memory file, so the
        file is opened as immutable: nobody can write it then (changes in a leftover -wal do not show)."""
        options = {"uri": True, "isolation_level": None, "timeout": 30, "check_same_thread": not self.shared}
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", **options)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return conn
        except sqlite3.OperationalError as error:
            if "readonly" not in str(error) and "unable to open" not in str(error):
                raise
            conn.close()
        return sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", **options)

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
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as error:
            raise catalog_error(error, self.paths.catalog) from error
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as error:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")
            if isinstance(error, sqlite3.Error):
                raise catalog_error(error, self.paths.catalog) from error
            raise

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


#: str(raw, "utf-8", "surrogateescape") as sqlite3's text factory: as fast as its default (a Python function
#: would cost ~0.1 s more per 100k rows), and a non-UTF-8 path reads back as the str the file system gave.
_decode_text = functools.partial(str, encoding="utf-8", errors="surrogateescape")


SQLITE_HEADER = b"SQLite format 3\x00"


def _refuse_a_foreign_file(path: Path) -> None:
    """`--library photo.jpg` must not put a writer.lock beside the photo, nor try to open it as a catalog."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except OSError:
        return  # absent (a new library) or unreadable: opening it says why
    if header and header != SQLITE_HEADER:
        raise CatalogError(
            f"{path} is not an album_app catalog: --library takes a library folder or its catalog.db file."
        )


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
