"""Folders -> files: recursive, no symlink loops, no hidden or system folders, no folders the app wrote.

A folder holding an export manifest (or the journal of an export that was cut short) is an export
destination (copies or links of photos already in the library), and a folder holding a library's catalog
with its caches is a library: neither holds originals, and indexing them would count every exported photo
twice and index the app's own thumbnails.
XMP sidecars (``IMG_1234.CR2.xmp``, ``IMG_1234.xmp``) are not items: they travel with the file they describe.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from album_app.library import CATALOG_NAME
from album_app.services.export_store import JOURNAL, MANIFEST

# Folders that hold no photos of the user's: caches and system stores of NASes, OSes and tools.
SKIPPED_FOLDERS = {
    "@eadir", "#recycle", "#snapshot", "$recycle.bin", "system volume information", "lost+found",
    "__macosx", "thumbs", ".thumbnails", "node_modules", "__pycache__",
}
SKIPPED_FOLDER_SUFFIXES = (".photoslibrary", ".aplibrary", ".lrdata", ".app")
# Files the OS or another program writes beside photos.
SKIPPED_FILES = {"thumbs.db", "desktop.ini", "ehthumbs.db", "ehthumbs_vista.db", "icon\r"}
SIDECAR_SUFFIX = ".xmp"
#: What, beside a catalog.db, marks a folder as an album_app library (LibraryPaths: thumbnails, models, lock).
_LIBRARY_MARKS = ("thumbnails", "models", "writer.lock")

EXPORT_FOLDER = "an album_app export folder (copies or links of photos in the library)"
LIBRARY_FOLDER = "an album_app library folder (its catalog, thumbnails and models)"


@dataclass(frozen=True)
class FoundFile:
    path: str
    size: int
    mtime_ns: int
    sidecar: str | None = None  # the XMP sidecar beside it, if any
    sidecar_mtime_ns: int | None = None


@dataclass(frozen=True)
class ExcludedFolder:
    path: str
    why: str  # EXPORT_FOLDER or LIBRARY_FOLDER


def is_skipped_folder(name: str) -> bool:
    lowered = name.lower()
    return (
        name.startswith(".")  # .Trash-1000, .thumbnails, .git, .cache …
        or lowered in SKIPPED_FOLDERS
        or lowered.endswith(SKIPPED_FOLDER_SUFFIXES)
    )


def is_skipped_file(name: str) -> bool:
    return name.startswith(".") or name.lower() in SKIPPED_FILES


def app_folder_kind(names: set[str]) -> str | None:
    """EXPORT_FOLDER or LIBRARY_FOLDER when a folder with these entries was written by the app, else None."""
    if MANIFEST in names or JOURNAL in names:
        return EXPORT_FOLDER
    if CATALOG_NAME in names and any(mark in names for mark in _LIBRARY_MARKS):
        return LIBRARY_FOLDER
    return None


def walk(
    roots: list[Path], *, exclude: set[Path] = frozenset(), excluded: list[ExcludedFolder] | None = None
) -> Iterator[FoundFile]:
    """Every regular file under the roots, each once, following symlinks but never around a loop.

    A root that is a file yields that file. Folders we cannot read are passed over silently, as a
    file manager would; a folder reached twice (a symlink loop or two overlapping roots) is read once.
    Folders in ``exclude`` (the library being scanned into) and folders the app wrote are left out and
    appended to ``excluded``.
    """
    visited: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    skip = {os.path.realpath(path) for path in exclude}
    found_excluded = excluded if excluded is not None else []
    for root in roots:
        try:
            info = root.stat()
        except OSError:
            continue
        if root.is_file():
            key = (info.st_dev, info.st_ino)
            if key not in seen_files:
                seen_files.add(key)
                yield FoundFile(str(root.absolute()), info.st_size, info.st_mtime_ns)
            continue
        yield from _walk_folder(root.absolute(), visited, seen_files, skip, found_excluded)


def _walk_folder(
    folder: Path, visited: set[tuple[int, int]], seen_files: set[tuple[int, int]], skip: set[str],
    excluded: list[ExcludedFolder],
) -> Iterator[FoundFile]:
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            info = current.stat()
        except OSError:
            continue
        key = (info.st_dev, info.st_ino)
        if key in visited:
            continue
        visited.add(key)
        try:
            with os.scandir(current) as entries:
                children = sorted(entries, key=lambda entry: entry.name)
        except OSError:
            continue
        why = app_folder_kind({entry.name for entry in children})
        if why is None and os.path.realpath(current) in skip:
            why = LIBRARY_FOLDER
        if why is not None:
            excluded.append(ExcludedFolder(str(current), why))
            continue
        subfolders = []
        sidecars = {entry.name.casefold(): entry for entry in children if _is_sidecar(entry.name)}
        for entry in children:
            try:
                if entry.is_dir(follow_symlinks=True):
                    if not is_skipped_folder(entry.name):
                        subfolders.append(Path(entry.path))
                    continue
                if (not entry.is_file(follow_symlinks=True) or is_skipped_file(entry.name)
                        or _is_sidecar(entry.name)):
                    continue
                stat = entry.stat(follow_symlinks=True)
            except OSError:
                continue
            file_key = (stat.st_dev, stat.st_ino)
            if entry.is_symlink() and file_key in seen_files:
                continue
            seen_files.add(file_key)
            yield _found(entry.path, entry.name, stat, sidecars)
        stack.extend(reversed(subfolders))


def _is_sidecar(name: str) -> bool:
    return name.casefold().endswith(SIDECAR_SUFFIX) and not name.startswith(".")


def sidecar_names(name: str) -> tuple[str, str]:
    """The two names a sidecar of ``name`` can have, casefolded, best first: darktable/digiKam's
    ``IMG_1234.CR2.xmp``, then Lightroom's ``IMG_1234.xmp``."""
    stem = name.rsplit(".", 1)[0] if "." in name[1:] else name
    return (name + SIDECAR_SUFFIX).casefold(), (stem + SIDECAR_SUFFIX).casefold()


def _found(path: str, name: str, stat: os.stat_result, sidecars: dict[str, os.DirEntry[str]]) -> FoundFile:
    for candidate in sidecar_names(name):
        entry = sidecars.get(candidate)
        if entry is None:
            continue
        try:
            sidecar_stat = entry.stat(follow_symlinks=True)
        except OSError:
            continue
        return FoundFile(path, stat.st_size, stat.st_mtime_ns, entry.path, sidecar_stat.st_mtime_ns)
    return FoundFile(path, stat.st_size, stat.st_mtime_ns)
