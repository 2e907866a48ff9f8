"""Folders -> files: recursive, no symlink loops, no hidden or system folders."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Folders that hold no photos of the user's: caches and system stores of NASes, OSes and tools.
SKIPPED_FOLDERS = {
    "@eadir", "#recycle", "#snapshot", "$recycle.bin", "system volume information", "lost+found",
    "__macosx", "thumbs", ".thumbnails", "node_modules", "__pycache__",
}
SKIPPED_FOLDER_SUFFIXES = (".photoslibrary", ".aplibrary", ".lrdata", ".app")
# Files the OS or another program writes beside photos.
SKIPPED_FILES = {"thumbs.db", "desktop.ini", "ehthumbs.db", "ehthumbs_vista.db", "icon\r"}


@dataclass(frozen=True)
class FoundFile:
    path: str
    size: int
    mtime_ns: int


def is_skipped_folder(name: str) -> bool:
    lowered = name.lower()
    return (
        name.startswith(".")  # .Trash-1000, .thumbnails, .git, .cache …
        or lowered in SKIPPED_FOLDERS
        or lowered.endswith(SKIPPED_FOLDER_SUFFIXES)
    )


def is_skipped_file(name: str) -> bool:
    return name.startswith(".") or name.lower() in SKIPPED_FILES


def walk(roots: list[Path]) -> Iterator[FoundFile]:
    """Every regular file under the roots, each once, following symlinks but never around a loop.

    A root that is a file yields that file. Folders we cannot read are passed over silently, as a
    file manager would; a folder reached twice (a symlink loop or two overlapping roots) is read once.
    """
    visited: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
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
        yield from _walk_folder(root.absolute(), visited, seen_files)


def _walk_folder(
    folder: Path, visited: set[tuple[int, int]], seen_files: set[tuple[int, int]]
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
        subfolders = []
        for entry in children:
            try:
                if entry.is_dir(follow_symlinks=True):
                    if not is_skipped_folder(entry.name):
                        subfolders.append(Path(entry.path))
                    continue
                if not entry.is_file(follow_symlinks=True) or is_skipped_file(entry.name):
                    continue
                stat = entry.stat(follow_symlinks=True)
            except OSError:
                continue
            file_key = (stat.st_dev, stat.st_ino)
            if entry.is_symlink() and file_key in seen_files:
                continue
            seen_files.add(file_key)
            yield FoundFile(entry.path, stat.st_size, stat.st_mtime_ns)
        stack.extend(reversed(subfolders))
