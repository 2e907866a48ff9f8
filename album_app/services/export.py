"""Albums to folders: one folder per album plus Unsorted, as links or copies. Originals are never touched.

Running it again brings DEST up to date: files it made before and no longer wants are removed
(only those: a manifest in DEST lists what the export owns), nothing is duplicated. Each file is
written under a temporary name and renamed, so an interrupted export leaves nothing half-written
under a final name.

A photo may be exported turned (``turns``: the rotation suggestions, services.rotations.export_turns): its
file in DEST is then a turned copy (services.rotations.rotate_for_export), whatever the mode, written the
same way, and the manifest says so, so that a re-run without the turn puts the link or copy back.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".album_app-export.json"
MODES = ("symlink", "hardlink", "copy")
TURNED = "turned"  # the manifest's mode for a turned copy
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
    turned: int = 0  # files in DEST that are turned copies (written now or kept from before)
    not_turned: list[str] = field(default_factory=list)  # to be turned, but could not be: exported as they are


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


def export(
    albums: Iterable[ExportAlbum],
    destination: Path,
    mode: str = "symlink",
    progress: Callable[[int, int], None] | None = None,
    turns: Mapping[str, int] | None = None,
) -> ExportReport:
    """Write (or bring up to date) DEST. ``turns``: source path -> clockwise quarter turns for the photos to
    export turned (a turned copy instead of a link or copy of the original)."""
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
        quarter_turns = (turns or {}).get(source, 0) % 4
        entry = _entry(source, mode, quarter_turns)
        if previous.get(relative) == entry and os.path.lexists(target):
            report.kept += 1
            report.turned += bool(quarter_turns)
            owned[relative] = entry
        elif os.path.lexists(target) and relative not in previous:
            report.failed.append(f"{target}: exists and was not made by album_app; left alone")
        else:
            try:
                if quarter_turns:
                    try:
                        _place_turned(Path(source), target, quarter_turns)
                        report.turned += 1
                    except _NotTurned as why:
                        report.not_turned.append(f"{source}: could not be turned ({why}); exported as it is")
                        entry = _entry(source, mode, 0)
                        _place(Path(source), target, mode)
                else:
                    _place(Path(source), target, mode)
                owned[relative] = entry
                report.written += 1
            except OSError as error:
                report.failed.append(f"{source}: {error.strerror or error}")
                if error.errno == errno.ENOSPC:  # stop now, keep what is done, say why
                    _write_manifest(destination, {**{k: v for k, v in previous.items() if k not in layout}, **owned})
                    raise ExportError(
                        f"The disk holding {destination} is full; {report.written} files written."
                    ) from error
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


def _entry(source: str, mode: str, quarter_turns: int) -> dict[str, str]:
    """What the manifest records for a file: a link or copy of ``source``, or a turned copy of it."""
    if quarter_turns:
        return {"source": source, "mode": TURNED, "quarter_turns": str(quarter_turns)}
    return {"source": source, "mode": mode}


class _NotTurned(Exception):
    """The photo cannot be turned (a format Pillow cannot write, a damaged file): export it as it is."""


def _fresh_partial(source: Path, target: Path) -> Path:
    """The temporary name ``target`` is made under (left over from a killed export: removed), once the
    original is known to be there and the target's folder exists."""
    if not source.exists():
        raise FileNotFoundError(2, "the original photo is missing", str(source))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    if os.path.lexists(partial):
        partial.unlink()
    return partial


def _place_turned(source: Path, target: Path, quarter_turns: int) -> None:
    """Make ``target`` a turned copy of ``source``: written under a temporary name, then renamed into place
    (over a link to the original from an earlier export too; the original is only read)."""
    from album_app.services.rotations import rotate_for_export  # onnxruntime: only when a photo is turned

    partial = _fresh_partial(source, target)
    try:
        rotate_for_export(source, quarter_turns, partial)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.ENOENT, errno.EACCES):
            raise  # as for any file: reported (a full disk stops the export)
        raise _NotTurned(str(error) or type(error).__name__) from error
    except Exception as error:  # Pillow: a format it cannot write, a decompression bomb, a broken file
        raise _NotTurned(str(error) or type(error).__name__) from error
    os.replace(partial, target)


def _place(source: Path, target: Path, mode: str) -> None:
    """Make ``target`` under a temporary name, then rename it into place (atomic on one filesystem)."""
    partial = _fresh_partial(source, target)
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
