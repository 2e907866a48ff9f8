"""Albums to folders: one folder per album plus Unsorted, as links or copies. Originals are never touched.

Running it again brings DEST up to date: files it made before and no longer wants are removed
(only those: a manifest in DEST lists what the export owns), nothing is duplicated. Each file is
written under a temporary name and renamed, so an interrupted export leaves nothing half-written
under a final name.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".album_app-export.json"
MODES = ("symlink", "hardlink", "copy")
UNSORTED = "Unsorted"
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
MAX_NAME = 120


class ExportError(Exception):
    """The export cannot go on; the message is meant for a person."""


def safe_name(name: str, fallback: str = "Album") -> str:
    """A folder or file name that is safe on Linux, macOS and Windows and cannot leave its parent."""
    text = unicodedata.normalize("NFC", name)
    text = _UNSAFE.sub("_", text)
    text = " ".join(text.split()).strip(" .")
    if not text or set(text) <= {"_", "."}:
        text = fallback
    if text.split(".")[0].upper() in _WINDOWS_RESERVED:
        text = f"_{text}"
    encoded = text.encode()
    if len(encoded) > MAX_NAME:
        text = encoded[:MAX_NAME].decode(errors="ignore").rstrip(" .")
    return text


def unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``, ``name (3)`` … whichever is free (case-insensitively, for macOS/Windows)."""
    stem, suffix = os.path.splitext(name) if "." in name[1:] else (name, "")
    candidate, counter = name, 2
    while candidate.casefold() in taken:
        candidate = f"{stem} ({counter}){suffix}"
        counter += 1
    taken.add(candidate.casefold())
    return candidate


@dataclass
class ExportAlbum:
    id: int | None  # None for Unsorted
    name: str
    photos: list[str]


@dataclass
class ExportReport:
    destination: str
    mode: str
    written: int = 0
    kept: int = 0
    removed: int = 0
    failed: list[str] = field(default_factory=list)


def plan_layout(albums: Iterable[ExportAlbum]) -> dict[str, str]:
    """Relative target path -> source path, with safe and unique folder and file names."""
    layout: dict[str, str] = {}
    folders: set[str] = {MANIFEST.casefold()}
    for album in albums:
        if not album.photos:
            continue
        folder = unique(safe_name(album.name), folders)
        names: set[str] = set()
        for source in album.photos:
            filename = unique(safe_name(os.path.basename(source), "photo"), names)
            layout[f"{folder}/{filename}"] = source
    return layout


def export(albums: Iterable[ExportAlbum], destination: Path, mode: str = "symlink",
           progress: Callable[[int, int], None] | None = None) -> ExportReport:
    if mode not in MODES:
        raise ExportError(f"Unknown export mode {mode!r}; use one of {', '.join(MODES)}.")
    destination = Path(os.path.abspath(destination))
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"Cannot create {destination}: {error.strerror or error}") from error
    layout = plan_layout(albums)
    previous = _read_manifest(destination)
    report = ExportReport(str(destination), mode)
    owned: dict[str, dict[str, str]] = {}
    for done, (relative, source) in enumerate(sorted(layout.items()), start=1):
        target = destination / relative
        entry = {"source": source, "mode": mode}
        if previous.get(relative) == entry and os.path.lexists(target):
            report.kept += 1
            owned[relative] = entry
        elif os.path.lexists(target) and relative not in previous:
            report.failed.append(f"{target}: exists and was not made by album_app; left alone")
        else:
            try:
                _place(Path(source), target, mode)
                owned[relative] = entry
                report.written += 1
            except OSError as error:
                report.failed.append(f"{source}: {error.strerror or error}")
                if error.errno == 28:  # ENOSPC: stop now, keep what is done, say why
                    _write_manifest(destination, {**{k: v for k, v in previous.items() if k not in layout}, **owned})
                    raise ExportError(f"The disk holding {destination} is full; {report.written} files written.") \
                        from error
        if progress:
            progress(done, len(layout))
    for relative in sorted(set(previous) - set(layout)):
        stale = destination / relative
        try:
            if os.path.lexists(stale):
                stale.unlink()
            report.removed += 1
        except OSError as error:
            report.failed.append(f"{stale}: {error.strerror or error}")
            owned[relative] = previous[relative]
    _remove_empty_folders(destination, {relative.split("/")[0] for relative in previous})
    _write_manifest(destination, owned)
    return report


def _place(source: Path, target: Path, mode: str) -> None:
    """Make ``target`` under a temporary name, then rename it into place (atomic on one filesystem)."""
    if not source.exists():
        raise FileNotFoundError(2, "the original photo is missing", str(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    if os.path.lexists(partial):
        partial.unlink()
    if mode == "symlink":
        partial.symlink_to(source)
    elif mode == "hardlink":
        os.link(source, partial)
    else:
        shutil.copy2(source, partial)
    os.replace(partial, target)


def _read_manifest(destination: Path) -> dict[str, dict[str, str]]:
    try:
        data = json.loads((destination / MANIFEST).read_text())
        return {str(k): dict(v) for k, v in data.get("files", {}).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def _write_manifest(destination: Path, files: dict[str, dict[str, str]]) -> None:
    partial = destination / f"{MANIFEST}.partial"
    partial.write_text(json.dumps({"version": 1, "files": files}, indent=1, sort_keys=True))
    os.replace(partial, destination / MANIFEST)


def _remove_empty_folders(destination: Path, folders: set[str]) -> None:
    for folder in folders:
        path = destination / folder
        try:
            if path.is_dir() and not any(path.iterdir()):
                path.rmdir()
        except OSError:
            pass
