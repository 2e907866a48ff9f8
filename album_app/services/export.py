"""Albums to folders: one folder per album plus Unsorted, as links or copies. Originals are never written,
moved or deleted: they are only read, stat'ed and linked to.

Running it again brings DEST up to date: files it made before and no longer wants are moved to where they
are wanted now or removed, nothing is duplicated. It removes, moves or replaces only a file that is still
exactly what it wrote (export_files: link target, inode, or size + mtime + SHA-256), only inside DEST, and
never a copy or hard link that may be the last one of a photo whose original is gone; every other file is
left alone and reported (``left_alone``). Its books (export_store: manifest, journal, staging folder) make it
safe to kill: each file is written in the staging folder, journalled, then renamed into place, so a re-run
adopts or removes all it did. A full disk stops it with a message; the previous manifest stays whole.

An item made of several files goes with all of them (``parts``: services.export_items): a Live Photo's
video beside its photo, a RAW beside its JPEG when asked, each named after the item's file
(``IMG_0001 (2).HEIC`` + ``IMG_0001 (2).MOV``), so other programs pair them again. They are exported like
any file (never turned) and recorded the same way.

A photo may be exported turned (``turns``: the rotation suggestions, services.rotations.export_turns): its
file in DEST is then a turned copy (services.rotations.rotate_for_export), whatever the mode, written the
same way, and the manifest says so, so that a re-run without the turn puts the link or copy back.

Test seam: ``faults.EXPORT_PAUSE_S`` (album_app/faults.py; seconds, unset in normal use) makes the
export pause while each file is half done, so that a test can kill -9 it part-way.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from album_app import faults
from album_app.ingest.names import readable_path
from album_app.services.export_files import (
    MODES,
    TURNED,
    Entry,
    NotLinked,
    copy_entry_of,
    inside,
    make_copy,
    make_folder,
    make_link,
    matches,
    only_copy_of_a_lost_original,
)
from album_app.services.export_store import MANIFEST, RESERVED, Books, ExportError, open_books

__all__ = ["MANIFEST", "MODES", "TURNED", "UNSORTED", "ExportAlbum", "ExportError", "ExportReport", "export"]

UNSORTED = "Unsorted"
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
MAX_NAME = 120


def safe_name(name: str, fallback: str = "Album") -> str:
    """A folder or file name that is safe on Linux, macOS and Windows and cannot leave its parent.
    A source name that is not UTF-8 (b'Caf\\xe9.jpg') is written as it reads (Café.jpg)."""
    text = unicodedata.normalize("NFC", readable_path(name))
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
    moved: int = 0  # files of an earlier export renamed to where they are wanted now (an album renamed)
    removed: int = 0
    failed: list[str] = field(default_factory=list)  # photos not exported, files not removed: the export failed
    turned: int = 0  # files in DEST that are turned copies (written now or kept from before)
    parts: int = 0  # files in DEST that are parts of an item (a Live Photo's video, a RAW beside its JPEG)
    not_turned: list[str] = field(default_factory=list)  # to be turned, but could not be: exported as they are
    left_alone: list[str] = field(default_factory=list)  # files in DEST not made by the export or changed since
    copied_not_linked: int = 0  # hard links that could not be made (another filesystem): copied instead
    notes: list[str] = field(default_factory=list)  # said once: the manifest ignored, links copied, …

    def problem_lines(self, limit: int = 10, more: str = "all are in the JSON report") -> list[str]:
        """What went wrong, for a person: each note once, at most ``limit`` lines per kind of problem, and
        files left alone counted (thousands of them must not bury the rest)."""
        lines = list(self.notes)
        for problems, what in ((self.failed, "could not be exported"), (self.not_turned, "could not be turned")):
            lines += problems[:limit]
            if len(problems) > limit:
                lines.append(f"… {len(problems) - limit} more {what} ({more})")
        if self.left_alone:
            lines.append(
                f"{len(self.left_alone)} files in {self.destination} were left alone: not made by album_app, or "
                f"changed since it wrote them (first: {self.left_alone[0]}; {more})"
            )
        return lines


def plan_layout(albums: Iterable[ExportAlbum], parts: Mapping[str, Sequence[str]] | None = None) -> dict[str, str]:
    """Relative target path -> source path, with safe and unique folder and file names. ``parts``: source
    path -> the files that go beside it, named with the stem its own file gets and their own extensions."""
    layout: dict[str, str] = {}
    folders: set[str] = {name.casefold() for name in RESERVED}
    parts = parts or {}
    for album in albums:
        if not album.photos:
            continue
        folder = unique(safe_name(album.name), folders)
        names: set[str] = set()
        for source in album.photos:
            files = [source, *parts.get(source, ())]
            filename = safe_name(os.path.basename(source), "photo")
            suffixes = [part_suffix(safe_name(os.path.basename(part), "part")) for part in files[1:]]
            for name, file in zip(unique_group(filename, suffixes, names), files, strict=True):
                layout[f"{folder}/{name}"] = file
    return layout


def part_suffix(name: str) -> str:
    """What a part keeps of its own name on the item's stem: its extension, or both of a sidecar's
    (``IMG_1.CR2.xmp`` -> ``.CR2.xmp``: the RAW's sidecar, not the JPEG's)."""
    root, extension = os.path.splitext(name)
    if extension.lower() == ".xmp":
        return os.path.splitext(root)[1] + extension
    return extension


def unique_group(name: str, suffixes: Sequence[str], taken: set[str]) -> list[str]:
    """``name`` and one name per suffix on its stem (``IMG_1.HEIC``, ``IMG_1.MOV``), all free: the first of
    ``name``, ``name (2)``, … whose names are all free (case-insensitively). A suffix given twice, or the
    item's own, gets a name of its own (unique)."""
    stem, own = os.path.splitext(name) if "." in name[1:] else (name, "")
    counter = 1
    while True:
        base = stem if counter == 1 else f"{stem} ({counter})"
        wanted = [f"{base}{own}", *(f"{base}{suffix}" for suffix in suffixes)]
        folded = [candidate.casefold() for candidate in wanted]
        if len(set(folded)) == len(folded) and not set(folded) & taken:
            taken.update(folded)
            return wanted
        if len(set(folded)) < len(folded):  # two files would share a name whatever the counter: one by one
            return [unique(candidate, taken) for candidate in wanted]
        counter += 1


def export(
    albums: Iterable[ExportAlbum],
    destination: Path,
    mode: str = "symlink",
    progress: Callable[[int, int], None] | None = None,
    turns: Mapping[str, int] | None = None,
    parts: Mapping[str, Sequence[str]] | None = None,
) -> ExportReport:
    """Write (or bring up to date) DEST. ``turns``: source path -> clockwise quarter turns for the photos to
    export turned (a turned copy instead of a link or copy of the original). ``parts``: source path -> the
    part files exported beside it (services.export_items.export_parts). ExportError: DEST cannot be used,
    or the disk filled up (what was done is kept and recorded; a re-run carries on)."""
    if mode not in MODES:
        raise ExportError(f"Unknown export mode {mode!r}; use one of {', '.join(MODES)}.")
    destination = Path(os.path.realpath(destination))  # DEST given as a link: the folder it names is DEST
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ExportError(f"Cannot create {destination}: {error.strerror or error}") from error
    layout = plan_layout(albums, parts)
    books = open_books(destination)
    report = ExportReport(str(destination), mode, notes=list(books.notes))
    part_files = {file for files in (parts or {}).values() for file in files}
    run = _Run(books, report, mode, dict(turns or {}), faults.seconds(faults.EXPORT_PAUSE_S))
    try:
        try:
            run.place_all(layout, progress)
            run.remove_stale(layout)
        except _DiskFull as full:
            raise ExportError(run.disk_full_message(len(layout), full.saved)) from full.__cause__
        run.say_what_was_copied()
        report.parts = run.parts_in_place(layout, part_files)
        try:
            books.finish()
        except OSError as error:
            if error.errno != errno.ENOSPC:
                raise ExportError(f"Cannot write {destination / MANIFEST}: {error.strerror or error}") from error
            raise ExportError(run.disk_full_message(len(layout), saved=False)) from error
    finally:
        books.release()
    return report


class _DiskFull(Exception):
    """The disk holding DEST is full: stop, keep what is done. ``saved``: the manifest was written."""

    def __init__(self, saved: bool) -> None:
        super().__init__("disk full")
        self.saved = saved


class _NotTurned(Exception):
    """The photo cannot be turned (a format Pillow cannot write, a damaged file): export it as it is."""


class _Run:
    """One export into DEST: the books, the report and what is needed between files."""

    def __init__(self, books: Books, report: ExportReport, mode: str, turns: dict[str, int], pause_s: float) -> None:
        self.books, self.report, self.mode, self.turns, self.pause_s = books, report, mode, turns, pause_s
        self.destination = books.destination
        self.entries = books.entries
        self.stale: dict[tuple[str, str, int], list[str]] = {}  # (source, mode, turns) -> unwanted own files
        self.link_failure = ""

    def place_all(self, layout: dict[str, str], progress: Callable[[int, int], None] | None) -> None:
        for relative, entry in self.entries.items():
            if relative not in layout and not entry.changed:
                self.stale.setdefault((entry.source, entry.mode, entry.quarter_turns), []).append(relative)
        for done, (relative, source) in enumerate(sorted(layout.items()), start=1):
            self.place(relative, source)
            if progress:
                progress(done, len(layout))

    def place(self, relative: str, source: str) -> None:
        """Make DEST/relative what ``source`` should be there; leave alone what the export did not make."""
        quarter_turns = self.turns.get(source, 0) % 4
        target = inside(self.destination, relative)
        if target is None:
            self.report.failed.append(
                f"{source}: not exported: {self.destination / relative.split('/')[0]} is a link (it could point "
                "anywhere); nothing is written through it"
            )
            return
        entry = self.entries.get(relative)
        if entry is not None and not os.path.lexists(target):
            del self.entries[relative]
            entry = None
        if entry is None:
            if os.path.lexists(target):
                self.report.failed.append(f"{target}: exists and was not made by album_app; left alone")
            elif not self.move_stale(relative, target, source, quarter_turns):
                self.write(relative, target, source, quarter_turns)
            return
        current = matches(target, entry, full=False)
        if current is not None and current.wants(source, self.mode, quarter_turns):
            self.entries[relative] = current
            self.report.kept += 1
            self.report.turned += current.mode == TURNED
        elif current is not None and self.may_go(target, matches(target, current, full=True)):
            self.write(relative, target, source, quarter_turns)  # its own file, made otherwise: replaced
        else:
            self.entries[relative] = replace(entry, changed=True)
            if current is None:
                self.report.left_alone.append(f"{target}: changed since album_app wrote it; kept as it is")

    def parts_in_place(self, layout: dict[str, str], part_files: set[str]) -> int:
        """How many of the layout's part files are in DEST as the export's own now."""
        return sum(
            1 for relative, source in layout.items()
            if source in part_files and relative in self.entries and not self.entries[relative].changed
        )

    def move_stale(self, relative: str, target: Path, source: str, quarter_turns: int) -> bool:
        """Rename an own file no longer wanted where it was (the album renamed) to ``target``, if one fits."""
        key = (source, TURNED, quarter_turns) if quarter_turns else (source, self.mode, 0)
        while self.stale.get(key):
            old_relative = self.stale[key].pop()
            old = inside(self.destination, old_relative)
            entry = matches(old, self.entries[old_relative], full=True) if old is not None else None
            if old is None or entry is None:
                continue  # remove_stale says why it is left alone
            try:
                make_folder(self.destination, target)
                self.books.put(relative, entry)
                self.pause()
                os.replace(old, target)
            except OSError as error:
                self.failed(source, error)
                return True
            del self.entries[old_relative]
            self.entries[relative] = entry
            self.report.moved += 1
            self.report.turned += entry.mode == TURNED
            return True
        return False

    def write(self, relative: str, target: Path, source: str, quarter_turns: int) -> None:
        """Write the file in the staging folder, journal it, rename it into place (over an own file too)."""
        if not os.path.exists(source):
            self.report.failed.append(f"{source}: the original photo is missing")
            return
        partial: Path | None = None
        try:
            make_folder(self.destination, target)
            partial = self.books.partial(target.name)
            entry = self.make(source, partial, quarter_turns)
            self.pause()
            self.books.put(relative, entry)
            self.pause()
            os.replace(partial, target)
        except OSError as error:
            if partial is not None and os.path.lexists(partial):
                os.unlink(partial)  # the export's own, in its staging folder
            self.failed(source, error)
            return
        self.entries[relative] = entry
        self.report.written += 1
        self.report.turned += entry.mode == TURNED

    def make(self, source: str, partial: Path, quarter_turns: int) -> Entry:
        """Write ``partial``: a turned copy, or (when it cannot be turned, or no turn is asked) a link or copy."""
        if quarter_turns:
            try:
                return _make_turned(source, partial, quarter_turns)
            except _NotTurned as why:
                self.report.not_turned.append(f"{source}: could not be turned ({why}); exported as it is")
        if self.mode == "copy":
            return make_copy(source, partial, self.mode)
        try:
            return make_link(source, partial, self.mode)
        except NotLinked as why:
            self.link_failure = self.link_failure or str(why)
            self.report.copied_not_linked += 1
            return make_copy(source, partial, self.mode)

    def remove_stale(self, layout: dict[str, str]) -> None:
        """Remove own files no longer wanted; leave alone (and report) any that changed or may be a last copy."""
        for relative in sorted(set(self.entries) - set(layout)):
            entry = self.entries.pop(relative)
            target = inside(self.destination, relative)
            if target is None or not os.path.lexists(target):
                continue
            current = matches(target, entry, full=True)
            if not self.may_go(target, current):
                continue
            try:
                os.unlink(target)
            except OSError as error:
                self.entries[relative] = entry
                self.report.failed.append(f"{target}: could not be removed ({error.strerror or error})")
                continue
            self.report.removed += 1
        for folder in sorted(self.books.folders - {relative.split("/")[0] for relative in layout}):
            with contextlib.suppress(OSError):  # only an empty folder goes; a link or a file in it keeps it
                os.rmdir(self.destination / folder)

    def may_go(self, target: Path, current: Entry | None) -> bool:
        """Whether the export may remove or replace ``target``, whose entry (fully checked) is ``current``:
        only when it is still exactly what the export wrote and not perhaps the last copy of a photo."""
        if current is None:
            self.report.left_alone.append(f"{target}: changed since album_app wrote it; left alone")
        elif only_copy_of_a_lost_original(current, target):
            self.report.left_alone.append(
                f"{target}: its original {current.source} is gone, so this may be the only copy; left alone"
            )
        else:
            return True
        return False

    def failed(self, source: str, error: OSError) -> None:
        if error.errno == errno.ENOSPC:  # stop now, keep and record what is done, say why
            raise _DiskFull(saved=self._save()) from error
        self.report.failed.append(f"{source}: {error.strerror or error}")

    def _save(self) -> bool:
        try:
            self.books.finish()
        except OSError:
            return False  # the previous manifest is whole and the journal kept: the next run reads both
        return True

    def say_what_was_copied(self) -> None:
        if self.report.copied_not_linked:
            self.report.notes.append(self._copied())

    def _copied(self) -> str:
        return (
            f"{self.report.copied_not_linked} photos were copied instead of hard-linked: {self.link_failure} "
            f"(a hard link cannot reach {self.destination} from another filesystem)"
        )

    def disk_full_message(self, total: int, saved: bool) -> str:
        done = self.report.written + self.report.kept + self.report.moved
        record = "" if saved else f" (what was done is recorded in {self.destination}; the next export reads it)"
        copied = f" ({self._copied()})" if self.report.copied_not_linked else ""
        return (
            f"The disk holding {self.destination} is full: {self.report.written} files written, "
            f"{max(total - done, 0)} not{record}. Free some space and export again: it carries on where it stopped."
            f"{copied}"
        )

    def pause(self) -> None:
        if self.pause_s:
            time.sleep(self.pause_s)


def _make_turned(source: str, partial: Path, quarter_turns: int) -> Entry:
    """A turned copy of ``source`` at ``partial`` (the original is only read)."""
    from album_app.services.rotations import rotate_for_export  # onnxruntime: only when a photo is turned

    try:
        rotate_for_export(source, quarter_turns, partial)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.ENOENT, errno.EACCES):
            raise  # as for any file: reported (a full disk stops the export)
        raise _NotTurned(str(error) or type(error).__name__) from error
    except Exception as error:  # Pillow: a format it cannot write, a decompression bomb, a broken file
        raise _NotTurned(str(error) or type(error).__name__) from error
    return copy_entry_of(source, partial, quarter_turns)
