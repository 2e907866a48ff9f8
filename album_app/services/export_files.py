"""The files of an export, one at a time: what the export wrote (an Entry with its fingerprint), whether a
file in DEST is still exactly that, where a relative path lands inside DEST, and writing a new file under a
temporary name. Originals are only ever opened for reading, stat'ed and linked to.

An Entry's fingerprint is what makes a file the export's own, and so the only kind it may remove, move or
replace: the link target for a symlink; device and inode (plus size and mtime) for a hard link; size, mtime
and SHA-256 for a copy (and a turned copy). Anything else in DEST belongs to the person.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import stat
from dataclasses import asdict, dataclass, replace
from pathlib import Path

MODES = ("symlink", "hardlink", "copy")
TURNED = "turned"  # the mode of a turned copy (services.rotations.rotate_for_export), whatever mode was asked
KINDS = ("symlink", "hardlink", "copy")  # what lies on disk (a hard link that could not be made is a copy)
_CHUNK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


@dataclass(frozen=True)
class Entry:
    """One file the export made at a relative path in DEST, as the manifest records it."""

    source: str
    mode: str  # what was asked: symlink | hardlink | copy | turned
    quarter_turns: int = 0
    kind: str | None = None  # what was written (KINDS); None: not known (a manifest of version 1)
    link: str | None = None  # symlink: its target
    size: int | None = None  # hardlink, copy
    mtime_ns: int | None = None  # hardlink, copy
    sha256: str | None = None  # copy
    dev: int | None = None  # hardlink
    ino: int | None = None  # hardlink
    changed: bool = False  # changed since the export wrote it: the person's file now, never touched again

    def wants(self, source: str, mode: str, quarter_turns: int) -> bool:
        """Whether this file is what an export of ``source`` in ``mode`` (turned or not) would write."""
        if quarter_turns:
            return (self.source, self.mode, self.quarter_turns) == (source, TURNED, quarter_turns)
        return (self.source, self.mode, self.quarter_turns) == (source, mode, 0)

    def to_json(self) -> dict[str, object]:
        data = {k: v for k, v in asdict(self).items() if v is not None}
        if not self.quarter_turns:
            del data["quarter_turns"]
        if not self.changed:
            del data["changed"]
        return data

    @classmethod
    def from_json(cls, data: object) -> Entry:
        """An Entry from the manifest or journal; ValueError when it is not one the export could have written."""
        if not isinstance(data, dict) or set(data) - set(cls.__dataclass_fields__):
            raise ValueError("an entry is not a record of the expected fields")
        source, mode = data.get("source"), data.get("mode")
        if not isinstance(source, str) or not os.path.isabs(source) or "\0" in source:
            raise ValueError("an entry's source is not an absolute path")
        if mode not in (*MODES, TURNED):
            raise ValueError(f"an entry's mode {mode!r} is unknown")
        turns = data.get("quarter_turns", 0)
        if isinstance(turns, str) and turns in ("1", "2", "3"):  # version 1 wrote a string
            turns = int(turns)
        if type(turns) is not int or not 0 <= turns <= 3 or (turns > 0) != (mode == TURNED):
            raise ValueError("an entry's quarter turns do not fit its mode")
        entry = cls(source, mode, turns, **{k: data[k] for k in data if k not in ("source", "mode", "quarter_turns")})
        entry._check_fingerprint()
        return entry

    def _check_fingerprint(self) -> None:
        if type(self.changed) is not bool:
            raise ValueError("an entry's 'changed' is not true or false")
        given = {name for name in _FINGERPRINT if getattr(self, name) is not None}
        if self.kind is None:
            if given:
                raise ValueError("an entry has a fingerprint but no kind")
            return
        if self.kind not in KINDS:
            raise ValueError(f"an entry's kind {self.kind!r} is unknown")
        if given != set(_NEEDS[self.kind]):
            raise ValueError(f"a {self.kind} entry needs exactly {', '.join(_NEEDS[self.kind])}")
        for name in given:
            if type(getattr(self, name)) is not _FINGERPRINT[name]:
                raise ValueError(f"an entry's {name} is not a {_FINGERPRINT[name].__name__}")
        if self.kind == "copy" and not _SHA256.fullmatch(self.sha256 or ""):
            raise ValueError("an entry's sha256 is not 64 hex digits")


_FINGERPRINT: dict[str, type] = {"link": str, "size": int, "mtime_ns": int, "sha256": str, "dev": int, "ino": int}
_NEEDS = {"symlink": ("link",), "hardlink": ("dev", "ino", "size", "mtime_ns"), "copy": ("size", "mtime_ns", "sha256")}


def valid_relative(relative: object) -> bool:
    """Whether ``relative`` is a path the export could have written: FOLDER/FILE, both plain names (no '..',
    no separators, no leading dot, nothing absolute), so that it can never lead out of DEST by itself."""
    if not isinstance(relative, str):
        return False
    parts = relative.split("/")
    return len(parts) == 2 and all(_plain_name(part) for part in parts)


def _plain_name(part: str) -> bool:
    try:
        size = len(os.fsencode(part))
    except UnicodeError:  # a lone surrogate no file name can have
        return False
    return 0 < size <= 255 and not part.startswith(".") and not set(part) & {"\\", "\0"}


def real_folder(path: Path) -> bool | None:
    """True for a folder, False for anything else there (a symlink to a folder too), None when nothing is."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return None


def inside(destination: Path, relative: str) -> Path | None:
    """DEST/relative when every folder on the way is a real folder (or not there yet), None when one is a
    symlink (it could point anywhere) or not a folder: nothing is then read, written or removed through it."""
    here = destination
    for part in relative.split("/")[:-1]:
        here = here / part
        found = real_folder(here)
        if found is None:
            break
        if not found:
            return None
    return destination / relative


def make_folder(destination: Path, target: Path) -> None:
    """Create ``target``'s folders in DEST; refuse (OSError) when one turned into a link meanwhile."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if inside(destination, target.relative_to(destination).as_posix()) is None:
        raise OSError(errno.ELOOP, "a folder on the way is a link; not written through it", str(target.parent))


def matches(target: Path, entry: Entry, *, full: bool) -> Entry | None:
    """``entry`` (brought up to date) when ``target`` is still exactly what the export wrote, else None.
    ``full``: also hash a copy's bytes (before removing, moving or replacing it); else size and mtime do.
    An entry of version 1 (no fingerprint) is checked against what it says it was made from."""
    try:
        st = os.lstat(target)
    except OSError:
        return None
    if entry.changed:
        return None
    if entry.kind is None:
        return _matches_unrecorded(target, st, entry)
    if entry.kind == "symlink":
        return entry if stat.S_ISLNK(st.st_mode) and os.readlink(target) == entry.link else None
    if not stat.S_ISREG(st.st_mode):
        return None
    if entry.kind == "hardlink":
        if (st.st_dev, st.st_ino) != (entry.dev, entry.ino):
            return None
        if (st.st_size, st.st_mtime_ns) == (entry.size, entry.mtime_ns):
            return entry
        # The original edited in place changes this name's size and mtime too (it is the same file): still the
        # export's own as long as the original's path is that same file, so removing this name loses nothing.
        return replace(entry, size=st.st_size, mtime_ns=st.st_mtime_ns) if _same_file(entry.source, st) else None
    if (st.st_size, st.st_mtime_ns) != (entry.size, entry.mtime_ns):
        return None
    return entry if not full or sha256_of(target) == entry.sha256 else None


def _matches_unrecorded(target: Path, st: os.stat_result, entry: Entry) -> Entry | None:
    """A version-1 entry: a link to its source, a hard link of it, or a byte-for-byte copy; a turned copy
    cannot be told from the person's file, so it is not the export's."""
    if entry.mode == "symlink" and stat.S_ISLNK(st.st_mode) and os.readlink(target) == entry.source:
        return replace(entry, kind="symlink", link=entry.source)
    if not stat.S_ISREG(st.st_mode):
        return None
    if entry.mode == "hardlink" and _same_file(entry.source, st):
        return replace(entry, kind="hardlink", dev=st.st_dev, ino=st.st_ino, size=st.st_size, mtime_ns=st.st_mtime_ns)
    if entry.mode == "copy":
        try:
            same = os.stat(entry.source).st_size == st.st_size and sha256_of(Path(entry.source)) == sha256_of(target)
        except OSError:
            return None
        if same:
            return replace(entry, kind="copy", size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=sha256_of(target))
    return None


def _same_file(source: str, st: os.stat_result) -> bool:
    try:
        original = os.stat(source)
    except OSError:
        return False
    return (original.st_dev, original.st_ino) == (st.st_dev, st.st_ino)


def only_copy_of_a_lost_original(entry: Entry, target: Path) -> bool:
    """Whether removing ``target`` could lose a photo: a copy whose original is gone, or a hard link whose
    original path is no longer the same file (perhaps this name is the last one). A symlink holds no photo."""
    if entry.kind == "symlink":
        return False
    if entry.kind == "hardlink":
        try:
            return not _same_file(entry.source, os.lstat(target))
        except OSError:
            return False
    return not os.path.exists(entry.source)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    try:
        while chunk := os.read(fd, _CHUNK):
            digest.update(chunk)
    finally:
        os.close(fd)
    return digest.hexdigest()


def write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (a write may be short; a full disk raises OSError ENOSPC)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class NotLinked(Exception):
    """A hard link cannot be made here (another filesystem, or one that refuses links): copy instead."""


_NO_LINK = (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP, errno.EOPNOTSUPP)


def make_link(source: str, partial: Path, mode: str) -> Entry:
    """Make ``partial`` a symlink or hard link to ``source`` and return its Entry (NotLinked: copy instead)."""
    if mode == "symlink":
        os.symlink(source, partial)
        return Entry(source, mode, kind="symlink", link=source)
    try:
        os.link(source, partial, follow_symlinks=True)
    except OSError as error:
        if error.errno in _NO_LINK:
            raise NotLinked(error.strerror or str(error)) from error
        raise
    st = os.lstat(partial)
    return Entry(source, mode, kind="hardlink", dev=st.st_dev, ino=st.st_ino, size=st.st_size, mtime_ns=st.st_mtime_ns)


def make_copy(source: str, partial: Path, mode: str) -> Entry:
    """Copy ``source`` to a new file ``partial`` (hashing what is written; mtime and permissions as the
    original's, as ``cp -p``) and return its Entry. The original is opened read-only."""
    digest = hashlib.sha256()
    src = os.open(source, os.O_RDONLY)
    try:
        dst = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644)
        try:
            while chunk := os.read(src, _CHUNK):
                digest.update(chunk)
                write_all(dst, chunk)
        finally:
            os.close(dst)
    finally:
        os.close(src)
    shutil.copystat(source, partial)
    return _copy_entry(source, mode, partial, digest.hexdigest())


def copy_entry_of(source: str, partial: Path, quarter_turns: int) -> Entry:
    """The Entry of a turned copy just written at ``partial``."""
    return _copy_entry(source, TURNED, partial, sha256_of(partial), quarter_turns)


def _copy_entry(source: str, mode: str, partial: Path, sha256: str, quarter_turns: int = 0) -> Entry:
    st = os.lstat(partial)
    return Entry(source, mode, quarter_turns, kind="copy", size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=sha256)
