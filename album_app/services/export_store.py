"""An export's books in DEST, so that it knows which files are its own even after a kill -9 or a full disk.

- The manifest (``.album_app-export.json``) lists every file the export made, with its fingerprint
  (export_files.Entry). It is rewritten whole and atomically (a temporary file, fsync, rename, fsync of the
  folder), so a crash or a full disk leaves the previous one. It is untrusted input: one that does not parse
  or validate is ignored as a whole (said once), and then nothing it lists is touched.
- The journal (``.album_app-export.journal``) gets one line per file *before* the file is renamed into place:
  nothing ever appears under a final name in DEST without a record of what it is.
- The staging folder (``.album_app-export.tmp``): every new file is written there first, so whatever is in
  it is the export's own unfinished work, removed by the next run.
- A lock (flock on DEST itself): one export into a DEST at a time; the kernel drops it if the process dies.

``open_books`` settles what an interrupted run left: the manifest plus the journal's records give, for each
path, the files that may be there (the new one, or the one it was replacing); the file on disk is matched
against them, and one matching none is the person's (``changed``), never touched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from album_app.services.export_files import Entry, inside, matches, real_folder, valid_relative, write_all

MANIFEST = ".album_app-export.json"
JOURNAL = ".album_app-export.journal"
STAGING = ".album_app-export.tmp"
RESERVED = (MANIFEST, JOURNAL, STAGING)
VERSION = 2
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


class ExportError(Exception):
    """The export cannot go on; the message is meant for a person."""


@dataclass
class Books:
    """What the export owns in ``destination`` (``entries``, relative path -> Entry) and the means to record
    more; ``notes``: what was found wrong with the books, each said once."""

    destination: Path
    entries: dict[str, Entry]
    notes: list[str] = field(default_factory=list)
    folders: set[str] = field(default_factory=set)  # folders that held the export's files: removed once empty
    _lock_fd: int = -1
    _journal_fd: int = -1
    _partials: int = 0

    def partial(self, name: str) -> Path:
        """A fresh path in the staging folder for a file that will become ``name``."""
        staging = self.destination / STAGING
        if not self._partials:
            with contextlib.suppress(FileExistsError):
                staging.mkdir()
            if not real_folder(staging):  # never write through a link put there meanwhile
                raise OSError(errno.ENOTDIR, "in the way; not a folder album_app made", str(staging))
        self._partials += 1
        return staging / f"{self._partials}{os.path.splitext(name)[1]}"

    def put(self, relative: str, entry: Entry) -> None:
        """Record that ``entry`` is about to be put at ``relative`` (before the rename that puts it there)."""
        if self._journal_fd < 0:
            self._journal_fd = os.open(
                self.destination / JOURNAL, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _NOFOLLOW, 0o644
            )
        line = json.dumps({"put": relative, "entry": entry.to_json()}, sort_keys=True) + "\n"
        write_all(self._journal_fd, line.encode())

    def finish(self) -> None:
        """Write the manifest from ``entries``; then the journal and the staging folder are no longer needed."""
        write_manifest(self.destination, self.entries)
        self._close_journal()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.destination / JOURNAL)
        with contextlib.suppress(OSError):  # not empty: a partial that could not be removed; the next run does
            os.rmdir(self.destination / STAGING)

    def release(self) -> None:
        self._close_journal()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)  # drops the flock
            self._lock_fd = -1

    def _close_journal(self) -> None:
        if self._journal_fd >= 0:
            os.close(self._journal_fd)
            self._journal_fd = -1


def open_books(destination: Path) -> Books:
    """Lock DEST, read its manifest and what an interrupted run journalled, clear the staging folder and
    settle which files are the export's own. Written back at once when that changed anything (so DEST is
    marked as an export from the start). ExportError: another export is running, or DEST is not writable."""
    lock_fd = _lock(destination)
    try:
        entries, notes = read_manifest(destination)
        options = {relative: [entry] for relative, entry in entries.items()}
        journalled = _read_journal(destination, options)
        _clear_staging(destination)
        settled, outside = _settle(destination, options)
        if outside:
            notes.append(
                f"{outside} files the manifest lists lie behind a folder of {destination} that is a link "
                "(it could point anywhere): ignored, nothing is done through it"
            )
        folders = {relative.split("/")[0] for relative in options}
        books = Books(destination, settled, notes, folders, _lock_fd=lock_fd)
        if journalled or settled != entries or not os.path.lexists(destination / MANIFEST):
            books.finish()
    except OSError as error:
        os.close(lock_fd)
        if error.errno == errno.ENOSPC:
            message = f"The disk holding {destination} is full; nothing was exported. Free some space."
            raise ExportError(message) from error
        raise ExportError(f"Cannot export to {destination}: {error.strerror or error}") from error
    except BaseException:
        os.close(lock_fd)
        raise
    return books


def _lock(destination: Path) -> int:
    try:
        fd = os.open(destination, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as error:
        raise ExportError(f"Cannot export to {destination}: {error.strerror or error}") from error
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise ExportError(f"Another export into {destination} is running; wait for it to finish.") from None
    except OSError:  # a filesystem without locks (some network ones): go on unlocked, as any other program would
        pass
    return fd


def read_manifest(destination: Path) -> tuple[dict[str, Entry], list[str]]:
    """The manifest's entries, or none and a note saying why it is ignored (absent: none, no note)."""
    path = destination / MANIFEST
    try:
        text = _read_file(path)
    except FileNotFoundError:
        return {}, []
    except OSError as error:
        why = "it is a link" if error.errno == errno.ELOOP else error.strerror or str(error)
        return {}, [_ignored(path, why)]
    try:
        return _parse_manifest(text), []
    except ValueError as error:
        return {}, [_ignored(path, str(error))]


def _ignored(path: Path, why: str) -> str:
    return f"{path} is not a manifest album_app wrote ({why}): ignored, so the files it lists are left alone"


def _parse_manifest(text: str) -> dict[str, Entry]:
    data = json.loads(text)  # json.JSONDecodeError is a ValueError
    if not isinstance(data, dict) or data.get("version") not in (1, VERSION) or not isinstance(data.get("files"), dict):
        raise ValueError(f"not a record of version 1 or {VERSION} with files")
    entries = {}
    for relative, value in data["files"].items():
        if not valid_relative(relative):
            raise ValueError(f"{relative!r} is not a FOLDER/FILE path inside the export")
        entry = Entry.from_json(value)
        if (entry.kind is None) != (data["version"] == 1) and not entry.changed:
            raise ValueError(f"the entry for {relative!r} does not fit version {data['version']}")
        entries[relative] = entry
    return entries


def write_manifest(destination: Path, entries: dict[str, Entry]) -> None:
    """Replace the manifest atomically: the old one stays whole if this fails (a full disk: OSError ENOSPC)."""
    data = {"version": VERSION, "files": {k: v.to_json() for k, v in sorted(entries.items())}}
    fd, temporary = tempfile.mkstemp(dir=destination, prefix=f"{MANIFEST}.", suffix=".tmp")
    try:
        try:
            os.fchmod(fd, 0o644)  # mkstemp makes it private; the manifest is as readable as the export
            write_all(fd, json.dumps(data, indent=1, sort_keys=True).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, destination / MANIFEST)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    _fsync_folder(destination)


def _read_journal(destination: Path, options: dict[str, list[Entry]]) -> bool:
    """Add each journalled entry as the first option for its path; whether there was a journal. A line that
    does not parse (cut by a kill or a full disk) or does not validate is skipped."""
    try:
        text = _read_file(destination / JOURNAL)
    except FileNotFoundError:
        return False
    except OSError as error:
        raise ExportError(
            f"{destination / JOURNAL} is in the way ({error.strerror or error}); it is not one album_app made: "
            "move it away"
        ) from error
    for line in text.splitlines():
        try:
            record = json.loads(line)
            relative, entry = record["put"], Entry.from_json(record["entry"])
        except (ValueError, KeyError, TypeError):
            continue
        if valid_relative(relative) and entry.kind is not None:
            options.setdefault(relative, []).insert(0, entry)
    return True


def _clear_staging(destination: Path) -> None:
    """Remove what an interrupted run left in the staging folder: only the export writes there."""
    staging = destination / STAGING
    found = real_folder(staging)
    if found is None:
        return
    if not found:
        raise ExportError(f"{staging} is in the way; it is not a folder album_app made: move it away")
    for name in os.listdir(staging):
        path = staging / name
        if not stat.S_ISDIR(os.lstat(path).st_mode):  # the export makes no folders there: leave any alone
            os.unlink(path)


def _settle(destination: Path, options: dict[str, list[Entry]]) -> tuple[dict[str, Entry], int]:
    """Relative path -> the entry its file matches (a file matching none: its last entry, marked changed);
    paths with no file are dropped. Also how many paths lead out of DEST through a linked folder."""
    settled, outside = {}, 0
    for relative, candidates in options.items():
        target = inside(destination, relative)
        if target is None:
            outside += 1
            continue
        if not candidates or not os.path.lexists(target):
            continue
        found = next(filter(None, (matches(target, entry, full=False) for entry in candidates)), None)
        settled[relative] = found or replace(candidates[0], changed=True)
    return settled, outside


def _read_file(path: Path) -> str:
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a file", str(path))
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks).decode("utf-8", errors="replace")


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem syncs a folder
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
